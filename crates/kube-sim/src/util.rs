//! Small helpers: time formatting, hashing, names, Status objects, JSON normalisation.

use serde_json::{json, Map, Value};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn now_unix() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
}

/// RFC 3339 UTC timestamp; with `nanos` the RFC3339Nano form used by kubelet logs.
pub fn fmt_time(d: Duration, nanos: bool) -> String {
    let secs = d.as_secs() as i64;
    let (y, m, dd) = civil_from_days(secs.div_euclid(86400));
    let rem = secs.rem_euclid(86400);
    let base = format!(
        "{y:04}-{m:02}-{dd:02}T{:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if nanos {
        format!("{base}.{:09}Z", d.subsec_nanos())
    } else {
        format!("{base}Z")
    }
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// An RFC 3339 UTC timestamp (`2026-01-02T03:04:05Z`, optionally with a fraction of up
/// to nine digits) as time since the epoch; what `sinceTime` and object timestamps carry.
pub fn parse_time(s: &str) -> Option<Duration> {
    let n = |r: std::ops::Range<usize>| s.get(r).and_then(|x| x.parse::<i64>().ok());
    let (y, m, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (hh, mm, ss) = (n(11..13)?, n(14..16)?, n(17..19)?);
    let rest = s.get(19..)?.strip_suffix('Z')?;
    let nanos = match rest.strip_prefix('.') {
        Some(frac) if (1..=9).contains(&frac.len()) && frac.bytes().all(|b| b.is_ascii_digit()) => {
            format!("{frac:0<9}").parse::<u32>().ok()?
        }
        Some(_) => return None,
        None if rest.is_empty() => 0,
        None => return None,
    };
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let secs = u64::try_from(days * 86400 + hh * 3600 + mm * 60 + ss).ok()?;
    Some(Duration::new(secs, nanos))
}

pub fn now_rfc3339() -> String {
    fmt_time(now_unix(), false)
}

pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

pub fn uid_from(n: u64) -> String {
    let a = mix64(n);
    let b = mix64(a ^ 0x5851_f42d_4c95_7f2d);
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

const ALPHA: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// Kubernetes "safe encoded" random-looking string (used for pod names and hashes).
pub fn safe_encode(mut x: u64, len: usize) -> String {
    let mut s = String::with_capacity(len);
    for _ in 0..len {
        s.push(ALPHA[(x % ALPHA.len() as u64) as usize] as char);
        x = mix64(x);
    }
    s
}

pub fn status(code: u16, reason: &str, message: impl Into<String>) -> Value {
    json!({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",
        "message":message.into(),"reason":reason,"code":code})
}

pub fn status_details(
    code: u16,
    reason: &str,
    message: impl Into<String>,
    name: &str,
    kind: &str,
) -> Value {
    let mut s = status(code, reason, message);
    s["details"] = json!({"name": name, "kind": kind});
    s
}

/// Remove null fields recursively (as the API server does when persisting).
pub fn strip_nulls(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(strip_nulls);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_nulls),
        _ => {}
    }
}

/// Canonical form for template comparison: no nulls, no empty objects/arrays.
pub fn normalize(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let n = normalize(x);
                let empty = match &n {
                    Value::Null => true,
                    Value::Object(o) => o.is_empty(),
                    Value::Array(a) => a.is_empty(),
                    _ => false,
                };
                if !empty {
                    out.insert(k.clone(), n);
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

pub fn name_of(v: &Value) -> &str {
    str_at(v, &["metadata", "name"])
}

pub fn ns_of(v: &Value) -> &str {
    str_at(v, &["metadata", "namespace"])
}

pub fn uid_of(v: &Value) -> &str {
    str_at(v, &["metadata", "uid"])
}

/// UID of the controlling owner, if any.
pub fn controller_uid(v: &Value) -> Option<&str> {
    v.pointer("/metadata/ownerReferences")?
        .as_array()?
        .iter()
        .find(|o| o.get("controller").and_then(Value::as_bool) == Some(true))
        .and_then(|o| o.get("uid"))
        .and_then(Value::as_str)
}

/// Parse a Kubernetes quantity to a float in base units (cores / bytes).
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let idx = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
        .unwrap_or(s.len());
    let (num, suf) = s.split_at(idx);
    let n: f64 = num.parse().ok()?;
    let mult = match suf {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        _ => return None,
    };
    Some(n * mult)
}

pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let h = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match h.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_format() {
        assert_eq!(
            fmt_time(Duration::from_secs(0), false),
            "1970-01-01T00:00:00Z"
        );
        assert_eq!(
            fmt_time(Duration::from_secs(1_700_000_000), false),
            "2023-11-14T22:13:20Z"
        );
    }

    #[test]
    fn decode() {
        assert_eq!(percent_decode("app%3Dx%2Cb+in+(y)"), "app=x,b in (y)");
        assert_eq!(percent_decode("a%3"), "a%3");
    }

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("250m"), Some(0.25));
        assert_eq!(parse_quantity("1Ki"), Some(1024.0));
        assert_eq!(parse_quantity("x"), None);
    }
}
