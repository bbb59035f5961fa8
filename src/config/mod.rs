//! File + environment + flags → one resolved `Config`.
//! Precedence: flag > environment > config file > built-in default.

pub mod bounds;
pub mod deps;
pub mod file;
mod incident;
pub mod keymap;
pub mod secret;

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::cli::Opts;
use bounds::{duration_field, number_field};
pub use bounds::{parse_duration, MAX_DURATION, MIN_DURATION};
pub use deps::DepSettings;
pub use file::FileConfig;
pub use incident::{IncidentSettings, SeverityTargets};
pub use secret::SecretUrl;

/// The commented default config printed by `kitops-top config --print-default`.
pub const DEFAULT_CONFIG_TOML: &str = include_str!("defaults.toml");

/// One clear line: `file:line: message` where there is a file and a line. Both parts
/// are shown escaped: they echo user-supplied names and paths (a theme name holding
/// ESC must not reach the terminal raw, nor a newline split the one line).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}{}",
    crate::escape::escape_line(.location),
    crate::escape::escape_line(.message)
)]
pub struct ConfigError {
    location: String,
    message: String,
}

impl ConfigError {
    pub fn at(path: &Path, line: Option<usize>, message: impl Into<String>) -> Self {
        let location = match line {
            Some(l) => format!("{}:{l}: ", path.display()),
            None => format!("{}: ", path.display()),
        };
        Self {
            location,
            message: message.into(),
        }
    }

    pub fn plain(message: impl Into<String>) -> Self {
        Self {
            location: String::new(),
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub refresh: Duration,
    pub readonly: bool,
    /// Presenter mode at start (`--redact`): literals and addresses masked (`view::redact`).
    pub redact: bool,
    pub theme: String,
    pub keymap: String,
    pub no_color: bool,
    pub ascii: bool,
    pub log_file: PathBuf,
    pub audit_log: PathBuf,
    /// `$XDG_STATE_HOME/kitops-top`: where `w` in the logs view writes.
    pub state_dir: PathBuf,
    /// Everything is production, regardless of context.
    pub production: bool,
    pub kube: KubeSettings,
    pub postgres: PgSettings,
    pub redis: RedisSettings,
    pub aws: AwsSettings,
    pub thresholds: Thresholds,
    pub incident: IncidentSettings,
    /// `[[dependencies]]`: the runbook's `nc -zv` / `curl -I` checks.
    pub deps: DepSettings,
    /// Playing a recording (`kitops-top demo`): no source is contacted, no action runs.
    pub demo: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KubeSettings {
    pub enabled: bool,
    pub context: Option<String>,
    pub namespace: String,
    pub deployment: String,
    pub label_selector: Option<String>,
    pub production_contexts: Vec<String>,
    /// Explicit kubeconfig file (tests, benches); `None`: `KUBECONFIG`, `~/.kube/config`, in-cluster.
    pub kubeconfig: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PgSettings {
    /// `None` with no `PGHOST` either: the source is not configured.
    pub url: Option<SecretUrl>,
    pub connections_warn_percent: f64,
    pub idle_in_transaction_warn: Duration,
    /// An active query running this long is highlighted (▲; ✖ at ten times).
    pub long_query_warn: Duration,
    pub statement_timeout: Duration,
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RedisSettings {
    pub url: Option<SecretUrl>,
    pub hit_rate_warn_percent: f64,
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AwsSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub rds_instance: String,
    pub target_groups: Vec<String>,
    pub load_balancer: Option<String>,
    pub refresh: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Thresholds {
    pub p95_ms: f64,
    pub error_rate_percent: f64,
}

impl Config {
    /// This config for playing a recording: every source off, so neither a dry run nor
    /// `l`ogs can reach a real cluster with the recording's names. Dialogs still open
    /// (that is what a demo is for); the executor refuses every action.
    pub fn into_demo(mut self) -> Self {
        self.demo = true;
        self.kube.enabled = false;
        self.postgres.url = None;
        self.redis.url = None;
        self.aws.region = None;
        self.aws.endpoint_url = None;
        self.deps.checks.clear();
        self
    }

    /// Is the console pointed at production (loud banner in header and dialogs)?
    pub fn is_production(&self, kube_context: Option<&str>) -> bool {
        self.production
            || kube_context.is_some_and(|c| self.kube.production_contexts.iter().any(|p| p == c))
    }
}

/// Where the config file lives when `-c` is not given.
pub fn default_config_path(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    config_home(env).map(|d| d.join("kitops-top").join("config.toml"))
}

fn config_home(env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    env("XDG_CONFIG_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".config")))
}

fn state_home(env: &dyn Fn(&str) -> Option<String>) -> PathBuf {
    env("XDG_STATE_HOME")
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".local").join("state")))
        .unwrap_or_else(std::env::temp_dir)
        .join("kitops-top")
}

/// Loads the config file named by `-c` (must exist) or the default path (may be absent).
pub fn load_file(
    opts: &Opts,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<FileConfig, ConfigError> {
    match &opts.config {
        Some(path) => file::load(path),
        None => match default_config_path(env) {
            Some(path) if path.exists() => file::load(&path),
            _ => Ok(FileConfig::default()),
        },
    }
}

fn check_url(what: &str, raw: String, schemes: &[&str]) -> Result<SecretUrl, ConfigError> {
    let secret = SecretUrl::new(raw);
    let parsed = url::Url::parse(secret.expose()).map_err(|e| {
        ConfigError::plain(format!("{what}: malformed URL {} ({e})", secret.redacted()))
    })?;
    if !schemes.contains(&parsed.scheme()) {
        return Err(ConfigError::plain(format!(
            "{what}: unsupported scheme {:?}; expected one of {}",
            parsed.scheme(),
            schemes.join(", ")
        )));
    }
    Ok(secret)
}

/// Merges flags, environment and file into one `Config`.
pub fn resolve(
    opts: &Opts,
    env: &dyn Fn(&str) -> Option<String>,
    file: &FileConfig,
) -> Result<Config, ConfigError> {
    let nonempty = |k: &str| env(k).filter(|v| !v.is_empty());
    let refresh = duration_field(
        "--refresh",
        opts.refresh.as_deref(),
        file.refresh.as_deref(),
        Duration::from_secs(2),
    )?;

    let pg_url = opts
        .pg_url
        .clone()
        .or_else(|| nonempty("KITOPS_PG_URL"))
        .or_else(|| file.postgres.url.clone())
        .map(|u| check_url("--pg", u, &["postgres", "postgresql"]))
        .transpose()?;
    let redis_url = opts
        .redis_url
        .clone()
        .or_else(|| nonempty("KITOPS_REDIS_URL"))
        .or_else(|| file.redis.url.clone())
        .map(|u| check_url("--redis", u, &["redis", "rediss"]))
        .transpose()?;
    let endpoint_url = opts
        .aws_endpoint_url
        .clone()
        .or_else(|| nonempty("AWS_ENDPOINT_URL"))
        .or_else(|| file.aws.endpoint_url.clone());
    if let Some(e) = &endpoint_url {
        url::Url::parse(e).map_err(|err| {
            ConfigError::plain(format!("--aws-endpoint-url: malformed URL {e:?} ({err})"))
        })?;
    }

    let mut target_groups = opts.target_groups.clone();
    if target_groups.is_empty() {
        target_groups = file.aws.target_groups.clone();
    }

    Ok(Config {
        refresh,
        readonly: opts.readonly || file.readonly.unwrap_or(false),
        redact: opts.redact,
        theme: opts
            .theme
            .clone()
            .or_else(|| file.theme.clone())
            .unwrap_or_else(|| "default".into()),
        keymap: opts
            .keymap
            .clone()
            .or_else(|| file.keymap.clone())
            .unwrap_or_else(|| "default".into()),
        no_color: opts.no_color
            || env("NO_COLOR").is_some_and(|v| !v.is_empty())
            || file.no_color.unwrap_or(false),
        ascii: opts.ascii || file.ascii.unwrap_or(false),
        log_file: opts
            .log_file
            .clone()
            .or_else(|| file.log_file.clone())
            .unwrap_or_else(|| state_home(env).join("kitops-top.log")),
        audit_log: file
            .audit_log
            .clone()
            .unwrap_or_else(|| state_home(env).join("audit.jsonl")),
        state_dir: state_home(env),
        production: file.production.unwrap_or(false),
        kube: KubeSettings {
            enabled: file.kubernetes.enabled.unwrap_or(true),
            context: opts
                .context
                .clone()
                .or_else(|| file.kubernetes.context.clone()),
            namespace: opts
                .namespace
                .clone()
                .or_else(|| file.kubernetes.namespace.clone())
                .unwrap_or_else(|| "kitops".into()),
            deployment: opts
                .deployment
                .clone()
                .or_else(|| file.kubernetes.deployment.clone())
                .unwrap_or_else(|| "kitops-backend".into()),
            label_selector: file.kubernetes.label_selector.clone(),
            production_contexts: file
                .contexts
                .iter()
                .filter(|(_, c)| c.production)
                .map(|(name, _)| name.clone())
                .collect(),
            kubeconfig: None,
        },
        postgres: PgSettings {
            url: pg_url,
            connections_warn_percent: number_field(
                "postgres.connections_warn_percent",
                file.postgres.connections_warn_percent,
                80.0,
                0.0..=100.0,
            )?,
            idle_in_transaction_warn: duration_field(
                "postgres.idle_in_transaction_warn",
                None,
                file.postgres.idle_in_transaction_warn.as_deref(),
                Duration::from_secs(30),
            )?,
            long_query_warn: duration_field(
                "postgres.long_query_warn",
                None,
                file.postgres.long_query_warn.as_deref(),
                Duration::from_secs(60),
            )?,
            statement_timeout: duration_field(
                "postgres.statement_timeout",
                None,
                file.postgres.statement_timeout.as_deref(),
                Duration::from_secs(5),
            )?,
            ca_file: file.postgres.ca_file.clone(),
        },
        redis: RedisSettings {
            url: redis_url,
            hit_rate_warn_percent: number_field(
                "redis.hit_rate_warn_percent",
                file.redis.hit_rate_warn_percent,
                80.0,
                0.0..=100.0,
            )?,
            ca_file: file.redis.ca_file.clone(),
        },
        aws: AwsSettings {
            region: opts
                .aws_region
                .clone()
                .or_else(|| nonempty("AWS_REGION"))
                .or_else(|| nonempty("AWS_DEFAULT_REGION"))
                .or_else(|| file.aws.region.clone()),
            profile: opts
                .aws_profile
                .clone()
                .or_else(|| nonempty("AWS_PROFILE"))
                .or_else(|| file.aws.profile.clone()),
            endpoint_url,
            rds_instance: opts
                .rds_instance
                .clone()
                .or_else(|| file.aws.rds_instance.clone())
                .unwrap_or_else(|| "kitops-production".into()),
            target_groups,
            load_balancer: file.aws.load_balancer.clone(),
            refresh: duration_field(
                "aws.refresh",
                None,
                file.aws.refresh.as_deref(),
                Duration::from_secs(15),
            )?,
        },
        thresholds: Thresholds {
            p95_ms: number_field(
                "thresholds.p95_ms",
                file.thresholds.p95_ms,
                200.0,
                0.0..=3_600_000.0,
            )?,
            error_rate_percent: number_field(
                "thresholds.error_rate_percent",
                file.thresholds.error_rate_percent,
                0.1,
                0.0..=100.0,
            )?,
        },
        incident: incident::settings(&file.incident, &state_home(env))?,
        deps: deps::resolve(&file.dependencies, &file.dependency_checks)?,
        demo: false,
    })
}
