//! Connections used vs max_connections against a counted set of sessions, and a
//! server that goes away mid-session (a TCP proxy the test kills and restarts):
//! the snapshot keeps the last good data with the error, then is live again.

use crate::support::pg;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::{PaneId, State};
use kitops_top::collect::postgres::PgCollector;
use kitops_top::collect::{spawn_poller, Collector, Controls, SourceStatus};
use kitops_top::config::SecretUrl;
use kitops_top::view::table::{Level, SummaryItem};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::task::JoinHandle;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_percentage_counts_every_client_session() {
    let app = pg::unique("kt_count");
    let admin = pg::session(&app).await;
    let count = || async {
        let r = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'",
                &[],
            )
            .await
            .expect("count");
        r.get::<_, i64>(0)
    };
    let mut extra = Vec::new();
    for _ in 0..6 {
        extra.push(pg::session(&app).await);
    }
    let mut settings = pg::settings();
    settings.connections_warn_percent = 1.0; // any usage is over this threshold
    let mut c = PgCollector::new(settings.clone());
    c.collect()
        .await
        .expect("warm-up: the collector's connection now exists");
    // Other tests (other binaries under nextest) open and close sessions: measure in
    // a window where the count did not move, else accept the bracket.
    let mut data = None;
    for _ in 0..10 {
        let before = count().await;
        let d = c.collect().await.expect("collect");
        let after = count().await;
        if before == after {
            assert_eq!(
                d.counts.used, before,
                "client backends, the console's included"
            );
            data = Some(d);
            break;
        }
        assert!(
            d.counts.used >= before.min(after) && d.counts.used <= before.max(after),
            "used {} not within [{before}, {after}]",
            d.counts.used
        );
        data = Some(d);
    }
    let data = data.expect("measured");
    assert!(data.counts.used >= 8, "7 test sessions + the collector");
    assert!(data.counts.own >= 1);
    assert_eq!(data.max_connections, {
        let r = admin
            .query_one("SELECT current_setting('max_connections')::int8", &[])
            .await
            .expect("max");
        r.get::<_, i64>(0)
    });
    assert!(data.counts.idle >= 7, "{:?}", data.counts);

    let dir = tempfile::tempdir().expect("tempdir");
    let now = pg::fixed_now();
    let st = {
        let mut st = State::with_config(pg::config(dir.path(), settings), now);
        update(
            &mut st,
            Event::Source(SourceUpdate::Postgres(kitops_top::collect::Snapshot::live(
                data.clone(),
                now,
            ))),
        );
        st
    };
    let summary = &st.pane(PaneId::PgActivity).table.content.summary;
    let SummaryItem::Gauge {
        label,
        ratio,
        level,
    } = &summary[0]
    else {
        panic!("first summary item is the connections gauge: {summary:?}")
    };
    assert_eq!(
        label.as_str(),
        format!(
            "connections {}/{} (warn ≥1%)",
            data.counts.used, data.max_connections
        )
    );
    assert!((ratio - data.counts.used as f64 / data.max_connections as f64).abs() < 1e-9);
    assert_eq!(*level, Level::Warn);
    drop(extra);
}

/// A TCP proxy to the real server that the test can kill and restart on the same port.
struct Proxy {
    port: u16,
    accept: Option<JoinHandle<()>>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(port: u16) -> Proxy {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket
            .bind(format!("127.0.0.1:{port}").parse().expect("addr"))
            .expect("bind proxy port");
        let listener: TcpListener = socket.listen(64).expect("listen");
        let port = listener.local_addr().expect("addr").port();
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let c2 = conns.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let h = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(pg::HOST_PORT).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                if let Ok(mut v) = c2.lock() {
                    v.push(h);
                }
            }
        });
        Proxy {
            port,
            accept: Some(accept),
            conns,
        }
    }

    fn kill(&mut self) {
        if let Some(a) = self.accept.take() {
            a.abort();
        }
        if let Ok(mut v) = self.conns.lock() {
            for h in v.drain(..) {
                h.abort();
            }
        }
    }
}

async fn wait_status(
    rx: &mut tokio::sync::watch::Receiver<
        kitops_top::collect::Snapshot<kitops_top::collect::postgres::PgData>,
    >,
    what: &str,
    pred: impl Fn(&kitops_top::collect::Snapshot<kitops_top::collect::postgres::PgData>) -> bool,
) -> kitops_top::collect::Snapshot<kitops_top::collect::postgres::PgData> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        {
            let s = rx.borrow_and_update().clone();
            if pred(&s) {
                return s;
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        assert!(
            !left.is_zero(),
            "timed out waiting for {what}: {:?}",
            rx.borrow().status
        );
        let _ = tokio::time::timeout(left, rx.changed()).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_gone_mid_session_shows_error_and_stale_then_recovers() {
    let mut proxy = Proxy::start(0).await;
    let port = proxy.port;
    let mut settings = pg::settings();
    settings.url = Some(SecretUrl::new(format!(
        "postgres://postgres@127.0.0.1:{port}/{}?sslmode=disable",
        pg::DB
    )));
    let (_pause, controls) = Controls::free_running();
    let mut rx = spawn_poller(
        PgCollector::new(settings),
        Duration::from_millis(200),
        Duration::from_secs(3),
        controls,
    );
    let live = wait_status(&mut rx, "live", |s| s.status == SourceStatus::Live).await;
    let good_at = live.fetched_at.expect("fetched");

    proxy.kill();
    let failed = wait_status(&mut rx, "error", |s| {
        matches!(s.status, SourceStatus::Error(_))
    })
    .await;
    assert!(failed.data.is_some(), "last good data kept");
    assert!(failed.fetched_at.is_some_and(|t| t >= good_at));

    // The pane shows the error line and how stale its data is.
    let now = failed.fetched_at.expect("t") + Duration::from_secs(7);
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(failed.clone())),
    );
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(screen.contains("3 PG activity  ✖ stale 7s"), "{screen}");
    assert!(
        screen.contains("connections "),
        "last good data still drawn: {screen}"
    );

    // The server comes back on the same address: the collector reconnects by itself.
    let _proxy2 = Proxy::start(port).await;
    let back = wait_status(&mut rx, "live again", |s| s.status == SourceStatus::Live).await;
    assert!(back.fetched_at > failed.fetched_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_backend_terminated_reconnects_on_next_round() {
    let mut c = PgCollector::new(pg::settings());
    let first = c.collect().await.expect("first round");
    let own = c.backend_pid().expect("connected");
    assert!(
        first.session_by_pid(own).is_none(),
        "the console's own backend is excluded"
    );
    let admin = pg::session("kt_admin").await;
    admin
        .execute("SELECT pg_terminate_backend($1)", &[&own])
        .await
        .expect("terminate");
    // The next round fails (or, if the driver already saw the close, reconnects).
    let mut errors = 0;
    let data = loop {
        match c.collect().await {
            Ok(d) => break d,
            Err(_) if errors < 5 => errors += 1,
            Err(e) => panic!("did not recover: {e}"),
        }
    };
    assert_ne!(c.backend_pid(), Some(own), "a new connection");
    assert!(data.server_now_us >= first.server_now_us);
}
