//! One LIST+WATCH per resource (kube-runtime `watcher`: bookmarks, resume from the
//! last resourceVersion, re-list on 410 Gone) feeding compact in-memory stores —
//! a reflector that keeps only what the panes need. A snapshot is published when a
//! store changed, coalesced to at most one per `COALESCE`.

use std::fmt::Debug;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use super::model::SlimPod;
pub use super::store::{object_key, Store};
use futures::stream::BoxStream;
use futures::StreamExt;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Event as KubeEvent, Node, Pod};
use kube::api::{Api, ListParams};
use kube::runtime::watcher::{self, watcher, Event};
use kube::runtime::WatchStreamExt;
use kube::Resource;
use serde::de::DeserializeOwned;
use tokio::sync::{mpsc, watch};

use super::client::{is_status, Conn};
use super::events::{self, EventInfo};
use super::forward::{forward, Forwarded};
use super::liveness::Liveness;
use super::metrics::{self, MetricsUpdate, NodeMetrics, PodMetrics};
use super::model::{self, DeploymentInfo, LiveNode, LivePod, NodeObject, ReplicaSetInfo};
use super::throttle::{Throttle, WatchId};
use super::{KubeData, ListProgress, ResourceError};
use crate::collect::{Controls, Snapshot};
use crate::config::KubeSettings;

/// At most one snapshot per this interval, however fast the watches change.
pub const COALESCE: Duration = Duration::from_millis(500);
/// While the first LIST of pods is paged in, the progress line moves this often. The
/// rows on screen stay those of the first pages (see `LOADING_ROWS`): such a snapshot
/// holds the very pod objects of the last one, which the pane lays over its table in
/// place instead of building every pod so far again.
pub const LOADING_COALESCE: Duration = Duration::from_secs(1);
/// While the first LIST is paged in, the rows are rebuilt from every pod so far at most
/// this often. Each such build is a table of every pod listed yet on the builder
/// thread, competing with the decoding of the next pages for the same cores: at
/// 100,000 pods one build in the middle of the list made the whole list 0.6 s later.
/// A list that fast is shown whole when it ends; a slow one still fills in.
pub const LOADING_ROWS: Duration = Duration::from_secs(10);
type Watch<K> = BoxStream<'static, Result<Event<K>, watcher::Error>>;

fn watch<K>(api: Api<K>, config: watcher::Config) -> Watch<K>
where
    K: Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    watcher(api, config).default_backoff().boxed()
}

/// Whether a watch event carries an answer of the server: everything but an error and
/// `Init`, which a (re)started watcher yields before it has sent its LIST.
fn from_server<K>(ev: &Result<Event<K>, watcher::Error>) -> bool {
    matches!(ev, Ok(e) if !matches!(e, Event::Init))
}

/// All state the loop keeps.
pub struct Model {
    pub context: String,
    pub namespace: String,
    pub label_selector: Option<String>,
    pub cluster_pods: bool,
    /// The server's count of pods in scope (from the `limit=1` probe), for the progress line.
    pub pods_estimate: Option<usize>,
    /// Pods are shared with the snapshots (see `LivePod`), each with its usage beside
    /// it: written when the pod changes and once per metrics round, not per publish.
    pub pods: Store<LivePod>,
    pub deployments: Store<DeploymentInfo>,
    pub replicasets: Store<ReplicaSetInfo>,
    /// Nodes likewise (see `LiveNode`).
    pub nodes: Store<LiveNode>,
    /// The namespace's events: optional (a 403 shows, nothing waits for it).
    pub events: Store<EventInfo>,
    pub metrics: MetricsUpdate,
}

impl Model {
    pub fn new(conn: &Conn, settings: &KubeSettings, scope: PodScope) -> Self {
        let ns = Some(settings.namespace.clone());
        let cluster_pods = scope.cluster;
        Self {
            context: conn.context.clone(),
            namespace: settings.namespace.clone(),
            label_selector: settings.label_selector.clone(),
            cluster_pods,
            pods_estimate: scope.estimate,
            pods: Store::new("pods", (!cluster_pods).then(|| settings.namespace.clone())),
            deployments: Store::new("deployments", ns.clone()),
            replicasets: Store::new("replicasets", ns.clone()),
            events: Store::new("events", ns),
            nodes: Store::new("nodes", None),
            metrics: MetricsUpdate::default(),
        }
    }

    /// A metrics round: its usage is written beside every pod and node.
    pub fn set_metrics(&mut self, metrics: MetricsUpdate) {
        self.metrics = metrics;
        // The stores walk in key order, the usage is in key order: one merge each.
        let mut pods = self.metrics.pods.usage.in_order();
        self.pods.update_each(|key, p| p.usage = pods.get(key));
        let mut nodes = self.metrics.nodes.usage.in_order();
        self.nodes.update_each(|key, n| n.usage = nodes.get(key));
    }

    pub fn settled(&self) -> bool {
        self.pods.settled()
            && self.deployments.settled()
            && self.replicasets.settled()
            && self.nodes.settled()
    }

    /// Something to show: everything settled, or the first pods of a long LIST.
    pub fn showable(&self) -> bool {
        self.settled() || self.pods.loading().is_some_and(|n| n > 0)
    }

    fn errors(&self) -> Vec<ResourceError> {
        [
            (self.pods.resource, &self.pods.error),
            (self.deployments.resource, &self.deployments.error),
            (self.replicasets.resource, &self.replicasets.error),
            (self.nodes.resource, &self.nodes.error),
            (self.events.resource, &self.events.error),
        ]
        .into_iter()
        .filter_map(|(r, e)| {
            e.as_ref().map(|(m, _)| ResourceError {
                resource: r.to_string(),
                message: m.clone(),
            })
        })
        .collect()
    }

    /// Every watch is failing: the API server is unreachable (or everything is forbidden).
    fn all_failing(&self) -> Option<String> {
        let errs: Vec<ResourceError> = self
            .errors()
            .into_iter()
            .filter(|e| e.resource != self.events.resource)
            .collect();
        (errs.len() == 4).then(|| errs[0].message.clone())
    }

    pub fn data(&self) -> KubeData {
        // The stores are kept by namespace and name, with usage beside each object: a
        // publish copies pointers in order, with no sort and no lookup.
        self.data_with(self.pods.values().cloned().collect())
    }

    /// The snapshot's data with these pods (every other store as it is now).
    fn data_with(&self, pods: Vec<LivePod>) -> KubeData {
        let nodes = self.nodes.values().cloned().collect();
        let pods_loading = self.pods.loading().map(|loaded| ListProgress {
            loaded,
            estimate: self.pods_estimate,
        });
        KubeData {
            context: self.context.clone(),
            namespace: self.namespace.clone(),
            label_selector: self.label_selector.clone(),
            cluster_pods: self.cluster_pods,
            pods,
            pods_loading,
            deployments: self.deployments.values().cloned().collect(),
            replicasets: self.replicasets.values().cloned().collect(),
            nodes,
            nodes_loading: !self.nodes.settled(),
            pod_metrics: self.metrics.pods.status.clone(),
            node_metrics: self.metrics.nodes.status.clone(),
            errors: self.errors(),
            events: events::newest(self.events.synced_values().cloned().collect()),
        }
    }

    /// The snapshot to publish, given the previous one (kept when everything fails).
    pub fn snapshot(&self, previous: &Snapshot<KubeData>) -> Snapshot<KubeData> {
        match self.all_failing() {
            Some(msg) if previous.data.is_some() => previous.failed(msg),
            Some(msg) => {
                let mut s = Snapshot::live(self.data(), SystemTime::now());
                s.status = crate::collect::SourceStatus::Error(msg);
                s
            }
            None => Snapshot::live(self.data(), SystemTime::now()),
        }
    }

    /// While the first LIST pages in: the pods of the previous snapshot (the rows on
    /// screen) with the progress so far, and everything else as it is now. `None` when
    /// there is nothing on screen yet, or when the list is no longer in progress.
    pub fn progress_snapshot(&self, previous: &Snapshot<KubeData>) -> Option<Snapshot<KubeData>> {
        let shown = previous.data.as_ref()?;
        self.pods.loading()?;
        if self.all_failing().is_some() {
            return None;
        }
        let data = self.data_with(shown.pods.clone());
        Some(Snapshot::live(data, SystemTime::now()))
    }
}

/// Which pods are watched, and about how many there are.
#[derive(Debug, Clone, Copy)]
pub struct PodScope {
    /// Every namespace (so node allocation is exact), or only the configured one.
    pub cluster: bool,
    /// Items in scope according to the server (`remainingItemCount` + 1 of a
    /// `limit=1` list); `None` when it does not say (a label selector, an old server).
    pub estimate: Option<usize>,
}

/// One `limit=1` metadata list: `Err` when refused, else the server's item estimate.
async fn probe(api: Api<Pod>, lp: ListParams) -> Result<Option<usize>, kube::Error> {
    let list = api.list_metadata(&lp.limit(1)).await?;
    let remaining = list
        .metadata
        .remaining_item_count
        .and_then(|n| usize::try_from(n).ok());
    Ok(match (remaining, list.metadata.continue_.as_deref()) {
        (Some(r), _) => Some(r + list.items.len()),
        // No continue token: this page was everything.
        (None, None | Some("")) => Some(list.items.len()),
        (None, Some(_)) => None,
    })
}

/// Pod watch scope: every namespace (filtered in the pane) when allowed and no label
/// selector narrows it; the configured namespace otherwise.
pub async fn pod_scope(conn: &Conn, settings: &KubeSettings) -> PodScope {
    if settings.label_selector.is_none() {
        match probe(Api::all(conn.client.clone()), ListParams::default()).await {
            Ok(estimate) => {
                return PodScope {
                    cluster: true,
                    estimate,
                }
            }
            Err(e) if !is_status(&e, 403) => {
                tracing::warn!(error = %e, "cluster-wide pod list probe failed");
            }
            Err(_) => {}
        }
    }
    let mut lp = ListParams::default();
    if let Some(sel) = &settings.label_selector {
        lp = lp.labels(sel);
    }
    let api = Api::namespaced(conn.client.clone(), &settings.namespace);
    PodScope {
        cluster: false,
        estimate: probe(api, lp).await.ok().flatten(),
    }
}

/// The heap is trimmed on the first idle tick this long after a publish (see `crate::heap::trim`),
/// and otherwise every `TRIM_EVERY` (frees that did not follow a publish).
const TRIM_AFTER: Duration = COALESCE;
const TRIM_EVERY: Duration = Duration::from_secs(5);

/// A pod's compact form, shared from the store with every snapshot, with its usage
/// from the last metrics round.
pub fn live_pod(p: SlimPod, metrics: &PodMetrics) -> LivePod {
    let info = Arc::new(model::pod_info(p));
    // No key made for the lookup when there is no usage to find (the first LIST).
    let usage = (!metrics.usage.is_empty())
        .then(|| metrics.of(&object_key(&info.namespace, &info.name)))
        .flatten();
    LivePod::new(info, usage)
}

/// A node's compact form, shared from the store with every snapshot, with its usage.
pub fn live_node(n: Node, metrics: &NodeMetrics) -> LiveNode {
    let info: Arc<NodeObject> = Arc::new(model::node_info(&n));
    let usage = metrics.of(&object_key("", &info.name));
    LiveNode::new(info, usage)
}

/// The five watches, made again when the API server stopped (or resumed) answering.
struct Watches {
    /// On a task of its own: its pages are decoded while the loop files the last one.
    pods: Forwarded<SlimPod>,
    deployments: Watch<Deployment>,
    replicasets: Watch<ReplicaSet>,
    nodes: Watch<Node>,
    events: Watch<KubeEvent>,
}

impl Watches {
    fn start(client: &kube::Client, settings: &KubeSettings, cluster_pods: bool) -> Self {
        let ns = settings.namespace.as_str();
        let pods_api: Api<SlimPod> = if cluster_pods {
            Api::all(client.clone())
        } else {
            Api::namespaced(client.clone(), ns)
        };
        let mut pod_config = watcher::Config::default();
        if let Some(sel) = &settings.label_selector {
            pod_config = pod_config.labels(sel);
        }
        Self {
            pods: forward(watch(pods_api, pod_config)),
            deployments: watch(
                Api::<Deployment>::namespaced(client.clone(), ns),
                watcher::Config::default(),
            ),
            replicasets: watch(
                Api::<ReplicaSet>::namespaced(client.clone(), ns),
                watcher::Config::default(),
            ),
            nodes: watch(Api::<Node>::all(client.clone()), watcher::Config::default()),
            events: watch(
                Api::<KubeEvent>::namespaced(client.clone(), ns),
                watcher::Config::default(),
            ),
        }
    }
}

/// Runs the watches until nobody listens to `tx`. `refresh` sets how soon a silent
/// API server is asked whether it still answers (`liveness`).
pub async fn run(
    conn: Conn,
    settings: KubeSettings,
    refresh: Duration,
    controls: Controls,
    tx: watch::Sender<Snapshot<KubeData>>,
) {
    let scope = pod_scope(&conn, &settings).await;
    let cluster_pods = scope.cluster;
    let client = conn.client.clone();
    let ns = settings.namespace.clone();
    let mut w = Watches::start(&client, &settings, cluster_pods);
    let (mut liveness, mut probes) = Liveness::new(refresh);
    let mut throttle = Throttle::default();
    let (mtx, mut mrx) = mpsc::channel::<MetricsUpdate>(2);
    let (pods_listed, listed_rx) = watch::channel(false);
    tokio::spawn(metrics::run(
        client.clone(),
        ns.clone(),
        settings.label_selector.clone(),
        mtx,
        controls.refresh_now.clone(),
        listed_rx,
    ));

    let mut model = Model::new(&conn, &settings, scope);
    let mut paused = controls.paused.clone();
    let mut tick = tokio::time::interval(COALESCE);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut dirty = false;
    let mut trim_at: Option<Instant> = None;
    let mut last_trim = Instant::now();
    let mut last_publish: Option<Instant> = None;
    // When the rows were last made from every pod listed so far (see `LOADING_ROWS`).
    let mut last_rows: Option<Instant> = None;
    loop {
        tokio::select! {
            Some(batch) = w.pods.next() => {
                let loading = model.pods.loading().is_some();
                for ev in batch {
                    dirty |= from_server(&ev) && liveness.heard();
                    // During the first LIST every page counts: the pane shows its progress.
                    dirty |= model.pods.apply(ev, |p| live_pod(p, &model.metrics.pods)) || loading;
                }
                if loading && model.pods.loading().is_none() {
                    // The LIST is complete: shown now, not on the next tick (up to 0.5 s later).
                    tick.reset_immediately();
                }
                if last_publish.is_none() && model.pods.loading().is_some_and(|n| n > 0) {
                    // The first page: its rows are shown at once, and cost the builder
                    // one page, not every pod listed by the next tick.
                    tick.reset_immediately();
                }
                if model.pods.settled() && !*pods_listed.borrow() {
                    pods_listed.send_replace(true);
                }
            }
            Some(ev) = w.deployments.next(), if throttle.open(WatchId::Deployments) => {
                throttle.note(WatchId::Deployments, &ev);
                dirty |= from_server(&ev) && liveness.heard();
                dirty |= model.deployments.apply(ev, |d| model::deployment_info(&d));
            }
            Some(ev) = w.replicasets.next(), if throttle.open(WatchId::ReplicaSets) => {
                throttle.note(WatchId::ReplicaSets, &ev);
                dirty |= from_server(&ev) && liveness.heard();
                dirty |= model.replicasets.apply(ev, |r| model::replicaset_info(&r));
            }
            Some(ev) = w.nodes.next(), if throttle.open(WatchId::Nodes) => {
                throttle.note(WatchId::Nodes, &ev);
                dirty |= from_server(&ev) && liveness.heard();
                dirty |= model.nodes.apply(ev, |n| live_node(n, &model.metrics.nodes));
            }
            Some(ev) = w.events.next(), if throttle.open(WatchId::Events) => {
                throttle.note(WatchId::Events, &ev);
                dirty |= from_server(&ev) && liveness.heard();
                dirty |= model.events.apply(ev, |e| events::event_info(&e));
            }
            Some(m) = mrx.recv() => {
                model.set_metrics(m);
                dirty = true;
            }
            Some(result) = probes.recv() => {
                if liveness.answered(result) {
                    // Hung connections never end by themselves: start the watches afresh.
                    w = Watches::start(&client, &settings, cluster_pods);
                    dirty = true;
                }
            }
            _ = tick.tick() => {
                liveness.maybe_probe(&client);
                let now = Instant::now();
                for expired in [
                    model.pods.expire_error(now),
                    model.deployments.expire_error(now),
                    model.replicasets.expire_error(now),
                    model.nodes.expire_error(now),
                    model.events.expire_error(now),
                ] {
                    dirty |= expired;
                }
                let paging = model.pods.loading().is_some();
                let since = |t: Option<Instant>, every| t.is_none_or(|t| now.duration_since(t) >= every);
                let due = !paging || since(last_publish, LOADING_COALESCE);
                if dirty && due && !*paused.borrow_and_update() && model.showable() {
                    let next = match &liveness.failure {
                        Some(why) => tx.borrow().failed(why.clone()),
                        None => {
                            let rows_due = !paging || since(last_rows, LOADING_ROWS);
                            let progress = (!rows_due)
                                .then(|| model.progress_snapshot(&tx.borrow()))
                                .flatten();
                            progress.unwrap_or_else(|| {
                                last_rows = Some(now);
                                model.snapshot(&tx.borrow())
                            })
                        }
                    };
                    if tx.send(next).is_err() {
                        return;
                    }
                    dirty = false;
                    last_publish = Some(now);
                    trim_at = Some(now + TRIM_AFTER);
                } else if trim_at.is_some_and(|t| now >= t) || last_trim.elapsed() >= TRIM_EVERY {
                    // An idle tick after a publish: the UI has swapped in the new rows by now,
                    // so the old ones are free; return them at once rather than seconds later.
                    crate::heap::trim();
                    trim_at = None;
                    last_trim = now;
                }
            }
            _ = tx.closed() => return,
        }
    }
}
