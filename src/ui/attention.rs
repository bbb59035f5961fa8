//! The attention line under the header: every source's problems, most severe first
//! (`view::attention::order`), each with its symbol and colour, as many as fit and
//! then how many more there are.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use crate::app::State;
use crate::collect::SourceStatus;
use crate::ui::theme::Theme;
use crate::view::table::Level;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    frame.render_widget(Paragraph::new(line(state, theme, area.width)), area);
}

/// The spans of the line for a screen `width` cells wide.
pub fn line(state: &State, theme: &Theme, width: u16) -> Line<'static> {
    let problems = state.problems();
    let width = width as usize;
    if problems.is_empty() {
        let live = state
            .panes
            .iter()
            .any(|p| p.status == SourceStatus::Live && p.fetched_at.is_some());
        let (level, text) = if live {
            (
                Level::Ok,
                format!(" {} no problems seen", theme.symbol(Level::Ok)),
            )
        } else {
            (Level::Dim, " ○ no source has reported yet".to_string())
        };
        return Line::from(Span::styled(text, theme.level(level)));
    }
    let sep = if theme.ascii { " | " } else { " · " };
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1usize;
    let total = problems.len();
    for (i, (_, a)) in problems.iter().enumerate() {
        let item = format!("{} {}", theme.symbol(a.level), a.text);
        let extra = if i == 0 { 0 } else { sep.width() };
        let rest = total - i - 1;
        // Room for this item and, if others follow, for the "+N more" that says so.
        let tail = if rest > 0 {
            format!(" +{rest} more").width()
        } else {
            0
        };
        if used + extra + item.width() + tail > width {
            let more = format!(" +{} more", total - i);
            if i == 0 {
                // Not even the first fits: cut it, the most severe must show.
                let keep = width.saturating_sub(used + more.width() + 1);
                let cut: String = item.chars().take(keep).collect();
                spans.push(Span::styled(format!("{cut}…"), theme.level(a.level)));
            }
            spans.push(Span::styled(more, theme.level(Level::Dim)));
            break;
        }
        if i > 0 {
            spans.push(Span::styled(sep, theme.level(Level::Dim)));
        }
        used += extra + item.width();
        spans.push(Span::styled(item, theme.level(a.level)));
    }
    Line::from(spans)
}
