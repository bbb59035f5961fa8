//! Long-running active queries (runbook: "check for long-running queries"): highlighted
//! in PG activity and on the attention line by `[postgres] long_query_warn`.

use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::{PaneId, State};
use kitops_top::collect::Snapshot;
use kitops_top::view::table::Level;

use crate::pg_render::{self, sample};
use crate::support::pg;

#[test]
fn long_running_active_queries_are_highlighted_by_the_config_threshold() {
    let now = pg::fixed_now();
    let row_level = |st: &State, pid: &str| {
        st.pane(PaneId::PgActivity)
            .table
            .content
            .rows
            .iter()
            .find(|r| r.cells.at(0) == pid)
            .map(|r| r.level)
    };
    // Default 1m: the 42 s analytics query is fine.
    let st = pg_render::state_with(sample(), '3');
    assert_eq!(row_level(&st, "4106"), Some(Level::Normal));
    // 30 s: it is long now, and on the attention line; 4 s: ten times over, critical.
    for (limit, level) in [(30, Level::Warn), (4, Level::Crit)] {
        let mut config = State::for_tests(now).config.as_ref().clone();
        config.postgres.long_query_warn = std::time::Duration::from_secs(limit);
        let mut st = State::with_config(config, now);
        update(
            &mut st,
            Event::Source(SourceUpdate::Postgres(Snapshot::live(sample(), now))),
        );
        assert_eq!(row_level(&st, "4106"), Some(level), "limit {limit}s");
        let texts = crate::support::problem_texts(&st);
        assert!(
            texts.iter().any(
                |t| t.starts_with("PG: pid 4106 active 42s") && t.contains("SELECT date_trunc")
            ),
            "{texts:?}"
        );
        // A session waiting for a lock is the locks pane's, not a slow query.
        assert!(
            !texts.iter().any(|t| t.starts_with("PG: pid 4102 active")),
            "{texts:?}"
        );
    }
}
