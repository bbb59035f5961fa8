//! AWS collector: ALB target health (elbv2) and the RDS instance, one snapshot for
//! the Targets / RDS pane. The SDK clients are built lazily once and reused.
//!
//! A failure that concerns the whole source (credentials, endpoint down, throttling)
//! fails the round, so the runner keeps the last data, shows its age and backs off.
//! A failure of one part (AccessDenied on RDS only, a missing target group) is kept
//! in that part of the data and shown in the pane next to what did work.

pub mod client;
pub mod cloudwatch;
pub mod elb;
pub mod rds;

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::{CollectError, Collector};
use crate::config::AwsSettings;
pub use client::{AwsClients, AwsError};

/// Every API call the collector makes, as IAM actions. The read-only policy in
/// `assets/iam/kitops-top-readonly.json` must allow each of them (tested).
pub const COLLECTOR_API_CALLS: &[&str] = &[
    elb::DESCRIBE_LOAD_BALANCERS,
    elb::DESCRIBE_TARGET_GROUPS,
    elb::DESCRIBE_TARGET_HEALTH,
    rds::DESCRIBE_DB_INSTANCES,
    rds::DESCRIBE_EVENTS,
    rds::DESCRIBE_DB_SNAPSHOTS,
    cloudwatch::GET_METRIC_DATA,
];

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AwsData {
    pub region: String,
    /// What the target groups were chosen by: "target groups a, b", "load balancer x",
    /// "all target groups".
    pub scope: String,
    pub target_groups: Vec<TargetGroupInfo>,
    /// Why target groups could not be read (AccessDenied names the IAM action).
    pub targets_error: Option<String>,
    pub rds: Option<RdsInfo>,
    /// Why the RDS instance could not be read.
    pub rds_error: Option<String>,
    /// The instance the pane is about (from config), also when it could not be read.
    pub rds_instance: String,
    /// The golden signals (CloudWatch); absent in recordings made before they existed.
    #[serde(default)]
    pub signals: Option<cloudwatch::Signals>,
    /// Why CloudWatch could not be read (AccessDenied names `cloudwatch:GetMetricData`).
    #[serde(default)]
    pub signals_error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TargetGroupInfo {
    pub arn: String,
    pub name: String,
    pub protocol: Option<String>,
    pub port: Option<i32>,
    pub target_type: Option<String>,
    pub load_balancer_arns: Vec<String>,
    pub health_check: HealthCheck,
    pub targets: Vec<TargetInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HealthCheck {
    pub enabled: bool,
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub path: Option<String>,
    pub interval_s: i32,
    pub timeout_s: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
    /// HTTP codes counted as healthy ("200", "200-299").
    pub matcher: Option<String>,
}

/// The four tunable numbers of a target group's health check: what `h` edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HealthCheckSettings {
    pub interval_s: i32,
    pub timeout_s: i32,
    pub healthy_threshold: i32,
    pub unhealthy_threshold: i32,
}

impl HealthCheck {
    pub fn settings(&self) -> HealthCheckSettings {
        HealthCheckSettings {
            interval_s: self.interval_s,
            timeout_s: self.timeout_s,
            healthy_threshold: self.healthy_threshold,
            unhealthy_threshold: self.unhealthy_threshold,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetInfo {
    pub id: String,
    pub port: Option<i32>,
    pub availability_zone: Option<String>,
    /// healthy, unhealthy, draining, initial, unused, unavailable (or what AWS adds).
    pub state: String,
    pub reason: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RdsInfo {
    pub id: String,
    pub status: String,
    pub engine: String,
    pub engine_version: String,
    pub class: String,
    pub multi_az: bool,
    pub availability_zone: Option<String>,
    pub secondary_availability_zone: Option<String>,
    pub allocated_storage_gib: i32,
    pub storage_type: Option<String>,
    pub endpoint: Option<String>,
    /// "class → db.r6g.xlarge", "storage → 200 GiB".
    pub pending_modifications: Vec<String>,
    /// Point-in-time recovery: the latest time a restore can reach (Unix seconds).
    pub latest_restorable_time: Option<i64>,
    /// The last hour of events, newest first.
    pub events: Vec<RdsEvent>,
    pub events_error: Option<String>,
    /// The latest snapshots, newest (and in-progress) first.
    pub snapshots: Vec<RdsSnapshot>,
    pub snapshots_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdsEvent {
    /// Unix seconds.
    pub at: Option<i64>,
    pub message: String,
    pub categories: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RdsSnapshot {
    pub id: String,
    pub status: String,
    pub percent_progress: Option<i32>,
    /// manual or automated.
    pub kind: String,
    /// Unix seconds.
    pub created: Option<i64>,
    pub allocated_storage_gib: Option<i32>,
}

pub struct AwsCollector {
    clients: client::LazyClients,
}

impl AwsCollector {
    pub fn new(settings: AwsSettings) -> Self {
        Self {
            clients: client::LazyClients::new(settings),
        }
    }
}

impl Collector for AwsCollector {
    type Data = AwsData;

    fn name(&self) -> &'static str {
        "aws"
    }

    async fn collect(&mut self) -> Result<AwsData, CollectError> {
        let clients = self.clients.get().await?;
        let settings = self.clients.settings();
        let now = SystemTime::now();
        let (groups, instance) = tokio::join!(
            elb::collect(&clients, settings),
            rds::collect(&clients, &settings.rds_instance, now),
        );
        let mut data = AwsData {
            region: clients.region.clone(),
            scope: elb::scope(settings),
            rds_instance: settings.rds_instance.clone(),
            ..Default::default()
        };
        match (groups, instance) {
            (Err(e), _) | (_, Err(e)) if e.is_source_wide() => return Err(e.into()),
            (Err(a), Err(_)) => return Err(a.into()),
            (g, r) => {
                match g {
                    Ok(g) => data.target_groups = g,
                    Err(e) => data.targets_error = Some(e.to_string()),
                }
                match r {
                    Ok(r) => data.rds = Some(r),
                    Err(e) => data.rds_error = Some(e.to_string()),
                }
            }
        }
        let lb = data
            .target_groups
            .iter()
            .flat_map(|g| g.load_balancer_arns.first())
            .next()
            .cloned();
        let groups: Vec<(String, String)> = data
            .target_groups
            .iter()
            .filter(|g| {
                lb.as_ref()
                    .is_some_and(|l| g.load_balancer_arns.contains(l))
            })
            .map(|g| (g.name.clone(), g.arn.clone()))
            .collect();
        match cloudwatch::collect(&clients, lb.as_deref(), &groups, &data.rds_instance, now).await {
            Ok(s) => data.signals = Some(s),
            Err(e) => data.signals_error = Some(e.to_string()),
        }
        Ok(data)
    }
}

/// Seconds since the Unix epoch of an SDK timestamp.
pub(crate) fn unix(t: Option<&aws_sdk_rds::primitives::DateTime>) -> Option<i64> {
    t.map(|d| d.secs())
}
