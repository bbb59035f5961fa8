//! Top statements from `pg_stat_statements`, with the change since the previous
//! refresh (the previous sample is kept here, in the collector).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// One `pg_stat_statements` entry among the top 10 by total time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopStatement {
    pub queryid: Option<String>,
    pub user: Option<String>,
    pub database: Option<String>,
    pub calls: i64,
    pub total_ms: f64,
    pub mean_ms: f64,
    pub rows: i64,
    pub query: Option<String>,
    /// Since the previous refresh; `None` on the first sample or for a new entry.
    #[serde(default)]
    pub delta_calls: Option<i64>,
    #[serde(default)]
    pub delta_total_ms: Option<f64>,
}

/// What the top-statements view can show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Statements {
    #[default]
    NotCollected,
    /// Neither loaded nor created.
    NotInstalled,
    /// Loaded by the server but `CREATE EXTENSION` not run in this database.
    NotCreated,
    /// Created but not in `shared_preload_libraries` (querying it fails).
    NotLoaded,
    Unavailable {
        error: String,
    },
    Top {
        rows: Vec<TopStatement>,
        /// Seconds since the previous sample, when there was one.
        interval_s: Option<f64>,
    },
}

impl Statements {
    /// How to enable the extension, line by line; empty when it works.
    pub fn how_to_enable(&self) -> Vec<&'static str> {
        const PRELOAD: &str =
            "1. postgresql.conf: shared_preload_libraries = 'pg_stat_statements' (restart; RDS: parameter group)";
        const CREATE: &str = "2. in this database: CREATE EXTENSION pg_stat_statements;";
        match self {
            Statements::NotInstalled => vec![PRELOAD, CREATE],
            Statements::NotCreated => vec![CREATE],
            Statements::NotLoaded => vec![PRELOAD],
            _ => vec![],
        }
    }
}

pub(super) enum Fetched {
    Rows(String),
    Error(String),
    NotInstalled,
    NotCreated,
    NotLoaded,
}

#[derive(Default)]
pub(super) struct Tracker {
    previous: HashMap<String, (i64, f64)>,
    previous_at_us: Option<i64>,
}

fn key(s: &TopStatement) -> String {
    format!(
        "{}|{}|{}",
        s.queryid.as_deref().unwrap_or(""),
        s.user.as_deref().unwrap_or(""),
        s.database.as_deref().unwrap_or("")
    )
}

impl Tracker {
    pub(super) fn update(&mut self, fetched: Fetched, now_us: i64) -> Statements {
        match fetched {
            Fetched::Rows(text) => match serde_json::from_str::<Vec<TopStatement>>(&text) {
                Ok(mut rows) => {
                    let interval_s = self
                        .previous_at_us
                        .map(|p| ((now_us - p) as f64 / 1e6).max(0.0));
                    let mut next = HashMap::with_capacity(rows.len());
                    for r in &mut rows {
                        let k = key(r);
                        if let Some(&(calls, total)) = self.previous.get(&k) {
                            r.delta_calls = Some(r.calls - calls);
                            r.delta_total_ms = Some(r.total_ms - total);
                        }
                        next.insert(k, (r.calls, r.total_ms));
                    }
                    self.previous = next;
                    self.previous_at_us = Some(now_us);
                    Statements::Top { rows, interval_s }
                }
                Err(e) => Statements::Unavailable {
                    error: format!("decoding pg_stat_statements: {e}"),
                },
            },
            Fetched::Error(error) => Statements::Unavailable { error },
            Fetched::NotInstalled => Statements::NotInstalled,
            Fetched::NotCreated => Statements::NotCreated,
            Fetched::NotLoaded => Statements::NotLoaded,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delta_since_previous_refresh() {
        let mut t = Tracker::default();
        let doc = |calls: i64, total: f64| {
            format!(
                r#"[{{"queryid":"1","user":"app","database":"kitops","calls":{calls},"total_ms":{total},"mean_ms":1.0,"rows":5,"query":"SELECT 1"}}]"#
            )
        };
        let first = t.update(Fetched::Rows(doc(10, 100.0)), 1_000_000);
        let Statements::Top { rows, interval_s } = first else {
            panic!("top expected")
        };
        assert_eq!(rows[0].delta_calls, None);
        assert_eq!(interval_s, None);
        let second = t.update(Fetched::Rows(doc(15, 130.0)), 3_000_000);
        let Statements::Top { rows, interval_s } = second else {
            panic!("top expected")
        };
        assert_eq!(rows[0].delta_calls, Some(5));
        assert_eq!(rows[0].delta_total_ms, Some(30.0));
        assert_eq!(interval_s, Some(2.0));
    }
}
