//! DELETE of one object, with DeleteOptions read as the API server reads them: from the
//! query, then from the JSON body, whose fields win. kube-rs sends `DeleteParams` only in
//! the body (`{"dryRun":["All"],"gracePeriodSeconds":0,...}`), kubectl mostly in the query.

use crate::controller;
use crate::pods;
use crate::resources::{conflict, not_found};
use crate::server::{dry_run, error, json, json_bytes, Req, Resp};
use crate::shared::Shared;
use crate::store::Kind;
use crate::util::str_at;
use serde_json::Value;

struct DeleteOptions {
    dry_run: bool,
    grace_period_seconds: Option<i64>,
    preconditions: Value,
}

fn bad_body(why: &str) -> Resp {
    error(400, "BadRequest", format!("invalid DeleteOptions: {why}"))
}

fn options(req: &Req) -> Result<DeleteOptions, Resp> {
    let body = req.json_body()?;
    if !(body.is_null() || body.is_object()) {
        return Err(bad_body("the body must be a JSON object"));
    }
    let dry_run = match body.get("dryRun") {
        None | Some(Value::Null) => req.dry_run_query()?,
        Some(Value::Array(values)) => {
            let values: Option<Vec<&str>> = values.iter().map(Value::as_str).collect();
            let values = values.ok_or_else(|| bad_body("dryRun must be a list of strings"))?;
            dry_run(&values, "DeleteOptions")?
        }
        Some(_) => return Err(bad_body("dryRun must be a list of strings")),
    };
    let grace_period_seconds = match body.get("gracePeriodSeconds") {
        None | Some(Value::Null) => match req.q("gracePeriodSeconds").map(str::parse::<i64>) {
            Some(Ok(g)) => Some(g),
            Some(Err(_)) => return Err(error(400, "BadRequest", "invalid gracePeriodSeconds")),
            None => None,
        },
        Some(g) => Some(
            g.as_i64()
                .ok_or_else(|| bad_body("gracePeriodSeconds must be an integer"))?,
        ),
    };
    let propagation = body
        .get("propagationPolicy")
        .and_then(Value::as_str)
        .or(req.q("propagationPolicy"));
    // Dependents are always collected in the background here; reject what a server rejects.
    if let Some(p) = propagation.filter(|p| !matches!(*p, "Orphan" | "Background" | "Foreground")) {
        let msg = format!("DeleteOptions.meta.k8s.io \"\" is invalid: propagationPolicy: Unsupported value: \"{p}\": supported values: \"Foreground\", \"Background\", \"Orphan\"");
        return Err(error(422, "Invalid", msg));
    }
    Ok(DeleteOptions {
        dry_run,
        grace_period_seconds,
        preconditions: body.get("preconditions").cloned().unwrap_or(Value::Null),
    })
}

pub fn delete(shared: &Shared, req: &Req, kind: Kind, ns: &str, name: &str) -> Resp {
    let opts = match options(req) {
        Ok(o) => o,
        Err(r) => return r,
    };
    let mut st = shared.store();
    let Some(cur) = st.object(kind, ns, name).cloned() else {
        return not_found(kind, name);
    };
    for (field, label, have) in [
        ("uid", "UID", cur.uid.clone()),
        (
            "resourceVersion",
            "ResourceVersion",
            cur.resource_version.to_string(),
        ),
    ] {
        let want = str_at(&opts.preconditions, &[field]);
        if !want.is_empty() && want != have {
            let why = format!("Precondition failed: {label} in precondition: {want}, {label} in object meta: {have}");
            return conflict(kind, name, &why);
        }
    }
    if kind == Kind::Namespace {
        return error(
            405,
            "MethodNotAllowed",
            "kube-sim does not delete namespaces",
        );
    }
    if opts.dry_run {
        // What the server would answer, with nothing persisted: a pod being deleted
        // gracefully comes back marked for deletion, anything else as it is.
        let mut obj = cur.value();
        if kind == Kind::Pod {
            pods::preview_termination(&mut obj, opts.grace_period_seconds);
        }
        return json(200, &obj);
    }
    let out = match kind {
        Kind::Pod => pods::terminate_pod(&mut st, &shared.cfg, ns, name, opts.grace_period_seconds),
        _ => st.remove(kind, ns, name),
    };
    controller::reconcile(&mut st, &shared.cfg);
    match out {
        Some(o) => json(200, &o),
        None => json_bytes(200, cur.json.clone()),
    }
}
