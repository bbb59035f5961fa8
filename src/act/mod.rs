//! The one path every action takes: plan (from the selected row) → input →
//! confirmation (`describe`) → executor (read-only gate, audit) → source API.

pub mod audit;
pub mod aws;
pub mod executor;
pub mod kube;
pub mod postgres;
pub mod redis;

use crate::app::action::{Action, ConfirmSpec, InputPurpose, Op, Plan};
use crate::app::State;

pub use executor::Executor;

/// What a dialog needs to know beyond the action itself.
pub struct DescribeCtx<'a> {
    pub kube_context: Option<&'a str>,
    pub production: bool,
}

/// Turns a key's operation and the focused pane's selection into the next step.
pub fn plan(op: Op, state: &State) -> Plan {
    if state.config.readonly && op != Op::Logs {
        return Plan::Refuse(format!(
            "read-only mode (--readonly): {} refused",
            format!("{op:?}").to_lowercase()
        ));
    }
    let target = state
        .focused()
        .table
        .selected()
        .and_then(|r| r.target.clone());
    let target = target.as_ref();
    let s = &state.sources;
    match op {
        Op::RolloutRestart | Op::DeletePod | Op::Scale | Op::RolloutUndo | Op::Logs => {
            kube::plan(op, target, s.kube.data.as_deref(), &state.config)
        }
        Op::PgCancel | Op::PgTerminate => postgres::plan(op, target, s.pg.data.as_deref()),
        Op::RedisEvictionPolicy => redis::plan(op, s.redis.data.as_deref()),
        Op::RdsSnapshot | Op::RdsFailover | Op::HealthCheck | Op::DeregisterTarget => {
            aws::plan(op, target, s.aws.data.as_deref(), &state.config, state.now)
        }
    }
}

/// The confirmation dialog's content for `action`.
pub fn describe(action: &Action, state: &State) -> ConfirmSpec {
    let ctx = DescribeCtx {
        kube_context: state.kube_context(),
        production: state.is_production(),
    };
    match action {
        Action::RolloutRestart { .. }
        | Action::DeletePod { .. }
        | Action::Scale { .. }
        | Action::RolloutUndo { .. } => kube::describe(action, &ctx),
        Action::PgCancel(_) | Action::PgTerminate(_) => postgres::describe(action, &ctx),
        Action::RedisSetEvictionPolicy { .. } => redis::describe(action, &ctx),
        Action::RdsCreateSnapshot { .. }
        | Action::RdsRebootFailover { .. }
        | Action::ModifyHealthCheck { .. }
        | Action::DeregisterTarget { .. } => aws::describe(action, &ctx),
    }
}

/// Whether the action's API offers a server-side dry run to show in the dialog.
pub fn has_dry_run(action: &Action) -> bool {
    matches!(
        action,
        Action::RolloutRestart { .. }
            | Action::DeletePod { .. }
            | Action::Scale { .. }
            | Action::RolloutUndo { .. }
    )
}

/// Turns an input dialog's answer into an action, or says what is wrong with it.
pub fn complete(purpose: &InputPurpose, answer: &str) -> Result<Action, String> {
    match purpose {
        InputPurpose::ScaleReplicas { .. }
        | InputPurpose::UndoRevision { .. }
        | InputPurpose::DeletePodGrace { .. } => kube::complete(purpose, answer),
        InputPurpose::EvictionPolicy { .. } => redis::complete(purpose, answer),
        InputPurpose::SnapshotName { .. } | InputPurpose::HealthCheck { .. } => {
            aws::complete(purpose, answer)
        }
    }
}
