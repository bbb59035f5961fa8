//! Bounds on every number and duration a user or a config file can set: out of range
//! is one line naming the setting and the allowed range, never a panic later (a huge
//! refresh overflowed `Duration` arithmetic; `1ns` hammered the servers).

use std::time::Duration;

use super::ConfigError;

/// The range every duration setting must lie in. Below 250 ms a refresh hammers the
/// servers (`1ns` sent ~680 Redis commands a second); above 1 h nothing is live.
pub const MIN_DURATION: Duration = Duration::from_millis(250);
pub const MAX_DURATION: Duration = Duration::from_secs(3600);
const DURATION_RANGE: &str = "allowed: 250ms to 1h";

/// Parses `2s`, `500ms`, `1m30s`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    // `-1s`, not `--readonly` taken as the value of a flag that allows hyphen values.
    let mut chars = s.trim().chars();
    if chars.next() == Some('-') && chars.next().is_some_and(|c| c.is_ascii_digit()) {
        return Err(format!(
            "invalid duration {s:?}: durations cannot be negative; {DURATION_RANGE}"
        ));
    }
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("invalid duration {s:?} ({e}); use e.g. 2s or 500ms"))
}

pub(super) fn duration_field(
    what: &str,
    flag: Option<&str>,
    file: Option<&str>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    duration_in(
        what,
        flag.or(file),
        default,
        (MIN_DURATION, MAX_DURATION),
        DURATION_RANGE,
    )
}

/// Incident targets are hours and days, not refresh intervals: 1 min to 30 days.
pub(super) fn target_field(
    what: &str,
    file: Option<&str>,
    default: Duration,
) -> Result<Duration, ConfigError> {
    let range = (Duration::from_secs(60), Duration::from_secs(30 * 86_400));
    duration_in(what, file, default, range, "allowed: 1m to 30days")
}

fn duration_in(
    what: &str,
    value: Option<&str>,
    default: Duration,
    (min, max): (Duration, Duration),
    allowed: &str,
) -> Result<Duration, ConfigError> {
    let Some(s) = value else {
        return Ok(default);
    };
    let d = parse_duration(s).map_err(|e| ConfigError::plain(format!("{what}: {e}")))?;
    if d.is_zero() {
        return Err(ConfigError::plain(format!(
            "{what}: must be greater than zero; {allowed}"
        )));
    }
    if !(min..=max).contains(&d) {
        return Err(ConfigError::plain(format!(
            "{what}: {s:?} is out of range; {allowed}"
        )));
    }
    Ok(d)
}

/// A number from the config file, bounded to `range`; TOML allows `nan` and `inf`.
pub(super) fn number_field(
    what: &str,
    value: Option<f64>,
    default: f64,
    range: std::ops::RangeInclusive<f64>,
) -> Result<f64, ConfigError> {
    match value {
        None => Ok(default),
        Some(v) if v.is_finite() && range.contains(&v) => Ok(v),
        Some(v) => Err(ConfigError::plain(format!(
            "{what}: {v} is out of range; allowed: {} to {}",
            range.start(),
            range.end()
        ))),
    }
}

#[cfg(test)]
mod target_tests {
    use super::*;

    #[test]
    fn incident_targets_take_hours_and_days_but_not_seconds() {
        let four_h = Duration::from_secs(4 * 3600);
        assert_eq!(
            target_field("incident.sev1_resolution", Some("72h"), four_h).ok(),
            Some(Duration::from_secs(72 * 3600))
        );
        let err =
            target_field("incident.sev1_response", Some("10s"), four_h).expect_err("too short");
        assert!(err.to_string().contains("allowed: 1m to 30days"), "{err}");
        assert!(target_field("incident.sev1_response", Some("-1h"), four_h).is_err());
    }
}
