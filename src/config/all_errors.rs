//! Every error in a config at once, not just the first: after an error, the
//! offending key (or, for a task's own rules, the whole task) is taken out
//! of a copy of the document and the check runs again, until it passes or
//! nothing more can be taken out. Each error stays one line naming the
//! file, the key and the fix.

use std::path::Path;

use serde_yaml::Value;

use super::model::Config;
use super::spec;
use crate::error::ConfigError;

/// At most this many errors are reported; past it the list says so.
const LIMIT: usize = 20;

/// Takes out `key` (a dotted path) from `doc`; false when there is no such key.
fn remove(doc: &mut Value, key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    let Some((last, parents)) = parts.split_last() else {
        return false;
    };
    let mut cur = doc;
    for p in parents {
        let Some(next) = cur.as_mapping_mut().and_then(|m| m.get_mut(*p)) else {
            return false;
        };
        cur = next;
    }
    cur.as_mapping_mut().and_then(|m| m.remove(*last)).is_some()
}

/// The line where a dotted key is written, found by walking the keys down
/// the indentation (good enough to point at it; the parser gave the first).
pub fn line_of(text: &str, key: &str) -> Option<usize> {
    let mut from = 0;
    let mut indent: Option<usize> = None;
    let lines: Vec<&str> = text.lines().collect();
    let mut found = None;
    for part in key.split('.') {
        let hit = lines.iter().enumerate().skip(from).find(|(_, l)| {
            let trimmed = l.trim_start();
            let depth = l.len() - trimmed.len();
            indent.is_none_or(|i| depth > i)
                && (trimmed.starts_with(&format!("{part}:"))
                    || trimmed.starts_with(&format!("\"{part}\":")))
        })?;
        let line = hit.1;
        indent = Some(line.len() - line.trim_start().len());
        from = hit.0 + 1;
        found = Some(hit.0 + 1);
    }
    found
}

fn with_more(first: ConfigError, more: Vec<ConfigError>) -> ConfigError {
    first.with_others(more)
}

/// Structural errors (unknown keys, wrong types): `first` came from the
/// parser; the rest are found on copies with each offending key removed.
pub fn structural(path: &Path, text: &str, first: ConfigError) -> ConfigError {
    let Ok(mut doc) = serde_yaml::from_str::<Value>(text) else {
        return first;
    };
    let mut more: Vec<ConfigError> = Vec::new();
    let mut last_key = first.key.clone();
    while more.len() < LIMIT {
        if last_key.is_empty() || !remove(&mut doc, &last_key) {
            break;
        }
        match serde_path_to_error::deserialize::<_, Config>(doc.clone()) {
            Ok(_) => break,
            Err(e) => {
                let mut err = super::diagnose::serde_error(path, e);
                if err.key == last_key {
                    break;
                }
                err.line = line_of(text, &err.key);
                last_key = err.key.clone();
                more.push(err);
            }
        }
    }
    with_more(first, more)
}

/// The loader's own rules (sizes, schedules, names): an error inside a
/// task takes that task out, one elsewhere takes out its key, and the rules
/// run again on what is left.
pub fn semantic(path: &Path, text: &str, doc: &Value, first: ConfigError) -> ConfigError {
    let mut doc = doc.clone();
    let mut more: Vec<ConfigError> = Vec::new();
    let mut last = first.key.clone();
    while more.len() < LIMIT {
        let parts: Vec<&str> = last.split('.').collect();
        let taken = match parts.as_slice() {
            ["tasks", task, ..] => {
                let tasks_left = doc
                    .get("tasks")
                    .and_then(Value::as_mapping)
                    .map_or(0, |m| m.len());
                // Taking out the last task would only add "no tasks".
                tasks_left > 1 && remove(&mut doc, &format!("tasks.{task}"))
            }
            [] | [""] => false,
            [section, ..] => remove(&mut doc, &last) || remove(&mut doc, section),
        };
        if !taken {
            break;
        }
        let Ok(config) = serde_path_to_error::deserialize::<_, Config>(doc.clone()) else {
            break;
        };
        match spec::build(path, &config) {
            Ok(_) => break,
            Err(mut err) => {
                // The key just taken out, reported again (as itself, or as
                // missing where it was the fallback: `domain` taken out
                // makes `tasks.web.domain` missing) is an echo of the
                // removal, not another mistake.
                let leaf = |k: &str| k.rsplit('.').next().unwrap_or_default().to_string();
                if err.key == last
                    || (err.problem.starts_with("missing") && leaf(&err.key) == leaf(&last))
                {
                    break;
                }
                if err.line.is_none() {
                    err.line = line_of(text, &err.key);
                }
                last = err.key.clone();
                more.push(err);
            }
        }
    }
    with_more(first, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        let path = Path::new("c.yml");
        let err = match super::super::parse(path, text.to_string()) {
            Err(e) => e,
            Ok(loaded) => match spec::build(path, &loaded.config) {
                Ok(_) => return vec![],
                Err(e) => semantic(path, text, &loaded.value, e),
            },
        };
        std::iter::once(&err)
            .chain(err.others().iter())
            .map(|e| e.key.clone())
            .collect()
    }

    #[test]
    fn every_structural_error() {
        let keys = all(
            "app:\n  name: demo\n  colour: blue\ntasks:\n  web:\n    imag: x\n    image: helloworld\n    desired_count: lots\n",
        );
        assert_eq!(
            keys,
            ["app.colour", "tasks.web.imag", "tasks.web.desired_count"]
        );
    }

    #[test]
    fn every_semantic_error() {
        let keys = all(
            "app:\n  name: demo\nlog_group:\n  retention_days: 10\ntasks:\n  a:\n    image: helloworld\n    size: gigantic\n  b:\n    image: helloworld\n    schedule: cron(0 2 * * *)\n  c:\n    image: helloworld\n",
        );
        assert_eq!(keys.len(), 3, "{keys:?}");
        assert!(keys.iter().any(|k| k.starts_with("log_group")), "{keys:?}");
        assert!(keys.iter().any(|k| k.starts_with("tasks.a")), "{keys:?}");
        assert!(keys.iter().any(|k| k.starts_with("tasks.b")), "{keys:?}");
    }

    #[test]
    fn a_bad_fallback_is_reported_once() {
        let keys = all(
            "app:\n  name: demo\ndomain: not a domain\ntasks:\n  web:\n    type: https\n    image: helloworld\n",
        );
        assert_eq!(keys, ["domain"]);
    }

    #[test]
    fn lines_of_keys() {
        let text = "app:\n  name: x\ntasks:\n  web:\n    image: y\n  job:\n    image: z\n";
        assert_eq!(line_of(text, "tasks.job.image"), Some(7));
        assert_eq!(line_of(text, "tasks.web"), Some(4));
        assert_eq!(line_of(text, "nope"), None);
    }
}
