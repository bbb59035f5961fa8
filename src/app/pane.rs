//! The pane table: one `PaneSpec` row per pane. Focus cycling, the grid, the compact
//! strips, keymap contexts, rebuilding from snapshots, on-demand details and the
//! headless table output all derive from `PANES`, so adding a pane is its view file,
//! its `PaneId` variant and one row here.

use std::time::SystemTime;

pub use super::sources::SourceId;
use super::sources::Sources;
use super::table::TableState;
use crate::collect::SourceStatus;
use crate::config::keymap::{Context, KeyAction};
use crate::view::attention::{self, Attention};
use crate::view::panes::{self, BuildCtx};
use crate::view::table::OldRows;
use crate::view::{PaneContent, SafeText, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Pods,
    Nodes,
    PgActivity,
    PgLocks,
    Redis,
    Targets,
    Signals,
    Deps,
}

/// A pane's build from the latest snapshots given its current rows (see `PaneSpec::rebuild`).
pub type RebuildFn = fn(&Sources, &BuildCtx, OldRows) -> Option<PaneContent>;

/// The `enter` fields of the row aimed at a target, built on demand from the snapshot
/// (the big tables do not carry them on every row); `None`: use the row's own.
pub type DetailsFn = fn(&Sources, &BuildCtx, &Target) -> Option<Vec<(String, SafeText)>>;

/// Everything the app and the UI need to know about one pane.
pub struct PaneSpec {
    pub id: PaneId,
    /// The pane's name in headless output and recordings (`pods`, `pg_activity`).
    pub name: &'static str,
    pub title: &'static str,
    /// Where its keys live in the keymap (`[pods]`).
    pub context: Context,
    /// The key action that focuses it (`1`…`6` by default).
    pub focus_action: KeyAction,
    pub source: SourceId,
    /// Its view model from the latest snapshots; `None` while the source has no data.
    pub build: fn(&Sources, &BuildCtx) -> Option<PaneContent>,
    /// `build` given the pane's current rows, for a pane that keeps the rows whose
    /// object did not change (100,000 pods); `None`: the old rows are dropped first.
    pub rebuild: Option<RebuildFn>,
    pub details: Option<DetailsFn>,
    /// Its problems for the attention line and its strip (`view::attention`).
    pub attention: AttentionFn,
}

/// A pane's problems from the latest snapshots (empty while its source has no data).
pub type AttentionFn = fn(&Sources, &BuildCtx) -> Vec<Attention>;

fn of<T>(
    data: Option<&T>,
    ctx: &BuildCtx,
    f: fn(&T, &BuildCtx) -> Vec<Attention>,
) -> Vec<Attention> {
    data.map(|d| f(d, ctx)).unwrap_or_default()
}

/// Every pane, in focus order and grid order (two per grid row).
pub static PANES: [PaneSpec; 8] = [
    PaneSpec {
        id: PaneId::Pods,
        name: "pods",
        title: "Pods",
        context: Context::Pods,
        focus_action: KeyAction::FocusPods,
        source: SourceId::Kube,
        build: |s, ctx| s.kube.data.as_deref().map(|d| panes::pods::build(d, ctx)),
        rebuild: Some(|s, ctx, old| {
            let data = s.kube.data.as_ref()?;
            Some(panes::pods::rebuild(data, ctx, old))
        }),
        details: Some(|s, ctx, target| {
            panes::pod_details::details(s.kube.data.as_deref()?, ctx, target)
        }),
        attention: |s, ctx| {
            let data = s.kube.data.as_ref();
            data.map(|d| attention::kube_pods_shared(d, ctx))
                .unwrap_or_default()
        },
    },
    PaneSpec {
        id: PaneId::Nodes,
        name: "nodes",
        title: "Nodes",
        context: Context::Nodes,
        focus_action: KeyAction::FocusNodes,
        source: SourceId::Kube,
        build: |s, ctx| s.kube.data.as_deref().map(|d| panes::nodes::build(d, ctx)),
        rebuild: Some(|s, ctx, old| Some(panes::nodes::rebuild(s.kube.data.as_ref()?, ctx, old))),
        details: Some(|s, ctx, target| {
            panes::node_details::details(s.kube.data.as_deref()?, ctx, target)
        }),
        attention: |s, ctx| of(s.kube.data.as_deref(), ctx, attention::kube_nodes),
    },
    PaneSpec {
        id: PaneId::PgActivity,
        name: "pg_activity",
        title: "PG activity",
        context: Context::PgActivity,
        focus_action: KeyAction::FocusPgActivity,
        source: SourceId::Postgres,
        build: |s, ctx| {
            s.pg.data
                .as_deref()
                .map(|d| panes::pg_activity::build(d, ctx))
        },
        rebuild: None,
        details: None,
        attention: |s, ctx| of(s.pg.data.as_deref(), ctx, attention::pg_activity),
    },
    PaneSpec {
        id: PaneId::PgLocks,
        name: "pg_locks",
        title: "PG locks",
        context: Context::PgLocks,
        focus_action: KeyAction::FocusPgLocks,
        source: SourceId::Postgres,
        build: |s, ctx| s.pg.data.as_deref().map(|d| panes::pg_locks::build(d, ctx)),
        rebuild: None,
        details: None,
        attention: |s, ctx| of(s.pg.data.as_deref(), ctx, attention::pg_locks),
    },
    PaneSpec {
        id: PaneId::Redis,
        name: "redis",
        title: "Redis",
        context: Context::Redis,
        focus_action: KeyAction::FocusRedis,
        source: SourceId::Redis,
        build: |s, ctx| s.redis.data.as_deref().map(|d| panes::redis::build(d, ctx)),
        rebuild: None,
        details: None,
        attention: |s, ctx| of(s.redis.data.as_deref(), ctx, attention::redis),
    },
    PaneSpec {
        id: PaneId::Targets,
        name: "targets",
        title: "Targets / RDS",
        context: Context::Targets,
        focus_action: KeyAction::FocusTargets,
        source: SourceId::Aws,
        build: |s, ctx| s.aws.data.as_deref().map(|d| panes::targets::build(d, ctx)),
        rebuild: None,
        details: None,
        attention: |s, ctx| of(s.aws.data.as_deref(), ctx, attention::aws_targets),
    },
    PaneSpec {
        id: PaneId::Signals,
        name: "signals",
        title: "Signals",
        context: Context::Signals,
        focus_action: KeyAction::FocusSignals,
        source: SourceId::Aws,
        build: |s, ctx| s.aws.data.as_deref().map(|d| panes::signals::build(d, ctx)),
        rebuild: None,
        details: None,
        attention: |s, ctx| of(s.aws.data.as_deref(), ctx, attention::signals),
    },
    PaneSpec {
        id: PaneId::Deps,
        name: "deps",
        title: "Deps",
        context: Context::Deps,
        focus_action: KeyAction::FocusDeps,
        source: SourceId::Deps,
        build: |s, ctx| s.deps.data.as_deref().map(|d| panes::deps::build(d, ctx)),
        rebuild: None,
        details: None,
        attention: |s, ctx| of(s.deps.data.as_deref(), ctx, attention::deps),
    },
];

impl PaneId {
    /// Every pane id, in table order.
    pub fn all() -> impl Iterator<Item = PaneId> {
        PANES.iter().map(|p| p.id)
    }

    /// Its row in `PANES`; every id has one (checked by a test).
    pub fn spec(self) -> &'static PaneSpec {
        &PANES[self.index()]
    }

    /// Its position in `PANES` (and in `State::panes`): the variants are declared in
    /// table order, which a test checks.
    pub fn index(self) -> usize {
        self as usize
    }

    pub fn title(self) -> &'static str {
        self.spec().title
    }

    pub fn context(self) -> Context {
        self.spec().context
    }

    pub fn next(self) -> PaneId {
        PANES[(self.index() + 1) % PANES.len()].id
    }

    pub fn prev(self) -> PaneId {
        PANES[(self.index() + PANES.len() - 1) % PANES.len()].id
    }

    /// The pane a focus key action names.
    pub fn focused_by(action: KeyAction) -> Option<PaneId> {
        PANES
            .iter()
            .find(|p| p.focus_action == action)
            .map(|p| p.id)
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
    /// Its problems, most severe first (`view::attention::order`).
    pub attention: Vec<Attention>,
}

impl PaneState {
    pub fn new(id: PaneId) -> Self {
        Self {
            id,
            status: SourceStatus::Loading,
            fetched_at: None,
            table: TableState::default(),
            alt_view: false,
            attention: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_is_its_own_row() {
        for (i, spec) in PANES.iter().enumerate() {
            assert_eq!(spec.id.index(), i, "{}", spec.name);
            assert_eq!(spec.id.spec().name, spec.name);
        }
        let contexts: std::collections::HashSet<_> = PANES.iter().map(|p| p.context).collect();
        assert_eq!(contexts.len(), PANES.len(), "one keymap context per pane");
    }

    #[test]
    fn focus_cycles_through_every_pane_both_ways() {
        let mut seen = vec![PANES[0].id];
        let mut p = PANES[0].id.next();
        while p != PANES[0].id {
            seen.push(p);
            p = p.next();
        }
        assert_eq!(seen, PaneId::all().collect::<Vec<_>>());
        let first = PANES[0].id;
        assert_eq!(first.next().prev(), first);
        assert_eq!(first.prev(), PANES[PANES.len() - 1].id);
    }
}
