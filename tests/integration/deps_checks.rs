//! Dependency checks against local listeners: a TCP port that accepts (up), one that
//! refuses, one that accepts and never answers (timeout), an HTTP server answering
//! 500, and a TLS server with a self-signed certificate expiring in 3 days (openssl
//! CLI + tokio-rustls) — trusted through `ca_file`, and refused without it. All are
//! probed concurrently in one round; then the pane, the strip and the attention line.

use std::net::TcpListener as StdListener;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use kitops_top::app::{update, Event, PaneId, SourceUpdate, State};
use kitops_top::collect::deps::{DepCheck, DepsCollector, DepsData};
use kitops_top::collect::{Collector, Snapshot};
use kitops_top::config::deps::{resolve, DepKind, DependencyChecksSection, DependencySection};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn dep(name: &str, url: String, ca: Option<&Path>) -> DependencySection {
    DependencySection {
        name: name.into(),
        url,
        ca_file: ca.map(Path::to_path_buf),
    }
}

/// Answers every connection with `response` after reading the request head.
async fn http_server(response: &'static [u8]) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(response).await;
        }
    });
    port
}

/// Accepts and holds connections without a byte of answer.
async fn hanging_server() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = l.accept().await {
            held.push(s);
        }
    });
    port
}

/// A self-signed certificate for 127.0.0.1 valid for `days` (openssl CLI).
fn self_signed(dir: &Path, days: u32) -> (std::path::PathBuf, std::path::PathBuf) {
    let (crt, key) = (dir.join("self.crt"), dir.join("self.key"));
    let out = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args([
            "-nodes",
            "-days",
            &days.to_string(),
            "-subj",
            "/CN=localhost",
        ])
        .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
        .args(["-addext", "basicConstraints=critical,CA:FALSE"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (crt, key)
}

async fn tls_server(crt: &Path, key: &Path) -> u16 {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(crt)
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(key).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(s).await {
                    let mut buf = [0u8; 1024];
                    let _ = tls.read(&mut buf).await;
                    let _ = tls
                        .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    let _ = tls.shutdown().await;
                }
            });
        }
    });
    port
}

fn by<'a>(data: &'a DepsData, name: &str) -> &'a DepCheck {
    data.checks.iter().find(|c| c.name == name).unwrap()
}

#[tokio::test]
async fn up_refused_hanging_500_and_an_expiring_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let up = StdListener::bind("127.0.0.1:0").unwrap();
    let up_port = up.local_addr().unwrap().port();
    let refused_port = {
        let l = StdListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let hang = hanging_server().await;
    let err500 =
        http_server(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n").await;
    let (crt, key) = self_signed(dir.path(), 3);
    let tls = tls_server(&crt, &key).await;

    let list = vec![
        dep("postgres", format!("tcp://127.0.0.1:{up_port}"), None),
        dep("redis", format!("tcp://127.0.0.1:{refused_port}"), None),
        dep("hang", format!("http://127.0.0.1:{hang}/health"), None),
        dep("hang2", format!("tcp://127.0.0.1:{hang}"), None),
        dep("hang-tls", format!("https://127.0.0.1:{hang}/"), None),
        dep("api", format!("http://127.0.0.1:{err500}/v1/charges"), None),
        dep(
            "stripe",
            format!("https://127.0.0.1:{tls}/v1/charges"),
            Some(&crt),
        ),
        dep("untrusted", format!("https://127.0.0.1:{tls}/"), None),
    ];
    let checks = DependencyChecksSection {
        timeout: Some("600ms".into()),
        ..Default::default()
    };
    let settings = resolve(&list, &checks).unwrap();
    let start = Instant::now();
    let data = DepsCollector::new(settings).collect().await.unwrap();
    let took = start.elapsed();
    assert!(
        took < Duration::from_millis(1500),
        "three checks time out at 600 ms each; concurrently the round is short: {took:?}"
    );

    let pg = by(&data, "postgres");
    assert!(
        pg.up && pg.latency_ms.is_some() && pg.error.is_none(),
        "{pg:?}"
    );
    let redis = by(&data, "redis");
    assert!(!redis.up, "{redis:?}");
    assert!(
        redis
            .error
            .as_deref()
            .unwrap()
            .contains("connection refused"),
        "{redis:?}"
    );
    let hang = by(&data, "hang");
    assert!(
        !hang.up && hang.error.as_deref() == Some("timed out after 600ms"),
        "{hang:?}"
    );
    assert!(by(&data, "hang2").up, "a tcp check only connects");
    assert!(
        !by(&data, "hang-tls").up,
        "a TLS handshake that never comes times out"
    );
    let api = by(&data, "api");
    assert!(api.up && api.http_status == Some(500), "{api:?}");
    let stripe = by(&data, "stripe");
    assert_eq!(stripe.kind, DepKind::Https);
    assert!(stripe.up && stripe.http_status == Some(200), "{stripe:?}");
    assert_eq!(
        stripe.cert_days_left(SystemTime::now()),
        Some(3),
        "{stripe:?}"
    );
    let untrusted = by(&data, "untrusted");
    assert!(!untrusted.up, "{untrusted:?}");
    assert!(
        untrusted.error.as_deref().unwrap().starts_with("TLS:"),
        "{untrusted:?}"
    );

    // The pane, its strip and the attention line.
    let now = SystemTime::now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Deps(Snapshot::live(data, now))),
    );
    let screen = kitops_top::ui::render_to_string(&st, 80, 24);
    let strip = screen.lines().find(|l| l.contains(" 8 Deps ")).unwrap();
    assert!(
        strip.contains("✖ dep "),
        "the strip shows the worst state:\n{screen}"
    );
    let problems = crate::support::problem_texts(&st);
    assert!(
        problems
            .iter()
            .any(|p| p.starts_with("dep redis down: connect")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p == "dep api HTTP 500"),
        "{problems:?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p == "dep stripe certificate expires in 3 days"),
        "{problems:?}"
    );
    st.focus = PaneId::Deps;
    st.zoomed = true;
    let pane = kitops_top::ui::render_to_string(&st, 120, 40);
    let row = pane.lines().find(|l| l.contains("stripe")).unwrap();
    assert!(row.contains("3 days") && row.contains("200"), "{pane}");
}

const NOW_UNIX: u64 = 1_768_473_000; // 2026-01-15 10:30:00 UTC

fn check(name: &str, url: &str, up: bool, status: Option<u16>, days: Option<i64>) -> DepCheck {
    DepCheck {
        name: name.into(),
        url: url.into(),
        kind: if url.starts_with("https") {
            DepKind::Https
        } else {
            DepKind::Tcp
        },
        up,
        latency_ms: up.then_some(12.0),
        http_status: status,
        cert_not_after: days.map(|d| NOW_UNIX as i64 + d * 86_400 - 60),
        error: (!up).then(|| "connect kitops-redis:6379: connection refused".to_string()),
    }
}

#[test]
fn deps_pane_80x24_and_200x60() {
    let now = crate::support::clock::at(NOW_UNIX);
    let data = DepsData {
        checks: vec![
            check("postgres", "tcp://kitops-postgres:5432", true, None, None),
            check("redis", "tcp://kitops-redis:6379", false, None, None),
            check(
                "stripe",
                "https://api.stripe.com/v1/charges",
                true,
                Some(401),
                Some(3),
            ),
            check(
                "openai",
                "https://api.openai.com/v1/models",
                true,
                Some(503),
                Some(60),
            ),
        ],
        cert_warn_days: 14,
    };
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Deps(Snapshot::live(data, now))),
    );
    st.focus = PaneId::Deps;
    insta::assert_snapshot!("deps_80x24", kitops_top::ui::render_to_string(&st, 80, 24));
    insta::assert_snapshot!(
        "deps_200x60",
        kitops_top::ui::render_to_string(&st, 200, 60)
    );
}
