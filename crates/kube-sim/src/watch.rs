//! WATCH: newline-delimited WatchEvents with history replay, bookmarks, 410 Gone and selector transitions.

use crate::resources::selectors;
use crate::selectors::{FieldSelector, LabelSelector};
use crate::server::{error, stream, Req, Resp};
use crate::shared::Shared;
use crate::store::{Kind, StoredObject, WatchEvent};
use crate::table;
use crate::util::status;
use bytes::Bytes;
use serde_json::json;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};
use tokio::time::Instant;

/// Decrements the active stream counter when a stream task ends.
pub struct StreamGuard(pub Arc<Shared>);

impl StreamGuard {
    pub fn new(shared: &Arc<Shared>) -> StreamGuard {
        shared.active_streams.fetch_add(1, Ordering::SeqCst);
        StreamGuard(shared.clone())
    }
}

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.active_streams.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Filter {
    kind: Kind,
    ns: Option<String>,
    ls: LabelSelector,
    fs: FieldSelector,
    table: bool,
}

impl Filter {
    fn matches(&self, o: &StoredObject) -> bool {
        self.ns.as_deref().is_none_or(|n| o.namespace == n)
            && self.ls.matches_object(o)
            && self.fs.matches_object(o)
    }

    /// The event line; a plain watch sends the object's cached encoding as is.
    fn line(&self, etype: &str, obj: &StoredObject) -> Bytes {
        if !self.table {
            return obj.watch_line(etype);
        }
        let rv = obj.resource_version.to_string();
        let object = table::table(self.kind, &[obj.value()], &rv);
        let mut s = json!({"type": etype, "object": object}).to_string();
        s.push('\n');
        Bytes::from(s)
    }

    /// Translate a store event into what this watcher should see (selector transitions included).
    fn render(&self, ev: &WatchEvent) -> Option<Bytes> {
        if ev.kind != self.kind {
            return None;
        }
        let now = self.matches(&ev.obj);
        let before = ev.old.as_ref().map(|o| self.matches(o));
        let etype = match (ev.etype, before, now) {
            ("MODIFIED", Some(true), true) => "MODIFIED",
            ("MODIFIED", _, true) => "ADDED",
            ("MODIFIED", Some(true), false) => "DELETED",
            (t, _, true) => t,
            _ => return None,
        };
        Some(self.line(etype, &ev.obj))
    }

    fn bookmark(&self, rv: u64, initial_end: bool) -> Bytes {
        let mut meta = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let obj = json!({"kind": self.kind.kind(), "apiVersion": self.kind.api_version(), "metadata": meta});
        let mut s = json!({"type": "BOOKMARK", "object": obj}).to_string();
        s.push('\n');
        Bytes::from(s)
    }
}

fn gone(rv: u64, current: u64) -> Resp {
    let (tx, rx) = mpsc::channel(1);
    let msg = format!("too old resource version: {rv} ({current})");
    let mut line = json!({"type":"ERROR","object":status(410, "Expired", msg)}).to_string();
    line.push('\n');
    let _ = tx.try_send(Bytes::from(line));
    stream("application/json", rx)
}

pub fn watch(
    shared: &Arc<Shared>,
    req: &Req,
    kind: Kind,
    ns: Option<&str>,
    name: Option<&str>,
) -> Resp {
    let (ls, mut fs) = match selectors(req) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if let Some(n) = name {
        let extra = req
            .q("fieldSelector")
            .map_or(String::new(), |f| format!("{f},"));
        fs = match FieldSelector::parse(&format!("{extra}metadata.name={n}")) {
            Ok(f) => f,
            Err(e) => return error(400, "BadRequest", e),
        };
    }
    let timeout = match req.q("timeoutSeconds").map(str::parse::<u64>) {
        Some(Ok(t)) => Some(Duration::from_secs(t)),
        Some(Err(_)) => return error(400, "BadRequest", "invalid timeoutSeconds"),
        None => None,
    };
    let start = match req.q("resourceVersion").unwrap_or("") {
        "" | "0" => None,
        s => match s.parse::<u64>() {
            Ok(v) => Some(v),
            Err(_) => return error(400, "BadRequest", format!("invalid resource version: {s}")),
        },
    };
    let bookmarks = req.flag("allowWatchBookmarks");
    let send_initial = req.flag("sendInitialEvents");
    let f = Filter {
        kind,
        ns: ns.map(String::from),
        ls,
        fs,
        table: table::wants_table(req),
    };
    let st = shared.store();
    let (initial, backlog, last_rv) = match start {
        Some(rv) if !send_initial => match st.events_since(rv) {
            Some(evs) => (vec![], evs, rv),
            None => return gone(rv, st.rv),
        },
        _ => {
            let objs: Vec<Arc<StoredObject>> = st
                .list(kind, ns)
                .filter(|o| f.matches(o))
                .cloned()
                .collect();
            (objs, vec![], st.rv)
        }
    };
    let sub = st.tx.subscribe();
    drop(st);
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let guard = StreamGuard::new(shared);
    let interval = shared.timing.bookmark_interval;
    tokio::spawn(async move {
        let _guard = guard;
        let initial_end = send_initial && bookmarks;
        run(
            f,
            tx,
            sub,
            initial,
            backlog,
            last_rv,
            initial_end,
            bookmarks,
            timeout,
            interval,
            _guard.0.clone(),
        )
        .await;
    });
    stream("application/json", rx)
}

#[allow(clippy::too_many_arguments)]
async fn run(
    f: Filter,
    tx: mpsc::Sender<Bytes>,
    mut sub: broadcast::Receiver<Arc<WatchEvent>>,
    initial: Vec<Arc<StoredObject>>,
    backlog: Vec<Arc<WatchEvent>>,
    mut last_rv: u64,
    initial_end: bool,
    bookmarks: bool,
    timeout: Option<Duration>,
    interval: Duration,
    shared: Arc<Shared>,
) {
    let mut dropped = shared.drop_tx.subscribe();
    let mut shutdown = shared.shutdown.subscribe();
    for o in &initial {
        if tx.send(f.line("ADDED", o)).await.is_err() {
            return;
        }
    }
    if initial_end && tx.send(f.bookmark(last_rv, true)).await.is_err() {
        return;
    }
    for ev in &backlog {
        last_rv = ev.rv;
        if let Some(l) = f.render(ev) {
            if tx.send(l).await.is_err() {
                return;
            }
        }
    }
    let deadline = Instant::now() + timeout.unwrap_or(Duration::from_secs(86400 * 365));
    let mut ticker = tokio::time::interval_at(
        Instant::now() + interval,
        interval.max(Duration::from_millis(10)),
    );
    loop {
        let line = tokio::select! {
            r = sub.recv() => match r {
                Ok(ev) if ev.rv <= last_rv => continue,
                Ok(ev) => {
                    last_rv = ev.rv;
                    match f.render(&ev) {
                        Some(l) => l,
                        None => continue,
                    }
                }
                Err(_) => return,
            },
            _ = ticker.tick(), if bookmarks => f.bookmark(last_rv, false),
            _ = tokio::time::sleep_until(deadline) => return,
            _ = dropped.changed() => return,
            _ = shutdown.changed() => return,
            _ = tx.closed() => return,
        };
        if tx.send(line).await.is_err() {
            return;
        }
    }
}
