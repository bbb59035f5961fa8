//! Screen layout: header, six panes, footer. Wide screens get a 2×3 grid; narrow
//! ones (80x24) give the focused pane the room and show the other five as one-line
//! strips, so every source's state stays visible.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::{PaneId, State};

pub struct ScreenLayout {
    pub header: Rect,
    pub footer: Rect,
    /// Pane, its area, and whether it is drawn as a one-line strip.
    pub panes: Vec<(PaneId, Rect, bool)>,
}

/// Below this, the grid would leave panes too small to read.
pub fn is_compact(area: Rect) -> bool {
    area.width < 120 || area.height < 36
}

pub fn screen(area: Rect, state: &State) -> ScreenLayout {
    let [header, body, footer] = Layout::vertical([
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
        footer,
        panes,
    }
}

fn grid(body: Rect) -> Vec<(PaneId, Rect, bool)> {
    let rows = Layout::vertical([
        Constraint::Percentage(36),
        Constraint::Percentage(34),
        Constraint::Percentage(30),
    ])
    .split(body);
    let mut out = Vec::with_capacity(6);
    for (r, pair) in rows.iter().zip(PaneId::ALL.chunks(2)) {
        let cols =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).split(*r);
        out.push((pair[0], cols[0], false));
        out.push((pair[1], cols[1], false));
    }
    out
}

fn compact(body: Rect, focus: PaneId) -> Vec<(PaneId, Rect, bool)> {
    let others: Vec<PaneId> = PaneId::ALL.into_iter().filter(|&p| p != focus).collect();
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
