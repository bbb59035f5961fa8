//! The command line as a user meets it: help, version, bad input, headless modes.

use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    Command::new(env!("CARGO_BIN_EXE_kitops-top"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .output()
        .expect("binary runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_and_version() {
    let o = run(&["--help"]);
    assert!(o.status.success());
    let help = text(&o.stdout);
    for flag in [
        "--config",
        "--context",
        "--namespace",
        "--pg",
        "--redis",
        "--aws-endpoint-url",
        "--target-group",
        "--readonly",
        "--no-color",
        "--ascii",
        "doctor",
        "snapshot",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}");
    }
    let o = run(&["--version"]);
    assert!(o.status.success());
    assert!(text(&o.stdout).starts_with("kitops-top "));
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for (args, expect) in [
        (vec!["--bogus"], "unexpected argument '--bogus'"),
        (
            vec!["--pg", "postgres://u:hunter2@[::1", "snapshot"],
            "--pg: malformed URL",
        ),
        (
            vec!["--refresh", "fast", "snapshot"],
            "--refresh: invalid duration",
        ),
        (
            vec!["--keymap", "/nonexistent.toml", "snapshot"],
            "cannot read keymap",
        ),
        (
            vec!["-c", "/nonexistent/config.toml", "snapshot"],
            "/nonexistent/config.toml: cannot read",
        ),
        (
            vec!["demo", "/nonexistent/recording.jsonl"],
            "cannot read recording /nonexistent/recording.jsonl",
        ),
        (
            vec!["demo", "Cargo.toml"],
            "Cargo.toml: not a kitops-top recording",
        ),
    ] {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("hunter2"), "password leaked: {err}");
        assert!(o.stdout.is_empty(), "{args:?} printed to stdout");
    }
}

#[test]
fn keymap_error_names_file_and_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("keys.toml");
    std::fs::write(&p, "[pods]\nscale = \"s\"\nlogs = \"s\"\n").expect("write");
    let o = run(&["--keymap", p.to_str().expect("utf8"), "snapshot"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!("{}:3: duplicate binding", p.display())),
        "{err}"
    );
}

#[test]
fn keymap_action_in_the_wrong_context_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("keys.toml");
    std::fs::write(&p, "[pods]\nscale = \"s\"\nconfirm = \"x\"\n").expect("write");
    let o = run(&["--keymap", p.to_str().expect("utf8"), "snapshot"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains(&format!(
            "{}:3: confirm means nothing in [pods] (it belongs in [dialog] or [input])",
            p.display()
        )),
        "{err}"
    );
}

#[test]
fn print_default_config() {
    let o = run(&["config", "--print-default"]);
    assert!(o.status.success());
    let out = text(&o.stdout);
    assert!(out.contains("connections_warn_percent = 80"));
    assert!(out.contains("p95_ms = 200"));
    assert!(out.contains("error_rate_percent = 0.1"));
}

#[test]
fn snapshot_json_says_which_sources_are_off() {
    let o = run(&["snapshot", "--format", "json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    for source in ["kubernetes", "postgres", "redis", "aws"] {
        assert_eq!(
            doc["sources"][source]["status"], "unconfigured",
            "{source}: {doc}"
        );
        assert!(doc["sources"][source]["hint"]
            .as_str()
            .is_some_and(|h| !h.is_empty()));
    }
    assert!(doc["taken_at"].is_string());
}

#[test]
fn doctor_fails_for_an_unreachable_source_and_passes_when_nothing_is_configured() {
    let o = run(&["doctor"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("off"));

    let o = run(&["--pg", "postgres://postgres@127.0.0.1:1/postgres", "doctor"]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stdout));
    let out = text(&o.stdout);
    let pg_collect = out
        .lines()
        .find(|l| l.starts_with("postgres") && l.contains("collect"))
        .unwrap_or("");
    assert!(pg_collect.contains("FAIL"), "{out}");
}

#[test]
fn doctor_and_snapshot_against_the_local_postgres_and_redis() {
    let conn = [
        "--pg",
        "postgres://postgres@127.0.0.1:5432/postgres",
        "--redis",
        "redis://127.0.0.1:6379",
    ];
    let o = run(&[&conn[..], &["doctor"]].concat());
    let out = text(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "{out}");
    for source in ["postgres", "redis"] {
        let collect = out
            .lines()
            .find(|l| l.starts_with(source) && l.contains("collect"))
            .unwrap_or("");
        assert!(
            collect.contains(" ok ") && collect.contains("connected, authenticated, queried"),
            "{out}"
        );
        assert!(
            out.lines()
                .any(|l| l.starts_with(source) && l.contains("resolve") && l.contains(" ok ")),
            "{out}"
        );
    }

    let o = run(&[&conn[..], &["snapshot", "--format", "json"]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(doc["sources"]["postgres"]["status"], "live", "{doc}");
    assert!(
        doc["sources"]["postgres"]["data"]["max_connections"]
            .as_i64()
            .is_some_and(|m| m > 0),
        "{doc}"
    );
    assert_eq!(doc["sources"]["redis"]["status"], "live", "{doc}");
    assert!(
        doc["sources"]["redis"]["data"]["total"]["info"]["redis_version"].is_string(),
        "{doc}"
    );

    let o = run(&[&conn[..], &["snapshot", "--format", "table"]].concat());
    let out = text(&o.stdout);
    for expect in [
        "== postgres [live]",
        "-- pg_activity",
        "connections ",
        "-- pg_locks",
        "== redis [live]",
        "maxmemory",
    ] {
        assert!(out.contains(expect), "{expect:?} missing:\n{out}");
    }
}
