//! Recordings and their player. A recording is every snapshot the collectors published
//! (as keyframes and JSON-patch changes against the previous snapshot of the same
//! source) plus the session's events (actions with outcomes, incident changes,
//! threshold crossings), each with its offset from the start. `format` reads and writes
//! files; `player` publishes a recording on the same channels the collectors use, under
//! a clock the reducer controls (pause, speed, seek), so the whole console — panes,
//! keys, dialogs — runs without any server. The built-in one is the demo.

pub mod format;
pub mod player;
pub mod writer;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::aws::AwsData;
use super::deps::DepsData;
use super::host::HostData;
use super::kube::KubeData;
use super::postgres::PgData;
use super::redis::RedisData;
use super::{Snapshot, SourceStatus};

pub use format::RecordingError;

/// The recording `kitops-top demo` plays when given no file (version 2: gzip), made by
/// `scripts/record-demo`.
pub const BUILT_IN: &[u8] = include_bytes!("../../../assets/demo/incident.jsonl.gz");

/// One snapshot as stored: the data itself, not the `Arc` around it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recorded<T> {
    pub data: Option<T>,
    pub fetched_at: Option<SystemTime>,
    pub status: SourceStatus,
}

impl<T: Clone> Recorded<T> {
    pub fn of(s: &Snapshot<T>) -> Self {
        Self {
            data: s.data.as_deref().cloned(),
            fetched_at: s.fetched_at,
            status: s.status.clone(),
        }
    }

    pub fn snapshot(&self) -> Snapshot<T> {
        Snapshot {
            data: self.data.clone().map(Arc::new),
            fetched_at: self.fetched_at,
            status: self.status.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Frame {
    Kube(Recorded<KubeData>),
    Postgres(Recorded<PgData>),
    Redis(Recorded<RedisData>),
    Aws(Recorded<AwsData>),
    Host(Recorded<HostData>),
    Deps(Recorded<DepsData>),
}

/// How many sources a recording holds (one `Frame` variant each).
pub const SOURCES: usize = 6;

impl Frame {
    /// When the snapshot it holds was fetched.
    pub fn fetched_at(&self) -> Option<SystemTime> {
        match self {
            Frame::Kube(r) => r.fetched_at,
            Frame::Postgres(r) => r.fetched_at,
            Frame::Redis(r) => r.fetched_at,
            Frame::Aws(r) => r.fetched_at,
            Frame::Host(r) => r.fetched_at,
            Frame::Deps(r) => r.fetched_at,
        }
    }

    /// Which source it is, 0..SOURCES, in `Frame`'s variant order.
    pub fn source(&self) -> usize {
        match self {
            Frame::Kube(_) => 0,
            Frame::Postgres(_) => 1,
            Frame::Redis(_) => 2,
            Frame::Aws(_) => 3,
            Frame::Host(_) => 4,
            Frame::Deps(_) => 5,
        }
    }
}

/// One snapshot of a recording, decoded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    /// Offset from the start of the recording.
    pub at_ms: u64,
    /// Wall clock when it was recorded: the player's clock runs on it.
    pub wall: SystemTime,
    pub frame: Frame,
}

/// What a record holds. Snapshots stay serialized (a keyframe, or a JSON patch against
/// the source's previous snapshot) so an hour of recording stays small in memory; the
/// player decodes only what it shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Key {
        source: usize,
        json: String,
    },
    Patch {
        source: usize,
        json: String,
    },
    /// A session event, opaque here (the app layer reads it): `{"kind": …, …}`.
    /// Shared, so a seek hands every earlier event to the app without copying it.
    Event {
        kind: String,
        json: Arc<str>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub at_ms: u64,
    pub wall: SystemTime,
    pub body: Body,
}

/// What the file's header says.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    pub version: u32,
    /// Recorded with `--redact`: query literals and addresses were masked in the file.
    pub redacted: bool,
    /// The session id of the console that recorded it (its audit entries say the same).
    pub session: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Recording {
    pub meta: Meta,
    pub records: Vec<Record>,
    /// The file ended mid-record (a crash while recording): played up to its last
    /// complete record.
    pub truncated: bool,
}

impl Recording {
    /// Reads a recording of any supported version (JSON lines v1, compressed v2).
    pub fn parse(bytes: impl AsRef<[u8]>) -> Result<Self, RecordingError> {
        format::read(bytes.as_ref())
    }

    /// Every snapshot decoded, in order: for tests and tools (the player decodes lazily).
    pub fn lines(&self) -> Vec<Line> {
        let mut current: [Option<serde_json::Value>; SOURCES] = Default::default();
        let mut out = Vec::new();
        for r in &self.records {
            if let Some(frame) = apply(&mut current, &r.body) {
                out.push(Line {
                    at_ms: r.at_ms,
                    wall: r.wall,
                    frame,
                });
            }
        }
        out
    }

    /// The session events, in order: `(offset, kind, json)`.
    pub fn events(&self) -> impl Iterator<Item = (&Record, &str, &str)> {
        self.records.iter().filter_map(|r| match &r.body {
            Body::Event { kind, json } => Some((r, kind.as_str(), &**json)),
            _ => None,
        })
    }

    /// Offset of the last record.
    pub fn length(&self) -> Duration {
        Duration::from_millis(self.records.last().map(|r| r.at_ms).unwrap_or(0))
    }

    /// Wall clock of the recording's start.
    pub fn start_wall(&self) -> SystemTime {
        self.records
            .first()
            .map(|r| r.wall - Duration::from_millis(r.at_ms))
            .unwrap_or(SystemTime::UNIX_EPOCH)
    }
}

/// Applies one snapshot record to the sources' current JSON, returning the decoded
/// frame; `None` for events and for a record that does not decode (skipped, so one
/// bad record does not stop a replay).
pub fn apply(current: &mut [Option<serde_json::Value>; SOURCES], body: &Body) -> Option<Frame> {
    let source = match body {
        Body::Key { source, json } => {
            let v: serde_json::Value = serde_json::from_str(json).ok()?;
            current[*source] = Some(v);
            *source
        }
        Body::Patch { source, json } => {
            let patch: json_patch::Patch = serde_json::from_str(json).ok()?;
            let v = current[*source].as_mut()?;
            json_patch::patch(v, &patch).ok()?;
            *source
        }
        Body::Event { .. } => return None,
    };
    let v = current[source].clone()?;
    let frame: Frame = serde_json::from_value(v).ok()?;
    // A fetch time that cannot be shown as a date is skipped like any bad record.
    match frame.fetched_at() {
        Some(t) if format::check_wall(t, Duration::ZERO).is_err() => None,
        _ => Some(frame),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_recording_has_every_source_with_data() {
        let rec = Recording::parse(BUILT_IN).expect("built-in recording parses");
        let lines = rec.lines();
        let has = |f: fn(&Frame) -> bool| lines.iter().any(|l| f(&l.frame));
        assert!(has(
            |f| matches!(f, Frame::Kube(r) if r.data.as_ref().is_some_and(|d| !d.pods.is_empty()))
        ));
        assert!(has(|f| matches!(f, Frame::Postgres(r) if r.data.is_some())));
        assert!(has(|f| matches!(f, Frame::Redis(r) if r.data.is_some())));
        assert!(has(
            |f| matches!(f, Frame::Aws(r) if r.data.as_ref().is_some_and(|d| d.signals.is_some()))
        ));
        assert!(has(
            |f| matches!(f, Frame::Deps(r) if r.data.as_ref().is_some_and(|d| d.checks.len() >= 3))
        ));
        assert!(rec.length() > Duration::from_secs(30));
        assert_eq!(rec.meta.version, 2, "a --record session");
        let kinds: Vec<&str> = rec.events().map(|(_, k, _)| k).collect();
        for kind in ["incident", "action", "crossing"] {
            assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
        }
    }
}
