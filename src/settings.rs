//! What every command runs with: the flags, the saved defaults and the
//! environment merged once, and the one helper for messages to people.

use std::path::PathBuf;

use anyhow::Result;

use crate::cli::Global;
use crate::config::state_file::{self, Defaults};
use crate::output::{Printer, Style};

/// A message for people: stdout in text mode, stderr under `--output json`
/// (where stdout carries only the JSON document).
macro_rules! say {
    ($settings:expr, $($arg:tt)*) => {
        $settings.out.say(format!($($arg)*))
    };
}
pub(crate) use say;

#[derive(Debug, Clone)]
pub struct Settings {
    pub config_path: PathBuf,
    pub config_source: &'static str,
    pub dry_run: bool,
    pub update: bool,
    pub cache: bool,
    pub force: bool,
    pub yes: bool,
    /// The one printer: every command's output goes through it.
    pub out: Printer,
    pub cli_profile: Option<String>,
    pub cli_region: Option<String>,
    pub route53_profile: Option<String>,
    pub create_alb: bool,
    pub poll_time: std::time::Duration,
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
            yes: g.yes,
            out: Printer::new(g.output, Style::resolve(g.color_flag())),
            cli_profile: g.profile.clone(),
            cli_region: g.region.clone(),
            route53_profile: g.route53_profile.clone(),
            create_alb: g.create_alb,
            poll_time: g.poll_time,
            defaults,
        })
    }

    /// ` -c FILE` when the config was named on the command line, for the
    /// commands we suggest next.
    pub fn config_arg(&self) -> String {
        if self.config_source == "--config" {
            format!(
                " -c {}",
                shell_quote(&self.config_path.display().to_string())
            )
        } else {
            String::new()
        }
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

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:@".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
