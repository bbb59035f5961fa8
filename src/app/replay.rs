//! The reducer's replay half: the player's position and clock, the recorded session
//! events it passes (the incident as it stood, the actions taken), and the event marks of a recording
//! that has none of its own (version 1), computed from its snapshots.

use std::time::Duration;

use super::audit::{AuditRow, AuditedAction};
use super::incident::conditions::{self, Conditions};
use super::incident::Incident;
use super::sources::{SourceId, Sources};
use super::state::State;
use crate::collect::replay::player::{SessionEvent, Status};
use crate::collect::replay::{Frame, Recording};
use crate::config::Config;

pub(crate) fn on_status(state: &mut State, status: Status) {
    state.now = status.now;
    state.replay = Some(status);
}

/// Recorded events: the last incident record is the incident at this point; every
/// action record goes on the audit trail. After a seek (`reset`) the player sends every
/// event up to the new position again.
pub(crate) fn on_events(state: &mut State, reset: bool, events: Vec<SessionEvent>) {
    if reset {
        state.incident = None;
        state.audit.drop_recorded();
    }
    // Only the last incident record counts: after a seek into an hour-long incident
    // there may be hundreds, each the whole incident as it then stood.
    let last_incident = events.iter().rposition(|e| e.kind == "incident");
    for (i, e) in events.iter().enumerate() {
        match e.kind.as_str() {
            "incident" if Some(i) == last_incident => {
                if let Ok(inc) = serde_json::from_str::<Incident>(&e.json) {
                    state.incident = Some(inc);
                }
            }
            "action" => {
                if let Ok(action) = serde_json::from_str::<AuditedAction>(&e.json) {
                    state.audit.push(AuditRow { at: e.wall, action });
                }
            }
            _ => {}
        }
    }
}

/// Offsets where a threshold crossed, from the snapshots themselves.
pub fn crossing_marks(rec: &Recording, config: &Config) -> Vec<Duration> {
    let mut sources = Sources::loading();
    let mut held = Conditions::new();
    let mut marks = Vec::new();
    for line in rec.lines() {
        let source = match line.frame {
            Frame::Kube(r) => {
                sources.kube = r.snapshot();
                SourceId::Kube
            }
            Frame::Postgres(r) => {
                sources.pg = r.snapshot();
                SourceId::Postgres
            }
            Frame::Redis(r) => {
                sources.redis = r.snapshot();
                SourceId::Redis
            }
            Frame::Aws(r) => {
                sources.aws = r.snapshot();
                SourceId::Aws
            }
            Frame::Host(r) => {
                sources.host = r.snapshot();
                SourceId::Host
            }
            Frame::Deps(r) => {
                sources.deps = r.snapshot();
                SourceId::Deps
            }
        };
        let old = conditions::subset(&held, source);
        let new = conditions::of_source(source, &sources, config, line.wall);
        // The first snapshot of a source is where it starts, not a crossing.
        if old != new && !old.is_empty() {
            marks.push(Duration::from_millis(line.at_ms));
        }
        conditions::replace(&mut held, source, new);
    }
    marks
}

/// A played frame as the snapshot its source would have published: what the runtime
/// hands the reducer for each frame of a player step.
impl From<Frame> for super::event::SourceUpdate {
    fn from(frame: Frame) -> Self {
        use super::event::SourceUpdate as U;
        match frame {
            Frame::Kube(r) => U::Kube(r.snapshot()),
            Frame::Postgres(r) => U::Postgres(r.snapshot()),
            Frame::Redis(r) => U::Redis(r.snapshot()),
            Frame::Aws(r) => U::Aws(r.snapshot()),
            Frame::Host(r) => U::Host(r.snapshot()),
            Frame::Deps(r) => U::Deps(r.snapshot()),
        }
    }
}
