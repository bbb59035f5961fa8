//! Pod lifecycle: scheduling, creation, status rendering, termination, fault injection.

use crate::controller::{reconcile, Config};
use crate::objects::{owner_ref, render_pod};
use crate::store::{Fault, Kind, PodSim, Store};
use crate::util::{self, name_of, now_unix, ns_of, str_at, uid_of};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub struct NodeSlot {
    name: String,
    ip: String,
    load: usize,
}

pub fn node_slots(st: &Store) -> Vec<NodeSlot> {
    let mut load: HashMap<&str, usize> = HashMap::new();
    for p in st.list(Kind::Pod, None) {
        *load.entry(p.node_name.as_str()).or_default() += 1;
    }
    st.list(Kind::Node, None)
        .filter(|n| n.schedulable)
        .map(|n| NodeSlot {
            name: n.name.clone(),
            ip: n.internal_ip.clone(),
            load: load.get(n.name.as_str()).copied().unwrap_or(0),
        })
        .collect()
}

fn pick_node(nodes: &mut [NodeSlot]) -> Option<(String, String)> {
    let n = nodes.iter_mut().min_by_key(|n| n.load)?;
    n.load += 1;
    Some((n.name.clone(), n.ip.clone()))
}

pub fn create_pod(st: &mut Store, rs: &Value, startup: Duration, nodes: &mut [NodeSlot]) -> Value {
    let ns = ns_of(rs).to_string();
    let rs_name = name_of(rs).to_string();
    let mut name = format!("{rs_name}-{}", util::safe_encode(st.rand(), 5));
    while st.contains(Kind::Pod, &ns, &name) {
        name = format!("{rs_name}-{}", util::safe_encode(st.rand(), 5));
    }
    let uid = st.next_uid();
    let tmpl = &rs["spec"]["template"];
    let mut pod = json!({"metadata": tmpl["metadata"].clone(), "spec": tmpl["spec"].clone()});
    let meta = &mut pod["metadata"];
    meta["name"] = json!(name);
    meta["generateName"] = json!(format!("{rs_name}-"));
    meta["namespace"] = json!(ns);
    meta["uid"] = json!(uid);
    meta["creationTimestamp"] = json!(util::now_rfc3339());
    meta["ownerReferences"] = owner_ref("ReplicaSet", "apps/v1", rs);
    meta["managedFields"] = managed_fields(uid_of(rs));
    pod["spec"]["serviceAccountName"] = json!("default");
    pod["spec"]["enableServiceLinks"] = json!(true);
    let r = st.rand();
    let now = now_unix();
    let sim = PodSim {
        ns: ns.clone(),
        name: name.clone(),
        created: now,
        started: startup.is_zero().then_some(now),
        ready_at: (!startup.is_zero()).then(|| Instant::now() + startup),
        delete_at: None,
        restarts: 0,
        fault: None,
        last_term: None,
        ip: format!(
            "10.{}.{}.{}",
            244 + r % 8,
            (r >> 8) % 256,
            (r >> 16) % 253 + 1
        ),
    };
    let node = pick_node(nodes);
    render_pod(
        &mut pod,
        &sim,
        node.as_ref().map(|(n, i)| (n.as_str(), i.as_str())),
    );
    st.pods.insert(uid, sim);
    st.upsert(Kind::Pod, pod)
}

/// Re-render a pod's status from its simulation state and store it.
pub fn rerender(st: &mut Store, ns: &str, name: &str) -> Option<Value> {
    let mut pod = st.get(Kind::Pod, ns, name)?;
    let node = str_at(&pod, &["spec", "nodeName"]).to_string();
    let ip = st
        .object(Kind::Node, "", &node)
        .map(|n| n.internal_ip.clone());
    let sim = st.pods.get(uid_of(&pod))?;
    render_pod(&mut pod, sim, ip.as_deref().map(|i| (node.as_str(), i)));
    Some(st.upsert(Kind::Pod, pod))
}

/// The grace period a deletion gets: the request's, else the pod's own, else 30 s.
fn grace_period(pod: &Value, requested: Option<i64>) -> i64 {
    let default = pod
        .pointer("/spec/terminationGracePeriodSeconds")
        .and_then(Value::as_i64);
    requested.or(default).unwrap_or(30).max(0)
}

fn mark_terminating(pod: &mut Value, grace: i64) {
    pod["metadata"]["deletionTimestamp"] = json!(util::fmt_time(
        now_unix() + Duration::from_secs(grace as u64),
        false
    ));
    pod["metadata"]["deletionGracePeriodSeconds"] = json!(grace);
}

/// A dry-run DELETE's answer: the pod as a graceful deletion would leave it.
pub fn preview_termination(pod: &mut Value, grace: Option<i64>) {
    let grace = grace_period(pod, grace);
    if grace > 0 && pod.pointer("/metadata/deletionTimestamp").is_none() {
        mark_terminating(pod, grace);
    }
}

/// Start graceful deletion of a pod (or delete it at once when the effective delay is zero).
pub fn terminate_pod(
    st: &mut Store,
    cfg: &Config,
    ns: &str,
    name: &str,
    grace: Option<i64>,
) -> Option<Value> {
    let mut pod = st.get(Kind::Pod, ns, name)?;
    let grace = grace_period(&pod, grace);
    let delay = cfg.termination_delay.min(Duration::from_secs(grace as u64));
    if delay.is_zero() {
        return st.remove(Kind::Pod, ns, name);
    }
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        return Some(pod);
    }
    mark_terminating(&mut pod, grace);
    let sim = st.pods.get_mut(uid_of(&pod))?;
    sim.delete_at = Some(Instant::now() + delay);
    st.upsert(Kind::Pod, pod);
    rerender(st, ns, name)
}

/// Periodic work: pods finishing startup or termination.
pub fn tick(st: &mut Store, cfg: &Config) {
    let now = Instant::now();
    let (mut start, mut del) = (vec![], vec![]);
    for sim in st.pods.values_mut() {
        if sim.ready_at.is_some_and(|t| t <= now) {
            sim.ready_at = None;
            if sim.fault.is_none() {
                sim.started = Some(now_unix());
            }
            start.push((sim.ns.clone(), sim.name.clone()));
        }
        if sim.delete_at.is_some_and(|t| t <= now) {
            del.push((sim.ns.clone(), sim.name.clone()));
        }
    }
    for (ns, name) in &start {
        rerender(st, ns, name);
    }
    for (ns, name) in &del {
        st.remove(Kind::Pod, ns, name);
    }
    if !start.is_empty() || !del.is_empty() {
        reconcile(st, cfg);
    }
}

pub fn apply_fault(
    st: &mut Store,
    cfg: &Config,
    ns: &str,
    name: &str,
    fault: &str,
) -> Result<Value, String> {
    let pod = st
        .object(Kind::Pod, ns, name)
        .ok_or_else(|| format!("pods \"{name}\" not found"))?;
    let uid = pod.uid.clone();
    let has_node = !pod.node_name.is_empty();
    let mut nodes = node_slots(st);
    let sim = st.pods.get_mut(&uid).ok_or("pod has no simulation state")?;
    let now = now_unix();
    match fault {
        "CrashLoopBackOff" => {
            sim.fault = Some(Fault::CrashLoopBackOff);
            sim.restarts += 5;
            sim.last_term = Some(("Error".into(), 1, now));
        }
        "OOMKilled" => {
            sim.fault = None;
            sim.restarts += 1;
            sim.last_term = Some(("OOMKilled".into(), 137, now));
            sim.started = Some(now);
        }
        "ImagePullBackOff" | "Unschedulable" => {
            sim.fault = Some(if fault == "Unschedulable" { Fault::Unschedulable } else { Fault::ImagePullBackOff });
            sim.started = None;
            sim.ready_at = None;
        }
        "Clear" | "None" | "Running" => {
            sim.fault = None;
            sim.started.get_or_insert(now);
        }
        other => return Err(format!("unknown fault {other:?} (CrashLoopBackOff, OOMKilled, ImagePullBackOff, Unschedulable, Clear)")),
    }
    if !has_node && sim.fault != Some(Fault::Unschedulable) {
        if let Some((node, _)) = pick_node(&mut nodes) {
            if let Some(mut p) = st.get(Kind::Pod, ns, name) {
                p["spec"]["nodeName"] = json!(node);
                st.upsert(Kind::Pod, p);
            }
        }
    }
    let out = rerender(st, ns, name).ok_or("pod vanished")?;
    // What the kubelet or scheduler would record about it (`kubectl get events`).
    let event = match fault {
        "CrashLoopBackOff" => Some(("Warning", "BackOff", "Back-off restarting failed container")),
        "OOMKilled" => Some((
            "Warning",
            "OOMKilled",
            "Container was OOMKilled (exit code 137), restarting",
        )),
        "ImagePullBackOff" => Some(("Warning", "Failed", "Error: ImagePullBackOff")),
        "Unschedulable" => Some((
            "Warning",
            "FailedScheduling",
            "0/3 nodes are available: 3 Insufficient cpu.",
        )),
        _ => None,
    };
    let restarts = st.pods.get(&out_uid(&out)).map_or(1, |p| p.restarts.max(1));
    if let Some(e) = event {
        let uid = st.next_uid();
        st.upsert(
            Kind::Event,
            crate::objects::pod_event(&out, uid, e, restarts),
        );
    }
    // A crash loop is seen by the probes first: the kubelet's liveness probe fails
    // (failureThreshold 3) before every restart, and records it as Unhealthy.
    if fault == "CrashLoopBackOff" {
        let ip = crate::util::str_at(&out, &["status", "podIP"]);
        let message = format!(
            "Liveness probe failed: Get \"http://{ip}:8080/api/v1/health\": dial tcp {ip}:8080: connect: connection refused"
        );
        let uid = st.next_uid();
        st.upsert(
            Kind::Event,
            crate::objects::pod_event(&out, uid, ("Warning", "Unhealthy", &message), restarts * 3),
        );
    }
    reconcile(st, cfg);
    Ok(out)
}

fn out_uid(pod: &Value) -> String {
    crate::util::str_at(pod, &["metadata", "uid"]).to_string()
}

/// What a real API server attaches to every pod (server-side apply bookkeeping of the
/// controller-manager and the kubelet): often the largest part of a pod's JSON, sent
/// on every LIST and WATCH, so clients are measured against it too.
fn managed_fields(rs_uid: &str) -> Value {
    let cond = |t: &str| {
        (
            format!("k:{{\"type\":\"{t}\"}}"),
            json!({".": {}, "f:lastProbeTime": {}, "f:lastTransitionTime": {}, "f:status": {}, "f:type": {}}),
        )
    };
    let conditions: serde_json::Map<String, Value> = [
        "ContainersReady",
        "Initialized",
        "PodReadyToStartContainers",
        "PodScheduled",
        "Ready",
    ]
    .into_iter()
    .map(cond)
    .collect();
    let time = util::now_rfc3339();
    json!([
        {
            "manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
            "time": time, "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {
                    "f:generateName": {},
                    "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}},
                    "f:ownerReferences": {".": {}, (format!("k:{{\"uid\":\"{rs_uid}\"}}")): {}}
                },
                "f:spec": {
                    "f:containers": {"k:{\"name\":\"app\"}": {
                        ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
                        "f:ports": {".": {}, "k:{\"containerPort\":8080,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}, "f:protocol": {}}},
                        "f:resources": {".": {}, "f:limits": {".": {}, "f:cpu": {}, "f:memory": {}}, "f:requests": {".": {}, "f:cpu": {}, "f:memory": {}}},
                        "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {}
                    }},
                    "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:restartPolicy": {},
                    "f:schedulerName": {}, "f:securityContext": {}, "f:terminationGracePeriodSeconds": {}
                }
            }
        },
        {
            "manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": time,
            "fieldsType": "FieldsV1", "subresource": "status",
            "fieldsV1": {"f:status": {
                "f:conditions": conditions,
                "f:containerStatuses": {}, "f:hostIP": {}, "f:hostIPs": {}, "f:phase": {},
                "f:podIP": {}, "f:podIPs": {".": {}}, "f:startTime": {}
            }}
        }
    ])
}
