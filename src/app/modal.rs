//! Modals sit on a stack; the top one consumes every key.

use super::action::{Action, ConfirmSpec, InputRequest};
use super::pane::PaneId;
use crate::view::safe_text::SafeText;

/// The help overlay's legend of symbols, above the keys (`--ascii` shows `+ ! x o > '`).
pub const HELP_LEGEND: &[&str] = &[
    "  ●  ok / live        ▲  warning / stale        ✖  critical / error",
    "  ○  not configured, connecting, no data        ▶  selected row",
    "  └  member of the group above (pods of a deployment, targets of a group)",
    "  line 2: what is wrong now, most severe first (✖ before ▲; then blind, users,",
    "  stuck, capacity, hygiene; then how many are affected)",
    "  replay bar: ┃ position  ━ played  ◆ incident  ■ action  ▲ threshold crossed",
];

/// Lines of the help overlay (legend, its heading and blank, the keys of every context),
/// so scrolling stops at its end.
pub fn help_line_count(keymap: &crate::config::keymap::Keymap) -> usize {
    use crate::config::keymap::Context;
    let keys: usize = Context::ALL
        .iter()
        .map(|c| keymap.entries(*c).len())
        .filter(|n| *n > 0)
        .map(|n| n + 1)
        .sum();
    HELP_LEGEND.len() + 2 + keys
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Help {
        scroll: u16,
    },
    Details {
        title: String,
        fields: Vec<(String, SafeText)>,
        scroll: u16,
    },
    Filter {
        pane: PaneId,
        text: String,
    },
    Input(InputState),
    Confirm(ConfirmState),
    Logs(LogsState),
    /// The incident overlay: the checklist (the selected step) and the timeline.
    Incident {
        selected: usize,
    },
    /// "Resolve the open incident?"
    ResolveIncident,
    /// This session's audit trail, newest first; `scroll` rows down from the newest.
    Audit {
        scroll: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct InputState {
    pub request: InputRequest,
    pub text: String,
    pub choice: usize,
    pub error: Option<String>,
}

impl InputState {
    /// A prompt opening on its initial text, with that choice selected when it is one.
    pub fn open(request: InputRequest) -> Self {
        let text = request.initial.clone();
        let choice = request.choices.iter().position(|c| *c == text).unwrap_or(0);
        Self {
            request,
            text,
            choice,
            error: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmState {
    pub action: Action,
    pub spec: ConfirmSpec,
    /// What the user typed so far, when the dialog asks for typed confirmation.
    pub typed: String,
    pub production: bool,
    pub readonly: bool,
    pub error: Option<String>,
    pub dry_run: DryRun,
}

/// The server's verdict on the action before the user answers, where the API has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DryRun {
    NotAvailable,
    Pending,
    Accepted,
    Rejected(String),
}

pub use super::logs::{LogsState, LOG_LINES_MAX};
