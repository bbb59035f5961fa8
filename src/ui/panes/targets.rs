//! Targets pane: ALB target health per target group, plus RDS instance state. (AWS issue.)

use super::BuildCtx;
use crate::app::table::PaneContent;
use crate::collect::aws::AwsData;

pub fn build(_data: &AwsData, _ctx: &BuildCtx) -> PaneContent {
    PaneContent {
        empty_message: Some("no data yet".into()),
        ..Default::default()
    }
}
