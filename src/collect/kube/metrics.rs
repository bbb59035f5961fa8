//! metrics.k8s.io PodMetrics / NodeMetrics, polled no more often than
//! metrics-server produces new data (its `timestamp` + `window`, 15 s floor).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams};
use kube::Client;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, Notify};

use super::client::{describe_error, is_status};
use super::model::{parse_quantity, Usage};
use super::slim::slim_resource;

/// Never poll metrics more often than this (metrics-server's default resolution).
pub const MIN_INTERVAL: Duration = Duration::from_secs(15);
/// When metrics-server is absent, look again now and then.
pub const ABSENT_INTERVAL: Duration = Duration::from_secs(60);

/// What the panes know about one metrics resource.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MetricsStatus {
    #[default]
    Pending,
    /// `timestamp` is the end of the sample window (unix seconds).
    Live {
        timestamp: i64,
        window_s: f64,
    },
    /// metrics.k8s.io is not served (404): metrics-server is not installed.
    Absent,
    Error {
        message: String,
    },
}

impl PodMetrics {
    pub fn of(&self, namespace: &str, name: &str) -> Option<Usage> {
        self.usage.get(namespace)?.get(name).copied()
    }
}

impl MetricsStatus {
    /// Short text for a CPU/MEM cell when there is no number.
    pub fn cell_text(&self) -> &'static str {
        match self {
            MetricsStatus::Absent => "n/a",
            MetricsStatus::Error { .. } => "err",
            MetricsStatus::Pending | MetricsStatus::Live { .. } => "-",
        }
    }

    /// One line for a pane summary (`now` in unix seconds).
    pub fn line(&self, what: &str, now: i64) -> String {
        match self {
            MetricsStatus::Pending => format!("{what}: waiting for metrics.k8s.io"),
            MetricsStatus::Live {
                timestamp,
                window_s,
            } => format!(
                "{what}: {}s old (window {window_s:.0}s)",
                (now - timestamp).max(0)
            ),
            MetricsStatus::Absent => format!("{what}: n/a (metrics-server absent)"),
            MetricsStatus::Error { message } => format!("{what}: {message}"),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct PodMetrics {
    pub status: MetricsStatus,
    /// namespace → name → usage (looked up by `&str`, without building a key per pod).
    pub usage: HashMap<String, HashMap<String, Usage>>,
}

#[derive(Debug, Clone, Default)]
pub struct NodeMetrics {
    pub status: MetricsStatus,
    pub usage: HashMap<String, Usage>,
}

#[derive(Debug, Clone, Default)]
pub struct MetricsUpdate {
    pub pods: PodMetrics,
    pub nodes: NodeMetrics,
}

#[derive(Deserialize, Default, Clone, Debug)]
struct RawUsage {
    #[serde(default)]
    cpu: Option<String>,
    #[serde(default)]
    memory: Option<String>,
}

impl RawUsage {
    fn usage(&self) -> Usage {
        let q = |v: &Option<String>| v.as_deref().and_then(parse_quantity).unwrap_or(0.0);
        Usage {
            cpu: q(&self.cpu),
            memory: q(&self.memory),
        }
    }
}

#[derive(Deserialize, Default, Clone, Debug)]
struct RawContainer {
    #[serde(default)]
    usage: RawUsage,
}

/// One PodMetrics or NodeMetrics object: only what the panes read. Decoding into
/// `DynamicObject` kept a JSON tree per pod (5,000 of them every 15 s was the
/// console's largest memory transient); serde skips everything else.
#[derive(Deserialize, Default, Clone, Debug)]
struct MetricsSample<Kind> {
    #[serde(default)]
    metadata: ObjectMeta,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    window: Option<String>,
    /// PodMetrics: per container.
    #[serde(default)]
    containers: Vec<RawContainer>,
    /// NodeMetrics: the node's total.
    #[serde(default)]
    usage: Option<RawUsage>,
    #[serde(skip)]
    kind: std::marker::PhantomData<Kind>,
}

#[derive(Default, Clone, Debug)]
struct PodKind;
#[derive(Default, Clone, Debug)]
struct NodeKind;

slim_resource!(
    MetricsSample<PodKind>,
    "metrics.k8s.io/v1beta1",
    "metrics.k8s.io",
    "v1beta1",
    "PodMetrics",
    "pods",
    k8s_openapi::NamespaceResourceScope
);
slim_resource!(
    MetricsSample<NodeKind>,
    "metrics.k8s.io/v1beta1",
    "metrics.k8s.io",
    "v1beta1",
    "NodeMetrics",
    "nodes",
    k8s_openapi::ClusterResourceScope
);

fn parse_ts(s: &str) -> Option<i64> {
    s.parse::<k8s_openapi::jiff::Timestamp>()
        .ok()
        .map(|t| t.as_second())
}

fn parse_window(s: &str) -> Option<f64> {
    humantime::parse_duration(s).ok().map(|d| d.as_secs_f64())
}

/// The newest sample's time and window over a list.
fn stamp<Kind>(samples: &[MetricsSample<Kind>]) -> MetricsStatus {
    let timestamp = samples
        .iter()
        .filter_map(|s| s.timestamp.as_deref().and_then(parse_ts))
        .max()
        .unwrap_or_else(|| chrono::Utc::now().timestamp());
    let window_s = samples
        .iter()
        .filter_map(|s| s.window.as_deref().and_then(parse_window))
        .next()
        .unwrap_or(MIN_INTERVAL.as_secs_f64());
    MetricsStatus::Live {
        timestamp,
        window_s,
    }
}

fn failure(e: &kube::Error, resource: &str, namespace: Option<&str>) -> MetricsStatus {
    if is_status(e, 404) || is_status(e, 503) {
        MetricsStatus::Absent
    } else {
        MetricsStatus::Error {
            message: describe_error(e, "list", resource, namespace),
        }
    }
}

pub async fn fetch_pods(client: &Client, namespace: &str, selector: Option<&str>) -> PodMetrics {
    let api: Api<MetricsSample<PodKind>> = Api::namespaced(client.clone(), namespace);
    let mut lp = ListParams::default();
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    match api.list(&lp).await {
        Err(e) => PodMetrics {
            status: failure(&e, "pods.metrics.k8s.io", Some(namespace)),
            usage: HashMap::new(),
        },
        Ok(list) => {
            let mut usage: HashMap<String, HashMap<String, Usage>> = HashMap::new();
            for s in &list.items {
                let total = s.containers.iter().fold(Usage::default(), |a, c| {
                    let u = c.usage.usage();
                    Usage {
                        cpu: a.cpu + u.cpu,
                        memory: a.memory + u.memory,
                    }
                });
                let m = &s.metadata;
                let ns = m.namespace.as_deref().unwrap_or_default();
                if !usage.contains_key(ns) {
                    usage.insert(ns.to_string(), HashMap::new());
                }
                if let Some(by_name) = usage.get_mut(ns) {
                    by_name.insert(m.name.clone().unwrap_or_default(), total);
                }
            }
            PodMetrics {
                status: stamp(&list.items),
                usage,
            }
        }
    }
}

pub async fn fetch_nodes(client: &Client) -> NodeMetrics {
    let api: Api<MetricsSample<NodeKind>> = Api::all(client.clone());
    match api.list(&ListParams::default()).await {
        Err(e) => NodeMetrics {
            status: failure(&e, "nodes.metrics.k8s.io", None),
            usage: HashMap::new(),
        },
        Ok(list) => {
            let usage = list
                .items
                .iter()
                .map(|s| {
                    (
                        s.metadata.name.clone().unwrap_or_default(),
                        s.usage.as_ref().map(RawUsage::usage).unwrap_or_default(),
                    )
                })
                .collect();
            NodeMetrics {
                status: stamp(&list.items),
                usage,
            }
        }
    }
}

pub async fn fetch(client: &Client, namespace: &str, selector: Option<&str>) -> MetricsUpdate {
    let (pods, nodes) = tokio::join!(fetch_pods(client, namespace, selector), fetch_nodes(client));
    MetricsUpdate { pods, nodes }
}

/// When to look again: when the next sample is due, never sooner than `MIN_INTERVAL`.
pub fn next_delay(update: &MetricsUpdate, now: i64) -> Duration {
    let due = |s: &MetricsStatus| match s {
        MetricsStatus::Live {
            timestamp,
            window_s,
        } => {
            let next = (*timestamp as f64 + window_s) - now as f64 + 1.0;
            Duration::from_secs_f64(next.clamp(0.0, 120.0))
        }
        MetricsStatus::Absent => ABSENT_INTERVAL,
        MetricsStatus::Pending | MetricsStatus::Error { .. } => MIN_INTERVAL,
    };
    due(&update.pods.status)
        .min(due(&update.nodes.status))
        .max(MIN_INTERVAL)
}

/// Polls until `tx` is closed. `refresh_now` fetches immediately.
pub async fn run(
    client: Client,
    namespace: String,
    selector: Option<String>,
    tx: mpsc::Sender<MetricsUpdate>,
    refresh_now: Arc<Notify>,
) {
    loop {
        let update = fetch(&client, &namespace, selector.as_deref()).await;
        let delay = next_delay(&update, chrono::Utc::now().timestamp());
        if tx.send(update).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = refresh_now.notified() => {}
            _ = tx.closed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_at_the_metrics_resolution_with_a_floor() {
        let live = |ts, w| MetricsUpdate {
            pods: PodMetrics {
                status: MetricsStatus::Live {
                    timestamp: ts,
                    window_s: w,
                },
                ..Default::default()
            },
            nodes: NodeMetrics {
                status: MetricsStatus::Live {
                    timestamp: ts,
                    window_s: w,
                },
                ..Default::default()
            },
        };
        assert_eq!(next_delay(&live(100, 60.0), 110), Duration::from_secs(51));
        assert_eq!(next_delay(&live(100, 15.0), 110), MIN_INTERVAL);
        let absent = MetricsUpdate {
            pods: PodMetrics {
                status: MetricsStatus::Absent,
                ..Default::default()
            },
            nodes: NodeMetrics {
                status: MetricsStatus::Absent,
                ..Default::default()
            },
        };
        assert_eq!(next_delay(&absent, 0), ABSENT_INTERVAL);
    }
}
