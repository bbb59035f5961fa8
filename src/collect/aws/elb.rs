//! Target groups and their targets' health (elasticloadbalancingv2).

use futures::future::try_join_all;

use super::client::{classify, AwsClients, AwsError};
use super::{HealthCheck, TargetGroupInfo, TargetInfo};
use crate::config::AwsSettings;
use aws_sdk_elasticloadbalancingv2::types::{TargetDescription, TargetGroup};

pub const DESCRIBE_LOAD_BALANCERS: &str = "elasticloadbalancing:DescribeLoadBalancers";
pub const DESCRIBE_TARGET_GROUPS: &str = "elasticloadbalancing:DescribeTargetGroups";
pub const DESCRIBE_TARGET_HEALTH: &str = "elasticloadbalancing:DescribeTargetHealth";

/// With neither target groups nor a load balancer configured, at most this many
/// target groups of the region are shown.
const MAX_ALL_GROUPS: usize = 50;

pub fn scope(s: &AwsSettings) -> String {
    if !s.target_groups.is_empty() {
        format!("target groups {}", s.target_groups.join(", "))
    } else if let Some(lb) = &s.load_balancer {
        format!("load balancer {lb}")
    } else {
        "all target groups".into()
    }
}

pub fn is_arn(s: &str) -> bool {
    s.starts_with("arn:")
}

/// The target groups chosen by config, each with its targets' health.
pub async fn collect(c: &AwsClients, s: &AwsSettings) -> Result<Vec<TargetGroupInfo>, AwsError> {
    let groups = target_groups(c, s).await?;
    try_join_all(groups.iter().map(|g| group_with_health(c, g))).await
}

async fn target_groups(c: &AwsClients, s: &AwsSettings) -> Result<Vec<TargetGroup>, AwsError> {
    let err = |e| classify(DESCRIBE_TARGET_GROUPS, &c.endpoint, e);
    let mut out = Vec::new();
    if !s.target_groups.is_empty() {
        let (arns, names): (Vec<String>, Vec<String>) =
            s.target_groups.iter().cloned().partition(|t| is_arn(t));
        // The API takes ARNs or names, not both in one call.
        if !arns.is_empty() {
            let r = c
                .elb
                .describe_target_groups()
                .set_target_group_arns(Some(arns))
                .send()
                .await
                .map_err(err)?;
            out.extend(r.target_groups().iter().cloned());
        }
        if !names.is_empty() {
            let r = c
                .elb
                .describe_target_groups()
                .set_names(Some(names))
                .send()
                .await
                .map_err(err)?;
            out.extend(r.target_groups().iter().cloned());
        }
        // Keep the configured order.
        let pos = |g: &TargetGroup| {
            s.target_groups.iter().position(|t| {
                Some(t.as_str()) == g.target_group_arn()
                    || Some(t.as_str()) == g.target_group_name()
            })
        };
        out.sort_by_key(|g| pos(g));
    } else if let Some(lb) = &s.load_balancer {
        let r = c
            .elb
            .describe_load_balancers()
            .names(lb)
            .send()
            .await
            .map_err(|e| classify(DESCRIBE_LOAD_BALANCERS, &c.endpoint, e))?;
        let arn = r
            .load_balancers()
            .first()
            .and_then(|l| l.load_balancer_arn())
            .ok_or_else(|| AwsError::Api {
                action: DESCRIBE_LOAD_BALANCERS,
                code: "LoadBalancerNotFound".into(),
                message: format!("no load balancer named {lb}"),
            })?
            .to_string();
        let r = c
            .elb
            .describe_target_groups()
            .load_balancer_arn(arn)
            .send()
            .await
            .map_err(err)?;
        out.extend(r.target_groups().iter().cloned());
        out.sort_by(|a, b| a.target_group_name().cmp(&b.target_group_name()));
    } else {
        let mut marker: Option<String> = None;
        loop {
            let r = c
                .elb
                .describe_target_groups()
                .set_marker(marker.take())
                .send()
                .await
                .map_err(err)?;
            out.extend(r.target_groups().iter().cloned());
            marker = r.next_marker().map(str::to_string);
            if marker.is_none() || out.len() >= MAX_ALL_GROUPS {
                break;
            }
        }
        out.truncate(MAX_ALL_GROUPS);
        out.sort_by(|a, b| a.target_group_name().cmp(&b.target_group_name()));
    }
    Ok(out)
}

async fn group_with_health(c: &AwsClients, g: &TargetGroup) -> Result<TargetGroupInfo, AwsError> {
    let arn = g.target_group_arn().unwrap_or_default().to_string();
    let r = c
        .elb
        .describe_target_health()
        .target_group_arn(&arn)
        .send()
        .await
        .map_err(|e| classify(DESCRIBE_TARGET_HEALTH, &c.endpoint, e))?;
    let mut targets: Vec<TargetInfo> = r
        .target_health_descriptions()
        .iter()
        .map(|d| {
            let t = d.target();
            let h = d.target_health();
            TargetInfo {
                id: t.and_then(TargetDescription::id).unwrap_or("?").to_string(),
                port: t.and_then(TargetDescription::port),
                availability_zone: t
                    .and_then(TargetDescription::availability_zone)
                    .map(str::to_string),
                state: h
                    .and_then(|h| h.state())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "unknown".into()),
                reason: h.and_then(|h| h.reason()).map(|r| r.as_str().to_string()),
                description: h.and_then(|h| h.description()).map(str::to_string),
            }
        })
        .collect();
    targets.sort_by(|a, b| (&a.id, a.port).cmp(&(&b.id, b.port)));
    Ok(TargetGroupInfo {
        arn,
        name: g.target_group_name().unwrap_or_default().to_string(),
        protocol: g.protocol().map(|p| p.as_str().to_string()),
        port: g.port(),
        target_type: g.target_type().map(|t| t.as_str().to_string()),
        load_balancer_arns: g.load_balancer_arns().to_vec(),
        health_check: HealthCheck {
            enabled: g.health_check_enabled().unwrap_or(true),
            protocol: g.health_check_protocol().map(|p| p.as_str().to_string()),
            port: g.health_check_port().map(str::to_string),
            path: g.health_check_path().map(str::to_string),
            interval_s: g.health_check_interval_seconds().unwrap_or(0),
            timeout_s: g.health_check_timeout_seconds().unwrap_or(0),
            healthy_threshold: g.healthy_threshold_count().unwrap_or(0),
            unhealthy_threshold: g.unhealthy_threshold_count().unwrap_or(0),
            matcher: g
                .matcher()
                .and_then(|m| m.http_code().or(m.grpc_code()))
                .map(str::to_string),
        },
        targets,
    })
}
