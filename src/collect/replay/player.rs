//! The replay player: a position in the recording that moves at a speed (0.5×…60×)
//! unless paused, and jumps on a seek. It is a plain value advanced by the real time
//! that passed (`advance`), so tests drive it with a fake clock; `spawn` runs it on a
//! task, publishing on the collectors' channels and taking `Control`s from the reducer.
//! Paused, nothing is published and the clock stands still: every pane and age freezes.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::{mpsc, watch};

use super::{apply, Body, Frame, Recording, SOURCES};
use crate::collect::sources::Channels;
use crate::collect::Snapshot;

pub const SPEEDS: [f64; 8] = [0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0];
const SEEK_STEP_MS: i64 = 10_000;

/// What the reducer asks of the player.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    TogglePause,
    Faster,
    Slower,
    /// Relative, in ms (`-10_000`: ten seconds back).
    SeekBy(i64),
    NextEvent,
    PrevEvent,
    Start,
    End,
}

impl Control {
    pub const BACK: Control = Control::SeekBy(-SEEK_STEP_MS);
    pub const FORWARD: Control = Control::SeekBy(SEEK_STEP_MS);
}

/// What an event mark on the timeline stands for; in drawing priority (one cell, one mark).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarkKind {
    /// The incident: declared, a checklist stamp, a note, resolved.
    Incident,
    /// An action attempt and its outcome.
    Action,
    /// A threshold crossed (or cleared).
    Crossing,
}

impl MarkKind {
    /// The mark of a recorded event of `kind`; other session events count as the incident's.
    pub fn of_event(kind: &str) -> MarkKind {
        match kind {
            "action" => MarkKind::Action,
            "crossing" => MarkKind::Crossing,
            _ => MarkKind::Incident,
        }
    }
}

/// One event mark: where in the recording, and what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Mark {
    pub at: Duration,
    pub kind: MarkKind,
}

/// Where the player is: the header's timeline and the console's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Status {
    /// The recording's wall clock at the position: ages read as they did when recorded.
    pub now: SystemTime,
    pub position: Duration,
    pub length: Duration,
    pub speed: f64,
    pub paused: bool,
    /// The recording's events, in time order (`[`/`]` jump between them).
    pub marks: Arc<Vec<Mark>>,
}

/// A session event the player passed: when it was recorded, its kind and its JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionEvent {
    pub wall: SystemTime,
    pub kind: String,
    pub json: Arc<str>,
}

/// What a step of the player publishes.
#[derive(Debug, Default)]
pub struct Output {
    pub frames: Vec<Frame>,
    /// Events passed, in order.
    pub events: Vec<SessionEvent>,
    /// A seek: the app drops what it derived from events (the incident) before these.
    pub reset: bool,
}

pub struct Player {
    rec: Arc<Recording>,
    pos_ms: f64,
    speed: usize,
    paused: bool,
    looping: bool,
    /// Index of the next record to apply.
    cursor: usize,
    current: [Option<serde_json::Value>; SOURCES],
    marks: Arc<Vec<Mark>>,
    /// Per source, the indices of its keyframes; and the indices of the events: a seek
    /// finds where to start by binary search instead of walking the records.
    keyframes: [Vec<usize>; SOURCES],
    events: Vec<usize>,
}

/// The session event of record `r`, if it is one.
fn session_event(r: &super::Record) -> Option<SessionEvent> {
    match &r.body {
        Body::Event { kind, json } => Some(SessionEvent {
            wall: r.wall,
            kind: kind.clone(),
            json: json.clone(),
        }),
        Body::Key { .. } | Body::Patch { .. } => None,
    }
}

/// A source's current JSON as the snapshot it holds, decoded without copying the tree.
fn decode(v: &serde_json::Value) -> Option<Frame> {
    use serde::Deserialize;
    Frame::deserialize(v).ok()
}

impl Player {
    /// `extra_marks`: offsets the caller found worth a mark (crossings in an old file).
    pub fn new(rec: Arc<Recording>, looping: bool, extra_marks: Vec<Duration>) -> Self {
        let mut keyframes: [Vec<usize>; SOURCES] = Default::default();
        let mut events = Vec::new();
        let mut marks = Vec::new();
        for (i, r) in rec.records.iter().enumerate() {
            match &r.body {
                Body::Key { source, .. } => keyframes[*source].push(i),
                Body::Event { kind, .. } => {
                    events.push(i);
                    marks.push(Mark {
                        at: Duration::from_millis(r.at_ms),
                        kind: MarkKind::of_event(kind),
                    });
                }
                Body::Patch { .. } => {}
            }
        }
        marks.extend(extra_marks.into_iter().map(|at| Mark {
            at,
            kind: MarkKind::Crossing,
        }));
        marks.sort();
        marks.dedup();
        Self {
            rec,
            pos_ms: 0.0,
            speed: 1,
            paused: false,
            looping,
            cursor: 0,
            current: Default::default(),
            marks: Arc::new(marks),
            keyframes,
            events,
        }
    }

    fn length_ms(&self) -> f64 {
        self.rec.length().as_millis() as f64
    }

    pub fn status(&self) -> Status {
        let position = Duration::from_millis(self.pos_ms as u64);
        Status {
            now: self.rec.start_wall() + position,
            position,
            length: self.rec.length(),
            speed: SPEEDS[self.speed],
            paused: self.paused,
            marks: self.marks.clone(),
        }
    }

    /// Applies the records up to the position; with `out`, collects what changed.
    fn catch_up(&mut self, out: &mut Output) {
        let mut touched = [false; SOURCES];
        while let Some(r) = self.rec.records.get(self.cursor) {
            if r.at_ms as f64 > self.pos_ms {
                break;
            }
            match &r.body {
                Body::Event { .. } => out.events.extend(session_event(r)),
                body @ (Body::Key { source, .. } | Body::Patch { source, .. }) => {
                    let s = *source;
                    match body {
                        Body::Key { json, .. } => {
                            self.current[s] = serde_json::from_str(json).ok();
                        }
                        _ => {
                            apply(&mut self.current, body);
                        }
                    }
                    touched[s] = true;
                }
            }
            self.cursor += 1;
        }
        for (s, t) in touched.iter().enumerate() {
            if let (true, Some(v)) = (t, &self.current[s]) {
                out.frames.extend(decode(v));
            }
        }
    }

    /// The real time `real` passed: the position moves by it times the speed.
    pub fn advance(&mut self, real: Duration) -> Output {
        let mut out = Output::default();
        if self.paused {
            return out;
        }
        self.pos_ms += real.as_secs_f64() * 1000.0 * SPEEDS[self.speed];
        if self.pos_ms > self.length_ms() {
            if self.looping && self.length_ms() > 0.0 {
                return self.seek_to(0.0);
            }
            self.pos_ms = self.length_ms();
            self.paused = true;
        }
        self.catch_up(&mut out);
        out
    }

    /// Jumps to `ms`: each source's state there, rebuilt from its own last keyframe
    /// before it and that source's patches since (at most `KEYFRAME_EVERY` of them), so
    /// a seek costs the same anywhere in a recording of any length.
    fn seek_to(&mut self, ms: f64) -> Output {
        self.pos_ms = ms.clamp(0.0, self.length_ms());
        let records = &self.rec.records;
        let end = records.partition_point(|r| r.at_ms as f64 <= self.pos_ms);
        let mut out = Output {
            reset: true,
            ..Output::default()
        };
        for s in 0..SOURCES {
            let keys = &self.keyframes[s];
            let Some(&key) = keys[..keys.partition_point(|&i| i < end)].last() else {
                // Not recorded yet at this point (or never): nothing to show for it.
                self.current[s] = None;
                continue;
            };
            self.current[s] = None;
            for r in &records[key..end] {
                match &r.body {
                    Body::Key { source, json } if *source == s => {
                        self.current[s] = serde_json::from_str(json).ok();
                    }
                    body @ Body::Patch { source, .. } if *source == s => {
                        apply(&mut self.current, body);
                    }
                    _ => {}
                }
            }
            if let Some(v) = &self.current[s] {
                out.frames.extend(decode(v));
            }
        }
        // Every event up to here still matters (the incident declared an hour ago, the
        // actions taken since): shared, not copied.
        let passed = self.events.partition_point(|&i| i < end);
        out.events = self.events[..passed]
            .iter()
            .filter_map(|&i| session_event(&records[i]))
            .collect();
        self.cursor = end;
        out
    }

    pub fn control(&mut self, c: Control) -> Output {
        match c {
            // Play at the end starts over, as players do.
            Control::TogglePause if self.paused && self.pos_ms >= self.length_ms() => {
                self.paused = false;
                self.seek_to(0.0)
            }
            Control::TogglePause => {
                self.paused = !self.paused;
                Output::default()
            }
            Control::Faster => {
                self.speed = (self.speed + 1).min(SPEEDS.len() - 1);
                Output::default()
            }
            Control::Slower => {
                self.speed = self.speed.saturating_sub(1);
                Output::default()
            }
            Control::SeekBy(ms) => self.seek_to(self.pos_ms + ms as f64),
            Control::Start => self.seek_to(0.0),
            Control::End => self.seek_to(self.length_ms()),
            Control::NextEvent => {
                let here = self.pos_ms as u64 + 1;
                match self.marks.iter().find(|m| m.at.as_millis() as u64 > here) {
                    Some(m) => self.seek_to(m.at.as_millis() as f64),
                    None => Output::default(),
                }
            }
            Control::PrevEvent => {
                // A little grace, so `[` right after a mark goes to the one before it.
                let here = (self.pos_ms as u64).saturating_sub(1_000);
                match self
                    .marks
                    .iter()
                    .rev()
                    .find(|m| (m.at.as_millis() as u64) < here)
                {
                    Some(m) => self.seek_to(m.at.as_millis() as f64),
                    None => self.seek_to(0.0),
                }
            }
        }
    }
}

/// The running player: send it `Control`s, watch its `Status`, receive its events.
pub struct Handle {
    pub controls: mpsc::Sender<Control>,
    pub status: watch::Receiver<Status>,
    pub events: mpsc::Receiver<Output>,
}

/// Publishes `player` on fresh channels until every receiver is gone.
pub fn spawn(mut player: Player) -> (Channels, Handle) {
    let (kube_tx, kube) = watch::channel(Snapshot::loading());
    let (pg_tx, pg) = watch::channel(Snapshot::loading());
    let (redis_tx, redis) = watch::channel(Snapshot::loading());
    let (aws_tx, aws) = watch::channel(Snapshot::loading());
    let (host_tx, host) = watch::channel(Snapshot::loading());
    // Recordings made before dependency checks existed have no Deps frames.
    let (deps_tx, deps) = watch::channel(Snapshot::unconfigured("not in this recording"));
    let (status_tx, status) = watch::channel(player.status());
    let (control_tx, mut control_rx) = mpsc::channel::<Control>(16);
    let (events_tx, events) = mpsc::channel::<Output>(64);
    tokio::spawn(async move {
        let step = Duration::from_millis(100);
        let mut tick = tokio::time::interval(step);
        let mut last = tokio::time::Instant::now();
        let mut out = player.seek_to(0.0);
        loop {
            // `send_replace` never fails (it returns the old value); with no receiver the pane is gone.
            for frame in out.frames.drain(..) {
                match frame {
                    Frame::Kube(r) => drop(kube_tx.send_replace(r.snapshot())),
                    Frame::Postgres(r) => drop(pg_tx.send_replace(r.snapshot())),
                    Frame::Redis(r) => drop(redis_tx.send_replace(r.snapshot())),
                    Frame::Aws(r) => drop(aws_tx.send_replace(r.snapshot())),
                    Frame::Host(r) => drop(host_tx.send_replace(r.snapshot())),
                    Frame::Deps(r) => drop(deps_tx.send_replace(r.snapshot())),
                }
            }
            if (out.reset || !out.events.is_empty()) && events_tx.send(out).await.is_err() {
                return;
            }
            let s = player.status();
            // The header shows seconds: publish when one changes, or on a control.
            status_tx.send_if_modified(|old| {
                let changed = old.position.as_secs() != s.position.as_secs()
                    || old.paused != s.paused
                    || old.speed != s.speed;
                if changed {
                    *old = s;
                }
                changed
            });
            if status_tx.is_closed() {
                return;
            }
            out = tokio::select! {
                _ = tick.tick() => {
                    let now = tokio::time::Instant::now();
                    let real = now - last;
                    last = now;
                    player.advance(real)
                }
                Some(c) = control_rx.recv() => player.control(c),
            };
        }
    });
    let channels = Channels {
        kube,
        pg,
        redis,
        aws,
        host,
        deps,
    };
    (
        channels,
        Handle {
            controls: control_tx,
            status,
            events,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn player() -> Player {
        let rec = Recording::parse(super::super::BUILT_IN).expect("built-in");
        Player::new(Arc::new(rec), false, vec![Duration::from_secs(20)])
    }

    /// A seek rebuilds each source from its own keyframe and patches: what it shows is
    /// exactly what playing from the start up to there shows, anywhere.
    #[test]
    fn a_seek_shows_what_playing_up_to_there_shows() {
        let built_in = Recording::parse(super::super::BUILT_IN).expect("built-in");
        let mut w = super::super::writer::RecordingWriter::new(Vec::new(), false).expect("w");
        for l in built_in.lines() {
            let offset = Duration::from_millis(l.at_ms);
            w.snapshot_at(&l.frame, offset, l.wall).expect("write");
        }
        let rec = Recording::parse(w.finish().expect("finish")).expect("reads back");
        assert!(
            rec.records
                .iter()
                .any(|r| matches!(r.body, Body::Patch { .. })),
            "the file has patches to apply"
        );
        let lines = rec.lines();
        let mut p = Player::new(Arc::new(rec.clone()), false, vec![]);
        let json = |f: &Frame| serde_json::to_string(f).expect("json");
        for pos in (0..=rec.length().as_millis() as u64).step_by(1_500) {
            p.control(Control::Start);
            let out = p.control(Control::SeekBy(pos as i64));
            let mut expected: [Option<String>; SOURCES] = Default::default();
            for l in lines.iter().filter(|l| l.at_ms <= pos) {
                expected[l.frame.source()] = Some(json(&l.frame));
            }
            let mut got: [Option<String>; SOURCES] = Default::default();
            for f in &out.frames {
                got[f.source()] = Some(json(f));
            }
            assert!(got == expected, "seek to {pos} ms");
        }
    }

    #[test]
    fn paused_nothing_moves_and_speed_scales_real_time() {
        let mut p = player();
        p.advance(Duration::from_secs(2));
        assert_eq!(p.status().position, Duration::from_secs(2));
        p.control(Control::TogglePause);
        let before = p.status();
        let out = p.advance(Duration::from_secs(30));
        assert!(out.frames.is_empty() && out.events.is_empty());
        assert_eq!(p.status(), before, "paused: the clock stands still");
        p.control(Control::TogglePause);
        p.control(Control::Faster);
        p.control(Control::Faster);
        assert_eq!(p.status().speed, 4.0);
        p.advance(Duration::from_secs(1));
        assert_eq!(p.status().position, Duration::from_secs(6));
        for _ in 0..20 {
            p.control(Control::Slower);
        }
        assert_eq!(p.status().speed, 0.5, "the slowest is 0.5×");
        for _ in 0..20 {
            p.control(Control::Faster);
        }
        assert_eq!(p.status().speed, 60.0, "the fastest is 60×");
    }

    #[test]
    fn seeks_rebuild_every_source_and_stop_at_the_ends() {
        let mut p = player();
        let out = p.control(Control::FORWARD);
        assert_eq!(p.status().position, Duration::from_secs(10));
        assert!(out.reset);
        let sources: std::collections::BTreeSet<usize> =
            out.frames.iter().map(Frame::source).collect();
        assert!(
            sources.len() >= 4,
            "every recorded source is shown: {sources:?}"
        );
        p.control(Control::BACK);
        p.control(Control::BACK);
        assert_eq!(p.status().position, Duration::ZERO, "clamped at the start");
        // The marks: the recorded events and the extra one at 20 s.
        let marks: Vec<Duration> = p.status().marks.iter().map(|m| m.at).collect();
        assert!(marks.contains(&Duration::from_secs(20)), "{marks:?}");
        let (first, last) = (marks[0], marks[marks.len() - 1]);
        p.control(Control::NextEvent);
        assert_eq!(p.status().position, first, "the first mark");
        p.control(Control::End);
        assert_eq!(p.status().position, p.status().length);
        p.advance(Duration::from_secs(5));
        assert!(p.status().paused, "a replay stops at its end");
        p.control(Control::PrevEvent);
        assert_eq!(p.status().position, last, "the last mark");
        assert_eq!(
            p.status().now,
            p.rec.start_wall() + last,
            "the clock is the recording's"
        );
    }
}
