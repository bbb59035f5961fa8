//! Logs go to a file via tracing, never to the terminal (it would corrupt the screen).
//! Every line is escaped on its way to the file (`EscapingMakeWriter`): log fields
//! carry server text (a Redis error, a query), and `cat`/`tail -f` of the log must not
//! run its escape sequences in the reader's terminal. Doing it in the writer means no
//! call site can forget.

use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

use tracing::Subscriber;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// This process's session id (`20261126-121500-3f2a`: its start, UTC, and 16 random
/// bits), made once: the log's start line, every audit entry and the recording header
/// name it, so one console's actions can be told from another's. It lives in this
/// lowest layer because all three of them use it.
pub fn session_id() -> &'static str {
    static ID: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ID.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        // RandomState is seeded from the OS's randomness once per process.
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u32(std::process::id());
        let random = h.finish() as u16;
        let now = chrono::Utc::now();
        format!("{}-{random:04x}", now.format("%Y%m%d-%H%M%S"))
    })
}

/// Lines the log writer thread may have queued before new ones are dropped.
const LOG_QUEUE_LINES: usize = 1024;

/// The log writer's guard, where the panic hook can reach it: the release build
/// aborts on panic (`panic = "abort"`, Cargo.toml), so no destructor runs after the hook,
/// and the panic's own log line would be lost with the writer's queue.
static WRITER: Mutex<Option<WorkerGuard>> = Mutex::new(None);

/// Flushes the log file when dropped (the end of `main`'s run).
pub struct FlushOnDrop;

impl Drop for FlushOnDrop {
    fn drop(&mut self) {
        flush();
    }
}

/// Writes out every queued line and stops the writer; later lines are dropped.
/// Called by the panic hook and at exit; the second call does nothing.
pub fn flush() {
    let guard = WRITER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take();
    drop(guard);
}

/// Keep the returned value alive: dropping it flushes and stops the writer.
pub fn init(path: &Path) -> io::Result<FlushOnDrop> {
    let (subscriber, guard) = file_subscriber(path)?;
    // Also bridges the `log` crate (tokio-postgres, rustls). A subscriber already set
    // (tests) is fine: logging is best effort.
    let _ = subscriber.try_init();
    *WRITER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(guard);
    Ok(FlushOnDrop)
}

/// The subscriber `init` installs, appending escaped lines to `path`.
pub fn file_subscriber(
    path: &Path,
) -> io::Result<(impl Subscriber + Send + Sync + 'static, WorkerGuard)> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // tracing-appender's default queue holds 128,000 lines, and its channel writes
    // every slot when it is made: 4 MB of the idle console's 23 MB RSS. The console
    // logs a few lines a minute; 1,024 queued lines (32 KB) is plenty, and a burst
    // beyond that drops lines (lossy, the default) rather than blocking the UI.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(file);
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("kitops_top=info,warn"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(EscapingMakeWriter(writer))
        .with_ansi(false)
        .finish();
    Ok((subscriber, guard))
}

/// Wraps a `MakeWriter` so every formatted event is escaped (`escape::escape_line`)
/// before it reaches the inner writer, keeping the event's final newline.
pub struct EscapingMakeWriter<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for EscapingMakeWriter<M> {
    type Writer = EscapingWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        EscapingWriter::new(self.0.make_writer())
    }

    fn make_writer_for(&'a self, meta: &tracing::Metadata<'_>) -> Self::Writer {
        EscapingWriter::new(self.0.make_writer_for(meta))
    }
}

/// Collects one event's bytes (the formatter makes one writer per event) and writes
/// them escaped on flush or drop, so a line split over several `write` calls is still
/// escaped as one line.
pub struct EscapingWriter<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> EscapingWriter<W> {
    fn new(inner: W) -> Self {
        Self {
            inner,
            pending: Vec::new(),
        }
    }

    fn write_pending(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let text = String::from_utf8_lossy(&self.pending);
        let (body, newline) = match text.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (&*text, ""),
        };
        let line = crate::escape::escape_line(body) + newline;
        self.pending.clear();
        self.inner.write_all(line.as_bytes())
    }
}

impl<W: Write> Write for EscapingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_pending()?;
        self.inner.flush()
    }
}

impl<W: Write> Drop for EscapingWriter<W> {
    fn drop(&mut self) {
        // Nowhere to report a failed log write; the event is lost either way.
        let _ = self.write_pending();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_id_is_made_once_and_is_short() {
        let id = session_id();
        assert_eq!(id, session_id(), "one id per process");
        assert_eq!(id.len(), "20261126-121500-3f2a".len(), "{id}");
        assert!(
            id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'),
            "{id}"
        );
    }

    #[test]
    fn a_line_is_escaped_and_keeps_its_final_newline() {
        let mut file = Vec::new();
        {
            let mut w = EscapingWriter::new(&mut file);
            w.write_all(b"WARN redis: ERR \x1b]52;c;ZXZpbA==\x07")
                .expect("write");
            w.write_all("\x1b[2J\u{9b}\u{202e}\nfake line\n".as_bytes())
                .expect("write");
        }
        assert_eq!(
            String::from_utf8(file).expect("utf8"),
            "WARN redis: ERR \\e]52;c;ZXZpbA==\\x07\\e[2J\\x9b\\u{202e}\\nfake line\n"
        );
    }
}
