//! Every file in tests/fixtures/config/valid loads; every file in invalid/ fails
//! with the one-line message (prefix) written beside it in a `.err` file.

use std::path::{Path, PathBuf};

use kitops_top::cli::Opts;
use kitops_top::config;

fn files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
}

fn load(path: &Path) -> Result<config::Config, config::ConfigError> {
    let opts = Opts {
        config: Some(path.to_path_buf()),
        ..Opts::default()
    };
    let f = config::load_file(&opts, &|_| None)?;
    config::resolve(&opts, &|_| None, &f)
}

#[test]
fn valid_fixtures_load() {
    let all = files("tests/fixtures/config/valid");
    assert!(all.len() >= 2);
    for p in all {
        load(&p).unwrap_or_else(|e| panic!("{} should load: {e}", p.display()));
    }
}

#[test]
fn invalid_fixtures_fail_with_their_message() {
    let all = files("tests/fixtures/config/invalid");
    assert!(all.len() >= 5);
    for p in all {
        let expected = std::fs::read_to_string(p.with_extension("err"))
            .expect("every invalid fixture has a .err");
        let err = load(&p)
            .err()
            .unwrap_or_else(|| panic!("{} should fail", p.display()))
            .to_string();
        assert!(
            err.starts_with(expected.trim_end_matches('\n')),
            "{}: got {err:?}, want prefix {expected:?}",
            p.display()
        );
        assert!(!err.contains('\n'), "one line: {err:?}");
    }
}

#[test]
fn missing_explicit_config_is_an_error_but_missing_default_is_fine() {
    let e = load(Path::new("tests/fixtures/config/nope.toml")).expect_err("missing -c file");
    assert!(
        e.to_string()
            .starts_with("tests/fixtures/config/nope.toml: cannot read"),
        "{e}"
    );
    let opts = Opts::default();
    let f = config::load_file(&opts, &|k| {
        (k == "XDG_CONFIG_HOME").then(|| "/nonexistent".into())
    })
    .expect("absent default is fine");
    assert_eq!(f, config::FileConfig::default());
}
