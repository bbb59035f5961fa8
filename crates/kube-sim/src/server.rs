//! HTTP plumbing: hyper accept loop, request/response types, body streaming.

use crate::shared::Shared;
use crate::util::{percent_decode, status};
use bytes::Bytes;
use http_body::Frame;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, CONTENT_TYPE};
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

pub enum Body {
    Full(Option<Bytes>),
    Stream(mpsc::Receiver<Bytes>),
}

impl http_body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Body::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            Body::Stream(rx) => rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b)))),
        }
    }
}

pub type Resp = Response<Body>;

pub struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub fn q(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
    }
    pub fn flag(&self, k: &str) -> bool {
        matches!(self.q(k), Some("true" | "1"))
    }
    pub fn header(&self, k: &str) -> &str {
        self.headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    /// The `dryRun` query parameters, as PATCH, PUT and POST carry them.
    pub fn dry_run_query(&self) -> Result<bool, Resp> {
        let values: Vec<&str> = self
            .query
            .iter()
            .filter(|(k, _)| k == "dryRun")
            .map(|(_, v)| v.as_str())
            .collect();
        let options = match self.method {
            Method::POST => "CreateOptions",
            Method::PUT => "UpdateOptions",
            Method::DELETE => "DeleteOptions",
            _ => "PatchOptions",
        };
        dry_run(&values, options)
    }
    pub fn json_body(&self) -> Result<Value, Resp> {
        if self.body.is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            json(
                400,
                &status(400, "BadRequest", format!("invalid JSON body: {e}")),
            )
        })
    }
}

/// Whether `dryRun` values ask for a dry run; the API server knows only "All" and refuses
/// anything else rather than carrying the request out for real.
pub fn dry_run(values: &[&str], options_kind: &str) -> Result<bool, Resp> {
    if values.iter().all(|v| *v == "All") {
        return Ok(!values.is_empty());
    }
    let quoted: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    let msg = format!(
        "{options_kind}.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: []string{{{}}}: supported values: \"All\"",
        quoted.join(", ")
    );
    let mut s = status(422, "Invalid", msg);
    s["details"] = serde_json::json!({"group": "meta.k8s.io", "kind": options_kind});
    Err(json(422, &s))
}

pub fn respond(code: u16, content_type: &str, body: Body) -> Resp {
    let mut r = Response::new(body);
    *r.status_mut() = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Ok(v) = content_type.parse() {
        r.headers_mut().insert(CONTENT_TYPE, v);
    }
    r
}

pub fn json(code: u16, v: &Value) -> Resp {
    respond(
        code,
        "application/json",
        Body::Full(Some(Bytes::from(v.to_string()))),
    )
}

/// A JSON response from an already encoded body (a stored object's cached encoding).
pub fn json_bytes(code: u16, body: Bytes) -> Resp {
    respond(code, "application/json", Body::Full(Some(body)))
}

pub fn error(code: u16, reason: &str, msg: impl Into<String>) -> Resp {
    json(code, &status(code, reason, msg))
}

pub fn text(code: u16, s: impl Into<String>) -> Resp {
    respond(code, "text/plain", Body::Full(Some(Bytes::from(s.into()))))
}

pub fn stream(content_type: &str, rx: mpsc::Receiver<Bytes>) -> Resp {
    respond(200, content_type, Body::Stream(rx))
}

fn parse_query(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return Ok(error(400, "BadRequest", format!("reading body: {e}"))),
    };
    let req = Req {
        method: parts.method,
        path: percent_decode(parts.uri.path()),
        query: parse_query(parts.uri.query().unwrap_or("")),
        headers: parts.headers,
        body,
    };
    if req.path.starts_with("/_sim") {
        return Ok(crate::admin::handle(&shared, &req));
    }
    let latency = shared.faults().latency;
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    // Clients that send credentials must send the right token; kubectl sends none over plain HTTP.
    let auth = req.header("authorization");
    if !shared.token.is_empty() && !auth.is_empty() && auth != format!("Bearer {}", shared.token) {
        return Ok(error(401, "Unauthorized", "Unauthorized"));
    }
    Ok(crate::api::handle(&shared, req).await)
}

pub async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.subscribe();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let mut shutdown = shared.shutdown.subscribe();
        tokio::spawn(async move {
            let svc_shared = shared.clone();
            let svc = service_fn(move |r| handle(svc_shared.clone(), r));
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                _ = conn => {},
                _ = shutdown.changed() => {},
            }
        });
    }
}
