//! `kitops-top timeline FILE --format markdown|json`: the postmortem timeline of a
//! recording — each incident as it last stood (declared / resolved with severity,
//! checklist stamps, notes, actions with outcomes and targets, threshold crossings),
//! with UTC times and the time elapsed since the declaration; then the actions taken
//! while no incident was open.

use serde::Serialize;

use crate::app::incident::{clock, EntryKind, Incident};
use crate::collect::replay::Recording;

#[derive(Debug, Serialize)]
pub struct Timeline {
    pub incidents: Vec<IncidentTimeline>,
    pub actions_outside_incidents: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub struct IncidentTimeline {
    pub id: String,
    pub severity: String,
    pub title: String,
    pub declared_utc: String,
    pub resolved_utc: Option<String>,
    pub duration: String,
    pub entries: Vec<Row>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub utc: String,
    /// `+00:12:34` since the declaration; empty outside an incident.
    pub elapsed: String,
    pub kind: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
}

fn utc(t: std::time::SystemTime) -> String {
    let at: chrono::DateTime<chrono::Utc> = t.into();
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn kind(k: EntryKind) -> &'static str {
    match k {
        EntryKind::Declared => "declared",
        EntryKind::Step => "checklist",
        EntryKind::Note => "note",
        EntryKind::Action => "action",
        EntryKind::Crossing => "crossing",
        EntryKind::Resolved => "resolved",
    }
}

pub fn build(rec: &Recording) -> Timeline {
    // The last record of each incident holds its whole timeline.
    let mut incidents: Vec<Incident> = Vec::new();
    let mut outside = Vec::new();
    for (r, k, json) in rec.events() {
        match k {
            "incident" => {
                if let Ok(inc) = serde_json::from_str::<Incident>(json) {
                    match incidents.iter_mut().find(|i| i.id == inc.id) {
                        Some(slot) => *slot = inc,
                        None => incidents.push(inc),
                    }
                }
            }
            "action" => {
                let open = incidents
                    .iter()
                    .any(|i| i.declared_at <= r.wall && i.resolved_at.is_none_or(|e| r.wall <= e));
                let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
                if !open {
                    let outcome = v["outcome"]["result"].as_str().map(str::to_string);
                    outside.push(Row {
                        utc: utc(r.wall),
                        elapsed: String::new(),
                        kind: "action".into(),
                        text: format!(
                            "{} {}: {}",
                            v["verb"].as_str().unwrap_or("?"),
                            v["object"].as_str().unwrap_or("?"),
                            v["outcome"]["message"].as_str().unwrap_or("")
                        ),
                        outcome,
                    });
                }
            }
            _ => {}
        }
    }
    let incidents = incidents
        .into_iter()
        .map(|inc| IncidentTimeline {
            entries: inc
                .timeline
                .iter()
                .map(|e| Row {
                    utc: utc(e.at),
                    elapsed: format!(
                        "+{}",
                        clock(e.at.duration_since(inc.declared_at).unwrap_or_default())
                    ),
                    kind: kind(e.kind).into(),
                    text: e.text.clone(),
                    outcome: e.outcome.clone(),
                })
                .collect(),
            id: inc.id.clone(),
            severity: inc.severity.label().into(),
            title: inc.title.clone(),
            declared_utc: utc(inc.declared_at),
            resolved_utc: inc.resolved_at.map(utc),
            duration: clock(inc.elapsed(inc.resolved_at.unwrap_or(inc.declared_at))),
        })
        .collect();
    Timeline {
        incidents,
        actions_outside_incidents: outside,
    }
}

/// Table cells: a `|` or a newline in a note must not break the table, and server
/// text in them (an action's error, a problem's text from the recording) is shown
/// escaped (`\e`, `\u{202e}`): the markdown is printed to a terminal first.
fn cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '|' => out.push_str("\\|"),
            '\n' => out.push(' '),
            _ => crate::escape::push_shown(&mut out, ch),
        }
    }
    out
}

pub fn markdown(t: &Timeline) -> String {
    let mut out = String::new();
    if t.incidents.is_empty() {
        out.push_str("No incident was declared in this recording.\n");
    }
    for inc in &t.incidents {
        out.push_str(&format!(
            "## {} {} — {}\n\n",
            inc.id,
            inc.severity,
            cell(&inc.title)
        ));
        match &inc.resolved_utc {
            Some(r) => out.push_str(&format!(
                "Declared {}, resolved {} after {}.\n\n",
                inc.declared_utc, r, inc.duration
            )),
            None => out.push_str(&format!(
                "Declared {}; still open when the recording ended.\n\n",
                inc.declared_utc
            )),
        }
        out.push_str(
            "| UTC | since declared | kind | what happened | outcome |\n|---|---|---|---|---|\n",
        );
        for r in &inc.entries {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |\n",
                r.utc,
                r.elapsed,
                r.kind,
                cell(&r.text),
                cell(r.outcome.as_deref().unwrap_or(""))
            ));
        }
        out.push('\n');
    }
    if !t.actions_outside_incidents.is_empty() {
        out.push_str(
            "## Actions outside an incident\n\n| UTC | what happened | outcome |\n|---|---|---|\n",
        );
        for r in &t.actions_outside_incidents {
            out.push_str(&format!(
                "| {} | {} | {} |\n",
                r.utc,
                cell(&r.text),
                cell(r.outcome.as_deref().unwrap_or(""))
            ));
        }
    }
    out
}
