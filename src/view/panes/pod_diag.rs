//! "Why is it crashing" and "what changed": the diagnostics of the pods pane — a pod's
//! last termination (reason and exit code), its image, its recent Events; the
//! namespace's warning Events (BackOff, FailedScheduling, Unhealthy) as one summary
//! line; and a deployment's rollout history (revisions, images, change-cause).

use crate::collect::kube::{EventInfo, KubeData, PodInfo};
use crate::view::redact::Redact;
use crate::view::safe_text::SafeText;
use crate::view::table::{Level, SummaryItem};

/// Warnings older than this are history, not "now": the summary line leaves them out
/// (pod details still list them).
pub const RECENT_S: i64 = 3600;

/// What an exit code usually means, for the codes on-call meets.
pub fn exit_meaning(code: i32) -> &'static str {
    match code {
        0 => "completed",
        1 => "application error",
        126 => "command not executable",
        127 => "command not found",
        137 => "SIGKILL: OOM killer or liveness kill",
        139 => "SIGSEGV",
        143 => "SIGTERM",
        _ => "",
    }
}

pub fn termination(p: &PodInfo, now: i64) -> String {
    let Some(reason) = &p.last_termination else {
        return "none".into();
    };
    let mut s = reason.clone();
    if let Some(c) = p.last_exit_code {
        let m = exit_meaning(c);
        s.push_str(&format!(", exit code {c}"));
        if !m.is_empty() {
            s.push_str(&format!(" ({m})"));
        }
    }
    if let Some(a) = super::pods::age_since(now, p.last_restart) {
        s.push_str(&format!(", {a} ago"));
    }
    s
}

/// Events about this pod, newest first (by uid, or name when the event has no uid).
pub fn pod_events<'a>(data: &'a KubeData, p: &'a PodInfo) -> impl Iterator<Item = &'a EventInfo> {
    data.events.iter().filter(move |e| {
        e.object_kind == "Pod"
            && match &e.object_uid {
                Some(u) => *u == p.uid,
                None => e.object_name == p.name,
            }
    })
}

fn event_line(e: &EventInfo, now: i64, redact: Redact) -> String {
    let ago = super::pods::age_since(now, e.last_seen).unwrap_or_else(|| "?".into());
    let count = if e.count > 1 {
        format!(" ×{}", e.count)
    } else {
        String::new()
    };
    // A message names addresses ("dial tcp 10.0.3.17:5432: connection refused").
    let message = redact.text(&e.message);
    format!("{ago} ago  {} {}{count}: {message}", e.kind, e.reason)
}

/// Fields appended to a pod's `enter` details; in presenter mode the events' and the
/// termination's free text is masked (`redact::text`: addresses, e-mails, credentials).
pub fn details(data: &KubeData, p: &PodInfo, now: i64, redact: Redact) -> Vec<(String, SafeText)> {
    let image = p
        .replicaset
        .as_deref()
        .and_then(|rs| data.replicasets.iter().find(|r| r.name == rs))
        .map(|r| r.images.clone())
        .unwrap_or_else(|| "-".into());
    let mut mine: Vec<&EventInfo> = pod_events(data, p).collect();
    mine.sort_by_key(|e| std::cmp::Reverse(e.last_seen));
    let events: Vec<String> = mine
        .iter()
        .take(10)
        .map(|e| event_line(e, now, redact))
        .collect();
    let mut out = vec![
        (
            "last termination".to_string(),
            SafeText::block(&redact.text(&termination(p, now))),
        ),
        ("image".to_string(), SafeText::block(&image)),
    ];
    let events = if events.is_empty() {
        match data.error_of("events") {
            Some(e) => format!("cannot read events: {}", redact.text(e)),
            None => "none in the namespace's event history".into(),
        }
    } else {
        events.join("\n")
    };
    out.push(("events".to_string(), SafeText::block(&events)));
    out
}

/// Recent warnings grouped by reason: `▲ events: BackOff ×61 (1 pod) · Unhealthy ×9 …`.
pub fn warnings(data: &KubeData, now: i64) -> Vec<(String, u32, usize)> {
    let mut by: Vec<(String, u32, Vec<&str>)> = Vec::new();
    for e in data
        .events
        .iter()
        .filter(|e| e.is_warning() && e.last_seen.is_some_and(|t| now - t < RECENT_S))
    {
        match by.iter_mut().find(|(r, _, _)| *r == e.reason) {
            Some((_, n, objs)) => {
                *n += e.count;
                if !objs.contains(&e.object_name.as_str()) {
                    objs.push(&e.object_name);
                }
            }
            None => by.push((e.reason.clone(), e.count, vec![&e.object_name])),
        }
    }
    by.into_iter().map(|(r, n, o)| (r, n, o.len())).collect()
}

pub fn warnings_summary(data: &KubeData, now: i64) -> Option<SummaryItem> {
    let w = warnings(data, now);
    if w.is_empty() {
        return data
            .error_of("events")
            .map(|e| SummaryItem::text(&format!("events: {e}"), Level::Warn));
    }
    let text = w
        .iter()
        .map(|(r, n, objs)| {
            let what = if *objs == 1 {
                "1 object".to_string()
            } else {
                format!("{objs} objects")
            };
            format!("{r} ×{n} ({what})")
        })
        .collect::<Vec<_>>()
        .join(" · ");
    Some(SummaryItem::text(
        &format!("warning events (1 h): {text}"),
        Level::Warn,
    ))
}

/// `kubectl rollout history`: the deployment's replicasets by revision, newest first,
/// with image, age, pods and change-cause.
pub fn rollout_history(data: &KubeData, deployment: &str, now: i64) -> Vec<(String, SafeText)> {
    let current = data.deployment(deployment).and_then(|d| d.revision);
    let mut revs: Vec<_> = data
        .replicasets
        .iter()
        .filter(|r| r.deployment.as_deref() == Some(deployment))
        .collect();
    revs.sort_by_key(|r| std::cmp::Reverse(r.revision));
    let lines: Vec<String> = revs
        .iter()
        .map(|r| {
            let rev = r.revision.map_or("?".into(), |v| v.to_string());
            let mark = if r.revision.is_some() && r.revision == current {
                " (current)"
            } else {
                ""
            };
            let age = super::pods::age_since(now, r.created).unwrap_or_else(|| "?".into());
            format!(
                "rev {rev}{mark} · {} · {age} ago · {}/{} ready · {}",
                r.images,
                r.ready,
                r.replicas,
                r.change_cause.as_deref().unwrap_or("change-cause <none>")
            )
        })
        .collect();
    let text = if lines.is_empty() {
        "no replicasets seen".to_string()
    } else {
        lines.join("\n")
    };
    vec![("rollout history".to_string(), SafeText::block(&text))]
}
