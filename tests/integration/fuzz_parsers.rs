//! Property tests (proptest; cargo-fuzz needs nightly, which CI does not have) for every
//! parser of outside input — the config file, keymaps, themes, recordings, Redis INFO,
//! the PostgreSQL activity document — and for the sanitizer. Inputs are the real
//! built-in texts with random edits (bytes inserted, deleted, replaced, hostile
//! characters spliced in), plus free-form strings: no input may panic, and sanitized
//! text never carries a raw control, escape or bidi character. 256 cases each, so the
//! whole file runs in seconds; a failing case is shrunk by proptest and belongs in
//! `regressions` below as a fixed input.

use std::path::Path;

use kitops_top::collect::postgres::decode;
use kitops_top::collect::redis::info;
use kitops_top::collect::replay::{Recording, BUILT_IN};
use kitops_top::config::keymap::{Keymap, DEFAULT_KEYMAP, VIM_KEYMAP};
use kitops_top::config::{file, FileConfig, DEFAULT_CONFIG_TOML};
use kitops_top::escape::{escape_json_text, escape_line, hazard};
use kitops_top::view::safe_text::{clipboard, SafeText};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Characters that break terminals, parsers or readers, mixed with anything.
fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => prop::sample::select(vec![
            '\u{1b}', '\u{9b}', '\u{9d}', '\u{90}', '\u{7}', '\u{0}', '\r', '\n', '\t', '\u{7f}',
            '\u{202e}', '\u{2066}', '\u{61c}', '\u{200b}', '\u{feff}', '\u{2028}', '\u{2029}',
            '\u{e0041}', '\u{e000}', '\u{fffe}', '\u{3164}', '\u{301}', '界', '"', '\\', '[',
            ']', '=', '#', '{', '}', ':', ',', '\'',
        ]),
        1 => prop::char::range('\u{0}', '\u{7f}'),
    ]
}

fn hostile_string(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..max).prop_map(|v| v.into_iter().collect())
}

/// One edit of a text: at a relative position, delete some chars and insert others.
#[derive(Debug, Clone)]
struct Edit {
    at: f64,
    delete: usize,
    insert: String,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (0.0..1.0f64, 0..8usize, hostile_string(6)).prop_map(|(at, delete, insert)| Edit {
            at,
            delete,
            insert,
        }),
        1..6,
    )
}

fn mutate(base: &str, edits: &[Edit]) -> String {
    let mut chars: Vec<char> = base.chars().collect();
    for e in edits {
        let at = ((chars.len() as f64) * e.at) as usize;
        let at = at.min(chars.len());
        let end = (at + e.delete).min(chars.len());
        chars.splice(at..end, e.insert.chars());
    }
    chars.into_iter().collect()
}

/// No raw hazard (escape, control, bidi, format, separator…) in sanitized one-line text.
fn assert_clean(what: &str, input: &str, out: &str, allow_newline: bool) {
    let raw: Vec<char> = out
        .chars()
        .filter(|&c| !(allow_newline && c == '\n') && hazard(c).is_some())
        .collect();
    assert!(
        raw.is_empty(),
        "{what} left raw {raw:?} from {input:?}: {out:?}"
    );
}

fn check_sanitizer(s: &str) {
    let line = SafeText::line(s);
    assert_clean("SafeText::line", s, line.as_str(), false);
    let block = SafeText::block(s);
    assert_clean("SafeText::block", s, block.as_str(), true);
    let escaped = escape_line(s);
    assert_clean("escape_line", s, &escaped, false);
    let copied = clipboard(s);
    assert_clean("clipboard", s, &copied, false);
    assert!(
        !copied.ends_with('\n'),
        "clipboard text ends with a newline: {copied:?}"
    );
    // JSON: a serialized string, escaped, is still JSON for the same string, with no raw hazard.
    let json = serde_json::to_string(&s).expect("serialize");
    let safe = escape_json_text(&json);
    assert_clean("escape_json_text", s, &safe, false);
    let back: String = serde_json::from_str(&safe).expect("escaped JSON parses");
    assert_eq!(back, s, "escape_json_text changed the value");
}

fn check_config(text: &str) {
    if let Ok(file) = file::parse_toml::<FileConfig>(Path::new("fuzz.toml"), text) {
        let opts = kitops_top::cli::Opts::default();
        let _ = kitops_top::config::resolve(&opts, &|_| None, &file);
    }
}

fn check_keymap(text: &str) {
    let mut map = Keymap::default();
    let _ = map.apply(Path::new("fuzz-keymap.toml"), text, true);
}

fn check_theme(dir: &Path, text: &str) {
    let path = dir.join("theme.toml");
    std::fs::write(&path, text).expect("write theme");
    if let Err(e) = kitops_top::ui::theme::Theme::load(&path.display().to_string(), false, false) {
        // The error line is shown raw by main: it must be clean too.
        let msg = e.to_string();
        assert_clean("theme error", text, &msg, false);
    }
}

fn check_recording(text: &str) {
    if let Ok(rec) = Recording::parse(text) {
        let _ = rec.lines().len();
    }
}

fn check_pg(text: &str) {
    let _ = decode(text);
}

fn check_info(text: &str) {
    let _ = info::parse(text);
}

const INFO_SAMPLE: &str = "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\nrun_id:754b8c0bfc5540a3da705271cb4bc65599fdf532\r\nuptime_in_seconds:5245\r\n# Clients\r\nconnected_clients:1\r\nblocked_clients:0\r\n# Memory\r\nused_memory:1168072\r\nused_memory_rss:7032832\r\nmaxmemory:0\r\nmaxmemory_policy:noeviction\r\nmem_fragmentation_ratio:7.60\r\n# Stats\r\ntotal_commands_processed:1306\r\ninstantaneous_ops_per_sec:0\r\nrejected_connections:0\r\nexpired_keys:0\r\nevicted_keys:0\r\nkeyspace_hits:6\r\nkeyspace_misses:14\r\n# Replication\r\nrole:master\r\nconnected_slaves:1\r\nslave0:ip=10.0.0.2,port=6379,state=online,offset=1,lag=0\r\nmaster_repl_offset:0\r\n# Cluster\r\ncluster_enabled:0\r\n# Keyspace\r\ndb0:keys=1000,expires=0,avg_ttl=0\r\n";

const PG_SAMPLE: &str = r#"{"now_us":1780000000000000,"version":160004,"max_connections":100,"superuser_reserved":3,"pgss_version":null,"pgss_schema":null,"preload":null,"current_user":"postgres","read_all_stats":true,"signal_backend":true,"superuser":true,"counts":{"used":3,"own":1,"active":2,"idle":1,"idle_in_transaction":0,"idle_in_transaction_aborted":0,"waiting":1,"insufficient_privilege":0},"sessions":[],"waits":[{"pid":42,"locktype":"relation","mode":"AccessExclusiveLock","object":"public.t","wait_start_us":1779999990000000}],"held":[{"holder":41,"mode":"RowExclusiveLock"}],"prepared":[]}"#;

#[test]
fn the_seeds_parse() {
    check_sanitizer("seed");
    assert!(file::parse_toml::<FileConfig>(Path::new("d.toml"), DEFAULT_CONFIG_TOML).is_ok());
    assert!(Keymap::default()
        .apply(Path::new("k.toml"), DEFAULT_KEYMAP, false)
        .is_ok());
    assert!(Recording::parse(BUILT_IN).is_ok());
    assert_eq!(info::parse(INFO_SAMPLE).redis_version, "7.0.15");
    if let Err(e) = decode(PG_SAMPLE) {
        panic!("the PostgreSQL seed must decode: {e}");
    }
}

/// The built-in recording's JSON lines (it is stored gzip-compressed).
fn built_in_text() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(BUILT_IN), &mut text)
            .expect("the built-in recording is gzip");
        text
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn sanitizer_output_is_never_raw(s in hostile_string(200)) {
        check_sanitizer(&s);
    }

    #[test]
    fn config_file_never_panics(e in edits(), free in hostile_string(200)) {
        check_config(&mutate(DEFAULT_CONFIG_TOML, &e));
        check_config(&free);
    }

    #[test]
    fn keymap_never_panics(e in edits(), vim in any::<bool>(), free in hostile_string(200)) {
        check_keymap(&mutate(if vim { VIM_KEYMAP } else { DEFAULT_KEYMAP }, &e));
        check_keymap(&free);
    }

    #[test]
    fn theme_never_panics(e in edits(), which in 0..kitops_top::ui::theme::BUILTIN.len()) {
        let dir = tempfile::tempdir().expect("tempdir");
        check_theme(dir.path(), &mutate(kitops_top::ui::theme::BUILTIN[which].1, &e));
    }

    #[test]
    fn recording_never_panics(e in edits(), lines in 1..40usize, free in hostile_string(200)) {
        // The header and a few records of the built-in recording, decompressed, edited.
        let head: String = built_in_text().lines().take(lines).collect::<Vec<_>>().join("\n");
        check_recording(&mutate(&head, &e));
        check_recording(&free);
    }

    #[test]
    fn redis_info_never_panics(e in edits(), free in hostile_string(300)) {
        check_info(&mutate(INFO_SAMPLE, &e));
        check_info(&free);
    }

    #[test]
    fn postgres_document_never_panics(e in edits(), free in hostile_string(200)) {
        check_pg(&mutate(PG_SAMPLE, &e));
        check_pg(&free);
    }

    /// Numbers at the edges of their types in the PostgreSQL document.
    #[test]
    fn postgres_document_numbers_never_panic(
        now in any::<i64>(), start in any::<i64>(), max in any::<i64>(), pid in any::<i32>()
    ) {
        let text = PG_SAMPLE
            .replace("1780000000000000", &now.to_string())
            .replace("1779999990000000", &start.to_string())
            .replace("\"max_connections\":100", &format!("\"max_connections\":{max}"))
            .replace("\"pid\":42", &format!("\"pid\":{pid}"));
        check_pg(&text);
    }
}

/// Inputs proptest (or a person) found; each must stay harmless.
#[test]
fn regressions() {
    for s in [
        "\u{1b}[201~\nrm -rf /\n",
        "\u{9b}2J",
        "a\u{202e}b",
        "\r\n",
        "",
    ] {
        check_sanitizer(s);
    }
    check_config("refresh = \"9999999999999999h\"\n");
    check_config("refresh = \"-1s\"\n");
    check_recording("{\"at_ms\":18446744073709551615,\"wall\":{\"secs_since_epoch\":18446744073709551615,\"nanos_since_epoch\":4294967295},\"frame\":{}}");
    check_info("db0:keys=,expires=-1,avg_ttl=99999999999999999999999\r\nkeyspace_hits:-5\r\n");
}
