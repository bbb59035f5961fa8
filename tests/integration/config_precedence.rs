//! flag > environment > config file > default, for every layered setting.

use std::collections::HashMap;
use std::time::Duration;

use clap::Parser;
use kitops_top::cli::Cli;
use kitops_top::config::{self, FileConfig};

fn file(text: &str) -> FileConfig {
    toml::from_str(text).expect("test config parses")
}

fn resolve(
    args: &[&str],
    env: &[(&str, &str)],
    file: &FileConfig,
) -> Result<config::Config, config::ConfigError> {
    let cli = Cli::try_parse_from(std::iter::once("kitops-top").chain(args.iter().copied()))
        .expect("args parse");
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    config::resolve(&cli.opts, &|k| env.get(k).cloned(), file)
}

#[test]
fn defaults_are_the_runbooks() {
    let c = resolve(&[], &[], &FileConfig::default()).expect("resolves");
    assert_eq!(c.kube.namespace, "kitops");
    assert_eq!(c.kube.deployment, "kitops-backend");
    assert_eq!(c.aws.rds_instance, "kitops-production");
    assert_eq!(c.refresh, Duration::from_secs(2));
    assert_eq!(c.aws.refresh, Duration::from_secs(15));
    assert_eq!(c.postgres.connections_warn_percent, 80.0);
    assert_eq!(c.thresholds.p95_ms, 200.0);
    assert_eq!(c.thresholds.error_rate_percent, 0.1);
    assert!(c.postgres.url.is_none() && c.redis.url.is_none());
    assert!(!c.readonly && !c.no_color);
}

#[test]
fn flag_beats_env_beats_file() {
    let f = file("[postgres]\nurl = \"postgres://file@h/db\"\n[redis]\nurl = \"redis://file:6379\"\n[aws]\nregion = \"eu-west-1\"\n");
    let env = [
        ("KITOPS_PG_URL", "postgres://env@h/db"),
        ("AWS_REGION", "us-west-2"),
    ];

    let c = resolve(&["--pg", "postgres://flag@h/db"], &env, &f).expect("resolves");
    assert_eq!(
        c.postgres.url.as_ref().map(|u| u.expose()),
        Some("postgres://flag@h/db")
    );
    let c = resolve(&[], &env, &f).expect("resolves");
    assert_eq!(
        c.postgres.url.as_ref().map(|u| u.expose()),
        Some("postgres://env@h/db")
    );
    assert_eq!(c.aws.region.as_deref(), Some("us-west-2"));
    let c = resolve(&[], &[], &f).expect("resolves");
    assert_eq!(
        c.postgres.url.as_ref().map(|u| u.expose()),
        Some("postgres://file@h/db")
    );
    assert_eq!(
        c.redis.url.as_ref().map(|u| u.expose()),
        Some("redis://file:6379")
    );
    assert_eq!(c.aws.region.as_deref(), Some("eu-west-1"));
    let c = resolve(&["--aws-region", "ap-south-1"], &env, &f).expect("resolves");
    assert_eq!(c.aws.region.as_deref(), Some("ap-south-1"));
}

#[test]
fn namespace_refresh_theme_keymap_layer_the_same_way() {
    let f = file("refresh = \"5s\"\ntheme = \"light\"\nkeymap = \"vim\"\n[kubernetes]\nnamespace = \"staging\"\n");
    let c = resolve(&[], &[], &f).expect("resolves");
    assert_eq!(
        (
            c.kube.namespace.as_str(),
            c.refresh,
            c.theme.as_str(),
            c.keymap.as_str()
        ),
        ("staging", Duration::from_secs(5), "light", "vim")
    );
    let c = resolve(
        &[
            "-n",
            "prod",
            "--refresh",
            "500ms",
            "--theme",
            "high-contrast",
            "--keymap",
            "default",
        ],
        &[],
        &f,
    )
    .expect("resolves");
    assert_eq!(
        (
            c.kube.namespace.as_str(),
            c.refresh,
            c.theme.as_str(),
            c.keymap.as_str()
        ),
        (
            "prod",
            Duration::from_millis(500),
            "high-contrast",
            "default"
        )
    );
}

#[test]
fn no_color_env_and_flag() {
    assert!(
        resolve(&[], &[("NO_COLOR", "1")], &FileConfig::default())
            .expect("resolves")
            .no_color
    );
    assert!(
        !resolve(&[], &[("NO_COLOR", "")], &FileConfig::default())
            .expect("resolves")
            .no_color,
        "empty NO_COLOR is unset"
    );
    assert!(
        resolve(&["--no-color"], &[], &FileConfig::default())
            .expect("resolves")
            .no_color
    );
}

#[test]
fn production_contexts_come_from_the_file() {
    let f =
        file("[contexts.prod-eks]\nproduction = true\n[contexts.staging]\nproduction = false\n");
    let c = resolve(&[], &[], &f).expect("resolves");
    assert!(c.is_production(Some("prod-eks")));
    assert!(!c.is_production(Some("staging")));
    assert!(!c.is_production(None));
}

#[test]
fn bad_values_are_one_clear_line() {
    let e = resolve(&["--refresh", "soon"], &[], &FileConfig::default()).expect_err("bad duration");
    assert!(
        e.to_string()
            .starts_with("--refresh: invalid duration \"soon\""),
        "{e}"
    );
    let e = resolve(&["--pg", "http://x"], &[], &FileConfig::default()).expect_err("bad scheme");
    assert!(e.to_string().contains("unsupported scheme \"http\""), "{e}");
    let e = resolve(
        &["--redis", "redis://:hunter2@[bad"],
        &[],
        &FileConfig::default(),
    )
    .expect_err("malformed");
    assert!(e.to_string().starts_with("--redis: malformed URL"), "{e}");
    assert!(!e.to_string().contains("hunter2"), "password leaked: {e}");
    let e = resolve(&["--refresh", "0s"], &[], &FileConfig::default()).expect_err("zero");
    assert!(e.to_string().contains("greater than zero"), "{e}");
}

#[test]
fn printed_default_config_is_valid_and_matches_the_defaults() {
    let f: FileConfig = toml::from_str(config::DEFAULT_CONFIG_TOML).expect("default config parses");
    let from_file = resolve(&[], &[], &f).expect("resolves");
    let builtin = resolve(&[], &[], &FileConfig::default()).expect("resolves");
    assert_eq!(
        from_file, builtin,
        "the commented default must say what the defaults are"
    );
}

#[test]
fn printed_default_names_the_runbook_dependencies_ready_to_uncomment() {
    let uncommented: String = config::DEFAULT_CONFIG_TOML
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with("[[dependencies]]")
                    || rest.starts_with("name = ")
                    || rest.starts_with("url = ") =>
            {
                rest
            }
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let f: FileConfig = toml::from_str(&uncommented).expect("uncommented default parses");
    let c = resolve(&[], &[], &f).expect("resolves");
    let urls: Vec<&str> = c.deps.checks.iter().map(|d| d.shown.as_str()).collect();
    assert_eq!(
        urls,
        [
            "tcp://kitops-postgres:5432",
            "tcp://kitops-redis:6379",
            "https://api.stripe.com/v1/charges",
            "https://api.openai.com/v1/models"
        ]
    );
}
