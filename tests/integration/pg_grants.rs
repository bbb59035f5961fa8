//! assets/postgres/grants.sql applied to the real server: the role it creates sees
//! other users' query texts (pg_monitor) and may signal their backends
//! (pg_signal_backend), as the console checks. Each run uses its own role name.

use kitops_top::collect::postgres::PgCollector;

use crate::support::pg;

#[tokio::test]
async fn grants_sql_gives_the_console_role_exactly_monitor_and_signal() {
    let admin = pg::session(&pg::unique("kt_admin")).await;
    let role = pg::unique("kt_grants");
    let sql = std::fs::read_to_string(format!(
        "{}/assets/postgres/grants.sql",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("grants.sql")
    .replace("kitops_top", &role);
    admin.batch_execute(&sql).await.expect("grants.sql applies");
    admin
        .batch_execute(&sql)
        .await
        .expect("grants.sql applies twice");

    // Another user's session whose query text only pg_monitor may read.
    let other = pg::unique("kt_other");
    pg::create_role(&admin, &other, &[]).await;
    let other_session = pg::session_as(&other, &pg::unique("kt_other_app")).await;
    let other_pid = pg::backend_pid(&other_session).await;
    let marker = pg::unique("visible");
    let sleeping = tokio::spawn({
        let s = other_session.clone();
        let sql = format!("SELECT pg_sleep(30) /* {marker} */");
        async move { s.simple_query(&sql).await.map(|_| ()) }
    });

    let mut collector = PgCollector::new(pg::settings_for(&role));
    let data = pg::collect_until(&mut collector, |d| {
        d.session_by_pid(other_pid)
            .is_some_and(|s| s.query.as_deref().unwrap_or("").contains(&marker))
    })
    .await;
    let console = pg::session_as(&role, &pg::unique("kt_console")).await;
    let cancelled: bool = console
        .query_one("SELECT pg_cancel_backend($1)", &[&other_pid])
        .await
        .expect("pg_cancel_backend")
        .get(0);
    let _ = sleeping.await;
    let member_of: Vec<String> = admin
        .query_one(
            "SELECT array_agg(g.rolname::text ORDER BY g.rolname) FROM pg_auth_members m \
             JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member \
             WHERE r.rolname = $1",
            &[&role],
        )
        .await
        .expect("memberships")
        .get(0);
    drop(console);
    drop(collector);
    pg::drop_role(&admin, &other).await;
    pg::drop_role(&admin, &role).await;

    assert_eq!(member_of, ["pg_monitor", "pg_signal_backend"]);
    assert_eq!(data.current_user, role);
    assert!(data.can_read_all_stats, "pg_monitor gives the full view");
    assert!(data.can_signal_backend, "pg_signal_backend is granted");
    assert!(!data.superuser, "the console role is not a superuser");
    assert!(
        cancelled,
        "the console role may cancel another user's query"
    );
}
