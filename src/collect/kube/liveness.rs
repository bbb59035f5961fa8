//! Is the API server still answering? A watch is one long response, and kube-rs gives
//! it no read timeout a quiet watch could live with, so an API server (or a load
//! balancer in front of it) that accepts and then stops answering leaves every watch
//! waiting, silently, with the pane `● live`. So once the watches have been quiet for a
//! while, the collector asks the server for its version within a deadline. No answer
//! fails the source (its last data kept, with its age) and the watches start afresh, so
//! they do not hang on dead connections when the server comes back; the next answer
//! (a probe's or a watch's) makes it live again.

use std::time::{Duration, Instant};

use tokio::sync::mpsc;

/// How long the watches may say nothing before the server is asked: five refresh
/// intervals, between 5 s and a minute (a busy cluster is never asked at all).
pub fn quiet_period(refresh: Duration) -> Duration {
    (refresh.saturating_mul(5)).clamp(Duration::from_secs(5), Duration::from_secs(60))
}

/// How long the version request may take: two refresh intervals, 3 s to 30 s.
pub fn probe_deadline(refresh: Duration) -> Duration {
    (refresh.saturating_mul(2)).clamp(Duration::from_secs(3), Duration::from_secs(30))
}

/// What a probe found.
pub type ProbeResult = Result<(), String>;

pub struct Liveness {
    quiet: Duration,
    deadline: Duration,
    last_heard: Instant,
    probing: bool,
    /// Why the server counts as not answering, while it does not.
    pub failure: Option<String>,
    results_tx: mpsc::Sender<ProbeResult>,
}

impl Liveness {
    /// Its results arrive on the returned receiver (one `select!` arm of the watch loop).
    pub fn new(refresh: Duration) -> (Self, mpsc::Receiver<ProbeResult>) {
        let (results_tx, results_rx) = mpsc::channel(1);
        let me = Self {
            quiet: quiet_period(refresh),
            deadline: probe_deadline(refresh),
            last_heard: Instant::now(),
            probing: false,
            failure: None,
            results_tx,
        };
        (me, results_rx)
    }

    /// A watch said something: the server answers. True when that ends a failure.
    pub fn heard(&mut self) -> bool {
        self.last_heard = Instant::now();
        self.failure.take().is_some()
    }

    /// Starts a version request when the watches have been quiet too long.
    pub fn maybe_probe(&mut self, client: &kube::Client) {
        if self.probing || self.last_heard.elapsed() < self.quiet {
            return;
        }
        self.probing = true;
        let (client, deadline, tx) = (client.clone(), self.deadline, self.results_tx.clone());
        tokio::spawn(async move {
            let result = match tokio::time::timeout(deadline, client.apiserver_version()).await {
                Ok(Ok(_)) => Ok(()),
                Ok(Err(e)) => Err(format!(
                    "API server not answering: GET /version: {}",
                    first_line(&e.to_string())
                )),
                Err(_) => Err(format!(
                    "API server not answering: GET /version timed out after {}",
                    humantime::format_duration(deadline)
                )),
            };
            let _ = tx.send(result).await;
        });
    }

    /// A probe's answer. True when the watches should start afresh: the server just
    /// stopped answering (drop the hung connections) or just came back after that.
    pub fn answered(&mut self, result: ProbeResult) -> bool {
        self.probing = false;
        self.last_heard = Instant::now();
        match result {
            Ok(()) => self.failure.take().is_some(),
            Err(why) => {
                self.failure = Some(why);
                true
            }
        }
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").chars().take(160).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deadlines_follow_the_refresh_within_bounds() {
        let ms = Duration::from_millis;
        assert_eq!(quiet_period(ms(250)), Duration::from_secs(5));
        assert_eq!(quiet_period(ms(2000)), Duration::from_secs(10));
        assert_eq!(
            quiet_period(Duration::from_secs(3600)),
            Duration::from_secs(60)
        );
        assert_eq!(probe_deadline(ms(250)), Duration::from_secs(3));
        assert_eq!(probe_deadline(ms(2000)), Duration::from_secs(4));
        assert_eq!(probe_deadline(Duration::MAX), Duration::from_secs(30));
    }
}
