//! kube-sim: a fake Kubernetes API server speaking the real REST API (plain HTTP).
//!
//! Start it in-process with [`start`] (on the caller's tokio runtime) or
//! [`start_background`] (own runtime on a thread, usable from blocking tests).
//!
//! Pod logs are synthetic (`logs.rs`). To put a test's own text into them, annotate the
//! pod with [`LOG_LINE_ANNOTATION`] (`kube-sim.kitops.dev/log-line`, e.g. by a merge
//! PATCH): every third line of its log becomes
//! `level=warn component=<container> msg=<the value, verbatim>` — how the hostile-text
//! tests get escape sequences and controls into the logs view.

// Handlers return `Result<_, Resp>` where the error is the HTTP error response itself.
#![allow(clippy::result_large_err)]

mod admin;
mod api;
mod controller;
mod delete;
mod discovery;
mod kubeconfig;
mod logs;
mod metrics;
mod objects;
mod paging;
mod patch;
mod pods;
mod request_log;
mod resources;
mod seed;
mod selectors;
mod server;
mod shared;
mod store;
mod stored;
mod table;
mod util;
mod watch;

pub use logs::LOG_LINE_ANNOTATION;
pub use request_log::RequestRecord;
pub use shared::{FailRule, ForbidRule};

use shared::{Faults, Shared, Timing};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch as tokio_watch;

/// Namespace of the seeded workloads.
pub const NAMESPACE: &str = seed::NAMESPACE;

#[derive(Clone, Debug)]
pub struct Options {
    /// Address to bind; port 0 picks a free port.
    pub listen: SocketAddr,
    /// Total number of seeded pods (8 = backend x5 + frontend x3; more adds kitops-worker-NN deployments).
    pub pods: usize,
    pub nodes: usize,
    /// Bearer token required on API requests (empty = no auth).
    pub token: String,
    /// User name used in 403 messages.
    pub user: String,
    /// Seed for names/uids/usage.
    pub seed: u64,
    pub pod_startup: Duration,
    pub termination_delay: Duration,
    pub bookmark_interval: Duration,
    pub log_interval: Duration,
    pub metrics_resolution: Duration,
    /// Number of watch events retained; older resourceVersions get 410 Gone.
    pub history: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            pods: 8,
            nodes: 3,
            token: "kube-sim-token".into(),
            user: "kube-sim".into(),
            seed: 42,
            pod_startup: Duration::from_millis(800),
            termination_delay: Duration::from_millis(500),
            bookmark_interval: Duration::from_secs(5),
            log_interval: Duration::from_secs(1),
            metrics_resolution: Duration::from_secs(15),
            history: 10_000,
        }
    }
}

/// A running simulator. Dropping it shuts the server down.
pub struct Handle {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
    pub fn token(&self) -> &str {
        &self.shared.token
    }
    /// kubeconfig YAML (cluster/user/context `kube-sim`, namespace `kitops`).
    pub fn kubeconfig(&self) -> String {
        kubeconfig::render(self.addr, &self.shared.token, NAMESPACE)
    }
    pub fn write_kubeconfig(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        std::fs::write(path, self.kubeconfig())
    }
    /// Drop the watch history; returns the resourceVersion below which watches get 410.
    pub fn compact(&self) -> u64 {
        self.shared.store().compact()
    }
    /// End every open watch and follow-log stream.
    pub fn drop_watches(&self) {
        self.shared.drop_tx.send_modify(|v| *v += 1);
    }
    /// Request counts keyed "verb resource[.group][/sub]" (e.g. "list pods", "patch deployments.apps/scale").
    pub fn request_counts(&self) -> BTreeMap<String, u64> {
        self.shared.counts().clone()
    }
    /// The API requests answered so far, oldest first (the last
    /// 10,000): method, path, verb, dry run, status.
    pub fn request_log(&self) -> Vec<RequestRecord> {
        self.shared.requests().records()
    }
    /// The requests that changed (or may have changed) an object: mutating, accepted
    /// and not a dry run.
    pub fn mutations(&self) -> Vec<RequestRecord> {
        self.request_log()
            .into_iter()
            .filter(RequestRecord::changed_something)
            .collect()
    }
    pub fn set_latency(&self, latency: Duration) {
        self.shared.faults().latency = latency;
    }
    pub fn set_metrics_enabled(&self, enabled: bool) {
        self.shared.faults().metrics_enabled = enabled;
    }
    pub fn forbid(&self, rule: ForbidRule) {
        self.shared.faults().forbid.push(rule);
    }
    /// Matching requests fail with the rule's status (500, 429…) until [`Handle::reset_faults`].
    pub fn fail(&self, rule: FailRule) {
        self.shared.faults().fail.push(rule);
    }
    /// Clears every injected fault (forbid and fail rules, latency; metrics back on).
    pub fn reset_faults(&self) {
        let mut f = self.shared.faults();
        f.forbid.clear();
        f.fail.clear();
        f.latency = Duration::ZERO;
        f.metrics_enabled = true;
    }
    /// Stop accepting connections and end all streams.
    pub fn shutdown(&self) {
        let _ = self.shared.shutdown.send(true);
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.shutdown();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn build(opts: &Options) -> Arc<Shared> {
    let cfg = controller::Config {
        pod_startup: opts.pod_startup,
        termination_delay: opts.termination_delay,
    };
    let mut st = store::Store::new(opts.seed, opts.history);
    seed::seed(&mut st, &cfg, opts.pods, opts.nodes);
    Arc::new(Shared {
        store: Mutex::new(st),
        cfg,
        timing: Timing {
            bookmark_interval: opts.bookmark_interval,
            log_interval: opts.log_interval,
            metrics_resolution: opts.metrics_resolution,
        },
        faults: Mutex::new(Faults {
            forbid: vec![],
            fail: vec![],
            latency: Duration::ZERO,
            metrics_enabled: true,
        }),
        counts: Mutex::new(BTreeMap::new()),
        requests: Mutex::new(Default::default()),
        token: opts.token.clone(),
        user: opts.user.clone(),
        drop_tx: tokio_watch::channel(0).0,
        shutdown: tokio_watch::channel(false).0,
        active_streams: AtomicUsize::new(0),
    })
}

/// Seed the cluster, bind, and spawn the server and controller loop on the current tokio runtime.
pub async fn start(opts: Options) -> std::io::Result<Handle> {
    let listener = tokio::net::TcpListener::bind(opts.listen).await?;
    let addr = listener.local_addr()?;
    let shared = build(&opts);
    tokio::spawn(server::serve(listener, shared.clone()));
    let ticker = shared.clone();
    tokio::spawn(async move {
        let mut stop = ticker.shutdown.subscribe();
        let mut iv = tokio::time::interval(Duration::from_millis(50));
        loop {
            tokio::select! {
                _ = iv.tick() => pods::tick(&mut ticker.store(), &ticker.cfg),
                _ = stop.changed() => return,
            }
        }
    });
    Ok(Handle {
        addr,
        shared,
        thread: None,
    })
}

/// Like [`start`], but runs on a dedicated thread with its own runtime (for blocking callers).
pub fn start_background(opts: Options) -> std::io::Result<Handle> {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("kube-sim".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                match start(opts).await {
                    Ok(h) => {
                        let shared = h.shared.clone();
                        let addr = h.addr;
                        std::mem::forget(h);
                        let mut stop = shared.shutdown.subscribe();
                        let _ = tx.send(Ok((addr, shared)));
                        let _ = stop.wait_for(|s| *s).await;
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                    }
                }
            });
        })?;
    let (addr, shared) = rx.recv().map_err(std::io::Error::other)??;
    Ok(Handle {
        addr,
        shared,
        thread: Some(thread),
    })
}
