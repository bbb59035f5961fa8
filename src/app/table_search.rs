//! The filter's search over a whole table at once. Testing 100,000 rows one by one
//! (`TableRow::matches`) chases pointers to every cell and takes about a frame; the
//! rows' text cells lower-cased and laid end to end in one buffer are searched with one
//! SIMD substring scan (`memchr::memmem`) in a fraction of that. Made with the table
//! (on the builder thread for a prepared one); rows keep no lower-cased copy of their own.

use crate::view::table::{push_lowercase, TableRow};

/// The haystacks of a table's rows end to end, each row's start, and what the
/// filter needs to know of each row without reading it (group header, member).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchIndex {
    text: Vec<u8>,
    starts: Vec<usize>,
    kinds: Vec<RowKind>,
}

/// Where a row stands in its group, for the filter's group rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowKind {
    pub is_group_header: bool,
    /// Indented under a header (a group member).
    pub nested: bool,
}

/// Between two rows' texts: no filter needle contains it (cells are joined with it too).
const SEPARATOR: u8 = 0;

impl SearchIndex {
    pub fn of(rows: &[TableRow]) -> Self {
        let bytes: usize = rows.iter().map(|r| r.cells.joined().len() + 1).sum();
        let mut text = Vec::with_capacity(bytes);
        let mut starts = Vec::with_capacity(rows.len());
        let mut kinds = Vec::with_capacity(rows.len());
        for r in rows {
            starts.push(text.len());
            // Cells joined with NUL as the row keeps them (`Cells::joined`), lower-cased:
            // a needle never spans two of them.
            push_lowercase(&mut text, r.cells.joined());
            text.push(SEPARATOR);
            kinds.push(RowKind {
                is_group_header: r.is_group_header,
                nested: r.depth > 0,
            });
        }
        Self {
            text,
            starts,
            kinds,
        }
    }

    pub fn len(&self) -> usize {
        self.kinds.len()
    }

    pub fn kind(&self, row: usize) -> RowKind {
        self.kinds.get(row).copied().unwrap_or(RowKind {
            is_group_header: false,
            nested: false,
        })
    }

    /// For every row, whether its text holds `needle_lower` (already lower-cased);
    /// an empty needle matches every row.
    pub fn hits(&self, needle_lower: &str) -> Vec<bool> {
        if needle_lower.is_empty() {
            return vec![true; self.len()];
        }
        let mut hit = vec![false; self.len()];
        let mut row = 0usize;
        for at in memchr::memmem::find_iter(&self.text, needle_lower.as_bytes()) {
            // Hits come in order: walk the row starts forward to the one holding `at`.
            while row + 1 < self.starts.len() && self.starts[row + 1] <= at {
                row += 1;
            }
            if let Some(h) = hit.get_mut(row) {
                *h = true;
            }
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::safe_text::SafeText;

    fn row(cells: &[&str]) -> TableRow {
        TableRow::new(
            cells.join("-"),
            cells.iter().map(|c| SafeText::line(c)).collect(),
        )
    }

    #[test]
    fn a_hit_is_the_row_whose_text_holds_it_and_never_spans_two_rows() {
        let rows = vec![
            row(&["Alpha", "Running"]),
            row(&["beta", "Pending"]),
            row(&["alphabet", "x"]),
        ];
        let index = SearchIndex::of(&rows);
        assert_eq!(index.hits("alpha"), [true, false, true]);
        assert_eq!(index.hits("pending"), [false, true, false]);
        // "ng" + "beta" would span the end of row 0 and the start of row 1.
        assert_eq!(index.hits("ngbeta"), [false, false, false]);
        assert_eq!(index.hits(""), [true, true, true]);
        assert_eq!(index.hits("a"), [true, true, true]);
    }
}
