//! Cluster mode: the primaries summed into one `NodeStats` for the pane's summary.

use std::collections::BTreeMap;

use super::delta::{self, IntervalHit, Rates};
use super::info::{self, Info};
use super::NodeStats;

/// The cluster as one server: sums, the worst fragmentation, the common policy.
pub fn aggregate(nodes: &[NodeStats]) -> NodeStats {
    let ok: Vec<&NodeStats> = nodes.iter().filter(|n| n.error.is_none()).collect();
    let mut info = Info {
        role: "cluster".into(),
        redis_mode: "cluster".into(),
        cluster_enabled: true,
        redis_version: ok
            .first()
            .map(|n| n.info.redis_version.clone())
            .unwrap_or_default(),
        uptime_s: ok.iter().map(|n| n.info.uptime_s).min().unwrap_or(0),
        ..Default::default()
    };
    let mut dbs: BTreeMap<u32, info::DbKeys> = BTreeMap::new();
    let mut policies: Vec<&str> = Vec::new();
    let mut no_limit = false;
    for n in &ok {
        let i = &n.info;
        info.connected_clients += i.connected_clients;
        info.blocked_clients += i.blocked_clients;
        info.used_memory += i.used_memory;
        info.used_memory_rss += i.used_memory_rss;
        info.maxmemory += i.maxmemory;
        no_limit |= i.maxmemory == 0;
        info.instantaneous_ops_per_sec += i.instantaneous_ops_per_sec;
        let (c, d) = (&mut info.counters, &i.counters);
        c.keyspace_hits += d.keyspace_hits;
        c.keyspace_misses += d.keyspace_misses;
        c.total_commands += d.total_commands;
        c.evicted_keys += d.evicted_keys;
        c.expired_keys += d.expired_keys;
        c.rejected_connections += d.rejected_connections;
        info.fragmentation_ratio = match (info.fragmentation_ratio, i.fragmentation_ratio) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        info.replicas.extend(i.replicas.iter().cloned());
        if let Some(p) = i.maxmemory_policy.as_deref() {
            if !policies.contains(&p) {
                policies.push(p);
            }
        }
        for db in &i.keyspace {
            let e = dbs.entry(db.db).or_insert_with(|| info::DbKeys {
                db: db.db,
                ..Default::default()
            });
            e.keys += db.keys;
            e.expires += db.expires;
            e.avg_ttl_ms = e.avg_ttl_ms.max(db.avg_ttl_ms);
        }
    }
    if no_limit {
        info.maxmemory = 0;
    }
    info.maxmemory_policy = match policies.as_slice() {
        [] => None,
        [one] => Some(one.to_string()),
        many => Some(format!("mixed ({})", many.join(", "))),
    };
    info.keyspace = dbs.into_values().collect();

    let with_rates: Vec<&Rates> = ok.iter().filter_map(|n| n.rates.as_ref()).collect();
    let rates = (!with_rates.is_empty()).then(|| Rates {
        interval_s: with_rates.iter().map(|r| r.interval_s).fold(0.0, f64::max),
        ops_per_sec: with_rates.iter().map(|r| r.ops_per_sec).sum(),
        evicted_per_sec: with_rates.iter().map(|r| r.evicted_per_sec).sum(),
        expired_per_sec: with_rates.iter().map(|r| r.expired_per_sec).sum(),
        rejected_in_interval: with_rates.iter().map(|r| r.rejected_in_interval).sum(),
        hits: with_rates.iter().map(|r| r.hits).sum(),
        misses: with_rates.iter().map(|r| r.misses).sum(),
    });
    let mut hits = 0;
    let mut misses = 0;
    let mut compared = false;
    let mut reset = None;
    for n in &ok {
        match &n.hit {
            IntervalHit::Rate {
                hits: h, misses: m, ..
            } => {
                hits += h;
                misses += m;
                compared = true;
            }
            IntervalHit::NoReads => compared = true,
            IntervalHit::Reset { reason } => reset = reset.or(Some(reason.clone())),
            IntervalHit::FirstSample => {}
        }
    }
    let hit = match (compared, hits + misses, reset) {
        (true, 0, _) => IntervalHit::NoReads,
        (true, reads, _) => IntervalHit::Rate {
            percent: hits as f64 * 100.0 / reads as f64,
            hits,
            misses,
        },
        (false, _, Some(reason)) => IntervalHit::Reset { reason },
        (false, _, None) => IntervalHit::FirstSample,
    };
    NodeStats {
        name: format!("cluster ({} primaries)", nodes.len()),
        lifetime_hit_percent: delta::lifetime_percent(&info.counters),
        info,
        rates,
        hit,
        ..Default::default()
    }
}
