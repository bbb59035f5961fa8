//! The slim decode against the full `k8s_openapi` one: the same compact pod from
//! either, from plain and escaped text, with parts missing, and no panic on any input.

use super::*;
use crate::collect::kube::model::{pod_info, PodInfo};
use serde_json::json;

/// A pod as an API server sends it, with what the console skips (managedFields,
/// labels, probes, images) and a pod of each interesting kind of status.
fn sent() -> serde_json::Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": "kitops-backend-7d9f-x2", "namespace": "kitops", "uid": "u1",
            "resourceVersion": "42", "creationTimestamp": "2026-01-01T00:00:00Z",
            "labels": {"app": "kitops-backend"},
            "managedFields": [{"manager": "kubelet", "fieldsType": "FieldsV1",
                               "fieldsV1": {"f:status": {"f:phase": {}}}}],
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": "n0", "uid": "n"},
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "kitops-backend-7d9f",
                 "uid": "rs1", "controller": true, "blockOwnerDeletion": true}]
        },
        "spec": {"nodeName": "node-17", "containers": [
            {"name": "app", "image": "img:1", "ports": [{"containerPort": 80}],
             "resources": {"requests": {"cpu": "250m", "memory": "128Mi", "ephemeral-storage": "1Gi"},
                           "limits": {"cpu": "1", "memory": "256Mi"}}},
            {"name": "side", "image": "img:2",
             "resources": {"requests": {"cpu": "50m"}, "limits": {"cpu": "100m", "memory": "64Mi"}}}
        ]},
        "status": {
            "phase": "Running", "qosClass": "Burstable", "podIP": "10.0.0.1",
            "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"},
                {"type": "PodScheduled", "status": "True"}],
            "containerStatuses": [
                {"name": "app", "image": "img:1", "imageID": "sha", "ready": true, "restartCount": 2,
                 "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
                 "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                               "finishedAt": "2026-01-01T00:00:05Z"}}},
                {"name": "side", "image": "img:2", "imageID": "sha", "ready": false, "restartCount": 1,
                 "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s"}}}]
        }
    })
}

/// What both decodes make of `text`: `None` if the slim one fails. Panics (fails the
/// test) when the full decode succeeds and the slim one does not, or they differ.
fn both(text: &str) -> Option<PodInfo> {
    let slim = serde_json::from_str::<SlimPod>(text).ok().map(pod_info);
    if let Ok(full) = serde_json::from_str::<Pod>(text) {
        let expected = pod_info(SlimPod::from(&full));
        assert_eq!(slim.as_ref(), Some(&expected), "decoding {text}");
    }
    slim
}

#[test]
fn managed_fields_labels_and_other_owners_are_not_kept() {
    let pod: SlimPod = serde_json::from_value(sent()).expect("pod decodes");
    let m = &pod.metadata.object;
    assert_eq!(m.name.as_deref(), Some("kitops-backend-7d9f-x2"));
    assert_eq!(m.resource_version.as_deref(), Some("42"));
    assert!(m.owner_references.is_none());
    assert!(m.managed_fields.is_none());
    assert!(m.labels.is_none());
    assert_eq!(
        pod.metadata.replicaset.as_deref(),
        Some("kitops-backend-7d9f")
    );
}

#[test]
fn a_pod_reads_the_same_as_the_full_decode_makes_it() {
    let i = both(&sent().to_string()).expect("decodes");
    assert_eq!(i.name, "kitops-backend-7d9f-x2");
    assert_eq!(
        (&*i.namespace, i.node.as_deref()),
        ("kitops", Some("node-17"))
    );
    assert_eq!((i.ready, i.containers, i.restarts), (1, 2, 3));
    assert_eq!(i.reason, "CrashLoopBackOff");
    assert_eq!(i.message, "back-off 10s");
    assert_eq!(i.last_termination.as_deref(), Some("OOMKilled"));
    assert_eq!(i.requests.cpu, Some(0.3));
    assert_eq!(i.requests.memory, Some(128.0 * 1048576.0));
    assert_eq!(i.limits.cpu, Some(1.1));
    assert_eq!(i.limits.memory, Some(320.0 * 1048576.0));
    assert_eq!(i.replicaset.as_deref(), Some("kitops-backend-7d9f"));
}

#[test]
fn escaped_strings_read_as_the_text_they_stand_for() {
    // Every string the slim decode reads in place, escaped.
    let text = sent()
        .to_string()
        .replace("\"kitops\"", r#""kit\u00e9ops""#)
        .replace("\"node-17\"", r#""node\u002d17\n""#)
        .replace("\"ReplicaSet\"", r#""Replica\u0053et""#)
        .replace("\"kitops-backend-7d9f\"", r#""backend\"7d9f""#)
        .replace("\"250m\"", r#""25\u0030m""#)
        .replace("\"Running\"", r#""Runn\u0069ng""#)
        .replace(
            "\"PodScheduled\",\"status\":\"True\"",
            r#""PodSch\u0065duled","status":"F\u0061lse","reason":"Un\u00e9","message":"m\u00e9""#,
        )
        .replace("\"CrashLoopBackOff\"", r#""Crash\u00e9""#);
    let i = both(&text).expect("decodes");
    assert_eq!(i.namespace, "kit\u{e9}ops");
    assert_eq!(i.node.as_deref(), Some("node-17\n"));
    assert_eq!(i.replicaset.as_deref(), Some("backend\"7d9f"));
    assert_eq!(i.requests.cpu, Some(0.3));
    assert_eq!(i.phase, "Running");
    assert_eq!(i.reason, "Crash\u{e9}");
}

#[test]
fn missing_and_null_parts_read_as_absent() {
    for text in [
        "{}",
        r#"{"metadata": null, "spec": null, "status": null}"#,
        r#"{"metadata": {"ownerReferences": null}, "spec": {"nodeName": null, "containers": null}}"#,
        r#"{"spec": {"containers": [{}, {"resources": null}, {"resources": {"requests": null, "limits": {"cpu": null}}}]}}"#,
        r#"{"status": {"phase": null, "conditions": null, "containerStatuses": null}}"#,
        r#"{"status": {"phase": "Pending", "conditions": [{}, {"type": "PodScheduled", "status": "False"}]}}"#,
        r#"{"metadata": {"ownerReferences": [{}, {"controller": true}]}}"#,
    ] {
        let i = both(text).expect(text);
        assert!(i.name.is_empty() && i.namespace.is_empty() && i.replicaset.is_none());
        assert_eq!(i.limits, Resources::default(), "{text}");
    }
    let i = both(r#"{"spec": {"containers": [{}, {"resources": {"limits": {"cpu": "1"}}}]}}"#);
    let i = i.expect("decodes");
    assert_eq!(
        (i.containers, i.limits.cpu, i.requests.cpu),
        (2, None, None)
    );
    let i = both(
        r#"{"status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False"}]}}"#,
    );
    assert_eq!(
        i.map(|i| i.reason.to_string()).as_deref(),
        Some("Pending unscheduled")
    );
}

#[test]
fn hostile_values_fail_the_decode_or_read_as_absent_never_panic() {
    let i = both(
        r#"{"spec": {"containers": [{"resources": {"requests": {"cpu": "lots", "memory": "1e400"}}}]}}"#,
    );
    let i = i.expect("decodes");
    assert_eq!(
        (i.requests.cpu, i.requests.memory),
        (None, Some(f64::INFINITY))
    );
    let i = both(
        r#"{"spec": {"containers": [{"resources": {"requests": {"cpu": 2, "memory": 0.5}}}]}}"#,
    );
    assert_eq!(
        i.map(|i| i.requests),
        Some(Resources {
            cpu: Some(2.0),
            memory: Some(0.5)
        })
    );
    for text in [
        r#"{"spec": {"containers": [{"resources": {"requests": {"cpu": true}}}]}}"#,
        r#"{"spec": {"nodeName": 7}}"#,
        r#"{"spec": {"containers": {}}}"#,
        r#"{"metadata": {"ownerReferences": {"kind": "ReplicaSet"}}}"#,
        r#"{"metadata": {"ownerReferences": [{"kind": 1, "controller": true}]}}"#,
        r#"{"status": {"conditions": [{"type": ["PodScheduled"]}]}}"#,
        r#"{"status": {"phase": {}}}"#,
        "null",
    ] {
        assert!(both(text).is_none(), "{text} decodes");
    }
    // Cut anywhere, or with any byte changed, a page is an error or a pod: not a panic.
    let text = sent().to_string();
    for at in 0..text.len() {
        if text.is_char_boundary(at) {
            both(&text[..at]);
        }
    }
    let mut bytes = text.into_bytes();
    for at in 0..bytes.len() {
        let was = bytes[at];
        for b in [b'"', b'\\', b'{', b']', b'0', b'n'] {
            bytes[at] = b;
            if let Ok(text) = std::str::from_utf8(&bytes) {
                both(text);
            }
        }
        bytes[at] = was;
    }
}
