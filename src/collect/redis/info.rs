//! `INFO` reply parsing. Unknown fields and sections are ignored; missing ones
//! default, so servers of any version (and ElastiCache's trimmed INFO) parse.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// The sections one refresh asks for: everything the pane shows and nothing more
/// (no `commandstats`, `cpu`, `persistence`, `modules`, `errorstats`).
pub const INFO_SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "stats",
    "replication",
    "cluster",
    "keyspace",
];

/// One parsed `INFO` reply of one server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Info {
    pub redis_version: String,
    pub redis_mode: String,
    pub run_id: String,
    pub uptime_s: u64,
    pub connected_clients: u64,
    pub blocked_clients: u64,
    pub used_memory: u64,
    pub used_memory_rss: u64,
    pub maxmemory: u64,
    /// `None` before Redis 4 (INFO memory lacks it); then `CONFIG GET` is asked.
    pub maxmemory_policy: Option<String>,
    pub fragmentation_ratio: Option<f64>,
    pub counters: Counters,
    pub instantaneous_ops_per_sec: u64,
    pub role: String,
    pub replicas: Vec<Replica>,
    pub master_repl_offset: Option<i64>,
    /// On a replica: `up` or `down`.
    pub master_link_status: Option<String>,
    pub master_last_io_s: Option<i64>,
    pub cluster_enabled: bool,
    pub keyspace: Vec<DbKeys>,
}

/// Monotonic counters (until a restart or `CONFIG RESETSTAT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counters {
    pub keyspace_hits: u64,
    pub keyspace_misses: u64,
    pub total_commands: u64,
    pub evicted_keys: u64,
    pub expired_keys: u64,
    pub rejected_connections: u64,
}

impl Counters {
    /// Is any counter lower than in `prev` (a reset happened in between)?
    pub fn any_decreased(&self, prev: &Counters) -> bool {
        self.keyspace_hits < prev.keyspace_hits
            || self.keyspace_misses < prev.keyspace_misses
            || self.total_commands < prev.total_commands
            || self.evicted_keys < prev.evicted_keys
            || self.expired_keys < prev.expired_keys
            || self.rejected_connections < prev.rejected_connections
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Replica {
    pub addr: String,
    pub state: String,
    pub offset: Option<i64>,
    /// Seconds since the replica last acknowledged.
    pub lag_s: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbKeys {
    pub db: u32,
    pub keys: u64,
    pub expires: u64,
    pub avg_ttl_ms: u64,
}

/// `k1=v1,k2=v2` → map (keyspace and `slaveN` lines).
fn subfields(v: &str) -> HashMap<&str, &str> {
    v.split(',').filter_map(|kv| kv.split_once('=')).collect()
}

/// Parses an `INFO` reply. Never fails: what is not there stays at its default.
pub fn parse(text: &str) -> Info {
    let mut info = Info::default();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let num = || v.trim().parse::<u64>().unwrap_or(0);
        let c = &mut info.counters;
        match k {
            "redis_version" => info.redis_version = v.to_string(),
            "redis_mode" => info.redis_mode = v.to_string(),
            "run_id" => info.run_id = v.to_string(),
            "uptime_in_seconds" => info.uptime_s = num(),
            "connected_clients" => info.connected_clients = num(),
            "blocked_clients" => info.blocked_clients = num(),
            "used_memory" => info.used_memory = num(),
            "used_memory_rss" => info.used_memory_rss = num(),
            "maxmemory" => info.maxmemory = num(),
            "maxmemory_policy" => info.maxmemory_policy = Some(v.to_string()),
            "mem_fragmentation_ratio" => {
                info.fragmentation_ratio = v.trim().parse().ok().filter(|f: &f64| f.is_finite())
            }
            "keyspace_hits" => c.keyspace_hits = num(),
            "keyspace_misses" => c.keyspace_misses = num(),
            "total_commands_processed" => c.total_commands = num(),
            "evicted_keys" => c.evicted_keys = num(),
            "expired_keys" => c.expired_keys = num(),
            "rejected_connections" => c.rejected_connections = num(),
            "instantaneous_ops_per_sec" => info.instantaneous_ops_per_sec = num(),
            "role" => info.role = v.to_string(),
            "master_repl_offset" => info.master_repl_offset = v.trim().parse().ok(),
            "master_link_status" => info.master_link_status = Some(v.to_string()),
            "master_last_io_seconds_ago" => info.master_last_io_s = v.trim().parse().ok(),
            "cluster_enabled" => info.cluster_enabled = v.trim() == "1",
            _ if k.starts_with("slave") && k[5..].bytes().all(|b| b.is_ascii_digit()) => {
                let f = subfields(v);
                let ip = f.get("ip").copied().unwrap_or("?");
                let port = f.get("port").copied().unwrap_or("?");
                info.replicas.push(Replica {
                    addr: format!("{ip}:{port}"),
                    state: f.get("state").copied().unwrap_or("").to_string(),
                    offset: f.get("offset").and_then(|s| s.parse().ok()),
                    lag_s: f.get("lag").and_then(|s| s.parse().ok()),
                });
            }
            _ if k.starts_with("db") => {
                let Ok(db) = k[2..].parse::<u32>() else {
                    continue;
                };
                let f = subfields(v);
                let get = |n: &str| f.get(n).and_then(|s| s.parse().ok()).unwrap_or(0);
                info.keyspace.push(DbKeys {
                    db,
                    keys: get("keys"),
                    expires: get("expires"),
                    avg_ttl_ms: get("avg_ttl"),
                });
            }
            _ => {}
        }
    }
    if info.redis_mode == "cluster" {
        info.cluster_enabled = true;
    }
    info.keyspace.sort_by_key(|d| d.db);
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n\
run_id:abc\r\nuptime_in_seconds:1092\r\n\r\n# Clients\r\nconnected_clients:3\r\nblocked_clients:1\r\n\
# Memory\r\nused_memory:964272\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\n\
mem_fragmentation_ratio:7.71\r\nsome_future_field:xyz\r\n# Stats\r\nkeyspace_hits:30\r\nkeyspace_misses:10\r\n\
total_commands_processed:99\r\nevicted_keys:2\r\nexpired_keys:5\r\nrejected_connections:0\r\n\
# Replication\r\nrole:master\r\nconnected_slaves:1\r\n\
slave0:ip=10.0.0.2,port=6380,state=online,offset=1234,lag=1\r\nmaster_repl_offset:1240\r\n\
# Cluster\r\ncluster_enabled:0\r\n# Keyspace\r\ndb3:keys=4,expires=1,avg_ttl=500\r\n\
db0:keys=10,expires=0,avg_ttl=0\r\n";

    #[test]
    fn parses_known_fields_and_ignores_the_rest() {
        let i = parse(SAMPLE);
        assert_eq!(i.redis_version, "7.0.15");
        assert_eq!(i.uptime_s, 1092);
        assert_eq!(i.connected_clients, 3);
        assert_eq!(i.blocked_clients, 1);
        assert_eq!(i.maxmemory_policy.as_deref(), Some("noeviction"));
        assert_eq!(i.fragmentation_ratio, Some(7.71));
        assert_eq!(i.counters.keyspace_hits, 30);
        assert_eq!(i.counters.keyspace_misses, 10);
        assert_eq!(i.replicas.len(), 1);
        assert_eq!(i.replicas[0].lag_s, Some(1));
        assert_eq!(i.replicas[0].addr, "10.0.0.2:6380");
        assert_eq!(i.keyspace.iter().map(|d| d.db).collect::<Vec<_>>(), [0, 3]);
        assert_eq!(i.keyspace[1].avg_ttl_ms, 500);
        assert!(!i.cluster_enabled);
    }

    #[test]
    fn garbage_parses_to_defaults() {
        let i = parse(
            "nonsense\n:\nkeyspace_hits:notanumber\ndbX:keys=1\nmem_fragmentation_ratio:-nan\n",
        );
        assert_eq!(i.counters.keyspace_hits, 0);
        assert!(i.keyspace.is_empty());
        assert_eq!(i.maxmemory_policy, None);
        assert_eq!(i.fragmentation_ratio, None);
    }
}
