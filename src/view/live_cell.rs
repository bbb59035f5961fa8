//! Cells whose text is made when they are drawn (`LiveCell`) and the 8-byte numbers
//! they and the sort keys hold (`Num`): what a metrics round or the clock changes in a
//! row without a string per row. Re-exported from `view::table`.

use super::format;

/// A number or nothing in 8 bytes (an `Option<f64>` takes 16): nothing is one NaN
/// bit pattern that no arithmetic makes (a NaN keeps the payload of its operand, and
/// none of the inputs carry this one). A row holds a dozen of these, twice at the
/// peak (the table on screen and the one being built beside it), 100,000 rows each.
#[derive(Clone, Copy)]
pub struct Num(u64);

impl Num {
    const NONE_BITS: u64 = 0x7ff8_6b69_746f_7073;
    pub const NONE: Num = Num(Self::NONE_BITS);

    pub fn get(self) -> Option<f64> {
        (self.0 != Self::NONE_BITS).then(|| f64::from_bits(self.0))
    }
}

impl From<Option<f64>> for Num {
    fn from(value: Option<f64>) -> Self {
        match value {
            // The one NaN that means nothing is kept a (quiet) NaN.
            Some(x) if x.to_bits() == Self::NONE_BITS => Num(f64::NAN.to_bits()),
            Some(x) => Num(x.to_bits()),
            None => Num::NONE,
        }
    }
}

impl From<f64> for Num {
    fn from(value: f64) -> Self {
        Some(value).into()
    }
}

/// Compares as the `Option<f64>` it stands for (a NaN is unequal to itself).
impl PartialEq for Num {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl std::fmt::Debug for Num {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.get().fmt(f)
    }
}

/// A cell whose text is made when it is drawn, from the numbers the row keeps: a
/// metrics round or the clock changes these in place, without a string per row, so
/// a 100,000-pod pane costs per round what its ~50 visible rows cost. Such cells are
/// not searched by the filter (ages and usage numbers; names and status are).
/// 32 bytes: no variant holds more than three 8-byte numbers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LiveCell {
    /// The age since a unix second (`3h04m`); empty when unknown.
    Age(Option<i64>),
    /// A restart count, with the age of the last restart when there was one: `3 (5m10s)`.
    Restarts { count: u32, last: Option<i64> },
    /// CPU cores (`250m`), or `none` (`-`, `n/a`) without a sample.
    Cpu { cores: Num, none: &'static str },
    /// Bytes (`512Mi`), or `none` without a sample.
    Mem { bytes: Num, none: &'static str },
    /// `used` as a share of request / limit (`83%/42%`); empty without a sample.
    PctPair { used: Num, request: Num, limit: Num },
    /// A share of 100 as a bar and a number (`███░░░░░░░ 32%`), or `none` without a
    /// sample: a node's memory used.
    Bar {
        pct: Num,
        width: u8,
        ascii: bool,
        none: &'static str,
    },
    /// Bytes used of bytes there are (`3.1Gi/32Gi`; `-/32Gi` without a sample).
    MemOf { used: Num, of: f64 },
    /// A share of 100 (`42%`), `-` when unknown.
    Pct(Num),
}

impl LiveCell {
    /// The text at `now` (unix seconds).
    pub fn text(&self, now: i64) -> String {
        match *self {
            LiveCell::Age(since) => format::age_since(now, since).unwrap_or_default(),
            LiveCell::Restarts { count, last } => match format::age_since(now, last) {
                Some(a) if count > 0 => format!("{count} ({a})"),
                _ => count.to_string(),
            },
            LiveCell::Cpu { cores, none } => cores.get().map_or_else(|| none.into(), format::cores),
            LiveCell::Mem { bytes, none } => bytes.get().map_or_else(|| none.into(), format::mem),
            LiveCell::PctPair {
                used,
                request,
                limit,
            } => used.get().map_or_else(String::new, |u| {
                format::pct_pair(format::pct(u, request.get()), format::pct(u, limit.get()))
            }),
            LiveCell::Bar {
                pct,
                width,
                ascii,
                none,
            } => pct.get().map_or_else(
                || none.into(),
                |p| format!("{} {p:.0}%", format::bar(p / 100.0, width.into(), ascii)),
            ),
            LiveCell::MemOf { used, of } => {
                let used = used.get().map_or_else(|| "-".into(), format::mem);
                format!("{used}/{}", format::mem(of))
            }
            LiveCell::Pct(p) => p.get().map_or_else(|| "-".into(), |p| format!("{p:.0}%")),
        }
    }
}

#[cfg(test)]
mod tests {
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
}
