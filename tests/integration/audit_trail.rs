//! The incident's record of actions: the `A` overlay (this session's attempts, newest
//! first, kept in state from the reducer's events), a replay's recorded attempts (and a
//! seek rebuilding them), the audit log naming the session and the open incident, and
//! the replay header's timeline bar moving with playback.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::act::audit::AuditLog;
use kitops_top::act::Executor;
use kitops_top::app::action::{Action, KubeAction, Outcome, PgAction, PgBackendRef};
use kitops_top::app::audit::AuditResult;
use kitops_top::app::modal::Modal;
use kitops_top::app::{update, Command, Event, State};
use kitops_top::collect::replay::player::{Control, Player};
use kitops_top::collect::replay::writer::RecordingWriter;
use kitops_top::collect::replay::{self, Recording};
use kitops_top::headless::session_recorder::SessionRecorder;
use kitops_top::ui::render_to_string;

use crate::incident::{declare, demo_sources};

fn t0() -> std::time::SystemTime {
    crate::support::clock::fixed()
}

fn key(st: &mut State, code: KeyCode) -> Vec<Command> {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn scale(to: i32) -> Action {
    Action::Kube(KubeAction::Scale {
        namespace: "kitops".into(),
        deployment: "kitops-backend".into(),
        from: 5,
        to,
    })
}

fn terminate() -> Action {
    Action::Pg(PgAction::Terminate(PgBackendRef {
        pid: 3274,
        backend_start_us: 1,
        query_start_us: None,
        user: "postgres".into(),
        application: "migrate".into(),
        state: "idle in transaction".into(),
        duration: "7m".into(),
        query: String::new(),
        instead_of_cancel: false,
        blocks: 3,
        server_version_num: 160000,
    }))
}

fn outcome(st: &mut State, after_s: u64, action: Action, outcome: Outcome) -> Vec<Command> {
    st.now = t0() + Duration::from_secs(after_s);
    update(st, Event::Outcome { action, outcome })
}

/// The rows of the overlay as drawn, top to bottom (the lines holding an outcome word).
fn overlay_rows(screen: &str) -> Vec<String> {
    screen
        .lines()
        .filter(|l| {
            [" ok ", " failed ", " refused ", " dry-run "]
                .iter()
                .any(|w| l.contains(w))
        })
        .map(|l| l.trim().to_string())
        .collect()
}

#[test]
fn a_lists_this_sessions_attempts_newest_first_and_esc_closes_it() {
    let mut st = State::for_tests(t0());
    demo_sources(&mut st, t0());
    declare(&mut st, 0, "checkout errors");
    let cmds = outcome(&mut st, 60, scale(6), Outcome::Done("scaled to 6".into()));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Audited(a) if a.verb == "scale")),
        "the recording is told: {cmds:?}"
    );
    outcome(
        &mut st,
        120,
        terminate(),
        Outcome::Failed("permission denied to terminate".into()),
    );
    outcome(
        &mut st,
        180,
        scale(0),
        Outcome::Refused("read-only mode: no action runs".into()),
    );
    key(&mut st, KeyCode::Char('A'));
    assert!(matches!(st.modals.last(), Some(Modal::Audit { .. })));
    let wide = render_to_string(&st, 200, 60);
    let rows = overlay_rows(&wide);
    assert_eq!(rows.len(), 3, "{wide}");
    assert!(
        rows[0].contains("refused") && rows[0].contains("11:09:40Z"),
        "{wide}"
    );
    assert!(
        rows[1].contains("failed") && rows[1].contains("pg-terminate"),
        "{wide}"
    );
    assert!(rows[2].contains("ok") && rows[2].contains("deployment/kitops-backend"));
    assert!(
        rows[2].contains("kubernetes context"),
        "where it acted: {wide}"
    );
    insta::assert_snapshot!("audit_overlay_200x60", wide);
    insta::assert_snapshot!("audit_overlay_80x24", render_to_string(&st, 80, 24));
    key(&mut st, KeyCode::Esc);
    assert!(st.modals.is_empty());
}

#[test]
fn the_overlay_scrolls_and_a_read_only_refusal_is_on_it() {
    let mut config =
        kitops_top::config::resolve(&Default::default(), &|_| None, &Default::default())
            .expect("defaults");
    config.readonly = true;
    let mut st = State::with_config(config, t0());
    key(&mut st, KeyCode::Char('r'));
    let refused: Vec<_> = st.audit.newest_first().collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0].action.result(), AuditResult::Refused);
    assert_eq!(refused[0].action.verb, "rollout-restart");
    for i in 0..30 {
        outcome(
            &mut st,
            10 + i,
            scale(i as i32),
            Outcome::Done("scaled".into()),
        );
    }
    key(&mut st, KeyCode::Char('A'));
    let top = render_to_string(&st, 80, 24);
    assert!(top.contains("1–19 of 31"), "{top}");
    for _ in 0..5 {
        key(&mut st, KeyCode::Char('j'));
    }
    let scrolled = render_to_string(&st, 80, 24);
    assert!(scrolled.contains("6–24 of 31"), "{scrolled}");
    key(&mut st, KeyCode::End);
    let end = render_to_string(&st, 80, 24);
    assert!(end.contains("31–31 of 31"), "{end}");
    assert!(end.contains("rollout-restart"), "the oldest, last: {end}");
    key(&mut st, KeyCode::Char('A'));
    assert!(st.modals.is_empty(), "A again closes it");
}

#[test]
fn the_help_overlay_lists_the_audit_key() {
    let mut st = State::for_tests(t0());
    key(&mut st, KeyCode::Char('?'));
    let mut seen = String::new();
    for _ in 0..80 {
        seen.push_str(&render_to_string(&st, 200, 60));
        key(&mut st, KeyCode::Char('j'));
    }
    assert!(
        seen.contains("this session's audit entries, newest first"),
        "{seen}"
    );
}

#[test]
fn the_demo_lists_a_confirmed_action_as_a_dry_run() {
    let config = kitops_top::config::resolve(&Default::default(), &|_| None, &Default::default())
        .expect("defaults")
        .into_demo();
    let mut st = State::with_config(config, t0());
    outcome(
        &mut st,
        5,
        scale(3),
        Outcome::Refused("demo recording: not run".into()),
    );
    key(&mut st, KeyCode::Char('A'));
    let rows = overlay_rows(&render_to_string(&st, 200, 60));
    assert_eq!(rows.len(), 1);
    assert!(rows[0].contains("dry-run"), "{rows:?}");
}

#[test]
fn the_session_recorder_keeps_outcomes_and_refusals_as_action_events() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("session.rec");
    let mut rec = SessionRecorder::create(&file, false).expect("recorder");
    let mut config =
        kitops_top::config::resolve(&Default::default(), &|_| None, &Default::default())
            .expect("defaults");
    config.readonly = true;
    let mut st = State::with_config(config, t0());
    for c in key(&mut st, KeyCode::Char('r')) {
        assert_eq!(rec.command(&c), None);
    }
    for c in outcome(&mut st, 5, scale(3), Outcome::Done("scaled".into())) {
        assert_eq!(rec.command(&c), None);
    }
    rec.finish().expect("finish");
    let back = Recording::parse(std::fs::read(&file).expect("read")).expect("parses");
    assert_eq!(
        back.meta.session.as_deref(),
        Some(kitops_top::logging::session_id()),
        "the header names the session"
    );
    let actions: Vec<serde_json::Value> = back
        .events()
        .filter(|(_, k, _)| *k == "action")
        .map(|(_, _, j)| serde_json::from_str(j).expect("json"))
        .collect();
    assert_eq!(actions.len(), 2, "{actions:?}");
    assert_eq!(actions[0]["verb"], "rollout-restart");
    assert_eq!(actions[0]["outcome"]["result"], "refused");
    assert_eq!(actions[1]["object"], "deployment/kitops-backend -n kitops");
    assert!(
        actions[1]["target"]
            .as_str()
            .is_some_and(|t| t.starts_with("kubernetes context")),
        "{actions:?}"
    );
}

/// The built-in recording's snapshots plus, at known offsets, an incident, two
/// actions and a crossing, as a version-2 file.
fn recording_with_events() -> Recording {
    let built_in = Recording::parse(replay::BUILT_IN).expect("built-in");
    let start = built_in.start_wall();
    let mut w = RecordingWriter::new(Vec::new(), false).expect("writer");
    let at = |s: u64| (Duration::from_secs(s), start + Duration::from_secs(s));
    let mut events = vec![
        (
            5,
            "incident",
            serde_json::to_value(kitops_top::app::incident::Incident::declare(
                kitops_top::app::incident::Severity::Sev1,
                "checkout errors",
                start + Duration::from_secs(5),
            ))
            .expect("json"),
        ),
        (
            20,
            "action",
            serde_json::json!({"verb": "scale", "object": "deployment/kitops-backend -n kitops",
                "target": "kubernetes context kube-sim",
                "outcome": {"result": "done", "message": "scaled to 6"}}),
        ),
        (
            30,
            "crossing",
            serde_json::json!({"crossings": ["cleared: blocking chain: root pid 3274"]}),
        ),
        (
            45,
            "action",
            serde_json::json!({"verb": "pg-terminate", "object": "pid 3274",
                "target": "postgres postgresql://postgres@db/kitops",
                "outcome": {"result": "failed", "message": "permission denied"}}),
        ),
    ];
    events.reverse();
    for line in built_in.lines() {
        while events
            .last()
            .is_some_and(|(s, _, _)| Duration::from_secs(*s) <= Duration::from_millis(line.at_ms))
        {
            let (s, kind, v) = events.pop().expect("event");
            let (offset, wall) = at(s);
            w.event_at(kind, v, offset, wall).expect("event");
        }
        w.snapshot_at(&line.frame, Duration::from_millis(line.at_ms), line.wall)
            .expect("snapshot");
    }
    Recording::parse(w.finish().expect("finish")).expect("reads back")
}

fn replaying(rec: Recording) -> (State, Player) {
    let config = kitops_top::config::resolve(&Default::default(), &|_| None, &Default::default())
        .expect("defaults")
        .into_demo();
    let st = State::with_config(config, t0());
    (st, Player::new(Arc::new(rec), false, vec![]))
}

fn header(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

#[test]
fn a_replay_lists_the_recorded_actions_up_to_the_position_and_a_seek_rebuilds_them() {
    let (mut st, mut p) = replaying(recording_with_events());
    let out = p.control(Control::SeekBy(25_000));
    crate::replay::feed(&mut st, &p, out);
    key(&mut st, KeyCode::Char('A'));
    let at_25 = render_to_string(&st, 200, 60);
    assert!(at_25.contains("recorded actions"), "{at_25}");
    assert_eq!(overlay_rows(&at_25).len(), 1, "{at_25}");
    assert!(at_25.contains("kubernetes context kube-sim"), "{at_25}");
    key(&mut st, KeyCode::Esc);
    let out = p.control(Control::End);
    crate::replay::feed(&mut st, &p, out);
    key(&mut st, KeyCode::Char('A'));
    let end = render_to_string(&st, 200, 60);
    let rows = overlay_rows(&end);
    assert_eq!(rows.len(), 2, "{end}");
    assert!(
        rows[0].contains("failed") && rows[0].contains("pid 3274"),
        "{end}"
    );
    key(&mut st, KeyCode::Esc);
    let out = p.control(Control::Start);
    crate::replay::feed(&mut st, &p, out);
    key(&mut st, KeyCode::Char('A'));
    let start = render_to_string(&st, 80, 24);
    assert!(
        start.contains("no action was recorded up to this point"),
        "{start}"
    );
}

#[test]
fn the_replay_header_bar_shows_position_length_and_marks_and_moves_with_playback() {
    let (mut st, mut p) = replaying(recording_with_events());
    let out = p.control(Control::SeekBy(10_000));
    crate::replay::feed(&mut st, &p, out);
    let narrow = render_to_string(&st, 80, 24);
    let wide = render_to_string(&st, 200, 60);
    let length = p.status().length.as_secs();
    let position = format!("00:10/{:02}:{:02}", length / 60, length % 60);
    for screen in [&narrow, &wide] {
        let h = header(screen);
        assert!(h.contains(&position), "position and length: {h}");
        assert!(h.contains('┃'), "the playhead: {h}");
        assert!(
            h.contains('■') && h.contains('▲'),
            "actions and a crossing on the bar: {h}"
        );
    }
    // One ◆ is the player's "events passed" count; the bar has the rest. At 80
    // columns a cell spans seconds of the recording, so marks close together share one.
    let h = header(&wide);
    assert!(
        h.matches('◆').count() == 2 && h.matches('■').count() == 2,
        "the incident and both actions on the wide bar: {h}"
    );
    assert!(
        header(&wide).contains("Z │ k8s"),
        "a wide header keeps the recording's clock: {}",
        header(&wide)
    );
    assert!(header(&narrow).chars().count() <= 80, "{}", header(&narrow));
    insta::assert_snapshot!("replay_bar_80x24", narrow);
    insta::assert_snapshot!("replay_bar_200x60", wide);
    let playhead = |s: &str| header(s).chars().position(|c| c == '┃');
    let before = playhead(&wide);
    let out = p.advance(Duration::from_secs(20));
    crate::replay::feed(&mut st, &p, out);
    let later = render_to_string(&st, 200, 60);
    assert!(header(&later).contains("00:30/"), "{}", header(&later));
    assert!(
        playhead(&later) > before,
        "the playhead moved right: {}\n{}",
        header(&wide),
        header(&later)
    );
}

#[tokio::test]
async fn audit_entries_name_the_session_and_the_incident_open_when_confirmed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config =
        kitops_top::config::resolve(&Default::default(), &|_| None, &Default::default())
            .expect("defaults");
    config.readonly = true;
    config.audit_log = dir.path().join("audit.jsonl");
    let mut exec = Executor::new(&config);
    let outcome = exec
        .run_during(&scale(2), Some("INC-20261118-110000"))
        .await;
    assert!(matches!(outcome, Outcome::Refused(_)), "{outcome:?}");
    exec.run(&scale(3)).await;
    let entries = AuditLog::new(config.audit_log.clone())
        .entries()
        .expect("reads");
    let phases: Vec<(&str, Option<&str>)> = entries
        .iter()
        .map(|e| (e.phase.as_str(), e.incident.as_deref()))
        .collect();
    assert_eq!(
        phases,
        [
            ("attempt", Some("INC-20261118-110000")),
            ("result", Some("INC-20261118-110000")),
            ("attempt", None),
            ("result", None),
        ]
    );
    assert!(entries
        .iter()
        .all(|e| e.session == kitops_top::logging::session_id()));
}
