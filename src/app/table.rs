//! Selection, filter, sort and scrolling of a pane's table, once for every pane; the
//! selection is held by row identity so refreshes never move it.

use std::sync::Arc;

use crate::view::safe_text::SafeText;
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
}

impl TableState {
    pub fn set_content(&mut self, content: impl Into<Arc<PaneContent>>) {
        self.content = content.into();
        self.matched_for = None;
        self.recompute();
    }

    /// The rows for a rebuild that reuses them: moved out when this table is their
    /// only holder (so old and new rows never both exist), shared otherwise.
    pub fn take_rows(&mut self) -> OldRows {
        self.visible = Vec::new();
        self.matched = Vec::new();
        self.matched_for = None;
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
        let mut t = Self {
            content,
            filter: filter.to_string(),
            sort,
            ..Self::default()
        };
        t.recompute_rows();
        t
    }

    /// Takes the content of a table from `prepared`: its filtered and sorted rows as
    /// they are when it was made for this filter and sort, else filtered and sorted
    /// here. The selection stays on its row.
    pub fn adopt(&mut self, built: TableState) {
        if built.filter == self.filter && built.sort == self.sort {
            self.content = built.content;
            self.visible = built.visible;
            self.matched = built.matched;
            self.matched_for = built.matched_for;
            self.keep_selection();
        } else {
            self.set_content(built.content);
        }
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

    /// `visible` (and the filter's matches) for the current filter and sort.
    fn recompute_rows(&mut self) {
        let needle = self.filter.to_lowercase();
        let rows = &self.content.rows;
        let candidates: Vec<usize> = match self.matched_for.as_deref() {
            // A longer needle matches a subset of what the shorter one did.
            Some(before) if needle.contains(before) => self.matched.clone(),
            _ => (0..rows.len()).collect(),
        };
        // A group whose header matches (`/web` → target group kitops-web) shows with
        // all its members: the name is the group's, not each row's.
        let mut header_hit = false;
        let mut visible: Vec<usize> = Vec::with_capacity(candidates.len());
        for i in candidates {
            let r = &rows[i];
            if r.is_group_header {
                header_hit = !needle.is_empty() && r.matches(&needle);
                visible.push(i);
            } else if r.matches(&needle) || (header_hit && r.depth > 0) {
                visible.push(i);
            }
        }
        self.matched.clone_from(&visible);
        self.matched_for = Some(needle.clone());
        if let Some((col, desc)) = self.sort {
            // Sorting flattens groups and trees: what the user asked for is a ranking.
            visible.retain(|&i| !rows[i].is_group_header);
            visible.sort_by(|&a, &b| {
                let ord = compare_cells(&rows[a], &rows[b], col);
                if desc {
                    ord.reverse()
                } else {
                    ord
                }
            });
        } else if !needle.is_empty() {
            visible = drop_empty_groups(rows, visible, &needle);
        }
        self.visible = visible;
    }

    /// The selection on the same row if it is still visible, else on the first one.
    fn keep_selection(&mut self) {
        let rows = &self.content.rows;
        let still_there = self
            .selected_key
            .as_ref()
            .is_some_and(|k| self.visible.iter().any(|&i| &rows[i].key == k));
        if !still_there {
            self.selected_key = self.first_selectable().map(|r| r.key.clone());
        }
    }

    fn first_selectable(&self) -> Option<&TableRow> {
        self.visible
            .iter()
            .map(|&i| &self.content.rows[i])
            .find(|r| !r.is_group_header)
            .or_else(|| self.visible.first().map(|&i| &self.content.rows[i]))
    }

    pub fn selected_position(&self) -> Option<usize> {
        let key = self.selected_key.as_ref()?;
        self.visible
            .iter()
            .position(|&i| &self.content.rows[i].key == key)
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
        self.selected_key = Some(self.content.rows[self.visible[next]].key.clone());
    }

    pub fn select_first(&mut self) {
        self.move_by(isize::MIN / 2);
    }

    pub fn select_last(&mut self) {
        self.move_by(isize::MAX / 2);
    }
}

fn compare_cells(a: &TableRow, b: &TableRow, col: usize) -> std::cmp::Ordering {
    let ka = a.sort_keys.get(col).copied().flatten();
    let kb = b.sort_keys.get(col).copied().flatten();
    match (ka, kb) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => {
            let ta = a.cells.get(col).map(SafeText::as_str).unwrap_or("");
            let tb = b.cells.get(col).map(SafeText::as_str).unwrap_or("");
            ta.cmp(tb)
        }
    }
}

/// After filtering, a group header that neither matches nor has matching members is noise.
fn drop_empty_groups(rows: &[TableRow], visible: Vec<usize>, needle: &str) -> Vec<usize> {
    let mut kept = Vec::with_capacity(visible.len());
    let mut pending_header: Option<usize> = None;
    for i in visible {
        if rows[i].is_group_header {
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
