//! The footer: the last action's outcome, or the focused pane's key hints
//! generated from the active keymap.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::action::Op;
use crate::app::State;
use crate::config::keymap::{Context, KeyAction};
use crate::view::Level;

/// How long an action's outcome stays in the footer.
const STATUS_SECS: u64 = 15;

pub fn hints(state: &State) -> Vec<(String, &'static str)> {
    let km = &state.keymap;
    let ctx = state.focus.context();
    let mut out: Vec<(String, &'static str)> = km
        .entries(ctx)
        .into_iter()
        // In --readonly no action runs: advertising their keys would only invite refusals.
        .filter(|(a, _)| {
            !(state.config.readonly && Op::for_key(*a).is_some_and(|op| !op.is_read_only()))
        })
        // Sort keys are in help; the footer keeps its room for the pane's actions.
        .filter(|(a, _)| {
            !matches!(
                a,
                KeyAction::SortMemory | KeyAction::SortCpu | KeyAction::SortRestarts
            )
        })
        .map(|(a, keys)| {
            (
                keys.iter()
                    .map(|k| k.display())
                    .collect::<Vec<_>>()
                    .join("/"),
                a.short(),
            )
        })
        .collect();
    for a in [
        KeyAction::Help,
        KeyAction::NextProblem,
        KeyAction::Filter,
        KeyAction::Zoom,
        KeyAction::Pause,
        KeyAction::Quit,
    ] {
        if let Some(k) = km.keys_for(Context::Global, a).first() {
            out.push((k.display(), a.short()));
        }
    }
    out
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    // A running action outranks an older outcome: the user is waiting on it.
    if let Some(r) = state.running.first() {
        let age = state.now.duration_since(r.since).unwrap_or_default();
        let more = match state.running.len() {
            1 => String::new(),
            n => format!(" (+{} more)", n - 1),
        };
        let text = format!(
            " running {} {} · {} of {}{more}",
            r.action.verb(),
            r.action.object(),
            crate::view::format::age(age),
            crate::view::format::age(r.action.deadline()),
        );
        let line = crate::view::safe_text::SafeText::line(&text).into_string();
        frame.render_widget(Paragraph::new(line).style(theme.level(Level::Warn)), area);
        return;
    }
    if let Some(msg) = &state.status {
        let fresh = state
            .now
            .duration_since(msg.at)
            .map(|d| d.as_secs() < STATUS_SECS)
            .unwrap_or(true);
        if fresh {
            let line = Line::from(vec![
                Span::styled(
                    format!(" {} ", theme.symbol(msg.level)),
                    theme.level(msg.level),
                ),
                Span::styled(
                    crate::view::safe_text::SafeText::line(&msg.text).into_string(),
                    theme.level(msg.level),
                ),
            ]);
            frame.render_widget(Paragraph::new(line), area);
            return;
        }
    }
    let mut spans = vec![Span::raw(" ")];
    for (key, what) in hints(state) {
        spans.push(Span::styled(
            key,
            theme.accent().add_modifier(ratatui::style::Modifier::BOLD),
        ));
        spans.push(Span::raw(format!(" {what}  ")));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
