//! Legacy (non-aggregated) discovery documents: /version, /api, /apis, resource lists.

use serde_json::{json, Value};

const RW: &[&str] = &[
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
];

fn res(
    name: &str,
    singular: &str,
    namespaced: bool,
    kind: &str,
    verbs: &[&str],
    short: &[&str],
) -> Value {
    let mut r = json!({"name":name,"singularName":singular,"namespaced":namespaced,"kind":kind,"verbs":verbs});
    if !short.is_empty() {
        r["shortNames"] = json!(short);
    }
    if matches!(name, "pods" | "deployments" | "replicasets") {
        r["categories"] = json!(["all"]);
    }
    r
}

fn sub(name: &str, namespaced: bool, kind: &str, verbs: &[&str]) -> Value {
    json!({"name":name,"singularName":"","namespaced":namespaced,"kind":kind,"verbs":verbs})
}

pub fn version() -> Value {
    json!({"major":"1","minor":"32","emulationMajor":"1","emulationMinor":"32",
        "gitVersion":"v1.32.4-kube-sim","gitCommit":"0000000000000000000000000000000000000000",
        "gitTreeState":"clean","buildDate":"2025-04-22T00:00:00Z","goVersion":"go1.23.8",
        "compiler":"gc","platform":"linux/amd64"})
}

pub fn api_versions() -> Value {
    json!({"kind":"APIVersions","versions":["v1"],
        "serverAddressByClientCIDRs":[{"clientCIDR":"0.0.0.0/0","serverAddress":"127.0.0.1:0"}]})
}

fn group(name: &str, version: &str) -> Value {
    let gv = json!({"groupVersion":format!("{name}/{version}"),"version":version});
    json!({"name":name,"versions":[gv.clone()],"preferredVersion":gv})
}

pub fn group_list(metrics: bool) -> Value {
    let mut groups = vec![group("apps", "v1")];
    if metrics {
        groups.push(group("metrics.k8s.io", "v1beta1"));
    }
    json!({"kind":"APIGroupList","apiVersion":"v1","groups":groups})
}

pub fn api_group(name: &str, metrics: bool) -> Option<Value> {
    match name {
        "apps" => Some(group("apps", "v1")),
        "metrics.k8s.io" if metrics => Some(group("metrics.k8s.io", "v1beta1")),
        _ => None,
    }
    .map(|mut g| {
        g["kind"] = json!("APIGroup");
        g["apiVersion"] = json!("v1");
        g
    })
}

pub fn resource_list(group: &str, version: &str, metrics: bool) -> Option<Value> {
    let (gv, resources) = match (group, version) {
        ("", "v1") => (
            "v1",
            vec![
                res("events", "event", true, "Event", RW, &["ev"]),
                res(
                    "namespaces",
                    "namespace",
                    false,
                    "Namespace",
                    &[
                        "create", "delete", "get", "list", "patch", "update", "watch",
                    ],
                    &["ns"],
                ),
                res("nodes", "node", false, "Node", RW, &["no"]),
                res("pods", "pod", true, "Pod", RW, &["po"]),
                sub("pods/log", true, "Pod", &["get"]),
            ],
        ),
        ("apps", "v1") => {
            let mut scale = sub(
                "deployments/scale",
                true,
                "Scale",
                &["get", "patch", "update"],
            );
            scale["group"] = json!("autoscaling");
            scale["version"] = json!("v1");
            (
                "apps/v1",
                vec![
                    res(
                        "deployments",
                        "deployment",
                        true,
                        "Deployment",
                        RW,
                        &["deploy"],
                    ),
                    scale,
                    sub(
                        "deployments/status",
                        true,
                        "Deployment",
                        &["get", "patch", "update"],
                    ),
                    res("replicasets", "replicaset", true, "ReplicaSet", RW, &["rs"]),
                    sub(
                        "replicasets/status",
                        true,
                        "ReplicaSet",
                        &["get", "patch", "update"],
                    ),
                ],
            )
        }
        ("metrics.k8s.io", "v1beta1") if metrics => (
            "metrics.k8s.io/v1beta1",
            vec![
                res("nodes", "", false, "NodeMetrics", &["get", "list"], &[]),
                res("pods", "", true, "PodMetrics", &["get", "list"], &[]),
            ],
        ),
        _ => return None,
    };
    Some(
        json!({"kind":"APIResourceList","apiVersion":"v1","groupVersion":gv,"resources":resources}),
    )
}
