//! Exponential backoff for failing sources: a dead server is not hammered, and a
//! recovered one is picked up within the cap.

use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Self {
            base,
            cap,
            failures: 0,
        }
    }

    /// Delay before the next attempt: `base` while healthy, doubling per consecutive failure.
    pub fn next_delay(&self) -> Duration {
        let factor = 1u32.checked_shl(self.failures.min(16)).unwrap_or(u32::MAX);
        self.base
            .saturating_mul(factor)
            .min(self.cap)
            .max(self.base.min(self.cap))
    }

    pub fn failed(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }

    pub fn succeeded(&mut self) {
        self.failures = 0;
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_per_failure_up_to_the_cap_and_resets_on_success() {
        let mut b = Backoff::new(Duration::from_secs(2), Duration::from_secs(30));
        assert_eq!(b.next_delay(), Duration::from_secs(2));
        b.failed();
        assert_eq!(b.next_delay(), Duration::from_secs(4));
        b.failed();
        b.failed();
        assert_eq!(b.next_delay(), Duration::from_secs(16));
        for _ in 0..40 {
            b.failed();
        }
        assert_eq!(b.next_delay(), Duration::from_secs(30));
        b.succeeded();
        assert_eq!(b.next_delay(), Duration::from_secs(2));
    }
}
