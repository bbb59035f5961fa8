//! The runbook's Key Metrics from CloudWatch: one `GetMetricData` call per refresh for
//! every series — the ALB's p95 `TargetResponseTime`, `RequestCount`, target and ELB
//! 5XX counts, healthy/unhealthy hosts per target group, and the RDS instance's CPU,
//! memory, connections, replica lag and latencies — over the last hour at one-minute
//! resolution. CloudWatch lags about a minute: every series keeps its own timestamps
//! so the pane shows each metric's age, and a statistic with no data says so.

use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use serde::{Deserialize, Serialize};

use super::client::{classify, AwsClients, AwsError};

pub const GET_METRIC_DATA: &str = "cloudwatch:GetMetricData";

/// The window and resolution asked for: the last hour, one point a minute.
pub const WINDOW: Duration = Duration::from_secs(3600);
pub const PERIOD_S: i32 = 60;

/// Query ids (CloudWatch wants them to start with a lower-case letter).
pub mod id {
    pub const P95: &str = "p95";
    pub const REQUESTS: &str = "requests";
    pub const TARGET_5XX: &str = "target5xx";
    pub const ELB_5XX: &str = "elb5xx";
    pub const HEALTHY: &str = "healthy";
    pub const UNHEALTHY: &str = "unhealthy";
    pub const RDS_CPU: &str = "rdscpu";
    pub const RDS_FREE_MEMORY: &str = "rdsmem";
    pub const RDS_CONNECTIONS: &str = "rdsconn";
    pub const RDS_REPLICA_LAG: &str = "rdslag";
    pub const RDS_READ_LATENCY: &str = "rdsread";
    pub const RDS_WRITE_LATENCY: &str = "rdswrite";
}

/// One series: its points, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// The query id (`id::P95`); per-target-group host counts are `healthy0`, `healthy1`…
    pub id: String,
    /// Unix seconds of each point (the start of its minute) and its value.
    pub points: Vec<(i64, f64)>,
    /// CloudWatch's `StatusCode` (`Complete`, `PartialData`, …) when it is not `Complete`.
    pub status: Option<String>,
}

impl Series {
    pub fn latest(&self) -> Option<(i64, f64)> {
        self.points.last().copied()
    }

    /// Sum of the points at or after `since` (Unix seconds).
    pub fn sum_since(&self, since: i64) -> f64 {
        self.points
            .iter()
            .filter(|(t, _)| *t >= since)
            .map(|(_, v)| v)
            .sum()
    }
}

/// Everything one `GetMetricData` round returned.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Signals {
    /// The `LoadBalancer` dimension (`app/kitops-alb/50dc6c495c0c9188`), when one is known.
    pub load_balancer: Option<String>,
    /// `(index, name)` of each target group whose host counts were asked for.
    pub target_groups: Vec<(usize, String)>,
    pub rds_instance: String,
    /// The window's end (Unix seconds): ages are measured against the collection time.
    pub end: i64,
    pub series: Vec<Series>,
}

impl Signals {
    pub fn series(&self, id: &str) -> Option<&Series> {
        self.series.iter().find(|s| s.id == id)
    }
}

/// `arn:aws:elasticloadbalancing:…:loadbalancer/app/kitops-alb/50dc…` → `app/kitops-alb/50dc…`.
pub fn lb_dimension(arn: &str) -> Option<String> {
    arn.split_once(":loadbalancer/").map(|(_, d)| d.to_string())
}

/// `arn:…:targetgroup/kitops-api/6d0e…` → `targetgroup/kitops-api/6d0e…`.
pub fn tg_dimension(arn: &str) -> Option<String> {
    arn.rfind("targetgroup/").map(|i| arn[i..].to_string())
}

fn query(
    id: &str,
    namespace: &str,
    name: &str,
    dims: &[(&str, &str)],
    stat: &str,
) -> MetricDataQuery {
    let mut metric = Metric::builder().namespace(namespace).metric_name(name);
    for (n, v) in dims {
        metric = metric.dimensions(Dimension::builder().name(*n).value(*v).build());
    }
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric.build())
                .period(PERIOD_S)
                .stat(stat)
                .build(),
        )
        .return_data(true)
        .build()
}

/// The queries of one round: the ALB's (if its dimension is known), each target group's
/// host counts (with the ALB), and the RDS instance's.
pub fn queries(lb: Option<&str>, groups: &[(usize, String)], rds: &str) -> Vec<MetricDataQuery> {
    const ALB: &str = "AWS/ApplicationELB";
    const RDS: &str = "AWS/RDS";
    let mut q = Vec::new();
    if let Some(lb) = lb {
        let d = [("LoadBalancer", lb)];
        q.push(query(id::P95, ALB, "TargetResponseTime", &d, "p95"));
        q.push(query(id::REQUESTS, ALB, "RequestCount", &d, "Sum"));
        q.push(query(
            id::TARGET_5XX,
            ALB,
            "HTTPCode_Target_5XX_Count",
            &d,
            "Sum",
        ));
        q.push(query(id::ELB_5XX, ALB, "HTTPCode_ELB_5XX_Count", &d, "Sum"));
        for (i, tg) in groups {
            let d = [("TargetGroup", tg.as_str()), ("LoadBalancer", lb)];
            q.push(query(
                &format!("{}{i}", id::HEALTHY),
                ALB,
                "HealthyHostCount",
                &d,
                "Minimum",
            ));
            q.push(query(
                &format!("{}{i}", id::UNHEALTHY),
                ALB,
                "UnHealthyHostCount",
                &d,
                "Maximum",
            ));
        }
    }
    let d = [("DBInstanceIdentifier", rds)];
    q.push(query(id::RDS_CPU, RDS, "CPUUtilization", &d, "Average"));
    q.push(query(
        id::RDS_FREE_MEMORY,
        RDS,
        "FreeableMemory",
        &d,
        "Average",
    ));
    q.push(query(
        id::RDS_CONNECTIONS,
        RDS,
        "DatabaseConnections",
        &d,
        "Average",
    ));
    q.push(query(id::RDS_REPLICA_LAG, RDS, "ReplicaLag", &d, "Average"));
    q.push(query(
        id::RDS_READ_LATENCY,
        RDS,
        "ReadLatency",
        &d,
        "Average",
    ));
    q.push(query(
        id::RDS_WRITE_LATENCY,
        RDS,
        "WriteLatency",
        &d,
        "Average",
    ));
    q
}

fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// One `GetMetricData` call for every series. `lb_arn` is the ALB of the target groups
/// shown; `groups` are `(target group name, ARN)`.
pub async fn collect(
    c: &AwsClients,
    lb_arn: Option<&str>,
    groups: &[(String, String)],
    rds: &str,
    now: SystemTime,
) -> Result<Signals, AwsError> {
    let lb = lb_arn.and_then(lb_dimension);
    let dims: Vec<(usize, String)> = groups
        .iter()
        .enumerate()
        .filter_map(|(i, (_, arn))| tg_dimension(arn).map(|d| (i, d)))
        .collect();
    let end = unix(now);
    let start = end - WINDOW.as_secs() as i64;
    let out =
        c.cw.get_metric_data()
            .start_time(DateTime::from_secs(start))
            .end_time(DateTime::from_secs(end))
            .scan_by(ScanBy::TimestampAscending)
            .set_metric_data_queries(Some(queries(lb.as_deref(), &dims, rds)))
            .send()
            .await
            .map_err(|e| classify(GET_METRIC_DATA, &c.endpoint, e))?;
    let mut series = Vec::new();
    for r in out.metric_data_results() {
        let mut points: Vec<(i64, f64)> = r
            .timestamps()
            .iter()
            .map(|t| t.secs())
            .zip(r.values().iter().copied())
            .collect();
        points.sort_by_key(|(t, _)| *t);
        let status = r
            .status_code()
            .map(|s| s.as_str().to_string())
            .filter(|s| s != "Complete");
        series.push(Series {
            id: r.id().unwrap_or_default().to_string(),
            points,
            status,
        });
    }
    Ok(Signals {
        load_balancer: lb,
        target_groups: dims
            .iter()
            .filter_map(|(i, _)| groups.get(*i).map(|(n, _)| (*i, n.clone())))
            .collect(),
        rds_instance: rds.to_string(),
        end,
        series,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_from_arns() {
        let lb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/kitops-alb/50dc6c495c0c9188";
        assert_eq!(
            lb_dimension(lb).as_deref(),
            Some("app/kitops-alb/50dc6c495c0c9188")
        );
        let tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/kitops-api/6d0ecf831eec9f09";
        assert_eq!(
            tg_dimension(tg).as_deref(),
            Some("targetgroup/kitops-api/6d0ecf831eec9f09")
        );
        assert_eq!(lb_dimension("nope"), None);
    }

    #[test]
    fn one_query_per_series() {
        let q = queries(Some("app/x/1"), &[(0, "targetgroup/a/1".into())], "db");
        let ids: Vec<_> = q.iter().filter_map(|q| q.id()).collect();
        assert_eq!(ids.len(), 4 + 2 + 6);
        assert!(ids.contains(&"healthy0") && ids.contains(&"p95"));
        let no_lb = queries(None, &[], "db");
        assert_eq!(no_lb.len(), 6, "RDS only without an ALB");
    }
}
