//! The built-in demo tells a whole incident (`scripts/record-demo` drove the real
//! console): declared Sev2, checklist stamps, notes, the lock chain's root terminated,
//! the crash-looping deployment restarted, resolved — and the README's timeline of it is
//! what `kitops-top timeline` prints for the committed file.

use std::sync::Arc;
use std::time::Duration;

use kitops_top::app::{update, Event, SourceUpdate, State};
use kitops_top::collect::replay::player::{Output, Player};
use kitops_top::collect::replay::{self, Recording};
use kitops_top::headless::timeline;
use kitops_top::ui::render_to_string;

use crate::incident::before_first_action;

const DEMO_FILE: &str = "assets/demo/incident.jsonl.gz";
const BEGIN: &str = "<!-- demo timeline: begin -->";
const END: &str = "<!-- demo timeline: end -->";

#[test]
fn the_readme_shows_the_timeline_the_command_prints_for_the_demo() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kitops-top"))
        .current_dir(root)
        .args(["timeline", DEMO_FILE, "--format", "markdown"])
        .output()
        .expect("kitops-top timeline runs");
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).expect("README.md");
    let block = readme
        .split_once(BEGIN)
        .and_then(|(_, rest)| rest.split_once(END))
        .map(|(block, _)| block.trim())
        .expect("README.md has the demo's timeline between its markers");
    assert_eq!(
        block,
        printed.trim(),
        "README.md's demo timeline is stale: paste `kitops-top timeline {DEMO_FILE} --format markdown`"
    );
    assert!(
        std::fs::read(format!("{root}/{DEMO_FILE}")).expect("demo file") == replay::BUILT_IN,
        "the built-in demo is the file the README names"
    );
}

#[test]
fn the_demo_is_one_incident_from_declaration_to_resolution() {
    let rec = Recording::parse(replay::BUILT_IN).expect("built-in");
    let t = timeline::build(&rec);
    assert_eq!(t.incidents.len(), 1, "{t:?}");
    let inc = &t.incidents[0];
    assert_eq!(inc.severity, "SEV2");
    assert!(inc.resolved_utc.is_some(), "resolved: {inc:?}");
    let kinds: Vec<&str> = inc.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"declared"), "{kinds:?}");
    assert_eq!(kinds.last(), Some(&"resolved"), "{kinds:?}");
    let has = |kind: &str, text: &str| {
        inc.entries
            .iter()
            .any(|e| e.kind == kind && e.text.contains(text))
    };
    assert!(
        inc.entries.iter().filter(|e| e.kind == "checklist").count() >= 6,
        "every checklist step stamped: {kinds:?}"
    );
    assert!(
        kinds.iter().filter(|k| **k == "note").count() >= 3,
        "{kinds:?}"
    );
    let done = |verb: &str| {
        inc.entries.iter().any(|e| {
            e.kind == "action" && e.text.starts_with(verb) && e.outcome.as_deref() == Some("done")
        })
    };
    assert!(
        done("pg-terminate"),
        "the root blocker terminated: {:#?}",
        inc.entries
    );
    assert!(
        done("rollout-restart"),
        "the deployment restarted: {:#?}",
        inc.entries
    );
    assert!(
        has("crossing", "cleared: blocking chain"),
        "{:#?}",
        inc.entries
    );
    assert!(
        t.actions_outside_incidents.is_empty(),
        "every action inside the incident"
    );
}

/// What the runtime does with a player step.
fn feed(st: &mut State, out: Output) {
    for f in out.frames {
        update(st, Event::Source(SourceUpdate::from(f)));
    }
    update(
        st,
        Event::Recorded {
            reset: out.reset,
            events: out.events,
        },
    );
}

/// `kitops-top demo` played up to `at_ms` (the player's clock, not the wall's).
fn demo_at(at_ms: u64) -> State {
    let rec = Arc::new(Recording::parse(replay::BUILT_IN).expect("built-in"));
    let config = kitops_top::config::resolve(&Default::default(), &|_| None, &Default::default())
        .expect("defaults")
        .into_demo();
    let mut st = State::with_config(config, rec.start_wall());
    let mut player = Player::new(rec, true, vec![]);
    let out = player.advance(Duration::from_millis(at_ms));
    let status = player.status();
    let now = status.now;
    update(&mut st, Event::ReplayStatus(status));
    update(&mut st, Event::Tick(now));
    feed(&mut st, out);
    st
}

/// The demo just before the first action: the open Sev2 in the header, the attention
/// line, Signals and Deps with data.
#[test]
fn the_demo_at_its_worst_shows_the_incident_on_every_line() {
    let rec = Recording::parse(replay::BUILT_IN).expect("built-in");
    let st = demo_at(before_first_action(&rec) - 1);
    let screen = render_to_string(&st, 80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[1].starts_with(" ✖ "), "{screen}");
    // At 80 columns the incident shares the header with the player and its bar: the
    // severity, a cut title and the clock stay, the badge shortens to `DEMO`.
    assert!(
        lines[0].contains("SEV2 Checkout") && lines[0].contains("00:00:") && lines[0].contains('┃'),
        "{screen}"
    );
    let wide = render_to_string(&st, 200, 60);
    assert!(
        wide.lines()
            .next()
            .unwrap_or_default()
            .contains("SEV2 Checkout failing"),
        "{wide}"
    );
    let texts = crate::support::problem_texts(&st);
    for wanted in [
        "PG: 3 blocked behind pid",
        "CrashLoopBackOff",
        "ALB errors",
        "dep kitops-api HTTP 503",
    ] {
        assert!(
            texts.iter().any(|t| t.contains(wanted)),
            "{wanted} in {texts:?}"
        );
    }
    let strip = |n: &str| {
        lines
            .iter()
            .find(|l| l.starts_with(&format!(" {n} ")))
            .copied()
            .unwrap_or_default()
    };
    assert!(strip("7 Signals").contains("✖"), "{screen}");
    assert!(strip("8 Deps").contains("✖"), "{screen}");
    insta::assert_snapshot!("demo_worst_80x24", screen);
    insta::assert_snapshot!("demo_worst_200x60", wide);
}

/// The end of the demo: the incident resolved, the lock chain, the crash loop, the slow
/// p95 and the failing health check gone. (The error rate is over five minutes, so it
/// is still falling when the recording ends.)
#[test]
fn the_demo_ends_resolved_and_recovered() {
    let rec = Recording::parse(replay::BUILT_IN).expect("built-in");
    let st = demo_at(rec.length().as_millis() as u64);
    let inc = st.incident.as_ref().expect("the recorded incident");
    assert!(inc.resolved_at.is_some(), "{inc:?}");
    let texts = crate::support::problem_texts(&st);
    for gone in [
        "blocked behind pid",
        "CrashLoopBackOff",
        "ALB p95",
        "dep kitops-api",
    ] {
        assert!(
            !texts.iter().any(|t| t.contains(gone)),
            "{gone} in {texts:?}"
        );
    }
    insta::assert_snapshot!("demo_end_80x24", render_to_string(&st, 80, 24));
}
