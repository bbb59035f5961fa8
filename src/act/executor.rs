//! The executor: the only code that changes anything. Read-only is enforced here,
//! not only by hiding keys, and every attempt is audited before it runs.

use crate::app::action::{Action, Outcome};
use crate::config::Config;

use super::audit::AuditLog;
use super::aws::AwsActions;
use super::kube::KubeActions;
use super::postgres::PgActions;
use super::redis::RedisActions;

pub struct Executor {
    readonly: bool,
    demo: bool,
    audit: AuditLog,
    kube: KubeActions,
    pg: PgActions,
    redis: RedisActions,
    aws: AwsActions,
}

impl Executor {
    pub fn new(config: &Config) -> Self {
        Self {
            readonly: config.readonly,
            demo: config.demo,
            audit: AuditLog::new(config.audit_log.clone()),
            kube: KubeActions::new(config.kube.clone()),
            pg: PgActions::new(config.postgres.clone()),
            redis: RedisActions::new(config.redis.clone()),
            aws: AwsActions::new(config.aws.clone()),
        }
    }

    /// A server-side dry run, where the source's API has one (Kubernetes): shown in the
    /// confirmation dialog before the user answers. Changes nothing, so it is not audited.
    pub async fn validate(&mut self, action: &Action) -> Option<Outcome> {
        match action {
            _ if self.demo => None,
            Action::Kube(a) => Some(self.kube.validate(a).await),
            Action::Pg(_) | Action::Redis(_) | Action::Aws(_) => None,
        }
    }

    pub async fn run(&mut self, action: &Action) -> Outcome {
        if self.demo {
            // Nothing was attempted against anything: not an audit event.
            return Outcome::Refused("demo recording: not run".into());
        }
        if let Err(e) = self.audit.record("attempt", action, None) {
            // An action that cannot be audited does not run.
            return Outcome::Refused(format!(
                "audit log {} not writable: {e}",
                self.audit.path().display()
            ));
        }
        let outcome = if self.readonly {
            Outcome::Refused("read-only mode: no action runs".into())
        } else {
            match action {
                Action::Kube(a) => self.kube.execute(a).await,
                Action::Pg(a) => self.pg.execute(a).await,
                Action::Redis(a) => self.redis.execute(a).await,
                Action::Aws(a) => self.aws.execute(a).await,
            }
        };
        if let Err(e) = self.audit.record("result", action, Some(&outcome)) {
            tracing::error!(error = %e, "audit log write failed after the action ran");
        }
        outcome
    }
}
