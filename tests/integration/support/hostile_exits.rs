//! What leaves the console when it runs against a hostile source, gathered and checked
//! in one place: the bytes it wrote to its terminal (tmux `pipe-pane`), its copies
//! (OSC 52 and tmux paste buffers), every file it wrote (log file, audit log, written
//! logs) and `snapshot --format json|table` against the same sources.
#![allow(dead_code)]

use std::path::PathBuf;

use super::tmux::Tmux;
use super::{files_under, hostile};

/// A lone ESC followed at once by a key would read as alt-<key>.
pub fn pause() {
    std::thread::sleep(std::time::Duration::from_millis(300));
}

/// With a details view open: `y` copies it, `esc` closes it, `y` copies the row.
pub fn copy_details_then_row(t: &crate::support::tmux::Tmux) {
    t.keys(&["y"]);
    pause();
    t.keys(&["Escape"]);
    pause();
    t.keys(&["y"]);
    pause();
}

/// Everything one console run let out, read after it quit.
pub struct Exits {
    pub pty: Vec<u8>,
    /// The OSC 52 writes (decoded) and tmux's paste buffers.
    pub copies: Vec<String>,
    /// (path, text) of every file under the console's home but the captured pty bytes;
    /// a gzip file (a `--record` recording) decompressed.
    pub files: Vec<(PathBuf, String)>,
}

impl Exits {
    /// Quits the console (`q`) and gathers what it let out.
    pub fn after_quit(t: &Tmux) -> Exits {
        t.keys(&["q"]);
        t.wait_for("the console quits", |s| s.contains("EXITED:0"));
        let pty = t.pty_bytes();
        let mut copies = hostile::clipboard_writes(&pty);
        copies.extend(t.buffers());
        let mut paths = Vec::new();
        files_under(t.dir.path(), &mut paths);
        let files = paths
            .into_iter()
            .filter(|p| p.file_name().is_some_and(|n| n != "pty.bytes"))
            .map(|p| {
                let text = readable(&std::fs::read(&p).unwrap_or_default());
                (p, text)
            })
            .collect();
        Exits { pty, copies, files }
    }

    /// The file whose name ends with `suffix`, or a panic naming the files there are.
    pub fn file(&self, suffix: &str) -> &str {
        self.files
            .iter()
            .find(|(p, _)| p.to_string_lossy().ends_with(suffix))
            .map(|(_, t)| t.as_str())
            .unwrap_or_else(|| {
                let names: Vec<_> = self.files.iter().map(|(p, _)| p.display()).collect();
                panic!("no file *{suffix} among {names:?}")
            })
    }

    /// Nothing of the corpus raw on the terminal, in a copy or in a file; a copy
    /// holding `copied` (escaped) when one was expected; none with a final newline.
    pub fn assert_escaped(&self, copied: Option<&str>) {
        let raw = hostile::raw_in_terminal(&self.pty);
        assert!(raw.is_empty(), "raw on the terminal: {raw:?}");
        if let Some(copied) = copied {
            assert!(
                self.copies.iter().any(|c| c.contains(copied)),
                "no copy holds {copied:?}: {:?}",
                self.copies
            );
        }
        for copy in &self.copies {
            assert_eq!(hostile::raw_in_file(copy), Vec::<char>::new(), "{copy:?}");
            assert!(!copy.ends_with('\n'), "{copy:?}");
        }
        assert!(
            self.files.iter().any(|(p, _)| p.ends_with("kitops.log")),
            "no log file"
        );
        for (path, text) in &self.files {
            assert_eq!(
                hostile::raw_in_file(text),
                Vec::<char>::new(),
                "raw in {}",
                path.display()
            );
        }
    }
}

fn readable(bytes: &[u8]) -> String {
    use std::io::Read as _;
    let mut text = Vec::new();
    if bytes.starts_with(&[0x1f, 0x8b]) {
        // a torn tail still leaves what decoded before it
        let _ = flate2::read::MultiGzDecoder::new(bytes).read_to_end(&mut text);
    } else {
        text = bytes.to_vec();
    }
    String::from_utf8_lossy(&text).into_owned()
}

/// `kitops-top snapshot --format FORMAT ARGS…` with `env` (`VAR=value` words) and none
/// of the sources the test did not name; its stdout, which must hold `marker` and no
/// hazard raw.
pub fn assert_snapshot_escaped(env: &str, args: &[&str], marker: &str) {
    for format in ["json", "table"] {
        let out = headless_snapshot(env, args, format);
        assert!(
            out.contains(marker),
            "{format}: {marker} not in the output:\n{out}"
        );
        assert_eq!(
            hostile::raw_in_file(&out),
            Vec::<char>::new(),
            "snapshot --format {format}"
        );
    }
}

pub fn headless_snapshot(env: &str, args: &[&str], format: &str) -> String {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kitops-top"));
    cmd.env_remove("KITOPS_REDIS_URL")
        .env_remove("KITOPS_PG_URL")
        .env_remove("KUBECONFIG")
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION");
    for word in env.split_whitespace() {
        if let Some((k, v)) = word.split_once('=') {
            cmd.env(k, v);
        }
    }
    let out = cmd
        .args(args)
        .args(["snapshot", "--format", format])
        .output()
        .expect("snapshot runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}
