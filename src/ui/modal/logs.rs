//! The logs view: the last lines of a pod or deployment, bounded in memory.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{centered, frame_block};
use crate::app::modal::LogsState;
use crate::app::State;
use crate::config::keymap::{Context, KeyAction};
use crate::view::safe_text::SafeText;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, logs: &LogsState) {
    let rect = centered(
        area,
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let visible = logs.visible();
    let height = rect.height.saturating_sub(2) as usize;
    let end = visible.len().saturating_sub(logs.scroll_from_bottom);
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = visible[start..end]
        .iter()
        .map(|l| Line::raw(state.redaction().log_line(l.as_str()).into_owned()))
        .collect();
    let title = format!(
        " {} {}{} ",
        SafeText::line(&logs.title),
        if logs.follow {
            "· following"
        } else {
            "· paused"
        },
        if logs.filter.is_empty() {
            String::new()
        } else {
            format!(" · /{}", SafeText::line(&logs.filter))
        }
    );
    let km = &state.keymap;
    let key = |action| km.first_key(&[Context::Logs, Context::Global], action);
    let hint = if logs.editing_filter {
        format!(
            " type filter · {} keep · {} clear ",
            km.first_key(&[Context::Input], KeyAction::Confirm),
            km.first_key(&[Context::Input], KeyAction::Cancel)
        )
    } else {
        format!(
            " {} follow · {} filter · {} write · {} close ",
            key(KeyAction::Follow),
            key(KeyAction::Filter),
            key(KeyAction::WriteLogs),
            key(KeyAction::Back)
        )
    };
    frame.render_widget(
        Paragraph::new(lines).block(frame_block(theme, title).title_bottom(hint)),
        rect,
    );
}
