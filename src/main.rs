use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use kitops_top::cli::{Cli, Sub, TimelineFormat};
use kitops_top::collect::replay::{self, Recording};
use kitops_top::config::{self, keymap::Keymap, ConfigError};
use kitops_top::headless::session_recorder::SessionRecorder;
use kitops_top::runtime::Feed;
use kitops_top::ui::theme::Theme;
use kitops_top::{headless, logging, runtime, terminal};

/// Bad input (flags, URLs, config, theme, keymap) exits 2 with one clear line.
const EXIT_USAGE: u8 = 2;

fn main() -> ExitCode {
    kitops_top::heap::use_single_arena();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return cli_error(e),
    };
    if let Err(e) = terminal::install_panic_hook() {
        terminal::report(&format!("kitops-top: {e}"));
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            terminal::restore();
            terminal::report(&format!("kitops-top: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// `--help` and `--version` print as clap prints them; every usage error is one line,
/// as the README promises, instead of clap's usage block.
fn cli_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit();
    }
    let rendered = e.to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    terminal::report(&format!(
        "kitops-top: {}; try --help",
        kitops_top::escape::escape_line(first)
    ));
    ExitCode::from(EXIT_USAGE)
}

/// The console draws on a terminal: with stdin or stdout redirected it would write
/// escape sequences into a file or pipe and read no keys. Checked before the terminal
/// is touched.
fn require_terminal() -> Result<(), ConfigError> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(ConfigError::plain(
        "the console needs a terminal (stdin and stdout must be a tty); \
         for scripts use `kitops-top doctor` or `kitops-top snapshot`",
    ))
}

fn usage_error(e: ConfigError) -> ExitCode {
    terminal::report(&format!("kitops-top: {e}"));
    ExitCode::from(EXIT_USAGE)
}

/// A recording file, or the one line that says why it cannot be played.
fn read_recording(path: &std::path::Path) -> Result<Recording, ConfigError> {
    let bytes = std::fs::read(path).map_err(|e| {
        ConfigError::plain(format!("cannot read recording {}: {e}", path.display()))
    })?;
    Recording::parse(&bytes).map_err(|e| ConfigError::plain(format!("{}: {e}", path.display())))
}

fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    if let Some(Sub::Config {
        print_default: true,
    }) = cli.command
    {
        print!("{}", config::DEFAULT_CONFIG_TOML);
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(Sub::Timeline { file, format }) = &cli.command {
        let recording = match read_recording(file) {
            Ok(r) => r,
            Err(e) => return Ok(usage_error(e)),
        };
        let timeline = headless::timeline::build(&recording);
        match format {
            TimelineFormat::Markdown => print!("{}", headless::timeline::markdown(&timeline)),
            // Escaped as `snapshot --format json` is: the same characters, none raw.
            TimelineFormat::Json => {
                println!("{}", kitops_top::escape::to_json_pretty(&timeline)?)
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    let env = |k: &str| std::env::var(k).ok();
    let file = match config::load_file(&cli.opts, &env) {
        Ok(f) => f,
        Err(e) => return Ok(usage_error(e)),
    };
    let cfg = match config::resolve(&cli.opts, &env, &file) {
        Ok(c) => c,
        Err(e) => return Ok(usage_error(e)),
    };
    let keymap = match Keymap::load(&cfg.keymap) {
        Ok(k) => k,
        Err(e) => return Ok(usage_error(e)),
    };
    let theme = match Theme::load(&cfg.theme, cfg.no_color, cfg.ascii) {
        Ok(t) => t,
        Err(e) => return Ok(usage_error(e)),
    };
    let _log_guard = match logging::init(&cfg.log_file) {
        Ok(g) => g,
        Err(e) => {
            return Ok(usage_error(ConfigError::plain(format!(
                "cannot open log file {}: {e}",
                cfg.log_file.display()
            ))))
        }
    };
    // The log's start line: which session's audit entries and recording these lines go with.
    tracing::info!(
        session = logging::session_id(),
        version = env!("CARGO_PKG_VERSION"),
        "kitops-top started"
    );
    let record = cli.opts.record.clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        match cli.command {
            Some(Sub::Doctor) => {
                let (checks, failed) = headless::doctor::run(&cfg).await;
                print!("{}", headless::doctor::render(&checks));
                Ok(if failed {
                    ExitCode::FAILURE
                } else {
                    ExitCode::SUCCESS
                })
            }
            Some(Sub::Snapshot { format }) => {
                let results = headless::snapshot::collect_all(&cfg).await;
                println!("{}", headless::snapshot::render(&results, format));
                Ok(ExitCode::SUCCESS)
            }
            Some(Sub::Demo { file: None }) => {
                let recording = match Recording::parse(replay::BUILT_IN) {
                    Ok(r) => r,
                    Err(e) => return Ok(usage_error(ConfigError::plain(e.to_string()))),
                };
                if let Err(e) = require_terminal() {
                    return Ok(usage_error(e));
                }
                let feed = Feed::Replay {
                    recording,
                    looping: true,
                };
                runtime::run(cfg.into_demo(), keymap, theme, feed, None).await?;
                Ok(ExitCode::SUCCESS)
            }
            Some(Sub::Demo { file: Some(path) }) | Some(Sub::Replay { file: path }) => {
                let recording = match read_recording(&path) {
                    Ok(r) => r,
                    Err(e) => return Ok(usage_error(e)),
                };
                if let Err(e) = require_terminal() {
                    return Ok(usage_error(e));
                }
                // A recording made in presenter mode replays in it (its header says so).
                let mut cfg = cfg.into_demo();
                cfg.redact |= recording.meta.redacted;
                let feed = Feed::Replay {
                    recording,
                    looping: false,
                };
                runtime::run(cfg, keymap, theme, feed, None).await?;
                Ok(ExitCode::SUCCESS)
            }
            Some(Sub::Record { out, seconds }) => {
                let n = headless::record::run(&cfg, &out, Duration::from_secs(seconds)).await?;
                println!("{n} snapshots written to {}", out.display());
                Ok(ExitCode::SUCCESS)
            }
            Some(Sub::Timeline { .. }) => Ok(ExitCode::SUCCESS), // handled before the config
            Some(Sub::Config { .. }) => {
                println!("use `kitops-top config --print-default`");
                Ok(ExitCode::SUCCESS)
            }
            None => {
                if let Err(e) = require_terminal() {
                    return Ok(usage_error(e));
                }
                let recorder = match &record {
                    Some(path) => match SessionRecorder::create(path, cfg.redact) {
                        Ok(r) => Some(r),
                        Err(e) => {
                            let msg = format!("cannot record to {}: {e}", path.display());
                            return Ok(usage_error(ConfigError::plain(msg)));
                        }
                    },
                    None => None,
                };
                runtime::run(cfg, keymap, theme, Feed::Live, recorder).await?;
                Ok(ExitCode::SUCCESS)
            }
        }
    })
}
