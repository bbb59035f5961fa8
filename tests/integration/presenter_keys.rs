//! Where `R` toggles presenter mode: over a confirmation dialog (it shows server text
//! on a shared screen, so the dialog is described again, masked or not), but never in
//! a text field — the filter, an input dialog, a typed confirmation — where `R` is
//! the letter typed.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::action::{Action, AwsAction, PgAction, PgBackendRef};
use kitops_top::app::modal::{ConfirmState, Modal};
use kitops_top::app::update::update;
use kitops_top::app::{Event, State};
use kitops_top::ui::render_to_string;

use crate::pg_render::{sample, state_with};

fn press(st: &mut State, code: KeyCode) {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(st: &mut State, text: &str) {
    for c in text.chars() {
        press(st, KeyCode::Char(c));
    }
}

fn header(st: &State) -> String {
    render_to_string(st, 80, 24)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn r_over_the_cancel_dialog_masks_and_unmasks_its_query() {
    let mut st = state_with(sample(), '3');
    // An active backend: its cancel dialog asks nothing to be typed.
    let action = Action::Pg(PgAction::Cancel(PgBackendRef {
        pid: 4102,
        backend_start_us: 1,
        query_start_us: None,
        user: "app".into(),
        application: "checkout".into(),
        state: "active".into(),
        duration: "40s".into(),
        query: "UPDATE accounts SET balance = balance - 5 WHERE id = 42".into(),
        blocks: 0,
        server_version_num: 160000,
        instead_of_cancel: false,
    }));
    let confirm = ConfirmState::open(action, &st);
    assert!(confirm.spec.typed_confirmation.is_none());
    st.modals.push(Modal::Confirm(confirm));
    let dialog = render_to_string(&st, 200, 60);
    assert!(matches!(st.modals.last(), Some(Modal::Confirm(_))));
    assert!(dialog.contains("id = 42"), "{dialog}");
    typed(&mut st, "R");
    assert!(
        matches!(st.modals.last(), Some(Modal::Confirm(_))),
        "R leaves the dialog open"
    );
    let masked = render_to_string(&st, 200, 60);
    assert!(header(&st).contains("REDACTED"), "{masked}");
    assert!(!masked.contains("id = 42"), "{masked}");
    assert!(masked.contains("id = ?"), "{masked}");
    assert!(render_to_string(&st, 80, 24).contains("REDACTED"));
    typed(&mut st, "R");
    let again = render_to_string(&st, 200, 60);
    assert!(!header(&st).contains("REDACTED"));
    assert!(
        again.contains("id = 42"),
        "off again, as the server said:\n{again}"
    );
    // The dialog still acts on the real backend.
    let Some(Modal::Confirm(c)) = st.modals.last() else {
        panic!("open");
    };
    assert_eq!(c.action.verb(), "pg-cancel");
}

#[test]
fn r_is_a_letter_in_the_filter_and_in_an_input_dialog() {
    let mut st = state_with(sample(), '3');
    typed(&mut st, "/R");
    let Some(Modal::Filter { text, .. }) = st.modals.last() else {
        panic!("the filter is open: {:?}", st.modals);
    };
    assert_eq!(text, "R");
    assert!(!st.redact && !header(&st).contains("REDACTED"));
    press(&mut st, KeyCode::Esc);

    // The incident's title is typed in an input dialog.
    typed(&mut st, "I");
    press(&mut st, KeyCode::Enter);
    typed(&mut st, "Replica lag");
    let Some(Modal::Input(field)) = st.modals.last() else {
        panic!("the title dialog: {:?}", st.modals);
    };
    assert_eq!(field.text, "Replica lag");
    assert!(!st.redact);
}

#[test]
fn r_is_a_letter_in_a_typed_confirmation() {
    let mut st = state_with(sample(), '6');
    let action = Action::Aws(AwsAction::RdsRebootFailover {
        instance: "RDS-main".into(),
    });
    let confirm = ConfirmState::open(action, &st);
    assert!(confirm.spec.typed_confirmation.is_some());
    st.modals.push(Modal::Confirm(confirm));
    typed(&mut st, "R");
    let Some(Modal::Confirm(c)) = st.modals.last() else {
        panic!("open");
    };
    assert_eq!(c.typed, "R", "typed into the confirmation");
    assert!(!st.redact && !header(&st).contains("REDACTED"));
}
