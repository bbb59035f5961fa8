//! A PodMetricsList or NodeMetricsList folded into a usage map while serde reads it:
//! each item's namespace, name, timestamp, window and usage are read (borrowed from
//! the response text where they hold no escapes), added to the map and dropped, and
//! everything else is skipped. Decoding whole `ObjectList`s kept 100,000 objects with
//! their `ObjectMeta` beside the map at 100,000 pods: the collector's largest transient.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::model::{parse_quantity, Usage};
use super::slim_text::Text;

/// Usage by `store::object_key` (namespace NUL name; a node's namespace is empty), in
/// key order: the store walks its objects in that same order, so a metrics round
/// assigns every object its usage in one merge of the two (`InOrder`), with no hash
/// and no lookup. The keys of a whole list live in one string: 100,000 pods cost
/// two allocations, not 100,000 boxed keys made, hashed, and freed a round later.
#[derive(Debug, Clone, Default)]
pub struct UsageByKey {
    keys: String,
    /// By key; `key` ranges into `keys`.
    entries: Vec<Keyed>,
}

#[derive(Debug, Clone, Copy)]
struct Keyed {
    start: usize,
    end: usize,
    usage: Usage,
}

impl UsageByKey {
    fn key(&self, e: &Keyed) -> &str {
        self.keys.get(e.start..e.end).unwrap_or("")
    }

    /// Adds the usage of the object under `namespace NUL name` (order is made by `sort`).
    fn push(&mut self, namespace: &str, name: &str, usage: Usage) {
        let start = self.keys.len();
        self.keys.push_str(namespace);
        self.keys.push('\0');
        self.keys.push_str(name);
        let end = self.keys.len();
        self.entries.push(Keyed { start, end, usage });
    }

    /// Puts the entries in key order; of an object listed twice, the last one counts.
    fn sort(&mut self) {
        let keys = &self.keys;
        let key = |e: &Keyed| keys.get(e.start..e.end).unwrap_or("");
        // A server lists in key order (the API server does; metrics-server need not):
        // then this is one pass.
        if !self.entries.is_sorted_by(|a, b| key(a) <= key(b)) {
            self.entries.sort_by(|a, b| key(a).cmp(key(b)));
        }
        // `dedup_by` keeps the first of equal neighbours and is handed (later, kept).
        self.entries.dedup_by(|later, kept| {
            let same = key(later) == key(kept);
            if same {
                kept.usage = later.usage;
            }
            same
        });
    }

    /// The usage of the object a store keeps under `key`.
    pub fn get(&self, key: &str) -> Option<Usage> {
        let at = self.entries.partition_point(|e| self.key(e) < key);
        self.entries
            .get(at)
            .filter(|e| self.key(e) == key)
            .map(|e| e.usage)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Lookups for keys asked in ascending order (a store's walk): each is found by
    /// stepping forward from the last; a key below the last is searched for.
    pub fn in_order(&self) -> InOrder<'_> {
        InOrder { table: self, at: 0 }
    }
}

/// See `UsageByKey::in_order`.
pub struct InOrder<'a> {
    table: &'a UsageByKey,
    /// Every entry before it has a key below the last one asked for.
    at: usize,
}

impl InOrder<'_> {
    pub fn get(&mut self, key: &str) -> Option<Usage> {
        let t = self.table;
        // One comparison per key found: `at` is the first entry not below the last key
        // asked for, so a key below that one (a walk started again) meets an entry
        // above it, and only then is the entry before looked at.
        while let Some(e) = t.entries.get(self.at) {
            match t.key(e).cmp(key) {
                std::cmp::Ordering::Less => self.at += 1,
                std::cmp::Ordering::Equal => return Some(e.usage),
                std::cmp::Ordering::Greater => break,
            }
        }
        let before = self.at.checked_sub(1).and_then(|i| t.entries.get(i));
        if before.is_some_and(|e| t.key(e) >= key) {
            self.at = t.entries.partition_point(|e| t.key(e) < key);
            return t
                .entries
                .get(self.at)
                .filter(|e| t.key(e) == key)
                .map(|e| e.usage);
        }
        None
    }
}

/// What one metrics list said: usage per object, the newest sample's end (unix
/// seconds, `None` for an empty list) and the first sample's window (seconds).
#[derive(Debug, Default)]
pub struct UsageList {
    pub usage: UsageByKey,
    pub newest: Option<i64>,
    pub window_s: Option<f64>,
}

impl<'de> Deserialize<'de> for UsageList {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(ListVisitor)
    }
}

struct ListVisitor;

impl<'de> Visitor<'de> for ListVisitor {
    type Value = UsageList;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a metrics.k8s.io list")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<UsageList, A::Error> {
        let mut list = Folded::default();
        while let Some(key) = map.next_key::<Text<'de>>()? {
            if &*key == "items" {
                map.next_value_seed(Items(&mut list))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(list.done())
    }
}

/// The list as far as it has been read.
#[derive(Default)]
struct Folded {
    list: UsageList,
    /// The last timestamp text parsed and its value: samples of one round mostly
    /// share a timestamp, so each distinct text is parsed once.
    last_stamp: Option<(String, Option<i64>)>,
}

impl Folded {
    fn add(&mut self, sample: Sample<'_>) {
        let meta = sample.metadata;
        // PodMetrics: the sum of its containers; NodeMetrics: the node's total.
        let usage = match (sample.containers, sample.usage) {
            (Some(ContainerSum(total)), _) => total,
            (None, Some(u)) => u.usage(),
            (None, None) => Usage::default(),
        };
        self.list.usage.push(
            meta.namespace.as_deref().unwrap_or(""),
            meta.name.as_deref().unwrap_or(""),
            usage,
        );
        if let Some(text) = sample.timestamp.as_deref() {
            let at = match &self.last_stamp {
                Some((last, at)) if last == text => *at,
                _ => {
                    let at = parse_timestamp(text);
                    self.last_stamp = Some((text.to_string(), at));
                    at
                }
            };
            self.list.newest = self.list.newest.max(at);
        }
        if self.list.window_s.is_none() {
            self.list.window_s = sample.window.as_deref().and_then(parse_window);
        }
    }

    fn done(mut self) -> UsageList {
        self.list.usage.sort();
        self.list
    }
}

pub fn parse_timestamp(s: &str) -> Option<i64> {
    s.parse::<k8s_openapi::jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

pub fn parse_window(s: &str) -> Option<f64> {
    humantime::parse_duration(s).ok().map(|d| d.as_secs_f64())
}

/// The `items` array, each item folded in as it is read (`null` is an empty list).
struct Items<'a>(&'a mut Folded);

impl<'de> DeserializeSeed<'de> for Items<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Items<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of metrics samples")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(sample) = seq.next_element::<Sample<'de>>()? {
            self.0.add(sample);
        }
        Ok(())
    }
}

/// One PodMetrics or NodeMetrics object: only what the panes read.
#[derive(Deserialize)]
struct Sample<'a> {
    #[serde(default, borrow)]
    metadata: SampleMeta<'a>,
    #[serde(default, borrow)]
    timestamp: Option<Text<'a>>,
    #[serde(default, borrow)]
    window: Option<Text<'a>>,
    /// PodMetrics: per container, summed as read.
    #[serde(default)]
    containers: Option<ContainerSum>,
    /// NodeMetrics: the node's total.
    #[serde(default, borrow)]
    usage: Option<RawUsage<'a>>,
}

#[derive(Deserialize, Default)]
struct SampleMeta<'a> {
    #[serde(default, borrow)]
    name: Option<Text<'a>>,
    #[serde(default, borrow)]
    namespace: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
struct RawUsage<'a> {
    #[serde(default, borrow)]
    cpu: Option<Text<'a>>,
    #[serde(default, borrow)]
    memory: Option<Text<'a>>,
}

impl RawUsage<'_> {
    fn usage(&self) -> Usage {
        let q = |v: &Option<Text>| v.as_deref().and_then(parse_quantity).unwrap_or(0.0);
        Usage {
            cpu: q(&self.cpu),
            memory: q(&self.memory),
        }
    }
}

#[derive(Deserialize)]
struct Container<'a> {
    #[serde(default, borrow)]
    usage: RawUsage<'a>,
}

/// A pod's containers, added up while they are read (no `Vec` per pod).
struct ContainerSum(Usage);

impl<'de> Deserialize<'de> for ContainerSum {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(SumVisitor)
    }
}

struct SumVisitor;

impl<'de> Visitor<'de> for SumVisitor {
    type Value = ContainerSum;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of containers")
    }

    fn visit_unit<E>(self) -> Result<ContainerSum, E> {
        Ok(ContainerSum(Usage::default()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ContainerSum, A::Error> {
        let mut total = Usage::default();
        while let Some(c) = seq.next_element::<Container<'de>>()? {
            let u = c.usage.usage();
            total.cpu += u.cpu;
            total.memory += u.memory;
        }
        Ok(ContainerSum(total))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::kube::store::object_key;

    #[test]
    fn pod_metrics_are_summed_per_pod_and_keyed_like_the_store() {
        let text = r#"{"kind":"PodMetricsList","apiVersion":"metrics.k8s.io/v1beta1",
            "metadata":{"resourceVersion":""},
            "items":[
              {"metadata":{"name":"web-1","namespace":"kitops","labels":{"app":"web"},
                 "creationTimestamp":"2026-12-01T10:00:00Z"},
               "timestamp":"2026-12-01T10:00:15Z","window":"15s",
               "containers":[{"name":"app","usage":{"cpu":"250m","memory":"128Mi"}},
                             {"name":"side","usage":{"cpu":"50m","memory":"1Mi"}}]},
              {"metadata":{"name":"we\"b-2","namespace":"kitops"},
               "timestamp":"2026-12-01T10:00:30Z","window":"30s",
               "containers":[]},
              {"metadata":{"name":"db","namespace":"other"},
               "timestamp":"2026-12-01T10:00:15Z","containers":null}
            ]}"#;
        let list: UsageList = serde_json::from_str(text).expect("list");
        let web = list.usage.get(&object_key("kitops", "web-1"));
        let web = web.expect("web-1");
        assert!((web.cpu - 0.3).abs() < 1e-9);
        assert_eq!(web.memory, 129.0 * 1048576.0);
        assert_eq!(
            list.usage.get(&object_key("kitops", "we\"b-2")),
            Some(Usage::default())
        );
        assert_eq!(
            list.usage.get(&object_key("other", "db")),
            Some(Usage::default())
        );
        assert_eq!(list.usage.len(), 3);
        assert_eq!(list.newest, parse_timestamp("2026-12-01T10:00:30Z"));
        assert_eq!(list.window_s, Some(15.0));
    }

    #[test]
    fn node_metrics_and_an_empty_list() {
        let text = r#"{"items":[{"metadata":{"name":"n1"},"timestamp":"2026-12-01T10:00:15Z",
            "window":"20s","usage":{"cpu":"1500m","memory":"2Gi"}}]}"#;
        let list: UsageList = serde_json::from_str(text).expect("list");
        let n1 = list.usage.get(&object_key("", "n1"));
        assert_eq!(
            n1,
            Some(Usage {
                cpu: 1.5,
                memory: 2.0 * 1073741824.0
            })
        );
        assert_eq!(list.window_s, Some(20.0));
        for empty in [r#"{"items":[]}"#, r#"{"items":null}"#, r#"{"kind":"List"}"#] {
            let list: UsageList = serde_json::from_str(empty).expect("empty list");
            assert!(list.usage.is_empty());
            assert_eq!(list.newest, None);
        }
        assert!(serde_json::from_str::<UsageList>(r#"{"items":{}}"#).is_err());
    }

    fn usage(cpu: f64) -> Usage {
        Usage { cpu, memory: 1.0 }
    }

    #[test]
    fn a_list_in_any_order_is_found_by_key_and_in_a_stores_walk() {
        // Out of order (metrics-server's order is its own), listed twice (the last counts),
        // a namespace that is a prefix of another.
        let mut table = UsageByKey::default();
        for (ns, name, cpu) in [
            ("kitops", "b", 2.0),
            ("kit", "z", 3.0),
            ("kitops", "a", 1.0),
            ("kitops", "b", 4.0),
            ("", "node-1", 5.0),
        ] {
            table.push(ns, name, usage(cpu));
        }
        table.sort();
        assert_eq!(table.len(), 4);
        let cpu = |u: Option<Usage>| u.map(|u| u.cpu);
        assert_eq!(cpu(table.get(&object_key("kitops", "b"))), Some(4.0));
        assert_eq!(cpu(table.get(&object_key("kit", "z"))), Some(3.0));
        assert_eq!(cpu(table.get(&object_key("kitops", "c"))), None);
        // A store's walk: its keys ascending, some without usage; then a second walk
        // (a re-LIST's buffer) starts from the beginning again.
        let walk = [
            ("", "node-0", None),
            ("", "node-1", Some(5.0)),
            ("kit", "z", Some(3.0)),
            ("kito", "a", None),
            ("kitops", "a", Some(1.0)),
            ("kitops", "b", Some(4.0)),
            ("kitops", "c", None),
        ];
        let mut in_order = table.in_order();
        for _ in 0..2 {
            for (ns, name, want) in walk {
                assert_eq!(
                    cpu(in_order.get(&object_key(ns, name))),
                    want,
                    "{ns}/{name}"
                );
            }
        }
    }

    #[test]
    fn in_order_lookups_agree_with_a_hash_map_over_random_lists() {
        use std::collections::HashMap;
        let mut seed = 7u64;
        let mut next = move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        };
        for _ in 0..50 {
            let mut table = UsageByKey::default();
            let mut want = HashMap::new();
            for i in 0..(next() % 60) {
                let (ns, name) = (format!("ns{}", next() % 3), format!("p{}", next() % 40));
                table.push(&ns, &name, usage(i as f64));
                want.insert(object_key(&ns, &name), i as f64);
            }
            table.sort();
            let mut keys: Vec<Box<str>> = (0..80)
                .map(|_| object_key(&format!("ns{}", next() % 4), &format!("p{}", next() % 45)))
                .collect();
            keys.sort();
            let mut in_order = table.in_order();
            // Ascending (a store's walk), then descending: every key below the last.
            for key in keys.iter().chain(keys.iter().rev()) {
                let got = in_order.get(key).map(|u| u.cpu);
                assert_eq!(got, want.get(key).copied(), "{key:?}");
                assert_eq!(table.get(key).map(|u| u.cpu), got);
            }
        }
    }
}
