//! Top statements: from pg_stat_statements on a private cluster that preloads it
//! (the shared server must not be restarted), with the change since the previous
//! refresh; and the "how to enable it" message where it is missing.

use crate::support::pg;
use crate::support::pg_cluster;

use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::{PaneId, State};
use kitops_top::collect::postgres::{PgCollector, Statements};
use kitops_top::collect::{Collector, Snapshot};
use kitops_top::config::SecretUrl;

fn screen_alt(data: kitops_top::collect::postgres::PgData) -> String {
    let now = pg::fixed_now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(data, now))),
    );
    st.focus = PaneId::PgActivity;
    update(
        &mut st,
        Event::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('t'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    // zoomed: the query column gets the whole width
    update(
        &mut st,
        Event::Key(crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char('z'),
            crossterm::event::KeyModifiers::NONE,
        )),
    );
    kitops_top::ui::render_to_string(&st, 200, 60)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn top_statements_with_delta_on_a_cluster_that_preloads_the_extension() {
    let cluster = pg_cluster::Cluster::start(&[
        "shared_preload_libraries = 'pg_stat_statements'".to_string(),
        "max_connections = 20".to_string(),
    ])
    .expect("private cluster starts (initdb under /usr/lib/postgresql/*/bin)");
    let (admin, conn) = tokio_postgres::connect(&cluster.url("postgres"), tokio_postgres::NoTls)
        .await
        .expect("connect");
    tokio::spawn(conn);
    admin
        .batch_execute("CREATE EXTENSION pg_stat_statements")
        .await
        .expect("extension");
    admin
        .batch_execute("CREATE DATABASE noext")
        .await
        .expect("database");
    let mut settings = pg::settings();
    settings.url = Some(SecretUrl::new(cluster.url("postgres")));
    let mut c = PgCollector::new(settings.clone());
    let first = c.collect().await.expect("first");
    assert!(
        matches!(
            first.statements,
            Statements::Top {
                interval_s: None,
                ..
            }
        ),
        "{:?}",
        first.statements
    );
    // first refresh also prepares the pg_stat_statements query
    assert_eq!(first.stats.round_trips, 3);

    // An expensive marker statement, run 5 times between two refreshes.
    for _ in 0..5 {
        admin
            .batch_execute("SELECT count(*) FROM generate_series(1, 300000) AS kt_marker_series")
            .await
            .expect("marker");
    }
    let _ = c.collect().await.expect("sample with the marker");
    for _ in 0..3 {
        admin
            .batch_execute("SELECT count(*) FROM generate_series(1, 300000) AS kt_marker_series")
            .await
            .expect("marker");
    }
    let data = c.collect().await.expect("third");
    assert_eq!(
        data.stats.round_trips, 2,
        "activity + locks, then pg_stat_statements"
    );
    let Statements::Top { rows, interval_s } = &data.statements else {
        panic!("{:?}", data.statements)
    };
    assert!(interval_s.is_some());
    let marker = rows
        .iter()
        .find(|r| {
            r.query
                .as_deref()
                .unwrap_or("")
                .contains("kt_marker_series")
        })
        .expect("the marker is among the top 10 by total time");
    assert_eq!(marker.calls, 8);
    assert_eq!(marker.delta_calls, Some(3));
    assert!(marker.delta_total_ms.is_some_and(|d| d > 0.0));
    assert!(
        rows.windows(2).all(|w| w[0].total_ms >= w[1].total_ms),
        "ordered by total time"
    );
    let screen = screen_alt(data.clone());
    assert!(screen.contains("top statements by total time"), "{screen}");
    assert!(screen.contains("kt_marker_series"), "{screen}");
    assert!(screen.contains("+3"), "delta calls shown: {screen}");

    // Loaded but not created in this database: say which step is missing.
    settings.url = Some(SecretUrl::new(cluster.url("noext")));
    let mut c2 = PgCollector::new(settings);
    let d2 = c2.collect().await.expect("noext");
    assert_eq!(d2.statements, Statements::NotCreated);
    let screen = screen_alt(d2);
    assert!(screen.contains("loaded but not created"), "{screen}");
    assert!(
        screen.contains("CREATE EXTENSION pg_stat_statements;"),
        "{screen}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shared_server_without_the_extension_says_how_to_enable_it() {
    let mut c = PgCollector::new(pg::settings());
    let data = c.collect().await.expect("collect");
    // The shared test server does not preload pg_stat_statements.
    assert!(
        matches!(
            data.statements,
            Statements::NotInstalled | Statements::NotLoaded
        ),
        "{:?}",
        data.statements
    );
    let screen = screen_alt(data);
    assert!(
        screen.contains("shared_preload_libraries = 'pg_stat_statements'"),
        "{screen}"
    );
}
