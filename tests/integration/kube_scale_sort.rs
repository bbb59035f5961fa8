//! A sort of a table too large to sort on the UI task (`UI_SORT_ROWS`): the key is
//! answered at once (the column marked `…`, the rows where they were), the order is
//! made off the UI task (`Command::PrepareTable`) and shown when it comes back; an
//! order made for other rows or another sort is never shown, a filter typed
//! meanwhile applies to it, and a table built for an old sort is sorted again.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::pane::PaneId;
use kitops_top::app::prebuild::{Prebuilder, ViewPrefs};
use kitops_top::app::table::{TableState, UI_SORT_ROWS};
use kitops_top::app::{update, Command, Event, State};
use kitops_top::collect::kube::{LivePod, PodInfo, Usage};
use kitops_top::ui::render_to_string;

use super::kube_scale::{clock, info, kube_update, MI};

const PODS: usize = UI_SORT_ROWS + 5_000;

/// Memory in MiB that puts the pods in an order of their own (not by name).
fn mem_of(i: usize, round: usize) -> usize {
    (i * 7919 + round * 104_729) % PODS
}

fn pods(shared: &[Arc<PodInfo>], round: usize) -> Vec<LivePod> {
    shared
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let usage = Usage {
                cpu: 0.05,
                memory: mem_of(i, round) as f64 * MI,
            };
            LivePod::new(p.clone(), Some(usage))
        })
        .collect()
}

fn press(st: &mut State, code: KeyCode) -> Vec<Command> {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The snapshot's panes as the builder thread makes them, swapped in.
fn built(st: &mut State, builder: &mut Prebuilder, round: usize, shared: &[Arc<PodInfo>]) {
    let prefs = ViewPrefs::of(st);
    let b = builder.build(kube_update(pods(shared, round)), &prefs);
    update(st, Event::Built(Box::new(b)));
}

/// What the runtime does with a `PrepareTable`: the order, made (here, at once).
fn prepared(commands: &[Command]) -> Option<Event> {
    commands.iter().find_map(|c| match c {
        Command::PrepareTable { pane, request } => Some(Event::Prepared {
            pane: *pane,
            table: Box::new(TableState::prepared(
                request.content.clone(),
                &request.filter,
                request.sort,
            )),
        }),
        _ => None,
    })
}

/// The pod names on the pods pane, top to bottom.
fn names(st: &State) -> Vec<String> {
    let t = &st.pane(PaneId::Pods).table;
    t.visible
        .iter()
        .map(|&i| &t.content.rows[i])
        .filter(|r| !r.is_group_header)
        .map(|r| r.cells.at(0).trim().to_string())
        .collect()
}

/// The pod names by memory, most first (ties by name, as the build orders them).
fn by_memory(shared: &[Arc<PodInfo>], round: usize, filter: &str) -> Vec<String> {
    let mut v: Vec<(usize, &str)> = shared
        .iter()
        .enumerate()
        .filter(|(_, p)| p.name.contains(filter))
        .map(|(i, p)| (mem_of(i, round), p.name.as_str()))
        .collect();
    v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    v.into_iter().map(|(_, n)| n.to_string()).collect()
}

fn setup() -> (State, Prebuilder, Vec<Arc<PodInfo>>) {
    let shared: Vec<Arc<PodInfo>> = (0..PODS).map(|i| Arc::new(info(i))).collect();
    let mut st = State::for_tests(clock());
    let mut builder = Prebuilder::new(st.config.clone());
    built(&mut st, &mut builder, 0, &shared);
    (st, builder, shared)
}

#[test]
fn a_large_table_is_sorted_off_the_ui_task_and_shown_sorted_when_the_order_comes() {
    let (mut st, _builder, shared) = setup();
    let before = names(&st);
    let commands = press(&mut st, KeyCode::Char('M'));
    // Answered at once: MEM marked as being sorted, the rows still where they were.
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("MEM…"), "{screen}");
    assert!(!screen.contains("MEM▼"), "{screen}");
    assert_eq!(names(&st), before);
    let order = prepared(&commands).expect("the sort is asked of a blocking thread");
    // One request at a time: another key does not ask again.
    assert!(prepared(&press(&mut st, KeyCode::Char('j'))).is_none());
    update(&mut st, order);
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("MEM▼"), "{screen}");
    assert_eq!(names(&st), by_memory(&shared, 0, ""));
    // On screen: a run of the ranking, around the row that stayed selected.
    let expected = by_memory(&shared, 0, "");
    let drawn = drawn_pods(&screen);
    let first = expected
        .iter()
        .position(|n| *n == drawn[0])
        .expect("a pod row");
    assert_eq!(drawn, expected[first..first + drawn.len()], "{screen}");
}

/// The pod names drawn in the pods pane, top to bottom.
fn drawn_pods(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.contains("-p0") || w.contains("-p1") || w.contains("-p2"))
        })
        .map(str::to_string)
        .collect()
}

#[test]
fn a_filter_typed_while_the_order_is_made_applies_to_it() {
    let (mut st, _builder, shared) = setup();
    let commands = press(&mut st, KeyCode::Char('M'));
    let order = prepared(&commands).expect("sort asked");
    press(&mut st, KeyCode::Char('/'));
    for c in "p0012".chars() {
        press(&mut st, KeyCode::Char(c));
    }
    press(&mut st, KeyCode::Enter);
    // The matching rows at once, in the order they were in.
    let mut shown = names(&st);
    shown.sort();
    let mut expected = by_memory(&shared, 0, "p0012");
    expected.sort();
    assert_eq!(shown, expected);
    // The order made for no filter comes back: filtered here, shown sorted.
    update(&mut st, order);
    assert_eq!(names(&st), by_memory(&shared, 0, "p0012"));
    assert!(render_to_string(&st, 200, 60).contains("MEM▼"));
}

#[test]
fn a_table_built_for_the_old_sort_is_sorted_again_and_a_stale_order_is_not_shown() {
    let (mut st, mut builder, shared) = setup();
    // The builder makes the next snapshot's table for the prefs it has (no sort)…
    let prefs = ViewPrefs::of(&st);
    let next = builder.build(kube_update(pods(&shared, 1)), &prefs);
    // …while the user sorts by memory; that order is asked for the rows on screen.
    let stale = prepared(&press(&mut st, KeyCode::Char('M'))).expect("sort asked");
    let commands = update(&mut st, Event::Built(Box::new(next)));
    assert!(prepared(&commands).is_none(), "one request at a time");
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("MEM…"), "not shown as sorted: {screen}");
    // The order made for the previous rows comes back: not taken, asked again.
    let commands = update(&mut st, stale);
    assert!(render_to_string(&st, 200, 60).contains("MEM…"));
    assert_ne!(names(&st), by_memory(&shared, 0, ""));
    let fresh = prepared(&commands).expect("asked again for the new rows");
    update(&mut st, fresh);
    assert!(render_to_string(&st, 200, 60).contains("MEM▼"));
    assert_eq!(names(&st), by_memory(&shared, 1, ""));
}
