//! `cargo run --release --example aws_bench` (or without `--release` for a quick
//! dev-profile run): what the Targets / RDS pane costs.
//! 1. `targets::build` on a large account (20 target groups × 50 targets, 5
//!    snapshots, 60 events) — runs on every snapshot;
//! 2. a full 200x60 render with that pane focused;
//! 3. one collection round against moto_server (skipped when moto is not installed):
//!    2 target groups, 3 targets, the RDS instance, events and snapshots.

// A benchmark: a setup step that fails should stop it loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/integration/support/moto.rs"]
mod moto;

use std::time::{Duration, Instant, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::aws::{
    AwsCollector, AwsData, HealthCheck, RdsEvent, RdsInfo, RdsSnapshot, TargetGroupInfo, TargetInfo,
};
use kitops_top::collect::{Collector, Snapshot};
use kitops_top::view::panes::{targets, BuildCtx};

fn large() -> AwsData {
    let states = [
        "healthy",
        "healthy",
        "healthy",
        "unhealthy",
        "draining",
        "initial",
    ];
    let target_groups = (0..20)
        .map(|g| TargetGroupInfo {
            arn: format!(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-{g}/{g:016x}"
            ),
            name: format!("tg-{g}"),
            protocol: Some("HTTP".into()),
            port: Some(8000 + g),
            target_type: Some("instance".into()),
            load_balancer_arns: vec![],
            health_check: HealthCheck {
                enabled: true,
                protocol: Some("HTTP".into()),
                port: Some("traffic-port".into()),
                path: Some("/health".into()),
                interval_s: 30,
                timeout_s: 5,
                healthy_threshold: 5,
                unhealthy_threshold: 2,
                matcher: Some("200".into()),
            },
            targets: (0..50)
                .map(|t| TargetInfo {
                    id: format!("i-{g:04x}{t:013x}"),
                    port: Some(8000 + g),
                    availability_zone: Some(format!("us-east-1{}", ['a', 'b', 'c'][t % 3])),
                    state: states[t % states.len()].into(),
                    reason: (t % 6 == 3).then(|| "Target.ResponseCodeMismatch".into()),
                    description: (t % 6 == 3)
                        .then(|| "Health checks failed with these codes: [502]".into()),
                })
                .collect(),
        })
        .collect();
    AwsData {
        region: "us-east-1".into(),
        scope: "load balancer kitops-alb".into(),
        target_groups,
        rds: Some(RdsInfo {
            id: "kitops-production".into(),
            status: "available".into(),
            engine: "postgres".into(),
            engine_version: "15.4".into(),
            class: "db.r6g.large".into(),
            multi_az: true,
            availability_zone: Some("us-east-1a".into()),
            secondary_availability_zone: Some("us-east-1b".into()),
            allocated_storage_gib: 100,
            latest_restorable_time: Some(1_768_473_000),
            events: (0..60)
                .map(|i| RdsEvent {
                    at: Some(1_768_473_000 - i * 60),
                    message: format!("event number {i}"),
                    categories: vec!["notification".into()],
                })
                .collect(),
            snapshots: (0..5)
                .map(|i| RdsSnapshot {
                    id: format!("kitops-backup-2026011{i}-0300"),
                    status: "available".into(),
                    percent_progress: Some(100),
                    kind: "manual".into(),
                    created: Some(1_768_473_000 - i * 86_400),
                    allocated_storage_gib: Some(100),
                })
                .collect(),
            ..Default::default()
        }),
        rds_instance: "kitops-production".into(),
        ..Default::default()
    }
}

fn time<F: FnMut()>(name: &str, iterations: u32, mut f: F) {
    f();
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let per = start.elapsed() / iterations;
    println!("{name:<46} {per:>12.2?} per iteration ({iterations} iterations)");
}

fn main() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_768_473_000);
    let data = large();
    let rows: usize = data
        .target_groups
        .iter()
        .map(|g| g.targets.len() + 1)
        .sum::<usize>()
        + 66;
    let st = State::for_tests(now);
    let ctx = BuildCtx {
        config: &st.config,
        now,
        alt_view: false,
        redact: Default::default(),
    };
    time(&format!("targets::build ({rows} rows)"), 500, || {
        std::hint::black_box(targets::build(&data, &ctx));
    });

    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data.clone(), now))),
    );
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('6'), KeyModifiers::NONE)),
    );
    time("render 200x60, Targets focused", 200, || {
        std::hint::black_box(kitops_top::ui::render_to_string(&st, 200, 60));
    });
    time("reducer: snapshot in → pane rebuilt", 500, || {
        update(
            &mut st,
            Event::Source(SourceUpdate::Aws(Snapshot::live(data.clone(), now))),
        );
    });

    let moto_found = std::process::Command::new(moto::moto_bin())
        .arg("--help")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !moto_found {
        println!("collection round against moto: skipped (moto_server not found)");
        return;
    }
    moto::fake_credentials_env();
    let Ok(rt) = tokio::runtime::Runtime::new() else {
        println!("collection round against moto: skipped (no tokio runtime)");
        return;
    };
    rt.block_on(async {
        let m = moto::Moto::start();
        moto::seed(&m).await;
        let mut c = AwsCollector::new(m.settings());
        let first = Instant::now();
        let _ = c.collect().await;
        println!(
            "{:<46} {:>12.2?} (config load, credentials, clients)",
            "first collection round (moto, cold)",
            first.elapsed()
        );
        let n = 20;
        let start = Instant::now();
        for _ in 0..n {
            let _ = std::hint::black_box(c.collect().await);
        }
        println!(
            "{:<46} {:>12.2?} per round ({n} rounds, 7 API calls each)",
            "collection round (moto, warm clients)",
            start.elapsed() / n
        );
    });
}
