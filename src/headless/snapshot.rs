//! `kitops-top snapshot`: one collection round of every configured source.
//! JSON schema (stable, documented in README):
//! `{ "taken_at": RFC3339, "sources": { NAME: { "status": "live"|"error"|"unconfigured",
//!   "latency_ms": N?, "error": S?, "hint": S?, "data": {...}? } } }`
//! Table format prints the rows each pane shows, from the same builders.

use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use unicode_width::UnicodeWidthStr;

use super::{probe, probe_future, Probe};
use crate::cli::Format;
use crate::collect::aws::AwsCollector;
use crate::collect::deps::{deps_hint, DepsCollector};
use crate::collect::postgres::PgCollector;
use crate::collect::redis::RedisCollector;
use crate::collect::sources::{aws_hint, pg_hint, redis_hint, timeout_for};
use crate::config::Config;
use crate::view::panes::{self, BuildCtx};
use crate::view::redact::{self, Redact};
use crate::view::table::PaneContent;

pub struct SourceResult {
    pub name: &'static str,
    pub json: Value,
    pub panes: Vec<(&'static str, PaneContent)>,
}

/// One source's result. With `--redact` its JSON is masked as a redacted recording
/// is: `mask` on the data (query texts, client and target addresses), then every
/// string through `redact::text`; the panes are built from the real data by builders
/// that mask what they show.
fn entry<T: serde::Serialize>(
    name: &'static str,
    p: Probe<T>,
    redact: Redact,
    mask: impl Fn(&mut T),
    build: impl Fn(&T) -> Vec<(&'static str, PaneContent)>,
) -> SourceResult {
    let mut result = unmasked_entry(name, p, |data| {
        let panes = build(data)
            .into_iter()
            .map(|(pane, content)| (pane, content.masked(redact)))
            .collect();
        if redact.0 {
            mask(data);
        }
        panes
    });
    if redact.0 {
        crate::view::redact::json_strings(&mut result.json);
    }
    result
}

fn unmasked_entry<T: serde::Serialize>(
    name: &'static str,
    p: Probe<T>,
    build: impl FnOnce(&mut T) -> Vec<(&'static str, PaneContent)>,
) -> SourceResult {
    match p {
        Probe::Unconfigured(hint) => SourceResult {
            name,
            json: json!({"status": "unconfigured", "hint": hint}),
            panes: vec![],
        },
        Probe::Failed { error, latency } => SourceResult {
            name,
            json: json!({"status": "error", "error": error, "latency_ms": latency.as_millis() as u64}),
            panes: vec![],
        },
        Probe::Ok { mut data, latency } => {
            let panes = build(&mut data);
            SourceResult {
                name,
                json: json!({
                    "status": "live",
                    "latency_ms": latency.as_millis() as u64,
                    "data": serde_json::to_value(&data).unwrap_or(Value::Null),
                }),
                panes,
            }
        }
    }
}

pub async fn collect_all(config: &Config) -> Vec<SourceResult> {
    let t = timeout_for(config.refresh);
    let now = SystemTime::now();
    let unix_now = crate::view::panes::pods::unix(now);
    let redact = Redact(config.redact);
    let ctx = BuildCtx {
        config,
        now,
        alt_view: false,
        redact,
    };
    let kube = async {
        match crate::collect::kube::unconfigured_hint(&config.kube) {
            Some(h) => Probe::Unconfigured(h),
            None => {
                probe_future(
                    crate::collect::kube::collect_once(&config.kube),
                    t.max(Duration::from_secs(10)),
                )
                .await
            }
        }
    };
    let pg = async {
        match pg_hint(&config.postgres) {
            Some(h) => Probe::Unconfigured(h),
            None => probe(PgCollector::new(config.postgres.clone()), t).await,
        }
    };
    let redis = async {
        match redis_hint(&config.redis) {
            Some(h) => Probe::Unconfigured(h),
            None => probe(RedisCollector::new(config.redis.clone()), t).await,
        }
    };
    let aws = async {
        match aws_hint(&config.aws) {
            Some(h) => Probe::Unconfigured(h),
            None => {
                probe(
                    AwsCollector::new(config.aws.clone()),
                    timeout_for(config.aws.refresh),
                )
                .await
            }
        }
    };
    let deps = async {
        match deps_hint(&config.deps) {
            Some(h) => Probe::Unconfigured(h),
            None => {
                let t = config.deps.timeout + Duration::from_secs(2);
                probe(DepsCollector::new(config.deps.clone()), t).await
            }
        }
    };
    let (kube, pg, redis, aws, deps) = tokio::join!(kube, pg, redis, aws, deps);
    vec![
        entry(
            "kubernetes",
            kube,
            redact,
            |_| {},
            |d| {
                vec![
                    ("pods", panes::pods::build(d, &ctx).resolved(unix_now)),
                    ("nodes", panes::nodes::build(d, &ctx)),
                ]
            },
        ),
        entry("postgres", pg, redact, redact::pg_data, |d| {
            vec![
                ("pg_activity", panes::pg_activity::build(d, &ctx)),
                ("pg_locks", panes::pg_locks::build(d, &ctx)),
            ]
        }),
        entry(
            "redis",
            redis,
            redact,
            |_| {},
            |d| vec![("redis", panes::redis::build(d, &ctx))],
        ),
        entry("aws", aws, redact, redact::aws_data, |d| {
            vec![
                ("targets", panes::targets::build(d, &ctx)),
                ("signals", panes::signals::build(d, &ctx)),
            ]
        }),
        entry(
            "deps",
            deps,
            redact,
            |_| {},
            |d| vec![("deps", panes::deps::build(d, &ctx))],
        ),
    ]
}

pub fn render(results: &[SourceResult], format: Format) -> String {
    match format {
        Format::Json => {
            let sources: serde_json::Map<String, Value> = results
                .iter()
                .map(|r| (r.name.to_string(), r.json.clone()))
                .collect();
            let taken: chrono::DateTime<chrono::Utc> = SystemTime::now().into();
            let doc = json!({"taken_at": taken.to_rfc3339(), "sources": sources});
            crate::escape::to_json_pretty(&doc).unwrap_or_default()
        }
        Format::Table => {
            let mut out = String::new();
            for r in results {
                let status = r.json["status"].as_str().unwrap_or("?");
                let detail = r
                    .json
                    .get("error")
                    .or(r.json.get("hint"))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                out.push_str(&format!(
                    "== {} [{status}] {}\n",
                    r.name,
                    crate::view::safe_text::SafeText::line(detail)
                ));
                for (pane, content) in &r.panes {
                    out.push_str(&table_text(pane, content));
                }
            }
            out
        }
    }
}

/// A pane's content as plain text: summary lines, then the columns and rows.
pub fn table_text(pane: &str, c: &PaneContent) -> String {
    use crate::view::table::SummaryItem;
    let mut out = format!("-- {pane}\n");
    for s in &c.summary {
        let line = match s {
            SummaryItem::Line(parts) => parts
                .iter()
                .map(|(t, _)| t.as_str())
                .collect::<Vec<_>>()
                .join("  "),
            SummaryItem::Gauge { label, ratio, .. } => format!("{label} {:.0}%", ratio * 100.0),
            SummaryItem::Sparkline { label, .. } => label.to_string(),
        };
        out.push_str(&format!("   {line}\n"));
    }
    if c.rows.is_empty() {
        if let Some(m) = &c.empty_message {
            out.push_str(&format!("   {m}\n"));
        }
        return out;
    }
    let rows: Vec<Vec<String>> = c.rows.iter().map(indented_cells).collect();
    let widths: Vec<usize> = c
        .columns
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let widest = rows
                .iter()
                .map(|cells| cells.get(i).map(|x| x.width()).unwrap_or(0))
                .max()
                .unwrap_or(0)
                .max(col.title.width());
            if is_free_text(col) {
                widest.min(FREE_TEXT_WIDTH)
            } else {
                widest
            }
        })
        .collect();
    let fmt_row = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(s, w)| padded(&crate::view::format::truncate(s, *w, true), *w))
            .collect::<Vec<_>>()
            .join("  ")
    };
    let titles: Vec<String> = c.columns.iter().map(|c| c.title.to_string()).collect();
    out.push_str(&format!("   {}\n", fmt_row(&titles)));
    for cells in &rows {
        out.push_str(&format!("   {}\n", fmt_row(cells).trim_end()));
    }
    out
}

/// Query texts are cut at this width; every other column is as wide as its content.
const FREE_TEXT_WIDTH: usize = 60;

/// A free-text column (a query: the panes let it grow to hundreds of cells), as
/// opposed to identifiers (pid, pod and node names, target ids), which a script greps
/// for and must never be cut.
fn is_free_text(col: &crate::view::Column) -> bool {
    col.max_width >= 100
}

/// `text` followed by spaces up to `width` terminal cells (`{:<w$}` counts chars,
/// which misaligns wide CJK characters).
fn padded(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

/// A row's cells as printed: the first indented by the row's tree depth.
fn indented_cells(row: &crate::view::TableRow) -> Vec<String> {
    let mut cells: Vec<String> = row.cells.iter().map(str::to_string).collect();
    if let Some(first) = cells.first_mut() {
        *first = format!("{}{first}", "  ".repeat(row.depth as usize));
    }
    cells
}
