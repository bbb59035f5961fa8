//! Targets pane: ALB target health per target group (one group header each, with
//! counts per state and the health-check settings), then the RDS instance as its
//! own group: status in the header, the latest snapshots and the last hour of events
//! as rows. The summary lines say the same in one glance.

use crate::view::redact::Redact;
use std::time::{Duration, SystemTime};

use super::BuildCtx;
use crate::collect::aws::{AwsData, TargetGroupInfo, TargetInfo};
use crate::view::format::age;
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, PaneContent, SummaryItem, TableRow, Target};

mod rds;
use rds::{rds_rows, rds_summary};

/// Minimum widths are realistic so that narrow panes drop AZ first (it is in the
/// details view), then PORT, and keep room for the reason.
const COLUMNS: [Column; 5] = [
    Column::text("NAME", 24, 30, 9),
    Column::num("PORT", 5, 4),
    Column::text("AZ", 10, 10, 3),
    Column::text("STATE", 12, 12, 8),
    Column::text("DETAIL", 34, 200, 6),
];

/// The states ELB reports, in the order the counts are shown.
const STATES: [&str; 6] = [
    "healthy",
    "unhealthy",
    "draining",
    "initial",
    "unused",
    "unavailable",
];

pub fn target_level(state: &str) -> Level {
    match state {
        "healthy" => Level::Ok,
        "unhealthy" => Level::Crit,
        _ => Level::Warn,
    }
}

pub fn rds_level(status: &str) -> Level {
    match status {
        "available" => Level::Ok,
        "failed"
        | "stopped"
        | "stopping"
        | "storage-full"
        | "inaccessible-encryption-credentials"
        | "incompatible-network"
        | "incompatible-option-group"
        | "incompatible-parameters"
        | "incompatible-restore"
        | "restore-error"
        | "deleting" => Level::Crit,
        _ => Level::Warn,
    }
}

pub(super) fn ago(now: SystemTime, unix: Option<i64>) -> String {
    match unix {
        Some(t) => {
            let at = SystemTime::UNIX_EPOCH + Duration::from_secs(t.max(0) as u64);
            match now.duration_since(at) {
                Ok(d) => format!("{} ago", age(d)),
                Err(_) => "just now".into(),
            }
        }
        None => "-".into(),
    }
}

pub(super) fn cells(v: [&str; 5]) -> Vec<SafeText> {
    v.iter().map(|s| SafeText::line(s)).collect()
}

pub fn build(data: &AwsData, ctx: &BuildCtx) -> PaneContent {
    let mut summary = Vec::new();
    let mut rows = Vec::new();
    summary.push(targets_summary(data));
    if let Some(e) = &data.targets_error {
        summary.push(SummaryItem::text(&format!("ALB: {e}"), Level::Crit));
    }
    for g in &data.target_groups {
        group_rows(g, &mut rows, ctx.redact);
    }
    match (&data.rds, &data.rds_error) {
        (Some(r), _) => {
            summary.push(rds_summary(r, ctx.now));
            if !r.pending_modifications.is_empty() {
                summary.push(SummaryItem::text(
                    &format!("pending: {}", r.pending_modifications.join(", ")),
                    Level::Warn,
                ));
            }
            rds_rows(r, ctx.now, ctx.redact, &mut rows);
        }
        (None, Some(e)) => {
            summary.push(SummaryItem::text(
                &format!("RDS {}: {e}", data.rds_instance),
                Level::Crit,
            ));
            rows.push(
                TableRow::new(
                    format!("rds:{}", data.rds_instance),
                    cells([&format!("RDS {}", data.rds_instance), "", "", "error", e]),
                )
                .group_header()
                .level(Level::Crit)
                .detail("error", e)
                .target(Target::RdsInstance {
                    id: data.rds_instance.clone(),
                }),
            );
        }
        (None, None) => {}
    }
    PaneContent {
        memo: Default::default(),
        summary,
        columns: COLUMNS.to_vec(),
        rows,
        empty_message: Some(format!("no target groups ({})", data.scope)),
    }
}

fn counts(targets: &[TargetInfo]) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = STATES
        .iter()
        .map(|s| {
            (
                s.to_string(),
                targets.iter().filter(|t| t.state == *s).count(),
            )
        })
        .collect();
    for t in targets {
        if !STATES.contains(&t.state.as_str()) && !out.iter().any(|(s, _)| s == &t.state) {
            let n = targets.iter().filter(|x| x.state == t.state).count();
            out.push((t.state.clone(), n));
        }
    }
    out.retain(|(_, n)| *n > 0);
    out
}

fn targets_summary(data: &AwsData) -> SummaryItem {
    let all: Vec<TargetInfo> = data
        .target_groups
        .iter()
        .flat_map(|g| g.targets.iter().cloned())
        .collect();
    let mut parts = vec![(
        SafeText::line(&format!(
            "{} · {} group{} · {} target{}",
            data.scope.replace("load balancer ", "ALB "),
            data.target_groups.len(),
            if data.target_groups.len() == 1 {
                ""
            } else {
                "s"
            },
            all.len(),
            if all.len() == 1 { "" } else { "s" },
        )),
        Level::Normal,
    )];
    for (state, n) in counts(&all) {
        parts.push((
            SafeText::line(&format!("{n} {state}")),
            target_level(&state),
        ));
    }
    SummaryItem::Line(parts)
}

/// Short form for the group header: `hc HTTP /health 30s/5s ok 5 bad 2`.
fn health_check_short(g: &TargetGroupInfo) -> String {
    let h = &g.health_check;
    if !h.enabled {
        return "health check disabled".into();
    }
    format!(
        "hc {} {} {}s/{}s ok {} bad {}",
        h.protocol.as_deref().unwrap_or("?"),
        h.path.as_deref().unwrap_or("-"),
        h.interval_s,
        h.timeout_s,
        h.healthy_threshold,
        h.unhealthy_threshold
    )
}

fn health_check_text(g: &TargetGroupInfo) -> String {
    let h = &g.health_check;
    if !h.enabled {
        return "health check disabled".into();
    }
    let mut s = format!(
        "hc {} {} every {}s timeout {}s healthy {} unhealthy {}",
        h.protocol.as_deref().unwrap_or("?"),
        h.path.as_deref().unwrap_or("-"),
        h.interval_s,
        h.timeout_s,
        h.healthy_threshold,
        h.unhealthy_threshold
    );
    if let Some(m) = &h.matcher {
        s.push_str(&format!(" codes {m}"));
    }
    s
}

fn group_rows(g: &TargetGroupInfo, rows: &mut Vec<TableRow>, redact: Redact) {
    let c = counts(&g.targets);
    let healthy = c
        .iter()
        .find(|(s, _)| s == "healthy")
        .map_or(0, |(_, n)| *n);
    let level =
        if c.iter().any(|(s, _)| s == "unhealthy") || (healthy == 0 && !g.targets.is_empty()) {
            Level::Crit
        } else if c.iter().any(|(s, _)| s != "healthy") || g.targets.is_empty() {
            Level::Warn
        } else {
            Level::Ok
        };
    let state = format!("{healthy}/{} ok", g.targets.len());
    let count_text = if c.is_empty() {
        "no targets".to_string()
    } else {
        c.iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let hc = health_check_text(g);
    let port = g.port.map(|p| p.to_string()).unwrap_or_default();
    let detail = format!("{count_text} · {}", health_check_short(g));
    let mut header = TableRow::new(
        format!("tg:{}", g.arn),
        cells([&g.name, &port, "", &state, &detail]),
    )
    .group_header()
    .level(level)
    .copy(g.arn.clone())
    .detail("target group", &g.arn)
    .detail(
        "protocol",
        &format!("{} {port}", g.protocol.as_deref().unwrap_or("?")),
    )
    .detail("target type", g.target_type.as_deref().unwrap_or("?"))
    .detail("targets", &count_text)
    .detail("health check", &hc)
    .detail("load balancers", &g.load_balancer_arns.join("\n"))
    .target(Target::TargetGroup { arn: g.arn.clone() });
    if let Some(p) = g.port {
        header = header.sort_key(1, p as f64);
    }
    rows.push(header);
    for t in &g.targets {
        // The key and the target keep the real address: presenter mode hides it only
        // from what is shown, and an action still aims at the target itself.
        let real_port = t.port.map(|p| p.to_string()).unwrap_or_default();
        let port = redact.port(&real_port).into_owned();
        let shown_id = redact.text(&t.id).into_owned();
        let why = match (&t.reason, &t.description) {
            (Some(r), Some(d)) => format!("{r}: {d}"),
            (Some(r), None) => r.clone(),
            (None, Some(d)) => d.clone(),
            (None, None) => String::new(),
        };
        let why = redact.text(&why).into_owned();
        let mut row = TableRow::new(
            format!("target:{}:{}:{real_port}", g.arn, t.id),
            cells([
                &shown_id,
                &port,
                t.availability_zone.as_deref().unwrap_or("-"),
                &t.state,
                &why,
            ]),
        )
        .depth(1)
        .level(target_level(&t.state))
        .copy(shown_id.clone())
        .detail("target", &shown_id)
        .detail("port", &port)
        .detail("state", &t.state)
        .detail("reason", &why)
        .detail("target group", &g.arn)
        .target(Target::LbTarget {
            target_group_arn: g.arn.clone(),
            id: t.id.clone(),
            port: t.port,
        });
        if let Some(p) = t.port.filter(|_| !redact.0) {
            row = row.sort_key(1, p as f64);
        }
        rows.push(row);
    }
}
