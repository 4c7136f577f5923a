//! `.fargatestack/defaults.json`: the saved default config, profile and
//! region, relative to the current directory as in the original.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Debug, Default, Clone, Serialize, Deserialize, PartialEq)]
pub struct Defaults {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route53_profile: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_events: Option<u32>,
}

pub fn path() -> PathBuf {
    PathBuf::from(".fargatestack").join("defaults.json")
}

pub fn read() -> anyhow::Result<Defaults> {
    let p = path();
    match std::fs::read_to_string(&p) {
        Ok(text) if text.trim().is_empty() => Ok(Defaults::default()),
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: not valid JSON ({e}); fix it or run `fargate-stack reset-history`",
                p.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Defaults::default()),
        Err(e) => Err(anyhow::anyhow!("{}: {e}", p.display())),
    }
}

pub fn write(d: &Defaults) -> anyhow::Result<()> {
    let p = path();
    std::fs::create_dir_all(p.parent().expect("has a parent"))?;
    let text = serde_json::to_string_pretty(d)? + "\n";
    super::writeback::write_atomic(&p, &text, false)?;
    let _ = std::fs::remove_file(super::writeback::backup_path(&p));
    Ok(())
}
