//! Every action attempt and its result, appended as JSON lines. Actions carry no
//! secrets by construction, so the log can be shared in a post-incident review.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::app::action::{Action, Outcome};

#[derive(Debug, Clone)]
pub struct AuditLog {
    path: PathBuf,
}

#[derive(Serialize)]
struct Entry<'a> {
    ts: String,
    user: String,
    host: String,
    phase: &'a str,
    verb: &'a str,
    object: String,
    action: &'a Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a Outcome>,
}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Appends one entry. An audit failure is returned so the caller can refuse to act.
    pub fn record(
        &self,
        phase: &str,
        action: &Action,
        outcome: Option<&Outcome>,
    ) -> std::io::Result<()> {
        let entry = Entry {
            ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            user: std::env::var("USER").unwrap_or_else(|_| "unknown".into()),
            host: sysinfo::System::host_name().unwrap_or_default(),
            phase,
            verb: action.verb(),
            object: action.object(),
            action,
            outcome,
        };
        let line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        writeln!(f, "{line}")
    }
}
