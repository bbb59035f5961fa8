//! Pods pane: pods of the namespace grouped by owning deployment (group header:
//! desired / updated / ready / available, rolling out), with readiness, the status
//! reason a user needs, restarts, and CPU / memory against requests and limits.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use super::BuildCtx;
use crate::collect::kube::{DeploymentInfo, KubeData, MetricsStatus, PodInfo, Usage};
use crate::view::format;
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, PaneContent, SummaryItem, TableRow, Target};

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

/// Fixed widths (the generic table picks columns by min width and draws them at
/// max width): at 80x24 NAME, READY, STATUS, MEM and MEM%R/L fit exactly.
fn columns() -> Vec<Column> {
    vec![
        Column::text("NAME", 31, 31, 10),
        Column::num("READY", 5, 8),
        Column::text("STATUS", 21, 21, 9),
        Column::text("RESTARTS", 11, 11, 7),
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

pub(crate) fn age_since(now: i64, then: Option<i64>) -> Option<String> {
    then.map(|t| format::age(Duration::from_secs((now - t).max(0) as u64)))
}

pub(crate) fn cpu(cores: f64) -> String {
    if cores >= 10.0 {
        format!("{cores:.1}")
    } else {
        format!("{:.0}m", cores * 1000.0)
    }
}

pub(crate) fn mem(b: f64) -> String {
    format::bytes(b.max(0.0) as u64)
}

pub(crate) fn pct(used: f64, of: Option<f64>) -> Option<f64> {
    of.filter(|v| *v > 0.0).map(|v| used / v * 100.0)
}

fn pct_pair(req: Option<f64>, lim: Option<f64>) -> String {
    let f = |p: Option<f64>| p.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "-".into());
    format!("{}/{}", f(req), f(lim))
}

/// Deployment of each ReplicaSet name; when the ReplicaSet is unknown (its watch is
/// forbidden), the name minus its `-<pod-template-hash>` suffix.
fn owner_map(data: &KubeData) -> HashMap<&str, &str> {
    data.replicasets
        .iter()
        .filter(|r| r.namespace == data.namespace)
        .filter_map(|r| r.deployment.as_deref().map(|d| (r.name.as_str(), d)))
        .collect()
}

fn deployment_of<'a>(owners: &HashMap<&str, &'a str>, p: &'a PodInfo) -> Option<&'a str> {
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

fn status_text(p: &PodInfo) -> String {
    match p.last_termination.as_deref() {
        Some("OOMKilled") if p.reason != "OOMKilled" && p.restarts > 0 => {
            format!("{}·was OOMKilled", p.reason)
        }
        _ => p.reason.clone(),
    }
}

fn pod_row(p: &PodInfo, deployment: Option<&str>, metrics: &MetricsStatus, now: i64) -> TableRow {
    let usage = p.usage;
    let no_metrics = metrics.cell_text();
    let (cpu_cell, cpu_pct, mem_cell, mem_pct) = match usage {
        Some(u) => (
            cpu(u.cpu),
            pct_pair(pct(u.cpu, p.requests.cpu), pct(u.cpu, p.limits.cpu)),
            mem(u.memory),
            pct_pair(
                pct(u.memory, p.requests.memory),
                pct(u.memory, p.limits.memory),
            ),
        ),
        None => (
            no_metrics.to_string(),
            String::new(),
            no_metrics.to_string(),
            String::new(),
        ),
    };
    let mem_limit_pct = usage.and_then(|u| pct(u.memory, p.limits.memory));
    let restarts = match age_since(now, p.last_restart) {
        Some(a) if p.restarts > 0 => format!("{} ({a})", p.restarts),
        _ => p.restarts.to_string(),
    };
    let age = age_since(now, p.created).unwrap_or_default();
    let cells = vec![
        SafeText::line(&p.name),
        SafeText::line(&format!("{}/{}", p.ready, p.containers)),
        SafeText::line(&status_text(p)),
        SafeText::line(&restarts),
        SafeText::line(&age),
        SafeText::line(&cpu_cell),
        SafeText::line(&cpu_pct),
        SafeText::line(&mem_cell),
        SafeText::line(&mem_pct),
        SafeText::line(p.node.as_deref().unwrap_or("<none>")),
    ];
    let mut row = TableRow::new(p.uid.clone(), cells)
        .level(pod_level(p, mem_limit_pct, now))
        .depth(u8::from(deployment.is_some()))
        .copy(p.name.clone())
        .target(Target::Pod {
            namespace: p.namespace.clone(),
            name: p.name.clone(),
            uid: p.uid.clone(),
            deployment: deployment.map(str::to_string),
        })
        .sort_key(
            COL_READY,
            f64::from(p.ready) / f64::from(p.containers.max(1)),
        )
        .sort_key(COL_RESTARTS, f64::from(p.restarts))
        .sort_key(COL_AGE, p.created.map(|c| (now - c) as f64).unwrap_or(0.0));
    if let Some(u) = usage {
        row = row
            .sort_key(COL_CPU, u.cpu)
            .sort_key(COL_MEM, u.memory)
            .sort_key(
                COL_CPU_PCT,
                pct(u.cpu, p.limits.cpu.or(p.requests.cpu)).unwrap_or(0.0),
            )
            .sort_key(
                COL_MEM_PCT,
                pct(u.memory, p.limits.memory.or(p.requests.memory)).unwrap_or(0.0),
            );
    } else {
        for c in [COL_CPU, COL_MEM, COL_CPU_PCT, COL_MEM_PCT] {
            row = row.sort_key(c, -1.0);
        }
    }
    row
}

/// What `enter` shows for the row aimed at `target`, built from the snapshot when asked
/// rather than stored in every row: 5,000 pods × seven detail strings were most of the
/// pane's memory.
pub fn details(
    data: &KubeData,
    ctx: &BuildCtx,
    target: &Target,
) -> Option<Vec<(String, SafeText)>> {
    let now = unix(ctx.now);
    let uid = match target {
        Target::Deployment { namespace, name } if *namespace == data.namespace => {
            let mut fields = deployment_details(name, data.deployment(name), &data.namespace);
            fields.extend(super::pod_diag::rollout_history(data, name, now));
            return Some(fields);
        }
        Target::Pod { uid, .. } => uid,
        _ => return None,
    };
    let p = data.namespace_pods().find(|p| &p.uid == uid)?;
    let owners = owner_map(data);
    let mut fields = pod_details(p, deployment_of(&owners, p), &data.pod_metrics, now);
    fields.extend(super::pod_diag::details(data, p, now));
    Some(fields)
}

fn pod_details(
    p: &PodInfo,
    deployment: Option<&str>,
    metrics: &MetricsStatus,
    now: i64,
) -> Vec<(String, SafeText)> {
    let opt = |v: Option<f64>, f: fn(f64) -> String| v.map(f).unwrap_or_else(|| "none".into());
    let usage = match p.usage {
        Some(u) => format!("cpu {} · memory {}", cpu(u.cpu), mem(u.memory)),
        None => metrics.line("metrics", now),
    };
    let restarts = match (&p.last_termination, age_since(now, p.last_restart)) {
        (Some(r), Some(a)) => format!("{} · last: {r}, {a} ago", p.restarts),
        (Some(r), None) => format!("{} · last: {r}", p.restarts),
        _ => p.restarts.to_string(),
    };
    let fields = [
        (
            "pod",
            format!("{} -n {} (uid {})", p.name, p.namespace, p.uid),
        ),
        (
            "owner",
            format!(
                "deployment {} · replicaset {}",
                deployment.unwrap_or("(none)"),
                p.replicaset.as_deref().unwrap_or("(none)")
            ),
        ),
        ("node", p.node.clone().unwrap_or_else(|| "<none>".into())),
        (
            "status",
            format!("{} (phase {}) {}", status_text(p), p.phase, p.message),
        ),
        ("restarts", restarts),
        ("usage", usage),
        (
            "requests / limits",
            format!(
                "cpu {} / {} · memory {} / {}",
                opt(p.requests.cpu, cpu),
                opt(p.limits.cpu, cpu),
                opt(p.requests.memory, mem),
                opt(p.limits.memory, mem)
            ),
        ),
    ];
    safe_fields(fields)
}

fn deployment_details(
    name: &str,
    d: Option<&DeploymentInfo>,
    namespace: &str,
) -> Vec<(String, SafeText)> {
    let mut fields = vec![
        ("deployment", name.to_string()),
        ("namespace", namespace.to_string()),
    ];
    if let Some(d) = d {
        fields.extend([
            ("desired", d.desired.to_string()),
            ("updated", d.updated.to_string()),
            ("ready", d.ready.to_string()),
            ("available", d.available.to_string()),
            (
                "rolling out",
                if d.rolling_out() { "yes" } else { "no" }.into(),
            ),
            (
                "revision",
                d.revision.map(|r| r.to_string()).unwrap_or_default(),
            ),
            ("images", d.images.clone()),
        ]);
    }
    safe_fields(fields)
}

fn safe_fields(
    fields: impl IntoIterator<Item = (&'static str, String)>,
) -> Vec<(String, SafeText)> {
    fields
        .into_iter()
        .map(|(name, value)| (name.to_string(), SafeText::block(&value)))
        .collect()
}

fn header_row(
    name: &str,
    d: Option<&DeploymentInfo>,
    pods: &[&PodInfo],
    namespace: &str,
    now: i64,
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
        SafeText::line(
            &d.and_then(|d| age_since(now, d.created))
                .unwrap_or_default(),
        ),
        SafeText::line(&total.map(|u| cpu(u.cpu)).unwrap_or_default()),
        SafeText::line(""),
        SafeText::line(&total.map(|u| mem(u.memory)).unwrap_or_default()),
        SafeText::line(""),
        SafeText::line(""),
    ];
    TableRow::new(format!("deploy:{namespace}/{name}"), cells)
        .group_header()
        .level(level)
        .copy(name.to_string())
        .target(Target::Deployment {
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
}

/// One summary line per deployment worth attention: the configured one, and any
/// rolling out or short of available replicas (at most `MAX_DEPLOY_LINES`).
const MAX_DEPLOY_LINES: usize = 3;

fn deployment_lines(data: &KubeData, ctx: &BuildCtx) -> Vec<SummaryItem> {
    let configured = ctx.config.kube.deployment.as_str();
    let mut picked: Vec<&DeploymentInfo> = data
        .deployments
        .iter()
        .filter(|d| d.name == configured || d.rolling_out() || d.available < d.desired)
        .collect();
    picked.sort_by_key(|d| (d.name != configured, d.name.clone()));
    picked
        .into_iter()
        .take(MAX_DEPLOY_LINES)
        .map(|d| {
            let mut parts = vec![
                (SafeText::line(&d.name), Level::Normal),
                (
                    SafeText::line(&format!(
                        "desired {} · updated {} · ready {} · available {}",
                        d.desired, d.updated, d.ready, d.available
                    )),
                    Level::Normal,
                ),
            ];
            if d.rolling_out() {
                parts.push((SafeText::line("rolling out"), Level::Warn));
            }
            if let Some(r) = &d.stalled {
                parts.push((SafeText::line(&format!("stalled: {r}")), Level::Crit));
            }
            SummaryItem::Line(parts)
        })
        .collect()
}

pub fn build(data: &KubeData, ctx: &BuildCtx) -> PaneContent {
    let now = unix(ctx.now);
    let owners = owner_map(data);
    let pods: Vec<&PodInfo> = data.namespace_pods().collect();

    let mut summary = Vec::new();
    let not_ready = pods.iter().filter(|p| p.ready < p.containers).count();
    let restarts: u32 = pods.iter().map(|p| p.restarts).sum();
    let mut head = vec![(
        SafeText::line(&format!(
            "namespace {}{} · {} pods · {} not ready · {} restarts",
            data.namespace,
            data.label_selector
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            pods.len(),
            not_ready,
            restarts
        )),
        if not_ready > 0 {
            Level::Warn
        } else {
            Level::Normal
        },
    )];
    let metrics_level = match data.pod_metrics {
        MetricsStatus::Live { .. } | MetricsStatus::Pending => Level::Dim,
        MetricsStatus::Absent => Level::Warn,
        MetricsStatus::Error { .. } => Level::Crit,
    };
    head.push((
        SafeText::line(&data.pod_metrics.line("metrics", now)),
        metrics_level,
    ));
    summary.push(SummaryItem::Line(head));
    for r in ["pods", "deployments", "replicasets"] {
        if let Some(e) = data.error_of(r) {
            summary.push(SummaryItem::text(e, Level::Crit));
        }
    }
    summary.extend(deployment_lines(data, ctx));
    summary.extend(super::pod_diag::warnings_summary(data, now));

    let mut groups: BTreeMap<&str, Vec<&PodInfo>> = BTreeMap::new();
    let mut loose = Vec::new();
    for p in &pods {
        match deployment_of(&owners, p) {
            Some(d) => groups.entry(d).or_default().push(p),
            None => loose.push(*p),
        }
    }
    for d in &data.deployments {
        if d.namespace == data.namespace {
            groups.entry(d.name.as_str()).or_default();
        }
    }
    let mut rows = Vec::with_capacity(pods.len() + groups.len());
    for (name, members) in &groups {
        rows.push(header_row(
            name,
            data.deployment(name),
            members,
            &data.namespace,
            now,
        ));
        for p in members {
            rows.push(pod_row(p, Some(name), &data.pod_metrics, now));
        }
    }
    for p in loose {
        rows.push(pod_row(p, None, &data.pod_metrics, now));
    }
    let empty_message = Some(match data.error_of("pods") {
        Some(e) => e.to_string(),
        None => format!("no pods in namespace {}", data.namespace),
    });
    PaneContent {
        summary,
        columns: columns(),
        rows,
        empty_message,
    }
}
