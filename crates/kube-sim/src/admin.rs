//! Fault injection and introspection endpoints under /_sim/.

use crate::controller;
use crate::server::{error, json, Req, Resp};
use crate::shared::{FailRule, ForbidRule, Shared};
use crate::store::Kind;
use crate::util::now_rfc3339;
use hyper::Method;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use std::time::Duration;

fn field<'a>(body: &'a Value, k: &str) -> Result<&'a str, Resp> {
    body.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| error(400, "BadRequest", format!("missing string field {k:?}")))
}

pub fn handle(shared: &Shared, req: &Req) -> Resp {
    match run(shared, req) {
        Ok(r) | Err(r) => r,
    }
}

fn run(shared: &Shared, req: &Req) -> Result<Resp, Resp> {
    let body = req.json_body()?;
    let m = &req.method;
    let ok = |v: Value| Ok(json(200, &v));
    match (m, req.path.trim_end_matches('/')) {
        (&Method::GET, "/_sim/requests") => {
            let counts = shared.counts().clone();
            let total: u64 = counts.values().sum();
            let log = shared.requests().records();
            ok(json!({"total": total, "counts": counts, "log": log}))
        }
        (&Method::DELETE, "/_sim/requests") => {
            shared.counts().clear();
            shared.requests().clear();
            ok(json!({"total": 0, "counts": {}}))
        }
        (&Method::GET, "/_sim/state") => {
            let st = shared.store();
            let f = shared.faults();
            ok(
                json!({"resourceVersion": st.rv.to_string(), "compactedResourceVersion": st.compacted_rv.to_string(),
                "activeStreams": shared.active_streams.load(Ordering::SeqCst), "pods": st.count(Kind::Pod),
                "nodes": st.count(Kind::Node), "latencyMs": f.latency.as_millis() as u64,
                "metricsEnabled": f.metrics_enabled, "forbid": f.forbid, "fail": f.fail}),
            )
        }
        (&Method::POST, "/_sim/forbid") => {
            let rule: ForbidRule = serde_json::from_value(body).map_err(|e| {
                error(
                    400,
                    "BadRequest",
                    format!("expected {{verb, resource, group?, namespace?}}: {e}"),
                )
            })?;
            let mut f = shared.faults();
            if !f.forbid.contains(&rule) {
                f.forbid.push(rule);
            }
            ok(json!({"forbid": f.forbid}))
        }
        (&Method::DELETE, "/_sim/forbid") => {
            shared.faults().forbid.clear();
            ok(json!({"forbid": []}))
        }
        (&Method::POST, "/_sim/fail") => {
            let rule: FailRule = serde_json::from_value(body).map_err(|e| {
                error(
                    400,
                    "BadRequest",
                    format!("expected {{code, verb, resource, group?, namespace?, reason?}}: {e}"),
                )
            })?;
            let mut f = shared.faults();
            if !f.fail.contains(&rule) {
                f.fail.push(rule);
            }
            ok(json!({"fail": f.fail}))
        }
        (&Method::DELETE, "/_sim/fail") => {
            shared.faults().fail.clear();
            ok(json!({"fail": []}))
        }
        (&Method::POST, "/_sim/latency") => {
            let ms = body
                .get("ms")
                .and_then(Value::as_u64)
                .ok_or_else(|| error(400, "BadRequest", "expected {\"ms\": N}"))?;
            shared.faults().latency = Duration::from_millis(ms);
            ok(json!({"ms": ms}))
        }
        (&Method::POST, "/_sim/metrics") => {
            let on = body
                .get("enabled")
                .and_then(Value::as_bool)
                .ok_or_else(|| error(400, "BadRequest", "expected {\"enabled\": bool}"))?;
            shared.faults().metrics_enabled = on;
            ok(json!({"enabled": on}))
        }
        (&Method::POST, "/_sim/drop-watches") => {
            let n = shared.active_streams.load(Ordering::SeqCst);
            shared.drop_tx.send_modify(|v| *v += 1);
            ok(json!({"dropped": n}))
        }
        (&Method::POST, "/_sim/compact") => {
            let rv = shared.store().compact();
            ok(json!({"compactedResourceVersion": rv.to_string()}))
        }
        (&Method::POST, "/_sim/reset") => {
            let mut f = shared.faults();
            f.forbid.clear();
            f.fail.clear();
            f.latency = Duration::ZERO;
            f.metrics_enabled = true;
            ok(json!({"reset": true}))
        }
        (&Method::POST, "/_sim/pod-fault") => {
            let ns = body
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("kitops");
            let (name, fault) = (field(&body, "name")?, field(&body, "fault")?);
            let mut st = shared.store();
            match crate::pods::apply_fault(&mut st, &shared.cfg, ns, name, fault) {
                Ok(pod) => ok(pod),
                Err(e) if e.contains("not found") => Err(error(404, "NotFound", e)),
                Err(e) => Err(error(400, "BadRequest", e)),
            }
        }
        (&Method::POST, "/_sim/node-condition") => node_condition(shared, &body),
        _ => Err(error(
            404,
            "NotFound",
            format!("unknown admin endpoint {} {}", m, req.path),
        )),
    }
}

fn node_condition(shared: &Shared, body: &Value) -> Result<Resp, Resp> {
    let name = field(body, "node")?;
    let mut st = shared.store();
    let mut node = st
        .get(Kind::Node, "", name)
        .ok_or_else(|| error(404, "NotFound", format!("nodes \"{name}\" not found")))?;
    if let Some(u) = body.get("unschedulable").and_then(Value::as_bool) {
        node["spec"]["unschedulable"] = json!(u);
    }
    if let Some(ty) = body.get("type").and_then(Value::as_str) {
        let status = field(body, "status")?;
        if !matches!(status, "True" | "False" | "Unknown") {
            return Err(error(
                400,
                "BadRequest",
                "status must be True, False or Unknown",
            ));
        }
        let reason = body
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or(match (ty, status) {
                ("MemoryPressure", "True") => "KubeletHasInsufficientMemory",
                ("DiskPressure", "True") => "KubeletHasDiskPressure",
                ("PIDPressure", "True") => "KubeletHasInsufficientPID",
                ("Ready", "True") => "KubeletReady",
                ("Ready", _) => "KubeletNotReady",
                _ => "KubeSimInjected",
            });
        let msg = body
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("condition injected by kube-sim");
        let now = now_rfc3339();
        let cond = json!({"type":ty,"status":status,"reason":reason,"message":msg,"lastHeartbeatTime":now,"lastTransitionTime":now});
        let conds = node["status"]["conditions"]
            .as_array_mut()
            .ok_or_else(|| error(500, "InternalError", "node has no conditions"))?;
        match conds.iter_mut().find(|c| c["type"] == ty) {
            Some(c) => *c = cond,
            None => conds.push(cond),
        }
    }
    let out = st.upsert(Kind::Node, node);
    controller::reconcile(&mut st, &shared.cfg);
    Ok(json(200, &out))
}
