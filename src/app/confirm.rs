//! The way into every action: a key's operation is planned from the selection, then
//! asks for input or opens its confirmation dialog. One constructor builds that dialog
//! (`ConfirmState::open`), used by the reducer and by tests alike.

use super::action::{self, Action, DescribeCtx, Op, Plan, PlanCtx};
use super::event::{Command, Refusal};
use super::modal::{ConfirmState, DryRun, InputState, LogsState, Modal};
use super::state::State;
use crate::view::Level;

impl ConfirmState {
    /// The confirmation dialog for `action` as `state` stands now: what it will do and
    /// its equivalent command, the production and read-only banners, and a pending
    /// dry run where the source's API has one. In a production context every action is
    /// treated as destructive: `enter` alone never confirms it.
    pub fn open(action: Action, state: &State) -> Self {
        let ctx = DescribeCtx {
            kube_context: state.kube_context(),
            production: state.is_production(),
        };
        let mut spec = action::describe(&action, &ctx);
        // In production every change needs a deliberate key: enter never confirms it.
        spec.destructive |= ctx.production;
        if state.redact {
            redact_spec(&mut spec);
        }
        Self {
            spec,
            dry_run: if action.has_dry_run() {
                DryRun::Pending
            } else {
                DryRun::NotAvailable
            },
            action,
            typed: String::new(),
            production: ctx.production,
            readonly: state.config.readonly,
            error: None,
        }
    }
}

/// Presenter mode: the dialog's query through the SQL redactor, every other text
/// through the address one. The typed confirmation stays: it is what must be typed.
fn redact_spec(spec: &mut action::ConfirmSpec) {
    use crate::view::redact;
    spec.title = redact::text(&spec.title);
    for (label, value) in &mut spec.facts {
        *value = if label == "query" {
            redact::sql(value)
        } else {
            redact::text(value)
        };
    }
    spec.equivalent = redact::text(&spec.equivalent);
}

/// A clock tick: the open dialog's ages count on (a backend's query duration), as the
/// panes behind it do.
pub(crate) fn refresh_ages(state: &mut State) {
    let Some(Modal::Confirm(c)) = state.modals.last_mut() else {
        return;
    };
    let Action::Pg(pg) = &c.action else {
        return;
    };
    let Some(age) = action::pg::live_duration(pg.backend(), &state.sources.pg, state.now) else {
        return;
    };
    if let Some(fact) = c.spec.facts.iter_mut().find(|(k, _)| k == "duration") {
        fact.1 = age;
    }
}

/// Opens the confirmation dialog for `action`, asking the API for its dry run.
pub(crate) fn push_confirm(state: &mut State, action: Action) -> Vec<Command> {
    let confirm = ConfirmState::open(action, state);
    let commands = match confirm.dry_run {
        DryRun::Pending => vec![Command::Validate(confirm.action.clone())],
        _ => vec![],
    };
    state.modals.push(Modal::Confirm(confirm));
    commands
}

/// The next step of `op` on the focused pane's selected row.
pub fn plan(op: Op, state: &State) -> Plan {
    let target = state
        .focused()
        .table
        .selected()
        .and_then(|r| r.action_target().map(std::borrow::Cow::into_owned));
    let ctx = PlanCtx {
        target: target.as_ref(),
        sources: &state.sources,
        config: &state.config,
        now: state.now,
    };
    action::plan(op, &ctx)
}

/// A key asked for an operation: plan it, then ask for input or confirmation.
pub(crate) fn request(state: &mut State, op: Op) -> Vec<Command> {
    match plan(op, state) {
        Plan::Refuse(why) if state.config.readonly && !op.is_read_only() => {
            let object = state
                .focused()
                .table
                .selected()
                .and_then(|r| r.cells.first())
                .map(str::to_string)
                .unwrap_or_default();
            let refusal = Refusal {
                op: op.name(),
                object,
                target: op.audit_target(&state.config),
                reason: why.clone(),
                incident: state.open_incident().map(|i| i.id.clone()),
            };
            // On the trail too; the session recording keeps it from the command.
            let _ = state.audited(refusal.audited());
            state.set_status(why, Level::Warn);
            vec![Command::AuditRefusal(refusal)]
        }
        Plan::Refuse(why) => {
            state.set_status(why, Level::Warn);
            vec![]
        }
        Plan::Ask(request) => {
            state.modals.push(Modal::Input(InputState::open(request)));
            vec![]
        }
        Plan::Confirm(action) => push_confirm(state, action),
        Plan::Logs {
            namespace,
            pod,
            deployment,
        } => {
            let request = crate::collect::kube::LogRequest {
                namespace,
                pod,
                deployment,
                follow: true,
                previous: false,
                timestamps: false,
            };
            state
                .modals
                .push(Modal::Logs(LogsState::new(request.clone())));
            vec![Command::StartLogs(request)]
        }
    }
}
