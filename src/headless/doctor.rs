//! `kitops-top doctor`: for each configured source, resolve, connect + authenticate
//! and query (one real collection round, the panes' own code path), with latency.
//! Exit status 1 when any configured source fails.

use std::time::{Duration, Instant};

use super::snapshot::collect_all;
use crate::config::Config;

pub struct Check {
    pub source: &'static str,
    pub step: &'static str,
    pub ok: Option<bool>,
    pub latency: Option<Duration>,
    pub detail: String,
}

async fn resolve(host: &str, port: u16) -> (bool, Duration, String) {
    let started = Instant::now();
    match tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::lookup_host((host, port)),
    )
    .await
    {
        Ok(Ok(mut addrs)) => match addrs.next() {
            Some(a) => (true, started.elapsed(), format!("{host} → {}", a.ip())),
            None => (false, started.elapsed(), format!("{host}: no addresses")),
        },
        Ok(Err(e)) => (false, started.elapsed(), format!("{host}: {e}")),
        Err(_) => (false, started.elapsed(), format!("{host}: DNS timed out")),
    }
}

fn host_port(url: &str, default_port: u16) -> Option<(String, u16)> {
    let u = url::Url::parse(url).ok()?;
    Some((u.host_str()?.to_string(), u.port().unwrap_or(default_port)))
}

pub async fn run(config: &Config) -> (Vec<Check>, bool) {
    let mut checks = Vec::new();
    // libpq's way: a URL's host, else PGHOST (a path there is a Unix socket: nothing to resolve).
    let pg_env_host = std::env::var("PGHOST")
        .ok()
        .filter(|h| !h.is_empty() && !h.starts_with('/'));
    let pg_env_port = std::env::var("PGPORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(5432);
    let pg = match &config.postgres.url {
        Some(u) => host_port(u.expose(), 5432),
        None => pg_env_host.map(|h| (h, pg_env_port)),
    };
    let endpoints = [
        ("postgres", pg),
        (
            "redis",
            config
                .redis
                .url
                .as_ref()
                .and_then(|u| host_port(u.expose(), 6379)),
        ),
        (
            "aws",
            config
                .aws
                .endpoint_url
                .as_deref()
                .and_then(|u| host_port(u, 443)),
        ),
    ];
    for (source, ep) in endpoints {
        if let Some((host, port)) = ep {
            let (ok, latency, detail) = resolve(&host, port).await;
            checks.push(Check {
                source,
                step: "resolve",
                ok: Some(ok),
                latency: Some(latency),
                detail,
            });
        }
    }
    for r in collect_all(config).await {
        let status = r.json["status"].as_str().unwrap_or("error");
        let latency = r.json["latency_ms"].as_u64().map(Duration::from_millis);
        let (ok, detail) = match status {
            "live" => (Some(true), "connected, authenticated, queried".to_string()),
            "unconfigured" => (None, r.json["hint"].as_str().unwrap_or("").to_string()),
            _ => (
                Some(false),
                r.json["error"].as_str().unwrap_or("").to_string(),
            ),
        };
        checks.push(Check {
            source: r.name,
            step: "collect",
            ok,
            latency,
            detail,
        });
        // Each dependency is a check of its own: one down fails the doctor.
        for c in r.json["data"]["checks"].as_array().into_iter().flatten() {
            let up = c["up"].as_bool().unwrap_or(false);
            let status = c["http_status"].as_u64();
            let mut detail = format!(
                "{} {}",
                c["name"].as_str().unwrap_or("?"),
                c["url"].as_str().unwrap_or("")
            );
            if let Some(s) = status {
                detail.push_str(&format!(" HTTP {s}"));
            }
            if let Some(e) = c["error"].as_str() {
                detail.push_str(&format!(": {e}"));
            }
            checks.push(Check {
                source: "deps",
                step: "check",
                ok: Some(up && status.is_none_or(|s| s < 500)),
                latency: c["latency_ms"]
                    .as_f64()
                    .map(|ms| Duration::from_micros((ms * 1000.0) as u64)),
                detail,
            });
        }
    }
    checks.sort_by_key(|c| c.source);
    let failed = checks.iter().any(|c| c.ok == Some(false));
    (checks, failed)
}

pub fn render(checks: &[Check]) -> String {
    let mut out = format!(
        "{:<11} {:<8} {:<6} {:>8}  {}\n",
        "SOURCE", "CHECK", "RESULT", "LATENCY", "DETAIL"
    );
    for c in checks {
        let result = match c.ok {
            Some(true) => "ok",
            Some(false) => "FAIL",
            None => "off",
        };
        let latency = c
            .latency
            .map(|d| format!("{}ms", d.as_millis()))
            .unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<11} {:<8} {:<6} {:>8}  {}\n",
            c.source,
            c.step,
            result,
            latency,
            crate::view::safe_text::SafeText::line(&c.detail)
        ));
    }
    out
}
