//! A reflector store of compact objects: what one watch has delivered, converted as
//! each event arrives, with the first LIST's progress and the watch's last error.
//! Objects are kept in the order a snapshot shows them (namespace, then name), so a
//! publish walks the store instead of sorting it.

use std::collections::BTreeMap;
use std::iter::Peekable;
use std::time::{Duration, Instant};

use kube::runtime::watcher::{self, Event};
use kube::Resource;

use super::client::describe_watch_error;

/// A watch error is shown until an event proves the watch healthy, or for this long
/// after the last error (the watcher retries at least every 30 s while it fails).
const ERROR_TTL: Duration = Duration::from_secs(40);

/// Where an object sits in a store, and how metrics find its pod: `namespace NUL name`
/// as one string. It orders exactly as the pair (namespace, name) does, because NUL
/// sorts before every byte a Kubernetes name can hold: a namespace that is a prefix
/// of another still comes first.
pub fn object_key(namespace: &str, name: &str) -> Box<str> {
    let mut key = String::with_capacity(namespace.len() + 1 + name.len());
    key.push_str(namespace);
    key.push('\0');
    key.push_str(name);
    key.into_boxed_str()
}

/// One object of a store. The uid tells a deleted object from the one that replaced
/// it under the same name (a StatefulSet's pod, a pod deleted and created again).
pub struct Entry<T> {
    uid: Option<Box<str>>,
    value: T,
}

type Objects<T> = BTreeMap<Box<str>, Entry<T>>;

/// A LIST as it arrives. An API server lists in key order (etcd's), so objects are
/// appended to `in_order`, and the map is built from it once the LIST is complete:
/// 100,000 pods inserted one at a time into a tree of long `namespace NUL name` keys
/// were 0.4 s of string comparisons in a first sync. One that arrives out of order
/// waits in `stragglers`; what is shown meanwhile merges the two, still in key order.
struct Arriving<T> {
    in_order: Vec<(Box<str>, Entry<T>)>,
    stragglers: Objects<T>,
}

impl<T> Default for Arriving<T> {
    fn default() -> Self {
        Self {
            in_order: Vec::new(),
            stragglers: BTreeMap::new(),
        }
    }
}

impl<T> Arriving<T> {
    fn push(&mut self, key: Box<str>, entry: Entry<T>) {
        if self.in_order.last().is_none_or(|(last, _)| *last < key) {
            self.in_order.push((key, entry));
        } else {
            self.stragglers.insert(key, entry);
        }
    }

    fn len(&self) -> usize {
        self.in_order.len() + self.stragglers.len()
    }

    fn into_objects(self) -> Objects<T> {
        // Sorted already, the sort is one pass over `in_order`.
        self.in_order.into_iter().chain(self.stragglers).collect()
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = (&str, &mut Entry<T>)> {
        let in_order = self.in_order.iter_mut().map(|(k, e)| (&**k, e));
        in_order.chain(self.stragglers.iter_mut().map(|(k, e)| (&**k, e)))
    }
}

/// A reflector store of compact objects keyed by namespace and name.
pub struct Store<T> {
    items: Objects<T>,
    /// A (re-)LIST in progress: it replaces `items` when it is complete.
    buffer: Option<Arriving<T>>,
    pub synced: bool,
    pub error: Option<(String, Instant)>,
    pub resource: &'static str,
    pub namespace: Option<String>,
}

impl<T> Store<T> {
    pub fn new(resource: &'static str, namespace: Option<String>) -> Self {
        Self {
            items: BTreeMap::new(),
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
        convert: impl Fn(K) -> T,
    ) -> bool {
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
                self.buffer = Some(Arriving::default());
                return had_error;
            }
            Ok(Event::InitApply(k)) => {
                let (key, entry) = keyed(k, &convert);
                self.buffer
                    .get_or_insert_with(Arriving::default)
                    .push(key, entry);
                return false;
            }
            Ok(Event::InitDone) => {
                self.items = self.buffer.take().unwrap_or_default().into_objects();
                self.synced = true;
            }
            Ok(Event::Apply(k)) => {
                // Same name, new uid: the object was made again; its predecessor is gone.
                let (key, entry) = keyed(k, &convert);
                self.items.insert(key, entry);
            }
            Ok(Event::Delete(k)) => {
                let m = k.meta();
                let key = object_key(
                    m.namespace.as_deref().unwrap_or(""),
                    m.name.as_deref().unwrap_or(""),
                );
                // A late delete of a predecessor must not remove the object that replaced it.
                let same = |e: &Entry<T>| match (&e.uid, &m.uid) {
                    (Some(held), Some(gone)) => **held == **gone,
                    _ => true,
                };
                if self.items.get(&key).is_some_and(same) {
                    self.items.remove(&key);
                }
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
        self.buffer.as_ref().map(Arriving::len)
    }

    /// What to show, by namespace then name, each with its `object_key`: the synced
    /// items, or during the first LIST what has arrived (in the server's order).
    pub fn keyed_values(&self) -> Shown<'_, T> {
        match &self.buffer {
            Some(b) if !self.synced => Shown::Arriving {
                in_order: b.in_order.iter().peekable(),
                stragglers: b.stragglers.iter().peekable(),
            },
            _ => Shown::Synced(self.items.iter()),
        }
    }

    /// What to show, by namespace then name.
    pub fn values(&self) -> impl ExactSizeIterator<Item = &T> {
        self.keyed_values().map(|(_, v)| v)
    }

    /// Changes every object in place, with its `object_key` (the re-LIST still arriving
    /// too): how a metrics round writes each pod's usage beside it.
    pub fn update_each(&mut self, mut change: impl FnMut(&str, &mut T)) {
        for (key, entry) in self.items.iter_mut() {
            change(key, &mut entry.value);
        }
        for (key, entry) in self.buffer.iter_mut().flat_map(Arriving::iter_mut) {
            change(key, &mut entry.value);
        }
    }

    /// The items of the last complete LIST and the events since (nothing of a first
    /// LIST still arriving).
    pub fn synced_values(&self) -> impl ExactSizeIterator<Item = &T> {
        self.items.values().map(|e| &e.value)
    }
}

/// What a store shows (see `Store::keyed_values`).
pub enum Shown<'a, T> {
    Synced(std::collections::btree_map::Iter<'a, Box<str>, Entry<T>>),
    Arriving {
        in_order: Peekable<std::slice::Iter<'a, (Box<str>, Entry<T>)>>,
        stragglers: Peekable<std::collections::btree_map::Iter<'a, Box<str>, Entry<T>>>,
    },
}

impl<'a, T> Iterator for Shown<'a, T> {
    type Item = (&'a str, &'a T);

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Shown::Synced(it) => it.next().map(|(k, e)| (&**k, &e.value)),
            Shown::Arriving {
                in_order,
                stragglers,
            } => {
                let straggler_first = match (in_order.peek(), stragglers.peek()) {
                    (Some(a), Some(b)) => *b.0 < a.0,
                    (None, Some(_)) => true,
                    _ => false,
                };
                if straggler_first {
                    stragglers.next().map(|(k, e)| (&**k, &e.value))
                } else {
                    in_order.next().map(|(k, e)| (&**k, &e.value))
                }
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let len = match self {
            Shown::Synced(it) => it.len(),
            Shown::Arriving {
                in_order,
                stragglers,
            } => in_order.len() + stragglers.len(),
        };
        (len, Some(len))
    }
}

impl<T> ExactSizeIterator for Shown<'_, T> {}

/// An object's key and entry in a store: the key and uid read first, so that
/// `convert` can take the object apart (move its strings instead of copying them).
fn keyed<K: Resource, T>(k: K, convert: impl Fn(K) -> T) -> (Box<str>, Entry<T>) {
    let m = k.meta();
    let key = object_key(
        m.namespace.as_deref().unwrap_or(""),
        m.name.as_deref().unwrap_or(""),
    );
    let uid = m.uid.as_deref().map(Box::from);
    (
        key,
        Entry {
            uid,
            value: convert(k),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Node, Pod};
    use std::collections::HashMap;

    fn node(name: &str) -> Node {
        let mut n = Node::default();
        n.metadata.name = Some(name.into());
        n.metadata.uid = Some(format!("uid-{name}"));
        n
    }

    fn pod(namespace: &str, name: &str, uid: &str, version: u32) -> Pod {
        let mut p = Pod::default();
        p.metadata.namespace = Some(namespace.into());
        p.metadata.name = Some(name.into());
        p.metadata.uid = Some(uid.into());
        p.metadata.resource_version = Some(version.to_string());
        p
    }

    /// What a pod becomes in the store: enough to see which object and which version.
    fn shown(p: Pod) -> String {
        describe(&p)
    }

    fn describe(p: &Pod) -> String {
        let m = &p.metadata;
        format!(
            "{}/{} {} v{}",
            m.namespace.as_deref().unwrap_or(""),
            m.name.as_deref().unwrap_or(""),
            m.uid.as_deref().unwrap_or(""),
            m.resource_version.as_deref().unwrap_or("")
        )
    }

    fn names(s: &Store<String>) -> Vec<String> {
        s.values().cloned().collect()
    }

    #[test]
    fn the_first_list_is_shown_while_it_arrives() {
        let name = |n: Node| n.metadata.name.unwrap_or_default();
        let mut s: Store<String> = Store::new("nodes", None);
        assert_eq!(s.loading(), None);
        s.apply::<Node>(Ok(Event::Init), name);
        assert_eq!(s.loading(), Some(0));
        s.apply(Ok(Event::InitApply(node("b"))), name);
        s.apply(Ok(Event::InitApply(node("a"))), name);
        assert_eq!(s.loading(), Some(2));
        assert_eq!(names(&s), ["a", "b"]);
        assert_eq!(s.synced_values().count(), 0);
        assert!(!s.settled());
        s.apply::<Node>(Ok(Event::InitDone), name);
        assert_eq!(s.loading(), None);
        assert!(s.settled());
        // A re-list keeps showing the synced items until it is done.
        s.apply::<Node>(Ok(Event::Init), name);
        s.apply(Ok(Event::InitApply(node("c"))), name);
        assert_eq!(s.loading(), None);
        assert_eq!(names(&s), ["a", "b"]);
        s.apply::<Node>(Ok(Event::InitDone), name);
        assert_eq!(names(&s), ["c"]);
    }

    #[test]
    fn a_list_arriving_partly_out_of_order_is_shown_and_kept_in_key_order() {
        let name = |n: Node| n.metadata.name.unwrap_or_default();
        let mut s: Store<String> = Store::new("nodes", None);
        s.apply::<Node>(Ok(Event::Init), name);
        for n in ["c", "a", "d", "b", "e"] {
            s.apply(Ok(Event::InitApply(node(n))), name);
        }
        assert_eq!(s.loading(), Some(5));
        assert_eq!(s.values().len(), 5);
        assert_eq!(names(&s), ["a", "b", "c", "d", "e"]);
        // A metrics round while the list arrives reaches every object, in order or not.
        s.update_each(|key, v| v.push_str(&format!("@{key}")));
        assert_eq!(names(&s), ["a@\0a", "b@\0b", "c@\0c", "d@\0d", "e@\0e"]);
        s.apply::<Node>(Ok(Event::InitDone), name);
        assert_eq!(s.loading(), None);
        assert_eq!(names(&s), ["a@\0a", "b@\0b", "c@\0c", "d@\0d", "e@\0e"]);
    }

    #[test]
    fn objects_come_out_by_namespace_then_name_whatever_order_they_arrived_in() {
        let mut s: Store<String> = Store::new("pods", None);
        s.apply::<Pod>(Ok(Event::Init), shown);
        s.apply::<Pod>(Ok(Event::InitDone), shown);
        // "kit" is a prefix of "kitops": all of "kit" comes first, as in (namespace, name).
        for (ns, name) in [
            ("kitops", "b"),
            ("kit", "z"),
            ("kitops", "a"),
            ("default", "web-2"),
            ("kit", "a-b"),
            ("kitops", "a-"),
            ("default", "web-10"),
        ] {
            s.apply(
                Ok(Event::Apply(pod(ns, name, &format!("{ns}.{name}"), 1))),
                shown,
            );
        }
        let order: Vec<String> = s
            .values()
            .map(|v| v.split(' ').next().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            order,
            [
                "default/web-10",
                "default/web-2",
                "kit/a-b",
                "kit/z",
                "kitops/a",
                "kitops/a-",
                "kitops/b"
            ]
        );
        let keys: Vec<&str> = s.keyed_values().map(|(k, _)| k).collect();
        assert_eq!(keys[2], &*object_key("kit", "a-b"));
    }

    #[test]
    fn a_pod_made_again_under_its_name_is_not_removed_by_its_predecessors_delete() {
        let mut s: Store<String> = Store::new("pods", None);
        s.apply::<Pod>(Ok(Event::Init), shown);
        s.apply(Ok(Event::InitApply(pod("kitops", "db-0", "old", 1))), shown);
        s.apply(Ok(Event::InitApply(pod("kitops", "web", "w", 1))), shown);
        s.apply::<Pod>(Ok(Event::InitDone), shown);
        // The new db-0 is seen before the old one's delete.
        s.apply(Ok(Event::Apply(pod("kitops", "db-0", "new", 2))), shown);
        s.apply(Ok(Event::Delete(pod("kitops", "db-0", "old", 3))), shown);
        assert_eq!(names(&s), ["kitops/db-0 new v2", "kitops/web w v1"]);
        s.apply(Ok(Event::Delete(pod("kitops", "db-0", "new", 4))), shown);
        assert_eq!(names(&s), ["kitops/web w v1"]);
        // In the usual order: delete, then made again.
        s.apply(Ok(Event::Delete(pod("kitops", "web", "w", 5))), shown);
        s.apply(Ok(Event::Apply(pod("kitops", "web", "w2", 6))), shown);
        assert_eq!(names(&s), ["kitops/web w2 v6"]);
    }

    #[test]
    fn a_relist_replaces_what_it_no_longer_lists() {
        let mut s: Store<String> = Store::new("pods", None);
        s.apply::<Pod>(Ok(Event::Init), shown);
        s.apply(Ok(Event::InitApply(pod("a", "1", "u1", 1))), shown);
        s.apply(Ok(Event::InitApply(pod("a", "2", "u2", 1))), shown);
        s.apply::<Pod>(Ok(Event::InitDone), shown);
        // Watch lost (410): the re-list no longer has a/1 and has a new a/2 and a/0.
        s.apply::<Pod>(Ok(Event::Init), shown);
        s.apply(Ok(Event::InitApply(pod("a", "2", "u2b", 9))), shown);
        s.apply(Ok(Event::InitApply(pod("a", "0", "u0", 9))), shown);
        assert_eq!(names(&s), ["a/1 u1 v1", "a/2 u2 v1"]);
        s.apply::<Pod>(Ok(Event::InitDone), shown);
        assert_eq!(names(&s), ["a/0 u0 v9", "a/2 u2b v9"]);
    }

    /// A tiny deterministic generator (no dependency, same run every time).
    struct Lcg(u64);
    impl Lcg {
        fn below(&mut self, n: usize) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n as u64) as usize
        }
    }

    #[test]
    fn after_any_run_of_events_the_store_holds_the_live_pods_sorted_by_namespace_and_name() {
        let namespaces = ["kit", "kitops", "default", "kitops-a", "k"];
        let names = ["web", "web-1", "web-10", "web-2", "db-0", "a", "z", "web-"];
        let mut rng = Lcg(14);
        let mut s: Store<String> = Store::new("pods", None);
        s.apply::<Pod>(Ok(Event::Init), shown);
        s.apply::<Pod>(Ok(Event::InitDone), shown);
        // The cluster as the API server has it: uid → pod.
        let mut live: HashMap<String, Pod> = HashMap::new();
        let mut next_uid = 0u32;
        for version in 1..3000u32 {
            let ns = namespaces[rng.below(namespaces.len())];
            let name = names[rng.below(names.len())];
            let existing = live
                .iter()
                .find(|(_, p)| {
                    p.metadata.namespace.as_deref() == Some(ns)
                        && p.metadata.name.as_deref() == Some(name)
                })
                .map(|(uid, _)| uid.clone());
            match (existing, rng.below(3)) {
                (Some(uid), 0) => {
                    let gone = pod(ns, name, &uid, version);
                    live.remove(&uid);
                    s.apply(Ok(Event::Delete(gone)), shown);
                }
                (Some(uid), _) => {
                    let changed = pod(ns, name, &uid, version);
                    live.insert(uid, changed.clone());
                    s.apply(Ok(Event::Apply(changed)), shown);
                }
                (None, _) => {
                    next_uid += 1;
                    let uid = format!("u{next_uid}");
                    let made = pod(ns, name, &uid, version);
                    live.insert(uid, made.clone());
                    s.apply(Ok(Event::Apply(made)), shown);
                }
            }
            // What publishing used to do: every live pod, sorted by (namespace, name).
            if version % 100 == 0 {
                let mut expected: Vec<&Pod> = live.values().collect();
                expected.sort_by_key(|p| (p.metadata.namespace.clone(), p.metadata.name.clone()));
                let expected: Vec<String> = expected.into_iter().map(describe).collect();
                assert_eq!(names_of(&s), expected, "after {version} events");
            }
        }
        assert!(s.values().len() > 10, "the run kept pods alive");
    }

    fn names_of(s: &Store<String>) -> Vec<String> {
        s.values().cloned().collect()
    }
}
