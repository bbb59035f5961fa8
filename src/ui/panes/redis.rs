//! Redis pane: interval hit rate, memory, evictions, clients. (Redis issue.)

use super::BuildCtx;
use crate::app::table::PaneContent;
use crate::collect::redis::RedisData;

pub fn build(_data: &RedisData, _ctx: &BuildCtx) -> PaneContent {
    PaneContent {
        empty_message: Some("no data yet".into()),
        ..Default::default()
    }
}
