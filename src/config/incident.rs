//! `[incident]`: the severity targets and where the open incident is kept.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::bounds::target_field;
use super::{file, ConfigError};

/// The runbook's severity targets: how soon someone responds, how soon it is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeverityTargets {
    pub response: Duration,
    pub resolution: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IncidentSettings {
    /// Sev1, Sev2, Sev3 in that order.
    pub targets: [SeverityTargets; 3],
    /// The open incident, rewritten atomically on every change so a restart resumes it.
    pub file: PathBuf,
    /// Resolved incidents are moved here, one file each.
    pub archive_dir: PathBuf,
}

/// The runbook's targets (Sev1 15 min / 4 h, Sev2 1 h / 24 h, Sev3 4 h / 72 h) unless
/// the file says otherwise; the open incident lives beside the audit log.
pub(super) fn settings(
    file: &file::IncidentSection,
    state_dir: &Path,
) -> Result<IncidentSettings, ConfigError> {
    let hours = |h: u64| Duration::from_secs(h * 3600);
    let target = |name: &str, value: &Option<String>, default: Duration| {
        target_field(&format!("incident.{name}"), value.as_deref(), default)
    };
    let targets = [
        SeverityTargets {
            response: target(
                "sev1_response",
                &file.sev1_response,
                Duration::from_secs(15 * 60),
            )?,
            resolution: target("sev1_resolution", &file.sev1_resolution, hours(4))?,
        },
        SeverityTargets {
            response: target("sev2_response", &file.sev2_response, hours(1))?,
            resolution: target("sev2_resolution", &file.sev2_resolution, hours(24))?,
        },
        SeverityTargets {
            response: target("sev3_response", &file.sev3_response, hours(4))?,
            resolution: target("sev3_resolution", &file.sev3_resolution, hours(72))?,
        },
    ];
    let file_path = file
        .file
        .clone()
        .unwrap_or_else(|| state_dir.join("incident.json"));
    let archive_dir = file_path
        .parent()
        .map(|d| d.join("incidents"))
        .unwrap_or_else(|| state_dir.join("incidents"));
    Ok(IncidentSettings {
        targets,
        file: file_path,
        archive_dir,
    })
}
