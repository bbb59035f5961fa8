//! Paged LISTs fetched one page ahead. A watcher's first LIST of 100,000 pods is 200
//! pages asked one after another: each page is requested only once the last one is
//! decoded and applied, so the API server idles while the console decodes, and the
//! console idles while the server encodes and sends. The `continue` token that names
//! the next page is at the top of each page (an API server writes `metadata` before
//! `items`), so as soon as a page has arrived the next one is asked for, and it is
//! received while this one is decoded. Nothing else changes: the watcher asks for the
//! next page as before and is handed the one already here (same status and headers,
//! and the bytes the server sent but for the objects' `managedFields`, which
//! `managed_fields` cuts out on this task), and every other request goes through as
//! it is.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use http::{Request, Response};
use kube::client::Body;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::managed_fields;

/// At most this many pages wait to be claimed (one per list in progress: pods,
/// nodes, deployments, replicasets and events list at once on start-up).
const WAITING_PAGES: usize = 8;
/// A page bigger than this is not held ahead (it is asked for when wanted).
const MAX_PAGE_BYTES: usize = 256 << 20;

type Fetched = Option<(http::response::Parts, Vec<u8>)>;

/// A page asked for ahead of the watcher, by the request that will want it.
struct Waiting {
    key: String,
    page: tokio::task::JoinHandle<Fetched>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        // An unclaimed page (its watcher restarted) is not received for nothing.
        self.page.abort();
    }
}

/// The service a `kube::Client` is built on (see the module docs), over the client
/// that really sends (auth, TLS, timeouts).
#[derive(Clone)]
pub struct Prefetching {
    inner: kube::Client,
    waiting: Arc<Mutex<VecDeque<Waiting>>>,
    /// Pages handed over from ahead, for the log and the tests.
    served_ahead: Arc<AtomicU64>,
}

impl Prefetching {
    pub fn new(inner: kube::Client) -> Self {
        Self {
            inner,
            waiting: Arc::default(),
            served_ahead: Arc::default(),
        }
    }

    /// A client that sends through this service.
    pub fn client(inner: kube::Client) -> kube::Client {
        Self::new(inner).into_client()
    }

    pub fn into_client(self) -> kube::Client {
        let namespace = self.inner.default_namespace().to_string();
        kube::client::ClientBuilder::new(self, namespace).build()
    }

    /// How many pages were handed over from ahead so far.
    #[cfg(test)]
    pub fn served_ahead(&self) -> u64 {
        self.served_ahead.load(Ordering::Relaxed)
    }

    fn claim(&self, key: &str) -> Option<Waiting> {
        let mut waiting = self.waiting.lock().ok()?;
        let at = waiting.iter().position(|w| w.key == key)?;
        waiting.remove(at)
    }

    fn hold(&self, page: Waiting) {
        if let Ok(mut waiting) = self.waiting.lock() {
            while waiting.len() >= WAITING_PAGES {
                waiting.pop_front();
            }
            waiting.push_back(page);
        }
    }

    /// After a page of a paged LIST has arrived: asks for the next one.
    fn ask_next(&self, parts: &http::request::Parts, body: &[u8]) {
        let Some(token) = continue_token(body) else {
            return;
        };
        let Some(next) = next_page(parts, &token) else {
            return;
        };
        let key = page_key(next.uri());
        let inner = self.inner.clone();
        let page = tokio::spawn(async move {
            let (parts, bytes) = fetch(&inner, next).await.ok()?;
            parts.status.is_success().then_some((parts, bytes))
        });
        self.hold(Waiting { key, page });
    }
}

/// Sends `req` and reads its whole body (as `Client::request` would before decoding),
/// failing past `MAX_PAGE_BYTES`, with its objects' `managedFields` cut out.
async fn fetch(
    client: &kube::Client,
    req: Request<Body>,
) -> Result<(http::response::Parts, Vec<u8>), kube::Error> {
    use http_body_util::BodyExt;
    let (mut parts, mut body) = client.send(req).await?.into_parts();
    // The frames are kept as they came and copied once, into a buffer of their size:
    // a page is sent chunked, so its size is known only at its end.
    let mut frames = Vec::new();
    let mut size = 0usize;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            size += data.len();
            if size > MAX_PAGE_BYTES {
                return Err(kube::Error::Service(
                    format!("a list page larger than {MAX_PAGE_BYTES} bytes").into(),
                ));
            }
            frames.push(data);
        }
    }
    let mut bytes = Vec::with_capacity(size);
    for data in frames {
        bytes.extend_from_slice(&data);
    }
    managed_fields::strip(&mut bytes);
    parts.headers.remove(http::header::CONTENT_LENGTH);
    Ok((parts, bytes))
}

impl tower_service::Service<Request<Body>> for Prefetching {
    type Response = Response<Body>;
    type Error = kube::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, kube::Error>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), kube::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            let Some(key) = paged_list(&req).then(|| page_key(req.uri())) else {
                return this.inner.send(req).await;
            };
            let ready = match this.claim(&key) {
                Some(mut w) => (&mut w.page).await.ok().flatten(),
                None => None,
            };
            if ready.is_some() {
                this.served_ahead.fetch_add(1, Ordering::Relaxed);
            }
            // A GET's body is empty: the request is made again from its head.
            let (parts, _) = req.into_parts();
            let (res_parts, bytes) = match ready {
                Some(page) => page,
                None => {
                    let again = Request::from_parts(parts.clone(), Body::empty());
                    fetch(&this.inner, again).await?
                }
            };
            if res_parts.status.is_success() {
                this.ask_next(&parts, &bytes);
                // The read-ahead was spawned from the watcher's task, so tokio holds it in
                // this worker's LIFO slot, which no other worker may take: it would wait
                // until the watcher's poll ends, after decoding this very page, and the
                // next page would be asked for only then (measured at 100,000 pods: 3 ms of
                // waiting per page, 0.6 s in all). Yielding once lets it send its request
                // first; its answer is then read on the other worker during the decode.
                tokio::task::yield_now().await;
            }
            Ok(Response::from_parts(res_parts, Body::from(bytes)))
        })
    }
}

/// A GET of a list in pages (`limit`), not a watch. A `limit=1` probe wants one item
/// and its counts, not the list.
fn paged_list(req: &Request<Body>) -> bool {
    if req.method() != http::Method::GET {
        return false;
    }
    let mut limit = None;
    for (k, v) in query_pairs(req.uri()) {
        match &*k {
            "watch" if v != "false" && v != "0" => return false,
            "limit" => limit = v.parse::<u64>().ok(),
            _ => {}
        }
    }
    limit.is_some_and(|l| l > 1)
}

fn query_pairs(uri: &http::Uri) -> url::form_urlencoded::Parse<'_> {
    url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
}

/// Which request a page answers, whatever the order of its parameters.
fn page_key(uri: &http::Uri) -> String {
    let mut pairs: Vec<_> = query_pairs(uri).collect();
    pairs.sort();
    let mut key = url::form_urlencoded::Serializer::new(format!("{}?", uri.path()));
    key.extend_pairs(pairs);
    key.finish()
}

/// The request for the page after the one `parts` asked for: the same, with its
/// `continue` set to `token`.
fn next_page(parts: &http::request::Parts, token: &str) -> Option<Request<Body>> {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(query_pairs(&parts.uri).filter(|(k, _)| k != "continue"));
    query.append_pair("continue", token);
    let uri = format!("{}?{}", parts.uri.path(), query.finish());
    let mut next = Request::builder().method(http::Method::GET).uri(uri);
    for (name, value) in &parts.headers {
        next = next.header(name, value);
    }
    let mut next = next.body(Body::empty()).ok()?;
    *next.extensions_mut() = parts.extensions.clone();
    Some(next)
}

/// The list's `metadata.continue`, read only as far as `metadata`: `None` when the
/// list is complete, or when `items` comes first (a server that orders its fields
/// otherwise is paged as before, one page at a time).
pub fn continue_token(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct ListMeta {
        #[serde(rename = "continue", default)]
        token: Option<String>,
    }
    struct Head<'a>(&'a mut Option<String>);
    impl<'de> Visitor<'de> for Head<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a list")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'_, str>>()? {
                match &*key {
                    "metadata" => {
                        *self.0 = map.next_value::<ListMeta>()?.token;
                        break;
                    }
                    "items" => break,
                    _ => {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
            }
            // Stop here: the rest (the items) is the watcher's to decode.
            Err(de::Error::custom("head read"))
        }
    }
    let mut token = None;
    let _ = serde_json::Deserializer::from_slice(body).deserialize_map(Head(&mut token));
    token.filter(|t| !t.is_empty())
}

#[cfg(test)]
#[path = "prefetch_tests.rs"]
mod tests;
