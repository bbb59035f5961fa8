//! Building a pane again from its source's latest snapshot, on the UI task: a view
//! change (focus, sort view, presenter mode) needs its rows now, not at the next snapshot.
//! Its own file so the key handlers of `update` and `update_modal` can both use it
//! without importing each other.

use super::pane::PaneId;
use super::state::State;
use crate::view::panes::BuildCtx;

/// Rebuilds one pane's rows from its source's latest snapshot.
pub fn rebuild(state: &mut State, id: PaneId) {
    let spec = id.spec();
    let (status, fetched_at, has_data) = state.sources.status(spec.source);
    // A 100,000-row pane must not hold its old and new rows at once: the old ones are
    // handed to the builder (which keeps those whose object did not change) or dropped.
    let old = if has_data {
        state.panes[id.index()].table.take_rows()
    } else {
        Default::default()
    };
    let ctx = BuildCtx {
        config: &state.config,
        now: state.now,
        alt_view: state.pane(id).alt_view,
        redact: state.redaction(),
    };
    let content = match spec.rebuild {
        Some(rebuild) => rebuild(&state.sources, &ctx, old),
        None => {
            drop(old);
            (spec.build)(&state.sources, &ctx)
        }
    };
    let mut problems = (spec.attention)(&state.sources, &ctx);
    problems.sort_by(crate::view::attention::order);
    let redact = ctx.redact;
    let pane = state.pane_mut(id);
    pane.status = status;
    pane.fetched_at = fetched_at;
    if let Some(c) = content {
        pane.table.set_content(c.masked(redact));
    }
    if has_data {
        pane.attention = problems;
    }
}
