//! The reducer's replay half: the player's position and clock, the recorded session
//! events it passes (the incident as it stood), and the event marks of a recording
//! that has none of its own (version 1), computed from its snapshots.

use std::time::Duration;

use super::incident::conditions::{self, Conditions};
use super::incident::Incident;
use super::sources::{SourceId, Sources};
use super::state::State;
use crate::collect::replay::player::Status;
use crate::collect::replay::{Frame, Recording};
use crate::config::Config;

pub(crate) fn on_status(state: &mut State, status: Status) {
    state.now = status.now;
    state.replay = Some(status);
}

/// Recorded events: the last incident record is the incident at this point.
pub(crate) fn on_events(state: &mut State, reset: bool, events: Vec<(String, String)>) {
    if reset {
        state.incident = None;
    }
    for (kind, json) in events {
        if kind == "incident" {
            if let Ok(inc) = serde_json::from_str::<Incident>(&json) {
                state.incident = Some(inc);
            }
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
