//! Incident mode: the runbook's process made part of the console. An incident has a
//! severity (whose response / resolution targets come from config), a title, the
//! runbook's checklist, and a timeline of what happened: checklist stamps, notes, the
//! actions run with their outcomes, and threshold crossings computed from consecutive
//! snapshots. Everything here is pure: the reducer changes an `Incident` and asks the
//! runtime (`Command::SaveIncident`) to persist it.

pub mod conditions;
pub mod status;

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::config::{IncidentSettings, SeverityTargets};
use crate::view::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Sev1, Severity::Sev2, Severity::Sev3];

    /// As the header and the status update show it.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
        }
    }

    /// The choice in the declare dialog: `Sev1` … `Sev3`.
    pub fn choice(self) -> &'static str {
        match self {
            Severity::Sev1 => "Sev1",
            Severity::Sev2 => "Sev2",
            Severity::Sev3 => "Sev3",
        }
    }

    pub fn from_choice(s: &str) -> Option<Severity> {
        Self::ALL
            .into_iter()
            .find(|v| v.choice().eq_ignore_ascii_case(s.trim()))
    }

    pub fn targets(self, settings: &IncidentSettings) -> SeverityTargets {
        settings.targets[self as usize]
    }
}

/// The runbook's incident steps, in order.
pub const STEPS: [&str; 6] = [
    "acknowledge",
    "assess",
    "communicate",
    "investigate",
    "resolve",
    "document",
];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub done_at: Option<SystemTime>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Declared,
    Step,
    Note,
    Action,
    Crossing,
    Resolved,
}

/// One line of the incident's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub at: SystemTime,
    pub kind: EntryKind,
    pub text: String,
    /// Actions only: `done`, `refused` or `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    /// `INC-20250114-103817`, from the declaration time: unique enough for one console.
    pub id: String,
    pub severity: Severity,
    pub title: String,
    pub declared_at: SystemTime,
    pub resolved_at: Option<SystemTime>,
    pub checklist: Vec<Step>,
    pub timeline: Vec<Entry>,
}

/// Most timeline entries kept: a flapping threshold must not grow the file forever.
pub const TIMELINE_MAX: usize = 2_000;

impl Incident {
    pub fn declare(severity: Severity, title: &str, now: SystemTime) -> Incident {
        let at: chrono::DateTime<chrono::Utc> = now.into();
        let mut incident = Incident {
            id: format!("INC-{}", at.format("%Y%m%d-%H%M%S")),
            severity,
            title: title.trim().to_string(),
            declared_at: now,
            resolved_at: None,
            checklist: STEPS
                .iter()
                .map(|s| Step {
                    name: s.to_string(),
                    done_at: None,
                })
                .collect(),
            timeline: Vec::new(),
        };
        let text = format!("{}: {}", severity.label(), incident.title);
        incident.push(now, EntryKind::Declared, text, None);
        incident
    }

    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }

    pub fn push(&mut self, at: SystemTime, kind: EntryKind, text: String, outcome: Option<&str>) {
        if self.timeline.len() >= TIMELINE_MAX {
            // Keep the declaration; drop the oldest of the rest.
            self.timeline.remove(1.min(self.timeline.len() - 1));
        }
        self.timeline.push(Entry {
            at,
            kind,
            text,
            outcome: outcome.map(str::to_string),
        });
    }

    /// Ticks step `i` (stamping the time) or unticks it.
    pub fn toggle_step(&mut self, i: usize, now: SystemTime) {
        let Some(step) = self.checklist.get_mut(i) else {
            return;
        };
        let (done, text) = match step.done_at {
            Some(_) => (None, format!("step unticked: {}", step.name)),
            None => (Some(now), format!("step done: {}", step.name)),
        };
        step.done_at = done;
        self.push(now, EntryKind::Step, text, None);
    }

    pub fn resolve(&mut self, now: SystemTime) {
        let text = format!("resolved after {}", clock(self.elapsed(now)),);
        self.resolved_at = Some(now);
        self.push(now, EntryKind::Resolved, text, None);
    }

    /// Time since declaration (until resolution, once resolved).
    pub fn elapsed(&self, now: SystemTime) -> Duration {
        self.resolved_at
            .unwrap_or(now)
            .duration_since(self.declared_at)
            .unwrap_or_default()
    }

    pub fn acknowledged(&self) -> bool {
        self.checklist.first().is_some_and(|s| s.done_at.is_some())
    }

    /// How the timer is coloured: amber at 75 % of a running target, red once one has
    /// passed. The response target runs until `acknowledge` is ticked.
    pub fn level(&self, settings: &IncidentSettings, now: SystemTime) -> Level {
        let t = self.severity.targets(settings);
        let elapsed = self.elapsed(now).as_secs_f64();
        let ratio = |target: Duration| elapsed / target.as_secs_f64().max(1.0);
        let mut worst = ratio(t.resolution);
        if !self.acknowledged() {
            worst = worst.max(ratio(t.response));
        }
        if worst >= 1.0 {
            Level::Crit
        } else if worst >= 0.75 {
            Level::Warn
        } else {
            Level::Ok
        }
    }
}

/// `00:12:34`; days add to the hours (`73:00:00`).
pub fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// `15m`, `4h`, `1h30m`: a target as people say it.
pub fn short_duration(d: Duration) -> String {
    let m = d.as_secs() / 60;
    match (m / 60, m % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// `10:38:17Z`.
pub fn utc_time(t: SystemTime) -> String {
    let at: chrono::DateTime<chrono::Utc> = t.into();
    at.format("%H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> IncidentSettings {
        let opts = crate::cli::Opts::default();
        crate::config::resolve(&opts, &|_| None, &Default::default())
            .expect("defaults")
            .incident
    }

    #[test]
    fn the_timer_turns_amber_at_75_percent_and_red_when_a_target_passes() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let s = settings();
        let mut inc = Incident::declare(Severity::Sev1, "checkout down", t0);
        let at = |m: u64| t0 + Duration::from_secs(m * 60);
        assert_eq!(inc.level(&s, at(10)), Level::Ok);
        assert_eq!(inc.level(&s, at(12)), Level::Warn, "12 of 15 minutes");
        assert_eq!(inc.level(&s, at(16)), Level::Crit, "response target passed");
        inc.toggle_step(0, at(16));
        assert_eq!(
            inc.level(&s, at(17)),
            Level::Ok,
            "acknowledged: 4 h target only"
        );
        assert_eq!(inc.level(&s, at(181)), Level::Warn);
        assert_eq!(inc.level(&s, at(241)), Level::Crit);
        assert_eq!(clock(Duration::from_secs(754)), "00:12:34");
        assert_eq!(short_duration(Duration::from_secs(4 * 3600)), "4h");
        assert_eq!(short_duration(Duration::from_secs(15 * 60)), "15m");
    }

    #[test]
    fn ticking_stamps_and_resolving_stops_the_timer() {
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut inc = Incident::declare(Severity::Sev2, " slow api ", t0);
        assert_eq!(inc.title, "slow api");
        assert_eq!(inc.id, "INC-20231114-221320");
        inc.toggle_step(1, t0 + Duration::from_secs(30));
        assert_eq!(inc.checklist[1].done_at, Some(t0 + Duration::from_secs(30)));
        inc.resolve(t0 + Duration::from_secs(90));
        assert!(!inc.is_open());
        assert_eq!(
            inc.elapsed(t0 + Duration::from_secs(999)),
            Duration::from_secs(90)
        );
        let kinds: Vec<_> = inc.timeline.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [EntryKind::Declared, EntryKind::Step, EntryKind::Resolved]
        );
        let json = serde_json::to_string(&inc).expect("serializes");
        let back: Incident = serde_json::from_str(&json).expect("parses");
        assert_eq!(back, inc);
    }
}
