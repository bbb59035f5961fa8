//! AWS actions: RDS snapshot, reboot with failover, target-group health check,
//! deregister a target. Each dialog shows the equivalent `aws` CLI command; the
//! executor (`act::aws`) re-reads the object right before acting so a stale dialog
//! cannot act on something that changed meanwhile.

use std::time::SystemTime;

use serde::Serialize;

use super::{Action, ConfirmSpec, DescribeCtx, InputPurpose, InputRequest, Plan};
use crate::collect::aws::{AwsData, HealthCheckSettings};
use crate::config::Config;
use crate::view::table::Target;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AwsAction {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AwsOp {
    RdsSnapshot,
    RdsFailover,
    HealthCheck,
    DeregisterTarget,
}

#[derive(Debug, Clone, PartialEq)]
pub enum AwsInput {
    SnapshotName {
        instance: String,
    },
    HealthCheck {
        target_group_arn: String,
        from: HealthCheckSettings,
    },
}

impl AwsAction {
    pub fn verb(&self) -> &'static str {
        match self {
            AwsAction::RdsCreateSnapshot { .. } => "rds-create-snapshot",
            AwsAction::RdsRebootFailover { .. } => "rds-reboot-failover",
            AwsAction::ModifyHealthCheck { .. } => "elb-modify-health-check",
            AwsAction::DeregisterTarget { .. } => "elb-deregister-target",
        }
    }

    pub fn object(&self) -> String {
        match self {
            AwsAction::RdsCreateSnapshot { instance, .. }
            | AwsAction::RdsRebootFailover { instance } => format!("rds {instance}"),
            AwsAction::ModifyHealthCheck {
                target_group_arn, ..
            } => format!("target group {target_group_arn}"),
            AwsAction::DeregisterTarget {
                target_group_arn,
                id,
                ..
            } => format!("target {id} in {target_group_arn}"),
        }
    }
}

impl AwsOp {
    pub fn name(self) -> &'static str {
        match self {
            AwsOp::RdsSnapshot => "rds-create-snapshot",
            AwsOp::RdsFailover => "rds-reboot-failover",
            AwsOp::HealthCheck => "elb-modify-health-check",
            AwsOp::DeregisterTarget => "elb-deregister-target",
        }
    }
}

fn ask(purpose: AwsInput, title: String, prompt: String, initial: String) -> Plan {
    Plan::Ask(InputRequest {
        title,
        prompt,
        initial,
        choices: vec![],
        purpose: InputPurpose::Aws(purpose),
    })
}

/// The runbook's "Load Balancer Optimization" values.
pub const RUNBOOK_HEALTH_CHECK: HealthCheckSettings = HealthCheckSettings {
    interval_s: 10,
    timeout_s: 5,
    healthy_threshold: 2,
    unhealthy_threshold: 3,
};

/// `kitops-backup-YYYYMMDD-HHMM`, the runbook's naming with minutes so several a day fit.
pub fn default_snapshot_name(now: SystemTime) -> String {
    let t: chrono::DateTime<chrono::Utc> = now.into();
    format!("kitops-backup-{}", t.format("%Y%m%d-%H%M"))
}

/// `interval=10 timeout=5 healthy=2 unhealthy=3`: the answer format of `h`.
pub fn health_check_text(h: &HealthCheckSettings) -> String {
    format!(
        "interval={} timeout={} healthy={} unhealthy={}",
        h.interval_s, h.timeout_s, h.healthy_threshold, h.unhealthy_threshold
    )
}

/// The name inside a target group ARN (`…:targetgroup/<name>/<id>`).
pub fn target_group_name(arn: &str) -> &str {
    arn.split("targetgroup/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or(arn)
}

pub fn plan(
    op: AwsOp,
    target: Option<&Target>,
    data: Option<&AwsData>,
    config: &Config,
    now: SystemTime,
) -> Plan {
    let Some(data) = data else {
        return Plan::Refuse("aws: no data yet".into());
    };
    let instance = &config.aws.rds_instance;
    match op {
        AwsOp::RdsSnapshot => match (&data.rds, &data.rds_error) {
            (None, Some(e)) => Plan::Refuse(format!("RDS {instance} unreadable: {e}")),
            (None, None) => Plan::Refuse(format!("RDS {instance}: no data yet")),
            (Some(_), _) => ask(
                AwsInput::SnapshotName {
                    instance: instance.clone(),
                },
                format!("Create a snapshot of {instance}"),
                "snapshot identifier".into(),
                default_snapshot_name(now),
            ),
        },
        AwsOp::RdsFailover => match (&data.rds, &data.rds_error) {
            (None, Some(e)) => Plan::Refuse(format!("RDS {instance} unreadable: {e}")),
            (None, None) => Plan::Refuse(format!("RDS {instance}: no data yet")),
            (Some(r), _) if !r.multi_az => Plan::Refuse(format!(
                "{instance} is not Multi-AZ: there is no standby to fail over to"
            )),
            (Some(r), _) if r.status != "available" => Plan::Refuse(format!(
                "{instance} is {}: failover only from available",
                r.status
            )),
            (Some(_), _) => Plan::Confirm(Action::Aws(AwsAction::RdsRebootFailover {
                instance: instance.clone(),
            })),
        },
        AwsOp::HealthCheck => {
            let arn = match target {
                Some(Target::TargetGroup { arn }) => arn,
                Some(Target::LbTarget {
                    target_group_arn, ..
                }) => target_group_arn,
                _ => return Plan::Refuse("select a target group or one of its targets".into()),
            };
            let Some(g) = data.target_groups.iter().find(|g| &g.arn == arn) else {
                return Plan::Refuse(format!("target group {} is gone", target_group_name(arn)));
            };
            let from = g.health_check.settings();
            ask(
                AwsInput::HealthCheck {
                    target_group_arn: arn.clone(),
                    from,
                },
                format!("Tune the health check of {}", g.name),
                format!(
                    "runbook suggests {}",
                    health_check_text(&RUNBOOK_HEALTH_CHECK)
                ),
                health_check_text(&from),
            )
        }
        AwsOp::DeregisterTarget => {
            let Some(Target::LbTarget {
                target_group_arn,
                id,
                port,
            }) = target
            else {
                return Plan::Refuse("select a target to deregister".into());
            };
            let current = data
                .target_groups
                .iter()
                .find(|g| &g.arn == target_group_arn)
                .and_then(|g| g.targets.iter().find(|t| &t.id == id && t.port == *port));
            match current {
                None => Plan::Refuse(format!("target {id} is no longer in the group")),
                Some(t) if t.state == "draining" => {
                    Plan::Refuse(format!("target {id} is already draining"))
                }
                Some(_) => Plan::Confirm(Action::Aws(AwsAction::DeregisterTarget {
                    target_group_arn: target_group_arn.clone(),
                    id: id.clone(),
                    port: *port,
                })),
            }
        }
    }
}

pub fn describe(action: &AwsAction, _ctx: &DescribeCtx) -> ConfirmSpec {
    match action {
        AwsAction::RdsCreateSnapshot {
            instance,
            snapshot_id,
        } => ConfirmSpec {
            title: format!("Create a snapshot of {instance}?"),
            facts: vec![
                ("instance".into(), instance.clone()),
                ("snapshot".into(), snapshot_id.clone()),
                (
                    "effect".into(),
                    "no downtime; progress shows in the Targets / RDS pane".into(),
                ),
            ],
            equivalent: format!(
                "aws rds create-db-snapshot --db-instance-identifier {instance} --db-snapshot-identifier {snapshot_id}"
            ),
            typed_confirmation: None,
            destructive: false,
        },
        AwsAction::RdsRebootFailover { instance } => ConfirmSpec {
            title: format!("Reboot {instance} with failover?"),
            facts: vec![
                ("instance".into(), instance.clone()),
                (
                    "effect".into(),
                    "the standby becomes primary; open connections drop and the endpoint moves (typically 1–2 min)".into(),
                ),
            ],
            equivalent: format!(
                "aws rds reboot-db-instance --db-instance-identifier {instance} --force-failover"
            ),
            typed_confirmation: Some(instance.clone()),
            destructive: true,
        },
        AwsAction::ModifyHealthCheck {
            target_group_arn,
            from,
            to,
        } => ConfirmSpec {
            title: format!(
                "Tune the health check of {}?",
                target_group_name(target_group_arn)
            ),
            facts: vec![
                ("target group".into(), target_group_arn.clone()),
                (
                    "interval".into(),
                    format!("{}s → {}s", from.interval_s, to.interval_s),
                ),
                (
                    "timeout".into(),
                    format!("{}s → {}s", from.timeout_s, to.timeout_s),
                ),
                (
                    "healthy threshold".into(),
                    format!("{} → {}", from.healthy_threshold, to.healthy_threshold),
                ),
                (
                    "unhealthy threshold".into(),
                    format!("{} → {}", from.unhealthy_threshold, to.unhealthy_threshold),
                ),
            ],
            equivalent: format!(
                "aws elbv2 modify-target-group --target-group-arn {target_group_arn} --health-check-interval-seconds {} --health-check-timeout-seconds {} --healthy-threshold-count {} --unhealthy-threshold-count {}",
                to.interval_s, to.timeout_s, to.healthy_threshold, to.unhealthy_threshold
            ),
            typed_confirmation: None,
            destructive: false,
        },
        AwsAction::DeregisterTarget {
            target_group_arn,
            id,
            port,
        } => ConfirmSpec {
            title: format!(
                "Deregister {id} from {}?",
                target_group_name(target_group_arn)
            ),
            facts: vec![
                ("target group".into(), target_group_arn.clone()),
                (
                    "target".into(),
                    match port {
                        Some(p) => format!("{id} port {p}"),
                        None => id.clone(),
                    },
                ),
                (
                    "effect".into(),
                    "no new requests; in-flight ones drain for the deregistration delay".into(),
                ),
            ],
            equivalent: format!(
                "aws elbv2 deregister-targets --target-group-arn {target_group_arn} --targets Id={id}{}",
                port.map(|p| format!(",Port={p}")).unwrap_or_default()
            ),
            typed_confirmation: None,
            destructive: true,
        },
    }
}

pub fn complete(purpose: &AwsInput, answer: &str) -> Result<AwsAction, String> {
    match purpose {
        AwsInput::SnapshotName { instance } => {
            let answer = answer.trim();
            validate_snapshot_id(answer)?;
            Ok(AwsAction::RdsCreateSnapshot {
                instance: instance.clone(),
                snapshot_id: answer.to_string(),
            })
        }
        AwsInput::HealthCheck {
            target_group_arn,
            from,
        } => {
            let to = parse_health_check(answer, from)?;
            if &to == from {
                return Err("nothing changes: edit at least one value".into());
            }
            Ok(AwsAction::ModifyHealthCheck {
                target_group_arn: target_group_arn.clone(),
                from: *from,
                to,
            })
        }
    }
}

/// RDS snapshot identifier rules: 1–255 letters, digits and single hyphens,
/// starting with a letter, not ending with a hyphen.
pub fn validate_snapshot_id(id: &str) -> Result<(), String> {
    let valid = !id.is_empty()
        && id.len() <= 255
        && id.starts_with(|c: char| c.is_ascii_alphabetic())
        && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !id.ends_with('-')
        && !id.contains("--");
    if valid {
        Ok(())
    } else {
        Err("snapshot id: letters, digits and single hyphens, starting with a letter".into())
    }
}

/// Parses `interval=10 timeout=5 healthy=2 unhealthy=3` (any subset, any order;
/// missing keys keep their current value) and checks ELB's limits.
pub fn parse_health_check(
    answer: &str,
    from: &HealthCheckSettings,
) -> Result<HealthCheckSettings, String> {
    let mut to = *from;
    for tok in answer.split(|c: char| c.is_whitespace() || c == ',') {
        if tok.is_empty() {
            continue;
        }
        let Some((k, v)) = tok.split_once('=') else {
            return Err(format!(
                "{tok:?}: expected key=value, e.g. {}",
                health_check_text(&RUNBOOK_HEALTH_CHECK)
            ));
        };
        let v: i32 = v
            .trim_end_matches('s')
            .parse()
            .map_err(|_| format!("{k}: {v:?} is not a whole number"))?;
        match k.to_ascii_lowercase().as_str() {
            "interval" => to.interval_s = v,
            "timeout" => to.timeout_s = v,
            "healthy" => to.healthy_threshold = v,
            "unhealthy" => to.unhealthy_threshold = v,
            other => {
                return Err(format!(
                    "unknown key {other:?}: use interval, timeout, healthy, unhealthy"
                ))
            }
        }
    }
    if !(5..=300).contains(&to.interval_s) {
        return Err("interval: 5–300 seconds".into());
    }
    if !(2..=120).contains(&to.timeout_s) {
        return Err("timeout: 2–120 seconds".into());
    }
    if to.timeout_s >= to.interval_s {
        return Err(format!(
            "timeout ({}s) must be shorter than the interval ({}s)",
            to.timeout_s, to.interval_s
        ));
    }
    if !(2..=10).contains(&to.healthy_threshold) {
        return Err("healthy threshold: 2–10 checks".into());
    }
    if !(2..=10).contains(&to.unhealthy_threshold) {
        return Err("unhealthy threshold: 2–10 checks".into());
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FROM: HealthCheckSettings = HealthCheckSettings {
        interval_s: 30,
        timeout_s: 5,
        healthy_threshold: 5,
        unhealthy_threshold: 2,
    };

    #[test]
    fn health_check_answers_are_parsed_and_validated() {
        assert_eq!(
            parse_health_check("interval=10 timeout=5 healthy=2 unhealthy=3", &FROM),
            Ok(RUNBOOK_HEALTH_CHECK)
        );
        let partial = parse_health_check("interval=20s", &FROM).unwrap();
        assert_eq!(partial.interval_s, 20);
        assert_eq!(partial.unhealthy_threshold, 2);
        assert!(parse_health_check("interval=5 timeout=5", &FROM)
            .unwrap_err()
            .contains("shorter than the interval"));
        assert!(parse_health_check("healthy=11", &FROM).is_err());
        assert!(parse_health_check("interval=ten", &FROM).is_err());
        assert!(parse_health_check("colour=blue", &FROM).is_err());
        assert!(parse_health_check("interval", &FROM).is_err());
    }

    #[test]
    fn unchanged_health_check_is_refused() {
        let p = AwsInput::HealthCheck {
            target_group_arn: "arn".into(),
            from: FROM,
        };
        assert!(complete(&p, &health_check_text(&FROM)).is_err());
    }

    #[test]
    fn snapshot_ids_follow_rds_rules() {
        assert!(validate_snapshot_id("kitops-backup-20260101-0930").is_ok());
        for bad in ["", "1abc", "a--b", "a-", "a_b", "a b"] {
            assert!(validate_snapshot_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn target_group_name_comes_from_the_arn() {
        assert_eq!(
            target_group_name(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kitops-api/6d0ecf831eec9f09"
            ),
            "kitops-api"
        );
    }
}
