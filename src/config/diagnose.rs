//! Turning serde's messages into the product's one-line errors: the key's
//! full path, its line, and the fix (the closest valid name).

use std::path::Path;

use crate::error::ConfigError;

pub fn strip_location(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

pub fn serde_error(path: &Path, e: serde_path_to_error::Error<serde_yaml::Error>) -> ConfigError {
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
