//! The confirmation dialog: exactly what will be done, the equivalent command,
//! a production banner when it applies, and typed confirmation where asked.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use ratatui::Frame;

use super::{centered, frame_block};
use crate::app::modal::{ConfirmState, DryRun};
use crate::app::State;
use crate::config::keymap::{Context, Key, KeyAction};
use crate::view::safe_text::SafeText;
use crate::view::table::Level;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, c: &ConfirmState) {
    let spec = &c.spec;
    let mut lines: Vec<Line> = Vec::new();
    if c.production {
        let ctx = state
            .kube_context()
            .map(|c| format!("context {}", SafeText::line(c)))
            .unwrap_or_else(|| "marked production in config".into());
        lines.push(Line::from(Span::styled(
            format!(" PRODUCTION — {ctx} "),
            theme.header(true),
        )));
    }
    if state.config.demo {
        lines.push(Line::from(Span::styled(
            " DEMO — recorded data; this will not run ",
            theme.badge_readonly(),
        )));
    } else if c.readonly {
        lines.push(Line::from(Span::styled(
            " READ-ONLY — this will be refused ",
            theme.badge_readonly(),
        )));
    }
    lines.push(Line::from(Span::styled(
        SafeText::line(&spec.title).into_string(),
        theme.title(false),
    )));
    lines.push(Line::raw(""));
    let key_w = spec.facts.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    for (k, v) in &spec.facts {
        lines.push(Line::from(vec![
            Span::styled(format!("{k:>key_w$}: "), theme.column_header()),
            Span::raw(SafeText::line(v).into_string()),
        ]));
    }
    if !spec.equivalent.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::from(Span::styled("will run:", theme.column_header())));
        lines.push(Line::from(Span::styled(
            format!("  {}", SafeText::line(&spec.equivalent)),
            theme.accent(),
        )));
    }
    if let Some((level, text)) = dry_run_line(&c.dry_run) {
        lines.push(Line::from(Span::styled(
            format!("{} {}", theme.symbol(level), SafeText::line(&text)),
            theme.level(level),
        )));
    }
    lines.push(Line::raw(""));
    let cursor = if theme.ascii { "_" } else { "█" };
    let km = &state.keymap;
    let prompt = match &spec.typed_confirmation {
        Some(expected) => {
            lines.push(Line::from(vec![
                Span::raw(format!("type {} to confirm: ", SafeText::line(expected))),
                Span::styled(
                    format!("{}{cursor}", SafeText::line(&c.typed)),
                    theme.selected(),
                ),
            ]));
            format!(
                "{} confirm · {} cancel",
                km.hint(Context::Input, KeyAction::Confirm),
                km.hint(Context::Input, KeyAction::Cancel)
            )
        }
        // Enter never confirms a destructive action, whatever the keymap binds to it.
        None if spec.destructive => format!(
            "{} confirm · {} cancel",
            km.hint_without(Context::Dialog, KeyAction::Confirm, &Key::enter()),
            km.hint(Context::Dialog, KeyAction::Cancel)
        ),
        None => format!(
            "{} confirm · {} cancel",
            km.hint(Context::Dialog, KeyAction::Confirm),
            km.hint(Context::Dialog, KeyAction::Cancel)
        ),
    };
    if let Some(e) = &c.error {
        lines.push(Line::from(Span::styled(
            format!("{} {}", theme.symbol(Level::Warn), e),
            theme.level(Level::Warn),
        )));
    }
    let height = lines.len() as u16 + 4;
    let rect = centered(area, 90, height);
    frame.render_widget(Clear, rect);
    let mut block = frame_block(theme, " Confirm ").title_bottom(format!(" {prompt} "));
    if c.production {
        block = block.border_style(theme.header(true));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn dry_run_line(d: &DryRun) -> Option<(Level, String)> {
    match d {
        DryRun::NotAvailable => None,
        DryRun::Pending => Some((Level::Dim, "server-side dry run: checking…".into())),
        DryRun::Accepted => Some((Level::Ok, "server-side dry run: accepted".into())),
        DryRun::Rejected(why) => {
            Some((Level::Crit, format!("server-side dry run rejected: {why}")))
        }
    }
}
