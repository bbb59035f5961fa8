//! "What is wrong now": the problems of every source as short items, for the attention
//! line under the header and for each collapsed strip's worst state. Each pane's row in
//! the pane table names its `attention` function (`kube`, `pg`, `other`); `order` is the
//! one rule that sorts them across panes.
//!
//! The ordering rule, most severe first:
//! 1. **Level**: every `✖` (crit) item before every `▲` (warn) item.
//! 2. **Impact**, in this order: `Blind` (a source or dependency cannot be read or
//!    reached: we do not know what is wrong there) → `Users` (a user-facing signal:
//!    error rate, p95, unhealthy ALB targets, RDS not available) → `Stuck` (work that
//!    cannot proceed: sessions blocked behind a lock, crash-looping or unready pods,
//!    a stalled rollout) → `Capacity` (a resource near its limit: node memory pressure,
//!    DB connections, memory %, a certificate about to expire) → `Hygiene` (what will
//!    hurt later: an idle transaction, a low cache hit rate, missing metrics).
//! 3. **Weight**, larger first: how many are affected (sessions blocked behind a lock,
//!    pods broken, times over the threshold), so the bigger of two alike problems
//!    leads: 3 sessions blocked come before 1 crash-looping pod.
//! 4. The text, so the order is stable between refreshes.

mod kube;
mod other;
mod pg;

pub use kube::{nodes as kube_nodes, pods as kube_pods, pods_shared as kube_pods_shared};
pub use other::{aws as aws_targets, deps, redis, signals};
pub use pg::{activity as pg_activity, locks as pg_locks};

use std::cmp::Ordering;

use super::safe_text::SafeText;
use super::table::Level;

/// How far a problem reaches; the order of the variants is the order of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Impact {
    Blind,
    Users,
    Stuck,
    Capacity,
    Hygiene,
}

/// One problem: `✖ PG: 3 blocked behind pid 3274 (idle in tx 8m)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Attention {
    /// `Crit` or `Warn`; nothing else is a problem.
    pub level: Level,
    pub impact: Impact,
    /// Without the symbol: the theme adds it (`✖`/`▲`, or `x`/`!` with `--ascii`).
    pub text: SafeText,
    /// Tie-breaker within one level and impact: larger first.
    pub weight: f64,
    /// The row of its pane it is about (a `TableRow::key`), so a key can jump to it.
    pub row_key: Option<String>,
}

impl Attention {
    pub fn crit(impact: Impact, text: &str) -> Self {
        Self::new(Level::Crit, impact, text)
    }

    pub fn warn(impact: Impact, text: &str) -> Self {
        Self::new(Level::Warn, impact, text)
    }

    fn new(level: Level, impact: Impact, text: &str) -> Self {
        Self {
            level,
            impact,
            text: SafeText::line(text),
            weight: 0.0,
            row_key: None,
        }
    }

    pub fn weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }

    pub fn row(mut self, key: impl Into<String>) -> Self {
        self.row_key = Some(key.into());
        self
    }
}

/// Crit first, then warn; anything else sorts last (and is not built).
fn level_rank(l: Level) -> u8 {
    match l {
        Level::Crit => 0,
        Level::Warn => 1,
        Level::Normal | Level::Ok | Level::Dim => 2,
    }
}

/// The ordering rule of the module docs.
pub fn order(a: &Attention, b: &Attention) -> Ordering {
    level_rank(a.level)
        .cmp(&level_rank(b.level))
        .then(a.impact.cmp(&b.impact))
        .then(b.weight.total_cmp(&a.weight))
        .then_with(|| a.text.as_str().cmp(b.text.as_str()))
}

/// The worst level among `items` (`Normal` when there is none).
pub fn worst(items: &[Attention]) -> Level {
    items
        .iter()
        .map(|a| a.level)
        .min_by_key(|l| level_rank(*l))
        .unwrap_or(Level::Normal)
}

/// `"kitops-backend-ckhm9nqfpv-4xk2z"` → `"kitops-backend-ckhm9nqfpv-…"` for names that
/// would crowd the line; the full name is on the row it points to.
pub fn short_name(name: &str, max: usize) -> String {
    if name.chars().count() <= max {
        return name.to_string();
    }
    let cut: String = name.chars().take(max.saturating_sub(1)).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(mut v: Vec<Attention>) -> Vec<String> {
        v.sort_by(order);
        v.into_iter().map(|a| a.text.into_string()).collect()
    }

    #[test]
    fn crit_before_warn_whatever_the_impact() {
        let v = vec![
            Attention::warn(Impact::Blind, "w blind"),
            Attention::crit(Impact::Hygiene, "c hygiene"),
        ];
        assert_eq!(texts(v), ["c hygiene", "w blind"]);
    }

    #[test]
    fn within_a_level_impact_then_weight_then_text() {
        let v = vec![
            Attention::crit(Impact::Capacity, "node pressure"),
            Attention::crit(Impact::Stuck, "pod b").weight(3.0),
            Attention::crit(Impact::Stuck, "pod a").weight(3.0),
            Attention::crit(Impact::Stuck, "PG blocked").weight(7.0),
            Attention::crit(Impact::Users, "error rate"),
            Attention::crit(Impact::Blind, "redis down"),
        ];
        assert_eq!(
            texts(v),
            [
                "redis down",
                "error rate",
                "PG blocked",
                "pod a",
                "pod b",
                "node pressure"
            ]
        );
    }

    #[test]
    fn worst_level_and_short_names() {
        assert_eq!(worst(&[]), Level::Normal);
        let v = [
            Attention::warn(Impact::Hygiene, "a"),
            Attention::crit(Impact::Hygiene, "b"),
        ];
        assert_eq!(worst(&v), Level::Crit);
        assert_eq!(short_name("abc", 5), "abc");
        assert_eq!(short_name("abcdefgh", 5), "abcd…");
    }
}
