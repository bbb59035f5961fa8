//! The PG activity pane's alt view (`t`): top statements by total time from
//! `pg_stat_statements`, with their change since the previous round, or how to
//! enable the extension when it is missing.

use super::pg_activity::seconds;
use crate::collect::postgres::{PgData, Statements};
use crate::view::format::age;
use crate::view::redact::Redact;
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, PaneContent, SummaryItem, TableRow};

/// At 80 columns: total, mean, calls, the two deltas and the query text.
const TOP_COLUMNS: [Column; 8] = [
    Column::num("CALLS", 8, 7),
    Column::num("TOTAL ms", 10, 10),
    Column::num("MEAN ms", 9, 8),
    Column::num("ROWS", 8, 3),
    Column::num("Δ CALLS", 8, 5),
    Column::num("Δ ms", 9, 6),
    Column::text("USER", 8, 10, 2),
    Column::text("QUERY", 24, 400, 9),
];

fn ms(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

pub fn build(data: &PgData, redact: Redact) -> PaneContent {
    let mut summary = Vec::new();
    let mut rows = Vec::new();
    let mut empty = "no statements recorded yet".to_string();
    match &data.statements {
        Statements::Top {
            rows: top,
            interval_s,
        } => {
            let since = interval_s
                .map(|s| format!("Δ over the last {}", age(seconds(s))))
                .unwrap_or_else(|| "Δ from the next refresh on".into());
            summary.push(SummaryItem::text(
                &format!("top statements by total time (pg_stat_statements) · {since}"),
                Level::Normal,
            ));
            for (i, t) in top.iter().enumerate() {
                let query = &*redact.sql(t.query.as_deref().unwrap_or(""));
                let cells = vec![
                    SafeText::line(&t.calls.to_string()),
                    SafeText::line(&ms(t.total_ms)),
                    SafeText::line(&ms(t.mean_ms)),
                    SafeText::line(&t.rows.to_string()),
                    SafeText::line(&t.delta_calls.map(|d| format!("+{d}")).unwrap_or_default()),
                    SafeText::line(
                        &t.delta_total_ms
                            .map(|d| format!("+{}", ms(d)))
                            .unwrap_or_default(),
                    ),
                    SafeText::line(t.user.as_deref().unwrap_or("")),
                    SafeText::line(query),
                ];
                let key = format!(
                    "stmt:{}:{}:{}:{i}",
                    t.queryid.as_deref().unwrap_or(""),
                    t.user.as_deref().unwrap_or(""),
                    t.database.as_deref().unwrap_or("")
                );
                rows.push(
                    TableRow::new(key, cells)
                        .copy(query)
                        .sort_key(0, t.calls as f64)
                        .sort_key(1, t.total_ms)
                        .sort_key(2, t.mean_ms)
                        .sort_key(3, t.rows as f64)
                        .sort_key(4, t.delta_calls.unwrap_or(0) as f64)
                        .sort_key(5, t.delta_total_ms.unwrap_or(0.0))
                        .detail("queryid", t.queryid.as_deref().unwrap_or(""))
                        .detail("user", t.user.as_deref().unwrap_or(""))
                        .detail("database", t.database.as_deref().unwrap_or(""))
                        .detail("calls", &t.calls.to_string())
                        .detail("total time", &format!("{} ms", ms(t.total_ms)))
                        .detail("mean time", &format!("{} ms", ms(t.mean_ms)))
                        .detail("rows", &t.rows.to_string())
                        .detail("query", query),
                );
            }
        }
        Statements::Unavailable { error } => {
            summary.push(SummaryItem::text(
                &format!("pg_stat_statements: {error}"),
                Level::Crit,
            ));
            empty = "top statements unavailable".into();
        }
        Statements::NotCollected => {}
        other => {
            let what = match other {
                Statements::NotCreated => {
                    "pg_stat_statements is loaded but not created in this database"
                }
                Statements::NotLoaded => {
                    "pg_stat_statements is created but not in shared_preload_libraries"
                }
                _ => "pg_stat_statements is not installed",
            };
            summary.push(SummaryItem::text(what, Level::Warn));
            for line in other.how_to_enable() {
                summary.push(SummaryItem::text(line, Level::Normal));
            }
            empty = "top statements need pg_stat_statements (see above)".into();
        }
    }
    PaneContent {
        memo: Default::default(),
        summary,
        columns: TOP_COLUMNS.to_vec(),
        rows,
        empty_message: Some(empty),
    }
}
