//! The `?` overlay, generated from the active keymap so it never lies.

use crate::ui::theme::Theme;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};
use ratatui::Frame;

use super::{centered, frame_block};
use crate::app::modal::HELP_LEGEND;
use crate::app::State;
use crate::config::keymap::{Context, KeyAction};

pub fn lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let mut out = vec![Line::from(Span::styled("[symbols]", theme.column_header()))];
    out.extend(HELP_LEGEND.iter().map(|l| Line::from(*l)));
    out.push(Line::from(""));
    for ctx in Context::ALL {
        let entries = state.keymap.entries(ctx);
        if entries.is_empty() {
            continue;
        }
        out.push(Line::from(Span::styled(
            format!("[{}]", ctx.name()),
            theme.column_header(),
        )));
        for (action, keys) in entries {
            let keys = keys
                .iter()
                .map(|k| k.display())
                .collect::<Vec<_>>()
                .join(", ");
            out.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), theme.accent()),
                Span::raw(action.description()),
            ]));
        }
    }
    out
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, scroll: u16) {
    let rect = centered(area, 72, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    let p = Paragraph::new(lines(state, theme))
        .block(
            frame_block(theme, " Help — keys of the active keymap ").title_bottom(format!(
                " {} close · {}/{} scroll ",
                state.keymap.first_key(&[Context::Global], KeyAction::Back),
                state.keymap.first_key(&[Context::Global], KeyAction::Down),
                state.keymap.first_key(&[Context::Global], KeyAction::Up)
            )),
        )
        .scroll((scroll, 0));
    frame.render_widget(p, rect);
}
