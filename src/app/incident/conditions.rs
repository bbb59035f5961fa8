//! Threshold crossings as timeline events, computed from consecutive snapshots. Each
//! source's snapshot is reduced to the set of conditions that hold (DB connections at
//! or above the warn %, a blocking chain by its root pid, Redis hit rate below its
//! threshold, an unhealthy target, node MemoryPressure, a crash-looping pod, the source
//! in error or stale), keyed so that a condition that persists is not an event; a key
//! that appears or disappears between two snapshots is one, with the values of that
//! moment. Pod restarts are counted, not held, so they are compared pod by pod.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::SystemTime;

use crate::app::sources::{SourceId, Sources};
use crate::collect::kube::{KubeData, LivePod};
use crate::collect::{Snapshot, SourceStatus};
use crate::config::Config;

/// Key → what holds, with its values when it was computed.
pub type Conditions = BTreeMap<String, String>;

pub fn source_name(source: SourceId) -> &'static str {
    match source {
        SourceId::Kube => "kube",
        SourceId::Postgres => "pg",
        SourceId::Redis => "redis",
        SourceId::Aws => "aws",
        SourceId::Host => "host",
        SourceId::Deps => "deps",
    }
}

pub const ALL_SOURCES: [SourceId; 6] = [
    SourceId::Kube,
    SourceId::Postgres,
    SourceId::Redis,
    SourceId::Aws,
    SourceId::Host,
    SourceId::Deps,
];

/// Every condition of one source, each key prefixed with the source's name.
pub fn of_source(source: SourceId, s: &Sources, config: &Config, now: SystemTime) -> Conditions {
    let mut out = of_status(source, s, config, now);
    out.extend(of_data(source, s, config));
    out
}

/// The conditions of the source's health at `now` (in error, stale): cheap, so the
/// UI recomputes them every tick.
pub fn of_status(source: SourceId, s: &Sources, config: &Config, now: SystemTime) -> Conditions {
    let mut out = Conditions::new();
    let name = source_name(source);
    let mut put = |key: String, text: String| {
        out.insert(format!("{name}:{key}"), text);
    };
    let (status, fetched_at, _) = s.status(source);
    match &status {
        SourceStatus::Error(e) => put("source:error".into(), format!("{name} source error: {e}")),
        SourceStatus::Live => {
            let age = fetched_at
                .and_then(|t| now.duration_since(t).ok())
                .unwrap_or_default();
            if age > source.expected_interval(config) * 3 + std::time::Duration::from_secs(1) {
                put(
                    "source:stale".into(),
                    format!("{name} source stale: data {}s old", age.as_secs()),
                );
            }
        }
        SourceStatus::Loading | SourceStatus::Unconfigured(_) => {}
    }
    out
}

/// The conditions in the source's data (a crash-looping pod, an unhealthy target):
/// a walk over every pod at 100,000, so made once per snapshot, by the pane builder
/// for a built one (`Built::conditions`), and kept (`State::data_conditions`).
pub fn of_data(source: SourceId, s: &Sources, config: &Config) -> Conditions {
    let mut out = Conditions::new();
    let name = source_name(source);
    let mut put = |key: String, text: String| {
        out.insert(format!("{name}:{key}"), text);
    };
    match source {
        SourceId::Kube => {
            if let Some(d) = s.kube.data.as_deref() {
                kube(d, &mut put);
            }
        }
        SourceId::Postgres => {
            if let Some(d) = s.pg.data.as_deref() {
                let used = d.counts.used;
                let max = d.max_connections.max(1);
                let pct = used as f64 * 100.0 / max as f64;
                let warn = config.postgres.connections_warn_percent;
                if pct >= warn {
                    put(
                        "connections".into(),
                        format!("DB connections {used}/{max} ({pct:.0}%) ≥ warn {warn:.0}%"),
                    );
                }
                for root in d.lock_tree.iter().filter(|n| n.depth == 0 && n.blocks > 0) {
                    let who = d
                        .session_by_pid(root.pid)
                        .and_then(|s| s.state.clone())
                        .unwrap_or_else(|| "unknown state".into());
                    put(
                        format!("chain:{}", root.pid),
                        format!(
                            "blocking chain: root pid {} ({who}) blocks {} session(s)",
                            root.pid, root.blocks
                        ),
                    );
                }
            }
        }
        SourceId::Redis => {
            if let Some(d) = s.redis.data.as_deref() {
                let warn = config.redis.hit_rate_warn_percent;
                if let Some(p) = d.total.hit.percent().filter(|p| *p < warn) {
                    put(
                        "hit_rate".into(),
                        format!("Redis hit rate {p:.1}% < {warn:.0}%"),
                    );
                }
            }
        }
        SourceId::Aws => {
            if let Some(d) = s.aws.data.as_deref() {
                for tg in &d.target_groups {
                    for t in tg.targets.iter().filter(|t| t.state == "unhealthy") {
                        let port = t.port.map(|p| format!(":{p}")).unwrap_or_default();
                        let reason = t.reason.as_deref().unwrap_or("no reason given");
                        put(
                            format!("target:{}:{}{port}", tg.name, t.id),
                            format!("target {}{port} in {} unhealthy ({reason})", t.id, tg.name),
                        );
                    }
                }
            }
        }
        // Dependencies already reach the attention line; the timeline keeps to the panes above.
        SourceId::Host | SourceId::Deps => {}
    }
    out
}

fn kube(d: &KubeData, put: &mut impl FnMut(String, String)) {
    for n in d.nodes.iter().filter(|n| n.memory_pressure) {
        let used = n
            .usage
            .map(|u| {
                format!(
                    ", memory used {:.0}%",
                    u.memory * 100.0 / n.allocatable.memory.max(1.0)
                )
            })
            .unwrap_or_default();
        put(
            format!("node:{}:memory_pressure", n.name),
            format!("node {} MemoryPressure{used}", n.name),
        );
    }
    for p in d.pods.iter().filter(|p| p.reason == "CrashLoopBackOff") {
        put(
            format!("pod:{}:crashloop", p.uid),
            format!(
                "pod {} CrashLoopBackOff ({} restarts, last termination {})",
                p.name,
                p.restarts,
                p.last_termination.as_deref().unwrap_or("unknown")
            ),
        );
    }
}

/// The events between two condition sets of one source: what appeared, what cleared.
pub fn diff(old: &Conditions, new: &Conditions) -> Vec<String> {
    let mut out = Vec::new();
    for (k, text) in new {
        if !old.contains_key(k) {
            out.push(text.clone());
        }
    }
    for (k, text) in old {
        if !new.contains_key(k) {
            let word = if k.contains(":source:") {
                "recovered"
            } else {
                "cleared"
            };
            out.push(format!("{word}: {text}"));
        }
    }
    out
}

/// Pods (by UID, so a recreated pod is not a restart) whose restart count went up.
/// A pod at the same place in both lists is compared there (the lists are sorted and
/// a snapshot moves few pods), so 100,000 pods need no map unless they moved.
pub fn restarts(old: &Snapshot<KubeData>, new: &Snapshot<KubeData>) -> Vec<String> {
    let (Some(old), Some(new)) = (old.data.as_deref(), new.data.as_deref()) else {
        return vec![];
    };
    let mut by_uid: Option<BTreeMap<&str, u32>> = None;
    let mut before = |i: usize, p: &LivePod| -> Option<u32> {
        match old.pods.get(i) {
            // The same object (a metrics round, an unchanged pod): nothing to compare.
            Some(o) if Arc::ptr_eq(&o.info, &p.info) => return None,
            _ => {}
        }
        let uid = p.uid.as_str();
        match old.pods.get(i) {
            Some(o) if o.uid == uid => Some(o.restarts),
            _ => by_uid
                .get_or_insert_with(|| {
                    old.pods
                        .iter()
                        .map(|p| (p.uid.as_str(), p.restarts))
                        .collect()
                })
                .get(uid)
                .copied(),
        }
    };
    new.pods
        .iter()
        .enumerate()
        .filter(|(i, p)| before(*i, p).is_some_and(|r| p.restarts > r))
        .map(|(_, p)| {
            let oom = p.last_termination.as_deref() == Some("OOMKilled");
            format!(
                "pod {} {} (restarts {}, last termination {})",
                p.name,
                if oom {
                    "OOMKilled and restarted"
                } else {
                    "restarted"
                },
                p.restarts,
                p.last_termination.as_deref().unwrap_or("unknown")
            )
        })
        .collect()
}

/// The conditions of one source within `all` (keys start with its name).
pub fn subset(all: &Conditions, source: SourceId) -> Conditions {
    let prefix = format!("{}:", source_name(source));
    all.range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Replaces one source's conditions in `all` with `new`.
pub fn replace(all: &mut Conditions, source: SourceId, new: Conditions) {
    let prefix = format!("{}:", source_name(source));
    all.retain(|k, _| !k.starts_with(&prefix));
    all.extend(new);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appearing_and_clearing_are_events_persisting_is_not() {
        let mut a = Conditions::new();
        a.insert("pg:chain:42".into(), "blocking chain: root pid 42".into());
        let mut b = a.clone();
        b.insert("pg:connections".into(), "DB connections 90/100".into());
        assert_eq!(diff(&a, &b), ["DB connections 90/100"]);
        assert!(diff(&b, &b).is_empty());
        let c = Conditions::new();
        assert_eq!(diff(&a, &c), ["cleared: blocking chain: root pid 42"]);
        let mut e = Conditions::new();
        e.insert("pg:source:error".into(), "pg source error: timeout".into());
        assert_eq!(diff(&e, &c), ["recovered: pg source error: timeout"]);
    }

    #[test]
    fn subsets_are_by_source() {
        let mut all = Conditions::new();
        all.insert("pg:x".into(), "1".into());
        all.insert("redis:y".into(), "2".into());
        assert_eq!(subset(&all, SourceId::Postgres).len(), 1);
        let mut new = Conditions::new();
        new.insert("pg:z".into(), "3".into());
        replace(&mut all, SourceId::Postgres, new);
        assert_eq!(all.keys().cloned().collect::<Vec<_>>(), ["pg:z", "redis:y"]);
    }
}
