//! A row's text cells in one allocation. A pods table of 100,000 rows held ten
//! `SafeText`s a row (240 bytes of `String` headers, six of them empty placeholders for
//! the live columns) and a heap allocation for each of the four with text; twice at the
//! peak (the table on screen and the one being built are different rows only when a
//! pod changed, but a full build makes them all). Joined, a pod's cells are one
//! allocation of about 80 bytes. Re-exported from `view::table`.

use super::safe_text::SafeText;

/// Between two cells. The sanitizer shows a NUL as `\x00`, so no cell holds one and
/// the join is unambiguous; it is also what the filter's index puts between cells
/// (`app::table_search`), so the index is the joined text lower-cased.
const SEPARATOR: char = '\0';

/// Sanitized cell texts (each was a `SafeText`) joined with NUL, and how many there are
/// (no cells and one empty cell join alike).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cells {
    joined: Box<str>,
    count: u32,
}

impl Cells {
    pub fn new(cells: Vec<SafeText>) -> Self {
        Self::join(cells.iter().map(SafeText::as_str))
    }

    /// Cells from texts that are sanitized already (each a `SafeText`'s, or this type's).
    fn join<'a>(cells: impl Iterator<Item = &'a str> + Clone) -> Self {
        let (bytes, count) = cells.clone().fold((0, 0u32), |(b, n), c| {
            (b + c.len() + 1, n.saturating_add(1))
        });
        let mut joined = String::with_capacity(bytes.saturating_sub(1));
        for (i, c) in cells.enumerate() {
            if i > 0 {
                joined.push(SEPARATOR);
            }
            joined.push_str(c);
        }
        Self {
            joined: joined.into_boxed_str(),
            count,
        }
    }

    pub fn len(&self) -> usize {
        self.count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The text of column `col`, if the row has that column.
    pub fn get(&self, col: usize) -> Option<&str> {
        self.iter().nth(col)
    }

    /// The text of column `col`; empty when the row has no such column.
    pub fn at(&self, col: usize) -> &str {
        self.get(col).unwrap_or("")
    }

    pub fn first(&self) -> Option<&str> {
        self.get(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + Clone {
        self.joined.split(SEPARATOR).take(self.len())
    }

    /// Every cell with a NUL between two (the filter searches this, lower-cased).
    pub fn joined(&self) -> &str {
        &self.joined
    }

    /// Column `col`'s text replaced (nothing when the row has no such column).
    pub fn set(&mut self, col: usize, text: &SafeText) {
        if col >= self.len() {
            return;
        }
        let cells = self
            .iter()
            .enumerate()
            .map(|(i, c)| if i == col { text.as_str() } else { c });
        *self = Self::join(cells.collect::<Vec<_>>().into_iter());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(texts: &[&str]) -> Cells {
        Cells::new(texts.iter().map(|t| SafeText::line(t)).collect())
    }

    #[test]
    fn cells_read_back_as_given_empty_ones_included() {
        let c = cells(&["web-7f9c", "", "Running", "", "ip-10-0-1-2"]);
        assert_eq!(c.len(), 5);
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            ["web-7f9c", "", "Running", "", "ip-10-0-1-2"]
        );
        assert_eq!(c.get(2), Some("Running"));
        assert_eq!(c.get(3), Some(""));
        assert_eq!(c.get(5), None);
        assert_eq!(c.at(9), "");
        assert_eq!(c.first(), Some("web-7f9c"));
        assert_eq!(c.joined(), "web-7f9c\0\0Running\0\0ip-10-0-1-2");
    }

    #[test]
    fn no_cells_and_one_empty_cell_differ() {
        assert_eq!(cells(&[]).len(), 0);
        assert_eq!(cells(&[]).first(), None);
        assert_eq!(cells(&[""]).len(), 1);
        assert_eq!(cells(&[""]).first(), Some(""));
        assert_ne!(cells(&[]), cells(&[""]));
    }

    #[test]
    fn a_nul_from_a_server_stays_inside_its_cell() {
        let c = cells(&["a\0b", "c"]);
        assert_eq!(c.len(), 2);
        assert_eq!(c.get(0), Some("a\\x00b"));
        assert_eq!(c.get(1), Some("c"));
    }

    #[test]
    fn setting_a_cell_keeps_the_others() {
        let mut c = cells(&["a", "", "c"]);
        c.set(1, &SafeText::line("3h"));
        assert_eq!(c.iter().collect::<Vec<_>>(), ["a", "3h", "c"]);
        c.set(7, &SafeText::line("x"));
        assert_eq!(c.iter().collect::<Vec<_>>(), ["a", "3h", "c"]);
    }
}
