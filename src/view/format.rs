//! Small formatting helpers shared by panes: ages, byte sizes, bars, truncation.

use std::time::Duration;

use unicode_width::UnicodeWidthStr;

/// `45s`, `12m05s`, `3h04m`, `2d5h`: compact ages for narrow columns.
pub fn age(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// The age since `then` (unix seconds) at `now`; `None` when unknown.
pub fn age_since(now: i64, then: Option<i64>) -> Option<String> {
    then.map(|t| age(Duration::from_secs((now - t).max(0) as u64)))
}

/// CPU as kubectl shows it: `250m`, or cores from 10 up (`12.5`).
pub fn cores(cores: f64) -> String {
    if cores >= 10.0 {
        format!("{cores:.1}")
    } else {
        format!("{:.0}m", cores * 1000.0)
    }
}

/// Memory in binary units, negative clamped to 0.
pub fn mem(b: f64) -> String {
    bytes(b.max(0.0) as u64)
}

/// `used` as a percentage of `of`, when `of` is known and positive.
pub fn pct(used: f64, of: Option<f64>) -> Option<f64> {
    of.filter(|v| *v > 0.0).map(|v| used / v * 100.0)
}

/// `83%/42%`, `-` for an unknown side.
pub fn pct_pair(req: Option<f64>, lim: Option<f64>) -> String {
    let f = |p: Option<f64>| p.map(|p| format!("{p:.0}%")).unwrap_or_else(|| "-".into());
    format!("{}/{}", f(req), f(lim))
}

/// `23,500`: digits in groups of three.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Binary units, as kubectl shows memory: `512Mi`, `1.5Gi`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "Ki", "Mi", "Gi", "Ti"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 || v >= 100.0 {
        format!("{v:.0}{}", UNITS[u])
    } else {
        format!("{v:.1}{}", UNITS[u])
    }
}

/// A text bar `█████░░░░░` (or `#####.....` in ASCII mode).
pub fn bar(ratio: f64, width: usize, ascii: bool) -> String {
    let r = if ratio.is_finite() {
        ratio.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let full = (r * width as f64).round() as usize;
    let (f, e) = if ascii { ('#', '.') } else { ('█', '░') };
    std::iter::repeat_n(f, full)
        .chain(std::iter::repeat_n(e, width - full))
        .collect()
}

/// Cuts `s` to `width` display columns, marking the cut with `…` (or `~`).
pub fn truncate(s: &str, width: usize, ascii: bool) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mark = if ascii { "~" } else { "…" };
    let mut out = String::new();
    let mut w = 0;
    for ch in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(ch);
        w += cw;
    }
    out.push_str(mark);
    out
}

/// `ready/containers` ("1/2"), written without the formatting machinery: one per pod
/// row of a build, 100,000 at once.
pub fn ready(ready: u32, containers: u32) -> String {
    fn push_number(out: &mut String, n: u32) {
        let mut digits = [0u8; 10];
        let mut i = digits.len();
        let mut n = n;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        out.extend(digits[i..].iter().map(|&d| char::from(d)));
    }
    let mut out = String::with_capacity(8);
    push_number(&mut out, ready);
    out.push('/');
    push_number(&mut out, containers);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_is_what_format_writes() {
        for (r, c) in [
            (0, 0),
            (1, 1),
            (1, 2),
            (9, 10),
            (10, 9),
            (123, 45),
            (u32::MAX, u32::MAX),
        ] {
            assert_eq!(ready(r, c), format!("{r}/{c}"));
        }
    }

    #[test]
    fn formats() {
        assert_eq!(age(Duration::from_secs(45)), "45s");
        assert_eq!(age(Duration::from_secs(125)), "2m05s");
        assert_eq!(age(Duration::from_secs(3 * 3600 + 240)), "3h04m");
        assert_eq!(bytes(512 * 1024 * 1024), "512Mi");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(23_500), "23,500");
        assert_eq!(thousands(999), "999");
        assert_eq!(bytes(1536 * 1024 * 1024), "1.5Gi");
        assert_eq!(bar(0.5, 4, true), "##..");
        assert_eq!(bar(f64::NAN, 2, false), "░░");
        assert_eq!(truncate("abcdef", 4, false), "abc…");
        assert_eq!(truncate("abc", 4, false), "abc");
    }
}
