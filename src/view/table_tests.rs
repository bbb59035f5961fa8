//! The compact row: what it holds reads back as it was given, in fewer bytes.

use super::*;

#[test]
fn a_number_or_none_reads_back_as_given_nan_included() {
    let values = [
        0.0,
        -0.0,
        1.5,
        -3.25,
        f64::INFINITY,
        f64::MIN_POSITIVE,
        1e300,
    ];
    for v in values {
        assert_eq!(Num::from(v).get().map(f64::to_bits), Some(v.to_bits()));
    }
    assert_eq!(Num::from(None).get(), None);
    assert!(Num::from(f64::NAN).get().is_some_and(f64::is_nan));
    // The bit pattern that means none, given as a number, stays a number (a NaN).
    let sentinel = f64::from_bits(Num::NONE.0);
    assert!(Num::from(sentinel).get().is_some_and(f64::is_nan));
}

#[test]
fn rows_are_compact() {
    assert_eq!(std::mem::size_of::<Num>(), 8);
    assert_eq!(std::mem::size_of::<LiveCell>(), 32);
    assert_eq!(std::mem::size_of::<(u8, LiveCell)>(), 40);
    // Was ~600 with `usize` columns and `Option<f64>` numbers.
    assert!(
        std::mem::size_of::<TableRow>() <= 384,
        "{}",
        std::mem::size_of::<TableRow>()
    );
}

#[test]
fn sort_keys_keep_none_apart_from_numbers() {
    let row = TableRow::new("k", vec![SafeText::line("a"), SafeText::line("b")]).sort_key(1, -2.0);
    assert_eq!(row.sort_keys.get(0), None);
    assert_eq!(row.sort_keys.get(1), Some(-2.0));
    assert_eq!(row.sort_keys.get(2), None);
}

#[test]
fn a_row_matches_as_its_lowercased_joined_cells_did() {
    let cells = ["web-7f9c-x2", "Running", "ÉTAT Σ", "", "ip-10-0-1-2"];
    let row = TableRow::new("k", cells.iter().map(|c| SafeText::line(c)).collect());
    let joined: String = cells
        .iter()
        .map(|c| c.chars().flat_map(char::to_lowercase).collect::<String>())
        .collect::<Vec<_>>()
        .join("\0");
    for needle in [
        "", "run", "running", "web-7f", "état", "σ", "x", "2", "ip-10", "ng\0ét", "\0\0ip",
    ] {
        assert_eq!(row.matches(needle), joined.contains(needle), "{needle:?}");
    }
    assert!(!row.matches("unning i"));
    let mut pushed = Vec::new();
    push_lowercase(&mut pushed, "ÉTAT Σ Running");
    assert_eq!(
        String::from_utf8(pushed).unwrap_or_default(),
        "état σ running"
    );
}
