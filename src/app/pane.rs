//! The six panes and the per-pane state: source status + table.

use std::time::SystemTime;

use super::table::TableState;
use crate::collect::SourceStatus;
use crate::config::keymap::Context;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Pods,
    Nodes,
    PgActivity,
    PgLocks,
    Redis,
    Targets,
}

impl PaneId {
    pub const ALL: [PaneId; 6] = [
        PaneId::Pods,
        PaneId::Nodes,
        PaneId::PgActivity,
        PaneId::PgLocks,
        PaneId::Redis,
        PaneId::Targets,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Pods => "Pods",
            PaneId::Nodes => "Nodes",
            PaneId::PgActivity => "PG activity",
            PaneId::PgLocks => "PG locks",
            PaneId::Redis => "Redis",
            PaneId::Targets => "Targets / RDS",
        }
    }

    pub fn context(self) -> Context {
        match self {
            PaneId::Pods => Context::Pods,
            PaneId::Nodes => Context::Nodes,
            PaneId::PgActivity => Context::PgActivity,
            PaneId::PgLocks => Context::PgLocks,
            PaneId::Redis => Context::Redis,
            PaneId::Targets => Context::Targets,
        }
    }

    pub fn next(self) -> PaneId {
        PaneId::ALL[(self.index() + 1) % 6]
    }

    pub fn prev(self) -> PaneId {
        PaneId::ALL[(self.index() + 5) % 6]
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaneState {
    pub id: PaneId,
    pub status: SourceStatus,
    pub fetched_at: Option<SystemTime>,
    pub table: TableState,
    /// A pane's second view (PG activity ↔ top statements).
    pub alt_view: bool,
}

impl PaneState {
    pub fn new(id: PaneId) -> Self {
        Self {
            id,
            status: SourceStatus::Loading,
            fetched_at: None,
            table: TableState::default(),
            alt_view: false,
        }
    }
}
