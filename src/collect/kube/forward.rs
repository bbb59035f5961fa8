//! A watch polled on a task of its own. kube-rs's watcher decodes a page of its first
//! LIST when it is polled; polled from the watch loop, the decoding of the next page
//! and the loop's work on the last one (converting and filing 500 pods) take turns on
//! one core, and a sync of 100,000 pods is the sum of both. Polled here, the watcher
//! decodes page N+1 on one worker while the loop files page N on the other, and the
//! events cross over a page at a time.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream};
use futures::StreamExt;
use kube::runtime::watcher::{self, Event};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::client::watch_throttled_for;

/// Events handed over at once: everything the watcher has ready, up to a page and
/// its end (an API server's page is 500 objects).
const BATCH: usize = 512;
/// Batches waiting for the loop. The watcher runs at most this far ahead, so a loop
/// that is busy holds back the requests as a loop polling the watcher itself would.
const WAITING: usize = 2;

pub type WatchEvent<K> = Result<Event<K>, watcher::Error>;

/// The events of a watch running on its own task, in batches. Dropping it stops the
/// watch (its request is dropped with the task, also when it hangs).
pub struct Forwarded<K> {
    batches: mpsc::Receiver<Vec<WatchEvent<K>>>,
    task: JoinHandle<()>,
}

/// Starts `watch` on a task of its own.
pub fn forward<K: Send + 'static>(watch: BoxStream<'static, WatchEvent<K>>) -> Forwarded<K> {
    let (tx, batches) = mpsc::channel(WAITING);
    let task = tokio::spawn(async move {
        let mut ready = watch.ready_chunks(BATCH);
        while let Some(batch) = ready.next().await {
            // A 429 is answered by not asking again before its Retry-After (`Throttle`):
            // the watcher asks again as soon as it is polled, so it is not polled.
            let throttled = batch
                .iter()
                .filter_map(|ev| ev.as_ref().err())
                .filter_map(watch_throttled_for)
                .max();
            if tx.send(batch).await.is_err() {
                return;
            }
            if let Some(wait) = throttled {
                tokio::time::sleep(wait).await;
            }
        }
    });
    Forwarded { batches, task }
}

impl<K> Drop for Forwarded<K> {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl<K> Stream for Forwarded<K> {
    type Item = Vec<WatchEvent<K>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.batches.poll_recv(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn status(code: u16, retry_after: Option<u32>) -> watcher::Error {
        let mut s = serde_json::json!({"code": code, "message": "no"});
        if let Some(secs) = retry_after {
            s["details"] = serde_json::json!({ "retryAfterSeconds": secs });
        }
        let status: kube::core::Status = serde_json::from_value(s).unwrap_or_default();
        watcher::Error::WatchStartFailed(kube::Error::Api(Box::new(status)))
    }

    #[tokio::test]
    async fn events_arrive_in_order_in_batches_and_the_task_ends_with_the_watch() {
        let events: Vec<WatchEvent<u32>> = std::iter::once(Ok(Event::Init))
            .chain((0..1200).map(|i| Ok(Event::InitApply(i))))
            .chain(std::iter::once(Ok(Event::InitDone)))
            .collect();
        let mut f = forward(futures::stream::iter(events).boxed());
        let mut seen = Vec::new();
        let mut batches = 0;
        while let Some(batch) = f.next().await {
            batches += 1;
            assert!(batch.len() <= BATCH);
            for ev in batch {
                match ev {
                    Ok(Event::InitApply(i)) => seen.push(i),
                    Ok(Event::Init | Event::InitDone) => {}
                    other => panic!("unexpected {other:?}"),
                }
            }
        }
        assert_eq!(seen, (0..1200).collect::<Vec<_>>());
        assert!(batches >= 3, "{batches} batches for 1,202 events");
    }

    #[tokio::test]
    async fn after_a_429_the_watch_is_not_polled_before_its_retry_after() {
        // Each answer comes 100 ms after the watch is polled for it (as kube-rs's
        // backoff waits before its next request): when was each one asked for?
        let start = tokio::time::Instant::now();
        let answers = vec![
            Err(status(429, Some(2))),
            Err(status(500, None)),
            Ok(Event::InitDone),
        ];
        let watch = futures::stream::unfold(answers.into_iter(), move |mut left| async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let asked = start.elapsed();
            left.next().map(|answer| ((asked, answer), left))
        });
        let (asked_tx, asked_rx) = std::sync::mpsc::channel();
        let watch = watch
            .map(move |(asked, answer)| {
                let _ = asked_tx.send(asked);
                answer
            })
            .boxed();
        let mut f = forward::<u32>(watch);
        while f.next().await.is_some() {}
        let at: Vec<Duration> = asked_rx.try_iter().collect();
        assert_eq!(at.len(), 3);
        assert!(
            at[1] >= Duration::from_secs(2),
            "asked again at {:?}",
            at[1]
        );
        assert!(
            at[2] - at[1] < Duration::from_secs(1),
            "a 500 waits for nothing"
        );
    }

    #[tokio::test]
    async fn dropping_it_stops_a_watch_that_never_answers() {
        let dropped = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        struct Flag(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let flag = Flag(dropped.clone());
        let hung = futures::stream::pending::<WatchEvent<u32>>().map(move |ev| {
            let _ = &flag;
            ev
        });
        let f = forward(hung.boxed());
        tokio::task::yield_now().await;
        drop(f);
        for _ in 0..100 {
            if dropped.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            tokio::task::yield_now().await;
        }
        panic!("the hung watch was not dropped");
    }
}
