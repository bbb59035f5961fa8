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
        W::WatchError(s) if s.code == 410 => {
            format!("watch {resource}: history expired, re-listing")
        }
        W::WatchError(s) => format!("watch {resource}: {} ({})", s.message, s.code),
        W::NoResourceVersion => format!("watch {resource}: no resourceVersion"),
    }
}
