//! Dialogs drawn over the panes; only the top of the stack is drawn on top.

mod audit;
mod confirm;
mod help;
mod incident;
mod input;
mod logs;
mod wrap;

use crate::ui::theme::Theme;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::modal::Modal;
use crate::app::State;
use crate::config::keymap::{Context, KeyAction, Keymap};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    for modal in &state.modals {
        match modal {
            Modal::Help { scroll } => help::draw(frame, area, state, theme, *scroll),
            Modal::Details {
                title,
                fields,
                scroll,
            } => details(frame, area, &state.keymap, theme, title, fields, *scroll),
            Modal::Filter { text, .. } => filter(frame, area, &state.keymap, theme, text),
            Modal::Input(input) => input::draw(frame, area, state, theme, input),
            Modal::Confirm(c) => confirm::draw(frame, area, state, theme, c),
            Modal::Logs(l) => logs::draw(frame, area, state, theme, l),
            Modal::Incident { selected } => incident::draw(frame, area, state, theme, *selected),
            Modal::ResolveIncident => incident::draw_resolve(frame, area, state, theme),
            Modal::Audit { scroll } => audit::draw(frame, area, state, theme, *scroll),
        }
    }
}

/// A centred rectangle of at most `w`×`h`, never larger than `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [c] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    c
}

pub fn frame_block<'a>(theme: &Theme, title: impl Into<Line<'a>>) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(true))
        .title(title)
        .style(theme.base())
}

fn details(
    frame: &mut Frame,
    area: Rect,
    keymap: &Keymap,
    theme: &Theme,
    title: &str,
    fields: &[(String, crate::view::safe_text::SafeText)],
    scroll: u16,
) {
    let rect = centered(
        area,
        area.width.saturating_sub(8).max(40),
        area.height.saturating_sub(4),
    );
    frame.render_widget(Clear, rect);
    let key_w = fields.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    let mut lines: Vec<Line> = Vec::new();
    for (k, v) in fields {
        let mut first = true;
        for part in v.as_str().split('\n') {
            let label = if first {
                format!("{k:>key_w$}: ")
            } else {
                " ".repeat(key_w + 2)
            };
            first = false;
            lines.push(Line::from(vec![
                ratatui::text::Span::styled(label, theme.column_header()),
                ratatui::text::Span::raw(part.to_string()),
            ]));
        }
    }
    let title = format!(" {} ", crate::view::safe_text::SafeText::line(title));
    let p = Paragraph::new(lines)
        .block(frame_block(theme, title).title_bottom(format!(
            " {} close · {}/{} scroll · {} copy ",
            keymap.first_key(&[Context::Global], KeyAction::Back),
            keymap.first_key(&[Context::Global], KeyAction::Down),
            keymap.first_key(&[Context::Global], KeyAction::Up),
            keymap.first_key(&[Context::Global], KeyAction::Copy)
        )))
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0));
    frame.render_widget(p, rect);
}

fn filter(frame: &mut Frame, area: Rect, keymap: &Keymap, theme: &Theme, text: &str) {
    let rect = Rect {
        y: area.bottom().saturating_sub(1),
        height: 1,
        ..area
    };
    frame.render_widget(Clear, rect);
    let cursor = if theme.ascii { "_" } else { "█" };
    let line = format!(
        " filter /{}{cursor}   {} keep · {} clear",
        crate::view::safe_text::SafeText::line(text),
        keymap.first_key(&[Context::Input], KeyAction::Confirm),
        keymap.first_key(&[Context::Input], KeyAction::Cancel)
    );
    frame.render_widget(Paragraph::new(line).style(theme.accent()), rect);
}
