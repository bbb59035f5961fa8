//! The pods pane at scale, through the real reducer: the progress line while the
//! first LIST is paged in, rows kept across snapshots when their pod did not change
//! (a metrics round updates usage in place), rows rebuilt when it did, and a filter
//! that narrows as it is typed giving what a fresh filter gives.

use std::sync::Arc;
use std::time::SystemTime;

use kitops_top::app::pane::PaneId;
use kitops_top::app::prebuild::{Prebuilder, ViewPrefs};
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::kube::{
    KubeData, ListProgress, LivePod, MetricsStatus, PodInfo, Resources, Usage,
};
use kitops_top::collect::Snapshot;
use kitops_top::ui::render_to_string;
use kitops_top::view::panes::pods::{COL_MEM, COL_STATUS};

pub(crate) const NOW: i64 = 1_795_000_000;
pub(crate) const MI: f64 = 1024.0 * 1024.0;

pub(crate) fn clock() -> SystemTime {
    crate::support::clock::at(NOW as u64)
}

pub(crate) fn info(i: usize) -> PodInfo {
    let rs = if i.is_multiple_of(2) {
        "web-5f6d7c8b9"
    } else {
        "api-7d9f8c6b5"
    };
    PodInfo {
        uid: format!("uid-{i:05}"),
        name: format!("{rs}-p{i:05}"),
        namespace: "kitops".into(),
        node: Some(format!("node-{}", i % 7).into()),
        created: Some(NOW - 3600),
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

pub(crate) fn data(pods: Vec<LivePod>, loading: Option<ListProgress>) -> KubeData {
    KubeData {
        context: "kube-sim".into(),
        namespace: "kitops".into(),
        cluster_pods: true,
        pods,
        pods_loading: loading,
        pod_metrics: MetricsStatus::Live {
            timestamp: NOW - 5,
            window_s: 15.0,
        },
        ..Default::default()
    }
}

fn with_usage(pods: &[Arc<PodInfo>], mem_mi: f64) -> Vec<LivePod> {
    pods.iter()
        .map(|p| {
            let usage = Usage {
                cpu: 0.05,
                memory: mem_mi * MI,
            };
            LivePod::new(p.clone(), Some(usage))
        })
        .collect()
}

fn feed(st: &mut State, d: KubeData) {
    update(
        st,
        Event::Source(SourceUpdate::Kube(Snapshot::live(d, clock()))),
    );
}

fn pods_pane(st: &State) -> &kitops_top::view::PaneContent {
    &st.pane(PaneId::Pods).table.content
}

/// Where each pod row's name text lives: the same address means the same row, kept.
fn name_addresses(st: &State) -> Vec<(String, usize)> {
    pods_pane(st)
        .rows
        .iter()
        .filter(|r| !r.is_group_header)
        .map(|r| (r.key.clone(), r.cells.at(0).as_ptr() as usize))
        .collect()
}

#[test]
fn the_pods_pane_shows_the_progress_of_the_first_list() {
    let pods: Vec<LivePod> = (0..500).map(|i| info(i).into()).collect();
    let mut st = State::for_tests(clock());
    let progress = ListProgress {
        loaded: 23_500,
        estimate: Some(100_000),
    };
    feed(&mut st, data(pods, Some(progress)));
    let screen = render_to_string(&st, 200, 60);
    assert!(
        screen.contains("loading pods 23,500 / ~100,000"),
        "{screen}"
    );
    // The rows that arrived are on screen already.
    assert!(screen.contains("api-7d9f8c6b5-p00001"), "{screen}");
}

#[test]
fn a_metrics_round_keeps_every_row_and_updates_usage_in_place() {
    let shared: Vec<Arc<PodInfo>> = (0..2000).map(|i| Arc::new(info(i))).collect();
    let mut st = State::for_tests(clock());
    feed(&mut st, data(with_usage(&shared, 100.0), None));
    let before = name_addresses(&st);
    assert_eq!(before.len(), 2000);
    let mem = |st: &State| {
        let row = pods_pane(st)
            .rows
            .iter()
            .find(|r| r.key == "uid-00042")
            .expect("row");
        (
            row.text(COL_MEM, NOW).into_owned(),
            row.sort_keys.get(COL_MEM),
        )
    };
    assert_eq!(mem(&st), ("100Mi".to_string(), Some(100.0 * MI)));

    // Same pod objects, new usage: the rows are the same rows, their usage is new.
    feed(&mut st, data(with_usage(&shared, 240.0), None));
    assert_eq!(name_addresses(&st), before);
    assert_eq!(mem(&st), ("240Mi".to_string(), Some(240.0 * MI)));
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("240Mi"), "{screen}");

    // One pod changed (a new object from a watch event): that row alone is rebuilt.
    let mut next = shared.clone();
    let mut changed = info(42);
    changed.reason = "CrashLoopBackOff".into();
    next[42] = Arc::new(changed);
    feed(&mut st, data(with_usage(&next, 240.0), None));
    let after = name_addresses(&st);
    let moved: Vec<&str> = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b != a)
        .map(|(b, _)| b.0.as_str())
        .collect();
    assert_eq!(moved, ["uid-00042"]);
    let row = pods_pane(&st)
        .rows
        .iter()
        .find(|r| r.key == "uid-00042")
        .expect("row");
    assert_eq!(row.cells.at(COL_STATUS), "CrashLoopBackOff");

    // A pod gone and one new: the rest are kept, in their new order.
    let mut fewer = shared.clone();
    fewer.remove(7);
    fewer.push(Arc::new(info(5000)));
    feed(&mut st, data(with_usage(&fewer, 240.0), None));
    let kept = name_addresses(&st)
        .into_iter()
        .filter(|k| before.contains(k))
        .count();
    assert_eq!(kept, 1998, "all but the removed and the changed pod");
}

#[test]
fn typing_a_filter_narrows_to_what_a_fresh_filter_finds() {
    let shared: Vec<Arc<PodInfo>> = (0..3000).map(|i| Arc::new(info(i))).collect();
    let mut st = State::for_tests(clock());
    feed(&mut st, data(with_usage(&shared, 100.0), None));
    let table = &mut st.pane_mut(PaneId::Pods).table;
    let mut typed = Vec::new();
    for needle in ["p", "p0", "p01", "p012", "p01"] {
        table.set_filter(needle.into());
        typed.push(table.visible.clone());
    }
    let mut fresh = Vec::new();
    for needle in ["p", "p0", "p01", "p012", "p01"] {
        let mut t = kitops_top::app::table::TableState::default();
        t.set_content(table.content.clone());
        t.set_filter(needle.into());
        fresh.push(t.visible);
    }
    assert_eq!(typed, fresh);
    // Group headers kept only over matching members: "p012" hits p01200..p01299.
    assert_eq!(typed[3].len(), 100 + 2);
}

pub(crate) fn kube_update(pods: Vec<LivePod>) -> SourceUpdate {
    SourceUpdate::Kube(Snapshot::live(data(pods, None), clock()))
}

#[test]
fn panes_built_off_the_ui_task_are_what_the_reducer_builds() {
    let shared: Vec<Arc<PodInfo>> = (0..2000).map(|i| Arc::new(info(i))).collect();
    let mut direct = State::for_tests(clock());
    feed(&mut direct, data(with_usage(&shared, 100.0), None));

    let mut st = State::for_tests(clock());
    let mut builder = Prebuilder::new(st.config.clone());
    let built = builder.build(kube_update(with_usage(&shared, 100.0)), &ViewPrefs::of(&st));
    assert!(built.restarts.is_empty());
    update(&mut st, Event::Built(Box::new(built)));
    assert_eq!(
        render_to_string(&st, 200, 60),
        render_to_string(&direct, 200, 60)
    );
    let before = name_addresses(&st);

    // A metrics round and one pod restarted, built while the user types a filter the
    // build did not know of: the rows are kept, and the filter applies on arrival.
    let prefs = ViewPrefs::of(&st);
    let mut next = shared.clone();
    let mut restarted = info(3);
    restarted.restarts = 1;
    next[3] = Arc::new(restarted);
    let built = builder.build(kube_update(with_usage(&next, 240.0)), &prefs);
    assert_eq!(built.restarts.len(), 1, "{:?}", built.restarts);
    assert!(built.restarts[0].contains("p00003 restarted"));
    st.pane_mut(PaneId::Pods).table.set_filter("p0004".into());
    update(&mut st, Event::Built(Box::new(built)));
    let kept = name_addresses(&st)
        .into_iter()
        .filter(|k| before.contains(k))
        .count();
    assert_eq!(kept, 1999, "all but the restarted pod's row");
    let table = &st.pane(PaneId::Pods).table;
    let keys: Vec<&str> = table
        .visible
        .iter()
        .map(|&i| table.content.rows[i].key.as_str())
        .filter(|k| k.starts_with("uid-"))
        .collect();
    assert_eq!(keys.len(), 10, "p00040..p00049: {keys:?}");
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("240Mi"), "{screen}");
}

fn crossings(commands: &[kitops_top::app::Command]) -> Vec<String> {
    commands
        .iter()
        .filter_map(|c| match c {
            kitops_top::app::Command::Crossings(texts) => Some(texts.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

#[test]
fn a_crash_loop_found_by_the_builder_is_one_crossing_and_the_clock_keeps_it() {
    let mut pods: Vec<PodInfo> = (0..50).map(info).collect();
    pods[7].reason = "CrashLoopBackOff".into();
    let mut st = State::for_tests(clock());
    let mut builder = Prebuilder::new(st.config.clone());
    let pods: Vec<LivePod> = pods.into_iter().map(LivePod::from).collect();
    let built = builder.build(kube_update(pods), &ViewPrefs::of(&st));
    let events = crossings(&update(&mut st, Event::Built(Box::new(built))));
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(events[0].contains("p00007 CrashLoopBackOff"), "{events:?}");
    // A tick looks at the sources' health only: the crash loop still holds, no event.
    let events = crossings(&update(&mut st, Event::Tick(clock())));
    assert!(events.is_empty(), "{events:?}");
}
