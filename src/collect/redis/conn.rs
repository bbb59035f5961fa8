//! Connecting (redis://, rediss:// with an optional private CA, AUTH and ACL
//! user+password), turning client errors into one clear line that never contains
//! the password, and cluster topology discovery.

use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, ConnectionAddr, ConnectionInfo, RedisError};

use crate::collect::CollectError;
use crate::config::RedisSettings;

/// How to reach one server, with the secrets needed to scrub error messages.
#[derive(Clone)]
pub struct Endpoint {
    client: Client,
    /// `host:port`, for rows and messages.
    pub label: String,
    /// The ACL user (`default` when the URL names none), for permission hints.
    user: String,
    secrets: Vec<String>,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Endpoint({})", self.label)
    }
}

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(10);

impl Endpoint {
    /// The server named by the settings' URL.
    pub fn from_settings(settings: &RedisSettings) -> Result<Self, CollectError> {
        let Some(url) = settings.url.as_ref() else {
            return Err(CollectError::Connect("no Redis URL configured".into()));
        };
        let raw = url.expose();
        let secrets = secrets_of(raw);
        let scrub = |s: String| scrub(&s, &secrets);
        let parsed = url::Url::parse(raw)
            .map_err(|e| CollectError::Connect(scrub(format!("invalid URL {url}: {e}"))))?;
        let label = format!(
            "{}:{}",
            parsed.host_str().unwrap_or("localhost"),
            parsed.port().unwrap_or(6379)
        );
        let user = match parsed.username() {
            "" => "default".to_string(),
            u => u.to_string(),
        };
        let tls = parsed.scheme() == "rediss";
        if tls {
            ensure_crypto_provider();
        }
        let client = match (&settings.ca_file, tls) {
            (Some(ca), true) => {
                let root = std::fs::read(ca).map_err(|e| {
                    CollectError::Connect(format!("reading CA file {}: {e}", ca.display()))
                })?;
                Client::build_with_tls(
                    raw,
                    redis::TlsCertificates {
                        client_tls: None,
                        root_cert: Some(root),
                    },
                )
            }
            _ => Client::open(raw),
        }
        .map_err(|e| CollectError::Connect(scrub(format!("{url}: {e}"))))?;
        Ok(Self {
            client,
            label,
            user,
            secrets,
        })
    }

    /// The same credentials and TLS settings, another host (a cluster node).
    pub fn with_addr(&self, host: &str, port: u16) -> Result<Self, CollectError> {
        let base: &ConnectionInfo = self.client.get_connection_info();
        let addr = match base.addr() {
            ConnectionAddr::TcpTls {
                insecure,
                tls_params,
                ..
            } => ConnectionAddr::TcpTls {
                host: host.to_string(),
                port,
                insecure: *insecure,
                tls_params: tls_params.clone(),
            },
            _ => ConnectionAddr::Tcp(host.to_string(), port),
        };
        let info = base.clone().set_addr(addr);
        let client = Client::open(info)
            .map_err(|e| CollectError::Connect(self.scrub(&format!("{host}:{port}: {e}"))))?;
        Ok(Self {
            client,
            label: format!("{host}:{port}"),
            user: self.user.clone(),
            secrets: self.secrets.clone(),
        })
    }

    pub async fn connect(&self) -> Result<MultiplexedConnection, CollectError> {
        let cfg = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(CONNECT_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT));
        self.client
            .get_multiplexed_async_connection_with_config(&cfg)
            .await
            .map_err(|e| self.classify(&e, None))
    }

    pub fn scrub(&self, text: &str) -> String {
        scrub(text, &self.secrets)
    }

    /// One line a user can act on; `command` names what was being run.
    pub fn classify(&self, e: &RedisError, command: Option<&str>) -> CollectError {
        classify(e, &self.label, &self.user, command, &self.secrets)
    }
}

/// The password (raw and percent-decoded) of a URL: never to appear in a message.
fn secrets_of(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(u) = url::Url::parse(raw) {
        if let Some(p) = u.password().filter(|p| !p.is_empty()) {
            out.push(p.to_string());
            if let Some((_, d)) = url::form_urlencoded::parse(format!("x={p}").as_bytes()).next() {
                out.push(d.into_owned());
            }
        }
    }
    out.retain(|s| s.len() >= 2);
    out
}

pub fn scrub(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_string();
    for s in secrets {
        out = out.replace(s.as_str(), "***");
    }
    out
}

/// Sorts a client error into connect / auth / permission / query, in plain words.
pub fn classify(
    e: &RedisError,
    label: &str,
    user: &str,
    command: Option<&str>,
    secrets: &[String],
) -> CollectError {
    let text = scrub(&e.to_string(), secrets);
    let code = e.code().unwrap_or("");
    let upper = text.to_ascii_uppercase();
    if code == "NOPERM" || upper.contains("NOPERM") {
        return CollectError::Permission(noperm_message(&text, user, command));
    }
    if e.kind() == redis::ErrorKind::AuthenticationFailed
        || code == "WRONGPASS"
        || code == "NOAUTH"
        || upper.contains("WRONGPASS")
        || upper.contains("NOAUTH")
        || upper.contains("INVALID PASSWORD")
        || upper.contains("INVALID USERNAME-PASSWORD")
    {
        let why = if upper.contains("NOAUTH") {
            "the server requires a password: put it in the URL (redis://user:PASSWORD@host)"
        } else {
            "wrong username or password (check the URL's user and password, or the ACL user is disabled)"
        };
        return CollectError::Auth(format!("{label}: {why} [{text}]"));
    }
    if e.is_timeout() {
        return CollectError::Connect(format!("{label}: timed out: {text}"));
    }
    if e.is_io_error() || e.is_connection_refusal() || e.is_connection_dropped() {
        return CollectError::Connect(format!("{label}: {text}"));
    }
    match command {
        Some(c) => CollectError::Query(format!("{label}: {c}: {text}")),
        None => CollectError::Query(format!("{label}: {text}")),
    }
}

/// `NOPERM User app has no permissions to run the 'info' command` → names the
/// command and the ACL rule that grants it.
fn noperm_message(text: &str, user: &str, command: Option<&str>) -> String {
    let from_text = text
        .split('\'')
        .nth(1)
        .filter(|c| !c.is_empty() && c.len() < 40)
        .map(str::to_string);
    let cmd = from_text
        .or_else(|| command.map(str::to_string))
        .unwrap_or_else(|| "?".into());
    let cmd_upper = cmd.to_ascii_uppercase();
    let first = cmd.split('|').next().unwrap_or(&cmd).to_ascii_lowercase();
    format!(
        "the Redis user {user} may not run {cmd_upper}: grant it with `ACL SETUSER {user} +{first}` ({text})"
    )
}

/// rustls needs a process-wide crypto provider; install one if nobody did.
fn ensure_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing the race to another installer is fine: one is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// A primary of a cluster, from `CLUSTER NODES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterNode {
    pub id: String,
    pub host: String,
    pub port: u16,
    pub myself: bool,
    pub slots: u32,
    /// `fail`, `fail?` or empty.
    pub failing: bool,
}

/// Parses `CLUSTER NODES` and keeps the primaries. `seed_host` fills an empty ip.
pub fn parse_cluster_nodes(text: &str, seed_host: &str) -> Vec<ClusterNode> {
    let mut out = Vec::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let flags: Vec<&str> = f[2].split(',').collect();
        if !flags.contains(&"master") || flags.contains(&"noaddr") || flags.contains(&"handshake") {
            continue;
        }
        // ip:port@cport[,hostname]
        let (addr, hostname) = match f[1].split_once(',') {
            Some((a, h)) => (a, h),
            None => (f[1], ""),
        };
        let addr = addr.split('@').next().unwrap_or(addr);
        let Some((ip, port)) = addr.rsplit_once(':') else {
            continue;
        };
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        let host = if !hostname.is_empty() {
            hostname
        } else if !ip.is_empty() {
            ip
        } else {
            seed_host
        };
        let slots = f[8..]
            .iter()
            .filter(|s| !s.starts_with('['))
            .map(|s| match s.split_once('-') {
                Some((a, b)) => match (a.parse::<u32>(), b.parse::<u32>()) {
                    (Ok(a), Ok(b)) if b >= a => b - a + 1,
                    _ => 0,
                },
                None => u32::from(s.parse::<u32>().is_ok()),
            })
            .sum();
        out.push(ClusterNode {
            id: f[0].to_string(),
            host: host.trim_matches(|c| c == '[' || c == ']').to_string(),
            port,
            myself: flags.contains(&"myself"),
            slots,
            failing: flags.iter().any(|x| x.starts_with("fail")),
        });
    }
    out.sort_by(|a, b| (&a.host, a.port).cmp(&(&b.host, b.port)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_nodes_keeps_primaries_and_counts_slots() {
        let text = "\
a1 127.0.0.1:7001@17001 myself,master - 0 0 1 connected 0-5460\n\
b2 127.0.0.1:7002@17002,cache-2.example master - 0 0 2 connected 5461-10922 [123->-x]\n\
c3 127.0.0.1:7003@17003 master,fail - 0 0 3 connected 10923-16383\n\
d4 127.0.0.1:7004@17004 slave a1 0 0 1 connected\n";
        let n = parse_cluster_nodes(text, "seed");
        assert_eq!(n.len(), 3);
        assert_eq!(n[0].slots, 5461);
        assert!(n[0].myself);
        assert_eq!(n[0].host, "127.0.0.1");
        let b = n.iter().find(|x| x.id == "b2").expect("b2");
        assert_eq!(b.host, "cache-2.example");
        assert_eq!(b.slots, 5462);
        assert!(n.iter().any(|x| x.id == "c3" && x.failing));
    }

    #[test]
    fn noperm_names_the_command_and_the_grant() {
        let m = noperm_message(
            "NoPerm: this user has no permissions to run the 'info' command",
            "mon",
            Some("INFO"),
        );
        assert!(m.contains("user mon may not run INFO"), "{m}");
        assert!(m.contains("ACL SETUSER mon +info"), "{m}");
    }

    #[test]
    fn secrets_are_scrubbed_raw_and_decoded() {
        let s = secrets_of("redis://app:p%40ss@h:6379");
        assert_eq!(scrub("x p%40ss y p@ss", &s), "x *** y ***");
        assert!(secrets_of("redis://h:6379").is_empty());
    }
}
