//! The layers stay layers: no import cycle between the top-level modules of
//! `src/` (error and ownership at the bottom, then config, discovery,
//! resources, plan, commands), nor between the kinds' files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use crate::support::repo_root;

/// A file's code without its unit tests (they may use anything).
fn code_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    match text.find("#[cfg(test)]") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The names that follow `prefix` in `code` (`crate::config::x` -> `config`).
fn names_after<'a>(code: &'a str, prefix: &str) -> Vec<&'a str> {
    code.match_indices(prefix)
        .map(|(i, _)| {
            let rest = &code[i + prefix.len()..];
            &rest[..rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len())]
        })
        .collect()
}

/// The names inside `use super::{...}` groups.
fn super_group_names(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in code.match_indices("use super::{") {
        let rest = &code[i + "use super::{".len()..];
        let group = &rest[..rest.find('}').unwrap_or(0)];
        out.extend(
            group
                .split(|c: char| !is_ident(c))
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        );
    }
    out
}

fn cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut found = path[i..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(n, graph, &mut Vec::new(), &mut done))
}

#[test]
fn top_level_modules_import_each_other_in_one_direction() {
    let src = repo_root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let top_of = |path: &Path| {
        let rel = path.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        first.trim_end_matches(".rs").to_string()
    };
    let modules: BTreeSet<String> = files.iter().map(|f| top_of(f)).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = top_of(file);
        if from == "main" {
            continue;
        }
        for to in names_after(&code_of(file), "crate::") {
            if to != from && modules.contains(to) {
                graph
                    .entry(from.clone())
                    .or_default()
                    .insert(to.to_string());
            }
        }
    }
    assert!(
        graph.contains_key("commands"),
        "the scan found no imports: {graph:?}"
    );
    assert_eq!(
        cycle(&graph),
        None,
        "an import cycle between modules of src/"
    );
}

#[test]
fn kinds_do_not_import_each_other_in_a_cycle() {
    let dir = repo_root().join("src/resources");
    let kinds: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().to_string())
        .filter(|k| k != "mod")
        .collect();
    assert!(kinds.len() > 20, "{kinds:?}");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for kind in &kinds {
        let code = code_of(&dir.join(format!("{kind}.rs")));
        let mut used: Vec<String> = names_after(&code, "super::")
            .into_iter()
            .chain(names_after(&code, "resources::"))
            .map(str::to_string)
            .collect();
        used.extend(super_group_names(&code));
        for to in used {
            if &to != kind && kinds.contains(&to) {
                graph.entry(kind.clone()).or_default().insert(to);
            }
        }
    }
    assert_eq!(cycle(&graph), None, "an import cycle between kinds");
}
