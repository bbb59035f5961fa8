//! Routing of Kubernetes API paths to handlers, request counting and 403 fault injection.

use crate::server::{error, json, text, Req, Resp};
use crate::shared::Shared;
use crate::store::Kind;
use crate::util::status_details;
use crate::{delete, discovery, logs, metrics, request_log, resources, watch};
use hyper::Method;
use std::sync::Arc;

pub struct Target {
    pub group: String,
    pub ns: Option<String>,
    pub resource: String,
    pub name: Option<String>,
    pub sub: Option<String>,
}

fn not_found() -> Resp {
    error(
        404,
        "NotFound",
        "the server could not find the requested resource",
    )
}

fn parse_target(group: &str, rest: &[String]) -> Option<Target> {
    let (ns, rest) = match rest {
        [first, ns, tail @ ..] if first == "namespaces" && !tail.is_empty() => {
            (Some(ns.clone()), tail)
        }
        _ => (None, rest),
    };
    let (resource, name, sub) = match rest {
        [r] => (r.clone(), None, None),
        [r, n] => (r.clone(), Some(n.clone()), None),
        [r, n, s] => (r.clone(), Some(n.clone()), Some(s.clone())),
        _ => return None,
    };
    Some(Target {
        group: group.to_string(),
        ns,
        resource,
        name,
        sub,
    })
}

fn count(shared: &Shared, key: String) {
    *shared.counts().entry(key).or_insert(0) += 1;
}

/// An injected failure (`/_sim/fail`): the first matching rule's status.
fn failed(shared: &Shared, verb: &str, t: &Target) -> Option<Resp> {
    let res = match &t.sub {
        Some(s) => format!("{}/{s}", t.resource),
        None => t.resource.clone(),
    };
    let faults = shared.faults();
    let rule = faults
        .fail
        .iter()
        .find(|r| r.matches.matches(verb, &res, &t.group, t.ns.as_ref()))?;
    let reason = rule.reason.clone().unwrap_or_else(|| {
        match rule.code {
            429 => "TooManyRequests",
            500 => "InternalError",
            503 => "ServiceUnavailable",
            504 => "Timeout",
            410 => "Gone",
            _ => "InternalError",
        }
        .to_string()
    });
    let msg = match rule.code {
        429 => "too many requests, please try again later".to_string(),
        410 => "too old resource version".to_string(),
        c => format!("kube-sim injected error {c} on {verb} {res}"),
    };
    let mut status = crate::util::status(rule.code, &reason, msg);
    if rule.code != 429 {
        return Some(json(rule.code, &status));
    }
    let wait = rule.retry_after_seconds.unwrap_or(1);
    status["details"] = serde_json::json!({ "retryAfterSeconds": wait });
    let mut resp = json(rule.code, &status);
    resp.headers_mut()
        .insert("retry-after", hyper::header::HeaderValue::from(wait));
    Some(resp)
}

fn forbidden(shared: &Shared, verb: &str, t: &Target) -> Option<Resp> {
    let res = match &t.sub {
        Some(s) => format!("{}/{s}", t.resource),
        None => t.resource.clone(),
    };
    let hit = shared
        .faults()
        .forbid
        .iter()
        .any(|r| r.matches(verb, &res, &t.group, t.ns.as_ref()));
    if !hit {
        return None;
    }
    let scope = match &t.ns {
        Some(ns) => format!("in the namespace \"{ns}\""),
        None => "at the cluster scope".to_string(),
    };
    let qualified = if t.group.is_empty() {
        t.resource.clone()
    } else {
        format!("{}.{}", t.resource, t.group)
    };
    let subject = match &t.name {
        Some(n) => format!("{qualified} \"{n}\""),
        None => qualified.clone(),
    };
    let msg = format!(
        "{subject} is forbidden: User \"{}\" cannot {verb} resource \"{res}\" in API group \"{}\" {scope}",
        shared.user, t.group
    );
    let name = t.name.clone().unwrap_or_default();
    Some(json(
        403,
        &status_details(403, "Forbidden", msg, &name, &t.resource),
    ))
}

pub async fn handle(shared: &Arc<Shared>, req: Req) -> Resp {
    let segs: Vec<String> = req
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    let s: Vec<&str> = segs.iter().map(String::as_str).collect();
    let metrics_on = shared.metrics_enabled();
    let disc = match s.as_slice() {
        ["version"] => Some(Some(discovery::version())),
        ["api"] => Some(Some(discovery::api_versions())),
        ["api", v] => Some(discovery::resource_list("", v, metrics_on)),
        ["apis"] => Some(Some(discovery::group_list(metrics_on))),
        ["apis", g] => Some(discovery::api_group(g, metrics_on)),
        ["apis", g, v] => Some(discovery::resource_list(g, v, metrics_on)),
        ["healthz" | "livez" | "readyz", ..] => return text(200, "ok"),
        _ => None,
    };
    if let Some(d) = disc {
        count(shared, "get discovery".into());
        return match d {
            Some(v) if req.method == Method::GET => json(200, &v),
            Some(_) => error(405, "MethodNotAllowed", "method not allowed"),
            None => not_found(),
        };
    }
    let target = match s.as_slice() {
        ["api", "v1", ..] => parse_target("", &segs[2..]),
        ["apis", g, _, ..] => parse_target(g, &segs[3..]),
        _ => None,
    };
    let Some(t) = target else { return not_found() };
    let watching = req.flag("watch");
    let verb = match (&req.method, t.name.is_some()) {
        (&Method::GET, _) if watching => "watch",
        (&Method::GET, false) => "list",
        (&Method::GET, true) => "get",
        (&Method::POST, _) => "create",
        (&Method::PUT, _) => "update",
        (&Method::PATCH, _) => "patch",
        (&Method::DELETE, false) => "deletecollection",
        (&Method::DELETE, true) => "delete",
        _ => return error(405, "MethodNotAllowed", "method not allowed"),
    };
    let mut key = format!("{verb} {}", t.resource);
    if !t.group.is_empty() {
        key = format!("{key}.{}", t.group);
    }
    if let Some(sub) = &t.sub {
        key = format!("{key}/{sub}");
    }
    count(shared, key);
    let method = req.method.to_string();
    let dry_run = request_log::asks_dry_run(&req);
    let path = req.path.clone();
    let resp = route(shared, req, &t, verb, &s).await;
    shared.log_request(request_log::RequestRecord {
        method,
        path,
        verb: verb.to_string(),
        dry_run,
        status: resp.status().as_u16(),
    });
    resp
}

/// Answers one API request whose verb and target are known: injected faults first.
async fn route(shared: &Arc<Shared>, req: Req, t: &Target, verb: &str, s: &[&str]) -> Resp {
    let metrics_on = shared.metrics_enabled();
    if let Some(r) = forbidden(shared, verb, t) {
        return r;
    }
    if let Some(r) = failed(shared, verb, t) {
        return r;
    }
    if t.group == "metrics.k8s.io" {
        if !metrics_on || s.get(2) != Some(&"v1beta1") {
            return not_found();
        }
        return metrics::handle(shared, &req, t);
    }
    let version_ok = matches!(
        (
            t.group.as_str(),
            s.get(if t.group.is_empty() { 1 } else { 2 })
        ),
        ("", Some(&"v1")) | ("apps", Some(&"v1"))
    );
    let Some(kind) = Kind::from_resource(&t.group, &t.resource).filter(|_| version_ok) else {
        return not_found();
    };
    if kind.namespaced() != t.ns.is_some() && t.name.is_some() {
        return not_found();
    }
    let name = t.name.clone().unwrap_or_default();
    let ns = t.ns.clone().unwrap_or_default();
    match (verb, t.sub.as_deref(), kind) {
        ("watch", None, _) => watch::watch(shared, &req, kind, t.ns.as_deref(), t.name.as_deref()),
        ("list", None, _) => resources::list(shared, &req, kind, t.ns.as_deref()),
        ("get", None, _) => resources::get(shared, &req, kind, &ns, &name),
        ("get", Some("log"), Kind::Pod) => logs::logs(shared, &req, &ns, &name),
        ("patch", None, _) => resources::patch(shared, &req, kind, &ns, &name),
        ("create", None, Kind::Event) => resources::create_event(shared, &req, &ns),
        ("update", None, Kind::Deployment) => resources::update(shared, &req, kind, &ns, &name),
        ("delete", None, _) => delete::delete(shared, &req, kind, &ns, &name),
        ("get", Some("scale"), Kind::Deployment) => resources::scale_get(shared, &ns, &name),
        ("patch" | "update", Some("scale"), Kind::Deployment) => {
            resources::scale_set(shared, &req, &ns, &name)
        }
        _ => error(
            405,
            "MethodNotAllowed",
            format!(
                "{verb} is not supported on {key_res} by kube-sim",
                key_res = t.resource
            ),
        ),
    }
}
