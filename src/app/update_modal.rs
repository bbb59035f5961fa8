//! Keys while a modal is open: the top modal consumes every key.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action;
use super::confirm::push_confirm;
use super::event::Command;
use super::modal::{DryRun, Modal};
use super::state::State;
use crate::config::keymap::{Context, Key, KeyAction};

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

pub(crate) fn on_modal_key(state: &mut State, ev: KeyEvent, key: Key) -> Vec<Command> {
    let dialog = state.keymap.lookup(&[Context::Dialog], &key);
    let global = state.keymap.lookup(&[Context::Global], &key);
    let logs_action = state.keymap.lookup(&[Context::Logs], &key);
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
        Modal::Help { scroll } | Modal::Details { scroll, .. } => match global {
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
            match ev.code {
                KeyCode::Esc => {
                    state.modals.pop();
                    state.pane_mut(pane).table.set_filter(String::new());
                }
                KeyCode::Enter => {
                    state.modals.pop();
                }
                KeyCode::Backspace => {
                    text.pop();
                    let t = text.clone();
                    state.pane_mut(pane).table.set_filter(t);
                }
                _ => {
                    if let Some(c) = typed_char(&ev) {
                        text.push(c);
                        let t = text.clone();
                        state.pane_mut(pane).table.set_filter(t);
                    }
                }
            }
        }
        Modal::Input(input) => match ev.code {
            KeyCode::Esc => {
                state.modals.pop();
            }
            KeyCode::Up | KeyCode::Down if !input.request.choices.is_empty() => {
                let n = input.request.choices.len();
                input.choice = if ev.code == KeyCode::Up {
                    (input.choice + n - 1) % n
                } else {
                    (input.choice + 1) % n
                };
                input.text = input.request.choices[input.choice].clone();
            }
            KeyCode::Backspace => {
                input.text.pop();
            }
            KeyCode::Enter => match action::complete(&input.request.purpose, input.text.trim()) {
                Ok(action) => {
                    state.modals.pop();
                    return push_confirm(state, action);
                }
                Err(why) => input.error = Some(why),
            },
            _ => {
                if let Some(c) = typed_char(&ev) {
                    if input.request.choices.is_empty() {
                        input.text.push(c);
                        input.error = None;
                    }
                }
            }
        },
        Modal::Confirm(confirm) => {
            if let Some(expected) = confirm.spec.typed_confirmation.clone() {
                match ev.code {
                    KeyCode::Esc => {
                        state.modals.pop();
                    }
                    KeyCode::Backspace => {
                        confirm.typed.pop();
                    }
                    KeyCode::Enter if confirm.typed == expected => return execute(state),
                    KeyCode::Enter => {
                        confirm.error = Some(format!(
                            "type {expected:?} exactly to confirm, esc to cancel"
                        ));
                    }
                    _ => {
                        if let Some(c) = typed_char(&ev) {
                            confirm.typed.push(c);
                            confirm.error = None;
                        }
                    }
                }
            } else {
                // Enter never confirms a destructive action by reflex: it needs `y`.
                let is_enter = ev.code == KeyCode::Enter;
                match dialog {
                    Some(KeyAction::Confirm) if !(is_enter && confirm.spec.destructive) => {
                        return execute(state)
                    }
                    Some(KeyAction::Confirm) => {
                        confirm.error =
                            Some("destructive: press y to confirm, n or esc to cancel".into());
                    }
                    Some(KeyAction::Cancel) => {
                        state.modals.pop();
                    }
                    _ => {}
                }
            }
        }
        Modal::Logs(logs) => {
            if logs.editing_filter {
                match ev.code {
                    KeyCode::Esc => {
                        logs.filter.clear();
                        logs.editing_filter = false;
                    }
                    KeyCode::Enter => logs.editing_filter = false,
                    KeyCode::Backspace => {
                        logs.filter.pop();
                    }
                    _ => {
                        if let Some(c) = typed_char(&ev) {
                            logs.filter.push(c);
                        }
                    }
                }
                return vec![];
            }
            match logs_action.or(global) {
                Some(KeyAction::Follow) => {
                    logs.follow = !logs.follow;
                    logs.scroll_from_bottom = 0;
                }
                Some(KeyAction::WriteLogs) => {
                    let lines = logs
                        .visible()
                        .iter()
                        .map(|l| l.as_str().to_string())
                        .collect();
                    let at: chrono::DateTime<chrono::Utc> = state.now.into();
                    let path = format!("kitops-logs-{}.log", at.format("%Y%m%d-%H%M%S"));
                    return vec![Command::WriteLogs { path, lines }];
                }
                Some(KeyAction::Filter) => logs.editing_filter = true,
                Some(KeyAction::Up) => {
                    logs.follow = false;
                    logs.scroll_from_bottom = logs.scroll_from_bottom.saturating_add(1);
                }
                Some(KeyAction::Down) => {
                    logs.scroll_from_bottom = logs.scroll_from_bottom.saturating_sub(1)
                }
                Some(KeyAction::PageUp) => {
                    logs.follow = false;
                    logs.scroll_from_bottom = logs.scroll_from_bottom.saturating_add(20);
                }
                Some(KeyAction::PageDown) => {
                    logs.scroll_from_bottom = logs.scroll_from_bottom.saturating_sub(20)
                }
                Some(KeyAction::Back | KeyAction::Quit) => {
                    state.modals.pop();
                    return vec![Command::StopLogs];
                }
                _ => {}
            }
        }
    }
    vec![]
}

/// The user confirmed: run the action, unless the server already rejected its dry run.
fn execute(state: &mut State) -> Vec<Command> {
    let Some(Modal::Confirm(confirm)) = state.modals.last_mut() else {
        return vec![];
    };
    if let DryRun::Rejected(why) = &confirm.dry_run {
        confirm.error = Some(format!(
            "not run: the API server rejected the dry run ({why}); esc to close"
        ));
        return vec![];
    }
    let action = confirm.action.clone();
    state.modals.pop();
    vec![Command::Execute(action)]
}
