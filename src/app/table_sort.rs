//! The order of a table's rows for one sort column and direction. At 100,000 rows a
//! sort that compares rows where they lie (two pointer chases per comparison, into
//! each row's own sort-key vector) takes longer than a frame; reading every row's
//! key once into one contiguous vector and sorting that is several times faster.
//! The result is the same as a stable sort by `compare_cells`: ties keep the rows'
//! build order, in both directions.

use std::cmp::Ordering;

use crate::view::table::TableRow;

/// The rows of `rows` that a sorted table shows (group headers flattened away),
/// ordered by column `col`, descending when `desc`.
pub fn sorted_order(rows: &[TableRow], col: usize, desc: bool) -> Vec<usize> {
    let members = || (0..rows.len()).filter(|&i| !rows[i].is_group_header);
    let numeric: Option<Vec<(i64, usize)>> = members()
        .map(|i| Some((total_order(number(&rows[i], col)?, desc), i)))
        .collect();
    if let Some(mut keyed) = numeric {
        keyed.sort_unstable();
        return keyed.into_iter().map(|(_, i)| i).collect();
    }
    let all_text = members().all(|i| number(&rows[i], col).is_none());
    if all_text {
        let mut keyed: Vec<(&str, usize)> = members().map(|i| (text(&rows[i], col), i)).collect();
        keyed.sort_unstable_by(|a, b| directed(a.0.cmp(b.0), desc).then(a.1.cmp(&b.1)));
        return keyed.into_iter().map(|(_, i)| i).collect();
    }
    // Numbers beside texts in one column: the row-by-row comparison decides.
    let mut order: Vec<usize> = members().collect();
    order.sort_by(|&a, &b| directed(compare_cells(&rows[a], &rows[b], col), desc));
    order
}

/// How two rows compare in column `col`: by number when both have one, else by text.
pub fn compare_cells(a: &TableRow, b: &TableRow, col: usize) -> Ordering {
    match (number(a, col), number(b, col)) {
        (Some(x), Some(y)) => x.total_cmp(&y),
        _ => text(a, col).cmp(text(b, col)),
    }
}

fn number(row: &TableRow, col: usize) -> Option<f64> {
    row.sort_keys.get(col)
}

fn text(row: &TableRow, col: usize) -> &str {
    row.cells.at(col)
}

fn directed(ord: Ordering, desc: bool) -> Ordering {
    if desc {
        ord.reverse()
    } else {
        ord
    }
}

/// `x` as an integer that orders like `f64::total_cmp`, negated for a descending sort
/// (so the row index breaks ties ascending either way).
fn total_order(x: f64, desc: bool) -> i64 {
    let bits = x.to_bits() as i64;
    let key = bits ^ ((((bits >> 63) as u64) >> 1) as i64);
    if desc {
        !key
    } else {
        key
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::safe_text::SafeText;

    fn row(key: &str, name: &str, n: Option<f64>) -> TableRow {
        let r = TableRow::new(key, vec![SafeText::line(name), SafeText::line("")]);
        match n {
            Some(v) => r.sort_key(1, v),
            None => r,
        }
    }

    /// The reference: a stable sort by the row comparison.
    fn stable(rows: &[TableRow], col: usize, desc: bool) -> Vec<usize> {
        let mut order: Vec<usize> = (0..rows.len())
            .filter(|&i| !rows[i].is_group_header)
            .collect();
        order.sort_by(|&a, &b| directed(compare_cells(&rows[a], &rows[b], col), desc));
        order
    }

    #[test]
    fn keyed_sort_is_the_stable_row_sort_with_ties_and_negatives() {
        let values = [3.0, -1.0, 3.0, 0.0, -0.0, 7.5, -1.0, f64::INFINITY, 3.0];
        let names = ["b", "a", "b", "c", "a", "b", "c", "a", "a"];
        let mut rows: Vec<TableRow> = values
            .iter()
            .zip(names)
            .enumerate()
            .map(|(i, (v, n))| row(&i.to_string(), n, Some(*v)))
            .collect();
        rows.insert(4, row("h", "group", None).group_header());
        for desc in [false, true] {
            assert_eq!(sorted_order(&rows, 1, desc), stable(&rows, 1, desc));
            assert_eq!(sorted_order(&rows, 0, desc), stable(&rows, 0, desc));
        }
        // A column with a number on some rows only.
        rows.push(row("x", "z", None));
        for desc in [false, true] {
            assert_eq!(sorted_order(&rows, 1, desc), stable(&rows, 1, desc));
        }
    }
}
