//! The vocabulary every pane's view model is made of: a `PaneContent` (summary items,
//! columns, rows), each row with its level, identity and action target. Built from a
//! snapshot by `view::panes`; selection, filter and sort of it live in `app::table`.

use std::any::Any;
use std::borrow::Cow;
use std::sync::Arc;

use crate::collect::kube::PodInfo;
use smallvec::SmallVec;

pub use super::live_cell::{LiveCell, Num};
pub use super::row_cells::Cells;
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
    /// A column that takes the room left over (up to `max_width`), and gives up its
    /// own down to `min_width` only for columns that matter (see `Flex`).
    pub flex: Option<Flex>,
}

/// How a flexible column (the pods' NAME) shares a narrow pane: it is drawn
/// `preferred` wide, narrower (down to its minimum) only so that columns of priority
/// `yields_to` or more still fit, and wider with whatever room is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flex {
    pub preferred: u16,
    pub yields_to: u8,
}

impl Column {
    /// This column as the flexible one (see `Flex`).
    pub const fn flex(mut self, preferred: u16, yields_to: u8) -> Self {
        self.flex = Some(Flex {
            preferred,
            yields_to,
        });
        self
    }

    pub const fn text(title: &'static str, min_width: u16, max_width: u16, priority: u8) -> Self {
        Self {
            title,
            min_width,
            max_width,
            priority,
            numeric: false,
            flex: None,
        }
    }

    pub const fn num(title: &'static str, width: u16, priority: u8) -> Self {
        Self {
            title,
            min_width: width,
            max_width: width,
            priority,
            numeric: true,
            flex: None,
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

/// What a row was built from, compared by identity: a pane builder that finds the
/// same object behind a row can keep the row and update only its live cells.
#[derive(Clone)]
pub struct RowSource(pub Arc<dyn Any + Send + Sync>);

impl RowSource {
    pub fn is<T: Any + Send + Sync>(&self, other: &Arc<T>) -> bool {
        self.0
            .downcast_ref::<T>()
            .is_some_and(|mine| std::ptr::eq(mine, Arc::as_ptr(other)))
    }
}

impl std::fmt::Debug for RowSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RowSource")
    }
}

impl PartialEq for RowSource {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

/// What a row shows and is about that does not change while its object does not:
/// shared behind an `Arc`, so a rebuild that keeps a row (a metrics round, another
/// thread building the next table while this one is drawn) copies a pointer, not its
/// strings. Read through `TableRow` (it derefs to this).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowText {
    /// Stable identity (pod UID, backend pid+start, target id): the selection follows it.
    pub key: String,
    /// Column texts; a column in `live` has an empty placeholder here.
    pub cells: Cells,
    pub source: Option<RowSource>,
    /// Indentation for trees (lock chains) and groups (pods under a deployment).
    pub depth: u8,
    /// Group headers are shown but never sorted away from their members.
    pub is_group_header: bool,
    /// What `y` copies: the query text, the pod name.
    pub copy_text: String,
    /// Shown by `enter`: every field, untruncated.
    pub details: Vec<(String, SafeText)>,
    /// Read with `TableRow::action_target`.
    target: RowTarget,
}

/// What a row's actions act on: none, one stored with the row, or a pod's made from
/// the `PodInfo` the row was built from (its `source`) when an action asks. A pod row
/// stored four strings (namespace, name, uid, deployment) that its pod already holds:
/// 25 MB at 100,000 pods.
#[derive(Debug, Clone, PartialEq, Default)]
enum RowTarget {
    #[default]
    None,
    /// Boxed: the rows of the big tables (pods) do not store one, and an inline
    /// `Target` would make every row's text 100 bytes longer.
    Stored(Box<Target>),
    /// `Target::Pod` of the row's source pod, under this deployment (shared by the
    /// rows of a group).
    Pod { deployment: Option<Arc<str>> },
}

/// A row's cells made when drawn and its sort keys are kept inline (as many as the
/// pods and nodes panes use), not behind two allocations: a build that keeps 100,000
/// rows copies them instead of allocating and later freeing 200,000 small vectors.
/// A live cell's column is a `u8` (40 bytes a cell with it, not 64 with a `usize`).
pub type LiveCells = SmallVec<[(u8, LiveCell); 6]>;

/// Per-column numeric sort keys, 8 bytes each (`Num`); none falls back to the cell text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SortKeys(SmallVec<[Num; 10]>);

impl SortKeys {
    fn none(columns: usize) -> Self {
        Self(SmallVec::from_elem(Num::NONE, columns))
    }

    /// The key of column `col`, if it has one.
    pub fn get(&self, col: usize) -> Option<f64> {
        self.0.get(col).and_then(|n| n.get())
    }

    /// Sets column `col`'s key (a column the row does not have is left alone).
    pub fn set(&mut self, col: usize, value: Option<f64>) {
        if let Some(slot) = self.0.get_mut(col) {
            *slot = value.into();
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableRow {
    text: Arc<RowText>,
    /// Cells made when drawn (see `LiveCell`), by column.
    pub live: LiveCells,
    /// Per-column numeric sort keys; `None` falls back to the cell text.
    pub sort_keys: SortKeys,
    pub level: Level,
}

impl std::ops::Deref for TableRow {
    type Target = RowText;
    fn deref(&self) -> &RowText {
        &self.text
    }
}

impl TableRow {
    pub fn new(key: impl Into<String>, cells: Vec<SafeText>) -> Self {
        Self {
            sort_keys: SortKeys::none(cells.len()),
            text: Arc::new(RowText {
                key: key.into(),
                cells: Cells::new(cells),
                ..Default::default()
            }),
            live: LiveCells::new(),
            level: Level::Normal,
        }
    }

    /// Whether both rows show the very same text (one was kept from the other).
    pub fn shares_text(&self, other: &TableRow) -> bool {
        Arc::ptr_eq(&self.text, &other.text)
    }

    /// Takes `old`'s shared text when it says the same: a row made again whose text
    /// did not change (a group header after a metrics round) stays the same text, so
    /// what was made from the texts (the filter's index) still holds.
    pub fn keep_text_of(&mut self, old: &TableRow) {
        if self.text == old.text {
            self.text = old.text.clone();
        }
    }

    /// The shared text, to change while building (a fresh row owns it: no copy).
    fn text_mut(&mut self) -> &mut RowText {
        Arc::make_mut(&mut self.text)
    }

    /// The text of column `col` at `now` (unix seconds).
    pub fn text(&self, col: usize, now: i64) -> Cow<'_, str> {
        match self.live.iter().find(|(c, _)| usize::from(*c) == col) {
            Some((_, cell)) => Cow::Owned(cell.text(now)),
            None => Cow::Borrowed(self.cells.at(col)),
        }
    }

    /// Sets column `col` to be drawn from `cell` (its text placeholder stays empty).
    /// Tables have a dozen columns; one past 255 would keep its text cell.
    pub fn set_live(&mut self, col: usize, cell: LiveCell) {
        let Ok(col) = u8::try_from(col) else {
            return;
        };
        match self.live.iter_mut().find(|(c, _)| *c == col) {
            Some(slot) => slot.1 = cell,
            None => self.live.push((col, cell)),
        }
    }

    pub fn live(mut self, col: usize, cell: LiveCell) -> Self {
        self.set_live(col, cell);
        self
    }

    /// Turns the live cells into text at `now`: for output made once (headless tables).
    pub fn resolve(&mut self, now: i64) {
        for (col, cell) in std::mem::take(&mut self.live) {
            let text = SafeText::line(&cell.text(now));
            self.text_mut().cells.set(usize::from(col), &text);
        }
    }

    pub fn source(mut self, source: Arc<dyn Any + Send + Sync>) -> Self {
        self.text_mut().source = Some(RowSource(source));
        self
    }

    pub fn level(mut self, level: Level) -> Self {
        self.level = level;
        self
    }

    pub fn depth(mut self, depth: u8) -> Self {
        self.text_mut().depth = depth;
        self
    }

    pub fn group_header(mut self) -> Self {
        self.text_mut().is_group_header = true;
        self
    }

    pub fn copy(mut self, text: impl Into<String>) -> Self {
        self.text_mut().copy_text = text.into();
        self
    }

    pub fn detail(mut self, name: impl Into<String>, value: &str) -> Self {
        self.text_mut()
            .details
            .push((name.into(), SafeText::block(value)));
        self
    }

    pub fn target(mut self, target: Target) -> Self {
        self.text_mut().target = RowTarget::Stored(Box::new(target));
        self
    }

    /// The target of a pod row, made from the row's source (`source`, a `PodInfo`) when
    /// asked (`action_target`): `Target::Pod` of that pod under `deployment`.
    pub fn pod_target(mut self, deployment: Option<Arc<str>>) -> Self {
        self.text_mut().target = RowTarget::Pod { deployment };
        self
    }

    /// What an action on this row acts on, if anything.
    pub fn action_target(&self) -> Option<Cow<'_, Target>> {
        match &self.target {
            RowTarget::None => None,
            RowTarget::Stored(t) => Some(Cow::Borrowed(t)),
            RowTarget::Pod { deployment } => {
                let pod = self.source.as_ref()?.0.downcast_ref::<PodInfo>()?;
                Some(Cow::Owned(Target::Pod {
                    namespace: pod.namespace.to_string(),
                    name: pod.name.clone(),
                    uid: pod.uid.clone(),
                    deployment: deployment.as_deref().map(str::to_string),
                }))
            }
        }
    }

    /// The deployment of a pod row made with `pod_target` (`None`: of none, or not a pod row).
    pub fn pod_deployment(&self) -> Option<Option<&str>> {
        match &self.target {
            RowTarget::Pod { deployment } => Some(deployment.as_deref()),
            _ => None,
        }
    }

    pub fn sort_key(mut self, column: usize, value: f64) -> Self {
        self.sort_keys.set(column, Some(value));
        self
    }

    /// Whether the row's text cells, lower-cased and joined with NUL (as the filter's
    /// index lays them, `app::table_search`), hold `needle_lower` (already lower-cased);
    /// empty matches all. The cells are kept joined so (`Cells`): a needle without a
    /// NUL is found within one cell, as the filter's index finds it.
    pub fn matches(&self, needle_lower: &str) -> bool {
        needle_lower.is_empty() || lowercase(self.cells.joined()).contains(needle_lower)
    }
}

/// `text` as the filter searches it. Most cells (pod names, nodes) are lower-case
/// ASCII already: they are not copied, which is why a row keeps no lower-cased copy of
/// its cells (the filter's index, `app::table_search`, is the one place they are joined).
pub fn lowercase(text: &str) -> Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().flat_map(char::to_lowercase).collect())
    }
}

/// Appends `text` lower-cased (as `lowercase` makes it) to `out`.
pub fn push_lowercase(out: &mut Vec<u8>, text: &str) {
    if text.is_ascii() {
        out.extend(text.bytes().map(|b| b.to_ascii_lowercase()));
    } else {
        let mut buf = [0u8; 4];
        for c in text.chars().flat_map(char::to_lowercase) {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
}

/// Where the rows of the last build are: moved in (the only copy: each row is moved
/// out once) or shared with the table on screen (a build on another thread: a kept
/// row is a copy of its pointer to the shared text and of its live cells).
enum Pool {
    Owned(Vec<Option<TableRow>>),
    Shared(Arc<PaneContent>),
}

/// The rows of the last build, found by key: in order first (a metrics round keeps
/// every row where it was), through an index built on the first miss otherwise.
pub struct OldRows {
    pool: Pool,
    next: usize,
    index: Option<std::collections::HashMap<u64, usize>>,
}

impl Default for OldRows {
    fn default() -> Self {
        Self::new(Vec::new())
    }
}

impl OldRows {
    pub fn new(rows: Vec<TableRow>) -> Self {
        Self::of(Pool::Owned(rows.into_iter().map(Some).collect()))
    }

    /// The rows of a table that stays on screen while the next one is built.
    pub fn shared(content: Arc<PaneContent>) -> Self {
        Self::of(Pool::Shared(content))
    }

    fn of(pool: Pool) -> Self {
        Self {
            pool,
            next: 0,
            index: None,
        }
    }

    /// The table these rows are from, when it is still on screen (a build on the
    /// builder thread): what its builder remembered (`PaneContent::memo`) is there.
    pub fn shared_content(&self) -> Option<&Arc<PaneContent>> {
        match &self.pool {
            Pool::Shared(c) => Some(c),
            Pool::Owned(_) => None,
        }
    }

    fn hash(key: &str) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        BuildHasherDefault::<DefaultHasher>::default().hash_one(key)
    }

    fn key_at(&self, i: usize) -> Option<&str> {
        match &self.pool {
            Pool::Owned(rows) => rows.get(i)?.as_ref().map(|r| r.key.as_str()),
            Pool::Shared(c) => c.rows.get(i).map(|r| r.key.as_str()),
        }
    }

    fn len(&self) -> usize {
        match &self.pool {
            Pool::Owned(rows) => rows.len(),
            Pool::Shared(c) => c.rows.len(),
        }
    }

    fn take_at(&mut self, i: usize) -> Option<TableRow> {
        self.next = i + 1;
        match &mut self.pool {
            Pool::Owned(rows) => rows.get_mut(i)?.take(),
            Pool::Shared(c) => c.rows.get(i).cloned(),
        }
    }

    /// The old row with this key (each row is found once).
    pub fn take(&mut self, key: &str) -> Option<TableRow> {
        if self.key_at(self.next) == Some(key) {
            return self.take_at(self.next);
        }
        if self.index.is_none() {
            let index = (0..self.len())
                .filter_map(|i| Some((i, self.key_at(i)?)))
                .filter(|(_, k)| !k.is_empty())
                .map(|(i, k)| (Self::hash(k), i))
                .collect();
            self.index = Some(index);
        }
        let i = *self.index.as_ref()?.get(&Self::hash(key))?;
        if self.key_at(i) != Some(key) {
            return None;
        }
        self.take_at(i)
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
    /// What its builder remembers of how it made these rows, for the next build.
    pub memo: BuildMemo,
}

/// What a pane builder keeps beside the content it made (the pods pane: which pod
/// each row shows, `pods_reuse::PodsLayout`), so the next snapshot can be laid over
/// the same rows. Not part of what is shown: contents compare equal whatever it holds.
#[derive(Clone, Default)]
pub struct BuildMemo(Option<Arc<dyn Any + Send + Sync>>);

impl BuildMemo {
    pub fn new<T: Any + Send + Sync>(memo: T) -> Self {
        Self(Some(Arc::new(memo)))
    }

    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0.as_deref()?.downcast_ref()
    }
}

impl std::fmt::Debug for BuildMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BuildMemo")
    }
}

impl PartialEq for BuildMemo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl PaneContent {
    /// Presenter mode over the summary lines and the empty message, whatever pane
    /// built them: an error there ("ALB: dial tcp 10.0.8.8:443") names addresses. The
    /// rows are masked by their builders, which know a query from a name.
    pub fn masked(mut self, redact: crate::view::redact::Redact) -> Self {
        if !redact.0 {
            return self;
        }
        let mask = |t: &mut SafeText| {
            let masked = crate::view::redact::text(t.as_str());
            if masked != t.as_str() {
                *t = SafeText::line(&masked);
            }
        };
        for item in &mut self.summary {
            match item {
                SummaryItem::Line(parts) => parts.iter_mut().for_each(|(t, _)| mask(t)),
                SummaryItem::Gauge { label, .. } | SummaryItem::Sparkline { label, .. } => {
                    mask(label)
                }
            }
        }
        if let Some(m) = &mut self.empty_message {
            *m = crate::view::redact::text(m);
        }
        self
    }

    /// Every row's live cells as text at `now` (unix seconds).
    pub fn resolved(mut self, now: i64) -> Self {
        for r in &mut self.rows {
            r.resolve(now);
        }
        self
    }
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
