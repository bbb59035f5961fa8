//! Screen layout: header, attention line, the panes of the pane table, footer. Wide screens get a grid
//! of two panes a row; narrow ones (80x24) give the focused pane the room and show
//! every other pane as a one-line strip, so every source's state stays visible.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::pane::PANES;
use crate::app::{PaneId, State};

pub struct ScreenLayout {
    pub header: Rect,
    /// The attention line: what is wrong now, across every source.
    pub attention: Rect,
    pub footer: Rect,
    /// Pane, its area, and whether it is drawn as a one-line strip.
    pub panes: Vec<(PaneId, Rect, bool)>,
}

/// Below this, the grid would leave panes too small to read.
pub fn is_compact(area: Rect) -> bool {
    area.width < 120 || area.height < 36
}

pub fn screen(area: Rect, state: &State) -> ScreenLayout {
    let [header, attention, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let panes = if state.zoomed {
        vec![(state.focus, body, false)]
    } else if is_compact(area) {
        compact(body, state.focus)
    } else {
        grid(body)
    };
    ScreenLayout {
        header,
        attention,
        footer,
        panes,
    }
}

/// Row heights of the grid: the first rows (pods, PostgreSQL) hold the longest tables.
fn grid_rows(n: usize) -> Vec<Constraint> {
    match n {
        3 => vec![
            Constraint::Percentage(36),
            Constraint::Percentage(34),
            Constraint::Percentage(30),
        ],
        4 => vec![
            Constraint::Percentage(28),
            Constraint::Percentage(26),
            Constraint::Percentage(24),
            Constraint::Percentage(22),
        ],
        _ => vec![Constraint::Ratio(1, n.max(1) as u32); n],
    }
}

fn grid(body: Rect) -> Vec<(PaneId, Rect, bool)> {
    let pairs: Vec<&[crate::app::pane::PaneSpec]> = PANES.chunks(2).collect();
    let rows = Layout::vertical(grid_rows(pairs.len())).split(body);
    let mut out = Vec::with_capacity(PANES.len());
    for (r, pair) in rows.iter().zip(pairs) {
        let cols =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).split(*r);
        for (spec, col) in pair.iter().zip(cols.iter()) {
            // A lone pane in the last row takes the whole row.
            let area = if pair.len() == 1 { *r } else { *col };
            out.push((spec.id, area, false));
        }
    }
    out
}

fn compact(body: Rect, focus: PaneId) -> Vec<(PaneId, Rect, bool)> {
    let others: Vec<PaneId> = PaneId::all().filter(|&p| p != focus).collect();
    let strips = others.len() as u16;
    let [main, rest] =
        Layout::vertical([Constraint::Min(3), Constraint::Length(strips)]).areas(body);
    let mut out = vec![(focus, main, false)];
    for (i, p) in others.into_iter().enumerate() {
        let y = rest.y + i as u16;
        if y < rest.y + rest.height {
            out.push((
                p,
                Rect {
                    x: rest.x,
                    y,
                    width: rest.width,
                    height: 1,
                },
                true,
            ));
        }
    }
    out
}
