//! Time on the Pods pane comes from the clock (`state.now`), not from the last
//! snapshot: pod ages tick with every frame tick, and a rollout says how long since it
//! last progressed against the deployment's `progressDeadlineSeconds`.

use std::time::Duration;

use kitops_top::app::{update, Event};
use kitops_top::ui::render_to_string;

use crate::kube_render;

/// The row of the unschedulable frontend pod (created 200 s before the fixture's now).
fn pending_row(screen: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains("kitops-frontend-66b8d9c7f-jr5xs"))
        .unwrap_or_else(|| panic!("no pending pod row:\n{screen}"))
        .to_string()
}

#[test]
fn pod_ages_tick_with_the_clock_between_snapshots() {
    let mut st = kube_render::state(kube_render::data());
    kube_render::key(&mut st, 'z');
    let before = pending_row(&render_to_string(&st, 200, 60));
    assert!(before.contains("3m20s"), "{before}");
    let now = st.now + Duration::from_secs(7);
    update(&mut st, Event::Tick(now));
    let after = pending_row(&render_to_string(&st, 200, 60));
    assert!(
        after.contains("3m27s"),
        "no new snapshot, yet 7 s older: {after}"
    );
}

#[test]
fn a_rollout_shows_its_last_progress_against_the_deadline() {
    let st = kube_render::state(kube_render::data());
    let screen = render_to_string(&st, 200, 60);
    assert!(
        screen.contains("rolling out · 1m20s of 10m00s deadline"),
        "{screen}"
    );
}
