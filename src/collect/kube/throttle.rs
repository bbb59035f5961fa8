//! A throttled watch waits as long as the API server asked. kube-rs's watcher retries a
//! failed request by its own backoff (from 0.8 s) the next time it is polled; a watch
//! the server answered with 429 is simply not polled again until its Retry-After has
//! passed, so the next request goes out no sooner than the server wants it.

use std::time::Instant;

use kube::runtime::watcher;

use super::client::watch_throttled_for;

/// The watches the loop polls itself, by index in `Throttle` (the pods' watch runs on
/// a task of its own, which waits for a Retry-After itself: `forward`).
#[derive(Debug, Clone, Copy)]
pub enum WatchId {
    Deployments,
    ReplicaSets,
    Nodes,
    Events,
}

/// When each watch may be polled again.
#[derive(Debug, Default)]
pub struct Throttle {
    until: [Option<Instant>; 4],
}

impl Throttle {
    /// Whether `id` may be polled now.
    pub fn open(&self, id: WatchId) -> bool {
        self.until[id as usize].is_none_or(|t| Instant::now() >= t)
    }

    /// Notes what `id` just yielded: a 429 closes it for the server's Retry-After.
    pub fn note<T>(&mut self, id: WatchId, ev: &Result<T, watcher::Error>) {
        self.until[id as usize] = match ev {
            Err(e) => watch_throttled_for(e).map(|wait| Instant::now() + wait),
            Ok(_) => None,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn status(json: serde_json::Value) -> Box<kube::core::Status> {
        Box::new(serde_json::from_value(json).unwrap_or_default())
    }

    fn throttled(retry_after: Option<u32>) -> watcher::Error {
        let mut s = serde_json::json!({"code": 429, "reason": "TooManyRequests",
            "message": "too many requests, please try again later"});
        if let Some(secs) = retry_after {
            s["details"] = serde_json::json!({ "retryAfterSeconds": secs });
        }
        watcher::Error::WatchStartFailed(kube::Error::Api(status(s)))
    }

    #[test]
    fn a_429_closes_the_watch_for_its_retry_after_and_says_so() {
        let e = throttled(Some(3));
        assert_eq!(watch_throttled_for(&e), Some(Duration::from_secs(3)));
        assert_eq!(
            super::super::client::describe_watch_error(&e, "pods", Some("kitops")),
            "throttled (429) on watch pods, retrying in 3s"
        );
        let mut t = Throttle::default();
        t.note::<()>(WatchId::Events, &Err(e));
        assert!(!t.open(WatchId::Events));
        assert!(t.open(WatchId::Nodes), "only the throttled watch waits");
        t.note(WatchId::Events, &Ok(()));
        assert!(t.open(WatchId::Events));
    }

    #[test]
    fn a_missing_or_absurd_retry_after_is_bounded() {
        assert_eq!(
            watch_throttled_for(&throttled(None)),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            watch_throttled_for(&throttled(Some(0))),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            watch_throttled_for(&throttled(Some(86_400))),
            Some(Duration::from_secs(60))
        );
        let other = watcher::Error::WatchStartFailed(kube::Error::Api(status(
            serde_json::json!({"code": 500, "message": "boom"}),
        )));
        assert_eq!(watch_throttled_for(&other), None);
    }
}
