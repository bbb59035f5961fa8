//! Conversions from the API types to the compact models.

use super::*;

#[test]
fn quantities() {
    assert_eq!(parse_quantity("250m"), Some(0.25));
    assert_eq!(parse_quantity("2"), Some(2.0));
    assert_eq!(parse_quantity("512Mi"), Some(512.0 * 1048576.0));
    assert_eq!(parse_quantity("1G"), Some(1e9));
    assert_eq!(parse_quantity("1e3"), Some(1000.0));
    assert!((parse_quantity("123456789n").unwrap_or(0.0) - 0.123456789).abs() < 1e-12);
    assert_eq!(parse_quantity("12Ki"), Some(12288.0));
    assert_eq!(parse_quantity("x"), None);
}

/// A pod's compact form decoded from its JSON text (as the watcher decodes a page),
/// checked to be what the full `k8s_openapi` decode makes of it too.
fn pod(json: serde_json::Value) -> PodInfo {
    let text = json.to_string();
    let full: k8s_openapi::api::core::v1::Pod = serde_json::from_str(&text).expect("pod json");
    let slim: SlimPod = serde_json::from_str(&text).expect("slim pod json");
    let from_value: SlimPod = serde_json::from_value(json).expect("slim pod value");
    let info = pod_info(slim);
    assert_eq!(pod_info(SlimPod::from(&full)), info);
    assert_eq!(pod_info(from_value), info);
    info
}

#[test]
fn crashloop_and_oomkilled_last_state() {
    let i = pod(serde_json::json!({
        "metadata": {"name": "a", "namespace": "kitops", "uid": "u1",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "r", "controller": true}]},
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "img",
            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "c", "image": "img", "imageID": "", "ready": false,
            "restartCount": 4,
            "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-01-01T00:00:00Z"}}}]}
    }));
    assert_eq!(i.reason, "CrashLoopBackOff");
    assert_eq!(i.last_termination.as_deref(), Some("OOMKilled"));
    assert_eq!(i.restarts, 4);
    assert_eq!(i.replicaset.as_deref(), Some("web-abc"));
    assert_eq!(i.requests.memory, Some(128.0 * 1048576.0));
    assert_eq!(i.limits.cpu, None);
    assert_eq!(i.limits.memory, Some(256.0 * 1048576.0));
}

#[test]
fn unschedulable_and_terminating() {
    let i = pod(serde_json::json!({
        "metadata": {"name": "a", "uid": "u"},
        "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
            "reason": "Unschedulable", "message": "0/3 nodes are available"}]}
    }));
    assert_eq!(i.reason, "Pending Unschedulable");
    assert_eq!(i.message, "0/3 nodes are available");
    let i = pod(serde_json::json!({
        "metadata": {"name": "a", "uid": "u", "deletionTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {"containers": [{"name": "c"}]},
        "status": {"phase": "Running"}
    }));
    assert_eq!(i.reason, "Terminating");
}
