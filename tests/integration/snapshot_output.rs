//! `kitops-top snapshot` output as a script or a human reading it sees it, against the
//! local PostgreSQL: JSON carries no raw bidi/C1 characters, tables never cut a pid.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tokio_postgres::Client;

use crate::support::pg;

fn snapshot(format: &str) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_kitops-top"))
        .args([
            "--pg",
            &pg::url_for("postgres"),
            "snapshot",
            "--format",
            format,
        ])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .output()
        .expect("binary runs")
}

/// Waits until a backend whose query contains `marker` is in `state` (e.g. active, or
/// waiting on a lock); returns its pid.
async fn wait_for_backend(admin: &Client, marker: &str, waiting: bool) -> i32 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let rows = admin
            .query(
                "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%' || $1 || '%' \
                 AND pid <> pg_backend_pid() AND (NOT $2 OR wait_event_type = 'Lock')",
                &[&marker, &waiting],
            )
            .await
            .expect("pg_stat_activity");
        if let Some(row) = rows.first() {
            return row.get(0);
        }
        assert!(
            Instant::now() < deadline,
            "backend {marker} never showed up"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn snapshot_json_escapes_bidi_and_c1_characters_in_query_text() {
    let admin = pg::session(&pg::unique("kt_admin")).await;
    let sleeper = pg::session(&pg::unique("kt_hostile")).await;
    let marker = pg::unique("hostile");
    let hostile = "\u{202e}\u{85}\u{2028}\u{e0041}\u{61c}";
    let sql = format!("SELECT pg_sleep(30) /* {marker} {hostile} */");
    let query = tokio::spawn({
        let sleeper = sleeper.clone();
        async move { sleeper.simple_query(&sql).await.map(|_| ()) }
    });
    let pid = wait_for_backend(&admin, &marker, false).await;

    let o = tokio::task::spawn_blocking(|| snapshot("json"))
        .await
        .expect("snapshot ran");
    let _ = admin.execute("SELECT pg_cancel_backend($1)", &[&pid]).await;
    let _ = query.await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).expect("utf8");
    let raw: Vec<char> = out
        .chars()
        .filter(|&c| kitops_top::escape::hazard(c).is_some() && c != '\n')
        .collect();
    assert!(raw.is_empty(), "raw in JSON output: {raw:?}");
    assert!(
        out.contains(&format!(
            "{marker} \\u202e\\u0085\\u2028\\udb40\\udc41\\u061c */"
        )),
        "escaped query text missing"
    );
    let doc: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let sessions = doc["sources"]["postgres"]["data"]["sessions"]
        .as_array()
        .expect("sessions");
    assert!(
        sessions.iter().any(|s| s["query"]
            .as_str()
            .is_some_and(|q| q.contains(&format!("{marker} {hostile}")))),
        "the JSON value is the query text itself"
    );
}

#[tokio::test]
async fn snapshot_table_prints_blocked_pids_whole() {
    let admin = pg::session(&pg::unique("kt_admin")).await;
    let table = pg::unique("kt_lockrow");
    admin
        .batch_execute(&format!(
            "CREATE TABLE {table} (id int PRIMARY KEY, n int); INSERT INTO {table} VALUES (1, 0)"
        ))
        .await
        .expect("create table");
    let holder = pg::session(&pg::unique("kt_holder")).await;
    holder
        .batch_execute(&format!("BEGIN; UPDATE {table} SET n = 1 WHERE id = 1"))
        .await
        .expect("holder locks the row");
    let holder_pid = pg::backend_pid(&holder).await;
    let waiter = pg::session(&pg::unique("kt_waiter")).await;
    let marker = pg::unique("waits");
    let sql = format!("UPDATE {table} SET n = 2 WHERE id = 1 /* {marker} */");
    let blocked = tokio::spawn({
        let waiter = waiter.clone();
        async move { waiter.simple_query(&sql).await.map(|_| ()) }
    });
    let waiter_pid = wait_for_backend(&admin, &marker, true).await;

    let o = tokio::task::spawn_blocking(|| snapshot("table"))
        .await
        .expect("snapshot ran");
    let _ = holder.batch_execute("ROLLBACK").await;
    let _ = blocked.await;
    let _ = admin.batch_execute(&format!("DROP TABLE {table}")).await;
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    let locks = out
        .split("-- pg_locks")
        .nth(1)
        .expect("pg_locks section")
        .to_string();
    for pid in [holder_pid, waiter_pid] {
        let whole = locks.lines().any(|l| {
            l.split_whitespace()
                .any(|word| word.trim_start_matches(['└', '├', '─']) == pid.to_string())
        });
        assert!(whole, "pid {pid} cut or missing:\n{locks}");
    }
}
