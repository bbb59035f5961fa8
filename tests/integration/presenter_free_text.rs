//! Presenter mode over free text from servers and the incident: the overlay's
//! timeline (an action on an IP target, a note with an e-mail), pod details' event
//! and termination messages, RDS event messages, Deps URLs and errors — each
//! shown plainly without `R` and masked with it, names kept — and
//! `snapshot --format json --redact` against the real PostgreSQL.

use std::process::Command;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::action::{Action, AwsAction, Outcome};
use kitops_top::app::modal::Modal;
use kitops_top::app::update::update;
use kitops_top::app::{Event, PaneId, SourceUpdate, State};
use kitops_top::collect::aws::RdsEvent;
use kitops_top::collect::deps::{DepCheck, DepsData};
use kitops_top::collect::kube::EventInfo;
use kitops_top::collect::Snapshot;
use kitops_top::config::deps::DepKind;
use kitops_top::ui::render_to_string;

use crate::presenter::{literal_session, targets_with_ips, CANARY_NUMBER, CANARY_TEXT};

fn press(st: &mut State, code: KeyCode) {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(st: &mut State, text: &str) {
    for c in text.chars() {
        press(st, KeyCode::Char(c));
    }
}

/// Both screens hold none of `hidden`, and the header says REDACTED.
fn assert_masked(screens: &[&String], hidden: &[&str]) {
    for screen in screens {
        assert!(
            screen.lines().next().unwrap_or("").contains("REDACTED"),
            "{screen}"
        );
        for h in hidden {
            assert!(
                !screen.contains(h),
                "{h} shown in presenter mode:\n{screen}"
            );
        }
    }
}

#[test]
fn incident_timeline_masks_an_action_on_an_ip_target_and_a_note_with_an_email() {
    let now = crate::support::clock::at(1_780_000_000);
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(targets_with_ips(), now))),
    );
    crate::incident::declare(&mut st, 0, "api 502s from 10.0.1.15");
    let action = Action::Aws(AwsAction::DeregisterTarget {
        target_group_arn: "kitops-api".into(),
        id: "10.0.1.15".into(),
        port: Some(8080),
    });
    update(
        &mut st,
        Event::Outcome {
            action,
            outcome: Outcome::Done("deregistered".into()),
        },
    );
    press(&mut st, KeyCode::Char('i'));
    press(&mut st, KeyCode::Char('N'));
    typed(&mut st, "alice@example.com saw 10.0.2.16 time out");
    press(&mut st, KeyCode::Enter);
    assert!(matches!(st.modals.last(), Some(Modal::Incident { .. })));
    let plain = render_to_string(&st, 200, 60);
    for s in ["10.0.1.15", "alice@example.com", "10.0.2.16"] {
        assert!(
            plain.contains(s),
            "{s} shown without presenter mode:\n{plain}"
        );
    }
    // Turned on over the open overlay.
    typed(&mut st, "R");
    let small = render_to_string(&st, 80, 24);
    let big = render_to_string(&st, 200, 60);
    assert_masked(
        &[&small, &big],
        &["10.0.1.15", "alice@example.com", "10.0.2.16"],
    );
    assert!(big.contains("target x.x.x.x in kitops-api"), "{big}");
    assert!(big.contains("?@? saw x.x.x.x time out"), "{big}");
    assert!(big.contains("api 502s from x.x.x.x"), "the title:\n{big}");
    // The stored incident keeps what happened: the mask is on the screen.
    let inc = st.open_incident().expect("open");
    assert!(inc.timeline.iter().any(|e| e.text.contains("10.0.2.16")));
}

#[test]
fn pod_details_mask_event_and_termination_messages() {
    const POD: &str = "kitops-backend-7d9f8c6b5-hq2rn";
    let mut data = crate::kube_render::data();
    let pod = data
        .pods
        .iter_mut()
        .find(|p| p.name == POD)
        .expect("the crash-looping pod");
    Arc::make_mut(&mut pod.info).message =
        "back-off restarting: dial tcp 10.0.3.17:5432: connection refused".into();
    data.events.push(EventInfo {
        kind: "Warning".into(),
        reason: "Unhealthy".into(),
        message: "Liveness probe failed: Get \"http://10.0.9.4:8080/healthz\"".into(),
        object_kind: "Pod".into(),
        object_name: POD.into(),
        object_uid: Some(format!("uid-{POD}")),
        count: 2,
        last_seen: Some(crate::kube_render::NOW - 20),
    });
    let mut st = crate::kube_render::state(data);
    st.pane_mut(PaneId::Pods).table.selected_key = Some(format!("uid-{POD}"));
    press(&mut st, KeyCode::Enter);
    let plain = render_to_string(&st, 200, 60);
    for s in ["10.0.3.17", "10.0.9.4"] {
        assert!(plain.contains(s), "{s} in plain details:\n{plain}");
    }
    // Over the open details view: it is built again, masked.
    typed(&mut st, "R");
    assert!(matches!(st.modals.last(), Some(Modal::Details { .. })));
    let big = render_to_string(&st, 200, 60);
    let small = render_to_string(&st, 80, 24);
    assert_masked(&[&big, &small], &["10.0.3.17", "10.0.9.4"]);
    assert!(
        big.contains("dial tcp x.x.x.x:x: connection refused"),
        "{big}"
    );
    assert!(big.contains("http://x.x.x.x:x/healthz"), "{big}");
    assert!(big.contains(POD), "the pod's name stays:\n{big}");
    assert!(
        big.contains("Warning BackOff ×61: Back-off restarting failed container backend"),
        "{big}"
    );
}

fn rds_with_an_address_in_an_event(st: &mut State, now: std::time::SystemTime) {
    let mut data = crate::aws_render::fixture();
    let rds = data.rds.as_mut().expect("fixture has RDS");
    rds.events.insert(
        0,
        RdsEvent {
            at: Some(1_780_000_000 - 60),
            message: "Connection from 10.0.4.20:51544 refused for user admin@example.com".into(),
            categories: vec!["notification".into()],
        },
    );
    update(
        st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data, now))),
    );
}

#[test]
fn rds_event_messages_are_masked_on_screen_and_in_copy() {
    let now = crate::support::clock::at(1_780_000_000);
    let mut st = State::for_tests(now);
    rds_with_an_address_in_an_event(&mut st, now);
    typed(&mut st, "6z");
    let plain = render_to_string(&st, 200, 60);
    assert!(plain.contains("10.0.4.20"), "{plain}");
    typed(&mut st, "R");
    let big = render_to_string(&st, 200, 60);
    let small = render_to_string(&st, 80, 24);
    assert_masked(&[&big, &small], &["10.0.4.20", "admin@example.com"]);
    assert!(
        big.contains("Connection from x.x.x.x:x refused for user ?@?"),
        "{big}"
    );
    assert!(big.contains("kitops-production"), "names stay:\n{big}");
    let rows = &st.pane(PaneId::Targets).table.content.rows;
    assert!(
        rows.iter().all(|r| !r.copy_text.contains("10.0.4.20")),
        "y copies the masked message"
    );
}

fn dep(name: &str, url: &str, error: Option<&str>) -> DepCheck {
    DepCheck {
        name: name.into(),
        url: url.into(),
        kind: DepKind::Tcp,
        up: error.is_none(),
        latency_ms: Some(3.0),
        http_status: None,
        cert_not_after: None,
        error: error.map(Into::into),
    }
}

#[test]
fn deps_urls_mask_host_ips_and_keep_names() {
    let now = crate::support::clock::at(1_780_000_000);
    let mut st = State::for_tests(now);
    let data = DepsData {
        checks: vec![
            dep(
                "internal-api",
                "http://10.0.5.9:8080/healthz",
                Some("connect 10.0.5.9:8080: connection refused"),
            ),
            dep("postgres", "tcp://kitops-postgres:5432", None),
        ],
        cert_warn_days: 14,
    };
    update(
        &mut st,
        Event::Source(SourceUpdate::Deps(Snapshot::live(data, now))),
    );
    typed(&mut st, "8z");
    assert!(render_to_string(&st, 200, 60).contains("10.0.5.9"));
    typed(&mut st, "R");
    let big = render_to_string(&st, 200, 60);
    let small = render_to_string(&st, 80, 24);
    assert_masked(&[&big, &small], &["10.0.5.9"]);
    assert!(big.contains("http://x.x.x.x:x/healthz"), "{big}");
    assert!(
        big.contains("tcp://kitops-postgres:5432"),
        "names stay:\n{big}"
    );
    assert!(big.contains("internal-api"), "{big}");
    let rows = &st.pane(PaneId::Deps).table.content.rows;
    assert!(rows.iter().all(|r| !r.copy_text.contains("10.0.5.9")));
}

fn snapshot_json(redact: bool, home: &std::path::Path) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kitops-top"));
    cmd.env_remove("KUBECONFIG")
        .env_remove("AWS_REGION")
        .env("HOME", home)
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CONFIG_HOME", home.join("cfg"))
        .args(["--pg", &crate::support::pg::url_for("postgres")]);
    if redact {
        cmd.arg("--redact");
    }
    let out = cmd
        .args(["snapshot", "--format", "json"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn snapshot_json_with_redact_holds_no_literal_and_no_client_address() {
    let mut psql = literal_session();
    let dir = tempfile::tempdir().expect("tempdir");
    // Without --redact the session's literals are in the JSON, once psql has started.
    let mut plain = String::new();
    for _ in 0..50 {
        plain = snapshot_json(false, dir.path());
        if plain.contains(CANARY_TEXT) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(plain.contains(CANARY_TEXT), "{plain}");
    let masked = snapshot_json(true, dir.path());
    let _ = psql.kill();
    let _ = psql.wait();
    assert!(!masked.contains(CANARY_TEXT), "a string literal:\n{masked}");
    assert!(!masked.contains(CANARY_NUMBER), "a number literal");
    assert!(!masked.contains("127.0.0.1"), "a client address:\n{masked}");
    assert!(masked.contains("pg_sleep(?), ? AS s, ? AS n"), "{masked}");
    let doc: serde_json::Value = serde_json::from_str(&masked).expect("still JSON");
    assert_eq!(doc["sources"]["postgres"]["status"], "live");
}

#[test]
fn an_error_in_a_pane_summary_is_masked() {
    let now = crate::support::clock::at(1_780_000_000);
    let mut st = State::for_tests(now);
    let mut data = crate::aws_render::fixture();
    data.targets_error = Some("dial tcp 10.0.8.8:443: i/o timeout".into());
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(data, now))),
    );
    typed(&mut st, "6");
    assert!(render_to_string(&st, 200, 60).contains("ALB: dial tcp 10.0.8.8:443"));
    typed(&mut st, "R");
    let big = render_to_string(&st, 200, 60);
    let small = render_to_string(&st, 80, 24);
    assert_masked(&[&big, &small], &["10.0.8.8"]);
    assert!(
        big.contains("ALB: dial tcp x.x.x.x:x: i/o timeout"),
        "{big}"
    );
}

#[test]
fn the_audit_overlay_masks_an_ip_target() {
    let now = crate::support::clock::at(1_780_000_000);
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(targets_with_ips(), now))),
    );
    update(
        &mut st,
        Event::Outcome {
            action: Action::Aws(AwsAction::DeregisterTarget {
                target_group_arn: "kitops-api".into(),
                id: "10.0.1.15".into(),
                port: Some(8080),
            }),
            outcome: Outcome::Failed("target 10.0.1.15 is not registered".into()),
        },
    );
    typed(&mut st, "A");
    assert!(matches!(st.modals.last(), Some(Modal::Audit { .. })));
    assert!(render_to_string(&st, 200, 60).contains("10.0.1.15"));
    typed(&mut st, "R");
    let big = render_to_string(&st, 200, 60);
    let small = render_to_string(&st, 80, 24);
    assert_masked(&[&big, &small], &["10.0.1.15"]);
    assert!(big.contains("x.x.x.x"), "{big}");
}
