//! `state` and `reset-history`: the saved defaults.

use std::path::Path;

use anyhow::Result;

use crate::config::state_file;
use crate::error::UserError;
use crate::settings::Settings;

pub fn state(settings: &Settings, file: Option<&Path>) -> Result<u8> {
    match file {
        Some(f) => {
            if !f.exists() {
                return Err(UserError::new(format!(
                    "{}: no such file; create it with `fargate-stack create-stack` first",
                    f.display()
                ))
                .into());
            }
            let abs = std::fs::canonicalize(f)?;
            let mut d = settings.defaults.clone();
            d.config = Some(abs.to_string_lossy().to_string());
            state_file::write(&d)?;
            println!("default config: {}", abs.display());
        }
        None => {
            let d = &settings.defaults;
            match settings.format {
                crate::output::Format::Json => println!("{}", serde_json::to_string_pretty(d)?),
                crate::output::Format::Text => {
                    println!(
                        "config: {} (from {})",
                        settings.config_path.display(),
                        settings.config_source
                    );
                    for (k, v) in [
                        ("profile", &d.profile),
                        ("region", &d.region),
                        ("route53_profile", &d.route53_profile),
                    ] {
                        if let Some(v) = v {
                            println!("{k}: {v}");
                        }
                    }
                    if let Some(m) = d.max_events {
                        println!("max_events: {m}");
                    }
                }
            }
        }
    }
    Ok(0)
}

pub fn reset() -> Result<u8> {
    state_file::write(&state_file::Defaults::default())?;
    println!("saved defaults cleared ({})", state_file::path().display());
    Ok(0)
}
