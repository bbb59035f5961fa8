//! Pod logs: the last lines of one pod, or of every pod of a deployment merged with
//! a `[pod]` prefix, optionally following, of the running or the previous (crashed)
//! container, with or without the server's timestamps. Lines go to the UI in batches;
//! the UI keeps a bounded ring (`LOG_LINES_MAX`), so memory stays bounded however long
//! it follows. A dropped follow reconnects by itself, without duplicates or a gap
//! (`log_resume`).

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use tokio::sync::mpsc;

use super::client::{connect, describe_error};
use super::log_resume::{stream_pod, Closed, PodLog};
use crate::config::KubeSettings;

/// What the logs view asks for: whose logs, and how — `kubectl logs [-f] [-p] [--timestamps]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRequest {
    pub namespace: String,
    pub pod: Option<String>,
    pub deployment: Option<String>,
    pub follow: bool,
    /// The previous container instance: the one that crashed. It has ended, so it is
    /// never followed.
    pub previous: bool,
    /// Each line prefixed with the time the kubelet received it (RFC 3339).
    pub timestamps: bool,
}

impl LogRequest {
    /// The equivalent kubectl command, the logs view's title.
    pub fn kubectl(&self) -> String {
        let what = match (&self.pod, &self.deployment) {
            (Some(p), _) => format!("pod/{p}"),
            (None, Some(d)) => format!("deployment/{d}"),
            (None, None) => String::new(),
        };
        let mut cmd = format!("logs {what} -n {}", self.namespace);
        if self.follow && !self.previous {
            cmd.push_str(" -f");
        }
        if self.previous {
            cmd.push_str(" --previous");
        }
        if self.timestamps {
            cmd.push_str(" --timestamps");
        }
        cmd
    }
}

const DEFAULT_CONTAINER: &str = "kubectl.kubernetes.io/default-container";

/// The container `kubectl logs` picks: the annotated default, else the first.
fn container_of(p: &Pod) -> Option<String> {
    p.metadata
        .annotations
        .as_ref()
        .and_then(|a| a.get(DEFAULT_CONTAINER).cloned())
        .or_else(|| {
            p.spec
                .as_ref()
                .and_then(|s| s.containers.first())
                .map(|c| c.name.clone())
        })
}

/// `app=web,tier=api` from a deployment's matchLabels.
fn selector_of(d: &Deployment) -> Option<String> {
    let labels = d.spec.selector.match_labels.as_ref()?;
    (!labels.is_empty()).then(|| {
        labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    })
}

async fn pods_to_stream(
    api: &Api<Pod>,
    namespace: &str,
    pod: Option<String>,
    deployment: Option<String>,
    client: &kube::Client,
) -> Result<Vec<Pod>, String> {
    if let Some(name) = pod {
        return api
            .get(&name)
            .await
            .map(|p| vec![p])
            .map_err(|e| describe_error(&e, "get", "pods", Some(namespace)));
    }
    let Some(dep) = deployment else {
        return Err("no pod or deployment selected".into());
    };
    let deps: Api<Deployment> = Api::namespaced(client.clone(), namespace);
    let d = deps
        .get(&dep)
        .await
        .map_err(|e| describe_error(&e, "get", "deployments", Some(namespace)))?;
    let sel = selector_of(&d).ok_or_else(|| format!("deployment/{dep} has no matchLabels"))?;
    let mut pods = api
        .list(&ListParams::default().labels(&sel))
        .await
        .map_err(|e| describe_error(&e, "list", "pods", Some(namespace)))?
        .items;
    pods.retain(|p| p.metadata.deletion_timestamp.is_none());
    if pods.is_empty() {
        return Err(format!("deployment/{dep} has no pods"));
    }
    Ok(pods)
}

/// Streams log lines of a pod (or every pod of a deployment) into `sink` until dropped.
pub fn spawn_logs(
    settings: KubeSettings,
    request: LogRequest,
    sink: mpsc::Sender<Vec<String>>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        if let Err(e) = stream_logs(&settings, request, &sink).await {
            let _ = sink.send(vec![format!("error: {e}")]).await;
        }
    })
}

async fn stream_logs(
    settings: &KubeSettings,
    request: LogRequest,
    sink: &mpsc::Sender<Vec<String>>,
) -> Result<(), String> {
    let LogRequest {
        namespace,
        pod,
        deployment,
        follow,
        previous,
        timestamps,
    } = request;
    let namespace = namespace.as_str();
    let follow = follow && !previous;
    let conn = connect(settings).await.map_err(|e| e.to_string())?;
    let api: Api<Pod> = Api::namespaced(conn.client.clone(), namespace);
    let single = pod.is_some();
    let pods = pods_to_stream(&api, namespace, pod, deployment, &conn.client).await?;
    // Each pod's stream reconnects on its own; all of them run in this one task, so
    // closing the view (aborting it) ends them all.
    let streams = pods.iter().map(|p| {
        let name = p.metadata.name.clone().unwrap_or_default();
        let prefix = if single {
            String::new()
        } else {
            format!("[{name}] ")
        };
        let log = PodLog {
            api: &api,
            namespace,
            name,
            container: container_of(p),
            prefix: prefix.clone(),
            follow,
            previous,
            timestamps,
        };
        async move { (prefix, stream_pod(log, sink).await) }
    });
    for (prefix, outcome) in futures::future::join_all(streams).await {
        match outcome {
            Err(Closed) => return Ok(()), // the logs view was closed
            Ok(Err(msg)) if single => return Err(msg),
            Ok(Err(msg)) => {
                let _ = sink.send(vec![format!("{prefix}error: {msg}")]).await;
            }
            Ok(Ok(())) => {}
        }
    }
    Ok(())
}
