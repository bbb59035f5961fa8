//! The Redis collector, pane and action against real redis-server instances that
//! the tests start themselves (free ports, own temp dirs), so global changes
//! (CONFIG RESETSTAT, policies, kills) never disturb other tests.

use crate::support::redis as support;

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::act;
use kitops_top::app::action::{Action, InputPurpose, Op, Outcome, Plan};
use kitops_top::app::action::{RedisAction, RedisInput, RedisOp};
use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::State;
use kitops_top::collect::redis::delta::IntervalHit;
use kitops_top::collect::redis::{RedisCollector, RedisData};
use kitops_top::collect::{CollectError, Collector, Snapshot};
use kitops_top::ui::render_to_string;
use redis::Commands;
use support::*;

fn focus_redis(st: &mut State) {
    update(
        st,
        Event::Key(KeyEvent::new(KeyCode::Char('5'), KeyModifiers::NONE)),
    );
}

fn render(snap: Snapshot<RedisData>, now_offset: Duration) -> String {
    let mut st = State::for_tests(t0() + now_offset);
    update(&mut st, Event::Source(SourceUpdate::Redis(snap)));
    focus_redis(&mut st);
    render_to_string(&st, 200, 60)
}

/// `hits` GETs of an existing key and `misses` GETs of absent ones.
fn reads(c: &mut redis::Connection, prefix: &str, hits: usize, misses: usize) {
    let key = format!("{prefix}:present");
    let _: () = c.set(&key, "v").expect("set");
    for _ in 0..hits {
        let _: Option<String> = c.get(&key).expect("get");
    }
    for i in 0..misses {
        let _: Option<String> = c.get(format!("{prefix}:absent:{i}")).expect("get");
    }
}

#[tokio::test]
async fn interval_hit_rate_is_exact_and_zero_reads_say_so() {
    let server = TestServer::start(&[]);
    let mut col = RedisCollector::new(settings(&server.url()));
    let first = col.collect().await.expect("first collect");
    assert_eq!(first.total.hit, IntervalHit::FirstSample);
    assert!(!first.cluster);

    let mut c = server.conn();
    reads(&mut c, "hr", 30, 10);
    let d = col.collect().await.expect("second collect");
    assert_eq!(
        d.total.hit,
        IntervalHit::Rate {
            percent: 75.0,
            hits: 30,
            misses: 10
        }
    );
    assert_eq!(d.hit_history, vec![75.0]);
    assert_eq!(d.total.lifetime_hit_percent, Some(75.0));
    let rates = d.total.rates.expect("rates after two samples");
    assert!(rates.interval_s > 0.0 && rates.ops_per_sec > 0.0);
    assert_eq!(d.total.info.keyspace[0].keys, 1);
    let screen = render(Snapshot::live(d, t0()), Duration::ZERO);
    assert!(
        screen.contains("hit 75.0% (30 hits / 10 misses in interval)"),
        "{screen}"
    );
    assert!(screen.contains("lifetime 75.0%"), "{screen}");
    // 75 % is below the default 80 % threshold: the hit line carries the warn symbol.
    assert!(screen.contains("▲ hit 75.0%"), "{screen}");

    let idle = col.collect().await.expect("third collect");
    assert_eq!(idle.total.hit, IntervalHit::NoReads);
    assert_eq!(
        idle.hit_history,
        vec![75.0],
        "no-read intervals add no point"
    );
    let screen = render(Snapshot::live(idle, t0()), Duration::ZERO);
    assert!(screen.contains("no reads in interval"), "{screen}");
    assert!(!screen.contains("NaN"), "{screen}");
}

#[tokio::test]
async fn config_resetstat_restarts_rates_without_negative_values() {
    let server = TestServer::start(&[]);
    let mut col = RedisCollector::new(settings(&server.url()));
    let mut c = server.conn();
    reads(&mut c, "rs", 50, 50);
    col.collect().await.expect("collect");
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query(&mut c)
        .expect("resetstat");
    reads(&mut c, "rs", 1, 0);
    let d = col.collect().await.expect("collect after reset");
    match &d.total.hit {
        IntervalHit::Reset { reason } => assert!(reason.contains("RESETSTAT"), "{reason}"),
        other => panic!("expected a reset, got {other:?}"),
    }
    assert!(d.total.rates.is_none(), "no rates across a reset");
    let screen = render(Snapshot::live(d, t0()), Duration::ZERO);
    assert!(screen.contains("rates restart"), "{screen}");

    reads(&mut c, "rs", 3, 1);
    let d = col
        .collect()
        .await
        .expect("collect after the reset interval");
    assert_eq!(d.total.hit.percent(), Some(75.0));
    let r = d.total.rates.expect("rates again");
    assert!(r.ops_per_sec >= 0.0 && r.evicted_per_sec >= 0.0);
}

#[tokio::test]
async fn eviction_policy_change_is_applied_and_audited() {
    let server = TestServer::start(&["--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru"]);
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit.jsonl");
    let config = config_for(&server.url(), &audit);
    let mut col = RedisCollector::new(config.redis.clone());
    let data = col.collect().await.expect("collect");
    assert_eq!(
        data.total.info.maxmemory_policy.as_deref(),
        Some("volatile-lru")
    );

    let mut st = State::with_config(config.clone(), t0());
    update(
        &mut st,
        Event::Source(SourceUpdate::Redis(Snapshot::live(data, t0()))),
    );
    focus_redis(&mut st);
    let screen = render_to_string(&st, 200, 60);
    assert!(
        screen.contains("mem ") && screen.contains("/64.0Mi volatile-lru"),
        "{screen}"
    );

    let Plan::Ask(req) = kitops_top::app::plan(Op::Redis(RedisOp::EvictionPolicy), &st) else {
        panic!("expected a question");
    };
    assert_eq!(req.initial, "allkeys-lru");
    assert_eq!(req.choices.len(), 8);
    assert_eq!(
        req.purpose,
        InputPurpose::Redis(RedisInput::EvictionPolicy {
            from: "volatile-lru".into()
        })
    );
    let action =
        kitops_top::app::action::complete(&req.purpose, &req.initial).expect("valid choice");
    let spec = kitops_top::app::modal::ConfirmState::open(action.clone(), &st).spec;
    assert_eq!(spec.equivalent, "CONFIG SET maxmemory-policy allkeys-lru");
    assert!(spec
        .facts
        .iter()
        .any(|(k, v)| k == "maxmemory-policy" && v == "volatile-lru → allkeys-lru"));

    let outcome = act::Executor::new(&config).run(&action).await;
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
    let policy: Vec<String> = redis::cmd("CONFIG")
        .arg("GET")
        .arg("maxmemory-policy")
        .query(&mut server.conn())
        .expect("config get");
    assert_eq!(policy[1], "allkeys-lru");

    let log = std::fs::read_to_string(&audit).expect("audit log written");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].contains("\"attempt\"") && lines[0].contains("redis-set-maxmemory-policy"));
    assert!(
        lines[1].contains("\"result\"") && lines[1].contains("\"done\""),
        "{log}"
    );
    assert!(lines[1].contains("allkeys-lru"));

    let d = col.collect().await.expect("collect");
    assert_eq!(
        d.total.info.maxmemory_policy.as_deref(),
        Some("allkeys-lru")
    );
}

#[tokio::test]
async fn disabled_config_points_to_the_parameter_group() {
    let server = TestServer::start(&["--rename-command", "CONFIG", ""]);
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(&server.url(), &dir.path().join("audit.jsonl"));
    // The collector does not need CONFIG: the policy comes from INFO memory.
    let mut col = RedisCollector::new(config.redis.clone());
    let d = col.collect().await.expect("collect without CONFIG");
    assert_eq!(d.total.info.maxmemory_policy.as_deref(), Some("noeviction"));

    let action = Action::Redis(RedisAction::SetEvictionPolicy {
        from: "noeviction".into(),
        to: "allkeys-lru".into(),
    });
    let outcome = act::Executor::new(&config).run(&action).await;
    let Outcome::Failed(msg) = outcome else {
        panic!("expected a failure, got {outcome:?}");
    };
    assert!(
        msg.contains("not allowed on this server (ElastiCache"),
        "{msg}"
    );
    assert!(
        msg.contains("aws elasticache modify-cache-parameter-group"),
        "{msg}"
    );
    assert!(msg.contains("ParameterValue=allkeys-lru"), "{msg}");
    assert!(!msg.contains("unknown command"), "no raw error: {msg}");
}

#[tokio::test]
async fn wrong_password_is_a_clear_auth_error_without_the_password() {
    let server = TestServer::start(&["--requirepass", "right-horse-battery"]);
    for userinfo in [":Wr0ngPa55word", "monitor:Wr0ngPa55word"] {
        let mut col = RedisCollector::new(settings(&server.url_with(userinfo)));
        let err = col.collect().await.expect_err("wrong password must fail");
        assert!(matches!(err, CollectError::Auth(_)), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("wrong username or password"), "{msg}");
        assert!(!msg.contains("Wr0ngPa55word"), "{msg}");

        let screen = render(Snapshot::loading().failed(msg), Duration::ZERO);
        assert!(screen.contains("auth:"), "{screen}");
        assert!(screen.contains("wrong username or password"), "{screen}");
        assert!(!screen.contains("Wr0ngPa55word"), "{screen}");
    }
    // No password at all: the server says NOAUTH and we say what to do.
    let mut col = RedisCollector::new(settings(&server.url()));
    let msg = col.collect().await.expect_err("no password").to_string();
    assert!(msg.contains("requires a password"), "{msg}");
    // The right one works.
    let mut col = RedisCollector::new(settings(&server.url_with(":right-horse-battery")));
    col.collect().await.expect("right password");
}

#[tokio::test]
async fn minimal_acl_user_works_and_a_missing_info_permission_is_named() {
    let server = TestServer::start(&[]);
    let mut c = server.conn();
    for (user, rules) in [
        ("kt-monitor", vec!["on", ">mon-pass-1", "+info", "+ping"]),
        ("kt-noinfo", vec!["on", ">mon-pass-2", "+ping"]),
    ] {
        let _: () = redis::cmd("ACL")
            .arg("SETUSER")
            .arg(user)
            .arg("reset")
            .arg(&rules)
            .query(&mut c)
            .expect("acl setuser");
    }
    let mut col = RedisCollector::new(settings(&server.url_with("kt-monitor:mon-pass-1")));
    let d = col.collect().await.expect("a +info +ping user is enough");
    assert_eq!(d.total.info.role, "master");
    col.collect().await.expect("and stays enough");

    let mut col = RedisCollector::new(settings(&server.url_with("kt-noinfo:mon-pass-2")));
    let err = col.collect().await.expect_err("no INFO permission");
    assert!(matches!(err, CollectError::Permission(_)), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("may not run INFO"), "{msg}");
    assert!(msg.contains("ACL SETUSER kt-noinfo +info"), "{msg}");
    assert!(!msg.contains("mon-pass-2"), "{msg}");
}

#[tokio::test]
async fn tls_with_a_generated_certificate() {
    let certs = tempfile::tempdir().expect("tempdir");
    let (ca, cert, key) = make_certs(certs.path());
    let server = TestServer::start_tls(&cert, &key, &ca);
    let url = format!("rediss://127.0.0.1:{}", server.port);

    let mut s = settings(&url);
    s.ca_file = Some(ca.clone());
    let mut col = RedisCollector::new(s);
    let d = col
        .collect()
        .await
        .expect("TLS collect with the private CA");
    assert!(d.server.starts_with("rediss://127.0.0.1:"), "{}", d.server);
    assert!(!d.total.info.run_id.is_empty());

    // Without the CA the certificate is not trusted, and the error says it is a connect problem.
    let mut col = RedisCollector::new(settings(&url));
    let err = col.collect().await.expect_err("untrusted certificate");
    assert!(matches!(err, CollectError::Connect(_)), "{err:?}");
}

#[tokio::test]
async fn killed_and_restarted_server_goes_stale_then_recovers() {
    let mut server = TestServer::start(&[]);
    let mut col = RedisCollector::new(settings(&server.url()));
    let live = Snapshot::live(col.collect().await.expect("collect"), t0());
    let run_id = live.data.as_ref().map(|d| d.total.info.run_id.clone());

    server.kill();
    let err = col.collect().await.expect_err("server is gone");
    assert!(matches!(err, CollectError::Connect(_)), "{err:?}");
    let failed = live.failed(err.to_string());
    assert!(failed.data.is_some(), "last good data is kept");
    let screen = render(failed, Duration::from_secs(12));
    assert!(screen.contains("stale 12s"), "{screen}");
    assert!(screen.contains("connect:"), "{screen}");
    assert!(
        screen.contains("ops/s"),
        "last good data still shown: {screen}"
    );

    server.restart();
    let mut recovered = None;
    for _ in 0..50 {
        if let Ok(d) = col.collect().await {
            recovered = Some(d);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let d = recovered.expect("collector reconnects after the restart");
    assert_ne!(Some(d.total.info.run_id.clone()), run_id);
    assert!(
        matches!(&d.total.hit, IntervalHit::Reset { reason } if reason.contains("restarted")),
        "{:?}",
        d.total.hit
    );
    let screen = render(Snapshot::live(d, t0()), Duration::ZERO);
    assert!(screen.contains("live"), "{screen}");
    assert!(!screen.contains("stale"), "{screen}");
}

#[tokio::test]
async fn cluster_mode_shows_every_primary_and_the_aggregate() {
    let nodes = start_cluster();
    let dir = tempfile::tempdir().expect("tempdir");
    let config = config_for(&nodes[1].url(), &dir.path().join("audit.jsonl"));
    let mut col = RedisCollector::new(config.redis.clone());
    let first = col.collect().await.expect("cluster collect");
    assert!(first.cluster);
    assert_eq!(first.nodes.len(), 3);
    assert_eq!(
        first.nodes.iter().filter_map(|n| n.slots).sum::<u32>(),
        16384
    );

    // 30 keys spread over the shards: each SET goes to whichever node owns the slot.
    let mut conns: Vec<redis::Connection> = nodes.iter().map(|n| n.conn()).collect();
    let mut hits = 0;
    for i in 0..30 {
        let key = format!("ck:{i}");
        let owner = (0..3)
            .find(|&n| conns[n].set::<_, _, ()>(&key, "v").is_ok())
            .expect("some node owns the slot");
        for _ in 0..3 {
            let _: Option<String> = conns[owner].get(&key).expect("get");
            hits += 1;
        }
    }
    let d = col.collect().await.expect("second cluster collect");
    let keys: u64 = d.total.info.keyspace.iter().map(|k| k.keys).sum();
    assert_eq!(keys, 30);
    assert_eq!(
        d.total.hit,
        IntervalHit::Rate {
            percent: 100.0,
            hits,
            misses: 0
        }
    );
    assert!(d.nodes.iter().all(|n| n.error.is_none()));

    let mut st = State::with_config(config.clone(), t0());
    update(
        &mut st,
        Event::Source(SourceUpdate::Redis(Snapshot::live(d, t0()))),
    );
    focus_redis(&mut st);
    let screen = render_to_string(&st, 200, 60);
    for n in &nodes {
        assert!(
            screen.contains(&format!("127.0.0.1:{}", n.port)),
            "{screen}"
        );
    }

    // A monitoring user without CLUSTER still gets the node it connected to, and a note.
    for c in conns.iter_mut() {
        let _: () = redis::cmd("ACL")
            .arg("SETUSER")
            .arg("kt-mon")
            .arg(&["reset", "on", ">kt-mon-pw", "+info", "+ping"])
            .query(c)
            .expect("acl setuser");
    }
    let mut limited = RedisCollector::new(settings(&format!(
        "redis://kt-mon:kt-mon-pw@127.0.0.1:{}",
        nodes[0].port
    )));
    let d = limited
        .collect()
        .await
        .expect("collect without CLUSTER permission");
    assert!(!d.cluster);
    assert!(
        d.notes.iter().any(|n| n.contains("may not run CLUSTER")),
        "{:?}",
        d.notes
    );

    // The policy action reaches every primary.
    let action = Action::Redis(RedisAction::SetEvictionPolicy {
        from: "noeviction".into(),
        to: "allkeys-lfu".into(),
    });
    let outcome = act::Executor::new(&config).run(&action).await;
    assert!(matches!(outcome, Outcome::Done(_)), "{outcome:?}");
    for c in conns.iter_mut() {
        let p: Vec<String> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("maxmemory-policy")
            .query(c)
            .expect("config get");
        assert_eq!(p[1], "allkeys-lfu");
    }
}
