//! Signals pane: the runbook's Key Metrics from CloudWatch — the ALB's p95 response
//! time and error rate against `[thresholds] p95_ms` / `error_rate_percent`, request
//! rate, availability over the hour, healthy/unhealthy hosts per target group — and the
//! RDS instance's CPU, memory, connections, replica lag and latencies. Every value
//! carries its own age (CloudWatch lags about a minute); a statistic CloudWatch
//! returned no datapoints for says "no data", never a zero.

use std::time::{Duration, SystemTime};

use super::BuildCtx;
use crate::collect::aws::cloudwatch::{id, Series, Signals, PERIOD_S};
use crate::collect::aws::AwsData;
use crate::view::format::{age, bytes};
use crate::view::safe_text::SafeText;
use crate::view::table::{Column, Level, PaneContent, SummaryItem, TableRow};

/// The runbook's availability SLA.
pub const AVAILABILITY_SLA: f64 = 99.9;
/// The error rate is taken over the last this-many minutes of data.
pub const ERROR_WINDOW_MIN: i64 = 5;

const COLUMNS: [Column; 5] = [
    Column::text("SIGNAL", 18, 24, 9),
    Column::text("NOW", 12, 16, 8),
    Column::text("LIMIT", 9, 10, 5),
    Column::text("LAST HOUR", 16, 30, 3),
    Column::text("AGE", 6, 8, 7),
];

fn unix(t: SystemTime) -> i64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// How old a series' newest point is: from the end of its minute to `now`.
pub fn series_age(s: &Series, now: SystemTime) -> Option<Duration> {
    let (t, _) = s.latest()?;
    Some(Duration::from_secs(
        (unix(now) - t - i64::from(PERIOD_S)).max(0) as u64,
    ))
}

/// The ALB's golden signals, computed once for the pane, its strip and the attention line.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Golden {
    /// Newest p95 in milliseconds.
    pub p95_ms: Option<f64>,
    /// (5XX target + 5XX ELB) / requests over the last `ERROR_WINDOW_MIN` minutes, percent.
    pub error_rate: Option<f64>,
    pub requests_per_s: Option<f64>,
    /// 1 − errors / requests over the hour, percent.
    pub availability: Option<f64>,
    /// Newest (healthy, unhealthy) summed over the target groups.
    pub hosts: Option<(f64, f64)>,
    /// Age of the newest request count (the series the rates rest on).
    pub age: Option<Duration>,
}

pub fn golden(s: &Signals, now: SystemTime) -> Golden {
    let req = s.series(id::REQUESTS);
    let err = |since: i64| {
        s.series(id::TARGET_5XX).map_or(0.0, |x| x.sum_since(since))
            + s.series(id::ELB_5XX).map_or(0.0, |x| x.sum_since(since))
    };
    let mut g = Golden {
        p95_ms: s
            .series(id::P95)
            .and_then(Series::latest)
            .map(|(_, v)| v * 1000.0),
        age: req.and_then(|r| series_age(r, now)),
        ..Default::default()
    };
    if let Some((last, n)) = req.and_then(Series::latest) {
        let since = last - (ERROR_WINDOW_MIN - 1) * i64::from(PERIOD_S);
        let total = req.map_or(0.0, |r| r.sum_since(since));
        if total > 0.0 {
            g.error_rate = Some(err(since) / total * 100.0);
        }
        g.requests_per_s = Some(n / f64::from(PERIOD_S));
        let hour = req.map_or(0.0, |r| r.sum_since(0));
        if hour > 0.0 {
            g.availability = Some(100.0 - err(0) / hour * 100.0);
        }
    }
    let mut hosts: Option<(f64, f64)> = None;
    for (i, _) in &s.target_groups {
        let h = s
            .series(&format!("{}{i}", id::HEALTHY))
            .and_then(Series::latest);
        let u = s
            .series(&format!("{}{i}", id::UNHEALTHY))
            .and_then(Series::latest);
        if h.is_some() || u.is_some() {
            let (a, b) = hosts.unwrap_or((0.0, 0.0));
            hosts = Some((a + h.map_or(0.0, |p| p.1), b + u.map_or(0.0, |p| p.1)));
        }
    }
    g.hosts = hosts;
    g
}

pub fn p95_level(ms: f64, limit: f64) -> Level {
    if ms > limit * 2.0 {
        Level::Crit
    } else if ms > limit {
        Level::Warn
    } else {
        Level::Ok
    }
}

pub fn error_level(pct: f64, limit: f64) -> Level {
    if pct > limit {
        Level::Crit
    } else {
        Level::Ok
    }
}

fn num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// The first line, which is also the strip at 80x24.
fn headline(g: &Golden, ctx: &BuildCtx, s: &Signals) -> SummaryItem {
    let t = &ctx.config.thresholds;
    let mut parts = Vec::new();
    let mut push = |text: String, level: Level| parts.push((SafeText::line(&text), level));
    if s.load_balancer.is_none() {
        push(
            "ALB: none known (no target group with a load balancer)".into(),
            Level::Dim,
        );
    } else {
        match g.p95_ms {
            Some(ms) => push(format!("p95 {} ms", num(ms)), p95_level(ms, t.p95_ms)),
            None => push("p95 no data".into(), Level::Dim),
        }
        match g.error_rate {
            Some(e) => push(
                format!("err {} %", num(e)),
                error_level(e, t.error_rate_percent),
            ),
            None => push("err: no requests".into(), Level::Dim),
        }
        match g.age {
            Some(a) => push(format!("{} old", age(a)), Level::Dim),
            None => push("no datapoints in the last hour".into(), Level::Dim),
        }
        if let Some((h, u)) = g.hosts {
            let l = if u > 0.0 { Level::Crit } else { Level::Ok };
            push(format!("hosts {h:.0} ok {u:.0} bad"), l);
        }
        if let Some(r) = g.requests_per_s {
            push(format!("{} req/s", num(r)), Level::Normal);
        }
        if let Some(a) = g.availability {
            let l = if a < AVAILABILITY_SLA {
                Level::Warn
            } else {
                Level::Ok
            };
            push(format!("avail {a:.2} %"), l);
        }
    }
    SummaryItem::Line(parts)
}

struct RowSpec<'a> {
    key: &'a str,
    name: String,
    series: Option<&'a Series>,
    value: fn(f64) -> String,
    limit: String,
    level: Box<dyn Fn(f64) -> Level + 'a>,
}

fn row(r: RowSpec, now: SystemTime) -> TableRow {
    let (value, level, range, when) = match r.series.and_then(|s| s.latest().map(|l| (s, l))) {
        Some((s, (_, v))) => {
            let lo = s.points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
            let hi = s
                .points
                .iter()
                .map(|p| p.1)
                .fold(f64::NEG_INFINITY, f64::max);
            (
                (r.value)(v),
                (r.level)(v),
                format!("{} – {}", (r.value)(lo), (r.value)(hi)),
                series_age(s, now).map(age).unwrap_or_default(),
            )
        }
        None => ("no data".into(), Level::Dim, String::new(), "-".into()),
    };
    let status = r.series.and_then(|s| s.status.clone());
    let cells = [&r.name, &value, &r.limit, &range, &when]
        .iter()
        .map(|c| SafeText::line(c))
        .collect();
    TableRow::new(format!("signal:{}", r.key), cells)
        .level(level)
        .copy(format!("{} {value}", r.name))
        .detail("signal", &r.name)
        .detail("now", &value)
        .detail("limit", &r.limit)
        .detail("last hour", &range)
        .detail("age", &when)
        .detail(
            "CloudWatch",
            &match (r.series, status) {
                (None, _) => "the series was not returned".to_string(),
                (Some(s), _) if s.points.is_empty() => {
                    "no datapoints in the last hour for this statistic".to_string()
                }
                (Some(_), Some(st)) => format!("status {st}"),
                (Some(_), None) => "complete".to_string(),
            },
        )
}

pub fn build(data: &AwsData, ctx: &BuildCtx) -> PaneContent {
    let mut summary = Vec::new();
    let mut rows = Vec::new();
    if let Some(e) = &data.signals_error {
        summary.push(SummaryItem::text(&format!("CloudWatch: {e}"), Level::Crit));
    }
    let Some(s) = &data.signals else {
        return PaneContent {
            memo: Default::default(),
            summary,
            columns: COLUMNS.to_vec(),
            rows,
            empty_message: Some(
                "no golden signals in this snapshot (CloudWatch not read yet, or recorded before them)"
                    .into(),
            ),
        };
    };
    let g = golden(s, ctx.now);
    summary.insert(0, headline(&g, ctx, s));
    if let Some(p) = s.series(id::P95).filter(|p| !p.points.is_empty()) {
        summary.push(SummaryItem::Sparkline {
            label: SafeText::line("p95 last hour"),
            points: p.points.iter().map(|(_, v)| (v * 1000.0) as u64).collect(),
            level: g
                .p95_ms
                .map_or(Level::Dim, |ms| p95_level(ms, ctx.config.thresholds.p95_ms)),
        });
    }
    let t = &ctx.config.thresholds;
    let (p95_limit, err_limit) = (t.p95_ms, t.error_rate_percent);
    if s.load_balancer.is_some() {
        rows.push(row(
            RowSpec {
                key: id::P95,
                name: "ALB p95 response".into(),
                series: s.series(id::P95),
                value: |v| format!("{} ms", num(v * 1000.0)),
                limit: format!("< {p95_limit:.0} ms"),
                level: Box::new(move |v| p95_level(v * 1000.0, p95_limit)),
            },
            ctx.now,
        ));
        let mut err = TableRow::new(
            "signal:errors",
            [
                "ALB error rate".to_string(),
                g.error_rate
                    .map_or("no requests".into(), |e| format!("{} %", num(e))),
                format!("< {err_limit} %"),
                format!("5XX target + ELB / requests, last {ERROR_WINDOW_MIN} min"),
                g.age.map(age).unwrap_or_else(|| "-".into()),
            ]
            .iter()
            .map(|c| SafeText::line(c))
            .collect(),
        )
        .level(
            g.error_rate
                .map_or(Level::Dim, |e| error_level(e, err_limit)),
        );
        if let Some(a) = g.availability {
            err = err.detail(
                "availability (1 h)",
                &format!("{a:.3} % (SLA {AVAILABILITY_SLA} %)"),
            );
        }
        rows.push(err);
        for (key, name, value) in [
            (
                id::REQUESTS,
                "ALB requests/min",
                (|v| num(v)) as fn(f64) -> String,
            ),
            (id::TARGET_5XX, "ALB target 5XX/min", |v| num(v)),
            (id::ELB_5XX, "ALB ELB 5XX/min", |v| num(v)),
        ] {
            let spec = RowSpec {
                key,
                name: name.into(),
                series: s.series(key),
                value,
                limit: String::new(),
                level: Box::new(|_| Level::Normal),
            };
            rows.push(row(spec, ctx.now));
        }
        for (i, name) in &s.target_groups {
            for (prefix, what, bad) in [
                (id::HEALTHY, "healthy", false),
                (id::UNHEALTHY, "unhealthy", true),
            ] {
                let key = format!("{prefix}{i}");
                let spec = RowSpec {
                    key: &key,
                    name: format!("{name} {what}"),
                    series: s.series(&key),
                    value: |v| format!("{v:.0} hosts"),
                    limit: if bad { "0".into() } else { String::new() },
                    level: Box::new(move |v| {
                        if bad && v > 0.0 {
                            Level::Crit
                        } else {
                            Level::Normal
                        }
                    }),
                };
                rows.push(row(spec, ctx.now));
            }
        }
    }
    super::signals_rds::rows(s, ctx.now, &mut rows);
    PaneContent {
        memo: Default::default(),
        summary,
        columns: COLUMNS.to_vec(),
        rows,
        empty_message: None,
    }
}

pub(super) struct RdsRow {
    pub key: &'static str,
    pub name: &'static str,
    pub value: fn(f64) -> String,
    pub limit: &'static str,
    pub level: fn(f64) -> Level,
}

pub(super) fn rds_row(s: &Signals, r: RdsRow, now: SystemTime) -> TableRow {
    row(
        RowSpec {
            key: r.key,
            name: format!("RDS {}", r.name),
            series: s.series(r.key),
            value: r.value,
            limit: r.limit.into(),
            level: Box::new(r.level),
        },
        now,
    )
}

pub(super) fn mem(v: f64) -> String {
    bytes(v.max(0.0) as u64)
}

pub(super) fn fmt_num(v: f64) -> String {
    num(v)
}
