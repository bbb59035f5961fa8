//! PostgreSQL collector: pg_stat_activity, blocking locks and top statements.
//!
//! One reused connection (`application_name=kitops-top`, `statement_timeout` set),
//! reopened after any error (the runner backs off between rounds). Each refresh is
//! one round trip for activity + locks (see `queries`), plus one for
//! `pg_stat_statements` when that extension is installed and loaded.

pub mod connect;
pub mod locks;
pub mod queries;
pub mod statements;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use tokio_postgres::{Client, Statement};

use super::{CollectError, Collector};
use crate::config::PgSettings;

pub use locks::LockNode;
pub use statements::{Statements, TopStatement};

/// Sessions per state, the console's own connections left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StateCounts {
    /// Client backends, the console's own included: what counts against `max_connections`.
    pub used: i64,
    /// The console's own connections (collector + action executor, any kitops-top).
    pub own: i64,
    pub active: i64,
    pub idle: i64,
    pub idle_in_transaction: i64,
    pub idle_in_transaction_aborted: i64,
    /// Waiting on a heavyweight lock (`wait_event_type = 'Lock'`).
    pub waiting: i64,
    /// Sessions whose details this role may not see.
    pub insufficient_privilege: i64,
}

/// One backend from `pg_stat_activity`. Fields the role may not see are `None`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PgSession {
    pub pid: i32,
    pub leader_pid: Option<i32>,
    pub user: Option<String>,
    pub database: Option<String>,
    pub application: Option<String>,
    pub client_addr: Option<String>,
    pub client_hostname: Option<String>,
    pub client_port: Option<i32>,
    pub backend_type: Option<String>,
    pub state: Option<String>,
    pub wait_event_type: Option<String>,
    pub wait_event: Option<String>,
    pub backend_start_us: Option<i64>,
    pub xact_start_us: Option<i64>,
    pub query_start_us: Option<i64>,
    pub state_change_us: Option<i64>,
    pub query: Option<String>,
    /// `pg_blocking_pids(pid)`, only asked for sessions waiting on a lock.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub blocked_by: Vec<i32>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<i32>, D::Error> {
    Ok(Option::<Vec<i32>>::deserialize(d)?.unwrap_or_default())
}

pub const INSUFFICIENT_PRIVILEGE: &str = "<insufficient privilege>";

impl PgSession {
    pub fn is_parallel_worker(&self) -> bool {
        self.backend_type.as_deref() == Some("parallel worker")
            || self.leader_pid.is_some_and(|l| l != self.pid)
    }

    pub fn hidden(&self) -> bool {
        self.query.as_deref() == Some(INSUFFICIENT_PRIVILEGE)
    }
}

/// The lock a session waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LockWait {
    pub pid: i32,
    pub locktype: String,
    pub mode: String,
    /// `schema.table`, `xid 123 (row in schema.table)`, `advisory 1:2`, …
    pub object: String,
    /// `pg_locks.waitstart` (PostgreSQL ≥ 14); older servers: `None`.
    pub wait_start_us: Option<i64>,
}

/// A prepared transaction, listed when one blocks a session (pid 0 in the tree).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreparedXact {
    pub gid: String,
    pub owner: Option<String>,
    pub database: Option<String>,
    pub transaction: Option<String>,
    pub prepared_us: Option<i64>,
}

/// What one refresh cost, for the benchmark and `snapshot --format json`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CollectStats {
    pub round_trips: u32,
    /// Sessions + lock waits + statements decoded.
    pub rows: usize,
    /// Result payload bytes (the JSON documents' text).
    pub bytes: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PgData {
    pub server_version_num: i32,
    pub max_connections: i64,
    pub superuser_reserved: i64,
    /// The server's clock at collection, µs since the epoch: durations are relative to it.
    pub server_now_us: i64,
    pub current_user: String,
    pub can_read_all_stats: bool,
    pub can_signal_backend: bool,
    pub superuser: bool,
    pub counts: StateCounts,
    /// Non-idle sessions (and idle ones that block someone), oldest `query_start` first.
    pub sessions: Vec<PgSession>,
    pub lock_waits: Vec<LockWait>,
    pub lock_tree: Vec<LockNode>,
    pub prepared: Vec<PreparedXact>,
    pub statements: Statements,
    pub stats: CollectStats,
}

impl PgData {
    /// The session with this identity, if it is still listed.
    pub fn session(&self, pid: i32, backend_start_us: i64) -> Option<&PgSession> {
        self.sessions
            .iter()
            .find(|s| s.pid == pid && s.backend_start_us == Some(backend_start_us))
    }

    pub fn session_by_pid(&self, pid: i32) -> Option<&PgSession> {
        self.sessions.iter().find(|s| s.pid == pid)
    }

    /// How many sessions `pid` blocks, directly or through a chain.
    pub fn blocks(&self, pid: i32) -> usize {
        self.lock_tree
            .iter()
            .find(|n| n.pid == pid)
            .map(|n| n.blocks)
            .unwrap_or(0)
    }

    /// Seconds from `us` to the server's clock at collection.
    pub fn age_secs(&self, us: Option<i64>) -> Option<f64> {
        // Saturating: a timestamp from a recording may be anything.
        us.map(|t| (self.server_now_us.saturating_sub(t) as f64 / 1e6).max(0.0))
    }

    /// Parallel workers of `leader`.
    pub fn workers_of(&self, leader: i32) -> impl Iterator<Item = &PgSession> {
        self.sessions
            .iter()
            .filter(move |s| s.leader_pid == Some(leader) && s.pid != leader)
    }
}

#[derive(Deserialize)]
struct Held {
    holder: i32,
    mode: String,
}

/// The activity + locks document as the server returns it.
#[derive(Deserialize)]
struct ActivityDoc {
    now_us: i64,
    version: i32,
    max_connections: i64,
    superuser_reserved: i64,
    pgss_version: Option<String>,
    pgss_schema: Option<String>,
    preload: Option<String>,
    current_user: String,
    read_all_stats: bool,
    signal_backend: bool,
    superuser: Option<bool>,
    counts: StateCounts,
    sessions: Vec<PgSession>,
    waits: Vec<LockWait>,
    held: Vec<Held>,
    prepared: Vec<PreparedXact>,
}

/// pg_stat_statements as the activity document found it: (schema, version) when
/// created in this database, and whether the server loads it.
type PgssState = (Option<(String, String)>, bool);

/// Decodes the activity document and builds the lock tree. Public for the property
/// tests (tests/integration/fuzz_parsers.rs): any text gives data or an error, never a panic.
pub fn decode(text: &str) -> Result<(PgData, PgssState), CollectError> {
    let doc: ActivityDoc = serde_json::from_str(text)
        .map_err(|e| CollectError::Query(format!("decoding activity: {e}")))?;
    let mut held: HashMap<i32, Vec<String>> = HashMap::new();
    for h in doc.held {
        let modes = held.entry(h.holder).or_default();
        if !modes.contains(&h.mode) {
            modes.push(h.mode);
        }
    }
    let lock_tree = locks::build_tree(&doc.sessions, &doc.waits, &held);
    let loaded = doc
        .preload
        .as_deref()
        // Hidden from roles without pg_read_all_settings: then try, and show any error.
        .is_none_or(|p| p.split(',').any(|l| l.trim() == "pg_stat_statements"));
    let pgss = doc.pgss_schema.zip(doc.pgss_version);
    let rows = doc.sessions.len() + doc.waits.len();
    let data = PgData {
        server_version_num: doc.version,
        max_connections: doc.max_connections,
        superuser_reserved: doc.superuser_reserved,
        server_now_us: doc.now_us,
        current_user: doc.current_user,
        can_read_all_stats: doc.read_all_stats,
        can_signal_backend: doc.signal_backend,
        superuser: doc.superuser.unwrap_or(false),
        counts: doc.counts,
        sessions: doc.sessions,
        lock_waits: doc.waits,
        lock_tree,
        prepared: doc.prepared,
        statements: Statements::default(),
        stats: CollectStats {
            round_trips: 1,
            rows,
            bytes: text.len(),
        },
    };
    Ok((data, (pgss, loaded)))
}

/// The collector's one connection and what is prepared on it.
struct Conn {
    client: Client,
    backend_pid: i32,
    /// The activity + locks statement, prepared once: each refresh is then a single
    /// Bind/Execute round trip.
    activity: Statement,
    /// pg_stat_statements query, keyed by "schema|extversion".
    statements: Option<(String, Statement)>,
}

pub struct PgCollector {
    settings: PgSettings,
    conn: Option<Conn>,
    statements: statements::Tracker,
}

impl PgCollector {
    pub fn new(settings: PgSettings) -> Self {
        Self {
            settings,
            conn: None,
            statements: statements::Tracker::default(),
        }
    }

    /// The collector's own backend, while connected.
    pub fn backend_pid(&self) -> Option<i32> {
        self.conn.as_ref().map(|c| c.backend_pid)
    }

    async fn connect(&self) -> Result<Conn, CollectError> {
        let plan = connect::plan(&self.settings, &|k| std::env::var(k).ok())
            .map_err(CollectError::Connect)?;
        let client = connect::connect(&plan).await?;
        let row = client
            .query_one(
                "SELECT current_setting('server_version_num')::int4, pg_backend_pid()",
                &[],
            )
            .await
            .map_err(|e| connect::collect_error(&e))?;
        let version: i32 = row.get(0);
        let activity = client
            .prepare(&queries::activity_sql(version))
            .await
            .map_err(|e| connect::collect_error(&e))?;
        Ok(Conn {
            client,
            backend_pid: row.get(1),
            activity,
            statements: None,
        })
    }

    async fn round(&mut self) -> Result<PgData, CollectError> {
        if self.conn.as_ref().is_some_and(|c| c.client.is_closed()) {
            self.conn = None;
        }
        if self.conn.is_none() {
            self.conn = Some(self.connect().await?);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(CollectError::Connect("not connected".into()));
        };
        let row = conn
            .client
            .query_one(&conn.activity, &[])
            .await
            .map_err(|e| connect::collect_error(&e))?;
        let text: String = row.get(0);
        let (mut data, (pgss, loaded)) = decode(&text)?;
        let status = match (&pgss, loaded) {
            (Some((schema, version)), true) => {
                let key = format!("{schema}|{version}");
                let mut prepare_error = None;
                if conn.statements.as_ref().is_none_or(|(k, _)| *k != key) {
                    let q = queries::statements_sql(schema, version);
                    data.stats.round_trips += 1;
                    match conn.client.prepare(&q).await {
                        Ok(st) => conn.statements = Some((key, st)),
                        Err(e) => {
                            conn.statements = None;
                            prepare_error = Some(connect::collect_error(&e).to_string());
                        }
                    }
                }
                match &conn.statements {
                    Some((_, st)) => match conn.client.query_one(st, &[]).await {
                        Ok(row) => {
                            let t: String = row.get(0);
                            data.stats.round_trips += 1;
                            data.stats.bytes += t.len();
                            statements::Fetched::Rows(t)
                        }
                        Err(e) => {
                            conn.statements = None;
                            statements::Fetched::Error(connect::collect_error(&e).to_string())
                        }
                    },
                    None => statements::Fetched::Error(
                        prepare_error.unwrap_or_else(|| "not prepared".into()),
                    ),
                }
            }
            (Some(_), false) => statements::Fetched::NotLoaded,
            (None, true) => statements::Fetched::NotCreated,
            (None, false) => statements::Fetched::NotInstalled,
        };
        data.statements = self.statements.update(status, data.server_now_us);
        if let Statements::Top { rows, .. } = &data.statements {
            data.stats.rows += rows.len();
        }
        Ok(data)
    }
}

impl Collector for PgCollector {
    type Data = PgData;

    fn name(&self) -> &'static str {
        "postgres"
    }

    async fn collect(&mut self) -> Result<PgData, CollectError> {
        let r = self.round().await;
        if r.is_err() {
            // Reconnect next round: the connection may be dead or in a bad state.
            self.conn = None;
        }
        r
    }
}
