//! Object store with a global resourceVersion, bounded event history and a live event feed.

use crate::util::{self, name_of, ns_of};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
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
    pub obj: Arc<Value>,
    pub old: Option<Arc<Value>>,
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

pub type Key = (String, String);

pub struct Store {
    objs: HashMap<Kind, BTreeMap<Key, Value>>,
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

    pub fn get(&self, kind: Kind, ns: &str, name: &str) -> Option<&Value> {
        self.objs
            .get(&kind)?
            .get(&(ns.to_string(), name.to_string()))
    }

    pub fn list<'a>(
        &'a self,
        kind: Kind,
        ns: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Value> + 'a {
        self.objs
            .get(&kind)
            .into_iter()
            .flat_map(|m| m.values())
            .filter(move |v| ns.is_none_or(|n| ns_of(v) == n))
    }

    /// All objects of a kind in key order ((namespace, name); namespace "" when cluster-scoped).
    pub fn objects(&self, kind: Kind) -> Option<&BTreeMap<Key, Value>> {
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

    /// Create or replace an object; assigns a new resourceVersion and emits ADDED/MODIFIED.
    pub fn upsert(&mut self, kind: Kind, mut obj: Value) -> Value {
        util::strip_nulls(&mut obj);
        self.rv += 1;
        let rv = self.rv;
        obj["metadata"]["resourceVersion"] = Value::String(rv.to_string());
        obj["kind"] = Value::String(kind.kind().into());
        obj["apiVersion"] = Value::String(kind.api_version().into());
        let key = (ns_of(&obj).to_string(), name_of(&obj).to_string());
        let old = self.objs.entry(kind).or_default().insert(key, obj.clone());
        let etype = if old.is_some() { "MODIFIED" } else { "ADDED" };
        self.emit(kind, etype, obj.clone(), old);
        obj
    }

    pub fn remove(&mut self, kind: Kind, ns: &str, name: &str) -> Option<Value> {
        let mut obj = self
            .objs
            .get_mut(&kind)?
            .remove(&(ns.to_string(), name.to_string()))?;
        if kind == Kind::Pod {
            let uid = util::uid_of(&obj).to_string();
            self.pods.remove(&uid);
        }
        let before = obj.clone();
        self.rv += 1;
        obj["metadata"]["resourceVersion"] = Value::String(self.rv.to_string());
        // `old` lets a paged LIST pinned to an earlier resourceVersion see the object as it was.
        self.emit(kind, "DELETED", obj.clone(), Some(before));
        Some(obj)
    }

    fn emit(&mut self, kind: Kind, etype: &'static str, obj: Value, old: Option<Value>) {
        if !self.record {
            self.compacted_rv = self.rv;
            return;
        }
        let ev = Arc::new(WatchEvent {
            rv: self.rv,
            kind,
            etype,
            obj: Arc::new(obj),
            old: old.map(Arc::new),
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
        Some(self.history.iter().filter(|e| e.rv > rv).cloned().collect())
    }
}
