//! The RDS part of the Targets pane: the summary line, the instance as a group
//! header, its latest snapshots and the last hour of events as rows.

use std::time::SystemTime;

use super::{ago, cells, rds_level};
use crate::collect::aws::RdsInfo;
use crate::view::redact::Redact;
use crate::view::safe_text::SafeText;
use crate::view::table::{Level, SummaryItem, TableRow, Target};

fn snapshot_level(status: &str) -> Level {
    match status {
        "available" => Level::Ok,
        "failed" | "error" | "deleting" => Level::Crit,
        _ => Level::Warn,
    }
}

fn multi_az_text(r: &RdsInfo) -> String {
    if r.multi_az {
        format!(
            "Multi-AZ {} → {}",
            r.availability_zone.as_deref().unwrap_or("?"),
            r.secondary_availability_zone.as_deref().unwrap_or("?")
        )
    } else {
        format!(
            "Single-AZ {}",
            r.availability_zone.as_deref().unwrap_or("?")
        )
    }
}

pub(super) fn rds_summary(r: &RdsInfo, now: SystemTime) -> SummaryItem {
    SummaryItem::Line(vec![
        (
            SafeText::line(&format!("RDS {} {}", r.id, r.status)),
            rds_level(&r.status),
        ),
        (
            SafeText::line(&format!(
                "{} · PITR {} · {} {} {} · {} GiB{}",
                multi_az_text(r),
                ago(now, r.latest_restorable_time),
                r.engine,
                r.engine_version,
                r.class,
                r.allocated_storage_gib,
                r.storage_type
                    .as_deref()
                    .map(|t| format!(" {t}"))
                    .unwrap_or_default(),
            )),
            Level::Normal,
        ),
    ])
}

pub(super) fn rds_rows(r: &RdsInfo, now: SystemTime, redact: Redact, rows: &mut Vec<TableRow>) {
    let target = Target::RdsInstance { id: r.id.clone() };
    let detail = format!(
        "{} {} · {} · {} · {} GiB",
        r.engine,
        r.engine_version,
        r.class,
        multi_az_text(r),
        r.allocated_storage_gib
    );
    rows.push(
        TableRow::new(
            format!("rds:{}", r.id),
            cells([
                &format!("RDS {}", r.id),
                "",
                r.availability_zone.as_deref().unwrap_or("-"),
                &r.status,
                &detail,
            ]),
        )
        .group_header()
        .level(rds_level(&r.status))
        .copy(r.id.clone())
        .detail("instance", &r.id)
        .detail("status", &r.status)
        .detail("engine", &format!("{} {}", r.engine, r.engine_version))
        .detail("class", &r.class)
        .detail("availability", &multi_az_text(r))
        .detail(
            "storage",
            &format!(
                "{} GiB {}",
                r.allocated_storage_gib,
                r.storage_type.as_deref().unwrap_or("")
            ),
        )
        .detail("endpoint", r.endpoint.as_deref().unwrap_or("-"))
        .detail(
            "pending modifications",
            &if r.pending_modifications.is_empty() {
                "none".to_string()
            } else {
                r.pending_modifications.join("\n")
            },
        )
        .detail(
            "latest restorable time",
            &ago(now, r.latest_restorable_time),
        )
        .target(target.clone()),
    );
    if let Some(e) = &r.snapshots_error {
        rows.push(
            TableRow::new(
                "rds-snapshots-error",
                cells(["snapshots", "", "", "error", &redact.text(e)]),
            )
            .depth(1)
            .level(Level::Crit)
            .target(target.clone()),
        );
    }
    for s in &r.snapshots {
        let state = match s.percent_progress {
            Some(p) if s.status != "available" => format!("{} {p}%", s.status),
            _ => s.status.clone(),
        };
        let created = match s.created {
            Some(_) => format!("created {}", ago(now, s.created)),
            None => "in progress".into(),
        };
        let storage = s
            .allocated_storage_gib
            .map(|g| format!(" · {g} GiB"))
            .unwrap_or_default();
        let mut row = TableRow::new(
            format!("snapshot:{}", s.id),
            cells([
                &s.id,
                "",
                "",
                &state,
                &format!("{} snapshot · {created}{storage}", s.kind),
            ]),
        )
        .depth(1)
        .level(snapshot_level(&s.status))
        .copy(s.id.clone())
        .detail("snapshot", &s.id)
        .detail("status", &state)
        .detail("type", &s.kind)
        .detail("created", &created)
        .target(target.clone());
        if let Some(c) = s.created {
            row = row.sort_key(0, c as f64);
        }
        rows.push(row);
    }
    if let Some(e) = &r.events_error {
        rows.push(
            TableRow::new(
                "rds-events-error",
                cells(["events", "", "", "error", &redact.text(e)]),
            )
            .depth(1)
            .level(Level::Crit)
            .target(target.clone()),
        );
    }
    for (i, e) in r.events.iter().enumerate() {
        let when = ago(now, e.at);
        // Free text from RDS ("… from 10.0.3.17"): masked in presenter mode.
        let message = redact.text(&e.message).into_owned();
        let cats = e.categories.join(",");
        let lower = e.message.to_lowercase();
        let level = if lower.contains("fail") || lower.contains("error") {
            Level::Warn
        } else {
            Level::Normal
        };
        rows.push(
            TableRow::new(
                format!("event:{}:{i}", e.at.unwrap_or_default()),
                cells([&format!("event {when}"), "", "", &cats, &message]),
            )
            .depth(1)
            .level(level)
            .copy(message.clone())
            .detail("when", &when)
            .detail("categories", &cats)
            .detail("message", &message)
            .target(target.clone()),
        );
    }
}
