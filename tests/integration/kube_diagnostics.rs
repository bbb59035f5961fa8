//! "Why is it crashing" and "what changed" without kubectl: exit codes and their
//! meaning, the replicaset's image and the pod's Events in pod details, warning events
//! in the pods pane and on the attention line — from fixed data, and from the
//! console's own watches against kube-sim's pod faults.

use std::time::SystemTime;

use crossterm::event::KeyCode;
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::kube::KubeData;
use kitops_top::collect::Snapshot;
use kitops_top::ui::render_to_string;
use kitops_top::view::panes::{self, BuildCtx};
use kitops_top::view::table::Target;

use crate::kube_render;
use crate::support::kube::{fast_options, live, ready_pods, start, wait_for};

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

#[test]
fn crash_looping_pod_details_say_why_it_crashes() {
    let mut st = kube_render::state(kube_render::data());
    st.pane_mut(kitops_top::app::PaneId::Pods)
        .table
        .selected_key = Some("uid-kitops-backend-7d9f8c6b5-hq2rn".into());
    kube_render::press(&mut st, KeyCode::Enter);
    let screen = render_to_string(&st, 200, 60);
    for want in [
        "Error, exit code 1 (application error), 1m15s ago",
        "14 · last: Error, 1m15s ago",
        "ip-10-0-",
        "Warning BackOff ×61: Back-off restarting failed container backend",
        "Warning Unhealthy ×9: Readiness probe failed",
        "Normal Pulled ×14",
    ] {
        assert!(screen.contains(want), "{want:?} in\n{screen}");
    }
    let image = screen
        .lines()
        .find(|l| l.contains("image"))
        .unwrap_or_default();
    assert!(
        image.contains("kitops-backend:"),
        "the replicaset's image:\n{screen}"
    );
    insta::assert_snapshot!("crash_details_200x60", screen);
    // The OOMKilled pod: 137 explained.
    kube_render::press(&mut st, KeyCode::Esc);
    st.pane_mut(kitops_top::app::PaneId::Pods)
        .table
        .selected_key = Some("uid-kitops-backend-7d9f8c6b5-8mzq4".into());
    kube_render::press(&mut st, KeyCode::Enter);
    let screen = render_to_string(&st, 200, 60);
    assert!(
        screen.contains("OOMKilled, exit code 137 (SIGKILL: OOM killer or liveness kill)"),
        "{screen}"
    );
}

/// Crash diagnostics from the watches: a crash loop and an OOM kill in kube-sim show
/// their termination reason and exit code, and the Events watch brings their BackOff /
/// OOMKilled warnings to pod details, the pods pane and the attention line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_loop_and_oom_kill_show_exit_codes_and_events() {
    let sim = start(fast_options()).await;
    let mut rx = sim.spawn();
    let snap = wait_for(&mut rx, "settled", settled).await;
    let data = snap.data.expect("data");
    let names: Vec<String> = ready_pods(&data, "kitops-backend-")
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let (crash, oom) = (names[0].clone(), names[1].clone());
    sim.pod_fault(&crash, "CrashLoopBackOff").await;
    sim.pod_fault(&oom, "OOMKilled").await;
    let snap = wait_for(&mut rx, "both faults and their events", |s| {
        live(s).is_some_and(|d| {
            d.events.iter().filter(|e| e.is_warning()).count() >= 2
                && d.pods
                    .iter()
                    .any(|p| p.name == crash && p.reason == "CrashLoopBackOff")
                && d.pods
                    .iter()
                    .any(|p| p.name == oom && p.last_exit_code == Some(137))
        })
    })
    .await;
    let data = snap.data.expect("data");
    let c = data.pods.iter().find(|p| p.name == crash).unwrap();
    assert_eq!(
        (c.last_termination.as_deref(), c.last_exit_code),
        (Some("Error"), Some(1))
    );
    let backoff = data
        .events
        .iter()
        .find(|e| e.reason == "BackOff")
        .expect("BackOff event");
    assert_eq!(
        (backoff.object_name.as_str(), backoff.count),
        (crash.as_str(), 5)
    );
    assert_eq!(backoff.object_uid.as_deref(), Some(c.uid.as_str()));

    let cfg = &sim.config;
    let target = Target::Pod {
        namespace: "kitops".into(),
        name: crash.clone(),
        uid: c.uid.clone(),
        deployment: Some("kitops-backend".into()),
    };
    let fields = panes::pod_details::details(&data, &ctx(cfg), &target).expect("details");
    let field = |n: &str| {
        fields
            .iter()
            .find(|(k, _)| k == n)
            .map(|(_, v)| v.to_string())
            .unwrap_or_default()
    };
    assert!(
        field("last termination").starts_with("Error, exit code 1"),
        "{fields:?}"
    );
    assert_eq!(field("image"), "ghcr.io/kitops/backend:1.14.2");
    assert!(
        field("events").contains("Warning BackOff ×5: Back-off restarting failed container"),
        "{fields:?}"
    );

    let pane = panes::pods::build(&data, &ctx(cfg));
    let warned = pane
        .summary
        .iter()
        .any(|s| format!("{s:?}").contains("BackOff ×5"));
    assert!(
        warned,
        "the pods pane names the warnings: {:?}",
        pane.summary
    );

    let mut st = State::with_config(cfg.clone(), SystemTime::now());
    update(
        &mut st,
        Event::Source(SourceUpdate::Kube(Snapshot::live(
            (*data).clone(),
            SystemTime::now(),
        ))),
    );
    let problems = crate::support::problem_texts(&st);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("CrashLoopBackOff ×5 (last Error)")),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("events OOMKilled ×1")),
        "{problems:?}"
    );
}
