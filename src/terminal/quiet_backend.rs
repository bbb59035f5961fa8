//! A crossterm backend that writes only what changed on the terminal.
//!
//! ratatui's `Terminal::draw` hides the cursor after every frame, and the crossterm
//! backend ends every diff with four resets (foreground, background, underline colour,
//! attributes) whatever the diff held. On an idle screen, where only the clock changes,
//! that was half of the bytes sent each second (docs/PERFORMANCE.md, "Idle terminal
//! bytes"): over ssh on a slow link, or to a terminal recorder, every byte counts. This
//! backend writes the same crossterm commands as `CrosstermBackend`, with two
//! differences: it remembers whether the cursor is hidden and sends hide/show only when
//! that changes, and a frame ends with one `SGR 0` only when the last cell it wrote left
//! a colour or attribute set.

use std::io::{self, Write};

use crossterm::cursor::{Hide, MoveTo, Show};
use crossterm::style::{Attribute, Print, SetAttribute, SetBackgroundColor, SetForegroundColor};
use crossterm::style::{Color as CrosstermColor, Colors, SetColors, SetUnderlineColor};
use crossterm::terminal::{self, Clear, ClearType as CrosstermClear};
use crossterm::{execute, queue};
use ratatui::backend::{Backend, ClearType, IntoCrossterm, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use ratatui::style::{Color, Modifier};

/// What the terminal's pen is set to: the colours and attributes the next printed
/// character gets. Every frame starts and ends at the default pen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pen {
    fg: Color,
    bg: Color,
    underline: Color,
    modifier: Modifier,
}

impl Pen {
    const DEFAULT: Pen = Pen {
        fg: Color::Reset,
        bg: Color::Reset,
        underline: Color::Reset,
        modifier: Modifier::empty(),
    };

    fn of(cell: &Cell) -> Pen {
        Pen {
            fg: cell.fg,
            bg: cell.bg,
            underline: cell.underline_color,
            modifier: cell.modifier,
        }
    }
}

/// The SGR attribute that turns each modifier on.
const MODIFIER_ATTRIBUTES: [(Modifier, Attribute); 9] = [
    (Modifier::BOLD, Attribute::Bold),
    (Modifier::DIM, Attribute::Dim),
    (Modifier::ITALIC, Attribute::Italic),
    (Modifier::UNDERLINED, Attribute::Underlined),
    (Modifier::SLOW_BLINK, Attribute::SlowBlink),
    (Modifier::RAPID_BLINK, Attribute::RapidBlink),
    (Modifier::REVERSED, Attribute::Reverse),
    (Modifier::HIDDEN, Attribute::Hidden),
    (Modifier::CROSSED_OUT, Attribute::CrossedOut),
];

pub struct QuietBackend<W: Write> {
    writer: W,
    /// `None` until this backend first hides or shows it: the terminal's state is
    /// whatever the program before us left.
    cursor_hidden: Option<bool>,
}

/// A write error that means the terminal itself has gone away.
fn terminal_gone(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::EIO)
        || matches!(
            e.kind(),
            io::ErrorKind::BrokenPipe | io::ErrorKind::NotConnected
        )
}

impl<W: Write> QuietBackend<W> {
    pub fn new(writer: W) -> Self {
        QuietBackend {
            writer,
            cursor_hidden: None,
        }
    }

    /// The writer, for tests that read what the terminal was sent.
    pub fn writer(&self) -> &W {
        &self.writer
    }

    /// Moves the pen from `from` to `to` with as few sequences as it takes. A removed
    /// modifier is undone with `SGR 0` (one sequence that resets everything), after
    /// which the colours are set again.
    fn change_pen(&mut self, from: Pen, to: Pen) -> io::Result<()> {
        let w = &mut self.writer;
        let mut from = from;
        if !(from.modifier - to.modifier).is_empty() {
            queue!(w, SetAttribute(Attribute::Reset))?;
            from = Pen::DEFAULT;
        }
        for (modifier, attribute) in MODIFIER_ATTRIBUTES {
            if to.modifier.contains(modifier) && !from.modifier.contains(modifier) {
                queue!(w, SetAttribute(attribute))?;
            }
        }
        match (to.fg != from.fg, to.bg != from.bg) {
            // One sequence for both, as crossterm's backend sends them.
            (true, true) => queue!(
                w,
                SetColors(Colors::new(to.fg.into_crossterm(), to.bg.into_crossterm()))
            )?,
            (true, false) => queue!(w, SetForegroundColor(to.fg.into_crossterm()))?,
            (false, true) => queue!(w, SetBackgroundColor(to.bg.into_crossterm()))?,
            (false, false) => {}
        }
        if to.underline != from.underline {
            let color: CrosstermColor = to.underline.into_crossterm();
            queue!(w, SetUnderlineColor(color))?;
        }
        Ok(())
    }
}

impl<W: Write> Backend for QuietBackend<W> {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut pen = Pen::DEFAULT;
        let mut next_position: Option<Position> = None;
        for (x, y, cell) in content {
            if next_position != Some(Position { x, y }) {
                queue!(self.writer, MoveTo(x, y))?;
            }
            let wanted = Pen::of(cell);
            if wanted != pen {
                self.change_pen(pen, wanted)?;
                pen = wanted;
            }
            queue!(self.writer, Print(cell.symbol()))?;
            next_position = Some(Position {
                x: x.saturating_add(1),
                y,
            });
        }
        // Anything else written to the terminal (a copy, leaving the alternate screen)
        // must find the default pen.
        if pen != Pen::DEFAULT {
            queue!(self.writer, SetAttribute(Attribute::Reset))?;
        }
        Ok(())
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden != Some(true) {
            execute!(self.writer, Hide)?;
            self.cursor_hidden = Some(true);
        }
        Ok(())
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        if self.cursor_hidden != Some(false) {
            match execute!(self.writer, Show) {
                // The terminal is gone (its tmux server killed, the SSH session dropped):
                // there is no cursor to show. ratatui's `Terminal` shows the cursor when
                // dropped and `eprintln!`s a failure, which panics with stderr gone too.
                Err(e) if terminal_gone(&e) => {}
                result => result?,
            }
            self.cursor_hidden = Some(false);
        }
        Ok(())
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        let (x, y) = crossterm::cursor::position()?;
        Ok(Position { x, y })
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        let Position { x, y } = position.into();
        execute!(self.writer, MoveTo(x, y))
    }

    /// A clear follows a resize or a resume after ctrl-z, when the cursor was hidden
    /// again behind this backend's back: its state is not known any more.
    fn clear(&mut self) -> io::Result<()> {
        self.cursor_hidden = None;
        self.clear_region(ClearType::All)
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        let region = match clear_type {
            ClearType::All => CrosstermClear::All,
            ClearType::AfterCursor => CrosstermClear::FromCursorDown,
            ClearType::BeforeCursor => CrosstermClear::FromCursorUp,
            ClearType::CurrentLine => CrosstermClear::CurrentLine,
            ClearType::UntilNewLine => CrosstermClear::UntilNewLine,
        };
        execute!(self.writer, Clear(region))
    }

    fn append_lines(&mut self, n: u16) -> io::Result<()> {
        for _ in 0..n {
            queue!(self.writer, Print("\n"))?;
        }
        self.writer.flush()
    }

    fn size(&self) -> io::Result<Size> {
        let (width, height) = terminal::size()?;
        Ok(Size { width, height })
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        let size = terminal::window_size()?;
        Ok(WindowSize {
            columns_rows: Size {
                width: size.columns,
                height: size.rows,
            },
            pixels: Size {
                width: size.width,
                height: size.height,
            },
        })
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A terminal whose every write fails with `error`.
    struct Failing(fn() -> io::Error);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err((self.0)())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err((self.0)())
        }
    }

    #[test]
    fn showing_the_cursor_of_a_terminal_that_is_gone_is_not_an_error() {
        for gone in [
            || io::Error::from_raw_os_error(libc::EIO),
            || io::Error::from(io::ErrorKind::BrokenPipe),
        ] {
            let mut backend = QuietBackend::new(Failing(gone));
            assert!(backend.show_cursor().is_ok());
            assert!(backend.hide_cursor().is_err(), "hiding still reports it");
        }
    }

    #[test]
    fn other_failures_to_show_the_cursor_are_reported() {
        let mut backend =
            QuietBackend::new(Failing(|| io::Error::from(io::ErrorKind::PermissionDenied)));
        assert!(backend.show_cursor().is_err());
    }
}
