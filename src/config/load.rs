//! Reading the config file: where it is, its text, its generic value and
//! its typed model, with every shape error reported at once.

use std::path::{Path, PathBuf};

use super::all_errors;
use super::diagnose::{serde_error, strip_location};
use super::lock::Lock;
use super::model::{self, Config};
use crate::error::ConfigError;

/// The default when nothing else names a config file.
pub const DEFAULT_CONFIG_FILE: &str = "fargate-stack.yml";
pub const CONFIG_ENV: &str = "FARGATE_STACK_CONFIG";

/// A config file as read: its text (for lossless write-back), its generic
/// value (for comparisons) and its typed model.
pub struct Loaded {
    pub path: PathBuf,
    pub text: String,
    pub value: serde_yaml::Value,
    pub config: Config,
    /// Held while the command runs, when it may write the config.
    pub lock: Option<std::sync::Arc<Lock>>,
}

/// Where the config comes from, in the original's order: `--config`, the
/// saved default (`state`), `$FARGATE_STACK_CONFIG`, `fargate-stack.yml`.
pub fn resolve_path(cli: Option<&Path>, saved: Option<&str>) -> (PathBuf, &'static str) {
    if let Some(p) = cli {
        return (p.to_path_buf(), "--config");
    }
    if let Some(p) = saved.filter(|s| !s.is_empty()) {
        return (PathBuf::from(p), ".fargatestack/defaults.json");
    }
    if let Some(p) = std::env::var_os(CONFIG_ENV).filter(|s| !s.is_empty()) {
        return (PathBuf::from(p), "$FARGATE_STACK_CONFIG");
    }
    (PathBuf::from(DEFAULT_CONFIG_FILE), "default")
}

pub fn load(path: &Path) -> Result<Loaded, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let err = ConfigError::new(path, "", format!("cannot read the config file: {e}"));
        if e.kind() == std::io::ErrorKind::NotFound {
            err.hint("pass `--config FILE`, or write one with `fargate-stack create-stack APP daemon:NAME image:IMAGE`")
        } else {
            err
        }
    })?;
    parse(path, text)
}

pub fn parse(path: &Path, text: String) -> Result<Loaded, ConfigError> {
    let value: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| {
        let line = e.location().map(|l| l.line());
        ConfigError::new(
            path,
            "",
            format!("not valid YAML: {}", strip_location(&e.to_string())),
        )
        .at_line(line)
        .hint("fix the syntax at that line")
    })?;
    if value.is_null() {
        return Err(ConfigError::new(path, "", "the file is empty").hint(
            "write a starter config with `fargate-stack create-stack APP daemon:NAME image:IMAGE`",
        ));
    }
    if !value.is_mapping() {
        return Err(ConfigError::new(
            path,
            "",
            format!(
                "expected a mapping of keys at the top, found {}",
                model::value_kind(&value)
            ),
        )
        .hint("the file should start with keys such as `app:` and `tasks:`"));
    }
    let de = serde_yaml::Deserializer::from_str(&text);
    let config: Config = serde_path_to_error::deserialize(de)
        .map_err(|e| all_errors::structural(path, &text, &value, serde_error(path, e)))?;
    Ok(Loaded {
        path: path.to_path_buf(),
        text,
        value,
        config,
        lock: None,
    })
}
