//! One file per pane. Each turns its source's snapshot into a `PaneContent`
//! (summary + columns + rows); the generic table in `ui::table` draws it.

pub mod nodes;
pub mod pg_activity;
pub mod pg_locks;
pub mod pods;
pub mod redis;
pub mod targets;

use std::time::SystemTime;

use crate::app::pane::PaneId;
use crate::app::state::Sources;
use crate::config::Config;
use crate::ui::sanitize::SafeText;

pub struct BuildCtx<'a> {
    pub config: &'a Config,
    pub now: SystemTime,
    /// The pane's second view is selected (PG activity → top statements).
    pub alt_view: bool,
}

/// The `enter` fields of the row `key` for panes whose rows don't carry them (the big
/// tables build them on demand from the snapshot); `None` means "use the row's own".
pub fn details(
    id: PaneId,
    sources: &Sources,
    ctx: &BuildCtx,
    key: &str,
) -> Option<Vec<(String, SafeText)>> {
    match id {
        PaneId::Pods => pods::details(sources.kube.data.as_deref()?, ctx, key),
        _ => None,
    }
}
