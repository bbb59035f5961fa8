//! This session's audit trail as the `A` overlay lists it: every action attempt the
//! reducer saw answered (the executor's `Outcome` events) or refused itself (read-only),
//! and in a replay the recorded ones. It is kept in state from events — the same facts
//! the executor wrote to the audit log, never read back from the file — so the overlay
//! is a pure function of state, and a recording carries the same rows
//! (`Command::Audited` → the session recorder's `action` event → `Event::Recorded`).

use std::collections::VecDeque;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use super::action::Outcome;

/// What the overlay says became of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditResult {
    Ok,
    Failed,
    Refused,
    /// The demo: confirmed, shown, never run.
    DryRun,
}

impl AuditResult {
    pub fn label(self) -> &'static str {
        match self {
            AuditResult::Ok => "ok",
            AuditResult::Failed => "failed",
            AuditResult::Refused => "refused",
            AuditResult::DryRun => "dry-run",
        }
    }
}

/// One attempt, as recorded in a session recording's `action` event. Older recordings'
/// events (`verb`, `object`, `action`, `outcome`) read as this too, with no `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditedAction {
    pub verb: String,
    /// What it acted on: `deployment/web -n kitops`, `pid 3274`.
    pub object: String,
    /// Where: the kube context, PostgreSQL/Redis server (no password) or AWS region.
    #[serde(default)]
    pub target: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dry_run: bool,
}

impl AuditedAction {
    pub fn result(&self) -> AuditResult {
        match &self.outcome {
            _ if self.dry_run => AuditResult::DryRun,
            Outcome::Done(_) => AuditResult::Ok,
            Outcome::Failed(_) => AuditResult::Failed,
            Outcome::Refused(_) => AuditResult::Refused,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    pub at: SystemTime,
    pub action: AuditedAction,
}

/// Most rows kept: a user hammering a refused key must not grow the state forever.
pub const AUDIT_ROWS_MAX: usize = 1_000;

/// The session's rows, oldest first; bounded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditTrail {
    rows: VecDeque<AuditRow>,
}

impl AuditTrail {
    /// Adds `row` in time order (a replay's recorded rows arrive after the user's own
    /// dry runs of the same moments).
    pub fn push(&mut self, row: AuditRow) {
        if self.rows.len() == AUDIT_ROWS_MAX {
            self.rows.pop_front();
        }
        let at = self.rows.partition_point(|r| r.at <= row.at);
        self.rows.insert(at, row);
    }

    /// A seek in a replay: the recorded rows go (the player sends those up to the new
    /// position again); the user's own dry runs stay.
    pub fn drop_recorded(&mut self) {
        self.rows.retain(|r| r.action.dry_run);
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Newest first: what the overlay lists.
    pub fn newest_first(&self) -> impl Iterator<Item = &AuditRow> {
        self.rows.iter().rev()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_old_recordings_action_event_reads_and_the_trail_is_bounded() {
        let old = r#"{"verb":"scale","object":"deployment/web -n kitops",
            "action":{"kind":"scale"},"outcome":{"result":"refused","message":"read-only"}}"#;
        let a: AuditedAction = serde_json::from_str(old).expect("old event reads");
        assert_eq!(a.result(), AuditResult::Refused);
        assert_eq!(a.target, "");
        let mut trail = AuditTrail::default();
        for i in 0..AUDIT_ROWS_MAX + 5 {
            trail.push(AuditRow {
                at: SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(i as u64),
                action: a.clone(),
            });
        }
        assert_eq!(trail.len(), AUDIT_ROWS_MAX);
        let newest = trail.newest_first().next().expect("a row");
        assert_eq!(
            newest.at,
            SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(AUDIT_ROWS_MAX as u64 + 4)
        );
    }
}
