//! The one fixed clock of the tests: the reducer takes its time from `state.now`,
//! so a test that fixes it gets the same ages and header clock on every run.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// 2026-11-18T11:06:40Z: the instant most screens are drawn at.
pub const DEFAULT_UNIX: u64 = 1_795_000_000;

/// The fixed instant `unix` seconds after the epoch.
pub fn at(unix: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(unix)
}

/// The default fixed instant.
pub fn fixed() -> SystemTime {
    at(DEFAULT_UNIX)
}
