//! The pane builder lays a Kubernetes snapshot over the last table when it can: the
//! pods pane over its rows when the pods are the same ones in the same order
//! (`view::panes::pods_reuse`), the nodes pane over its allocation sums when the pods
//! are the very same objects. Whatever path it takes, what it makes must be what a
//! build from scratch makes of the same snapshot — for a metrics round, a pod's new
//! version, a pod moving to another deployment or node, a pod gone, a deployment's
//! status — and where nothing about a pod changed its row must be the row it was.

use std::sync::Arc;

use kitops_top::app::pane::PaneId;
use kitops_top::app::prebuild::{Prebuilder, ViewPrefs};
use kitops_top::app::State;
use kitops_top::collect::kube::{DeploymentInfo, KubeData, LiveNode, LivePod, PodInfo, Usage};
use kitops_top::collect::Snapshot;
use kitops_top::view::panes::{nodes, pods, BuildCtx};
use kitops_top::view::redact::Redact;
use kitops_top::view::table::Level;
use kitops_top::view::PaneContent;

use crate::kube_scale::{clock, data, info, MI, NOW};

const PODS: usize = 600;

fn deployment(name: &str, available: i32) -> DeploymentInfo {
    serde_json::from_value(serde_json::json!({
        "uid": format!("dep-{name}"), "name": name, "namespace": "kitops",
        "desired": 300, "current": 300, "updated": 300, "ready": available,
        "available": available, "generation": 1, "observed_generation": 1,
        "revision": 1, "paused": false, "stalled": null, "images": "app:1",
        "created": NOW - 86400
    }))
    .expect("deployment decodes")
}

/// The snapshot: `pods` with usage `mem_mi`, two deployments (`api` short of
/// `api_available`), and the seven nodes `info` schedules onto.
fn snapshot(pods: &[Arc<PodInfo>], mem_mi: f64, api_available: i32) -> KubeData {
    let live = pods
        .iter()
        .map(|p| {
            let usage = Usage {
                cpu: 0.02,
                memory: mem_mi * MI,
            };
            LivePod::new(p.clone(), Some(usage))
        })
        .collect();
    let mut d = data(live, None);
    d.deployments = vec![deployment("api", api_available), deployment("web", 300)];
    d.nodes = serde_json::from_value(serde_json::Value::Array(
        (0..7)
            .map(|n| {
                serde_json::json!({
                    "name": format!("node-{n}"), "created": NOW - 86400,
                    "allocatable": {"cpu": 8.0, "memory": 32768.0 * MI},
                    "pods_capacity": 110, "ready": true, "memory_pressure": false,
                    "disk_pressure": false, "pid_pressure": false, "unschedulable": false,
                    "usage": {"cpu": 1.0, "memory": mem_mi * 10.0 * MI}, "conditions": []
                })
            })
            .collect(),
    ))
    .expect("nodes decode");
    d
}

struct Builder {
    state: State,
    builder: Prebuilder,
    /// What the screen shows, kept while the next table is built (as the console does).
    screen: Vec<Arc<PaneContent>>,
}

impl Builder {
    fn new() -> Self {
        let state = State::for_tests(clock());
        let builder = Prebuilder::new(state.config.clone());
        Self {
            state,
            builder,
            screen: Vec::new(),
        }
    }

    /// The pods and nodes tables the builder makes of `d`.
    fn build(&mut self, d: KubeData) -> (Arc<PaneContent>, Arc<PaneContent>) {
        let update = kitops_top::app::SourceUpdate::Kube(Snapshot::live(d, clock()));
        let built = self.builder.build(update, &ViewPrefs::of(&self.state));
        let table = |id: PaneId| {
            built
                .panes
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| p.table.as_ref())
                .map(|t| t.content.clone())
                .expect("the pane is built")
        };
        let made = (table(PaneId::Pods), table(PaneId::Nodes));
        self.screen = vec![made.0.clone(), made.1.clone()];
        made
    }

    /// What a build from scratch makes of `d`.
    fn built_fresh(&self, d: &KubeData) -> (PaneContent, PaneContent) {
        let ctx = BuildCtx {
            config: &self.state.config,
            now: self.state.now,
            alt_view: false,
            redact: Redact(false),
        };
        (pods::build(d, &ctx), nodes::build(d, &ctx))
    }

    /// Builds `d` and checks it against a build from scratch; returns the pods table.
    fn check(&mut self, d: KubeData, what: &str) -> Arc<PaneContent> {
        let (want_pods, want_nodes) = self.built_fresh(&d);
        let (pods, nodes) = self.build(d);
        assert!(
            *pods == want_pods,
            "pods pane after {what} differs from a fresh build"
        );
        assert!(
            *nodes == want_nodes,
            "nodes pane after {what} differs from a fresh build"
        );
        pods
    }
}

/// Each pod row's key and the address of its shared text: the same address means the
/// row was kept, not made again.
fn row_texts(c: &PaneContent) -> Vec<(String, usize)> {
    c.rows
        .iter()
        .filter(|r| !r.is_group_header)
        .map(|r| (r.key.clone(), r.cells.at(0).as_ptr() as usize))
        .collect()
}

fn remade<'a>(before: &'a [(String, usize)], after: &[(String, usize)]) -> Vec<&'a str> {
    before
        .iter()
        .filter(|b| !after.contains(b))
        .map(|b| b.0.as_str())
        .collect()
}

fn cell(c: &PaneContent, key: &str, col: usize) -> String {
    c.rows
        .iter()
        .find(|r| r.key == key)
        .map(|r| r.text(col, NOW).into_owned())
        .unwrap_or_else(|| panic!("no row {key}"))
}

/// Pod `i` (of `web`: `i` even) now owned by `api`'s ReplicaSet, under the same name.
fn adopted_by_api(i: usize) -> PodInfo {
    let mut p = info(i);
    p.replicaset = Some("api-7d9f8c6b5".into());
    p
}

#[test]
fn every_snapshot_laid_over_the_last_table_is_what_a_fresh_build_makes() {
    let mut objects: Vec<Arc<PodInfo>> = (0..PODS).map(|i| Arc::new(info(i))).collect();
    let mut b = Builder::new();
    let first = b.check(snapshot(&objects, 100.0, 300), "the first snapshot");
    let before = row_texts(&first);
    assert_eq!(before.len(), PODS);

    // A metrics round: the same objects, new usage. Every row is kept; usage is new.
    let metrics = b.check(snapshot(&objects, 180.0, 300), "a metrics round");
    assert_eq!(row_texts(&metrics), before, "every row kept");
    assert_eq!(cell(&metrics, "uid-00010", pods::COL_MEM), "180Mi");

    // One pod's new version (a watch event): that row alone is made again.
    let mut crashed = info(10);
    crashed.reason = "CrashLoopBackOff".into();
    crashed.restarts = 4;
    objects[10] = Arc::new(crashed);
    let one = b.check(snapshot(&objects, 180.0, 300), "one pod's new version");
    assert_eq!(remade(&before, &row_texts(&one)), ["uid-00010"]);
    assert_eq!(
        cell(&one, "uid-00010", pods::COL_STATUS),
        "CrashLoopBackOff"
    );

    // A deployment short of pods: its header says so, the pods stay where they were.
    let short = b.check(snapshot(&objects, 180.0, 120), "a deployment's status");
    assert_eq!(remade(&before, &row_texts(&short)), ["uid-00010"]);
    let header = short
        .rows
        .iter()
        .find(|r| r.key == "deploy:kitops/api")
        .expect("api header");
    assert_eq!(header.cells.at(pods::COL_STATUS), "120/300 available");

    // A pod of another ReplicaSet under the same name: it moves to the other group.
    objects[14] = Arc::new(adopted_by_api(14));
    b.check(snapshot(&objects, 180.0, 120), "a pod changing deployment");

    // A pod moved to another node (same pod, new version): the nodes' sums follow.
    let mut moved = (*objects[12]).clone();
    moved.node = Some("node-0".into());
    objects[12] = Arc::new(moved);
    let (_, nodes_before) = b.build(snapshot(&objects, 180.0, 120));
    b.check(
        snapshot(&objects, 200.0, 120),
        "a metrics round after a move",
    );
    let row0 = |n: &PaneContent| cell(n, "node:node-0", nodes::COL_PODS);
    assert_eq!(row0(&nodes_before), format!("{}/110", PODS / 7 + 2));

    // A pod gone and a pod new: a full build, still the same as one from scratch.
    objects.remove(3);
    objects.push(Arc::new(info(PODS + 1)));
    let changed = b.check(snapshot(&objects, 200.0, 120), "a pod gone and one new");
    assert_eq!(row_texts(&changed).len(), PODS);
    // And the table after it is laid over again.
    let again = b.check(snapshot(&objects, 210.0, 120), "the next metrics round");
    assert_eq!(row_texts(&again), row_texts(&changed), "every row kept");
}

#[test]
fn a_table_shown_in_presenter_mode_is_not_laid_over_in_the_other_mode() {
    let objects: Vec<Arc<PodInfo>> = (0..50).map(|i| Arc::new(info(i))).collect();
    let mut b = Builder::new();
    let (shown, _) = b.build(snapshot(&objects, 100.0, 300));
    b.state.redact = true;
    let (masked, _) = b.build(snapshot(&objects, 100.0, 300));
    assert_ne!(
        row_texts(&shown),
        row_texts(&masked),
        "presenter mode makes every row again"
    );
}

/// The snapshot's nodes as `nodes`' very objects, node `i` using `used_mi[i]` of 32 GiB.
fn with_nodes(mut d: KubeData, nodes: &[LiveNode], used_mi: &[f64]) -> KubeData {
    d.nodes = nodes
        .iter()
        .zip(used_mi)
        .map(|(n, mi)| {
            let usage = Usage {
                cpu: 2.0,
                memory: mi * MI,
            };
            LiveNode::new(n.info.clone(), Some(usage))
        })
        .collect();
    d
}

fn level(c: &PaneContent, key: &str) -> Level {
    c.rows
        .iter()
        .find(|r| r.key == key)
        .map(|r| r.level)
        .unwrap_or_else(|| panic!("no row {key}"))
}

#[test]
fn a_metrics_round_keeps_every_node_row_and_colours_it_by_its_new_pressure() {
    let mut objects: Vec<Arc<PodInfo>> = (0..PODS).map(|i| Arc::new(info(i))).collect();
    let nodes = snapshot(&objects, 100.0, 300).nodes;
    let mut b = Builder::new();
    let calm = [1000.0; 7];
    let snap = |objects: &[Arc<PodInfo>], nodes: &[LiveNode], used: &[f64]| {
        with_nodes(snapshot(objects, 100.0, 300), nodes, used)
    };
    b.check(snap(&objects, &nodes, &calm), "the first snapshot");
    let (_, first) = b.build(snap(&objects, &nodes, &calm));
    let before = row_texts(&first);
    assert_eq!(level(&first, "node:node-3"), Level::Normal);

    // node-3 at 95 % of its memory: first by pressure, critical; no row made again.
    let mut hot = calm;
    hot[3] = 0.95 * 32768.0;
    b.check(snap(&objects, &nodes, &hot), "a metrics round");
    let round = b.screen[1].clone();
    assert_eq!(remade(&before, &row_texts(&round)), Vec::<&str>::new());
    assert_eq!(round.rows[0].key, "node:node-3");
    assert_eq!(level(&round, "node:node-3"), Level::Crit);
    assert_eq!(
        cell(&round, "node:node-3", nodes::COL_MEM),
        "██████████ 95%"
    );
    assert_eq!(
        cell(&round, "node:node-3", nodes::COL_USED),
        "30.4Gi/32.0Gi"
    );
    assert_eq!(cell(&round, "node:node-3", nodes::COL_CPU), "25%");

    // At 85 %: a warning.
    hot[3] = 0.85 * 32768.0;
    b.check(snap(&objects, &nodes, &hot), "the next metrics round");
    let warm = b.screen[1].clone();
    assert_eq!(level(&warm, "node:node-3"), Level::Warn);

    // A pod of node-5 moved to node-0: those two rows' requests changed, so they alone
    // are made again.
    let mut moved = (*objects[12]).clone();
    moved.node = Some("node-0".into());
    objects[12] = Arc::new(moved);
    b.check(snap(&objects, &nodes, &hot), "a pod moved to node-0");
    let after_move = b.screen[1].clone();
    let mut changed = remade(&before, &row_texts(&after_move));
    changed.sort();
    assert_eq!(
        changed,
        ["node:node-0", "node:node-5"],
        "the nodes it left and joined"
    );

    // A node cordoned (a new object): its row is made again and dimmed.
    let mut nodes = nodes;
    let mut cordoned = (*nodes[5].info).clone();
    cordoned.unschedulable = true;
    nodes[5] = LiveNode::new(Arc::new(cordoned), None);
    b.check(snap(&objects, &nodes, &hot), "a node cordoned");
    let last = b.screen[1].clone();
    assert_eq!(level(&last, "node:node-5"), Level::Dim);
}

/// Pods in every state the level reads: crash-looping, Pending, not ready, deleting,
/// an OOMKilled restart a minute short of an hour ago, one long ago, no memory limit.
fn varied(i: usize) -> PodInfo {
    let mut p = info(i);
    match i % 8 {
        1 => p.reason = "CrashLoopBackOff".into(),
        2 => {
            p.phase = "Pending".into();
            p.reason = "Pending".into();
        }
        3 => p.ready = 0,
        4 => p.deleting = true,
        5 | 6 => {
            p.restarts = 2;
            p.last_termination = Some("OOMKilled".into());
            p.last_restart = Some(NOW - if i % 8 == 5 { 3540 } else { 86400 });
        }
        7 => p.limits.memory = None,
        _ => {}
    }
    p
}

#[test]
fn metrics_rounds_over_pods_in_every_state_colour_each_row_as_a_fresh_build_does() {
    let objects: Vec<Arc<PodInfo>> = (0..PODS).map(|i| Arc::new(varied(i))).collect();
    let mut b = Builder::new();
    let first = b.check(snapshot(&objects, 100.0, 300), "the first snapshot");
    let before = row_texts(&first);
    // Memory at 39 %, 82 %, 92 % and 39 % of the 256Mi limit, 30 s apart: the
    // OOMKilled restart of 59 min ago ages out of its hour on the way.
    for (round, mem_mi) in [210.0, 236.0, 100.0, 236.0].into_iter().enumerate() {
        b.state.now += std::time::Duration::from_secs(30);
        let what = format!("metrics round {round} at {mem_mi}Mi");
        let table = b.check(snapshot(&objects, mem_mi, 300), &what);
        assert_eq!(row_texts(&table), before, "{what}: every row kept");
    }
    let last = b.screen[0].clone();
    assert_eq!(level(&last, "uid-00000"), Level::Crit, "92 % of its limit");
    assert_eq!(level(&last, "uid-00007"), Level::Normal, "no limit");
    assert_eq!(cell(&last, "uid-00000", pods::COL_MEM_PCT), "184%/92%");
}

/// The pods pane's attention line as the builder makes it of `d`, and as the pods of
/// `d` say from scratch.
fn attention_lines(b: &mut Builder, d: KubeData) -> (Vec<String>, Vec<String>) {
    use kitops_top::view::attention;
    let ctx = BuildCtx {
        config: &b.state.config,
        now: b.state.now,
        alt_view: false,
        redact: Redact(false),
    };
    let mut fresh = attention::kube_pods(&d, &ctx);
    fresh.sort_by(attention::order);
    let texts = |items: &[attention::Attention]| {
        items
            .iter()
            .map(|a| format!("{:?} {} {:?}", a.level, a.text.as_str(), a.row_key))
            .collect::<Vec<_>>()
    };
    let want = texts(&fresh);
    let update = kitops_top::app::SourceUpdate::Kube(Snapshot::live(d, clock()));
    let built = b.builder.build(update, &ViewPrefs::of(&b.state));
    let pods = built.panes.iter().find(|p| p.id == PaneId::Pods);
    (texts(&pods.expect("pods pane").attention), want)
}

#[test]
fn the_pods_attention_line_follows_the_pods_across_metrics_rounds() {
    let mut objects: Vec<Arc<PodInfo>> = (0..PODS).map(|i| Arc::new(varied(i))).collect();
    let mut b = Builder::new();
    let (first, want) = attention_lines(&mut b, snapshot(&objects, 100.0, 300));
    assert_eq!(first, want);
    assert!(
        first.iter().any(|l| l.contains("pods CrashLoopBackOff")),
        "{first:?}"
    );
    // A metrics round (the same objects): the same line.
    let (round, want) = attention_lines(&mut b, snapshot(&objects, 236.0, 300));
    assert_eq!(round, want);
    assert_eq!(round, first);
    // Every crash-looping pod recovers but one (new objects, then a metrics round):
    // the line names that one.
    for (i, p) in objects.iter_mut().enumerate() {
        if i % 8 == 1 && i != 9 {
            *p = Arc::new(info(i));
        }
    }
    for mem_mi in [236.0, 100.0] {
        let (line, want) = attention_lines(&mut b, snapshot(&objects, mem_mi, 300));
        assert_eq!(line, want);
        assert!(
            line.iter()
                .any(|l| l.contains("pod api-…p00009 CrashLoopBackOff")),
            "{line:?}"
        );
    }
}
