//! Paged LIST over many objects: the pages add up to one consistent snapshot, and a watch
//! from the list's resourceVersion sees what changed while the client was paging.

mod common;

use common::*;
use serde_json::Value;
use std::collections::HashSet;

const PODS: &str = "/api/v1/namespaces/kitops/pods";

fn rv_of(obj: &Value) -> u64 {
    obj.pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(|v| v.parse().ok())
        .expect("resourceVersion")
}

fn name_of(obj: &Value) -> String {
    obj["metadata"]["name"].as_str().expect("name").to_string()
}

#[test]
fn paged_list_of_2000_pods_is_complete_ordered_and_pinned_and_a_watch_sees_changes_between_pages() {
    let h = sim(kube_sim::Options {
        pods: 2000,
        nodes: 20,
        ..fast_opts()
    });
    let first = get_json(h.addr, &format!("{PODS}?limit=100"));
    let list_rv = first["metadata"]["resourceVersion"]
        .as_str()
        .expect("list resourceVersion")
        .to_string();
    let mut items: Vec<Value> = first["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 100);
    assert_eq!(first["metadata"]["remainingItemCount"], 1900);

    // Between the first and second page: change one pod of a later page, delete another.
    let full = get_json(h.addr, PODS);
    let names: Vec<String> = full["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(name_of)
        .collect();
    let (patched, deleted) = (names[1234].clone(), names[1500].clone());
    let (code, body) = http(
        h.addr,
        "PATCH",
        &format!("{PODS}/{patched}"),
        "application/merge-patch+json",
        r#"{"metadata":{"labels":{"paged":"between"}}}"#,
    );
    assert_eq!(code, 200, "{body}");
    let (code, body) = http(
        h.addr,
        "DELETE",
        &format!("{PODS}/{deleted}?gracePeriodSeconds=0"),
        "application/json",
        "",
    );
    assert_eq!(code, 200, "{body}");

    let mut token = first["metadata"]["continue"]
        .as_str()
        .expect("continue")
        .to_string();
    let mut pages = 1;
    loop {
        let page = get_json(h.addr, &format!("{PODS}?limit=100&continue={token}"));
        pages += 1;
        assert_eq!(page["metadata"]["resourceVersion"], list_rv.as_str());
        let got = page["items"].as_array().expect("items");
        assert!(got.len() <= 100);
        items.extend(got.iter().cloned());
        match page["metadata"]["continue"].as_str() {
            Some(t) => {
                assert_eq!(page["metadata"]["remainingItemCount"], 2000 - items.len());
                token = t.to_string();
            }
            None => break,
        }
    }
    assert_eq!(pages, 20);

    // Every pod exactly once, in key order, as it was at the list's resourceVersion.
    let listed: Vec<String> = items.iter().map(name_of).collect();
    assert_eq!(listed.len(), 2000);
    assert_eq!(listed.iter().collect::<HashSet<_>>().len(), 2000);
    assert!(listed.windows(2).all(|w| w[0] < w[1]), "pages are in order");
    let list_rv: u64 = list_rv.parse().expect("numeric resourceVersion");
    assert!(items.iter().all(|p| rv_of(p) <= list_rv));
    let at = |name: &str| items.iter().find(|p| name_of(p) == name).expect("listed");
    assert_eq!(at(&patched)["metadata"]["labels"]["paged"], Value::Null);
    assert!(at(&deleted)["metadata"]["deletionTimestamp"].is_null());

    // The cached encoding was replaced on change: GET shows the new state.
    let now = get_json(h.addr, &format!("{PODS}/{patched}"));
    assert_eq!(now["metadata"]["labels"]["paged"], "between");
    assert!(rv_of(&now) > list_rv);
    assert_eq!(
        http(h.addr, "GET", &format!("{PODS}/{deleted}"), "", "").0,
        404
    );

    // A watch from the list's resourceVersion replays exactly what changed since.
    let mut w = Watch::open(
        h.addr,
        &format!("{PODS}?watch=true&resourceVersion={list_rv}"),
    );
    let modified = w.until(50, |e| {
        e["type"] == "MODIFIED" && e["object"]["metadata"]["name"] == patched.as_str()
    });
    assert_eq!(modified["object"]["metadata"]["labels"]["paged"], "between");
    assert!(rv_of(&modified["object"]) > list_rv);
    let gone = w.until(50, |e| {
        e["type"] == "DELETED" && e["object"]["metadata"]["name"] == deleted.as_str()
    });
    assert!(rv_of(&gone["object"]) > rv_of(&modified["object"]));
    let replacement = w.until(50, |e| e["type"] == "ADDED");
    assert!(!listed.contains(&name_of(&replacement["object"])));
}
