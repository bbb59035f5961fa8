//! A prepared transaction that holds a row lock blocks a session: the tree shows a
//! pid-0 root naming the transaction's gid, and it cannot be cancelled/terminated.
//! Needs max_prepared_transactions > 0, so it runs on a private cluster.

use crate::support::pg;
use crate::support::pg_cluster;

use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::{PaneId, State};
use kitops_top::collect::postgres::PgCollector;
use kitops_top::collect::Snapshot;
use kitops_top::config::SecretUrl;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepared_transaction_blocker_is_pid_zero_with_its_gid() {
    let cluster = pg_cluster::Cluster::start(&["max_prepared_transactions = 5".to_string()])
        .expect("private cluster");
    let connect = || async {
        let (c, conn) = tokio_postgres::connect(&cluster.url("postgres"), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(conn);
        std::sync::Arc::new(c)
    };
    let admin = connect().await;
    admin
        .batch_execute("CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0)")
        .await
        .expect("table");
    admin
        .batch_execute("BEGIN; UPDATE t SET v = 1 WHERE id = 1; PREPARE TRANSACTION 'kt-batch-7'")
        .await
        .expect("prepared transaction");
    let waiter = connect().await;
    let wpid = pg::backend_pid(&waiter).await;
    let w = {
        let waiter = waiter.clone();
        tokio::spawn(async move {
            waiter
                .batch_execute("UPDATE t SET v = 2 WHERE id = 1")
                .await
        })
    };
    let mut settings = pg::settings();
    settings.url = Some(SecretUrl::new(cluster.url("postgres")));
    let mut c = PgCollector::new(settings);
    let data = pg::collect_until(&mut c, |d| {
        d.lock_tree
            .iter()
            .any(|n| n.pid == wpid && n.parent == Some(0))
    })
    .await;
    let root = &data.lock_tree[0];
    assert!(
        root.prepared && root.pid == 0 && root.depth == 0,
        "{root:?}"
    );
    assert_eq!(root.blocks, 1);
    assert_eq!(data.prepared.len(), 1);
    assert_eq!(data.prepared[0].gid, "kt-batch-7");

    let now = pg::fixed_now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(data.clone(), now))),
    );
    let rows = &st.pane(PaneId::PgLocks).table.content.rows;
    assert!(rows[0]
        .cells
        .iter()
        .any(|c| c.contains("prepared transaction kt-batch-7")));
    assert!(
        rows[0].action_target().is_none(),
        "cancel/terminate cannot end a prepared transaction"
    );
    assert!(rows[0]
        .details
        .iter()
        .any(|(k, v)| k == "resolve with" && v.as_str().contains("ROLLBACK PREPARED")));

    admin
        .batch_execute("ROLLBACK PREPARED 'kt-batch-7'")
        .await
        .expect("rollback prepared");
    w.await.expect("join").expect("the waiter proceeds");
}
