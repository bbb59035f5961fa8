//! Writes a version-2 recording as the session runs: a keyframe of each source every
//! `KEYFRAME_EVERY` (so a seek decodes at most that much), JSON-patch changes against
//! the source's previous snapshot in between, and events. Gzip-compressed and flushed
//! after every record: append-only, and a crash loses at most the record being written.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

use super::format::{unix_ms, Header, RawRecord, FORMAT_NAME, VERSION};
use super::{Frame, SOURCES};

/// How far apart keyframes of one source are: the most a seek has to replay.
pub const KEYFRAME_EVERY: Duration = Duration::from_secs(30);

pub struct RecordingWriter<W: Write> {
    out: flate2::write::GzEncoder<W>,
    started: Instant,
    /// Each source's last snapshot and when its last keyframe was (offset).
    last: [Option<(serde_json::Value, Duration)>; SOURCES],
    pub records: usize,
}

impl RecordingWriter<std::fs::File> {
    pub fn create(path: &Path, redacted: bool) -> std::io::Result<Self> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        Self::new(std::fs::File::create(path)?, redacted)
    }
}

impl<W: Write> RecordingWriter<W> {
    pub fn new(sink: W, redacted: bool) -> std::io::Result<Self> {
        let mut w = Self {
            out: flate2::write::GzEncoder::new(sink, flate2::Compression::default()),
            started: Instant::now(),
            last: Default::default(),
            records: 0,
        };
        let header = Header {
            format: FORMAT_NAME.into(),
            version: VERSION,
            started_ms: unix_ms(SystemTime::now()),
            redacted,
            session: Some(crate::logging::session_id().to_string()),
        };
        w.line(&header)?;
        Ok(w)
    }

    fn line<T: serde::Serialize>(&mut self, value: &T) -> std::io::Result<()> {
        // Escaped like `snapshot --format json`: a decompressed recording may be read
        // with `cat`, so C1 and bidi characters leave as \uXXXX.
        let json = crate::escape::to_json(value).map_err(std::io::Error::other)?;
        self.out.write_all(json.as_bytes())?;
        self.out.write_all(b"\n")?;
        // A sync flush ends a deflate block without resetting the dictionary: cheap,
        // and everything written so far decodes after a crash.
        self.out.flush()
    }

    fn offset_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// One snapshot: a keyframe when the source has none recent, else its changes
    /// (nothing at all when it did not change).
    pub fn snapshot(&mut self, frame: &Frame) -> std::io::Result<()> {
        self.snapshot_at(frame, self.started.elapsed(), SystemTime::now())
    }

    /// `snapshot` at a given offset and wall clock: for simulations of long sessions.
    pub fn snapshot_at(
        &mut self,
        frame: &Frame,
        offset: Duration,
        wall: SystemTime,
    ) -> std::io::Result<()> {
        let source = frame.source();
        let value = serde_json::to_value(frame)?;
        let now = offset;
        let (key, patch, v) = match &self.last[source] {
            Some((prev, keyed)) if now.saturating_sub(*keyed) < KEYFRAME_EVERY => {
                let diff = json_patch::diff(prev, &value);
                if diff.0.is_empty() {
                    return Ok(());
                }
                (None, Some(source), serde_json::to_value(diff)?)
            }
            _ => (Some(source), None, value.clone()),
        };
        let keyed = match (&self.last[source], key) {
            (Some((_, at)), None) => *at,
            _ => now,
        };
        self.last[source] = Some((value, keyed));
        let raw = RawRecord {
            t: offset.as_millis() as u64,
            w: unix_ms(wall),
            key,
            patch,
            event: None,
            v,
        };
        self.records += 1;
        self.line(&raw)
    }

    /// A session event (`kind`: action, incident, crossing…) with its JSON.
    pub fn event(&mut self, kind: &str, value: serde_json::Value) -> std::io::Result<()> {
        let offset = Duration::from_millis(self.offset_ms());
        self.event_at(kind, value, offset, SystemTime::now())
    }

    /// `event` at a given offset and wall clock: for simulations of long sessions.
    pub fn event_at(
        &mut self,
        kind: &str,
        value: serde_json::Value,
        offset: Duration,
        wall: SystemTime,
    ) -> std::io::Result<()> {
        let raw = RawRecord {
            t: offset.as_millis() as u64,
            w: unix_ms(wall),
            key: None,
            patch: None,
            event: Some(kind.into()),
            v: value,
        };
        self.records += 1;
        self.line(&raw)
    }

    /// Ends the gzip stream (a clean file; a crashed one still reads).
    pub fn finish(self) -> std::io::Result<W> {
        self.out.finish()
    }
}
