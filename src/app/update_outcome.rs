//! What the executor reports back: an action's outcome, a dry run's verdict, or that
//! it was busy. Each says so on the status line; an outcome goes on the timeline.

use super::action::{Action, Outcome};
use super::audit::AuditedAction;
use super::event::Command;
use super::modal::{DryRun, Modal};
use super::state::State;
use super::update_incident;
use crate::view::table::Level;

pub(crate) fn on_outcome(state: &mut State, action: &Action, outcome: Outcome) -> Vec<Command> {
    finished(state, action);
    let level = match outcome {
        Outcome::Done(_) => Level::Ok,
        Outcome::Refused(_) => Level::Warn,
        Outcome::Failed(_) => Level::Crit,
    };
    state.set_status(
        format!(
            "{} {}: {}",
            action.verb(),
            action.object(),
            outcome.message()
        ),
        level,
    );
    state.dirty = true;
    let mut commands = update_incident::on_outcome(state, action, &outcome);
    commands.push(state.audited(AuditedAction {
        verb: action.verb().to_string(),
        object: action.object(),
        target: action.audit_target(&state.config),
        outcome,
        // The demo's executor shows the dialog and runs nothing.
        dry_run: state.config.demo,
    }));
    commands.push(Command::RefreshNow);
    commands
}

pub(crate) fn on_busy(state: &mut State, action: &Action) {
    finished(state, action);
    state.set_status(
        format!(
            "{} {}: not run, an action is still running; try again when it finishes",
            action.verb(),
            action.object()
        ),
        Level::Warn,
    );
    state.dirty = true;
}

/// The executor answered (or never took) `action`: it is no longer running.
fn finished(state: &mut State, action: &Action) {
    if let Some(i) = state.running.iter().position(|r| &r.action == action) {
        state.running.remove(i);
    }
}

/// Records a dry run's verdict on the dialog that is still asking about that action.
pub(crate) fn on_validated(state: &mut State, action: &Action, outcome: Option<Outcome>) {
    if let Some(Modal::Confirm(c)) = state.modals.last_mut() {
        if &c.action == action {
            c.dry_run = match outcome {
                None => DryRun::NotAvailable,
                Some(Outcome::Done(_)) => DryRun::Accepted,
                Some(Outcome::Refused(m) | Outcome::Failed(m)) => DryRun::Rejected(m),
            };
        }
    }
}
