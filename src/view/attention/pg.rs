//! PostgreSQL problems: lock chains (who blocks how many, and what the blocker is
//! doing), the connection count against its threshold, old idle transactions, and
//! sessions the role cannot see.

use super::{Attention, Impact};
use crate::collect::postgres::PgData;
use crate::view::panes::pg_activity::{dur, idle_tx_level, long_query_level, short_state};
use crate::view::panes::BuildCtx;
use crate::view::table::Level;

pub fn locks(data: &PgData, _ctx: &BuildCtx) -> Vec<Attention> {
    let mut out = Vec::new();
    for root in data
        .lock_tree
        .iter()
        .filter(|n| n.depth == 0 && n.blocks > 0)
    {
        let text = if root.prepared {
            format!("PG: {} blocked behind a prepared transaction", root.blocks)
        } else {
            let doing = data
                .session_by_pid(root.pid)
                .map(|s| {
                    let since = data.age_secs(s.state_change_us.or(s.query_start_us));
                    format!(" ({} {})", short_state(s.state.as_deref()), dur(since))
                })
                .unwrap_or_default();
            format!("PG: {} blocked behind pid {}{doing}", root.blocks, root.pid)
        };
        out.push(
            Attention::crit(Impact::Stuck, &text)
                .weight(root.blocks as f64)
                .row(format!("lock:{}", root.pid)),
        );
    }
    out
}

pub fn activity(data: &PgData, ctx: &BuildCtx) -> Vec<Attention> {
    let mut out = Vec::new();
    let max = data.max_connections.max(1);
    let pct = data.counts.used as f64 / max as f64 * 100.0;
    let warn = ctx.config.postgres.connections_warn_percent;
    if pct >= warn {
        let text = format!(
            "PG connections {}/{} ({pct:.0} % ≥ {warn:.0} %)",
            data.counts.used, data.max_connections
        );
        let item = if pct >= 95.0 {
            Attention::crit(Impact::Capacity, &text)
        } else {
            Attention::warn(Impact::Capacity, &text)
        };
        out.push(item.weight(pct));
    }
    // Idle transactions that block others are the locks pane's item already.
    let idle: Vec<_> = data
        .sessions
        .iter()
        .filter(|s| data.blocks(s.pid) == 0 && idle_tx_level(data, s, ctx) != Level::Normal)
        .collect();
    if let Some(oldest) = idle
        .iter()
        .max_by(|a, b| {
            let age = |s: &&&crate::collect::postgres::PgSession| {
                data.age_secs(s.state_change_us).unwrap_or(0.0)
            };
            age(a).total_cmp(&age(b))
        })
        .copied()
    {
        let since = data.age_secs(oldest.state_change_us);
        let text = if idle.len() == 1 {
            format!("PG: pid {} idle in tx {}", oldest.pid, dur(since))
        } else {
            format!(
                "PG: {} sessions idle in tx (oldest pid {} {})",
                idle.len(),
                oldest.pid,
                dur(since)
            )
        };
        out.push(
            Attention::warn(Impact::Hygiene, &text)
                .weight(since.unwrap_or(0.0))
                .row(format!(
                    "pid:{}:{}",
                    oldest.pid,
                    oldest.backend_start_us.unwrap_or(0)
                )),
        );
    }
    // Long-running active queries not already counted as lock waits.
    let long: Vec<_> = data
        .sessions
        .iter()
        .filter(|s| s.wait_event_type.as_deref() != Some("Lock"))
        .map(|s| (s, long_query_level(data, s, ctx)))
        .filter(|(_, l)| *l != Level::Normal)
        .collect();
    let oldest = long.iter().max_by(|a, b| {
        let age = |s: &crate::collect::postgres::PgSession| {
            data.age_secs(s.query_start_us).unwrap_or(0.0)
        };
        age(a.0).total_cmp(&age(b.0))
    });
    if let Some((s, level)) = oldest {
        let ran = data.age_secs(s.query_start_us);
        let query: String = s.query.as_deref().unwrap_or("").chars().take(40).collect();
        let more = if long.len() > 1 {
            format!(" (+{} more)", long.len() - 1)
        } else {
            String::new()
        };
        let text = format!("PG: pid {} active {}{more}: {query}", s.pid, dur(ran));
        let item = if *level == Level::Crit {
            Attention::crit(Impact::Capacity, &text)
        } else {
            Attention::warn(Impact::Capacity, &text)
        };
        out.push(item.weight(long.len() as f64).row(format!(
            "pid:{}:{}",
            s.pid,
            s.backend_start_us.unwrap_or(0)
        )));
    }
    if data.counts.insufficient_privilege > 0 {
        out.push(Attention::warn(
            Impact::Blind,
            &format!(
                "PG: {} sessions hidden from {} (GRANT pg_monitor)",
                data.counts.insufficient_privilege, data.current_user
            ),
        ));
    }
    out
}
