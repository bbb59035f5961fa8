//! `scripts/run`'s simulated platform (`examples/demo_env`) leaves nothing behind:
//! after SIGTERM or SIGHUP (the script quitting, a dropped SSH session) or even SIGKILL,
//! its moto_server child is gone.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The example's binary, built on demand (`cargo test` builds examples; a filtered run
/// does not). The build gets the user's environment without the variables cargo sets
/// for a test run (CARGO_PKG_*, LD_LIBRARY_PATH…): build scripts that watch them would
/// rebuild C dependencies twice, once here and once in the next outer build.
fn demo_env_bin() -> PathBuf {
    let target = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/debug/examples/demo_env");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--quiet", "--example", "demo_env"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear();
    for key in [
        "PATH",
        "HOME",
        "CARGO_HOME",
        "RUSTUP_HOME",
        "RUSTUP_TOOLCHAIN",
        "RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "TMPDIR",
    ] {
        if let Some(value) = std::env::var_os(key) {
            build.env(key, value);
        }
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building examples/demo_env failed");
    target
}

/// Pids whose parent is `parent` (from /proc/*/stat).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return vec![];
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| stat_field(*pid, 1).as_deref() == Some(&parent.to_string()))
        .collect()
}

/// Field `n` after the command name of /proc/PID/stat: 0 is the state, 1 the parent pid.
fn stat_field(pid: u32, n: usize) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    after_name.split_whitespace().nth(n).map(str::to_string)
}

/// Gone, or a zombie (a container's init may never reap an orphan).
fn is_gone(pid: u32) -> bool {
    stat_field(pid, 0).is_none_or(|state| state == "Z")
}

fn start(bin: &Path, dir: &Path) -> Child {
    let child = Command::new(bin)
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo_env starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !dir.join("env").exists() {
        assert!(Instant::now() < deadline, "demo_env never became ready");
        std::thread::sleep(Duration::from_millis(200));
    }
    child
}

fn moto_is_gone_after(signal: &str) {
    let bin = demo_env_bin();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut demo = start(&bin, dir.path());
    let moto: Vec<u32> = children_of(demo.id());
    assert_eq!(moto.len(), 1, "one moto_server child: {moto:?}");
    let killed = Command::new("kill")
        .args([&format!("-{signal}"), &demo.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if demo.try_wait().expect("wait").is_some() && is_gone(moto[0]) {
            break;
        }
        if Instant::now() > deadline {
            let _ = Command::new("kill")
                .args(["-KILL", &moto[0].to_string()])
                .status();
            let _ = demo.kill();
            panic!(
                "after SIG{signal}, moto_server {} is still running",
                moto[0]
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn moto_stops_when_demo_env_gets_sigterm_sighup_or_sigkill() {
    let runs: Vec<_> = ["TERM", "HUP", "KILL"]
        .into_iter()
        .map(|signal| std::thread::spawn(move || moto_is_gone_after(signal)))
        .collect();
    for run in runs {
        if let Err(panic) = run.join() {
            std::panic::resume_unwind(panic);
        }
    }
}
