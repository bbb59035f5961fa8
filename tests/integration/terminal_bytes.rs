//! What the terminal receives: an idle screen where only the clock moved costs the
//! changed cells, not a hide-cursor and four colour resets every second.

use std::time::Duration;

use kitops_top::app::State;
use kitops_top::cli::Opts;
use kitops_top::config::{self, FileConfig};
use kitops_top::terminal::QuietBackend;
use kitops_top::ui::{self, theme::Theme};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

const HIDE_CURSOR: &str = "\x1b[?25l";
const SHOW_CURSOR: &str = "\x1b[?25h";
/// The resets crossterm's backend ends every frame with (fg, bg, underline colour).
const COLOUR_RESETS: [&str; 3] = ["\x1b[39m", "\x1b[49m", "\x1b[59m"];
const SGR_RESET: &str = "\x1b[0m";

/// The idle console (nothing configured) drawn at `times` one second apart, through
/// the backend the console uses, into memory; the bytes each frame sent.
fn frames(width: u16, height: u16, times: usize) -> Vec<String> {
    let cfg = config::resolve(&Opts::default(), &|_| None, &FileConfig::default())
        .expect("default config resolves");
    let mut state = State::with_config(cfg, crate::support::clock::fixed());
    let theme = Theme::builtin_default(false, false);
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
    };
    let mut terminal =
        Terminal::with_options(QuietBackend::new(Vec::new()), options).expect("terminal");
    let mut sent = Vec::new();
    for _ in 0..times {
        let before = terminal.backend().writer().len();
        terminal
            .draw(|f| ui::draw(f, &state, &theme))
            .expect("draw into memory");
        let bytes = &terminal.backend().writer()[before..];
        sent.push(String::from_utf8_lossy(bytes).into_owned());
        state.now += Duration::from_secs(1);
    }
    sent
}

#[test]
fn a_clock_tick_sends_the_changed_cells_and_one_reset() {
    let sent = frames(80, 24, 3);
    assert!(
        sent[0].contains(HIDE_CURSOR),
        "the first frame hides the cursor: {:?}",
        sent[0]
    );
    assert!(
        sent[0].contains("kitops-top"),
        "the first frame draws the header"
    );
    for tick in &sent[1..] {
        assert!(!tick.is_empty(), "the clock moved, so something was sent");
        assert!(
            !tick.contains(HIDE_CURSOR) && !tick.contains(SHOW_CURSOR),
            "the cursor is already hidden: {tick:?}"
        );
        for reset in COLOUR_RESETS {
            assert!(!tick.contains(reset), "redundant {reset:?} in {tick:?}");
        }
        // The clock sits on the header's coloured bar, so the pen is reset once, at
        // the end, for whatever writes to the terminal next.
        assert_eq!(tick.matches(SGR_RESET).count(), 1, "{tick:?}");
        assert!(tick.ends_with(SGR_RESET), "{tick:?}");
    }
}

#[test]
fn an_unchanged_screen_sends_nothing() {
    let cfg = config::resolve(&Opts::default(), &|_| None, &FileConfig::default())
        .expect("default config resolves");
    let state = State::with_config(cfg, crate::support::clock::fixed());
    let theme = Theme::builtin_default(false, false);
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
    };
    let mut terminal =
        Terminal::with_options(QuietBackend::new(Vec::new()), options).expect("terminal");
    terminal
        .draw(|f| ui::draw(f, &state, &theme))
        .expect("draw");
    let first = terminal.backend().writer().len();
    terminal
        .draw(|f| ui::draw(f, &state, &theme))
        .expect("draw");
    let again = &terminal.backend().writer()[first..];
    assert!(again.is_empty(), "{:?}", String::from_utf8_lossy(again));
}
