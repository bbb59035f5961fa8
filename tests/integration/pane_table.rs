//! The pane table drives the screen: every row of `PANES` is reachable by its focus
//! key and by tab, and drawn at 80x24 (focused, the others as strips) and 200x60 (grid).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::pane::PANES;
use kitops_top::app::{update, Event, State};
use kitops_top::config::keymap::{Context, KeyCodeOrd};
use kitops_top::ui::render_to_string;

fn press(st: &mut State, code: KeyCode) {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn every_pane_is_reachable_by_its_focus_key_and_drawn_at_both_sizes() {
    let mut st = State::for_tests(crate::support::clock::fixed());
    for spec in PANES.iter() {
        let keys = st.keymap.keys_for(Context::Global, spec.focus_action);
        let Some(KeyCodeOrd::Char(c)) = keys.first().map(|k| k.code) else {
            panic!("{}: no focus key in the default keymap", spec.name);
        };
        press(&mut st, KeyCode::Char(c));
        assert_eq!(st.focus, spec.id, "{c} focuses {}", spec.name);
        let small = render_to_string(&st, 80, 24);
        let title_line = small.lines().nth(2).unwrap_or_default();
        assert!(
            title_line.contains(spec.title),
            "80x24: {} is the big pane\n{small}",
            spec.name
        );
        for other in PANES.iter().filter(|o| o.id != spec.id) {
            assert!(
                small.contains(&format!(" {} ", other.title)),
                "80x24: {} has a strip while {} is focused\n{small}",
                other.name,
                spec.name
            );
        }
        let big = render_to_string(&st, 200, 60);
        for any in PANES.iter() {
            assert!(
                big.contains(any.title),
                "200x60: {} in the grid\n{big}",
                any.name
            );
        }
    }
}

#[test]
fn tab_visits_every_pane_once_and_comes_back() {
    let mut st = State::for_tests(crate::support::clock::fixed());
    let start = st.focus;
    let mut seen = vec![start];
    press(&mut st, KeyCode::Tab);
    while st.focus != start {
        assert!(!seen.contains(&st.focus), "visited twice: {:?}", st.focus);
        seen.push(st.focus);
        press(&mut st, KeyCode::Tab);
    }
    assert_eq!(seen.len(), PANES.len());
}
