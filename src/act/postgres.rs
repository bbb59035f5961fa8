//! Runs PostgreSQL actions on the executor's own connection: the statement
//! `app::action::pg::guarded_sql` builds, so a backend that ended or whose pid was
//! reused since the dialog opened is refused, never signalled.

use tokio_postgres::error::SqlState;
use tokio_postgres::Client;

use crate::app::action::pg::{guarded_sql, TERMINATE_WAIT_MS};
use crate::app::action::{Outcome, PgAction};
use crate::collect::postgres::connect;
use crate::config::PgSettings;

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

    /// Whether the backend the dialog named still exists (same pid and backend_start).
    async fn backend_alive(&mut self, b: &crate::app::action::PgBackendRef) -> bool {
        let sql = format!(
            "SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND {} = $2",
            crate::collect::postgres::queries::micros("backend_start")
        );
        match self.client().await {
            Ok(c) => c
                .query(sql.as_str(), &[&b.pid, &b.backend_start_us])
                .await
                .is_ok_and(|rows| !rows.is_empty()),
            Err(_) => false,
        }
    }

    pub async fn execute(&mut self, action: &PgAction) -> Outcome {
        let b = action.backend();
        let terminate = matches!(action, PgAction::Terminate(_));
        let sql = guarded_sql(action, "$1", "$2", "$3::int8");
        let client = match self.client().await {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(format!("cannot connect: {e}")),
        };
        let rows = match action {
            PgAction::Cancel(_) => {
                client
                    .query(
                        sql.as_str(),
                        &[&b.pid, &b.backend_start_us, &b.query_start_us],
                    )
                    .await
            }
            PgAction::Terminate(_) => {
                client
                    .query(sql.as_str(), &[&b.pid, &b.backend_start_us])
                    .await
            }
        };
        let rows = match rows {
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
            if !terminate && self.backend_alive(b).await {
                return Outcome::Refused(format!(
                    "query changed: backend {} now runs another query than the one confirmed; \
                     nothing was cancelled",
                    b.pid
                ));
            }
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
