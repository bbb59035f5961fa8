//! Collectors: one tokio task per source, each publishing immutable snapshots on a
//! `watch` channel so a slow UI only ever reads the latest value, never a backlog.

pub mod aws;
pub mod backoff;
pub mod deps;
pub mod host;
pub mod kube;
pub mod postgres;
pub mod redis;
pub mod replay;
pub mod runner;
pub mod sources;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

pub use runner::{spawn_poller, Controls};

/// What a pane knows about its source, independent of the data itself.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", content = "detail", rename_all = "snake_case")]
pub enum SourceStatus {
    /// Connecting for the first time; nothing to show yet.
    Loading,
    /// The last collection succeeded.
    Live,
    /// The last collection failed; `data` (if any) is the last good one.
    Error(String),
    /// The source is not configured; the text names the flag or config key that enables it.
    Unconfigured(String),
}

/// One immutable collection result. Cloning is cheap: the data is shared.
#[derive(Debug)]
pub struct Snapshot<T> {
    pub data: Option<Arc<T>>,
    /// When `data` was fetched (wall clock, so ages survive a suspend).
    pub fetched_at: Option<SystemTime>,
    pub status: SourceStatus,
}

impl<T> Clone for Snapshot<T> {
    fn clone(&self) -> Self {
        Self {
            data: self.data.clone(),
            fetched_at: self.fetched_at,
            status: self.status.clone(),
        }
    }
}

impl<T> Snapshot<T> {
    pub fn loading() -> Self {
        Self {
            data: None,
            fetched_at: None,
            status: SourceStatus::Loading,
        }
    }

    pub fn unconfigured(hint: impl Into<String>) -> Self {
        Self {
            data: None,
            fetched_at: None,
            status: SourceStatus::Unconfigured(hint.into()),
        }
    }

    pub fn live(data: T, at: SystemTime) -> Self {
        Self {
            data: Some(Arc::new(data)),
            fetched_at: Some(at),
            status: SourceStatus::Live,
        }
    }

    /// Keeps the last good data and its timestamp so the pane can show how stale it is.
    pub fn failed(&self, message: impl Into<String>) -> Self {
        Self {
            data: self.data.clone(),
            fetched_at: self.fetched_at,
            status: SourceStatus::Error(message.into()),
        }
    }
}

/// A typed collection failure; rendered as one line in the source's pane.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("connect: {0}")]
    Connect(String),
    #[error("auth: {0}")]
    Auth(String),
    #[error("permission: {0}")]
    Permission(String),
    #[error("{0}")]
    Query(String),
}

/// A source polled on an interval. Watch-based sources (Kubernetes) publish on
/// their own but honour the same `watch::Receiver<Snapshot<T>>` contract.
pub trait Collector: Send + 'static {
    type Data: Send + Sync + 'static;

    /// Short name used in logs, `doctor` and `snapshot` output.
    fn name(&self) -> &'static str;

    /// One collection round. The runner wraps it in a timeout and backs off on error.
    fn collect(
        &mut self,
    ) -> impl std::future::Future<Output = Result<Self::Data, CollectError>> + Send;
}
