//! Server-side printing (meta.k8s.io/v1 Table), as requested by kubectl get.

use crate::server::Req;
use crate::store::Kind;
use crate::util::{name_of, now_unix, parse_time, str_at};
use serde_json::{json, Value};

pub fn wants_table(req: &Req) -> bool {
    req.header("accept").contains("as=Table")
}

/// kubectl-style short duration ("45s", "3m12s", "5h", "2d").
pub fn age(ts: &str) -> String {
    let Some(t) = parse_time(ts).map(|t| t.as_secs()) else {
        return "<unknown>".into();
    };
    let s = now_unix().as_secs().saturating_sub(t);
    match s {
        0..=119 => format!("{s}s"),
        120..=599 => format!("{}m{}s", s / 60, s % 60),
        600..=10799 => format!("{}m", s / 60),
        10800..=28799 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        28800..=172_799 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

fn col(name: &str, ty: &str, priority: u8) -> Value {
    let format = if name == "Name" { "name" } else { "" };
    json!({"name":name,"type":ty,"format":format,"description":"","priority":priority})
}

fn pod_status(p: &Value) -> String {
    if p.pointer("/metadata/deletionTimestamp").is_some() {
        return "Terminating".into();
    }
    let cs = p
        .pointer("/status/containerStatuses")
        .and_then(Value::as_array);
    for c in cs.into_iter().flatten() {
        let r = str_at(c, &["state", "waiting", "reason"]);
        if !r.is_empty() {
            return r.into();
        }
    }
    str_at(p, &["status", "phase"]).into()
}

fn row(kind: Kind, o: &Value) -> Vec<Value> {
    let i = |p: &str| o.pointer(p).and_then(Value::as_i64).unwrap_or(0);
    let created = age(str_at(o, &["metadata", "creationTimestamp"]));
    match kind {
        Kind::Pod => {
            let cs: Vec<Value> = o
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let total = o
                .pointer("/spec/containers")
                .and_then(Value::as_array)
                .map_or(0, |c| c.len());
            let ready = cs.iter().filter(|c| c["ready"] == true).count();
            let restarts: i64 = cs
                .iter()
                .map(|c| c["restartCount"].as_i64().unwrap_or(0))
                .sum();
            let none = |s: &str| {
                if s.is_empty() {
                    "<none>".to_string()
                } else {
                    s.to_string()
                }
            };
            vec![
                json!(name_of(o)),
                json!(format!("{ready}/{total}")),
                json!(pod_status(o)),
                json!(restarts),
                json!(created),
                json!(none(str_at(o, &["status", "podIP"]))),
                json!(none(str_at(o, &["spec", "nodeName"]))),
                json!("<none>"),
                json!("<none>"),
            ]
        }
        Kind::Deployment => vec![
            json!(name_of(o)),
            json!(format!(
                "{}/{}",
                i("/status/readyReplicas"),
                i("/spec/replicas")
            )),
            json!(i("/status/updatedReplicas")),
            json!(i("/status/availableReplicas")),
            json!(created),
        ],
        Kind::ReplicaSet => vec![
            json!(name_of(o)),
            json!(i("/spec/replicas")),
            json!(i("/status/replicas")),
            json!(i("/status/readyReplicas")),
            json!(created),
        ],
        Kind::Node => {
            let ready = o
                .pointer("/status/conditions")
                .and_then(Value::as_array)
                .and_then(|c| c.iter().find(|c| c["type"] == "Ready"))
                .is_some_and(|c| c["status"] == "True");
            let mut s = if ready {
                "Ready".to_string()
            } else {
                "NotReady".to_string()
            };
            if o.pointer("/spec/unschedulable") == Some(&json!(true)) {
                s.push_str(",SchedulingDisabled");
            }
            vec![
                json!(name_of(o)),
                json!(s),
                json!("<none>"),
                json!(created),
                json!(str_at(o, &["status", "nodeInfo", "kubeletVersion"])),
            ]
        }
        Kind::Namespace => vec![
            json!(name_of(o)),
            json!(str_at(o, &["status", "phase"])),
            json!(created),
        ],
        Kind::Event => vec![
            json!(created),
            json!(str_at(o, &["type"])),
            json!(str_at(o, &["reason"])),
            json!(format!(
                "{}/{}",
                str_at(o, &["involvedObject", "kind"]).to_lowercase(),
                str_at(o, &["involvedObject", "name"])
            )),
            json!(str_at(o, &["message"])),
        ],
    }
}

fn columns(kind: Kind) -> Vec<Value> {
    match kind {
        Kind::Pod => vec![
            col("Name", "string", 0),
            col("Ready", "string", 0),
            col("Status", "string", 0),
            col("Restarts", "integer", 0),
            col("Age", "string", 0),
            col("IP", "string", 1),
            col("Node", "string", 1),
            col("Nominated Node", "string", 1),
            col("Readiness Gates", "string", 1),
        ],
        Kind::Deployment => vec![
            col("Name", "string", 0),
            col("Ready", "string", 0),
            col("Up-to-date", "integer", 0),
            col("Available", "integer", 0),
            col("Age", "string", 0),
        ],
        Kind::ReplicaSet => vec![
            col("Name", "string", 0),
            col("Desired", "integer", 0),
            col("Current", "integer", 0),
            col("Ready", "integer", 0),
            col("Age", "string", 0),
        ],
        Kind::Node => vec![
            col("Name", "string", 0),
            col("Status", "string", 0),
            col("Roles", "string", 0),
            col("Age", "string", 0),
            col("Version", "string", 0),
        ],
        Kind::Namespace => vec![
            col("Name", "string", 0),
            col("Status", "string", 0),
            col("Age", "string", 0),
        ],
        // As the API server's: `kubectl get events` shows these.
        Kind::Event => vec![
            col("Last Seen", "string", 0),
            col("Type", "string", 0),
            col("Reason", "string", 0),
            col("Object", "string", 0),
            col("Message", "string", 0),
        ],
    }
}

pub fn table(kind: Kind, items: &[Value], rv: &str) -> Value {
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            json!({"cells":row(kind, o),"object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1","metadata":o["metadata"]}})
        })
        .collect();
    json!({"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":rv},
        "columnDefinitions":columns(kind),"rows":rows})
}
