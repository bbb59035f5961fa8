//! PG activity pane: connections vs max_connections, sessions per state, and the
//! non-idle sessions oldest `query_start` first (the runbook's slow-query check).
//! Its alt view (`t`) is top statements from `pg_stat_statements`.

use std::time::Duration;

use super::BuildCtx;
use crate::collect::postgres::{PgData, PgSession};
use crate::view::format::age;
use crate::view::redact::Redact;
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, PaneContent, SummaryItem, TableRow, Target};

/// Min widths are chosen so an 80-column pane keeps PID, USER, STATE, the query and
/// transaction ages and the query text, and a wide one adds the rest.
const COLUMNS: [Column; 10] = [
    Column::num("PID", 7, 10),
    Column::text("USER", 8, 10, 6),
    Column::text("DB", 8, 10, 3),
    Column::text("APP", 12, 14, 2),
    Column::text("CLIENT", 15, 15, 1),
    Column::text("STATE", 10, 13, 8),
    Column::text("WAIT", 14, 18, 5),
    Column::num("QUERY", 6, 9),
    Column::num("XACT", 6, 4),
    Column::text("QUERY TEXT", 30, 400, 7),
];

pub fn build(data: &PgData, ctx: &BuildCtx) -> PaneContent {
    if ctx.alt_view {
        return super::pg_top_statements::build(data, ctx.redact);
    }
    let mut summary = vec![connections(data, ctx), states(data, ctx)];
    if let Some(line) = privilege_note(data) {
        summary.push(line);
    }
    let rows = data
        .sessions
        .iter()
        .filter(|s| {
            !s.is_parallel_worker() && (s.state.as_deref() != Some("idle") || blocks(data, s))
        })
        .map(|s| row(data, s, ctx))
        .collect();
    PaneContent {
        memo: Default::default(),
        summary,
        columns: COLUMNS.to_vec(),
        rows,
        empty_message: Some("no active sessions (all idle)".into()),
    }
}

fn blocks(data: &PgData, s: &PgSession) -> bool {
    data.blocks(s.pid) > 0
}

fn connections(data: &PgData, ctx: &BuildCtx) -> SummaryItem {
    let used = data.counts.used;
    let max = data.max_connections.max(1);
    let ratio = used as f64 / max as f64;
    let pct = ratio * 100.0;
    let warn = ctx.config.postgres.connections_warn_percent;
    let level = if pct >= 95.0 {
        Level::Crit
    } else if pct >= warn {
        Level::Warn
    } else {
        Level::Ok
    };
    SummaryItem::Gauge {
        label: SafeText::line(&format!(
            "connections {used}/{} (warn ≥{warn:.0}%)",
            data.max_connections
        )),
        ratio,
        level,
    }
}

fn states(data: &PgData, ctx: &BuildCtx) -> SummaryItem {
    let c = &data.counts;
    let old_idle_tx = data
        .sessions
        .iter()
        .filter(|s| idle_tx_level(data, s, ctx) != Level::Normal)
        .count();
    let n = |v: i64| if v > 0 { Level::Warn } else { Level::Normal };
    let idle_tx_level = if old_idle_tx > 0 {
        Level::Warn
    } else {
        Level::Normal
    };
    SummaryItem::Line(vec![
        (
            SafeText::line(&format!("active {}", c.active)),
            Level::Normal,
        ),
        (SafeText::line(&format!("idle {}", c.idle)), Level::Dim),
        (
            SafeText::line(&format!("idle in tx {}", c.idle_in_transaction)),
            idle_tx_level,
        ),
        (
            SafeText::line(&format!(
                "idle in tx (aborted) {}",
                c.idle_in_transaction_aborted
            )),
            n(c.idle_in_transaction_aborted),
        ),
        (
            SafeText::line(&format!("waiting {}", c.waiting)),
            n(c.waiting),
        ),
    ])
}

fn privilege_note(data: &PgData) -> Option<SummaryItem> {
    let hidden = data.counts.insufficient_privilege;
    if hidden == 0 {
        return None;
    }
    Some(SummaryItem::text(
        &format!(
            "{hidden} <insufficient privilege>: GRANT pg_monitor (or pg_read_all_stats) TO {}",
            data.current_user
        ),
        Level::Warn,
    ))
}

/// Idle in transaction (aborted or not) longer than the threshold: the usual lock holder.
pub(crate) fn idle_tx_level(data: &PgData, s: &PgSession, ctx: &BuildCtx) -> Level {
    let idle_tx = matches!(
        s.state.as_deref(),
        Some("idle in transaction") | Some("idle in transaction (aborted)")
    );
    if !idle_tx {
        return Level::Normal;
    }
    let since = data.age_secs(s.state_change_us).unwrap_or(0.0);
    let threshold = ctx.config.postgres.idle_in_transaction_warn.as_secs_f64();
    if since < threshold {
        Level::Normal
    } else if data.blocks(s.pid) > 0 || since >= threshold * 10.0 {
        Level::Crit
    } else {
        Level::Warn
    }
}

/// An active client query running longer than `[postgres] long_query_warn` (▲), or ten
/// times that (✖). Background workers (walsender, autovacuum) are always "active"; a
/// session waiting for a lock is the locks pane's (its wait is not its own slowness).
pub(crate) fn long_query_level(data: &PgData, s: &PgSession, ctx: &BuildCtx) -> Level {
    let client = matches!(s.backend_type.as_deref(), None | Some("client backend"));
    let lock_wait = s.wait_event_type.as_deref() == Some("Lock");
    if s.state.as_deref() != Some("active") || !client || s.is_parallel_worker() || lock_wait {
        return Level::Normal;
    }
    let ran = data.age_secs(s.query_start_us).unwrap_or(0.0);
    let warn = ctx.config.postgres.long_query_warn.as_secs_f64();
    if ran >= warn * 10.0 {
        Level::Crit
    } else if ran >= warn {
        Level::Warn
    } else {
        Level::Normal
    }
}

pub fn short_state(state: Option<&str>) -> String {
    match state {
        Some("idle in transaction") => "idle in tx".into(),
        Some("idle in transaction (aborted)") => "idle tx abort".into(),
        Some(s) => s.into(),
        None => "?".into(),
    }
}

pub fn dur(secs: Option<f64>) -> String {
    secs.map(|s| age(seconds(s))).unwrap_or_else(|| "-".into())
}

/// Seconds from a server or a recording as a `Duration`, never a panic: negative or
/// NaN (clock skew, a hand-edited recording) is 0, too large is the maximum.
pub(super) fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s).unwrap_or(if s > 0.0 {
        Duration::MAX
    } else {
        Duration::ZERO
    })
}

fn opt(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or("")
}

fn wait(s: &PgSession) -> String {
    match (&s.wait_event_type, &s.wait_event) {
        (Some(t), Some(e)) => format!("{t}:{e}"),
        (Some(t), None) => t.clone(),
        _ => String::new(),
    }
}

fn client(s: &PgSession, redact: Redact) -> String {
    match (&s.client_addr, s.client_port) {
        (Some(a), _) => redact.address(a).into_owned(),
        (None, Some(-1)) => "local".into(),
        _ => String::new(),
    }
}

fn row(data: &PgData, s: &PgSession, ctx: &BuildCtx) -> TableRow {
    let q_age = data.age_secs(s.query_start_us);
    let x_age = data.age_secs(s.xact_start_us);
    let query = &*ctx.redact.sql(opt(&s.query));
    let client = client(s, ctx.redact);
    let mut level = idle_tx_level(data, s, ctx);
    if level == Level::Normal {
        level = long_query_level(data, s, ctx);
    }
    if level == Level::Normal && s.wait_event_type.as_deref() == Some("Lock") {
        level = Level::Warn;
    }
    if level == Level::Normal && s.hidden() {
        level = Level::Dim;
    }
    let workers: Vec<String> = data.workers_of(s.pid).map(|w| w.pid.to_string()).collect();
    let key = format!("pid:{}:{}", s.pid, s.backend_start_us.unwrap_or(0));
    let cells = vec![
        SafeText::line(&s.pid.to_string()),
        SafeText::line(opt(&s.user)),
        SafeText::line(opt(&s.database)),
        SafeText::line(opt(&s.application)),
        SafeText::line(&client),
        SafeText::line(&if s.hidden() {
            "hidden".to_string()
        } else {
            short_state(s.state.as_deref())
        }),
        SafeText::line(&wait(s)),
        SafeText::line(&dur(q_age)),
        SafeText::line(&dur(x_age)),
        SafeText::line(query),
    ];
    let blocks = data.blocks(s.pid);
    let mut r = TableRow::new(key, cells)
        .level(level)
        .copy(query)
        .sort_key(0, s.pid as f64)
        .sort_key(7, q_age.unwrap_or(-1.0))
        .sort_key(8, x_age.unwrap_or(-1.0))
        .detail("pid", &s.pid.to_string())
        .detail("user", opt(&s.user))
        .detail("database", opt(&s.database))
        .detail("application_name", opt(&s.application))
        .detail("client_addr", &client)
        .detail(
            "client_hostname",
            &ctx.redact.address(opt(&s.client_hostname)),
        )
        .detail("backend_type", opt(&s.backend_type))
        .detail("state", opt(&s.state))
        .detail("wait_event_type", opt(&s.wait_event_type))
        .detail("wait_event", opt(&s.wait_event))
        .detail("query duration", &dur(q_age))
        .detail("transaction duration", &dur(x_age))
        .detail("state since", &dur(data.age_secs(s.state_change_us)))
        .detail("backend age", &dur(data.age_secs(s.backend_start_us)));
    if !s.blocked_by.is_empty() {
        let by: Vec<String> = s.blocked_by.iter().map(|p| p.to_string()).collect();
        r = r.detail("blocked by", &by.join(", "));
    }
    if blocks > 0 {
        r = r.detail("blocks", &format!("{blocks} session(s)"));
    }
    if !workers.is_empty() {
        r = r.detail("parallel workers", &workers.join(", "));
    }
    r = r.detail("query", query);
    if s.hidden() {
        r = r.detail(
            "note",
            &format!(
                "this role cannot see other roles' sessions: GRANT pg_monitor (or pg_read_all_stats) TO {}",
                data.current_user
            ),
        );
    }
    match s.backend_start_us {
        Some(bs) => r.target(Target::Backend {
            pid: s.pid,
            backend_start_us: bs,
        }),
        None => r,
    }
}
