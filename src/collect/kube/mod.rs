//! Kubernetes source: pods, nodes, deployments and replicasets from watches
//! (kube-runtime watchers feeding compact stores), metrics.k8s.io polled at its
//! own resolution, pod logs on demand.

pub mod client;
pub mod events;
mod forward;
pub mod liveness;
mod log_resume;
pub mod logs;
mod managed_fields;
pub mod metrics;
mod metrics_list;
pub mod model;
mod prefetch;
mod shared_text;
mod slim;
mod slim_status;
mod slim_text;
pub mod store;
pub mod throttle;
pub mod watches;

use std::time::Duration;

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};
use model::SlimPod;
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{CollectError, Controls, Snapshot};
use crate::config::KubeSettings;

pub use events::EventInfo;
pub use logs::{spawn_logs, LogRequest};
pub use metrics::MetricsStatus;
pub use model::{
    DeploymentInfo, LiveNode, LivePod, NodeCondition, NodeInfo, NodeObject, PodInfo,
    ReplicaSetInfo, Resources, Usage,
};

/// How far a paged initial LIST has come: items received, and the server's estimate
/// of the whole (`remainingItemCount` of a `limit=1` probe; absent when not sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListProgress {
    pub loaded: usize,
    pub estimate: Option<usize>,
}

/// Every Kubernetes API request the collector makes (watches, headless lists, metrics,
/// logs: `get deployments` finds a deployment's pods), as `VERB RESOURCE[.GROUP][/SUBRESOURCE]` (kubectl's `auth can-i` naming).
/// `assets/rbac/kitops-top-watch.yaml` must grant exactly these (tested). Listing pods
/// in every namespace is only tried (a 403 falls back to the namespace), so it is not here.
pub const KUBE_API_CALLS: &[&str] = &[
    "list pods",
    "watch pods",
    "get pods/log",
    "list nodes",
    "watch nodes",
    "get deployments.apps",
    "list deployments.apps",
    "watch deployments.apps",
    "list replicasets.apps",
    "watch replicasets.apps",
    "list pods.metrics.k8s.io",
    "list nodes.metrics.k8s.io",
    "list events",
    "watch events",
];

/// A resource whose watch (or list) currently fails, shown in the pane that needs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceError {
    pub resource: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct KubeData {
    pub context: String,
    pub namespace: String,
    pub label_selector: Option<String>,
    /// Pods of every namespace are watched, so node allocation is exact; the pods
    /// pane shows only `namespace`. False: only `namespace`'s pods are known.
    pub cluster_pods: bool,
    /// Sorted by namespace, name.
    pub pods: Vec<LivePod>,
    /// The first LIST of pods is still being paged in: `pods` holds what has arrived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pods_loading: Option<ListProgress>,
    pub deployments: Vec<DeploymentInfo>,
    pub replicasets: Vec<ReplicaSetInfo>,
    /// Sorted by name.
    pub nodes: Vec<LiveNode>,
    /// The first LIST of nodes has not answered yet: `nodes` is empty because nothing
    /// is known, not because there are none (the pods of a long LIST are shown first).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nodes_loading: bool,
    pub pod_metrics: MetricsStatus,
    pub node_metrics: MetricsStatus,
    pub errors: Vec<ResourceError>,
    /// The namespace's events, newest first (absent in older recordings).
    #[serde(default)]
    pub events: Vec<EventInfo>,
}

impl KubeData {
    /// The error of `resource`, if its watch is failing.
    pub fn error_of(&self, resource: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.resource == resource)
            .map(|e| e.message.as_str())
    }

    /// Pods of the configured namespace (what the pods pane shows).
    pub fn namespace_pods(&self) -> impl Iterator<Item = &LivePod> {
        self.pods.iter().filter(|p| p.namespace == self.namespace)
    }

    pub fn deployment(&self, name: &str) -> Option<&DeploymentInfo> {
        self.deployments.iter().find(|d| d.name == name)
    }
}

/// Retry delay while the client cannot even be configured or connected.
const RECONNECT: Duration = Duration::from_secs(5);

/// Starts the watches and returns the snapshot channel the panes read.
/// Watches are live and metrics follow metrics-server's resolution; `refresh` only sets
/// how soon a silent API server is noticed (`liveness`).
pub fn spawn(
    settings: KubeSettings,
    refresh: Duration,
    controls: Controls,
) -> watch::Receiver<Snapshot<KubeData>> {
    let (tx, rx) = watch::channel(Snapshot::loading());
    tokio::spawn(async move {
        let conn = loop {
            match client::connect_watching(&settings).await {
                Ok(c) => break c,
                Err(e) => {
                    let next = tx.borrow().failed(e.to_string());
                    if tx.send(next).is_err() {
                        return;
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(RECONNECT) => {}
                        _ = tx.closed() => return,
                    }
                }
            }
        };
        watches::run(conn, settings, refresh, controls, tx).await;
    });
    rx
}

/// Why the source is off, or `None` when a kubeconfig or in-cluster config exists.
pub fn unconfigured_hint(settings: &KubeSettings) -> Option<String> {
    if !settings.enabled {
        return Some("disabled by [kubernetes] enabled = false".into());
    }
    if settings.kubeconfig.is_some() {
        return None;
    }
    let in_cluster = std::env::var_os("KUBERNETES_SERVICE_HOST").is_some();
    if in_cluster || client::kubeconfig_present() {
        None
    } else {
        Some(
            "no kubeconfig: set KUBECONFIG or create ~/.kube/config (--context picks a context)"
                .into(),
        )
    }
}

/// One LIST of a resource into a store; a failure becomes the store's error.
async fn list_into<K, T: Clone>(
    store: &mut watches::Store<T>,
    api: Api<K>,
    lp: ListParams,
    convert: impl Fn(K) -> T,
) where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    use kube::runtime::watcher::{Error as W, Event};
    let result: Result<Vec<K>, kube::Error> = api.list(&lp).await.map(|l| l.items);
    match result {
        Ok(items) => {
            store.apply::<K>(Ok(Event::Init), &convert);
            for k in items {
                store.apply(Ok(Event::InitApply(k)), &convert);
            }
            store.apply::<K>(Ok(Event::InitDone), &convert);
        }
        Err(e) => {
            store.apply::<K>(Err(W::InitialListFailed(e)), &convert);
        }
    }
}

/// One LIST round + metrics for headless modes (`snapshot`, `doctor`).
pub async fn collect_once(settings: &KubeSettings) -> Result<KubeData, CollectError> {
    let conn = client::connect(settings).await?;
    let scope = watches::pod_scope(&conn, settings).await;
    let cluster_pods = scope.cluster;
    let mut model = watches::Model::new(&conn, settings, scope);
    let c = &conn.client;
    let ns = settings.namespace.as_str();
    let pods_api: Api<SlimPod> = if cluster_pods {
        Api::all(c.clone())
    } else {
        Api::namespaced(c.clone(), ns)
    };
    let mut lp = ListParams::default();
    if let Some(sel) = &settings.label_selector {
        lp = lp.labels(sel);
    }
    // Usage is written beside each object once the metrics list is in (`set_metrics`).
    let no_metrics = metrics::MetricsOf::default();
    let watches::Model {
        pods,
        deployments,
        replicasets,
        nodes,
        events,
        ..
    } = &mut model;
    let ((), (), (), (), (), m) = tokio::join!(
        list_into(pods, pods_api, lp, |p| watches::live_pod(p, &no_metrics)),
        list_into(
            deployments,
            Api::<Deployment>::namespaced(c.clone(), ns),
            ListParams::default(),
            |d| model::deployment_info(&d)
        ),
        list_into(
            replicasets,
            Api::<ReplicaSet>::namespaced(c.clone(), ns),
            ListParams::default(),
            |r| model::replicaset_info(&r)
        ),
        list_into(
            nodes,
            Api::<Node>::all(c.clone()),
            ListParams::default(),
            |n| watches::live_node(n, &no_metrics)
        ),
        list_into(
            events,
            Api::<k8s_openapi::api::core::v1::Event>::namespaced(c.clone(), ns),
            ListParams::default(),
            |e| events::event_info(&e)
        ),
        metrics::fetch(c, ns, settings.label_selector.as_deref()),
    );
    model.set_metrics(m);
    let snap = model.snapshot(&Snapshot::loading());
    match (snap.status, snap.data) {
        (super::SourceStatus::Error(e), _) => Err(CollectError::Query(e)),
        (_, Some(data)) => Ok((*data).clone()),
        (_, None) => Err(CollectError::Query("no data".into())),
    }
}
