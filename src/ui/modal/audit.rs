//! The audit overlay (`A`): this session's action attempts, newest first — when, what
//! became of it, the action, what it acted on and where — as the audit log has them.
//! In a replay, the recorded ones up to the player's position.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::{centered, frame_block};
use crate::app::audit::{AuditResult, AuditRow};
use crate::app::incident::utc_time;
use crate::app::State;
use crate::config::keymap::{Context, KeyAction};
use crate::view::redact::Redact;
use crate::view::safe_text::SafeText;
use crate::view::table::Level;

fn level(result: AuditResult) -> Level {
    match result {
        AuditResult::Ok => Level::Ok,
        AuditResult::Failed => Level::Crit,
        AuditResult::Refused => Level::Warn,
        AuditResult::DryRun => Level::Normal,
    }
}

/// `text` cut to `width` columns, `…` marking the cut.
fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return format!("{text:<width$}");
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    let pad = width.saturating_sub(out.width());
    out + &" ".repeat(pad)
}

/// Column widths for `inner` columns: time, outcome and action fixed; what it acted on
/// and where share the rest; wide screens add the outcome's message.
struct Columns {
    object: usize,
    target: usize,
    message: usize,
}

const TIME_W: usize = 9;
const RESULT_W: usize = 7;
const VERB_W: usize = 18;

impl Columns {
    fn for_width(inner: usize) -> Self {
        let rest = inner.saturating_sub(1 + TIME_W + 1 + RESULT_W + 1 + VERB_W + 1);
        if rest >= 110 {
            Self {
                object: 36,
                target: 40,
                message: rest - 36 - 40 - 2,
            }
        } else {
            let object = rest / 2;
            Self {
                object,
                target: rest.saturating_sub(object + 1),
                message: 0,
            }
        }
    }
}

fn header(c: &Columns) -> String {
    let mut s = format!(
        " {} {} {} {} {}",
        fit("UTC", TIME_W),
        fit("OUTCOME", RESULT_W),
        fit("ACTION", VERB_W),
        fit("TARGET", c.object),
        fit("WHERE", c.target)
    );
    if c.message > 0 {
        s.push(' ');
        s.push_str(&fit("MESSAGE", c.message));
    }
    s
}

/// One audit entry; in presenter mode its object, target and message are masked
/// (`target 10.0.1.15 in …` names an address).
fn row<'a>(r: &AuditRow, c: &Columns, theme: &Theme, redact: Redact) -> Line<'a> {
    let a = &r.action;
    let result = a.result();
    let safe = |t: &str| SafeText::line(&redact.text(t)).into_string();
    let mut spans = vec![
        Span::raw(format!(" {} ", fit(&utc_time(r.at), TIME_W))),
        Span::styled(fit(result.label(), RESULT_W), theme.level(level(result))),
        Span::raw(format!(
            " {} {} {}",
            fit(&safe(&a.verb), VERB_W),
            fit(&safe(&a.object), c.object),
            fit(&safe(&a.target), c.target)
        )),
    ];
    if c.message > 0 {
        spans.push(Span::raw(format!(
            " {}",
            fit(&safe(a.outcome.message()), c.message)
        )));
    }
    Line::from(spans)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, scroll: usize) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).min(190),
        area.height.saturating_sub(2),
    );
    frame.render_widget(Clear, rect);
    let inner = rect.width.saturating_sub(2) as usize;
    let columns = Columns::for_width(inner);
    let replaying = state.replay.is_some();
    let mut lines = vec![Line::from(Span::styled(
        header(&columns),
        theme.column_header(),
    ))];
    let total = state.audit.len();
    if total == 0 {
        lines.push(Line::raw(if replaying {
            " no action was recorded up to this point of the recording"
        } else {
            " no action attempted in this session yet"
        }));
    }
    let room = (rect.height as usize).saturating_sub(3);
    let first = scroll.min(total.saturating_sub(1));
    for r in state.audit.newest_first().skip(first).take(room) {
        lines.push(row(r, &columns, theme, state.redaction()));
    }
    let km = &state.keymap;
    let ctx = [Context::Global];
    let shown = if total == 0 {
        "0".to_string()
    } else {
        format!("{}–{}", first + 1, (first + room).min(total))
    };
    let hint = format!(
        " {shown} of {total} · {}/{} scroll · {} close ",
        km.first_key(&ctx, KeyAction::Down),
        km.first_key(&ctx, KeyAction::Up),
        km.first_key(&ctx, KeyAction::Back),
    );
    let title = if replaying {
        " Audit — recorded actions, newest first ".to_string()
    } else if let Some(inc) = state.open_incident() {
        format!(
            " Audit — this session, newest first · {} open ",
            SafeText::line(&inc.id)
        )
    } else {
        " Audit — this session, newest first ".to_string()
    };
    let p = Paragraph::new(lines).block(frame_block(theme, title).title_bottom(hint));
    frame.render_widget(p, rect);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_cut_to_their_width_with_an_ellipsis() {
        assert_eq!(fit("ok", 4), "ok  ");
        assert_eq!(fit("deployment/web -n kitops", 10), "deploymen…");
        assert_eq!(fit("deployment/web -n kitops", 10).width(), 10);
    }
}
