//! Actions are values. Each one describes itself for the confirmation dialog (what
//! will be done, the equivalent CLI command or SQL) and for the audit log, then an
//! executor runs it. Variants carry the identity of their target, and the display
//! facts the dialog shows, captured when the user asked.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    RolloutRestart {
        namespace: String,
        deployment: String,
    },
    DeletePod {
        namespace: String,
        name: String,
        uid: String,
        /// Grace period 0 kills without SIGTERM handling; asks a second confirmation.
        force: bool,
    },
    Scale {
        namespace: String,
        deployment: String,
        from: i32,
        to: i32,
    },
    RolloutUndo {
        namespace: String,
        deployment: String,
        to_revision: i64,
    },
    PgCancel(PgBackendRef),
    PgTerminate(PgBackendRef),
    RedisSetEvictionPolicy {
        from: String,
        to: String,
    },
    RdsCreateSnapshot {
        instance: String,
        snapshot_id: String,
    },
    RdsRebootFailover {
        instance: String,
    },
    ModifyHealthCheck {
        target_group_arn: String,
        from: HealthCheckSettings,
        to: HealthCheckSettings,
    },
    DeregisterTarget {
        target_group_arn: String,
        id: String,
        port: Option<i32>,
    },
}

/// A backend held by identity (pid + backend_start) plus what the dialog shows about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PgBackendRef {
    pub pid: i32,
    pub backend_start_us: i64,
    pub user: String,
    pub application: String,
    pub state: String,
    pub duration: String,
    pub query: String,
    /// How many sessions this backend blocks, directly or through a chain.
    pub blocks: usize,
    /// Server version decides the terminate SQL (`pg_terminate_backend(pid, timeout)` on ≥ 14).
    pub server_version_num: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HealthCheckSettings {
    pub interval_s: i32,
    pub timeout_s: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
}

/// What the confirmation dialog shows. Built by `act::describe`.
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

impl ConfirmSpec {
    /// A source asked to describe another source's action: a routing bug, shown
    /// plainly and treated as destructive rather than hidden.
    pub fn unknown(action: &Action) -> Self {
        Self {
            title: format!("{} (no description: report this)", action.verb()),
            facts: vec![("object".into(), action.object())],
            equivalent: String::new(),
            typed_confirmation: None,
            destructive: true,
        }
    }
}

/// The result of running an action, shown to the user and written to the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

impl Action {
    /// Short verb for the audit log and status line.
    pub fn verb(&self) -> &'static str {
        match self {
            Action::RolloutRestart { .. } => "rollout-restart",
            Action::DeletePod { .. } => "delete-pod",
            Action::Scale { .. } => "scale",
            Action::RolloutUndo { .. } => "rollout-undo",
            Action::PgCancel(_) => "pg-cancel",
            Action::PgTerminate(_) => "pg-terminate",
            Action::RedisSetEvictionPolicy { .. } => "redis-set-maxmemory-policy",
            Action::RdsCreateSnapshot { .. } => "rds-create-snapshot",
            Action::RdsRebootFailover { .. } => "rds-reboot-failover",
            Action::ModifyHealthCheck { .. } => "elb-modify-health-check",
            Action::DeregisterTarget { .. } => "elb-deregister-target",
        }
    }

    /// The object acted on, for the status line and audit log.
    pub fn object(&self) -> String {
        match self {
            Action::RolloutRestart {
                namespace,
                deployment,
            }
            | Action::Scale {
                namespace,
                deployment,
                ..
            }
            | Action::RolloutUndo {
                namespace,
                deployment,
                ..
            } => {
                format!("deployment/{deployment} -n {namespace}")
            }
            Action::DeletePod {
                namespace, name, ..
            } => format!("pod/{name} -n {namespace}"),
            Action::PgCancel(b) | Action::PgTerminate(b) => format!("backend pid {}", b.pid),
            Action::RedisSetEvictionPolicy { .. } => "redis maxmemory-policy".into(),
            Action::RdsCreateSnapshot { instance, .. } | Action::RdsRebootFailover { instance } => {
                format!("rds {instance}")
            }
            Action::ModifyHealthCheck {
                target_group_arn, ..
            } => format!("target group {target_group_arn}"),
            Action::DeregisterTarget {
                target_group_arn,
                id,
                ..
            } => format!("target {id} in {target_group_arn}"),
        }
    }
}

/// What a key asked for, before it becomes an `Action` (it may need input first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    RolloutRestart,
    DeletePod,
    Scale,
    RolloutUndo,
    Logs,
    PgCancel,
    PgTerminate,
    RedisEvictionPolicy,
    RdsSnapshot,
    RdsFailover,
    HealthCheck,
    DeregisterTarget,
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

/// What an answer is for; `act::complete` turns purpose + answer into an `Action`.
#[derive(Debug, Clone, PartialEq)]
pub enum InputPurpose {
    ScaleReplicas {
        namespace: String,
        deployment: String,
        from: i32,
    },
    UndoRevision {
        namespace: String,
        deployment: String,
    },
    /// Graceful delete or force (grace 0) of a pod held by uid.
    DeletePodGrace {
        namespace: String,
        name: String,
        uid: String,
    },
    EvictionPolicy {
        from: String,
    },
    SnapshotName {
        instance: String,
    },
    HealthCheck {
        target_group_arn: String,
        from: HealthCheckSettings,
    },
}
