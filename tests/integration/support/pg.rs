//! Helpers for the PostgreSQL integration tests: a real server at 127.0.0.1:5432
//! (user postgres, trust, database `test`). Every test uses unique table and role
//! names so the tests of one binary can run in parallel.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use kitops_top::collect::postgres::{PgCollector, PgData};
use kitops_top::collect::Collector;
use kitops_top::config::{Config, PgSettings, SecretUrl};
use tokio_postgres::{Client, NoTls};

pub const HOST_PORT: &str = "127.0.0.1:5432";
pub const DB: &str = "test";

pub fn url_for(user: &str) -> String {
    format!("postgres://{user}@{HOST_PORT}/{DB}?sslmode=disable")
}

pub fn settings_for(user: &str) -> PgSettings {
    PgSettings {
        url: Some(SecretUrl::new(url_for(user))),
        connections_warn_percent: 80.0,
        idle_in_transaction_warn: Duration::from_secs(30),
        long_query_warn: Duration::from_secs(60),
        statement_timeout: Duration::from_secs(5),
        ca_file: None,
    }
}

pub fn settings() -> PgSettings {
    settings_for("postgres")
}

/// A config whose PostgreSQL source is the test server and whose audit log is in `dir`.
pub fn config(dir: &std::path::Path, pg: PgSettings) -> Config {
    let opts = kitops_top::cli::Opts::default();
    let mut c =
        kitops_top::config::resolve(&opts, &|_| None, &kitops_top::config::FileConfig::default())
            .expect("defaults resolve");
    c.audit_log = dir.join("audit.jsonl");
    c.postgres = pg;
    c
}

/// `prefix_<pid>_<n>`: unique per test process and call.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{}", std::process::id(), nanos % 100_000)
}

/// A plain test session (not the console), tagged with `app` as application_name.
pub async fn session_as(user: &str, app: &str) -> Arc<Client> {
    let (client, conn) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port=5432 user={user} dbname={DB} application_name={app}"),
        NoTls,
    )
    .await
    .expect("test session connects");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    Arc::new(client)
}

pub async fn session(app: &str) -> Arc<Client> {
    session_as("postgres", app).await
}

pub async fn backend_pid(c: &Client) -> i32 {
    c.query_one("SELECT pg_backend_pid()", &[])
        .await
        .expect("pid")
        .get(0)
}

/// Collects until `pred` holds (or fails after 20 s with the last data).
pub async fn collect_until(c: &mut PgCollector, pred: impl Fn(&PgData) -> bool) -> PgData {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let data = c.collect().await.expect("collect succeeds");
        if pred(&data) {
            return data;
        }
        if Instant::now() > deadline {
            panic!("condition not reached; last data: {data:#?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A fixed clock for render snapshots.
pub fn fixed_now() -> SystemTime {
    super::clock::at(1_780_000_000)
}

/// Creates a role (LOGIN) with `grants`; dropped by `drop_role`.
pub async fn create_role(admin: &Client, name: &str, grants: &[&str]) {
    admin
        .batch_execute(&format!("CREATE ROLE {name} LOGIN"))
        .await
        .expect("create role");
    for g in grants {
        admin
            .batch_execute(&format!("GRANT {g} TO {name}"))
            .await
            .expect("grant");
    }
}

pub async fn drop_role(admin: &Client, name: &str) {
    let _ = admin
        .batch_execute(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{name}'; DROP ROLE IF EXISTS {name}"
        ))
        .await;
}
