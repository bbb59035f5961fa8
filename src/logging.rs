//! Logs go to a file via tracing, never to the terminal (it would corrupt the screen).

use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Keep the returned guard alive: dropping it flushes and stops the writer.
pub fn init(path: &Path) -> std::io::Result<tracing_appender::non_blocking::WorkerGuard> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("kitops_top=info,warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init();
    Ok(guard)
}
