//! Events of the namespace (one more LIST+WATCH): what the kubelet and the scheduler
//! say about pods — `BackOff`, `FailedScheduling`, `Unhealthy` probe failures,
//! `OOMKilled` — for pod details and the pods pane's warnings.

use k8s_openapi::api::core::v1::Event;
use serde::{Deserialize, Serialize};

/// At most this many events are kept in a snapshot, newest first.
pub const KEPT: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventInfo {
    /// `Warning` or `Normal`.
    pub kind: String,
    pub reason: String,
    pub message: String,
    /// The object it is about: `Pod`, `kitops-backend-…`, its uid.
    pub object_kind: String,
    pub object_name: String,
    pub object_uid: Option<String>,
    pub count: u32,
    /// When it last happened (Unix seconds): `lastTimestamp`, `eventTime` or creation.
    pub last_seen: Option<i64>,
}

impl EventInfo {
    pub fn is_warning(&self) -> bool {
        self.kind == "Warning"
    }
}

pub fn event_info(e: &Event) -> EventInfo {
    let last_seen = e
        .last_timestamp
        .as_ref()
        .map(|t| t.0.as_second())
        .or_else(|| e.event_time.as_ref().map(|t| t.0.as_second()))
        .or_else(|| {
            e.metadata
                .creation_timestamp
                .as_ref()
                .map(|t| t.0.as_second())
        });
    EventInfo {
        kind: e.type_.clone().unwrap_or_else(|| "Normal".into()),
        reason: e.reason.clone().unwrap_or_default(),
        message: e.message.clone().unwrap_or_default(),
        object_kind: e.involved_object.kind.clone().unwrap_or_default(),
        object_name: e.involved_object.name.clone().unwrap_or_default(),
        object_uid: e.involved_object.uid.clone(),
        count: e.count.unwrap_or(1).max(1) as u32,
        last_seen,
    }
}

/// Newest first, at most `KEPT`.
pub fn newest(mut v: Vec<EventInfo>) -> Vec<EventInfo> {
    v.sort_by(|a, b| b.last_seen.cmp(&a.last_seen).then(a.reason.cmp(&b.reason)));
    v.truncate(KEPT);
    v
}
