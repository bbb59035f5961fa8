//! The one corpus of hostile text the tests feed through every source they control, and
//! the checks of what leaves the process: nothing in it may reach a terminal, the
//! clipboard or a file raw — only its escaped forms (`\e`, `\x9b`, `\u{202e}`).

/// The OSC 52 payload the corpus tries to plant in the clipboard ("echo pwned | sh").
pub const OSC52_PAYLOAD: &str = "ZWNobyBwd25lZCB8IHNo";

/// Named pieces, each one class of hostile text.
pub const PIECES: &[(&str, &str)] = &[
    // First, and after a letter: ratatui drops a lone zero-width grapheme (a control, a
    // bidi mark) but draws tags that extend a letter, so these are the ones that reach a
    // terminal raw if a field skips the sanitizer — even in a narrow column.
    ("tag characters", "tag\u{e0041}\u{e0042}"),
    (
        "OSC 52 clipboard write",
        "\u{1b}]52;c;ZWNobyBwd25lZCB8IHNo\u{7}",
    ),
    ("clear screen", "\u{1b}[2J"),
    (
        "bracketed-paste end, newline, command",
        "\u{1b}[201~\nrm -rf ~\n",
    ),
    (
        "C1 controls incl. CSI",
        "\u{80}\u{85}\u{90}\u{9b}31m\u{9c}\u{9f}",
    ),
    (
        "bidi controls",
        "\u{202e}gnp.exe\u{2066}\u{2067}\u{2068}\u{2069}\u{61c}",
    ),
    ("zero-width", "a\u{200b}b\u{feff}c"),
    ("line and paragraph separators", "x\u{2028}y\u{2029}z"),
    ("wide CJK", "漢字テスト"),
    ("combining", "e\u{301}\u{302}o\u{308}"),
];

/// Every piece on one line (its newlines included), marked so a test can find it.
pub fn line() -> String {
    let mut s = String::from("HOSTILE<");
    for (_, piece) in PIECES {
        s.push_str(piece);
    }
    s.push('>');
    s
}

/// The corpus, then padding to 1 MB: what a server can send where it sends any length.
pub fn megabyte() -> String {
    let mut s = line();
    while s.len() < 1 << 20 {
        s.push_str("漢e\u{301}\u{202e}");
    }
    s
}

/// The corpus's hostile code points: controls (C0 but tab and newline, C1), bidi, tag,
/// zero-width and separator characters.
pub fn is_raw_hazard(c: char) -> bool {
    c != '\n' && c != '\t' && kitops_top::escape::hazard(c).is_some()
}

/// The hostile code points in a file's text (every control counts but newline and tab).
pub fn raw_in_file(text: &str) -> Vec<char> {
    let mut found: Vec<char> = text.chars().filter(|&c| is_raw_hazard(c)).collect();
    found.dedup();
    found
}

/// What of the corpus is raw in the bytes written to a terminal. The console writes
/// ESC, CR and BEL itself (to draw, and to end its own OSC 52), so those are checked as
/// the corpus's sequences instead; every other hostile code point must be absent.
pub fn raw_in_terminal(bytes: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(bytes);
    let mut found: Vec<String> = text
        .chars()
        .filter(|&c| is_raw_hazard(c) && !matches!(c, '\u{1b}' | '\r' | '\u{7}'))
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    found.sort();
    found.dedup();
    for seq in ["\u{1b}[201~", "\u{1b}]52;c;ZWNobyBwd25lZCB8IHNo"] {
        if text.contains(seq) {
            found.push(format!("{seq:?}"));
        }
    }
    found
}

/// The text of every OSC 52 clipboard write in `bytes` (base64-decoded).
pub fn clipboard_writes(bytes: &[u8]) -> Vec<String> {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(bytes);
    text.split("\u{1b}]52;c;")
        .skip(1)
        .filter_map(|rest| {
            let end = rest.find(['\u{7}', '\u{1b}'])?;
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(&rest[..end])
                .ok()?;
            Some(String::from_utf8_lossy(&decoded).into_owned())
        })
        .collect()
}

/// The corpus as one line (its newlines as spaces), for protocols that end a field at a
/// line break (a RESP simple error, an INFO field): every hazard but the newline stays.
pub fn one_line() -> String {
    line().replace('\n', " ")
}

/// The corpus cut into names of at most `max_bytes` bytes each (`HOSTILE<…>` and then
/// `suffix`, which keeps a name unique), consecutive pieces per name: together they hold
/// every piece, for fields that take short names only (PostgreSQL's 63-byte identifiers).
pub fn name_slices(max_bytes: usize, suffix: &str) -> Vec<String> {
    let overhead = "HOSTILE<>".len() + suffix.len();
    let mut names = Vec::new();
    let mut current = String::new();
    for (what, piece) in PIECES {
        assert!(
            overhead + piece.len() <= max_bytes,
            "{what} alone is longer than {max_bytes} bytes"
        );
        if overhead + current.len() + piece.len() > max_bytes {
            names.push(std::mem::take(&mut current));
        }
        current.push_str(piece);
    }
    names.push(current);
    names
        .into_iter()
        .map(|pieces| format!("HOSTILE<{pieces}>{suffix}"))
        .collect()
}

/// The corpus without its C0 controls (ESC, BEL, newline): what an XML 1.0 document can
/// carry at all. moto returns C0 controls raw inside its XML, which no XML parser
/// accepts (real AWS escapes or refuses them); C1, bidi, tags and the rest stay.
pub fn xml_legal() -> String {
    line().chars().filter(|&c| c >= ' ').collect()
}
