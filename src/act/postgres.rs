//! PostgreSQL actions: cancel and terminate a backend, held by pid + backend_start.
//! (Filled in by the PostgreSQL issue.)

use crate::app::action::{Action, ConfirmSpec, Op, Outcome, Plan};
use crate::app::table::Target;
use crate::collect::postgres::PgData;
use crate::config::PgSettings;

use super::DescribeCtx;

pub fn plan(op: Op, target: Option<&Target>, _data: Option<&PgData>) -> Plan {
    match target {
        Some(Target::Backend { .. }) => Plan::Refuse(format!("{op:?}: not available yet")),
        _ => Plan::Refuse("select a backend first".into()),
    }
}

pub fn describe(action: &Action, _ctx: &DescribeCtx) -> ConfirmSpec {
    let (title, sql, typed) = match action {
        Action::PgCancel(b) => (
            format!("Cancel the query of backend {}?", b.pid),
            format!("SELECT pg_cancel_backend({})", b.pid),
            None,
        ),
        Action::PgTerminate(b) => (
            format!("Terminate backend {}?", b.pid),
            if b.server_version_num >= 140_000 {
                format!("SELECT pg_terminate_backend({}, 5000)", b.pid)
            } else {
                format!("SELECT pg_terminate_backend({})", b.pid)
            },
            Some(b.pid.to_string()),
        ),
        other => (other.verb().into(), String::new(), None),
    };
    let facts = match action {
        Action::PgCancel(b) | Action::PgTerminate(b) => vec![
            ("pid".into(), b.pid.to_string()),
            ("user".into(), b.user.clone()),
            ("application".into(), b.application.clone()),
            ("state".into(), b.state.clone()),
            ("duration".into(), b.duration.clone()),
            ("blocks".into(), format!("{} session(s)", b.blocks)),
            ("query".into(), b.query.clone()),
        ],
        _ => vec![],
    };
    ConfirmSpec {
        title,
        facts,
        equivalent: sql,
        typed_confirmation: typed,
        destructive: true,
    }
}

pub struct PgActions {
    #[allow(dead_code)]
    settings: PgSettings,
}

impl PgActions {
    pub fn new(settings: PgSettings) -> Self {
        Self { settings }
    }

    pub async fn execute(&mut self, action: &Action) -> Outcome {
        Outcome::Failed(format!(
            "{}: PostgreSQL executor not implemented yet",
            action.verb()
        ))
    }
}
