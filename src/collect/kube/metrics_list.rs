//! A PodMetricsList or NodeMetricsList folded into a usage map while serde reads it:
//! each item's namespace, name, timestamp, window and usage are read (borrowed from
//! the response text where they hold no escapes), added to the map and dropped, and
//! everything else is skipped. Decoding whole `ObjectList`s kept 100,000 objects with
//! their `ObjectMeta` beside the map at 100,000 pods: the collector's largest transient.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;

use super::model::{parse_quantity, Usage};
use super::store::object_key;

/// Usage by `store::object_key` (namespace NUL name; a node's namespace is empty), so a
/// pod or node is looked up with its store key as it is: no key built per lookup.
pub type UsageByKey = HashMap<Box<str>, Usage, foldhash::fast::RandomState>;

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

/// A string of the response: borrowed from it unless it holds escapes.
struct Text<'a>(Cow<'a, str>);

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

struct TextVisitor;

impl<'de> Visitor<'de> for TextVisitor {
    type Value = Text<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<Text<'de>, E> {
        Ok(Text(Cow::Owned(v)))
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
        let key = object_key(
            meta.namespace.as_deref().unwrap_or(""),
            meta.name.as_deref().unwrap_or(""),
        );
        // PodMetrics: the sum of its containers; NodeMetrics: the node's total.
        let usage = match (sample.containers, sample.usage) {
            (Some(ContainerSum(total)), _) => total,
            (None, Some(u)) => u.usage(),
            (None, None) => Usage::default(),
        };
        self.list.usage.insert(key, usage);
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

    fn done(self) -> UsageList {
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
        let web = list.usage.get(&*object_key("kitops", "web-1")).copied();
        let web = web.expect("web-1");
        assert!((web.cpu - 0.3).abs() < 1e-9);
        assert_eq!(web.memory, 129.0 * 1048576.0);
        assert_eq!(
            list.usage.get(&*object_key("kitops", "we\"b-2")),
            Some(&Usage::default())
        );
        assert_eq!(
            list.usage.get(&*object_key("other", "db")),
            Some(&Usage::default())
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
        let n1 = list.usage.get(&*object_key("", "n1")).copied();
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
}
