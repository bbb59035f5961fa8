//! Deps pane: the runbook's dependency checks (`nc -zv`, `curl -I`), one row each:
//! up or down, latency, HTTP status, and for https the certificate's days to expiry
//! (a warning under `[dependency_checks] cert_warn_days`).

use std::time::SystemTime;

use super::BuildCtx;
use crate::collect::deps::{DepCheck, DepsData};
use crate::view::redact::Redact;
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, PaneContent, SummaryItem, TableRow};

const COLUMNS: [Column; 6] = [
    Column::text("NAME", 10, 16, 9),
    Column::text("STATE", 6, 6, 8),
    Column::num("LATENCY", 8, 7),
    Column::text("HTTP", 5, 5, 6),
    Column::text("CERT", 10, 12, 5),
    Column::text("URL / ERROR", 20, 200, 4),
];

/// The level of one check: down or HTTP 5xx is critical, a certificate about to
/// expire is a warning (expired: critical).
pub fn level(c: &DepCheck, now: SystemTime, warn_days: i64) -> Level {
    let days = c.cert_days_left(now);
    if !c.up || c.http_status.is_some_and(|s| s >= 500) || days.is_some_and(|d| d < 0) {
        Level::Crit
    } else if days.is_some_and(|d| d < warn_days) {
        Level::Warn
    } else {
        Level::Ok
    }
}

pub fn cert_text(c: &DepCheck, now: SystemTime) -> String {
    match c.cert_days_left(now) {
        Some(d) if d < 0 => "expired".into(),
        Some(d) => format!("{d} days"),
        None => String::new(),
    }
}

/// In presenter mode the URL's host IP and port, and any address in the error, are
/// masked (`http://x.x.x.x:x/healthz`); names (`kitops-api.internal`) stay.
fn row(c: &DepCheck, now: SystemTime, warn_days: i64, redact: Redact) -> TableRow {
    let latency = c
        .latency_ms
        .map(|l| format!("{l:.0} ms"))
        .unwrap_or_default();
    let http = c.http_status.map(|s| s.to_string()).unwrap_or_default();
    let cert = cert_text(c, now);
    let url = redact.text(&c.url).into_owned();
    let error = c.error.as_deref().map(|e| redact.text(e).into_owned());
    let url_or_error = match &error {
        Some(e) => format!("{url} — {e}"),
        None => url.clone(),
    };
    let cells = [
        c.name.as_str(),
        if c.up { "up" } else { "down" },
        &latency,
        &http,
        &cert,
        &url_or_error,
    ]
    .iter()
    .map(|s| SafeText::line(s))
    .collect();
    let mut r = TableRow::new(format!("dep:{}", c.name), cells)
        .level(level(c, now, warn_days))
        .copy(url.clone())
        .detail("name", &c.name)
        .detail("url", &url)
        .detail("state", if c.up { "up" } else { "down" })
        .detail("latency", &latency)
        .detail("HTTP status", &http)
        .detail("certificate expires in", &cert)
        .detail("error", error.as_deref().unwrap_or("-"));
    if let Some(l) = c.latency_ms {
        r = r.sort_key(2, l);
    }
    r
}

pub fn build(data: &DepsData, ctx: &BuildCtx) -> PaneContent {
    let warn = data.cert_warn_days;
    let levels: Vec<Level> = data
        .checks
        .iter()
        .map(|c| level(c, ctx.now, warn))
        .collect();
    let down = data.checks.iter().filter(|c| !c.up).count();
    let failing = levels.iter().filter(|l| **l == Level::Crit).count() - down;
    let expiring = levels.iter().filter(|l| **l == Level::Warn).count();
    let up = data.checks.len() - down;
    let lvl = |n: usize, l: Level| if n > 0 { l } else { Level::Normal };
    let summary = vec![SummaryItem::Line(vec![
        (
            SafeText::line(&format!("{up}/{} up", data.checks.len())),
            if down > 0 { Level::Crit } else { Level::Ok },
        ),
        (
            SafeText::line(&format!("{down} down")),
            lvl(down, Level::Crit),
        ),
        (
            SafeText::line(&format!("{failing} HTTP 5xx")),
            lvl(failing, Level::Crit),
        ),
        (
            SafeText::line(&format!("{expiring} cert < {warn} days")),
            lvl(expiring, Level::Warn),
        ),
    ])];
    PaneContent {
        memo: Default::default(),
        summary,
        columns: COLUMNS.to_vec(),
        rows: data
            .checks
            .iter()
            .map(|c| row(c, ctx.now, warn, ctx.redact))
            .collect(),
        empty_message: Some("no [[dependencies]] configured".into()),
    }
}
