//! Kubernetes test helpers: an in-process kube-sim on a free port with its
//! kubeconfig in a tempdir, a config pointing at it, and waits on snapshots.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use kitops_top::collect::kube::KubeData;
use kitops_top::collect::{Controls, Snapshot, SourceStatus};
use kitops_top::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::watch;

#[allow(unused_imports)]
pub use kube_sim::{FailRule, ForbidRule, Options};

pub struct Sim {
    pub handle: kube_sim::Handle,
    pub dir: tempfile::TempDir,
    pub config: Config,
}

/// Fast pod lifecycle so restarts and scales settle within a second or two.
pub fn fast_options() -> Options {
    Options {
        pod_startup: Duration::from_millis(200),
        termination_delay: Duration::from_millis(200),
        bookmark_interval: Duration::from_millis(500),
        log_interval: Duration::from_millis(100),
        metrics_resolution: Duration::from_secs(15),
        ..Options::default()
    }
}

/// Default console config aimed at `kubeconfig`, auditing into `dir`.
pub fn config_for(kubeconfig: &std::path::Path, dir: &std::path::Path) -> Config {
    let opts = kitops_top::cli::Opts::default();
    let mut config =
        kitops_top::config::resolve(&opts, &|_| None, &kitops_top::config::FileConfig::default())
            .expect("default config resolves");
    config.kube.kubeconfig = Some(kubeconfig.to_path_buf());
    config.audit_log = dir.join("audit.jsonl");
    config
}

pub async fn start(opts: Options) -> Sim {
    let handle = kube_sim::start(opts).await.expect("kube-sim starts");
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = dir.path().join("kubeconfig");
    handle.write_kubeconfig(&kc).expect("kubeconfig written");
    let config = config_for(&kc, dir.path());
    Sim {
        handle,
        dir,
        config,
    }
}

impl Sim {
    /// Starts the console's Kubernetes collector against the simulator.
    pub fn spawn(&self) -> watch::Receiver<Snapshot<KubeData>> {
        let (_pause, controls) = Controls::free_running();
        std::mem::forget(_pause); // keep the pause channel open for the test's lifetime
        kitops_top::collect::kube::spawn(self.config.kube.clone(), Duration::from_secs(2), controls)
    }

    /// POSTs JSON to a `/_sim/...` admin endpoint; returns the status code and body.
    pub async fn admin(&self, path: &str, body: serde_json::Value) -> (u16, String) {
        let mut s = tokio::net::TcpStream::connect(self.handle.addr)
            .await
            .expect("connect to kube-sim");
        let body = body.to_string();
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.handle.addr,
            self.handle.token(),
            body.len()
        );
        s.write_all(req.as_bytes()).await.expect("write");
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.expect("read");
        let text = String::from_utf8_lossy(&out).to_string();
        let code = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (code, text)
    }

    /// A kube client of the test's own (not the console's) for reading objects back.
    pub async fn client(&self) -> kube::Client {
        kitops_top::collect::kube::client::connect(&self.config.kube)
            .await
            .expect("connect to kube-sim")
            .client
    }

    pub async fn pod_fault(&self, pod: &str, fault: &str) {
        let (code, text) = self
            .admin(
                "/_sim/pod-fault",
                serde_json::json!({"namespace": "kitops", "name": pod, "fault": fault}),
            )
            .await;
        assert_eq!(code, 200, "pod-fault failed: {text}");
    }
}

/// Waits until a snapshot satisfies `pred` (30 s at most); returns it.
pub async fn wait_for(
    rx: &mut watch::Receiver<Snapshot<KubeData>>,
    what: &str,
    pred: impl Fn(&Snapshot<KubeData>) -> bool,
) -> Snapshot<KubeData> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        {
            let s = rx.borrow_and_update();
            if pred(&s) {
                return s.clone();
            }
        }
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(Ok(())) => {}
            Ok(Err(_)) => panic!("collector ended while waiting for {what}"),
            Err(_) => {
                let s = rx.borrow();
                panic!(
                    "timed out waiting for {what}; last status {:?}, data {:#?}",
                    s.status,
                    s.data
                        .as_deref()
                        .map(|d| (&d.errors, d.pods.len(), d.nodes.len()))
                )
            }
        }
    }
}

/// Live with data.
pub fn live(s: &Snapshot<KubeData>) -> Option<&Arc<KubeData>> {
    (s.status == SourceStatus::Live)
        .then_some(s.data.as_ref())
        .flatten()
}

/// Pods of `deployment` that are ready and not terminating.
pub fn ready_pods<'a>(
    d: &'a KubeData,
    prefix: &str,
) -> Vec<&'a kitops_top::collect::kube::LivePod> {
    d.namespace_pods()
        .filter(|p| p.name.starts_with(prefix) && p.ready == p.containers && !p.deleting)
        .collect()
}

pub fn fixed_now() -> SystemTime {
    SystemTime::now()
}
