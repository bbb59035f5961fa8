//! The Targets / RDS pane and its actions against a real moto_server: what the
//! pane shows, and that every action changes moto's state through the real path
//! (keys → plan → input → confirm → Executor with audit).

use crate::support::moto;

use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::act::Executor;
use kitops_top::app::action::AwsAction;
use kitops_top::app::action::{Action, Outcome};
use kitops_top::app::modal::Modal;
use kitops_top::app::{update, Command, Event, PaneId, SourceUpdate, State};
use kitops_top::collect::aws::{AwsCollector, AwsData};
use kitops_top::collect::{Collector, Snapshot};
use kitops_top::config::{AwsSettings, Config};
use kitops_top::view::table::Target;
use moto::{seed, Moto};

async fn collect(settings: &AwsSettings) -> AwsData {
    AwsCollector::new(settings.clone())
        .collect()
        .await
        .expect("collect from moto")
}

fn config(settings: AwsSettings, audit: &std::path::Path) -> Config {
    let mut c = State::for_tests(SystemTime::now()).config.as_ref().clone();
    c.aws = settings;
    c.audit_log = audit.to_path_buf();
    c
}

fn key(st: &mut State, code: KeyCode) -> Vec<Command> {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_text(st: &mut State, text: &str) {
    for c in text.chars() {
        key(st, KeyCode::Char(c));
    }
}

/// A state showing `data` in the focused Targets pane.
fn state_for(config: &Config, data: AwsData) -> State {
    let now = SystemTime::now();
    let mut st = State::with_config(config.clone(), now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data, now))),
    );
    key(&mut st, KeyCode::Char('6'));
    assert_eq!(st.focus, PaneId::Targets);
    st
}

fn select(st: &mut State, key_prefix: &str) {
    let table = &st.pane(PaneId::Targets).table;
    let k = table
        .content
        .rows
        .iter()
        .find(|r| r.key.starts_with(key_prefix))
        .map(|r| r.key.clone())
        .unwrap_or_else(|| panic!("no row {key_prefix}"));
    st.pane_mut(PaneId::Targets).table.selected_key = Some(k);
}

fn executed(cmds: Vec<Command>) -> Action {
    cmds.into_iter()
        .find_map(|c| match c {
            Command::Execute(a) => Some(a),
            _ => None,
        })
        .expect("an Execute command")
}

fn audit_lines(path: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("audit line is JSON"))
        .collect()
}

/// The request body of one line of moto's recording (base64 when `body_encoded`).
fn recorded_body(line: &str) -> String {
    use base64::Engine;
    let v: serde_json::Value = serde_json::from_str(line).expect("recording line is JSON");
    let body = v["body"].as_str().unwrap_or_default();
    if v["body_encoded"].as_bool() == Some(true) {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("base64 body");
        String::from_utf8_lossy(&raw).to_string()
    } else {
        body.to_string()
    }
}

fn cell_texts(st: &State) -> Vec<Vec<String>> {
    st.pane(PaneId::Targets)
        .table
        .content
        .rows
        .iter()
        .map(|r| r.cells.iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn pane_shows_target_groups_of_the_load_balancer_and_the_rds_instance() {
    moto::fake_credentials_env();
    let m = Moto::start();
    let s = seed(&m).await;
    let data = collect(&m.settings()).await;

    assert_eq!(data.region, "us-east-1");
    assert_eq!(data.scope, "load balancer kitops-alb");
    let names: Vec<&str> = data.target_groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["kitops-api", "kitops-web"]);
    let api = &data.target_groups[0];
    assert_eq!(api.arn, s.api_tg);
    assert_eq!(api.health_check.path.as_deref(), Some("/api/v1/health"));
    assert_eq!(api.health_check.interval_s, 30);
    let ids: Vec<&str> = api.targets.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["10.0.1.10", "10.0.2.11"]);
    assert!(api.targets.iter().all(|t| t.state == "healthy"));
    let rds = data.rds.as_ref().expect("rds read");
    assert_eq!(rds.id, "kitops-production");
    assert_eq!(rds.engine, "postgres");
    assert_eq!(rds.engine_version, "15.4");
    assert_eq!(rds.class, "db.r6g.large");
    assert!(rds.multi_az);
    assert_eq!(rds.allocated_storage_gib, 100);
    assert!(rds.latest_restorable_time.is_some());
    assert!(
        rds.events.iter().any(|e| !e.message.is_empty()),
        "creation events within the last hour: {:?}",
        rds.events
    );

    let dir = tempfile::tempdir().unwrap();
    let cfg = config(m.settings(), &dir.path().join("audit.log"));
    let st = state_for(&cfg, data);
    let rows = cell_texts(&st);
    let header = rows
        .iter()
        .find(|r| r[0] == "kitops-api")
        .expect("group header");
    assert_eq!(header[3], "2/2 ok");
    assert!(header[4].contains("2 healthy"), "{header:?}");
    assert!(
        header[4].contains("hc HTTP /api/v1/health 30s/5s ok 5 bad 2"),
        "{header:?}"
    );
    let target = rows
        .iter()
        .find(|r| r[0] == "10.0.2.11")
        .expect("target row");
    assert_eq!(target[1], "8080");
    assert_eq!(target[3], "healthy");
    let rds_row = rows
        .iter()
        .find(|r| r[0] == "RDS kitops-production")
        .expect("rds group");
    assert_eq!(rds_row[3], "available");
    assert!(rds_row[4].contains("postgres 15.4"), "{rds_row:?}");
    assert!(rds_row[4].contains("Multi-AZ"), "{rds_row:?}");

    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    for needle in [
        "Targets / RDS",
        "kitops-api",
        "10.0.1.10",
        "healthy",
        "RDS kitops-production available",
        "postgres 15.4",
        "ALB kitops-alb · 2 groups · 3 targets",
    ] {
        assert!(
            screen.contains(needle),
            "{needle:?} not on screen:\n{screen}"
        );
    }
}

#[tokio::test]
async fn target_groups_by_name_and_by_arn_keep_the_configured_order() {
    moto::fake_credentials_env();
    let m = Moto::start();
    let s = seed(&m).await;
    let mut settings = m.settings();
    settings.load_balancer = None;
    settings.target_groups = vec!["kitops-web".into(), s.api_tg.clone()];
    let data = collect(&settings).await;
    let names: Vec<&str> = data.target_groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["kitops-web", "kitops-api"]);
    assert_eq!(data.target_groups[0].targets.len(), 1);
    assert!(data.targets_error.is_none());

    // A missing group is an error in the ALB part; RDS still shows.
    settings.target_groups = vec!["no-such-group".into()];
    let data = collect(&settings).await;
    let e = data.targets_error.as_deref().expect("targets error");
    assert!(
        e.contains("elasticloadbalancing:DescribeTargetGroups"),
        "{e}"
    );
    assert!(data.rds.is_some());
}

#[tokio::test]
async fn snapshot_key_creates_the_snapshot_and_the_pane_lists_it() {
    moto::fake_credentials_env();
    let m = Moto::start();
    seed(&m).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    let cfg = config(m.settings(), &audit);
    let mut st = state_for(&cfg, collect(&cfg.aws).await);

    key(&mut st, KeyCode::Char('S'));
    let Some(Modal::Input(input)) = st.modals.last() else {
        panic!("S opens the snapshot name dialog: {:?}", st.modals);
    };
    assert!(input.text.starts_with("kitops-backup-"), "{}", input.text);
    // Editable: replace the default with our own name, validated on enter.
    for _ in 0..input.text.len() {
        key(&mut st, KeyCode::Backspace);
    }
    type_text(&mut st, "bad--name");
    key(&mut st, KeyCode::Enter);
    let Some(Modal::Input(input)) = st.modals.last() else {
        panic!("an invalid name keeps the dialog open");
    };
    assert!(input.error.is_some());
    for _ in 0.."bad--name".len() {
        key(&mut st, KeyCode::Backspace);
    }
    type_text(&mut st, "kitops-backup-test-1");
    key(&mut st, KeyCode::Enter);
    let Some(Modal::Confirm(confirm)) = st.modals.last() else {
        panic!("a confirmation follows: {:?}", st.modals);
    };
    assert_eq!(
        confirm.spec.equivalent,
        "aws rds create-db-snapshot --db-instance-identifier kitops-production --db-snapshot-identifier kitops-backup-test-1"
    );
    let action = executed(key(&mut st, KeyCode::Char('y')));
    let outcome = Executor::new(&cfg).run(&action).await;
    assert!(
        matches!(&outcome, Outcome::Done(m) if m.contains("kitops-backup-test-1")),
        "{outcome:?}"
    );

    // moto has it, and the next collection shows it with its status.
    let listed = m
        .rds()
        .describe_db_snapshots()
        .db_snapshot_identifier("kitops-backup-test-1")
        .send()
        .await
        .expect("describe snapshot");
    assert_eq!(listed.db_snapshots().len(), 1);
    let data = collect(&cfg.aws).await;
    let snap = data
        .rds
        .as_ref()
        .unwrap()
        .snapshots
        .iter()
        .find(|s| s.id == "kitops-backup-test-1");
    assert!(snap.is_some(), "{:?}", data.rds);
    let st = state_for(&cfg, data);
    let row = cell_texts(&st)
        .into_iter()
        .find(|r| r[0] == "kitops-backup-test-1")
        .expect("snapshot row");
    assert!(
        row[3] == "available" || row[3].starts_with("creating"),
        "{row:?}"
    );
    assert!(row[4].contains("manual snapshot"), "{row:?}");

    let lines = audit_lines(&audit);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["phase"], "attempt");
    assert_eq!(lines[0]["verb"], "rds-create-snapshot");
    assert_eq!(lines[1]["phase"], "result");
    assert_eq!(lines[1]["outcome"]["result"], "done");
}

#[tokio::test]
async fn failover_needs_multi_az_and_the_typed_instance_id() {
    moto::fake_credentials_env();
    let dir = tempfile::tempdir().unwrap();
    let recording = dir.path().join("moto-recording");
    let rec = recording.to_string_lossy().to_string();
    let m = Moto::start_with(&[
        ("MOTO_ENABLE_RECORDING", "True"),
        ("MOTO_RECORDER_FILEPATH", rec.as_str()),
    ]);
    seed(&m).await;
    let audit = dir.path().join("audit.log");

    // Single-AZ: refused with the reason, nothing runs.
    let mut single = m.settings();
    single.rds_instance = "kitops-single".into();
    let cfg = config(single, &audit);
    let mut st = state_for(&cfg, collect(&cfg.aws).await);
    key(&mut st, KeyCode::Char('F'));
    assert!(st.modals.is_empty());
    let status = st.status.as_ref().expect("refusal shown").text.clone();
    assert!(status.contains("not Multi-AZ"), "{status}");

    // Multi-AZ: typed confirmation of the instance id, then RebootDBInstance --force-failover.
    let cfg = config(m.settings(), &audit);
    let mut st = state_for(&cfg, collect(&cfg.aws).await);
    key(&mut st, KeyCode::Char('F'));
    let Some(Modal::Confirm(confirm)) = st.modals.last() else {
        panic!("F asks for confirmation: {:?}", st.modals);
    };
    assert_eq!(
        confirm.spec.typed_confirmation.as_deref(),
        Some("kitops-production")
    );
    assert_eq!(
        confirm.spec.equivalent,
        "aws rds reboot-db-instance --db-instance-identifier kitops-production --force-failover"
    );
    assert!(
        key(&mut st, KeyCode::Char('y')).is_empty(),
        "y alone is not enough"
    );
    assert!(key(&mut st, KeyCode::Enter).is_empty());
    key(&mut st, KeyCode::Backspace);
    type_text(&mut st, "kitops-production");
    let action = executed(key(&mut st, KeyCode::Enter));
    assert_eq!(
        action,
        Action::Aws(AwsAction::RdsRebootFailover {
            instance: "kitops-production".into()
        })
    );
    let outcome = Executor::new(&cfg).run(&action).await;
    assert!(matches!(&outcome, Outcome::Done(_)), "{outcome:?}");

    // moto keeps no reboot state; its request recording proves the call it received.
    let recorded = std::fs::read_to_string(&recording).expect("moto recording");
    let bodies: Vec<String> = recorded.lines().map(recorded_body).collect();
    let reboot = bodies
        .iter()
        .find(|b| b.contains("Action=RebootDBInstance"))
        .unwrap_or_else(|| panic!("RebootDBInstance reached moto: {bodies:?}"));
    assert!(reboot.contains("ForceFailover=true"), "{reboot}");
    assert!(reboot.contains("kitops-production"), "{reboot}");
    let lines = audit_lines(&audit);
    assert_eq!(lines.last().unwrap()["verb"], "rds-reboot-failover");
}

#[tokio::test]
async fn health_check_tuning_changes_the_target_group() {
    moto::fake_credentials_env();
    let m = Moto::start();
    let s = seed(&m).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(m.settings(), &dir.path().join("audit.log"));
    let mut st = state_for(&cfg, collect(&cfg.aws).await);
    select(&mut st, &format!("tg:{}", s.api_tg));

    key(&mut st, KeyCode::Char('h'));
    let Some(Modal::Input(input)) = st.modals.last() else {
        panic!("h asks for the values: {:?}", st.modals);
    };
    assert_eq!(input.text, "interval=30 timeout=5 healthy=5 unhealthy=2");
    assert!(input
        .request
        .prompt
        .contains("interval=10 timeout=5 healthy=2 unhealthy=3"));
    for _ in 0..input.text.len() {
        key(&mut st, KeyCode::Backspace);
    }
    type_text(&mut st, "interval=10 timeout=12");
    key(&mut st, KeyCode::Enter);
    let Some(Modal::Input(input)) = st.modals.last() else {
        panic!("timeout ≥ interval is refused in the dialog");
    };
    assert!(input.error.as_deref().unwrap_or("").contains("shorter"));
    for _ in 0.."interval=10 timeout=12".len() {
        key(&mut st, KeyCode::Backspace);
    }
    type_text(&mut st, "interval=10 timeout=5 healthy=2 unhealthy=3");
    key(&mut st, KeyCode::Enter);
    let Some(Modal::Confirm(confirm)) = st.modals.last() else {
        panic!("confirmation follows: {:?}", st.modals);
    };
    assert!(confirm
        .spec
        .facts
        .contains(&("interval".into(), "30s → 10s".into())));
    assert!(confirm
        .spec
        .equivalent
        .contains("--health-check-interval-seconds 10"));
    let action = executed(key(&mut st, KeyCode::Char('y')));
    let outcome = Executor::new(&cfg).run(&action).await;
    assert!(matches!(&outcome, Outcome::Done(_)), "{outcome:?}");

    let g = m
        .elb()
        .describe_target_groups()
        .target_group_arns(&s.api_tg)
        .send()
        .await
        .unwrap();
    let g = &g.target_groups()[0];
    assert_eq!(g.health_check_interval_seconds(), Some(10));
    assert_eq!(g.health_check_timeout_seconds(), Some(5));
    assert_eq!(g.healthy_threshold_count(), Some(2));
    assert_eq!(g.unhealthy_threshold_count(), Some(3));

    // The same dialog answered again is now stale: the executor re-reads and refuses.
    let again = Executor::new(&cfg).run(&action).await;
    assert!(
        matches!(&again, Outcome::Refused(m) if m.contains("changed since")),
        "{again:?}"
    );
}

#[tokio::test]
async fn deregister_removes_the_selected_target() {
    moto::fake_credentials_env();
    let m = Moto::start();
    let s = seed(&m).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(m.settings(), &dir.path().join("audit.log"));
    let mut st = state_for(&cfg, collect(&cfg.aws).await);
    select(&mut st, &format!("target:{}:10.0.2.11", s.api_tg));
    let selected = st
        .pane(PaneId::Targets)
        .table
        .selected()
        .unwrap()
        .action_target()
        .map(|t| t.into_owned());
    assert_eq!(
        selected,
        Some(Target::LbTarget {
            target_group_arn: s.api_tg.clone(),
            id: "10.0.2.11".into(),
            port: Some(8080)
        })
    );

    key(&mut st, KeyCode::Char('D'));
    let Some(Modal::Confirm(confirm)) = st.modals.last() else {
        panic!("D asks for confirmation: {:?}", st.modals);
    };
    assert!(confirm.spec.destructive);
    assert_eq!(
        confirm.spec.equivalent,
        format!(
            "aws elbv2 deregister-targets --target-group-arn {} --targets Id=10.0.2.11,Port=8080",
            s.api_tg
        )
    );
    assert!(
        key(&mut st, KeyCode::Enter).is_empty(),
        "enter alone never confirms"
    );
    let action = executed(key(&mut st, KeyCode::Char('y')));
    let outcome = Executor::new(&cfg).run(&action).await;
    assert!(matches!(&outcome, Outcome::Done(_)), "{outcome:?}");

    let data = collect(&cfg.aws).await;
    let ids: Vec<&str> = data.target_groups[0]
        .targets
        .iter()
        .map(|t| t.id.as_str())
        .collect();
    assert_eq!(ids, ["10.0.1.10"]);
    // Deregistering again: the executor sees it is gone and does nothing.
    let again = Executor::new(&cfg).run(&action).await;
    assert!(matches!(&again, Outcome::Refused(_)), "{again:?}");
}

#[tokio::test]
async fn readonly_refuses_every_aws_action_before_moto_sees_it() {
    moto::fake_credentials_env();
    let m = Moto::start();
    seed(&m).await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.log");
    let mut cfg = config(m.settings(), &audit);
    cfg.readonly = true;
    let mut st = state_for(&cfg, collect(&cfg.aws).await);
    key(&mut st, KeyCode::Char('S'));
    assert!(st.modals.is_empty());
    let action = Action::Aws(AwsAction::RdsCreateSnapshot {
        instance: "kitops-production".into(),
        snapshot_id: "kitops-backup-ro".into(),
    });
    let outcome = Executor::new(&cfg).run(&action).await;
    assert!(matches!(outcome, Outcome::Refused(_)), "{outcome:?}");
    let snaps = m
        .rds()
        .describe_db_snapshots()
        .db_instance_identifier("kitops-production")
        .send()
        .await
        .unwrap();
    assert!(snaps
        .db_snapshots()
        .iter()
        .all(|s| s.db_snapshot_identifier() != Some("kitops-backup-ro")));
}

#[tokio::test]
async fn endpoint_down_shows_the_error_with_stale_age_then_recovers() {
    moto::fake_credentials_env();
    let mut m = Moto::start();
    seed(&m).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(m.settings(), &dir.path().join("audit.log"));
    let mut collector = AwsCollector::new(cfg.aws.clone());
    let t0 = SystemTime::now();
    let first = collector.collect().await.expect("first round");
    let mut snap = Snapshot::live(first, t0);

    m.stop();
    let err = collector.collect().await.expect_err("endpoint is down");
    let msg = err.to_string();
    assert!(msg.contains("cannot reach AWS endpoint"), "{msg}");
    assert!(msg.contains(&m.url()), "{msg}");
    snap = snap.failed(msg.clone());

    let later = t0 + Duration::from_secs(95);
    let mut st = State::with_config(cfg.clone(), later);
    update(&mut st, Event::Source(SourceUpdate::Aws(snap.clone())));
    key(&mut st, KeyCode::Char('6'));
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(screen.contains("stale 1m35s"), "{screen}");
    assert!(screen.contains("cannot reach AWS endpoint"), "{screen}");
    assert!(
        screen.contains("kitops-api"),
        "last good data stays: {screen}"
    );

    // Back on the same port (moto restarts empty: seed again); the same collector recovers.
    m.restart();
    seed(&m).await;
    let data = collector.collect().await.expect("recovered");
    assert_eq!(data.target_groups.len(), 2);
    let mut st = State::with_config(cfg, SystemTime::now());
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data, SystemTime::now()))),
    );
    let screen = kitops_top::ui::render_to_string(&st, 200, 60);
    assert!(!screen.contains("cannot reach"), "{screen}");
    assert!(!screen.contains("stale"), "{screen}");
}

#[tokio::test]
async fn throttling_fails_the_round_with_a_clear_message() {
    moto::fake_credentials_env();
    let port = moto::error_stub(400, "Throttling", "Rate exceeded");
    let settings = AwsSettings {
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        ..Moto::settings_for_url("http://unused")
    };
    let err = AwsCollector::new(settings)
        .collect()
        .await
        .expect_err("throttled");
    let msg = err.to_string();
    // A whole-source error: the runner keeps the last data and backs off.
    assert!(msg.starts_with("throttled on "), "{msg}");
    assert!(msg.contains("Rate exceeded (backing off)"), "{msg}");
}

#[tokio::test]
async fn access_denied_from_a_plain_aws_error_body_names_the_action() {
    moto::fake_credentials_env();
    let port = moto::error_stub(
        403,
        "AccessDenied",
        "User: arn:aws:iam::123456789012:user/watch is not authorized to perform this action",
    );
    let settings = AwsSettings {
        endpoint_url: Some(format!("http://127.0.0.1:{port}")),
        ..Moto::settings_for_url("http://unused")
    };
    // Both parts denied: the round fails, naming the first call of each part.
    let err = AwsCollector::new(settings)
        .collect()
        .await
        .expect_err("denied");
    let msg = err.to_string();
    assert!(
        msg.starts_with("permission: AccessDenied: elasticloadbalancing:DescribeLoadBalancers"),
        "{msg}"
    );
}

#[tokio::test]
async fn headless_snapshot_and_doctor_read_aws_from_moto() {
    moto::fake_credentials_env();
    let m = Moto::start();
    seed(&m).await;
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[aws]\nregion = \"us-east-1\"\nendpoint_url = \"{}\"\nload_balancer = \"kitops-alb\"\n",
            m.url()
        ),
    )
    .unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kitops-top"))
            .args(["-c", cfg.to_str().unwrap()])
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .env("AWS_ACCESS_KEY_ID", moto::KEY)
            .env("AWS_SECRET_ACCESS_KEY", moto::KEY)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("binary runs")
    };
    let o = run(&["snapshot", "--format", "json"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let doc: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let aws = &doc["sources"]["aws"];
    assert_eq!(aws["status"], "live", "{aws}");
    assert_eq!(aws["data"]["target_groups"][0]["name"], "kitops-api");
    assert_eq!(
        aws["data"]["target_groups"][0]["targets"][0]["state"],
        "healthy"
    );
    assert_eq!(aws["data"]["rds"]["status"], "available");
    assert_eq!(aws["data"]["rds"]["multi_az"], true);

    let o = run(&["doctor"]);
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let aws_lines: Vec<&str> = out.lines().filter(|l| l.contains("aws")).collect();
    assert!(aws_lines.iter().any(|l| l.contains("ok")), "{out}");
    assert!(
        !aws_lines
            .iter()
            .any(|l| l.contains("FAIL") || l.contains("✖")),
        "{out}"
    );
}

/// Waits (bounded) until the runner publishes a snapshot matching `pred`.
async fn wait_for(
    rx: &mut tokio::sync::watch::Receiver<Snapshot<AwsData>>,
    what: &str,
    pred: impl Fn(&Snapshot<AwsData>) -> bool,
) -> Snapshot<AwsData> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        {
            let s = rx.borrow_and_update();
            if pred(&s) {
                return s.clone();
            }
        }
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(Ok(())) => {}
            _ => panic!("no snapshot where {what}: last {:?}", rx.borrow().status),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runner_keeps_the_last_data_while_moto_is_down_and_recovers() {
    use kitops_top::collect::{spawn_poller, Controls, SourceStatus};
    moto::fake_credentials_env();
    let mut m = Moto::start();
    seed(&m).await;
    let (_pause, controls) = Controls::free_running();
    let refresh = controls.refresh_now.clone();
    let mut rx = spawn_poller(
        AwsCollector::new(m.settings()),
        Duration::from_secs(1),
        Duration::from_secs(20),
        controls,
    );
    let live = wait_for(&mut rx, "live", |s| s.status == SourceStatus::Live).await;
    let fetched = live.fetched_at.expect("live has a time");

    m.stop();
    let down = wait_for(&mut rx, "an error", |s| {
        matches!(s.status, SourceStatus::Error(_))
    })
    .await;
    let SourceStatus::Error(msg) = &down.status else {
        unreachable!()
    };
    assert!(msg.contains("cannot reach AWS endpoint"), "{msg}");
    // The last good data stays, with its original time: the pane shows its age.
    assert_eq!(down.fetched_at, Some(fetched));
    assert_eq!(down.data.as_ref().map(|d| d.target_groups.len()), Some(2));

    m.restart();
    seed(&m).await;
    refresh.notify_one();
    // (A round may land while seeding is half done; wait for the complete picture.)
    let back = wait_for(&mut rx, "live again with everything", |s| {
        s.status == SourceStatus::Live
            && s.data
                .as_ref()
                .is_some_and(|d| d.target_groups.len() == 2 && d.rds.is_some())
    })
    .await;
    assert_ne!(back.fetched_at, Some(fetched));
}
