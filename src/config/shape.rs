//! The shape of a config, checked in one walk against its JSON Schema (the
//! one the types generate): unknown keys, values of the wrong type, values
//! not among an enum's, in file order. Only the parts of the schema that say
//! what serde accepts are read (`type`, `properties`,
//! `additionalProperties`, `enum`, `items`, `anyOf`/`oneOf`, `$ref`); the
//! loader's own rules (required keys, ranges, patterns) are `spec`'s.

use std::path::Path;

use serde_json::Value as Schema;
use serde_yaml::Value;

use crate::error::ConfigError;

/// How many candidates are kept with their paths; past it they are only
/// counted.
const KEPT: usize = 1000;

#[derive(Debug, Clone, PartialEq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    UnknownKey,
    WrongType,
    NotAllowed,
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: Vec<Seg>,
    pub problem: Problem,
    /// The valid names (unknown key, value not allowed) or the expected
    /// type (wrong type).
    pub expected: Vec<String>,
    /// The value as written, for the branch the parser confirms on.
    value: Value,
}

impl Candidate {
    /// The dotted key as the parser's errors name it (`tasks.web.ports[0]`).
    pub fn key(&self) -> String {
        let mut out = String::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) if out.is_empty() => out.push_str(k),
                Seg::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Seg::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// A document holding only this key's branch: its ancestors as
    /// mappings, and the value as written. `None` under a list (an item
    /// cannot stand alone).
    pub fn branch(&self) -> Option<Value> {
        let mut keys = Vec::new();
        for seg in &self.path {
            match seg {
                Seg::Key(k) => keys.push(k.as_str()),
                Seg::Index(_) => return None,
            }
        }
        Some(keys.iter().rev().fold(self.value.clone(), |inner, k| {
            let mut m = serde_yaml::Mapping::new();
            m.insert(Value::String(k.to_string()), inner);
            Value::Mapping(m)
        }))
    }

    /// The walk's own wording, where the parser words it differently.
    pub fn error(&self, path: &Path) -> ConfigError {
        let key = self.key();
        match self.problem {
            Problem::UnknownKey => {
                let word = match self.path.last() {
                    Some(Seg::Key(k)) => k.clone(),
                    _ => key.clone(),
                };
                let err = ConfigError::new(path, key, "unknown key");
                match super::diagnose::suggest(&word, &self.expected) {
                    Some(s) => err.hint(format!("did you mean `{s}`?")),
                    None => err.hint(format!("valid keys here: {}", self.expected.join(", "))),
                }
            }
            Problem::WrongType => ConfigError::new(
                path,
                key,
                format!(
                    "wrong type: {}, expected {}",
                    super::model::value_kind(&self.value),
                    self.expected.join(" or ")
                ),
            )
            .hint("see docs/configuration.md for the key's type"),
            Problem::NotAllowed => ConfigError::new(path, key, "this value is not allowed")
                .hint(format!("use one of {}", self.expected.join(", "))),
        }
    }
}

pub struct Walk<'a> {
    schema: &'a Schema,
    /// The first `KEPT` candidates, in file order.
    pub found: Vec<Candidate>,
    /// All candidates, kept or only counted.
    pub total: usize,
}

impl<'a> Walk<'a> {
    pub fn new(schema: &'a Schema) -> Walk<'a> {
        Walk {
            schema,
            found: Vec::new(),
            total: 0,
        }
    }

    pub fn root(&self) -> &'a Schema {
        self.schema
    }

    fn push(&mut self, path: &[Seg], problem: Problem, expected: Vec<String>, value: &Value) {
        self.total += 1;
        if self.found.len() < KEPT {
            self.found.push(Candidate {
                path: path.to_vec(),
                problem,
                expected,
                value: value.clone(),
            });
        }
    }

    fn resolve(&self, schema: &'a Schema) -> &'a Schema {
        let mut s = schema;
        // `$ref` chains are short; the bound only guards a broken schema.
        for _ in 0..8 {
            match s.get("$ref").and_then(Schema::as_str) {
                Some(r) => match r
                    .strip_prefix("#/$defs/")
                    .and_then(|name| self.schema.get("$defs")?.get(name))
                {
                    Some(next) => s = next,
                    None => break,
                },
                None => break,
            }
        }
        s
    }

    /// Checks `value` at `path`; records what is wrong. Returns whether the
    /// value was valid.
    pub fn value(&mut self, schema: &'a Schema, value: &Value, path: &mut Vec<Seg>) -> bool {
        let schema = self.resolve(schema);
        if schema.as_bool() == Some(true) || schema.as_object().is_some_and(|o| o.is_empty()) {
            return true;
        }
        let value = match value {
            Value::Tagged(t) => &t.value,
            v => v,
        };
        if let Some(alternatives) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Schema::as_array)
        {
            return self.any_of(alternatives, value, path);
        }
        if let Some(types) = types_of(schema)
            && !types.iter().any(|t| kind_matches(t, value))
        {
            self.push(path, Problem::WrongType, types, value);
            return false;
        }
        if let Some(allowed) = schema.get("enum").and_then(Schema::as_array)
            && !allowed.iter().any(|a| equals(a, value))
        {
            let names = allowed
                .iter()
                .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_string))
                .collect();
            self.push(path, Problem::NotAllowed, names, value);
            return false;
        }
        match value {
            Value::Mapping(m) => self.mapping(schema, m, value, path),
            Value::Sequence(items) => {
                let Some(item_schema) = schema.get("items") else {
                    return true;
                };
                let mut ok = true;
                for (i, item) in items.iter().enumerate() {
                    path.push(Seg::Index(i));
                    ok &= self.value(item_schema, item, path);
                    path.pop();
                }
                ok
            }
            _ => true,
        }
    }

    fn mapping(
        &mut self,
        schema: &'a Schema,
        m: &serde_yaml::Mapping,
        whole: &Value,
        path: &mut Vec<Seg>,
    ) -> bool {
        let properties = schema.get("properties").and_then(Schema::as_object);
        let additional = schema.get("additionalProperties");
        let mut ok = true;
        for (k, v) in m {
            let key = match k {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    self.push(
                        path,
                        Problem::WrongType,
                        vec!["a mapping of names".into()],
                        whole,
                    );
                    ok = false;
                    continue;
                }
            };
            path.push(Seg::Key(key.clone()));
            match (properties.and_then(|p| p.get(&key)), additional) {
                (Some(s), _) => ok &= self.value(s, v, path),
                (None, Some(Schema::Bool(false))) => {
                    // Only counted past the kept ones: a file of millions of
                    // unknown keys stays linear and cheap.
                    let names = match properties {
                        Some(p) if self.found.len() < KEPT => p.keys().cloned().collect(),
                        _ => vec![],
                    };
                    self.push(path, Problem::UnknownKey, names, v);
                    ok = false;
                }
                (None, Some(s)) if s.is_object() => ok &= self.value(s, v, path),
                _ => {}
            }
            path.pop();
        }
        ok
    }

    /// An `Option` (one alternative and null) is its alternative; otherwise
    /// the value is valid when one alternative takes it, and else its errors
    /// are those of the alternative of its kind.
    fn any_of(&mut self, alternatives: &'a [Schema], value: &Value, path: &mut Vec<Seg>) -> bool {
        let not_null: Vec<&'a Schema> = alternatives
            .iter()
            .filter(|a| types_of(self.resolve(a)).is_none_or(|t| t != ["null"]))
            .collect();
        if value.is_null() && not_null.len() < alternatives.len() {
            return true;
        }
        if let [only] = not_null.as_slice() {
            return self.value(only, value, path);
        }
        let mut best: Option<(Vec<Candidate>, usize)> = None;
        for alternative in &not_null {
            let mut trial = Walk::new(self.schema);
            if trial.value(alternative, value, &mut path.clone()) {
                return true;
            }
            let of_kind = types_of(self.resolve(alternative))
                .is_some_and(|t| t.iter().any(|t| kind_matches(t, value)));
            if of_kind && best.is_none() {
                best = Some((trial.found, trial.total));
            }
        }
        match best {
            Some((found, total)) => {
                self.total += total - found.len();
                for c in found {
                    self.push(&c.path, c.problem, c.expected, &c.value);
                }
            }
            None => {
                let expected = not_null
                    .iter()
                    .filter_map(|a| types_of(self.resolve(a)))
                    .flatten()
                    .collect();
                self.push(path, Problem::WrongType, expected, value);
            }
        }
        false
    }
}

fn types_of(schema: &Schema) -> Option<Vec<String>> {
    match schema.get("type")? {
        Schema::String(t) => Some(vec![t.clone()]),
        Schema::Array(ts) => Some(
            ts.iter()
                .filter_map(|t| t.as_str().map(str::to_string))
                .collect(),
        ),
        _ => None,
    }
}

fn kind_matches(kind: &str, value: &Value) -> bool {
    match (kind, value) {
        ("null", Value::Null) => true,
        ("boolean", Value::Bool(_)) => true,
        ("string", Value::String(_)) => true,
        ("integer", Value::Number(n)) => n.is_i64() || n.is_u64(),
        ("number", Value::Number(_)) => true,
        ("array", Value::Sequence(_)) => true,
        ("object", Value::Mapping(_)) => true,
        _ => false,
    }
}

fn equals(allowed: &Schema, value: &Value) -> bool {
    match (allowed, value) {
        (Schema::String(a), Value::String(v)) => a == v,
        (Schema::Bool(a), Value::Bool(v)) => a == v,
        (Schema::Number(a), Value::Number(v)) => a.to_string() == v.to_string(),
        (Schema::Null, Value::Null) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(text: &str) -> Vec<(String, Problem)> {
        let schema = schemars::schema_for!(crate::config::Config).to_value();
        let doc: Value = serde_yaml::from_str(text).unwrap();
        let mut walk = Walk::new(&schema);
        walk.value(walk.root(), &doc, &mut Vec::new());
        walk.found.iter().map(|c| (c.key(), c.problem)).collect()
    }

    /// The walk agrees with the parser on every config it accepts.
    #[test]
    fn every_example_has_the_right_shape() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for dir in ["examples", "tests/data/original", "tests/data/nodes"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = entry.unwrap().path();
                if p.extension().is_some_and(|e| e == "yml") {
                    let text = std::fs::read_to_string(&p).unwrap();
                    assert_eq!(candidates(&text), [], "{}", p.display());
                }
            }
        }
        assert_eq!(
            candidates(
                "app:\n  name: a\ntasks:\n  w:\n    image: x\n    arch: arm64\n    command: [a, b]\n"
            ),
            []
        );
    }

    #[test]
    fn every_shape_error_in_file_order() {
        let found = candidates(
            "app:\n  name: demo\n  colour: blue\ntasks:\n  web:\n    type: deamon\n    imag: x\n    desired_count: lots\n    command: 5\nbogus: 1\n",
        );
        assert_eq!(
            found,
            [
                ("app.colour".to_string(), Problem::UnknownKey),
                ("tasks.web.type".to_string(), Problem::NotAllowed),
                ("tasks.web.imag".to_string(), Problem::UnknownKey),
                ("tasks.web.desired_count".to_string(), Problem::WrongType),
                ("tasks.web.command".to_string(), Problem::WrongType),
                ("bogus".to_string(), Problem::UnknownKey),
            ]
        );
    }
}
