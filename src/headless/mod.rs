//! Headless modes: the same collectors and pane builders, printed instead of drawn.

pub mod doctor;
pub mod record;
pub mod session_recorder;
pub mod snapshot;
pub mod timeline;

use std::time::{Duration, Instant};

use crate::collect::{CollectError, Collector};

/// One source's one-shot result, as both headless modes see it.
pub enum Probe<T> {
    Unconfigured(String),
    Ok { data: T, latency: Duration },
    Failed { error: String, latency: Duration },
}

/// Runs one collection round bounded by `timeout`: the exact call a pane's collector makes.
pub async fn probe<C: Collector>(mut collector: C, timeout: Duration) -> Probe<C::Data> {
    probe_future(collector.collect(), timeout).await
}

pub async fn probe_future<T>(
    fut: impl std::future::Future<Output = Result<T, CollectError>>,
    timeout: Duration,
) -> Probe<T> {
    let started = Instant::now();
    let result = tokio::time::timeout(timeout, fut)
        .await
        .unwrap_or(Err(CollectError::Timeout(timeout)));
    let latency = started.elapsed();
    match result {
        Ok(data) => Probe::Ok { data, latency },
        Err(e) => Probe::Failed {
            error: e.to_string(),
            latency,
        },
    }
}
