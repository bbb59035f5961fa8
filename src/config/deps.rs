//! Dependency checks (`[[dependencies]]`, `[dependency_checks]`): the runbook's
//! `nc -zv kitops-postgres 5432` and `curl -I https://api.stripe.com/v1/charges`, as
//! a list of named URLs — `tcp://host:port` (connect) or `http(s)://…` (HEAD, with the
//! TLS certificate's expiry for https).

use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

use super::{parse_duration, ConfigError};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DependencySection {
    pub name: String,
    pub url: String,
    /// A private CA (PEM) for this https check, added to the system roots.
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DependencyChecksSection {
    pub refresh: Option<String>,
    pub timeout: Option<String>,
    pub cert_warn_days: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DepKind {
    Tcp,
    Http,
    Https,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub name: String,
    pub kind: DepKind,
    pub host: String,
    pub port: u16,
    /// Path and query of the HEAD request (`/v1/charges`); `/` for tcp.
    pub path: String,
    /// What the pane shows: scheme, host, port and path, never user info or a query.
    pub shown: String,
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DepSettings {
    pub checks: Vec<Dependency>,
    pub refresh: Duration,
    /// Per check: connect, TLS handshake and the response's status line together.
    pub timeout: Duration,
    /// A certificate expiring in fewer days than this is a warning.
    pub cert_warn_days: i64,
}

fn bad(i: usize, name: &str, msg: impl std::fmt::Display) -> ConfigError {
    ConfigError::plain(format!("dependencies[{i}] ({name}): {msg}"))
}

fn dependency(i: usize, d: &DependencySection) -> Result<Dependency, ConfigError> {
    if d.name.trim().is_empty() {
        return Err(bad(i, "?", "name must not be empty"));
    }
    let u = url::Url::parse(&d.url).map_err(|e| bad(i, &d.name, format!("malformed url ({e})")))?;
    let kind = match u.scheme() {
        "tcp" => DepKind::Tcp,
        "http" => DepKind::Http,
        "https" => DepKind::Https,
        s => {
            return Err(bad(
                i,
                &d.name,
                format!("url scheme {s:?}: use tcp://host:port, http:// or https://"),
            ))
        }
    };
    let host = u
        .host_str()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| bad(i, &d.name, "url has no host"))?
        .trim_matches(|c| c == '[' || c == ']')
        .to_string();
    let port = match (u.port(), kind) {
        (Some(p), _) => p,
        (None, DepKind::Http) => 80,
        (None, DepKind::Https) => 443,
        (None, DepKind::Tcp) => return Err(bad(i, &d.name, "tcp:// needs a port")),
    };
    let mut path = u.path().to_string();
    if path.is_empty() {
        path.push('/');
    }
    if let Some(q) = u.query() {
        path.push('?');
        path.push_str(q);
    }
    let default_port = matches!((kind, port), (DepKind::Http, 80) | (DepKind::Https, 443));
    let shown = format!(
        "{}://{}{}{}",
        u.scheme(),
        u.host_str().unwrap_or(""),
        if default_port {
            String::new()
        } else {
            format!(":{port}")
        },
        if kind == DepKind::Tcp { "" } else { u.path() }
    );
    Ok(Dependency {
        name: d.name.clone(),
        kind,
        host,
        port,
        path,
        shown,
        ca_file: d.ca_file.clone(),
    })
}

pub fn resolve(
    list: &[DependencySection],
    checks: &DependencyChecksSection,
) -> Result<DepSettings, ConfigError> {
    let dur = |what: &str, v: Option<&str>, default: u64| -> Result<Duration, ConfigError> {
        match v {
            None => Ok(Duration::from_secs(default)),
            Some(s) => parse_duration(s)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    ConfigError::plain(format!(
                        "dependency_checks.{what}: invalid duration {s:?}; use e.g. 5s"
                    ))
                }),
        }
    };
    Ok(DepSettings {
        checks: list
            .iter()
            .enumerate()
            .map(|(i, d)| dependency(i, d))
            .collect::<Result<_, _>>()?,
        refresh: dur("refresh", checks.refresh.as_deref(), 15)?,
        timeout: dur("timeout", checks.timeout.as_deref(), 5)?,
        cert_warn_days: checks.cert_warn_days.unwrap_or(14),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(url: &str) -> Result<Dependency, ConfigError> {
        dependency(
            0,
            &DependencySection {
                name: "x".into(),
                url: url.into(),
                ca_file: None,
            },
        )
    }

    #[test]
    fn urls_become_checks_and_never_show_secrets() {
        let t = one("tcp://kitops-postgres:5432").unwrap();
        assert_eq!(
            (t.kind, t.host.as_str(), t.port),
            (DepKind::Tcp, "kitops-postgres", 5432)
        );
        let h = one("https://user:pw@api.stripe.com/v1/charges?key=sk_live").unwrap();
        assert_eq!((h.kind, h.port), (DepKind::Https, 443));
        assert_eq!(h.path, "/v1/charges?key=sk_live");
        assert_eq!(h.shown, "https://api.stripe.com/v1/charges");
        assert!(one("tcp://host").is_err(), "tcp needs a port");
        assert!(one("ftp://host:21")
            .unwrap_err()
            .to_string()
            .contains("scheme"));
    }
}
