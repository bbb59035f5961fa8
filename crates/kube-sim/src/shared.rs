//! State shared by all connections: the store, fault configuration and counters.

use crate::controller::Config;
use crate::request_log::{RequestLog, RequestRecord};
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::watch;

/// A rule making matching requests fail with 403 Forbidden.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ForbidRule {
    /// get, list, watch, create, update, patch, delete or "*".
    pub verb: String,
    /// Plain resource name, optionally with subresource ("pods", "pods/log", "deployments/scale") or "*".
    pub resource: String,
    /// API group ("" core, "apps", "metrics.k8s.io"); absent = any group.
    #[serde(default)]
    pub group: Option<String>,
    /// Namespace; absent = any namespace.
    #[serde(default)]
    pub namespace: Option<String>,
}

/// A rule making matching requests fail with any status (500, 429, 503…): the matcher
/// of a [`ForbidRule`] plus the code and the Status `reason`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FailRule {
    #[serde(flatten)]
    pub matches: ForbidRule,
    pub code: u16,
    /// The Status reason; absent: the usual one for `code` (InternalError, TooManyRequests…).
    #[serde(default)]
    pub reason: Option<String>,
    /// For a 429: the `Retry-After` header and the Status's `details.retryAfterSeconds`,
    /// as the API server's priority and fairness sends them; absent: 1 s.
    #[serde(default)]
    pub retry_after_seconds: Option<u32>,
}

impl ForbidRule {
    /// Every verb on every resource.
    pub fn everything() -> Self {
        ForbidRule {
            verb: "*".into(),
            resource: "*".into(),
            group: None,
            namespace: None,
        }
    }

    pub fn matches(&self, verb: &str, resource: &str, group: &str, ns: Option<&String>) -> bool {
        (self.verb == "*" || self.verb == verb)
            && (self.resource == "*" || self.resource == resource)
            && self.group.as_ref().is_none_or(|g| g == group)
            && self.namespace.as_ref().is_none_or(|n| Some(n) == ns)
    }
}

pub struct Faults {
    pub forbid: Vec<ForbidRule>,
    pub fail: Vec<FailRule>,
    pub latency: Duration,
    pub metrics_enabled: bool,
}

pub struct Timing {
    pub bookmark_interval: Duration,
    pub log_interval: Duration,
    pub metrics_resolution: Duration,
}

pub struct Shared {
    pub store: Mutex<Store>,
    pub cfg: Config,
    pub timing: Timing,
    pub faults: Mutex<Faults>,
    pub counts: Mutex<BTreeMap<String, u64>>,
    /// Every API request answered (bounded): what a test checks to prove nothing mutated.
    pub requests: Mutex<RequestLog>,
    pub token: String,
    pub user: String,
    /// Bumped to make every open watch/log stream end.
    pub drop_tx: watch::Sender<u64>,
    pub shutdown: watch::Sender<bool>,
    pub active_streams: AtomicUsize,
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn store(&self) -> MutexGuard<'_, Store> {
        relock(&self.store)
    }
    pub fn faults(&self) -> MutexGuard<'_, Faults> {
        relock(&self.faults)
    }
    pub fn counts(&self) -> MutexGuard<'_, BTreeMap<String, u64>> {
        relock(&self.counts)
    }
    pub fn requests(&self) -> MutexGuard<'_, RequestLog> {
        relock(&self.requests)
    }
    pub fn log_request(&self, record: RequestRecord) {
        self.requests().push(record);
    }
    pub fn metrics_enabled(&self) -> bool {
        self.faults().metrics_enabled
    }
}
