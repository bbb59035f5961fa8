//! The logs view: the last lines of a pod or deployment, bounded in memory; wrapped,
//! or cut at the edge and scrolled sideways; the title says which stream (the kubectl
//! equivalent: `--previous`, `--timestamps`) and how many lines match the filter.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthChar;

use super::wrap::wrap;
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
    let height = usize::from(rect.height.saturating_sub(2));
    let width = usize::from(rect.width.saturating_sub(2));
    let visible = logs.visible();
    let end = visible.len().saturating_sub(logs.scroll_from_bottom);
    // From the newest shown line back, until the view is full.
    let mut rows: Vec<String> = Vec::new();
    let redact = state.redaction();
    for line in visible[..end].iter().rev() {
        if rows.len() >= height {
            break;
        }
        let line = redact.log_line(line.as_str());
        if logs.wrap {
            let mut parts = wrap(&line, width, width);
            parts.reverse();
            rows.extend(parts);
        } else {
            rows.push(cut(&line, logs.hscroll, width));
        }
    }
    rows.truncate(height);
    rows.reverse();
    let lines: Vec<Line> = rows.into_iter().map(Line::raw).collect();
    // What changes first, the command last: at 80 columns the title is cut at its end.
    let mut title = String::from(" ");
    title.push_str(if logs.request.previous {
        "previous container · "
    } else if logs.follow {
        "following · "
    } else {
        "paused · "
    });
    if !logs.filter.is_empty() {
        title.push_str(&format!("/{} · ", SafeText::line(&logs.filter)));
    }
    title.push_str(&logs.count_label());
    if !logs.wrap && logs.hscroll > 0 {
        title.push_str(&format!(" · from column {}", logs.hscroll + 1));
    }
    title.push_str(&format!(" · {} ", SafeText::line(&logs.title())));
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
            " {} follow · {} previous · {} timestamps · {} {} · {} filter · {} write · {} close ",
            key(KeyAction::Follow),
            key(KeyAction::PreviousLogs),
            key(KeyAction::Timestamps),
            key(KeyAction::WrapLines),
            if logs.wrap { "no wrap" } else { "wrap" },
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

/// The columns `from..from + width` of `text`.
fn cut(text: &str, from: usize, width: usize) -> String {
    let mut col = 0usize;
    let mut out = String::new();
    let mut used = 0usize;
    for ch in text.chars() {
        let w = ch.width().unwrap_or(0);
        if col >= from {
            if used + w > width {
                break;
            }
            out.push(ch);
            used += w;
        }
        col += w;
    }
    out
}
