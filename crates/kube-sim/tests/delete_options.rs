//! DeleteOptions in the request body, where kube-rs puts them: a dry run must not delete.

mod common;

use common::*;
use serde_json::Value;

const PODS: &str = "/api/v1/namespaces/kitops/pods";

fn delete(h: &kube_sim::Handle, pod: &str, body: &str) -> (u16, Value) {
    let (code, text) = http(
        h.addr,
        "DELETE",
        &format!("{PODS}/{pod}"),
        "application/json",
        body,
    );
    let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (code, json)
}

fn still_running(h: &kube_sim::Handle, pod: &str) -> bool {
    let (code, text) = http(h.addr, "GET", &format!("{PODS}/{pod}"), "", "");
    let obj: Value = serde_json::from_str(&text).unwrap_or_default();
    code == 200 && obj["metadata"]["deletionTimestamp"].is_null()
}

#[test]
fn dry_run_in_the_body_leaves_the_pod_in_place_and_answers_like_a_server() {
    let h = sim(fast_opts());
    let pod = pod_names(h.addr, "app%3Dkitops-backend").remove(0);
    let rv = get_json(h.addr, "/_sim/state")["resourceVersion"].clone();

    let (code, obj) = delete(&h, &pod, r#"{"dryRun":["All"]}"#);
    assert_eq!(code, 200, "{obj}");
    // The pod as a graceful deletion would leave it, nothing persisted.
    assert_eq!(obj["kind"], "Pod");
    assert_eq!(obj["metadata"]["name"], pod.as_str());
    assert!(obj["metadata"]["deletionTimestamp"].is_string(), "{obj}");
    assert_eq!(obj["metadata"]["deletionGracePeriodSeconds"], 30);
    assert!(still_running(&h, &pod));

    // kube-rs's DeleteParams { dry_run: true, grace_period_seconds: Some(0), .. } with a
    // uid precondition, as the console's delete dialog sends it.
    let uid = get_json(h.addr, &format!("{PODS}/{pod}"))["metadata"]["uid"].clone();
    let body = serde_json::json!({"dryRun": ["All"], "gracePeriodSeconds": 0,
        "propagationPolicy": "Background", "preconditions": {"uid": uid}});
    let (code, obj) = delete(&h, &pod, &body.to_string());
    assert_eq!(code, 200, "{obj}");
    assert!(obj["metadata"]["deletionTimestamp"].is_null());
    assert!(still_running(&h, &pod));
    assert_eq!(get_json(h.addr, "/_sim/state")["resourceVersion"], rv);

    // Preconditions are still checked on a dry run.
    let (code, obj) = delete(
        &h,
        &pod,
        r#"{"dryRun":["All"],"preconditions":{"uid":"not-the-uid"}}"#,
    );
    assert_eq!(code, 409, "{obj}");
    assert_eq!(obj["reason"], "Conflict");

    // A dryRun value the server does not know is refused, not carried out for real.
    let (code, obj) = delete(&h, &pod, r#"{"dryRun":["Everything"]}"#);
    assert_eq!(code, 422, "{obj}");
    assert_eq!(obj["reason"], "Invalid");
    let (code, text) = http(
        h.addr,
        "DELETE",
        &format!("{PODS}/{pod}?dryRun=true"),
        "application/json",
        "",
    );
    assert_eq!(code, 422, "{text}");
    let (code, obj) = delete(&h, &pod, r#"{"dryRun":"All"}"#);
    assert_eq!(code, 400, "{obj}");
    let (code, obj) = delete(&h, &pod, r#"{"propagationPolicy":"Sometimes"}"#);
    assert_eq!(code, 422, "{obj}");
    assert!(still_running(&h, &pod));
    assert_eq!(get_json(h.addr, "/_sim/state")["resourceVersion"], rv);
}

#[test]
fn grace_period_in_the_body_is_honoured_and_wins_over_the_query() {
    let h = sim(fast_opts());
    let mut pods = pod_names(h.addr, "app%3Dkitops-backend");
    let (graceful, immediate) = (pods.remove(0), pods.remove(0));

    let (code, obj) = delete(&h, &immediate, r#"{"gracePeriodSeconds":0}"#);
    assert_eq!(code, 200, "{obj}");
    assert_eq!(
        http(h.addr, "GET", &format!("{PODS}/{immediate}"), "", "").0,
        404
    );

    let (code, text) = http(
        h.addr,
        "DELETE",
        &format!("{PODS}/{graceful}?gracePeriodSeconds=0"),
        "application/json",
        r#"{"gracePeriodSeconds":30}"#,
    );
    assert_eq!(code, 200, "{text}");
    // The answer, not a GET: the simulator ends a termination within 100 ms here.
    let obj: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(obj["metadata"]["deletionGracePeriodSeconds"], 30);
    assert!(obj["metadata"]["deletionTimestamp"].is_string());
}

#[test]
fn the_request_log_tells_a_dry_run_delete_from_a_real_one() {
    let h = sim(fast_opts());
    let pods = pod_names(h.addr, "app%3Dkitops-backend");
    let (code, obj) = delete(&h, &pods[0], r#"{"dryRun":["All"]}"#);
    assert_eq!(code, 200, "{obj}");
    let (code, text) = http(
        h.addr,
        "DELETE",
        &format!("{PODS}/{}?dryRun=All", pods[1]),
        "application/json",
        "",
    );
    assert_eq!(code, 200, "{text}");
    assert!(h.mutations().is_empty(), "{:?}", h.request_log());
    let (code, obj) = delete(&h, &pods[2], r#"{"gracePeriodSeconds":0}"#);
    assert_eq!(code, 200, "{obj}");

    let deletes: Vec<_> = h
        .request_log()
        .into_iter()
        .filter(|r| r.verb == "delete")
        .map(|r| {
            (
                r.path.rsplit('/').next().unwrap_or("").to_string(),
                r.dry_run,
                r.status,
            )
        })
        .collect();
    assert_eq!(
        deletes,
        [
            (pods[0].clone(), true, 200),
            (pods[1].clone(), true, 200),
            (pods[2].clone(), false, 200),
        ]
    );
    let mutations = h.mutations();
    assert_eq!(mutations.len(), 1, "{mutations:?}");
    assert_eq!(mutations[0].method, "DELETE");
    assert_eq!(mutations[0].path, format!("{PODS}/{}", pods[2]));
    let admin = get_json(h.addr, "/_sim/requests");
    assert_eq!(
        admin["log"].as_array().map(Vec::len),
        Some(h.request_log().len()),
        "{admin}"
    );
}
