//! The replay header's timeline bar: the whole recording in `width` cells — played and
//! still ahead, the player's position, and a mark where each event happened (the
//! incident, an action, a threshold crossed). Where two fall in one cell, the incident
//! wins over an action and an action over a crossing; the position wins over all.

use ratatui::style::Style;
use ratatui::text::Span;

use crate::collect::replay::player::{MarkKind, Status};
use crate::ui::theme::Theme;
use crate::view::table::Level;

/// The narrowest bar drawn (80 columns); and the widest, so a 200-column header keeps
/// room for the clock and the context.
pub const MIN_WIDTH: usize = 12;
pub const MAX_WIDTH: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Played,
    Ahead,
    Position,
    Mark(MarkKind),
}

/// The cell of offset `at` in a bar of `width` cells over `length`.
fn cell_of(at: std::time::Duration, length: std::time::Duration, width: usize) -> usize {
    let last = width.saturating_sub(1);
    if length.is_zero() {
        return 0;
    }
    let ratio = at.as_secs_f64() / length.as_secs_f64();
    ((ratio * last as f64).round() as usize).min(last)
}

/// What each of the `width` cells shows.
pub fn cells(status: &Status, width: usize) -> Vec<Cell> {
    let pos = cell_of(status.position, status.length, width);
    let mut out: Vec<Cell> = (0..width)
        .map(|i| if i < pos { Cell::Played } else { Cell::Ahead })
        .collect();
    for m in status.marks.iter() {
        let i = cell_of(m.at, status.length, width);
        let Some(c) = out.get_mut(i) else { continue };
        match c {
            Cell::Mark(held) if *held <= m.kind => {}
            _ => *c = Cell::Mark(m.kind),
        }
    }
    if let Some(c) = out.get_mut(pos) {
        *c = Cell::Position;
    }
    out
}

fn symbol(cell: Cell, ascii: bool) -> &'static str {
    match (cell, ascii) {
        (Cell::Played, false) => "━",
        (Cell::Played, true) => "=",
        (Cell::Ahead, false) => "─",
        (Cell::Ahead, true) => "-",
        (Cell::Position, false) => "┃",
        (Cell::Position, true) => "|",
        (Cell::Mark(MarkKind::Incident), false) => "◆",
        (Cell::Mark(MarkKind::Incident), true) => "*",
        (Cell::Mark(MarkKind::Action), false) => "■",
        (Cell::Mark(MarkKind::Action), true) => "#",
        (Cell::Mark(MarkKind::Crossing), false) => "▲",
        (Cell::Mark(MarkKind::Crossing), true) => "!",
    }
}

fn style(cell: Cell, theme: &Theme, base: Style) -> Style {
    match cell {
        Cell::Played | Cell::Position => base.patch(theme.accent()),
        Cell::Ahead => base,
        Cell::Mark(MarkKind::Incident) => base.patch(theme.level(Level::Crit)),
        Cell::Mark(MarkKind::Action) => base.patch(theme.accent()),
        Cell::Mark(MarkKind::Crossing) => base.patch(theme.level(Level::Warn)),
    }
}

/// The bar as header spans, runs of one look merged into one span.
pub fn spans(status: &Status, width: usize, theme: &Theme, base: Style) -> Vec<Span<'static>> {
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_style: Option<Style> = None;
    for cell in cells(status, width) {
        let s = style(cell, theme, base);
        if run_style != Some(s) && !run.is_empty() {
            out.push(Span::styled(
                std::mem::take(&mut run),
                run_style.unwrap_or(base),
            ));
        }
        run_style = Some(s);
        run.push_str(symbol(cell, theme.ascii));
    }
    if !run.is_empty() {
        out.push(Span::styled(run, run_style.unwrap_or(base)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::replay::player::Mark;
    use std::sync::Arc;
    use std::time::{Duration, SystemTime};

    fn status(position: u64, marks: &[(u64, MarkKind)]) -> Status {
        Status {
            now: SystemTime::UNIX_EPOCH,
            position: Duration::from_secs(position),
            length: Duration::from_secs(100),
            speed: 1.0,
            paused: false,
            marks: Arc::new(
                marks
                    .iter()
                    .map(|&(at, kind)| Mark {
                        at: Duration::from_secs(at),
                        kind,
                    })
                    .collect(),
            ),
        }
    }

    fn text(s: &Status, width: usize) -> String {
        cells(s, width)
            .into_iter()
            .map(|c| symbol(c, false))
            .collect()
    }

    #[test]
    fn the_bar_shows_position_marks_and_what_was_played() {
        let marks = [
            (10, MarkKind::Crossing),
            (10, MarkKind::Incident),
            (50, MarkKind::Action),
            (90, MarkKind::Crossing),
        ];
        assert_eq!(text(&status(0, &marks), 11), "┃◆───■───▲─");
        assert_eq!(text(&status(30, &marks), 11), "━◆━┃─■───▲─");
        assert_eq!(text(&status(100, &marks), 11), "━◆━━━■━━━▲┃");
        // The playhead covers a mark under it.
        assert_eq!(text(&status(50, &marks), 11), "━◆━━━┃───▲─");
        assert_eq!(cells(&status(0, &[]), 0), vec![]);
    }
}
