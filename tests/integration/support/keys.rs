//! Key presses from the keymap's own keys: a test that walks the keymap presses what a
//! user would, whatever the bindings are.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::{update, Command, Event, State};
use kitops_top::config::keymap::{Key, KeyCodeOrd};

/// The terminal event a press of `key` makes.
pub fn event(key: &Key) -> KeyEvent {
    let mut modifiers = KeyModifiers::NONE;
    if key.ctrl {
        modifiers |= KeyModifiers::CONTROL;
    }
    if key.alt {
        modifiers |= KeyModifiers::ALT;
    }
    let code = match key.code {
        KeyCodeOrd::Char(c) => KeyCode::Char(c),
        KeyCodeOrd::F(n) => KeyCode::F(n),
        KeyCodeOrd::Named("tab") if key.shift => KeyCode::BackTab,
        KeyCodeOrd::Named(name) => {
            if key.shift {
                modifiers |= KeyModifiers::SHIFT;
            }
            match name {
                "tab" => KeyCode::Tab,
                "enter" => KeyCode::Enter,
                "esc" => KeyCode::Esc,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "backspace" => KeyCode::Backspace,
                "delete" => KeyCode::Delete,
                other => panic!("no terminal key for {other:?}"),
            }
        }
    };
    KeyEvent::new(code, modifiers)
}

/// Presses `key`; returns what the reducer asked for.
pub fn press(st: &mut State, key: &Key) -> Vec<Command> {
    update(st, Event::Key(event(key)))
}

/// Types `text` character by character, as into a text field.
pub fn type_text(st: &mut State, text: &str) {
    for c in text.chars() {
        update(
            st,
            Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
        );
    }
}
