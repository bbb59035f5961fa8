//! PG activity pane: connections vs max_connections and non-idle sessions. (PostgreSQL issue.)

use super::BuildCtx;
use crate::app::table::PaneContent;
use crate::collect::postgres::PgData;

pub fn build(_data: &PgData, _ctx: &BuildCtx) -> PaneContent {
    PaneContent {
        empty_message: Some("no data yet".into()),
        ..Default::default()
    }
}
