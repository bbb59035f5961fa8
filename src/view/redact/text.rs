//! Values in free text: addresses (IPv4, IPv6, with their ports), e-mail addresses and
//! bearer/basic credentials anywhere (`text`), and in log lines also quoted strings,
//! `key=value` values and numbers (`log_line`). Words with letters in them — pod,
//! deployment, table and app names, `150ms`, `v2` — stay.

use std::net::{Ipv4Addr, Ipv6Addr};

/// How a masked IPv4 address, IPv6 address and port are shown.
pub const IPV4_MASK: &str = "x.x.x.x";
pub const IPV6_MASK: &str = "x:x::x";
pub const PORT_MASK: &str = "x";

/// Addresses, e-mails and credentials masked; everything else as it was. For text
/// that is not a log line: event messages, errors, dialogs, the status update.
pub fn text(raw: &str) -> String {
    let s = credentials(raw);
    let s = emails(&s);
    addresses(&s)
}

/// A log line: `text`, then quoted strings, `key=value` values and numbers. A leading
/// timestamp (`2024-05-01T12:00:00Z`) and `level=`/`severity=` stay; a quoted string
/// followed by `:` is a JSON key and stays.
pub fn log_line(raw: &str) -> String {
    let s = text(raw);
    let s = quoted(&s);
    let s = key_values(&s);
    numbers(&s)
}

/// One address field (`client_addr`): an IP becomes its mask, anything else `?`.
pub fn address_field(raw: &str) -> String {
    let bare = raw.split('/').next().unwrap_or(raw);
    if bare.parse::<Ipv4Addr>().is_ok() {
        IPV4_MASK.into()
    } else if bare.parse::<Ipv6Addr>().is_ok() {
        IPV6_MASK.into()
    } else if raw.is_empty() {
        String::new()
    } else {
        "?".into()
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `Bearer abc.def` / `Basic dXNlcjpw` → `Bearer ?` (any case).
fn credentials(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some((at, scheme_len)) = next_scheme(rest) {
        let after = &rest[at + scheme_len..];
        let token_len = after
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == ',')
            .unwrap_or(after.len());
        out.push_str(&rest[..at + scheme_len]);
        out.push('?');
        rest = &after[token_len..];
    }
    out.push_str(rest);
    out
}

/// Where `Bearer ` or `Basic ` (as a word, with the spaces after it) starts in `s`,
/// and its length.
fn next_scheme(s: &str) -> Option<(usize, usize)> {
    let lower = s.to_ascii_lowercase();
    let mut best: Option<(usize, usize)> = None;
    for scheme in ["bearer", "basic"] {
        let mut from = 0;
        while let Some(found) = lower[from..].find(scheme) {
            let at = from + found;
            from = at + scheme.len();
            let starts_word = !s[..at].chars().next_back().is_some_and(is_word);
            let spaces = s[from..].len() - s[from..].trim_start_matches([' ', '\t']).len();
            let token_follows =
                spaces > 0 && s[from + spaces..].starts_with(|c: char| !c.is_whitespace());
            if starts_word && token_follows {
                if best.is_none_or(|(b, _)| at < b) {
                    best = Some((at, scheme.len() + spaces));
                }
                break;
            }
        }
    }
    best
}

/// `alice@example.com` → `?@?`.
fn emails(raw: &str) -> String {
    map_tokens(
        raw,
        |c| c.is_alphanumeric() || "._%+-@".contains(c),
        |token| {
            let (local, domain) = token.split_once('@')?;
            let domain = domain.trim_end_matches('.');
            let ok = !local.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && domain
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
            ok.then(|| "?@?".to_string())
        },
    )
}

/// IPv4 and IPv6 addresses, with `:port` or `[v6]:port`, and `/prefix` lengths.
fn addresses(raw: &str) -> String {
    map_tokens(
        raw,
        |c| c.is_ascii_alphanumeric() || c == '.' || c == ':' || c == '[' || c == ']' || c == '%',
        mask_address_token,
    )
}

fn mask_address_token(token: &str) -> Option<String> {
    let trimmed = token.trim_end_matches(['.', ':']);
    let tail = &token[trimmed.len()..];
    if let Some(inner) = trimmed.strip_prefix('[') {
        let (addr, after) = inner.split_once(']')?;
        addr.split('%').next()?.parse::<Ipv6Addr>().ok()?;
        let port = after.strip_prefix(':').filter(|p| is_port(p));
        return Some(match port {
            Some(_) => format!("[{IPV6_MASK}]:{PORT_MASK}{tail}"),
            None if after.is_empty() => format!("[{IPV6_MASK}]{tail}"),
            None => return None,
        });
    }
    if trimmed.parse::<Ipv4Addr>().is_ok() {
        return Some(format!("{IPV4_MASK}{tail}"));
    }
    if let Some((host, port)) = trimmed.rsplit_once(':') {
        if host.parse::<Ipv4Addr>().is_ok() && is_port(port) {
            return Some(format!("{IPV4_MASK}:{PORT_MASK}{tail}"));
        }
    }
    let zoneless = trimmed.split('%').next()?;
    if zoneless.matches(':').count() >= 2 && zoneless.parse::<Ipv6Addr>().is_ok() {
        return Some(format!("{IPV6_MASK}{tail}"));
    }
    None
}

fn is_port(p: &str) -> bool {
    !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit())
}

/// Each maximal run of `in_token` characters that is not glued to a word on either
/// side goes through `mask` (`None`: kept as it was).
fn map_tokens(
    raw: &str,
    in_token: impl Fn(char) -> bool,
    mask: impl Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    let mut prev: Option<char> = None;
    while let Some(start) = rest.find(&in_token) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        if let Some(c) = before.chars().next_back() {
            prev = Some(c);
        }
        let len = from.find(|c: char| !in_token(c)).unwrap_or(from.len());
        let (token, after) = from.split_at(len);
        let glued = prev.is_some_and(is_word) || after.chars().next().is_some_and(is_word);
        match mask(token).filter(|_| !glued) {
            Some(masked) => out.push_str(&masked),
            None => out.push_str(token),
        }
        prev = token.chars().next_back();
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `"…"` and `'…'` → `"?"`, `'?'`; an apostrophe inside a word (`don't`) opens nothing,
/// and `"key":` stays.
fn quoted(raw: &str) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let opens = (c == '"' || c == '\'') && !i.checked_sub(1).is_some_and(|p| is_word(chars[p]));
        if !opens {
            out.push(c);
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < chars.len() && chars[j] != c {
            if chars[j] == '\\' {
                j += 1;
            }
            j += 1;
        }
        let end = (j + 1).min(chars.len());
        let is_json_key = chars.get(end) == Some(&':') && j < chars.len();
        if is_json_key || end == i + 2 && j < chars.len() {
            out.extend(&chars[i..end]);
        } else {
            out.push(c);
            out.push('?');
            if j < chars.len() {
                out.push(c);
            }
        }
        i = end;
    }
    out
}

/// Keys whose values say how to read the line, not what it is about.
const KEPT_KEYS: [&str; 4] = ["level", "lvl", "severity", "ts"];

/// `key=value` → `key=?` (a quoted value included).
fn key_values(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(eq) = rest.find('=') {
        let (before, after) = rest.split_at(eq);
        let after = &after[1..];
        out.push_str(before);
        out.push('=');
        let key_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_word(*c) || *c == '.' || *c == '-')
            .last()
            .map_or(before.len(), |(i, _)| i);
        let key = &before[key_start..];
        let kept = key.is_empty() || KEPT_KEYS.iter().any(|k| key.eq_ignore_ascii_case(k));
        let value_len = value_len(after);
        if kept || value_len == 0 {
            rest = after;
            continue;
        }
        out.push('?');
        rest = &after[value_len..];
    }
    out.push_str(rest);
    out
}

/// How long the value at the start of `s` is: a quoted string, or up to a separator.
fn value_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, q @ ('"' | '\''))) => chars
            .find(|(_, c)| *c == q)
            .map(|(i, c)| i + c.len_utf8())
            .unwrap_or(s.len()),
        _ => s
            .find(|c: char| c.is_whitespace() || ",;&)]}".contains(c))
            .unwrap_or(s.len()),
    }
}

/// Words made only of digits and `. , : - _` (`42`, `-3.5`, `12:00:01`) → `?`; a word
/// with a letter in it stays. The first word of the line stays when it is a timestamp.
fn numbers(raw: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || "_.,:-+".contains(c);
    let leading = raw.trim_start();
    let first_len = leading.find(char::is_whitespace).unwrap_or(leading.len());
    let first = &leading[..first_len];
    let keep_first = is_timestamp(first);
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    let mut first_seen = false;
    while let Some(start) = rest.find(word) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let len = from.find(|c: char| !word(c)).unwrap_or(from.len());
        let (token, after) = from.split_at(len);
        let is_first = !first_seen;
        first_seen = true;
        // Punctuation around the number (`:42`, `7.`) is the line's, not the number's.
        let lead = token.len() - token.trim_start_matches(['.', ',', ':']).len();
        let body = token[lead..].trim_end_matches(['.', ',', ':']);
        let numeric = body.chars().any(|c| c.is_ascii_digit())
            && body
                .chars()
                .all(|c| c.is_ascii_digit() || "_.,:-+".contains(c));
        if numeric && !(is_first && keep_first) {
            out.push_str(&token[..lead]);
            out.push('?');
            out.push_str(&token[lead + body.len()..]);
        } else {
            out.push_str(token);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `2024-05-01T12:00:00.123Z`, `2024-05-01`, `12:00:01`: a date or a time of day.
fn is_timestamp(word: &str) -> bool {
    let digits = word.chars().filter(char::is_ascii_digit).count();
    let date = word.len() >= 10
        && word.as_bytes().get(4) == Some(&b'-')
        && word.as_bytes().get(7) == Some(&b'-');
    let time = word.as_bytes().get(2) == Some(&b':') && word.as_bytes().get(5) == Some(&b':');
    digits >= 6 && (date || time)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv4_with_and_without_port_is_masked() {
        assert_eq!(
            text("connect to 10.0.3.17:5432 from 192.168.1.5 failed"),
            "connect to x.x.x.x:x from x.x.x.x failed"
        );
        assert_eq!(text("cidr 10.0.0.0/16."), "cidr x.x.x.x/16.");
    }

    #[test]
    fn ipv6_forms_are_masked_times_are_not() {
        assert_eq!(text("peer [2001:db8::1]:443 ok"), "peer [x:x::x]:x ok");
        assert_eq!(text("from fe80::1%eth0 and ::1"), "from x:x::x and x:x::x");
        assert_eq!(text("at 12:42:56 cafe:beef"), "at 12:42:56 cafe:beef");
    }

    #[test]
    fn versions_and_names_are_not_addresses() {
        assert_eq!(
            text("kitops-backend-7d9f image v1.2.3.4 node ip-10-0-1-5"),
            "kitops-backend-7d9f image v1.2.3.4 node ip-10-0-1-5"
        );
    }

    #[test]
    fn emails_and_credentials_are_masked() {
        assert_eq!(
            text("user alice.b+ops@example.co.uk sent Authorization: Bearer eyJhbGc.x-y_z"),
            "user ?@? sent Authorization: Bearer ?"
        );
        assert_eq!(text("basic  dXNlcjpwYXNz, next"), "basic  ?, next");
        assert_eq!(text("a basically fine line"), "a basically fine line");
    }

    #[test]
    fn log_line_masks_values_and_keeps_names() {
        assert_eq!(
            log_line("2024-05-01T12:00:00Z level=error pod kitops-backend-7d9f user_id=4711 msg=\"card 4242 declined\" took 150ms"),
            "2024-05-01T12:00:00Z level=error pod kitops-backend-7d9f user_id=? msg=? took 150ms"
        );
    }

    #[test]
    fn log_line_masks_numbers_and_quoted_strings() {
        assert_eq!(
            log_line("GET /api/v1/users/12345 returned 500 in 'eu-west' for \"bob\" (-3.5)"),
            "GET /api/v1/users/? returned ? in '?' for \"?\" (?)"
        );
    }

    #[test]
    fn log_line_keeps_json_keys_and_apostrophes() {
        assert_eq!(
            log_line(r#"{"user":"alice","id":42} don't retry"#),
            r#"{"user":"?","id":?} don't retry"#
        );
    }

    #[test]
    fn log_line_masks_addresses_in_urls() {
        assert_eq!(
            log_line("probe http://10.1.2.3:8080/healthz?token=abc failed"),
            "probe http://x.x.x.x:x/healthz?token=? failed"
        );
    }

    #[test]
    fn address_fields_are_masked_whole() {
        assert_eq!(address_field("10.0.3.17"), IPV4_MASK);
        assert_eq!(address_field("2001:db8::5/128"), IPV6_MASK);
        assert_eq!(address_field("client.example.com"), "?");
        assert_eq!(address_field(""), "");
    }
}
