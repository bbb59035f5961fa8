//! Redis and AWS (ALB targets, RDS) problems.

use super::{Attention, Impact};
use crate::collect::aws::AwsData;
use crate::collect::redis::RedisData;
use crate::view::panes::targets::rds_level;
use crate::view::panes::BuildCtx;
use crate::view::table::Level;

pub fn redis(data: &RedisData, ctx: &BuildCtx) -> Vec<Attention> {
    let mut out = Vec::new();
    for n in data.nodes.iter().filter(|n| n.error.is_some()) {
        let e = n.error.as_deref().unwrap_or_default();
        out.push(Attention::crit(
            Impact::Blind,
            &format!("Redis {}: {e}", n.name),
        ));
    }
    let t = &data.total;
    let warn_below = ctx.config.redis.hit_rate_warn_percent;
    if let Some(p) = t.hit.percent().filter(|p| *p < warn_below) {
        out.push(
            Attention::warn(Impact::Hygiene, &format!("Redis hit {p:.0} %")).weight(warn_below - p),
        );
    }
    let i = &t.info;
    if i.maxmemory > 0 {
        let pct = i.used_memory as f64 / i.maxmemory as f64 * 100.0;
        let text = format!("Redis memory {pct:.0} % of maxmemory");
        if pct >= 95.0 {
            out.push(Attention::crit(Impact::Capacity, &text).weight(pct));
        } else if pct >= 85.0 {
            out.push(Attention::warn(Impact::Capacity, &text).weight(pct));
        }
    }
    if let Some(link) = i.master_link_status.as_deref().filter(|l| *l != "up") {
        out.push(Attention::crit(
            Impact::Capacity,
            &format!("Redis master link {link}"),
        ));
    }
    out
}

pub fn aws(data: &AwsData, _ctx: &BuildCtx) -> Vec<Attention> {
    let mut out = Vec::new();
    if let Some(e) = &data.targets_error {
        out.push(Attention::crit(Impact::Blind, &format!("ALB: {e}")));
    }
    for g in &data.target_groups {
        let bad = g.targets.iter().filter(|t| t.state == "unhealthy").count();
        let healthy = g.targets.iter().filter(|t| t.state == "healthy").count();
        let key = format!("tg:{}", g.arn);
        if !g.targets.is_empty() && healthy == 0 {
            out.push(
                Attention::crit(
                    Impact::Users,
                    &format!("ALB {}: no healthy targets (0/{})", g.name, g.targets.len()),
                )
                .weight(g.targets.len() as f64)
                .row(key),
            );
        } else if bad > 0 {
            out.push(
                Attention::crit(
                    Impact::Users,
                    &format!("ALB {}: {bad} unhealthy of {}", g.name, g.targets.len()),
                )
                .weight(bad as f64)
                .row(key),
            );
        }
    }
    match (&data.rds, &data.rds_error) {
        (Some(r), _) => {
            let key = format!("rds:{}", r.id);
            match rds_level(&r.status) {
                Level::Crit => out.push(
                    Attention::crit(Impact::Users, &format!("RDS {} {}", r.id, r.status)).row(key),
                ),
                // A backup window is routine: shown in the pane, not called a problem.
                Level::Warn if r.status == "backing-up" => {}
                Level::Warn => out.push(
                    Attention::warn(Impact::Users, &format!("RDS {} {}", r.id, r.status)).row(key),
                ),
                _ => {}
            }
        }
        (None, Some(e)) => out.push(Attention::crit(
            Impact::Blind,
            &format!("RDS {}: {e}", data.rds_instance),
        )),
        (None, None) => {}
    }
    out
}

/// The golden signals against the runbook's thresholds (`[thresholds]`).
pub fn signals(data: &AwsData, ctx: &BuildCtx) -> Vec<Attention> {
    use crate::view::panes::signals::{error_level, golden, p95_level, AVAILABILITY_SLA};
    let mut out = Vec::new();
    if let Some(e) = &data.signals_error {
        out.push(Attention::crit(Impact::Blind, &format!("CloudWatch: {e}")));
    }
    let Some(s) = &data.signals else {
        return out;
    };
    let t = &ctx.config.thresholds;
    let g = golden(s, ctx.now);
    if let Some(e) = g.error_rate {
        if error_level(e, t.error_rate_percent) == Level::Crit {
            out.push(
                Attention::crit(
                    Impact::Users,
                    &format!("ALB errors {e:.2} % (> {} %)", t.error_rate_percent),
                )
                .weight(e / t.error_rate_percent.max(f64::EPSILON))
                .row("signal:errors"),
            );
        }
    }
    if let Some(ms) = g.p95_ms {
        let text = format!("ALB p95 {ms:.0} ms (> {:.0} ms)", t.p95_ms);
        let item = match p95_level(ms, t.p95_ms) {
            Level::Crit => Some(Attention::crit(Impact::Users, &text)),
            Level::Warn => Some(Attention::warn(Impact::Users, &text)),
            _ => None,
        };
        out.extend(item.map(|a| a.weight(ms / t.p95_ms.max(1.0)).row("signal:p95")));
    }
    if let Some(a) = g.availability.filter(|a| *a < AVAILABILITY_SLA) {
        out.push(
            Attention::warn(
                Impact::Users,
                &format!("ALB availability {a:.2} % (1 h, SLA {AVAILABILITY_SLA} %)"),
            )
            .row("signal:errors"),
        );
    }
    let cpu = s
        .series(crate::collect::aws::cloudwatch::id::RDS_CPU)
        .and_then(|c| c.latest());
    if let Some((_, v)) = cpu {
        let text = format!("RDS CPU {v:.0} %");
        match crate::view::panes::signals_rds_level(v) {
            Level::Crit => out.push(Attention::crit(Impact::Capacity, &text).row("signal:rdscpu")),
            Level::Warn => out.push(Attention::warn(Impact::Capacity, &text).row("signal:rdscpu")),
            _ => {}
        }
    }
    out
}

/// Dependencies down, answering 5xx, or with a certificate about to expire.
pub fn deps(data: &crate::collect::deps::DepsData, ctx: &BuildCtx) -> Vec<Attention> {
    use crate::view::panes::deps::{cert_text, level};
    let mut out = Vec::new();
    for c in &data.checks {
        let key = format!("dep:{}", c.name);
        let item = if !c.up {
            let why = c.error.as_deref().unwrap_or("down");
            Attention::crit(Impact::Blind, &format!("dep {} down: {why}", c.name))
        } else if let Some(s) = c.http_status.filter(|s| *s >= 500) {
            Attention::crit(Impact::Users, &format!("dep {} HTTP {s}", c.name))
        } else {
            match level(c, ctx.now, data.cert_warn_days) {
                Level::Crit => Attention::crit(
                    Impact::Capacity,
                    &format!("dep {} certificate expired", c.name),
                ),
                Level::Warn => Attention::warn(
                    Impact::Capacity,
                    &format!(
                        "dep {} certificate expires in {}",
                        c.name,
                        cert_text(c, ctx.now)
                    ),
                ),
                _ => continue,
            }
        };
        out.push(item.row(key));
    }
    out
}
