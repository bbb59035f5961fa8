//! Redis collector: one `INFO` round trip per refresh (per primary in cluster
//! mode), turned into interval hit rate, per-second rates, memory, clients,
//! replication and keyspace. Keeps the previous sample per node for the deltas
//! and the last 10 minutes of interval hit rates for the sparkline.

mod aggregate;
pub mod conn;
pub mod delta;
pub mod info;

pub use aggregate::aggregate;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use serde::{Deserialize, Serialize};

use super::{CollectError, Collector};
use crate::config::RedisSettings;
use conn::{ClusterNode, Endpoint};
use delta::{HitHistory, IntervalHit, Rates, Sample};
use info::{Info, INFO_SECTIONS};

/// How far back the hit-rate sparkline reaches.
pub const HISTORY_WINDOW: Duration = Duration::from_secs(600);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RedisData {
    /// The URL with the password removed.
    pub server: String,
    /// Cluster mode: `nodes` holds one entry per primary and `total` their sum.
    pub cluster: bool,
    /// The server in standalone mode; the aggregate of the primaries in cluster mode.
    pub total: NodeStats,
    pub nodes: Vec<NodeStats>,
    /// Interval hit rates (percent) of the last 10 minutes, oldest first.
    pub hit_history: Vec<f64>,
    /// Things the user should know that are not errors (missing CLUSTER permission…).
    pub notes: Vec<String>,
    /// Bytes of INFO (and CLUSTER NODES) replies read this refresh.
    pub reply_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NodeStats {
    /// `host:port`, or `cluster (N primaries)` for the aggregate.
    pub name: String,
    /// Cluster node id; empty in standalone mode.
    pub id: String,
    pub slots: Option<u32>,
    /// This node's INFO failed this round (cluster mode): the row says why.
    pub error: Option<String>,
    pub info: Info,
    /// `None` on the first sample and right after a counter reset.
    pub rates: Option<Rates>,
    pub hit: IntervalHit,
    pub lifetime_hit_percent: Option<f64>,
}

impl Default for NodeStats {
    fn default() -> Self {
        Self {
            name: String::new(),
            id: String::new(),
            slots: None,
            error: None,
            info: Info::default(),
            rates: None,
            hit: IntervalHit::FirstSample,
            lifetime_hit_percent: None,
        }
    }
}

pub struct RedisCollector {
    settings: RedisSettings,
    seed: Option<Endpoint>,
    seed_conn: Option<MultiplexedConnection>,
    /// Cluster nodes other than the seed, by `host:port`.
    node_conns: HashMap<String, (Endpoint, MultiplexedConnection)>,
    prev: HashMap<String, Sample>,
    history: HitHistory,
    /// `INFO a b c` needs Redis ≥ 7; older servers get plain `INFO`.
    multi_section: bool,
}

impl RedisCollector {
    pub fn new(settings: RedisSettings) -> Self {
        Self {
            settings,
            seed: None,
            seed_conn: None,
            node_conns: HashMap::new(),
            prev: HashMap::new(),
            history: HitHistory::new(HISTORY_WINDOW),
            multi_section: true,
        }
    }

    fn seed(&mut self) -> Result<Endpoint, CollectError> {
        if let Some(e) = &self.seed {
            return Ok(e.clone());
        }
        let e = Endpoint::from_settings(&self.settings)?;
        self.seed = Some(e.clone());
        Ok(e)
    }

    async fn seed_conn(&mut self, seed: &Endpoint) -> Result<MultiplexedConnection, CollectError> {
        if let Some(c) = &self.seed_conn {
            return Ok(c.clone());
        }
        let c = seed.connect().await?;
        self.seed_conn = Some(c.clone());
        Ok(c)
    }

    async fn round(&mut self) -> Result<RedisData, CollectError> {
        let seed = self.seed()?;
        let mut conn = self.seed_conn(&seed).await?;
        let (text, multi) = fetch_info(&seed, &mut conn, self.multi_section).await?;
        self.multi_section = multi;
        let at = Instant::now();
        let mut reply_bytes = text.len();
        let mut info = info::parse(&text);
        if info.maxmemory_policy.is_none() {
            info.maxmemory_policy = config_get_policy(&mut conn).await;
        }
        let mut notes = Vec::new();
        let mut data = if info.cluster_enabled {
            let reply: redis::RedisResult<String> = redis::cmd("CLUSTER")
                .arg("NODES")
                .query_async(&mut conn)
                .await;
            match reply {
                Ok(nodes_text) => {
                    reply_bytes += nodes_text.len();
                    let host = seed.label.rsplit_once(':').map_or("", |(h, _)| h);
                    let nodes = conn::parse_cluster_nodes(&nodes_text, host);
                    let (nodes, bytes) = self.cluster_round(&seed, info, at, nodes).await;
                    reply_bytes += bytes;
                    if nodes.iter().all(|n| n.error.is_some()) {
                        let first = nodes.iter().find_map(|n| n.error.clone());
                        return Err(CollectError::Connect(
                            first.unwrap_or_else(|| "no reachable cluster primary".into()),
                        ));
                    }
                    let total = aggregate(&nodes);
                    RedisData {
                        cluster: true,
                        total,
                        nodes,
                        ..Default::default()
                    }
                }
                Err(e) => match seed.classify(&e, Some("CLUSTER NODES")) {
                    CollectError::Permission(m) => {
                        notes.push(format!(
                            "cluster topology unavailable, showing {} only: {m}",
                            seed.label
                        ));
                        self.standalone(&seed, info, at)
                    }
                    other => return Err(other),
                },
            }
        } else {
            self.standalone(&seed, info, at)
        };
        if let Some(p) = data.total.hit.percent() {
            self.history.push(at, p);
        } else {
            self.history.prune(at);
        }
        data.server = self
            .settings
            .url
            .as_ref()
            .map(|u| u.redacted())
            .unwrap_or_default();
        data.hit_history = self.history.values();
        data.notes.extend(notes);
        data.reply_bytes = reply_bytes;
        Ok(data)
    }

    fn standalone(&mut self, seed: &Endpoint, info: Info, at: Instant) -> RedisData {
        let node = self.node_stats("standalone", seed.label.clone(), String::new(), info, at);
        self.node_conns.clear();
        RedisData {
            cluster: false,
            total: node.clone(),
            nodes: vec![node],
            ..Default::default()
        }
    }

    fn node_stats(
        &mut self,
        key: &str,
        name: String,
        id: String,
        info: Info,
        at: Instant,
    ) -> NodeStats {
        let cur = Sample::of(&info, at);
        let (rates, hit) = delta::interval(self.prev.get(key), &cur);
        self.prev.insert(key.to_string(), cur);
        NodeStats {
            name,
            id,
            slots: None,
            error: None,
            lifetime_hit_percent: delta::lifetime_percent(&info.counters),
            info,
            rates,
            hit,
        }
    }

    /// INFO on every primary (concurrently), reusing the seed's reply for itself.
    async fn cluster_round(
        &mut self,
        seed: &Endpoint,
        seed_info: Info,
        seed_at: Instant,
        primaries: Vec<ClusterNode>,
    ) -> (Vec<NodeStats>, usize) {
        let mut jobs = Vec::new();
        for n in primaries.iter().filter(|n| !n.myself) {
            let key = format!("{}:{}", n.host, n.port);
            let existing = self.node_conns.get(&key).cloned();
            let endpoint = match &existing {
                Some((e, _)) => Ok(e.clone()),
                None => seed.with_addr(&n.host, n.port),
            };
            let multi = self.multi_section;
            jobs.push(async move {
                let endpoint = endpoint?;
                let mut conn = match existing {
                    Some((_, c)) => c,
                    None => endpoint.connect().await?,
                };
                let (text, _) = fetch_info(&endpoint, &mut conn, multi).await?;
                Ok::<_, CollectError>((endpoint, conn, text, Instant::now()))
            });
        }
        let mut results = futures::future::join_all(jobs).await.into_iter();
        let live: Vec<String> = primaries
            .iter()
            .map(|n| format!("{}:{}", n.host, n.port))
            .collect();
        self.node_conns.retain(|k, _| live.contains(k));
        let mut seed_info = Some(seed_info);
        let mut out = Vec::with_capacity(primaries.len());
        let mut bytes = 0;
        for n in &primaries {
            let key = format!("{}:{}", n.host, n.port);
            let got = if n.myself {
                seed_info
                    .take()
                    .map(|i| (i, seed_at))
                    .ok_or_else(|| CollectError::Query("two nodes claim to be the seed".into()))
            } else {
                match results.next() {
                    Some(Ok((endpoint, conn, text, at))) => {
                        bytes += text.len();
                        self.node_conns.insert(key.clone(), (endpoint, conn));
                        Ok((info::parse(&text), at))
                    }
                    Some(Err(e)) => {
                        self.node_conns.remove(&key);
                        Err(e)
                    }
                    None => Err(CollectError::Query("missing result".into())),
                }
            };
            let mut stats = match got {
                Ok((info, at)) => self.node_stats(&n.id, key, n.id.clone(), info, at),
                Err(e) => NodeStats {
                    name: key,
                    id: n.id.clone(),
                    error: Some(e.to_string()),
                    ..Default::default()
                },
            };
            if n.failing && stats.error.is_none() {
                stats.error = Some("flagged as failing by the cluster".into());
            }
            stats.slots = Some(n.slots);
            out.push(stats);
        }
        let ids: Vec<&str> = primaries.iter().map(|n| n.id.as_str()).collect();
        self.prev.retain(|k, _| ids.contains(&k.as_str()));
        (out, bytes)
    }
}

/// `INFO <sections>` (or plain `INFO` on servers older than 7); returns the text
/// and whether multi-section INFO is still to be used.
async fn fetch_info(
    endpoint: &Endpoint,
    conn: &mut MultiplexedConnection,
    multi: bool,
) -> Result<(String, bool), CollectError> {
    if multi {
        let mut cmd = redis::cmd("INFO");
        for s in INFO_SECTIONS {
            cmd.arg(*s);
        }
        match cmd.query_async::<String>(conn).await {
            Ok(t) => return Ok((t, true)),
            Err(e) if e.to_string().to_ascii_lowercase().contains("syntax") => {}
            Err(e) => return Err(endpoint.classify(&e, Some("INFO"))),
        }
    }
    redis::cmd("INFO")
        .query_async::<String>(conn)
        .await
        .map(|t| (t, false))
        .map_err(|e| endpoint.classify(&e, Some("INFO")))
}

/// Redis < 4 lacks `maxmemory_policy` in INFO; ask CONFIG (may be refused: then unknown).
async fn config_get_policy(conn: &mut MultiplexedConnection) -> Option<String> {
    let reply: redis::RedisResult<Vec<String>> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-policy")
        .query_async(conn)
        .await;
    reply.ok().and_then(|v| v.get(1).cloned())
}

impl Collector for RedisCollector {
    type Data = RedisData;

    fn name(&self) -> &'static str {
        "redis"
    }

    async fn collect(&mut self) -> Result<RedisData, CollectError> {
        let result = self.round().await;
        if result.is_err() {
            // Reconnect next round (the runner backs off in between).
            self.seed_conn = None;
            self.node_conns.clear();
        }
        result
    }
}
