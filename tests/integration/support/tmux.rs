//! Drives the real binary in a real terminal: tmux send-keys / capture-pane.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
    pub session: String,
    pub dir: tempfile::TempDir,
}

impl Tmux {
    /// Starts `command` in a fresh tmux server of its own, `width`x`height`.
    /// After the program exits the shell prints its status and terminal modes, then idles.
    pub fn start(name: &str, width: u16, height: u16, args: &str) -> Tmux {
        Self::start_with_env(name, width, height, "", args)
    }

    /// As `start`, with extra `VAR=value` words in the console's environment.
    pub fn start_with_env(name: &str, width: u16, height: u16, env: &str, args: &str) -> Tmux {
        Self::launch(name, width, height, env, args, false)
    }

    /// As `start_with_env`, and every byte the console writes to its terminal is copied
    /// to `pty_bytes()` (tmux `pipe-pane`, set before the console starts).
    pub fn start_piped(name: &str, width: u16, height: u16, env: &str, args: &str) -> Tmux {
        Self::launch(name, width, height, env, args, true)
    }

    /// Every tmux paste buffer's text: where a copy goes under tmux (`load-buffer`).
    pub fn buffers(&self) -> Vec<String> {
        let names = self
            .cmd(&["list-buffers", "-F", "#{buffer_name}"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        names
            .lines()
            .filter_map(|name| {
                let out = self.cmd(&["show-buffer", "-b", name]).output().ok()?;
                Some(String::from_utf8_lossy(&out.stdout).into_owned())
            })
            .collect()
    }

    /// The raw bytes the console wrote to its terminal (`start_piped` only).
    pub fn pty_bytes(&self) -> Vec<u8> {
        std::fs::read(self.dir.path().join("pty.bytes")).unwrap_or_default()
    }

    fn launch(name: &str, width: u16, height: u16, env: &str, args: &str, piped: bool) -> Tmux {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = format!("kitops-test-{}-{name}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_kitops-top");
        let home = dir.path().display().to_string();
        // piped: the shell waits for the pipe before it starts the console
        let wait = if piped { "sleep 1; " } else { "" };
        let script = format!(
            "{wait}cd {home} && env -u RUST_BACKTRACE -u RUST_LIB_BACKTRACE -u KUBECONFIG -u KITOPS_PG_URL -u KITOPS_REDIS_URL -u AWS_REGION -u AWS_DEFAULT_REGION \
             HOME={home} XDG_CONFIG_HOME={home}/cfg XDG_STATE_HOME={home}/state TERM=xterm-256color {env} \
             {bin} --log-file {home}/kitops.log {args}; echo EXITED:$?; stty -a | tr ';' '\\n' | grep -E '^ ?-?icanon|icanon' | head -1; sleep 120"
        );
        let t = Tmux {
            socket,
            session: name.to_string(),
            dir,
        };
        let out = t
            .cmd(&[
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                &script,
            ])
            .output()
            .expect("tmux must be installed (apt-get install tmux); .ci/run installs it");
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        if piped {
            let sink = format!("cat >> {home}/pty.bytes");
            let st = t
                .cmd(&["pipe-pane", "-o", "-t", name, &sink])
                .status()
                .expect("tmux pipe-pane");
            assert!(st.success(), "tmux pipe-pane failed");
        }
        t
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-L").arg(&self.socket).args(args);
        c
    }

    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        let st = self.cmd(&args).status().expect("tmux send-keys");
        assert!(st.success());
    }

    pub fn screen(&self) -> String {
        let out = self
            .cmd(&["capture-pane", "-p", "-t", &self.session])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn format(&self, f: &str) -> String {
        let out = self
            .cmd(&["display-message", "-p", "-t", &self.session, f])
            .output()
            .expect("display");
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// Waits (bounded) until `pred` holds for the screen; panics with the screen otherwise.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if Instant::now() > deadline {
                panic!("timed out waiting for {what}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Runs a tmux command on this session's server (`set -s set-clipboard on`, …);
    /// returns its stdout.
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().expect("tmux command");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("kitops.log")
    }

    /// The pid of the console started in this session.
    pub fn console_pid(&self) -> String {
        let pattern = format!("{}/kitops.log", self.dir.path().display());
        let out = Command::new("pgrep")
            .args(["-f", &pattern])
            .output()
            .expect("pgrep");
        let pids = String::from_utf8_lossy(&out.stdout);
        // the shell running the script matches too; the console is the newest
        pids.lines()
            .last()
            .expect("console running")
            .trim()
            .to_string()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd(&["kill-server"]).status();
    }
}
