//! Building a kube-rs client from the settings (explicit kubeconfig, `KUBECONFIG`,
//! `~/.kube/config` with `--context`, or in-cluster), and turning API errors into
//! the one line a pane shows ("forbidden: list pods in kitops").

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::collect::CollectError;
use crate::config::KubeSettings;

/// A connected client and the context name the header shows.
#[derive(Clone)]
pub struct Conn {
    pub client: Client,
    pub context: String,
}

/// A kubeconfig exists where kube-rs looks: `KUBECONFIG` paths or `~/.kube/config`.
pub(crate) fn kubeconfig_present() -> bool {
    let env = std::env::var_os("KUBECONFIG")
        .map(|v| std::env::split_paths(&v).any(|p| p.exists()))
        .unwrap_or(false);
    let home = std::env::var_os("HOME")
        .map(|h| {
            std::path::Path::new(&h)
                .join(".kube")
                .join("config")
                .exists()
        })
        .unwrap_or(false);
    env || home
}

/// Resolves the client configuration without touching the network.
pub async fn config(settings: &KubeSettings) -> Result<(Config, String), CollectError> {
    let kc = match &settings.kubeconfig {
        Some(path) => {
            Some(Kubeconfig::read_from(path).map_err(|e| {
                CollectError::Connect(format!("kubeconfig {}: {e}", path.display()))
            })?)
        }
        None if kubeconfig_present() => Some(
            Kubeconfig::read().map_err(|e| CollectError::Connect(format!("kubeconfig: {e}")))?,
        ),
        None => None,
    };
    let (mut config, context) = match kc {
        Some(kc) => {
            let context = settings
                .context
                .clone()
                .or_else(|| kc.current_context.clone())
                .unwrap_or_default();
            let opts = KubeConfigOptions {
                context: settings.context.clone(),
                cluster: None,
                user: None,
            };
            let config = Config::from_custom_kubeconfig(kc, &opts)
                .await
                .map_err(|e| CollectError::Connect(format!("kubeconfig: {e}")))?;
            (config, context)
        }
        None => {
            let config = Config::incluster()
                .map_err(|e| CollectError::Connect(format!("in-cluster config: {e}")))?;
            (config, "in-cluster".to_string())
        }
    };
    config.connect_timeout = Some(Duration::from_secs(10));
    Ok((config, context))
}

pub async fn connect(settings: &KubeSettings) -> Result<Conn, CollectError> {
    let (config, context) = config(settings).await?;
    let client = Client::try_from(config).map_err(|e| CollectError::Connect(e.to_string()))?;
    Ok(Conn { client, context })
}

/// The watch loop's client: without kube-rs's own retry of 429, 503 and 504, which
/// would keep a throttled API server out of sight (15 tries) while the pane says
/// `● live`. The watchers see the error, the pane says "throttled", and the loop
/// waits out the server's Retry-After (`throttled_for`) before the next request.
/// Paged LISTs are fetched a page ahead (`prefetch`).
pub async fn connect_watching(settings: &KubeSettings) -> Result<Conn, CollectError> {
    let (mut config, context) = config(settings).await?;
    config.default_retry = false;
    let client = Client::try_from(config).map_err(|e| CollectError::Connect(e.to_string()))?;
    let client = super::prefetch::Prefetching::client(client);
    Ok(Conn { client, context })
}

/// Without a Retry-After from the server, wait this long after a 429.
const THROTTLE_DEFAULT: Duration = Duration::from_secs(2);
/// A server may ask for anything; a console waits at most this long between tries.
const THROTTLE_MAX: Duration = Duration::from_secs(60);

/// How long a 429 asks the client to wait: the Status's `retryAfterSeconds` (what the
/// API server's Retry-After header says too), 1–60 s; `None` for any other error.
pub fn throttled_for(e: &kube::Error) -> Option<Duration> {
    match e {
        kube::Error::Api(s) if s.code == 429 => Some(retry_after(s)),
        _ => None,
    }
}

fn retry_after(s: &kube::core::Status) -> Duration {
    s.details
        .as_ref()
        .map(|d| d.retry_after_seconds)
        .filter(|&secs| secs > 0)
        .map_or(THROTTLE_DEFAULT, |secs| {
            Duration::from_secs(u64::from(secs))
        })
        .min(THROTTLE_MAX)
}

/// A watcher error's 429 wait (`throttled_for`), wherever in the watch it came.
pub fn watch_throttled_for(e: &kube::runtime::watcher::Error) -> Option<Duration> {
    use kube::runtime::watcher::Error as W;
    match e {
        W::InitialListFailed(e) | W::WatchStartFailed(e) | W::WatchFailed(e) => throttled_for(e),
        W::WatchError(s) if s.code == 429 => Some(retry_after(s)),
        _ => None,
    }
}

fn throttled_line(verb: &str, resource: &str, wait: Duration) -> String {
    format!(
        "throttled (429) on {verb} {resource}, retrying in {}",
        humantime::format_duration(wait)
    )
}

/// Where an API call was aimed, for the error line.
pub fn scope(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("in {ns}"),
        None => "at cluster scope".into(),
    }
}

/// One short line for a failed call: `forbidden: list pods in kitops`.
pub fn describe_error(
    e: &kube::Error,
    verb: &str,
    resource: &str,
    namespace: Option<&str>,
) -> String {
    match e {
        kube::Error::Api(s) if s.code == 403 => {
            format!("forbidden: {verb} {resource} {}", scope(namespace))
        }
        kube::Error::Api(s) if s.code == 401 => format!("unauthorized: {}", s.message),
        kube::Error::Api(s) if s.code == 404 => format!("{resource} not found ({})", s.message),
        kube::Error::Api(s) if s.code == 429 => throttled_line(verb, resource, retry_after(s)),
        kube::Error::Api(s) => format!("{verb} {resource}: {} ({})", s.message, s.code),
        other => format!("{verb} {resource}: {}", short(&other.to_string())),
    }
}

/// First line of an error chain, bounded.
fn short(s: &str) -> String {
    let line = s.lines().next().unwrap_or("");
    line.chars().take(160).collect()
}

pub fn is_status(e: &kube::Error, code: u16) -> bool {
    matches!(e, kube::Error::Api(s) if s.code == code)
}

/// A watcher error as a pane line.
pub fn describe_watch_error(
    e: &kube::runtime::watcher::Error,
    resource: &str,
    namespace: Option<&str>,
) -> String {
    use kube::runtime::watcher::Error as W;
    match e {
        W::InitialListFailed(e) => describe_error(e, "list", resource, namespace),
        W::WatchStartFailed(e) | W::WatchFailed(e) => {
            describe_error(e, "watch", resource, namespace)
        }
        W::WatchError(s) if s.code == 403 => {
            format!("forbidden: watch {resource} {}", scope(namespace))
        }
        W::WatchError(s) if s.code == 429 => throttled_line("watch", resource, retry_after(s)),
        W::WatchError(s) if s.code == 410 => {
            format!("watch {resource}: history expired, re-listing")
        }
        W::WatchError(s) => format!("watch {resource}: {} ({})", s.message, s.code),
        W::NoResourceVersion => format!("watch {resource}: no resourceVersion"),
    }
}
