//! Kubernetes source: pods, nodes, deployments and replicasets from watches
//! (kube-runtime reflectors), metrics.k8s.io polled at its own resolution.
//! (Filled in by the Kubernetes issue.)

use std::time::Duration;

use serde::Serialize;
use tokio::sync::watch;

use super::{Controls, Snapshot};
use crate::config::KubeSettings;

#[derive(Debug, Clone, Default, Serialize)]
pub struct KubeData {
    pub context: String,
    pub namespace: String,
}

/// Starts the watches and returns the snapshot channel the panes read.
pub fn spawn(
    settings: KubeSettings,
    _refresh: Duration,
    _controls: Controls,
) -> watch::Receiver<Snapshot<KubeData>> {
    let (_tx, rx) = watch::channel(Snapshot::unconfigured(format!(
        "kubernetes source not implemented yet (namespace {})",
        settings.namespace
    )));
    rx
}

/// Why the source is off, or `None` when a kubeconfig or in-cluster config exists.
pub fn unconfigured_hint(settings: &KubeSettings) -> Option<String> {
    if !settings.enabled {
        return Some("disabled by [kubernetes] enabled = false".into());
    }
    let in_cluster = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
    let kubeconfig = std::env::var_os("KUBECONFIG")
        .map(|v| std::env::split_paths(&v).any(|p| p.exists()))
        .unwrap_or(false);
    let home = std::env::var_os("HOME")
        .map(|h| {
            std::path::Path::new(&h)
                .join(".kube")
                .join("config")
                .exists()
        })
        .unwrap_or(false);
    if in_cluster || kubeconfig || home {
        None
    } else {
        Some(
            "no kubeconfig: set KUBECONFIG or create ~/.kube/config (--context picks a context)"
                .into(),
        )
    }
}

/// One LIST round for headless modes (`snapshot`, `doctor`).
pub async fn collect_once(_settings: &KubeSettings) -> Result<KubeData, super::CollectError> {
    Err(super::CollectError::Query(
        "kubernetes source not implemented yet".into(),
    ))
}

/// Streams log lines of a pod (or every pod of a deployment) into `sink` until dropped.
pub fn spawn_logs(
    _settings: KubeSettings,
    namespace: String,
    pod: Option<String>,
    _deployment: Option<String>,
    _follow: bool,
    sink: tokio::sync::mpsc::Sender<Vec<String>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let _ = sink
            .send(vec![format!(
                "logs for {} in {namespace}: not implemented yet",
                pod.unwrap_or_else(|| "deployment".into())
            )])
            .await;
    })
}
