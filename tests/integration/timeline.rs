//! `kitops-top timeline FILE`: a scripted incident driven through the real reducer
//! (declared, acknowledged, a note, a terminate's outcome, a lock chain clearing,
//! resolved), recorded as the session recorder does, exported as markdown and JSON.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::action::{Action, Outcome, PgAction, PgBackendRef};
use kitops_top::app::{update, Command, Event, SourceUpdate, State};
use kitops_top::collect::replay::writer::RecordingWriter;
use kitops_top::collect::{Snapshot, SourceStatus};

use crate::incident::{declare, demo_sources};

fn t0() -> SystemTime {
    crate::support::clock::fixed()
}

fn key(st: &mut State, code: KeyCode) -> Vec<Command> {
    update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The scripted incident's `SaveIncident`s, in order, and the lock chain's root pid.
fn scripted() -> (Vec<Command>, i32) {
    let mut st = State::for_tests(t0());
    demo_sources(&mut st, t0());
    let root = st
        .sources
        .pg
        .data
        .as_ref()
        .and_then(|pg| pg.lock_tree.iter().find(|n| n.depth == 0).map(|n| n.pid))
        .expect("the demo's lock chain");
    let mut saved = declare(&mut st, 1, "checkout errors");
    update(&mut st, Event::Tick(t0() + Duration::from_secs(90)));
    key(&mut st, KeyCode::Char('i'));
    saved.extend(key(&mut st, KeyCode::Char(' ')));
    key(&mut st, KeyCode::Esc);
    st.now = t0() + Duration::from_secs(300);
    key(&mut st, KeyCode::Char('N'));
    for c in format!("root: the migration's open transaction | pid {root}").chars() {
        key(&mut st, KeyCode::Char(c));
    }
    saved.extend(key(&mut st, KeyCode::Enter));
    st.now = t0() + Duration::from_secs(420);
    let action = Action::Pg(PgAction::Terminate(PgBackendRef {
        pid: root,
        backend_start_us: 1,
        query_start_us: None,
        user: "postgres".into(),
        application: "migrate".into(),
        state: "idle in transaction".into(),
        duration: "7m".into(),
        query: String::new(),
        blocks: 3,
        server_version_num: 160000,
        instead_of_cancel: false,
    }));
    saved.extend(update(
        &mut st,
        Event::Outcome {
            action,
            outcome: Outcome::Done("terminated".into()),
        },
    ));
    let later = t0() + Duration::from_secs(425);
    st.now = later;
    let mut pg = (*st.sources.pg.data.clone().expect("pg")).clone();
    pg.lock_tree.clear();
    saved.extend(update(
        &mut st,
        Event::Source(SourceUpdate::Postgres(Snapshot {
            data: Some(Arc::new(pg)),
            fetched_at: Some(later),
            status: SourceStatus::Live,
        })),
    ));
    st.now = t0() + Duration::from_secs(1800);
    key(&mut st, KeyCode::Char('I'));
    saved.extend(key(&mut st, KeyCode::Char('y')));
    let saved = saved
        .into_iter()
        .filter(|c| matches!(c, Command::SaveIncident(_)))
        .collect();
    (saved, root)
}

#[test]
fn the_postmortem_timeline_of_a_scripted_incident() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("session.rec");
    let mut w = RecordingWriter::create(&file, false).expect("writer");
    let (saved, root) = scripted();
    for c in saved {
        let Command::SaveIncident(inc) = c else {
            continue;
        };
        w.event("incident", serde_json::to_value(&inc).expect("json"))
            .expect("event");
    }
    w.finish().expect("finish");
    let run = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kitops-top"))
            .args(["timeline", &file.display().to_string(), "--format", format])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let md = run("markdown");
    assert!(
        md.contains(&format!(
            "| +00:07:05 | crossing | cleared: blocking chain: root pid {root}"
        )),
        "{md}"
    );
    insta::assert_snapshot!("timeline_markdown", md);
    let json: serde_json::Value = serde_json::from_str(&run("json")).expect("json");
    let inc = &json["incidents"][0];
    assert_eq!(inc["severity"], "SEV2");
    assert_eq!(inc["duration"], "00:30:00");
    let kinds: Vec<&str> = inc["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in [
        "declared",
        "checklist",
        "note",
        "action",
        "crossing",
        "resolved",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
}
