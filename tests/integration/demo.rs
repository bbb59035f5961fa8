//! Recordings and the demo: `kitops-top record` against the real PostgreSQL and Redis
//! and its playback on the collectors' channels; the built-in recording through the
//! real reducer and executor (dialogs open, nothing runs, nothing is audited).

use crate::support::pg;
use crate::support::redis as redis_support;

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::act::Executor;
use kitops_top::app::modal::Modal;
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::replay::{self, Frame, Recording};
use kitops_top::config::SecretUrl;
use kitops_top::headless::record;
use kitops_top::ui::render_to_string;

const PG_PASSWORD: &str = "s3cr3t-demo-pw";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_then_play_back_live_postgres_and_redis() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = pg::config(dir.path(), pg::settings());
    // trust auth ignores the password; it must still never reach the recording.
    config.postgres.url = Some(SecretUrl::new(format!(
        "postgres://postgres:{PG_PASSWORD}@{}/{}?sslmode=disable",
        pg::HOST_PORT,
        pg::DB
    )));
    config.redis = redis_support::settings("redis://127.0.0.1:6379");
    config.kube.enabled = false;
    config.refresh = Duration::from_millis(500);
    let out = dir.path().join("recording.jsonl");

    let written = record::run(&config, &out, Duration::from_secs(4))
        .await
        .expect("records");
    let bytes = std::fs::read(&out).expect("recording written");
    let recording = Recording::parse(&bytes).expect("recording parses");
    let lines = recording.lines();
    let text = format!("{:?}", lines);
    assert!(
        !String::from_utf8_lossy(&bytes).contains(PG_PASSWORD) && !text.contains(PG_PASSWORD),
        "no secret in a recording"
    );
    assert_eq!(recording.records.len(), written);
    let with_data = |f: fn(&Frame) -> bool| lines.iter().filter(|l| f(&l.frame)).count();
    assert!(
        with_data(|f| matches!(f, Frame::Postgres(r) if r.data.is_some())) >= 2,
        "{text}"
    );
    assert!(
        with_data(|f| matches!(f, Frame::Redis(r) if r.data.is_some())) >= 2,
        "{text}"
    );
    assert!(
        with_data(|f| matches!(f, Frame::Kube(_))) == 0,
        "kube was off: {text}"
    );

    let first_wall = lines[0].wall;
    let player = replay::player::Player::new(std::sync::Arc::new(recording), false, vec![]);
    let (mut channels, handle) = replay::player::spawn(player);
    tokio::time::timeout(Duration::from_secs(5), async {
        while channels.pg.borrow_and_update().data.is_none() {
            channels.pg.changed().await.expect("player running");
        }
    })
    .await
    .expect("the player publishes the recorded PostgreSQL snapshot");
    let now = handle.status.borrow().now;
    assert!(
        now >= first_wall - Duration::from_secs(1) && now < first_wall + Duration::from_secs(30),
        "the player's clock runs on the recording's time"
    );
}

fn press(st: &mut State, c: char) -> Vec<kitops_top::app::Command> {
    update(
        st,
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    )
}

#[tokio::test]
async fn the_demo_opens_dialogs_but_runs_and_audits_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = pg::config(dir.path(), pg::settings()).into_demo();
    assert!(
        config.postgres.url.is_none() && !config.kube.enabled,
        "no source in a demo"
    );
    config.audit_log = dir.path().join("audit.jsonl");
    let recording = Recording::parse(replay::BUILT_IN).expect("built-in recording");
    let kube = recording
        .lines()
        .iter()
        .find_map(|l| match &l.frame {
            Frame::Kube(r) if r.data.is_some() => Some(r.clone()),
            _ => None,
        })
        .expect("a kube frame");
    let mut st = State::with_config(config.clone(), SystemTime::now());
    let snapshot = kitops_top::collect::Snapshot::live(
        kube.data.expect("data"),
        kube.fetched_at.unwrap_or(SystemTime::now()),
    );
    update(&mut st, Event::Source(SourceUpdate::Kube(snapshot)));

    press(&mut st, 'r');
    let Some(Modal::Confirm(confirm)) = st.modals.last() else {
        panic!("r opens the confirmation dialog in a demo");
    };
    let action = confirm.action.clone();
    let screen = render_to_string(&st, 100, 30);
    assert!(
        screen.contains("DEMO — recorded data; this will not run"),
        "{screen}"
    );
    assert!(screen.contains("DEMO (recorded)"), "{screen}");

    let mut executor = Executor::new(&config);
    assert_eq!(
        executor.validate(&action).await,
        None,
        "no dry run against anything"
    );
    let outcome = executor.run(&action).await;
    assert_eq!(
        outcome,
        kitops_top::app::action::Outcome::Refused("demo recording: not run".into())
    );
    assert!(
        !config.audit_log.exists(),
        "nothing attempted, nothing audited"
    );
}

/// The built-in demo at 80x24 before its first action: its incident reaches the
/// attention line, most severe first, and the strips show their panes' worst state.
#[test]
fn the_demo_incident_fills_the_attention_line_at_80x24() {
    let recording = Recording::parse(replay::BUILT_IN).expect("built-in recording");
    let until = crate::incident::before_first_action(&recording);
    let config = kitops_top::config::resolve(
        &kitops_top::cli::Opts::default(),
        &|_| None,
        &kitops_top::config::FileConfig::default(),
    )
    .expect("defaults")
    .into_demo();
    let mut st = State::with_config(config, SystemTime::now());
    for line in recording.lines().into_iter().filter(|l| l.at_ms < until) {
        let ev = match &line.frame {
            Frame::Kube(r) => SourceUpdate::Kube(live(r)),
            Frame::Postgres(r) => SourceUpdate::Postgres(live(r)),
            Frame::Redis(r) => SourceUpdate::Redis(live(r)),
            Frame::Aws(r) => SourceUpdate::Aws(live(r)),
            Frame::Host(r) => SourceUpdate::Host(live(r)),
            Frame::Deps(r) => SourceUpdate::Deps(live(r)),
        };
        st.now = line.wall;
        update(&mut st, Event::Source(ev));
    }
    let screen = render_to_string(&st, 80, 24);
    println!("{screen}");
    let attention = screen.lines().nth(1).unwrap_or_default();
    assert!(attention.starts_with(" ✖ "), "{screen}");
    let texts = crate::support::problem_texts(&st);
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("PG: 3 blocked behind pid")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("CrashLoopBackOff")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.starts_with("Redis hit 4")),
        "{texts:?}"
    );
    // Most severe first: what users feel (5xx, p95, the failing health check), then what
    // is stuck — three sessions blocked before one crash-looping pod.
    let at = |prefix: &str| texts.iter().position(|t| t.starts_with(prefix));
    assert!(
        at("ALB errors") < at("PG: 3 blocked") && at("PG: 3 blocked") < at("pod kitops-backend"),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.starts_with("deploy kitops-backend")),
        "said by the pod: {texts:?}"
    );
}

fn live<T: Clone>(
    r: &kitops_top::collect::replay::Recorded<T>,
) -> kitops_top::collect::Snapshot<T> {
    kitops_top::collect::Snapshot {
        data: r.data.clone().map(std::sync::Arc::new),
        fetched_at: r.fetched_at,
        status: r.status.clone(),
    }
}
