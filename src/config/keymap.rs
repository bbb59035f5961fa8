//! Keymaps: per context (global, each pane, logs, dialog, input) an action name maps
//! to keys. Loading validates everything and reports `file:line`, including an action
//! bound in a context where it means nothing. The help overlay, the footer and every
//! dialog's key hints are generated from the active keymap, never hard-coded.

use std::collections::BTreeMap;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;
use toml::Spanned;

use super::file::line_of;
use super::ConfigError;

pub const DEFAULT_KEYMAP: &str = include_str!("../../keymaps/default.toml");
pub const VIM_KEYMAP: &str = include_str!("../../keymaps/vim.toml");

/// Where a key applies. The top modal's context wins, then the focused pane's, then global.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Pods,
    Nodes,
    PgActivity,
    PgLocks,
    Redis,
    Targets,
    Signals,
    Deps,
    Logs,
    Dialog,
    /// Text fields: the filter, input dialogs, typed confirmations, the logs filter.
    Input,
    /// The incident overlay (checklist and timeline).
    Incident,
    /// Playing a recording (`replay`, `demo`): the player's keys.
    Replay,
}

impl Context {
    pub const ALL: [Context; 14] = [
        Context::Global,
        Context::Pods,
        Context::Nodes,
        Context::PgActivity,
        Context::PgLocks,
        Context::Redis,
        Context::Targets,
        Context::Signals,
        Context::Deps,
        Context::Logs,
        Context::Dialog,
        Context::Input,
        Context::Incident,
        Context::Replay,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Pods => "pods",
            Context::Nodes => "nodes",
            Context::PgActivity => "pg_activity",
            Context::PgLocks => "pg_locks",
            Context::Redis => "redis",
            Context::Targets => "targets",
            Context::Signals => "signals",
            Context::Deps => "deps",
            Context::Logs => "logs",
            Context::Dialog => "dialog",
            Context::Input => "input",
            Context::Incident => "incident",
            Context::Replay => "replay",
        }
    }

    fn from_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == s)
    }
}

macro_rules! key_actions {
    ($($variant:ident => $name:literal, $short:literal, $desc:literal, [$($ctx:ident),+];)*) => {
        /// Everything a key can ask for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum KeyAction { $($variant),* }

        impl KeyAction {
            pub const ALL: &'static [KeyAction] = &[$(KeyAction::$variant),*];
            /// Its name in keymap files.
            pub fn name(self) -> &'static str { match self { $(KeyAction::$variant => $name),* } }
            /// Its label in the footer and dialog hints.
            pub fn short(self) -> &'static str { match self { $(KeyAction::$variant => $short),* } }
            /// Its line in the help overlay.
            pub fn description(self) -> &'static str { match self { $(KeyAction::$variant => $desc),* } }
            pub fn from_name(s: &str) -> Option<Self> { match s { $($name => Some(KeyAction::$variant),)* _ => None } }
            /// The contexts where binding it means something.
            pub fn contexts(self) -> &'static [Context] {
                match self { $(KeyAction::$variant => &[$(Context::$ctx),+]),* }
            }
        }
    };
}

key_actions! {
    Quit => "quit", "quit", "quit", [Global];
    Help => "help", "help", "show this help", [Global];
    FocusNext => "focus_next", "next", "focus next pane", [Global];
    FocusPrev => "focus_prev", "prev", "focus previous pane", [Global];
    FocusPods => "focus_pods", "pods", "focus Pods", [Global];
    FocusNodes => "focus_nodes", "nodes", "focus Nodes", [Global];
    FocusPgActivity => "focus_pg_activity", "pg", "focus PG activity", [Global];
    FocusPgLocks => "focus_pg_locks", "locks", "focus PG locks", [Global];
    FocusRedis => "focus_redis", "redis", "focus Redis", [Global];
    FocusTargets => "focus_targets", "targets", "focus Targets", [Global];
    FocusSignals => "focus_signals", "signals", "focus Signals", [Global];
    FocusDeps => "focus_deps", "deps", "focus Deps", [Global];
    NextProblem => "next_problem", "problem", "jump to the next problem of the attention line", [Global];
    Zoom => "zoom", "zoom", "zoom the focused pane", [Global];
    Filter => "filter", "filter", "filter rows", [Global, Logs];
    Pause => "pause", "pause", "pause / resume refresh", [Global];
    Copy => "copy", "copy", "copy selected row's text (OSC 52)", [Global];
    Redact => "redact", "redact", "presenter mode: mask query literals, addresses, log values", [Global];
    Down => "down", "down", "move down", [Global];
    Up => "up", "up", "move up", [Global];
    PageDown => "page_down", "page", "page down", [Global];
    PageUp => "page_up", "page", "page up", [Global];
    Top => "top", "top", "first row", [Global];
    Bottom => "bottom", "bottom", "last row", [Global];
    Details => "details", "details", "details of the selected row", [Global];
    Back => "back", "close", "back / close", [Global, Logs];
    Sort => "sort", "sort", "cycle sort column", [Global];
    Refresh => "refresh", "refresh", "refresh now", [Global];
    Suspend => "suspend", "suspend", "suspend to the shell", [Global];
    ToggleView => "toggle_view", "top-sql", "toggle activity / top statements", [PgActivity];
    RolloutRestart => "rollout_restart", "restart", "rollout restart the deployment", [Pods];
    DeletePod => "delete_pod", "delete", "delete the selected pod", [Pods];
    Scale => "scale", "scale", "scale the deployment", [Pods];
    RolloutUndo => "rollout_undo", "undo", "rollout undo", [Pods];
    SetImage => "set_image", "image", "set the deployment's image (rolling update)", [Pods];
    Logs => "logs", "logs", "logs of the selected pod", [Pods];
    SortMemory => "sort_memory", "by mem", "sort by memory, most first (again: reverse)", [Pods];
    SortCpu => "sort_cpu", "by cpu", "sort by CPU, most first (again: reverse)", [Pods];
    SortRestarts => "sort_restarts", "by restarts", "sort by restarts, most first (again: reverse)", [Pods];
    PgCancel => "pg_cancel", "cancel", "cancel the backend's query", [PgActivity, PgLocks];
    PgTerminate => "pg_terminate", "terminate", "terminate the backend", [PgActivity, PgLocks];
    RedisEvictionPolicy => "redis_eviction_policy", "policy", "set maxmemory-policy", [Redis];
    RdsSnapshot => "rds_snapshot", "snapshot", "create an RDS snapshot", [Targets];
    RdsFailover => "rds_failover", "failover", "reboot RDS with failover", [Targets];
    HealthCheck => "health_check", "health", "tune the target group health check", [Targets];
    DeregisterTarget => "deregister_target", "deregister", "deregister the selected target", [Targets];
    Follow => "follow", "follow", "follow new log lines", [Logs];
    WriteLogs => "write_logs", "write", "write shown logs to a file in the state directory", [Logs];
    PreviousLogs => "previous_logs", "previous", "logs of the previous (crashed) container / the running one", [Logs];
    Timestamps => "timestamps", "timestamps", "show / hide the server's timestamps", [Logs];
    WrapLines => "wrap_lines", "wrap", "wrap long lines / cut them and scroll sideways", [Logs];
    ScrollLeft => "scroll_left", "left", "scroll left (lines not wrapped)", [Logs];
    ScrollRight => "scroll_right", "right", "scroll right (lines not wrapped)", [Logs];
    Confirm => "confirm", "confirm", "confirm", [Dialog, Input];
    Cancel => "cancel", "cancel", "cancel", [Dialog, Input];
    ClearInput => "clear_input", "clear", "clear the text field", [Input];
    DeleteWord => "delete_word", "delete word", "delete the word before the cursor", [Input];
    DeleteChar => "delete_char", "delete", "delete the character before the cursor", [Input];
    Incident => "incident", "incident", "declare an incident / resolve the open one", [Global, Incident];
    IncidentOverlay => "incident_overlay", "checklist", "incident overlay: checklist and timeline", [Global, Incident];
    IncidentNote => "incident_note", "note", "add a note to the incident timeline", [Global, Incident];
    StatusUpdate => "status_update", "status", "copy the incident status update (OSC 52)", [Global, Incident];
    AuditOverlay => "audit_overlay", "audit", "this session's audit entries, newest first (a replay's: the recorded ones)", [Global];
    ReplayPause => "replay_pause", "pause", "pause / play the recording", [Replay];
    ReplayFaster => "replay_faster", "faster", "play faster (up to 60×)", [Replay];
    ReplaySlower => "replay_slower", "slower", "play slower (down to 0.5×)", [Replay];
    ReplayBack => "replay_back", "-10s", "seek 10 s back", [Replay];
    ReplayForward => "replay_forward", "+10s", "seek 10 s forward", [Replay];
    ReplayPrevEvent => "replay_prev_event", "prev event", "previous event", [Replay];
    ReplayNextEvent => "replay_next_event", "next event", "next event", [Replay];
    ReplayStart => "replay_start", "start", "to the start of the recording", [Replay];
    ReplayEnd => "replay_end", "end", "to the end of the recording", [Replay];
    TickStep => "tick_step", "tick", "tick / untick the checklist step", [Incident];
}

/// A normalised key: characters carry their case, so SHIFT is dropped for them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
    pub shift: bool,
}

/// `KeyCode` subset we bind, orderable for stable help output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Named(&'static str),
}

const NAMED: &[(&str, KeyCode)] = &[
    ("tab", KeyCode::Tab),
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("pageup", KeyCode::PageUp),
    ("pagedown", KeyCode::PageDown),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
];

impl Key {
    pub fn parse(spec: &str) -> Result<Key, String> {
        let mut key = Key {
            code: KeyCodeOrd::Named(""),
            ctrl: false,
            alt: false,
            shift: false,
        };
        let mut rest = spec;
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                key.ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                key.alt = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                key.shift = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        key.code = match (chars.next(), chars.next()) {
            (Some(c), None) => KeyCodeOrd::Char(c),
            _ if rest == "space" => KeyCodeOrd::Char(' '),
            _ if rest.starts_with('f')
                && rest[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCodeOrd::F(rest[1..].parse().unwrap_or(1))
            }
            _ => match NAMED.iter().find(|(n, _)| *n == rest) {
                Some((n, _)) => KeyCodeOrd::Named(n),
                None => return Err(format!("unknown key name {spec:?}")),
            },
        };
        if let KeyCodeOrd::Char(c) = key.code {
            if key.shift {
                // "shift-k" means "K": keep one spelling per key.
                key.code = KeyCodeOrd::Char(c.to_ascii_uppercase());
                key.shift = false;
            }
        }
        Ok(key)
    }

    /// The physical Enter key, which never confirms a destructive action.
    pub fn enter() -> Key {
        Key {
            code: KeyCodeOrd::Named("enter"),
            ctrl: false,
            alt: false,
            shift: false,
        }
    }

    /// From a terminal key press; `None` for keys we never bind.
    pub fn from_event(ev: &KeyEvent) -> Option<Key> {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        let alt = ev.modifiers.contains(KeyModifiers::ALT);
        let shift = ev.modifiers.contains(KeyModifiers::SHIFT);
        let (code, shift) = match ev.code {
            KeyCode::Char(c) => (
                KeyCodeOrd::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
                false,
            ),
            KeyCode::BackTab => (KeyCodeOrd::Named("tab"), true),
            KeyCode::F(n) => (KeyCodeOrd::F(n), shift),
            other => {
                let name = NAMED.iter().find(|(_, k)| *k == other)?.0;
                (KeyCodeOrd::Named(name), shift)
            }
        };
        Some(Key {
            code,
            ctrl,
            alt,
            shift,
        })
    }

    pub fn display(&self) -> String {
        let mut s = String::new();
        if self.ctrl {
            s.push_str("ctrl-");
        }
        if self.alt {
            s.push_str("alt-");
        }
        if self.shift {
            s.push_str("shift-");
        }
        match self.code {
            KeyCodeOrd::Char(' ') => s.push_str("space"),
            KeyCodeOrd::Char(c) => s.push(c),
            KeyCodeOrd::F(n) => s.push_str(&format!("f{n}")),
            KeyCodeOrd::Named(n) => s.push_str(n),
        }
        s
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keymap {
    bindings: BTreeMap<Context, BTreeMap<Key, KeyAction>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

type RawKeymap = BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<OneOrMany>>>;

impl Keymap {
    /// `name` is a built-in (`default`, `vim`) or a path to a TOML file.
    pub fn load(name: &str) -> Result<Keymap, ConfigError> {
        let mut map = Keymap::default();
        map.apply(Path::new("keymaps/default.toml"), DEFAULT_KEYMAP, false)?;
        match name {
            "default" => {}
            "vim" => map.apply(Path::new("keymaps/vim.toml"), VIM_KEYMAP, true)?,
            path => {
                let p = Path::new(path);
                let text = std::fs::read_to_string(p)
                    .map_err(|e| ConfigError::at(p, None, format!("cannot read keymap: {e}")))?;
                map.apply(p, &text, true)?;
            }
        }
        Ok(map)
    }

    /// Parses `text`; with `overriding`, actions it names replace their default keys.
    pub fn apply(&mut self, path: &Path, text: &str, overriding: bool) -> Result<(), ConfigError> {
        let raw: RawKeymap = super::file::parse_toml(path, text)?;
        for (ctx_name, entries) in raw {
            let line = line_of(text, ctx_name.span().start);
            let ctx = Context::from_name(ctx_name.get_ref()).ok_or_else(|| {
                ConfigError::at(
                    path,
                    Some(line),
                    format!("unknown context [{}]", ctx_name.get_ref()),
                )
            })?;
            let table = self.bindings.entry(ctx).or_default();
            // In file order, so a duplicate is reported at its second occurrence.
            let mut entries: Vec<_> = entries.into_iter().collect();
            entries.sort_by_key(|(name, _)| name.span().start);
            for (action_name, keys) in entries {
                let line = line_of(text, action_name.span().start);
                let action = KeyAction::from_name(action_name.get_ref()).ok_or_else(|| {
                    ConfigError::at(
                        path,
                        Some(line),
                        format!("unknown action {:?}", action_name.get_ref()),
                    )
                })?;
                if !action.contexts().contains(&ctx) {
                    let belongs: Vec<String> = action
                        .contexts()
                        .iter()
                        .map(|c| format!("[{}]", c.name()))
                        .collect();
                    return Err(ConfigError::at(
                        path,
                        Some(line),
                        format!(
                            "{} means nothing in [{}] (it belongs in {})",
                            action.name(),
                            ctx.name(),
                            belongs.join(" or ")
                        ),
                    ));
                }
                if overriding {
                    table.retain(|_, a| *a != action);
                }
                let specs = match keys.into_inner() {
                    OneOrMany::One(s) => vec![s],
                    OneOrMany::Many(v) => v,
                };
                for spec in specs {
                    let key =
                        Key::parse(&spec).map_err(|e| ConfigError::at(path, Some(line), e))?;
                    if let Some(prev) = table.get(&key) {
                        if *prev != action {
                            return Err(ConfigError::at(
                                path,
                                Some(line),
                                format!(
                                    "duplicate binding: {:?} in [{}] is already bound to {}",
                                    spec,
                                    ctx.name(),
                                    prev.name()
                                ),
                            ));
                        }
                    }
                    table.insert(key, action);
                }
            }
        }
        Ok(())
    }

    /// The action for `key` in the first context of `contexts` that binds it.
    pub fn lookup(&self, contexts: &[Context], key: &Key) -> Option<KeyAction> {
        contexts
            .iter()
            .find_map(|c| self.bindings.get(c).and_then(|t| t.get(key)).copied())
    }

    /// Keys bound to `action` in `ctx`, for hints and help.
    pub fn keys_for(&self, ctx: Context, action: KeyAction) -> Vec<Key> {
        let mut keys: Vec<Key> = self
            .bindings
            .get(&ctx)
            .map(|t| {
                t.iter()
                    .filter(|(_, a)| **a == action)
                    .map(|(k, _)| *k)
                    .collect()
            })
            .unwrap_or_default();
        keys.sort_by_key(plain_first);
        keys
    }

    /// The keys of `action` in `ctx` as a hint shows them: `y/enter`; `?` when unbound.
    pub fn hint(&self, ctx: Context, action: KeyAction) -> String {
        let keys = self.keys_for(ctx, action);
        if keys.is_empty() {
            return "?".into();
        }
        keys.iter().map(Key::display).collect::<Vec<_>>().join("/")
    }

    /// Like `hint`, leaving out `excluded` (a destructive dialog's `enter`).
    pub fn hint_without(&self, ctx: Context, action: KeyAction, excluded: &Key) -> String {
        let keys: Vec<String> = self
            .keys_for(ctx, action)
            .iter()
            .filter(|k| *k != excluded)
            .map(Key::display)
            .collect();
        if keys.is_empty() {
            "?".into()
        } else {
            keys.join("/")
        }
    }

    /// The first key of `action` in the first of `contexts` that binds it: the short
    /// form a one-line hint uses (`esc close · j/k scroll`).
    pub fn first_key(&self, contexts: &[Context], action: KeyAction) -> String {
        contexts
            .iter()
            .find_map(|c| self.keys_for(*c, action).first().map(Key::display))
            .unwrap_or_else(|| "?".into())
    }

    /// (action, keys) of one context in action order: what the help overlay lists.
    pub fn entries(&self, ctx: Context) -> Vec<(KeyAction, Vec<Key>)> {
        let mut by_action: BTreeMap<KeyAction, Vec<Key>> = BTreeMap::new();
        if let Some(t) = self.bindings.get(&ctx) {
            for (k, a) in t {
                by_action.entry(*a).or_default().push(*k);
            }
        }
        by_action
            .into_iter()
            .map(|(a, mut keys)| {
                keys.sort_by_key(plain_first);
                (a, keys)
            })
            .collect()
    }
}

/// Plain keys first, so hints say `q` for quit rather than `ctrl-c`.
fn plain_first(k: &Key) -> (bool, bool) {
    (
        k.ctrl || k.alt || k.shift,
        matches!(k.code, KeyCodeOrd::Named(_)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_load() {
        let m = Keymap::load("default").expect("default keymap");
        let q = Key::parse("q").expect("q");
        assert_eq!(m.lookup(&[Context::Global], &q), Some(KeyAction::Quit));
        let big_k = Key::parse("K").expect("K");
        assert_eq!(
            m.lookup(&[Context::PgLocks, Context::Global], &big_k),
            Some(KeyAction::PgTerminate)
        );
        assert_eq!(m.lookup(&[Context::Pods, Context::Global], &big_k), None);
        let v = Keymap::load("vim").expect("vim keymap");
        assert_eq!(
            v.lookup(&[Context::Global], &Key::parse("G").expect("G")),
            Some(KeyAction::Bottom)
        );
    }

    #[test]
    fn shift_char_and_backtab_normalise() {
        let ev = KeyEvent::new(KeyCode::Char('K'), KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&ev), Key::parse("K").ok());
        assert_eq!(Key::parse("shift-k"), Key::parse("K"));
        let bt = KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        assert_eq!(Key::from_event(&bt), Key::parse("shift-tab").ok());
        let cd = KeyEvent::new(KeyCode::Char('d'), KeyModifiers::CONTROL);
        assert_eq!(Key::from_event(&cd), Key::parse("ctrl-d").ok());
    }

    fn err(text: &str) -> String {
        let mut m = Keymap::default();
        m.apply(Path::new("my.toml"), text, true)
            .expect_err("must fail")
            .to_string()
    }

    #[test]
    fn validation_names_file_and_line() {
        assert_eq!(
            err("[global]\nquit = \"q\"\nfly = \"f\"\n"),
            "my.toml:3: unknown action \"fly\""
        );
        assert_eq!(
            err("[global]\n\nquit = \"hyper-q\"\n"),
            "my.toml:3: unknown key name \"hyper-q\""
        );
        assert_eq!(
            err("[pods]\nscale = \"s\"\nlogs = \"s\"\n"),
            "my.toml:3: duplicate binding: \"s\" in [pods] is already bound to scale"
        );
        assert_eq!(
            err("[global]\nquit = \"q\"\n[moon]\n"),
            "my.toml:3: unknown context [moon]"
        );
        assert!(err("[global\n").starts_with("my.toml:1: "));
    }

    #[test]
    fn an_action_outside_its_context_is_refused() {
        assert_eq!(
            err("[pods]\nscale = \"s\"\nconfirm = \"x\"\n"),
            "my.toml:3: confirm means nothing in [pods] (it belongs in [dialog] or [input])"
        );
        assert_eq!(
            err("[global]\nrollout_restart = \"r\"\n"),
            "my.toml:2: rollout_restart means nothing in [global] (it belongs in [pods])"
        );
    }

    #[test]
    fn every_builtin_binding_is_in_a_context_of_its_action() {
        for name in ["default", "vim"] {
            let m = Keymap::load(name).expect("builtin loads");
            for ctx in Context::ALL {
                for (action, _) in m.entries(ctx) {
                    assert!(
                        action.contexts().contains(&ctx),
                        "{name}: {action:?} in {ctx:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn hints_name_the_bound_keys() {
        let m = Keymap::load("default").expect("default keymap");
        assert_eq!(m.hint(Context::Dialog, KeyAction::Confirm), "y/enter");
        assert_eq!(m.hint(Context::Input, KeyAction::ClearInput), "ctrl-u");
        let mut remapped = m.clone();
        remapped
            .apply(Path::new("mine.toml"), "[dialog]\nconfirm = \"a\"\n", true)
            .expect("override");
        assert_eq!(remapped.hint(Context::Dialog, KeyAction::Confirm), "a");
    }
}
