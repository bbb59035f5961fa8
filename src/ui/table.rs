//! Draws a pane's summary and table. Columns are dropped by priority when the
//! pane is narrow; the selection is reverse + bold, never colour alone.

use crate::ui::theme::Theme;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Sparkline, Table, TableState};
use ratatui::Frame;

use crate::app::pane::PaneState;
use crate::view::format::{bar, truncate};
use crate::view::table::{Column, SummaryItem};
use unicode_width::UnicodeWidthStr;

/// Which columns fit in `width`, keeping the highest priorities, in display order.
pub fn fit_columns(columns: &[Column], width: u16) -> Vec<usize> {
    layout_columns(columns, width)
        .into_iter()
        .map(|(i, _)| i)
        .collect()
}

/// The columns that fit in `width` (highest priorities kept, in display order), each
/// with the width it is drawn at. A flexible column (`Column::flex`) counts at its
/// preferred width, at its minimum only if that is what lets every column of
/// priority `yields_to` or more in, and then takes the room left, up to its maximum.
pub fn layout_columns(columns: &[Column], width: u16) -> Vec<(usize, u16)> {
    let flex = columns
        .iter()
        .enumerate()
        .find_map(|(i, c)| c.flex.map(|f| (i, f)));
    let pick = |flex_width: u16| {
        let mut order: Vec<usize> = (0..columns.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(columns[i].priority));
        let mut chosen = Vec::new();
        let mut used = 0u16;
        for i in order {
            let w = match flex {
                Some((f, _)) if f == i => flex_width,
                _ => columns[i].min_width,
            };
            let need = w + if chosen.is_empty() { 0 } else { 1 };
            if used.saturating_add(need) <= width {
                used += need;
                chosen.push(i);
            }
        }
        (chosen, used)
    };
    let (mut chosen, used, flex_width) = match flex {
        None => {
            let (c, u) = pick(0);
            (c, u, 0)
        }
        Some((f, spec)) => {
            let preferred = spec
                .preferred
                .clamp(columns[f].min_width, columns[f].max_width);
            let (c, u) = pick(preferred);
            let all_that_matter = columns
                .iter()
                .enumerate()
                .all(|(i, col)| col.priority < spec.yields_to || c.contains(&i));
            if all_that_matter {
                (c, u, preferred)
            } else {
                let (c, u) = pick(columns[f].min_width);
                (c, u, columns[f].min_width)
            }
        }
    };
    chosen.sort_unstable();
    let spare = width.saturating_sub(used);
    chosen
        .into_iter()
        .map(|i| match flex {
            Some((f, _)) if f == i => (i, (flex_width + spare).min(columns[f].max_width)),
            _ => (i, columns[i].min_width.max(columns[i].max_width)),
        })
        .collect()
}

/// `now` (unix seconds) is what the rows' live cells (ages, usage) are drawn at.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    pane: &PaneState,
    focused: bool,
    now: i64,
) {
    let content = &pane.table.content;
    let summary_h = (content.summary.len() as u16).min(area.height.saturating_sub(2));
    let [summary_area, table_area] =
        Layout::vertical([Constraint::Length(summary_h), Constraint::Min(0)]).areas(area);
    for (i, item) in content.summary.iter().take(summary_h as usize).enumerate() {
        let line_area = Rect {
            y: summary_area.y + i as u16,
            height: 1,
            ..summary_area
        };
        draw_summary(frame, line_area, theme, item);
    }
    if table_area.height == 0 {
        return;
    }
    if pane.table.visible.is_empty() {
        let msg = if !pane.table.filter.is_empty() {
            "no rows match the filter".to_string()
        } else {
            content
                .empty_message
                .clone()
                .unwrap_or_else(|| "no rows".into())
        };
        frame.render_widget(
            Paragraph::new(msg).style(theme.level(crate::view::table::Level::Dim)),
            table_area,
        );
        return;
    }
    let laid_out = layout_columns(&content.columns, table_area.width);
    let cols: Vec<usize> = laid_out.iter().map(|(i, _)| *i).collect();
    let sorted = pane.table.sort.map(|(c, _)| c);
    let widths: Vec<Constraint> = laid_out
        .iter()
        .enumerate()
        .map(|(n, &(i, width))| {
            let c = &content.columns[i];
            // The sorted column's title gets its arrow (`READY▲` in a 5-wide column):
            // one more cell when the title fills the column, taken from the last one.
            let width = if sorted == Some(i) {
                width.max(c.title.width() as u16 + 1)
            } else {
                width
            };
            if n == cols.len() - 1 {
                Constraint::Min(c.min_width)
            } else {
                Constraint::Length(width)
            }
        })
        .collect();
    let sort_mark = |i: usize| match pane.table.sort {
        // The rows are still in the last order: the arrow comes with the new one.
        Some((c, _)) if c == i && pane.table.sort_pending() => "…",
        Some((c, desc)) if c == i => {
            if desc {
                "▼"
            } else {
                "▲"
            }
        }
        _ => "",
    };
    let header = Row::new(
        cols.iter()
            .map(|&i| format!("{}{}", content.columns[i].title, sort_mark(i)))
            .collect::<Vec<_>>(),
    )
    .style(theme.column_header());
    let ascii = theme.ascii;
    // Only the rows that fit are turned into widgets: a 5,000-pod pane redrawn every
    // second must cost what 50 rows cost.
    let body_height = usize::from(table_area.height.saturating_sub(1)).max(1);
    let selected = pane.table.selected_position();
    let start = window_start(selected, body_height);
    let rows: Vec<Row> = pane
        .table
        .visible
        .iter()
        .skip(start)
        .take(body_height)
        .map(|&ri| {
            let r = &content.rows[ri];
            let cells: Vec<Line> = laid_out
                .iter()
                .enumerate()
                .map(|(n, &(ci, width))| {
                    let text = r.text(ci, now);
                    let mut s = String::new();
                    if n == 0 {
                        if r.depth > 0 {
                            s.push_str(&"  ".repeat(r.depth.saturating_sub(1) as usize));
                            s.push_str(if ascii { "`-" } else { "└ " });
                        }
                        let sym = theme.symbol(r.level);
                        if sym != " " {
                            s.push_str(sym);
                            s.push(' ');
                        }
                    }
                    s.push_str(&text);
                    let s = if n == cols.len() - 1 {
                        s
                    } else {
                        truncate(&s, usize::from(width), ascii)
                    };
                    let line = Line::from(s);
                    if content.columns[ci].numeric {
                        line.right_aligned()
                    } else {
                        line
                    }
                })
                .collect();
            let mut style = theme.level(r.level);
            if r.is_group_header {
                style = style.add_modifier(ratatui::style::Modifier::BOLD);
            }
            Row::new(cells).style(style)
        })
        .collect();
    let highlight = if focused {
        theme.selected()
    } else {
        Style::default().add_modifier(ratatui::style::Modifier::BOLD)
    };
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(highlight)
        .highlight_symbol(if ascii { ">" } else { "▶" });
    let mut ts = TableState::default().with_selected(selected.map(|p| p - start));
    frame.render_stateful_widget(table, table_area, &mut ts);
}

/// First visible row: the top, until the selection would fall off the bottom; then
/// the window ends at the selection (where a fresh ratatui `TableState` scrolls to).
fn window_start(selected: Option<usize>, height: usize) -> usize {
    selected.map_or(0, |p| (p + 1).saturating_sub(height))
}

fn draw_summary(frame: &mut Frame, area: Rect, theme: &Theme, item: &SummaryItem) {
    match item {
        SummaryItem::Line(parts) => {
            let mut spans = Vec::new();
            for (i, (text, level)) in parts.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::raw("  "));
                }
                let sym = theme.symbol(*level);
                if sym != " " {
                    spans.push(Span::styled(format!("{sym} "), theme.level(*level)));
                }
                spans.push(Span::styled(text.as_str().to_string(), theme.level(*level)));
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), area);
        }
        SummaryItem::Gauge {
            label,
            ratio,
            level,
        } => {
            let pct = format!(" {:.0}%", ratio * 100.0);
            let sym = theme.symbol(*level);
            let head = format!("{sym} {label} ");
            let room = (area.width as usize)
                .saturating_sub(head.chars().count() + pct.len())
                .min(30);
            let line = Line::from(vec![
                Span::styled(head, theme.level(*level)),
                Span::styled(bar(*ratio, room, theme.ascii), theme.level(*level)),
                Span::styled(pct, theme.level(*level)),
            ]);
            frame.render_widget(Paragraph::new(line), area);
        }
        SummaryItem::Sparkline {
            label,
            points,
            level,
        } => {
            let head = format!("{} ", label);
            let w = (head.chars().count() as u16).min(area.width);
            let [l, r] =
                Layout::horizontal([Constraint::Length(w), Constraint::Min(0)]).areas(area);
            frame.render_widget(Paragraph::new(head).style(theme.level(*level)), l);
            let take = r.width as usize;
            let start = points.len().saturating_sub(take);
            frame.render_widget(
                Sparkline::default()
                    .data(&points[start..])
                    .style(theme.level(*level)),
                r,
            );
        }
    }
}
