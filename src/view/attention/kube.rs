//! Kubernetes problems: broken pods (grouped by reason when there are several), pods
//! that are not ready, stalled or short deployments, warning Events, nodes under
//! pressure, and resources the console cannot read.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::{Arc, Weak};

use super::{short_name, Attention, Impact};
use crate::collect::kube::{KubeData, MetricsStatus, PodInfo};
use crate::view::panes::pods::CRIT_REASONS;
use crate::view::panes::{event_warnings, BuildCtx};

/// `kitops-backend-7d9f8c6b5-h2x9k` → `kitops-backend-…h2x9k`: the workload and the
/// pod's own suffix, short enough for the line; the row has the full name.
fn pod_name(p: &PodInfo) -> String {
    let owner = p
        .replicaset
        .as_deref()
        .and_then(|rs| rs.rsplit_once('-'))
        .map(|(d, _)| d);
    match (owner, p.name.rsplit_once('-')) {
        (Some(d), Some((_, suffix))) if p.name.starts_with(d) => format!("{d}-…{suffix}"),
        _ => short_name(&p.name, 27),
    }
}

/// ` ×14 (last OOMKilled)`: restarts and, when it says more than the reason, how the
/// container last ended.
fn restarts(p: &PodInfo) -> String {
    let mut s = match p.restarts {
        0 => String::new(),
        n => format!(" ×{n}"),
    };
    if let Some(t) = p.last_termination.as_deref().filter(|t| *t != p.reason) {
        s.push_str(&format!(" (last {t})"));
    }
    s
}

/// The namespace's pods the line names, as indices into `KubeData::pods` in their
/// order: broken (a critical status reason) and not ready. What they are follows from
/// the pod objects alone (not their usage).
#[derive(Default)]
struct PodProblems {
    broken: Vec<usize>,
    unready: Vec<usize>,
}

fn pod_problems(data: &KubeData) -> PodProblems {
    let mut problems = PodProblems::default();
    for (i, p) in data.pods.iter().enumerate() {
        if p.namespace != data.namespace {
            continue;
        }
        if CRIT_REASONS.contains(&p.reason.as_str()) {
            problems.broken.push(i);
        } else if !p.deleting && (p.phase == "Pending" || p.ready < p.containers) {
            problems.unready.push(i);
        }
    }
    problems
}

thread_local! {
    /// The last snapshot this thread read the pods of (held weakly: a snapshot is not
    /// kept alive for this) and what it found. A metrics round brings the very same
    /// pod objects with new usage: at 100,000 pods the walk over them is a cache
    /// miss or two per pod, for the same answer.
    static LAST_PODS: RefCell<Option<(Weak<KubeData>, Rc<PodProblems>)>> =
        const { RefCell::new(None) };
}

/// `pod_problems`, kept from the last snapshot when its pods are the very same objects.
fn remembered_problems(data: &Arc<KubeData>) -> Rc<PodProblems> {
    let same_pods = |before: &KubeData| {
        before.namespace == data.namespace
            && before.pods.len() == data.pods.len()
            && before
                .pods
                .iter()
                .zip(&data.pods)
                .all(|(a, b)| Arc::ptr_eq(&a.info, &b.info))
    };
    LAST_PODS.with(|last| {
        let mut last = last.borrow_mut();
        let kept = last
            .as_ref()
            .filter(|(before, _)| before.upgrade().is_some_and(|b| same_pods(&b)))
            .map(|(_, problems)| problems.clone());
        kept.unwrap_or_else(|| {
            let problems = Rc::new(pod_problems(data));
            *last = Some((Arc::downgrade(data), problems.clone()));
            problems
        })
    })
}

/// `pods` for a snapshot the caller shares: the walk over its pods is kept from the
/// last snapshot when they are the same objects (`remembered_problems`).
pub fn pods_shared(data: &Arc<KubeData>, ctx: &BuildCtx) -> Vec<Attention> {
    pods_from(data, ctx, &remembered_problems(data))
}

pub fn pods(data: &KubeData, ctx: &BuildCtx) -> Vec<Attention> {
    pods_from(data, ctx, &pod_problems(data))
}

fn pods_from(data: &KubeData, ctx: &BuildCtx, problems: &PodProblems) -> Vec<Attention> {
    let mut out = Vec::new();
    for e in &data.errors {
        out.push(Attention::crit(
            Impact::Blind,
            &format!("k8s {}: {}", e.resource, e.message),
        ));
    }
    let pod = |&i: &usize| data.pods.get(i).map(|p| &*p.info);
    let mut broken: BTreeMap<&str, Vec<&PodInfo>> = BTreeMap::new();
    for p in problems.broken.iter().filter_map(pod) {
        broken.entry(p.reason.as_str()).or_default().push(p);
    }
    let unready: Vec<&PodInfo> = problems.unready.iter().filter_map(pod).collect();
    for (reason, pods) in broken {
        let restarts_total: u32 = pods.iter().map(|p| p.restarts).sum();
        let item = match pods.as_slice() {
            [p] => Attention::crit(
                Impact::Stuck,
                &format!("pod {} {reason}{}", pod_name(p), restarts(p)),
            )
            .row(p.uid.clone()),
            [first, ..] => Attention::crit(
                Impact::Stuck,
                &format!("{} pods {reason} ({restarts_total} restarts)", pods.len()),
            )
            .row(first.uid.clone()),
            [] => continue,
        };
        // How many pods; restarts only break ties between equally many.
        out.push(item.weight(pods.len() as f64 + f64::from(restarts_total.min(999)) / 1000.0));
    }
    if let [p] = unready.as_slice() {
        let what = if p.phase == "Pending" {
            "Pending".to_string()
        } else {
            format!("not ready {}/{}", p.ready, p.containers)
        };
        out.push(
            Attention::warn(Impact::Stuck, &format!("pod {} {what}", pod_name(p)))
                .row(p.uid.clone()),
        );
    } else if let [first, ..] = unready.as_slice() {
        out.push(
            Attention::warn(Impact::Stuck, &format!("{} pods not ready", unready.len()))
                .weight(unready.len() as f64)
                .row(first.uid.clone()),
        );
    }
    // A deployment short of pods that are already named above adds nothing.
    let named: Vec<String> = out.iter().filter_map(|a| a.row_key.clone()).collect();
    // The pods named are among those found above: no walk over every pod.
    let has_named_pod = |d: &str| {
        let prefix = format!("{d}-");
        problems
            .broken
            .iter()
            .chain(&problems.unready)
            .filter_map(pod)
            .any(|p| {
                named.contains(&p.uid)
                    && p.replicaset
                        .as_deref()
                        .is_some_and(|rs| rs.starts_with(&prefix))
            })
    };
    for d in data
        .deployments
        .iter()
        .filter(|d| d.namespace == data.namespace)
    {
        let key = format!("deploy:{}/{}", d.namespace, d.name);
        if let Some(r) = &d.stalled {
            out.push(
                Attention::crit(Impact::Stuck, &format!("deploy {} stalled: {r}", d.name)).row(key),
            );
        } else if d.desired > 0 && d.available == 0 {
            out.push(
                Attention::crit(
                    Impact::Users,
                    &format!("deploy {} 0/{} available", d.name, d.desired),
                )
                .row(key),
            );
        } else if d.available < d.desired && !d.rolling_out() && !has_named_pod(&d.name) {
            out.push(
                Attention::warn(
                    Impact::Stuck,
                    &format!("deploy {} {}/{} available", d.name, d.available, d.desired),
                )
                .weight(f64::from(d.desired - d.available))
                .row(key),
            );
        }
    }
    // Warning events the pod items above do not already say (a crash loop's BackOff).
    let now = ctx
        .now
        .duration_since(std::time::SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    for (reason, n, objects) in event_warnings(data, now) {
        if reason == "BackOff" {
            continue;
        }
        let what = if objects == 1 {
            String::new()
        } else {
            format!(", {objects} objects")
        };
        out.push(
            Attention::warn(Impact::Stuck, &format!("events {reason} ×{n}{what}"))
                .weight(f64::from(n)),
        );
    }
    if let MetricsStatus::Error { message } = &data.pod_metrics {
        out.push(Attention::warn(
            Impact::Hygiene,
            &format!("pod metrics: {message}"),
        ));
    }
    out
}

pub fn nodes(data: &KubeData, _ctx: &BuildCtx) -> Vec<Attention> {
    let mut out = Vec::new();
    for n in &data.nodes {
        let key = format!("node:{}", n.name);
        let used = n
            .usage
            .map(|u| u.memory / n.allocatable.memory.max(1.0) * 100.0);
        let mut what: Vec<String> = Vec::new();
        let mut crit = false;
        if n.ready != Some(true) {
            what.push("NotReady".into());
            crit = true;
        }
        if n.memory_pressure {
            what.push("MemoryPressure".into());
            crit = true;
        }
        if let Some(p) = used.filter(|p| *p >= 80.0) {
            what.push(format!("memory {p:.0} %"));
            crit |= p >= 90.0;
        }
        if n.disk_pressure {
            what.push("DiskPressure".into());
        }
        if n.pid_pressure {
            what.push("PIDPressure".into());
        }
        if what.is_empty() {
            continue;
        }
        let text = format!("node {} {}", n.name, what.join(", "));
        let item = if crit {
            Attention::crit(Impact::Capacity, &text)
        } else {
            Attention::warn(Impact::Capacity, &text)
        };
        out.push(item.weight(used.unwrap_or(0.0)).row(key));
    }
    out
}
