//! The Signals pane (golden signals from CloudWatch) from fixed data and a fixed clock:
//! p95 and error rate against `[thresholds]`, request rate, availability, host counts,
//! RDS metrics, a statistic with no data, and each value's own age. 80x24 and 200x60.

use std::time::SystemTime;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::{update, Event, PaneId, SourceUpdate, State};
use kitops_top::collect::aws::cloudwatch::{id, Series, Signals};
use kitops_top::collect::aws::AwsData;
use kitops_top::collect::Snapshot;
use kitops_top::view::panes::signals::golden;

const NOW_UNIX: i64 = 1_768_473_000; // 2026-01-15 10:30:00 UTC

fn now() -> SystemTime {
    crate::support::clock::at(NOW_UNIX as u64)
}

/// `n` one-minute points ending two minutes ago (CloudWatch's usual lag).
fn series(id: &str, n: i64, f: impl Fn(i64) -> f64) -> Series {
    let last = NOW_UNIX - 180;
    Series {
        id: id.into(),
        points: (0..n).map(|i| (last - (n - 1 - i) * 60, f(i))).collect(),
        status: None,
    }
}

pub fn signals() -> Signals {
    Signals {
        load_balancer: Some("app/kitops-alb/50dc6c495c0c9188".into()),
        target_groups: vec![(0, "kitops-api".into()), (1, "kitops-web".into())],
        rds_instance: "kitops-production".into(),
        end: NOW_UNIX,
        series: vec![
            series(id::P95, 60, |i| 0.120 + (i as f64) * 0.002),
            series(id::REQUESTS, 60, |_| 6000.0),
            series(id::TARGET_5XX, 60, |i| if i >= 55 { 30.0 } else { 0.0 }),
            series(id::ELB_5XX, 60, |i| if i == 59 { 12.0 } else { 0.0 }),
            series("healthy0", 60, |_| 2.0),
            series("unhealthy0", 60, |_| 1.0),
            series("healthy1", 60, |_| 2.0),
            series("unhealthy1", 60, |_| 0.0),
            series(id::RDS_CPU, 60, |_| 41.0),
            series(id::RDS_FREE_MEMORY, 60, |_| 1.5 * 1024.0 * 1024.0 * 1024.0),
            series(id::RDS_CONNECTIONS, 60, |_| 84.0),
            // A Single-AZ primary has no ReplicaLag datapoints: "no data", not 0.
            Series {
                id: id::RDS_REPLICA_LAG.into(),
                points: vec![],
                status: None,
            },
            series(id::RDS_READ_LATENCY, 60, |_| 0.0012),
            series(id::RDS_WRITE_LATENCY, 60, |_| 0.0034),
        ],
    }
}

fn state() -> State {
    let mut data: AwsData = crate::aws_render::fixture();
    data.signals = Some(signals());
    let mut st = State::for_tests(now());
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data, now()))),
    );
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('7'), KeyModifiers::NONE)),
    );
    assert_eq!(st.focus, PaneId::Signals);
    st
}

#[test]
fn golden_signals_are_computed_against_the_runbook_thresholds() {
    let g = golden(&signals(), now());
    let p95 = g.p95_ms.unwrap();
    assert!((p95 - 238.0).abs() < 0.01, "newest p95 in ms: {p95}");
    // Last 5 minutes: 5 × 6000 requests, 5 × 30 target + 12 ELB 5XX.
    let err = g.error_rate.unwrap();
    assert!((err - 162.0 / 30000.0 * 100.0).abs() < 1e-9, "{err}");
    assert_eq!(g.requests_per_s, Some(100.0));
    assert_eq!(g.hosts, Some((4.0, 1.0)));
    assert_eq!(
        g.age.map(|a| a.as_secs()),
        Some(120),
        "end of the newest minute to now"
    );
    let a = g.availability.unwrap();
    assert!(
        (a - (100.0 - 162.0 / 360_000.0 * 100.0)).abs() < 1e-9,
        "{a}"
    );
}

#[test]
fn signals_pane_and_attention_line() {
    let st = state();
    let screen = kitops_top::ui::render_to_string(&st, 80, 24);
    let attention = screen.lines().nth(1).unwrap();
    assert!(
        attention.contains("✖ ALB errors 0.54 % (> 0.1 %)"),
        "{screen}"
    );
    assert!(screen.contains("p95 238 ms"), "{screen}");
    insta::assert_snapshot!("signals_80x24", screen);
    let mut zoomed = st.clone();
    zoomed.zoomed = true;
    let big = kitops_top::ui::render_to_string(&zoomed, 80, 24);
    let lag = big
        .lines()
        .find(|l| l.contains("RDS replica lag"))
        .unwrap_or_default();
    assert!(
        lag.contains("no data"),
        "a statistic without datapoints says so:\n{big}"
    );
    insta::assert_snapshot!("signals_zoomed_80x24", big);
    insta::assert_snapshot!(
        "signals_200x60",
        kitops_top::ui::render_to_string(&st, 200, 60)
    );
}

#[test]
fn the_thresholds_come_from_the_config() {
    let mut data: AwsData = crate::aws_render::fixture();
    data.signals = Some(signals());
    let mut config = State::for_tests(now()).config.as_ref().clone();
    config.thresholds.p95_ms = 500.0;
    config.thresholds.error_rate_percent = 1.0;
    let mut st = State::with_config(config, now());
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data, now()))),
    );
    let texts = crate::support::problem_texts(&st);
    assert!(
        !texts
            .iter()
            .any(|t| t.contains("ALB errors") || t.contains("p95")),
        "{texts:?}"
    );
}
