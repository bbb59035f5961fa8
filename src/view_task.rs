//! The pane-building thread. Every snapshot goes through `app::prebuild` here, so
//! the UI task only swaps finished tables in (`Event::Built`) and a key never waits
//! behind 100,000 pods being grouped and sorted. One thread, not the tokio pool: a
//! build is CPU work that must not hold a worker the collectors need.

use std::sync::Arc;

use tokio::sync::{mpsc, watch};

use crate::app::prebuild::{Prebuilder, ViewPrefs};
use crate::app::{Event, SourceUpdate};
use crate::config::Config;

/// Snapshots waiting for the builder; a full queue makes the forwarders wait, and
/// they then read only their channel's latest value.
const QUEUE: usize = 8;

/// Where the runtime sends snapshots and the screen's filter/sort/clock.
pub struct ViewTask {
    pub snapshots: mpsc::Sender<SourceUpdate>,
    prefs: watch::Sender<ViewPrefs>,
}

impl ViewTask {
    /// Starts the thread; built snapshots come back on `events`.
    pub fn spawn(
        config: Arc<Config>,
        prefs: ViewPrefs,
        events: mpsc::Sender<Event>,
    ) -> std::io::Result<Self> {
        let (snapshots, mut rx) = mpsc::channel::<SourceUpdate>(QUEUE);
        let (prefs, prefs_rx) = watch::channel(prefs);
        std::thread::Builder::new()
            .name("view-builder".into())
            .spawn(move || {
                let mut builder = Prebuilder::new(config);
                while let Some(first) = rx.blocking_recv() {
                    for update in latest_per_source(first, &mut rx) {
                        let now = prefs_rx.borrow().clone();
                        let built = builder.build(update, &now);
                        if events.blocking_send(Event::Built(Box::new(built))).is_err() {
                            return; // the UI is gone
                        }
                    }
                }
            })?;
        Ok(Self { snapshots, prefs })
    }

    /// Tells the builder what the screen shows now (sent only when it changed).
    pub fn set_prefs(&self, now: ViewPrefs) {
        self.prefs.send_if_modified(|p| {
            let changed = *p != now;
            if changed {
                *p = now;
            }
            changed
        });
    }
}

/// `first` and whatever else is queued, keeping only the newest of each source: a
/// build that fell behind skips to the present instead of building every step.
fn latest_per_source(
    first: SourceUpdate,
    rx: &mut mpsc::Receiver<SourceUpdate>,
) -> Vec<SourceUpdate> {
    let mut out = vec![first];
    while let Ok(next) = rx.try_recv() {
        let same = |u: &SourceUpdate| std::mem::discriminant(u) == std::mem::discriminant(&next);
        match out.iter_mut().find(|u| same(u)) {
            Some(slot) => *slot = next,
            None => out.push(next),
        }
    }
    out
}
