//! PostgreSQL actions: cancel and terminate a backend, held by pid + backend_start.
//!
//! The identity check and the signal are one statement, so a backend that ended (or
//! whose pid was reused) between the dialog and the confirmation is never hit:
//! `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE pid = $1 AND
//! <backend_start in µs> = $2` — no row means refused. A cancel is scoped to the query
//! the dialog named: it also holds `query_start`, so a backend that finished that query
//! and started another one is refused rather than having the wrong query cancelled.
//! The executor (`act::postgres`) runs the statement `guarded_sql` builds, the same one
//! the dialog shows.

use serde::Serialize;

use super::{Action, ConfirmSpec, DescribeCtx, Plan};
use crate::collect::postgres::{queries, PgData};
use crate::view::panes::pg_activity::{dur, short_state};
use crate::view::table::Target;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind")]
pub enum PgAction {
    #[serde(rename = "pg_cancel")]
    Cancel(PgBackendRef),
    #[serde(rename = "pg_terminate")]
    Terminate(PgBackendRef),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PgOp {
    Cancel,
    Terminate,
}

/// A backend held by identity (pid + backend_start) plus what the dialog shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PgBackendRef {
    pub pid: i32,
    pub backend_start_us: i64,
    /// When the query the dialog shows started: a cancel hits only that query.
    pub query_start_us: Option<i64>,
    pub user: String,
    pub application: String,
    pub state: String,
    pub duration: String,
    pub query: String,
    /// How many sessions this backend blocks, directly or through a chain.
    pub blocks: usize,
    /// Server version decides the terminate SQL (`pg_terminate_backend(pid, timeout)` on ≥ 14).
    pub server_version_num: i32,
    /// The user asked to cancel a backend idle in transaction: a cancel does nothing
    /// there (no query runs), so the dialog offers terminate and says why.
    #[serde(skip)]
    pub instead_of_cancel: bool,
}

impl PgAction {
    pub fn verb(&self) -> &'static str {
        match self {
            PgAction::Cancel(_) => "pg-cancel",
            PgAction::Terminate(_) => "pg-terminate",
        }
    }

    pub fn object(&self) -> String {
        format!("backend pid {}", self.backend().pid)
    }

    /// The backend either action is aimed at.
    pub fn backend(&self) -> &PgBackendRef {
        match self {
            PgAction::Cancel(b) | PgAction::Terminate(b) => b,
        }
    }
}

impl PgOp {
    pub fn name(self) -> &'static str {
        match self {
            PgOp::Cancel => "pg-cancel",
            PgOp::Terminate => "pg-terminate",
        }
    }
}

/// The age of the dialog's query at `now`: the server's clock at the snapshot plus the
/// time since it was fetched, so a dialog left open keeps counting.
pub fn live_duration(
    b: &PgBackendRef,
    pg: &crate::collect::Snapshot<PgData>,
    now: std::time::SystemTime,
) -> Option<String> {
    let data = pg.data.as_deref()?;
    let since = pg
        .fetched_at
        .and_then(|t| now.duration_since(t).ok())
        .unwrap_or_default();
    let since_us = i64::try_from(since.as_micros()).unwrap_or(i64::MAX);
    let server_now = data.server_now_us.saturating_add(since_us);
    let start = b.query_start_us?;
    Some(dur(Some(
        (server_now.saturating_sub(start) as f64 / 1e6).max(0.0),
    )))
}

/// Milliseconds `pg_terminate_backend(pid, timeout)` waits for the backend to exit (≥ 14).
pub const TERMINATE_WAIT_MS: i64 = 5000;

pub fn plan(op: PgOp, target: Option<&Target>, data: Option<&PgData>) -> Plan {
    let Some(&Target::Backend {
        pid,
        backend_start_us,
    }) = target
    else {
        return Plan::Refuse("select a backend first (a row in PG activity or PG locks)".into());
    };
    let Some(data) = data else {
        return Plan::Refuse("no PostgreSQL data yet".into());
    };
    let Some(s) = data.session(pid, backend_start_us) else {
        return Plan::Refuse(format!(
            "backend {pid} is no longer listed (it ended or its pid was reused)"
        ));
    };
    let b = PgBackendRef {
        pid,
        backend_start_us,
        query_start_us: s.query_start_us,
        user: s.user.clone().unwrap_or_default(),
        application: s.application.clone().unwrap_or_default(),
        state: short_state(s.state.as_deref()),
        duration: dur(data.age_secs(s.query_start_us)),
        query: s.query.clone().unwrap_or_default(),
        blocks: data.blocks(pid),
        server_version_num: data.server_version_num,
        instead_of_cancel: false,
    };
    // `pg_cancel_backend` interrupts a running query; idle in a transaction there is
    // none, and the transaction (with its locks) stays open.
    let idle_in_transaction = s
        .state
        .as_deref()
        .is_some_and(|st| st.starts_with("idle in transaction"));
    Plan::Confirm(Action::Pg(match op {
        PgOp::Cancel if idle_in_transaction => PgAction::Terminate(PgBackendRef {
            instead_of_cancel: true,
            ..b
        }),
        PgOp::Cancel => PgAction::Cancel(b),
        PgOp::Terminate => PgAction::Terminate(b),
    }))
}

/// The signalling function call for `action`, with `pid` as given (a literal or `$1`).
fn signal_call(action: &PgAction, pid: &str) -> String {
    match action {
        PgAction::Terminate(b) if b.server_version_num >= 140_000 => {
            format!("pg_terminate_backend({pid}, {TERMINATE_WAIT_MS})")
        }
        PgAction::Terminate(_) => format!("pg_terminate_backend({pid})"),
        PgAction::Cancel(_) => format!("pg_cancel_backend({pid})"),
    }
}

/// The statement the executor runs: signal only if the pid still has the same `backend_start`.
///
/// A cancel also requires `query_start` to be `query_start` (a literal, `NULL` or a
/// parameter); a terminate ends the session whatever it runs, so it holds the backend only.
pub fn guarded_sql(action: &PgAction, pid: &str, start: &str, query_start: &str) -> String {
    let backend = format!(
        "SELECT {} FROM pg_stat_activity WHERE pid = {pid} AND {} = {start}",
        signal_call(action, "pid"),
        queries::micros("backend_start")
    );
    match action {
        PgAction::Cancel(_) => format!(
            "{backend} AND {} IS NOT DISTINCT FROM {query_start}",
            queries::micros("query_start")
        ),
        PgAction::Terminate(_) => backend,
    }
}

/// `query_start` as the dialog's SQL shows it.
pub fn query_start_literal(b: &PgBackendRef) -> String {
    b.query_start_us
        .map_or_else(|| "NULL".to_string(), |us| us.to_string())
}

pub fn describe(action: &PgAction, _ctx: &DescribeCtx) -> ConfirmSpec {
    let b = action.backend();
    let (title, typed) = match action {
        PgAction::Terminate(b) if b.instead_of_cancel => (
            format!(
                "Backend {} is idle in transaction: cancel does nothing there. Terminate it instead (ends its session, rolls back its transaction)?",
                b.pid
            ),
            Some(b.pid.to_string()),
        ),
        PgAction::Terminate(_) => (
            format!(
                "Terminate backend {} (ends its session, rolls back its transaction)?",
                b.pid
            ),
            Some(b.pid.to_string()),
        ),
        PgAction::Cancel(_) => (
            format!("Cancel the running query of backend {}?", b.pid),
            None,
        ),
    };
    let mut facts = vec![
        ("pid".into(), b.pid.to_string()),
        ("user".into(), b.user.clone()),
        ("application".into(), b.application.clone()),
        ("state".into(), b.state.clone()),
        ("duration".into(), b.duration.clone()),
        ("blocks".into(), format!("{} session(s)", b.blocks)),
        ("query".into(), b.query.clone()),
    ];
    if b.instead_of_cancel {
        facts.insert(
            0,
            (
                "why not cancel".into(),
                "pg_cancel_backend interrupts a running query; this session runs none, and its open transaction keeps its locks until the session ends".into(),
            ),
        );
    }
    ConfirmSpec {
        title,
        facts,
        equivalent: guarded_sql(
            action,
            &b.pid.to_string(),
            &b.backend_start_us.to_string(),
            &query_start_literal(b),
        ),
        typed_confirmation: typed,
        destructive: true,
    }
}
