//! Redis pane: interval hit rate (number + 10-minute sparkline + lifetime), ops and
//! eviction rates, clients, memory vs maxmemory and policy, replication, uptime;
//! rows are the keyspace's databases, or the primaries in cluster mode.

use std::time::Duration;

use super::BuildCtx;
use crate::collect::redis::delta::IntervalHit;
use crate::collect::redis::{NodeStats, RedisData};
use crate::view::format::{age, bytes};
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, PaneContent, SummaryItem, TableRow, Target};

pub fn build(data: &RedisData, ctx: &BuildCtx) -> PaneContent {
    let warn_below = ctx.config.redis.hit_rate_warn_percent;
    let t = &data.total;
    let mut summary = vec![
        hit_line(t, warn_below),
        SummaryItem::Sparkline {
            label: SafeText::line(&history_label(&data.hit_history)),
            points: data
                .hit_history
                .iter()
                .map(|p| p.clamp(0.0, 100.0).round() as u64)
                .collect(),
            level: hit_level(t.hit.percent(), warn_below),
        },
        memory_item(t),
        traffic_line(t),
        replication_line(t),
    ];
    for note in &data.notes {
        summary.push(SummaryItem::text(note, Level::Warn));
    }
    if data.cluster {
        PaneContent {
            memo: Default::default(),
            summary,
            columns: cluster_columns(),
            rows: data.nodes.iter().map(|n| node_row(n, warn_below)).collect(),
            empty_message: Some("no cluster primaries found".into()),
        }
    } else {
        PaneContent {
            memo: Default::default(),
            summary,
            columns: vec![
                Column::text("DB", 4, 6, 9),
                Column::num("KEYS", 12, 8),
                Column::num("EXPIRES", 12, 6),
                Column::text("AVG TTL", 8, 12, 4),
            ],
            rows: t
                .info
                .keyspace
                .iter()
                .map(|d| {
                    let name = format!("db{}", d.db);
                    let ttl = if d.avg_ttl_ms == 0 {
                        "-".to_string()
                    } else {
                        age(Duration::from_millis(d.avg_ttl_ms))
                    };
                    TableRow::new(
                        name.clone(),
                        vec![
                            SafeText::line(&name),
                            SafeText::line(&d.keys.to_string()),
                            SafeText::line(&d.expires.to_string()),
                            SafeText::line(&ttl),
                        ],
                    )
                    .sort_key(1, d.keys as f64)
                    .sort_key(2, d.expires as f64)
                    .sort_key(3, d.avg_ttl_ms as f64)
                    .copy(name.clone())
                    .detail("database", &name)
                    .detail("keys", &d.keys.to_string())
                    .detail("keys with a TTL", &d.expires.to_string())
                    .detail("average TTL (ms)", &d.avg_ttl_ms.to_string())
                    .target(Target::Redis)
                })
                .collect(),
            empty_message: Some("keyspace empty: no keys in any database".into()),
        }
    }
}

/// `hit% 10m (min 71%)`: the sparkline scales to its maximum, so say how low it went.
fn history_label(points: &[f64]) -> String {
    match points.iter().copied().reduce(f64::min) {
        Some(min) => format!("hit% 10m (min {min:.0}%)"),
        None => "hit% 10m".into(),
    }
}

fn hit_level(percent: Option<f64>, warn_below: f64) -> Level {
    match percent {
        Some(p) if p < warn_below => Level::Warn,
        Some(_) => Level::Ok,
        None => Level::Dim,
    }
}

/// `1.2k`, `350`, `0.4`: rates in a few columns.
pub fn rate(v: f64) -> String {
    if !v.is_finite() || v <= 0.0 {
        "0".into()
    } else if v < 10.0 {
        format!("{v:.1}")
    } else if v < 10_000.0 {
        format!("{v:.0}")
    } else if v < 10_000_000.0 {
        format!("{:.1}k", v / 1000.0)
    } else {
        format!("{:.1}M", v / 1_000_000.0)
    }
}

fn interval_hit_text(hit: &IntervalHit) -> String {
    match hit {
        IntervalHit::Rate {
            percent,
            hits,
            misses,
        } => format!("hit {percent:.1}% ({hits} hits / {misses} misses in interval)"),
        IntervalHit::NoReads => "hit n/a: no reads in interval".into(),
        IntervalHit::FirstSample => "hit n/a: measuring (needs two samples)".into(),
        IntervalHit::Reset { reason } => format!("hit n/a: rates restart, {reason}"),
    }
}

fn hit_line(t: &NodeStats, warn_below: f64) -> SummaryItem {
    let level = match &t.hit {
        IntervalHit::Reset { .. } => Level::Warn,
        h => hit_level(h.percent(), warn_below),
    };
    let mut parts = vec![(SafeText::line(&interval_hit_text(&t.hit)), level)];
    let lifetime = match t.lifetime_hit_percent {
        Some(p) => format!("lifetime {p:.1}%"),
        None => "lifetime -".into(),
    };
    parts.push((SafeText::line(&lifetime), Level::Normal));
    parts.push((
        SafeText::line(&format!(
            "ops/s {}",
            t.rates.map_or("-".to_string(), |r| rate(r.ops_per_sec))
        )),
        Level::Normal,
    ));
    SummaryItem::Line(parts)
}

fn memory_item(t: &NodeStats) -> SummaryItem {
    let i = &t.info;
    let policy = i.maxmemory_policy.as_deref().unwrap_or("unknown");
    if i.maxmemory == 0 {
        return SummaryItem::Line(vec![
            (
                SafeText::line(&format!(
                    "mem {} (maxmemory: no limit)",
                    bytes(i.used_memory)
                )),
                Level::Normal,
            ),
            (SafeText::line(&format!("policy {policy}")), Level::Normal),
        ]);
    }
    let ratio = i.used_memory as f64 / i.maxmemory as f64;
    let level = if ratio >= 0.95 {
        Level::Crit
    } else if ratio >= 0.85 {
        Level::Warn
    } else {
        Level::Ok
    };
    SummaryItem::Gauge {
        label: SafeText::line(&format!(
            "mem {}/{} {policy}",
            bytes(i.used_memory),
            bytes(i.maxmemory)
        )),
        ratio,
        level,
    }
}

fn traffic_line(t: &NodeStats) -> SummaryItem {
    let i = &t.info;
    let mut parts = Vec::new();
    let (ev, ex) = match &t.rates {
        Some(r) => (r.evicted_per_sec, r.expired_per_sec),
        None => (f64::NAN, f64::NAN),
    };
    let shown = |v: f64| if v.is_nan() { "-".to_string() } else { rate(v) };
    parts.push((
        SafeText::line(&format!("evicted/s {}", shown(ev))),
        if ev > 0.0 { Level::Warn } else { Level::Normal },
    ));
    parts.push((
        SafeText::line(&format!("expired/s {}", shown(ex))),
        Level::Normal,
    ));
    let rejected_now = t.rates.map_or(0, |r| r.rejected_in_interval);
    let rejected_level = if rejected_now > 0 {
        Level::Crit
    } else if i.counters.rejected_connections > 0 {
        Level::Warn
    } else {
        Level::Normal
    };
    parts.push((
        SafeText::line(&format!("rejected {}", i.counters.rejected_connections)),
        rejected_level,
    ));
    parts.push((
        SafeText::line(&format!(
            "clients {} (blocked {})",
            i.connected_clients, i.blocked_clients
        )),
        Level::Normal,
    ));
    if let Some(f) = i.fragmentation_ratio {
        // Small instances always look fragmented: warn only when it costs real memory.
        let wasted = i.used_memory_rss.saturating_sub(i.used_memory);
        let level = if f > 1.5 && wasted > 256 * 1024 * 1024 {
            Level::Warn
        } else {
            Level::Normal
        };
        parts.push((SafeText::line(&format!("frag {f:.2}")), level));
    }
    SummaryItem::Line(parts)
}

fn replication_line(t: &NodeStats) -> SummaryItem {
    let i = &t.info;
    let mut parts = Vec::new();
    let role = if i.role.is_empty() {
        "?"
    } else {
        i.role.as_str()
    };
    parts.push((SafeText::line(&format!("role {role}")), Level::Normal));
    if let Some(link) = &i.master_link_status {
        let lvl = if link == "up" { Level::Ok } else { Level::Crit };
        let io = i
            .master_last_io_s
            .map(|s| format!(", last io {s}s ago"))
            .unwrap_or_default();
        parts.push((SafeText::line(&format!("master link {link}{io}")), lvl));
    }
    if i.role != "slave" {
        let max_lag = i.replicas.iter().filter_map(|r| r.lag_s).max();
        let not_online = i.replicas.iter().filter(|r| r.state != "online").count();
        let text = match max_lag {
            Some(l) => format!("replicas {} (max lag {l}s)", i.replicas.len()),
            None => format!("replicas {}", i.replicas.len()),
        };
        let lvl = if not_online > 0 || max_lag.is_some_and(|l| l > 10) {
            Level::Warn
        } else {
            Level::Normal
        };
        parts.push((SafeText::line(&text), lvl));
    }
    parts.push((
        SafeText::line(&format!("uptime {}", age(Duration::from_secs(i.uptime_s)))),
        Level::Normal,
    ));
    if !i.redis_version.is_empty() {
        parts.push((SafeText::line(&format!("v{}", i.redis_version)), Level::Dim));
    }
    SummaryItem::Line(parts)
}

fn cluster_columns() -> Vec<Column> {
    vec![
        Column::text("NODE", 15, 22, 9),
        Column::num("HIT%", 6, 8),
        Column::num("OPS/S", 7, 7),
        Column::text("MEM", 7, 7, 6),
        Column::num("MAX%", 5, 4),
        Column::num("KEYS", 9, 5),
        Column::num("EVICT/S", 7, 3),
        Column::num("CLIENTS", 7, 2),
        Column::num("SLOTS", 5, 1),
        Column::text("STATUS", 6, 40, 5),
    ]
}

fn node_row(n: &NodeStats, warn_below: f64) -> TableRow {
    let i = &n.info;
    let keys: u64 = i.keyspace.iter().map(|d| d.keys).sum();
    let hit = match &n.hit {
        IntervalHit::Rate { percent, .. } => format!("{percent:.1}"),
        _ => "-".into(),
    };
    let max_pct = (i.maxmemory > 0).then(|| i.used_memory as f64 * 100.0 / i.maxmemory as f64);
    let status = match &n.error {
        // The row already names the node: drop it from the message.
        Some(e) => e.replace(&format!("{}: ", n.name), ""),
        None => match &n.hit {
            IntervalHit::NoReads => "ok, no reads".into(),
            IntervalHit::Reset { reason } => reason.clone(),
            _ => "ok".into(),
        },
    };
    let level = if n.error.is_some() {
        Level::Crit
    } else {
        match hit_level(n.hit.percent(), warn_below) {
            Level::Warn => Level::Warn,
            _ => Level::Normal,
        }
    };
    let (ops, evict) = match &n.rates {
        Some(r) => (rate(r.ops_per_sec), rate(r.evicted_per_sec)),
        None => ("-".into(), "-".into()),
    };
    let short_id: String = n.id.chars().take(8).collect();
    // A node whose INFO failed has no numbers: dashes, not zeros.
    let known = |v: String| {
        if n.error.is_some() {
            "-".to_string()
        } else {
            v
        }
    };
    TableRow::new(
        if n.id.is_empty() {
            n.name.clone()
        } else {
            n.id.clone()
        },
        vec![
            SafeText::line(&n.name),
            SafeText::line(&hit),
            SafeText::line(&ops),
            SafeText::line(&known(bytes(i.used_memory))),
            SafeText::line(&max_pct.map_or("-".into(), |p| format!("{p:.0}"))),
            SafeText::line(&known(keys.to_string())),
            SafeText::line(&evict),
            SafeText::line(&known(i.connected_clients.to_string())),
            SafeText::line(&n.slots.map_or("-".into(), |s| s.to_string())),
            SafeText::line(&status),
        ],
    )
    .level(level)
    .sort_key(1, n.hit.percent().unwrap_or(-1.0))
    .sort_key(2, n.rates.map_or(0.0, |r| r.ops_per_sec))
    .sort_key(3, i.used_memory as f64)
    .sort_key(4, max_pct.unwrap_or(0.0))
    .sort_key(5, keys as f64)
    .sort_key(6, n.rates.map_or(0.0, |r| r.evicted_per_sec))
    .sort_key(7, i.connected_clients as f64)
    .sort_key(8, n.slots.unwrap_or(0) as f64)
    .copy(n.name.clone())
    .detail("node", &n.name)
    .detail("id", &n.id)
    .detail("id (short)", &short_id)
    .detail("interval hit rate", &interval_hit_text(&n.hit))
    .detail(
        "lifetime hit rate",
        &n.lifetime_hit_percent
            .map_or("-".into(), |p| format!("{p:.1}%")),
    )
    .detail("used memory", &bytes(i.used_memory))
    .detail(
        "maxmemory",
        &if i.maxmemory == 0 {
            "no limit".to_string()
        } else {
            bytes(i.maxmemory)
        },
    )
    .detail(
        "maxmemory-policy",
        i.maxmemory_policy.as_deref().unwrap_or("unknown"),
    )
    .detail("status", &status)
    .target(Target::Redis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_compact() {
        assert_eq!(rate(0.0), "0");
        assert_eq!(rate(f64::NAN), "0");
        assert_eq!(rate(0.44), "0.4");
        assert_eq!(rate(350.2), "350");
        assert_eq!(rate(12_345.0), "12.3k");
    }
}
