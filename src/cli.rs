//! Command-line interface. Every flag here also works with the headless subcommands.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Clone, Parser, Default)]
#[command(
    name = "kitops-top",
    version,
    about = "One-screen operations console for the KitOps platform: pods, node memory, PostgreSQL activity and locks, Redis, ALB targets and RDS",
    after_help = "Precedence: flag > environment > config file > default. Logs go to --log-file, never to the terminal."
)]
pub struct Cli {
    #[command(flatten)]
    pub opts: Opts,

    #[command(subcommand)]
    pub command: Option<Sub>,
}

#[derive(Debug, Clone, Args, Default)]
pub struct Opts {
    /// Config file (default: $XDG_CONFIG_HOME/kitops-top/config.toml)
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Kubernetes context from the kubeconfig
    #[arg(long, global = true)]
    pub context: Option<String>,
    /// Kubernetes namespace [default: kitops]
    #[arg(short = 'n', long, global = true)]
    pub namespace: Option<String>,
    /// Deployment the runbook actions default to [default: kitops-backend]
    #[arg(long, global = true)]
    pub deployment: Option<String>,
    /// PostgreSQL URL (or KITOPS_PG_URL; PG* variables and .pgpass are honoured)
    #[arg(long = "pg", global = true, value_name = "URL")]
    pub pg_url: Option<String>,
    /// Redis URL, redis:// or rediss:// (or KITOPS_REDIS_URL)
    #[arg(long = "redis", global = true, value_name = "URL")]
    pub redis_url: Option<String>,
    /// AWS region (or AWS_REGION)
    #[arg(long, global = true)]
    pub aws_region: Option<String>,
    /// AWS profile (or AWS_PROFILE)
    #[arg(long, global = true)]
    pub aws_profile: Option<String>,
    /// AWS endpoint override for emulators (or AWS_ENDPOINT_URL)
    #[arg(long, global = true, value_name = "URL")]
    pub aws_endpoint_url: Option<String>,
    /// RDS instance identifier [default: kitops-production]
    #[arg(long, global = true)]
    pub rds_instance: Option<String>,
    /// Target group ARN or name; repeatable
    #[arg(long = "target-group", global = true, value_name = "ARN|NAME")]
    pub target_groups: Vec<String>,
    /// Refresh interval, 250ms to 1h, e.g. 2s, 500ms [default: 2s]
    // Hyphen values reach the config check, which says a duration cannot be negative
    // (clap would call `-1s` an unknown flag).
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        allow_hyphen_values = true
    )]
    pub refresh: Option<String>,
    /// Refuse every mutating action (enforced in the executor)
    #[arg(long, global = true)]
    pub readonly: bool,
    /// Theme name (default, light, high-contrast, colorblind) or TOML file
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub theme: Option<String>,
    /// Keymap name (default, vim) or TOML file
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub keymap: Option<String>,
    /// No colours; emphasis by bold and reverse (NO_COLOR is honoured too)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// ASCII-only borders and symbols for old terminals
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Presenter mode: mask SQL literals, client and target addresses, log values (`R` toggles)
    #[arg(long, global = true)]
    pub redact: bool,
    /// Record the session you drive to FILE (snapshots, actions, incident events) for `replay FILE`
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Log file (default: $XDG_STATE_HOME/kitops-top/kitops-top.log)
    #[arg(long, global = true, value_name = "FILE")]
    pub log_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Sub {
    /// Check every configured source (resolve, connect, authenticate, permissions, latency); exit 1 on any failure
    Doctor,
    /// One collection round of every configured source, printed
    Snapshot {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Play a recording instead of contacting any source: the built-in incident, or FILE, in a loop
    Demo {
        /// A recording written by `kitops-top record` or `--record`
        file: Option<PathBuf>,
    },
    /// Play a recording once with the player's keys: pause, speed, seek, events
    Replay {
        /// A recording written by `--record` or `kitops-top record`
        file: PathBuf,
    },
    /// Record every source's snapshots to FILE (JSON lines) for `demo FILE`. Query texts
    /// and object names are recorded as shown: record only what you may share
    Record {
        /// Where to write the recording
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// How long to record, in seconds (1 to 86400)
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
        seconds: u64,
    },
    /// The postmortem timeline of a recording: incidents, checklist, notes, actions, crossings
    Timeline {
        /// A recording written by `--record`
        file: PathBuf,
        #[arg(long, value_enum, default_value_t = TimelineFormat::Markdown)]
        format: TimelineFormat,
    },
    /// Config helpers
    Config {
        /// Print a commented default config with the runbook's values
        #[arg(long)]
        print_default: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimelineFormat {
    Markdown,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Json,
    Table,
}
