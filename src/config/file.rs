//! The TOML config file as written by the user: every field optional, unknown keys
//! rejected so a typo is reported rather than silently ignored.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::ConfigError;

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub refresh: Option<String>,
    pub readonly: Option<bool>,
    pub theme: Option<String>,
    pub keymap: Option<String>,
    pub ascii: Option<bool>,
    pub no_color: Option<bool>,
    pub log_file: Option<PathBuf>,
    /// Treat everything this console watches as production (loud banner).
    pub production: Option<bool>,
    pub audit_log: Option<PathBuf>,
    #[serde(default)]
    pub kubernetes: KubeSection,
    #[serde(default)]
    pub contexts: BTreeMap<String, ContextSection>,
    #[serde(default)]
    pub postgres: PgSection,
    #[serde(default)]
    pub redis: RedisSection,
    #[serde(default)]
    pub aws: AwsSection,
    #[serde(default)]
    pub thresholds: ThresholdSection,
    #[serde(default)]
    pub incident: IncidentSection,
    #[serde(default)]
    pub dependencies: Vec<super::deps::DependencySection>,
    #[serde(default)]
    pub dependency_checks: super::deps::DependencyChecksSection,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KubeSection {
    pub context: Option<String>,
    pub namespace: Option<String>,
    pub deployment: Option<String>,
    pub label_selector: Option<String>,
    pub enabled: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContextSection {
    #[serde(default)]
    pub production: bool,
    pub theme: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PgSection {
    pub url: Option<String>,
    pub connections_warn_percent: Option<f64>,
    pub idle_in_transaction_warn: Option<String>,
    pub long_query_warn: Option<String>,
    pub statement_timeout: Option<String>,
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RedisSection {
    pub url: Option<String>,
    pub hit_rate_warn_percent: Option<f64>,
    pub ca_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AwsSection {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub rds_instance: Option<String>,
    #[serde(default)]
    pub target_groups: Vec<String>,
    pub load_balancer: Option<String>,
    pub refresh: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThresholdSection {
    pub p95_ms: Option<f64>,
    pub error_rate_percent: Option<f64>,
}

/// Response / resolution targets per severity (`"15m"`, `"4h"`), and where the open
/// incident is kept.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct IncidentSection {
    pub sev1_response: Option<String>,
    pub sev1_resolution: Option<String>,
    pub sev2_response: Option<String>,
    pub sev2_resolution: Option<String>,
    pub sev3_response: Option<String>,
    pub sev3_resolution: Option<String>,
    pub file: Option<PathBuf>,
}

/// 1-based line of a byte offset, for `file:line` messages.
pub fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parses TOML into `T`, turning errors into `file:line: message`.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        ConfigError::at(
            path,
            e.span().map(|s| line_of(text, s.start)),
            e.message().to_string(),
        )
    })
}

pub fn load(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::at(path, None, format!("cannot read: {e}")))?;
    parse_toml(path, &text)
}
