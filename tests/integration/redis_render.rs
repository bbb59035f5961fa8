//! Render snapshots of the Redis pane (focused with key '5') at 80x24 and 200x60:
//! standalone with a warning hit rate, cluster mode with a failing node, stale data.

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::State;
use kitops_top::collect::redis::delta::{IntervalHit, Rates};
use kitops_top::collect::redis::info::{Counters, DbKeys, Info, Replica};
use kitops_top::collect::redis::{aggregate, NodeStats, RedisData};
use kitops_top::collect::Snapshot;
use kitops_top::ui::render_to_string;

fn t0() -> SystemTime {
    crate::support::clock::at(1_790_000_000)
}

const MI: u64 = 1024 * 1024;

fn node_info(used_mi: u64, keys: u64) -> Info {
    Info {
        redis_version: "7.0.15".into(),
        redis_mode: "standalone".into(),
        run_id: "0f3c".into(),
        uptime_s: 3 * 86_400 + 4 * 3600,
        connected_clients: 42,
        blocked_clients: 2,
        used_memory: used_mi * MI,
        used_memory_rss: used_mi * MI + 40 * MI,
        maxmemory: 1024 * MI,
        maxmemory_policy: Some("volatile-lru".into()),
        fragmentation_ratio: Some(1.08),
        counters: Counters {
            keyspace_hits: 9_120_000,
            keyspace_misses: 880_000,
            total_commands: 52_000_000,
            evicted_keys: 1200,
            expired_keys: 88_000,
            rejected_connections: 0,
        },
        instantaneous_ops_per_sec: 1800,
        role: "master".into(),
        replicas: vec![Replica {
            addr: "10.0.1.12:6379".into(),
            state: "online".into(),
            offset: Some(1_000_000),
            lag_s: Some(1),
        }],
        master_repl_offset: Some(1_000_100),
        master_link_status: None,
        master_last_io_s: None,
        cluster_enabled: false,
        keyspace: vec![
            DbKeys {
                db: 0,
                keys,
                expires: keys / 2,
                avg_ttl_ms: 3_600_000,
            },
            DbKeys {
                db: 2,
                keys: 17,
                expires: 0,
                avg_ttl_ms: 0,
            },
        ],
    }
}

fn rates(ops: f64, evicted: f64) -> Rates {
    Rates {
        interval_s: 2.0,
        ops_per_sec: ops,
        evicted_per_sec: evicted,
        expired_per_sec: 3.5,
        rejected_in_interval: 0,
        hits: 2900,
        misses: 1100,
    }
}

fn history() -> Vec<f64> {
    (0..120)
        .map(|i| 95.0 - (i as f64 * 0.2) - if i % 17 == 0 { 10.0 } else { 0.0 })
        .collect()
}

fn standalone() -> RedisData {
    let node = NodeStats {
        name: "kitops-cache.abc123.use1.cache.amazonaws.com:6379".into(),
        info: node_info(780, 120_345),
        rates: Some(rates(1834.0, 2.5)),
        hit: IntervalHit::Rate {
            percent: 72.5,
            hits: 2900,
            misses: 1100,
        },
        lifetime_hit_percent: Some(91.2),
        ..Default::default()
    };
    RedisData {
        server: "rediss://kitops-monitor:***@kitops-cache.abc123.use1.cache.amazonaws.com:6379"
            .into(),
        cluster: false,
        total: node.clone(),
        nodes: vec![node],
        hit_history: history(),
        notes: vec![],
        reply_bytes: 4100,
    }
}

fn cluster() -> RedisData {
    let mk = |i: usize, used: u64, keys: u64, pct: f64| {
        let mut info = node_info(used, keys);
        info.redis_mode = "cluster".into();
        info.cluster_enabled = true;
        info.maxmemory_policy = Some("allkeys-lru".into());
        NodeStats {
            name: format!("10.0.2.{}:6379", 10 + i),
            id: format!("{:040x}", 0xabc0 + i),
            slots: Some([5461, 5462, 5461][i]),
            info,
            rates: Some(rates(600.0 + i as f64 * 10.0, 0.0)),
            hit: IntervalHit::Rate {
                percent: pct,
                hits: (pct * 10.0) as u64,
                misses: 1000 - (pct * 10.0) as u64,
            },
            lifetime_hit_percent: Some(pct),
            ..Default::default()
        }
    };
    let mut nodes = vec![mk(0, 410, 40_000, 96.0), mk(1, 395, 39_000, 94.0)];
    nodes.push(NodeStats {
        name: "10.0.2.12:6379".into(),
        id: format!("{:040x}", 0xabc2),
        slots: Some(5461),
        error: Some("connect: 10.0.2.12:6379: Connection refused (os error 111)".into()),
        ..Default::default()
    });
    let total = aggregate(&nodes);
    RedisData {
        server: "rediss://clustercfg.kitops-cache.abc123.use1.cache.amazonaws.com:6379".into(),
        cluster: true,
        total,
        nodes,
        hit_history: history(),
        notes: vec![],
        reply_bytes: 12_000,
    }
}

fn screen(snap: Snapshot<RedisData>, now: SystemTime, w: u16, h: u16) -> String {
    let mut st = State::for_tests(now);
    update(&mut st, Event::Source(SourceUpdate::Redis(snap)));
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('5'), KeyModifiers::NONE)),
    );
    render_to_string(&st, w, h)
}

#[test]
fn standalone_80x24() {
    let s = screen(Snapshot::live(standalone(), t0()), t0(), 80, 24);
    assert!(s.contains("hit 72.5%"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn standalone_200x60() {
    let s = screen(Snapshot::live(standalone(), t0()), t0(), 200, 60);
    assert!(s.contains("db0"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn cluster_80x24() {
    let s = screen(Snapshot::live(cluster(), t0()), t0(), 80, 24);
    assert!(s.contains("10.0.2.10:6379"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn cluster_200x60() {
    let s = screen(Snapshot::live(cluster(), t0()), t0(), 200, 60);
    assert!(s.contains("connect: Connection"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn stale_after_error_80x24() {
    let live = Snapshot::live(standalone(), t0());
    let failed = live.failed("connect: kitops-cache:6379: Connection refused (os error 111)");
    let s = screen(failed, t0() + Duration::from_secs(95), 80, 24);
    assert!(s.contains("stale 1m35s"), "{s}");
    insta::assert_snapshot!(s);
}

#[test]
fn aggregate_sums_primaries_and_skips_failed_ones() {
    let d = cluster();
    assert_eq!(d.total.info.connected_clients, 84);
    assert_eq!(d.total.info.keyspace[0].keys, 79_000);
    assert_eq!(
        d.total.info.maxmemory_policy.as_deref(),
        Some("allkeys-lru")
    );
    assert_eq!(d.total.hit.percent(), Some(95.0));
}

#[test]
fn policy_key_asks_then_confirms_with_the_exact_command() {
    let mut st = State::for_tests(t0());
    update(
        &mut st,
        Event::Source(SourceUpdate::Redis(Snapshot::live(standalone(), t0()))),
    );
    let key = |st: &mut State, code: KeyCode| {
        update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    };
    key(&mut st, KeyCode::Char('5'));
    key(&mut st, KeyCode::Char('e'));
    let ask = render_to_string(&st, 80, 24);
    assert!(ask.contains("current: volatile-lru"), "{ask}");
    insta::assert_snapshot!("policy_ask_80x24", ask);
    key(&mut st, KeyCode::Down);
    key(&mut st, KeyCode::Enter);
    let confirm = render_to_string(&st, 80, 24);
    assert!(confirm.contains("volatile-lru → allkeys-lfu"), "{confirm}");
    assert!(
        confirm.contains("CONFIG SET maxmemory-policy allkeys-lfu"),
        "{confirm}"
    );
    insta::assert_snapshot!("policy_confirm_80x24", confirm);
}
