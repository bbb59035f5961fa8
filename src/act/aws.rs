//! AWS actions: RDS snapshot, reboot with failover, target-group health check,
//! deregister a target. (Filled in by the AWS issue.)

use std::time::SystemTime;

use crate::app::action::{Action, ConfirmSpec, InputPurpose, InputRequest, Op, Outcome, Plan};
use crate::app::table::Target;
use crate::collect::aws::AwsData;
use crate::config::{AwsSettings, Config};

use super::DescribeCtx;

/// `kitops-backup-YYYYMMDD-HHMM`, the runbook's naming with minutes so several a day fit.
pub fn default_snapshot_name(now: SystemTime) -> String {
    let t: chrono::DateTime<chrono::Utc> = now.into();
    format!("kitops-backup-{}", t.format("%Y%m%d-%H%M"))
}

pub fn plan(
    op: Op,
    _target: Option<&Target>,
    data: Option<&AwsData>,
    config: &Config,
    now: SystemTime,
) -> Plan {
    if data.is_none() {
        return Plan::Refuse("aws: no data yet".into());
    }
    match op {
        Op::RdsSnapshot => Plan::Ask(InputRequest {
            title: "Create RDS snapshot".into(),
            prompt: "snapshot identifier".into(),
            initial: default_snapshot_name(now),
            choices: vec![],
            purpose: InputPurpose::SnapshotName {
                instance: config.aws.rds_instance.clone(),
            },
        }),
        _ => Plan::Refuse(format!("{op:?}: not available yet")),
    }
}

pub fn describe(action: &Action, _ctx: &DescribeCtx) -> ConfirmSpec {
    match action {
        Action::RdsCreateSnapshot { instance, snapshot_id } => ConfirmSpec {
            title: format!("Create a snapshot of {instance}?"),
            facts: vec![("instance".into(), instance.clone()), ("snapshot".into(), snapshot_id.clone())],
            equivalent: format!(
                "aws rds create-db-snapshot --db-instance-identifier {instance} --db-snapshot-identifier {snapshot_id}"
            ),
            typed_confirmation: None,
            destructive: false,
        },
        Action::RdsRebootFailover { instance } => ConfirmSpec {
            title: format!("Reboot {instance} with failover?"),
            facts: vec![("instance".into(), instance.clone()), ("effect".into(), "the standby becomes primary; connections drop".into())],
            equivalent: format!("aws rds reboot-db-instance --db-instance-identifier {instance} --force-failover"),
            typed_confirmation: Some(instance.clone()),
            destructive: true,
        },
        Action::ModifyHealthCheck { target_group_arn, from, to } => ConfirmSpec {
            title: "Tune target group health check?".into(),
            facts: vec![
                ("target group".into(), target_group_arn.clone()),
                ("interval".into(), format!("{}s → {}s", from.interval_s, to.interval_s)),
                ("timeout".into(), format!("{}s → {}s", from.timeout_s, to.timeout_s)),
                ("healthy threshold".into(), format!("{} → {}", from.healthy_threshold, to.healthy_threshold)),
                ("unhealthy threshold".into(), format!("{} → {}", from.unhealthy_threshold, to.unhealthy_threshold)),
            ],
            equivalent: format!(
                "aws elbv2 modify-target-group --target-group-arn {target_group_arn} --health-check-interval-seconds {} --health-check-timeout-seconds {} --healthy-threshold-count {} --unhealthy-threshold-count {}",
                to.interval_s, to.timeout_s, to.healthy_threshold, to.unhealthy_threshold
            ),
            typed_confirmation: None,
            destructive: false,
        },
        Action::DeregisterTarget { target_group_arn, id, port } => ConfirmSpec {
            title: format!("Deregister target {id}?"),
            facts: vec![("target group".into(), target_group_arn.clone()), ("target".into(), id.clone())],
            equivalent: format!(
                "aws elbv2 deregister-targets --target-group-arn {target_group_arn} --targets Id={id}{}",
                port.map(|p| format!(",Port={p}")).unwrap_or_default()
            ),
            typed_confirmation: None,
            destructive: true,
        },
        other => ConfirmSpec {
            title: other.verb().into(),
            facts: vec![],
            equivalent: String::new(),
            typed_confirmation: None,
            destructive: true,
        },
    }
}

pub fn complete(purpose: &InputPurpose, answer: &str) -> Result<Action, String> {
    match purpose {
        InputPurpose::SnapshotName { instance } => {
            let valid = !answer.is_empty()
                && answer.len() <= 255
                && answer.starts_with(|c: char| c.is_ascii_alphabetic())
                && answer
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !answer.ends_with('-')
                && !answer.contains("--");
            if !valid {
                return Err(
                    "snapshot id: letters, digits and single hyphens, starting with a letter"
                        .into(),
                );
            }
            Ok(Action::RdsCreateSnapshot {
                instance: instance.clone(),
                snapshot_id: answer.to_string(),
            })
        }
        _ => Err("not an AWS question".into()),
    }
}

pub struct AwsActions {
    #[allow(dead_code)]
    settings: AwsSettings,
}

impl AwsActions {
    pub fn new(settings: AwsSettings) -> Self {
        Self { settings }
    }

    pub async fn execute(&mut self, action: &Action) -> Outcome {
        Outcome::Failed(format!(
            "{}: AWS executor not implemented yet",
            action.verb()
        ))
    }
}
