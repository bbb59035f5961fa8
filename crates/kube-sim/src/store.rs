//! Object store with a global resourceVersion, bounded event history and a live event feed.
//! Objects are kept as [`StoredObject`]s (their JSON encoded once per change, plus indexed
//! fields), shared by `Arc` between the store, the watch history and pages being served.

pub use crate::stored::StoredObject;
use crate::util;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::ops::Bound;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Kind {
    Namespace,
    Node,
    Pod,
    Event,
    Deployment,
    ReplicaSet,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Namespace,
        Kind::Node,
        Kind::Pod,
        Kind::Event,
        Kind::Deployment,
        Kind::ReplicaSet,
    ];

    pub fn from_resource(group: &str, res: &str) -> Option<Kind> {
        Kind::ALL
            .into_iter()
            .find(|k| k.group() == group && k.resource() == res)
    }
    pub fn resource(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::Node => "nodes",
            Kind::Pod => "pods",
            Kind::Event => "events",
            Kind::Deployment => "deployments",
            Kind::ReplicaSet => "replicasets",
        }
    }
    pub fn kind(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::Node => "Node",
            Kind::Pod => "Pod",
            Kind::Event => "Event",
            Kind::Deployment => "Deployment",
            Kind::ReplicaSet => "ReplicaSet",
        }
    }
    pub fn group(self) -> &'static str {
        match self {
            Kind::Deployment | Kind::ReplicaSet => "apps",
            _ => "",
        }
    }
    pub fn api_version(self) -> &'static str {
        match self {
            Kind::Deployment | Kind::ReplicaSet => "apps/v1",
            _ => "v1",
        }
    }
    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Namespace | Kind::Node)
    }
}

pub struct WatchEvent {
    pub rv: u64,
    pub kind: Kind,
    pub etype: &'static str,
    pub obj: Arc<StoredObject>,
    /// The object before this change (for DELETED: as it was when deleted).
    pub old: Option<Arc<StoredObject>>,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Fault {
    CrashLoopBackOff,
    ImagePullBackOff,
    Unschedulable,
}

/// Simulation-only state of a pod (not part of the API object).
pub struct PodSim {
    pub ns: String,
    pub name: String,
    pub created: Duration,
    pub started: Option<Duration>,
    pub ready_at: Option<Instant>,
    pub delete_at: Option<Instant>,
    pub restarts: u32,
    pub fault: Option<Fault>,
    /// (reason, exitCode, finishedAt)
    pub last_term: Option<(String, i32, Duration)>,
    pub ip: String,
}

impl PodSim {
    pub fn ready(&self) -> bool {
        self.started.is_some() && self.fault.is_none() && self.delete_at.is_none()
    }
}

/// (namespace, name); namespace "" when cluster-scoped. Keys sort as etcd's do, so a
/// continue token resumes with one B-tree seek.
pub type Key = (String, String);

pub type Objects = BTreeMap<Key, Arc<StoredObject>>;

pub struct Store {
    objs: HashMap<Kind, Objects>,
    pub rv: u64,
    history: VecDeque<Arc<WatchEvent>>,
    pub history_cap: usize,
    /// Watches starting before this resourceVersion get 410 Gone.
    pub compacted_rv: u64,
    pub tx: broadcast::Sender<Arc<WatchEvent>>,
    pub pods: HashMap<String, PodSim>,
    counter: u64,
    pub seed: u64,
    pub record: bool,
}

impl Store {
    pub fn new(seed: u64, history_cap: usize) -> Store {
        let (tx, _) = broadcast::channel(65536);
        Store {
            objs: HashMap::new(),
            rv: 1,
            history: VecDeque::new(),
            history_cap: history_cap.max(1),
            compacted_rv: 0,
            tx,
            pods: HashMap::new(),
            counter: 0,
            seed,
            record: true,
        }
    }

    pub fn object(&self, kind: Kind, ns: &str, name: &str) -> Option<&Arc<StoredObject>> {
        self.objs
            .get(&kind)?
            .get(&(ns.to_string(), name.to_string()))
    }

    /// The object parsed into a tree the caller may change.
    pub fn get(&self, kind: Kind, ns: &str, name: &str) -> Option<Value> {
        self.object(kind, ns, name).map(|o| o.value())
    }

    pub fn contains(&self, kind: Kind, ns: &str, name: &str) -> bool {
        self.object(kind, ns, name).is_some()
    }

    /// Objects of a kind in key order, optionally of one namespace (a range, not a scan).
    pub fn list<'a>(
        &'a self,
        kind: Kind,
        ns: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Arc<StoredObject>> + 'a {
        let lower = match ns {
            Some(n) => Bound::Included((n.to_string(), String::new())),
            None => Bound::Unbounded,
        };
        self.objs
            .get(&kind)
            .into_iter()
            .flat_map(move |m| m.range((lower.clone(), Bound::Unbounded)))
            .take_while(move |(k, _)| ns.is_none_or(|n| k.0 == n))
            .map(|(_, o)| o)
    }

    /// Objects of a kind parsed into trees (for the few kinds with few objects).
    pub fn values(&self, kind: Kind, ns: Option<&str>) -> Vec<Value> {
        self.list(kind, ns).map(|o| o.value()).collect()
    }

    /// All objects of a kind in key order.
    pub fn objects(&self, kind: Kind) -> Option<&Objects> {
        self.objs.get(&kind)
    }

    pub fn count(&self, kind: Kind) -> usize {
        self.objs.get(&kind).map_or(0, |m| m.len())
    }

    pub fn rand(&mut self) -> u64 {
        self.counter += 1;
        util::mix64(self.seed ^ util::mix64(self.counter))
    }

    pub fn next_uid(&mut self) -> String {
        let r = self.rand();
        util::uid_from(r)
    }

    /// Create or replace an object; assigns a new resourceVersion, encodes it once and
    /// emits ADDED/MODIFIED. Returns the object as stored.
    pub fn upsert(&mut self, kind: Kind, mut obj: Value) -> Value {
        util::strip_nulls(&mut obj);
        self.rv += 1;
        let rv = self.rv;
        obj["metadata"]["resourceVersion"] = Value::String(rv.to_string());
        obj["kind"] = Value::String(kind.kind().into());
        obj["apiVersion"] = Value::String(kind.api_version().into());
        let stored = Arc::new(StoredObject::new(&obj, rv));
        let key = (stored.namespace.clone(), stored.name.clone());
        let old = self
            .objs
            .entry(kind)
            .or_default()
            .insert(key, stored.clone());
        let etype = if old.is_some() { "MODIFIED" } else { "ADDED" };
        self.emit(kind, etype, stored, old);
        obj
    }

    pub fn remove(&mut self, kind: Kind, ns: &str, name: &str) -> Option<Value> {
        let before = self
            .objs
            .get_mut(&kind)?
            .remove(&(ns.to_string(), name.to_string()))?;
        if kind == Kind::Pod {
            self.pods.remove(&before.uid);
        }
        self.rv += 1;
        let mut obj = before.value();
        obj["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        let gone = Arc::new(StoredObject::new(&obj, self.rv));
        // `old` lets a paged LIST pinned to an earlier resourceVersion see the object as it was.
        self.emit(kind, "DELETED", gone, Some(before));
        Some(obj)
    }

    fn emit(
        &mut self,
        kind: Kind,
        etype: &'static str,
        obj: Arc<StoredObject>,
        old: Option<Arc<StoredObject>>,
    ) {
        if !self.record {
            self.compacted_rv = self.rv;
            return;
        }
        let ev = Arc::new(WatchEvent {
            rv: self.rv,
            kind,
            etype,
            obj,
            old,
        });
        self.history.push_back(ev.clone());
        while self.history.len() > self.history_cap {
            if let Some(e) = self.history.pop_front() {
                self.compacted_rv = e.rv;
            }
        }
        let _ = self.tx.send(ev);
    }

    /// Drop all history: watches from any resourceVersion older than now get 410.
    pub fn compact(&mut self) -> u64 {
        self.history.clear();
        self.compacted_rv = self.rv;
        self.rv
    }

    /// Events after `rv`, or None if `rv` is too old (compacted).
    pub fn events_since(&self, rv: u64) -> Option<Vec<Arc<WatchEvent>>> {
        if rv < self.compacted_rv {
            return None;
        }
        // The history is in resourceVersion order: skip to the first newer event.
        let first = self.history.partition_point(|e| e.rv <= rv);
        Some(self.history.range(first..).cloned().collect())
    }
}
