//! Actions are values, nested by source: `Action::Kube(KubeAction::Scale {..})`. Each
//! source's module holds its pure half — `plan` (key + selection → next step),
//! `describe` (the confirmation dialog, with the equivalent CLI command or SQL) and
//! `complete` (an input dialog's answer → action) — which the reducer calls; the
//! executors in `act/` run them. A mis-routed action is a compile error: every match
//! here is exhaustive and has no catch-all arm.
//!
//! Variants carry the identity of their target and the display facts the dialog
//! shows, captured when the user asked.

pub mod aws;
pub mod kube;
pub mod pg;
pub mod redis;

use std::time::SystemTime;

use serde::Serialize;

use super::sources::Sources;
use crate::config::keymap::KeyAction;
use crate::config::Config;
use crate::view::Target;

pub use aws::{AwsAction, AwsInput, AwsOp};
pub use kube::{KubeAction, KubeInput, KubeOp};
pub use pg::{PgAction, PgBackendRef, PgOp};
pub use redis::{RedisAction, RedisInput, RedisOp};

/// Serialized exactly as before nesting (`{"kind":"scale",…}`): the audit log's readers
/// keep working, so the outer enum adds no level of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Action {
    Kube(KubeAction),
    Pg(PgAction),
    Redis(RedisAction),
    Aws(AwsAction),
}

/// What a key asked for, before it becomes an `Action` (it may need input first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Kube(KubeOp),
    Pg(PgOp),
    Redis(RedisOp),
    Aws(AwsOp),
}

/// What an input dialog's answer is for; `complete` turns purpose + answer into an `Action`.
#[derive(Debug, Clone, PartialEq)]
pub enum InputPurpose {
    Kube(KubeInput),
    Redis(RedisInput),
    Aws(AwsInput),
    /// Not an action: the incident's severity, title or a note (`app::update_incident`).
    Incident(IncidentInput),
}

/// The incident questions: declare (severity, then title) and notes.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentInput {
    Severity,
    Title(crate::app::incident::Severity),
    Note,
}

/// What planning an operation reads: the focused row's target and the snapshots.
pub struct PlanCtx<'a> {
    pub target: Option<&'a Target>,
    pub sources: &'a Sources,
    pub config: &'a Config,
    pub now: SystemTime,
}

/// What a dialog needs to know beyond the action itself.
pub struct DescribeCtx<'a> {
    pub kube_context: Option<&'a str>,
    pub production: bool,
}

/// What the confirmation dialog shows. Built by `describe`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmSpec {
    pub title: String,
    /// Label/value facts: context, namespace, object, current → new.
    pub facts: Vec<(String, String)>,
    /// The exact equivalent: a kubectl/aws command line or the SQL that will run.
    pub equivalent: String,
    /// When set, the user must type this text exactly before the action runs.
    pub typed_confirmation: Option<String>,
    /// Destructive actions are never confirmed by `enter` alone.
    pub destructive: bool,
}

/// The result of running an action, shown to the user and written to the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "result", content = "message", rename_all = "snake_case")]
pub enum Outcome {
    Done(String),
    /// Refused before reaching the server: read-only mode, target gone, pid reused.
    Refused(String),
    Failed(String),
}

impl Outcome {
    pub fn message(&self) -> &str {
        match self {
            Outcome::Done(m) | Outcome::Refused(m) | Outcome::Failed(m) => m,
        }
    }
}

/// The next step after a key asked for an `Op`.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Confirm(Action),
    Ask(InputRequest),
    Refuse(String),
    /// Opens the logs view of a pod or a deployment.
    Logs {
        namespace: String,
        pod: Option<String>,
        deployment: Option<String>,
    },
}

/// A question asked before an action can be built (replica count, snapshot name…).
#[derive(Debug, Clone, PartialEq)]
pub struct InputRequest {
    pub title: String,
    pub prompt: String,
    pub initial: String,
    /// When non-empty, the answer is picked from these (up/down) rather than typed.
    pub choices: Vec<String>,
    pub purpose: InputPurpose,
}

impl Action {
    /// Short verb for the audit log and status line.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::Kube(a) => a.verb(),
            Action::Pg(a) => a.verb(),
            Action::Redis(a) => a.verb(),
            Action::Aws(a) => a.verb(),
        }
    }

    /// The object acted on, for the status line and audit log.
    pub fn object(&self) -> String {
        match self {
            Action::Kube(a) => a.object(),
            Action::Pg(a) => a.object(),
            Action::Redis(a) => a.object(),
            Action::Aws(a) => a.object(),
        }
    }

    /// How long the executor waits for the source before reporting the action failed:
    /// a frozen server must not hold the console (or the next action) forever.
    pub fn deadline(&self) -> std::time::Duration {
        let secs = match self {
            // A dry run, the apply and (for undo) a ReplicaSet read.
            Action::Kube(_) => 30,
            Action::Pg(_) => 15,
            Action::Redis(_) => 10,
            // Each AWS action re-reads its object first.
            Action::Aws(_) => 45,
        };
        std::time::Duration::from_secs(secs)
    }

    /// Whether the action's API offers a server-side dry run to show in the dialog.
    pub fn has_dry_run(&self) -> bool {
        match self {
            Action::Kube(_) => true,
            Action::Pg(_) | Action::Redis(_) | Action::Aws(_) => false,
        }
    }
}

/// Which source an action or operation is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Kube,
    Pg,
    Redis,
    Aws,
}

/// The cluster context, server or region of `source`, for the audit log (URLs without
/// their passwords).
fn audit_target_of(source: Source, c: &Config) -> String {
    match source {
        Source::Kube => format!(
            "kubernetes context {}",
            c.kube.context.as_deref().unwrap_or("(kubeconfig current)")
        ),
        Source::Pg => match &c.postgres.url {
            Some(u) => format!("postgres {}", u.redacted()),
            None => "postgres (PG* environment)".into(),
        },
        Source::Redis => match &c.redis.url {
            Some(u) => format!("redis {}", u.redacted()),
            None => "redis".into(),
        },
        Source::Aws => format!(
            "aws region {}",
            c.aws.region.as_deref().unwrap_or("(default chain)")
        ),
    }
}

impl Action {
    fn source(&self) -> Source {
        match self {
            Action::Kube(_) => Source::Kube,
            Action::Pg(_) => Source::Pg,
            Action::Redis(_) => Source::Redis,
            Action::Aws(_) => Source::Aws,
        }
    }

    /// What the audit log says the action was aimed at.
    pub fn audit_target(&self, config: &Config) -> String {
        audit_target_of(self.source(), config)
    }
}

impl Op {
    fn source(self) -> Source {
        match self {
            Op::Kube(_) => Source::Kube,
            Op::Pg(_) => Source::Pg,
            Op::Redis(_) => Source::Redis,
            Op::Aws(_) => Source::Aws,
        }
    }

    /// What the audit log says the operation was aimed at.
    pub fn audit_target(self, config: &Config) -> String {
        audit_target_of(self.source(), config)
    }

    /// Its name in messages (`scale`, `pg-cancel`).
    pub fn name(self) -> &'static str {
        match self {
            Op::Kube(op) => op.name(),
            Op::Pg(op) => op.name(),
            Op::Redis(op) => op.name(),
            Op::Aws(op) => op.name(),
        }
    }

    /// The operation a key action asks for, if it asks for one.
    pub fn for_key(key: KeyAction) -> Option<Op> {
        use KeyAction as K;
        Some(match key {
            K::RolloutRestart => Op::Kube(KubeOp::RolloutRestart),
            K::DeletePod => Op::Kube(KubeOp::DeletePod),
            K::Scale => Op::Kube(KubeOp::Scale),
            K::RolloutUndo => Op::Kube(KubeOp::RolloutUndo),
            K::SetImage => Op::Kube(KubeOp::SetImage),
            K::Logs => Op::Kube(KubeOp::Logs),
            K::PgCancel => Op::Pg(PgOp::Cancel),
            K::PgTerminate => Op::Pg(PgOp::Terminate),
            K::RedisEvictionPolicy => Op::Redis(RedisOp::EvictionPolicy),
            K::RdsSnapshot => Op::Aws(AwsOp::RdsSnapshot),
            K::RdsFailover => Op::Aws(AwsOp::RdsFailover),
            K::HealthCheck => Op::Aws(AwsOp::HealthCheck),
            K::DeregisterTarget => Op::Aws(AwsOp::DeregisterTarget),
            _ => return None,
        })
    }

    /// Reads only: allowed in `--readonly`.
    pub fn is_read_only(self) -> bool {
        matches!(self, Op::Kube(KubeOp::Logs))
    }
}

/// Turns a key's operation and the focused pane's selection into the next step.
pub fn plan(op: Op, ctx: &PlanCtx) -> Plan {
    if ctx.config.readonly && !op.is_read_only() {
        return Plan::Refuse(format!(
            "read-only mode (--readonly): {} refused",
            op.name()
        ));
    }
    let (target, s, config, now) = (ctx.target, ctx.sources, ctx.config, ctx.now);
    match op {
        Op::Kube(op) => kube::plan(op, target, s.kube.data.as_deref(), config, now),
        Op::Pg(op) => pg::plan(op, target, s.pg.data.as_deref()),
        Op::Redis(op) => redis::plan(op, s.redis.data.as_deref()),
        Op::Aws(op) => aws::plan(op, target, s.aws.data.as_deref(), config, now),
    }
}

/// The confirmation dialog's content for `action`.
pub fn describe(action: &Action, ctx: &DescribeCtx) -> ConfirmSpec {
    match action {
        Action::Kube(a) => kube::describe(a, ctx),
        Action::Pg(a) => pg::describe(a, ctx),
        Action::Redis(a) => redis::describe(a, ctx),
        Action::Aws(a) => aws::describe(a, ctx),
    }
}

/// Turns an input dialog's answer into an action, or says what is wrong with it.
pub fn complete(purpose: &InputPurpose, answer: &str) -> Result<Action, String> {
    match purpose {
        InputPurpose::Kube(p) => kube::complete(p, answer).map(Action::Kube),
        InputPurpose::Redis(p) => redis::complete(p, answer).map(Action::Redis),
        InputPurpose::Aws(p) => aws::complete(p, answer).map(Action::Aws),
        InputPurpose::Incident(_) => Err("an incident answer is not an action".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_json_is_what_it_was_before_nesting() {
        let a = Action::Kube(KubeAction::Scale {
            namespace: "kitops".into(),
            deployment: "web".into(),
            from: 3,
            to: 5,
        });
        assert_eq!(
            serde_json::to_string(&a).ok().as_deref(),
            Some(r#"{"kind":"scale","namespace":"kitops","deployment":"web","from":3,"to":5}"#)
        );
        let r = Action::Redis(RedisAction::SetEvictionPolicy {
            from: "noeviction".into(),
            to: "allkeys-lru".into(),
        });
        assert_eq!(
            serde_json::to_string(&r).ok().as_deref(),
            Some(r#"{"kind":"redis_set_eviction_policy","from":"noeviction","to":"allkeys-lru"}"#)
        );
        let f = Action::Aws(AwsAction::RdsRebootFailover {
            instance: "db".into(),
        });
        assert_eq!(
            serde_json::to_string(&f).ok().as_deref(),
            Some(r#"{"kind":"rds_reboot_failover","instance":"db"}"#)
        );
    }
}
