//! Every string that comes from a server passes through here before it reaches a
//! cell: control characters and ANSI/OSC escape sequences are shown escaped, never
//! sent to the terminal (the CVE-2021-25743 class that kubectl had to fix).

use std::fmt::Write;

/// Text that is safe to put on screen. Only constructible through the sanitizer.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash, PartialOrd, Ord)]
pub struct SafeText(String);

impl SafeText {
    /// For table cells: one line, runs of whitespace (newlines, tabs) collapsed to one space.
    pub fn line(raw: &str) -> Self {
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
    match ch {
        '\u{1b}' => out.push_str("\\e"),
        c if c.is_control() => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        // Bidi overrides and zero-width characters can disguise what a cell says.
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => {
            let _ = write!(out, "\\u{{{:x}}}", ch as u32);
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
