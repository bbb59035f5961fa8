//! Incident mode through the real reducer: declare (severity, title), the header timer
//! and its colours, the checklist overlay, notes, actions and threshold crossings on the
//! timeline, the status update copied, resolving behind a confirmation; screens at
//! 80x24 and 200x60.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::action::{Action, Outcome, PgAction, PgBackendRef};
use kitops_top::app::incident::{EntryKind, Severity};
use kitops_top::app::modal::Modal;
use kitops_top::app::{update, Command, Event, SourceUpdate, State};
use kitops_top::collect::replay::{self, Frame, Recording};
use kitops_top::collect::Snapshot;
use kitops_top::ui::render_to_string;

fn t0() -> SystemTime {
    crate::support::clock::fixed()
}

fn key(st: &mut State, code: KeyCode) -> Vec<Command> {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(st: &mut State, text: &str) {
    for c in text.chars() {
        key(st, KeyCode::Char(c));
    }
}

/// Offset of the built-in recording's first action: until then its incident is at its
/// worst (the lock chain's root not yet terminated, the pod still crash-looping).
pub fn before_first_action(rec: &Recording) -> u64 {
    rec.events()
        .find(|(_, kind, _)| *kind == "action")
        .map(|(r, _, _)| r.at_ms)
        .expect("the demo acts")
}

/// Every source's last frame of the built-in recording before its first action, stamped
/// `now`: a crash-looping pod, a node under memory pressure, a lock chain, a 40 % Redis
/// hit rate, 5xx and p95 up, the backend's health check failing.
pub fn demo_sources(st: &mut State, now: SystemTime) {
    let rec = Recording::parse(replay::BUILT_IN).expect("built-in");
    let until = before_first_action(&rec);
    for line in rec.lines().into_iter().filter(|l| l.at_ms < until) {
        let u = match &line.frame {
            Frame::Kube(r) => r
                .data
                .clone()
                .map(|d| SourceUpdate::Kube(Snapshot::live(d, now))),
            Frame::Postgres(r) => r
                .data
                .clone()
                .map(|d| SourceUpdate::Postgres(Snapshot::live(d, now))),
            Frame::Redis(r) => r
                .data
                .clone()
                .map(|d| SourceUpdate::Redis(Snapshot::live(d, now))),
            Frame::Aws(r) => r
                .data
                .clone()
                .map(|d| SourceUpdate::Aws(Snapshot::live(d, now))),
            Frame::Host(_) | Frame::Deps(_) => None,
        };
        if let Some(u) = u {
            update(st, Event::Source(u));
        }
    }
}

/// `I`, Sev choice by arrows, enter, the title, enter.
pub fn declare(st: &mut State, severity_downs: usize, title: &str) -> Vec<Command> {
    key(st, KeyCode::Char('I'));
    // The dialog starts on Sev2; up once reaches Sev1.
    key(st, KeyCode::Up);
    for _ in 0..severity_downs {
        key(st, KeyCode::Down);
    }
    key(st, KeyCode::Enter);
    typed(st, title);
    key(st, KeyCode::Enter)
}

fn saved(cmds: &[Command]) -> bool {
    cmds.iter().any(|c| matches!(c, Command::SaveIncident(_)))
}

#[test]
fn declare_tick_note_cross_act_copy_and_resolve() {
    let mut st = State::for_tests(t0());
    demo_sources(&mut st, t0());
    assert!(
        st.conditions.values().any(|c| c.contains("blocking chain")),
        "{:?}",
        st.conditions
    );

    let cmds = declare(&mut st, 0, "checkout errors");
    assert!(saved(&cmds), "declaring is saved: {cmds:?}");
    assert!(st.modals.is_empty(), "{:?}", st.modals);
    let inc = st.open_incident().expect("declared").clone();
    assert_eq!(inc.severity, Severity::Sev1);
    assert_eq!(inc.title, "checkout errors");
    assert!(
        inc.timeline
            .iter()
            .any(|e| e.text.starts_with("at declaration: blocking chain")),
        "{:?}",
        inc.timeline
    );

    // 12 of 15 minutes: amber; the header shows the timer at 80 columns too.
    update(
        &mut st,
        Event::Tick(t0() + Duration::from_secs(12 * 60 + 34)),
    );
    let screen = render_to_string(&st, 80, 24);
    assert!(
        screen
            .lines()
            .next()
            .unwrap_or("")
            .contains("SEV1 checkout errors 00:12:34 resp 15m res 4h"),
        "{screen}"
    );

    // The overlay: tick acknowledge, add a note from inside it.
    key(&mut st, KeyCode::Char('i'));
    assert!(matches!(st.modals.last(), Some(Modal::Incident { .. })));
    assert!(saved(&key(&mut st, KeyCode::Char(' '))), "a tick is saved");
    key(&mut st, KeyCode::Char('N'));
    typed(&mut st, "root is the migration's open transaction");
    assert!(saved(&key(&mut st, KeyCode::Enter)));
    let inc = st.open_incident().expect("open");
    assert_eq!(
        inc.checklist[0].done_at,
        Some(t0() + Duration::from_secs(754)),
        "ticking stamps its time"
    );
    assert!(inc.timeline.iter().any(|e| e.kind == EntryKind::Note));
    insta::assert_snapshot!("incident_overlay_200x60", render_to_string(&st, 200, 60));
    insta::assert_snapshot!("incident_overlay_80x24", render_to_string(&st, 80, 24));
    key(&mut st, KeyCode::Esc);
    assert!(st.modals.is_empty());

    // An action's outcome and a threshold clearing land on the timeline by themselves.
    let action = Action::Pg(PgAction::Terminate(PgBackendRef {
        pid: 4242,
        backend_start_us: 1,
        query_start_us: None,
        user: "migrator".into(),
        application: "migrate".into(),
        state: "idle in transaction".into(),
        duration: "5m".into(),
        query: "UPDATE orders SET status = 'x' WHERE id = 1".into(),
        blocks: 3,
        server_version_num: 160000,
        instead_of_cancel: false,
    }));
    let cmds = update(
        &mut st,
        Event::Outcome {
            action,
            outcome: Outcome::Done("terminated".into()),
        },
    );
    assert!(saved(&cmds));
    let later = t0() + Duration::from_secs(15 * 60);
    let mut pg = (*st.sources.pg.data.clone().expect("pg")).clone();
    pg.lock_tree.clear();
    let cmds = update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot {
            data: Some(Arc::new(pg)),
            fetched_at: Some(later),
            status: kitops_top::collect::SourceStatus::Live,
        })),
    );
    assert!(saved(&cmds), "a crossing is saved");
    let inc = st.open_incident().expect("open");
    let last: Vec<&str> = inc
        .timeline
        .iter()
        .rev()
        .take(3)
        .map(|e| e.text.as_str())
        .collect();
    assert!(
        last.iter()
            .any(|t| t.starts_with("cleared: blocking chain: root pid")),
        "{last:?}"
    );
    assert!(
        inc.timeline
            .iter()
            .any(|e| e.kind == EntryKind::Action && e.outcome.as_deref() == Some("done")),
        "{:?}",
        inc.timeline
    );
    insta::assert_snapshot!("incident_header_80x24", render_to_string(&st, 80, 24));

    // Communicate: the status update, plain text.
    let cmds = key(&mut st, KeyCode::Char('C'));
    let [Command::Copy(text)] = cmds.as_slice() else {
        panic!("C copies: {cmds:?}");
    };
    assert!(text.starts_with("[SEV1] checkout errors — INC-"), "{text}");
    assert!(text.contains("What is wrong now:\n- "), "{text}");
    assert!(text.contains("pg-terminate"), "{text}");
    assert!(text.contains("[x] acknowledge"), "{text}");

    // Resolving asks first.
    key(&mut st, KeyCode::Char('I'));
    assert!(matches!(st.modals.last(), Some(Modal::ResolveIncident)));
    assert!(render_to_string(&st, 80, 24).contains("Resolve INC-"));
    key(&mut st, KeyCode::Char('n'));
    assert!(st.open_incident().is_some(), "n keeps it open");
    key(&mut st, KeyCode::Char('I'));
    let cmds = key(&mut st, KeyCode::Char('y'));
    let [Command::SaveIncident(resolved)] = cmds.as_slice() else {
        panic!("resolving is saved: {cmds:?}");
    };
    assert!(!resolved.is_open());
    assert!(st.open_incident().is_none());
    assert!(!render_to_string(&st, 80, 24)
        .lines()
        .next()
        .unwrap_or("")
        .contains("SEV1"));
}

#[test]
fn the_timer_is_red_once_the_response_target_passes() {
    let mut st = State::for_tests(t0());
    declare(&mut st, 0, "api down");
    update(&mut st, Event::Tick(t0() + Duration::from_secs(16 * 60)));
    let buf = kitops_top::ui::render_buffer(&st, 80, 24);
    let line: String = (0..80).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    let at = line.find("SEV1").expect("in the header");
    let red = kitops_top::ui::theme::Theme::builtin_default(false, false)
        .level(kitops_top::view::Level::Crit);
    assert_eq!(buf[(at as u16, 0)].fg, red.fg.expect("colour"), "{line}");
}

#[test]
fn an_empty_title_or_note_is_refused_in_the_dialog() {
    let mut st = State::for_tests(t0());
    key(&mut st, KeyCode::Char('N'));
    assert!(st.modals.is_empty(), "no incident, no note");
    key(&mut st, KeyCode::Char('I'));
    key(&mut st, KeyCode::Enter);
    let cmds = key(&mut st, KeyCode::Enter);
    assert!(cmds.is_empty());
    let Some(Modal::Input(field)) = st.modals.last() else {
        panic!("still asking");
    };
    assert_eq!(field.error.as_deref(), Some("a title is needed"));
    assert!(st.incident.is_none());
}
