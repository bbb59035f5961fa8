//! Keys → state → commands, without a network: the confirmation path, read-only,
//! typed confirmation, and stale data shown with its age.

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::act::{self, Executor};
use kitops_top::app::action::{Action, Outcome};
use kitops_top::app::modal::{ConfirmState, DryRun, Modal};
use kitops_top::app::{update, Command, Event, PaneId, SourceUpdate, State};
use kitops_top::collect::host::HostData;
use kitops_top::collect::Snapshot;
use kitops_top::ui::render_to_string;

fn now() -> SystemTime {
    crate::support::clock::fixed()
}

fn press(st: &mut State, code: KeyCode) -> Vec<Command> {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn confirm_for(st: &mut State, action: Action) {
    let spec = act::describe(&action, st);
    st.modals.push(Modal::Confirm(ConfirmState {
        action,
        spec,
        typed: String::new(),
        production: false,
        readonly: false,
        error: None,
        dry_run: DryRun::NotAvailable,
    }));
}

#[test]
fn restart_asks_first_and_runs_only_on_yes() {
    let mut st = State::for_tests(now());
    let cmds = press(&mut st, KeyCode::Char('r'));
    assert!(
        matches!(cmds.as_slice(), [Command::Validate(_)]),
        "only a dry run before confirmation: {cmds:?}"
    );
    assert!(matches!(st.modals.last(), Some(Modal::Confirm(_))));
    let screen = render_to_string(&st, 200, 60);
    assert!(
        screen.contains("kubectl rollout restart deployment/kitops-backend -n kitops"),
        "{screen}"
    );
    assert!(press(&mut st, KeyCode::Char('n')).is_empty());
    assert!(st.modals.is_empty(), "n cancels");
    press(&mut st, KeyCode::Char('r'));
    update(
        &mut st,
        Event::Validated {
            action: Action::RolloutRestart {
                namespace: "kitops".into(),
                deployment: "kitops-backend".into(),
            },
            outcome: Some(Outcome::Done("ok".into())),
        },
    );
    assert!(render_to_string(&st, 200, 60).contains("server-side dry run: accepted"));
    let cmds = press(&mut st, KeyCode::Char('y'));
    assert_eq!(
        cmds,
        vec![Command::Execute(Action::RolloutRestart {
            namespace: "kitops".into(),
            deployment: "kitops-backend".into()
        })]
    );
}

#[test]
fn enter_never_confirms_a_destructive_action() {
    let mut st = State::for_tests(now());
    confirm_for(
        &mut st,
        Action::DeletePod {
            namespace: "kitops".into(),
            name: "kitops-backend-1".into(),
            uid: "u1".into(),
            force: false,
        },
    );
    assert!(press(&mut st, KeyCode::Enter).is_empty());
    assert!(render_to_string(&st, 200, 60).contains("destructive: press y to confirm"));
    let cmds = press(&mut st, KeyCode::Char('y'));
    assert!(matches!(
        cmds.as_slice(),
        [Command::Execute(Action::DeletePod { .. })]
    ));
}

#[test]
fn scaling_to_zero_needs_the_deployment_name_typed() {
    let mut st = State::for_tests(now());
    confirm_for(
        &mut st,
        Action::Scale {
            namespace: "kitops".into(),
            deployment: "kitops-backend".into(),
            from: 5,
            to: 0,
        },
    );
    assert!(
        press(&mut st, KeyCode::Char('y')).is_empty(),
        "y is just a typed letter here"
    );
    assert!(
        press(&mut st, KeyCode::Enter).is_empty(),
        "wrong text does not confirm"
    );
    press(&mut st, KeyCode::Backspace); // remove the stray `y`
    for c in "kitops-backend".chars() {
        press(&mut st, KeyCode::Char(c));
    }
    let cmds = press(&mut st, KeyCode::Enter);
    assert!(
        matches!(
            cmds.as_slice(),
            [Command::Execute(Action::Scale { to: 0, .. })]
        ),
        "{cmds:?}"
    );
}

#[test]
fn readonly_refuses_in_the_ui_and_in_the_executor() {
    let mut cfg = State::for_tests(now()).config.as_ref().clone();
    cfg.readonly = true;
    let dir = tempfile::tempdir().expect("tempdir");
    cfg.audit_log = dir.path().join("audit.jsonl");
    let mut st = State::with_config(cfg.clone(), now());
    assert!(press(&mut st, KeyCode::Char('r')).is_empty());
    assert!(st.modals.is_empty(), "no dialog in read-only mode");
    assert!(render_to_string(&st, 200, 60).contains("read-only mode"));
    assert!(render_to_string(&st, 200, 60)
        .lines()
        .next()
        .is_some_and(|l| l.contains("READ-ONLY")));

    // Even an action that reaches the executor some other way is refused, and audited.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let action = Action::RolloutRestart {
        namespace: "kitops".into(),
        deployment: "kitops-backend".into(),
    };
    let outcome = rt.block_on(Executor::new(&cfg).run(&action));
    assert!(
        matches!(outcome, Outcome::Refused(ref m) if m.contains("read-only")),
        "{outcome:?}"
    );
    let audit = std::fs::read_to_string(&cfg.audit_log).expect("audit written");
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["phase"], "attempt");
    assert_eq!(lines[1]["phase"], "result");
    assert_eq!(lines[1]["outcome"]["result"], "refused");
    assert_eq!(lines[0]["verb"], "rollout-restart");
}

#[test]
fn stale_data_shows_its_age_and_the_error() {
    let mut st = State::for_tests(now());
    let good = Snapshot::live(HostData::default(), now() - Duration::from_secs(45));
    update(&mut st, Event::Source(SourceUpdate::Host(good)));
    // Postgres: good data 45 s ago, then a failure
    let pg_good = Snapshot::live(Default::default(), now() - Duration::from_secs(45));
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(
            pg_good.failed("connect: connection refused"),
        )),
    );
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("3 PG activity  ✖ stale 45s"), "{screen}");
    assert!(screen.contains("connect: connection refused"), "{screen}");
    update(&mut st, Event::Tick(now() + Duration::from_secs(60)));
    assert!(render_to_string(&st, 200, 60).contains("stale 1m45s"));
    assert_eq!(
        st.pane(PaneId::PgActivity).fetched_at,
        Some(now() - Duration::from_secs(45))
    );
}

#[test]
fn pause_is_shown_and_sent_to_collectors() {
    let mut st = State::for_tests(now());
    assert_eq!(
        press(&mut st, KeyCode::Char('p')),
        vec![Command::SetPaused(true)]
    );
    assert!(render_to_string(&st, 200, 60)
        .lines()
        .next()
        .is_some_and(|l| l.contains("PAUSED")));
    assert_eq!(
        press(&mut st, KeyCode::Char('p')),
        vec![Command::SetPaused(false)]
    );
}
