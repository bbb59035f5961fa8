//! metrics.k8s.io/v1beta1 PodMetrics / NodeMetrics with metrics-server-like resolution.

use crate::api::Target;
use crate::resources::selectors;
use crate::server::{error, json, Req, Resp};
use crate::shared::Shared;
use crate::store::{Kind, Store, StoredObject};
use crate::util::{fmt_time, hash_str, mix64, now_unix};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
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

fn usage(cpu: f64, mem: f64) -> Value {
    json!({"cpu": format!("{}n", (cpu * 1e9) as u64), "memory": format!("{}Ki", (mem / 1024.0) as u64)})
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
    let st = shared.store();
    let meta = |o: &StoredObject| {
        let mut m = json!({"name": o.name, "creationTimestamp": created});
        if !o.namespace.is_empty() {
            m["namespace"] = json!(o.namespace);
        }
        if !o.labels.is_empty() {
            let labels: Map<String, Value> = o
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect();
            m["labels"] = Value::Object(labels);
        }
        m
    };
    match t.resource.as_str() {
        "pods" => {
            let items: Vec<Value> = st
                .list(Kind::Pod, t.ns.as_deref())
                .filter(|p| t.name.as_deref().is_none_or(|n| n == p.name) && ls.matches_object(p) && fs.matches_object(p))
                .filter_map(|p| {
                    let u = pod_usage(&st, p, bucket)?;
                    let cs: Vec<Value> = u.iter().map(|(n, c, m)| json!({"name": n, "usage": usage(*c, *m)})).collect();
                    Some(json!({"kind":"PodMetrics","apiVersion":API,"metadata":meta(p),"timestamp":ts,"window":window,"containers":cs}))
                })
                .collect();
            single_or_list(t, items, "PodMetrics", "podmetrics")
        }
        "nodes" => {
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
            let items: Vec<Value> = st
                .list(Kind::Node, None)
                .filter(|n| t.name.as_deref().is_none_or(|x| x == n.name) && ls.matches_object(n) && fs.matches_object(n))
                .map(|n| {
                    let h = mix64(hash_str(&n.name) ^ bucket);
                    let (c, m) = per_node.get(n.name.as_str()).copied().unwrap_or_default();
                    let (c, m) = (c + 0.15 + 0.2 * frac(h), m + 1.2e9 + 3e8 * frac(h >> 20));
                    json!({"kind":"NodeMetrics","apiVersion":API,"metadata":meta(n),"timestamp":ts,"window":window,"usage":usage(c, m)})
                })
                .collect();
            single_or_list(t, items, "NodeMetrics", "nodemetrics")
        }
        _ => error(
            404,
            "NotFound",
            "the server could not find the requested resource",
        ),
    }
}

fn single_or_list(t: &Target, mut items: Vec<Value>, kind: &str, res: &str) -> Resp {
    match &t.name {
        Some(n) if items.is_empty() => error(
            404,
            "NotFound",
            format!("{res}.metrics.k8s.io \"{n}\" not found"),
        ),
        Some(_) => json(200, &items.remove(0)),
        None => json(
            200,
            &json!({"kind": format!("{kind}List"), "apiVersion": API, "metadata": {}, "items": items}),
        ),
    }
}
