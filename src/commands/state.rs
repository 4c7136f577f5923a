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
            settings
                .out
                .say(format!("default config: {}", abs.display()));
        }
        None => {
            let d = &settings.defaults;
            settings.out.show(
                |_| {
                    let mut lines = vec![format!(
                        "config: {} (from {})",
                        settings.config_path.display(),
                        settings.config_source
                    )];
                    for (k, v) in [
                        ("profile", &d.profile),
                        ("region", &d.region),
                        ("route53_profile", &d.route53_profile),
                    ] {
                        if let Some(v) = v {
                            lines.push(format!("{k}: {v}"));
                        }
                    }
                    if let Some(m) = d.max_events {
                        lines.push(format!("max_events: {m}"));
                    }
                    lines.join("\n")
                },
                || serde_json::to_value(d).unwrap_or_default(),
            );
        }
    }
    Ok(0)
}

pub fn reset(settings: &Settings) -> Result<u8> {
    state_file::write(&state_file::Defaults::default())?;
    settings.out.say(format!(
        "saved defaults cleared ({})",
        state_file::path().display()
    ));
    Ok(0)
}
