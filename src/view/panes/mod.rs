//! One file per pane. Each turns its source's snapshot into a `PaneContent`
//! (summary + columns + rows); the generic table in `ui::table` draws it, and the
//! pane table (`app::pane::PANES`) says which builder serves which pane.

pub mod deps;
pub mod node_details;
pub mod nodes;
pub mod pg_activity;
pub mod pg_locks;
pub mod pg_top_statements;
pub mod pod_details;
pub mod pod_diag;
pub mod pods;
mod pods_reuse;
mod pods_summary;
mod pods_usage;
pub use pod_diag::{exit_meaning, warnings as event_warnings};
pub mod redis;
pub mod signals;
mod signals_rds;
pub use signals_rds::cpu_attention_level as signals_rds_level;
pub mod targets;

use std::time::SystemTime;

use crate::config::Config;

/// What a builder needs besides the snapshot.
pub struct BuildCtx<'a> {
    pub config: &'a Config,
    pub now: SystemTime,
    /// The pane's second view is selected (PG activity → top statements).
    pub alt_view: bool,
    /// Presenter mode: query literals, addresses and values masked (`view::redact`).
    pub redact: crate::view::redact::Redact,
}
