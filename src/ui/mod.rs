//! Rendering: a pure function of `State`. No I/O, no locks, no state changes.

pub mod footer;
pub mod header;
pub mod layout;
pub mod modal;
pub mod pane;
pub mod panes;
pub mod sanitize;
pub mod table;
pub mod text;

use ratatui::widgets::Block;
use ratatui::Frame;

use crate::app::State;

pub fn draw(frame: &mut Frame, state: &State) {
    let area = frame.area();
    frame.render_widget(Block::default().style(state.theme.base()), area);
    let l = layout::screen(area, state);
    header::draw(frame, l.header, state);
    for (id, rect, compact) in l.panes {
        pane::draw(frame, rect, state, id, compact);
    }
    footer::draw(frame, l.footer, state);
    modal::draw(frame, area, state);
}
