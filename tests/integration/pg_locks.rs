//! Real lock contention: A holds row locks, B and C wait on A, D waits on B.
//! The collected tree, the rendered pane, and `K` on A through the action path.

use crate::support::pg;

use std::collections::HashMap;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::act::Executor;
use kitops_top::app::action::Outcome;
use kitops_top::app::event::{Command, Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::State;
use kitops_top::collect::postgres::{PgCollector, PgData};
use kitops_top::collect::Snapshot;

fn key(c: char) -> Event {
    let m = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Event::Key(KeyEvent::new(KeyCode::Char(c), m))
}

fn enter() -> Event {
    Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

/// Keeps only the four test sessions and renames pids, times and the table so the
/// rendered pane is stable across runs.
fn normalize(data: &PgData, pids: &[(i32, i32)], table: &str) -> PgData {
    let map: HashMap<i32, i32> = pids.iter().copied().collect();
    let m = |p: i32| *map.get(&p).unwrap_or(&p);
    let mut d = data.clone();
    let now = 1_780_000_000_000_000i64;
    d.server_now_us = now;
    d.sessions.retain(|s| map.contains_key(&s.pid));
    // B, C and D start concurrently: order them A, B, C, D for a stable picture
    d.sessions.sort_by_key(|s| m(s.pid));
    for (i, s) in d.sessions.iter_mut().enumerate() {
        let age = 60_000_000 - i as i64 * 5_000_000;
        s.pid = m(s.pid);
        s.blocked_by = s.blocked_by.iter().map(|&p| m(p)).collect();
        s.backend_start_us = Some(now - 3_600_000_000 + i as i64);
        s.query_start_us = Some(now - age);
        s.xact_start_us = Some(now - age);
        s.state_change_us = Some(now - age);
        s.client_port = Some(5000);
        s.query = s.query.as_ref().map(|q| q.replace(table, "accounts"));
        s.application = Some("billing".into());
    }
    // Other tests make lock chains on the shared server at the same time: only ours.
    d.lock_waits.retain(|w| map.contains_key(&w.pid));
    d.lock_tree.retain(|n| map.contains_key(&n.pid));
    for w in &mut d.lock_waits {
        w.pid = m(w.pid);
        w.wait_start_us = Some(now - 10_000_000);
        w.object = w.object.replace(table, "accounts");
    }
    for n in &mut d.lock_tree {
        n.pid = m(n.pid);
        n.parent = n.parent.map(m);
        if let Some(w) = &mut n.waiting {
            w.pid = m(w.pid);
            w.wait_start_us = Some(now - 10_000_000);
            w.object = w.object.replace(table, "accounts");
        }
    }
    d.counts = kitops_top::collect::postgres::StateCounts {
        used: 5,
        own: 1,
        active: 3,
        idle_in_transaction: 1,
        waiting: 3,
        ..Default::default()
    };
    d
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn lock_chain_tree_and_terminate_root_blocker() {
    let table = pg::unique("kt_lock");
    let app = pg::unique("kt_app");
    let admin = pg::session(&app).await;
    admin
        .batch_execute(&format!(
            "CREATE TABLE {table} (id int PRIMARY KEY, v int); INSERT INTO {table} VALUES (1,0),(2,0),(10,0)"
        ))
        .await
        .expect("setup");

    let a = pg::session(&app).await;
    let b = pg::session(&app).await;
    let c = pg::session(&app).await;
    let d = pg::session(&app).await;
    let (pa, pb, pc, pd) = (
        pg::backend_pid(&a).await,
        pg::backend_pid(&b).await,
        pg::backend_pid(&c).await,
        pg::backend_pid(&d).await,
    );
    a.batch_execute(&format!(
        "BEGIN; UPDATE {table} SET v = v + 1 WHERE id IN (1, 2)"
    ))
    .await
    .expect("A locks rows 1 and 2");
    b.batch_execute(&format!(
        "BEGIN; UPDATE {table} SET v = v + 1 WHERE id = 10"
    ))
    .await
    .expect("B locks row 10");
    let bq = {
        let b = b.clone();
        let t = table.clone();
        tokio::spawn(async move {
            b.batch_execute(&format!("UPDATE {t} SET v = v + 1 WHERE id = 1"))
                .await
        })
    };
    let cq = {
        let c = c.clone();
        let t = table.clone();
        tokio::spawn(async move {
            c.batch_execute(&format!("UPDATE {t} SET v = v + 1 WHERE id = 2"))
                .await
        })
    };
    let dq = {
        let d = d.clone();
        let t = table.clone();
        tokio::spawn(async move {
            d.batch_execute(&format!("UPDATE {t} SET v = v + 1 WHERE id = 10"))
                .await
        })
    };

    let mut collector = PgCollector::new(pg::settings());
    let data = pg::collect_until(&mut collector, |d| {
        let mine: Vec<(i32, u8)> = d
            .lock_tree
            .iter()
            .filter(|n| [pa, pb, pc, pd].contains(&n.pid))
            .map(|n| (n.pid, n.depth))
            .collect();
        mine == [(pa, 0), (pb, 1), (pd, 2), (pc, 1)]
    })
    .await;

    // The snapshot: A is the root blocking 3 (B, C directly, D through B); B blocks D.
    let root = data
        .lock_tree
        .iter()
        .find(|n| n.pid == pa)
        .expect("A in tree");
    assert_eq!(root.depth, 0);
    assert_eq!(root.blocks, 3);
    assert!(root.waiting.is_none());
    assert!(
        root.held_modes.iter().any(|m| m == "ExclusiveLock"),
        "{root:?}"
    );
    let nb = data.lock_tree.iter().find(|n| n.pid == pb).expect("B");
    assert_eq!((nb.parent, nb.blocks), (Some(pa), 1));
    let wait_b = nb.waiting.as_ref().expect("B waits");
    assert_eq!(wait_b.mode, "ShareLock");
    assert_eq!(wait_b.object, format!("public.{table} row"), "{wait_b:?}");
    let nd = data.lock_tree.iter().find(|n| n.pid == pd).expect("D");
    assert_eq!(nd.parent, Some(pb));
    let nc = data.lock_tree.iter().find(|n| n.pid == pc).expect("C");
    assert_eq!(nc.parent, Some(pa));
    assert_eq!(
        data.stats.round_trips, 1,
        "no pg_stat_statements here: one round trip"
    );
    let sa = data.session_by_pid(pa).expect("A listed");
    assert_eq!(sa.state.as_deref(), Some("idle in transaction"));

    // The rendered pane (normalised pids/times so the snapshot is stable).
    let now = pg::fixed_now();
    let norm = normalize(&data, &[(pa, 101), (pb, 102), (pc, 103), (pd, 104)], &table);
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(norm, now))),
    );
    update(&mut st, key('4'));
    insta::assert_snapshot!(
        "pg_locks_real_chain_200x60",
        kitops_top::ui::render_to_string(&st, 200, 60)
    );

    // `K` on A through the real path: plan → describe → typed confirmation → executor.
    let dir = tempfile::tempdir().expect("tempdir");
    let config = pg::config(dir.path(), pg::settings());
    let mut st = State::with_config(config.clone(), now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(data.clone(), now))),
    );
    update(&mut st, key('4'));
    let selected = st.focused().table.selected().map(|r| r.key.clone());
    assert!(
        selected.as_deref().is_some_and(|k| k.starts_with("lock:")),
        "{selected:?}"
    );
    // Move to A: the root rows come first; A blocks 3 so it is the first root unless
    // another test's tree is bigger; select by key.
    while st
        .focused()
        .table
        .selected()
        .is_some_and(|r| r.key != format!("lock:{pa}"))
    {
        let before = st.focused().table.selected_position();
        update(&mut st, key('j'));
        assert_ne!(
            before,
            st.focused().table.selected_position(),
            "A's row not found"
        );
    }
    update(&mut st, key('K'));
    let Some(kitops_top::app::modal::Modal::Confirm(confirm)) = st.modals.last() else {
        panic!("K opens a confirmation; status: {:?}", st.status)
    };
    assert_eq!(
        confirm.spec.typed_confirmation.as_deref(),
        Some(pa.to_string().as_str())
    );
    assert!(confirm
        .spec
        .equivalent
        .contains("pg_terminate_backend(pid, 5000)"));
    assert!(confirm.spec.equivalent.contains(&format!("pid = {pa}")));
    assert!(confirm
        .spec
        .facts
        .iter()
        .any(|(k, v)| k == "blocks" && v == "3 session(s)"));
    assert!(confirm
        .spec
        .facts
        .iter()
        .any(|(k, v)| k == "state" && v == "idle in tx"));
    // Enter without typing is refused; typing the pid confirms.
    let cmds = update(&mut st, enter());
    assert!(cmds.is_empty());
    for ch in pa.to_string().chars() {
        update(&mut st, key(ch));
    }
    let cmds = update(&mut st, enter());
    let Some(Command::Execute(action)) = cmds.into_iter().next() else {
        panic!("typed pid confirms")
    };
    let outcome = Executor::new(&config).run(&action).await;
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");

    // A is gone; B and C proceed; D proceeds once B commits.
    assert!(
        a.batch_execute("SELECT 1").await.is_err(),
        "A's session ended"
    );
    tokio::time::timeout(Duration::from_secs(10), bq)
        .await
        .expect("B proceeds")
        .expect("join")
        .expect("B's update succeeds");
    tokio::time::timeout(Duration::from_secs(10), cq)
        .await
        .expect("C proceeds")
        .expect("join")
        .expect("C's update succeeds");
    b.batch_execute("COMMIT").await.expect("B commits");
    tokio::time::timeout(Duration::from_secs(10), dq)
        .await
        .expect("D proceeds")
        .expect("join")
        .expect("D's update succeeds");

    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).expect("audit log");
    let lines: Vec<&str> = audit.lines().collect();
    assert_eq!(lines.len(), 2, "{audit}");
    assert!(lines[0].contains("\"phase\":\"attempt\"") && lines[0].contains("pg-terminate"));
    assert!(lines[1].contains("\"result\":\"done\""), "{}", lines[1]);
    assert!(lines[1].contains(&format!("backend pid {pa}")));

    // The tree is empty for these sessions now.
    let after = pg::collect_until(&mut collector, |d| {
        !d.lock_tree
            .iter()
            .any(|n| [pa, pb, pc, pd].contains(&n.pid))
    })
    .await;
    assert!(after.session_by_pid(pa).is_none());
    admin
        .batch_execute(&format!("DROP TABLE {table}"))
        .await
        .expect("cleanup");
}
