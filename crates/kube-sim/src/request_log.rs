//! The API requests the simulator answered, in order: method, path, verb, whether the
//! request asked for a dry run (in the query, or in a DELETE's DeleteOptions body, where
//! kube-rs puts it) and the status answered. A test reads it to prove that something —
//! opening a confirmation dialog, whose only requests are dry runs — changed nothing.

use crate::server::Req;
use hyper::Method;
use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;

/// How many requests the log keeps; older ones are dropped (watches re-list for hours).
pub const CAPACITY: usize = 10_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    /// get, list, watch, create, update, patch, delete, deletecollection.
    pub verb: String,
    pub dry_run: bool,
    pub status: u16,
}

impl RequestRecord {
    /// A request that would change the store if it succeeded and were not a dry run.
    pub fn is_mutating(&self) -> bool {
        matches!(
            self.verb.as_str(),
            "create" | "update" | "patch" | "delete" | "deletecollection"
        )
    }

    /// A request that changed (or may have changed) the store: mutating, accepted, no dry run.
    pub fn changed_something(&self) -> bool {
        self.is_mutating() && !self.dry_run && self.status < 300
    }
}

/// Whether `req` asks for a dry run: `dryRun=All` in the query, or for a DELETE
/// `"dryRun": ["All"]` in its DeleteOptions body. Only "All" counts, as on a real server.
pub fn asks_dry_run(req: &Req) -> bool {
    let in_query = req.query.iter().any(|(k, v)| k == "dryRun" && v == "All");
    let in_body = req.method == Method::DELETE
        && serde_json::from_slice::<Value>(&req.body)
            .ok()
            .and_then(|b| b.get("dryRun").cloned())
            .and_then(|v| v.as_array().cloned())
            .is_some_and(|values| values.iter().any(|v| v.as_str() == Some("All")));
    in_query || in_body
}

/// The bounded log itself.
#[derive(Default)]
pub struct RequestLog {
    records: VecDeque<RequestRecord>,
}

impl RequestLog {
    pub fn push(&mut self, record: RequestRecord) {
        if self.records.len() == CAPACITY {
            self.records.pop_front();
        }
        self.records.push_back(record);
    }

    pub fn records(&self) -> Vec<RequestRecord> {
        self.records.iter().cloned().collect()
    }

    pub fn clear(&mut self) {
        self.records.clear();
    }
}
