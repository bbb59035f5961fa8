//! The executor: the only code that changes anything. Read-only is enforced here,
//! not only by hiding keys, every attempt is audited before it runs, and every action
//! has a deadline: a server that stops answering makes the action fail (and be audited
//! as failed), never hang.

use crate::app::action::{Action, Outcome};
use crate::config::Config;

use super::audit::AuditLog;
use super::aws::AwsActions;
use super::kube::KubeActions;
use super::postgres::PgActions;
use super::redis::RedisActions;

pub struct Executor {
    config: Config,
    /// Replaces every action's own deadline (tests of a frozen server).
    deadline: Option<std::time::Duration>,
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
            config: config.clone(),
            deadline: None,
            readonly: config.readonly,
            demo: config.demo,
            audit: AuditLog::new(config.audit_log.clone()),
            kube: KubeActions::new(config.kube.clone()),
            pg: PgActions::new(config.postgres.clone()),
            redis: RedisActions::new(config.redis.clone()),
            aws: AwsActions::new(config.aws.clone()),
        }
    }

    /// Every action gets `deadline` instead of its own: for tests that freeze a server.
    pub fn with_deadline(mut self, deadline: std::time::Duration) -> Self {
        self.deadline = Some(deadline);
        self
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

    /// Runs `action` with no incident open.
    pub async fn run(&mut self, action: &Action) -> Outcome {
        self.run_during(action, None).await
    }

    /// Runs `action`, confirmed while `incident` (its id) was open: both audit lines
    /// name it, so the incident's record of actions is the audit log itself.
    pub async fn run_during(&mut self, action: &Action, incident: Option<&str>) -> Outcome {
        if self.demo {
            // Nothing was attempted against anything: not an audit event.
            return Outcome::Refused("demo recording: not run".into());
        }
        let target = action.audit_target(&self.config);
        if let Err(e) = self
            .audit
            .record("attempt", action, &target, incident, None)
        {
            // An action that cannot be audited does not run.
            return Outcome::Refused(format!(
                "audit log {} not writable: {e}",
                self.audit.path().display()
            ));
        }
        let outcome = if self.readonly {
            Outcome::Refused("read-only mode: no action runs".into())
        } else {
            let deadline = self.deadline.unwrap_or_else(|| action.deadline());
            match tokio::time::timeout(deadline, self.dispatch(action)).await {
                Ok(outcome) => outcome,
                Err(_) => {
                    // The abandoned request may still hold its connection: start afresh.
                    self.reset(action);
                    Outcome::Failed(format!(
                        "timed out after {}: no answer from the server; it may or may not \
                         have been applied, check before retrying",
                        humantime::format_duration(deadline)
                    ))
                }
            }
        };
        if let Err(e) = self
            .audit
            .record("result", action, &target, incident, Some(&outcome))
        {
            tracing::error!(error = %e, "audit log write failed after the action ran");
        }
        outcome
    }

    async fn dispatch(&mut self, action: &Action) -> Outcome {
        match action {
            Action::Kube(a) => self.kube.execute(a).await,
            Action::Pg(a) => self.pg.execute(a).await,
            Action::Redis(a) => self.redis.execute(a).await,
            Action::Aws(a) => self.aws.execute(a).await,
        }
    }

    /// Drops the source's client so the next action connects anew.
    fn reset(&mut self, action: &Action) {
        let c = &self.config;
        match action {
            Action::Kube(_) => self.kube = KubeActions::new(c.kube.clone()),
            Action::Pg(_) => self.pg = PgActions::new(c.postgres.clone()),
            Action::Redis(_) => self.redis = RedisActions::new(c.redis.clone()),
            Action::Aws(_) => self.aws = AwsActions::new(c.aws.clone()),
        }
    }
}
