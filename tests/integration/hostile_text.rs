//! Server text that tries to hide or reorder what the on-call engineer reads (bidi
//! controls, line separators, tag characters, Arabic letter mark) is drawn escaped;
//! impossible numbers from a recording or a skewed server clock draw, never panic.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::State;
use kitops_top::collect::postgres::{PgData, Statements};
use kitops_top::collect::Snapshot;

use crate::support::pg;

fn press(st: &mut State, key: char) {
    update(
        st,
        Event::Key(KeyEvent::new(KeyCode::Char(key), KeyModifiers::NONE)),
    );
}

fn pg_activity_with(data: PgData) -> State {
    let now = pg::fixed_now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(data, now))),
    );
    press(&mut st, '3');
    st
}

#[test]
fn invisible_and_bidi_characters_are_drawn_escaped_80x24() {
    let mut data = crate::pg_render::sample();
    let last = data.sessions.last_mut().expect("sample has sessions");
    last.user = Some("ops\u{61c}".into());
    last.query = Some("a\u{202e}b\u{2028}c\u{e0041}".into());
    let st = pg_activity_with(data);
    let screen = kitops_top::ui::render_to_string(&st, 80, 24);
    assert!(
        screen.contains("ops\\u{61c}") && screen.contains("a\\u{202e}b\\u{2028}c\\u{e0041}"),
        "{screen}"
    );
    let raw: Vec<char> = screen
        .chars()
        .filter(|&c| kitops_top::escape::hazard(c).is_some() && c != '\n')
        .collect();
    assert!(raw.is_empty(), "raw on screen: {raw:?}");
    insta::assert_snapshot!("pg_activity_hostile_text_80x24", screen);
}

#[test]
fn negative_nan_and_huge_seconds_render_instead_of_panicking() {
    for interval in [-5.0, f64::NAN, 1e300] {
        let mut data = crate::pg_render::sample();
        if let Statements::Top { interval_s, .. } = &mut data.statements {
            *interval_s = Some(interval);
        }
        let first = data.sessions.first_mut().expect("sample has sessions");
        first.query_start_us = Some(i64::MIN);
        first.xact_start_us = Some(i64::MAX);
        let mut st = pg_activity_with(data);
        let screen = kitops_top::ui::render_to_string(&st, 80, 24);
        assert!(screen.contains("PG activity"), "{screen}");
        press(&mut st, 't');
        let screen = kitops_top::ui::render_to_string(&st, 200, 60);
        assert!(screen.contains("Δ over the last "), "{interval}: {screen}");
        if interval < 0.0 || interval.is_nan() {
            assert!(screen.contains("Δ over the last 0s"), "{screen}");
        }
    }
}
