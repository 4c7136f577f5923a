//! Loading the config (no network) and connecting.

use anyhow::Result;

use crate::aws::{Aws, AwsOptions};
use crate::config::{self, Loaded, StackSpec};
use crate::error::UserError;
use crate::settings::Settings;

/// Loads and validates the config. Fails before any network call. When the
/// command may write the config, the config's lock is taken first, so the
/// file read is the one no other command is still changing.
pub fn load(settings: &Settings) -> Result<(Loaded, StackSpec)> {
    let lock = if settings.update {
        config::store::lock(&settings.config_path)?
    } else {
        None
    };
    let (mut loaded, spec) = load_read_only(settings)?;
    loaded.lock = lock.map(std::sync::Arc::new);
    Ok((loaded, spec))
}

/// Loads without the lock, for commands that never write the config.
pub fn load_read_only(settings: &Settings) -> Result<(Loaded, StackSpec)> {
    if settings.config_source == ".fargatestack/defaults.json" {
        tracing::warn!(
            "config {} chosen by {} (pass -c FILE, or `fargate-stack reset-history` to forget it)",
            settings.config_path.display(),
            defaults_file()
        );
    }
    let loaded = config::load(&settings.config_path)?;
    let mut spec = config::spec::build(&settings.config_path, &loaded.config)
        .map_err(|first| config::all_errors::in_file(&loaded.text, first))?;
    if settings.create_alb
        && let Some(web) = spec.web.as_mut()
    {
        web.source = config::web::AlbSource::Create;
    }
    check_region(settings, &loaded)?;
    check_take_over(settings, &spec)?;
    Ok((loaded, spec))
}

/// `take_over` names resources by their address in the plan.
fn check_take_over(settings: &Settings, spec: &StackSpec) -> Result<()> {
    for (i, address) in spec.take_over.iter().enumerate() {
        if crate::resources::Address::parse(address).is_none_or(|a| a.key.is_empty()) {
            let kinds: Vec<&str> = crate::resources::Kind::ALL
                .iter()
                .map(|k| k.slug())
                .collect();
            return Err(crate::error::ConfigError::new(
                &settings.config_path,
                format!("take_over[{i}]"),
                format!("`{address}` is not a resource address"),
            )
            .hint(format!(
                "write it as the plan shows it, KIND/KEY (e.g. `task-definition/worker`); kinds: {}",
                kinds.join(", ")
            ))
            .into());
        }
    }
    Ok(())
}

/// A config that records a region other than the one asked for is refused
/// before any call: acting on it would build a second stack elsewhere.
fn check_region(settings: &Settings, loaded: &Loaded) -> Result<()> {
    if let (Some(flag), Some(recorded)) = (&settings.cli_region, &loaded.config.region)
        && flag != recorded
    {
        return Err(UserError::new(format!(
            "{}: the config records region {recorded} but --region says {flag}; this stack lives in {recorded}. Drop --region, or change `region:` in the file to move the stack",
            loaded.path.display()
        ))
        .into());
    }
    Ok(())
}

/// The saved defaults in use, as an absolute path (they are read from the
/// current directory, which may not be the config's).
fn defaults_file() -> String {
    let relative = config::state_file::path();
    std::env::current_dir()
        .map(|d| d.join(&relative))
        .unwrap_or(relative)
        .display()
        .to_string()
}

/// Says which saved default chose the profile or region (and so the
/// account): a `.fargatestack/defaults.json` in the current directory must
/// never choose one silently.
fn announce_defaults(settings: &Settings, loaded: &Loaded) {
    let c = &loaded.config;
    let d = &settings.defaults;
    if settings.cli_profile.is_none()
        && let Some(p) = &d.profile
    {
        let over = match c.profile.as_deref() {
            Some(theirs) if theirs != p => format!(", over the config's `profile: {theirs}`"),
            _ => String::new(),
        };
        tracing::warn!(
            "profile `{p}` chosen by {}{over} (pass --profile, or `fargate-stack reset-history` to forget it)",
            defaults_file()
        );
    }
    if settings.cli_region.is_none()
        && c.region.is_none()
        && let Some(r) = &d.region
    {
        tracing::warn!("region `{r}` chosen by {}", defaults_file());
    }
    if settings.route53_profile.is_none()
        && let Some(p) = &d.route53_profile
    {
        tracing::warn!("route53 profile `{p}` chosen by {}", defaults_file());
    }
}

pub async fn connect(settings: &Settings, loaded: &Loaded) -> Aws {
    announce_defaults(settings, loaded);
    let c = &loaded.config;
    let opts = AwsOptions {
        profile: settings.profile(c.profile.as_deref()),
        region: settings.region(c.region.as_deref()),
        route53_profile: settings
            .route53_profile
            .clone()
            .or_else(|| settings.defaults.route53_profile.clone())
            .or_else(|| c.route53.as_ref().and_then(|r| r.profile.clone()))
            .or_else(|| c.route53_profile.clone()),
    };
    Aws::connect(&opts).await
}
