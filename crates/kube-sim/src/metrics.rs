//! metrics.k8s.io/v1beta1 PodMetrics / NodeMetrics with metrics-server-like resolution.

use crate::api::Target;
use crate::resources::selectors;
use crate::server::{error, json_bytes, Req, Resp};
use crate::shared::Shared;
use crate::store::{Kind, Store, StoredObject};
use crate::util::{fmt_time, hash_str, mix64, now_unix};
use serde::Serialize;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

const API: &str = "metrics.k8s.io/v1beta1";

fn frac(h: u64) -> f64 {
    (h % 10_000) as f64 / 10_000.0
}

/// Per-container (name, cpu cores, memory bytes) usage of a running pod, or None if not running.
fn pod_usage(st: &Store, pod: &StoredObject, bucket: u64) -> Option<Vec<(String, f64, f64)>> {
    let sim = st.pods.get(&pod.uid)?;
    if sim.started.is_none() || pod.phase != "Running" {
        return None;
    }
    let base = hash_str(&pod.uid);
    Some(
        pod.containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let h = mix64(base ^ mix64(bucket.wrapping_mul(31).wrapping_add(i as u64)));
                let (mut cpu, mem) = (
                    c.cpu.unwrap_or(0.1) * (0.1 + 1.1 * frac(h)),
                    c.memory.unwrap_or(128.0 * 1048576.0) * (0.5 + 0.6 * frac(h >> 20)),
                );
                if sim.fault.is_some() {
                    cpu *= 0.05;
                }
                (c.name.clone(), cpu, mem)
            })
            .collect(),
    )
}

#[derive(Serialize)]
struct UsageOut {
    cpu: String,
    memory: String,
}

fn usage(cpu: f64, mem: f64) -> UsageOut {
    UsageOut {
        cpu: format!("{}n", (cpu * 1e9) as u64),
        memory: format!("{}Ki", (mem / 1024.0) as u64),
    }
}

/// Labels as the JSON object metrics-server copies from the pod or node.
struct Labels<'a>(&'a [(String, String)]);

impl Serialize for Labels<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MetaOut<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    namespace: &'a str,
    creation_timestamp: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    labels: Option<Labels<'a>>,
}

#[derive(Serialize)]
struct ContainerOut<'a> {
    name: &'a str,
    usage: UsageOut,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ItemOut<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: MetaOut<'a>,
    timestamp: &'a str,
    window: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    containers: Option<Vec<ContainerOut<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<UsageOut>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListOut<'a> {
    kind: String,
    api_version: &'static str,
    metadata: Map<String, Value>,
    items: Vec<ItemOut<'a>>,
}

/// What one object's metrics are made of, taken from the store under its lock; the
/// JSON is written after the lock is given back. A real metrics-server is a process
/// of its own: its 100,000-pod LIST must not hold up the API server's pages.
struct Sampled {
    object: Arc<StoredObject>,
    containers: Vec<(String, f64, f64)>,
    node: (f64, f64),
}

pub fn handle(shared: &Shared, req: &Req, t: &Target) -> Resp {
    let (ls, fs) = match selectors(req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let res = shared
        .timing
        .metrics_resolution
        .max(Duration::from_secs(1))
        .as_secs();
    let bucket = now_unix().as_secs() / res;
    let ts = fmt_time(Duration::from_secs(bucket * res), false);
    let window = format!("{res}s");
    let created = fmt_time(now_unix(), false);
    let wanted = |o: &StoredObject| {
        t.name.as_deref().is_none_or(|n| n == o.name)
            && ls.matches_object(o)
            && fs.matches_object(o)
    };
    let (kind, res_name, sampled): (&'static str, &str, Vec<Sampled>) = match t.resource.as_str() {
        "pods" => {
            let st = shared.store();
            let sampled = st
                .list(Kind::Pod, t.ns.as_deref())
                .filter(|p| wanted(p))
                .filter_map(|p| {
                    Some(Sampled {
                        containers: pod_usage(&st, p, bucket)?,
                        object: p.clone(),
                        node: (0.0, 0.0),
                    })
                })
                .collect();
            ("PodMetrics", "podmetrics", sampled)
        }
        "nodes" => {
            let st = shared.store();
            let mut per_node: HashMap<&str, (f64, f64)> = HashMap::new();
            for p in st.list(Kind::Pod, None) {
                if let Some(u) = pod_usage(&st, p, bucket) {
                    let e = per_node.entry(p.node_name.as_str()).or_default();
                    for (_, c, m) in u {
                        e.0 += c;
                        e.1 += m;
                    }
                }
            }
            let sampled = st
                .list(Kind::Node, None)
                .filter(|n| wanted(n))
                .map(|n| {
                    let h = mix64(hash_str(&n.name) ^ bucket);
                    let (c, m) = per_node.get(n.name.as_str()).copied().unwrap_or_default();
                    Sampled {
                        object: n.clone(),
                        containers: Vec::new(),
                        node: (c + 0.15 + 0.2 * frac(h), m + 1.2e9 + 3e8 * frac(h >> 20)),
                    }
                })
                .collect();
            ("NodeMetrics", "nodemetrics", sampled)
        }
        _ => {
            return error(
                404,
                "NotFound",
                "the server could not find the requested resource",
            )
        }
    };
    let items = sampled
        .iter()
        .map(|s| {
            let o = &s.object;
            let pod = kind == "PodMetrics";
            ItemOut {
                kind,
                api_version: API,
                metadata: MetaOut {
                    name: &o.name,
                    namespace: &o.namespace,
                    creation_timestamp: &created,
                    labels: (!o.labels.is_empty()).then_some(Labels(&o.labels)),
                },
                timestamp: &ts,
                window: &window,
                containers: pod.then(|| {
                    s.containers
                        .iter()
                        .map(|(n, c, m)| ContainerOut {
                            name: n,
                            usage: usage(*c, *m),
                        })
                        .collect()
                }),
                usage: (!pod).then(|| usage(s.node.0, s.node.1)),
            }
        })
        .collect();
    single_or_list(t, items, kind, res_name)
}

fn single_or_list(t: &Target, mut items: Vec<ItemOut<'_>>, kind: &str, res: &str) -> Resp {
    let encoded = match &t.name {
        Some(n) if items.is_empty() => {
            return error(
                404,
                "NotFound",
                format!("{res}.metrics.k8s.io \"{n}\" not found"),
            )
        }
        Some(_) => serde_json::to_vec(&items.remove(0)),
        None => serde_json::to_vec(&ListOut {
            kind: format!("{kind}List"),
            api_version: API,
            metadata: Map::new(),
            items,
        }),
    };
    match encoded {
        Ok(body) => json_bytes(200, body.into()),
        Err(e) => error(500, "InternalError", e.to_string()),
    }
}
