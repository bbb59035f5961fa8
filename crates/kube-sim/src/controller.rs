//! Cluster behaviour: Deployment -> ReplicaSet -> Pod controllers, scheduling, pod lifecycle.

use crate::objects::{self, owner_ref, HASH_LABEL, REVISION};
use crate::pods::{create_pod, node_slots, terminate_pod, NodeSlot};
use crate::store::{Kind, PodSim, Store};
use crate::util::{self, name_of, normalize, ns_of, str_at, uid_of};
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};
use std::time::Duration;

/// Copied from the deployment to each new replicaset, as the real controller does.
const CHANGE_CAUSE: &str = "kubernetes.io/change-cause";

#[derive(Clone, Debug)]
pub struct Config {
    /// Time from pod creation to Running/Ready.
    pub pod_startup: Duration,
    /// Upper bound on how long a deleted pod stays Terminating.
    pub termination_delay: Duration,
}

struct PodInfo {
    name: String,
    ready: bool,
    terminating: bool,
    created: Duration,
}

fn pod_index(st: &Store) -> HashMap<String, Vec<PodInfo>> {
    let mut idx: HashMap<String, Vec<PodInfo>> = HashMap::new();
    for p in st.list(Kind::Pod, None) {
        let Some(owner) = &p.controller_uid else {
            continue;
        };
        let sim = st.pods.get(&p.uid);
        idx.entry(owner.clone()).or_default().push(PodInfo {
            name: p.name.clone(),
            ready: sim.is_some_and(PodSim::ready),
            terminating: p.terminating,
            created: sim.map(|s| s.created).unwrap_or_default(),
        });
    }
    idx
}

fn revision(v: &Value) -> u64 {
    str_at(v, &["metadata", "annotations", REVISION])
        .parse()
        .unwrap_or(0)
}

fn template_key(rs: &Value) -> Value {
    let mut t = rs["spec"]["template"].clone();
    if let Some(l) = t
        .pointer_mut("/metadata/labels")
        .and_then(Value::as_object_mut)
    {
        l.remove(HASH_LABEL);
    }
    normalize(&t)
}

fn replicas(v: &Value, path: &str) -> i64 {
    v.pointer(path).and_then(Value::as_i64).unwrap_or(0).max(0)
}

fn owned_rs(st: &Store, d: &Value) -> Vec<Value> {
    let uid = uid_of(d);
    st.list(Kind::ReplicaSet, Some(ns_of(d)))
        .filter(|rs| rs.controller_uid.as_deref() == Some(uid))
        .map(|rs| rs.value())
        .collect()
}

pub fn reconcile(st: &mut Store, cfg: &Config) {
    garbage_collect(st, cfg);
    let idx = pod_index(st);
    let deps = st.values(Kind::Deployment, None);
    for d in &deps {
        sync_deployment(st, d, &idx);
    }
    let mut nodes = node_slots(st);
    let rss = st.values(Kind::ReplicaSet, None);
    for rs in &rss {
        sync_rs(
            st,
            cfg,
            rs,
            idx.get(uid_of(rs)).map_or(&[][..], |v| v),
            &mut nodes,
        );
    }
    let idx = pod_index(st);
    let rss = st.values(Kind::ReplicaSet, None);
    for rs in rss {
        let uid = uid_of(&rs).to_string();
        rs_status(st, rs, idx.get(&uid).map_or(&[][..], |v| v));
    }
    for d in deps {
        deployment_status(st, ns_of(&d), name_of(&d));
    }
}

fn garbage_collect(st: &mut Store, cfg: &Config) {
    let deps: HashSet<&str> = st
        .list(Kind::Deployment, None)
        .map(|d| d.uid.as_str())
        .collect();
    let orphan_rs: Vec<(String, String)> = st
        .list(Kind::ReplicaSet, None)
        .filter(|rs| {
            rs.controller_uid
                .as_deref()
                .is_some_and(|u| !deps.contains(u))
        })
        .map(|rs| (rs.namespace.clone(), rs.name.clone()))
        .collect();
    for (ns, name) in orphan_rs {
        st.remove(Kind::ReplicaSet, &ns, &name);
    }
    let rss: HashSet<&str> = st
        .list(Kind::ReplicaSet, None)
        .map(|rs| rs.uid.as_str())
        .collect();
    let orphan_pods: Vec<(String, String)> = st
        .list(Kind::Pod, None)
        .filter(|p| {
            p.controller_uid
                .as_deref()
                .is_some_and(|u| !rss.contains(u))
        })
        .filter(|p| !p.terminating)
        .map(|p| (p.namespace.clone(), p.name.clone()))
        .collect();
    for (ns, name) in orphan_pods {
        terminate_pod(st, cfg, &ns, &name, None);
    }
}

fn sync_deployment(st: &mut Store, d: &Value, idx: &HashMap<String, Vec<PodInfo>>) {
    let (ns, dname) = (ns_of(d), name_of(d));
    let tmpl = d["spec"]["template"].clone();
    let norm = normalize(&tmpl);
    let desired = d
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(0);
    let mut owned = owned_rs(st, d);
    let max_rev = owned.iter().map(revision).max().unwrap_or(0);
    let new_rs = match owned.iter().position(|rs| template_key(rs) == norm) {
        Some(i) => {
            let mut rs = owned.remove(i);
            let mut changed = false;
            if revision(&rs) < max_rev {
                rs["metadata"]["annotations"][REVISION] = json!((max_rev + 1).to_string());
                changed = true;
            }
            if replicas(&rs, "/spec/replicas") != desired {
                rs["spec"]["replicas"] = json!(desired);
                rs["metadata"]["generation"] = json!(replicas(&rs, "/metadata/generation") + 1);
                rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] =
                    json!(desired.to_string());
                changed = true;
            }
            if changed {
                st.upsert(Kind::ReplicaSet, rs)
            } else {
                rs
            }
        }
        None => {
            let hash = util::safe_encode(util::hash_str(&norm.to_string()), 10);
            let mut name = format!("{dname}-{hash}");
            if st.contains(Kind::ReplicaSet, ns, &name) {
                name = format!("{dname}-{}", util::safe_encode(st.rand(), 10));
            }
            let mut t = tmpl;
            t["metadata"]["labels"][HASH_LABEL] = json!(hash);
            let mut sel = d["spec"]["selector"].clone();
            sel["matchLabels"][HASH_LABEL] = json!(hash);
            let uid = st.next_uid();
            let rs = json!({
                "metadata":{"name":name,"namespace":ns,"uid":uid,"creationTimestamp":util::now_rfc3339(),
                    "generation":1,"labels":t["metadata"]["labels"].clone(),
                    "annotations":{REVISION:(max_rev + 1).to_string(),
                        "deployment.kubernetes.io/desired-replicas":desired.to_string(),
                        "deployment.kubernetes.io/max-replicas":(desired + (desired + 3) / 4).to_string()},
                    "ownerReferences":owner_ref("Deployment","apps/v1",d)},
                "spec":{"replicas":desired,"minReadySeconds":0,"selector":sel,"template":t},
                "status":{"replicas":0,"observedGeneration":1}
            });
            let mut rs = rs;
            // As the deployment controller does: `kubectl rollout history` reads it here.
            let cause = str_at(d, &["metadata", "annotations", CHANGE_CAUSE]);
            if !cause.is_empty() {
                rs["metadata"]["annotations"][CHANGE_CAUSE] = json!(cause);
            }
            st.upsert(Kind::ReplicaSet, rs)
        }
    };
    let new_avail = idx.get(uid_of(&new_rs)).map_or(0, |v| {
        v.iter().filter(|p| p.ready && !p.terminating).count()
    }) as i64;
    let mut allowed = (desired - new_avail).max(0);
    owned.sort_by_key(|rs| std::cmp::Reverse(revision(rs)));
    for mut rs in owned {
        let cur = replicas(&rs, "/spec/replicas");
        let want = cur.min(allowed);
        allowed -= want;
        if want != cur {
            rs["spec"]["replicas"] = json!(want);
            rs["metadata"]["generation"] = json!(replicas(&rs, "/metadata/generation") + 1);
            st.upsert(Kind::ReplicaSet, rs);
        }
    }
}

fn sync_rs(st: &mut Store, cfg: &Config, rs: &Value, pods: &[PodInfo], nodes: &mut [NodeSlot]) {
    let Some(rs) = st.get(Kind::ReplicaSet, ns_of(rs), name_of(rs)) else {
        return;
    };
    let want = replicas(&rs, "/spec/replicas") as usize;
    let mut active: Vec<&PodInfo> = pods.iter().filter(|p| !p.terminating).collect();
    if active.len() < want {
        for _ in active.len()..want {
            create_pod(st, &rs, cfg.pod_startup, nodes);
        }
    } else if active.len() > want {
        active.sort_by_key(|p| (p.ready, std::cmp::Reverse(p.created)));
        let n = active.len() - want;
        for p in active.into_iter().take(n) {
            terminate_pod(st, cfg, ns_of(&rs), &p.name, None);
        }
    }
}

fn rs_status(st: &mut Store, mut rs: Value, pods: &[PodInfo]) {
    let active = pods.iter().filter(|p| !p.terminating).count();
    let ready = pods.iter().filter(|p| !p.terminating && p.ready).count();
    let status = json!({"replicas":active,"fullyLabeledReplicas":active,"readyReplicas":ready,
        "availableReplicas":ready,"observedGeneration":replicas(&rs, "/metadata/generation")});
    if rs["status"] != status {
        rs["status"] = status;
        st.upsert(Kind::ReplicaSet, rs);
    }
}

fn deployment_status(st: &mut Store, ns: &str, name: &str) {
    let Some(mut d) = st.get(Kind::Deployment, ns, name) else {
        return;
    };
    let owned = owned_rs(st, &d);
    let norm = normalize(&d["spec"]["template"]);
    let new_rs = owned.iter().find(|rs| template_key(rs) == norm);
    let sum = |p: &str| owned.iter().map(|rs| replicas(rs, p)).sum::<i64>();
    let (total, ready, avail) = (
        sum("/status/replicas"),
        sum("/status/readyReplicas"),
        sum("/status/availableReplicas"),
    );
    let updated = new_rs.map_or(0, |rs| replicas(rs, "/status/replicas"));
    let desired = d
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .unwrap_or(1)
        .max(0);
    let rs_name = new_rs.map_or("", |rs| name_of(rs));
    let complete = updated == desired && total == updated && avail >= updated;
    let old_conds = d
        .pointer("/status/conditions")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let cond = |t: &str, ok: bool, reason: &str, msg: String| {
        let now = util::now_rfc3339();
        let prev = old_conds.iter().find(|c| c["type"] == t);
        let s = if ok { "True" } else { "False" };
        let same = prev.is_some_and(|p| p["status"] == s && p["reason"] == reason);
        let trans = prev.filter(|p| p["status"] == s).map_or(now.clone(), |p| {
            str_at(p, &["lastTransitionTime"]).to_string()
        });
        let upd = if same {
            prev.map_or(now, |p| str_at(p, &["lastUpdateTime"]).to_string())
        } else {
            now
        };
        json!({"type":t,"status":s,"reason":reason,"message":msg,"lastUpdateTime":upd,"lastTransitionTime":trans})
    };
    let conds = vec![
        if avail >= desired {
            cond(
                "Available",
                true,
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.".into(),
            )
        } else {
            cond(
                "Available",
                false,
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.".into(),
            )
        },
        if complete {
            cond(
                "Progressing",
                true,
                "NewReplicaSetAvailable",
                format!("ReplicaSet \"{rs_name}\" has successfully progressed."),
            )
        } else {
            cond(
                "Progressing",
                true,
                "ReplicaSetUpdated",
                format!("ReplicaSet \"{rs_name}\" is progressing."),
            )
        },
    ];
    let mut status = json!({"observedGeneration":replicas(&d, "/metadata/generation"),"replicas":total,
        "updatedReplicas":updated,"readyReplicas":ready,"availableReplicas":avail,"conditions":conds});
    if desired > avail {
        status["unavailableReplicas"] = json!(desired - avail);
    }
    let rev = new_rs.map(|rs| revision(rs).to_string());
    let mut changed = d["status"] != status;
    if let Some(rev) = rev {
        if str_at(&d, &["metadata", "annotations", REVISION]) != rev {
            d["metadata"]["annotations"][REVISION] = json!(rev);
            changed = true;
        }
    }
    if changed {
        d["status"] = status;
        st.upsert(Kind::Deployment, d);
    }
}

/// Create a deployment object (used by the seed).
pub fn add_deployment(st: &mut Store, ns: &str, name: &str, replicas: i64, template: Value) {
    let uid = st.next_uid();
    st.upsert(
        Kind::Deployment,
        objects::deployment(ns, name, uid, replicas, template),
    );
}
