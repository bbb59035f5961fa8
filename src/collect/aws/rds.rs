//! The RDS instance: status, Multi-AZ, storage, PITR, the last hour of events and
//! the latest snapshots.

use std::time::{Duration, SystemTime};

use aws_sdk_rds::types::{DbInstance, PendingModifiedValues, SourceType};

use super::client::{classify, AwsClients, AwsError};
use super::{unix, RdsEvent, RdsInfo, RdsSnapshot};

pub const DESCRIBE_DB_INSTANCES: &str = "rds:DescribeDBInstances";
pub const DESCRIBE_EVENTS: &str = "rds:DescribeEvents";
pub const DESCRIBE_DB_SNAPSHOTS: &str = "rds:DescribeDBSnapshots";

/// How many snapshots the pane lists.
pub const SNAPSHOTS_SHOWN: usize = 5;
/// How far back events go.
pub const EVENTS_WINDOW: Duration = Duration::from_secs(3600);

pub async fn collect(c: &AwsClients, id: &str, now: SystemTime) -> Result<RdsInfo, AwsError> {
    let (inst, events, snaps) = tokio::join!(instance(c, id), events(c, id, now), snapshots(c, id));
    let mut info = inst?;
    match events {
        Ok(e) => info.events = e,
        Err(e) if e.is_source_wide() => return Err(e),
        Err(e) => info.events_error = Some(e.to_string()),
    }
    match snaps {
        Ok(s) => info.snapshots = s,
        Err(e) if e.is_source_wide() => return Err(e),
        Err(e) => info.snapshots_error = Some(e.to_string()),
    }
    Ok(info)
}

/// DescribeDBInstances for one instance, as the pane and the executor see it.
pub async fn instance(c: &AwsClients, id: &str) -> Result<RdsInfo, AwsError> {
    let r = c
        .rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(|e| classify(DESCRIBE_DB_INSTANCES, &c.endpoint, e))?;
    let Some(db) = r.db_instances().first() else {
        return Err(AwsError::Api {
            action: DESCRIBE_DB_INSTANCES,
            code: "DBInstanceNotFound".into(),
            message: format!("DBInstance {id} not found"),
        });
    };
    Ok(from_instance(db))
}

fn from_instance(db: &DbInstance) -> RdsInfo {
    RdsInfo {
        id: db.db_instance_identifier().unwrap_or_default().to_string(),
        status: db.db_instance_status().unwrap_or("unknown").to_string(),
        engine: db.engine().unwrap_or_default().to_string(),
        engine_version: db.engine_version().unwrap_or_default().to_string(),
        class: db.db_instance_class().unwrap_or_default().to_string(),
        multi_az: db.multi_az().unwrap_or(false),
        availability_zone: db.availability_zone().map(str::to_string),
        secondary_availability_zone: db.secondary_availability_zone().map(str::to_string),
        allocated_storage_gib: db.allocated_storage().unwrap_or(0),
        storage_type: db.storage_type().map(str::to_string),
        endpoint: db.endpoint().and_then(|e| {
            e.address()
                .map(|a| format!("{a}:{}", e.port().unwrap_or_default()))
        }),
        pending_modifications: db
            .pending_modified_values()
            .map(pending)
            .unwrap_or_default(),
        latest_restorable_time: unix(db.latest_restorable_time()),
        ..Default::default()
    }
}

fn pending(p: &PendingModifiedValues) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |what: &str, v: Option<String>| {
        if let Some(v) = v {
            out.push(format!("{what} → {v}"));
        }
    };
    add("class", p.db_instance_class().map(str::to_string));
    add("storage", p.allocated_storage().map(|g| format!("{g} GiB")));
    add("storage type", p.storage_type().map(str::to_string));
    add("iops", p.iops().map(|i| i.to_string()));
    add("engine version", p.engine_version().map(str::to_string));
    add("multi-az", p.multi_az().map(|m| m.to_string()));
    add(
        "backup retention",
        p.backup_retention_period().map(|d| format!("{d} days")),
    );
    add("port", p.port().map(|x| x.to_string()));
    add(
        "ca certificate",
        p.ca_certificate_identifier().map(str::to_string),
    );
    add("subnet group", p.db_subnet_group_name().map(str::to_string));
    add("identifier", p.db_instance_identifier().map(str::to_string));
    if p.master_user_password().is_some() {
        out.push("master password change".into());
    }
    out
}

async fn events(c: &AwsClients, id: &str, now: SystemTime) -> Result<Vec<RdsEvent>, AwsError> {
    let r = c
        .rds
        .describe_events()
        .source_identifier(id)
        .source_type(SourceType::DbInstance)
        .duration((EVENTS_WINDOW.as_secs() / 60) as i32)
        .send()
        .await
        .map_err(|e| classify(DESCRIBE_EVENTS, &c.endpoint, e))?;
    let since = now
        .checked_sub(EVENTS_WINDOW)
        .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let mut out: Vec<RdsEvent> = r
        .events()
        .iter()
        .map(|e| RdsEvent {
            at: unix(e.date()),
            message: e.message().unwrap_or_default().to_string(),
            categories: e.event_categories().to_vec(),
        })
        // Emulators ignore Duration; the window is ours to keep.
        .filter(|e| e.at.is_none_or(|t| t >= since))
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.at));
    Ok(out)
}

async fn snapshots(c: &AwsClients, id: &str) -> Result<Vec<RdsSnapshot>, AwsError> {
    let r = c
        .rds
        .describe_db_snapshots()
        .db_instance_identifier(id)
        .send()
        .await
        .map_err(|e| classify(DESCRIBE_DB_SNAPSHOTS, &c.endpoint, e))?;
    let mut out: Vec<RdsSnapshot> = r
        .db_snapshots()
        .iter()
        .map(|s| RdsSnapshot {
            id: s.db_snapshot_identifier().unwrap_or_default().to_string(),
            status: s.status().unwrap_or("unknown").to_string(),
            percent_progress: s.percent_progress(),
            kind: s.snapshot_type().unwrap_or("manual").to_string(),
            created: unix(s.snapshot_create_time()),
            allocated_storage_gib: s.allocated_storage(),
        })
        .collect();
    // In-progress snapshots have no create time yet: they are the newest.
    out.sort_by(|a, b| {
        let k = |s: &RdsSnapshot| (s.created.is_none(), s.created, s.id.clone());
        k(b).cmp(&k(a))
    });
    out.truncate(SNAPSHOTS_SHOWN);
    Ok(out)
}
