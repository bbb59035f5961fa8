//! The whole application state: what rendering is a pure function of.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use super::action::Action;
use super::audit::{AuditRow, AuditTrail, AuditedAction};
use super::event::Command;
use super::incident::conditions::Conditions;
use super::incident::Incident;
use super::modal::Modal;
use super::pane::{PaneId, PaneState, PANES};
use super::sources::SourceId;
pub use super::sources::Sources;
use crate::collect::SourceStatus;
use crate::config::keymap::Keymap;
use crate::config::Config;
use crate::view::attention::{self, Attention, Impact};
use crate::view::redact::Redact;
use crate::view::{Level, SafeText};

/// A confirmed action the executor has not answered yet.
#[derive(Debug, Clone, PartialEq)]
pub struct Running {
    pub action: Action,
    pub since: SystemTime,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusMessage {
    pub text: String,
    pub level: Level,
    pub at: SystemTime,
}

const RETIRED_MAX: usize = 64;

/// Values to be freed away from the UI task: freeing the 100,000 rows of a replaced
/// table is 200,000 calls to free, several frames' worth.
#[derive(Clone, Default)]
pub struct Retired(Vec<Arc<dyn std::any::Any + Send + Sync>>);

impl Retired {
    pub fn push(&mut self, value: Arc<dyn std::any::Any + Send + Sync>) {
        // Nobody is collecting (a reducer driven without the runtime): do not hoard.
        if self.0.len() >= RETIRED_MAX {
            self.0.clear();
        }
        self.0.push(value);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Retired {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Retired({})", self.0.len())
    }
}

#[derive(Debug, Clone)]
pub struct State {
    pub config: Arc<Config>,
    pub keymap: Arc<Keymap>,
    pub now: SystemTime,
    pub focus: PaneId,
    pub zoomed: bool,
    pub paused: bool,
    /// Presenter mode (`--redact`, `R`): the view masks literals and addresses.
    pub redact: bool,
    pub panes: Vec<PaneState>,
    pub sources: Sources,
    pub modals: Vec<Modal>,
    pub status: Option<StatusMessage>,
    /// Confirmed actions still running, oldest first: the footer shows them.
    pub running: Vec<Running>,
    /// Which attention item `a` jumps to next.
    pub problem_cursor: usize,
    /// Terminal height, so page up/down move by about a pane's worth of rows.
    pub screen_height: u16,
    /// Set by every change; the loop redraws only when it is set.
    pub dirty: bool,
    /// The declared incident, open or (until the next one) resolved.
    pub incident: Option<Incident>,
    /// The thresholds crossed now, by source: what the timeline's crossings diff.
    pub conditions: Conditions,
    /// Each source's conditions in its latest data (`conditions::of_data`), made once
    /// per snapshot: a tick only adds the status ones.
    pub data_conditions: HashMap<SourceId, Conditions>,
    /// What the reducer replaced that is large to free (a 100,000-row table, a
    /// snapshot): the runtime frees it off the UI task (`take_retired`).
    pub retired: Retired,
    /// Playing a recording: the player's position, speed and clock.
    pub replay: Option<crate::collect::replay::player::Status>,
    /// This session's action attempts (a replay's: the recorded ones): the `A` overlay.
    pub audit: AuditTrail,
}

impl State {
    pub fn new(config: Arc<Config>, keymap: Arc<Keymap>, now: SystemTime) -> Self {
        let redact = config.redact;
        Self {
            config,
            keymap,
            now,
            focus: PANES[0].id,
            zoomed: false,
            paused: false,
            redact,
            panes: PANES.iter().map(|p| PaneState::new(p.id)).collect(),
            sources: Sources::loading(),
            modals: Vec::new(),
            status: None,
            running: Vec::new(),
            problem_cursor: 0,
            screen_height: 24,
            dirty: true,
            incident: None,
            conditions: Conditions::new(),
            data_conditions: HashMap::new(),
            retired: Retired::default(),
            replay: None,
            audit: AuditTrail::default(),
        }
    }

    /// What was replaced since the last call, for the caller to free elsewhere.
    pub fn take_retired(&mut self) -> Retired {
        std::mem::take(&mut self.retired)
    }

    /// What presenter mode masks, when it is on.
    pub fn redaction(&self) -> Redact {
        Redact(self.redact)
    }

    pub fn pane(&self, id: PaneId) -> &PaneState {
        &self.panes[id.index()]
    }

    pub fn pane_mut(&mut self, id: PaneId) -> &mut PaneState {
        &mut self.panes[id.index()]
    }

    pub fn focused(&self) -> &PaneState {
        self.pane(self.focus)
    }

    /// The Kubernetes context in use, once the source has reported it.
    pub fn kube_context(&self) -> Option<&str> {
        self.sources
            .kube
            .data
            .as_ref()
            .map(|d| d.context.as_str())
            .filter(|c| !c.is_empty())
            .or(self.config.kube.context.as_deref())
    }

    pub fn is_production(&self) -> bool {
        self.config.is_production(self.kube_context())
    }

    /// The incident that is open now, if any.
    pub fn open_incident(&self) -> Option<&Incident> {
        self.incident.as_ref().filter(|i| i.is_open())
    }

    /// The attention line: every pane's problems and every failing source (on the
    /// first pane it feeds), most severe first by `view::attention::order`.
    pub fn problems(&self) -> Vec<(PaneId, Attention)> {
        let mut out: Vec<(PaneId, Attention)> = Vec::new();
        for spec in PANES.iter() {
            let first_of_source = PANES.iter().find(|p| p.source == spec.source).map(|p| p.id);
            if first_of_source == Some(spec.id) {
                if let SourceStatus::Error(e) = &self.pane(spec.id).status {
                    let text = format!("{}: {e}", spec.source.label());
                    out.push((spec.id, Attention::crit(Impact::Blind, &text)));
                }
            }
            for a in &self.pane(spec.id).attention {
                out.push((spec.id, a.clone()));
            }
        }
        out.sort_by(|a, b| attention::order(&a.1, &b.1));
        if self.redact {
            for (_, a) in &mut out {
                a.text = SafeText::line(&crate::view::redact::text(a.text.as_str()));
            }
        }
        out
    }

    /// Puts an attempt on the session's audit trail, stamped `now`; the command lets
    /// the session recording keep it.
    pub fn audited(&mut self, action: AuditedAction) -> Command {
        self.audit.push(AuditRow {
            at: self.now,
            action: action.clone(),
        });
        Command::Audited(action)
    }

    pub fn set_status(&mut self, text: impl Into<String>, level: Level) {
        let text: String = text.into();
        self.status = Some(StatusMessage {
            text: self.redaction().text(&text).into_owned(),
            level,
            at: self.now,
        });
    }
}

/// Test and benchmark fixtures: a fixture that does not load is the test's own bug, so
/// it fails loudly rather than being handled.
#[allow(clippy::expect_used)]
impl State {
    /// A state with built-in defaults (no sources configured), fixed clock: for tests.
    pub fn for_tests(now: SystemTime) -> Self {
        let opts = crate::cli::Opts::default();
        let config =
            crate::config::resolve(&opts, &|_| None, &crate::config::FileConfig::default())
                .expect("defaults resolve");
        Self::with_config(config, now)
    }

    /// A state for `config` with its keymap loaded: for tests.
    pub fn with_config(config: Config, now: SystemTime) -> Self {
        let keymap = Keymap::load(&config.keymap).expect("keymap loads");
        Self::new(Arc::new(config), Arc::new(keymap), now)
    }
}
