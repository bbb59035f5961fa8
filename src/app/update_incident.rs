//! The reducer's incident half: declaring (severity, then title), notes, the checklist
//! overlay, resolving behind a confirmation, the status update, and the timeline's
//! automatic entries — actions with their outcomes and threshold crossings. Every
//! change to the incident ends in `Command::SaveIncident`: the runtime writes it.

use super::action::{IncidentInput, InputPurpose, InputRequest, Outcome};
use super::event::Command;
use super::incident::conditions::{self, Conditions};
use super::incident::{self, status, EntryKind, Incident, Severity};
use super::modal::{InputState, Modal};
use super::sources::SourceId;
use super::state::State;
use crate::config::keymap::{Context, KeyAction};
use crate::view::Level;

fn save(state: &State) -> Vec<Command> {
    state
        .incident
        .clone()
        .map(Command::SaveIncident)
        .into_iter()
        .collect()
}

fn ask(state: &mut State, request: InputRequest) {
    state.modals.push(Modal::Input(InputState::open(request)));
}

fn no_incident(state: &mut State) {
    let key = state
        .keymap
        .first_key(&[Context::Global], KeyAction::Incident);
    state.set_status(format!("no open incident: {key} declares one"), Level::Warn);
}

/// The global incident keys.
pub(crate) fn on_key(state: &mut State, action: KeyAction) -> Vec<Command> {
    match action {
        KeyAction::Incident if state.open_incident().is_some() => {
            state.modals.push(Modal::ResolveIncident);
        }
        KeyAction::Incident => {
            let targets = &state.config.incident.targets;
            let choices: Vec<String> = Severity::ALL
                .into_iter()
                .map(|s| {
                    let t = targets[s as usize];
                    format!(
                        "{} — respond within {}, resolve within {}",
                        s.choice(),
                        incident::short_duration(t.response),
                        incident::short_duration(t.resolution)
                    )
                })
                .collect();
            ask(
                state,
                InputRequest {
                    title: "Declare an incident".into(),
                    prompt: "Severity (up/down to choose)".into(),
                    initial: choices[1].clone(),
                    choices,
                    purpose: InputPurpose::Incident(IncidentInput::Severity),
                },
            );
        }
        KeyAction::IncidentOverlay => {
            if state.incident.is_some() {
                state.modals.push(Modal::Incident { selected: 0 });
            } else {
                no_incident(state);
            }
        }
        KeyAction::IncidentNote => {
            if state.open_incident().is_some() {
                ask(
                    state,
                    InputRequest {
                        title: "Incident note".into(),
                        prompt: "Note for the timeline".into(),
                        initial: String::new(),
                        choices: vec![],
                        purpose: InputPurpose::Incident(IncidentInput::Note),
                    },
                );
            } else {
                no_incident(state);
            }
        }
        KeyAction::StatusUpdate => {
            let Some(inc) = &state.incident else {
                no_incident(state);
                return vec![];
            };
            let text =
                status::update_text(inc, &state.conditions, &state.config.incident, state.now);
            let text = state.redaction().text(&text).into_owned();
            state.set_status("copied the status update", Level::Ok);
            return vec![Command::Copy(text)];
        }
        _ => {}
    }
    vec![]
}

/// An incident question was answered: `Err` keeps the dialog open with the reason.
pub(crate) fn answer(
    state: &mut State,
    purpose: &IncidentInput,
    answer: &str,
) -> Result<Vec<Command>, String> {
    let now = state.now;
    match purpose {
        IncidentInput::Severity => {
            let word = answer.split_whitespace().next().unwrap_or("");
            let severity = Severity::from_choice(word).ok_or("choose Sev1, Sev2 or Sev3")?;
            state.modals.pop();
            ask(
                state,
                InputRequest {
                    title: format!("Declare a {} incident", severity.label()),
                    prompt: "Title (what is broken, for whom)".into(),
                    initial: String::new(),
                    choices: vec![],
                    purpose: InputPurpose::Incident(IncidentInput::Title(severity)),
                },
            );
            Ok(vec![])
        }
        IncidentInput::Title(severity) => {
            if answer.trim().is_empty() {
                return Err("a title is needed".into());
            }
            state.modals.pop();
            let mut inc = Incident::declare(*severity, answer, now);
            // What already holds is where the incident starts.
            for text in state.conditions.values() {
                inc.push(
                    now,
                    EntryKind::Crossing,
                    format!("at declaration: {text}"),
                    None,
                );
            }
            state.set_status(format!("{} declared: {}", inc.id, inc.title), Level::Warn);
            state.incident = Some(inc);
            Ok(save(state))
        }
        IncidentInput::Note => {
            if answer.trim().is_empty() {
                return Err("the note is empty".into());
            }
            state.modals.pop();
            if let Some(inc) = state.incident.as_mut().filter(|i| i.is_open()) {
                inc.push(now, EntryKind::Note, answer.trim().to_string(), None);
            }
            state.set_status("note added", Level::Ok);
            Ok(save(state))
        }
    }
}

/// Keys in the incident overlay (`[incident]`, then `[global]`).
pub(crate) fn on_overlay_key(state: &mut State, action: Option<KeyAction>) -> Vec<Command> {
    let Some(Modal::Incident { selected }) = state.modals.last_mut() else {
        return vec![];
    };
    let steps = incident::STEPS.len();
    match action {
        Some(KeyAction::Down) => *selected = (*selected + 1).min(steps - 1),
        Some(KeyAction::Up) => *selected = selected.saturating_sub(1),
        Some(KeyAction::TickStep) => {
            let i = *selected;
            let now = state.now;
            if let Some(inc) = state.incident.as_mut().filter(|i| i.is_open()) {
                inc.toggle_step(i, now);
                return save(state);
            }
        }
        Some(KeyAction::Back | KeyAction::IncidentOverlay | KeyAction::Quit) => {
            state.modals.pop();
        }
        Some(a @ (KeyAction::Incident | KeyAction::IncidentNote | KeyAction::StatusUpdate)) => {
            return on_key(state, a)
        }
        _ => {}
    }
    vec![]
}

/// The resolve dialog's answer.
pub(crate) fn on_resolve_key(state: &mut State, action: Option<KeyAction>) -> Vec<Command> {
    match action {
        Some(KeyAction::Confirm) => {
            state.modals.pop();
            let now = state.now;
            if let Some(inc) = state.incident.as_mut().filter(|i| i.is_open()) {
                inc.resolve(now);
                let msg = format!(
                    "{} resolved after {}",
                    inc.id,
                    incident::clock(inc.elapsed(now))
                );
                state.set_status(msg, Level::Ok);
                return save(state);
            }
        }
        Some(KeyAction::Cancel) => {
            state.modals.pop();
        }
        _ => {}
    }
    vec![]
}

/// An action's outcome goes on the open incident's timeline.
pub(crate) fn on_outcome(
    state: &mut State,
    action: &super::action::Action,
    outcome: &Outcome,
) -> Vec<Command> {
    let now = state.now;
    let Some(inc) = state.incident.as_mut().filter(|i| i.is_open()) else {
        return vec![];
    };
    let kind = match outcome {
        Outcome::Done(_) => "done",
        Outcome::Refused(_) => "refused",
        Outcome::Failed(_) => "failed",
    };
    let text = format!(
        "{} {}: {kind}: {}",
        action.verb(),
        action.object(),
        outcome.message()
    );
    inc.push(now, EntryKind::Action, text, Some(kind));
    save(state)
}

/// Recomputes the conditions of `sources` and puts what crossed on the open
/// incident's timeline; `kube_before` is the previous Kubernetes snapshot, for restarts.
pub(crate) fn on_snapshots(
    state: &mut State,
    sources: &[SourceId],
    restarts: Vec<String>,
) -> Vec<Command> {
    // Pods restarted since the last Kubernetes snapshot (`conditions::restarts`).
    let mut events = restarts;
    for &source in sources {
        let old: Conditions = conditions::subset(&state.conditions, source);
        let mut new = conditions::of_status(source, &state.sources, &state.config, state.now);
        if let Some(data) = state.data_conditions.get(&source) {
            new.extend(data.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if old != new {
            events.extend(conditions::diff(&old, &new));
            conditions::replace(&mut state.conditions, source, new);
        }
    }
    if events.is_empty() {
        return vec![];
    }
    let now = state.now;
    let mut commands = vec![Command::Crossings(events.clone())];
    // A replay's incident is the recorded one: its timeline is already complete.
    if state.replay.is_some() {
        return commands;
    }
    if let Some(inc) = state.incident.as_mut().filter(|i| i.is_open()) {
        for text in events {
            inc.push(now, EntryKind::Crossing, text, None);
        }
        commands.extend(save(state));
    }
    commands
}
