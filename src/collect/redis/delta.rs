//! From two samples to rates: interval hit rate and per-second rates, divided by
//! the measured time between the samples. Counter resets (restart, `CONFIG
//! RESETSTAT`) restart the rates instead of producing negative or huge values.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::info::{Counters, Info};

/// What the collector remembers of a node's previous sample.
#[derive(Debug, Clone)]
pub struct Sample {
    pub at: Instant,
    pub run_id: String,
    pub uptime_s: u64,
    pub counters: Counters,
}

impl Sample {
    pub fn of(info: &Info, at: Instant) -> Self {
        Self {
            at,
            run_id: info.run_id.clone(),
            uptime_s: info.uptime_s,
            counters: info.counters,
        }
    }
}

/// The hit rate over the last refresh interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum IntervalHit {
    /// Only one sample so far: nothing to compare with.
    FirstSample,
    /// The counters were reset since the last sample; rates restart from here.
    Reset { reason: String },
    /// No GET-like reads happened in the interval (the denominator is zero).
    NoReads,
    Rate {
        percent: f64,
        hits: u64,
        misses: u64,
    },
}

impl IntervalHit {
    pub fn percent(&self) -> Option<f64> {
        match self {
            IntervalHit::Rate { percent, .. } => Some(*percent),
            _ => None,
        }
    }
}

/// Per-second rates over the last interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// Measured seconds between the two samples.
    pub interval_s: f64,
    pub ops_per_sec: f64,
    pub evicted_per_sec: f64,
    pub expired_per_sec: f64,
    /// Connections rejected (maxclients) during the interval.
    pub rejected_in_interval: u64,
    pub hits: u64,
    pub misses: u64,
}

/// Compares the current sample with the previous one.
pub fn interval(prev: Option<&Sample>, cur: &Sample) -> (Option<Rates>, IntervalHit) {
    let Some(prev) = prev else {
        return (None, IntervalHit::FirstSample);
    };
    if let Some(reason) = reset_reason(prev, cur) {
        return (None, IntervalHit::Reset { reason });
    }
    let (p, c) = (&prev.counters, &cur.counters);
    let hits = c.keyspace_hits - p.keyspace_hits;
    let misses = c.keyspace_misses - p.keyspace_misses;
    let hit = match hits + misses {
        0 => IntervalHit::NoReads,
        reads => IntervalHit::Rate {
            percent: hits as f64 * 100.0 / reads as f64,
            hits,
            misses,
        },
    };
    let secs = cur.at.saturating_duration_since(prev.at).as_secs_f64();
    if secs <= 0.0 {
        return (None, hit);
    }
    let rates = Rates {
        interval_s: secs,
        ops_per_sec: (c.total_commands - p.total_commands) as f64 / secs,
        evicted_per_sec: (c.evicted_keys - p.evicted_keys) as f64 / secs,
        expired_per_sec: (c.expired_keys - p.expired_keys) as f64 / secs,
        rejected_in_interval: c.rejected_connections - p.rejected_connections,
        hits,
        misses,
    };
    (Some(rates), hit)
}

fn reset_reason(prev: &Sample, cur: &Sample) -> Option<String> {
    if !prev.run_id.is_empty() && !cur.run_id.is_empty() && prev.run_id != cur.run_id {
        return Some("server restarted (run_id changed)".into());
    }
    if cur.uptime_s < prev.uptime_s {
        return Some("server restarted (uptime went back)".into());
    }
    if cur.counters.any_decreased(&prev.counters) {
        return Some("counters reset (CONFIG RESETSTAT)".into());
    }
    None
}

/// Lifetime hit rate since start or the last `CONFIG RESETSTAT`.
pub fn lifetime_percent(c: &Counters) -> Option<f64> {
    let reads = c.keyspace_hits + c.keyspace_misses;
    (reads > 0).then(|| c.keyspace_hits as f64 * 100.0 / reads as f64)
}

/// The interval hit rates of the last `window` (10 minutes), for the sparkline.
#[derive(Debug, Clone)]
pub struct HitHistory {
    window: Duration,
    points: VecDeque<(Instant, f64)>,
}

impl HitHistory {
    /// Bounded by time and, whatever the interval, by this many points.
    const MAX_POINTS: usize = 1200;

    pub fn new(window: Duration) -> Self {
        Self {
            window,
            points: VecDeque::new(),
        }
    }

    pub fn push(&mut self, at: Instant, percent: f64) {
        if percent.is_finite() {
            self.points.push_back((at, percent));
        }
        self.prune(at);
    }

    pub fn prune(&mut self, now: Instant) {
        while let Some(&(t, _)) = self.points.front() {
            if now.saturating_duration_since(t) > self.window
                || self.points.len() > Self::MAX_POINTS
            {
                self.points.pop_front();
            } else {
                break;
            }
        }
    }

    pub fn values(&self) -> Vec<f64> {
        self.points.iter().map(|&(_, p)| p).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(at: Instant, run: &str, up: u64, hits: u64, misses: u64, cmds: u64) -> Sample {
        Sample {
            at,
            run_id: run.into(),
            uptime_s: up,
            counters: Counters {
                keyspace_hits: hits,
                keyspace_misses: misses,
                total_commands: cmds,
                ..Default::default()
            },
        }
    }

    #[test]
    fn rates_use_measured_elapsed_time() {
        let t0 = Instant::now();
        let a = sample(t0, "r", 10, 100, 100, 1000);
        let b = sample(t0 + Duration::from_secs(4), "r", 14, 130, 110, 1400);
        let (rates, hit) = interval(Some(&a), &b);
        assert_eq!(
            hit,
            IntervalHit::Rate {
                percent: 75.0,
                hits: 30,
                misses: 10
            }
        );
        let rates = rates.expect("rates");
        assert_eq!(rates.ops_per_sec, 100.0);
    }

    #[test]
    fn zero_reads_and_resets_never_produce_nan_or_negatives() {
        let t0 = Instant::now();
        let a = sample(t0, "r", 10, 100, 100, 1000);
        let same = sample(t0 + Duration::from_secs(2), "r", 12, 100, 100, 1001);
        assert_eq!(interval(Some(&a), &same).1, IntervalHit::NoReads);
        let resetstat = sample(t0 + Duration::from_secs(2), "r", 12, 1, 0, 3);
        let (r, h) = interval(Some(&a), &resetstat);
        assert!(r.is_none());
        assert!(matches!(h, IntervalHit::Reset { .. }));
        let restarted = sample(t0 + Duration::from_secs(2), "other", 1, 500, 0, 5000);
        let (r, h) = interval(Some(&a), &restarted);
        assert!(r.is_none(), "a restart with higher counters must not spike");
        assert!(matches!(h, IntervalHit::Reset { reason } if reason.contains("restarted")));
        assert_eq!(lifetime_percent(&Counters::default()), None);
    }

    #[test]
    fn history_keeps_ten_minutes() {
        let t0 = Instant::now();
        let mut h = HitHistory::new(Duration::from_secs(600));
        for i in 0..400u64 {
            h.push(t0 + Duration::from_secs(i * 2), i as f64);
        }
        h.push(t0 + Duration::from_secs(800), f64::NAN);
        let v = h.values();
        assert_eq!(v.len(), 300, "points older than 10 minutes are dropped");
        assert_eq!(v[0], 100.0);
    }
}
