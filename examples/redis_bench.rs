//! Redis collector benchmark (results go to docs/PERFORMANCE.md, Redis section).
//!
//!     cargo run --release --example redis_bench -- [--seconds 60] [--interval 2] [--url redis://…]
//!
//! Without `--url` it starts its own redis-server on a free port (so the shared
//! 127.0.0.1:6379 is not loaded). It then:
//! 1. measures collection time and reply bytes per refresh (200 back-to-back refreshes,
//!    plus the pane build and a 200x60 render of the result);
//! 2. loads the server with `redis-benchmark` and, for `--seconds`, runs the collector
//!    every `--interval` seconds as the console does, measuring this process's CPU,
//!    while `redis-cli --stat -i <interval>` watches the same server; its CPU is
//!    read from /proc/<pid>/schedstat for comparison.

// A benchmark: a setup step that fails should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::State;
use kitops_top::collect::redis::RedisCollector;
use kitops_top::collect::{Collector, Snapshot};
use kitops_top::config::{RedisSettings, SecretUrl};

struct Args {
    seconds: u64,
    interval: u64,
    url: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        seconds: 60,
        interval: 2,
        url: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let val = it.next();
        match (flag.as_str(), val) {
            ("--seconds", Some(v)) => a.seconds = v.parse().unwrap_or(60),
            ("--interval", Some(v)) => a.interval = v.parse().unwrap_or(2).max(1),
            ("--url", Some(v)) => a.url = Some(v),
            (other, _) => {
                eprintln!("unknown argument {other}; use --seconds N --interval N --url URL");
                std::process::exit(2);
            }
        }
    }
    a
}

struct Guard(Vec<Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(16379)
}

/// CPU seconds (user + system) this process has used.
fn self_cpu() -> f64 {
    // SAFETY: getrusage only writes into the struct we pass.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

/// CPU seconds of another (single-threaded) process: /proc/<pid>/schedstat is in
/// nanoseconds, far finer than the 10 ms ticks of /proc/<pid>/stat.
fn proc_cpu(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    let ns: f64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns / 1e9)
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let a = args();
    let mut guard = Guard(Vec::new());
    let (url, port) = match &a.url {
        Some(u) => {
            let port = url::Url::parse(u)
                .ok()
                .and_then(|x| x.port())
                .unwrap_or(6379);
            (u.clone(), port)
        }
        None => {
            let port = free_port();
            let child = Command::new("redis-server")
                .args([
                    "--port",
                    &port.to_string(),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                ])
                .stdout(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| {
                    eprintln!("cannot start redis-server: {e}");
                    std::process::exit(1)
                });
            guard.0.push(child);
            std::thread::sleep(Duration::from_millis(300));
            (format!("redis://127.0.0.1:{port}"), port)
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("tokio runtime: {e}");
            std::process::exit(1)
        });
    let settings = RedisSettings {
        url: Some(SecretUrl::new(url.clone())),
        hit_rate_warn_percent: 80.0,
        ca_file: None,
    };
    let mut col = RedisCollector::new(settings);

    // 1. Per-refresh cost.
    let mut times = Vec::new();
    let mut bytes = Vec::new();
    let mut st = State::for_tests(SystemTime::now());
    let mut render_times = Vec::new();
    for _ in 0..200 {
        let t = Instant::now();
        let d = match rt.block_on(col.collect()) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("collect failed: {e}");
                std::process::exit(1)
            }
        };
        times.push(t.elapsed());
        bytes.push(d.reply_bytes);
        let t = Instant::now();
        update(
            &mut st,
            Event::Source(SourceUpdate::Redis(Snapshot::live(d, SystemTime::now()))),
        );
        let _ = kitops_top::ui::render_to_string(&st, 200, 60);
        render_times.push(t.elapsed());
    }
    times.sort();
    render_times.sort();
    let avg_bytes = bytes.iter().sum::<usize>() as f64 / bytes.len() as f64;
    println!("## per refresh (idle server, 200 refreshes)");
    println!(
        "collect: p50 {:?}  p95 {:?}  max {:?}",
        pct(&times, 0.5),
        pct(&times, 0.95),
        pct(&times, 1.0)
    );
    println!("reply bytes per refresh: {avg_bytes:.0}");
    let size_of = |args: &[&str]| -> usize {
        let mut cmd = redis::cmd("INFO");
        for x in args {
            cmd.arg(*x);
        }
        redis::Client::open(url.as_str())
            .and_then(|c| c.get_connection())
            .and_then(|mut c| cmd.query::<String>(&mut c))
            .map(|s| s.len())
            .unwrap_or(0)
    };
    println!(
        "for comparison: plain INFO {} bytes, INFO all {} bytes",
        size_of(&[]),
        size_of(&["all"])
    );
    println!(
        "pane build + 200x60 render: p50 {:?}  p95 {:?}",
        pct(&render_times, 0.5),
        pct(&render_times, 0.95)
    );

    // 2. CPU under load.
    let bench = Command::new("redis-benchmark")
        .args([
            "-p",
            &port.to_string(),
            "-c",
            "20",
            "-n",
            "1000000000",
            "-r",
            "100000",
            "-t",
            "get,set",
            "-q",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match bench {
        Ok(c) => guard.0.push(c),
        Err(e) => eprintln!("redis-benchmark not started ({e}); measuring without load"),
    }
    let stat = Command::new("redis-cli")
        .args([
            "-p",
            &port.to_string(),
            "--stat",
            "-i",
            &a.interval.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let stat_pid = match stat {
        Ok(c) => {
            let pid = c.id();
            guard.0.push(c);
            Some(pid)
        }
        Err(e) => {
            eprintln!("redis-cli --stat not started: {e}");
            None
        }
    };
    std::thread::sleep(Duration::from_millis(500));
    let stat_cpu0 = stat_pid.and_then(proc_cpu);
    let cpu0 = self_cpu();
    let start = Instant::now();
    let mut rounds = 0;
    let mut last = None;
    let mut slow = Duration::ZERO;
    while start.elapsed() < Duration::from_secs(a.seconds) {
        let t = Instant::now();
        match rt.block_on(col.collect()) {
            Ok(d) => {
                update(
                    &mut st,
                    Event::Source(SourceUpdate::Redis(Snapshot::live(
                        d.clone(),
                        SystemTime::now(),
                    ))),
                );
                last = Some(d);
            }
            Err(e) => eprintln!("collect failed under load: {e}"),
        }
        slow = slow.max(t.elapsed());
        rounds += 1;
        std::thread::sleep(Duration::from_secs(a.interval).saturating_sub(t.elapsed()));
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = self_cpu() - cpu0;
    let stat_cpu = match (stat_cpu0, stat_pid.and_then(proc_cpu)) {
        (Some(a0), Some(a1)) => Some(a1 - a0),
        _ => None,
    };
    println!(
        "\n## under redis-benchmark load ({wall:.0} s, refresh every {} s, {rounds} refreshes)",
        a.interval
    );
    if let Some(d) = &last {
        println!(
            "server ops/s seen by the collector: {}",
            d.total
                .rates
                .map_or("-".into(), |r| format!("{:.0}", r.ops_per_sec))
        );
    }
    println!("slowest refresh under load: {slow:?}");
    println!(
        "kitops-top collector + pane build: {:.4} CPU-s = {:.3} % of one core",
        cpu,
        cpu * 100.0 / wall
    );
    if let Some(s) = stat_cpu {
        println!(
            "redis-cli --stat -i {}: {:.4} CPU-s = {:.3} % of one core",
            a.interval,
            s,
            s * 100.0 / wall
        );
    }
}
