//! Bad values as a user meets them: every value from a flag, the config file or a
//! recording is checked up front — one line on stderr, exit 2, never a panic, and
//! user-supplied names echoed escaped. The console refuses to start without a terminal.

use std::process::{Command, Output, Stdio};

fn run_in(home: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kitops-top"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .expect("binary runs")
}

fn run(args: &[&str]) -> Output {
    let home = tempfile::tempdir().expect("tempdir");
    run_in(home.path(), args)
}

/// Exit 2, exactly one stderr line containing `expect`, nothing on stdout; returns the line.
fn assert_one_line_usage_error(o: &Output, what: &str, expect: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{what}: {err}");
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert_eq!(err.lines().count(), 1, "{what}: not one line:\n{err}");
    assert!(err.contains(expect), "{what}: {expect:?} missing: {err}");
    assert!(o.stdout.is_empty(), "{what} printed to stdout");
    err
}

#[test]
fn out_of_range_flags_are_one_line_and_exit_2() {
    for (args, expect) in [
        (
            vec!["--refresh", "18000000000000000000s", "snapshot"],
            "--refresh: \"18000000000000000000s\" is out of range; allowed: 250ms to 1h",
        ),
        (
            vec!["--refresh", "1ns", "snapshot"],
            "--refresh: \"1ns\" is out of range; allowed: 250ms to 1h",
        ),
        (vec!["--refresh", "2h", "doctor"], "allowed: 250ms to 1h"),
        (
            vec!["--refresh", "-1s", "snapshot"],
            "durations cannot be negative",
        ),
        (
            vec![
                "record",
                "--out",
                "/tmp/never-written.jsonl",
                "--seconds",
                "0",
            ],
            "invalid value '0' for '--seconds <SECONDS>'",
        ),
        (
            vec!["--bogus"],
            "unexpected argument '--bogus' found; try --help",
        ),
        (
            vec!["snapshot", "--format", "xml"],
            "invalid value 'xml' for '--format <FORMAT>'",
        ),
    ] {
        assert_one_line_usage_error(&run(&args), &format!("{args:?}"), expect);
    }
}

#[test]
fn help_and_version_are_still_clap_s() {
    let o = run(&["--help"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&o.stdout).contains("Usage:"));
    let o = run(&["--version"]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn out_of_range_config_values_are_one_line_and_exit_2() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("config.toml");
    for (toml, expect) in [
        ("refresh = \"1ms\"\n", "--refresh: \"1ms\" is out of range"),
        (
            "[aws]\nrefresh = \"90m\"\n",
            "aws.refresh: \"90m\" is out of range; allowed: 250ms to 1h",
        ),
        (
            "[postgres]\nidle_in_transaction_warn = \"-30s\"\n",
            "postgres.idle_in_transaction_warn: invalid duration \"-30s\": durations cannot be negative",
        ),
        (
            "[postgres]\nstatement_timeout = \"100ms\"\n",
            "postgres.statement_timeout: \"100ms\" is out of range",
        ),
        (
            "[redis]\nhit_rate_warn_percent = nan\n",
            "redis.hit_rate_warn_percent: NaN is out of range; allowed: 0 to 100",
        ),
        (
            "[thresholds]\np95_ms = -1\n",
            "thresholds.p95_ms: -1 is out of range",
        ),
    ] {
        std::fs::write(&config, toml).expect("write config");
        let o = run_in(
            home.path(),
            &["-c", config.to_str().expect("utf8"), "snapshot"],
        );
        assert_one_line_usage_error(&o, toml, expect);
    }
}

#[test]
fn user_supplied_names_in_errors_are_escaped() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        // TOML escapes: the file is valid, the theme name it holds is hostile.
        "theme = \"\\u001b]52;c;ZXZpbA==\\u0007\\u001b[2J\u{202e}dark\"\n",
    )
    .expect("write config");
    let o = run_in(
        home.path(),
        &["-c", config.to_str().expect("utf8"), "snapshot"],
    );
    let err = assert_one_line_usage_error(&o, "theme from config", "cannot read theme");
    assert!(
        err.contains("\\e]52;c;ZXZpbA==\\x07\\e[2J\\u{202e}dark"),
        "{err}"
    );
    assert!(
        !err.contains('\u{1b}') && !err.contains('\u{7}') && !err.contains('\u{202e}'),
        "raw escape in: {err:?}"
    );

    let o = run(&["--keymap", "/tmp/\u{1b}[31mkeys\nfake.toml", "snapshot"]);
    let err = assert_one_line_usage_error(&o, "keymap flag", "\\e[31mkeys\\nfake.toml");
    assert!(!err.contains('\u{1b}'), "raw escape in: {err:?}");
}

#[test]
fn a_recording_with_times_out_of_range_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recording = dir.path().join("far-future.jsonl");
    std::fs::write(
        &recording,
        r#"{"at_ms":0,"wall":{"secs_since_epoch":900000000000000,"nanos_since_epoch":0},"frame":{"host":{"data":null,"fetched_at":null,"status":{"state":"live"}}}}"#,
    )
    .expect("write recording");
    let o = run(&["demo", recording.to_str().expect("utf8")]);
    assert_one_line_usage_error(
        &o,
        "far-future recording",
        "recording line 1: wall time is out of range; allowed: 1970 to 9999",
    );
}

#[test]
fn the_console_refuses_to_start_without_a_terminal() {
    for args in [vec![], vec!["demo"]] {
        let home = tempfile::tempdir().expect("tempdir");
        let o = Command::new(env!("CARGO_BIN_EXE_kitops-top"))
            .args(&args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("binary runs");
        let err = assert_one_line_usage_error(&o, &format!("{args:?}"), "needs a terminal");
        assert!(
            err.contains("kitops-top doctor") && err.contains("kitops-top snapshot"),
            "{err}"
        );
    }
}
