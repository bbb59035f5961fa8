//! `R`, presenter mode on or off: where the key toggles it, and what is built again so
//! the next frame shows the change everywhere (every pane, an open dialog).

use super::modal::{ConfirmState, Modal};
use super::pane::PANES;
use super::rebuild::rebuild;
use super::state::State;
use crate::view::table::Level;

/// Whether `R` toggles presenter mode over `modal`. It does over what is being read —
/// the logs view, details, help, the incident and audit overlays — and over a confirmation
/// dialog (on a shared screen it shows server text: a query, a target's address).
/// Where a text field takes the key as a letter it does not: the filter, an input
/// dialog, the logs filter, and a dialog that asks for its name to be typed.
pub(crate) fn toggles_over(modal: &Modal) -> bool {
    match modal {
        Modal::Logs(logs) => !logs.editing_filter,
        Modal::Confirm(confirm) => confirm.spec.typed_confirmation.is_none(),
        Modal::Help { .. }
        | Modal::Details { .. }
        | Modal::Incident { .. }
        | Modal::Audit { .. }
        | Modal::ResolveIncident => true,
        Modal::Filter { .. } | Modal::Input(_) => false,
    }
}

/// Turns presenter mode on or off. Every pane is built again from its snapshot (none
/// keeps a row made the other way), and every open confirmation dialog is described
/// again, keeping what the user typed and the dry run's verdict.
pub(crate) fn toggle(state: &mut State) {
    state.redact = !state.redact;
    for spec in PANES.iter() {
        drop(state.pane_mut(spec.id).table.take_rows());
        rebuild(state, spec.id);
    }
    redescribe_dialogs(state);
    // A details view is built from the snapshot when opened: open it again as it is now.
    if let Some(Modal::Details { scroll, .. }) = state.modals.last() {
        let scroll = *scroll;
        if let Some(mut again) = super::details::build(state) {
            if let Modal::Details { scroll: s, .. } = &mut again {
                *s = scroll;
            }
            state.modals.pop();
            state.modals.push(again);
        }
    }
    let text = if state.redact {
        "presenter mode on: query literals, addresses and log values are masked"
    } else {
        "presenter mode off: everything is shown as the servers report it"
    };
    state.set_status(text, Level::Ok);
}

fn redescribe_dialogs(state: &mut State) {
    let specs: Vec<Option<_>> = state
        .modals
        .iter()
        .map(|m| match m {
            Modal::Confirm(c) => Some(ConfirmState::open(c.action.clone(), state).spec),
            _ => None,
        })
        .collect();
    for (modal, spec) in state.modals.iter_mut().zip(specs) {
        if let (Modal::Confirm(c), Some(spec)) = (modal, spec) {
            c.spec = spec;
        }
    }
}
