//! The vocabulary every pane's view model is made of: a `PaneContent` (summary items,
//! columns, rows), each row with its level, identity and action target. Built from a
//! snapshot by `view::panes`; selection, filter and sort of it live in `app::table`.

use super::safe_text::SafeText;

/// Severity of a row or a summary item; themes map it to colour *and* a symbol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub enum Level {
    #[default]
    Normal,
    Ok,
    Warn,
    Crit,
    Dim,
}

/// A column: its title, how wide it may be, and how soon it is dropped on narrow screens
/// (higher `priority` survives longer).
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: &'static str,
    pub min_width: u16,
    pub max_width: u16,
    pub priority: u8,
    /// Numeric columns sort by value (see `TableRow::sort_keys`) and align right.
    pub numeric: bool,
}

impl Column {
    pub const fn text(title: &'static str, min_width: u16, max_width: u16, priority: u8) -> Self {
        Self {
            title,
            min_width,
            max_width,
            priority,
            numeric: false,
        }
    }

    pub const fn num(title: &'static str, width: u16, priority: u8) -> Self {
        Self {
            title,
            min_width: width,
            max_width: width,
            priority,
            numeric: true,
        }
    }
}

/// What an action acts on, held by identity so a stale selection cannot hit the
/// wrong object (a recreated pod, a reused pid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Pod {
        namespace: String,
        name: String,
        uid: String,
        /// Owning deployment, when the pod belongs to one.
        deployment: Option<String>,
    },
    Deployment {
        namespace: String,
        name: String,
    },
    Node {
        name: String,
    },
    Backend {
        pid: i32,
        /// `backend_start` in microseconds since the Unix epoch: with the pid, the identity.
        backend_start_us: i64,
    },
    Redis,
    TargetGroup {
        arn: String,
    },
    LbTarget {
        target_group_arn: String,
        id: String,
        port: Option<i32>,
    },
    RdsInstance {
        id: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TableRow {
    /// Stable identity (pod UID, backend pid+start, target id): the selection follows it.
    pub key: String,
    pub cells: Vec<SafeText>,
    /// Per-column numeric sort keys; `None` falls back to the cell text.
    pub sort_keys: Vec<Option<f64>>,
    pub level: Level,
    /// Indentation for trees (lock chains) and groups (pods under a deployment).
    pub depth: u8,
    /// Group headers are shown but never sorted away from their members.
    pub is_group_header: bool,
    /// What `y` copies: the query text, the pod name.
    pub copy_text: String,
    /// Shown by `enter`: every field, untruncated.
    pub details: Vec<(String, SafeText)>,
    pub target: Option<Target>,
}

impl TableRow {
    pub fn new(key: impl Into<String>, cells: Vec<SafeText>) -> Self {
        Self {
            key: key.into(),
            sort_keys: vec![None; cells.len()],
            cells,
            level: Level::Normal,
            depth: 0,
            is_group_header: false,
            copy_text: String::new(),
            details: Vec::new(),
            target: None,
        }
    }

    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    pub fn depth(mut self, depth: u8) -> Self {
        self.depth = depth;
        self
    }

    pub fn group_header(mut self) -> Self {
        self.is_group_header = true;
        self
    }

    pub fn copy(mut self, text: impl Into<String>) -> Self {
        self.copy_text = text.into();
        self
    }

    pub fn detail(mut self, name: impl Into<String>, value: &str) -> Self {
        self.details.push((name.into(), SafeText::block(value)));
        self
    }

    pub fn target(mut self, target: Target) -> Self {
        self.target = Some(target);
        self
    }

    pub fn sort_key(mut self, column: usize, value: f64) -> Self {
        if let Some(slot) = self.sort_keys.get_mut(column) {
            *slot = Some(value);
        }
        self
    }

    /// Whether any cell holds `needle_lower` (already lower-cased); empty matches all.
    pub fn matches(&self, needle_lower: &str) -> bool {
        needle_lower.is_empty()
            || self
                .cells
                .iter()
                .any(|c| c.as_str().to_lowercase().contains(needle_lower))
    }
}

/// A pane-level summary item shown above the table.
#[derive(Debug, Clone, PartialEq)]
pub enum SummaryItem {
    /// Label/value pairs on one line, each with its level.
    Line(Vec<(SafeText, Level)>),
    Gauge {
        label: SafeText,
        ratio: f64,
        level: Level,
    },
    Sparkline {
        label: SafeText,
        points: Vec<u64>,
        level: Level,
    },
}

impl SummaryItem {
    pub fn text(text: &str, level: Level) -> Self {
        SummaryItem::Line(vec![(SafeText::line(text), level)])
    }
}

/// What a pane builder produces from a snapshot.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PaneContent {
    pub summary: Vec<SummaryItem>,
    pub columns: Vec<Column>,
    pub rows: Vec<TableRow>,
    /// Shown in place of the table when there are no rows ("no blocking locks").
    pub empty_message: Option<String>,
}
