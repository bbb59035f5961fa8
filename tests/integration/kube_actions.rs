//! Every Kubernetes action through the real path — plan from the selected row →
//! (input → complete) → describe → Executor::run (audited) — changing kube-sim's
//! state the way a cluster would; plus logs.

use crate::support;

use std::time::{Duration, SystemTime};

use k8s_openapi::api::apps::v1::Deployment;
use kitops_top::act::Executor;
use kitops_top::app::action::kube::{DELETE_FORCE, DELETE_GRACEFUL};
use kitops_top::app::action::{Action, InputPurpose, Op, Outcome, Plan};
use kitops_top::app::action::{KubeAction, KubeInput, KubeOp};
use kitops_top::app::pane::PaneId;
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::kube::KubeData;
use kitops_top::collect::Snapshot;
use support::kube::{fast_options, live, ready_pods, start, wait_for, ForbidRule, Sim};
use tokio::sync::watch;

fn settled(s: &Snapshot<KubeData>) -> bool {
    live(s).is_some_and(|d| {
        ready_pods(d, "kitops-backend-").len() == 5
            && ready_pods(d, "kitops-frontend-").len() == 3
            && d.namespace_pods().count() == 8
    })
}

/// A state showing `snap`, with the pods pane's selection on the row `key`.
fn state_with(sim: &Sim, snap: &Snapshot<KubeData>, key: &str) -> State {
    let mut st = State::with_config(sim.config.clone(), SystemTime::now());
    update(&mut st, Event::Source(SourceUpdate::Kube(snap.clone())));
    st.focus = PaneId::Pods;
    let table = &mut st.pane_mut(PaneId::Pods).table;
    assert!(
        table.content.rows.iter().any(|r| r.key == key),
        "row {key} is in the pods pane"
    );
    table.selected_key = Some(key.to_string());
    st
}

fn audit(sim: &Sim) -> String {
    std::fs::read_to_string(&sim.config.audit_log).unwrap_or_default()
}

async fn settle(sim: &Sim) -> (watch::Receiver<Snapshot<KubeData>>, Snapshot<KubeData>) {
    let mut rx = sim.spawn();
    let snap = wait_for(&mut rx, "8 pods ready", settled).await;
    (rx, snap)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rollout_restart_replaces_every_pod_then_undo_restores_the_template() {
    let sim = start(fast_options()).await;
    let (mut rx, snap) = settle(&sim).await;
    let data = snap.data.clone().expect("data");
    let old: Vec<String> = ready_pods(&data, "kitops-backend-")
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let st = state_with(&sim, &snap, &ready_pods(&data, "kitops-backend-")[0].uid);

    let Plan::Confirm(action) = kitops_top::app::plan(Op::Kube(KubeOp::RolloutRestart), &st) else {
        panic!("restart is confirmed directly");
    };
    assert_eq!(
        action,
        Action::Kube(KubeAction::RolloutRestart {
            namespace: "kitops".into(),
            deployment: "kitops-backend".into()
        })
    );
    let spec = kitops_top::app::modal::ConfirmState::open(action.clone(), &st).spec;
    assert_eq!(
        spec.equivalent,
        "kubectl --context kube-sim rollout restart deployment/kitops-backend -n kitops"
    );
    assert!(spec.facts.contains(&("context".into(), "kube-sim".into())));
    assert!(spec.facts.contains(&("namespace".into(), "kitops".into())));
    let mut exec = Executor::new(&sim.config);
    let outcome = exec.run(&action).await;
    assert_eq!(
        outcome,
        Outcome::Done("deployment/kitops-backend restarted".into())
    );
    let counts = sim.handle.request_counts();
    assert!(
        counts.get("patch deployments.apps").copied().unwrap_or(0) >= 2,
        "dry run + real patch: {counts:?}"
    );
    let after = wait_for(&mut rx, "5 new backend pods", |s| {
        live(s).is_some_and(|d| {
            let now = ready_pods(d, "kitops-backend-");
            now.len() == 5
                && now.iter().all(|p| !old.contains(&p.name))
                && d.namespace_pods()
                    .filter(|p| p.name.starts_with("kitops-backend-"))
                    .count()
                    == 5
                && d.deployment("kitops-backend")
                    .is_some_and(|d| !d.rolling_out())
        })
    })
    .await;
    let log = audit(&sim);
    assert!(log.contains("rollout-restart"), "{log}");
    assert!(log.contains("restarted"), "{log}");

    // Undo: the history offers revision 1 (the current, 2, is not listed).
    let st = state_with(&sim, &after, "deploy:kitops/kitops-backend");
    let Plan::Ask(req) = kitops_top::app::plan(Op::Kube(KubeOp::RolloutUndo), &st) else {
        panic!("undo asks for the revision");
    };
    assert!(
        req.choices[0].starts_with("revision 1 · "),
        "{:?}",
        req.choices
    );
    assert!(req.choices.iter().all(|c| !c.starts_with("revision 2 ")));
    let InputPurpose::Kube(KubeInput::UndoRevision {
        namespace,
        deployment,
        current_images,
        revisions,
    }) = &req.purpose
    else {
        panic!("undo revision purpose: {:?}", req.purpose);
    };
    assert_eq!(
        (namespace.as_str(), deployment.as_str()),
        ("kitops", "kitops-backend")
    );
    assert!(revisions.iter().any(|(rev, _)| *rev == 1), "{revisions:?}");
    assert!(!current_images.is_empty());
    let action =
        kitops_top::app::action::complete(&req.purpose, &req.choices[0]).expect("revision choice");
    let spec = kitops_top::app::modal::ConfirmState::open(action.clone(), &st).spec;
    assert!(spec
        .equivalent
        .contains("rollout undo deployment/kitops-backend --to-revision=1"));
    let image = spec
        .facts
        .iter()
        .find(|(k, _)| k == "image")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    assert!(image.starts_with(current_images.as_str()), "{image}");
    let patches_before = sim
        .handle
        .request_counts()
        .get("patch deployments.apps")
        .copied();
    let outcome = exec.run(&action).await;
    assert_eq!(
        outcome,
        Outcome::Done("deployment/kitops-backend rolled back to revision 1".into())
    );
    // As kubectl: a JSON patch of the template and annotations (dry run + real), no PUT.
    let counts = sim.handle.request_counts();
    assert_eq!(
        counts.get("patch deployments.apps").copied(),
        patches_before.map(|n| n + 2),
        "{counts:?}"
    );
    assert!(
        !counts.contains_key("update deployments.apps"),
        "{counts:?}"
    );
    // The template no longer has the restart annotation: it is revision 1's again.
    let client = kube::Client::try_from(
        kube::Config::from_custom_kubeconfig(
            kube::config::Kubeconfig::read_from(sim.config.kube.kubeconfig.as_ref().expect("kc"))
                .expect("kubeconfig"),
            &Default::default(),
        )
        .await
        .expect("config"),
    )
    .expect("client");
    let dep: Deployment = kube::Api::namespaced(client, "kitops")
        .get("kitops-backend")
        .await
        .expect("get deployment");
    let annotations = dep
        .spec
        .template
        .metadata
        .and_then(|m| m.annotations)
        .unwrap_or_default();
    assert!(
        !annotations.contains_key("kubectl.kubernetes.io/restartedAt"),
        "{annotations:?}"
    );
    wait_for(&mut rx, "deployment at revision 3", |s| {
        live(s).is_some_and(|d| d.deployment("kitops-backend").and_then(|d| d.revision) == Some(3))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_pod_graceful_is_replaced_and_a_stale_uid_is_refused() {
    let sim = start(fast_options()).await;
    let (mut rx, snap) = settle(&sim).await;
    let data = snap.data.clone().expect("data");
    let victim = ready_pods(&data, "kitops-frontend-")[0].clone();
    let st = state_with(&sim, &snap, &victim.uid);
    let Plan::Ask(req) = kitops_top::app::plan(Op::Kube(KubeOp::DeletePod), &st) else {
        panic!("delete asks graceful or force");
    };
    assert_eq!(
        req.choices,
        vec![DELETE_GRACEFUL.to_string(), DELETE_FORCE.to_string()]
    );
    assert_eq!(req.initial, DELETE_GRACEFUL);

    // Force needs a second confirmation: typing the pod name.
    let force = kitops_top::app::action::complete(&req.purpose, DELETE_FORCE).expect("force");
    let fspec = kitops_top::app::modal::ConfirmState::open(force.clone(), &st).spec;
    assert_eq!(
        fspec.typed_confirmation.as_deref(),
        Some(victim.name.as_str())
    );
    assert!(fspec.equivalent.ends_with("--grace-period=0 --force"));

    let action =
        kitops_top::app::action::complete(&req.purpose, DELETE_GRACEFUL).expect("graceful");
    assert_eq!(
        action,
        Action::Kube(KubeAction::DeletePod {
            namespace: "kitops".into(),
            name: victim.name.clone(),
            uid: victim.uid.clone(),
            force: false
        })
    );
    let spec = kitops_top::app::modal::ConfirmState::open(action.clone(), &st).spec;
    assert!(spec.destructive);
    assert_eq!(spec.typed_confirmation, None);
    assert_eq!(
        spec.equivalent,
        format!(
            "kubectl --context kube-sim delete pod {} -n kitops",
            victim.name
        )
    );
    let mut exec = Executor::new(&sim.config);
    let outcome = exec.run(&action).await;
    assert_eq!(
        outcome,
        Outcome::Done(format!(
            "pod/{} deleted; its controller replaces it",
            victim.name
        ))
    );
    wait_for(&mut rx, "victim gone, replaced", |s| {
        live(s).is_some_and(|d| {
            d.namespace_pods().all(|p| p.uid != victim.uid)
                && ready_pods(d, "kitops-frontend-").len() == 3
        })
    })
    .await;
    // The same action again: the pod (uid) is gone.
    let again = exec.run(&action).await;
    assert!(
        matches!(&again, Outcome::Refused(m) if m.contains("already gone")),
        "{again:?}"
    );
    let log = audit(&sim);
    assert_eq!(
        log.matches("delete-pod").count(),
        4,
        "attempt + result, twice: {log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scale_changes_the_pod_count_and_zero_needs_the_name() {
    let sim = start(fast_options()).await;
    let (mut rx, snap) = settle(&sim).await;
    let data = snap.data.clone().expect("data");
    let st = state_with(&sim, &snap, &ready_pods(&data, "kitops-frontend-")[0].uid);
    let Plan::Ask(req) = kitops_top::app::plan(Op::Kube(KubeOp::Scale), &st) else {
        panic!("scale asks the count");
    };
    assert_eq!(req.initial, "3");
    assert!(
        kitops_top::app::action::complete(&req.purpose, "3").is_err(),
        "same count is refused"
    );
    let zero = kitops_top::app::action::complete(&req.purpose, "0").expect("0");
    assert_eq!(
        kitops_top::app::modal::ConfirmState::open(zero.clone(), &st)
            .spec
            .typed_confirmation
            .as_deref(),
        Some("kitops-frontend")
    );
    let action = kitops_top::app::action::complete(&req.purpose, "1").expect("1");
    let spec = kitops_top::app::modal::ConfirmState::open(action.clone(), &st).spec;
    assert!(spec.facts.contains(&("replicas".into(), "3 → 1".into())));
    assert!(spec
        .equivalent
        .contains("scale deployment/kitops-frontend --replicas=1 -n kitops"));
    let outcome = Executor::new(&sim.config).run(&action).await;
    assert_eq!(
        outcome,
        Outcome::Done("deployment/kitops-frontend scaled 3 → 1".into())
    );
    wait_for(&mut rx, "1 frontend pod", |s| {
        live(s).is_some_and(|d| {
            d.namespace_pods()
                .filter(|p| p.name.starts_with("kitops-frontend-"))
                .count()
                == 1
                && d.deployment("kitops-frontend")
                    .is_some_and(|d| d.desired == 1)
        })
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_patch_is_a_clear_failure_and_nothing_changes() {
    let sim = start(fast_options()).await;
    let (_rx, snap) = settle(&sim).await;
    sim.handle.forbid(ForbidRule {
        verb: "patch".into(),
        resource: "deployments".into(),
        group: None,
        namespace: None,
    });
    let data = snap.data.clone().expect("data");
    let st = state_with(&sim, &snap, &ready_pods(&data, "kitops-backend-")[0].uid);
    let Plan::Confirm(action) = kitops_top::app::plan(Op::Kube(KubeOp::RolloutRestart), &st) else {
        panic!("confirm");
    };
    let outcome = Executor::new(&sim.config).run(&action).await;
    match &outcome {
        Outcome::Failed(m) => assert!(
            m.starts_with("forbidden: patch deployments in kitops"),
            "{m}"
        ),
        other => panic!("expected a failure, got {other:?}"),
    }
    assert!(audit(&sim).contains("forbidden: patch deployments in kitops"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readonly_refuses_in_plan_and_executor() {
    let sim = start(fast_options()).await;
    let (_rx, snap) = settle(&sim).await;
    let mut config = sim.config.clone();
    config.readonly = true;
    let data = snap.data.clone().expect("data");
    let mut st = State::with_config(config.clone(), SystemTime::now());
    update(&mut st, Event::Source(SourceUpdate::Kube(snap.clone())));
    st.pane_mut(PaneId::Pods).table.selected_key =
        Some(ready_pods(&data, "kitops-backend-")[0].uid.clone());
    assert!(matches!(
        kitops_top::app::plan(Op::Kube(KubeOp::RolloutRestart), &st),
        Plan::Refuse(_)
    ));
    assert!(matches!(
        kitops_top::app::plan(Op::Kube(KubeOp::Logs), &st),
        Plan::Logs { .. }
    ));
    let outcome = Executor::new(&config)
        .run(&Action::Kube(KubeAction::RolloutRestart {
            namespace: "kitops".into(),
            deployment: "kitops-backend".into(),
        }))
        .await;
    assert!(matches!(outcome, Outcome::Refused(_)));
    assert_eq!(
        sim.handle.request_counts().get("patch deployments.apps"),
        None
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_of_a_pod_and_of_a_deployment_with_prefixes() {
    let sim = start(fast_options()).await;
    let (_rx, snap) = settle(&sim).await;
    let data = snap.data.clone().expect("data");
    let pod = ready_pods(&data, "kitops-backend-")[0].clone();
    let st = state_with(&sim, &snap, &pod.uid);
    let Plan::Logs {
        namespace,
        pod: p,
        deployment,
    } = kitops_top::app::plan(Op::Kube(KubeOp::Logs), &st)
    else {
        panic!("logs plan");
    };
    assert_eq!(p.as_deref(), Some(pod.name.as_str()));
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let task = kitops_top::collect::kube::spawn_logs(
        sim.config.kube.clone(),
        kitops_top::collect::kube::LogRequest {
            namespace: namespace.clone(),
            pod: p,
            deployment: deployment.clone(),
            follow: true,
            previous: false,
            timestamps: false,
        },
        tx,
    );
    let mut lines = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while lines.len() < 5 {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(batch)) => lines.extend(batch),
            _ => break,
        }
    }
    task.abort();
    assert!(lines.len() >= 5, "{lines:?}");
    assert!(lines.iter().all(|l| !l.starts_with("error")), "{lines:?}");

    // The whole deployment, merged with a pod prefix, not following.
    let (tx, mut rx) = tokio::sync::mpsc::channel(16);
    let task = kitops_top::collect::kube::spawn_logs(
        sim.config.kube.clone(),
        kitops_top::collect::kube::LogRequest {
            namespace,
            pod: None,
            deployment: Some("kitops-frontend".into()),
            follow: false,
            previous: false,
            timestamps: false,
        },
        tx,
    );
    let mut lines = Vec::new();
    while let Ok(Some(batch)) = tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
        lines.extend(batch);
    }
    task.abort();
    let prefixes: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter_map(|l| {
            l.strip_prefix('[')
                .and_then(|l| l.split_once(']'))
                .map(|(p, _)| p)
        })
        .collect();
    assert_eq!(prefixes.len(), 3, "3 frontend pods merged: {lines:?}");
    assert!(prefixes.iter().all(|p| p.starts_with("kitops-frontend-")));
    let per_pod = lines.len() / 3;
    assert!(per_pod <= 100, "tail is 100 lines per pod");
}

/// The dialog asks the API server first: a dry run that changes nothing, shown
/// before the user answers; a rejected one blocks the confirmation.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_is_shown_in_the_dialog_before_anything_changes() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use kitops_top::app::modal::{DryRun, Modal};
    use kitops_top::app::Command;

    let sim = start(fast_options()).await;
    let (_rx, snap) = settle(&sim).await;
    let data = snap.data.clone().expect("data");
    let mut st = state_with(&sim, &snap, &ready_pods(&data, "kitops-backend-")[0].uid);
    let cmds = update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('r'), KeyModifiers::NONE)),
    );
    let [Command::Validate(action)] = cmds.as_slice() else {
        panic!("the dialog asks for a dry run: {cmds:?}");
    };
    let mut exec = Executor::new(&sim.config);
    let before = sim
        .handle
        .request_counts()
        .get("patch deployments.apps")
        .copied()
        .unwrap_or(0);
    let verdict = exec.validate(action).await;
    assert!(matches!(verdict, Some(Outcome::Done(_))), "{verdict:?}");
    update(
        &mut st,
        Event::Validated {
            action: action.clone(),
            outcome: verdict,
        },
    );
    assert!(matches!(st.modals.last(), Some(Modal::Confirm(c)) if c.dry_run == DryRun::Accepted));
    assert!(
        kitops_top::ui::render_to_string(&st, 200, 60).contains("server-side dry run: accepted")
    );
    // the dry run reached the server, and nothing was restarted
    let after = sim
        .handle
        .request_counts()
        .get("patch deployments.apps")
        .copied()
        .unwrap_or(0);
    assert_eq!(after, before + 1, "{:?}", sim.handle.request_counts());
    let conn = kitops_top::collect::kube::client::connect(&sim.config.kube)
        .await
        .expect("connect");
    let deployments: kube::Api<Deployment> = kube::Api::namespaced(conn.client, "kitops");
    let d = deployments.get("kitops-backend").await.expect("deployment");
    let annotations = d
        .spec
        .template
        .metadata
        .and_then(|m| m.annotations)
        .unwrap_or_default();
    assert!(
        !annotations.contains_key("kubectl.kubernetes.io/restartedAt"),
        "dry run changed the template"
    );

    // a rejected dry run blocks `y`
    sim.handle.forbid(ForbidRule {
        verb: "patch".into(),
        resource: "deployments".into(),
        group: None,
        namespace: None,
    });
    let verdict = exec.validate(action).await;
    assert!(
        matches!(&verdict, Some(Outcome::Failed(m)) if m.contains("forbidden")),
        "{verdict:?}"
    );
    update(
        &mut st,
        Event::Validated {
            action: action.clone(),
            outcome: verdict,
        },
    );
    let cmds = update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE)),
    );
    assert!(
        cmds.is_empty(),
        "a rejected dry run is not confirmed: {cmds:?}"
    );
    assert!(kitops_top::ui::render_to_string(&st, 200, 60)
        .contains("server-side dry run rejected: forbidden"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_dry_run_through_kube_rs_leaves_the_pod_in_place() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::DeleteParams;

    let sim = start(fast_options()).await;
    let (_rx, snap) = settle(&sim).await;
    let data = snap.data.clone().expect("data");
    let victim = ready_pods(&data, "kitops-frontend-")[0].clone();
    let conn = kitops_top::collect::kube::client::connect(&sim.config.kube)
        .await
        .expect("connect");
    let pods: kube::Api<Pod> = kube::Api::namespaced(conn.client, "kitops");
    // kube-rs sends DeleteParams as the body: {"dryRun":["All"]}.
    let dp = DeleteParams {
        dry_run: true,
        ..DeleteParams::default()
    };
    let answer = pods
        .delete(&victim.name, &dp)
        .await
        .expect("dry-run delete");
    let preview = answer.left().expect("the pod, as a real server answers");
    assert!(preview.metadata.deletion_timestamp.is_some());
    let pod = pods.get(&victim.name).await.expect("pod still there");
    assert_eq!(pod.metadata.uid.as_deref(), Some(victim.uid.as_str()));
    assert!(pod.metadata.deletion_timestamp.is_none());

    // The console's delete dialog dry-runs on the server; that changes nothing either.
    let st = state_with(&sim, &snap, &victim.uid);
    let Plan::Ask(req) = kitops_top::app::plan(Op::Kube(KubeOp::DeletePod), &st) else {
        panic!("delete asks graceful or force");
    };
    let mut exec = Executor::new(&sim.config);
    for choice in [DELETE_GRACEFUL, DELETE_FORCE] {
        let action = kitops_top::app::action::complete(&req.purpose, choice).expect(choice);
        let verdict = exec.validate(&action).await;
        assert!(matches!(verdict, Some(Outcome::Done(_))), "{verdict:?}");
    }
    let pod = pods.get(&victim.name).await.expect("pod still there");
    assert_eq!(pod.metadata.uid.as_deref(), Some(victim.uid.as_str()));
    assert!(pod.metadata.deletion_timestamp.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_image_rolls_the_deployment_to_the_new_image_and_refuses_a_stale_dialog() {
    let sim = start(fast_options()).await;
    let (mut rx, snap) = settle(&sim).await;
    let data = snap.data.clone().expect("data");
    let before = data
        .deployment("kitops-backend")
        .expect("backend deployment")
        .images
        .clone();
    let mut st = state_with(&sim, &snap, "deploy:kitops/kitops-backend");
    // The key the default keymap binds, through the reducer: the question opens.
    update(
        &mut st,
        Event::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('v'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    assert!(
        matches!(
            st.modals.last(),
            Some(kitops_top::app::modal::Modal::Input(_))
        ),
        "v asks for the image"
    );
    let Plan::Ask(req) = kitops_top::app::plan(Op::Kube(KubeOp::SetImage), &st) else {
        panic!("set image asks the new image");
    };
    assert_eq!(req.initial, before);
    let new_image = "kitops/backend:9.9.9";
    let action = kitops_top::app::action::complete(&req.purpose, new_image).expect("image");
    let spec = kitops_top::app::modal::ConfirmState::open(action.clone(), &st).spec;
    assert!(spec.destructive, "new code is never confirmed by enter");
    assert!(
        spec.equivalent
            .contains("set image deployment/kitops-backend *=kitops/backend:9.9.9 -n kitops"),
        "{}",
        spec.equivalent
    );
    let outcome = Executor::new(&sim.config).run(&action).await;
    assert_eq!(
        outcome,
        Outcome::Done(format!(
            "deployment/kitops-backend image {before} → {new_image}"
        ))
    );
    wait_for(&mut rx, "backend on the new image", |s| {
        live(s).is_some_and(|d| {
            d.deployment("kitops-backend")
                .is_some_and(|d| d.images == new_image)
        })
    })
    .await;
    // The same dialog confirmed again is stale: the deployment no longer runs `before`.
    let again = Executor::new(&sim.config).run(&action).await;
    assert!(
        matches!(&again, Outcome::Refused(m) if m.contains("now runs kitops/backend:9.9.9")),
        "{again:?}"
    );
    assert!(audit(&sim).contains("\"verb\":\"set-image\""));
}
