//! The config file: where it is, how it loads, what it means, and how
//! discovered state is written back into it.
//!
//! Loading is strict (unknown keys are errors) and happens before any AWS
//! call, so bad input costs nothing and changes nothing.

pub mod all_errors;
pub mod model;
pub mod schedule;
pub mod sizes;
pub mod spec;
pub mod state_file;
pub mod store;
pub mod web;
pub mod writeback;

use std::path::{Path, PathBuf};

pub use crate::error::ConfigError;
pub use model::Config;
pub use spec::StackSpec;

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
    pub lock: Option<std::sync::Arc<store::Lock>>,
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
        .map_err(|e| all_errors::structural(path, &text, serde_error(path, e)))?;
    Ok(Loaded {
        path: path.to_path_buf(),
        text,
        value,
        config,
        lock: None,
    })
}

fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

fn serde_error(path: &Path, e: serde_path_to_error::Error<serde_yaml::Error>) -> ConfigError {
    let key_path = e.path().to_string();
    let inner = e.inner();
    let line = inner.location().map(|l| l.line());
    let msg = strip_location(&inner.to_string());
    // serde_yaml prefixes its own path ("tasks.web: ..."); we print ours.
    let msg = match msg.split_once(": ") {
        Some((prefix, rest)) if !prefix.contains(' ') && !prefix.is_empty() => rest.to_string(),
        _ => msg,
    };
    let key_path = if key_path == "." {
        String::new()
    } else {
        key_path
    };

    if let Some((word, expected)) = parse_unknown(&msg, "unknown field `") {
        let parent = key_path
            .rsplit_once('.')
            .map(|(p, _)| p.to_string())
            .unwrap_or_default();
        let full = if parent.is_empty() {
            word.clone()
        } else {
            format!("{parent}.{word}")
        };
        let err = ConfigError::new(path, full, "unknown key").at_line(line);
        return match suggest(&word, &expected) {
            Some(s) => err.hint(format!("did you mean `{s}`?")),
            None => err.hint(format!("valid keys here: {}", expected.join(", "))),
        };
    }
    if let Some((word, expected)) = parse_unknown(&msg, "unknown variant `") {
        let err =
            ConfigError::new(path, key_path, format!("`{word}` is not allowed")).at_line(line);
        return match suggest(&word, &expected) {
            Some(s) => err.hint(format!(
                "did you mean `{s}`? (one of {})",
                expected.join(", ")
            )),
            None => err.hint(format!("use one of {}", expected.join(", "))),
        };
    }
    if let Some(rest) = msg.strip_prefix("invalid type: ") {
        return ConfigError::new(path, key_path, format!("wrong type: {rest}"))
            .at_line(line)
            .hint("see docs/configuration.md for the key's type");
    }
    ConfigError::new(path, key_path, msg).at_line(line)
}

/// Parses serde's "unknown field `x`, expected one of `a`, `b`" messages.
fn parse_unknown(msg: &str, prefix: &str) -> Option<(String, Vec<String>)> {
    let rest = msg.strip_prefix(prefix)?;
    let (word, rest) = rest.split_once('`')?;
    let expected = rest
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((word.to_string(), expected))
}

/// The closest valid name, if it is close enough to be a plausible typo.
pub fn suggest(word: &str, candidates: &[String]) -> Option<String> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        match parse(Path::new("f.yml"), text.to_string()) {
            Ok(_) => panic!("should fail: {text}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn misspelt_key_suggests() {
        let e = err("app:\n  name: x\ntasks:\n  web:\n    imag: nginx\n");
        assert!(e.contains("`tasks.web.imag`"), "{e}");
        assert!(e.contains("did you mean `image`"), "{e}");
        assert!(e.starts_with("f.yml:5"), "{e}");
    }

    #[test]
    fn top_level_typo() {
        let e = err("app:\n  name: x\nregoin: us-east-1\n");
        assert!(e.contains("did you mean `region`"), "{e}");
    }

    #[test]
    fn bad_type_variant() {
        let e = err("app:\n  name: x\ntasks:\n  web:\n    type: deamon\n    image: x\n");
        assert!(e.contains("did you mean `daemon`"), "{e}");
    }

    #[test]
    fn wrong_type() {
        let e = err("app:\n  name: x\ntasks:\n  web:\n    image: x\n    port: [1]\n");
        assert!(e.contains("tasks.web.port"), "{e}");
    }

    #[test]
    fn empty_and_malformed() {
        assert!(err("").contains("empty"));
        assert!(err("# just a comment\n").contains("empty"));
        assert!(err("app: [unclosed\n").contains("not valid YAML"));
    }

    #[test]
    fn original_written_config_loads() {
        let text = include_str!("../../tests/data/original-written.yml");
        parse(Path::new("x.yml"), text.to_string()).unwrap();
    }
}
