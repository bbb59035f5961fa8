//! LIST / GET / PATCH / PUT / DELETE handlers and the deployments/scale subresource.

use crate::controller;
use crate::paging;
use crate::patch::{json_patch, merge_patch, strategic_merge};
use crate::selectors::{FieldSelector, LabelSelector};
use crate::server::{error, json, json_bytes, Req, Resp};
use crate::shared::Shared;
use crate::store::{Kind, StoredObject};
use crate::table;
use crate::util::{status_details, str_at};
use bytes::Bytes;
use serde_json::{json, Value};

pub fn selectors(req: &Req) -> Result<(LabelSelector, FieldSelector), Resp> {
    let ls = LabelSelector::parse(req.q("labelSelector").unwrap_or(""));
    let fs = FieldSelector::parse(req.q("fieldSelector").unwrap_or(""));
    match (ls, fs) {
        (Ok(l), Ok(f)) => Ok((l, f)),
        (Err(e), _) | (_, Err(e)) => Err(error(400, "BadRequest", e)),
    }
}

fn qualified(kind: Kind) -> String {
    match kind.group() {
        "" => kind.resource().to_string(),
        g => format!("{}.{g}", kind.resource()),
    }
}

pub fn not_found(kind: Kind, name: &str) -> Resp {
    let msg = format!("{} \"{name}\" not found", qualified(kind));
    json(
        404,
        &status_details(404, "NotFound", msg, name, kind.resource()),
    )
}

pub fn conflict(kind: Kind, name: &str, why: &str) -> Resp {
    let msg = format!(
        "Operation cannot be fulfilled on {} \"{name}\": {why}",
        qualified(kind)
    );
    json(
        409,
        &status_details(409, "Conflict", msg, name, kind.resource()),
    )
}

fn invalid(kind: Kind, name: &str, why: &str) -> Resp {
    let k = match kind.group() {
        "" => kind.kind().to_string(),
        g => format!("{}.{g}", kind.kind()),
    };
    let msg = format!("{k} \"{name}\" is invalid: {why}");
    json(
        422,
        &status_details(422, "Invalid", msg, name, kind.resource()),
    )
}

pub fn list(shared: &Shared, req: &Req, kind: Kind, ns: Option<&str>) -> Resp {
    let (ls, fs) = match selectors(req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let limit = match req
        .q("limit")
        .filter(|l| !l.is_empty())
        .map(str::parse::<i64>)
    {
        None => None,
        Some(Ok(l)) if l > 0 => Some(l as usize),
        Some(Ok(_)) => None, // 0 or negative: no limit, as the API server does
        Some(Err(_)) => return error(400, "BadRequest", "limit must be an integer"),
    };
    let cont = match req.q("continue").filter(|c| !c.is_empty()) {
        None => None,
        Some(_) if req.q("resourceVersion").is_some_and(|v| !v.is_empty()) => {
            return error(
                400,
                "BadRequest",
                "specifying resource version is not allowed when using continue",
            )
        }
        Some(c) => match paging::decode(c, ns, kind) {
            Ok(c) => Some(c),
            Err(r) => return r,
        },
    };
    let unfiltered = req.q("labelSelector").unwrap_or("").is_empty()
        && req.q("fieldSelector").unwrap_or("").is_empty();
    let keep = |o: &StoredObject| ls.matches_object(o) && fs.matches_object(o);
    let st = shared.store();
    let page = match paging::page(&st, kind, ns, cont.as_ref(), limit, keep, unfiltered) {
        Ok(p) => p,
        Err(r) => return r,
    };
    // The page holds shared encodings: build the body without holding the store.
    drop(st);
    let rv = page.rv.to_string();
    if table::wants_table(req) {
        let items: Vec<Value> = page.items.iter().map(|o| o.value()).collect();
        let mut body = table::table(kind, &items, &rv);
        page.annotate(&mut body);
        return json(200, &body);
    }
    let mut head = json!({"resourceVersion": rv});
    if let Some(c) = &page.cont {
        head["continue"] = json!(c);
    }
    if let Some(n) = page.remaining {
        head["remainingItemCount"] = json!(n);
    }
    let head = format!(
        r#"{{"kind":"{}List","apiVersion":"{}","metadata":{head},"items":["#,
        kind.kind(),
        kind.api_version()
    );
    let size = page.items.iter().map(|o| o.json.len() + 1).sum::<usize>();
    let mut body = Vec::with_capacity(head.len() + size + 2);
    body.extend_from_slice(head.as_bytes());
    for (i, o) in page.items.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(&o.json);
    }
    body.extend_from_slice(b"]}");
    json_bytes(200, Bytes::from(body))
}

pub fn get(shared: &Shared, req: &Req, kind: Kind, ns: &str, name: &str) -> Resp {
    let obj = shared.store().object(kind, ns, name).cloned();
    match obj {
        Some(o) if table::wants_table(req) => {
            let rv = o.resource_version.to_string();
            json(200, &table::table(kind, &[o.value()], &rv))
        }
        Some(o) => json_bytes(200, o.json.clone()),
        None => not_found(kind, name),
    }
}

fn apply_patch(req: &Req, target: &mut Value, patch: &Value) -> Result<(), Resp> {
    let ct = req
        .header("content-type")
        .split(';')
        .next()
        .unwrap_or("")
        .trim();
    let needs_object = || {
        if patch.is_object() {
            Ok(())
        } else {
            Err(error(400, "BadRequest", "patch body must be a JSON object"))
        }
    };
    match ct {
        "application/merge-patch+json" => needs_object().map(|_| merge_patch(target, patch)),
        "application/strategic-merge-patch+json" => needs_object().map(|_| strategic_merge(target, patch)),
        "application/json-patch+json" => json_patch(target, patch).map_err(|e| error(422, "Invalid", format!("the server rejected our request due to an error in our request: {e}"))),
        _ => Err(error(415, "UnsupportedMediaType", "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json")),
    }
}

/// Restore server-owned fields, validate, and bump generation on spec change.
fn finalize(kind: Kind, name: &str, cur: &Value, new: &mut Value) -> Result<(), Resp> {
    let rv = str_at(new, &["metadata", "resourceVersion"]);
    if !rv.is_empty() && rv != str_at(cur, &["metadata", "resourceVersion"]) {
        return Err(conflict(kind, name, "the object has been modified; please apply your changes to the latest version and try again"));
    }
    if !new["metadata"].is_object() {
        return Err(error(400, "BadRequest", "metadata must be an object"));
    }
    for f in [
        "name",
        "namespace",
        "uid",
        "creationTimestamp",
        "generation",
        "resourceVersion",
        "deletionTimestamp",
    ] {
        match cur["metadata"].get(f) {
            Some(v) => new["metadata"][f] = v.clone(),
            None => {
                if let Some(m) = new["metadata"].as_object_mut() {
                    m.remove(f);
                }
            }
        }
    }
    new["status"] = cur["status"].clone();
    crate::util::strip_nulls(new);
    match kind {
        Kind::Deployment | Kind::ReplicaSet => {
            let r = new.pointer("/spec/replicas");
            if r.is_some_and(|r| r.as_i64().is_none_or(|n| n < 0)) {
                return Err(invalid(
                    kind,
                    name,
                    "spec.replicas: Invalid value: must be greater than or equal to 0",
                ));
            }
            if new["spec"]["selector"] != cur["spec"]["selector"] {
                return Err(invalid(
                    kind,
                    name,
                    "spec.selector: Invalid value: field is immutable",
                ));
            }
            let sel = LabelSelector::from_match_labels(&new["spec"]["selector"]);
            if !new["spec"]["template"].is_object() || !sel.matches(&new["spec"]["template"]) {
                return Err(invalid(kind, name, "spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`"));
            }
        }
        Kind::Pod if new["spec"] != cur["spec"] => {
            return Err(invalid(kind, name, "spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` or `spec.terminationGracePeriodSeconds`"));
        }
        _ => {}
    }
    if new["spec"] != cur["spec"] {
        let g = cur
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        new["metadata"]["generation"] = json!(g + 1);
    }
    Ok(())
}

fn store_and_reconcile(shared: &Shared, req: &Req, kind: Kind, cur: Value, mut new: Value) -> Resp {
    let (ns, name) = (
        crate::util::ns_of(&cur).to_string(),
        crate::util::name_of(&cur).to_string(),
    );
    if let Err(r) = finalize(kind, &name, &cur, &mut new) {
        return r;
    }
    match req.dry_run_query() {
        Ok(true) => return json(200, &new),
        Ok(false) => {}
        Err(r) => return r,
    }
    let mut st = shared.store();
    st.upsert(kind, new);
    controller::reconcile(&mut st, &shared.cfg);
    match st.object(kind, &ns, &name) {
        Some(o) => json_bytes(200, o.json.clone()),
        None => not_found(kind, &name),
    }
}

pub fn patch(shared: &Shared, req: &Req, kind: Kind, ns: &str, name: &str) -> Resp {
    let body = match req.json_body() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(cur) = shared.store().get(kind, ns, name) else {
        return not_found(kind, name);
    };
    let mut new = cur.clone();
    if let Err(r) = apply_patch(req, &mut new, &body) {
        return r;
    }
    store_and_reconcile(shared, req, kind, cur, new)
}

pub fn update(shared: &Shared, req: &Req, kind: Kind, ns: &str, name: &str) -> Resp {
    let body = match req.json_body() {
        Ok(b) if b.is_object() => b,
        Ok(_) => return error(400, "BadRequest", "body must be a JSON object"),
        Err(r) => return r,
    };
    if str_at(&body, &["metadata", "name"]) != name {
        return error(
            400,
            "BadRequest",
            "the name of the object does not match the name on the URL",
        );
    }
    let Some(cur) = shared.store().get(kind, ns, name) else {
        return not_found(kind, name);
    };
    store_and_reconcile(shared, req, kind, cur, body)
}

fn scale_of(d: &Value) -> Value {
    let sel = d
        .pointer("/spec/selector/matchLabels")
        .and_then(Value::as_object);
    let sel: Vec<String> = sel
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect();
    let m = &d["metadata"];
    json!({"kind":"Scale","apiVersion":"autoscaling/v1",
        "metadata":{"name":m["name"],"namespace":m["namespace"],"uid":m["uid"],
            "resourceVersion":m["resourceVersion"],"creationTimestamp":m["creationTimestamp"]},
        "spec":{"replicas":d["spec"]["replicas"]},
        "status":{"replicas":d.pointer("/status/replicas").cloned().unwrap_or(json!(0)),"selector":sel.join(",")}})
}

pub fn scale_get(shared: &Shared, ns: &str, name: &str) -> Resp {
    match shared.store().get(Kind::Deployment, ns, name) {
        Some(d) => json(200, &scale_of(&d)),
        None => not_found(Kind::Deployment, name),
    }
}

pub fn scale_set(shared: &Shared, req: &Req, ns: &str, name: &str) -> Resp {
    let body = match req.json_body() {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(d) = shared.store().get(Kind::Deployment, ns, name) else {
        return not_found(Kind::Deployment, name);
    };
    let mut scale = scale_of(&d);
    if req.method == hyper::Method::PUT {
        scale = body;
    } else if let Err(r) = apply_patch(req, &mut scale, &body) {
        return r;
    }
    let Some(replicas) = scale
        .pointer("/spec/replicas")
        .and_then(Value::as_i64)
        .filter(|r| *r >= 0)
    else {
        return invalid(
            Kind::Deployment,
            name,
            "spec.replicas: Invalid value: must be greater than or equal to 0",
        );
    };
    let mut new = d.clone();
    new["spec"]["replicas"] = json!(replicas);
    new["metadata"]["resourceVersion"] = scale["metadata"]["resourceVersion"].clone();
    let resp = store_and_reconcile(shared, req, Kind::Deployment, d, new);
    if resp.status() != 200 {
        return resp;
    }
    let st = shared.store();
    let mut out = st
        .get(Kind::Deployment, ns, name)
        .map(|d| scale_of(&d))
        .unwrap_or(scale);
    out["spec"]["replicas"] = json!(replicas);
    json(200, &out)
}

/// POST events: records an Event as a kubelet or controller would (tests use it to put
/// text of their choosing in front of a client). An existing name is a 409.
pub fn create_event(shared: &Shared, req: &Req, ns: &str) -> Resp {
    let mut body = match req.json_body() {
        Ok(b) if b.is_object() => b,
        Ok(_) => return error(400, "BadRequest", "body must be a JSON object"),
        Err(r) => return r,
    };
    let name = str_at(&body, &["metadata", "name"]).to_string();
    if name.is_empty() {
        return error(400, "BadRequest", "metadata.name is required");
    }
    let mut st = shared.store();
    if st.get(Kind::Event, ns, &name).is_some() {
        return error(
            409,
            "AlreadyExists",
            format!("events \"{name}\" already exists"),
        );
    }
    body["metadata"]["namespace"] = Value::String(ns.to_string());
    body["metadata"]["uid"] = Value::String(st.next_uid());
    let stored = st.upsert(Kind::Event, body);
    json(201, &stored)
}
