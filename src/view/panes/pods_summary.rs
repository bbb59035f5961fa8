//! The pods pane's summary lines: the first LIST's progress, the namespace's counts and
//! metrics age, failing watches, deployments worth attention and warning events.

use std::time::Duration;

use super::pods::unix;
use super::BuildCtx;
use crate::collect::kube::{DeploymentInfo, KubeData, ListProgress, MetricsStatus, PodInfo};
use crate::view::format;
use crate::view::safe_text::SafeText;
use crate::view::table::{Level, SummaryItem};

/// The namespace's pod counts the summary line shows.
#[derive(Default, Clone, Copy)]
pub(super) struct Counts {
    pub pods: usize,
    pub not_ready: usize,
    pub restarts: u32,
}

impl Counts {
    pub fn add(&mut self, p: &PodInfo) {
        self.pods += 1;
        self.not_ready += usize::from(p.ready < p.containers);
        self.restarts += p.restarts;
    }
}

/// The lines above the table: progress of the first LIST, the namespace's counts and
/// metrics age, failing watches, deployments worth attention, warning events.
pub(super) fn summary(data: &KubeData, ctx: &BuildCtx, counts: &Counts) -> Vec<SummaryItem> {
    let now = unix(ctx.now);
    let mut summary = Vec::new();
    if let Some(progress) = data.pods_loading {
        summary.push(SummaryItem::text(&loading_line(progress), Level::Warn));
    }
    let mut head = vec![(
        SafeText::line(&format!(
            "namespace {}{} · {} pods · {} not ready · {} restarts",
            data.namespace,
            data.label_selector
                .as_deref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default(),
            counts.pods,
            counts.not_ready,
            counts.restarts
        )),
        if counts.not_ready > 0 {
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
    summary
}

pub(super) fn empty_message(data: &KubeData) -> Option<String> {
    Some(match data.error_of("pods") {
        Some(e) => e.to_string(),
        None => format!("no pods in namespace {}", data.namespace),
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
                parts.push((SafeText::line(&rollout_progress(d, ctx)), Level::Warn));
            }
            if let Some(r) = &d.stalled {
                parts.push((SafeText::line(&format!("stalled: {r}")), Level::Crit));
            }
            SummaryItem::Line(parts)
        })
        .collect()
}

/// `rolling out · 1m20s of 10m00s deadline` (since the last progress): how close the rollout
/// is to ProgressDeadlineExceeded, measured as the controller does.
fn rollout_progress(d: &DeploymentInfo, ctx: &BuildCtx) -> String {
    let since = d
        .progressed_at
        .map(|at| Duration::from_secs((unix(ctx.now) - at).max(0) as u64));
    match (since, d.progress_deadline_s) {
        (Some(since), Some(deadline)) => format!(
            "rolling out · {} of {} deadline",
            format::age(since),
            format::age(Duration::from_secs(deadline.max(0) as u64))
        ),
        (Some(since), None) => format!("rolling out · last progress {} ago", format::age(since)),
        (None, _) => "rolling out".into(),
    }
}

/// `loading pods 23,500 / ~100,000` while the first LIST is paged in.
fn loading_line(p: ListProgress) -> String {
    match p.estimate {
        Some(total) => format!(
            "loading pods {} / ~{}",
            format::thousands(p.loaded),
            format::thousands(total.max(p.loaded))
        ),
        None => format!("loading pods {}…", format::thousands(p.loaded)),
    }
}
