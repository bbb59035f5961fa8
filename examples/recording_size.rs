//! How big a `--record` file gets, and how fast a seek in it answers: one simulated
//! hour at the default 2 s refresh with 100 pods and 200 PostgreSQL sessions, written
//! by the real `RecordingWriter` (keyframes every 30 s + JSON-patch changes, gzip).
//!
//! The snapshots start from the built-in demo recording's, scaled up: pods cloned to
//! 100 (metrics change every 60 s, as metrics-server's resolution; one pod restarts
//! every 5 min), sessions cloned to 200 with distinct pids, each refresh moving the
//! server clock and a third of the sessions to a new state / query start / wait event
//! (a busy pool); Redis counters and host load change every refresh.
//!
//! The session's events go in too: an incident declared at minute 5 and saved whole at
//! every change (a note and a crossing each minute), an action every two minutes. A
//! seek is measured twice: the player alone, and the player plus the reducer taking
//! its output plus a 200x60 render — what the screen needs to show the new position.
//!
//! `cargo run --release --example recording_size [-- --minutes 60]`

// A benchmark: a setup step that fails should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use kitops_top::app::incident::{EntryKind, Incident, Severity};
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::replay::player::{Control, Player};
use kitops_top::collect::replay::writer::RecordingWriter;
use kitops_top::collect::replay::{self, Frame, Recording};

fn main() {
    let minutes: u64 = std::env::args()
        .skip_while(|a| a != "--minutes")
        .nth(1)
        .and_then(|m| m.parse().ok())
        .unwrap_or(60);
    let demo = Recording::parse(replay::BUILT_IN)
        .expect("built-in")
        .lines();
    let pick = |f: fn(&Frame) -> bool| {
        demo.iter()
            .rev()
            .find(|l| f(&l.frame))
            .unwrap()
            .frame
            .clone()
    };
    let Frame::Kube(mut kube) = pick(|f| matches!(f, Frame::Kube(r) if r.data.is_some())) else {
        unreachable!()
    };
    let Frame::Postgres(mut pg) = pick(|f| matches!(f, Frame::Postgres(r) if r.data.is_some()))
    else {
        unreachable!()
    };
    let Frame::Redis(mut redis) = pick(|f| matches!(f, Frame::Redis(r) if r.data.is_some())) else {
        unreachable!()
    };
    let Frame::Host(mut host) = pick(|f| matches!(f, Frame::Host(r) if r.data.is_some())) else {
        unreachable!()
    };
    let Frame::Aws(aws) = pick(|f| matches!(f, Frame::Aws(r) if r.data.is_some())) else {
        unreachable!()
    };

    let k = kube.data.as_mut().unwrap();
    let template = k.pods.clone();
    k.pods = (0..100)
        .map(|i| {
            let mut p = template[i % template.len()].clone();
            p.name = format!("{}-{i:03}", p.name);
            p.uid = format!("{}-{i:03}", p.uid);
            p
        })
        .collect();
    let d = pg.data.as_mut().unwrap();
    let sessions = d.sessions.clone();
    d.sessions = (0..200)
        .map(|i| {
            let mut s = sessions[i % sessions.len()].clone();
            s.pid = 10_000 + i as i32;
            s
        })
        .collect();
    d.counts.used = 200;

    let started = Instant::now();
    let mut w = RecordingWriter::new(Vec::new(), false).expect("writer");
    let t0 = SystemTime::now();
    let rounds = minutes * 60 / 2;
    let mut incident: Option<Incident> = None;
    let mut seed: u64 = 42;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..rounds {
        let offset = Duration::from_secs(round * 2);
        let wall = t0 + offset;
        let d = pg.data.as_mut().unwrap();
        d.server_now_us += 2_000_000;
        for s in d.sessions.iter_mut() {
            if rand() % 3 == 0 {
                let states = ["active", "idle", "idle in transaction"];
                s.state = Some(states[(rand() % 3) as usize].into());
                s.query_start_us = Some(d.server_now_us - (rand() % 5_000_000) as i64);
                s.state_change_us = s.query_start_us;
                s.wait_event = if rand() % 4 == 0 {
                    Some("ClientRead".into())
                } else {
                    None
                };
            }
        }
        pg.fetched_at = Some(wall);
        w.snapshot_at(&Frame::Postgres(pg.clone()), offset, wall)
            .unwrap();
        let r = redis.data.as_mut().unwrap();
        r.total.info.counters.keyspace_hits += rand() % 500;
        r.total.info.counters.keyspace_misses += rand() % 300;
        r.total.info.uptime_s += 2;
        redis.fetched_at = Some(wall);
        w.snapshot_at(&Frame::Redis(redis.clone()), offset, wall)
            .unwrap();
        let h = host.data.as_mut().unwrap();
        h.load_1m = (rand() % 400) as f64 / 100.0;
        host.fetched_at = Some(wall);
        w.snapshot_at(&Frame::Host(host.clone()), offset, wall)
            .unwrap();
        if round % 30 == 0 {
            let k = kube.data.as_mut().unwrap();
            for p in k.pods.iter_mut() {
                if let Some(u) = p.usage.as_mut() {
                    u.memory *= 0.95 + (rand() % 100) as f64 / 1000.0;
                    u.cpu *= 0.95 + (rand() % 100) as f64 / 1000.0;
                }
            }
            if round % 150 == 0 {
                k.pods[7].restarts += 1;
            }
            kube.fetched_at = Some(wall);
            w.snapshot_at(&Frame::Kube(kube.clone()), offset, wall)
                .unwrap();
        }
        if round % 8 == 0 {
            w.snapshot_at(&Frame::Aws(aws.clone()), offset, wall)
                .unwrap();
        }
        // The session's events: an incident declared at minute 5 and saved (whole) at
        // every change — a note or a crossing each minute — an action every 2 minutes.
        if round == 150 {
            incident = Some(Incident::declare(Severity::Sev1, "checkout errors", wall));
        }
        if let Some(inc) = incident.as_mut().filter(|_| round % 30 == 0) {
            inc.push(
                wall,
                EntryKind::Note,
                format!("note at round {round}"),
                None,
            );
            w.event_at(
                "incident",
                serde_json::to_value(&*inc).unwrap(),
                offset,
                wall,
            )
            .unwrap();
            let crossing = serde_json::json!({ "crossings": [format!("DB connections {round}")] });
            w.event_at("crossing", crossing, offset, wall).unwrap();
        }
        if round % 60 == 0 {
            let action = serde_json::json!({"verb": "scale",
                "object": "deployment/kitops-backend -n kitops",
                "target": "kubernetes context kube-sim",
                "outcome": {"result": "done", "message": "scaled"}});
            w.event_at("action", action, offset, wall).unwrap();
        }
    }
    let records = w.records;
    let bytes = w.finish().unwrap();
    let write_s = started.elapsed().as_secs_f64();
    let mb = bytes.len() as f64 / 1_000_000.0;
    println!("simulated {minutes} min: {records} records, {:.2} MB ({:.2} MB/hour), written in {write_s:.1} s", mb, mb * 60.0 / minutes as f64);

    let parsed = Instant::now();
    let rec = Recording::parse(&bytes).expect("reads back");
    println!(
        "read back in {:.2} s ({} records)",
        parsed.elapsed().as_secs_f64(),
        rec.records.len()
    );
    let mut player = Player::new(Arc::new(rec), false, vec![]);
    // What a seek costs the player (each source rebuilt from its last keyframe), and
    // what the screen costs after it: the reducer taking every frame and event
    // (panes rebuilt, incident and audit trail restored) and a 200x60 render.
    let mut state = State::for_tests(t0);
    let mut seek_ms = Vec::new();
    let mut screen_ms = Vec::new();
    let n = 40;
    for i in 0..n {
        let to = (rand() % (minutes * 60_000)) as i64;
        player.control(Control::Start);
        let at = Instant::now();
        let out = player.control(Control::SeekBy(to));
        let seeked = at.elapsed();
        assert!(!out.frames.is_empty(), "seek {i}");
        for f in out.frames {
            update(&mut state, Event::Source(SourceUpdate::from(f)));
        }
        update(
            &mut state,
            Event::Recorded {
                reset: out.reset,
                events: out.events,
            },
        );
        update(&mut state, Event::ReplayStatus(player.status()));
        let screen = kitops_top::ui::render_to_string(&state, 200, 60);
        assert!(screen.contains("kitops-top"));
        seek_ms.push(seeked.as_secs_f64() * 1000.0);
        screen_ms.push(at.elapsed().as_secs_f64() * 1000.0);
    }
    let stats = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        (mean, v[v.len() * 95 / 100], v[v.len() - 1])
    };
    let (mean, p95, worst) = stats(&mut seek_ms);
    println!(
        "seek to a random point ({n} seeks), player: mean {mean:.1} ms, p95 {p95:.1} ms, worst {worst:.1} ms"
    );
    let (mean, p95, worst) = stats(&mut screen_ms);
    println!(
        "seek to a random point, player + reducer + 200x60 render: mean {mean:.1} ms, p95 {p95:.1} ms, worst {worst:.1} ms"
    );
}
