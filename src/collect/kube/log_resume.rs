//! One pod's log, followed across dropped streams. The API server (or a proxy, or the
//! kubelet) may end a follow stream at any time; the view then reconnects with backoff
//! and asks for the lines since the last one it saw. Every line is requested with its
//! kubelet timestamp (`timestamps=true`: RFC 3339 with nanoseconds, then a space); the
//! timestamp is what makes the resume exact, and it is stripped before the view sees
//! the line. `sinceTime` has whole seconds on the wire, so the server repeats the lines
//! of that second: those stamped at or before the last one seen are dropped — no
//! duplicates and no gap. (Two lines with the very same nanosecond would lose the
//! second; the kubelet stamps each line as it reads it.)

use std::time::Duration;

use futures::{AsyncBufReadExt, StreamExt};
use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::jiff::{Timestamp, TimestampRound, Unit};
use kube::api::{Api, LogParams};
use tokio::sync::mpsc;

use super::client::{describe_error, is_status};

/// Lines fetched per pod before following.
pub const TAIL_LINES: i64 = 100;
/// Most lines sent to the UI in one message.
const BATCH: usize = 256;
/// First wait before reconnecting a dropped follow; doubles per failed attempt.
const BACKOFF_FIRST: Duration = Duration::from_millis(250);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

pub const RECONNECTING: &str = "-- log stream dropped; reconnecting… --";
pub const RESUMED: &str = "-- log stream resumed --";
pub const ENDED: &str = "-- log stream ended --";

/// What to stream: one container of one pod, its lines shown after `prefix`.
pub struct PodLog<'a> {
    pub api: &'a Api<Pod>,
    pub namespace: &'a str,
    pub name: String,
    pub container: Option<String>,
    pub prefix: String,
    pub follow: bool,
    /// The previous (crashed) container instance.
    pub previous: bool,
    /// Keep the kubelet's timestamp in front of each line, as `kubectl --timestamps`.
    pub timestamps: bool,
}

/// The sink closed: the logs view is gone.
pub struct Closed;

/// `2026-01-02T03:04:05.123456789Z rest` → (the time, `rest`); a line without one as is.
pub fn split_timestamp(line: &str) -> (Option<Timestamp>, &str) {
    match line.split_once(' ') {
        Some((stamp, rest)) => match stamp.parse::<Timestamp>() {
            Ok(t) => (Some(t), rest),
            Err(_) => (None, line),
        },
        None => (None, line),
    }
}

/// The whole second at or before `t`: kube-rs rounds `sinceTime` to the nearest second,
/// which could skip up to half a second of lines; a floored time rounds to itself.
fn floor_second(t: Timestamp) -> Timestamp {
    t.round(
        TimestampRound::new()
            .smallest(Unit::Second)
            .mode(k8s_openapi::jiff::RoundMode::Trunc),
    )
    .unwrap_or(t)
}

fn params(log: &PodLog<'_>, since: Option<Timestamp>) -> LogParams {
    LogParams {
        container: log.container.clone(),
        follow: log.follow,
        previous: log.previous,
        timestamps: true,
        tail_lines: since.is_none().then_some(TAIL_LINES),
        since_time: since.map(floor_second),
        ..LogParams::default()
    }
}

async fn send(sink: &mpsc::Sender<Vec<String>>, lines: Vec<String>) -> Result<(), Closed> {
    sink.send(lines).await.map_err(|_| Closed)
}

/// Streams `log` into `sink`; when following, reconnects after every drop until the
/// pod is gone or the view closes. `Err(message)` only when the first request fails.
pub async fn stream_pod(
    log: PodLog<'_>,
    sink: &mpsc::Sender<Vec<String>>,
) -> Result<Result<(), String>, Closed> {
    let mut last_seen: Option<Timestamp> = None;
    let mut connected_once = false;
    let mut reconnecting = false;
    let mut failures: u32 = 0;
    loop {
        match log
            .api
            .log_stream(&log.name, &params(&log, last_seen))
            .await
        {
            Ok(reader) => {
                if reconnecting {
                    send(sink, vec![format!("{}{RESUMED}", log.prefix)]).await?;
                }
                let first = !connected_once;
                connected_once = true;
                let mut fresh = 0;
                let mut batches = reader.lines().ready_chunks(BATCH);
                while let Some(batch) = batches.next().await {
                    let lines = fresh_lines(&log.prefix, batch, &mut last_seen, log.timestamps);
                    fresh += lines.len();
                    if !lines.is_empty() {
                        send(sink, lines).await?;
                    }
                }
                // A previous (crashed) container's log is complete: nothing to resume.
                if !log.follow || log.previous {
                    return Ok(Ok(()));
                }
                // A stream that brought nothing new (a container that has exited ends
                // every follow at once) is retried quietly, ever more slowly.
                if first || fresh > 0 {
                    send(sink, vec![format!("{}{RECONNECTING}", log.prefix)]).await?;
                    reconnecting = true;
                    failures = 0;
                } else {
                    reconnecting = false;
                    failures = failures.saturating_add(1);
                }
            }
            Err(e) => {
                let msg = describe_error(&e, "get", "pods/log", Some(log.namespace));
                if !connected_once {
                    return Ok(Err(msg));
                }
                if is_status(&e, 404) {
                    send(sink, vec![format!("{}{ENDED} ({msg})", log.prefix)]).await?;
                    return Ok(Ok(()));
                }
                failures = failures.saturating_add(1);
            }
        }
        let wait = BACKOFF_FIRST
            .saturating_mul(1 << failures.min(6))
            .min(BACKOFF_MAX);
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = sink.closed() => return Err(Closed),
        }
    }
}

/// The lines of `batch` after `last_seen`, timestamps stripped unless `keep_stamps`;
/// advances `last_seen`.
fn fresh_lines(
    prefix: &str,
    batch: Vec<std::io::Result<String>>,
    last_seen: &mut Option<Timestamp>,
    keep_stamps: bool,
) -> Vec<String> {
    let mut out = Vec::with_capacity(batch.len());
    for line in batch {
        match line {
            Ok(line) => {
                let (stamp, text) = split_timestamp(&line);
                if let Some(t) = stamp {
                    if last_seen.is_some_and(|seen| t <= seen) {
                        continue; // already shown before the stream dropped
                    }
                    *last_seen = Some(t);
                }
                let shown = if keep_stamps { line.as_str() } else { text };
                out.push(format!("{prefix}{shown}"));
            }
            Err(e) => out.push(format!("{prefix}error: {e}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_stream_drops_what_was_seen_and_keeps_what_was_not() {
        let mut seen = None;
        let first = vec![
            Ok("2026-01-02T03:04:05.100000000Z a".to_string()),
            Ok("2026-01-02T03:04:05.600000000Z b".to_string()),
        ];
        assert_eq!(fresh_lines("", first, &mut seen, false), ["a", "b"]);
        // sinceTime=…:05Z repeats the second's lines
        let again = vec![
            Ok("2026-01-02T03:04:05.100000000Z a".to_string()),
            Ok("2026-01-02T03:04:05.600000000Z b".to_string()),
            Ok("2026-01-02T03:04:05.700000000Z c".to_string()),
        ];
        assert_eq!(fresh_lines("[p] ", again, &mut seen, false), ["[p] c"]);
    }

    #[test]
    fn since_time_is_floored_not_rounded_up() {
        let t: Timestamp = "2026-01-02T03:04:05.900Z".parse().expect("time");
        assert_eq!(floor_second(t).to_string(), "2026-01-02T03:04:05Z");
    }

    #[test]
    fn a_line_without_a_timestamp_is_kept_whole() {
        assert_eq!(split_timestamp("no stamp here"), (None, "no stamp here"));
        assert_eq!(split_timestamp("plain"), (None, "plain"));
    }
}
