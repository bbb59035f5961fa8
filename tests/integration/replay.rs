//! The recording format and the replay player: a write → read round trip equal snapshot
//! by snapshot, a truncated file, a newer version and a non-recording (one line, exit 2),
//! pause truly freezing the screen, seek and speed on a fake clock, the player's keys.

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kitops_top::app::{update, Command, Event, SourceUpdate, State};
use kitops_top::collect::replay::player::{Control, Output, Player};
use kitops_top::collect::replay::writer::RecordingWriter;
use kitops_top::collect::replay::{self, Frame, Recording};
use kitops_top::ui::render_to_string;

/// The built-in recording written as a version-2 file.
fn written() -> (Vec<u8>, Recording) {
    let built_in = Recording::parse(replay::BUILT_IN).expect("built-in");
    let mut w = RecordingWriter::new(Vec::new(), false).expect("writer");
    for line in built_in.lines() {
        w.snapshot(&line.frame).expect("write");
    }
    w.event("note", serde_json::json!({"text": "hello"}))
        .expect("event");
    (w.finish().expect("finish"), built_in)
}

fn json(f: &Frame) -> String {
    serde_json::to_string(f).expect("json")
}

#[test]
fn a_written_recording_reads_back_snapshot_by_snapshot() {
    let (bytes, original) = written();
    let back = Recording::parse(&bytes).expect("reads");
    assert_eq!(back.meta.version, 2);
    assert!(!back.truncated);
    let (a, b) = (original.lines(), back.lines());
    // Unchanged snapshots are not written again; every change is, in order.
    let changed: Vec<String> = {
        let mut last: [Option<String>; replay::SOURCES] = Default::default();
        a.iter()
            .filter_map(|l| {
                let j = json(&l.frame);
                let s = l.frame.source();
                (last[s].as_ref() != Some(&j)).then(|| {
                    last[s] = Some(j.clone());
                    j
                })
            })
            .collect()
    };
    let got: Vec<String> = b.iter().map(|l| json(&l.frame)).collect();
    assert_eq!(got.len(), changed.len());
    assert!(got == changed, "every snapshot equal after the round trip");
    assert_eq!(back.events().count(), 1);
}

#[test]
fn a_truncated_file_plays_up_to_its_last_complete_record() {
    let (bytes, _) = written();
    let whole = Recording::parse(&bytes).expect("reads").records.len();
    for cut in [bytes.len() - 8, bytes.len() * 2 / 3, bytes.len() / 3] {
        let rec = Recording::parse(&bytes[..cut]).expect("a torn file still reads");
        assert!(rec.truncated, "cut at {cut}");
        // Only the gzip trailer gone: every record is there; cut deeper, fewer are.
        assert!(
            rec.records.len() <= whole && !rec.records.is_empty(),
            "cut at {cut}"
        );
        if cut < bytes.len() - 8 {
            assert!(rec.records.len() < whole, "cut at {cut}");
        }
        assert_eq!(
            rec.lines().len(),
            rec.records
                .iter()
                .filter(|r| !matches!(r.body, replay::Body::Event { .. }))
                .count()
        );
    }
}

fn run_binary(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_kitops-top"))
        .args(args)
        .env("XDG_STATE_HOME", std::env::temp_dir())
        .output()
        .expect("runs")
}

#[test]
fn a_newer_version_or_not_a_recording_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let newer = dir.path().join("newer.rec");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(
        &mut gz,
        b"{\"format\":\"kitops-top-recording\",\"version\":3,\"started_ms\":0}\n",
    )
    .expect("gz");
    std::fs::write(&newer, gz.finish().expect("gz")).expect("write");
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "shopping list\n").expect("write");
    for (file, says) in [
        (
            &newer,
            "recording format version 3 is newer than this kitops-top reads (up to 2)",
        ),
        (&junk, "not a kitops-top recording"),
    ] {
        let out = run_binary(&["replay", &file.display().to_string()]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(says) && err.contains(&file.display().to_string()),
            "{err}"
        );
    }
}

/// What the runtime does with a player step, done by hand.
pub fn feed(st: &mut State, p: &Player, out: Output) {
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
    let status = p.status();
    let now = status.now;
    update(st, Event::ReplayStatus(status));
    update(st, Event::Tick(now));
}

fn replaying() -> (State, Player) {
    let config = kitops_top::config::resolve(&Default::default(), &|_| None, &Default::default())
        .expect("defaults")
        .into_demo();
    let st = State::with_config(config, crate::support::clock::fixed());
    let rec = Recording::parse(replay::BUILT_IN).expect("built-in");
    (
        st,
        Player::new(Arc::new(rec), false, vec![Duration::from_secs(30)]),
    )
}

#[test]
fn pause_freezes_every_pane_and_age() {
    let (mut st, mut p) = replaying();
    let out = p.control(Control::SeekBy(12_000));
    feed(&mut st, &p, out);
    let playing = render_to_string(&st, 200, 60);
    assert!(playing.contains("recorded"), "{playing}");
    assert!(
        !playing.contains("● live"),
        "a replay is never live:\n{playing}"
    );

    let cmds = update(
        &mut st,
        Event::Key(KeyEvent::new(KeyCode::Char(' '), KeyModifiers::NONE)),
    );
    assert_eq!(cmds, vec![Command::Replay(Control::TogglePause)]);
    let out = p.control(Control::TogglePause);
    feed(&mut st, &p, out);
    let paused = render_to_string(&st, 200, 60);
    for _ in 0..5 {
        let out = p.advance(Duration::from_secs(2));
        feed(&mut st, &p, out);
    }
    assert_eq!(
        render_to_string(&st, 200, 60),
        paused,
        "ten seconds later, nothing moved"
    );
    assert!(paused.contains("PAUSED 00:12/"), "{paused}");

    let out = p.control(Control::TogglePause);
    feed(&mut st, &p, out);
    let out = p.advance(Duration::from_secs(4));
    feed(&mut st, &p, out);
    assert_ne!(
        render_to_string(&st, 200, 60),
        paused,
        "playing again, it moves"
    );
    insta::assert_snapshot!("replay_200x60", render_to_string(&st, 200, 60));
    insta::assert_snapshot!("replay_80x24", render_to_string(&st, 80, 24));
}

#[test]
fn the_players_keys_steer_it_and_home_end_move_in_time() {
    let (mut st, p) = replaying();
    feed(&mut st, &p, Output::default());
    let key =
        |st: &mut State, code| update(st, Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    assert_eq!(
        key(&mut st, KeyCode::Char('+')),
        vec![Command::Replay(Control::Faster)]
    );
    assert_eq!(
        key(&mut st, KeyCode::Char('-')),
        vec![Command::Replay(Control::Slower)]
    );
    assert_eq!(
        key(&mut st, KeyCode::Left),
        vec![Command::Replay(Control::BACK)]
    );
    assert_eq!(
        key(&mut st, KeyCode::Right),
        vec![Command::Replay(Control::FORWARD)]
    );
    assert_eq!(
        key(&mut st, KeyCode::Char('[')),
        vec![Command::Replay(Control::PrevEvent)]
    );
    assert_eq!(
        key(&mut st, KeyCode::Char(']')),
        vec![Command::Replay(Control::NextEvent)]
    );
    assert_eq!(
        key(&mut st, KeyCode::Home),
        vec![Command::Replay(Control::Start)]
    );
    assert_eq!(
        key(&mut st, KeyCode::End),
        vec![Command::Replay(Control::End)]
    );
    assert_eq!(
        key(&mut st, KeyCode::Char('p')),
        vec![Command::Replay(Control::TogglePause)]
    );
}

#[test]
fn seek_and_speed_on_a_fake_clock() {
    let (_, mut p) = replaying();
    p.control(Control::Faster);
    p.control(Control::Faster);
    p.control(Control::Faster); // 8×
    p.advance(Duration::from_millis(1500));
    assert_eq!(p.status().position, Duration::from_secs(12));
    p.control(Control::BACK);
    assert_eq!(p.status().position, Duration::from_secs(2));
    let next = p
        .status()
        .marks
        .iter()
        .map(|m| m.at)
        .find(|at| *at > Duration::from_secs(2));
    p.control(Control::NextEvent);
    assert_eq!(Some(p.status().position), next, "the next event's offset");
    let out = p.control(Control::End);
    assert!(out.reset && !out.frames.is_empty());
    assert_eq!(p.status().position, p.status().length);
}
