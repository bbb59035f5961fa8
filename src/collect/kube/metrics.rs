//! metrics.k8s.io PodMetrics / NodeMetrics, polled no more often than
//! metrics-server produces new data (its `timestamp` + `window`, 15 s floor).

use std::sync::Arc;
use std::time::Duration;

use kube::api::ListParams;
use kube::Client;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, watch, Notify};

use super::client::{describe_error, is_status};
pub use super::metrics_list::UsageByKey;
use super::metrics_list::UsageList;
use super::model::Usage;

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

/// The usage of one metrics resource (pods or nodes) and what the panes say about it.
#[derive(Debug, Clone, Default)]
pub struct MetricsOf {
    pub status: MetricsStatus,
    /// By `store::object_key`: looked up with the store's key, no key built per object.
    pub usage: UsageByKey,
}

impl MetricsOf {
    /// The usage of the object a store keeps under `key`.
    pub fn of(&self, key: &str) -> Option<Usage> {
        self.usage.get(key)
    }

    fn failed(status: MetricsStatus) -> Self {
        Self {
            status,
            usage: UsageByKey::default(),
        }
    }

    fn listed(list: UsageList) -> Self {
        Self {
            status: MetricsStatus::Live {
                timestamp: list
                    .newest
                    .unwrap_or_else(|| chrono::Utc::now().timestamp()),
                window_s: list.window_s.unwrap_or(MIN_INTERVAL.as_secs_f64()),
            },
            usage: list.usage,
        }
    }
}

pub type PodMetrics = MetricsOf;
pub type NodeMetrics = MetricsOf;

#[derive(Debug, Clone, Default)]
pub struct MetricsUpdate {
    pub pods: PodMetrics,
    pub nodes: NodeMetrics,
}

const GROUP_VERSION: &str = "/apis/metrics.k8s.io/v1beta1";

/// The largest metrics list read. At 100,000 pods the body is about 40 MB; a server (or
/// anything between) that sends more is not followed into memory without bound.
pub const MAX_BODY: usize = 512 << 20;

/// Why a metrics list could not be read.
#[derive(Debug)]
enum ListError {
    /// The request, the server's answer or its decoding, as `Api::list` reports them.
    Kube(kube::Error),
    /// The body is (or was announced) longer than `limit` bytes: not read further.
    TooLarge { limit: usize },
}

impl From<kube::Error> for ListError {
    fn from(e: kube::Error) -> Self {
        ListError::Kube(e)
    }
}

fn failure(e: &ListError, resource: &str, namespace: Option<&str>) -> MetricsStatus {
    match e {
        ListError::Kube(e) if is_status(e, 404) || is_status(e, 503) => MetricsStatus::Absent,
        ListError::Kube(e) => MetricsStatus::Error {
            message: describe_error(e, "list", resource, namespace),
        },
        ListError::TooLarge { limit } => MetricsStatus::Error {
            message: format!(
                "list {resource}: the response is larger than {} MB, not read",
                limit >> 20
            ),
        },
    }
}

/// One metrics LIST at `url_path` (what `Api::list` would ask for), folded into a
/// usage map as the response is decoded (`metrics_list`). At 100,000 pods the body is
/// tens of megabytes: it is gathered once, into a buffer of its announced length, and
/// decoded from those bytes (`Client::request` copies it twice more and checks its
/// UTF-8 in a pass of its own, every metrics round).
async fn list_usage(
    client: &Client,
    url_path: String,
    lp: &ListParams,
) -> Result<UsageList, ListError> {
    let mut req = kube::core::Request::new(url_path)
        .list(lp)
        .map_err(kube::Error::BuildRequest)?;
    req.extensions_mut().insert("list");
    let res = client.send(req.map(kube::client::Body::from)).await?;
    let status = res.status();
    let announced = res
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse::<usize>().ok())
        .unwrap_or(0);
    let body = read_body(res.into_body(), announced, MAX_BODY).await?;
    if status.is_client_error() || status.is_server_error() {
        return Err(api_error(status.as_u16(), &body).into());
    }
    decode(&body).map_err(|e| kube::Error::SerdeError(e).into())
}

/// The list folded from its text. The UTF-8 is checked once over the whole body (a
/// fast pass over ASCII): decoding from bytes checks every string on its own, 15 % of
/// a round's decode at 100,000 pods.
fn decode(body: &[u8]) -> Result<UsageList, serde_json::Error> {
    let text = std::str::from_utf8(body).map_err(|e| {
        <serde_json::Error as serde::de::Error>::custom(format!(
            "invalid UTF-8 at byte {} of the response",
            e.valid_up_to()
        ))
    })?;
    serde_json::from_str(text)
}

/// A body's bytes in one buffer, sized up front from `announced` (at most
/// `MAX_PRESIZE`: a header is no reason to reserve without bound), and at most `limit`
/// bytes of it: a longer body (or one announced longer) is `TooLarge`.
async fn read_body(
    mut body: kube::client::Body,
    announced: usize,
    limit: usize,
) -> Result<Vec<u8>, ListError> {
    use http_body_util::BodyExt;
    const MAX_PRESIZE: usize = 256 << 20;
    if announced > limit {
        return Err(ListError::TooLarge { limit });
    }
    let mut out = Vec::with_capacity(announced.min(MAX_PRESIZE));
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if out.len() + data.len() > limit {
                return Err(ListError::TooLarge { limit });
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// An unsuccessful answer as `Client::request` reports it: the server's `Status`, or
/// one made of the text it sent.
fn api_error(code: u16, body: &[u8]) -> kube::Error {
    let status = match serde_json::from_slice::<kube::core::Status>(body) {
        Ok(status) => status,
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            kube::core::Status::failure(text.trim(), "Failed to parse error data").with_code(code)
        }
    };
    kube::Error::Api(status.boxed())
}

pub async fn fetch_pods(client: &Client, namespace: &str, selector: Option<&str>) -> PodMetrics {
    let mut lp = ListParams::default();
    if let Some(s) = selector {
        lp = lp.labels(s);
    }
    let url = format!("{GROUP_VERSION}/namespaces/{namespace}/pods");
    match list_usage(client, url, &lp).await {
        Err(e) => MetricsOf::failed(failure(&e, "pods.metrics.k8s.io", Some(namespace))),
        Ok(list) => MetricsOf::listed(list),
    }
}

pub async fn fetch_nodes(client: &Client) -> NodeMetrics {
    let url = format!("{GROUP_VERSION}/nodes");
    match list_usage(client, url, &ListParams::default()).await {
        Err(e) => MetricsOf::failed(failure(&e, "nodes.metrics.k8s.io", None)),
        Ok(list) => MetricsOf::listed(list),
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

/// The first round waits for the pods' first LIST (`run`), at most this long.
pub const FIRST_ROUND_WAITS_AT_MOST: Duration = Duration::from_secs(20);

/// Polls until `tx` is closed. `refresh_now` fetches immediately. The first round waits
/// until `pods_listed` says the pods' first LIST is complete (or failed), at most
/// `FIRST_ROUND_WAITS_AT_MOST`: a pod's usage has no row to go in before the pod is
/// listed, and at 100,000 pods the usage list (one response with every pod) served and
/// decoded beside the pods' pages took the two cores the pages needed, so the rows
/// came 0.3 s later and the usage no sooner.
pub async fn run(
    client: Client,
    namespace: String,
    selector: Option<String>,
    tx: mpsc::Sender<MetricsUpdate>,
    refresh_now: Arc<Notify>,
    mut pods_listed: watch::Receiver<bool>,
) {
    tokio::select! {
        // Listed, or the loop that says so has ended: either way, wait no longer.
        _ = pods_listed.wait_for(|listed| *listed) => {}
        _ = tokio::time::sleep(FIRST_ROUND_WAITS_AT_MOST) => {}
        _ = tx.closed() => return,
    }
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

    fn read(bytes: &[u8], announced: usize, limit: usize) -> Result<Vec<u8>, ListError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        rt.block_on(read_body(
            kube::client::Body::from(bytes.to_vec()),
            announced,
            limit,
        ))
    }

    #[test]
    fn a_list_that_is_not_utf8_is_an_error_and_escapes_are_read() {
        let list = decode(br#"{"items":[{"metadata":{"name":"a\u00e9","namespace":"ns"}}]}"#)
            .expect("list");
        assert_eq!(list.usage.len(), 1);
        assert!(list.usage.get("ns\0a\u{e9}").is_some());
        let err = decode(b"{\"items\":[{\"metadata\":{\"name\":\"a\xff\"}}]}")
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("invalid UTF-8 at byte 32 of the response")
        );
    }

    #[test]
    fn a_body_longer_than_the_bound_is_not_read_and_says_so_in_the_pane() {
        let body = br#"{"items":[]}"#;
        assert_eq!(
            read(body, body.len(), body.len()).ok().as_deref(),
            Some(&body[..])
        );
        assert_eq!(read(body, 0, body.len()).ok().as_deref(), Some(&body[..]));
        let limit = body.len() - 1;
        for announced in [0, body.len(), usize::MAX] {
            match read(body, announced, limit) {
                Err(ListError::TooLarge { limit: l }) => assert_eq!(l, limit),
                other => panic!("announced {announced}: {other:?}"),
            }
        }
        let pane = failure(
            &ListError::TooLarge { limit: MAX_BODY },
            "pods.metrics.k8s.io",
            Some("kitops"),
        );
        assert_eq!(
            pane.line("pod metrics", 0),
            "pod metrics: list pods.metrics.k8s.io: the response is larger than 512 MB, not read"
        );
    }

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
