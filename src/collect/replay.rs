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

/// The longest recording the player accepts (its offsets are milliseconds from the start).
const MAX_OFFSET: Duration = Duration::from_secs(7 * 24 * 3600);
/// 9999-12-31T23:59:59Z: later wall times cannot be shown as a date (the header clock
/// panicked on them with "No such local time").
const MAX_WALL_SECS: u64 = 253_402_300_799;

impl Line {
    /// Every time in the line can be played and shown: offset within a week, wall
    /// clock and fetch times between 1970 and 9999, the start (wall − offset) not
    /// before 1970.
    fn check_times(&self) -> Result<(), String> {
        let offset = Duration::from_millis(self.at_ms);
        if offset > MAX_OFFSET {
            return Err(format!(
                "at_ms {} is out of range; allowed: 0 to {} (7 days)",
                self.at_ms,
                MAX_OFFSET.as_millis()
            ));
        }
        let in_range = |t: SystemTime, at_least: Duration| {
            t.duration_since(SystemTime::UNIX_EPOCH)
                .is_ok_and(|d| d >= at_least && d.as_secs() <= MAX_WALL_SECS)
        };
        if !in_range(self.wall, offset) {
            return Err("wall time is out of range; allowed: 1970 to 9999".into());
        }
        if self
            .frame
            .fetched_at()
            .is_some_and(|t| !in_range(t, Duration::ZERO))
        {
            return Err("fetched_at is out of range; allowed: 1970 to 9999".into());
        }
        Ok(())
    }
}

impl Frame {
    fn fetched_at(&self) -> Option<SystemTime> {
        match self {
            Frame::Kube(r) => r.fetched_at,
            Frame::Postgres(r) => r.fetched_at,
            Frame::Redis(r) => r.fetched_at,
            Frame::Aws(r) => r.fetched_at,
            Frame::Host(r) => r.fetched_at,
        }
    }
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
            line.check_times().map_err(|message| RecordingError {
                line: i + 1,
                message,
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

    #[test]
    fn times_out_of_range_are_refused_not_played() {
        let host = r#"{"host":{"data":null,"fetched_at":null,"status":{"state":"live"}}}"#;
        let line = |at_ms: u64, secs: u64| {
            format!(
                r#"{{"at_ms":{at_ms},"wall":{{"secs_since_epoch":{secs},"nanos_since_epoch":0}},"frame":{host}}}"#
            )
        };
        assert!(Recording::parse(&line(26, 1_795_696_918)).is_ok());
        for (text, expect) in [
            (
                line(0, 900_000_000_000_000),
                "recording line 1: wall time is out of range",
            ),
            (
                line(5_000, 1),
                "recording line 1: wall time is out of range",
            ),
            (
                line(u64::MAX, 1_795_696_918),
                "recording line 1: at_ms 18446744073709551615 is out of range",
            ),
        ] {
            let err = Recording::parse(&text).expect_err("refused");
            assert!(err.to_string().starts_with(expect), "{err}");
        }
    }
}
