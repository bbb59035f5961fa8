//! The real binary in a real terminal: focus, help, quit, and the terminal is
//! restored on every way out (q, SIGTERM, SIGHUP).

use crate::support;

use support::tmux::Tmux;

/// Line 0 is the header, line 1 the attention line, line 2 the big pane's title.
fn first_pane_title(screen: &str) -> String {
    screen.lines().nth(2).unwrap_or("").to_string()
}

/// The console has exited and the shell has printed the terminal's modes after it.
fn exited(screen: &str) -> bool {
    screen.contains("EXITED:2")
        || screen
            .lines()
            .skip_while(|l| !l.contains("EXITED:"))
            .nth(1)
            .is_some_and(|l| l.contains("icanon"))
}

fn assert_restored(t: &Tmux, screen: &str) {
    assert!(screen.contains("EXITED:0"), "clean exit status:\n{screen}");
    assert_eq!(t.format("#{alternate_on}"), "0", "alternate screen left");
    let modes = screen
        .lines()
        .skip_while(|l| !l.contains("EXITED:"))
        .nth(1)
        .unwrap_or("");
    assert!(
        modes.contains("icanon") && !modes.contains("-icanon"),
        "raw mode left on: {modes:?}\n{screen}"
    );
}

#[test]
fn focus_help_and_quit_restore_the_terminal() {
    let t = Tmux::start("keys", 100, 30, "");
    let s = t.wait_for("the console", |s| {
        s.contains("1 Pods") && s.contains("6 Targets")
    });
    assert_eq!(
        t.format("#{alternate_on}"),
        "1",
        "runs on the alternate screen"
    );
    assert!(first_pane_title(&s).contains("1 Pods"), "{s}");
    assert!(
        s.contains("not configured"),
        "unconfigured sources say so:\n{s}"
    );

    t.keys(&["Tab"]);
    t.wait_for("focus on Nodes", |s| {
        first_pane_title(s).contains("2 Nodes")
    });
    t.keys(&["BTab"]);
    t.wait_for("focus back on Pods", |s| {
        first_pane_title(s).contains("1 Pods")
    });
    t.keys(&["5"]);
    t.wait_for("focus on Redis", |s| {
        first_pane_title(s).contains("5 Redis")
    });

    t.keys(&["?"]);
    t.wait_for("help", |s| s.contains("Help — keys of the active keymap"));
    t.keys(&["Escape"]);
    t.wait_for("help closed", |s| !s.contains("Help — keys"));

    t.keys(&["q"]);
    let s = t.wait_for("exit", exited);
    assert_restored(&t, &s);
    let log = std::fs::read_to_string(t.log_path()).unwrap_or_default();
    assert!(
        !s.contains("INFO") && !s.contains("WARN"),
        "logs never reach the terminal:\n{s}\nlog:\n{log}"
    );
}

/// The console is killed by `signal` (a `kill -SIGNAL` from outside, an SSH drop).
fn signal_restores_the_terminal(name: &str, signal: &str) {
    let t = Tmux::start(name, 80, 24, "");
    t.wait_for("the console", |s| s.contains("1 Pods"));
    let pid = t.console_pid();
    let killed = std::process::Command::new("kill")
        .args([signal, &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    let s = t.wait_for("exit", exited);
    assert_restored(&t, &s);
}

#[test]
fn sigterm_restores_the_terminal() {
    signal_restores_the_terminal("term", "-TERM");
}

#[test]
fn sighup_from_a_dropped_ssh_session_restores_the_terminal() {
    signal_restores_the_terminal("hup", "-HUP");
}

/// The terminal itself disappears (its tmux server is killed, as when a bastion's SSH
/// session and everything on it ends): the console exits without a panic, which
/// would otherwise be its last line in the log (ratatui's `Terminal` shows the cursor
/// when dropped and prints a failure with `eprintln!`, which panics with no stderr).
#[test]
fn a_terminal_that_disappears_ends_the_console_without_a_panic() {
    let t = Tmux::start("gone", 80, 24, "");
    t.wait_for("the console", |s| s.contains("1 Pods"));
    let pid = t.console_pid();
    t.tmux(&["kill-server"]);
    let proc_dir = std::path::PathBuf::from(format!("/proc/{pid}"));
    let gone = (0..100).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(100));
        // Ended, or a zombie nobody reaps (the test's tmux server was its parent).
        std::fs::read_to_string(proc_dir.join("stat")).map_or(true, |st| {
            st.rsplit_once(')')
                .is_some_and(|(_, r)| r.trim_start().starts_with('Z'))
        })
    });
    assert!(gone, "the console {pid} still runs without a terminal");
    let log = std::fs::read_to_string(t.log_path()).unwrap_or_default();
    assert!(
        log.contains("kitops-top started"),
        "the log was written:\n{log}"
    );
    assert!(!log.contains("panic"), "no panic on the way out:\n{log}");
}

#[test]
fn bad_config_exits_2_with_one_line_and_no_half_drawn_screen() {
    let t = Tmux::start("badcfg", 200, 24, "--theme /nonexistent/theme.toml");
    let s = t.wait_for("exit", exited);
    assert!(s.contains("EXITED:2"), "{s}");
    let before: Vec<&str> = s
        .lines()
        .take_while(|l| !l.contains("EXITED:"))
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(before.len(), 1, "exactly one line: {before:?}");
    assert!(
        before[0].starts_with("kitops-top: /nonexistent/theme.toml: cannot read theme"),
        "{before:?}"
    );
}

#[test]
fn a_panic_restores_the_terminal_and_reports() {
    let t = Tmux::start_with_env("panic", 200, 40, "KITOPS_TOP_TEST_PANIC=1", "");
    let s = t.wait_for("exit", |s| {
        s.lines()
            .skip_while(|l| !l.contains("EXITED:"))
            .nth(1)
            .is_some_and(|l| l.contains("icanon"))
    });
    assert!(
        s.contains("KITOPS_TOP_TEST_PANIC is set"),
        "the panic report is printed after restoring:\n{s}"
    );
    assert!(!s.contains("EXITED:0"), "a panic is not a clean exit:\n{s}");
    assert_eq!(t.format("#{alternate_on}"), "0", "alternate screen left");
    let modes = s
        .lines()
        .skip_while(|l| !l.contains("EXITED:"))
        .nth(1)
        .unwrap_or("");
    assert!(!modes.contains("-icanon"), "raw mode left on: {modes:?}");
}

#[test]
fn the_built_in_demo_plays_every_pane_and_never_runs_an_action() {
    let t = Tmux::start("demo", 100, 30, "demo");
    t.wait_for("the recording on screen", |s| {
        s.contains("DEMO (recorded)")
            && s.contains("deploy/kitops-backend")
            && s.contains("blocked session")
    });
    t.keys(&["r"]);
    t.wait_for("the real dialog, marked", |s| {
        s.contains("DEMO — recorded data")
            && s.contains("rollout restart deployment/kitops-backend")
    });
    t.keys(&["y"]);
    t.wait_for("refused", |s| s.contains("demo recording: not run"));
    t.keys(&["q"]);
    let s = t.wait_for("exit", exited);
    assert_restored(&t, &s);
    let audit = t.dir.path().join("state/kitops-top/audit.jsonl");
    assert!(!audit.exists(), "a demo writes no audit line");
}

/// The header's incident timer, `00:00:07` → 7 seconds.
fn incident_timer(screen: &str, title: &str) -> Option<u64> {
    let header = screen.lines().next()?;
    let after = &header[header.find(title)? + title.len()..];
    let clock = after.split_whitespace().next()?;
    let mut parts = clock.split(':').map(|p| p.parse::<u64>().ok());
    let (h, m, s) = (parts.next()??, parts.next()??, parts.next()??);
    Some(h * 3600 + m * 60 + s)
}

#[test]
fn an_incident_survives_a_dropped_session_with_its_timer() {
    let first = Tmux::start("inc1", 80, 24, "");
    first.wait_for("the console", |s| s.contains("1 Pods"));
    first.keys(&["I"]);
    first.wait_for("the severity question", |s| {
        s.contains("Declare an incident")
    });
    first.keys(&["Enter"]);
    first.wait_for("the title question", |s| {
        s.contains("Title (what is broken")
    });
    first.keys(&["-l", "db locks"]);
    first.keys(&["Enter"]);
    first.wait_for("the timer in the header", |s| {
        incident_timer(s, "SEV2 db locks").is_some_and(|t| t >= 2)
    });
    let state = first.dir.path().join("state");
    assert!(
        state.join("kitops-top/incident.json").exists(),
        "saved on declaring"
    );
    let killed = std::process::Command::new("kill")
        .args(["-HUP", &first.console_pid()])
        .status()
        .expect("kill");
    assert!(killed.success());
    first.wait_for("exit", exited);

    let env = format!("XDG_STATE_HOME={}", state.display());
    let second = Tmux::start_with_env("inc2", 80, 24, &env, "");
    let s = second.wait_for("the same incident resumed", |s| {
        incident_timer(s, "SEV2 db locks").is_some()
    });
    let timer = incident_timer(&s, "SEV2 db locks").unwrap_or(0);
    assert!(
        timer >= 2,
        "the timer runs on from the declaration, not from zero:\n{s}"
    );
    second.keys(&["q"]);
    second.wait_for("exit", exited);
}

#[test]
fn record_the_session_then_replay_it_and_no_password_is_in_the_file() {
    const CANARY: &str = "canary-pw-8c1f";
    let t = Tmux::start("rec", 100, 30, "");
    let file = t.dir.path().join("session.rec");
    drop(t);
    let args = format!(
        "--pg postgres://postgres:{CANARY}@{}/{}?sslmode=disable --redis redis://127.0.0.1:6379 --record {}",
        crate::support::pg::HOST_PORT,
        crate::support::pg::DB,
        file.display()
    );
    let t = Tmux::start("rec2", 100, 30, &args);
    t.wait_for("live PostgreSQL", |s| s.contains("connections"));
    t.keys(&["I"]);
    t.wait_for("severity", |s| s.contains("Declare an incident"));
    t.keys(&["Enter"]);
    t.wait_for("title", |s| s.contains("Title (what is broken"));
    t.keys(&["-l", "recorded incident"]);
    t.keys(&["Enter"]);
    t.keys(&["N"]);
    t.wait_for("note", |s| s.contains("Note for the timeline"));
    t.keys(&["-l", "a note"]);
    t.keys(&["Enter"]);
    t.wait_for("noted", |s| s.contains("note added"));
    std::thread::sleep(std::time::Duration::from_secs(3));
    t.keys(&["q"]);
    t.wait_for("exit", exited);

    let bytes = std::fs::read(&file).expect("recorded");
    let rec = kitops_top::collect::replay::Recording::parse(&bytes).expect("reads");
    assert!(!rec.truncated, "a clean quit finishes the file");
    let decoded = format!("{:?}", rec.records);
    assert!(!decoded.contains(CANARY), "no password in a recording");
    let incidents: Vec<_> = rec.events().filter(|(_, k, _)| *k == "incident").collect();
    assert!(
        incidents.len() >= 2,
        "declared, then the note: {incidents:?}"
    );
    assert!(incidents
        .last()
        .is_some_and(|(_, _, j)| j.contains("a note")));
    assert!(rec.lines().iter().any(
        |l| matches!(&l.frame, kitops_top::collect::replay::Frame::Postgres(r) if r.data.is_some())
    ));

    // Played back: the recorded incident is on screen with the data.
    let rp = Tmux::start("rec3", 100, 30, &format!("replay {}", file.display()));
    rp.wait_for("the recorded incident in the header", |s| {
        s.contains("SEV2 recorded incident") && s.contains("recorded")
    });
    rp.keys(&["Space"]);
    rp.wait_for("paused", |s| s.contains("PAUSED"));
    rp.keys(&["q"]);
    rp.wait_for("exit", exited);
}

/// `y` inside tmux as it comes (`set-clipboard external`, `allow-passthrough off`): an
/// application's OSC 52 is ignored there, so the console hands the text to tmux
/// (`load-buffer -w`, which also sets the outer terminal's clipboard) and the footer
/// says so; with `set-clipboard on`, plain OSC 52 goes through, and says that.
#[test]
fn copy_works_in_tmux_default_config_and_says_which_path() {
    let t = Tmux::start("copy", 140, 36, "demo");
    assert_eq!(
        t.tmux(&["show-options", "-gsv", "set-clipboard"]).trim(),
        "external"
    );
    t.wait_for("the recording on screen", |s| {
        s.contains("deploy/kitops-backend")
    });
    t.keys(&["y"]);
    let s = t.wait_for("the copy path in the footer", |s| {
        s.contains("via tmux load-buffer -w (set-clipboard external)")
    });
    let copied = s
        .lines()
        .find_map(|l| l.split("copied: ").nth(1))
        .and_then(|rest| rest.split(" · via").next())
        .unwrap_or_default()
        .trim()
        .to_string();
    assert!(!copied.is_empty(), "{s}");
    let buffer = t.tmux(&["show-buffer"]);
    assert!(buffer.starts_with(&copied), "{buffer:?} vs {copied:?}");
    t.tmux(&["set-option", "-s", "set-clipboard", "on"]);
    t.tmux(&["delete-buffer"]);
    t.keys(&["j", "y"]);
    t.wait_for("plain OSC 52 through tmux", |s| {
        s.contains("via OSC 52 through tmux (set-clipboard on)")
    });
    // tmux took the plain sequence itself: it made a buffer of it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while t.tmux(&["list-buffers"]).trim().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "tmux made no buffer of the OSC 52"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    t.keys(&["q"]);
    t.wait_for("exit", exited);
}
