//! The pane builder alone at scale: what one Kubernetes snapshot costs the
//! `view-builder` thread (`app::prebuild::Prebuilder`, the Pods and Nodes panes, their
//! attention lines and incident conditions, the filtered/sorted order), without
//! kube-sim or the collector competing for the cores.
//!
//!     cargo build --release --example build_bench
//!     target/release/examples/build_bench [PODS=100000] [NODES=5000] [ROUNDS=5]
//!
//! Each round times (thread CPU time) four kinds of snapshot against the table the last one built:
//! `same` (nothing changed: an event or deployment update), `metrics` (every pod's usage
//! changed: a metrics round), `one pod` (a watch event about one pod) and `first` (a
//! builder with no table yet: the first snapshot after the sync). Prints p50 / max per
//! kind, and the live heap the pods pane's table holds. A fourth argument (`same`,
//! `metrics`, `one`, `first`) runs only that kind, for a profiler.

// A benchmark: a setup step that fails should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/thread_cpu.rs"]
mod thread_cpu;
use thread_cpu::thread_cpu;

use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kitops_top::app::prebuild::{Built, Prebuilder, ViewPrefs};
use kitops_top::app::{SourceUpdate, State};
use kitops_top::collect::kube::{KubeData, LivePod, MetricsStatus, PodInfo, Resources, Usage};
use kitops_top::collect::Snapshot;

static LIVE: AtomicIsize = AtomicIsize::new(0);

/// Counts live heap bytes: what a table holds, apart from fragmentation.
struct Counting;

// SAFETY: forwards to the system allocator; only adds a counter.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: std::alloc::Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        unsafe { std::alloc::System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: std::alloc::Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        unsafe { std::alloc::System.dealloc(p, l) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn live_mb() -> f64 {
    LIVE.load(Ordering::Relaxed) as f64 / 1048576.0
}

const NOW: i64 = 1_795_000_000;
const MI: f64 = 1024.0 * 1024.0;
const DEPLOYMENTS: usize = 50;

fn pod(i: usize, nodes: usize) -> PodInfo {
    let d = i % DEPLOYMENTS;
    let rs = format!("service-{d:02}-5f6d7c8b9");
    PodInfo {
        uid: format!("0b9c7e52-{i:08}-4d6f-9a1e-3c2b1a0f9e8d"),
        name: format!("{rs}-{i:05x}"),
        namespace: "kitops".into(),
        node: Some(
            format!(
                "ip-10-0-{}-{}.ec2.internal",
                i % nodes / 250,
                i % nodes % 250
            )
            .into(),
        ),
        created: Some(NOW - 3600 - i as i64),
        deleting: false,
        phase: "Running".into(),
        reason: "Running".into(),
        message: String::new(),
        ready: 1,
        containers: 1,
        restarts: u32::from(i.is_multiple_of(97)),
        last_restart: None,
        last_termination: None,
        last_exit_code: None,
        replicaset: Some(rs.into()),
        requests: Resources {
            cpu: Some(0.1),
            memory: Some(128.0 * MI),
        },
        limits: Resources {
            cpu: None,
            memory: Some(256.0 * MI),
        },
        active: true,
    }
}

/// Nodes and deployments through their serde shape (the recordings' format), so the
/// bench does not depend on how the snapshot holds them.
fn nodes_and_deployments(nodes: usize) -> KubeData {
    let nodes: Vec<serde_json::Value> = (0..nodes)
        .map(|n| {
            serde_json::json!({
                "name": format!("ip-10-0-{}-{}.ec2.internal", n / 250, n % 250),
                "created": NOW - 86400,
                "allocatable": {"cpu": 8.0, "memory": 32.0 * 1024.0 * MI},
                "pods_capacity": 110, "ready": true, "memory_pressure": false,
                "disk_pressure": false, "pid_pressure": false, "unschedulable": false,
                "usage": {"cpu": 2.0, "memory": 8.0 * 1024.0 * MI}, "conditions": []
            })
        })
        .collect();
    let deployments: Vec<serde_json::Value> = (0..DEPLOYMENTS)
        .map(|d| {
            let n = 100_000 / DEPLOYMENTS;
            serde_json::json!({
                "uid": format!("dep-{d}"), "name": format!("service-{d:02}"), "namespace": "kitops",
                "desired": n, "current": n, "updated": n, "ready": n, "available": n,
                "generation": 1, "observed_generation": 1, "revision": 1, "paused": false,
                "stalled": null, "images": "registry/app:1", "created": NOW - 86400
            })
        })
        .collect();
    let replicasets: Vec<serde_json::Value> = (0..DEPLOYMENTS)
        .map(|d| {
            serde_json::json!({
                "uid": format!("rs-{d}"), "name": format!("service-{d:02}-5f6d7c8b9"),
                "namespace": "kitops", "deployment": format!("service-{d:02}"), "revision": 1,
                "images": "registry/app:1", "created": NOW - 86400, "replicas": 1, "ready": 1
            })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "context": "bench", "namespace": "kitops", "label_selector": null, "cluster_pods": true,
        "pods": [], "deployments": deployments, "replicasets": replicasets, "nodes": nodes,
        "pod_metrics": {"state": "live", "timestamp": NOW - 5, "window_s": 15.0},
        "node_metrics": {"state": "live", "timestamp": NOW - 5, "window_s": 15.0},
        "errors": []
    }))
    .expect("bench data decodes")
}

fn with_usage(base: &KubeData, pods: &[Arc<PodInfo>], round: usize) -> KubeData {
    let mut d = base.clone();
    d.pods = pods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let usage = Usage {
                cpu: 0.01 * ((i + round) % 50) as f64,
                memory: (100.0 + ((i + round) % 60) as f64) * MI,
            };
            LivePod::new(p.clone(), Some(usage))
        })
        .collect();
    d.pod_metrics = MetricsStatus::Live {
        timestamp: NOW - 5 + round as i64,
        window_s: 15.0,
    };
    d
}

/// One build's thread CPU time. The tables it replaces stay alive meanwhile in
/// `screen`, as they stay on screen in the console, and are freed after it (the
/// runtime frees them on another thread).
fn timed(
    b: &mut Prebuilder,
    d: KubeData,
    prefs: &ViewPrefs,
    screen: &mut Option<Built>,
) -> Duration {
    let update = SourceUpdate::Kube(Snapshot::live(d, SystemTime::now()));
    let t = thread_cpu();
    let built = b.build(update, prefs);
    let took = thread_cpu() - t;
    drop(screen.replace(built));
    took
}

fn summary(label: &str, mut v: Vec<Duration>) {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label:<10} p50 {:>8.1} ms   max {:>8.1} ms   ({} samples)",
        ms(v[v.len() / 2]),
        ms(v[v.len() - 1]),
        v.len()
    );
}

fn main() {
    let arg = |i: usize, default: usize| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (pods_n, nodes_n, rounds) = (arg(1, 100_000), arg(2, 5_000), arg(3, 5));
    let base = nodes_and_deployments(nodes_n);
    let before_pods = live_mb();
    let mut pods: Vec<Arc<PodInfo>> = (0..pods_n).map(|i| Arc::new(pod(i, nodes_n))).collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    let st = State::for_tests(SystemTime::UNIX_EPOCH + Duration::from_secs(NOW as u64));
    if std::env::args().nth(4).as_deref() == Some("breakdown") {
        breakdown(&base, &pods, live_mb() - before_pods, &st);
        return;
    }
    let prefs = ViewPrefs::of(&st);
    let mut b = Prebuilder::new(st.config.clone());
    let heap0 = live_mb();
    let mut screen = None;
    let first = timed(&mut b, with_usage(&base, &pods, 0), &prefs, &mut screen);
    println!(
        "pods {pods_n}, nodes {nodes_n}: first build {:.1} ms; live heap {:.1} MB (snapshot and tables)",
        first.as_secs_f64() * 1000.0,
        live_mb() - heap0
    );
    let only = std::env::args().nth(4);
    let runs = |kind: &str| only.as_deref().is_none_or(|o| o == kind);
    let (mut same, mut metrics, mut one, mut fresh) = (vec![], vec![], vec![], vec![first]);
    let mut current = with_usage(&base, &pods, 0);
    for round in 1..=rounds {
        if runs("same") {
            same.push(timed(&mut b, current.clone(), &prefs, &mut screen));
        }
        if runs("metrics") {
            current = with_usage(&base, &pods, round);
            metrics.push(timed(&mut b, current.clone(), &prefs, &mut screen));
        }
        if runs("one") {
            let i = (round * 7919) % pods.len();
            let mut changed = (*pods[i]).clone();
            changed.restarts += 1;
            pods[i] = Arc::new(changed);
            current = with_usage(&base, &pods, round);
            one.push(timed(&mut b, current.clone(), &prefs, &mut screen));
        }
        if runs("first") {
            let mut cold = Prebuilder::new(st.config.clone());
            fresh.push(timed(&mut cold, current.clone(), &prefs, &mut None));
        }
    }
    for (label, v) in [
        ("same", same),
        ("metrics", metrics),
        ("one pod", one),
        ("first", fresh),
    ] {
        if !v.is_empty() {
            summary(label, v);
        }
    }
}

/// Where the live heap of one snapshot goes, component by component (each measured as
/// the live heap it adds while it is alive; the pod objects are shared by all of them).
fn breakdown(base: &KubeData, pods: &[Arc<PodInfo>], pods_mb: f64, st: &State) {
    use kitops_top::view::panes::{nodes, pods as pods_pane, BuildCtx};
    println!(
        "{:<44} {:>8.1} MB",
        "pod objects (PodInfo, 100% shared)", pods_mb
    );
    let at = live_mb();
    let data = with_usage(base, pods, 0);
    println!(
        "{:<44} {:>8.1} MB",
        "snapshot (KubeData: LivePods, nodes, ...)",
        live_mb() - at
    );
    let ctx = BuildCtx {
        config: &st.config,
        now: SystemTime::UNIX_EPOCH + Duration::from_secs(NOW as u64),
        alt_view: false,
        redact: kitops_top::view::redact::Redact(false),
    };
    let at = live_mb();
    let table = pods_pane::build(&data, &ctx);
    let table_mb = live_mb() - at;
    let rows = table.rows.len().max(1);
    println!(
        "{:<44} {:>8.1} MB ({} rows, {} B/row; {} B inline)",
        "pods table (rows, their text)",
        table_mb,
        rows,
        (table_mb * 1048576.0) as usize / rows,
        std::mem::size_of::<kitops_top::view::TableRow>()
    );
    let at = live_mb();
    let copy = table.rows.clone();
    println!(
        "{:<44} {:>8.1} MB",
        "a second table sharing the rows' text",
        live_mb() - at
    );
    drop(copy);
    let at = live_mb();
    let nodes = nodes::build(&data, &ctx);
    println!("{:<44} {:>8.1} MB", "nodes table", live_mb() - at);
    drop(nodes);
    drop(table);
    let at = live_mb();
    let mut b = Prebuilder::new(st.config.clone());
    let built = b.build(
        SourceUpdate::Kube(Snapshot::live(data, SystemTime::now())),
        &ViewPrefs::of(st),
    );
    println!(
        "{:<44} {:>8.1} MB",
        "one prebuilt screen (both panes, index, order)",
        live_mb() - at
    );
    drop(built);
}
