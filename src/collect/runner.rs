//! The polling loop shared by every interval-driven collector.

use std::time::{Duration, SystemTime};

use std::sync::Arc;
use tokio::sync::{watch, Notify};

use super::backoff::Backoff;
use super::{CollectError, Collector, Snapshot};

/// Shared controls every collector honours: pause and refresh-now.
#[derive(Clone)]
pub struct Controls {
    pub paused: watch::Receiver<bool>,
    pub refresh_now: Arc<Notify>,
}

impl Controls {
    /// Controls that are never paused; for headless modes and tests.
    pub fn free_running() -> (watch::Sender<bool>, Self) {
        let (tx, rx) = watch::channel(false);
        (
            tx,
            Self {
                paused: rx,
                refresh_now: Arc::new(Notify::new()),
            },
        )
    }
}

/// Longest a failing source waits between retries.
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);

/// Runs `collector` every `every` (each round bounded by `timeout`), publishing each
/// result. Failures keep the last good data and back off exponentially.
pub fn spawn_poller<C: Collector>(
    mut collector: C,
    every: Duration,
    timeout: Duration,
    controls: Controls,
) -> watch::Receiver<Snapshot<C::Data>> {
    let (tx, rx) = watch::channel(Snapshot::loading());
    tokio::spawn(async move {
        let mut backoff = Backoff::new(every, BACKOFF_CAP.max(every));
        let mut paused = controls.paused.clone();
        loop {
            while *paused.borrow() {
                if paused.changed().await.is_err() {
                    return;
                }
            }
            let result = match tokio::time::timeout(timeout, collector.collect()).await {
                Ok(r) => r,
                Err(_) => Err(CollectError::Timeout(timeout)),
            };
            let next = match result {
                Ok(data) => {
                    backoff.succeeded();
                    Snapshot::live(data, SystemTime::now())
                }
                Err(e) => {
                    backoff.failed();
                    tracing::warn!(source = collector.name(), error = %e, "collection failed");
                    tx.borrow().failed(e.to_string())
                }
            };
            if tx.send(next).is_err() {
                return; // nobody listens any more: the console is shutting down
            }
            tokio::select! {
                _ = tokio::time::sleep(backoff.next_delay()) => {}
                _ = controls.refresh_now.notified() => {}
            }
        }
    });
    rx
}
