//! Dialogs, prompts and hints name the keys of the active keymap: a remapped keymap
//! shows (and obeys) its own keys in a destructive dialog; text fields edit with the
//! `[input]` keys.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::action::{Action, KubeAction};
use kitops_top::app::modal::{ConfirmState, Modal};
use kitops_top::app::{update, Command, Event, State};
use kitops_top::cli::Opts;
use kitops_top::config::{self, FileConfig};
use kitops_top::ui::render_to_string;

fn press(st: &mut State, code: KeyCode, modifiers: KeyModifiers) -> Vec<Command> {
    update(st, Event::Key(KeyEvent::new(code, modifiers)))
}

fn delete_pod() -> Action {
    Action::Kube(KubeAction::DeletePod {
        namespace: "kitops".into(),
        name: "kitops-backend-1".into(),
        uid: "u1".into(),
        force: false,
    })
}

/// A state whose keymap is `text`, written to a file as a user would.
fn with_keymap(text: &str) -> (State, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, text).expect("write keymap");
    let opts = Opts {
        keymap: Some(path.to_string_lossy().into_owned()),
        ..Opts::default()
    };
    let config = config::resolve(&opts, &|_| None, &FileConfig::default()).expect("resolves");
    (
        State::with_config(config, crate::support::clock::fixed()),
        dir,
    )
}

#[test]
fn a_remapped_keymap_names_its_own_keys_in_a_destructive_dialog() {
    let (mut st, _dir) = with_keymap("[dialog]\nconfirm = [\"a\", \"enter\"]\ncancel = \"x\"\n");
    let confirm = ConfirmState::open(delete_pod(), &st);
    st.modals.push(Modal::Confirm(confirm));
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("a confirm · x cancel"), "{screen}");
    assert!(!screen.contains("y confirm"), "{screen}");
    assert!(press(&mut st, KeyCode::Enter, KeyModifiers::NONE).is_empty());
    let screen = render_to_string(&st, 200, 60);
    assert!(
        screen.contains("destructive: press a to confirm, x to cancel"),
        "{screen}"
    );
    assert!(
        press(&mut st, KeyCode::Char('y'), KeyModifiers::NONE).is_empty(),
        "y is not bound any more"
    );
    let cmds = press(&mut st, KeyCode::Char('a'), KeyModifiers::NONE);
    assert!(
        matches!(cmds.as_slice(), [Command::Execute(Action::Kube(_))]),
        "{cmds:?}"
    );
}

#[test]
fn the_filter_clears_with_ctrl_u_and_deletes_words_with_ctrl_w() {
    let mut st = State::for_tests(crate::support::clock::fixed());
    press(&mut st, KeyCode::Char('/'), KeyModifiers::NONE);
    for c in "kitops backend".chars() {
        press(&mut st, KeyCode::Char(c), KeyModifiers::NONE);
    }
    assert_eq!(st.focused().table.filter, "kitops backend");
    press(&mut st, KeyCode::Char('w'), KeyModifiers::CONTROL);
    assert_eq!(st.focused().table.filter, "kitops ");
    press(&mut st, KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert_eq!(st.focused().table.filter, "");
    let screen = render_to_string(&st, 80, 24);
    assert!(screen.contains("enter keep · esc clear"), "{screen}");
}

#[test]
fn a_remapped_input_cancel_key_is_shown_in_the_filter() {
    let (mut st, _dir) = with_keymap("[input]\ncancel = \"ctrl-g\"\n");
    press(&mut st, KeyCode::Char('/'), KeyModifiers::NONE);
    let screen = render_to_string(&st, 80, 24);
    assert!(screen.contains("enter keep · ctrl-g clear"), "{screen}");
    press(&mut st, KeyCode::Char('g'), KeyModifiers::CONTROL);
    assert!(st.modals.is_empty(), "ctrl-g closed the filter");
}

/// A state whose config file says `text` (e.g. a production context, read-only).
fn with_file(text: &str) -> State {
    let file: FileConfig = toml::from_str(text).expect("config toml");
    let config = config::resolve(&Opts::default(), &|_| None, &file).expect("resolves");
    State::with_config(config, crate::support::clock::fixed())
}

#[test]
fn in_production_enter_never_confirms_even_a_restart() {
    let mut st = with_file("production = true\n");
    let restart = Action::Kube(KubeAction::RolloutRestart {
        namespace: "kitops".into(),
        deployment: "kitops-backend".into(),
    });
    let confirm = ConfirmState::open(restart, &st);
    assert!(
        confirm.spec.destructive,
        "production makes every change deliberate"
    );
    st.modals.push(Modal::Confirm(confirm));
    let screen = render_to_string(&st, 200, 60);
    assert!(screen.contains("y confirm · n/esc cancel"), "{screen}");
    assert!(press(&mut st, KeyCode::Enter, KeyModifiers::NONE).is_empty());
    let cmds = press(&mut st, KeyCode::Char('y'), KeyModifiers::NONE);
    assert!(matches!(cmds.as_slice(), [Command::Execute(_)]), "{cmds:?}");
}

#[test]
fn the_read_only_footer_advertises_no_action_keys() {
    let st = with_file("readonly = true\n");
    let screen = render_to_string(&st, 200, 60);
    let footer = screen.lines().last().unwrap_or_default().to_string();
    assert!(!footer.contains("restart"), "{footer}");
    assert!(!footer.contains("delete"), "{footer}");
    assert!(footer.contains("l logs"), "logs only read: {footer}");
    assert!(footer.contains("? help"), "{footer}");
}
