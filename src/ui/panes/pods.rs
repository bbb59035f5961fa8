//! Pods pane: pods grouped by deployment, with readiness, restarts and usage. (Kubernetes issue.)

use super::BuildCtx;
use crate::app::table::PaneContent;
use crate::collect::kube::KubeData;

pub fn build(_data: &KubeData, _ctx: &BuildCtx) -> PaneContent {
    PaneContent {
        empty_message: Some("no data yet".into()),
        ..Default::default()
    }
}
