//! REST/watch semantics against the in-process simulator.

mod common;

use common::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const PODS: &str = "/api/v1/namespaces/kitops/pods";

#[test]
fn watch_from_list_rv_sees_added_modified_deleted_and_bookmarks() {
    let h = sim(fast_opts());
    let list = get_json(h.addr, PODS);
    let rv = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let victim = list["items"][0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let mut w = Watch::open(
        h.addr,
        &format!("{PODS}?watch=true&resourceVersion={rv}&allowWatchBookmarks=true"),
    );
    let bm = w.until(5, |e| e["type"] == "BOOKMARK");
    assert_eq!(bm["object"]["kind"], "Pod");
    let (code, body) = http(
        h.addr,
        "DELETE",
        &format!("{PODS}/{victim}"),
        "application/json",
        r#"{"gracePeriodSeconds":30}"#,
    );
    assert_eq!(code, 200, "{body}");
    let m = w.until(20, |e| {
        e["type"] == "MODIFIED" && e["object"]["metadata"]["name"] == victim.as_str()
    });
    assert!(m["object"]["metadata"]["deletionTimestamp"].is_string());
    let added = w.until(20, |e| e["type"] == "ADDED");
    assert_ne!(added["object"]["metadata"]["name"], victim.as_str());
    w.until(50, |e| {
        e["type"] == "DELETED" && e["object"]["metadata"]["name"] == victim.as_str()
    });
    // Event resourceVersions are increasing and above the list RV.
    let ev_rv: u64 = added["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(ev_rv > rv.parse::<u64>().unwrap());
}

#[test]
fn compaction_makes_old_resource_versions_gone() {
    let h = sim(fast_opts());
    let rv = get_json(h.addr, PODS)["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let victim = get_json(h.addr, PODS)["items"][0]["metadata"]["name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        http(
            h.addr,
            "DELETE",
            &format!("{PODS}/{victim}?gracePeriodSeconds=0"),
            "application/json",
            ""
        )
        .0,
        200
    );
    let (code, body) = http(h.addr, "POST", "/_sim/compact", "application/json", "{}");
    assert_eq!(code, 200, "{body}");
    let mut w = Watch::open(h.addr, &format!("{PODS}?watch=1&resourceVersion={rv}"));
    let e = w.next().expect("error event");
    assert_eq!(e["type"], "ERROR");
    assert_eq!(e["object"]["code"], 410);
    assert_eq!(e["object"]["reason"], "Expired");
    assert!(w.next().is_none(), "stream must end after 410");
    // A fresh list RV still works.
    let rv2 = get_json(h.addr, PODS)["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    let mut w = Watch::open(
        h.addr,
        &format!("{PODS}?watch=1&resourceVersion={rv2}&allowWatchBookmarks=true"),
    );
    w.until(20, |e| e["type"] == "BOOKMARK");
}

#[test]
fn drop_watches_ends_streams() {
    let h = sim(fast_opts());
    let mut w = Watch::open(h.addr, &format!("{PODS}?watch=true"));
    for _ in 0..8 {
        assert_eq!(w.next().expect("initial ADDED")["type"], "ADDED");
    }
    let (code, body) = http(h.addr, "POST", "/_sim/drop-watches", "application/json", "");
    assert_eq!(code, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["dropped"], 1);
    assert!(w.next().is_none());
}

#[test]
fn selectors_forbid_and_counts() {
    let h = sim(fast_opts());
    let be = get_json(
        h.addr,
        &format!("{PODS}?labelSelector=app%3Dkitops-backend"),
    );
    assert_eq!(be["items"].as_array().unwrap().len(), 5);
    let both = get_json(
        h.addr,
        &format!("{PODS}?labelSelector=app%20in%20(kitops-backend,kitops-frontend)"),
    );
    assert_eq!(both["items"].as_array().unwrap().len(), 8);
    let node = be["items"][0]["spec"]["nodeName"]
        .as_str()
        .unwrap()
        .to_string();
    let on_node = get_json(
        h.addr,
        &format!("/api/v1/pods?fieldSelector=spec.nodeName%3D{node}"),
    );
    assert!(on_node["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["spec"]["nodeName"] == node.as_str()));
    assert_eq!(
        http(
            h.addr,
            "GET",
            &format!("{PODS}?labelSelector=a%20b%3Dc"),
            "",
            ""
        )
        .0,
        400
    );

    let rule = json!({"verb":"list","resource":"pods","namespace":"kitops"}).to_string();
    assert_eq!(
        http(h.addr, "POST", "/_sim/forbid", "application/json", &rule).0,
        200
    );
    let (code, body) = http(h.addr, "GET", PODS, "", "");
    assert_eq!(code, 403);
    let st: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(st["reason"], "Forbidden");
    assert_eq!(st["message"], "pods is forbidden: User \"kube-sim\" cannot list resource \"pods\" in API group \"\" in the namespace \"kitops\"");
    assert_eq!(http(h.addr, "DELETE", "/_sim/forbid", "", "").0, 200);
    assert_eq!(http(h.addr, "GET", PODS, "", "").0, 200);

    let counts = get_json(h.addr, "/_sim/requests");
    assert!(
        counts["counts"]["list pods"].as_u64().unwrap() >= 5,
        "{counts}"
    );
    assert_eq!(
        h.request_counts().get("list pods").copied(),
        counts["counts"]["list pods"].as_u64()
    );
}

#[test]
fn patch_dry_run_scale_preconditions_and_metrics_toggle() {
    let h = sim(fast_opts());
    let dep = "/apis/apps/v1/namespaces/kitops/deployments/kitops-backend";
    let (code, body) = http(
        h.addr,
        "PATCH",
        &format!("{dep}/scale?dryRun=All"),
        "application/merge-patch+json",
        r#"{"spec":{"replicas":1}}"#,
    );
    assert_eq!(code, 200, "{body}");
    assert_eq!(get_json(h.addr, dep)["spec"]["replicas"], 5);
    let (code, _) = http(
        h.addr,
        "PATCH",
        dep,
        "application/json-patch+json",
        r#"[{"op":"replace","path":"/spec/replicas","value":3}]"#,
    );
    assert_eq!(code, 200);
    let scale = get_json(h.addr, &format!("{dep}/scale"));
    assert_eq!(scale["kind"], "Scale");
    assert_eq!(scale["spec"]["replicas"], 3);
    let deadline = Instant::now() + Duration::from_secs(5);
    while pod_names(h.addr, "app%3Dkitops-backend").len() != 3 {
        assert!(Instant::now() < deadline, "scale down did not converge");
        std::thread::sleep(Duration::from_millis(50));
    }
    let d = get_json(h.addr, dep);
    assert_eq!(
        d["metadata"]["generation"],
        d["status"]["observedGeneration"]
    );
    assert_eq!(http(h.addr, "PATCH", dep, "text/plain", "{}").0, 415);
    assert_eq!(
        http(
            h.addr,
            "PATCH",
            dep,
            "application/merge-patch+json",
            "{nope"
        )
        .0,
        400
    );

    let pod = pod_names(h.addr, "app%3Dkitops-frontend").remove(0);
    let body =
        r#"{"kind":"DeleteOptions","apiVersion":"v1","preconditions":{"uid":"not-the-uid"}}"#;
    let (code, msg) = http(
        h.addr,
        "DELETE",
        &format!("{PODS}/{pod}"),
        "application/json",
        body,
    );
    assert_eq!(code, 409, "{msg}");
    assert_eq!(
        http(
            h.addr,
            "DELETE",
            &format!("{PODS}/{pod}?dryRun=All"),
            "",
            ""
        )
        .0,
        200
    );
    assert!(get_json(h.addr, &format!("{PODS}/{pod}"))["metadata"]["deletionTimestamp"].is_null());

    let fault = json!({"name": pod, "fault": "CrashLoopBackOff"}).to_string();
    let (code, body) = http(
        h.addr,
        "POST",
        "/_sim/pod-fault",
        "application/json",
        &fault,
    );
    assert_eq!(code, 200, "{body}");
    let p = get_json(h.addr, &format!("{PODS}/{pod}"));
    assert_eq!(
        p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"],
        "CrashLoopBackOff"
    );
    assert_eq!(p["status"]["containerStatuses"][0]["ready"], false);

    let pm = get_json(
        h.addr,
        "/apis/metrics.k8s.io/v1beta1/namespaces/kitops/pods",
    );
    let items = pm["items"].as_array().unwrap();
    assert!(items.len() >= 6, "{pm}");
    assert!(items.iter().all(|m| m["window"] == "15s"
        && m["containers"][0]["usage"]["cpu"]
            .as_str()
            .unwrap()
            .ends_with('n')));
    assert_eq!(
        http(
            h.addr,
            "POST",
            "/_sim/metrics",
            "application/json",
            r#"{"enabled":false}"#
        )
        .0,
        200
    );
    assert_eq!(
        http(h.addr, "GET", "/apis/metrics.k8s.io/v1beta1/nodes", "", "").0,
        404
    );
    assert!(!get_json(h.addr, "/apis")
        .to_string()
        .contains("metrics.k8s.io"));
}

fn item_names(list: &Value) -> Vec<String> {
    let items = list["items"].as_array().expect("items");
    items
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn list_paging_is_a_consistent_snapshot_and_tokens_expire() {
    let h = sim(fast_opts());
    let full = item_names(&get_json(h.addr, PODS));
    assert!(full.len() >= 8, "{full:?}");
    let p1 = get_json(h.addr, &format!("{PODS}?limit=3"));
    let rv = p1["metadata"]["resourceVersion"].clone();
    assert_eq!(item_names(&p1), full[..3]);
    assert_eq!(p1["metadata"]["remainingItemCount"], full.len() - 3);
    // Change the second page after the first one was served: pages stay pinned to `rv`.
    let patch = r#"{"metadata":{"labels":{"paged":"after"}}}"#;
    let (code, body) = http(
        h.addr,
        "PATCH",
        &format!("{PODS}/{}", full[3]),
        "application/merge-patch+json",
        patch,
    );
    assert_eq!(code, 200, "{body}");
    let (code, body) = http(
        h.addr,
        "DELETE",
        &format!("{PODS}/{}?gracePeriodSeconds=0", full[4]),
        "application/json",
        "",
    );
    assert_eq!(code, 200, "{body}");
    let mut seen = item_names(&p1);
    let mut token = p1["metadata"]["continue"]
        .as_str()
        .expect("continue")
        .to_string();
    loop {
        let p = get_json(h.addr, &format!("{PODS}?limit=3&continue={token}"));
        assert_eq!(p["metadata"]["resourceVersion"], rv);
        if seen.len() == 3 {
            assert_eq!(p["items"][0]["metadata"]["labels"]["paged"], Value::Null);
        }
        seen.extend(item_names(&p));
        match p["metadata"]["continue"].as_str() {
            Some(t) => {
                assert_eq!(p["metadata"]["remainingItemCount"], full.len() - seen.len());
                token = t.to_string();
            }
            None => {
                assert_eq!(p["metadata"]["remainingItemCount"], Value::Null);
                break;
            }
        }
    }
    assert_eq!(
        seen, full,
        "pages must add up to the list at the first page's resourceVersion"
    );
    // Filtered pages carry a token but no remainingItemCount.
    let be = get_json(
        h.addr,
        &format!("{PODS}?labelSelector=app%3Dkitops-backend&limit=2"),
    );
    assert_eq!(be["items"].as_array().unwrap().len(), 2);
    assert!(be["metadata"]["continue"].is_string());
    assert_eq!(be["metadata"]["remainingItemCount"], Value::Null);
    // After a change and a compaction the token is too old: 410 Expired, with a token that
    // continues inconsistently from the latest state.
    let p1 = get_json(h.addr, &format!("{PODS}?limit=2"));
    let token = p1["metadata"]["continue"].as_str().unwrap();
    let patch = r#"{"metadata":{"labels":{"paged":"again"}}}"#;
    let (code, _) = http(
        h.addr,
        "PATCH",
        &format!("{PODS}/{}", full[0]),
        "application/merge-patch+json",
        patch,
    );
    assert_eq!(code, 200);
    assert_eq!(
        http(h.addr, "POST", "/_sim/compact", "application/json", "{}").0,
        200
    );
    let (code, body) = http(
        h.addr,
        "GET",
        &format!("{PODS}?limit=2&continue={token}"),
        "application/json",
        "",
    );
    assert_eq!(code, 410, "{body}");
    let status: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status["reason"], "Expired");
    assert!(status["message"]
        .as_str()
        .unwrap()
        .contains("too old to display a consistent list"));
    let inconsistent = status["metadata"]["continue"]
        .as_str()
        .expect("inconsistent token");
    let rest = get_json(h.addr, &format!("{PODS}?limit=100&continue={inconsistent}"));
    assert_eq!(
        item_names(&rest).first(),
        item_names(&get_json(h.addr, PODS)).get(2)
    );
    // Garbage and a resourceVersion next to a token are rejected.
    assert_eq!(
        http(
            h.addr,
            "GET",
            &format!("{PODS}?limit=2&continue=%%%"),
            "application/json",
            ""
        )
        .0,
        400
    );
    let both = format!("{PODS}?limit=2&resourceVersion=1&continue={inconsistent}");
    assert_eq!(http(h.addr, "GET", &both, "application/json", "").0, 400);
}

#[test]
fn a_log_line_annotation_goes_verbatim_into_every_third_line() {
    let h = sim(fast_opts());
    let pod = pod_names(h.addr, "app=kitops-frontend")[0].clone();
    let text = "\u{1b}[2J evil\u{202e}";
    let (code, body) = http(
        h.addr,
        "PATCH",
        &format!("{PODS}/{pod}"),
        "application/merge-patch+json",
        &json!({"metadata": {"annotations": {kube_sim::LOG_LINE_ANNOTATION: text}}}).to_string(),
    );
    assert_eq!(code, 200, "{body}");
    let deadline = Instant::now() + Duration::from_secs(10);
    let log = loop {
        let (code, log) = http(h.addr, "GET", &format!("{PODS}/{pod}/log"), "", "");
        if code == 200 && log.lines().count() >= 6 {
            break log;
        }
        assert!(Instant::now() < deadline, "no log: {code} {log}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let lines: Vec<&str> = log.lines().collect();
    let ours = lines
        .iter()
        .filter(|l| l.ends_with(&format!("msg={text}")))
        .count();
    assert!(
        ours >= lines.len() / 3 && ours <= lines.len() / 3 + 1,
        "{log}"
    );
    assert!(lines
        .iter()
        .any(|l| l.starts_with("level=warn component=") && l.contains(text)));
}
