//! Server text that tries to hide or reorder what the on-call engineer reads (bidi
//! controls, line separators, tag characters, Arabic letter mark) is drawn escaped.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::event::{Event, SourceUpdate};
use kitops_top::app::update::update;
use kitops_top::app::State;
use kitops_top::collect::Snapshot;

use crate::support::pg;

#[test]
fn invisible_and_bidi_characters_are_drawn_escaped_80x24() {
    let mut data = crate::pg_render::sample();
    let last = data.sessions.last_mut().expect("sample has sessions");
    last.user = Some("ops\u{61c}".into());
    last.query = Some("a\u{202e}b\u{2028}c\u{e0041}".into());
    let now = pg::fixed_now();
    let mut st = State::for_tests(now);
    update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot::live(data, now))),
    );
    update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE)),
    );
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
