//! `--record FILE`: the session being driven, as a version-2 recording — every snapshot
//! the console received, every action attempt with its outcome and where it was aimed
//! (refusals too), each incident change (its
//! declaration, checklist stamps, notes, resolution: the whole incident as it then
//! stood) and every threshold crossing. The runtime shows it each event and command;
//! nothing here changes the session. Actions and incidents carry no secrets by
//! construction (the audit log's rule), and snapshots never held one. With `--redact`
//! the file holds what presenter mode shows: every snapshot through
//! `view::redact::frame`, every event's strings through `view::redact::text`.

use std::path::{Path, PathBuf};

use crate::app::audit::AuditedAction;
use crate::app::{Command, Event, SourceUpdate};
use crate::collect::replay::writer::RecordingWriter;
use crate::collect::replay::{Frame, Recorded};

pub struct SessionRecorder {
    writer: Option<RecordingWriter<std::fs::File>>,
    path: PathBuf,
    redact: bool,
}

fn frame_of(u: &SourceUpdate) -> Frame {
    match u {
        SourceUpdate::Kube(s) => Frame::Kube(Recorded::of(s)),
        SourceUpdate::Postgres(s) => Frame::Postgres(Recorded::of(s)),
        SourceUpdate::Redis(s) => Frame::Redis(Recorded::of(s)),
        SourceUpdate::Aws(s) => Frame::Aws(Recorded::of(s)),
        SourceUpdate::Host(s) => Frame::Host(Recorded::of(s)),
        SourceUpdate::Deps(s) => Frame::Deps(Recorded::of(s)),
    }
}

impl SessionRecorder {
    pub fn create(path: &Path, redacted: bool) -> std::io::Result<Self> {
        Ok(Self {
            writer: Some(RecordingWriter::create(path, redacted)?),
            path: path.to_path_buf(),
            redact: redacted,
        })
    }

    /// An event's JSON as written: masked in a redacted recording.
    fn event_json(&self, mut v: serde_json::Value) -> serde_json::Value {
        if self.redact {
            crate::view::redact::json_strings(&mut v);
        }
        v
    }

    /// One write; a failure stops the recording and says why (once).
    fn write(
        &mut self,
        f: impl FnOnce(&mut RecordingWriter<std::fs::File>) -> std::io::Result<()>,
    ) -> Option<String> {
        let w = self.writer.as_mut()?;
        match f(w) {
            Ok(()) => None,
            Err(e) => {
                self.writer = None;
                Some(format!("recording to {} stopped: {e}", self.path.display()))
            }
        }
    }

    fn snapshot(&mut self, update: &SourceUpdate) -> Option<String> {
        let mut frame = frame_of(update);
        if self.redact {
            frame = crate::view::redact::frame(&frame);
        }
        self.write(|w| w.snapshot(&frame))
    }

    pub fn event(&mut self, event: &Event) -> Option<String> {
        match event {
            Event::Source(u) => self.snapshot(u),
            // Panes built off the UI task carry the snapshot they were built from.
            Event::Built(b) => self.snapshot(&b.update),
            _ => None,
        }
    }

    pub fn command(&mut self, command: &Command) -> Option<String> {
        match command {
            Command::SaveIncident(incident) => {
                let v = self.event_json(serde_json::to_value(incident).ok()?);
                self.write(|w| w.event("incident", v))
            }
            // An action's outcome or a refusal, as the audit trail holds it (verb,
            // object, where, outcome): the replay's `A` overlay and `timeline` read it.
            Command::Audited(action) => self.action(action),
            Command::AuditRefusal(refusal) => self.action(&refusal.audited()),
            Command::Crossings(texts) => {
                let v = self.event_json(serde_json::json!({ "crossings": texts }));
                self.write(|w| w.event("crossing", v))
            }
            _ => None,
        }
    }

    fn action(&mut self, action: &AuditedAction) -> Option<String> {
        let v = self.event_json(serde_json::to_value(action).ok()?);
        self.write(|w| w.event("action", v))
    }

    /// Ends the file cleanly (a crash leaves it readable anyway).
    pub fn finish(self) -> std::io::Result<()> {
        match self.writer {
            Some(w) => w.finish().map(drop),
            None => Ok(()),
        }
    }
}
