//! Recordings: every snapshot the collectors published, with its offset from the
//! start, as JSON lines. `kitops-top record` writes one from live sources; the
//! player publishes a recording's snapshots on the same channels the collectors use,
//! in a loop, so the whole console (panes, keys, dialogs) runs without any server.
//! The built-in one (`assets/demo/incident.jsonl`) is the demo.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::aws::AwsData;
use super::deps::DepsData;
use super::host::HostData;
use super::kube::KubeData;
use super::postgres::PgData;
use super::redis::RedisData;
use super::sources::Channels;
use super::{Snapshot, SourceStatus};

/// The recording `kitops-top demo` plays when given no file.
pub const BUILT_IN: &str = include_str!("../../assets/demo/incident.jsonl");

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

    fn snapshot(&self) -> Snapshot<T> {
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

/// One line of a recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    /// Offset from the start of the recording.
    pub at_ms: u64,
    /// Wall clock when it was recorded: the player's clock runs on it.
    pub wall: SystemTime,
    pub frame: Frame,
}

#[derive(Debug, thiserror::Error)]
#[error("recording line {line}: {message}")]
pub struct RecordingError {
    line: usize,
    message: String,
}

#[derive(Debug, Clone)]
pub struct Recording {
    lines: Vec<Line>,
}

impl Recording {
    pub fn parse(text: &str) -> Result<Self, RecordingError> {
        let mut lines = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            if raw.trim().is_empty() {
                continue;
            }
            let line: Line = serde_json::from_str(raw).map_err(|e| RecordingError {
                line: i + 1,
                message: e.to_string(),
            })?;
            lines.push(line);
        }
        if lines.is_empty() {
            return Err(RecordingError {
                line: 0,
                message: "empty recording".into(),
            });
        }
        lines.sort_by_key(|l| l.at_ms);
        Ok(Self { lines })
    }

    pub fn lines(&self) -> &[Line] {
        &self.lines
    }

    /// Length of one loop: the last frame, plus a pause before starting over.
    pub fn span(&self) -> Duration {
        let last = self.lines.last().map(|l| l.at_ms).unwrap_or(0);
        Duration::from_millis(last) + Duration::from_secs(3)
    }

    /// Wall clock of the recording's start.
    fn start_wall(&self) -> SystemTime {
        let first = &self.lines[0];
        first.wall - Duration::from_millis(first.at_ms)
    }
}

/// The player's clock: the recording's wall time at the current point of the loop,
/// so ages ("metrics 7s old", "restarted 2m ago") read as they did when recorded.
#[derive(Debug, Clone, Copy)]
pub struct ReplayClock {
    start_wall: SystemTime,
    started: Instant,
    span: Duration,
}

impl ReplayClock {
    pub fn now(&self) -> SystemTime {
        let span_ms = self.span.as_millis().max(1);
        let into = self.started.elapsed().as_millis() % span_ms;
        self.start_wall + Duration::from_millis(into as u64)
    }
}

/// Publishes `recording` on fresh channels, looping until every receiver is gone.
pub fn play(recording: Recording) -> (Channels, ReplayClock) {
    let (kube_tx, kube) = watch::channel(Snapshot::loading());
    let (pg_tx, pg) = watch::channel(Snapshot::loading());
    let (redis_tx, redis) = watch::channel(Snapshot::loading());
    let (aws_tx, aws) = watch::channel(Snapshot::loading());
    let (host_tx, host) = watch::channel(Snapshot::loading());
    // Recordings made before dependency checks existed have no Deps frames.
    let (deps_tx, deps) = watch::channel(Snapshot::unconfigured("not in this recording"));
    let clock = ReplayClock {
        start_wall: recording.start_wall(),
        started: Instant::now(),
        span: recording.span(),
    };
    tokio::spawn(async move {
        loop {
            let round = tokio::time::Instant::now();
            for line in recording.lines() {
                tokio::time::sleep_until(round + Duration::from_millis(line.at_ms)).await;
                // `send_replace` never fails (it returns the old value); with no receiver the pane is gone.
                match &line.frame {
                    Frame::Kube(r) => drop(kube_tx.send_replace(r.snapshot())),
                    Frame::Postgres(r) => drop(pg_tx.send_replace(r.snapshot())),
                    Frame::Redis(r) => drop(redis_tx.send_replace(r.snapshot())),
                    Frame::Aws(r) => drop(aws_tx.send_replace(r.snapshot())),
                    Frame::Host(r) => drop(host_tx.send_replace(r.snapshot())),
                    Frame::Deps(r) => drop(deps_tx.send_replace(r.snapshot())),
                }
            }
            if kube_tx.is_closed() && pg_tx.is_closed() {
                return;
            }
            tokio::time::sleep_until(round + recording.span()).await;
        }
    });
    let channels = Channels {
        kube,
        pg,
        redis,
        aws,
        host,
        deps,
    };
    (channels, clock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_recording_has_every_source_with_data() {
        let rec = Recording::parse(BUILT_IN).expect("built-in recording parses");
        let has = |f: fn(&Frame) -> bool| rec.lines().iter().any(|l| f(&l.frame));
        assert!(has(
            |f| matches!(f, Frame::Kube(r) if r.data.as_ref().is_some_and(|d| !d.pods.is_empty()))
        ));
        assert!(has(|f| matches!(f, Frame::Postgres(r) if r.data.is_some())));
        assert!(has(|f| matches!(f, Frame::Redis(r) if r.data.is_some())));
        assert!(has(|f| matches!(f, Frame::Aws(r) if r.data.is_some())));
        assert!(rec.span() > Duration::from_secs(30));
    }

    #[test]
    fn a_bad_line_is_reported_with_its_number() {
        let err = Recording::parse("\n{\"at_ms\": 1}\n").expect_err("missing fields");
        assert!(err.to_string().starts_with("recording line 2:"), "{err}");
        assert!(Recording::parse("").is_err());
    }
}
