//! The RDS half of the Signals pane: CPU, freeable memory, connections, replica lag
//! and read/write latency of the instance, from the same `GetMetricData` round.

use std::time::SystemTime;

use super::signals::{fmt_num, mem, rds_row, RdsRow};
use crate::collect::aws::cloudwatch::{id, Signals};
use crate::view::table::{Level, TableRow};

fn cpu_level(v: f64) -> Level {
    if v >= 90.0 {
        Level::Crit
    } else if v >= 80.0 {
        Level::Warn
    } else {
        Level::Normal
    }
}

fn lag_level(v: f64) -> Level {
    if v >= 300.0 {
        Level::Crit
    } else if v >= 30.0 {
        Level::Warn
    } else {
        Level::Normal
    }
}

fn latency_level(v: f64) -> Level {
    if v >= 0.1 {
        Level::Warn
    } else {
        Level::Normal
    }
}

pub(super) fn rows(s: &Signals, now: SystemTime, out: &mut Vec<TableRow>) {
    let spec = [
        RdsRow {
            key: id::RDS_CPU,
            name: "CPU",
            value: |v| format!("{} %", fmt_num(v)),
            limit: "< 80 %",
            level: cpu_level,
        },
        RdsRow {
            key: id::RDS_FREE_MEMORY,
            name: "freeable memory",
            value: mem,
            limit: "",
            level: |_| Level::Normal,
        },
        RdsRow {
            key: id::RDS_CONNECTIONS,
            name: "connections",
            value: |v| format!("{v:.0}"),
            limit: "",
            level: |_| Level::Normal,
        },
        RdsRow {
            key: id::RDS_REPLICA_LAG,
            name: "replica lag",
            value: |v| format!("{} s", fmt_num(v)),
            limit: "< 30 s",
            level: lag_level,
        },
        RdsRow {
            key: id::RDS_READ_LATENCY,
            name: "read latency",
            value: |v| format!("{} ms", fmt_num(v * 1000.0)),
            limit: "< 100 ms",
            level: latency_level,
        },
        RdsRow {
            key: id::RDS_WRITE_LATENCY,
            name: "write latency",
            value: |v| format!("{} ms", fmt_num(v * 1000.0)),
            limit: "< 100 ms",
            level: latency_level,
        },
    ];
    for r in spec {
        out.push(rds_row(s, r, now));
    }
}

/// CPU, the one RDS signal the attention line carries (the others are in the pane).
pub fn cpu_attention_level(v: f64) -> Level {
    cpu_level(v)
}
