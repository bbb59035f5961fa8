//! Cancel / terminate through plan → describe → Executor against a real server:
//! cancel a pg_sleep, refuse an ended backend or a reused pid, permission denied for
//! a pg_monitor-only role, and `<insufficient privilege>` for a role without it.

use crate::support::pg;

use std::time::Duration;

use kitops_top::act::Executor;
use kitops_top::app::action::{Action, Outcome, Plan};
use kitops_top::app::action::{PgAction, PgOp};
use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::State;
use kitops_top::collect::postgres::{PgCollector, PgData};
use kitops_top::collect::Snapshot;
use kitops_top::view::table::Target;

fn target(data: &PgData, pid: i32) -> Target {
    let s = data.session_by_pid(pid).expect("session listed");
    Target::Backend {
        pid,
        backend_start_us: s.backend_start_us.expect("backend_start visible"),
    }
}

fn confirmed(plan: Plan) -> Action {
    match plan {
        Plan::Confirm(a) => a,
        other => panic!("expected a confirmation, got {other:?}"),
    }
}

fn describe(action: &Action) -> kitops_top::app::action::ConfirmSpec {
    let st = State::for_tests(pg::fixed_now());
    kitops_top::app::modal::ConfirmState::open(action.clone(), &st).spec
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_a_running_pg_sleep() {
    let app = pg::unique("kt_sleep");
    let s = pg::session(&app).await;
    let pid = pg::backend_pid(&s).await;
    let marker = pg::unique("marker");
    let q = {
        let s = s.clone();
        let sql = format!("SELECT pg_sleep(60) /* {marker} */");
        tokio::spawn(async move { s.simple_query(&sql).await.map(|_| ()) })
    };
    let mut c = PgCollector::new(pg::settings());
    let data = pg::collect_until(&mut c, |d| {
        d.session_by_pid(pid).is_some_and(|s| {
            s.state.as_deref() == Some("active")
                && s.query.as_deref().unwrap_or("").contains(&marker)
        })
    })
    .await;
    let action = confirmed(kitops_top::app::action::pg::plan(
        PgOp::Cancel,
        Some(&target(&data, pid)),
        Some(&data),
    ));
    let spec = describe(&action);
    assert_eq!(spec.typed_confirmation, None, "cancel needs no typed pid");
    assert!(
        spec.equivalent
            .starts_with("SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid = "),
        "{}",
        spec.equivalent
    );
    assert!(spec
        .facts
        .iter()
        .any(|(k, v)| k == "query" && v.contains(&marker)));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = pg::config(dir.path(), pg::settings());
    let outcome = Executor::new(&config).run(&action).await;
    assert!(
        matches!(&outcome, Outcome::Done(m) if m.contains("cancel")),
        "{outcome:?}"
    );
    let res = tokio::time::timeout(Duration::from_secs(10), q)
        .await
        .expect("query returns")
        .expect("join");
    let err = res.expect_err("pg_sleep was cancelled");
    assert_eq!(
        err.as_db_error().map(|d| d.code().code()),
        Some("57014"),
        "query_canceled: {err}"
    );
    // The session itself survives a cancel.
    s.simple_query("SELECT 1")
        .await
        .expect("session alive after cancel");
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit");
    assert!(
        audit.contains("pg-cancel") && audit.contains("\"result\":\"done\""),
        "{audit}"
    );
}

/// Runs `sql` on `s` in the background, as the application would.
fn spawn_query(
    s: &std::sync::Arc<tokio_postgres::Client>,
    sql: String,
) -> tokio::task::JoinHandle<Result<(), tokio_postgres::Error>> {
    let s = s.clone();
    tokio::spawn(async move { s.simple_query(&sql).await.map(|_| ()) })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_is_refused_when_the_backend_moved_on_to_another_query() {
    let app = pg::unique("kt_moved");
    let s = pg::session(&app).await;
    let pid = pg::backend_pid(&s).await;
    let (a, b) = (pg::unique("query_a"), pg::unique("query_b"));
    let first = spawn_query(&s, format!("SELECT pg_sleep(2) /* {a} */"));
    let mut c = PgCollector::new(pg::settings());
    let data = pg::collect_until(&mut c, |d| {
        d.session_by_pid(pid)
            .is_some_and(|x| x.query.as_deref().unwrap_or("").contains(&a))
    })
    .await;
    // The dialog is opened on query A …
    let on_a = confirmed(kitops_top::app::action::pg::plan(
        PgOp::Cancel,
        Some(&target(&data, pid)),
        Some(&data),
    ));
    assert!(describe(&on_a).equivalent.contains("IS NOT DISTINCT FROM"));
    // … A finishes and the same backend starts B before the user confirms.
    first.await.expect("join").expect("query A ran to its end");
    let second = spawn_query(&s, format!("SELECT pg_sleep(30) /* {b} */"));
    let _ = pg::collect_until(&mut c, |d| {
        d.session_by_pid(pid).is_some_and(|x| {
            x.state.as_deref() == Some("active") && x.query.as_deref().unwrap_or("").contains(&b)
        })
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let config = pg::config(dir.path(), pg::settings());
    let mut exec = Executor::new(&config);
    let outcome = exec.run(&on_a).await;
    assert!(
        matches!(&outcome, Outcome::Refused(m) if m.contains("query changed")),
        "{outcome:?}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!second.is_finished(), "query B was not cancelled");
    // Cancelling B itself, from a fresh selection, works.
    let data = c_collect(&mut c).await;
    let on_b = confirmed(kitops_top::app::action::pg::plan(
        PgOp::Cancel,
        Some(&target(&data, pid)),
        Some(&data),
    ));
    assert!(matches!(exec.run(&on_b).await, Outcome::Done(_)));
    let err = tokio::time::timeout(Duration::from_secs(10), second)
        .await
        .expect("B returns")
        .expect("join")
        .expect_err("B was cancelled");
    assert_eq!(err.as_db_error().map(|d| d.code().code()), Some("57014"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ended_backend_and_reused_pid_are_refused() {
    let app = pg::unique("kt_gone");
    let s = pg::session(&app).await;
    let pid = pg::backend_pid(&s).await;
    s.batch_execute("BEGIN; SELECT 1")
        .await
        .expect("idle in tx");
    let mut c = PgCollector::new(pg::settings());
    let data = pg::collect_until(&mut c, |d| d.session_by_pid(pid).is_some()).await;
    let t = target(&data, pid);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = pg::config(dir.path(), pg::settings());
    let mut exec = Executor::new(&config);

    // Same pid, different backend_start: what a reused pid looks like.
    let Target::Backend {
        backend_start_us, ..
    } = t
    else {
        unreachable!()
    };
    let mut reused = confirmed(kitops_top::app::action::pg::plan(
        PgOp::Terminate,
        Some(&t),
        Some(&data),
    ));
    if let Action::Pg(PgAction::Terminate(b)) = &mut reused {
        b.backend_start_us = backend_start_us + 1;
    }
    let outcome = exec.run(&reused).await;
    assert!(
        matches!(&outcome, Outcome::Refused(m) if m.contains("backend ended or pid reused")),
        "{outcome:?}"
    );
    s.simple_query("SELECT 1").await.expect("untouched");

    // The backend ends between selection and confirmation.
    let action = confirmed(kitops_top::app::action::pg::plan(
        PgOp::Terminate,
        Some(&t),
        Some(&data),
    ));
    drop(s);
    let _ = pg::collect_until(&mut c, |d| d.session_by_pid(pid).is_none()).await;
    let outcome = exec.run(&action).await;
    assert!(
        matches!(&outcome, Outcome::Refused(m) if m.contains("backend ended or pid reused")),
        "{outcome:?}"
    );
    // plan() itself refuses a target that is no longer listed.
    let later = c_collect(&mut c).await;
    assert!(matches!(
        kitops_top::app::action::pg::plan(PgOp::Cancel, Some(&t), Some(&later)),
        Plan::Refuse(_)
    ));
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit");
    assert_eq!(
        audit
            .lines()
            .filter(|l| l.contains("\"result\":\"refused\""))
            .count(),
        2,
        "{audit}"
    );
}

async fn c_collect(c: &mut PgCollector) -> PgData {
    use kitops_top::collect::Collector;
    c.collect().await.expect("collect")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pg_monitor_role_sees_queries_but_may_not_terminate() {
    let admin = pg::session("kt_admin").await;
    let role = pg::unique("kt_mon");
    pg::create_role(&admin, &role, &["pg_monitor"]).await;
    let app = pg::unique("kt_victim");
    let victim = pg::session(&app).await;
    let pid = pg::backend_pid(&victim).await;
    let marker = pg::unique("victim");
    victim
        .batch_execute(&format!("BEGIN; SELECT 1 /* {marker} */"))
        .await
        .expect("idle in tx");

    let mut c = PgCollector::new(pg::settings_for(&role));
    let data = pg::collect_until(&mut c, |d| d.session_by_pid(pid).is_some()).await;
    assert!(
        data.can_read_all_stats,
        "pg_monitor includes pg_read_all_stats"
    );
    assert!(!data.can_signal_backend);
    let s = data.session_by_pid(pid).expect("listed");
    assert!(s.query.as_deref().unwrap_or("").contains(&marker), "{s:?}");

    let action = confirmed(kitops_top::app::action::pg::plan(
        PgOp::Terminate,
        Some(&target(&data, pid)),
        Some(&data),
    ));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = pg::config(dir.path(), pg::settings_for(&role));
    let outcome = Executor::new(&config).run(&action).await;
    assert!(
        matches!(&outcome, Outcome::Failed(m) if m.contains("permission denied") && m.contains("pg_signal_backend")),
        "{outcome:?}"
    );
    victim
        .simple_query("SELECT 1")
        .await
        .expect("victim untouched");
    drop(c);
    pg::drop_role(&admin, &role).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn role_without_pg_read_all_stats_is_told_which_grant_is_missing() {
    let admin = pg::session("kt_admin").await;
    let role = pg::unique("kt_plain");
    pg::create_role(&admin, &role, &[]).await;
    let app = pg::unique("kt_other");
    let other = pg::session(&app).await;
    let pid = pg::backend_pid(&other).await;
    other
        .batch_execute("BEGIN; SELECT 1")
        .await
        .expect("idle in tx");

    let mut c = PgCollector::new(pg::settings_for(&role));
    let data = pg::collect_until(&mut c, |d| d.session_by_pid(pid).is_some()).await;
    assert!(!data.can_read_all_stats);
    let s = data.session_by_pid(pid).expect("listed (hidden)");
    assert_eq!(s.query.as_deref(), Some("<insufficient privilege>"));
    assert!(s.backend_start_us.is_none());
    assert!(data.counts.insufficient_privilege >= 1);

    let now = pg::fixed_now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(data.clone(), now))),
    );
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(
        screen.contains(
            "<insufficient privilege>: GRANT pg_monitor (or pg_read_all_stats) TO kt_plain"
        ),
        "{screen}"
    );
    let summary = format!(
        "{:?}",
        st.pane(kitops_top::app::PaneId::PgActivity)
            .table
            .content
            .summary
    );
    assert!(summary.contains(&format!("TO {role}")), "{summary}");
    // A hidden row carries no identity: actions on it are refused before the dialog.
    let row = st
        .pane(kitops_top::app::PaneId::PgActivity)
        .table
        .content
        .rows
        .iter()
        .find(|r| r.key.starts_with(&format!("pid:{pid}:")))
        .expect("hidden row shown");
    assert!(row.action_target().is_none());
    assert!(matches!(
        kitops_top::app::action::pg::plan(
            PgOp::Terminate,
            row.action_target().as_deref(),
            Some(&data)
        ),
        Plan::Refuse(_)
    ));
    drop(c);
    pg::drop_role(&admin, &role).await;
}
