//! PostgreSQL collector benchmark: 500 real sessions, 50 of them waiting on locks.
//!
//! `cargo build --release --bins --example pg_bench && target/release/examples/pg_bench` (options: `--sessions N`,
//! `--waiting N`, `--rounds N`, `--seconds N`, `--url URL` to use an existing server
//! instead of a private one, `--no-compare` to skip the side-by-side minute).
//!
//! 1. Starts a private cluster (initdb in a temp dir, max_connections = sessions + 50,
//!    shared_preload_libraries = pg_stat_statements) unless `--url` is given.
//! 2. Opens the load: 5 idle-in-transaction lock holders, `waiting` sessions queued
//!    on their rows, 10 % running `pg_sleep`, the rest idle.
//! 3. Per refresh of the real collector (its own thread, so CPU is the thread's
//!    rusage): wall time, round trips, rows decoded, result bytes, CPU time.
//! 4. The blocker SQL alternatives timed on the same load: the one-statement query,
//!    the runbook-style pg_locks self-join, pg_blocking_pids() for every backend.
//! 5. The same minute side by side: `kitops-top` (this build's TUI) and `pg_activity`
//!    each in a detached tmux window, CPU seconds from /proc/<pid>/stat.

// A benchmark: a setup step that fails should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/integration/support/pg_cluster.rs"]
mod pg_cluster;

use std::sync::Arc;
use std::time::{Duration, Instant};

use kitops_top::collect::postgres::{queries, PgCollector};
use kitops_top::collect::Collector;
use kitops_top::config::{PgSettings, SecretUrl};
use tokio_postgres::{Client, NoTls};

struct Args {
    url: Option<String>,
    sessions: usize,
    waiting: usize,
    rounds: usize,
    seconds: u64,
    compare: bool,
    explain: bool,
}

fn args() -> Args {
    let mut a = Args {
        url: None,
        sessions: 500,
        waiting: 50,
        rounds: 30,
        seconds: 60,
        compare: true,
        explain: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut val = || it.next().unwrap_or_default();
        match k.as_str() {
            "--url" => a.url = Some(val()),
            "--sessions" => a.sessions = val().parse().unwrap_or(a.sessions),
            "--waiting" => a.waiting = val().parse().unwrap_or(a.waiting),
            "--rounds" => a.rounds = val().parse().unwrap_or(a.rounds),
            "--seconds" => a.seconds = val().parse().unwrap_or(a.seconds),
            "--no-compare" => a.compare = false,
            "--explain" => a.explain = true,
            other => eprintln!("ignoring unknown argument {other}"),
        }
    }
    a
}

fn cpu_thread() -> Duration {
    // SAFETY: getrusage writes into the zeroed struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_THREAD, &mut ru) };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// utime + stime of a process, seconds.
fn proc_cpu(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    let ut: f64 = f.get(11)?.parse().ok()?;
    let st: f64 = f.get(12)?.parse().ok()?;
    Some((ut + st) / ticks)
}

async fn connect(url: &str, app: &str) -> Client {
    let (c, conn) = tokio_postgres::connect(&format!("{url}&application_name={app}"), NoTls)
        .await
        .unwrap_or_else(|e| panic!("connect {url}: {e}"));
    tokio::spawn(async move {
        let _ = conn.await;
    });
    c
}

fn stats(v: &mut [f64]) -> String {
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len().max(1);
    let mean = v.iter().sum::<f64>() / n as f64;
    let p = |q: f64| {
        v.get(((n as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    format!(
        "mean {mean:.2} p50 {:.2} p95 {:.2} max {:.2}",
        p(0.5),
        p(0.95),
        p(1.0)
    )
}

async fn time_sql(c: &Client, sql: &str, n: usize) -> (Vec<f64>, usize) {
    let mut ms = Vec::new();
    let mut rows = 0;
    for _ in 0..n {
        let t = Instant::now();
        let r = c.query(sql, &[]).await.expect("bench query");
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
        rows = r.len();
    }
    (ms, rows)
}

/// Server-side execution time (EXPLAIN ANALYZE, TIMING OFF), ms, `n` runs.
async fn server_ms(c: &Client, sql: &str, n: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..n {
        let rows = c
            .query(&format!("EXPLAIN (ANALYZE, TIMING OFF) {sql}"), &[])
            .await
            .expect("explain");
        for r in rows {
            let line: String = r.get(0);
            if let Some(v) = line.strip_prefix("Execution Time: ") {
                out.push(v.trim_end_matches(" ms").parse().unwrap_or(0.0));
            }
        }
    }
    out
}

fn tmux(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("tmux")
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Starts `cmd` in a detached tmux session; returns its pid.
fn tmux_start(name: &str, cmd: &str) -> Option<u32> {
    tmux(&[
        "new-session",
        "-d",
        "-s",
        name,
        "-x",
        "200",
        "-y",
        "60",
        &format!("exec {cmd}"),
    ])?;
    std::thread::sleep(Duration::from_millis(500));
    tmux(&["list-panes", "-t", name, "-F", "#{pane_pid}"])?
        .parse()
        .ok()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = args();
    let cluster;
    let url = match &a.url {
        Some(u) => u.clone(),
        None => {
            let conf = vec![
                format!("max_connections = {}", a.sessions + 50),
                "shared_preload_libraries = 'pg_stat_statements'".to_string(),
                "shared_buffers = 128MB".to_string(),
            ];
            cluster = pg_cluster::Cluster::start(&conf).unwrap_or_else(|e| panic!("{e}"));
            cluster.url("postgres")
        }
    };
    let url = if url.contains('?') {
        url
    } else {
        format!("{url}?sslmode=disable")
    };
    let admin = connect(&url, "bench-admin").await;
    let max: i64 = admin
        .query_one("SELECT current_setting('max_connections')::int8", &[])
        .await
        .expect("max")
        .get(0);
    let version: i32 = admin
        .query_one("SELECT current_setting('server_version_num')::int4", &[])
        .await
        .expect("version")
        .get(0);
    let sessions = a.sessions.min((max as usize).saturating_sub(15));
    if sessions < a.sessions {
        println!(
            "max_connections = {max}: using {sessions} sessions instead of {}",
            a.sessions
        );
    }
    let _ = admin
        .batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .await;
    admin
        .batch_execute(
            "DROP TABLE IF EXISTS kt_bench; CREATE TABLE kt_bench (id int PRIMARY KEY, v int);
             INSERT INTO kt_bench SELECT g, 0 FROM generate_series(1, 1000) g",
        )
        .await
        .expect("bench table");

    // The load.
    let holders = 5usize;
    let waiting = a.waiting.min(sessions.saturating_sub(holders));
    let sleepers = (sessions / 10).min(sessions - holders - waiting);
    let idle = sessions - holders - waiting - sleepers;
    let mut clients: Vec<Arc<Client>> = Vec::with_capacity(sessions);
    for i in 0..sessions {
        clients.push(Arc::new(connect(&url, &format!("bench-{i}")).await));
    }
    for (h, c) in clients.iter().take(holders).enumerate() {
        c.batch_execute(&format!(
            "BEGIN; UPDATE kt_bench SET v = v + 1 WHERE id = {}",
            h + 1
        ))
        .await
        .expect("holder");
    }
    let mut tasks = Vec::new();
    for (i, c) in clients.iter().skip(holders).take(waiting).enumerate() {
        let c = c.clone();
        let row = i % holders + 1;
        tasks.push(tokio::spawn(async move {
            let _ = c
                .batch_execute(&format!("UPDATE kt_bench SET v = v + 1 WHERE id = {row}"))
                .await;
        }));
    }
    for c in clients.iter().skip(holders + waiting).take(sleepers) {
        let c = c.clone();
        tasks.push(tokio::spawn(async move {
            let _ = c.batch_execute("SELECT pg_sleep(3600)").await;
        }));
    }
    // wait until everyone is in place
    loop {
        let r = admin
            .query_one(
                "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FILTER (WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active') FROM pg_stat_activity",
                &[],
            )
            .await
            .expect("progress");
        let (w, s): (i64, i64) = (r.get(0), r.get(1));
        if w as usize >= waiting && s as usize >= sleepers {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!(
        "PostgreSQL {version}, max_connections {max}: {sessions} sessions = {holders} lock holders (idle in transaction) + {waiting} waiting on locks + {sleepers} running pg_sleep + {idle} idle"
    );

    // Per refresh, the real collector on its own thread.
    let settings = PgSettings {
        url: Some(SecretUrl::new(url.clone())),
        connections_warn_percent: 80.0,
        idle_in_transaction_warn: Duration::from_secs(30),
        long_query_warn: Duration::from_secs(60),
        statement_timeout: Duration::from_secs(5),
        ca_file: None,
    };
    let rounds = a.rounds;
    let per_round = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let mut c = PgCollector::new(settings);
            c.collect().await.expect("warm-up round");
            let mut out = Vec::new();
            for _ in 0..rounds {
                let cpu0 = cpu_thread();
                let t = Instant::now();
                let d = c.collect().await.expect("round");
                let wall = t.elapsed();
                let cpu = cpu_thread() - cpu0;
                out.push((
                    wall,
                    cpu,
                    d.stats.clone(),
                    d.lock_tree.len(),
                    d.sessions.len(),
                ));
            }
            out
        })
    })
    .join()
    .expect("collector thread");
    let mut wall: Vec<f64> = per_round
        .iter()
        .map(|r| r.0.as_secs_f64() * 1000.0)
        .collect();
    let mut cpu: Vec<f64> = per_round
        .iter()
        .map(|r| r.1.as_secs_f64() * 1000.0)
        .collect();
    let last = per_round.last().expect("rounds");
    println!("\n## Collector, per refresh ({rounds} refreshes)");
    println!("wall ms: {}", stats(&mut wall));
    println!(
        "CPU ms (collector thread: driver + JSON decode + tree): {}",
        stats(&mut cpu)
    );
    println!(
        "round trips: {} (activity + locks in 1; +1 for pg_stat_statements); rows decoded: {} ({} sessions listed, {} lock-tree rows); result bytes: {}",
        last.2.round_trips, last.2.rows, last.4, last.3, last.2.bytes
    );

    // The blocker SQL alternatives.
    let n = 50;
    let (mut ours, _) = time_sql(&admin, &queries::activity_sql(version), n).await;
    let (mut self_join, sj_rows) = time_sql(&admin, queries::SELF_JOIN_SQL, n).await;
    let (mut all_bp, bp_rows) = time_sql(&admin, queries::BLOCKING_PIDS_ALL_SQL, n).await;
    let (mut lock_bp, lock_bp_rows) = time_sql(
        &admin,
        "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
        n,
    )
    .await;
    let (mut plain, plain_rows) = time_sql(&admin, "SELECT * FROM pg_stat_activity", n).await;
    let bp_pairs: i64 = admin
        .query_one(
            "SELECT count(*) FROM (SELECT pid, unnest(pg_blocking_pids(pid)) FROM pg_stat_activity WHERE wait_event_type = 'Lock') x",
            &[],
        )
        .await
        .expect("pairs")
        .get(0);
    println!("\n## Blocker detection on the same load ({n} runs each, client wall ms, sequential on one connection)");
    println!(
        "one statement (activity + pg_blocking_pids for Lock waiters + locks): {}",
        stats(&mut ours)
    );
    println!(
        "runbook-style pg_locks self-join alone: {} ({sj_rows} blocked/blocking pairs)",
        stats(&mut self_join)
    );
    println!(
        "pg_blocking_pids() for every backend: {} ({bp_rows} blocked sessions)",
        stats(&mut all_bp)
    );
    println!(
        "pg_blocking_pids() only for wait_event_type = 'Lock': {} ({lock_bp_rows} sessions, {bp_pairs} blocked/blocking pairs incl. wait-queue)",
        stats(&mut lock_bp)
    );
    println!(
        "baseline SELECT * FROM pg_stat_activity: {} ({plain_rows} rows)",
        stats(&mut plain)
    );
    println!(
        "\n## The same, server execution time only (EXPLAIN ANALYZE, TIMING OFF; {n} runs, ms)"
    );
    let lock_only =
        "SELECT pid, pg_blocking_pids(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock'";
    for (name, sql) in [
        (
            "one statement (activity + locks)",
            queries::activity_sql(version),
        ),
        (
            "runbook-style pg_locks self-join",
            queries::SELF_JOIN_SQL.to_string(),
        ),
        (
            "pg_blocking_pids() for every backend",
            queries::BLOCKING_PIDS_ALL_SQL.to_string(),
        ),
        (
            "pg_blocking_pids() for Lock waiters only",
            lock_only.to_string(),
        ),
        (
            "SELECT * FROM pg_stat_activity",
            "SELECT * FROM pg_stat_activity".to_string(),
        ),
    ] {
        let mut v = server_ms(&admin, &sql, n).await;
        println!("{name}: {}", stats(&mut v));
    }
    if a.explain {
        let plan = admin
            .query(
                &format!(
                    "EXPLAIN (ANALYZE, BUFFERS) {}",
                    queries::activity_sql(version)
                ),
                &[],
            )
            .await
            .expect("explain");
        for r in plan {
            println!("{}", r.get::<_, String>(0));
        }
    }

    if a.compare {
        let secs = a.seconds;
        let exe_dir = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().and_then(|d| d.parent()).map(|d| d.to_path_buf()));
        // examples live in target/<profile>/examples/, the console in target/<profile>/.
        let ours_bin = exe_dir.map(|d| d.join("kitops-top")).filter(|p| p.exists());
        let port = url
            .split(':')
            .nth(2)
            .and_then(|s| s.split('/').next())
            .unwrap_or("5432")
            .to_string();
        let mut procs: Vec<(&str, u32)> = Vec::new();
        let tag = std::process::id();
        let ours_name = format!("kt-bench-ours-{tag}");
        let theirs_name = format!("kt-bench-pga-{tag}");
        match &ours_bin {
            Some(bin) => {
                let home = std::env::temp_dir().join(format!("kt-bench-home-{tag}"));
                let _ = std::fs::create_dir_all(&home);
                let cmd = format!(
                    "env HOME={} XDG_CONFIG_HOME={}/cfg {} --pg '{url}' --refresh 2s",
                    home.display(),
                    home.display(),
                    bin.display()
                );
                if let Some(pid) = tmux_start(&ours_name, &cmd) {
                    procs.push(("kitops-top", pid));
                }
            }
            None => println!("\n(kitops-top binary not in the examples' parent directory: run `cargo build --release --bins` first)"),
        }
        if std::process::Command::new("pg_activity")
            .arg("--version")
            .output()
            .is_ok()
        {
            let cmd =
                format!("pg_activity -h 127.0.0.1 -p {port} -U postgres -d postgres --refresh 2");
            if let Some(pid) = tmux_start(&theirs_name, &cmd) {
                procs.push(("pg_activity", pid));
            }
        } else {
            println!("(pg_activity not installed: apt-get install -y pg-activity)");
        }
        if !procs.is_empty() {
            tokio::time::sleep(Duration::from_secs(5)).await; // both connected and drawing
            let start: Vec<Option<f64>> = procs.iter().map(|(_, p)| proc_cpu(*p)).collect();
            tokio::time::sleep(Duration::from_secs(secs)).await;
            let end: Vec<Option<f64>> = procs.iter().map(|(_, p)| proc_cpu(*p)).collect();
            println!("\n## The same {secs} s side by side (2 s refresh, 200x60 tmux window)");
            for (i, (name, pid)) in procs.iter().enumerate() {
                match (start[i], end[i]) {
                    (Some(s), Some(e)) => println!("{name} (pid {pid}): {:.2} CPU seconds", e - s),
                    _ => println!("{name} (pid {pid}): exited early (see tmux)"),
                }
            }
            // What each one was showing, as evidence that it was live on this load.
            for (name, session) in [("kitops-top", &ours_name), ("pg_activity", &theirs_name)] {
                if let Some(screen) = tmux(&["capture-pane", "-p", "-t", session]) {
                    let path = std::env::temp_dir().join(format!("{session}.txt"));
                    let _ = std::fs::write(&path, &screen);
                    let hint = screen
                        .lines()
                        .find(|l| l.contains("connections") || l.contains("Sessions:"))
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    println!("{name} screen saved to {}: {hint}", path.display());
                }
            }
            let _ = tmux(&["kill-session", "-t", &ours_name]);
            let _ = tmux(&["kill-session", "-t", &theirs_name]);
        }
    }

    for t in tasks {
        t.abort();
    }
    drop(clients);
    let _ = admin.batch_execute("DROP TABLE IF EXISTS kt_bench").await;
}
