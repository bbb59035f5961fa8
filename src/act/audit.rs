//! Every action attempt and its result, appended as JSON lines, each flushed to disk
//! before the outcome is shown. Actions carry no secrets by construction, so the log
//! can be shared in a post-incident review. Who acted comes from the process (the
//! uid's passwd entry), not `$USER`, which anyone can set or unset; `sudo_user` is
//! kept beside it when sudo was used.

use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

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
    /// This console process (`logging::session_id`): one console's actions, together.
    session: &'a str,
    /// The incident open when the action was confirmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    incident: Option<&'a str>,
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

/// Who acted, where from, and when: what the process knows, not what the action says.
struct Stamp {
    ts: String,
    user: String,
    sudo_user: Option<String>,
    host: String,
    session: &'static str,
}

impl Stamp {
    fn now() -> Self {
        Self {
            ts: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            user: os_user(),
            sudo_user: std::env::var("SUDO_USER").ok().filter(|u| !u.is_empty()),
            host: sysinfo::System::host_name().unwrap_or_default(),
            session: crate::logging::session_id(),
        }
    }
}

/// One audit line, newline included. Server text in it (a dialog's `from`, an error
/// message) is JSON-escaped past what serde_json escapes (C1, bidi, tags…): someone
/// will `cat` or `tail` this file in a terminal.
fn line(stamp: Stamp, r: &Record) -> std::io::Result<String> {
    let entry = Entry {
        ts: stamp.ts,
        user: stamp.user,
        sudo_user: stamp.sudo_user,
        host: stamp.host,
        session: stamp.session,
        incident: r.incident,
        phase: r.phase,
        verb: r.verb,
        object: r.object.clone(),
        target: r.target,
        action: r.action,
        outcome: r.outcome,
    };
    let mut line = crate::escape::to_json(&entry).map_err(std::io::Error::other)?;
    line.push('\n');
    Ok(line)
}

/// One audit line as read back (`AuditLog::entries`). `action` and `outcome` stay JSON:
/// a log written by an older or newer version still reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct AuditEntry {
    pub ts: String,
    pub user: String,
    #[serde(default)]
    pub sudo_user: Option<String>,
    #[serde(default)]
    pub host: String,
    #[serde(default)]
    pub session: String,
    #[serde(default)]
    pub incident: Option<String>,
    pub phase: String,
    pub verb: String,
    pub object: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub action: Option<serde_json::Value>,
    #[serde(default)]
    pub outcome: Option<serde_json::Value>,
}

/// What one audit line says, besides when and who.
pub struct Record<'a> {
    pub phase: &'a str,
    pub verb: &'a str,
    pub object: String,
    pub target: &'a str,
    /// The id of the incident open when it was asked for, if one was.
    pub incident: Option<&'a str>,
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
        incident: Option<&str>,
        outcome: Option<&Outcome>,
    ) -> std::io::Result<()> {
        self.append(&Record {
            phase,
            verb: action.verb(),
            object: action.object(),
            target,
            incident,
            action: Some(action),
            outcome,
        })
    }

    /// Appends one line and syncs it to disk: the entry exists before anyone is told
    /// the outcome.
    pub fn append(&self, r: &Record) -> std::io::Result<()> {
        let mut line = line(Stamp::now(), r)?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&self.path)?;
        // A crash mid-write leaves a torn last line: start on a line of our own, so the
        // torn one is the only casualty.
        if ends_torn(&mut f)? {
            line.insert(0, '\n');
        }
        // One write of the whole line, so concurrent executors never interleave lines.
        f.write_all(line.as_bytes())?;
        f.sync_data()
    }

    /// Every entry, oldest first. A line that does not parse — the torn last line a crash
    /// mid-write leaves, or any damaged one — is skipped, never an error; a missing log
    /// has no entries.
    pub fn entries(&self) -> std::io::Result<Vec<AuditEntry>> {
        let f = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for line in std::io::BufReader::new(f).split(b'\n') {
            let line = line?;
            if let Ok(entry) = serde_json::from_slice::<AuditEntry>(&line) {
                out.push(entry);
            }
        }
        Ok(out)
    }
}

/// Whether a non-empty file does not end with a newline.
fn ends_torn(f: &mut std::fs::File) -> std::io::Result<bool> {
    if f.metadata()?.len() == 0 {
        return Ok(false);
    }
    f.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    f.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(log: &AuditLog, object: &str) {
        log.append(&Record {
            phase: "refused",
            verb: "scale",
            object: object.into(),
            target: "kube-sim",
            incident: None,
            action: None,
            outcome: Some(&Outcome::Refused("read-only".into())),
        })
        .expect("append");
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_the_next_entry_starts_on_its_own_line() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join("state").join("audit.jsonl"));
        assert_eq!(log.entries().expect("missing log reads"), vec![]);
        refusal(&log, "deploy/a");
        refusal(&log, "deploy/b");
        // A crash mid-write: half a line, no newline (and a multi-byte character cut too).
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(log.path())
            .expect("open");
        f.write_all(
            "{\"ts\":\"2026-01-01T00:00:00Z\",\"user\":\"op\",\"object\":\"deploy/\u{e9}"
                .as_bytes()[..60]
                .as_ref(),
        )
        .expect("torn write");
        drop(f);
        let read: Vec<String> = log
            .entries()
            .expect("a torn log reads")
            .into_iter()
            .map(|e| e.object)
            .collect();
        assert_eq!(read, ["deploy/a", "deploy/b"]);

        refusal(&log, "deploy/c");
        let entries = log.entries().expect("reads");
        let read: Vec<&str> = entries.iter().map(|e| e.object.as_str()).collect();
        assert_eq!(read, ["deploy/a", "deploy/b", "deploy/c"]);
        assert_eq!(entries[2].phase, "refused");
        assert_eq!(entries[2].session, crate::logging::session_id());
        assert_eq!(entries[2].verb, "scale");
        assert!(entries[2].outcome.is_some());
    }

    /// Server text (a Redis error, a policy name) is written `\uXXXX`-escaped, and reads
    /// back as it was.
    #[test]
    fn server_text_in_an_audit_line_is_escaped_and_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let log = AuditLog::new(dir.path().join("audit.jsonl"));
        let hostile = "x\u{1b}[2J\u{9b}\u{202e}\u{e0041}";
        refusal(&log, hostile);
        let text = std::fs::read_to_string(log.path()).expect("written");
        assert!(
            text.contains(r#"x\u001b[2J\u009b\u202e\udb40\udc41"#),
            "{text}"
        );
        let entries = log.entries().expect("reads back");
        assert_eq!(entries[0].object, hostile);
    }

    /// The audit line's JSON, field by field: postmortem tooling reads it.
    #[test]
    fn an_audit_line_names_who_where_the_session_and_the_incident() {
        let action = Action::Kube(crate::app::action::KubeAction::Scale {
            namespace: "kitops".into(),
            deployment: "web".into(),
            from: 3,
            to: 5,
        });
        let stamp = || Stamp {
            ts: "2026-11-26T12:15:00.000Z".into(),
            user: "oncall".into(),
            sudo_user: Some("alice".into()),
            host: "bastion-1".into(),
            session: "20261126-121500-3f2a",
        };
        let outcome = Outcome::Done("scaled".into());
        let record = Record {
            phase: "result",
            verb: action.verb(),
            object: action.object(),
            target: "kubernetes context prod",
            incident: Some("INC-20261126-121000"),
            action: Some(&action),
            outcome: Some(&outcome),
        };
        assert_eq!(
            line(stamp(), &record).expect("serializes"),
            concat!(
                r#"{"ts":"2026-11-26T12:15:00.000Z","user":"oncall","sudo_user":"alice","#,
                r#""host":"bastion-1","session":"20261126-121500-3f2a","#,
                r#""incident":"INC-20261126-121000","phase":"result","verb":"scale","#,
                r#""object":"deployment/web -n kitops","target":"kubernetes context prod","#,
                r#""action":{"kind":"scale","namespace":"kitops","deployment":"web","from":3,"to":5},"#,
                r#""outcome":{"result":"done","message":"scaled"}}"#,
                "\n"
            )
        );
        // No incident open: the field is left out, and reads back as none.
        let refused = Record {
            incident: None,
            action: None,
            ..record
        };
        let text = line(stamp(), &refused).expect("serializes");
        assert!(!text.contains("incident"), "{text}");
        let back: AuditEntry = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back.session, "20261126-121500-3f2a");
        assert_eq!(back.incident, None);
    }

    #[test]
    fn the_user_comes_from_the_process_not_the_environment() {
        let name = os_user();
        assert!(!name.is_empty());
        assert_ne!(name, "unknown");
    }
}
