//! One pane: a bordered block whose title says what it is and how fresh its data
//! is, the source's error in its own pane, then the summary and the table.

use crate::ui::theme::Theme;
use std::time::Duration;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::border;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::app::pane::PaneState;
use crate::app::{PaneId, State};
use crate::collect::SourceStatus;
use crate::view::format::age;
use crate::view::table::Level;

const ASCII_BORDER: border::Set = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

/// What the title says about the source: symbol, level and words.
pub fn freshness(pane: &PaneState, state: &State) -> (Level, String) {
    let age_of = || {
        pane.fetched_at
            .map(|t| state.now.duration_since(t).unwrap_or_default())
            .unwrap_or_default()
    };
    match &pane.status {
        SourceStatus::Loading => (Level::Dim, "connecting…".into()),
        SourceStatus::Unconfigured(_) => (Level::Dim, "not configured".into()),
        SourceStatus::Error(_) if pane.fetched_at.is_some() => {
            (Level::Crit, format!("stale {}", age(age_of())))
        }
        SourceStatus::Error(_) => (Level::Crit, "error".into()),
        SourceStatus::Live => {
            let a = age_of();
            if state.replay.is_some() {
                // Never `live`: this is what the source said when it was recorded.
                (Level::Ok, format!("recorded {}", age(a)))
            } else if state.paused {
                (Level::Warn, format!("paused {}", age(a)))
            } else if a > stale_after(state, pane.id) {
                (Level::Warn, format!("stale {}", age(a)))
            } else {
                (Level::Ok, "live".into())
            }
        }
    }
}

/// Data older than three refreshes is called stale even without an error.
fn stale_after(state: &State, id: PaneId) -> Duration {
    id.spec().source.expected_interval(&state.config) * 3 + Duration::from_secs(1)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, id: PaneId, strip: bool) {
    let pane = state.pane(id);
    let focused = state.focus == id;
    let (level, words) = freshness(pane, state);
    let number = id.index() + 1;
    let title = Line::from(vec![
        Span::styled(format!(" {number} {} ", id.title()), theme.title(focused)),
        Span::styled(
            format!(" {} {words} ", title_symbol(theme, level)),
            theme.level(level),
        ),
    ]);
    if strip {
        let mut spans = title.spans;
        spans.extend(strip_state(pane, theme, state.redaction()));
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        return;
    }
    let mut block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border(focused))
        .title(title);
    if theme.ascii {
        block = block.border_set(ASCII_BORDER);
    }
    if !pane.table.filter.is_empty() {
        block = block.title_bottom(Line::from(format!(
            " /{} ",
            crate::view::safe_text::SafeText::line(&pane.table.filter)
        )));
    }
    let rows = pane.table.visible.len();
    if rows > 0 {
        let pos = pane.table.selected_position().map(|p| p + 1).unwrap_or(0);
        block = block.title_bottom(Line::from(format!(" {pos}/{rows} ")).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let mut problem: Option<(Level, String)> = match &pane.status {
        SourceStatus::Error(e) => Some((
            Level::Crit,
            format!(
                "{} {}",
                theme.symbol(Level::Crit),
                state.redaction().text(e)
            ),
        )),
        SourceStatus::Unconfigured(hint) => Some((Level::Dim, format!("not configured: {hint}"))),
        SourceStatus::Loading => Some((Level::Dim, "connecting…".into())),
        SourceStatus::Live => None,
    };
    let has_data = pane.fetched_at.is_some();
    if let (Some((lvl, msg)), false) = (&problem, has_data) {
        let p = Paragraph::new(crate::view::safe_text::SafeText::block(msg).into_string())
            .style(theme.level(*lvl))
            .wrap(Wrap { trim: true });
        frame.render_widget(p, inner);
        return;
    }
    let mut rest = inner;
    if let Some((lvl, msg)) = problem.take() {
        let [line, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(rest);
        let msg = crate::view::safe_text::SafeText::line(&msg).into_string();
        frame.render_widget(Paragraph::new(msg).style(theme.level(lvl)), line);
        rest = body;
    }
    let now = crate::view::panes::pods::unix(state.now);
    super::table::draw(frame, rest, theme, pane, focused, now);
}

/// Titles always carry a symbol, so a source that is off reads differently from one that is live.
fn title_symbol(theme: &crate::ui::theme::Theme, level: Level) -> &'static str {
    match level {
        Level::Dim | Level::Normal => "○",
        other => theme.symbol(other),
    }
}

/// A collapsed pane's worst state: the source's error, else its most severe problem
/// (symbol, text, how many more) in that problem's colour, else its summary, dimmed.
fn strip_state(
    pane: &PaneState,
    theme: &Theme,
    redact: crate::view::redact::Redact,
) -> Vec<Span<'static>> {
    if let SourceStatus::Error(_) = &pane.status {
        return vec![Span::styled(strip_summary(pane), theme.level(Level::Crit))];
    }
    let Some(worst) = pane.attention.first() else {
        return vec![Span::styled(strip_summary(pane), theme.level(Level::Dim))];
    };
    let mut spans = vec![Span::styled(
        format!(
            "{} {}",
            theme.symbol(worst.level),
            redact.text(worst.text.as_str())
        ),
        theme.level(worst.level),
    )];
    if pane.attention.len() > 1 {
        spans.push(Span::styled(
            format!(" +{}", pane.attention.len() - 1),
            theme.level(worst.level),
        ));
    }
    spans.push(Span::styled(
        format!("  {}", strip_summary(pane)),
        theme.level(Level::Dim),
    ));
    spans
}

/// One line for a collapsed pane: its first summary item, else its row count.
fn strip_summary(pane: &PaneState) -> String {
    use crate::view::table::SummaryItem;
    if let SourceStatus::Error(e) = &pane.status {
        return crate::view::safe_text::SafeText::line(e).into_string();
    }
    if let SourceStatus::Unconfigured(hint) = &pane.status {
        return hint.clone();
    }
    if pane.fetched_at.is_none() {
        return String::new();
    }
    match pane.table.content.summary.first() {
        Some(SummaryItem::Line(parts)) => parts
            .iter()
            .map(|(t, _)| t.as_str())
            .collect::<Vec<_>>()
            .join(" "),
        Some(SummaryItem::Gauge { label, ratio, .. }) => format!("{label} {:.0}%", ratio * 100.0),
        Some(SummaryItem::Sparkline { label, .. }) => label.to_string(),
        None if pane.table.content.rows.is_empty() => pane
            .table
            .content
            .empty_message
            .clone()
            .unwrap_or_else(|| "no rows".into()),
        None => format!("{} rows", pane.table.content.rows.len()),
    }
}
