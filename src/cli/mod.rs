//! Command-line arguments, and nothing else: clap structs whose doc comments
//! are the `--help` text. Global options may come before or after the
//! subcommand, as in the original.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};

use crate::output::Format;

const AFTER_HELP: &str = "\
Examples:
  fargate-stack create-stack my-app daemon:worker image:my-repo
  fargate-stack plan -c my-app.yml
  fargate-stack apply -c my-app.yml

Config file: --config, else the one saved with `fargate-stack state FILE`,
else $FARGATE_STACK_CONFIG, else fargate-stack.yml.
Exit codes: 0 success, 1 failure (AWS or network), 2 bad input.";

#[derive(Debug, Parser)]
#[command(
    name = "fargate-stack",
    version,
    about = "Build and run AWS ECS Fargate stacks from one YAML file",
    long_about = "Build and run AWS ECS Fargate stacks from one YAML file.\n\nThe config file is also the state: `plan` and `apply` write the IDs and ARNs they discover back into it, keeping your comments.",
    disable_version_flag = true,
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Config file (YAML)
    #[arg(short = 'c', long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// AWS profile (default: the saved one, then the config's `profile`, then AWS_PROFILE)
    #[arg(short = 'p', long, global = true)]
    pub profile: Option<String>,

    /// AWS region (wins over the config's `region`)
    #[arg(short = 'r', long, global = true)]
    pub region: Option<String>,

    /// AWS profile for Route 53, when DNS lives in another account
    #[arg(
        long,
        visible_alias = "dns-profile",
        global = true,
        value_name = "PROFILE"
    )]
    pub route53_profile: Option<String>,

    /// Show what would happen; change nothing in AWS
    #[arg(short = 'd', long, global = true)]
    pub dryrun: bool,

    /// Write discovered values back to the config (default)
    #[arg(short = 'u', long, global = true, overrides_with = "no_update")]
    pub update: bool,

    /// Never write the config file
    #[arg(long, global = true, overrides_with = "update")]
    pub no_update: bool,

    /// Trust IDs already in the config (default; only once it has `last_updated`)
    #[arg(long, global = true, overrides_with = "no_cache")]
    pub cache: bool,

    /// Re-discover everything, ignoring IDs already in the config
    #[arg(long, global = true, overrides_with = "cache")]
    pub no_cache: bool,

    /// Skip confirmation prompts and safety checks
    #[arg(short = 'f', long, global = true)]
    pub force: bool,

    /// Log level for messages on stderr
    #[arg(long, global = true, value_enum, default_value = "info")]
    pub log_level: LogLevel,

    /// Timestamp log lines (default)
    #[arg(long, global = true, overrides_with = "no_log_time")]
    pub log_time: bool,

    /// Do not timestamp log lines
    #[arg(long, global = true, overrides_with = "log_time")]
    pub no_log_time: bool,

    /// Colour output (default: when stdout is a terminal and NO_COLOR is unset)
    #[arg(long, global = true, overrides_with = "no_color")]
    pub color: bool,

    /// No colour
    #[arg(long, global = true, overrides_with = "color")]
    pub no_color: bool,

    /// Read and write .fargatestack/defaults.json (default)
    #[arg(short = 'H', long, global = true, overrides_with = "no_history")]
    pub history: bool,

    /// Ignore .fargatestack/defaults.json
    #[arg(long, global = true, overrides_with = "history")]
    pub no_history: bool,

    /// Output format
    #[arg(long, global = true, value_enum, default_value = "text")]
    pub output: Format,

    /// Print the version
    #[arg(short = 'v', long = "version", action = ArgAction::Version)]
    pub version: Option<bool>,
}

impl Global {
    pub fn color_flag(&self) -> Option<bool> {
        match (self.color, self.no_color) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show what apply would create or change; changes nothing in AWS
    #[command(
        after_help = "Example:\n  fargate-stack plan -c my-app.yml\n  fargate-stack plan --output json --no-update\n\nThe file gains what was discovered (account, VPC, subnets, existing ARNs) unless --no-update."
    )]
    Plan,

    /// Create or update the stack's resources
    #[command(
        after_help = "Example:\n  fargate-stack apply -c my-app.yml\n  fargate-stack apply --force    # no prompt (needed without a terminal)\n\nA second apply with an unchanged config makes no changes."
    )]
    Apply,

    /// Write a starter config from task clauses
    #[command(
        name = "create-stack",
        after_help = "Clauses: each task starts with TYPE:NAME (daemon, task, scheduled, http, https), then\n  image:IMAGE  schedule:EXPR  domain:DOMAIN  env:KEY=VALUE (repeatable)\n  autoscaling:cpu[=N]|requests[=N]  waf:true|RULES\n\nExamples:\n  fargate-stack create-stack my-app daemon:worker image:my-repo env:LOG_LEVEL=info\n  fargate-stack create-stack my-app task:report image:my-repo:v2 scheduled:nightly image:my-repo 'schedule:cron(0 2 * * ? *)'"
    )]
    CreateStack {
        /// App name, then clauses
        #[arg(value_name = "APP|CLAUSE", required = true, num_args = 1..)]
        args: Vec<String>,
    },

    /// Show or set the default config file (.fargatestack/defaults.json)
    #[command(
        after_help = "Examples:\n  fargate-stack state           # show the defaults\n  fargate-stack state my-app.yml"
    )]
    State {
        /// Config file to make the default
        file: Option<PathBuf>,
    },

    /// Forget the saved defaults (.fargatestack/defaults.json)
    #[command(
        name = "reset-history",
        after_help = "Example:\n  fargate-stack reset-history"
    )]
    ResetHistory,

    /// Print the version
    #[command(after_help = "Example:\n  fargate-stack version")]
    Version,
}
