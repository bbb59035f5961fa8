//! Everything that reaches the reducer, and everything it asks the outside to do.

use std::time::SystemTime;

use crossterm::event::KeyEvent;

use super::action::{Action, Outcome};
use super::incident::Incident;
use super::pane::PaneId;
use super::table::TableState;
use crate::collect::aws::AwsData;
use crate::collect::deps::DepsData;
use crate::collect::host::HostData;
use crate::collect::kube::KubeData;
use crate::collect::postgres::PgData;
use crate::collect::redis::RedisData;
use crate::collect::Snapshot;
use crate::view::attention::Attention;

#[derive(Debug, Clone)]
pub enum SourceUpdate {
    Kube(Snapshot<KubeData>),
    Postgres(Snapshot<PgData>),
    Redis(Snapshot<RedisData>),
    Aws(Snapshot<AwsData>),
    Host(Snapshot<HostData>),
    Deps(Snapshot<DepsData>),
}

#[derive(Debug, Clone)]
pub enum Event {
    /// Key presses only: releases and repeats are filtered out before this.
    Key(KeyEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// Back from `ctrl-z`: the terminal was the shell's, so everything is redrawn.
    Resumed,
    /// The clock moved: ages and the header clock need a redraw.
    Tick(SystemTime),
    Source(SourceUpdate),
    /// A snapshot with its panes already built off the UI task (`app::prebuild`).
    Built(Box<Built>),
    /// A table's order made off the UI task (`Command::PrepareTable`).
    Prepared {
        pane: PaneId,
        table: Box<TableState>,
    },
    Outcome {
        action: Action,
        outcome: Outcome,
    },
    /// The server-side dry run of an action awaiting confirmation; `None`: the API has none.
    Validated {
        action: Action,
        outcome: Option<Outcome>,
    },
    /// Lines for the logs view, already fetched by the kube layer.
    LogLines(Vec<String>),
    /// What became of a `Command::Copy`: how the text went to the clipboard (`via OSC
    /// 52`, `via tmux load-buffer -w …`), or why it did not.
    Copied(Result<String, String>),
    /// What became of a `Command::WriteLogs`.
    LogsWritten {
        path: String,
        lines: usize,
        result: Result<(), String>,
    },
    /// The executor was still running an earlier action: this one did not start.
    ExecutorBusy(Action),
    /// What became of a `Command::SaveIncident`.
    IncidentSaved(Result<(), String>),
    /// The replay player moved (position, speed, pause, its clock).
    ReplayStatus(crate::collect::replay::player::Status),
    /// Session events the player passed; `reset` after a seek.
    Recorded {
        reset: bool,
        events: Vec<crate::collect::replay::player::SessionEvent>,
    },
}

/// An operation refused before it had an action to run (read-only mode): audited all
/// the same, since someone tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub op: &'static str,
    pub object: String,
    pub target: String,
    pub reason: String,
    /// The id of the incident open when it was refused.
    pub incident: Option<String>,
}

impl Refusal {
    /// As the audit trail (and a recording) lists it.
    pub fn audited(&self) -> super::audit::AuditedAction {
        super::audit::AuditedAction {
            verb: self.op.to_string(),
            object: self.object.clone(),
            target: self.target.clone(),
            outcome: Outcome::Refused(self.reason.clone()),
            dry_run: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    /// Run a confirmed action through the executor (read-only gate, audit, source API).
    Execute(Action),
    /// Append a refusal to the audit log.
    AuditRefusal(Refusal),
    /// Ask the source's API for a dry run of an action awaiting confirmation.
    Validate(Action),
    /// Copy to the user's clipboard with OSC 52 (works over SSH and in tmux).
    Copy(String),
    SetPaused(bool),
    RefreshNow,
    Suspend,
    /// (Re)start the logs view's stream; a running one is replaced.
    StartLogs(crate::collect::kube::LogRequest),
    StopLogs,
    /// Write the logs view's visible lines to `path` (in the state directory, named by
    /// the reducer from `state.now`); the outcome names the absolute path.
    WriteLogs {
        path: std::path::PathBuf,
        lines: Vec<String>,
    },
    /// Persist the incident (atomically: temp file + rename), so a restart resumes it;
    /// a resolved one is archived and the open-incident file removed.
    SaveIncident(Incident),
    /// Steer the replay player.
    Replay(crate::collect::replay::player::Control),
    /// Sort (and filter) a table too large to sort on the UI task, on a blocking
    /// thread (`TableState::prepared`); the result comes back as `Event::Prepared`.
    PrepareTable {
        pane: PaneId,
        request: super::table::PrepareRequest,
    },
    /// Thresholds crossed just now: the session recording keeps them as events.
    Crossings(Vec<String>),
    /// An action's outcome went on the session's audit trail: the session recording
    /// keeps it (and a refusal, from `AuditRefusal`), so a replay's overlay lists it too.
    Audited(super::audit::AuditedAction),
}

/// One pane made from a snapshot: its table filtered and sorted as the prefs said
/// (`None`: the source has no data yet) and its problems, in order.
#[derive(Debug, Clone)]
pub struct BuiltPane {
    pub id: PaneId,
    pub table: Option<TableState>,
    pub attention: Vec<Attention>,
}

/// A snapshot with its panes ready: what `Event::Built` carries.
#[derive(Debug, Clone)]
pub struct Built {
    pub update: SourceUpdate,
    pub panes: Vec<BuiltPane>,
    /// Pods whose restart count went up since the last Kubernetes snapshot built.
    pub restarts: Vec<String>,
    /// The conditions in the snapshot's data (`conditions::of_data`), made there.
    pub conditions: super::incident::conditions::Conditions,
}
