//! Presenter mode (`--redact`, `R`): what a screen-share shows. PG activity with query
//! literals and client addresses, targets with IPs, and the logs view, at 80x24 and
//! 200x60; the toggle flips the header; `y`, the dialog and the status update carry the
//! masked text; a recording made with `--redact` against the real PostgreSQL holds no
//! literal and replays as REDACTED.

use std::io::Read;
use std::process::{Command, Stdio};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::event::{Command as AppCommand, Event, SourceUpdate};
use kitops_top::app::modal::{LogsState, Modal};
use kitops_top::app::update::update;
use kitops_top::app::{PaneId, State};
use kitops_top::collect::replay::{Frame, Recording};
use kitops_top::collect::Snapshot;
use kitops_top::ui::render_to_string;

use crate::pg_render::{sample, state_with};

fn key(st: &mut State, c: char) -> Vec<AppCommand> {
    update(
        st,
        Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
    )
}

/// The literals and addresses of `pg_render::sample` that must not be seen.
const PG_SECRETS: [&str; 2] = ["10.0.3.17", "WHERE id = 42"];

#[test]
fn pg_activity_masks_literals_and_client_addresses_80x24_and_200x60() {
    let mut st = state_with(sample(), '3');
    // Zoomed, the 200-column pane has room for the CLIENT column.
    key(&mut st, 'z');
    let plain = render_to_string(&st, 200, 60);
    for s in PG_SECRETS {
        assert!(
            plain.contains(s),
            "the fixture shows {s} without presenter mode"
        );
    }
    key(&mut st, 'R');
    let big = render_to_string(&st, 200, 60);
    key(&mut st, 'z');
    let small = render_to_string(&st, 80, 24);
    for screen in [&small, &big] {
        assert!(
            screen.lines().next().unwrap().contains("REDACTED"),
            "{screen}"
        );
        for s in PG_SECRETS {
            assert!(
                !screen.contains(s),
                "{s} shown in presenter mode:\n{screen}"
            );
        }
    }
    assert!(big.contains("x.x.x.x"), "{big}");
    assert!(big.contains("WHERE id = ?"), "{big}");
    insta::assert_snapshot!("presenter_pg_activity_80x24", small);
    insta::assert_snapshot!("presenter_pg_activity_zoomed_200x60", big);
}

#[test]
fn the_toggle_key_flips_the_header_and_the_rows() {
    let mut st = state_with(sample(), '3');
    let header = |st: &State| {
        render_to_string(st, 80, 24)
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    assert!(!header(&st).contains("REDACTED"));
    key(&mut st, 'R');
    assert!(header(&st).contains("REDACTED"), "{}", header(&st));
    let rows = &st.pane(PaneId::PgActivity).table.content.rows;
    assert!(rows.iter().all(|r| !r.copy_text.contains("42")));
    key(&mut st, 'R');
    assert!(!header(&st).contains("REDACTED"));
    let rows = &st.pane(PaneId::PgActivity).table.content.rows;
    assert!(
        rows[0].copy_text.contains("id = 42"),
        "{}",
        rows[0].copy_text
    );
}

/// The console's own endpoints in the header: an IP and its port are masked like any
/// address, a host name and the database stay (they name the server, like a pod).
#[test]
fn the_header_masks_the_configured_endpoints_addresses() {
    let mut st = state_with(sample(), '3');
    let config = std::sync::Arc::make_mut(&mut st.config);
    config.postgres.url = Some(kitops_top::config::SecretUrl::new(
        "postgres://app:hunter2@10.1.2.3:5432/orders",
    ));
    config.redis.url = Some(kitops_top::config::SecretUrl::new(
        "redis://cache.internal:6380",
    ));
    let header = |st: &State| {
        render_to_string(st, 200, 60)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let plain = header(&st);
    assert!(plain.contains("pg app@10.1.2.3:5432/orders"), "{plain}");
    key(&mut st, 'R');
    let masked = header(&st);
    assert!(masked.contains("pg app@x.x.x.x:x/orders"), "{masked}");
    assert!(masked.contains("redis cache.internal:6380"), "{masked}");
    for secret in ["10.1.2.3", "hunter2"] {
        assert!(!masked.contains(secret), "{secret} in {masked}");
    }
}

#[test]
fn copy_details_and_the_cancel_dialog_carry_the_masked_query() {
    let mut st = state_with(sample(), '3');
    key(&mut st, 'R');
    let copied = key(&mut st, 'y');
    let text = copied
        .iter()
        .find_map(|c| match c {
            AppCommand::Copy(t) => Some(t.clone()),
            _ => None,
        })
        .expect("y copies");
    assert!(
        text.contains("balance - ?") && text.contains("id = ?"),
        "{text}"
    );
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
    );
    let details = render_to_string(&st, 200, 60);
    for s in PG_SECRETS {
        assert!(!details.contains(s), "{s} in details:\n{details}");
    }
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    key(&mut st, 'c');
    let dialog = render_to_string(&st, 200, 60);
    assert!(
        matches!(st.modals.last(), Some(Modal::Confirm(_))),
        "{dialog}"
    );
    assert!(!dialog.contains("id = 42"), "{dialog}");
    assert!(dialog.contains("id = ?"), "{dialog}");
}

pub(crate) fn targets_with_ips() -> kitops_top::collect::aws::AwsData {
    let mut data = crate::aws_render::fixture();
    let g = &mut data.target_groups[0];
    g.target_type = Some("ip".into());
    for (i, t) in g.targets.iter_mut().enumerate() {
        t.id = format!("10.0.{}.{}", i + 1, 15 + i);
    }
    data
}

#[test]
fn targets_mask_ips_and_ports_but_actions_keep_the_target() {
    let now = crate::support::clock::at(1_780_000_000);
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Aws(Snapshot::live(targets_with_ips(), now))),
    );
    key(&mut st, '6');
    assert!(render_to_string(&st, 200, 60).contains("10.0.1.15"));
    key(&mut st, 'R');
    let small = render_to_string(&st, 80, 24);
    let big = render_to_string(&st, 200, 60);
    for screen in [&small, &big] {
        assert!(!screen.contains("10.0.1.15"), "{screen}");
        assert!(screen.contains("REDACTED"));
    }
    assert!(big.contains("x.x.x.x"), "{big}");
    assert!(big.contains("kitops-api"), "names stay:\n{big}");
    let target = st
        .pane(PaneId::Targets)
        .table
        .content
        .rows
        .iter()
        .find_map(|r| match r.action_target().as_deref() {
            Some(kitops_top::view::Target::LbTarget { id, .. }) => Some(id.clone()),
            _ => None,
        });
    assert_eq!(
        target.as_deref(),
        Some("10.0.1.15"),
        "the action aims at the real target"
    );
    insta::assert_snapshot!("presenter_targets_80x24", small);
    insta::assert_snapshot!("presenter_targets_200x60", big);
}

#[test]
fn logs_view_masks_values_and_keeps_names() {
    let mut st = state_with(sample(), '1');
    let mut plain_st = st.clone();
    st.modals.push(Modal::Logs(LogsState::new(
        kitops_top::collect::kube::LogRequest {
            namespace: "kitops".into(),
            pod: Some("kitops-backend-7d9f-xk2".into()),
            deployment: None,
            follow: true,
            previous: false,
            timestamps: false,
        },
    )));
    let lines = vec![
            "2026-05-28T20:26:40Z level=info GET /api/v1/users/48213 200 12ms from 10.0.7.9".into(),
            "2026-05-28T20:26:41Z level=error charge failed for alice@example.com card=\"4242 4242\" amount=129.99".into(),
            r#"{"msg":"login","user":"bob","token":"Bearer eyJhbGciOi.abc"}"#.into(),
        ];
    plain_st.modals = st.modals.clone();
    update(&mut st, Event::LogLines(lines.clone()));
    // Turned on over the open logs view, as a presenter would.
    key(&mut st, 'R');
    assert!(matches!(st.modals.last(), Some(Modal::Logs(_))));
    update(&mut plain_st, Event::LogLines(lines));
    let plain = render_to_string(&plain_st, 200, 60);
    assert!(plain.contains("alice@example.com"), "{plain}");
    let small = render_to_string(&st, 80, 24);
    let big = render_to_string(&st, 200, 60);
    for screen in [&small, &big] {
        for s in [
            "48213",
            "10.0.7.9",
            "alice@example.com",
            "4242",
            "129.99",
            "bob",
            "eyJhbGciOi",
        ] {
            assert!(!screen.contains(s), "{s} in the logs view:\n{screen}");
        }
    }
    assert!(big.contains("kitops-backend-7d9f-xk2"), "{big}");
    assert!(big.contains("2026-05-28T20:26:40Z level=info"), "{big}");
    insta::assert_snapshot!("presenter_logs_80x24", small);
    insta::assert_snapshot!("presenter_logs_200x60", big);
}

pub(crate) const CANARY_TEXT: &str = "presenter-canary-4f1c";
pub(crate) const CANARY_NUMBER: &str = "918273645";

/// A session whose query holds a string and a number literal, running while recorded.
pub(crate) fn literal_session() -> std::process::Child {
    Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "test",
            "-c",
            &format!("SELECT pg_sleep(15), '{CANARY_TEXT}' AS s, {CANARY_NUMBER} AS n"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("psql (postgresql-client) is installed")
}

fn decompressed(path: &std::path::Path) -> String {
    let bytes = std::fs::read(path).expect("recording written");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .expect("a gzip recording");
    text
}

/// The recording's PostgreSQL frames, decoded, hold the session's (masked) query.
fn recorded_queries(path: &std::path::Path) -> Vec<String> {
    let rec = Recording::parse(std::fs::read(path).expect("read")).expect("parses");
    assert!(rec.meta.redacted, "the header says redacted");
    rec.lines()
        .into_iter()
        .filter_map(|l| match l.frame {
            Frame::Postgres(r) => r.data,
            _ => None,
        })
        .flat_map(|d| d.sessions.into_iter().filter_map(|s| s.query))
        .collect()
}

#[test]
fn record_redact_against_postgres_leaves_no_literal_in_the_file() {
    let mut psql = literal_session();
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("redacted.rec");
    let status = Command::new(env!("CARGO_BIN_EXE_kitops-top"))
        .env_remove("KUBECONFIG")
        .env_remove("AWS_REGION")
        .env("HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CONFIG_HOME", dir.path().join("cfg"))
        .args(["--pg", &crate::support::pg::url_for("postgres")])
        .args(["--log-file", &dir.path().join("log").display().to_string()])
        .args(["--redact", "record", "--out", &out.display().to_string()])
        .args(["--seconds", "4"])
        .status()
        .expect("runs");
    let _ = psql.kill();
    let _ = psql.wait();
    assert!(status.success());
    let text = decompressed(&out);
    assert!(!text.contains(CANARY_TEXT), "a string literal in the file");
    assert!(
        !text.contains(CANARY_NUMBER),
        "a number literal in the file"
    );
    assert!(!text.contains("127.0.0.1"), "a client address in the file");
    let queries = recorded_queries(&out);
    assert!(
        queries
            .iter()
            .any(|q| q.contains("pg_sleep(?), ? AS s, ? AS n")),
        "the session was recorded, masked: {queries:?}"
    );
}

#[test]
fn session_record_redact_masks_the_file_and_replays_redacted() {
    use crate::support::tmux::Tmux;
    let mut psql = literal_session();
    let t = Tmux::start(
        "presenter-record",
        120,
        36,
        &format!(
            "--pg {} --redact --record rec.gz",
            crate::support::pg::url_for("postgres")
        ),
    );
    t.wait_for("the console", |s| s.contains("REDACTED"));
    t.keys(&["3", "z"]);
    t.wait_for("the session's masked query", |s| {
        s.contains("REDACTED") && s.contains("pg_sleep(?)")
    });
    t.keys(&["q"]);
    t.wait_for("exit", |s| s.contains("EXITED:0"));
    let _ = psql.kill();
    let _ = psql.wait();
    let path = t.dir.path().join("rec.gz");
    let text = decompressed(&path);
    assert!(!text.contains(CANARY_TEXT) && !text.contains(CANARY_NUMBER));
    assert!(!text.contains("127.0.0.1"));
    assert!(!recorded_queries(&path).is_empty());

    let replay = Tmux::start(
        "presenter-replay",
        120,
        36,
        &format!("replay {}", path.display()),
    );
    replay.wait_for("REDACTED in the replay's header", |s| {
        s.lines().next().is_some_and(|l| l.contains("REDACTED"))
    });
    replay.keys(&["q"]);
}
