//! pods/{name}/log: synthetic, deterministic log lines; tailLines, sinceTime (as the kubelet
//! does: the lines stamped at or after it), timestamps, follow,
//! container, previous. `previous=true` serves the last terminated instance of the
//! container — other lines than the running one's, ending when it ended, with the
//! fatal line of a crash (an OOM kill writes none: the kernel gives no warning) — and,
//! as the kubelet does for an ended container, never follows.
//!
//! A pod annotated [`LOG_LINE_ANNOTATION`] gets that text in its own lines: every
//! third line (of the running and of the previous instance) is
//! `level=warn component=<container> msg=<annotation value>`, the value verbatim — its
//! escape sequences, controls and newlines included, as an application could print
//! them. The annotation is read when the log request starts (a follow keeps it).

use crate::server::{error, stream, text, Req, Resp};
use crate::shared::Shared;
use crate::store::{Fault, Kind};
use crate::util::{fmt_time, hash_str, mix64, now_unix, parse_time, str_at, uid_of};
use crate::watch::StreamGuard;
use bytes::Bytes;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const PATHS: [&str; 5] = [
    "/api/v1/models",
    "/api/v1/packages",
    "/healthz",
    "/api/v1/jobs",
    "/metrics",
];

/// A pod annotation whose value kube-sim mixes into that pod's log lines.
pub const LOG_LINE_ANNOTATION: &str = "kube-sim.kitops.dev/log-line";

/// What the pod's own text is, if it has one ([`LOG_LINE_ANNOTATION`]).
fn annotated_line(pod: &Value) -> Option<String> {
    pod.pointer("/metadata/annotations")
        .and_then(|a| a.get(LOG_LINE_ANNOTATION))
        .and_then(Value::as_str)
        .map(str::to_string)
}

fn message(seed: u64, i: u64, container: &str, annotated: Option<&str>) -> String {
    if let Some(text) = annotated.filter(|_| i.is_multiple_of(3)) {
        return format!("level=warn component={container} msg={text}");
    }
    let h = mix64(seed ^ mix64(i));
    let ms = h % 250 + 1;
    let path = PATHS[(h >> 8) as usize % PATHS.len()];
    match (h >> 16) % 20 {
        0 => format!("level=warn component={container} msg=\"slow query\" duration_ms={}", ms * 10),
        1 => format!("level=error component={container} msg=\"upstream timeout\" target=redis:6379 attempt={}", h % 3 + 1),
        2..=4 => format!("level=debug component={container} msg=\"cache lookup\" hit={}", h.is_multiple_of(2)),
        _ => format!("level=info component={container} msg=\"request completed\" method=GET path={path} status=200 duration_ms={ms} line={i}"),
    }
}

/// How one request's lines are written: which container, stamped or not, and the
/// pod's annotated text.
struct LineStyle<'a> {
    container: &'a str,
    ts: bool,
    annotated: Option<&'a str>,
}

fn render(seed: u64, i: u64, base: Duration, interval: Duration, style: &LineStyle) -> String {
    let (container, ts) = (style.container, style.ts);
    let at = base + interval * i as u32;
    let msg = message(seed, i, container, style.annotated);
    if ts {
        format!("{} {msg}\n", fmt_time(at, true))
    } else {
        format!("{msg}\n")
    }
}

/// The container instance that ended before the running one.
struct Instance {
    seed: u64,
    ended: Duration,
    /// (reason, exit code) of its termination.
    reason: Option<(String, i32)>,
}

/// Lines the previous instance wrote before it ended (between 30 and 49, by its seed).
fn previous_lines(
    instance: &Instance,
    interval: Duration,
    style: &LineStyle,
    tail: Option<u64>,
) -> String {
    let (container, ts) = (style.container, style.ts);
    let count = 30 + instance.seed % 20;
    let base = instance.ended.saturating_sub(interval * count as u32);
    let mut lines: Vec<String> = (0..count)
        .map(|i| render(instance.seed, i, base, interval, style))
        .collect();
    if let Some((reason, code)) = &instance.reason {
        if reason != "OOMKilled" {
            let msg = format!(
                "level=fatal component={container} msg=\"cannot connect to database: connection refused\" target=kitops-postgres:5432 exit_code={code}"
            );
            lines.push(if ts {
                format!("{} {msg}\n", fmt_time(instance.ended, true))
            } else {
                format!("{msg}\n")
            });
        }
    }
    let skip = lines
        .len()
        .saturating_sub(tail.unwrap_or(5000).min(5000) as usize);
    lines[skip..].concat()
}

/// `tailLines`: absent, or a count (an `Err` is a 400 for the caller to send).
fn tail_lines(req: &Req) -> Result<Option<u64>, std::num::ParseIntError> {
    req.q("tailLines").map(str::parse::<u64>).transpose()
}

pub fn logs(shared: &Arc<Shared>, req: &Req, ns: &str, name: &str) -> Resp {
    let st = shared.store();
    let Some(pod) = st.get(Kind::Pod, ns, name) else {
        return crate::resources::not_found(Kind::Pod, name);
    };
    let containers: Vec<String> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| str_at(c, &["name"]).to_string())
        .collect();
    let container = match req.q("container") {
        Some(c) if containers.iter().any(|x| x == c) => c.to_string(),
        Some(c) => {
            return error(
                400,
                "BadRequest",
                format!("container {c} is not valid for pod {name}"),
            )
        }
        None if containers.len() == 1 => containers[0].clone(),
        None => {
            let msg = format!(
                "a container name must be specified for pod {name}, choose one of: [{}]",
                containers.join(" ")
            );
            return error(400, "BadRequest", msg);
        }
    };
    let uid = uid_of(&pod).to_string();
    let annotated = annotated_line(&pod);
    let Some(sim) = st.pods.get(&uid) else {
        return error(500, "InternalError", "pod has no simulation state");
    };
    let previous = req.flag("previous");
    if previous && sim.restarts == 0 {
        return error(
            400,
            "BadRequest",
            format!("previous terminated container \"{container}\" in pod \"{name}\" not found"),
        );
    }
    if previous {
        let instance = Instance {
            seed: hash_str(&format!("{uid}/{container}/{}", sim.restarts - 1)),
            ended: sim.last_term.as_ref().map_or_else(|| sim.created, |t| t.2),
            reason: sim.last_term.as_ref().map(|t| (t.0.clone(), t.1)),
        };
        drop(st);
        let Ok(tail) = tail_lines(req) else {
            return error(400, "BadRequest", "invalid tailLines");
        };
        let interval = shared.timing.log_interval.max(Duration::from_millis(10));
        return text(
            200,
            previous_lines(
                &instance,
                interval,
                &LineStyle {
                    container: &container,
                    ts: req.flag("timestamps"),
                    annotated: annotated.as_deref(),
                },
                tail,
            ),
        );
    }
    let Some(started) = sim
        .started
        .filter(|_| sim.fault != Some(Fault::ImagePullBackOff))
    else {
        let reason = if sim.fault.is_some() {
            "ImagePullBackOff"
        } else {
            "ContainerCreating"
        };
        return error(
            400,
            "BadRequest",
            format!("container \"{container}\" in pod \"{name}\" is waiting to start: {reason}"),
        );
    };
    drop(st);
    let Ok(tail) = tail_lines(req) else {
        return error(400, "BadRequest", "invalid tailLines");
    };
    let interval = shared.timing.log_interval.max(Duration::from_millis(10));
    let base = started.saturating_sub(interval * 20);
    let seed = hash_str(&format!("{uid}/{container}"));
    let count = ((now_unix().saturating_sub(base)).as_millis() / interval.as_millis()) as u64 + 1;
    let since = match req.q("sinceTime").map(parse_time) {
        Some(Some(t)) => Some(t),
        Some(None) => return error(400, "BadRequest", "invalid sinceTime: not RFC3339"),
        None => None,
    };
    let first_of_tail = count.saturating_sub(tail.unwrap_or(5000).min(5000));
    // the first line stamped at or after `since` (line i is stamped base + i·interval)
    let first_of_since = since.map_or(0, |t| {
        let after = t.saturating_sub(base).as_nanos();
        let step = interval.as_nanos();
        u64::try_from(after.div_ceil(step)).unwrap_or(u64::MAX)
    });
    let first = first_of_tail.max(first_of_since).min(count);
    let ts = req.flag("timestamps");
    let style = LineStyle {
        container: &container,
        ts,
        annotated: annotated.as_deref(),
    };
    let history: String = (first..count)
        .map(|i| render(seed, i, base, interval, &style))
        .collect();
    if !req.flag("follow") {
        return text(200, history);
    }
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let guard = StreamGuard::new(shared);
    let (ns, name) = (ns.to_string(), name.to_string());
    tokio::spawn(async move {
        let shared = guard.0.clone();
        let mut dropped = shared.drop_tx.subscribe();
        let mut shutdown = shared.shutdown.subscribe();
        if tx.send(Bytes::from(history)).await.is_err() {
            return;
        }
        let style = LineStyle {
            container: &container,
            ts,
            annotated: annotated.as_deref(),
        };
        let mut i = count;
        loop {
            let due = base + interval * i as u32;
            let wait = due.saturating_sub(now_unix());
            tokio::select! {
                _ = tokio::time::sleep(wait) => {},
                _ = dropped.changed() => return,
                _ = shutdown.changed() => return,
                _ = tx.closed() => return,
            }
            let alive = shared
                .store()
                .object(Kind::Pod, &ns, &name)
                .is_some_and(|p| p.uid == uid);
            if !alive
                || tx
                    .send(Bytes::from(render(seed, i, base, interval, &style)))
                    .await
                    .is_err()
            {
                return;
            }
            i += 1;
        }
    });
    stream("text/plain", rx)
}
