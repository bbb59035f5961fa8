//! Pods pane: pods of the namespace grouped by owning deployment (group header:
//! desired / updated / ready / available, rolling out), with readiness, the status
//! reason a user needs, restarts, and CPU / memory against requests and limits.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::SystemTime;

use super::pods_summary::{empty_message, summary, Counts};
use super::BuildCtx;
use crate::collect::kube::{DeploymentInfo, KubeData, LivePod, MetricsStatus, PodInfo, Usage};
use crate::view::format;
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, LiveCell, Num, OldRows, PaneContent, TableRow, Target};

pub const COL_NAME: usize = 0;
pub const COL_READY: usize = 1;
pub const COL_STATUS: usize = 2;
pub const COL_RESTARTS: usize = 3;
pub const COL_AGE: usize = 4;
pub const COL_CPU: usize = 5;
pub const COL_CPU_PCT: usize = 6;
pub const COL_MEM: usize = 7;
pub const COL_MEM_PCT: usize = 8;
pub const COL_NODE: usize = 9;

/// Fixed widths but NAME's (the generic table picks columns by priority and draws
/// them at max width): NAME is 31 wide (a `deployment-rs-hash` name), as narrow as 22
/// to keep READY, STATUS and MEM (at 120x36, a 58-column pane), and as wide as the
/// room left (zoomed). At 80x24: NAME, READY, STATUS, RESTARTS and MEM fit exactly.
pub(super) fn columns() -> Vec<Column> {
    vec![
        Column::text("NAME", 22, 63, 10).flex(31, 8),
        Column::num("READY", 5, 8),
        Column::text("STATUS", 21, 21, 9),
        Column::text("RESTARTS", 10, 10, 7),
        Column::num("AGE", 6, 5),
        Column::num("CPU", 5, 4),
        Column::text("CPU%R/L", 9, 9, 2),
        Column::num("MEM", 7, 8),
        Column::text("MEM%R/L", 9, 9, 6),
        Column::text("NODE", 12, 40, 1),
    ]
}

/// Memory use at or above this share of the limit is a warning; `CRIT_PCT` critical.
pub const WARN_PCT: f64 = 80.0;
pub const CRIT_PCT: f64 = 90.0;

/// Status reasons that mean the pod is broken.
pub(crate) const CRIT_REASONS: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "OOMKilled",
    "Error",
    "CreateContainerConfigError",
    "CreateContainerError",
    "InvalidImageName",
    "RunContainerError",
    "Unknown",
];

pub(crate) fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub(crate) use format::{age_since, cores as cpu, mem, pct};

/// Deployment of each ReplicaSet name; when the ReplicaSet is unknown (its watch is
/// forbidden), the name minus its `-<pod-template-hash>` suffix.
pub(crate) fn owner_map(data: &KubeData) -> HashMap<&str, &str> {
    data.replicasets
        .iter()
        .filter(|r| r.namespace == data.namespace)
        .filter_map(|r| r.deployment.as_deref().map(|d| (r.name.as_str(), d)))
        .collect()
}

pub(crate) fn deployment_of<'a>(
    owners: &HashMap<&str, &'a str>,
    p: &'a PodInfo,
) -> Option<&'a str> {
    let rs = p.replicaset.as_deref()?;
    owners
        .get(rs)
        .copied()
        .or_else(|| rs.rsplit_once('-').map(|(d, _)| d))
}

fn pod_level(p: &PodInfo, mem_limit_pct: Option<f64>, now: i64) -> Level {
    let recent_restart = p.last_restart.is_some_and(|t| now - t < 3600);
    if CRIT_REASONS.contains(&p.reason.as_str()) || mem_limit_pct.is_some_and(|v| v >= CRIT_PCT) {
        Level::Crit
    } else if p.deleting
        || p.phase == "Pending"
        || p.ready < p.containers
        || mem_limit_pct.is_some_and(|v| v >= WARN_PCT)
        || (recent_restart && p.last_termination.as_deref() == Some("OOMKilled"))
    {
        Level::Warn
    } else {
        Level::Normal
    }
}

pub(crate) fn status_text(p: &PodInfo) -> Cow<'_, str> {
    match p.last_termination.as_deref() {
        Some("OOMKilled") if p.reason != "OOMKilled" && p.restarts > 0 => {
            Cow::Owned(format!("{}·was OOMKilled", p.reason))
        }
        _ => Cow::Borrowed(p.reason.as_str()),
    }
}

/// A new row for a pod: its text cells (what the filter searches) and its live ones.
pub(super) fn pod_row(
    p: &LivePod,
    deployment: Option<&str>,
    metrics: &MetricsStatus,
    now: i64,
) -> TableRow {
    pod_row_in(p, deployment.map(Arc::from).as_ref(), metrics, now)
}

/// `pod_row` under a deployment name shared by the rows of its group (a full build
/// makes 100,000 rows under 50 names: one string each, not one per row).
fn pod_row_in(
    p: &LivePod,
    deployment: Option<&Arc<str>>,
    metrics: &MetricsStatus,
    now: i64,
) -> TableRow {
    let cells = vec![
        SafeText::line(&p.name),
        SafeText::line(&format::ready(p.ready, p.containers)),
        SafeText::line(&status_text(p)),
        SafeText::default(),
        SafeText::default(),
        SafeText::default(),
        SafeText::default(),
        SafeText::default(),
        SafeText::default(),
        SafeText::line(p.node.as_deref().unwrap_or("<none>")),
    ];
    let mut row = TableRow::new(p.uid.clone(), cells)
        .depth(u8::from(deployment.is_some()))
        .source(p.info.clone())
        // `Target::Pod` of `p.info`, made when an action asks (`action_target`).
        .pod_target(deployment.cloned())
        .sort_key(
            COL_READY,
            f64::from(p.ready) / f64::from(p.containers.max(1)),
        )
        .sort_key(COL_RESTARTS, f64::from(p.restarts));
    update_live(&mut row, p, metrics, now);
    row
}

/// What changes without the pod changing: usage (each metrics round), ages (the clock),
/// and the level that follows them. In place, without allocating.
pub(super) fn update_live(row: &mut TableRow, p: &LivePod, metrics: &MetricsStatus, now: i64) {
    let none = metrics.cell_text();
    let usage = p.usage;
    row.set_live(
        COL_RESTARTS,
        LiveCell::Restarts {
            count: p.restarts,
            last: p.last_restart,
        },
    );
    row.set_live(COL_AGE, LiveCell::Age(p.created));
    let requests_limits = |r: Option<f64>, l: Option<f64>| (Num::from(r), Num::from(l));
    set_usage(
        row,
        usage,
        none,
        requests_limits(p.requests.cpu, p.limits.cpu),
        requests_limits(p.requests.memory, p.limits.memory),
    );
    set_age_key(row, p.created, now);
    let mem_limit_pct = usage.and_then(|u| pct(u.memory, p.limits.memory));
    row.level = pod_level(p, mem_limit_pct, now);
}

/// The usage cells (CPU, memory, and each as a share of request / limit, given as
/// `(request, limit)`) and their sort keys: what a metrics round changes in a pod row,
/// whether the pod is read again (`update_live`) or not (`pods_usage`).
pub(super) fn set_usage(
    row: &mut TableRow,
    usage: Option<Usage>,
    none: &'static str,
    cpu: (Num, Num),
    memory: (Num, Num),
) {
    let used_cpu = Num::from(usage.map(|u| u.cpu));
    let used_memory = Num::from(usage.map(|u| u.memory));
    row.set_live(
        COL_CPU,
        LiveCell::Cpu {
            cores: used_cpu,
            none,
        },
    );
    row.set_live(
        COL_CPU_PCT,
        LiveCell::PctPair {
            used: used_cpu,
            request: cpu.0,
            limit: cpu.1,
        },
    );
    row.set_live(
        COL_MEM,
        LiveCell::Mem {
            bytes: used_memory,
            none,
        },
    );
    row.set_live(
        COL_MEM_PCT,
        LiveCell::PctPair {
            used: used_memory,
            request: memory.0,
            limit: memory.1,
        },
    );
    // A share sorts against the limit, or the request when there is no limit.
    let share = |used: f64, (request, limit): (Num, Num)| {
        pct(used, limit.get().or(request.get())).unwrap_or(0.0)
    };
    let keys = match usage {
        Some(u) => [u.cpu, u.memory, share(u.cpu, cpu), share(u.memory, memory)],
        None => [-1.0; 4],
    };
    for (col, v) in [COL_CPU, COL_MEM, COL_CPU_PCT, COL_MEM_PCT]
        .into_iter()
        .zip(keys)
    {
        row.sort_keys.set(col, Some(v));
    }
}

/// The AGE column's sort key at `now`.
pub(super) fn set_age_key(row: &mut TableRow, created: Option<i64>, now: i64) {
    let age = created.map(|c| (now - c) as f64).unwrap_or(0.0);
    row.sort_keys.set(COL_AGE, Some(age));
}

/// The row for `p` from the last build when it was made from this very pod object
/// under the same deployment: its live cells are brought up to date; else a new row.
fn reuse_or_build(
    old: Option<TableRow>,
    p: &LivePod,
    deployment: Option<&Arc<str>>,
    metrics: &MetricsStatus,
    now: i64,
) -> TableRow {
    let same = |r: &TableRow| {
        r.source.as_ref().is_some_and(|s| s.is(&p.info))
            && r.pod_deployment() == Some(deployment.map(|d| &**d))
    };
    match old {
        Some(mut row) if same(&row) => {
            if !super::pods_usage::update_usage(&mut row, p.usage, metrics, now) {
                update_live(&mut row, p, metrics, now);
            }
            row
        }
        _ => pod_row_in(p, deployment, metrics, now),
    }
}

pub(super) fn header_row(
    name: &str,
    d: Option<&DeploymentInfo>,
    pods: &[&LivePod],
    namespace: &str,
) -> TableRow {
    let total = pods
        .iter()
        .fold(None::<Usage>, |acc, p| match (acc, p.usage) {
            (a, Some(u)) => {
                let a = a.unwrap_or_default();
                Some(Usage {
                    cpu: a.cpu + u.cpu,
                    memory: a.memory + u.memory,
                })
            }
            (a, None) => a,
        });
    let restarts: u32 = pods.iter().map(|p| p.restarts).sum();
    let (ready, status, level) = match d {
        Some(d) => {
            let status = if d.paused {
                "paused".to_string()
            } else if let Some(r) = &d.stalled {
                format!("stalled: {r}")
            } else if d.rolling_out() {
                format!("rolling out ({}/{} new)", d.updated, d.desired)
            } else if d.desired == 0 {
                "scaled to 0".into()
            } else {
                format!("{}/{} available", d.available, d.desired)
            };
            let level = if d.stalled.is_some() || (d.desired > 0 && d.available == 0) {
                Level::Crit
            } else if d.rolling_out() || d.available < d.desired {
                Level::Warn
            } else {
                Level::Ok
            };
            (format!("{}/{}", d.ready, d.desired), status, level)
        }
        None => (
            format!(
                "{}/{}",
                pods.iter().filter(|p| p.ready == p.containers).count(),
                pods.len()
            ),
            "deployment unknown".into(),
            Level::Normal,
        ),
    };
    let cells = vec![
        SafeText::line(&format!("deploy/{name}")),
        SafeText::line(&ready),
        SafeText::line(&status),
        SafeText::line(&restarts.to_string()),
        SafeText::default(),
        SafeText::default(),
        SafeText::line(""),
        SafeText::default(),
        SafeText::line(""),
        SafeText::line(""),
    ];
    // Age and usage totals are live cells (not searched, like the pods'): a metrics
    // round leaves the header's text as it was, and the filter's index with it.
    TableRow::new(format!("deploy:{namespace}/{name}"), cells)
        .live(COL_AGE, LiveCell::Age(d.and_then(|d| d.created)))
        .live(
            COL_CPU,
            LiveCell::Cpu {
                cores: total.map(|u| u.cpu).into(),
                none: "",
            },
        )
        .live(
            COL_MEM,
            LiveCell::Mem {
                bytes: total.map(|u| u.memory).into(),
                none: "",
            },
        )
        .group_header()
        .level(level)
        .copy(name.to_string())
        .target(Target::Deployment {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
}

pub fn build(data: &KubeData, ctx: &BuildCtx) -> PaneContent {
    build_reusing(data, ctx, OldRows::default(), None)
}

/// The pane for the builder thread: laid over the rows of the last build where the
/// pods are the same ones in the same order (`pods_reuse`), else `build_reusing`.
pub fn rebuild(data: &Arc<KubeData>, ctx: &BuildCtx, old: OldRows) -> PaneContent {
    if let Some(content) = old
        .shared_content()
        .and_then(|last| super::pods_reuse::in_place(data, ctx, last))
    {
        return content;
    }
    build_reusing(data, ctx, old, Some(data))
}

/// `build`, keeping the rows of the last build (`old`) whose pod did not change: a
/// metrics round or a watch event about one pod then costs no new strings per row.
/// Given the snapshot's `Arc` (`shared`), the content remembers which pod each row
/// shows, for the next build to be laid over it (`pods_reuse`).
pub fn build_reusing(
    data: &KubeData,
    ctx: &BuildCtx,
    mut old: OldRows,
    shared: Option<&Arc<KubeData>>,
) -> PaneContent {
    let now = unix(ctx.now);
    let owners = owner_map(data);
    let mut counts = Counts::default();
    let mut groups: BTreeMap<&str, Vec<(usize, &LivePod)>> = BTreeMap::new();
    let mut loose = Vec::new();
    for (i, p) in data.pods.iter().enumerate() {
        if p.namespace != data.namespace {
            continue;
        }
        counts.add(p);
        match deployment_of(&owners, p) {
            Some(d) => groups.entry(d).or_default().push((i, p)),
            None => loose.push((i, p)),
        }
    }
    for d in &data.deployments {
        if d.namespace == data.namespace {
            groups.entry(d.name.as_str()).or_default();
        }
    }
    let metrics = &data.pod_metrics;
    let mut rows = Vec::with_capacity(counts.pods + groups.len());
    let mut pod_of_row = Vec::with_capacity(rows.capacity());
    let mut members_of = Vec::new();
    for (name, members) in &groups {
        let deployment: Arc<str> = Arc::from(*name);
        members_of.clear();
        members_of.extend(members.iter().map(|(_, p)| *p));
        let mut header = header_row(name, data.deployment(name), &members_of, &data.namespace);
        if let Some(before) = old.take(&header.key) {
            header.keep_text_of(&before);
        }
        rows.push(header);
        pod_of_row.push(super::pods_reuse::HEADER);
        for (i, p) in members {
            rows.push(reuse_or_build(
                old.take(&p.uid),
                p,
                Some(&deployment),
                metrics,
                now,
            ));
            pod_of_row.push(*i as u32);
        }
    }
    for (i, p) in loose {
        rows.push(reuse_or_build(old.take(&p.uid), p, None, metrics, now));
        pod_of_row.push(i as u32);
    }
    drop(old);
    PaneContent {
        summary: summary(data, ctx, &counts),
        columns: columns(),
        rows,
        empty_message: empty_message(data),
        memo: shared
            .map(|data| super::pods_reuse::PodsLayout::memo(data, pod_of_row, counts))
            .unwrap_or_default(),
    }
}
