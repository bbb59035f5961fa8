//! The confirmation dialog: exactly what will be done, the equivalent command,
//! a production banner when it applies, and typed confirmation where asked. It sizes
//! to its content: as wide as its longest line allows (up to `MAX_WIDTH`), as tall as
//! its wrapped lines, and the command it will run is always shown whole — when the
//! screen is too short, long facts (a query text) are shortened first.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;
use unicode_width::UnicodeWidthStr;

use super::wrap::wrap;
use super::{centered, frame_block};
use crate::app::modal::{ConfirmState, DryRun};
use crate::app::State;
use crate::config::keymap::{Context, Key, KeyAction};
use crate::view::safe_text::SafeText;
use crate::view::table::Level;

/// Wider than this and a dialog's lines get hard to read across a 200-column screen.
const MAX_WIDTH: u16 = 120;
/// Narrow enough for 80 columns with the panes still visible round it.
const MIN_WIDTH: u16 = 50;
/// The command is indented under "will run:" by this much.
const COMMAND_INDENT: &str = "  ";

/// One line of the dialog before wrapping: a label (kept on the first line, spaces
/// under it after) and its text.
struct Logical {
    label: String,
    label_style: Style,
    text: String,
    style: Style,
    /// Facts may be shortened to fit a short screen; the command and prompts never.
    shortenable: bool,
}

impl Logical {
    fn plain(text: impl Into<String>, style: Style) -> Self {
        Self {
            label: String::new(),
            label_style: Style::default(),
            text: text.into(),
            style,
            shortenable: false,
        }
    }

    fn width(&self) -> usize {
        self.label.width() + self.text.width()
    }

    /// Wrapped to `inner` columns, at most `max_lines` of them when shortenable (the
    /// last one then ends in `…`).
    fn lines(&self, inner: usize, max_lines: usize) -> Vec<Line<'static>> {
        let indent = self.label.width();
        let rest = inner.saturating_sub(indent).max(8);
        let mut parts = wrap(&self.text, inner.saturating_sub(indent).max(8), rest);
        if self.shortenable && parts.len() > max_lines {
            parts.truncate(max_lines.max(1));
            if let Some(last) = parts.last_mut() {
                while last.width() + 1 > rest && last.pop().is_some() {}
                last.push('…');
            }
        }
        parts
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let label = if i == 0 {
                    self.label.clone()
                } else {
                    " ".repeat(indent)
                };
                Line::from(vec![
                    Span::styled(label, self.label_style),
                    Span::styled(part, self.style),
                ])
            })
            .collect()
    }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, c: &ConfirmState) {
    let (logical, prompt) = content(state, theme, c);
    let natural = logical.iter().map(Logical::width).max().unwrap_or(0);
    let natural = natural.max(prompt.width() + 4) + 2;
    let width = (natural.min(usize::from(u16::MAX)) as u16)
        .clamp(MIN_WIDTH, MAX_WIDTH)
        .min(area.width);
    let inner = usize::from(width.saturating_sub(2));
    // The fewest shortening that fits: facts whole, then at most 4, 2, 1 line each.
    let lines = [usize::MAX, 4, 2, 1]
        .iter()
        .map(|&max| wrapped(&logical, inner, max))
        .find(|lines| lines.len() + 2 <= usize::from(area.height))
        .unwrap_or_else(|| wrapped(&logical, inner, 1));
    let height = (lines.len() + 2).min(usize::from(u16::MAX)) as u16;
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    let mut block = frame_block(theme, " Confirm ").title_bottom(format!(" {prompt} "));
    if c.production {
        block = block.border_style(theme.header(true));
    }
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn wrapped(logical: &[Logical], inner: usize, max_fact_lines: usize) -> Vec<Line<'static>> {
    logical
        .iter()
        .flat_map(|l| l.lines(inner, max_fact_lines))
        .collect()
}

/// The dialog's lines before wrapping, and the key line of its bottom border.
fn content(state: &State, theme: &Theme, c: &ConfirmState) -> (Vec<Logical>, String) {
    let spec = &c.spec;
    let mut lines: Vec<Logical> = Vec::new();
    if c.production {
        let ctx = state
            .kube_context()
            .map(|c| format!("context {}", SafeText::line(c)))
            .unwrap_or_else(|| "marked production in config".into());
        lines.push(Logical::plain(
            format!(" PRODUCTION — {ctx} "),
            theme.header(true),
        ));
    }
    if state.config.demo {
        lines.push(Logical::plain(
            " DEMO — recorded data; this will not run ",
            theme.badge_readonly(),
        ));
    } else if c.readonly {
        lines.push(Logical::plain(
            " READ-ONLY — this will be refused ",
            theme.badge_readonly(),
        ));
    }
    lines.push(Logical::plain(
        SafeText::line(&spec.title).into_string(),
        theme.title(false),
    ));
    lines.push(Logical::plain("", theme.base()));
    let key_w = spec.facts.iter().map(|(k, _)| k.width()).max().unwrap_or(0);
    for (k, v) in &spec.facts {
        lines.push(Logical {
            label: format!("{k:>key_w$}: "),
            label_style: theme.column_header(),
            text: SafeText::line(v).into_string(),
            style: theme.base(),
            shortenable: true,
        });
    }
    if !spec.equivalent.is_empty() {
        lines.push(Logical::plain("", theme.base()));
        lines.push(Logical::plain("will run:", theme.column_header()));
        lines.push(Logical {
            label: COMMAND_INDENT.into(),
            label_style: theme.accent(),
            text: SafeText::line(&spec.equivalent).into_string(),
            style: theme.accent(),
            shortenable: false,
        });
    }
    if let Some((level, text)) = dry_run_line(&c.dry_run) {
        lines.push(Logical::plain(
            format!("{} {}", theme.symbol(level), SafeText::line(&text)),
            theme.level(level),
        ));
    }
    lines.push(Logical::plain("", theme.base()));
    let cursor = if theme.ascii { "_" } else { "█" };
    let km = &state.keymap;
    let prompt = match &spec.typed_confirmation {
        Some(expected) => {
            lines.push(Logical {
                label: format!("type {} to confirm: ", SafeText::line(expected)),
                label_style: theme.base(),
                text: format!("{}{cursor}", SafeText::line(&c.typed)),
                style: theme.selected(),
                shortenable: false,
            });
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
        lines.push(Logical::plain(
            format!("{} {}", theme.symbol(Level::Warn), SafeText::line(e)),
            theme.level(Level::Warn),
        ));
    }
    (lines, prompt)
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
