//! A reflector store of compact objects: what one watch has delivered, converted as
//! each event arrives, with the first LIST's progress and the watch's last error.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kube::runtime::watcher::{self, Event};
use kube::Resource;

use super::client::describe_watch_error;

/// A watch error is shown until an event proves the watch healthy, or for this long
/// after the last error (the watcher retries at least every 30 s while it fails).
const ERROR_TTL: Duration = Duration::from_secs(40);

/// A reflector store of compact objects keyed by uid.
pub struct Store<T> {
    pub items: HashMap<String, T>,
    buffer: Option<HashMap<String, T>>,
    pub synced: bool,
    pub error: Option<(String, Instant)>,
    pub resource: &'static str,
    pub namespace: Option<String>,
}

impl<T: Clone> Store<T> {
    pub fn new(resource: &'static str, namespace: Option<String>) -> Self {
        Self {
            items: HashMap::new(),
            buffer: None,
            synced: false,
            error: None,
            resource,
            namespace,
        }
    }

    /// Applies one watcher event; returns whether the visible state changed.
    pub fn apply<K: Resource>(
        &mut self,
        event: Result<Event<K>, watcher::Error>,
        convert: impl Fn(&K) -> T,
    ) -> bool {
        let key = |k: &K| {
            let m = k.meta();
            m.uid.clone().unwrap_or_else(|| {
                format!(
                    "{}/{}",
                    m.namespace.as_deref().unwrap_or(""),
                    m.name.as_deref().unwrap_or("")
                )
            })
        };
        let had_error = self.error.is_some();
        match event {
            Err(e) => {
                let msg = describe_watch_error(&e, self.resource, self.namespace.as_deref());
                tracing::warn!(resource = self.resource, error = %e, "watch failed");
                let changed = self.error.as_ref().map(|(m, _)| m) != Some(&msg);
                self.error = Some((msg, Instant::now()));
                return changed || !self.synced;
            }
            Ok(Event::Init) => {
                self.buffer = Some(HashMap::new());
                return had_error;
            }
            Ok(Event::InitApply(k)) => {
                let v = convert(&k);
                self.buffer
                    .get_or_insert_with(HashMap::new)
                    .insert(key(&k), v);
                return false;
            }
            Ok(Event::InitDone) => {
                self.items = self.buffer.take().unwrap_or_default();
                self.synced = true;
            }
            Ok(Event::Apply(k)) => {
                self.items.insert(key(&k), convert(&k));
            }
            Ok(Event::Delete(k)) => {
                self.items.remove(&key(&k));
            }
        }
        self.error = None;
        true
    }

    /// Drops an error that has not been repeated for `ERROR_TTL`; true if it did.
    pub fn expire_error(&mut self, now: Instant) -> bool {
        if self
            .error
            .as_ref()
            .is_some_and(|(_, at)| now.duration_since(*at) > ERROR_TTL)
        {
            self.error = None;
            return true;
        }
        false
    }

    /// Synced, or failed: either way there is something to show.
    pub fn settled(&self) -> bool {
        self.synced || self.error.is_some()
    }

    /// During the first LIST: how many items have arrived so far.
    pub fn loading(&self) -> Option<usize> {
        if self.synced {
            return None;
        }
        self.buffer.as_ref().map(HashMap::len)
    }

    /// What to show: the synced items, or during the first LIST what has arrived.
    fn shown(&self) -> &HashMap<String, T> {
        match &self.buffer {
            Some(b) if !self.synced => b,
            _ => &self.items,
        }
    }

    pub fn values_sorted<K: Ord + ?Sized>(&self, key: impl Fn(&T) -> (&str, &K)) -> Vec<T> {
        let mut v: Vec<T> = self.shown().values().cloned().collect();
        v.sort_by(|a, b| key(a).cmp(&key(b)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Node;

    fn node(name: &str) -> Node {
        let mut n = Node::default();
        n.metadata.name = Some(name.into());
        n.metadata.uid = Some(format!("uid-{name}"));
        n
    }

    #[test]
    fn the_first_list_is_shown_while_it_arrives() {
        let name = |n: &Node| n.metadata.name.clone().unwrap_or_default();
        let mut s: Store<String> = Store::new("nodes", None);
        assert_eq!(s.loading(), None);
        s.apply::<Node>(Ok(Event::Init), name);
        assert_eq!(s.loading(), Some(0));
        s.apply(Ok(Event::InitApply(node("b"))), name);
        s.apply(Ok(Event::InitApply(node("a"))), name);
        assert_eq!(s.loading(), Some(2));
        assert_eq!(s.values_sorted(|v| (v.as_str(), "")), ["a", "b"]);
        assert!(!s.settled());
        s.apply::<Node>(Ok(Event::InitDone), name);
        assert_eq!(s.loading(), None);
        assert!(s.settled());
        // A re-list keeps showing the synced items until it is done.
        s.apply::<Node>(Ok(Event::Init), name);
        s.apply(Ok(Event::InitApply(node("c"))), name);
        assert_eq!(s.loading(), None);
        assert_eq!(s.values_sorted(|v| (v.as_str(), "")), ["a", "b"]);
        s.apply::<Node>(Ok(Event::InitDone), name);
        assert_eq!(s.values_sorted(|v| (v.as_str(), "")), ["c"]);
    }
}
