//! Render snapshots of the Targets / RDS pane from fixed data and a fixed clock:
//! every target state with its symbol, group headers with counts and health-check
//! settings, the RDS instance with a snapshot in progress, events, and the
//! partial-error and stale views. 80x24 and 200x60, Targets focused with `6`.

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::{update, Event, PaneId, SourceUpdate, State};
use kitops_top::collect::aws::{
    AwsData, HealthCheck, RdsEvent, RdsInfo, RdsSnapshot, TargetGroupInfo, TargetInfo,
};
use kitops_top::collect::Snapshot;
use kitops_top::view::table::{Level, Target};

const NOW_UNIX: u64 = 1_768_473_000; // 2026-01-15 10:30:00 UTC
const API_TG: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kitops-api/6d0ecf831eec9f09";
const WEB_TG: &str =
    "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kitops-web/1a2b3c4d5e6f7a8b";

fn now() -> SystemTime {
    crate::support::clock::at(NOW_UNIX)
}

fn ago(secs: i64) -> Option<i64> {
    Some(NOW_UNIX as i64 - secs)
}

fn target(id: &str, port: i32, az: &str, state: &str, reason: Option<(&str, &str)>) -> TargetInfo {
    TargetInfo {
        id: id.into(),
        port: Some(port),
        availability_zone: Some(az.into()),
        state: state.into(),
        reason: reason.map(|r| r.0.into()),
        description: reason.map(|r| r.1.into()),
    }
}

fn hc(path: &str, interval: i32) -> HealthCheck {
    HealthCheck {
        enabled: true,
        protocol: Some("HTTP".into()),
        port: Some("traffic-port".into()),
        path: Some(path.into()),
        interval_s: interval,
        timeout_s: 5,
        healthy_threshold: 5,
        unhealthy_threshold: 2,
        matcher: Some("200".into()),
    }
}

pub fn fixture() -> AwsData {
    AwsData {
        region: "us-east-1".into(),
        scope: "load balancer kitops-alb".into(),
        target_groups: vec![
            TargetGroupInfo {
                arn: API_TG.into(),
                name: "kitops-api".into(),
                protocol: Some("HTTP".into()),
                port: Some(8080),
                target_type: Some("instance".into()),
                load_balancer_arns: vec![],
                health_check: hc("/api/v1/health", 30),
                targets: vec![
                    target("i-0a1b2c3d4e5f60001", 8080, "us-east-1a", "healthy", None),
                    target(
                        "i-0a1b2c3d4e5f60002",
                        8080,
                        "us-east-1b",
                        "unhealthy",
                        Some((
                            "Target.ResponseCodeMismatch",
                            "Health checks failed with these codes: [502]",
                        )),
                    ),
                    target(
                        "i-0a1b2c3d4e5f60003",
                        8080,
                        "us-east-1c",
                        "draining",
                        Some((
                            "Target.DeregistrationInProgress",
                            "Target deregistration is in progress",
                        )),
                    ),
                ],
            },
            TargetGroupInfo {
                arn: WEB_TG.into(),
                name: "kitops-web".into(),
                protocol: Some("HTTP".into()),
                port: Some(3000),
                target_type: Some("ip".into()),
                load_balancer_arns: vec![],
                health_check: hc("/", 10),
                targets: vec![
                    target("10.0.1.20", 3000, "us-east-1a", "healthy", None),
                    target(
                        "10.0.2.21",
                        3000,
                        "us-east-1b",
                        "initial",
                        Some((
                            "Elb.RegistrationInProgress",
                            "Target registration is in progress",
                        )),
                    ),
                ],
            },
        ],
        targets_error: None,
        rds: Some(RdsInfo {
            id: "kitops-production".into(),
            status: "backing-up".into(),
            engine: "postgres".into(),
            engine_version: "15.4".into(),
            class: "db.r6g.large".into(),
            multi_az: true,
            availability_zone: Some("us-east-1a".into()),
            secondary_availability_zone: Some("us-east-1b".into()),
            allocated_storage_gib: 100,
            storage_type: Some("gp3".into()),
            endpoint: Some("kitops-production.abc.us-east-1.rds.amazonaws.com:5432".into()),
            pending_modifications: vec!["class → db.r6g.xlarge".into()],
            latest_restorable_time: ago(240),
            events: vec![
                RdsEvent {
                    at: ago(300),
                    message: "Backing up DB instance".into(),
                    categories: vec!["backup".into()],
                },
                RdsEvent {
                    at: ago(2400),
                    message: "Multi-AZ instance failover completed".into(),
                    categories: vec!["failover".into()],
                },
            ],
            events_error: None,
            snapshots: vec![
                RdsSnapshot {
                    id: "kitops-backup-20260115-1025".into(),
                    status: "creating".into(),
                    percent_progress: Some(45),
                    kind: "manual".into(),
                    created: None,
                    allocated_storage_gib: Some(100),
                },
                RdsSnapshot {
                    id: "rds:kitops-production-2026-01-15-03-00".into(),
                    status: "available".into(),
                    percent_progress: Some(100),
                    kind: "automated".into(),
                    created: ago(27_000),
                    allocated_storage_gib: Some(100),
                },
            ],
            snapshots_error: None,
        }),
        rds_error: None,
        rds_instance: "kitops-production".into(),
        signals: None,
        signals_error: None,
    }
}

fn state_with(snap: Snapshot<AwsData>, at: SystemTime) -> State {
    let mut st = State::for_tests(at);
    update(&mut st, Event::Source(SourceUpdate::Aws(snap)));
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('6'), KeyModifiers::NONE)),
    );
    assert_eq!(st.focus, PaneId::Targets);
    st
}

#[test]
fn pane_content_levels_and_targets() {
    let st = state_with(Snapshot::live(fixture(), now()), now());
    let rows = &st.pane(PaneId::Targets).table.content.rows;
    let find = |first: &str| {
        rows.iter()
            .find(|r| r.cells.at(0) == first)
            .unwrap_or_else(|| panic!("row {first}"))
    };
    let api = find("kitops-api");
    assert!(api.is_group_header);
    assert_eq!(
        api.level,
        Level::Crit,
        "an unhealthy target makes the group critical"
    );
    assert_eq!(api.cells.at(3), "1/3 ok");
    assert!(api.cells.at(4).starts_with(
        "1 healthy, 1 unhealthy, 1 draining · hc HTTP /api/v1/health 30s/5s ok 5 bad 2"
    ));
    assert_eq!(
        api.action_target().map(|t| t.into_owned()),
        Some(Target::TargetGroup { arn: API_TG.into() })
    );
    assert_eq!(find("i-0a1b2c3d4e5f60001").level, Level::Ok);
    let bad = find("i-0a1b2c3d4e5f60002");
    assert_eq!(bad.level, Level::Crit);
    assert_eq!(
        bad.cells.at(4),
        "Target.ResponseCodeMismatch: Health checks failed with these codes: [502]"
    );
    assert_eq!(find("i-0a1b2c3d4e5f60003").level, Level::Warn);
    assert_eq!(find("kitops-web").level, Level::Warn);
    let rds = find("RDS kitops-production");
    assert!(rds.is_group_header);
    assert_eq!(rds.level, Level::Warn);
    let snap = find("kitops-backup-20260115-1025");
    assert_eq!(snap.cells.at(3), "creating 45%");
    assert_eq!(
        snap.action_target().map(|t| t.into_owned()),
        Some(Target::RdsInstance {
            id: "kitops-production".into()
        })
    );
    assert!(rows.iter().any(|r| r.cells.at(0) == "event 40m00s ago"
        && r.cells.at(4) == "Multi-AZ instance failover completed"));
}

#[test]
fn targets_pane_200x60() {
    let st = state_with(Snapshot::live(fixture(), now()), now());
    insta::assert_snapshot!(kitops_top::ui::render_to_string(&st, 200, 60));
}

#[test]
fn targets_pane_80x24() {
    let st = state_with(Snapshot::live(fixture(), now()), now());
    insta::assert_snapshot!(kitops_top::ui::render_to_string(&st, 80, 24));
}

#[test]
fn targets_pane_zoomed_80x24() {
    let mut st = state_with(Snapshot::live(fixture(), now()), now());
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('z'), KeyModifiers::NONE)),
    );
    insta::assert_snapshot!(kitops_top::ui::render_to_string(&st, 80, 24));
}

#[test]
fn partial_errors_and_stale_data_200x60() {
    let mut data = fixture();
    data.rds = None;
    data.rds_error = Some(
        "AccessDenied: rds:DescribeDBInstances is not allowed for these credentials (User: arn:aws:iam::123456789012:user/watch is not authorized to perform: rds:DescribeDBInstances)".into(),
    );
    let snap = Snapshot::live(data, now()).failed(
        "throttled on elasticloadbalancing:DescribeTargetHealth: Rate exceeded (backing off)",
    );
    let st = state_with(snap, now() + Duration::from_secs(75));
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(screen.contains("stale 1m15s"), "{screen}");
    assert!(
        screen.contains("AccessDenied: rds:DescribeDBInstances"),
        "{screen}"
    );
    insta::assert_snapshot!(screen);
}
