//! Every action attempt and its result, appended as JSON lines, each flushed to disk
//! before the outcome is shown. Actions carry no secrets by construction, so the log
//! can be shared in a post-incident review. Who acted comes from the process (the
//! uid's passwd entry), not `$USER`, which anyone can set or unset; `sudo_user` is
//! kept beside it when sudo was used.

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
    #[serde(skip_serializing_if = "Option::is_none")]
    sudo_user: Option<String>,
    host: String,
    phase: &'a str,
    verb: &'a str,
    object: String,
    /// The cluster context, server or region the action was aimed at.
    target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'a Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'a Outcome>,
}

/// What one audit line says, besides when and who.
pub struct Record<'a> {
    pub phase: &'a str,
    pub verb: &'a str,
    pub object: String,
    pub target: &'a str,
    pub action: Option<&'a Action>,
    pub outcome: Option<&'a Outcome>,
}

/// The login name of the process's real uid, from the passwd database.
pub fn os_user() -> String {
    // SAFETY: getuid cannot fail; getpwuid_r writes only into the buffers we own and
    // returns a pointer into them (or null), which we read before they go out of scope.
    unsafe {
        let uid = libc::getuid();
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 4096];
        let mut out: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut out);
        if rc == 0 && !out.is_null() && !pwd.pw_name.is_null() {
            if let Ok(name) = std::ffi::CStr::from_ptr(pwd.pw_name).to_str() {
                return name.to_string();
            }
        }
        format!("uid {uid}")
    }
}

impl AuditLog {
    pub fn new(path: PathBuf) -> Self {
        Self { path }
    }

    pub fn path(&self) -> &PathBuf {
        &self.path
    }

    /// Appends one entry for `action`. An audit failure is returned so the caller can
    /// refuse to act.
    pub fn record(
        &self,
        phase: &str,
        action: &Action,
        target: &str,
        outcome: Option<&Outcome>,
    ) -> std::io::Result<()> {
        self.append(&Record {
            phase,
            verb: action.verb(),
            object: action.object(),
            target,
            action: Some(action),
            outcome,
        })
    }

    /// Appends one line and syncs it to disk: the entry exists before anyone is told
    /// the outcome.
    pub fn append(&self, r: &Record) -> std::io::Result<()> {
        let entry = Entry {
            ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            user: os_user(),
            sudo_user: std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty()),
            host: sysinfo::System::host_name().unwrap_or_default(),
            phase: r.phase,
            verb: r.verb,
            object: r.object.clone(),
            target: r.target,
            action: r.action,
            outcome: r.outcome,
        };
        let mut line = serde_json::to_string(&entry).map_err(std::io::Error::other)?;
        line.push('\n');
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        // One write of the whole line, so concurrent executors never interleave lines.
        f.write_all(line.as_bytes())?;
        f.sync_data()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_user_comes_from_the_process_not_the_environment() {
        let name = os_user();
        assert!(!name.is_empty());
        assert_ne!(name, "unknown");
    }
}
