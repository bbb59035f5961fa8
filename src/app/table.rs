//! Selection, filter, sort and scrolling of a pane's table, once for every pane; the
//! selection is held by row identity so refreshes never move it.

use std::sync::Arc;

use super::table_search::{RowKind, SearchIndex};
use super::table_sort;
use crate::view::table::{OldRows, PaneContent, TableRow};

/// Selection, filter, sort and scroll of one pane's table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TableState {
    /// Shared with the task that builds the next one from it (`OldRows::shared`).
    pub content: Arc<PaneContent>,
    /// Rows after filter and sort, as indices into `content.rows`.
    pub visible: Vec<usize>,
    pub selected_key: Option<String>,
    pub filter: String,
    /// Column index and descending flag.
    pub sort: Option<(usize, bool)>,
    /// The rows matching `matched_for` (lower-cased), before sorting and group
    /// pruning: a filter that extends it only searches these (typing narrows).
    matched: Vec<usize>,
    matched_for: Option<String>,
    /// Every row of `content` in the order of `order_for` (made by the builder for a
    /// prepared table): a filter typed over a sorted table picks from it, no re-sort.
    order: Arc<Vec<usize>>,
    order_for: Option<(usize, bool)>,
    /// Where the selected row was last found in `content.rows`; checked against
    /// `selected_key` before use, so a stale one only costs a search.
    selected_row: Option<usize>,
    /// The rows' texts end to end, for the filter (`table_search`).
    search: Arc<SearchIndex>,
    /// `sort` is not yet the rows' order: too many rows to sort on the UI task, so
    /// the order comes from `Command::PrepareTable`; meanwhile the header says so.
    sort_pending: bool,
    /// A `PrepareTable` for this table is out (one at a time).
    prepare_out: bool,
}

/// Above this many rows the UI task does not sort a table itself (a sort of 100,000
/// rows takes 5–45 ms there, a frame is 16): the order is made on a blocking thread.
pub const UI_SORT_ROWS: usize = 20_000;

/// What a table asks to be prepared off the UI task: its order for `sort`.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareRequest {
    pub content: Arc<PaneContent>,
    pub filter: String,
    pub sort: Option<(usize, bool)>,
}

impl TableState {
    pub fn set_content(&mut self, content: impl Into<Arc<PaneContent>>) {
        self.content = content.into();
        self.forget_derived();
        self.recompute();
    }

    /// What was computed from the previous content (its matches, its order).
    fn forget_derived(&mut self) {
        self.matched = Vec::new();
        self.matched_for = None;
        self.order = Arc::default();
        self.order_for = None;
        self.search = Arc::default();
    }

    /// The rows for a rebuild that reuses them: moved out when this table is their
    /// only holder (so old and new rows never both exist), shared otherwise.
    pub fn take_rows(&mut self) -> OldRows {
        self.visible = Vec::new();
        self.forget_derived();
        let content = std::mem::take(&mut self.content);
        match Arc::try_unwrap(content) {
            Ok(mut content) => {
                let rows = std::mem::take(&mut content.rows);
                self.content = Arc::new(content);
                OldRows::new(rows)
            }
            Err(shared) => {
                let old = OldRows::shared(shared.clone());
                self.content = shared;
                old
            }
        }
    }

    /// `content` filtered and sorted for `filter` and `sort`, made away from the UI
    /// (a 100,000-row sort): the table to hand to `adopt`.
    pub fn prepared(content: Arc<PaneContent>, filter: &str, sort: Option<(usize, bool)>) -> Self {
        Self::prepared_after(content, filter, sort, None)
    }

    /// What `prepared_after` needs of this table for the next build: its content and
    /// search index, without copying its filtered and sorted rows.
    pub fn index_only(&self) -> Self {
        Self {
            content: self.content.clone(),
            search: self.search.clone(),
            ..Self::default()
        }
    }

    /// `prepared`, taking the search index of `before` (the table the last build made)
    /// when every row of `content` is the very text it was there: a metrics round over
    /// kept rows changes no searched text, and the index is a read of every row.
    pub fn prepared_after(
        content: Arc<PaneContent>,
        filter: &str,
        sort: Option<(usize, bool)>,
        before: Option<&TableState>,
    ) -> Self {
        let search = before
            .filter(|b| {
                b.search.len() == content.rows.len()
                    && b.content.rows.len() == content.rows.len()
                    && b.content
                        .rows
                        .iter()
                        .zip(&content.rows)
                        .all(|(a, n)| a.shares_text(n))
            })
            .map(|b| b.search.clone())
            .unwrap_or_default();
        let mut t = Self {
            content,
            filter: filter.to_string(),
            sort,
            search,
            ..Self::default()
        };
        t.recompute_rows_sorting(true);
        t
    }

    /// Takes the content of a table from `prepared`: its filtered and sorted rows as
    /// they are when it was made for this filter and sort. Made for another filter
    /// but this sort, its order is kept and only filtered here; made for another sort,
    /// it is sorted here. The selection stays on its row.
    pub fn adopt(&mut self, built: TableState) {
        self.content = built.content;
        self.search = built.search;
        if built.filter == self.filter && built.sort == self.sort {
            self.visible = built.visible;
            self.matched = built.matched;
            self.matched_for = built.matched_for;
            self.order = built.order;
            self.order_for = built.order_for;
            self.sort_pending = false;
            self.keep_selection();
            return;
        }
        self.matched = Vec::new();
        self.matched_for = None;
        self.order = built.order;
        self.order_for = built.order_for;
        self.recompute();
    }

    /// Takes the order of `prepared` (`Command::PrepareTable`) when it was made from
    /// the content on screen for the sort on screen, filtering it here if the filter
    /// changed meanwhile; `false` (nothing changed) when it was made for other content
    /// or another sort.
    pub fn adopt_order(&mut self, prepared: TableState) -> bool {
        self.prepare_out = false;
        let current = Arc::ptr_eq(&self.content, &prepared.content) && prepared.sort == self.sort;
        if current {
            self.adopt(prepared);
        }
        current
    }

    /// The order this table still needs from off the UI task, once per change: the
    /// reducer sends it as `Command::PrepareTable`.
    pub fn prepare_request(&mut self) -> Option<PrepareRequest> {
        if !self.sort_pending || self.prepare_out {
            return None;
        }
        self.prepare_out = true;
        Some(PrepareRequest {
            content: self.content.clone(),
            filter: self.filter.clone(),
            sort: self.sort,
        })
    }

    /// The large values made from the content (its order, its search index), to be
    /// freed elsewhere once a swap has replaced them (`State::retired`).
    pub fn derived(&self) -> Arc<dyn std::any::Any + Send + Sync> {
        Arc::new((self.order.clone(), self.search.clone()))
    }

    /// Whether the rows are not yet in the order of `sort` (it is being made).
    pub fn sort_pending(&self) -> bool {
        self.sort_pending
    }

    pub fn set_filter(&mut self, filter: String) {
        self.filter = filter;
        self.recompute();
    }

    /// Cycles the sort column; the same column twice flips the direction.
    pub fn cycle_sort(&mut self) {
        let n = self.content.columns.len();
        if n == 0 {
            return;
        }
        self.sort = match self.sort {
            None => Some((0, false)),
            Some((c, false)) => Some((c, true)),
            Some((c, true)) if c + 1 < n => Some((c + 1, false)),
            Some(_) => None,
        };
        self.recompute();
    }

    /// Sorts by `col`, largest first (the worst pod by memory, restarts, CPU); the
    /// same column again reverses the direction.
    pub fn sort_by(&mut self, col: usize) {
        if col >= self.content.columns.len() {
            return;
        }
        self.sort = match self.sort {
            Some((c, desc)) if c == col => Some((col, !desc)),
            _ => Some((col, true)),
        };
        self.recompute();
    }

    fn recompute(&mut self) {
        self.recompute_rows();
        self.keep_selection();
    }

    fn recompute_rows(&mut self) {
        let small = self.content.rows.len() <= UI_SORT_ROWS;
        self.recompute_rows_sorting(small);
    }

    /// `visible` (and the filter's matches) for the current filter and sort; a sort
    /// not made yet is made here only if `may_sort`, else it is left pending.
    fn recompute_rows_sorting(&mut self, may_sort: bool) {
        let needle = self.filter.to_lowercase();
        if self.search.len() != self.content.rows.len() {
            self.search = Arc::new(SearchIndex::of(&self.content.rows));
        }
        if self.matched_for.as_deref() != Some(needle.as_str()) {
            self.matched = self.matching(&needle);
            self.matched_for = Some(needle.clone());
        }
        let rows = &self.content.rows;
        let index = &self.search;
        self.sort_pending = false;
        self.visible = match self.sort {
            Some(sort) => {
                if self.order_for != Some(sort) && may_sort {
                    self.order = Arc::new(table_sort::sorted_order(rows, sort.0, sort.1));
                    self.order_for = Some(sort);
                }
                // Until its order comes, the last one made (or the build order) stays.
                self.sort_pending = self.order_for != Some(sort);
                let mut hit = vec![needle.is_empty(); rows.len()];
                if !needle.is_empty() {
                    self.matched.iter().for_each(|&i| hit[i] = true);
                }
                // Sorting flattens groups and trees: what the user asked for is a ranking.
                let member = |i: usize| hit[i] && !index.kind(i).is_group_header;
                match self.order_for {
                    Some(_) => self.order.iter().copied().filter(|&i| member(i)).collect(),
                    None => (0..rows.len()).filter(|&i| member(i)).collect(),
                }
            }
            None if needle.is_empty() => self.matched.clone(),
            None => drop_empty_groups(rows, index, self.matched.clone(), &needle),
        };
        if !self.sort_pending {
            self.prepare_out = false;
        }
    }

    /// The rows matching `needle`, in build order (group headers included). A group
    /// whose header matches (`/web` → target group kitops-web) shows with all its
    /// members: the name is the group's, not each row's.
    fn matching(&mut self, needle: &str) -> Vec<usize> {
        let rows = &self.content.rows;
        let narrowing = self
            .matched_for
            .as_deref()
            .is_some_and(|before| needle.contains(before));
        // A longer needle matches a subset of what the shorter one did: few enough
        // of those are tested one by one, else the whole table is scanned at once.
        if narrowing && self.matched.len() <= rows.len() / 16 {
            let candidates = std::mem::take(&mut self.matched);
            let probe = |i: usize| (self.search.kind(i), rows[i].matches(needle));
            return group_rule(candidates.into_iter(), !needle.is_empty(), probe);
        }
        let hits = self.search.hits(needle);
        let probe = |i: usize| (self.search.kind(i), hits[i]);
        group_rule(0..rows.len(), !needle.is_empty(), probe)
    }

    /// The selection on the same row if it is still visible, else on the first one.
    fn keep_selection(&mut self) {
        let row = self.selected_row_index();
        let still_there = row.is_some_and(|r| self.visible.contains(&r));
        if still_there {
            self.selected_row = row;
        } else {
            self.selected_row = self.first_selectable();
            self.selected_key = self.selected_row.map(|i| self.content.rows[i].key.clone());
        }
    }

    fn first_selectable(&self) -> Option<usize> {
        let rows = &self.content.rows;
        self.visible
            .iter()
            .copied()
            .find(|&i| !rows[i].is_group_header)
            .or_else(|| self.visible.first().copied())
    }

    /// The selected row's index in `content.rows`: where it was last found, else
    /// searched by key.
    fn selected_row_index(&self) -> Option<usize> {
        let key = self.selected_key.as_ref()?;
        let rows = &self.content.rows;
        let hint = self.selected_row.unwrap_or(0);
        // After a refresh the row is where it was or close by (a few pods came or
        // went): look there first, then further out.
        let len = rows.len();
        (0..len.max(hint + 1)).find_map(|d| {
            let at = |i: usize| rows.get(i).filter(|r| &r.key == key).map(|_| i);
            hint.checked_sub(d)
                .and_then(at)
                .or_else(|| at(hint + d).filter(|_| d > 0))
        })
    }

    pub fn selected_position(&self) -> Option<usize> {
        let row = self.selected_row_index()?;
        self.visible.iter().position(|&i| i == row)
    }

    pub fn selected(&self) -> Option<&TableRow> {
        self.selected_position()
            .map(|p| &self.content.rows[self.visible[p]])
    }

    /// Moves the selection by `delta` visible rows, clamped to the ends.
    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() - 1;
        let current = self.selected_position().unwrap_or(0) as isize;
        let next = (current + delta).clamp(0, last as isize) as usize;
        let row = self.visible[next];
        self.selected_row = Some(row);
        self.selected_key = Some(self.content.rows[row].key.clone());
    }

    pub fn select_first(&mut self) {
        self.move_by(isize::MIN / 2);
    }

    pub fn select_last(&mut self) {
        self.move_by(isize::MAX / 2);
    }
}

/// The rows a filter keeps of `candidates`: those that match, and the members of a
/// group whose header matches (`probe` tells a row's kind and whether it matches).
fn group_rule(
    candidates: impl Iterator<Item = usize>,
    filtering: bool,
    probe: impl Fn(usize) -> (RowKind, bool),
) -> Vec<usize> {
    let mut header_hit = false;
    let mut matched = Vec::new();
    for i in candidates {
        let (kind, hit) = probe(i);
        if kind.is_group_header {
            header_hit = filtering && hit;
            matched.push(i);
        } else if hit || (header_hit && kind.nested) {
            matched.push(i);
        }
    }
    matched
}

/// After filtering, a group header that neither matches nor has matching members is noise.
fn drop_empty_groups(
    rows: &[TableRow],
    index: &SearchIndex,
    visible: Vec<usize>,
    needle: &str,
) -> Vec<usize> {
    let mut kept = Vec::with_capacity(visible.len());
    let mut pending_header: Option<usize> = None;
    for i in visible {
        if index.kind(i).is_group_header {
            if let Some(h) = pending_header.take().filter(|&h| rows[h].matches(needle)) {
                kept.push(h);
            }
            pending_header = Some(i);
        } else {
            if let Some(h) = pending_header.take() {
                kept.push(h);
            }
            kept.push(i);
        }
    }
    if let Some(h) = pending_header.filter(|&h| rows[h].matches(needle)) {
        kept.push(h);
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::safe_text::SafeText;
    use crate::view::table::Column;

    fn row(key: &str, name: &str, mem: f64) -> TableRow {
        TableRow::new(
            key,
            vec![SafeText::line(name), SafeText::line(&mem.to_string())],
        )
        .sort_key(1, mem)
    }

    fn content(rows: Vec<TableRow>) -> PaneContent {
        PaneContent {
            memo: Default::default(),
            columns: vec![Column::text("NAME", 4, 20, 9), Column::num("MEM", 5, 5)],
            rows,
            ..Default::default()
        }
    }

    #[test]
    fn selection_follows_identity_across_refreshes() {
        let mut t = TableState::default();
        t.set_content(content(vec![row("a", "alpha", 1.0), row("b", "beta", 2.0)]));
        t.move_by(1);
        assert_eq!(t.selected().map(|r| r.key.as_str()), Some("b"));
        // a new pod appears above: the selection must stay on "b", not on index 1
        t.set_content(content(vec![
            row("z", "zeta", 9.0),
            row("a", "alpha", 1.0),
            row("b", "beta", 2.0),
        ]));
        assert_eq!(t.selected().map(|r| r.key.as_str()), Some("b"));
        assert_eq!(t.selected_position(), Some(2));
    }

    #[test]
    fn vanished_selection_falls_back_to_first_row() {
        let mut t = TableState::default();
        t.set_content(content(vec![row("a", "alpha", 1.0), row("b", "beta", 2.0)]));
        t.move_by(1);
        t.set_content(content(vec![row("a", "alpha", 1.0)]));
        assert_eq!(t.selected().map(|r| r.key.as_str()), Some("a"));
    }

    #[test]
    fn filter_is_case_insensitive_and_sort_is_numeric() {
        let mut t = TableState::default();
        t.set_content(content(vec![
            row("a", "Alpha", 10.0),
            row("b", "beta", 9.0),
            row("c", "alphabet", 100.0),
        ]));
        t.set_filter("ALPHA".into());
        assert_eq!(t.visible.len(), 2);
        t.set_filter(String::new());
        t.sort = Some((1, true));
        t.recompute();
        let order: Vec<&str> = t
            .visible
            .iter()
            .map(|&i| t.content.rows[i].key.as_str())
            .collect();
        assert_eq!(order, ["c", "a", "b"]);
    }

    #[test]
    fn a_table_prepared_elsewhere_is_taken_as_is_or_refiltered() {
        let c = Arc::new(content(vec![
            row("a", "alpha", 1.0),
            row("b", "beta", 2.0),
            row("c", "alphabet", 3.0),
        ]));
        let keys = |t: &TableState| -> Vec<String> {
            t.visible
                .iter()
                .map(|&i| t.content.rows[i].key.clone())
                .collect()
        };
        let mut t = TableState::default();
        t.set_content(c.clone());
        t.select_last();
        t.sort = Some((1, true));
        t.set_filter("alpha".into());
        t.adopt(TableState::prepared(c.clone(), "alpha", Some((1, true))));
        assert_eq!(keys(&t), ["c", "a"]);
        assert_eq!(t.selected().map(|r| r.key.as_str()), Some("c"));
        // Made before the filter was typed: filtered and sorted again on arrival.
        t.adopt(TableState::prepared(c, "", None));
        assert_eq!(keys(&t), ["c", "a"]);
        assert_eq!(t.selected().map(|r| r.key.as_str()), Some("c"));
    }

    #[test]
    fn a_matching_group_header_keeps_its_members() {
        let header = |k: &str, n: &str| row(k, n, 0.0).group_header();
        let mut t = TableState::default();
        t.set_content(content(vec![
            header("api", "kitops-api"),
            row("t1", "10.0.1.10", 1.0).depth(1),
            header("web", "kitops-web"),
            row("t2", "10.0.1.20", 1.0).depth(1),
            row("t3", "10.0.2.21", 1.0).depth(1),
            header("empty", "kitops-web-canary"),
        ]));
        t.set_filter("web".into());
        let keys: Vec<&str> = t
            .visible
            .iter()
            .map(|&i| t.content.rows[i].key.as_str())
            .collect();
        assert_eq!(keys, ["web", "t2", "t3", "empty"]);
        t.set_filter("10.0.2".into());
        let keys: Vec<&str> = t
            .visible
            .iter()
            .map(|&i| t.content.rows[i].key.as_str())
            .collect();
        assert_eq!(
            keys,
            ["web", "t3"],
            "a member match still brings its header"
        );
    }
}
