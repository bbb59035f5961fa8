//! The golden signals of the simulated incident, put into moto's CloudWatch: an hour of
//! one-minute points for the ALB (requests, target and ELB 5XX, response time, healthy
//! hosts per target group) and the RDS instance (CPU, memory, connections, replica lag,
//! latencies). Quiet for most of the hour, then the incident: errors and p95 climb over
//! the last minutes and stay up until `DIR/recovered` exists (scripts/record-demo
//! creates it once the lock chain's root is gone), then fall back within a few minutes.
//! One datum per series and minute, so moto's per-minute `Sum` of a series is its value.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};

const ALB: &str = "AWS/ApplicationELB";
const RDS: &str = "AWS/RDS";
const RDS_INSTANCE: &str = "kitops-production";
/// Minutes of history written at start.
const HISTORY_MIN: i64 = 60;
/// The incident began this many minutes before the simulation started.
const INCIDENT_AGE_MIN: i64 = 6;
/// Minutes from the first symptom to the worst.
const RAMP_MIN: f64 = 5.0;
/// What is left of the severity one minute later, once recovered.
const RECOVERY_PER_MIN: f64 = 0.1;
/// PutMetricData takes at most this many datums per call (the documented limit before 2023).
const BATCH: usize = 20;

/// Where the points go: the ALB's and its target groups' CloudWatch dimensions.
pub struct Dimensions {
    /// `app/kitops-alb/…`
    pub load_balancer: String,
    /// `(targetgroup/kitops-api/…, healthy hosts)`
    pub target_groups: Vec<(String, f64)>,
}

/// How bad one minute is, 0 (normal) to 1 (the worst of the incident).
struct Severity {
    start_min: i64,
    /// The first minute written after recovery was seen, and the severity then.
    recovered: Option<(i64, f64)>,
}

impl Severity {
    fn at(&self, minute: i64) -> f64 {
        let rising = ((minute - self.start_min + 1) as f64 / RAMP_MIN).clamp(0.0, 1.0);
        match self.recovered {
            Some((from, level)) if minute >= from => {
                level * RECOVERY_PER_MIN.powi((minute - from + 1) as i32)
            }
            _ => rising,
        }
    }
}

/// A small, repeatable wobble (±1) per minute and series, so the lines look measured.
fn wobble(minute: i64, salt: u64) -> f64 {
    let mut x = (minute as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
    x ^= x >> 29;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 32;
    (x % 2001) as f64 / 1000.0 - 1.0
}

fn datum(
    name: &str,
    dims: &[(&str, &str)],
    value: f64,
    unit: StandardUnit,
    minute: i64,
) -> MetricDatum {
    let mut d = MetricDatum::builder()
        .metric_name(name)
        .value(value)
        .unit(unit)
        .timestamp(DateTime::from_secs(minute * 60));
    for (n, v) in dims {
        d = d.dimensions(Dimension::builder().name(*n).value(*v).build());
    }
    d.build()
}

/// Every series' point of one minute at severity `s`: `(namespace, datum)`.
fn points(dims: &Dimensions, minute: i64, s: f64) -> Vec<(&'static str, MetricDatum)> {
    use StandardUnit::{Bytes, Count, Percent, Seconds};
    let w = |salt| wobble(minute, salt);
    let lb = [("LoadBalancer", dims.load_balancer.as_str())];
    let db = [("DBInstanceIdentifier", RDS_INSTANCE)];
    let requests = (1200.0 + 60.0 * w(1) - 150.0 * s).round();
    let target_5xx = (0.6 + 0.6 * w(2) + 68.0 * s).round().max(0.0);
    let elb_5xx = (9.0 * s + 0.5 * w(3)).round().max(0.0);
    let p95_s = 0.142 + 0.012 * w(4) + 0.78 * s;
    let mut out = vec![
        (ALB, datum("RequestCount", &lb, requests, Count, minute)),
        (
            ALB,
            datum("HTTPCode_Target_5XX_Count", &lb, target_5xx, Count, minute),
        ),
        (
            ALB,
            datum("HTTPCode_ELB_5XX_Count", &lb, elb_5xx, Count, minute),
        ),
        (
            ALB,
            datum("TargetResponseTime", &lb, p95_s, Seconds, minute),
        ),
    ];
    for (tg, healthy) in &dims.target_groups {
        let d = [
            ("TargetGroup", tg.as_str()),
            ("LoadBalancer", dims.load_balancer.as_str()),
        ];
        out.push((ALB, datum("HealthyHostCount", &d, *healthy, Count, minute)));
        out.push((ALB, datum("UnHealthyHostCount", &d, 0.0, Count, minute)));
    }
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    out.extend([
        (
            RDS,
            datum(
                "CPUUtilization",
                &db,
                23.0 + 3.0 * w(5) + 46.0 * s,
                Percent,
                minute,
            ),
        ),
        (
            RDS,
            datum(
                "FreeableMemory",
                &db,
                (6.1 + 0.1 * w(6) - 1.4 * s) * GIB,
                Bytes,
                minute,
            ),
        ),
        (
            RDS,
            datum(
                "DatabaseConnections",
                &db,
                (38.0 + 3.0 * w(7) + 52.0 * s).round(),
                Count,
                minute,
            ),
        ),
        (
            RDS,
            datum(
                "ReplicaLag",
                &db,
                0.04 + 0.02 * w(8) + 0.9 * s,
                Seconds,
                minute,
            ),
        ),
        (
            RDS,
            datum(
                "ReadLatency",
                &db,
                0.0018 + 0.0002 * w(9) + 0.004 * s,
                Seconds,
                minute,
            ),
        ),
        (
            RDS,
            datum(
                "WriteLatency",
                &db,
                0.0024 + 0.0003 * w(10) + 0.021 * s,
                Seconds,
                minute,
            ),
        ),
    ]);
    out
}

async fn put(cw: &aws_sdk_cloudwatch::Client, points: Vec<(&'static str, MetricDatum)>) {
    for namespace in [ALB, RDS] {
        let mine: Vec<MetricDatum> = points
            .iter()
            .filter(|(ns, _)| *ns == namespace)
            .map(|(_, d)| d.clone())
            .collect();
        for chunk in mine.chunks(BATCH) {
            let sent = cw
                .put_metric_data()
                .namespace(namespace)
                .set_metric_data(Some(chunk.to_vec()))
                .send()
                .await;
            if let Err(e) = sent {
                eprintln!("demo_env: put_metric_data {namespace}: {e}");
            }
        }
    }
}

fn this_minute() -> i64 {
    let secs = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    secs / 60
}

/// Writes the hour so far, then each new minute as it starts, until the process ends.
pub async fn feed(cw: aws_sdk_cloudwatch::Client, dims: Dimensions, recovered_flag: PathBuf) {
    let now = this_minute();
    let mut severity = Severity {
        start_min: now - INCIDENT_AGE_MIN,
        recovered: None,
    };
    let mut history = Vec::new();
    for minute in now - HISTORY_MIN..=now {
        history.extend(points(&dims, minute, severity.at(minute)));
    }
    put(&cw, history).await;
    let mut written = now;
    loop {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let minute = this_minute();
        if severity.recovered.is_none() && recovered_flag.exists() {
            severity.recovered = Some((written + 1, severity.at(written)));
        }
        while written < minute {
            written += 1;
            put(&cw, points(&dims, written, severity.at(written))).await;
        }
    }
}
