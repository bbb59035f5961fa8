//! A question asked before an action: a text field or a list of choices.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{centered, frame_block};
use crate::app::modal::InputState;
use crate::app::State;
use crate::config::keymap::{Context, KeyAction};
use crate::view::safe_text::SafeText;
use crate::view::table::Level;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, input: &InputState) {
    let req = &input.request;
    let mut lines = vec![
        Line::raw(SafeText::line(&req.prompt).into_string()),
        Line::raw(""),
    ];
    if req.choices.is_empty() {
        let cursor = if theme.ascii { "_" } else { "█" };
        lines.push(Line::from(Span::styled(
            format!("> {}{cursor}", SafeText::line(&input.text)),
            theme.selected(),
        )));
    } else {
        for (i, c) in req.choices.iter().enumerate() {
            let selected = i == input.choice;
            let mark = if selected { "▶ " } else { "  " };
            let style = if selected {
                theme.selected()
            } else {
                theme.base()
            };
            lines.push(Line::from(Span::styled(
                format!("{mark}{}", SafeText::line(c)),
                style,
            )));
        }
    }
    if let Some(e) = &input.error {
        lines.push(Line::from(Span::styled(
            format!("{} {}", theme.symbol(Level::Warn), SafeText::line(e)),
            theme.level(Level::Warn),
        )));
    }
    let rect = centered(area, 70, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block =
        frame_block(theme, format!(" {} ", SafeText::line(&req.title))).title_bottom(format!(
            " {} next · {} cancel ",
            state
                .keymap
                .first_key(&[Context::Input], KeyAction::Confirm),
            state.keymap.first_key(&[Context::Input], KeyAction::Cancel)
        ));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
