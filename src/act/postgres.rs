//! PostgreSQL actions: cancel and terminate a backend, held by pid + backend_start.
//!
//! The identity check and the signal are one statement, so a backend that ended (or
//! whose pid was reused) between the dialog and the confirmation is never hit:
//! `SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE pid = $1 AND
//! <backend_start in µs> = $2` — no row means refused.

use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

use crate::app::action::{Action, ConfirmSpec, Op, Outcome, PgBackendRef, Plan};
use crate::collect::postgres::{connect, queries, PgData};
use crate::config::PgSettings;
use crate::view::panes::pg_activity::{dur, short_state};
use crate::view::table::Target;

use super::DescribeCtx;

/// Milliseconds `pg_terminate_backend(pid, timeout)` waits for the backend to exit (≥ 14).
pub const TERMINATE_WAIT_MS: i64 = 5000;

pub fn plan(op: Op, target: Option<&Target>, data: Option<&PgData>) -> Plan {
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
        user: s.user.clone().unwrap_or_default(),
        application: s.application.clone().unwrap_or_default(),
        state: short_state(s.state.as_deref()),
        duration: dur(data.age_secs(s.query_start_us)),
        query: s.query.clone().unwrap_or_default(),
        blocks: data.blocks(pid),
        server_version_num: data.server_version_num,
    };
    match op {
        Op::PgCancel => Plan::Confirm(Action::PgCancel(b)),
        Op::PgTerminate => Plan::Confirm(Action::PgTerminate(b)),
        other => Plan::Refuse(format!("{other:?} does not apply to a PostgreSQL backend")),
    }
}

/// The signalling function call for `action`, with `pid` as given (a literal or `$1`).
fn signal_call(action: &Action, pid: &str) -> String {
    match action {
        Action::PgTerminate(b) if b.server_version_num >= 140_000 => {
            format!("pg_terminate_backend({pid}, {TERMINATE_WAIT_MS})")
        }
        Action::PgTerminate(_) => format!("pg_terminate_backend({pid})"),
        _ => format!("pg_cancel_backend({pid})"),
    }
}

/// The statement the executor runs: signal only if the pid still has the same `backend_start`.
fn guarded_sql(action: &Action, pid: &str, start: &str) -> String {
    format!(
        "SELECT {} FROM pg_stat_activity WHERE pid = {pid} AND {} = {start}",
        signal_call(action, "pid"),
        queries::micros("backend_start")
    )
}

pub fn describe(action: &Action, _ctx: &DescribeCtx) -> ConfirmSpec {
    let (Action::PgCancel(b) | Action::PgTerminate(b)) = action else {
        return ConfirmSpec {
            title: action.verb().into(),
            facts: vec![],
            equivalent: String::new(),
            typed_confirmation: None,
            destructive: true,
        };
    };
    let (title, typed) = match action {
        Action::PgTerminate(_) => (
            format!(
                "Terminate backend {} (ends its session, rolls back its transaction)?",
                b.pid
            ),
            Some(b.pid.to_string()),
        ),
        _ => (
            format!("Cancel the running query of backend {}?", b.pid),
            None,
        ),
    };
    let facts = vec![
        ("pid".into(), b.pid.to_string()),
        ("user".into(), b.user.clone()),
        ("application".into(), b.application.clone()),
        ("state".into(), b.state.clone()),
        ("duration".into(), b.duration.clone()),
        ("blocks".into(), format!("{} session(s)", b.blocks)),
        ("query".into(), b.query.clone()),
    ];
    ConfirmSpec {
        title,
        facts,
        equivalent: guarded_sql(action, &b.pid.to_string(), &b.backend_start_us.to_string()),
        typed_confirmation: typed,
        destructive: true,
    }
}

/// The executor's own connection, opened on first use (the collector's is the other:
/// never more than two).
pub struct PgActions {
    settings: PgSettings,
    client: Option<Client>,
}

impl PgActions {
    pub fn new(settings: PgSettings) -> Self {
        Self {
            settings,
            client: None,
        }
    }

    async fn client(&mut self) -> Result<&Client, String> {
        if self.client.as_ref().is_some_and(|c| c.is_closed()) {
            self.client = None;
        }
        if self.client.is_none() {
            let plan = connect::plan(&self.settings, &|k| std::env::var(k).ok())?;
            let c = connect::connect(&plan).await.map_err(|e| e.to_string())?;
            self.client = Some(c);
        }
        self.client.as_ref().ok_or_else(|| "not connected".into())
    }

    pub async fn execute(&mut self, action: &Action) -> Outcome {
        let (Action::PgCancel(b) | Action::PgTerminate(b)) = action else {
            return Outcome::Refused(format!("{} is not a PostgreSQL action", action.verb()));
        };
        let terminate = matches!(action, Action::PgTerminate(_));
        let sql = guarded_sql(action, "$1", "$2");
        let client = match self.client().await {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(format!("cannot connect: {e}")),
        };
        let rows = match client
            .query(sql.as_str(), &[&b.pid, &b.backend_start_us])
            .await
        {
            Ok(rows) => rows,
            Err(e) => {
                let denied = e
                    .as_db_error()
                    .is_some_and(|d| *d.code() == SqlState::INSUFFICIENT_PRIVILEGE);
                if denied {
                    let server = e
                        .as_db_error()
                        .map(|d| d.message().to_string())
                        .unwrap_or_default();
                    return Outcome::Failed(format!(
                        "permission denied ({server}): signalling another role's backend needs \
                         GRANT pg_signal_backend (superuser backends need a superuser)"
                    ));
                }
                if e.is_closed() || e.as_db_error().is_none() {
                    self.client = None;
                }
                return Outcome::Failed(connect::collect_error(&e).to_string());
            }
        };
        let Some(row) = rows.first() else {
            return Outcome::Refused(format!(
                "backend ended or pid reused: pid {} no longer has the backend_start it had when selected",
                b.pid
            ));
        };
        let ok: Option<bool> = row.get(0);
        match (ok.unwrap_or(false), terminate) {
            (true, true) if b.server_version_num >= 140_000 => {
                Outcome::Done(format!("backend {} terminated (confirmed gone)", b.pid))
            }
            (true, true) => Outcome::Done(format!("backend {} signalled to terminate", b.pid)),
            (true, false) => Outcome::Done(format!("query of backend {} cancel signalled", b.pid)),
            (false, true) if b.server_version_num >= 140_000 => Outcome::Failed(format!(
                "backend {} was signalled but had not exited after {} ms",
                b.pid, TERMINATE_WAIT_MS
            )),
            (false, _) => Outcome::Failed(format!("backend {} not found (already gone)", b.pid)),
        }
    }
}
