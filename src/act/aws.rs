//! The AWS executor: re-reads the object right before acting (a dialog may have
//! been open for a while), then makes the one mutating call.

use crate::app::action::aws::{health_check_text, target_group_name, validate_snapshot_id};
use crate::app::action::{AwsAction, Outcome};
use crate::collect::aws::client::{classify, AwsClients, AwsError, LazyClients};
use crate::collect::aws::{elb, rds, HealthCheckSettings, COLLECTOR_API_CALLS};
use crate::config::AwsSettings;

pub const CREATE_DB_SNAPSHOT: &str = "rds:CreateDBSnapshot";
pub const REBOOT_DB_INSTANCE: &str = "rds:RebootDBInstance";
pub const MODIFY_TARGET_GROUP: &str = "elasticloadbalancing:ModifyTargetGroup";
pub const DEREGISTER_TARGETS: &str = "elasticloadbalancing:DeregisterTargets";

/// Every API call the executor makes, as IAM actions: the mutating ones plus the
/// reads it does to check the target first. `assets/iam/kitops-top-operator.json`
/// must allow these and `COLLECTOR_API_CALLS` (tested).
pub const EXECUTOR_API_CALLS: &[&str] = &[
    CREATE_DB_SNAPSHOT,
    REBOOT_DB_INSTANCE,
    MODIFY_TARGET_GROUP,
    DEREGISTER_TARGETS,
    rds::DESCRIBE_DB_INSTANCES,
    elb::DESCRIBE_TARGET_GROUPS,
    elb::DESCRIBE_TARGET_HEALTH,
];

/// The collector's and the executor's calls together: what an operator needs.
pub fn all_api_calls() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = COLLECTOR_API_CALLS
        .iter()
        .chain(EXECUTOR_API_CALLS)
        .copied()
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

pub struct AwsActions {
    clients: LazyClients,
}

impl AwsActions {
    pub fn new(settings: AwsSettings) -> Self {
        Self {
            clients: LazyClients::new(settings),
        }
    }

    pub async fn execute(&mut self, action: &AwsAction) -> Outcome {
        let c = match self.clients.get().await {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(e.to_string()),
        };
        let result = match action {
            AwsAction::RdsCreateSnapshot {
                instance,
                snapshot_id,
            } => create_snapshot(&c, instance, snapshot_id).await,
            AwsAction::RdsRebootFailover { instance } => reboot_failover(&c, instance).await,
            AwsAction::ModifyHealthCheck {
                target_group_arn,
                from,
                to,
            } => modify_health_check(&c, target_group_arn, from, to).await,
            AwsAction::DeregisterTarget {
                target_group_arn,
                id,
                port,
            } => deregister(&c, target_group_arn, id, *port).await,
        };
        result.unwrap_or_else(|e| Outcome::Failed(e.to_string()))
    }
}

async fn create_snapshot(c: &AwsClients, instance: &str, id: &str) -> Result<Outcome, AwsError> {
    if let Err(e) = validate_snapshot_id(id) {
        return Ok(Outcome::Refused(e));
    }
    let r = c
        .rds
        .create_db_snapshot()
        .db_instance_identifier(instance)
        .db_snapshot_identifier(id)
        .send()
        .await
        .map_err(|e| classify(CREATE_DB_SNAPSHOT, &c.endpoint, e))?;
    let status = r
        .db_snapshot()
        .and_then(|s| s.status())
        .unwrap_or("creating");
    Ok(Outcome::Done(format!(
        "snapshot {id} of {instance}: {status}"
    )))
}

async fn reboot_failover(c: &AwsClients, instance: &str) -> Result<Outcome, AwsError> {
    // Checked again here: the dialog may have been open for a while.
    let now = rds::instance(c, instance).await?;
    if !now.multi_az {
        return Ok(Outcome::Refused(format!(
            "{instance} is not Multi-AZ: no standby to fail over to"
        )));
    }
    if now.status != "available" {
        return Ok(Outcome::Refused(format!(
            "{instance} is {} now: failover only from available",
            now.status
        )));
    }
    let r = c
        .rds
        .reboot_db_instance()
        .db_instance_identifier(instance)
        .force_failover(true)
        .send()
        .await
        .map_err(|e| classify(REBOOT_DB_INSTANCE, &c.endpoint, e))?;
    let status = r
        .db_instance()
        .and_then(|d| d.db_instance_status())
        .unwrap_or("rebooting");
    Ok(Outcome::Done(format!(
        "{instance}: reboot with failover requested (status {status}; primary was {})",
        now.availability_zone.as_deref().unwrap_or("?")
    )))
}

async fn modify_health_check(
    c: &AwsClients,
    arn: &str,
    from: &HealthCheckSettings,
    to: &HealthCheckSettings,
) -> Result<Outcome, AwsError> {
    let r = c
        .elb
        .describe_target_groups()
        .target_group_arns(arn)
        .send()
        .await
        .map_err(|e| classify(elb::DESCRIBE_TARGET_GROUPS, &c.endpoint, e))?;
    let Some(g) = r.target_groups().first() else {
        return Ok(Outcome::Refused(format!(
            "target group {} is gone",
            target_group_name(arn)
        )));
    };
    let current = HealthCheckSettings {
        interval_s: g.health_check_interval_seconds().unwrap_or(0),
        timeout_s: g.health_check_timeout_seconds().unwrap_or(0),
        healthy_threshold: g.healthy_threshold_count().unwrap_or(0),
        unhealthy_threshold: g.unhealthy_threshold_count().unwrap_or(0),
    };
    if &current != from {
        return Ok(Outcome::Refused(format!(
            "the health check changed since the dialog opened (now {}); nothing done",
            health_check_text(&current)
        )));
    }
    c.elb
        .modify_target_group()
        .target_group_arn(arn)
        .health_check_interval_seconds(to.interval_s)
        .health_check_timeout_seconds(to.timeout_s)
        .healthy_threshold_count(to.healthy_threshold)
        .unhealthy_threshold_count(to.unhealthy_threshold)
        .send()
        .await
        .map_err(|e| classify(MODIFY_TARGET_GROUP, &c.endpoint, e))?;
    Ok(Outcome::Done(format!(
        "health check of {}: {} → {}",
        target_group_name(arn),
        health_check_text(from),
        health_check_text(to)
    )))
}

async fn deregister(
    c: &AwsClients,
    arn: &str,
    id: &str,
    port: Option<i32>,
) -> Result<Outcome, AwsError> {
    use aws_sdk_elasticloadbalancingv2::types::TargetDescription;
    let target = TargetDescription::builder().id(id).set_port(port).build();
    let r = c
        .elb
        .describe_target_health()
        .target_group_arn(arn)
        .targets(target.clone())
        .send()
        .await
        .map_err(|e| classify(elb::DESCRIBE_TARGET_HEALTH, &c.endpoint, e))?;
    let registered = r.target_health_descriptions().iter().any(|d| {
        let reason = d.target_health().and_then(|h| h.reason());
        !matches!(reason.map(|r| r.as_str()), Some("Target.NotRegistered"))
    });
    if !registered {
        return Ok(Outcome::Refused(format!(
            "target {id} is no longer registered in {}",
            target_group_name(arn)
        )));
    }
    c.elb
        .deregister_targets()
        .target_group_arn(arn)
        .targets(target)
        .send()
        .await
        .map_err(|e| classify(DEREGISTER_TARGETS, &c.endpoint, e))?;
    Ok(Outcome::Done(format!(
        "{id} deregistered from {}; it drains for the deregistration delay",
        target_group_name(arn)
    )))
}
