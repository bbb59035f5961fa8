//! `enter`: the details view of the focused pane's selected row — its pane's
//! `details` builder for the row's target, else the row's own fields.

use super::modal::Modal;
use super::state::State;
use crate::view::panes::BuildCtx;
use crate::view::safe_text::SafeText;
use crate::view::table::{PaneContent, TableRow};

/// Opens the details of the selected row (nothing when no row is selected).
pub(crate) fn open(state: &mut State) {
    if let Some(modal) = build(state) {
        state.modals.push(modal);
    }
}

/// The details view of the selected row as presenter mode stands now: `R` over an
/// open details view builds it again with this.
pub(crate) fn build(state: &State) -> Option<Modal> {
    let focus = state.focus;
    let row = state.focused().table.selected()?;
    let title = format!("{} — {}", focus.title(), row.cells.at(0));
    let ctx = BuildCtx {
        config: &state.config,
        now: state.now,
        alt_view: state.focused().alt_view,
        redact: state.redaction(),
    };
    let target = row.action_target();
    let fields = focus
        .spec()
        .details
        .zip(target.as_deref())
        .and_then(|(details, target)| details(&state.sources, &ctx, target))
        .unwrap_or_else(|| {
            let now = crate::view::panes::pods::unix(state.now);
            row_details(&state.focused().table.content, row, now)
        });
    Some(Modal::Details {
        title,
        fields,
        scroll: 0,
    })
}

/// A row's own details, or its cells under their column titles when it has none.
fn row_details(content: &PaneContent, row: &TableRow, now: i64) -> Vec<(String, SafeText)> {
    if !row.details.is_empty() {
        return row.details.clone();
    }
    content
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| (c.title.to_string(), SafeText::line(&row.text(i, now))))
        .collect()
}
