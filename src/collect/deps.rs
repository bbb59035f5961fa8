//! Dependency checks: every `[[dependencies]]` entry probed concurrently, each within
//! its timeout — `tcp://` connects (`nc -zv`), `http(s)://` sends a HEAD and reads the
//! status line (`curl -I`), and https records the server certificate's expiry. A failed
//! check is data (that dependency is down), never a failed round.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use futures::future::join_all;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use x509_cert::der::Decode;

use super::{CollectError, Collector};
use crate::config::deps::{DepKind, Dependency};
use crate::config::DepSettings;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DepsData {
    pub checks: Vec<DepCheck>,
    pub cert_warn_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DepCheck {
    pub name: String,
    /// The URL without user info or query.
    pub url: String,
    pub kind: DepKind,
    /// Reached: connected (tcp) or answered with a status line (http/https).
    pub up: bool,
    pub latency_ms: Option<f64>,
    pub http_status: Option<u16>,
    /// The server certificate's `notAfter` (Unix seconds), https only.
    pub cert_not_after: Option<i64>,
    /// Why it is down: refused, timed out, TLS, no status line.
    pub error: Option<String>,
}

impl DepCheck {
    /// Whole days until the certificate expires, rounded up (a certificate valid for
    /// 2 days 23 hours has "3 days"); negative once it has expired.
    pub fn cert_days_left(&self, now: SystemTime) -> Option<i64> {
        let now = now.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs() as i64;
        self.cert_not_after.map(|t| {
            let left = t - now;
            if left >= 0 {
                (left + 86_399) / 86_400
            } else {
                left.div_euclid(86_400)
            }
        })
    }
}

pub fn deps_hint(s: &DepSettings) -> Option<String> {
    s.checks
        .is_empty()
        .then(|| "add [[dependencies]] to the config (see config --print-default)".into())
}

pub struct DepsCollector {
    settings: DepSettings,
    /// One TLS client config per check (system roots plus its `ca_file`), built once.
    tls: Vec<Option<Arc<rustls::ClientConfig>>>,
}

impl DepsCollector {
    pub fn new(settings: DepSettings) -> Self {
        Self {
            tls: vec![None; settings.checks.len()],
            settings,
        }
    }
}

impl Collector for DepsCollector {
    type Data = DepsData;

    fn name(&self) -> &'static str {
        "deps"
    }

    async fn collect(&mut self) -> Result<DepsData, CollectError> {
        for (i, d) in self.settings.checks.iter().enumerate() {
            if d.kind == DepKind::Https && self.tls[i].is_none() {
                let roots = native_roots().await;
                self.tls[i] = Some(Arc::new(
                    tls_config(d, &roots).map_err(CollectError::Query)?,
                ));
            }
        }
        let timeout = self.settings.timeout;
        let probes = self
            .settings
            .checks
            .iter()
            .zip(self.tls.iter())
            .map(|(d, tls)| probe(d, tls.clone(), timeout));
        Ok(DepsData {
            checks: join_all(probes).await,
            cert_warn_days: self.settings.cert_warn_days,
        })
    }
}

/// The system's trust store, read once per process and on tokio's blocking pool:
/// reading and parsing it took 25 ms per HTTPS check here (75 ms for three, at start-up),
/// on an async worker that the PostgreSQL and Redis collectors share, so their first
/// snapshots, and the console's first complete frame, waited for it.
async fn native_roots() -> Arc<Vec<CertificateDer<'static>>> {
    static ROOTS: tokio::sync::OnceCell<Arc<Vec<CertificateDer<'static>>>> =
        tokio::sync::OnceCell::const_new();
    let load = || async {
        let read = || Arc::new(rustls_native_certs::load_native_certs().certs);
        // A reader that panicked leaves no roots: every HTTPS check then fails to
        // verify and says so, which is what an unreadable trust store means.
        tokio::task::spawn_blocking(read).await.unwrap_or_default()
    };
    ROOTS.get_or_init(load).await.clone()
}

fn tls_config(
    d: &Dependency,
    native: &[CertificateDer<'static>],
) -> Result<rustls::ClientConfig, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in native {
        // A broken system certificate must not disable every other root.
        let _ = roots.add(c.clone());
    }
    if let Some(path) = &d.ca_file {
        let what =
            |e: &dyn std::fmt::Display| format!("{}: ca_file {}: {e}", d.name, path.display());
        for c in CertificateDer::pem_file_iter(path).map_err(|e| what(&e))? {
            roots.add(c.map_err(|e| what(&e))?).map_err(|e| what(&e))?;
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// What one attempt found before it ended (in success, error or timeout).
#[derive(Default)]
struct Found {
    status: Option<u16>,
    not_after: Option<i64>,
}

async fn probe(
    d: &Dependency,
    tls: Option<Arc<rustls::ClientConfig>>,
    timeout: Duration,
) -> DepCheck {
    let start = Instant::now();
    let mut found = Found::default();
    let result = tokio::time::timeout(timeout, attempt(d, tls, &mut found)).await;
    let elapsed = start.elapsed().as_secs_f64() * 1000.0;
    let error = match result {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e),
        Err(_) => Some(format!(
            "timed out after {}",
            humantime::format_duration(timeout)
        )),
    };
    DepCheck {
        name: d.name.clone(),
        url: d.shown.clone(),
        kind: d.kind,
        up: error.is_none(),
        latency_ms: error.is_none().then_some(elapsed),
        http_status: found.status,
        cert_not_after: found.not_after,
        error,
    }
}

async fn attempt(
    d: &Dependency,
    tls: Option<Arc<rustls::ClientConfig>>,
    found: &mut Found,
) -> Result<(), String> {
    let tcp = TcpStream::connect((d.host.as_str(), d.port))
        .await
        .map_err(|e| format!("connect {}:{}: {}", d.host, d.port, io_reason(&e)))?;
    match (d.kind, tls) {
        (DepKind::Tcp, _) => Ok(()),
        (DepKind::Http, _) => head(tcp, d, found).await,
        (DepKind::Https, Some(cfg)) => {
            let name = ServerName::try_from(d.host.clone())
                .map_err(|e| format!("TLS name {}: {e}", d.host))?;
            let stream = tokio_rustls::TlsConnector::from(cfg)
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS: {e}"))?;
            found.not_after = stream
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .and_then(|c| not_after(c));
            head(stream, d, found).await
        }
        (DepKind::Https, None) => Err("TLS not set up".into()),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
        _ => e.to_string(),
    }
}

/// `HEAD path HTTP/1.1`, then the status of the first line of the answer.
async fn head<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    d: &Dependency,
    found: &mut Found,
) -> Result<(), String> {
    let req = format!(
        "HEAD {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: kitops-top\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        d.path, d.host
    );
    s.write_all(req.as_bytes())
        .await
        .map_err(|e| format!("send: {e}"))?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    while !buf.windows(2).any(|w| w == b"\r\n") && buf.len() < 4096 {
        let n = s.read(&mut chunk).await.map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let line = String::from_utf8_lossy(&buf);
    let status = line
        .strip_prefix("HTTP/")
        .and_then(|r| r.split_whitespace().nth(1))
        .and_then(|c| c.parse::<u16>().ok())
        .ok_or_else(|| "no HTTP status line in the answer".to_string())?;
    found.status = Some(status);
    Ok(())
}

/// The certificate's `notAfter` in Unix seconds.
pub fn not_after(der: &CertificateDer<'_>) -> Option<i64> {
    let cert = x509_cert::Certificate::from_der(der.as_ref()).ok()?;
    let t = cert.tbs_certificate.validity.not_after.to_unix_duration();
    Some(t.as_secs() as i64)
}
