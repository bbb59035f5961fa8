//! "Communicate": the plain-text status update the runbook asks for, ready to paste
//! into the incident channel — severity, title, elapsed, what is wrong now (the
//! conditions that hold), actions taken, the checklist.

use std::time::SystemTime;

use super::conditions::Conditions;
use super::{clock, short_duration, utc_time, EntryKind, Incident};
use crate::config::IncidentSettings;

pub fn update_text(
    incident: &Incident,
    conditions: &Conditions,
    settings: &IncidentSettings,
    now: SystemTime,
) -> String {
    let t = incident.severity.targets(settings);
    let state = if incident.is_open() {
        "open"
    } else {
        "resolved"
    };
    let mut out = format!(
        "[{}] {} — {} — {state} {} (declared {}; targets: respond {}, resolve {})\n",
        incident.severity.label(),
        incident.title,
        incident.id,
        clock(incident.elapsed(now)),
        utc_time(incident.declared_at),
        short_duration(t.response),
        short_duration(t.resolution),
    );
    out.push_str("What is wrong now:\n");
    if conditions.is_empty() {
        out.push_str("- no threshold is crossed\n");
    }
    for text in conditions.values() {
        out.push_str(&format!("- {text}\n"));
    }
    out.push_str("Actions taken:\n");
    let actions: Vec<_> = incident
        .timeline
        .iter()
        .filter(|e| e.kind == EntryKind::Action)
        .collect();
    if actions.is_empty() {
        out.push_str("- none yet\n");
    }
    for e in actions {
        out.push_str(&format!("- {} {}\n", utc_time(e.at), e.text));
    }
    let steps: Vec<String> = incident
        .checklist
        .iter()
        .map(|s| match s.done_at {
            Some(at) => format!("[x] {} {}", s.name, utc_time(at)),
            None => format!("[ ] {}", s.name),
        })
        .collect();
    out.push_str(&format!("Checklist: {}\n", steps.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::incident::Severity;
    use std::time::Duration;

    #[test]
    fn the_update_says_what_is_wrong_and_what_was_done() {
        let opts = crate::cli::Opts::default();
        let settings = crate::config::resolve(&opts, &|_| None, &Default::default())
            .expect("defaults")
            .incident;
        let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut inc = Incident::declare(Severity::Sev2, "checkout slow", t0);
        inc.push(
            t0 + Duration::from_secs(60),
            EntryKind::Action,
            "pg-terminate pid 42: done".into(),
            Some("done"),
        );
        let mut c = Conditions::new();
        c.insert("redis:hit_rate".into(), "Redis hit rate 40.0% < 80%".into());
        let text = update_text(&inc, &c, &settings, t0 + Duration::from_secs(754));
        assert!(text.starts_with("[SEV2] checkout slow — INC-20231114-221320 — open 00:12:34 (declared 22:13:20Z; targets: respond 1h, resolve 24h)\n"), "{text}");
        assert!(text.contains("- Redis hit rate 40.0% < 80%\n"), "{text}");
        assert!(
            text.contains("- 22:14:20Z pg-terminate pid 42: done\n"),
            "{text}"
        );
        assert!(
            text.contains("Checklist: [ ] acknowledge, [ ] assess"),
            "{text}"
        );
    }
}
