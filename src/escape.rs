//! Which characters must never reach a terminal (or a file someone will `cat`) raw,
//! and the visible form each one takes instead. One classification shared by the
//! screen sanitizer (`ui::sanitize`), the clipboard, the log file, config errors and
//! `snapshot --format json`, so the rule cannot differ between exits.
//! The table of classes and what each becomes is in `ui::sanitize`'s module doc.

use std::fmt::Write;

use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

/// Why a character is not shown as itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hazard {
    /// ESC: starts CSI/OSC/DCS sequences (clear screen, set clipboard, retitle…).
    Escape,
    /// C0 (U+0000–U+001F), DEL and C1 (U+0080–U+009F) controls: terminal commands.
    Control,
    /// General category Cf: bidi overrides/isolates, zero-width characters, soft
    /// hyphen, Arabic letter mark, BOM, interlinear annotations, tag characters.
    /// Invisible, or reorder what is shown (the "Trojan Source" class).
    Format,
    /// U+2028 / U+2029 (Zl / Zp): line breaks that some terminals and editors honour.
    LineSeparator,
    /// U+E000–U+F8FF and planes 15–16: glyphs only a private font knows.
    PrivateUse,
    /// Unassigned code points and noncharacters (U+FFF0–U+FFF8, U+FDD0–U+FDEF,
    /// U+xFFFE/U+xFFFF…): no glyph today, so they can hide or smuggle text.
    Unassigned,
    /// Hangul fillers (U+115F, U+1160, U+3164, U+FFA0): letters that draw as blank,
    /// used to make a name look like another.
    BlankLetter,
}

/// The hazard `ch` poses, or `None` when it can be shown as itself.
pub fn hazard(ch: char) -> Option<Hazard> {
    // Printable ASCII (letters, digits, punctuation, space) is never a hazard: most
    // of what is sanitized (100,000 pod names) is decided here, without a table lookup.
    if matches!(ch, ' '..='~') {
        return None;
    }
    if ch == '\u{1b}' {
        return Some(Hazard::Escape);
    }
    if matches!(ch, '\u{115f}' | '\u{1160}' | '\u{3164}' | '\u{ffa0}') {
        return Some(Hazard::BlankLetter);
    }
    match ch.general_category() {
        GeneralCategory::Control => Some(Hazard::Control),
        GeneralCategory::Format => Some(Hazard::Format),
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
            Some(Hazard::LineSeparator)
        }
        GeneralCategory::PrivateUse => Some(Hazard::PrivateUse),
        GeneralCategory::Unassigned | GeneralCategory::Surrogate => Some(Hazard::Unassigned),
        _ => None,
    }
}

/// Appends `ch`, or its escaped form when it is a hazard: `\e` for ESC, `\xNN` for
/// controls, `\u{XXXX}` for everything else. Newline and tab are controls here too;
/// callers that keep them (multi-line views, collapsing to spaces) handle them first.
pub fn push_shown(out: &mut String, ch: char) {
    match hazard(ch) {
        None => out.push(ch),
        Some(Hazard::Escape) => out.push_str("\\e"),
        Some(Hazard::Control) => {
            let _ = write!(out, "\\x{:02x}", ch as u32);
        }
        Some(_) => {
            let _ = write!(out, "\\u{{{:x}}}", ch as u32);
        }
    }
}

/// One line with every hazard escaped, newline, CR and tab included (as `\n`, `\r`,
/// `\t`): for messages that must stay one line (config errors, log lines). A literal
/// backslash stays single: the escaped forms are for a human reading the line, and
/// doubling backslashes would garble Windows paths and regexes in queries.
pub fn escape_line(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for ch in raw.chars() {
        match ch {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => push_shown(&mut out, ch),
        }
    }
    out
}

/// `value` as JSON for a file or a terminal: serde_json, then `escape_json_text`. Every
/// JSON exit (snapshot, timeline, recordings, the audit log, the incident file) writes
/// through this one, so none can forget the second step.
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string(value).map(|json| escape_json_text(&json))
}

/// `to_json`, indented.
pub fn to_json_pretty<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    serde_json::to_string_pretty(value).map(|json| escape_json_text(&json))
}

/// Serialized JSON with every hazard that serde_json leaves raw (it escapes only
/// U+0000–U+001F) written as `\uXXXX` (a surrogate pair above U+FFFF). Hazards can
/// only occur inside JSON strings, where `\uXXXX` means the same character, so the
/// document parses to exactly the same value.
pub fn escape_json_text(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for ch in json.chars() {
        if hazard(ch).is_none() || ch == '\n' {
            out.push(ch);
            continue;
        }
        let mut units = [0u16; 2];
        for unit in ch.encode_utf16(&mut units) {
            let _ = write!(out, "\\u{unit:04x}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_not_a_hazard() {
        for ch in [
            'a', 'é', '€', '日', '🦀', ' ', '\u{301}', '\u{fe0f}', '\u{a0}',
        ] {
            assert_eq!(hazard(ch), None, "{:x}", ch as u32);
        }
    }

    #[test]
    fn escape_line_keeps_one_line() {
        assert_eq!(
            escape_line("theme \u{1b}[2Jx\nnext\tcol\r\u{202e}\\"),
            "theme \\e[2Jx\\nnext\\tcol\\r\\u{202e}\\"
        );
    }

    #[test]
    fn json_text_escapes_what_serde_json_leaves_raw() {
        let value = serde_json::json!({"name": "a\u{85}b\u{202e}c\u{e0041}d\u{1b}"});
        let text = escape_json_text(&serde_json::to_string(&value).expect("serializes"));
        assert_eq!(text, r#"{"name":"a\u0085b\u202ec\udb40\udc41d\u001b"}"#);
        let back: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
        assert_eq!(back, value);
    }
}
