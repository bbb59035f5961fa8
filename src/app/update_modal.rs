//! Keys while a modal is open: the top modal consumes every key. Text fields (the
//! filter, input dialogs, typed confirmations, the logs filter) take their editing keys
//! from the keymap's `[input]` context, and every message names the keys the active
//! keymap binds.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action;
use super::confirm::push_confirm;
use super::event::Command;
use super::modal::{DryRun, Modal};
use super::state::{Running, State};
use crate::config::keymap::{Context, Key, KeyAction, Keymap};

/// A printable character typed into a text field (no ctrl/alt chords).
fn typed_char(ev: &KeyEvent) -> Option<char> {
    match ev.code {
        KeyCode::Char(c)
            if !ev
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

/// What a key did to a text field.
#[derive(Debug, PartialEq, Eq)]
enum Edit {
    Submit,
    Cancel,
    Changed,
    Ignored,
}

/// Applies one key to `text` by the `[input]` bindings: submit, cancel, clear,
/// delete a word or a character, or type a character.
fn edit_text(input: Option<KeyAction>, ev: &KeyEvent, text: &mut String) -> Edit {
    match input {
        Some(KeyAction::Confirm) => Edit::Submit,
        Some(KeyAction::Cancel) => Edit::Cancel,
        Some(KeyAction::ClearInput) => {
            text.clear();
            Edit::Changed
        }
        Some(KeyAction::DeleteWord) => {
            let kept = text.trim_end().len();
            let start = text[..kept].rfind(char::is_whitespace).map_or(0, |i| i + 1);
            text.truncate(start);
            Edit::Changed
        }
        Some(KeyAction::DeleteChar) => {
            text.pop();
            Edit::Changed
        }
        _ => match typed_char(ev) {
            Some(c) => {
                text.push(c);
                Edit::Changed
            }
            None => Edit::Ignored,
        },
    }
}

/// `y` (or whatever confirms), leaving out Enter, which never confirms a destructive action.
fn destructive_confirm_keys(km: &Keymap) -> String {
    km.hint_without(Context::Dialog, KeyAction::Confirm, &Key::enter())
}

pub(crate) fn on_modal_key(state: &mut State, ev: KeyEvent, key: Key) -> Vec<Command> {
    let km = state.keymap.clone();
    let dialog = km.lookup(&[Context::Dialog], &key);
    let global = km.lookup(&[Context::Global], &key);
    let logs_action = km.lookup(&[Context::Logs], &key);
    let input = km.lookup(&[Context::Input], &key);
    // Presenter mode: over what is read and over a dialog, never where a text field
    // takes the key as a letter (`update_redact::toggles_over`).
    let toggles = state
        .modals
        .last()
        .is_some_and(super::update_redact::toggles_over);
    if toggles && global == Some(KeyAction::Redact) {
        super::update_redact::toggle(state);
        return vec![];
    }
    let Some(top) = state.modals.last_mut() else {
        return vec![];
    };
    match top {
        Modal::Details { fields, .. } if global == Some(KeyAction::Copy) => {
            let text = fields
                .iter()
                .map(|(k, v)| format!("{k}: {v}"))
                .collect::<Vec<_>>()
                .join("\n");
            return vec![Command::Copy(text)];
        }
        Modal::Help { scroll } => {
            // The overlay is the screen less a border: stop where its last line shows.
            let shown = state.screen_height.saturating_sub(4) as usize;
            let max = super::modal::help_line_count(&state.keymap).saturating_sub(shown) as u16;
            match global {
                Some(KeyAction::Down) => *scroll = scroll.saturating_add(1).min(max),
                Some(KeyAction::Up) => *scroll = scroll.saturating_sub(1),
                Some(KeyAction::PageDown) => *scroll = scroll.saturating_add(10).min(max),
                Some(KeyAction::PageUp) => *scroll = scroll.saturating_sub(10),
                Some(KeyAction::Back | KeyAction::Help | KeyAction::Details | KeyAction::Quit) => {
                    state.modals.pop();
                }
                _ if dialog == Some(KeyAction::Cancel) => {
                    state.modals.pop();
                }
                _ => {}
            }
        }
        Modal::Details { scroll, .. } => match global {
            Some(KeyAction::Down) => *scroll = scroll.saturating_add(1),
            Some(KeyAction::Up) => *scroll = scroll.saturating_sub(1),
            Some(KeyAction::PageDown) => *scroll = scroll.saturating_add(10),
            Some(KeyAction::PageUp) => *scroll = scroll.saturating_sub(10),
            Some(KeyAction::Back | KeyAction::Help | KeyAction::Details | KeyAction::Quit) => {
                state.modals.pop();
            }
            _ if dialog == Some(KeyAction::Cancel) => {
                state.modals.pop();
            }
            _ => {}
        },
        Modal::Filter { pane, text } => {
            let pane = *pane;
            match edit_text(input, &ev, text) {
                Edit::Cancel => {
                    state.modals.pop();
                    state.pane_mut(pane).table.set_filter(String::new());
                }
                Edit::Submit => {
                    state.modals.pop();
                }
                Edit::Changed => {
                    let t = text.clone();
                    state.pane_mut(pane).table.set_filter(t);
                }
                Edit::Ignored => {}
            }
        }
        Modal::Input(field) => {
            let choosing = !field.request.choices.is_empty();
            let step = match global {
                Some(KeyAction::Up) if choosing => Some(-1),
                Some(KeyAction::Down) if choosing => Some(1),
                _ => None,
            };
            if let Some(step) = step {
                let n = field.request.choices.len();
                field.choice = (field.choice + n).wrapping_add_signed(step) % n;
                field.text = field.request.choices[field.choice].clone();
                return vec![];
            }
            // A list of choices is picked, not typed into: only submit and cancel apply.
            let mut scratch = field.text.clone();
            let edit = edit_text(input, &ev, &mut scratch);
            match edit {
                Edit::Cancel => {
                    state.modals.pop();
                }
                Edit::Submit
                    if matches!(field.request.purpose, action::InputPurpose::Incident(_)) =>
                {
                    let (action::InputPurpose::Incident(purpose), answer) =
                        (field.request.purpose.clone(), field.text.clone())
                    else {
                        return vec![];
                    };
                    match super::update_incident::answer(state, &purpose, &answer) {
                        Ok(commands) => return commands,
                        Err(why) => {
                            if let Some(Modal::Input(field)) = state.modals.last_mut() {
                                field.error = Some(why);
                            }
                        }
                    }
                }
                Edit::Submit => match action::complete(&field.request.purpose, field.text.trim()) {
                    Ok(action) => {
                        state.modals.pop();
                        return push_confirm(state, action);
                    }
                    Err(why) => field.error = Some(why),
                },
                Edit::Changed if !choosing => {
                    field.text = scratch;
                    field.error = None;
                }
                Edit::Changed | Edit::Ignored => {}
            }
        }
        Modal::Confirm(confirm) => {
            if let Some(expected) = confirm.spec.typed_confirmation.clone() {
                match edit_text(input, &ev, &mut confirm.typed) {
                    Edit::Cancel => {
                        state.modals.pop();
                    }
                    Edit::Submit if confirm.typed == expected => return execute(state),
                    Edit::Submit => {
                        confirm.error = Some(format!(
                            "type {expected:?} exactly to confirm, {} to cancel",
                            km.hint(Context::Input, KeyAction::Cancel)
                        ));
                    }
                    Edit::Changed => confirm.error = None,
                    Edit::Ignored => {}
                }
            } else {
                // Enter never confirms a destructive action by reflex, whatever the
                // keymap binds: it needs a deliberate key.
                let is_enter = ev.code == KeyCode::Enter;
                match dialog {
                    Some(KeyAction::Confirm) if !(is_enter && confirm.spec.destructive) => {
                        return execute(state)
                    }
                    Some(KeyAction::Confirm) => {
                        confirm.error = Some(format!(
                            "destructive: press {} to confirm, {} to cancel",
                            destructive_confirm_keys(&km),
                            km.hint(Context::Dialog, KeyAction::Cancel)
                        ));
                    }
                    Some(KeyAction::Cancel) => {
                        state.modals.pop();
                    }
                    _ => {}
                }
            }
        }
        Modal::Incident { .. } => {
            let action = km.lookup(&[Context::Incident, Context::Global], &key);
            return super::update_incident::on_overlay_key(state, action);
        }
        Modal::ResolveIncident => return super::update_incident::on_resolve_key(state, dialog),
        Modal::Audit { scroll } => {
            let last = state.audit.len().saturating_sub(1);
            match global {
                Some(KeyAction::Down) => *scroll = (*scroll + 1).min(last),
                Some(KeyAction::Up) => *scroll = scroll.saturating_sub(1),
                Some(KeyAction::PageDown) => *scroll = (*scroll + 10).min(last),
                Some(KeyAction::PageUp) => *scroll = scroll.saturating_sub(10),
                Some(KeyAction::Top) => *scroll = 0,
                Some(KeyAction::Bottom) => *scroll = last,
                Some(KeyAction::Back | KeyAction::AuditOverlay | KeyAction::Quit) => {
                    state.modals.pop();
                }
                _ if dialog == Some(KeyAction::Cancel) => {
                    state.modals.pop();
                }
                _ => {}
            }
        }
        Modal::Logs(logs) => {
            if logs.editing_filter {
                match edit_text(input, &ev, &mut logs.filter) {
                    Edit::Cancel => {
                        logs.filter.clear();
                        logs.editing_filter = false;
                    }
                    Edit::Submit => logs.editing_filter = false,
                    Edit::Changed | Edit::Ignored => {}
                }
                return vec![];
            }
            let action = logs_action.or(global);
            // In presenter mode the written file holds what the screen shows.
            let redact = crate::view::redact::Redact(state.redact);
            return match logs.on_action(action, state.now, &state.config.state_dir, redact) {
                super::logs::LogsKey::Stay(commands) => commands,
                super::logs::LogsKey::Close => {
                    state.modals.pop();
                    vec![Command::StopLogs]
                }
            };
        }
    }
    vec![]
}

/// The user confirmed: run the action, unless the server already rejected its dry run.
fn execute(state: &mut State) -> Vec<Command> {
    let close = state
        .keymap
        .first_key(&[Context::Dialog], KeyAction::Cancel);
    let Some(Modal::Confirm(confirm)) = state.modals.last_mut() else {
        return vec![];
    };
    if let DryRun::Rejected(why) = &confirm.dry_run {
        confirm.error = Some(format!(
            "not run: the API server rejected the dry run ({why}); {close} to close"
        ));
        return vec![];
    }
    let action = confirm.action.clone();
    state.modals.pop();
    state.running.push(Running {
        action: action.clone(),
        since: state.now,
    });
    vec![Command::Execute(action)]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn text_fields_clear_and_delete_words() {
        let mut t = String::from("kitops backend pod");
        assert_eq!(
            edit_text(Some(KeyAction::DeleteWord), &key(KeyCode::Null), &mut t),
            Edit::Changed
        );
        assert_eq!(t, "kitops backend ");
        edit_text(Some(KeyAction::DeleteWord), &key(KeyCode::Null), &mut t);
        assert_eq!(t, "kitops ");
        edit_text(Some(KeyAction::ClearInput), &key(KeyCode::Null), &mut t);
        assert_eq!(t, "");
        edit_text(None, &key(KeyCode::Char('x')), &mut t);
        assert_eq!(t, "x");
        let ctrl_x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL);
        assert_eq!(edit_text(None, &ctrl_x, &mut t), Edit::Ignored);
    }
}
