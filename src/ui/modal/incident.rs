//! The incident overlay (the runbook's checklist, each step's stamp, the timeline's
//! latest entries) and the resolve confirmation.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, frame_block};
use crate::app::incident::{clock, short_duration, utc_time, EntryKind, Incident};
use crate::app::State;
use crate::config::keymap::{Context, KeyAction};
use crate::view::safe_text::SafeText;
use crate::view::table::Level;

fn kind_label(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::Declared => "declared",
        EntryKind::Step => "step",
        EntryKind::Note => "note",
        EntryKind::Action => "action",
        EntryKind::Crossing => "crossing",
        EntryKind::Resolved => "resolved",
    }
}

/// Two short lines, so nothing wraps at 80 columns.
fn summary(inc: &Incident, state: &State) -> [String; 2] {
    let t = inc.severity.targets(&state.config.incident);
    let when = if inc.is_open() {
        "open"
    } else {
        "resolved after"
    };
    [
        format!(
            "{} · declared {} · {when} {}",
            inc.id,
            utc_time(inc.declared_at),
            clock(inc.elapsed(state.now)),
        ),
        format!(
            "respond within {} · resolve within {}",
            short_duration(t.response),
            short_duration(t.resolution)
        ),
    ]
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, selected: usize) {
    let Some(inc) = &state.incident else {
        return;
    };
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(110),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let level = inc.level(&state.config.incident, state.now);
    let [when, targets] = summary(inc, state);
    let mut lines = vec![
        Line::from(Span::styled(when, theme.level(level))),
        Line::raw(targets),
        Line::raw(""),
        Line::from(Span::styled("checklist", theme.column_header())),
    ];
    for (i, step) in inc.checklist.iter().enumerate() {
        let mark = if step.done_at.is_some() { "[x]" } else { "[ ]" };
        let stamp = step.done_at.map(utc_time).unwrap_or_default();
        let style = if i == selected {
            theme.selected()
        } else {
            theme.base()
        };
        lines.push(Line::from(Span::styled(
            format!(" {mark} {:<12} {stamp}", step.name),
            style,
        )));
    }
    lines.push(Line::raw(""));
    lines.push(Line::from(Span::styled("timeline", theme.column_header())));
    // The latest entries that fit, oldest first; one line each (cut, never wrapped,
    // so the newest is always on screen — details are in `kitops-top timeline`).
    let room = (rect.height as usize).saturating_sub(lines.len() + 2);
    let skip = inc.timeline.len().saturating_sub(room);
    let redact = state.redaction();
    for e in &inc.timeline[skip..] {
        let since = e.at.duration_since(inc.declared_at).unwrap_or_default();
        let lvl = match e.kind {
            EntryKind::Crossing => Level::Warn,
            EntryKind::Action if e.outcome.as_deref() != Some("done") => Level::Crit,
            EntryKind::Resolved => Level::Ok,
            _ => Level::Normal,
        };
        lines.push(Line::from(vec![
            Span::raw(format!(" {} +{} ", utc_time(e.at), clock(since))),
            Span::styled(format!("{:<8} ", kind_label(e.kind)), theme.level(lvl)),
            // Presenter mode: an action's target IP, a crossing's address or a note's
            // pasted e-mail is masked as `C` and the recording mask it.
            Span::raw(SafeText::line(&redact.text(&e.text)).into_string()),
        ]));
    }
    let km = &state.keymap;
    let ctxs = [Context::Incident, Context::Global];
    let hint = format!(
        " {} tick · {} note · {} copy status update · {} resolve · {} close ",
        km.first_key(&ctxs, KeyAction::TickStep),
        km.first_key(&ctxs, KeyAction::IncidentNote),
        km.first_key(&ctxs, KeyAction::StatusUpdate),
        km.first_key(&ctxs, KeyAction::Incident),
        km.first_key(&ctxs, KeyAction::Back),
    );
    let title = format!(
        " Incident {} {} ",
        inc.severity.label(),
        SafeText::line(&state.redaction().text(&inc.title))
    );
    let p = Paragraph::new(lines).block(frame_block(theme, title).title_bottom(hint));
    frame.render_widget(p, rect);
}

pub fn draw_resolve(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(inc) = state.open_incident() else {
        return;
    };
    let km = &state.keymap;
    let lines = vec![
        Line::raw(format!(
            "Resolve {} {} \"{}\" after {}?",
            inc.id,
            inc.severity.label(),
            SafeText::line(&inc.title),
            clock(inc.elapsed(state.now))
        )),
        Line::raw(""),
        Line::raw("The timer stops; the incident is archived with its timeline."),
    ];
    let rect = centered(area, 76, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = frame_block(theme, " Resolve the incident ").title_bottom(format!(
        " {} resolve · {} cancel ",
        km.hint(Context::Dialog, KeyAction::Confirm),
        km.hint(Context::Dialog, KeyAction::Cancel)
    ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}
