//! Recording files. Version 1 (the built-in demo, `kitops-top record` before 0.2): JSON
//! lines, each a whole snapshot. Version 2 (`--record`): a gzip stream of JSON lines —
//! a header naming the format and version, then records: keyframes, JSON-patch changes
//! against the same source's previous snapshot, and session events. The writer flushes
//! after every record, so a crash leaves a stream that decodes up to its last complete
//! record, and this reader plays exactly that.

use std::io::Read;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::{Body, Line, Meta, Record, Recording};

pub const FORMAT_NAME: &str = "kitops-top-recording";
/// The newest version this build reads and the one it writes.
pub const VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordingError {
    #[error("not a kitops-top recording")]
    NotARecording,
    #[error("recording format version {0} is newer than this kitops-top reads (up to {VERSION}); upgrade kitops-top")]
    Newer(u32),
    #[error("recording line {line}: {message}")]
    BadLine { line: usize, message: String },
    #[error("empty recording")]
    Empty,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub version: u32,
    /// Unix milliseconds of the start.
    pub started_ms: u64,
    #[serde(default)]
    pub redacted: bool,
    /// The recording console's session id (`logging::session_id`), as its audit
    /// entries name it; absent in recordings from before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

/// One record as a line of a version-2 file.
#[derive(Debug, Serialize, Deserialize)]
pub struct RawRecord {
    /// Offset from the start, ms.
    pub t: u64,
    /// Wall clock, unix ms.
    pub w: u64,
    /// A keyframe of source N…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<usize>,
    /// …or a patch of source N…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch: Option<usize>,
    /// …or an event of this kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    pub v: serde_json::Value,
}

pub fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// The longest recording the player accepts (its offsets are milliseconds from the start).
const MAX_OFFSET: Duration = Duration::from_secs(7 * 24 * 3600);
/// 9999-12-31T23:59:59Z: later wall times cannot be shown as a date (the header clock
/// panicked on them with "No such local time").
const MAX_WALL_SECS: u64 = 253_402_300_799;

/// A wall time between 1970 (+ `at_least`) and 9999.
pub fn check_wall(t: SystemTime, at_least: Duration) -> Result<(), String> {
    let ok = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .is_ok_and(|d| d >= at_least && d.as_secs() <= MAX_WALL_SECS);
    if ok {
        Ok(())
    } else {
        Err("wall time is out of range; allowed: 1970 to 9999".into())
    }
}

/// Every time in a record can be played and shown: the offset within a week, the wall
/// clock between 1970 and 9999, the start (wall − offset) not before 1970.
fn check_times(at_ms: u64, wall: SystemTime) -> Result<(), String> {
    let offset = Duration::from_millis(at_ms);
    if offset > MAX_OFFSET {
        return Err(format!(
            "at_ms {at_ms} is out of range; allowed: 0 to {} (7 days)",
            MAX_OFFSET.as_millis()
        ));
    }
    check_wall(wall, offset)
}

fn from_unix_ms(ms: u64) -> Result<SystemTime, String> {
    SystemTime::UNIX_EPOCH
        .checked_add(Duration::from_millis(ms))
        .ok_or_else(|| "wall time is out of range; allowed: 1970 to 9999".to_string())
}

pub fn read(bytes: &[u8]) -> Result<Recording, RecordingError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        let mut decoder = flate2::read::GzDecoder::new(bytes);
        // A torn tail (crash while recording) errs here; what decoded before it stays.
        let torn = decoder.read_to_end(&mut text).is_err();
        let mut rec = read_text(&String::from_utf8_lossy(&text))?;
        rec.truncated |= torn;
        return Ok(rec);
    }
    let text = std::str::from_utf8(bytes).map_err(|_| RecordingError::NotARecording)?;
    read_text(text)
}

fn read_text(text: &str) -> Result<Recording, RecordingError> {
    // A last line without its newline was being written when the file ended.
    let (complete, truncated) = match text.rfind('\n') {
        Some(i) if i + 1 < text.len() => (&text[..=i], true),
        None if !text.trim().is_empty() && text.trim_start().starts_with('{') => (text, false),
        _ => (text, false),
    };
    let mut lines = complete
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let Some((_, first)) = lines.next() else {
        return Err(if truncated {
            RecordingError::NotARecording
        } else {
            RecordingError::Empty
        });
    };
    let first_value: serde_json::Value =
        serde_json::from_str(first).map_err(|_| RecordingError::NotARecording)?;
    if first_value.get("format").is_some() {
        let header: Header =
            serde_json::from_value(first_value).map_err(|_| RecordingError::NotARecording)?;
        if header.format != FORMAT_NAME {
            return Err(RecordingError::NotARecording);
        }
        if header.version > VERSION {
            return Err(RecordingError::Newer(header.version));
        }
        let mut records = Vec::new();
        let mut truncated = truncated;
        let all: Vec<(usize, &str)> = lines.collect();
        for (n, (i, raw)) in all.iter().enumerate() {
            match parse_raw(raw) {
                Ok(r) => records.push(r),
                // Only the very last line may be torn; anything earlier is damage.
                Err(_) if n + 1 == all.len() => truncated = true,
                Err(message) => {
                    return Err(RecordingError::BadLine {
                        line: i + 1,
                        message,
                    })
                }
            }
        }
        return Ok(Recording {
            meta: Meta {
                version: header.version,
                redacted: header.redacted,
                session: header.session,
            },
            records,
            truncated,
        });
    }
    // Version 1: every line a whole snapshot.
    let mut records = Vec::new();
    let v1 = std::iter::once((0, first)).chain(lines);
    for (i, raw) in v1 {
        let line: Line = serde_json::from_str(raw).map_err(|e| {
            if i == 0 {
                RecordingError::NotARecording
            } else {
                RecordingError::BadLine {
                    line: i + 1,
                    message: e.to_string(),
                }
            }
        })?;
        let fetched = line.frame.fetched_at().map_or(Ok(()), |t| {
            check_wall(t, Duration::ZERO)
                .map_err(|_| "fetched_at is out of range; allowed: 1970 to 9999".to_string())
        });
        check_times(line.at_ms, line.wall)
            .and(fetched)
            .map_err(|message| RecordingError::BadLine {
                line: i + 1,
                message,
            })?;
        let json = serde_json::to_string(&line.frame).map_err(|e| RecordingError::BadLine {
            line: i + 1,
            message: e.to_string(),
        })?;
        records.push(Record {
            at_ms: line.at_ms,
            wall: line.wall,
            body: Body::Key {
                source: line.frame.source(),
                json,
            },
        });
    }
    records.sort_by_key(|r| r.at_ms);
    Ok(Recording {
        meta: Meta {
            version: 1,
            redacted: false,
            session: None,
        },
        records,
        truncated,
    })
}

fn parse_raw(raw: &str) -> Result<Record, String> {
    let r: RawRecord = serde_json::from_str(raw).map_err(|e| e.to_string())?;
    let json = r.v.to_string();
    let body = match (r.key, r.patch, r.event) {
        (Some(source), None, None) if source < super::SOURCES => Body::Key { source, json },
        (None, Some(source), None) if source < super::SOURCES => Body::Patch { source, json },
        (None, None, Some(kind)) => Body::Event {
            kind,
            json: json.into(),
        },
        _ => return Err("a record is one of key, patch or event".into()),
    };
    let wall = from_unix_ms(r.w)?;
    check_times(r.t, wall)?;
    Ok(Record {
        at_ms: r.t,
        wall,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_a_recording_newer_versions_and_bad_lines_are_one_clear_line() {
        assert_eq!(
            read(b"hello world\n").map(|_| ()),
            Err(RecordingError::NotARecording)
        );
        assert_eq!(read(b"").map(|_| ()), Err(RecordingError::Empty));
        assert_eq!(
            read(b"{\"format\":\"kitops-top-recording\",\"version\":9,\"started_ms\":0}\n")
                .map(|_| ()),
            Err(RecordingError::Newer(9))
        );
        assert_eq!(
            read(b"{\"format\":\"other\",\"version\":1,\"started_ms\":0}\n").map(|_| ()),
            Err(RecordingError::NotARecording)
        );
        let err = read(format!("{V1_HOST}\n{{\"at_ms\": 1}}\n{V1_HOST}\n").as_bytes())
            .expect_err("bad second line");
        assert!(err.to_string().starts_with("recording line 2:"), "{err}");
    }

    /// One line of a version-1 recording (the built-in demo before it was re-recorded).
    const V1_HOST: &str = r#"{"at_ms":26,"wall":{"secs_since_epoch":1795696918,"nanos_since_epoch":411648826},"frame":{"host":{"data":{"hostname":"bastion","load_1m":0.41,"cpus":2,"mem_used_bytes":1522118656,"mem_total_bytes":25325268992},"fetched_at":{"secs_since_epoch":1795696918,"nanos_since_epoch":405838464},"status":{"state":"live"}}}}"#;

    #[test]
    fn version_1_files_still_play() {
        let rec = read(format!("{V1_HOST}\n").as_bytes()).expect("a v1 line reads");
        assert_eq!(rec.meta.version, 1);
        let lines = rec.lines();
        assert_eq!(lines.len(), 1);
        assert!(
            matches!(&lines[0].frame, super::super::Frame::Host(r) if r.data.as_ref().is_some_and(|h| h.hostname == "bastion"))
        );
    }
}
