//! Panes built away from the UI task. At 100,000 pods a Kubernetes snapshot takes
//! longer to turn into rows (grouping, sorting, 5,000 node rows) than a frame lasts,
//! so the runtime hands every snapshot to a `Prebuilder` on a thread of its own and
//! the reducer only swaps the finished tables in (`Event::Built`). The flow stays one
//! way — collectors → snapshots → prebuilder → reducer → draw — and the build is the
//! same pure pane-table code the reducer runs for a view change (`rebuild::rebuild`).

use std::sync::Arc;
use std::time::SystemTime;

use super::event::SourceUpdate;
pub use super::event::{Built, BuiltPane};
use super::incident::conditions;
use super::pane::{PaneId, SourceId, PANES};
use super::sources::Sources;
use super::state::State;
use super::table::TableState;
use crate::collect::kube::KubeData;
use crate::collect::Snapshot;
use crate::config::Config;
use crate::view::attention;
use crate::view::panes::BuildCtx;
use crate::view::table::{OldRows, PaneContent};

/// What a build needs to know of the screen: each pane's filter, sort and view, so
/// the rows come filtered and sorted, and the reducer's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct ViewPrefs {
    pub now: SystemTime,
    /// Presenter mode: a row kept from a build made the other way would show through.
    redact: bool,
    panes: Vec<PanePrefs>,
}

#[derive(Debug, Clone, PartialEq, Default)]
struct PanePrefs {
    filter: String,
    sort: Option<(usize, bool)>,
    alt_view: bool,
}

impl ViewPrefs {
    pub fn of(state: &State) -> Self {
        Self {
            now: state.now,
            redact: state.redact,
            panes: state
                .panes
                .iter()
                .map(|p| PanePrefs {
                    filter: p.table.filter.clone(),
                    sort: p.table.sort,
                    alt_view: p.alt_view,
                })
                .collect(),
        }
    }
}

/// Keeps the latest snapshot of every source and the last table of every pane it
/// built (shared with the screen, so a kept row is not copied).
pub struct Prebuilder {
    config: Arc<Config>,
    sources: Sources,
    last: Vec<Option<Arc<PaneContent>>>,
    /// The last table of every pane it prepared: its search index is kept when the
    /// next build keeps every row's text (`TableState::prepared_after`).
    prepared: Vec<Option<TableState>>,
    /// The presenter mode `last` was built in.
    last_redact: bool,
}

impl Prebuilder {
    pub fn new(config: Arc<Config>) -> Self {
        Self {
            config,
            sources: Sources::loading(),
            last: PANES.iter().map(|_| None).collect(),
            prepared: PANES.iter().map(|_| None).collect(),
            last_redact: false,
        }
    }

    /// The panes of `update`'s source, built from it.
    pub fn build(&mut self, update: SourceUpdate, prefs: &ViewPrefs) -> Built {
        if prefs.redact != self.last_redact {
            // No row made the other way may be kept (`update::toggle_redact`).
            self.last.iter_mut().for_each(|l| *l = None);
            self.last_redact = prefs.redact;
        }
        let (source, kube_before) = self.store(update.clone());
        let restarts = kube_before
            .map(|before| conditions::restarts(&before, &self.sources.kube))
            .unwrap_or_default();
        let panes = PANES
            .iter()
            .filter(|p| p.source == source)
            .map(|spec| self.pane(spec.id, prefs))
            .collect();
        let conditions = conditions::of_data(source, &self.sources, &self.config);
        Built {
            update,
            panes,
            restarts,
            conditions,
        }
    }

    fn store(&mut self, update: SourceUpdate) -> (SourceId, Option<Snapshot<KubeData>>) {
        let s = &mut self.sources;
        match update {
            SourceUpdate::Kube(k) => (SourceId::Kube, Some(std::mem::replace(&mut s.kube, k))),
            SourceUpdate::Postgres(p) => {
                s.pg = p;
                (SourceId::Postgres, None)
            }
            SourceUpdate::Redis(r) => {
                s.redis = r;
                (SourceId::Redis, None)
            }
            SourceUpdate::Aws(a) => {
                s.aws = a;
                (SourceId::Aws, None)
            }
            SourceUpdate::Host(h) => {
                s.host = h;
                (SourceId::Host, None)
            }
            SourceUpdate::Deps(d) => {
                s.deps = d;
                (SourceId::Deps, None)
            }
        }
    }

    fn pane(&mut self, id: PaneId, prefs: &ViewPrefs) -> BuiltPane {
        let spec = id.spec();
        let mine = prefs.panes.get(id.index()).cloned().unwrap_or_default();
        let ctx = BuildCtx {
            config: &self.config,
            now: prefs.now,
            alt_view: mine.alt_view,
            redact: crate::view::redact::Redact(prefs.redact),
        };
        // The table on screen keeps its rows until the reducer swaps this one in;
        // the rows kept from it share their text with it.
        let content = match (spec.rebuild, self.last[id.index()].take()) {
            (Some(rebuild), Some(last)) => rebuild(&self.sources, &ctx, OldRows::shared(last)),
            (Some(rebuild), None) => rebuild(&self.sources, &ctx, OldRows::default()),
            (None, _) => (spec.build)(&self.sources, &ctx),
        };
        let mut problems = (spec.attention)(&self.sources, &ctx);
        problems.sort_by(attention::order);
        let table = content.map(|c| {
            // Summaries and the empty message: masked for every pane (`PaneContent::masked`).
            let c = Arc::new(c.masked(ctx.redact));
            if spec.rebuild.is_some() {
                self.last[id.index()] = Some(c.clone());
            }
            let before = self.prepared[id.index()].take();
            let table = TableState::prepared_after(c, &mine.filter, mine.sort, before.as_ref());
            self.prepared[id.index()] = Some(table.index_only());
            table
        });
        BuiltPane {
            id,
            table,
            attention: problems,
        }
    }
}
