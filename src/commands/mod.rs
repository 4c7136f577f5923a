//! One file per command family. `Settings` is the single place where the
//! command line, the saved defaults and the environment are merged; commands
//! never look at clap structs.

pub mod create_stack;
pub mod plan;
pub mod stack;
pub mod state;

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::{Cli, Command, Global};
use crate::config::state_file::{self, Defaults};
use crate::output::{Format, Style};

#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: PathBuf,
    pub config_source: &'static str,
    pub dry_run: bool,
    pub update: bool,
    pub cache: bool,
    pub force: bool,
    pub format: Format,
    pub style: Style,
    pub cli_profile: Option<String>,
    pub cli_region: Option<String>,
    pub route53_profile: Option<String>,
    pub defaults: Defaults,
}

impl Settings {
    pub fn resolve(g: &Global) -> Result<Settings> {
        let history = !g.no_history;
        let defaults = if history {
            state_file::read()?
        } else {
            Defaults::default()
        };
        let (config_path, config_source) =
            crate::config::resolve_path(g.config.as_deref(), defaults.config.as_deref());
        Ok(Settings {
            config_path,
            config_source,
            dry_run: g.dryrun,
            update: !g.no_update,
            cache: !g.no_cache,
            force: g.force,
            format: g.output,
            style: Style::resolve(g.color_flag()),
            cli_profile: g.profile.clone(),
            cli_region: g.region.clone(),
            route53_profile: g.route53_profile.clone(),
            defaults,
        })
    }

    /// Profile: --profile, the saved default, the config's `profile`, then
    /// the SDK's own chain (AWS_PROFILE, `default`).
    pub fn profile(&self, config_profile: Option<&str>) -> Option<String> {
        self.cli_profile
            .clone()
            .or_else(|| self.defaults.profile.clone())
            .or_else(|| config_profile.map(str::to_string))
    }

    /// Region: --region, the config's `region`, the saved default, then the
    /// SDK's chain (AWS_REGION, profile), then us-east-1. (The original let
    /// the config beat --region.)
    pub fn region(&self, config_region: Option<&str>) -> Option<String> {
        self.cli_region
            .clone()
            .or_else(|| config_region.map(str::to_string))
            .or_else(|| self.defaults.region.clone())
    }
}

/// Runs a command; returns the process exit code.
pub async fn run(cli: Cli) -> Result<u8> {
    let settings = Settings::resolve(&cli.global)?;
    match cli.command {
        None => {
            use clap::CommandFactory;
            Cli::command().print_help()?;
            Ok(2)
        }
        Some(Command::Plan) => plan::plan(&settings).await,
        Some(Command::Apply) => plan::apply(&settings).await,
        Some(Command::CreateStack { args }) => {
            create_stack::run(&settings, &cli.global, &args).await
        }
        Some(Command::State { file }) => state::state(&settings, file.as_deref()),
        Some(Command::ResetHistory) => state::reset(),
        Some(Command::Version) => {
            println!("fargate-stack {}", env!("CARGO_PKG_VERSION"));
            Ok(0)
        }
    }
}
