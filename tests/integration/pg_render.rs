//! Render snapshots of both PostgreSQL panes (and the top-statements view) at
//! 80x24 and 200x60, from fixed data and a fixed clock.

use crate::support::pg;

use std::collections::HashMap;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::{PaneId, State};
use kitops_top::collect::postgres::locks::build_tree;
use kitops_top::collect::postgres::{
    LockWait, PgData, PgSession, PreparedXact, StateCounts, Statements, TopStatement,
};
use kitops_top::collect::Snapshot;
use kitops_top::view::table::Level;

const NOW: i64 = 1_780_000_000_000_000;
const S: i64 = 1_000_000;

#[allow(clippy::too_many_arguments)]
fn session(
    pid: i32,
    user: &str,
    app: &str,
    state: &str,
    wait: Option<(&str, &str)>,
    query_age_s: i64,
    xact_age_s: i64,
    query: &str,
    blocked_by: &[i32],
) -> PgSession {
    PgSession {
        pid,
        leader_pid: None,
        user: Some(user.into()),
        database: Some("kitops".into()),
        application: Some(app.into()),
        client_addr: Some("10.0.3.17".into()),
        client_hostname: None,
        client_port: Some(51000),
        backend_type: Some("client backend".into()),
        state: Some(state.into()),
        wait_event_type: wait.map(|w| w.0.into()),
        wait_event: wait.map(|w| w.1.into()),
        backend_start_us: Some(NOW - 3600 * S - pid as i64),
        xact_start_us: Some(NOW - xact_age_s * S),
        query_start_us: Some(NOW - query_age_s * S),
        state_change_us: Some(NOW - query_age_s * S + if state == "active" { 0 } else { S }),
        query: Some(query.into()),
        blocked_by: blocked_by.to_vec(),
    }
}

fn wait(pid: i32, mode: &str, object: &str, age_s: i64) -> LockWait {
    LockWait {
        pid,
        locktype: "transactionid".into(),
        mode: mode.into(),
        object: object.into(),
        wait_start_us: Some(NOW - age_s * S),
    }
}

pub fn sample() -> PgData {
    let sessions = vec![
        session(
            4101,
            "kitops",
            "backend-7d9f",
            "idle in transaction",
            Some(("Client", "ClientRead")),
            754,
            760,
            "UPDATE accounts\n   SET balance = balance - 10\n WHERE id = 42",
            &[],
        ),
        session(
            4102,
            "kitops",
            "backend-7d9f",
            "active",
            Some(("Lock", "transactionid")),
            612,
            615,
            "UPDATE accounts SET balance = balance + 10 WHERE id = 42",
            &[4101],
        ),
        session(
            4103,
            "kitops",
            "worker-55c1",
            "active",
            Some(("Lock", "transactionid")),
            540,
            540,
            "UPDATE accounts SET frozen = true WHERE id = 42",
            &[4101],
        ),
        session(
            4104,
            "reporting",
            "metabase",
            "active",
            Some(("Lock", "tuple")),
            300,
            300,
            "SELECT * FROM accounts WHERE id = 42 FOR UPDATE",
            &[4102],
        ),
        session(
            4105,
            "kitops",
            "backend-7d9f",
            "idle in transaction (aborted)",
            Some(("Client", "ClientRead")),
            95,
            96,
            "INSERT INTO orders VALUES (1, 'dup')",
            &[],
        ),
        session(
            4106,
            "analytics",
            "etl-nightly",
            "active",
            None,
            42,
            42,
            "SELECT date_trunc('day', created_at), count(*) FROM events GROUP BY 1 ORDER BY 1",
            &[],
        ),
        session(
            4107,
            "kitops",
            "backend-7d9f",
            "active",
            Some(("Lock", "transactionid")),
            20,
            20,
            "COMMIT PREPARED? no: UPDATE ledger SET posted = true WHERE batch = 7",
            &[0],
        ),
        session(
            4108,
            "kitops",
            "backend-7d9f",
            "active",
            None,
            1,
            1,
            "SELECT 1",
            &[],
        ),
    ];
    let waits = vec![
        wait(4102, "ShareLock", "public.accounts row", 612),
        wait(4103, "ShareLock", "public.accounts row", 540),
        wait(4104, "AccessExclusiveLock", "public.accounts", 300),
        wait(4107, "ShareLock", "public.ledger row", 20),
    ];
    let mut held = HashMap::new();
    held.insert(4101, vec!["ExclusiveLock".to_string()]);
    held.insert(4102, vec!["ExclusiveLock".to_string()]);
    let lock_tree = build_tree(&sessions, &waits, &held);
    PgData {
        server_version_num: 150_020,
        max_connections: 100,
        superuser_reserved: 3,
        server_now_us: NOW,
        current_user: "monitor".into(),
        can_read_all_stats: true,
        can_signal_backend: true,
        superuser: false,
        counts: StateCounts {
            used: 84,
            own: 1,
            active: 6,
            idle: 71,
            idle_in_transaction: 1,
            idle_in_transaction_aborted: 1,
            waiting: 4,
            insufficient_privilege: 0,
        },
        sessions,
        lock_waits: waits,
        lock_tree,
        prepared: vec![PreparedXact {
            gid: "batch-7".into(),
            owner: Some("kitops".into()),
            database: Some("kitops".into()),
            transaction: Some("9912".into()),
            prepared_us: Some(NOW - 900 * S),
        }],
        statements: Statements::Top {
            rows: vec![
                TopStatement {
                    queryid: Some("-812".into()),
                    user: Some("kitops".into()),
                    database: Some("kitops".into()),
                    calls: 182_331,
                    total_ms: 912_004.5,
                    mean_ms: 5.0,
                    rows: 182_331,
                    query: Some("SELECT * FROM accounts WHERE id = $1".into()),
                    delta_calls: Some(412),
                    delta_total_ms: Some(2051.7),
                },
                TopStatement {
                    queryid: Some("77".into()),
                    user: Some("analytics".into()),
                    database: Some("kitops".into()),
                    calls: 12,
                    total_ms: 401_220.0,
                    mean_ms: 33_435.0,
                    rows: 4_380,
                    query: Some(
                        "SELECT date_trunc($1, created_at), count(*) FROM events GROUP BY 1".into(),
                    ),
                    delta_calls: Some(0),
                    delta_total_ms: Some(0.0),
                },
            ],
            interval_s: Some(2.0),
        },
        stats: Default::default(),
    }
}

pub fn state_with(data: PgData, focus: char) -> State {
    let now = pg::fixed_now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(data, now))),
    );
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char(focus), KeyModifiers::NONE)),
    );
    st
}

fn toggle(st: &mut State) {
    update(
        st,
        Event::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::NONE)),
    );
}

#[test]
fn activity_pane_80x24_and_200x60() {
    let st = state_with(sample(), '3');
    insta::assert_snapshot!(
        "pg_activity_80x24",
        kitops_top::ui::render_to_string(&st, 80, 24)
    );
    insta::assert_snapshot!(
        "pg_activity_200x60",
        kitops_top::ui::render_to_string(&st, 200, 60)
    );
    let rows = &st.pane(PaneId::PgActivity).table.content.rows;
    // oldest query first, as the runbook's query orders them
    let pids: Vec<&str> = rows.iter().map(|r| r.cells.at(0)).collect();
    assert_eq!(
        pids,
        ["4101", "4102", "4103", "4104", "4105", "4106", "4107", "4108"]
    );
    // the old idle-in-transaction root blocker is critical, the aborted one warns
    assert_eq!(rows[0].level, Level::Crit);
    assert_eq!(rows[4].level, Level::Warn);
    let q = rows[0]
        .details
        .iter()
        .find(|(k, _)| k == "query")
        .expect("query detail");
    assert!(q.1.as_str().contains('\n'), "details keep the full query");
    assert!(!rows[0].cells.at(9).contains('\n'), "one line in the table");
}

#[test]
fn locks_pane_80x24_and_200x60() {
    let st = state_with(sample(), '4');
    insta::assert_snapshot!(
        "pg_locks_80x24",
        kitops_top::ui::render_to_string(&st, 80, 24)
    );
    insta::assert_snapshot!(
        "pg_locks_200x60",
        kitops_top::ui::render_to_string(&st, 200, 60)
    );
    let rows = &st.pane(PaneId::PgLocks).table.content.rows;
    let tree: Vec<(String, u8)> = rows
        .iter()
        .map(|r| (r.cells.at(0).to_string(), r.depth))
        .collect();
    let expect: Vec<(String, u8)> = [
        ("4101", 0),
        ("4102", 1),
        ("4104", 2),
        ("4103", 1),
        ("0", 0),
        ("4107", 1),
    ]
    .iter()
    .map(|(p, d)| (p.to_string(), *d))
    .collect();
    assert_eq!(tree, expect);
    assert!(
        rows[4].action_target().is_none(),
        "a prepared transaction cannot be signalled"
    );
}

#[test]
fn no_blocking_locks_says_so() {
    let mut d = sample();
    d.lock_tree.clear();
    let st = state_with(d, '4');
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(screen.contains("no blocking locks"), "{screen}");
}

#[test]
fn top_statements_view_and_missing_extension() {
    let mut st = state_with(sample(), '3');
    toggle(&mut st);
    insta::assert_snapshot!(
        "pg_top_statements_200x60",
        kitops_top::ui::render_to_string(&st, 200, 60)
    );
    insta::assert_snapshot!(
        "pg_top_statements_80x24",
        kitops_top::ui::render_to_string(&st, 80, 24)
    );
    let mut d = sample();
    d.statements = Statements::NotInstalled;
    let mut st = state_with(d, '3');
    toggle(&mut st);
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(
        screen.contains("pg_stat_statements is not installed"),
        "{screen}"
    );
    assert!(
        screen.contains("shared_preload_libraries = 'pg_stat_statements'"),
        "{screen}"
    );
    assert!(
        screen.contains("CREATE EXTENSION pg_stat_statements;"),
        "{screen}"
    );
    // back to activity
    toggle(&mut st);
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(screen.contains("connections 84/100"), "{screen}");
}

#[test]
fn terminate_dialog_80x24() {
    let mut st = state_with(sample(), '3');
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('K'), KeyModifiers::SHIFT)),
    );
    let screen = kitops_top::ui::render_to_string(&st, 80, 24);
    insta::assert_snapshot!("pg_terminate_dialog_80x24", screen);
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(
        screen.contains("pg_terminate_backend(pid, 5000)"),
        "{screen}"
    );
    assert!(screen.contains("4101"), "{screen}");
}

/// `c` on a backend idle in transaction: a cancel would do nothing (no query runs), so
/// the dialog says so and offers terminate, typed pid and all.
#[test]
fn cancel_on_an_idle_in_transaction_backend_offers_terminate() {
    use kitops_top::app::action::{Action, PgAction};
    use kitops_top::app::modal::Modal;
    let mut st = state_with(sample(), '3');
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)),
    );
    let Some(Modal::Confirm(confirm)) = st.modals.last() else {
        panic!("a dialog opens: {:?}", st.modals);
    };
    let Action::Pg(PgAction::Terminate(b)) = &confirm.action else {
        panic!("terminate is offered: {:?}", confirm.action);
    };
    assert_eq!(b.pid, 4101);
    assert_eq!(confirm.spec.typed_confirmation.as_deref(), Some("4101"));
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let screen = kitops_top::ui::render_to_string(&st, w, h);
        assert!(
            screen.contains("idle in transaction: cancel does nothing there"),
            "{screen}"
        );
        assert!(
            screen.contains("pg_terminate_backend(pid, 5000)"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("pg_idle_cancel_offers_terminate_{w}x{h}"), screen);
    }
}

/// The locks pane shows each session's transaction age: the idle root blocker's
/// transaction is older than any wait behind it.
#[test]
fn locks_pane_shows_transaction_age() {
    let st = state_with(sample(), '4');
    let pane = st.pane(PaneId::PgLocks);
    let xact = pane
        .table
        .content
        .columns
        .iter()
        .position(|c| c.title == "XACT")
        .expect("an XACT column");
    let root = &pane.table.content.rows[0];
    assert_eq!(root.cells.at(0), "4101");
    assert_eq!(root.cells.at(xact), "12m40s");
    let screen = kitops_top::ui::render_to_string(&st, 80, 24);
    assert!(screen.contains("XACT"), "{screen}");
    assert!(screen.contains("12m40s"), "{screen}");
}

/// A dialog left open keeps its ages live: the query's duration counts on with the
/// clock, without a new snapshot.
#[test]
fn an_open_dialog_keeps_counting_the_query_duration() {
    let mut st = state_with(sample(), '3');
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('K'), KeyModifiers::SHIFT)),
    );
    let duration_line = |st: &State| {
        let screen = kitops_top::ui::render_to_string(st, 200, 60);
        screen
            .lines()
            .find(|l| l.contains("duration:"))
            .unwrap_or_else(|| panic!("no duration in the dialog:\n{screen}"))
            .to_string()
    };
    assert!(
        duration_line(&st).contains("12m34s"),
        "{}",
        duration_line(&st)
    );
    let later = st.now + std::time::Duration::from_secs(30);
    update(&mut st, Event::Tick(later));
    assert!(
        duration_line(&st).contains("13m04s"),
        "{}",
        duration_line(&st)
    );
}
