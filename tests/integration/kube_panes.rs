//! Pods and nodes panes from the console's watches against kube-sim: content,
//! RBAC 403 in the pane that needs it, 410 re-list, dropped watches, a slow API
//! server, metrics-server absent.

use crate::support;

use std::time::{Duration, SystemTime};

use kitops_top::app::pane::PaneId;
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::kube::{KubeData, MetricsStatus};
use kitops_top::collect::{Snapshot, SourceStatus};
use kitops_top::view::panes::{self, BuildCtx};
use kitops_top::view::table::Target;
use support::kube::{fast_options, live, ready_pods, start, wait_for, ForbidRule};

fn ctx(config: &kitops_top::config::Config) -> BuildCtx<'_> {
    BuildCtx {
        config,
        now: SystemTime::now(),
        alt_view: false,
        redact: Default::default(),
    }
}

fn settled(s: &Snapshot<KubeData>) -> bool {
    live(s).is_some_and(|d| {
        ready_pods(d, "kitops-backend-").len() == 5 && ready_pods(d, "kitops-frontend-").len() == 3
    })
}

/// A cell's text as drawn now (ages and usage are live cells, made when drawn).
fn cell(row: &kitops_top::view::table::TableRow, col: usize) -> String {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    row.text(col, now).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_and_nodes_panes_from_watches() {
    let sim = start(fast_options()).await;
    let mut rx = sim.spawn();
    let snap = wait_for(&mut rx, "5 backend + 3 frontend ready, metrics live", |s| {
        settled(s) && live(s).is_some_and(|d| matches!(d.pod_metrics, MetricsStatus::Live { .. }))
    })
    .await;
    let data = snap.data.expect("data");
    assert!(!data.nodes_loading, "the nodes are listed");
    assert_eq!(data.context, "kube-sim");
    assert_eq!(data.namespace, "kitops");
    assert!(data.cluster_pods, "cluster-wide pod list is allowed");

    let pods = panes::pods::build(&data, &ctx(&sim.config));
    let headers: Vec<_> = pods.rows.iter().filter(|r| r.is_group_header).collect();
    assert_eq!(headers.len(), 2, "one group per deployment");
    assert_eq!(cell(headers[0], 0), "deploy/kitops-backend");
    assert_eq!(cell(headers[0], 1), "5/5");
    assert_eq!(cell(headers[0], 2), "5/5 available");
    assert_eq!(cell(headers[1], 0), "deploy/kitops-frontend");
    assert_eq!(cell(headers[1], 1), "3/3");
    assert_eq!(
        headers[0].action_target().map(|t| t.into_owned()),
        Some(Target::Deployment {
            namespace: "kitops".into(),
            name: "kitops-backend".into()
        })
    );
    let pod_rows: Vec<_> = pods.rows.iter().filter(|r| !r.is_group_header).collect();
    assert_eq!(pod_rows.len(), 8);
    for r in &pod_rows {
        assert_eq!(cell(r, 1), "1/1");
        assert_eq!(cell(r, 2), "Running");
        assert!(
            cell(r, 7).ends_with("Mi"),
            "memory from metrics: {}",
            cell(r, 7)
        );
        assert!(cell(r, 8).contains('%'), "memory % of request/limit");
        match r.action_target().map(|t| t.into_owned()) {
            Some(Target::Pod {
                namespace,
                deployment,
                uid,
                ..
            }) => {
                assert_eq!(namespace, "kitops");
                assert!(deployment.is_some());
                assert!(!uid.is_empty());
            }
            other => panic!("pod row without pod target: {other:?}"),
        }
    }
    let summary = format!("{:?}", pods.summary);
    assert!(summary.contains("8 pods"), "{summary}");
    assert!(summary.contains("desired 5 · updated 5 · ready 5 · available 5"));

    let nodes = panes::nodes::build(&data, &ctx(&sim.config));
    assert_eq!(nodes.rows.len(), 3);
    for r in &nodes.rows {
        assert!(cell(r, 1).contains('%'), "memory bar: {}", cell(r, 1));
        assert!(
            cell(r, 3).ends_with('%'),
            "memory requests % of allocatable"
        );
        assert_eq!(cell(r, 9), "Ready");
        assert!(cell(r, 8).ends_with("/110"));
    }
    let pods_on_nodes: u32 = nodes
        .rows
        .iter()
        .map(|r| {
            cell(r, 8)
                .split('/')
                .next()
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(0)
        })
        .sum();
    assert!(pods_on_nodes >= 8, "every kitops pod counted on a node");

    // Through the reducer: the pane sorts by memory with `o`, filters generically.
    let mut st = State::with_config(sim.config.clone(), SystemTime::now());
    update(
        &mut st,
        Event::Source(SourceUpdate::Kube(snapshot_of(&data))),
    );
    let pane = st.pane_mut(PaneId::Pods);
    pane.table.set_filter("frontend".into());
    let visible: Vec<_> = pane
        .table
        .visible
        .iter()
        .map(|&i| &pane.table.content.rows[i])
        .collect();
    assert_eq!(visible.iter().filter(|r| !r.is_group_header).count(), 3);
    pane.table.set_filter(String::new());
    pane.table.sort = None;
    for _ in 0..(2 * panes::pods::COL_MEM + 1) {
        pane.table.cycle_sort();
    }
    assert_eq!(pane.table.sort, Some((panes::pods::COL_MEM, false)));
    let mems: Vec<f64> = pane
        .table
        .visible
        .iter()
        .filter_map(|&i| {
            pane.table.content.rows[i]
                .sort_keys
                .get(panes::pods::COL_MEM)
        })
        .collect();
    assert_eq!(mems.len(), 8, "headers leave a ranking");
    assert!(
        mems.windows(2).all(|w| w[0] <= w[1]),
        "numeric sort: {mems:?}"
    );
}

fn snapshot_of(data: &KubeData) -> Snapshot<KubeData> {
    Snapshot::live(data.clone(), SystemTime::now())
}

/// The console's collector against a kube-sim that refuses to list pods (anywhere).
async fn start_with_pods_refused() -> (
    support::kube::Sim,
    tokio::sync::watch::Receiver<Snapshot<KubeData>>,
) {
    let sim = start(fast_options()).await;
    sim.handle.forbid(ForbidRule {
        verb: "list".into(),
        resource: "pods".into(),
        group: None,
        namespace: None,
    });
    let rx = sim.spawn();
    (sim, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_pods_shown_in_pods_pane_nodes_keep_working() {
    let (sim, mut rx) = start_with_pods_refused().await;
    let snap = wait_for(&mut rx, "pods forbidden, nodes listed", |s| {
        s.data
            .as_ref()
            .is_some_and(|d| d.error_of("pods").is_some() && d.nodes.len() == 3)
    })
    .await;
    assert_eq!(
        snap.status,
        SourceStatus::Live,
        "one forbidden resource is not a source failure"
    );
    let data = snap.data.expect("data");
    assert_eq!(
        data.error_of("pods"),
        Some("forbidden: list pods in kitops")
    );
    let pods = panes::pods::build(&data, &ctx(&sim.config));
    let summary = format!("{:?}", pods.summary);
    assert!(
        summary.contains("forbidden: list pods in kitops"),
        "{summary}"
    );
    assert_eq!(
        pods.empty_message.as_deref(),
        Some("forbidden: list pods in kitops")
    );
    // Deployments still come from their own watch.
    assert!(pods.rows.iter().any(|r| r.is_group_header));
    let nodes = panes::nodes::build(&data, &ctx(&sim.config));
    assert_eq!(nodes.rows.len(), 3);
    let nsum = format!("{:?}", nodes.summary);
    assert!(nsum.contains("pods of kitops only"), "{nsum}");
    assert!(
        !nsum.contains("forbidden"),
        "nodes pane is not affected: {nsum}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_server_absent_says_so() {
    let sim = start(fast_options()).await;
    sim.handle.set_metrics_enabled(false);
    let mut rx = sim.spawn();
    let snap = wait_for(&mut rx, "settled without metrics", |s| {
        settled(s) && live(s).is_some_and(|d| d.pod_metrics == MetricsStatus::Absent)
    })
    .await;
    let data = snap.data.expect("data");
    assert_eq!(data.node_metrics, MetricsStatus::Absent);
    let pods = panes::pods::build(&data, &ctx(&sim.config));
    let summary = format!("{:?}", pods.summary);
    assert!(summary.contains("n/a (metrics-server absent)"), "{summary}");
    for r in pods.rows.iter().filter(|r| !r.is_group_header) {
        assert_eq!(cell(r, panes::pods::COL_CPU), "n/a");
        assert_eq!(cell(r, panes::pods::COL_MEM), "n/a");
    }
    let nodes = panes::nodes::build(&data, &ctx(&sim.config));
    assert!(format!("{:?}", nodes.summary).contains("n/a (metrics-server absent)"));
    assert_eq!(cell(&nodes.rows[0], panes::nodes::COL_MEM), "n/a");
    // Requests are known without metrics.
    assert!(cell(&nodes.rows[0], panes::nodes::COL_MEM_REQ).ends_with('%'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_history_compacted_410_relists_and_recovers() {
    let sim = start(fast_options()).await;
    let mut rx = sim.spawn();
    let before = wait_for(&mut rx, "settled", settled).await;
    let before = before.data.expect("data");
    let lists_before = sim
        .handle
        .request_counts()
        .get("list pods")
        .copied()
        .unwrap_or(0);
    let victim = ready_pods(&before, "kitops-frontend-")[0].name.clone();
    // Cut the watches while the server is slow, so that the watchers' resume
    // requests are in flight when a change lands and the history is compacted past
    // their resourceVersion: resuming gets 410 Gone, and the watcher must re-list.
    sim.handle.set_latency(Duration::from_millis(1000));
    sim.handle.drop_watches();
    tokio::time::sleep(Duration::from_millis(200)).await;
    sim.pod_fault(&victim, "CrashLoopBackOff").await;
    sim.handle.compact();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    sim.handle.set_latency(Duration::ZERO);
    let after = wait_for(&mut rx, "the change seen after a re-list", |s| {
        live(s).is_some_and(|d| {
            d.namespace_pods()
                .any(|p| p.name == victim && p.reason == "CrashLoopBackOff")
        })
    })
    .await;
    drop(after);
    let lists_after = sim
        .handle
        .request_counts()
        .get("list pods")
        .copied()
        .unwrap_or(0);
    assert!(
        lists_after > lists_before,
        "410 Gone leads to a new LIST ({lists_before} → {lists_after})"
    );
    let d = wait_for(&mut rx, "pane shows CrashLoopBackOff", |s| {
        live(s).is_some_and(|d| {
            d.namespace_pods()
                .any(|p| p.name == victim && p.restarts >= 5)
        })
    })
    .await
    .data
    .expect("data");
    let pods = panes::pods::build(&d, &ctx(&sim.config));
    let row = pods
        .rows
        .iter()
        .find(|r| cell(r, 0) == victim)
        .expect("victim row");
    assert_eq!(cell(row, 2), "CrashLoopBackOff");
    assert_eq!(row.level, kitops_top::view::table::Level::Crit);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_watch_resumes_without_relisting() {
    let sim = start(fast_options()).await;
    let mut rx = sim.spawn();
    let before = wait_for(&mut rx, "settled", settled)
        .await
        .data
        .expect("data");
    let lists_before = sim
        .handle
        .request_counts()
        .get("list pods")
        .copied()
        .unwrap_or(0);
    sim.handle.drop_watches();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let victim = ready_pods(&before, "kitops-backend-")[0].name.clone();
    sim.pod_fault(&victim, "OOMKilled").await;
    let d = wait_for(&mut rx, "event after the dropped watch", |s| {
        live(s).is_some_and(|d| {
            d.namespace_pods()
                .any(|p| p.name == victim && p.last_termination.as_deref() == Some("OOMKilled"))
        })
    })
    .await
    .data
    .expect("data");
    let lists_after = sim
        .handle
        .request_counts()
        .get("list pods")
        .copied()
        .unwrap_or(0);
    assert_eq!(
        lists_before, lists_after,
        "a dropped watch resumes from its resourceVersion"
    );
    let pods = panes::pods::build(&d, &ctx(&sim.config));
    let row = pods
        .rows
        .iter()
        .find(|r| cell(r, 0) == victim)
        .expect("row");
    assert!(cell(row, 2).contains("OOMKilled"), "{}", cell(row, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_api_server_does_not_block() {
    let sim = start(fast_options()).await;
    sim.handle.set_latency(Duration::from_millis(1500));
    let mut rx = sim.spawn();
    // spawn returned at once; the UI has a Loading snapshot to draw meanwhile.
    assert_eq!(rx.borrow().status, SourceStatus::Loading);
    let mut st = State::with_config(sim.config.clone(), SystemTime::now());
    update(
        &mut st,
        Event::Source(SourceUpdate::Kube(rx.borrow().clone())),
    );
    let screen = kitops_top::ui::render_to_string(&st, 120, 30);
    assert!(!screen.is_empty());
    let snap = wait_for(&mut rx, "settled despite latency", settled).await;
    assert_eq!(snap.status, SourceStatus::Live);
    // The headless one-shot collection works under latency too.
    let once = kitops_top::collect::kube::collect_once(&sim.config.kube)
        .await
        .expect("collect_once");
    assert_eq!(once.namespace_pods().count(), 8);
    assert_eq!(once.nodes.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_api_server_is_an_error_with_stale_data() {
    let sim = start(fast_options()).await;
    let mut rx = sim.spawn();
    wait_for(&mut rx, "settled", settled).await;
    sim.handle.shutdown();
    let snap = wait_for(&mut rx, "error status, last data kept", |s| {
        matches!(s.status, SourceStatus::Error(_)) && s.data.is_some()
    })
    .await;
    assert_eq!(snap.data.expect("stale data").namespace_pods().count(), 8);
}

/// The first metrics round waits for the pods' first LIST: at 100,000 pods the usage
/// list decoded beside the pages took the cores the pages needed. 2,600 pods are six
/// pages; every one of them (and the `limit=1` probe) is asked for before any usage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_metrics_round_waits_for_the_pods_list() {
    let sim = start(support::kube::Options {
        pods: 2600,
        ..fast_options()
    })
    .await;
    let mut rx = sim.spawn();
    wait_for(&mut rx, "2,600 pods with their usage", |s| {
        live(s).is_some_and(|d| {
            d.pods.len() >= 2600 && matches!(d.pod_metrics, MetricsStatus::Live { .. })
        })
    })
    .await;
    let log = sim.handle.request_log();
    let first_usage = log
        .iter()
        .position(|r| r.path.contains("metrics.k8s.io"))
        .expect("usage was asked for");
    let pod_lists = log[..first_usage]
        .iter()
        .filter(|r| r.verb == "list" && r.path == "/api/v1/pods")
        .count();
    assert_eq!(
        pod_lists, 7,
        "the probe and six pages before any usage: {log:?}"
    );
}

/// A pods list that is refused does not hold the usage back: the nodes' usage comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_pods_do_not_hold_back_the_usage() {
    let (_sim, mut rx) = start_with_pods_refused().await;
    // Sooner than the first round's longest wait: it was the refusal that let it go.
    let within = kitops_top::collect::kube::metrics::FIRST_ROUND_WAITS_AT_MOST / 2;
    let usage = wait_for(&mut rx, "node usage with pods refused", |s| {
        s.data
            .as_ref()
            .is_some_and(|d| matches!(d.node_metrics, MetricsStatus::Live { .. }))
    });
    let snap = tokio::time::timeout(within, usage)
        .await
        .expect("the usage came before the first round's longest wait");
    let data = snap.data.expect("data");
    assert!(
        data.errors.iter().any(|e| e.resource == "pods"),
        "{:?}",
        data.errors
    );
}
