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

#[test]
fn help_has_a_symbol_legend_and_stops_at_its_end() {
    let mut st = State::for_tests(crate::support::clock::fixed());
    st.screen_height = 24;
    press(&mut st, KeyCode::Char('?'));
    let screen = render_to_string(&st, 80, 24);
    assert!(
        screen.contains("[symbols]") && screen.contains("✖  critical"),
        "{screen}"
    );
    for _ in 0..500 {
        press(&mut st, KeyCode::Char('j'));
    }
    let Some(kitops_top::app::modal::Modal::Help { scroll }) = st.modals.last() else {
        panic!("help is open");
    };
    let max = kitops_top::app::modal::help_line_count(&st.keymap) - 20;
    assert_eq!(*scroll as usize, max, "scrolling stops at the last line");
    let screen = render_to_string(&st, 80, 24);
    assert!(
        screen.contains("delete the character before the cursor"),
        "the last line shows:\n{screen}"
    );
    press(&mut st, KeyCode::Char('k'));
    let Some(kitops_top::app::modal::Modal::Help { scroll }) = st.modals.last() else {
        panic!("help is open");
    };
    assert_eq!(*scroll as usize, max - 1, "one key up moves at once");
}

#[test]
fn a_target_group_name_filter_keeps_its_targets() {
    let mut st = State::for_tests(crate::support::clock::fixed());
    let data = crate::aws_render::fixture();
    update(
        &mut st,
        Event::Source(kitops_top::app::SourceUpdate::Aws(
            kitops_top::collect::Snapshot::live(data, crate::support::clock::fixed()),
        )),
    );
    let t = &mut st.pane_mut(kitops_top::app::PaneId::Targets).table;
    t.set_filter("web".into());
    let names: Vec<String> = t
        .visible
        .iter()
        .map(|&i| t.content.rows[i].cells.at(0).to_string())
        .collect();
    assert_eq!(names[0], "kitops-web", "{names:?}");
    assert!(
        names.len() >= 3,
        "the group's targets come with it: {names:?}"
    );
    assert!(!names.iter().any(|n| n == "kitops-api"), "{names:?}");
}
