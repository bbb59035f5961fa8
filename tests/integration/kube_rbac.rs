//! The shipped RBAC (assets/rbac/) against the Kubernetes API calls the code makes:
//! the watch role grants exactly the collector's calls and nothing that changes
//! anything; the operator role adds exactly what the executor needs beyond it. The
//! lists themselves are checked against the requests kube-sim sees.

use std::collections::BTreeSet;
use std::time::Duration;

use kitops_top::act::Executor;
use kitops_top::app::action::kube::DELETE_GRACEFUL;
use kitops_top::app::action::KubeOp;
use kitops_top::app::action::{Op, Outcome, Plan};
use kitops_top::app::pane::PaneId;
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::kube::KubeData;
use kitops_top::collect::Snapshot;

use crate::support::kube::{fast_options, live, ready_pods, start, wait_for, Sim};

const COLLECTOR: &[&str] = kitops_top::collect::kube::KUBE_API_CALLS;
const EXECUTOR: &[&str] = kitops_top::act::kube::KUBE_API_CALLS;

/// What the YAML documents of one file grant, as `VERB RESOURCE[.GROUP][/SUB]`, by kind.
#[derive(Default)]
struct Grants {
    namespaced: BTreeSet<String>,
    cluster: BTreeSet<String>,
}

/// The YAML is written in one regular shape (flow lists of quoted strings, which are
/// JSON): anything else fails here rather than being half-read.
fn grants(file: &str) -> Grants {
    let path = format!("{}/assets/rbac/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut out = Grants::default();
    for doc in text.split("\n---\n") {
        let value = |key: &str| {
            doc.lines()
                .find_map(|l| l.strip_prefix(key))
                .map(|v| v.trim().to_string())
        };
        let kind = value("kind: ").unwrap_or_else(|| panic!("{file}: a document without kind"));
        let roles = match kind.as_str() {
            "Role" => {
                assert_eq!(
                    value("  namespace: ").as_deref(),
                    Some("kitops"),
                    "{file}: Role in namespace kitops"
                );
                &mut out.namespaced
            }
            "ClusterRole" => &mut out.cluster,
            "RoleBinding" | "ClusterRoleBinding" => {
                let role_kind = value("  kind: ").expect("roleRef kind");
                assert_eq!(role_kind, kind.trim_end_matches("Binding"), "{file}");
                continue;
            }
            other => panic!("{file}: unexpected kind {other}"),
        };
        let list = |line: &str, key: &str| -> Vec<String> {
            let json = line
                .trim()
                .trim_start_matches("- ")
                .strip_prefix(key)
                .expect(key);
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{file}: {line}: {e}"))
        };
        let lines: Vec<&str> = doc.lines().skip_while(|l| *l != "rules:").skip(1).collect();
        assert_eq!(lines.len() % 3, 0, "{file}: rules of 3 lines each");
        for rule in lines.chunks(3) {
            let groups = list(rule[0], "apiGroups: ");
            let resources = list(rule[1], "resources: ");
            let verbs = list(rule[2], "verbs: ");
            for group in &groups {
                for resource in &resources {
                    for verb in &verbs {
                        assert!(
                            !verb.contains('*') && !resource.contains('*'),
                            "{file}: wildcard"
                        );
                        let (base, sub) = match resource.split_once('/') {
                            Some((b, s)) => (b, format!("/{s}")),
                            None => (resource.as_str(), String::new()),
                        };
                        let dotted = if group.is_empty() {
                            String::new()
                        } else {
                            format!(".{group}")
                        };
                        roles.insert(format!("{verb} {base}{dotted}{sub}"));
                    }
                }
            }
        }
    }
    out
}

fn set(calls: &[&str]) -> BTreeSet<String> {
    calls.iter().map(|c| c.to_string()).collect()
}

fn is_cluster_scoped(call: &str) -> bool {
    call.split(' ')
        .nth(1)
        .is_some_and(|r| r == "nodes" || r.starts_with("nodes."))
}

#[test]
fn watch_role_grants_exactly_the_collector_calls_and_nothing_that_mutates() {
    let watch = grants("kitops-top-watch.yaml");
    let all: BTreeSet<String> = watch.namespaced.union(&watch.cluster).cloned().collect();
    assert_eq!(all, set(COLLECTOR), "watch role vs. collector calls");
    for call in &all {
        let verb = call.split(' ').next().unwrap_or("");
        assert!(
            ["get", "list", "watch"].contains(&verb),
            "watch role allows {call}"
        );
        let granted_by = if is_cluster_scoped(call) {
            &watch.cluster
        } else {
            &watch.namespaced
        };
        assert!(
            granted_by.contains(call),
            "{call} granted by the wrong kind of role"
        );
    }
}

#[test]
fn operator_role_adds_exactly_what_the_executor_needs() {
    let operator = grants("kitops-top-operator.yaml");
    assert!(operator.cluster.is_empty(), "actions are namespaced");
    let beyond_watch: BTreeSet<String> =
        set(EXECUTOR).difference(&set(COLLECTOR)).cloned().collect();
    assert_eq!(
        operator.namespaced, beyond_watch,
        "operator role vs. executor calls"
    );
}

fn counts_without_discovery(sim: &Sim) -> BTreeSet<String> {
    sim.handle
        .request_counts()
        .into_keys()
        .filter(|k| k != "get discovery")
        .collect()
}

fn state_with(sim: &Sim, snap: &Snapshot<KubeData>, key: &str) -> State {
    let mut st = State::with_config(sim.config.clone(), std::time::SystemTime::now());
    update(&mut st, Event::Source(SourceUpdate::Kube(snap.clone())));
    st.focus = PaneId::Pods;
    st.pane_mut(PaneId::Pods).table.selected_key = Some(key.to_string());
    st
}

/// Waits for the next snapshot with every deployment settled and 8 pods ready.
async fn settled(rx: &mut tokio::sync::watch::Receiver<Snapshot<KubeData>>) -> Snapshot<KubeData> {
    wait_for(rx, "8 pods ready", |s| {
        live(s).is_some_and(|d| {
            ready_pods(d, "kitops-backend-").len() == 5
                && ready_pods(d, "kitops-frontend-").len() == 3
                && d.namespace_pods().count() == 8
        })
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lists_name_every_request_the_collector_and_executor_make() {
    let sim = start(fast_options()).await;
    let mut rx = sim.spawn();
    let snap = settled(&mut rx).await;
    kitops_top::collect::kube::collect_once(&sim.config.kube)
        .await
        .expect("headless collection");
    let (tx, mut lines) = tokio::sync::mpsc::channel(16);
    let logs = kitops_top::collect::kube::spawn_logs(
        sim.config.kube.clone(),
        kitops_top::collect::kube::LogRequest {
            namespace: "kitops".into(),
            pod: None,
            deployment: Some("kitops-frontend".into()),
            follow: false,
            previous: false,
            timestamps: false,
        },
        tx,
    );
    while let Ok(Some(_)) = tokio::time::timeout(Duration::from_secs(10), lines.recv()).await {}
    logs.abort();
    // Metrics are read at their resolution: wait until both have been read.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !COLLECTOR
        .iter()
        .all(|c| counts_without_discovery(&sim).contains(*c))
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "collector calls: {:?}",
            counts_without_discovery(&sim)
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(
        counts_without_discovery(&sim),
        set(COLLECTOR),
        "collector requests"
    );

    let data = snap.data.clone().expect("data");
    let mut exec = Executor::new(&sim.config);
    let backend_pod = ready_pods(&data, "kitops-backend-")[0].uid.clone();
    let st = state_with(&sim, &snap, &backend_pod);
    let Plan::Confirm(restart) = kitops_top::app::plan(Op::Kube(KubeOp::RolloutRestart), &st)
    else {
        panic!("restart is confirmed directly");
    };
    assert!(matches!(exec.run(&restart).await, Outcome::Done(_)));
    let old: Vec<String> = ready_pods(&data, "kitops-backend-")
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let snap = wait_for(&mut rx, "the restart rolled out", |s| {
        live(s).is_some_and(|d| {
            let now = ready_pods(d, "kitops-backend-");
            now.len() == 5
                && now.iter().all(|p| !old.contains(&p.name))
                && d.deployment("kitops-backend")
                    .is_some_and(|d| !d.rolling_out())
        })
    })
    .await;
    let st = state_with(&sim, &snap, "deploy:kitops/kitops-backend");
    let Plan::Ask(undo) = kitops_top::app::plan(Op::Kube(KubeOp::RolloutUndo), &st) else {
        panic!("undo asks the revision");
    };
    let undo =
        kitops_top::app::action::complete(&undo.purpose, &undo.choices[0]).expect("revision");
    assert!(matches!(exec.run(&undo).await, Outcome::Done(_)));
    let snap = settled(&mut rx).await;
    let frontend_pod = ready_pods(snap.data.as_ref().expect("data"), "kitops-frontend-")[0]
        .uid
        .clone();
    let st = state_with(&sim, &snap, &frontend_pod);
    let Plan::Ask(scale) = kitops_top::app::plan(Op::Kube(KubeOp::Scale), &st) else {
        panic!("scale asks the count");
    };
    let scale = kitops_top::app::action::complete(&scale.purpose, "4").expect("count");
    assert!(matches!(exec.run(&scale).await, Outcome::Done(_)));
    let Plan::Ask(delete) = kitops_top::app::plan(Op::Kube(KubeOp::DeletePod), &st) else {
        panic!("delete asks graceful or force");
    };
    let delete =
        kitops_top::app::action::complete(&delete.purpose, DELETE_GRACEFUL).expect("graceful");
    assert!(matches!(exec.run(&delete).await, Outcome::Done(_)));

    let everything: BTreeSet<String> = set(COLLECTOR).union(&set(EXECUTOR)).cloned().collect();
    let seen = counts_without_discovery(&sim);
    assert_eq!(seen, everything, "collector + executor requests");
}
