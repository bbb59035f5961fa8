//! Kubernetes source benchmark against kube-sim (run as a separate process, so only
//! the console's own memory and CPU are measured).
//!
//!     cargo build --release -p kube-sim
//!     cargo run --release --example kube_bench -- [PODS] [NODES] [SECONDS]
//!
//! Defaults: 5000 pods, 200 nodes, 60 s. Starts the collector (watches + metrics),
//! feeds every snapshot through the real reducer (both panes rebuilt) and renders a
//! 200x60 frame per snapshot, like the UI. Halfway-ish (at 1/6 of the run) it does a
//! rollout restart so the watches have real churn. Prints RSS, CPU, CPU per refresh
//! and the API requests kube-sim counted during the measured window.

// A benchmark: a setup step that fails should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/api_list.rs"]
mod api_list;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::act::kube::KubeActions;
use kitops_top::app::action::KubeAction;
use kitops_top::app::prebuild::{Built, Prebuilder, ViewPrefs};
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::{Controls, SourceStatus};

static ALLOC: std::alloc::System = std::alloc::System;

/// Counts live heap bytes, to tell live data from allocator fragmentation in RSS.
struct Counting;

static LIVE: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);
static PEAK: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(0);

// SAFETY: forwards to the system allocator; only adds a counter.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: std::alloc::Layout) -> *mut u8 {
        let now = LIVE.fetch_add(l.size() as isize, std::sync::atomic::Ordering::Relaxed);
        PEAK.fetch_max(
            now + l.size() as isize,
            std::sync::atomic::Ordering::Relaxed,
        );
        unsafe { ALLOC.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: std::alloc::Layout) {
        LIVE.fetch_sub(l.size() as isize, std::sync::atomic::Ordering::Relaxed);
        unsafe { ALLOC.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live_mb() -> f64 {
    LIVE.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1048576.0
}

fn peak_live_mb() -> f64 {
    PEAK.load(std::sync::atomic::Ordering::Relaxed) as f64 / 1048576.0
}

struct Sim(Child);

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sim_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("KUBE_SIM_BIN") {
        return PathBuf::from(p);
    }
    // target/<profile>/examples/kube_bench → target/<profile>/kube-sim
    let exe = std::env::current_exe().unwrap_or_default();
    exe.parent()
        .and_then(|p| p.parent())
        .map(|p| p.join("kube-sim"))
        .unwrap_or_else(|| PathBuf::from("kube-sim"))
}

fn admin(addr: &str, method: &str, path: &str) -> String {
    admin_body(addr, method, path, "")
}

fn admin_body(addr: &str, method: &str, path: &str, body: &str) -> String {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return String::new();
    };
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(req.as_bytes());
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    // The body may be chunked: keep the JSON object.
    let body = out.split("\r\n\r\n").nth(1).unwrap_or("");
    match (body.find('{'), body.rfind('}')) {
        (Some(a), Some(b)) if a < b => body[a..=b].to_string(),
        _ => String::new(),
    }
}

fn cpu_seconds() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage fills the struct we own.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
    t(ru.ru_utime) + t(ru.ru_stime)
}

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// kube-sim's request counter without its per-request log.
fn counts_only(json: &str) -> String {
    serde_json::from_str::<serde_json::Value>(json)
        .map(|v| v["counts"].to_string())
        .unwrap_or_default()
}

/// p50 / p95 / max of durations, in ms.
fn spread(mut v: Vec<Duration>) -> String {
    if v.is_empty() {
        return "none".into();
    }
    v.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms ({} samples)",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(v[v.len() - 1]),
        v.len()
    )
}

/// The keys a user presses while the bench runs, in a loop: filter typed and
/// cleared, sort cycled, scrolling, focus changes. Each is answered by the reducer
/// plus one 200x60 frame, as in the UI.
fn script() -> Vec<KeyEvent> {
    let k = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    let ch = |c: char| k(KeyCode::Char(c));
    vec![
        ch('/'),
        ch('b'),
        ch('a'),
        ch('c'),
        ch('k'),
        k(KeyCode::Enter),
        k(KeyCode::Esc),
        ch('o'),
        ch('o'),
        ch('o'),
        k(KeyCode::PageDown),
        ch('j'),
        k(KeyCode::End),
        k(KeyCode::Home),
        ch('2'),
        ch('j'),
        ch('1'),
    ]
}

/// The console's pane builder (`view_task`): snapshots in, built panes out, on a
/// thread of its own; how long each build took. `BENCH_SYNC_UI=1` measures the
/// reducer building the panes itself instead (the code before the builder).
struct Builder {
    tx: std::sync::mpsc::Sender<(SourceUpdate, ViewPrefs)>,
    rx: std::sync::mpsc::Receiver<(Built, Duration)>,
}

impl Builder {
    fn spawn(config: std::sync::Arc<kitops_top::config::Config>) -> Self {
        let (tx, in_rx) = std::sync::mpsc::channel::<(SourceUpdate, ViewPrefs)>();
        let (out_tx, rx) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("view-builder".into())
            .spawn(move || {
                let mut b = Prebuilder::new(config);
                while let Ok((u, prefs)) = in_rx.recv() {
                    let t = Instant::now();
                    let built = b.build(u, &prefs);
                    if out_tx.send((built, t.elapsed())).is_err() {
                        return;
                    }
                }
            });
        spawned.expect("builder thread");
        Self { tx, rx }
    }
}

/// A snapshot into the UI: through the builder thread and `Event::Built` (pressing
/// keys while it builds), or through the reducer itself with `BENCH_SYNC_UI`. Returns
/// the UI task's time for it (the swap or the whole build, plus a frame), the build
/// time, and the keystrokes pressed meanwhile.
fn deliver(
    st: &mut State,
    snap: kitops_top::collect::Snapshot<kitops_top::collect::kube::KubeData>,
    builder: &Builder,
    keys: &mut dyn FnMut(&mut State) -> Option<Duration>,
    key_ui: &mut Vec<Duration>,
) -> (Duration, Duration) {
    st.now = SystemTime::now();
    if std::env::var_os("BENCH_SYNC_UI").is_some() {
        let t = Instant::now();
        let c = update(st, Event::Source(SourceUpdate::Kube(snap)));
        run_freeing(st, c);
        std::hint::black_box(kitops_top::ui::render_to_string(st, 200, 60));
        return (t.elapsed(), t.elapsed());
    }
    let _ = builder
        .tx
        .send((SourceUpdate::Kube(snap), ViewPrefs::of(st)));
    let (built, took) = loop {
        match builder.rx.recv_timeout(Duration::from_millis(20)) {
            Ok(b) => break b,
            // The UI stays free while the builder works: keys are answered meanwhile.
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if let Some(d) = keys(st) {
                    key_ui.push(d);
                }
            }
            Err(e) => panic!("builder gone: {e}"),
        }
    };
    let t = Instant::now();
    let c = update(st, Event::Built(Box::new(built)));
    run_freeing(st, c);
    std::hint::black_box(kitops_top::ui::render_to_string(st, 200, 60));
    (t.elapsed(), took)
}

/// What a key of `script` does, for the per-kind figures.
fn kind(key: &KeyEvent) -> &'static str {
    match key.code {
        KeyCode::Char('o') => "sort",
        KeyCode::Char('1') | KeyCode::Char('2') => "focus",
        KeyCode::Char('j') | KeyCode::PageDown | KeyCode::End | KeyCode::Home => "scroll",
        _ => "filter",
    }
}

static BY_KIND: std::sync::Mutex<Vec<(&'static str, Duration)>> = std::sync::Mutex::new(Vec::new());

type Prepared = (
    kitops_top::app::PaneId,
    Box<kitops_top::app::table::TableState>,
);

/// Orders made off the UI task (`Command::PrepareTable`), as the runtime makes them.
static PREPARED: std::sync::Mutex<Option<std::sync::mpsc::Receiver<Prepared>>> =
    std::sync::Mutex::new(None);
static PREPARE_TX: std::sync::Mutex<Option<std::sync::mpsc::Sender<Prepared>>> =
    std::sync::Mutex::new(None);
static PREPARED_UI: std::sync::Mutex<Vec<Duration>> = std::sync::Mutex::new(Vec::new());

/// One long-lived thread for the reducer's `PrepareTable` commands and one for freeing
/// what it retired: the runtime's blocking pool reuses its threads too (a thread
/// spawned per call costs an mmap of its stack under the process's mm lock).
type Job = Box<dyn FnOnce() + Send>;
static PREPARE_JOBS: std::sync::Mutex<Option<std::sync::mpsc::Sender<Job>>> =
    std::sync::Mutex::new(None);
static FREE_JOBS: std::sync::Mutex<Option<std::sync::mpsc::Sender<Job>>> =
    std::sync::Mutex::new(None);

fn worker(slot: &std::sync::Mutex<Option<std::sync::mpsc::Sender<Job>>>, name: &str) {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || rx.into_iter().for_each(|job| job()))
        .expect("worker thread");
    *slot.lock().unwrap() = Some(tx);
}

fn submit(slot: &std::sync::Mutex<Option<std::sync::mpsc::Sender<Job>>>, job: Job) {
    if let Some(tx) = slot.lock().ok().and_then(|t| t.clone()) {
        let _ = tx.send(job);
    }
}

/// Runs the reducer's `PrepareTable` commands and frees what it replaced, off the UI
/// thread, as the runtime does.
fn run_freeing(st: &mut State, commands: Vec<kitops_top::app::Command>) {
    let retired = st.take_retired();
    if !retired.is_empty() {
        submit(&FREE_JOBS, Box::new(move || drop(retired)));
    }
    run(commands);
}

fn run(commands: Vec<kitops_top::app::Command>) {
    for c in commands {
        if let kitops_top::app::Command::PrepareTable { pane, request } = c {
            let Some(tx) = PREPARE_TX.lock().ok().and_then(|t| t.clone()) else {
                continue;
            };
            submit(
                &PREPARE_JOBS,
                Box::new(move || {
                    let t = kitops_top::app::table::TableState::prepared(
                        request.content,
                        &request.filter,
                        request.sort,
                    );
                    let _ = tx.send((pane, Box::new(t)));
                }),
            );
        }
    }
}

/// The orders that came back, each through the reducer and a frame.
fn take_prepared(st: &mut State) {
    loop {
        let next = PREPARED
            .lock()
            .ok()
            .and_then(|r| r.as_ref().and_then(|r| r.try_recv().ok()));
        let Some((pane, table)) = next else { return };
        let t = Instant::now();
        let c = update(st, Event::Prepared { pane, table });
        let reduced = t.elapsed();
        run_freeing(st, c);
        std::hint::black_box(kitops_top::ui::render_to_string(st, 200, 60));
        if std::env::var_os("BENCH_TRACE_SWAPS").is_some()
            && t.elapsed() > Duration::from_millis(20)
        {
            eprintln!(
                "slow order swap: reducer {:.1} ms, total {:.1} ms",
                reduced.as_secs_f64() * 1e3,
                t.elapsed().as_secs_f64() * 1e3
            );
        }
        if let Ok(mut v) = PREPARED_UI.lock() {
            v.push(t.elapsed());
        }
    }
}

/// One keystroke through the reducer and a frame; how long the UI was busy with it.
fn press(st: &mut State, key: KeyEvent) -> Duration {
    take_prepared(st);
    let t = Instant::now();
    let c = update(st, Event::Key(key));
    run_freeing(st, c);
    std::hint::black_box(kitops_top::ui::render_to_string(st, 200, 60));
    let took = t.elapsed();
    if let Ok(mut v) = BY_KIND.lock() {
        v.push((kind(&key), took));
    }
    took
}

fn main() {
    // As the console's main() does: the measurement is of the product's allocator setup.
    // BENCH_MALLOC_ARENAS=default: glibc's arena per thread instead (what it costs and saves).
    if std::env::var("BENCH_MALLOC_ARENAS").as_deref() != Ok("default") {
        kitops_top::heap::use_single_arena();
    }
    let (tx, rx) = std::sync::mpsc::channel();
    *PREPARE_TX.lock().unwrap() = Some(tx);
    *PREPARED.lock().unwrap() = Some(rx);
    worker(&PREPARE_JOBS, "prepare");
    worker(&FREE_JOBS, "free");
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (pods, nodes, secs) = (arg(0, 5000), arg(1, 200), arg(2, 60));
    // BENCH_NO_UI=1: the collector alone, without the reducer and rendering.
    let no_ui = std::env::var_os("BENCH_NO_UI").is_some();
    // BENCH_TIMELINE=1: each snapshot of the sync as it arrives (when, how many pods, its build).
    let timeline = std::env::var_os("BENCH_TIMELINE").is_some();

    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    let bin = sim_binary();
    let child = Command::new(&bin)
        .args(["--listen", "127.0.0.1:0", "--pods", &pods.to_string()])
        .args(["--nodes", &nodes.to_string(), "--kubeconfig-out"])
        .arg(&kc)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {} ({e}); build it: cargo build --release -p kube-sim, or set KUBE_SIM_BIN",
                bin.display()
            )
        });
    let mut sim = Sim(child);
    let mut out = BufReader::new(sim.0.stdout.take().expect("stdout"));
    let mut addr = String::new();
    for _ in 0..4 {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap_or(0) == 0 {
            break;
        }
        if let Some(a) = line.trim().strip_prefix("listening on ") {
            addr = a.to_string();
        }
        if line.contains("kubeconfig written") {
            break;
        }
    }
    assert!(!addr.is_empty(), "kube-sim did not report its address");
    // The API alone, before the console starts: the yardstick of the sync ("within 2×").
    let bearer = std::fs::read_to_string(&kc)
        .unwrap_or_default()
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("token:")
                .map(|t| t.trim().trim_matches('"').to_string())
        })
        .unwrap_or_default();
    let (api_list_s, api_items) = api_list::seconds(&addr, &bearer);
    // BENCH_NO_METRICS=1: metrics-server absent (isolates the metrics poller's cost).
    if std::env::var_os("BENCH_NO_METRICS").is_some() {
        admin_body(&addr, "POST", "/_sim/metrics", r#"{"enabled": false}"#);
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let opts = kitops_top::cli::Opts::default();
        let mut config = kitops_top::config::resolve(
            &opts,
            &|_| None,
            &kitops_top::config::FileConfig::default(),
        )
        .expect("config");
        config.kube.kubeconfig = Some(kc.clone());
        config.audit_log = dir.path().join("audit.jsonl");
        let rss_start = status_kb("VmRSS:");
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let (_pause, controls) = Controls::free_running();
        let mut rx = kitops_top::collect::kube::spawn(config.kube.clone(), Duration::from_secs(2), controls);
        let mut st = State::with_config(config.clone(), SystemTime::now());
        let builder = Builder::spawn(st.config.clone());
        let mut sync_build: Vec<Duration> = Vec::new();
        // Initial sync: until every pod is listed. Partial snapshots (the first LIST
        // still paging) go through the reducer and a frame too, as in the UI.
        let mut first_rows: Option<(f64, usize)> = None;
        let mut partial = 0usize;
        let mut sync_ui: Vec<Duration> = Vec::new();
        loop {
            if rx.changed().await.is_err() {
                panic!("collector ended");
            }
            let snap = rx.borrow_and_update().clone();
            let n = snap.data.as_ref().map(|d| d.pods.len()).unwrap_or(0);
            let loading = snap.data.as_ref().and_then(|d| d.pods_loading);
            if n > 0 && first_rows.is_none() {
                first_rows = Some((t0.elapsed().as_secs_f64(), n));
            }
            if loading.is_some() {
                partial += 1;
            }
            let done = snap.status == SourceStatus::Live && loading.is_none() && n as u64 >= pods;
            let status = snap.status.clone();
            let arrived = t0.elapsed();
            if !no_ui {
                let (ui, took) = deliver(&mut st, snap, &builder, &mut |_| None, &mut Vec::new());
                sync_ui.push(ui);
                sync_build.push(took);
                if timeline {
                    eprintln!(
                        "  {:6.3} s: snapshot of {n} pods (loading {}), built in {:.3} s, UI {:.3} s",
                        arrived.as_secs_f64(),
                        loading.is_some(),
                        took.as_secs_f64(),
                        ui.as_secs_f64()
                    );
                }
                let frame = kitops_top::ui::render_to_string(&st, 200, 60);
                if partial == 1 && loading.is_some() {
                    if let Some(l) = frame.lines().find(|l| l.contains("loading pods")) {
                        eprintln!("first partial frame: {}", l.trim());
                    }
                }
            }
            if done {
                break;
            }
            if t0.elapsed() > Duration::from_secs(180) {
                panic!("no full snapshot after 180 s: {status:?}");
            }
        }
        let sync_s = t0.elapsed().as_secs_f64();
        if std::env::var_os("BENCH_SORT_PROBE").is_some() {
            let content = st.pane(kitops_top::app::PaneId::Pods).table.content.clone();
            for col in 0..content.columns.len() {
                for desc in [false, true] {
                    let t = Instant::now();
                    let p = kitops_top::app::table::TableState::prepared(content.clone(), "", Some((col, desc)));
                    let sorted = t.elapsed();
                    let t = Instant::now();
                    let f = kitops_top::app::table::TableState::prepared(content.clone(), "back", None);
                    eprintln!("probe col {col} desc {desc}: sort {:.1} ms ({} rows), filter 'back' {:.1} ms", sorted.as_secs_f64() * 1e3, p.visible.len(), t.elapsed().as_secs_f64() * 1e3);
                    drop(f);
                }
            }
        }
        let hwm_synced = status_kb("VmHWM:");
        let sync_cpu = cpu_seconds() - cpu0;
        let rss_synced = status_kb("VmRSS:");
        let sync_counts = admin(&addr, "GET", "/_sim/requests");
        let _ = admin(&addr, "DELETE", "/_sim/requests");
        let cpu1 = cpu_seconds();
        let start = Instant::now();
        let mut refreshes = 0u64;
        let mut restarted = false;
        let mut actions = KubeActions::new(config.kube.clone());
        let mut rebuild = Duration::ZERO;
        let mut snapshot_ui: Vec<Duration> = Vec::new();
        let mut key_ui: Vec<Duration> = Vec::new();
        // Keys pressed while a snapshot was being built (the builder thread busy).
        let mut key_during: Vec<Duration> = Vec::new();
        let mut builds: Vec<Duration> = Vec::new();
        let keys = script();
        let mut next_key = 0usize;
        // RSS sampled about once a second: it swings with each pane rebuild and trim.
        let mut rss_samples: Vec<u64> = Vec::new();
        while start.elapsed() < Duration::from_secs(secs) {
            if !restarted && start.elapsed() >= Duration::from_secs(secs / 6) {
                restarted = true;
                let o = actions
                    .execute(&KubeAction::RolloutRestart {
                        namespace: "kitops".into(),
                        deployment: "kitops-backend".into(),
                    })
                    .await;
                eprintln!("t={:.0}s rollout restart: {}", start.elapsed().as_secs_f64(), o.message());
            }
            rss_samples.push(status_kb("VmRSS:") / 1024);
            if !no_ui {
                // Two keystrokes a second, each answered at once (reducer + frame).
                for _ in 0..2 {
                    key_ui.push(press(&mut st, keys[next_key % keys.len()]));
                    next_key += 1;
                }
            }
            let left = Duration::from_secs(secs).saturating_sub(start.elapsed());
            match tokio::time::timeout(left.min(Duration::from_millis(500)), rx.changed()).await {
                Ok(Ok(())) => {
                    let snap = rx.borrow_and_update().clone();
                    if !no_ui {
                        let mut during = |st: &mut State| {
                            let d = press(st, keys[next_key % keys.len()]);
                            next_key += 1;
                            Some(d)
                        };
                        let (ui, took) = deliver(&mut st, snap, &builder, &mut during, &mut key_during);
                        rebuild += took;
                        snapshot_ui.push(ui);
                        builds.push(took);
                    }
                    refreshes += 1;
                }
                Ok(Err(_)) => break,
                Err(_) => {}
            }
        }
        let cpu = cpu_seconds() - cpu1;
        let elapsed = start.elapsed().as_secs_f64();
        let counts = admin(&addr, "GET", "/_sim/requests");
        let total: f64 = serde_json::from_str::<serde_json::Value>(&counts)
            .ok()
            .and_then(|v| v["total"].as_f64())
            .unwrap_or(0.0);
        println!("pods {pods}, nodes {nodes}, measured {elapsed:.0} s after initial sync");
        println!("initial sync: {sync_s:.1} s wall, {sync_cpu:.2} s CPU; requests {}", counts_only(&sync_counts));
        println!(
            "the API alone (paged LIST of {api_items} pods, before the console started): {api_list_s:.2} s; the sync took {:.1}× that",
            sync_s / api_list_s.max(1e-3)
        );
        if let Some((at, n)) = first_rows {
            println!(
                "first rows: {at:.2} s after start ({n} pods); {partial} partial snapshots while paging"
            );
        }
        let mode = if std::env::var_os("BENCH_SYNC_UI").is_some() { "reducer builds (BENCH_SYNC_UI)" } else { "builder thread" };
        println!("panes built by: {mode}");
        println!("UI per snapshot during the sync (reducer + 200x60 frame): {}", spread(sync_ui));
        println!("pane build per snapshot during the sync: {}", spread(sync_build));
        println!("UI per snapshot after the sync: {}", spread(snapshot_ui));
        println!("pane build per snapshot after the sync: {}", spread(builds));
        println!("UI per keystroke (reducer + frame; filter, sort, scroll, focus): {}", spread(key_ui));
        println!("UI per keystroke pressed while a snapshot was building: {}", spread(key_during));
        let swaps = PREPARED_UI.lock().map(|v| v.clone()).unwrap_or_default();
        println!("UI per order made off the UI task (swap + frame): {}", spread(swaps));
        let by_kind = BY_KIND.lock().map(|v| v.clone()).unwrap_or_default();
        for k in ["filter", "sort", "scroll", "focus"] {
            let of: Vec<Duration> = by_kind.iter().filter(|(n, _)| *n == k).map(|(_, d)| *d).collect();
            println!("  keystrokes ({k}): {}", spread(of));
        }
        println!(
            "RSS: start {} MB, after sync {} MB (peak so far {} MB), end {} MB, peak {} MB",
            rss_start / 1024,
            rss_synced / 1024,
            hwm_synced / 1024,
            status_kb("VmRSS:") / 1024,
            status_kb("VmHWM:") / 1024
        );
        rss_samples.sort_unstable();
        println!(
            "RSS during the minute ({} samples, {} ≥ 60 MB): min {} MB, median {} MB, max {} MB",
            rss_samples.len(),
            rss_samples.iter().filter(|&&r| r >= 60).count(),
            rss_samples.first().copied().unwrap_or(0),
            rss_samples.get(rss_samples.len() / 2).copied().unwrap_or(0),
            rss_samples.last().copied().unwrap_or(0)
        );
        println!(
            "CPU: {cpu:.2} s over {elapsed:.0} s ({:.1} % of one core); {refreshes} snapshots, {:.1} ms CPU per refresh (reducer+render {:.1} ms)",
            cpu / elapsed * 100.0,
            if refreshes > 0 { cpu * 1000.0 / refreshes as f64 } else { 0.0 },
            if refreshes > 0 { rebuild.as_secs_f64() * 1000.0 / refreshes as f64 } else { 0.0 },
        );
        println!(
            "API requests: {total:.0} in {elapsed:.0} s = {:.1} per minute",
            total * 60.0 / elapsed
        );
        println!("by verb/resource: {}", counts_only(&counts));
        let before = status_kb("VmRSS:");
        // SAFETY: plain libc call; returns free heap pages to the OS.
        let trim_started = Instant::now();
        unsafe { libc::malloc_trim(0) };
        println!("malloc_trim(0) took {:.1} ms", trim_started.elapsed().as_secs_f64() * 1e3);
        println!(
            "RSS after malloc_trim: {} MB (was {} MB); live heap (allocated, not freed): {:.1} MB, peak {:.1} MB",
            status_kb("VmRSS:") / 1024,
            before / 1024,
            live_mb(),
            peak_live_mb()
        );
    });
    drop(sim);
}
