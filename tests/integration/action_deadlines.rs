//! A frozen server cannot hold the console: every action has a deadline, a timed-out
//! action is reported and audited as failed (never as done), and actions for other
//! sources do not wait behind it.

use std::net::TcpListener;
use std::time::Duration;

use kitops_top::act::Executor;
use kitops_top::app::action::{Action, Outcome, PgAction, PgBackendRef, RedisAction};
use kitops_top::app::{update, Event, State};
use kitops_top::config::SecretUrl;
use kitops_top::jobs::ActionQueues;
use kitops_top::ui::render_to_string;
use tokio::sync::mpsc;

use crate::support::{pg, redis};

/// A PostgreSQL server that accepts connections and never answers: what a frozen
/// server looks like from the client. Lives as long as the returned listener.
fn frozen_server() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    (l, port)
}

fn cancel_on(pid: i32) -> Action {
    Action::Pg(PgAction::Cancel(PgBackendRef {
        pid,
        backend_start_us: 1,
        query_start_us: Some(2),
        user: "app".into(),
        application: "app".into(),
        state: "active".into(),
        duration: "1s".into(),
        query: "SELECT pg_sleep(60)".into(),
        blocks: 0,
        server_version_num: 150_000,
        instead_of_cancel: false,
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_action_fails_at_its_deadline_and_is_audited_as_failed() {
    let (_listener, port) = frozen_server();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = pg::settings();
    settings.url = Some(SecretUrl::new(format!(
        "postgresql://postgres@127.0.0.1:{port}/test"
    )));
    let config = pg::config(dir.path(), settings);
    let mut exec = Executor::new(&config).with_deadline(Duration::from_secs(1));
    let outcome = exec.run(&cancel_on(4242)).await;
    assert!(
        matches!(&outcome, Outcome::Failed(m) if m.contains("timed out after 1s")),
        "{outcome:?}"
    );
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit");
    let last = audit.lines().last().unwrap_or_default();
    assert!(
        last.contains("\"phase\":\"result\"") && last.contains("\"result\":\"failed\""),
        "{audit}"
    );
    assert!(
        last.contains(&format!(
            "\"target\":\"postgres postgresql://postgres@127.0.0.1:{port}/test\""
        )),
        "{last}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_action_does_not_wait_behind_a_hung_postgres_one() {
    let (_listener, port) = frozen_server();
    let server = redis::TestServer::start(&[]);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = redis::config_for(&server.url(), &dir.path().join("audit.jsonl"));
    config.postgres.url = Some(SecretUrl::new(format!(
        "postgresql://postgres@127.0.0.1:{port}/test"
    )));
    let (tx, mut rx) = mpsc::channel(8);
    let queues = ActionQueues::spawn(&config, &tx);
    queues.run(cancel_on(4242)).expect("queued");
    let policy = Action::Redis(RedisAction::SetEvictionPolicy {
        from: "noeviction".into(),
        to: "allkeys-lru".into(),
    });
    queues.run(policy.clone()).expect("queued");
    let first = tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an outcome within 10 s")
        .expect("event");
    let Event::Outcome { action, outcome } = first else {
        panic!("expected an outcome, got {first:?}");
    };
    assert_eq!(
        action, policy,
        "Redis answered first, while PostgreSQL hangs"
    );
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
}

#[test]
fn the_footer_shows_a_running_action_until_its_outcome() {
    let mut st = State::for_tests(crate::support::clock::fixed());
    let action = cancel_on(7);
    let confirm = kitops_top::app::modal::ConfirmState::open(action.clone(), &st);
    st.modals
        .push(kitops_top::app::modal::Modal::Confirm(confirm));
    // A cancel needs no typed pid: `y` confirms it.
    update(
        &mut st,
        Event::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('y'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    let screen = render_to_string(&st, 80, 24);
    assert!(
        screen.contains("running pg-cancel backend pid 7 · 0s of 15s"),
        "{screen}"
    );
    update(
        &mut st,
        Event::Outcome {
            action,
            outcome: Outcome::Failed("timed out after 15s".into()),
        },
    );
    let screen = render_to_string(&st, 80, 24);
    assert!(!screen.contains("running pg-cancel"), "{screen}");
    assert!(screen.contains("timed out after 15s"), "{screen}");
}

#[test]
fn a_read_only_refusal_is_audited() {
    let mut config = pg::config(std::path::Path::new("/nonexistent"), pg::settings());
    config.readonly = true;
    let mut st = State::with_config(config, crate::support::clock::fixed());
    let cmds = update(
        &mut st,
        Event::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('r'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    let [kitops_top::app::Command::AuditRefusal(r)] = cmds.as_slice() else {
        panic!("expected one audit of the refusal, got {cmds:?}");
    };
    assert_eq!(r.op, "rollout-restart");
    assert!(r.reason.contains("read-only"), "{r:?}");
    assert!(r.target.starts_with("kubernetes context"), "{r:?}");
}
