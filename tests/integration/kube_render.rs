//! Render snapshots of the pods and nodes panes from a hand-made snapshot with a
//! fixed clock, at 80x24 and 200x60: a rollout in progress, CrashLoopBackOff,
//! OOMKilled, Pending, memory near its limit, node memory pressure and cordon,
//! and the degraded cases (metrics-server absent, 403).

use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::kube::{
    DeploymentInfo, EventInfo, KubeData, LiveNode, LivePod, MetricsStatus, NodeCondition,
    NodeObject, PodInfo, ReplicaSetInfo, ResourceError, Resources, Usage,
};
use kitops_top::collect::Snapshot;
use kitops_top::ui::render_to_string;

pub(crate) const NOW: i64 = 1_795_000_000;
const MI: f64 = 1024.0 * 1024.0;
const GI: f64 = 1024.0 * MI;

fn clock() -> SystemTime {
    crate::support::clock::at(NOW as u64)
}

fn pod(name: &str, rs: &str, node: &str, mem_mi: f64, cpu_m: f64) -> LivePod {
    let mut p: LivePod = PodInfo {
        uid: format!("uid-{name}"),
        name: name.into(),
        namespace: "kitops".into(),
        node: Some(node.into()),
        created: Some(NOW - 3 * 3600),
        deleting: false,
        phase: "Running".into(),
        reason: "Running".into(),
        message: String::new(),
        ready: 1,
        containers: 1,
        restarts: 0,
        last_restart: None,
        last_termination: None,
        last_exit_code: None,
        replicaset: Some(rs.into()),
        requests: Resources {
            cpu: Some(0.25),
            memory: Some(256.0 * MI),
        },
        limits: Resources {
            cpu: Some(1.0),
            memory: Some(512.0 * MI),
        },
        active: true,
    }
    .into();
    p.usage = Some(Usage {
        cpu: cpu_m / 1000.0,
        memory: mem_mi * MI,
    });
    p
}

fn deployment(
    name: &str,
    desired: i32,
    updated: i32,
    ready: i32,
    available: i32,
) -> DeploymentInfo {
    DeploymentInfo {
        uid: format!("uid-{name}"),
        name: name.into(),
        namespace: "kitops".into(),
        desired,
        current: desired.max(updated),
        updated,
        ready,
        available,
        generation: 2,
        observed_generation: 2,
        revision: Some(2),
        paused: false,
        stalled: None,
        images: format!("registry.kitops.io/{name}:1.4.2"),
        created: Some(NOW - 30 * 86_400),
        progress_deadline_s: Some(600),
        progressed_at: Some(NOW - 80),
    }
}

fn rs(name: &str, dep: &str, revision: i64) -> ReplicaSetInfo {
    ReplicaSetInfo {
        uid: format!("uid-{name}"),
        name: name.into(),
        namespace: "kitops".into(),
        deployment: Some(dep.into()),
        revision: Some(revision),
        images: format!("registry.kitops.io/{dep}:1.4.{revision}"),
        created: Some(NOW - revision * 86_400),
        change_cause: (revision > 1).then(|| format!("release 1.4.{revision}")),
        replicas: 0,
        ready: 0,
    }
}

fn node(name: &str, used_gi: f64) -> LiveNode {
    let node = NodeObject {
        name: name.into(),
        created: Some(NOW - 90 * 86_400),
        allocatable: Usage {
            cpu: 7.9,
            memory: 31.3 * GI,
        },
        pods_capacity: 110,
        ready: Some(true),
        memory_pressure: false,
        disk_pressure: false,
        pid_pressure: false,
        unschedulable: false,
        conditions: vec![],
    };
    LiveNode::new(
        node.into(),
        Some(Usage {
            cpu: 2.1,
            memory: used_gi * GI,
        }),
    )
}

pub(crate) fn data() -> KubeData {
    let mut pods = vec![
        pod(
            "kitops-backend-7d9f8c6b5-2kx9p",
            "kitops-backend-7d9f8c6b5",
            "ip-10-0-1-17",
            212.0,
            120.0,
        ),
        pod(
            "kitops-backend-7d9f8c6b5-8mzq4",
            "kitops-backend-7d9f8c6b5",
            "ip-10-0-2-33",
            488.0,
            340.0,
        ),
        pod(
            "kitops-backend-7d9f8c6b5-c7wlt",
            "kitops-backend-7d9f8c6b5",
            "ip-10-0-1-17",
            190.0,
            95.0,
        ),
        pod(
            "kitops-backend-7d9f8c6b5-hq2rn",
            "kitops-backend-7d9f8c6b5",
            "ip-10-0-3-52",
            0.0,
            0.0,
        ),
        pod(
            "kitops-backend-7d9f8c6b5-x4v8d",
            "kitops-backend-7d9f8c6b5",
            "ip-10-0-2-33",
            230.0,
            150.0,
        ),
        pod(
            "kitops-frontend-5c6d7f8b9-9pl2w",
            "kitops-frontend-5c6d7f8b9",
            "ip-10-0-3-52",
            96.0,
            20.0,
        ),
        pod(
            "kitops-frontend-5c6d7f8b9-tz6km",
            "kitops-frontend-5c6d7f8b9",
            "ip-10-0-1-17",
            101.0,
            25.0,
        ),
        pod(
            "kitops-frontend-66b8d9c7f-jr5xs",
            "kitops-frontend-66b8d9c7f",
            "",
            0.0,
            0.0,
        ),
        pod("debug-shell", "", "ip-10-0-2-33", 12.0, 1.0),
    ];
    // The memory leak: OOMKilled twice, now near its limit again.
    pods[1].restarts = 2;
    pods[1].last_restart = Some(NOW - 540);
    pods[1].last_termination = Some("OOMKilled".into());
    pods[1].last_exit_code = Some(137);
    // CrashLoopBackOff.
    pods[3].ready = 0;
    pods[3].reason = "CrashLoopBackOff".into();
    pods[3].restarts = 14;
    pods[3].last_restart = Some(NOW - 75);
    pods[3].last_termination = Some("Error".into());
    pods[3].last_exit_code = Some(1);
    pods[3].usage = None;
    // A new frontend pod that cannot be scheduled: the rollout is stuck on it.
    pods[7].node = None;
    pods[7].phase = "Pending".into();
    pods[7].reason = "Pending Unschedulable".into();
    pods[7].message = "0/3 nodes are available: 3 Insufficient memory.".into();
    pods[7].ready = 0;
    pods[7].created = Some(NOW - 200);
    pods[7].usage = None;
    pods[8].replicaset = None;
    pods[8].limits = Resources::default();
    let mut nodes = vec![
        node("ip-10-0-1-17", 11.2),
        node("ip-10-0-2-33", 29.4),
        node("ip-10-0-3-52", 6.0),
    ];
    nodes[1].memory_pressure = true;
    nodes[1].conditions = vec![
        NodeCondition {
            kind: "Ready".into(),
            status: "True".into(),
            reason: Some("KubeletReady".into()),
            message: Some("kubelet is posting ready status".into()),
        },
        NodeCondition {
            kind: "MemoryPressure".into(),
            status: "True".into(),
            reason: Some("KubeletHasInsufficientMemory".into()),
            message: Some("kubelet has insufficient memory available".into()),
        },
    ];
    nodes[2].unschedulable = true;
    let mut frontend = deployment("kitops-frontend", 3, 1, 2, 2);
    frontend.revision = Some(3);
    KubeData {
        context: "kitops-staging".into(),
        namespace: "kitops".into(),
        label_selector: None,
        cluster_pods: true,
        pods,
        pods_loading: None,
        nodes_loading: false,
        deployments: vec![deployment("kitops-backend", 5, 5, 4, 4), frontend],
        replicasets: vec![
            rs("kitops-backend-7d9f8c6b5", "kitops-backend", 2),
            rs("kitops-backend-6f5e4d3c2", "kitops-backend", 1),
            rs("kitops-frontend-5c6d7f8b9", "kitops-frontend", 2),
            rs("kitops-frontend-66b8d9c7f", "kitops-frontend", 3),
        ],
        nodes,
        pod_metrics: MetricsStatus::Live {
            timestamp: NOW - 7,
            window_s: 15.0,
        },
        node_metrics: MetricsStatus::Live {
            timestamp: NOW - 7,
            window_s: 15.0,
        },
        errors: vec![],
        events: vec![
            event("Warning", "BackOff", "Back-off restarting failed container backend in pod kitops-backend-7d9f8c6b5-hq2rn", "kitops-backend-7d9f8c6b5-hq2rn", 61, 40),
            event("Warning", "FailedScheduling", "0/3 nodes are available: 3 Insufficient memory.", "kitops-frontend-66b8d9c7f-jr5xs", 3, 30),
            event("Warning", "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503", "kitops-backend-7d9f8c6b5-hq2rn", 9, 95),
            event("Normal", "Pulled", "Container image \"ghcr.io/kitops/backend:1.14.2\" already present on machine", "kitops-backend-7d9f8c6b5-hq2rn", 14, 80),
        ],
    }
}

fn event(kind: &str, reason: &str, message: &str, pod: &str, count: u32, ago: i64) -> EventInfo {
    EventInfo {
        kind: kind.into(),
        reason: reason.into(),
        message: message.into(),
        object_kind: "Pod".into(),
        object_name: pod.into(),
        object_uid: Some(format!("uid-{pod}")),
        count,
        last_seen: Some(NOW - ago),
    }
}

pub(crate) fn state(data: KubeData) -> State {
    let mut st = State::for_tests(clock());
    update(
        &mut st,
        Event::Source(SourceUpdate::Kube(Snapshot::live(data, clock()))),
    );
    st
}

pub(crate) fn key(st: &mut State, c: char) {
    press(st, KeyCode::Char(c));
}

pub fn press(st: &mut State, code: KeyCode) {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn pods_pane_80x24() {
    let st = state(data());
    insta::assert_snapshot!(render_to_string(&st, 80, 24));
}

#[test]
fn pods_pane_200x60() {
    let st = state(data());
    insta::assert_snapshot!(render_to_string(&st, 200, 60));
}

#[test]
fn nodes_pane_zoomed_200x60_and_80x24() {
    let mut st = state(data());
    key(&mut st, '2');
    key(&mut st, 'z');
    insta::assert_snapshot!("nodes_200x60", render_to_string(&st, 200, 60));
    insta::assert_snapshot!("nodes_80x24", render_to_string(&st, 80, 24));
}

/// The first pods of a long LIST are shown before the nodes have answered: the nodes
/// pane says it is loading, not "0 nodes · 0 not ready"; once listed, the counts.
#[test]
fn nodes_not_listed_yet_say_so_at_both_sizes() {
    let mut d = data();
    let listed = d.nodes.len();
    d.nodes.clear();
    d.nodes_loading = true;
    let mut st = state(d);
    key(&mut st, '2');
    for (w, h) in [(80, 24), (200, 60)] {
        let screen = render_to_string(&st, w, h);
        assert!(screen.contains("loading nodes…"), "{w}x{h}:\n{screen}");
        assert!(!screen.contains("0 nodes"), "{w}x{h}:\n{screen}");
        assert!(!screen.contains("no nodes"), "{w}x{h}:\n{screen}");
    }
    let st = state(data());
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains(&format!("{listed} nodes")), "{screen}");
    assert!(!screen.contains("loading nodes"), "{screen}");
}

#[test]
fn degraded_metrics_absent_and_forbidden_200x60() {
    let mut d = data();
    for p in &mut d.pods {
        p.usage = None;
    }
    for n in &mut d.nodes {
        n.usage = None;
    }
    d.pod_metrics = MetricsStatus::Absent;
    d.node_metrics = MetricsStatus::Absent;
    d.replicasets.clear();
    d.errors.push(ResourceError {
        resource: "replicasets".into(),
        message: "forbidden: list replicasets in kitops".into(),
    });
    let st = state(d);
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("n/a (metrics-server absent)"), "{screen}");
    assert!(
        screen.contains("forbidden: list replicasets in kitops"),
        "{screen}"
    );
    // Grouping still works from ReplicaSet names when their watch is forbidden.
    assert!(screen.contains("deploy/kitops-backend"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn enter_shows_details_built_from_the_snapshot() {
    let mut st = state(data());
    // The first row is the kitops-backend group header (the initial selection is its first pod).
    press(&mut st, KeyCode::Home);
    press(&mut st, KeyCode::Enter);
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("desired"), "{screen}");
    assert!(
        screen.contains("registry.kitops.io/kitops-backend:1.4.2"),
        "{screen}"
    );
    // Rollout history: revisions newest first, the current one marked, change-causes.
    let history: Vec<&str> = screen.lines().filter(|l| l.contains("rev ")).collect();
    assert_eq!(history.len(), 2, "{screen}");
    assert!(
        history[0].contains("rev 2 (current) · registry.kitops.io/kitops-backend:1.4.2")
            && history[0].contains("release 1.4.2"),
        "{screen}"
    );
    assert!(
        history[1].contains("rev 1") && history[1].contains("change-cause <none>"),
        "{screen}"
    );
    press(&mut st, KeyCode::Esc);
    key(&mut st, 'j');
    press(&mut st, KeyCode::Enter);
    assert!(matches!(
        st.modals.last(),
        Some(kitops_top::app::modal::Modal::Details { .. })
    ));
    let screen = render_to_string(&st, 200, 60);
    assert!(
        screen.contains(
            "kitops-backend-7d9f8c6b5-2kx9p -n kitops (uid uid-kitops-backend-7d9f8c6b5-2kx9p)"
        ),
        "{screen}"
    );
    assert!(
        screen.contains("deployment kitops-backend · replicaset kitops-backend-7d9f8c6b5"),
        "{screen}"
    );
    assert!(
        screen.contains("cpu 250m / 1000m · memory 256Mi / 512Mi"),
        "{screen}"
    );
}

#[test]
fn a_large_pane_scrolls_to_the_selection_at_both_sizes() {
    let mut d = data();
    for i in 0..3000 {
        let mut p = pod(
            &format!("kitops-worker-5f6d7c8b9-w{i:04}"),
            "kitops-worker-5f6d7c8b9",
            "ip-10-0-3-9",
            64.0,
            10.0,
        );
        p.uid = format!("uid-w{i:04}");
        d.pods.push(p);
    }
    let mut st = state(d);
    press(&mut st, KeyCode::End);
    for (w, h) in [(80, 24), (200, 60)] {
        let screen = render_to_string(&st, w, h);
        let lines: Vec<&str> = screen.lines().collect();
        // At 200x60 the nodes pane (right of "││") marks its own selection too.
        let pods_part = |i: usize| lines[i].split("││").next().unwrap_or_default();
        let at: Vec<usize> = (0..lines.len())
            .filter(|&i| pods_part(i).contains('▶'))
            .collect();
        assert_eq!(at.len(), 1, "{screen}");
        // The last row (a pod without a deployment) is selected, the worker pods above it.
        assert!(lines[at[0]].contains("debug-shell"), "{screen}");
        assert!(lines[at[0] - 1].contains("w2999"), "{screen}");
        assert!(
            !screen.contains("kitops-backend-7d9f8c6b5-2kx9p"),
            "{screen}"
        );
    }
    press(&mut st, KeyCode::Home);
    let screen = render_to_string(&st, 80, 24);
    let selected = screen.lines().find(|l| l.contains('▶')).unwrap_or_default();
    assert!(selected.contains("deploy/kitops-backend"), "{screen}");
}
