//! Connecting as libpq would: a URL or `key=value` string, then `PG*` environment
//! variables and `~/.pgpass` for whatever it leaves out; TLS with rustls for
//! `sslmode=require|verify-ca|verify-full` (a CA bundle file such as the RDS global
//! bundle); `application_name=kitops-top` and a `statement_timeout` on every
//! connection the console opens (the collector's and the action executor's).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::{Host, SslMode as PgSslMode};
use tokio_postgres::{Client, Config};

use crate::collect::CollectError;
use crate::config::PgSettings;

/// The `application_name` of every connection the console opens; its own sessions are
/// excluded from the activity list by it.
pub const APPLICATION_NAME: &str = "kitops-top";

/// libpq's `sslmode` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    pub fn parse(s: &str) -> Result<Self, String> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            other => return Err(format!("invalid sslmode {other:?}")),
        })
    }
}

/// Everything needed to open a connection, resolved from settings + environment.
#[derive(Clone)]
pub struct ConnectPlan {
    pub config: Config,
    pub sslmode: SslMode,
    pub root_cert: Option<PathBuf>,
    pub statement_timeout: Duration,
}

impl std::fmt::Debug for ConnectPlan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // tokio_postgres::Config's Debug redacts the password.
        f.debug_struct("ConnectPlan")
            .field("config", &self.config)
            .field("sslmode", &self.sslmode)
            .field("root_cert", &self.root_cert)
            .finish()
    }
}

/// Removes `sslmode`/`sslrootcert` from a connection string (tokio-postgres rejects
/// `verify-*`), returning them separately.
fn split_ssl_params(raw: &str) -> (String, Option<String>, Option<String>) {
    let mut mode = None;
    let mut root = None;
    if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
        if let Ok(mut u) = url::Url::parse(raw) {
            let mut kept = Vec::new();
            for (k, v) in u.query_pairs() {
                match k.as_ref() {
                    "sslmode" => mode = Some(v.into_owned()),
                    "sslrootcert" => root = Some(v.into_owned()),
                    _ => kept.push((k.into_owned(), v.into_owned())),
                }
            }
            if kept.is_empty() {
                u.set_query(None);
            } else {
                u.query_pairs_mut().clear().extend_pairs(kept);
            }
            return (u.to_string(), mode, root);
        }
        return (raw.to_string(), None, None);
    }
    let kept: Vec<&str> = raw
        .split_whitespace()
        .filter(|kv| {
            if let Some(v) = kv.strip_prefix("sslmode=") {
                mode = Some(v.trim_matches('\'').to_string());
                false
            } else if let Some(v) = kv.strip_prefix("sslrootcert=") {
                root = Some(v.trim_matches('\'').to_string());
                false
            } else {
                true
            }
        })
        .collect();
    (kept.join(" "), mode, root)
}

/// Resolves settings + environment (`env`) + `.pgpass` into a connection plan.
pub fn plan(
    settings: &PgSettings,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ConnectPlan, String> {
    let env_ne = |k: &str| env(k).filter(|v| !v.is_empty());
    let (mut config, url_mode, url_root) = match &settings.url {
        Some(url) => {
            let (rest, mode, root) = split_ssl_params(url.expose());
            let cfg: Config = rest
                .parse()
                .map_err(|e| format!("invalid connection string {}: {e}", url.redacted()))?;
            (cfg, mode, root)
        }
        None => (Config::new(), None, None),
    };
    if config.get_hosts().is_empty() {
        let hosts = env_ne("PGHOST").unwrap_or_else(|| "localhost".into());
        for h in hosts.split(',') {
            config.host(h.trim());
        }
    }
    if config.get_ports().is_empty() {
        if let Some(p) = env_ne("PGPORT") {
            let port: u16 = p
                .trim()
                .parse()
                .map_err(|_| format!("PGPORT: invalid port {p:?}"))?;
            config.port(port);
        }
    }
    if config.get_user().is_none() {
        let user = env_ne("PGUSER")
            .or_else(|| env_ne("USER"))
            .unwrap_or_else(|| "postgres".into());
        config.user(&user);
    }
    if config.get_dbname().is_none() {
        let db = env_ne("PGDATABASE")
            .or_else(|| config.get_user().map(str::to_string))
            .unwrap_or_else(|| "postgres".into());
        config.dbname(&db);
    }
    if config.get_password().is_none() {
        if let Some(pw) = env_ne("PGPASSWORD") {
            config.password(pw);
        } else if let Some(pw) = pgpass_password(&config, env) {
            config.password(pw);
        }
    }
    let sslmode_raw = url_mode
        .or_else(|| env_ne("PGSSLMODE"))
        .unwrap_or_else(|| "prefer".into());
    let mut sslmode = SslMode::parse(&sslmode_raw)?;
    let root_cert = url_root
        .map(PathBuf::from)
        .or_else(|| settings.ca_file.clone())
        .or_else(|| env_ne("PGSSLROOTCERT").map(PathBuf::from));
    // libpq: `require` with a root certificate behaves like `verify-ca`.
    if sslmode == SslMode::Require && root_cert.is_some() {
        sslmode = SslMode::VerifyCa;
    }
    config.ssl_mode(match sslmode {
        SslMode::Disable => PgSslMode::Disable,
        SslMode::Allow | SslMode::Prefer => PgSslMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSslMode::Require,
    });
    config.application_name(APPLICATION_NAME);
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(settings.statement_timeout.max(Duration::from_secs(3)));
    }
    Ok(ConnectPlan {
        config,
        sslmode,
        root_cert,
        statement_timeout: settings.statement_timeout,
    })
}

/// The password `.pgpass` (or `PGPASSFILE`) has for the first host of `config`.
fn pgpass_password(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    let path = env("PGPASSFILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| Path::new(&h).join(".pgpass")))?;
    let text = std::fs::read_to_string(&path).ok()?;
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        // libpq matches unix-socket connections against "localhost".
        _ => "localhost".into(),
    };
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or("");
    let user = config.get_user().unwrap_or("");
    pgpass_lookup(&text, &host, &port, db, user)
}

/// `hostname:port:database:username:password`, `*` wildcards, `\:` and `\\` escapes;
/// the first matching line wins.
pub fn pgpass_lookup(text: &str, host: &str, port: &str, db: &str, user: &str) -> Option<String> {
    for line in text.lines() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = Vec::with_capacity(5);
        let mut cur = String::new();
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                ':' if fields.len() < 4 => fields.push(std::mem::take(&mut cur)),
                c => cur.push(c),
            }
        }
        fields.push(cur);
        if fields.len() != 5 {
            continue;
        }
        let ok = |pat: &str, v: &str| pat == "*" || pat == v;
        if ok(&fields[0], host)
            && ok(&fields[1], port)
            && ok(&fields[2], db)
            && ok(&fields[3], user)
        {
            return Some(fields[4].clone());
        }
    }
    None
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn load_roots(path: &Path) -> Result<RootCertStore, String> {
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("CA file {}: {e}", path.display()))?;
    for cert in certs {
        let cert = cert.map_err(|e| format!("CA file {}: {e}", path.display()))?;
        roots
            .add(cert)
            .map_err(|e| format!("CA file {}: {e}", path.display()))?;
    }
    if roots.is_empty() {
        return Err(format!("CA file {}: no certificates", path.display()));
    }
    Ok(roots)
}

fn tls_config(plan: &ConnectPlan) -> Result<rustls::ClientConfig, String> {
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?;
    let verifier: Arc<dyn ServerCertVerifier> = match plan.sslmode {
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let path = plan.root_cert.clone().or_else(|| {
                std::env::var_os("HOME")
                    .map(|h| Path::new(&h).join(".postgresql").join("root.crt"))
                    .filter(|p| p.exists())
            });
            let Some(path) = path else {
                return Err(
                    "sslmode=verify-ca/verify-full needs a CA bundle: set [postgres] ca_file, \
                     sslrootcert or PGSSLROOTCERT"
                        .into(),
                );
            };
            let roots = load_roots(&path)?;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| format!("TLS: {e}"))?;
            if plan.sslmode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(ChainOnly(webpki))
            }
        }
        _ => Arc::new(NoVerify(provider)),
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// `sslmode=require`/`prefer`: encrypted, certificate not checked (as libpq).
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca`: the chain must lead to the CA bundle; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// Maps a driver error to the collector's typed error, with the server's message.
pub fn collect_error(e: &tokio_postgres::Error) -> CollectError {
    use tokio_postgres::error::SqlState;
    if let Some(db) = e.as_db_error() {
        let msg = format!("{}: {}", db.severity(), db.message());
        let code = db.code();
        if *code == SqlState::INVALID_PASSWORD
            || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION
        {
            return CollectError::Auth(msg);
        }
        if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            return CollectError::Permission(msg);
        }
        if *code == SqlState::QUERY_CANCELED {
            return CollectError::Query(format!("{msg} (statement_timeout)"));
        }
        return CollectError::Query(msg);
    }
    if e.is_closed() {
        return CollectError::Connect("connection closed".into());
    }
    let mut msg = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        src = s.source();
    }
    CollectError::Connect(msg)
}

/// Opens one connection (TLS per `sslmode`), spawns its driver task, and sets the
/// console's `statement_timeout`.
pub async fn connect(plan: &ConnectPlan) -> Result<Client, CollectError> {
    // As libpq: sslmode is ignored for Unix-domain sockets.
    let unix_only = plan
        .config
        .get_hosts()
        .iter()
        .all(|h| !matches!(h, Host::Tcp(_)));
    let client = if plan.sslmode == SslMode::Disable || unix_only {
        let mut config = plan.config.clone();
        config.ssl_mode(PgSslMode::Disable);
        let (client, conn) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| collect_error(&e))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "postgres connection ended");
            }
        });
        client
    } else {
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(
            tls_config(plan).map_err(CollectError::Connect)?,
        );
        let (client, conn) = plan
            .config
            .connect(tls)
            .await
            .map_err(|e| collect_error(&e))?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "postgres connection ended");
            }
        });
        client
    };
    let ms = plan.statement_timeout.as_millis().max(1);
    client
        .batch_execute(&format!("SET statement_timeout = {ms}"))
        .await
        .map_err(|e| collect_error(&e))?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SecretUrl;

    fn settings(url: Option<&str>) -> PgSettings {
        PgSettings {
            url: url.map(SecretUrl::new),
            connections_warn_percent: 80.0,
            idle_in_transaction_warn: Duration::from_secs(30),
            long_query_warn: Duration::from_secs(60),
            statement_timeout: Duration::from_secs(5),
            ca_file: None,
        }
    }

    #[test]
    fn pgpass_wildcards_and_escapes() {
        let text = "# comment\ndb\\:x:5432:*:app:pw\\:1\n*:*:kitops:*:second\n*:*:*:*:fallback\n";
        assert_eq!(
            pgpass_lookup(text, "db:x", "5432", "any", "app").as_deref(),
            Some("pw:1")
        );
        assert_eq!(
            pgpass_lookup(text, "h", "1", "kitops", "u").as_deref(),
            Some("second")
        );
        assert_eq!(
            pgpass_lookup(text, "h", "1", "other", "u").as_deref(),
            Some("fallback")
        );
        assert_eq!(pgpass_lookup("h:1:d:u", "h", "1", "d", "u"), None);
    }

    #[test]
    fn env_fills_what_the_url_leaves_out() {
        let dir = tempfile::tempdir().expect("tempdir");
        let pass = dir.path().join("pgpass");
        std::fs::write(&pass, "dbhost:6543:kitops:monitor:s3cret\n").expect("write");
        let pass_s = pass.display().to_string();
        let env = |k: &str| match k {
            "PGHOST" => Some("dbhost".to_string()),
            "PGPORT" => Some("6543".to_string()),
            "PGUSER" => Some("monitor".to_string()),
            "PGDATABASE" => Some("kitops".to_string()),
            "PGSSLMODE" => Some("require".to_string()),
            "PGPASSFILE" => Some(pass_s.clone()),
            _ => None,
        };
        let p = plan(&settings(None), &env).expect("plan");
        assert_eq!(p.config.get_hosts(), &[Host::Tcp("dbhost".into())]);
        assert_eq!(p.config.get_ports(), &[6543]);
        assert_eq!(p.config.get_user(), Some("monitor"));
        assert_eq!(p.config.get_dbname(), Some("kitops"));
        assert_eq!(p.config.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(p.sslmode, SslMode::Require);
        assert_eq!(p.config.get_application_name(), Some(APPLICATION_NAME));
    }

    #[test]
    fn url_wins_and_verify_full_is_accepted() {
        let env = |k: &str| match k {
            "PGPASSWORD" => Some("envpw".to_string()),
            "PGSSLMODE" => Some("disable".to_string()),
            _ => None,
        };
        let p = plan(
            &settings(Some(
                "postgres://app@db.example:5433/kitops?sslmode=verify-full&sslrootcert=/tmp/ca.pem",
            )),
            &env,
        )
        .expect("plan");
        assert_eq!(p.sslmode, SslMode::VerifyFull);
        assert_eq!(p.root_cert.as_deref(), Some(Path::new("/tmp/ca.pem")));
        assert_eq!(p.config.get_password(), Some(&b"envpw"[..]));
        assert_eq!(p.config.get_ports(), &[5433]);
        let kv = plan(
            &settings(Some("host=db user=app sslmode=verify-ca dbname=x")),
            &|_| None,
        )
        .expect("kv plan");
        assert_eq!(kv.sslmode, SslMode::VerifyCa);
        assert_eq!(kv.config.get_dbname(), Some("x"));
    }

    #[test]
    fn verify_full_without_a_bundle_says_what_to_set() {
        let p = plan(
            &settings(Some("postgres://a@h/d?sslmode=verify-full")),
            &|_| None,
        )
        .expect("plan");
        if std::env::var_os("HOME")
            .map(|h| Path::new(&h).join(".postgresql/root.crt").exists())
            .unwrap_or(false)
        {
            return;
        }
        let err = tls_config(&p).err().unwrap_or_default();
        assert!(err.contains("ca_file"), "{err}");
    }
}
