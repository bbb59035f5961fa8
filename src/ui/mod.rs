//! Rendering: a pure function of `State` and the `Theme`. No I/O, no locks, no state
//! changes. The only layer that uses ratatui; it reads view models (`view`) and the
//! app state (`app`), never the collectors' clients or the executor.

pub mod attention;
pub mod footer;
pub mod header;
pub mod layout;
pub mod modal;
pub mod pane;
pub mod replay_bar;
pub mod table;
pub mod theme;

use ratatui::widgets::Block;
use ratatui::Frame;

use crate::app::State;
use theme::Theme;

pub fn draw(frame: &mut Frame, state: &State, theme: &Theme) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.base()), area);
    let l = layout::screen(area, state);
    header::draw(frame, l.header, state, theme);
    attention::draw(frame, l.attention, state, theme);
    for (id, rect, compact) in l.panes {
        pane::draw(frame, rect, state, theme, id, compact);
    }
    footer::draw(frame, l.footer, state, theme);
    modal::draw(frame, area, state, theme);
    if theme.ascii {
        asciify(frame.buffer_mut());
    }
}

/// `--ascii`: terminals that cannot show Unicode get ASCII look-alikes, and `?`
/// for anything else (server text included) rather than mojibake.
fn asciify(buf: &mut ratatui::buffer::Buffer) {
    for cell in buf.content.iter_mut() {
        let sym = cell.symbol();
        if sym.is_ascii() {
            continue;
        }
        let replacement = match sym {
            "…" => ".",
            "—" | "─" | "━" => "-",
            "→" | "▶" | "›" => ">",
            "│" | "┃" => "|",
            "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" => "+",
            "█" | "▇" | "▆" | "▅" => "#",
            "▄" | "▃" | "▂" | "▁" => "_",
            "░" | "·" => ".",
            "●" => "+",
            "▲" => "!",
            "▼" => "v",
            "✖" => "x",
            "○" => "o",
            "◆" => "*",
            "■" => "#",
            _ => "?",
        };
        cell.set_symbol(replacement);
    }
}

/// The screen drawn on a `TestBackend` in the theme the state's config names (the
/// built-in default if it cannot be loaded), cells with their styles: for tests and docs.
pub fn render_buffer(state: &State, width: u16, height: u16) -> ratatui::buffer::Buffer {
    let c = &state.config;
    let theme = Theme::load(&c.theme, c.no_color, c.ascii)
        .unwrap_or_else(|_| Theme::builtin_default(c.no_color, c.ascii));
    render_buffer_with(state, &theme, width, height)
}

/// The screen drawn on a `TestBackend` in `theme`.
pub fn render_buffer_with(
    state: &State,
    theme: &Theme,
    width: u16,
    height: u16,
) -> ratatui::buffer::Buffer {
    let backend = ratatui::backend::TestBackend::new(width, height);
    // TestBackend cannot fail: its error type is uninhabited.
    let Ok(mut terminal) = ratatui::Terminal::new(backend);
    let Ok(_) = terminal.draw(|f| draw(f, state, theme));
    terminal.backend().buffer().clone()
}

/// The whole screen as text, drawn on a `TestBackend`: for snapshot tests and docs.
pub fn render_to_string(state: &State, width: u16, height: u16) -> String {
    let buffer = &render_buffer(state, width, height);
    let mut out = String::with_capacity((width as usize + 1) * height as usize);
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}
