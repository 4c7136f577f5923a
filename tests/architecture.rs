//! The layers stay layers: no import cycle between any two modules of
//! `src/` (error and ownership at the bottom, then config, discovery,
//! resources, plan, commands; inside resources, the registry, the core, the
//! kinds and the dispatch), judged file by file.

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

/// Each file's module path: `src/resources/core.rs` -> `resources::core`,
/// `src/resources/mod.rs` -> `resources`, `src/main.rs` -> `` (the crate).
fn module_of(src: &Path, file: &Path) -> (String, bool) {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    let is_dir = matches!(parts.last().map(String::as_str), Some("mod" | "main"));
    if is_dir {
        parts.pop();
    }
    (parts.join("::"), is_dir)
}

/// Every `a::b::c` path in `code` that starts with `prefix`, as its parts.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    code.match_indices(prefix)
        .filter(|(i, _)| !code[..*i].ends_with(|c: char| is_ident(c) || c == ':'))
        .map(|(i, _)| {
            let rest = &code[i + prefix.len()..];
            let end = rest
                .find(|c: char| !(is_ident(c) || c == ':'))
                .unwrap_or(rest.len());
            rest[..end]
                .split("::")
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        // `use super::{a, b}` is read name by name (`super_group_names`).
        .filter(|parts| !parts.is_empty())
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

/// Which module a path names: its longest prefix that is a module.
fn resolve(modules: &BTreeSet<String>, parts: &[String]) -> Option<String> {
    (1..=parts.len())
        .rev()
        .map(|k| parts[..k].join("::"))
        .find(|m| modules.contains(m))
}

fn module_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = repo_root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f).0).collect();
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let (module, is_dir) = module_of(&src, file);
        let here: Vec<String> = if module.is_empty() {
            vec![]
        } else {
            module.split("::").map(str::to_string).collect()
        };
        let parent = &here[..here.len().saturating_sub(1)];
        let code = code_of(file);
        let mut targets: Vec<Vec<String>> = paths_after(&code, "crate::");
        for p in paths_after(&code, "super::") {
            targets.push([parent, &p[..]].concat());
        }
        for name in super_group_names(&code) {
            targets.push([parent, &[name][..]].concat());
        }
        for p in paths_after(&code, "self::") {
            targets.push([&here[..], &p[..]].concat());
        }
        if is_dir {
            // A directory module names its children by relative paths.
            for child in modules.iter().filter_map(|m| {
                let rest = m.strip_prefix(&module)?.trim_start_matches("::");
                (!rest.is_empty() && !rest.contains("::")).then_some(rest)
            }) {
                if !paths_after(&code, &format!("{child}::")).is_empty() {
                    targets.push([&here[..], &[child.to_string()][..]].concat());
                }
            }
        }
        for t in targets {
            if let Some(to) = resolve(&modules, &t)
                && to != module
                && !to.is_empty()
            {
                graph.entry(module.clone()).or_default().insert(to);
            }
        }
    }
    graph
}

#[test]
fn no_two_modules_import_each_other_in_a_cycle() {
    let graph = module_graph();
    // The scan sees the layers it is meant to keep apart.
    for (from, to) in [
        ("commands::plan", "plan"),
        ("resources::log_group", "resources::core"),
        ("resources::orphans", "resources::schedule_target"),
        ("resources::core", "resources::registry"),
    ] {
        assert!(
            graph.get(from).is_some_and(|t| t.contains(to)),
            "the scan missed {from} -> {to}: {graph:?}"
        );
    }
    assert_eq!(
        cycle(&graph),
        None,
        "an import cycle between modules of src/"
    );
}

/// One printer: only `src/output.rs` writes to stdout or stderr, so the
/// form (text or JSON), the colour and the stream are decided in one place.
#[test]
fn only_the_printer_writes_to_stdout_or_stderr() {
    let root = repo_root().join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let writers = [
        "print!(",
        "println!(",
        "eprint!(",
        "eprintln!(",
        "io::stdout()",
        "print_help(",
    ];
    let mut found = Vec::new();
    for f in &files {
        if f.ends_with("output.rs") {
            continue;
        }
        for (n, line) in code_of(f).lines().enumerate() {
            let line = line.split("//").next().unwrap_or_default();
            if let Some(w) = writers.iter().find(|w| line.contains(*w)) {
                found.push(format!("{}:{}: {w}", f.display(), n + 1));
            }
        }
    }
    assert!(files.len() > 50, "the scan saw {} files", files.len());
    assert!(
        found.is_empty(),
        "output outside the printer (src/output.rs):\n{}",
        found.join("\n")
    );
}
