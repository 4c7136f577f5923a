//! Every error in a config at once, not just the first, in file order: the
//! shape errors from one walk against the schema (`shape`), and past them
//! the loader's own rules, which every section's builder (`spec`, `web`)
//! checks in full, reporting each problem into one list. Each error stays
//! one line naming the file, the key and the fix.

use std::path::Path;

use serde_yaml::Value;

use super::model::Config;
use super::{shape, spec};
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

/// Where each key is written: one pass over the text, following the
/// indentation, so that placing every error costs a lookup, not a scan.
pub struct KeyLines(std::collections::HashMap<String, usize>);

impl KeyLines {
    pub fn of(text: &str) -> Self {
        let mut lines = std::collections::HashMap::new();
        let mut open: Vec<(usize, String)> = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let trimmed = line.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            // A list item's key sits after its dash.
            let item = trimmed.strip_prefix("- ").map(str::trim_start);
            let body = item.unwrap_or(trimmed);
            let depth = line.len() - body.len();
            while open.last().is_some_and(|(d, _)| *d >= depth) {
                open.pop();
            }
            let Some(key) = key_of(body) else {
                continue;
            };
            let path = match open.last() {
                Some((_, parent)) => format!("{parent}.{key}"),
                None => key.to_string(),
            };
            lines.entry(path.clone()).or_insert(i + 1);
            open.push((depth, path));
        }
        KeyLines(lines)
    }

    /// The line of a dotted key (`tasks.web.secrets[1]` is on its list's
    /// line), or of the nearest written key above it.
    pub fn line(&self, key: &str) -> Option<usize> {
        let mut key = key.split('[').next().unwrap_or(key);
        loop {
            if let Some(line) = self.0.get(key) {
                return Some(*line);
            }
            key = &key[..key.rfind('.')?];
        }
    }
}

/// `name` of a `name: ...` line (plain or double-quoted).
fn key_of(body: &str) -> Option<&str> {
    let (key, _) = match body.strip_prefix('"') {
        Some(quoted) => {
            let (key, rest) = quoted.split_once('"')?;
            (key, rest.strip_prefix(':')?)
        }
        None => {
            let (key, rest) = body.split_once(':')?;
            if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
                return None;
            }
            (key, rest)
        }
    };
    (!key.is_empty() && !key.contains([' ', '{', '[', '\'', '"'])).then_some(key)
}

fn with_more(first: ConfigError, more: Vec<ConfigError>) -> ConfigError {
    first.with_others(more)
}

/// Structural errors (unknown keys, wrong types, values not allowed) and,
/// past them, the loader's own rules. `first` came from the parser.
///
/// One walk of the document against the config's JSON Schema (generated
/// from the same types the parser reads) finds every candidate in file
/// order, in time linear in the file. Each of the first candidates is then
/// confirmed, and worded, by the parser itself on a document holding only
/// that key's branch (so a candidate the parser accepts, an alias say, is
/// dropped). What is left once the offending keys are taken out is read
/// again, and the loader's rules report their errors too: a misspelt task
/// type does not hide a bad retention elsewhere.
pub fn structural(path: &Path, text: &str, doc: &Value, first: ConfigError) -> ConfigError {
    let lines = KeyLines::of(text);
    let mut walk = shape::Walk::new(schema());
    walk.value(walk.root(), doc, &mut Vec::new());
    let mut found: Vec<ConfigError> = vec![first];
    let mut examined = 0;
    for candidate in walk.found.iter() {
        if found.len() > LIMIT {
            break;
        }
        examined += 1;
        if let Some(err) = confirm(path, &lines, candidate)
            && !found.iter().any(|f| f.key == err.key)
        {
            found.push(err);
        }
    }
    let unseen = walk.total.saturating_sub(walk.found.len());
    let not_examined = walk.total - examined;
    // Past the shape errors: the rest of the file, read again, and the
    // loader's rules on it (only when every candidate is known, so the
    // rest is clean).
    if unseen == 0 {
        let mut rest = doc.clone();
        let first_path: Vec<shape::Seg> = found[0]
            .key
            .split('.')
            .map(|k| shape::Seg::Key(k.to_string()))
            .collect();
        take_out(&mut rest, &first_path);
        for candidate in &walk.found {
            take_out(&mut rest, &candidate.path);
        }
        let judged_apart: Vec<String> = found
            .iter()
            .filter_map(|e| task_of(&e.key).map(str::to_string))
            .collect();
        if let Ok(config) = serde_path_to_error::deserialize::<_, Config>(rest)
            && let Err(err) = spec::build(path, &config)
        {
            let others = err.others().to_vec();
            for mut err in std::iter::once(err.with_others(vec![])).chain(others) {
                err.line = lines.line(&err.key);
                let apart = task_of(&err.key).is_some_and(|t| judged_apart.iter().any(|a| a == t));
                if !err.key.is_empty() && !apart && !found.iter().any(|f| f.key == err.key) {
                    found.push(err);
                }
            }
        }
    }
    in_file_order(found, not_examined)
}

/// The errors by line (those without one last), at most `LIMIT`, and a
/// last line counting the rest.
fn in_file_order(mut found: Vec<ConfigError>, more: usize) -> ConfigError {
    // One line per key: a name derived from `app.name` that is too long for
    // three roles is one mistake.
    let mut seen = std::collections::HashSet::new();
    found.retain(|e| e.key.is_empty() || seen.insert(e.key.clone()));
    found.sort_by_key(|e| e.line.unwrap_or(usize::MAX));
    let rest = found.len().saturating_sub(LIMIT) + more;
    found.truncate(LIMIT);
    let mut errors = found.into_iter();
    let first = errors.next().expect("at least the parser's error");
    let mut others: Vec<ConfigError> = errors.collect();
    if rest > 0 {
        others.push(ConfigError::new(
            &first.file,
            "",
            format!("and {rest} more problem(s) not listed; fix these and run again"),
        ));
    }
    with_more(first, others)
}

/// The parser's own error for a candidate: the document cut down to that
/// key's branch, read as a config. `None` when the parser accepts it.
fn confirm(path: &Path, lines: &KeyLines, candidate: &shape::Candidate) -> Option<ConfigError> {
    let mut err = match candidate.branch() {
        None => candidate.error(path),
        Some(branch) => match serde_path_to_error::deserialize::<_, Config>(branch) {
            Ok(_) => return None,
            Err(e) => {
                let err = super::diagnose::serde_error(path, e);
                if err.key == candidate.key() {
                    err
                } else {
                    candidate.error(path)
                }
            }
        },
    };
    err.line = lines.line(&err.key);
    Some(err)
}

/// Takes a candidate's key out of the document. A task with a shape error
/// goes as a whole (its other keys cannot be judged without it: an unknown
/// `imag` would make `image` look missing); the only task is replaced by a
/// bare one, so that the rest of the file can still be judged.
fn take_out(doc: &mut Value, path: &[shape::Seg]) {
    let keys: Vec<&str> = path
        .iter()
        .map_while(|s| match s {
            shape::Seg::Key(k) => Some(k.as_str()),
            shape::Seg::Index(_) => None,
        })
        .collect();
    match keys.as_slice() {
        ["tasks", task, ..] => {
            let Some(tasks) = doc.get_mut("tasks").and_then(Value::as_mapping_mut) else {
                return;
            };
            if tasks.len() > 1 {
                tasks.remove(*task);
            } else if let Some(t) = tasks.get_mut(*task) {
                *t = serde_yaml::from_str("image: placeholder").expect("valid YAML");
            }
        }
        [] => {}
        _ => {
            remove(doc, &keys.join("."));
        }
    }
}

/// The task a key is under (`tasks.web.cpu` -> `web`).
fn task_of(key: &str) -> Option<&str> {
    key.strip_prefix("tasks.")?.split(['.', '[']).next()
}

/// The config's schema as the types give it (without the loader's rules,
/// which `spec` checks and words itself).
fn schema() -> &'static serde_json::Value {
    static SCHEMA: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
    SCHEMA.get_or_init(|| schemars::schema_for!(Config).to_value())
}

/// The loader's errors (`spec::build`'s first, carrying the others) put
/// on their lines and in file order.
pub fn in_file(text: &str, first: ConfigError) -> ConfigError {
    let lines = KeyLines::of(text);
    let others = first.others().to_vec();
    let found = std::iter::once(first.with_others(vec![]))
        .chain(others)
        .map(|mut e| {
            if e.line.is_none() {
                e.line = lines.line(&e.key);
            }
            e
        })
        .collect();
    in_file_order(found, 0)
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
                Err(e) => in_file(text, e),
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
        let lines = KeyLines::of(text);
        assert_eq!(lines.line("tasks.job.image"), Some(7));
        assert_eq!(lines.line("tasks.web"), Some(4));
        assert_eq!(lines.line("nope"), None);
        // A key not written is placed on the nearest one above it.
        assert_eq!(lines.line("tasks.job.cpu"), Some(6));
        assert_eq!(lines.line("tasks.web.secrets[2]"), Some(4));
        let quoted = "app:\n  name: x\n\"tasks\":\n  - item: 1\n    web:\n      image: y\n";
        assert_eq!(KeyLines::of(quoted).line("tasks"), Some(3));
    }
}
