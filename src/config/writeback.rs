//! Write-back: put discovered IDs and ARNs into the user's file without
//! losing their comments, blank lines or key order.
//!
//! We patch the text rather than re-serialise the model. The edits are
//! line-based on block-style YAML: replace a scalar in place (keeping a
//! trailing comment), replace a list in the style it was written in, or
//! append a missing key at the end of its parent mapping. After patching we
//! parse the result and compare it with the intended document; if they differ
//! (a construct the patcher does not understand, such as anchors), we fall
//! back to a plain re-serialisation and say so, because a correct file
//! without comments beats a pretty file with wrong values.
//!
//! No lossless YAML editor crate handled nested inserts correctly when this
//! was written (yaml-edit 0.2/0.3 mis-indents new nested blocks), hence this
//! small, verified patcher.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

#[derive(Debug, Clone)]
pub struct Update {
    pub path: Vec<String>,
    pub value: Value,
}

impl Update {
    pub fn new(path: &[&str], value: impl Into<Value>) -> Update {
        Update {
            path: path.iter().map(|s| s.to_string()).collect(),
            value: value.into(),
        }
    }
}

pub struct Patched {
    pub text: String,
    /// The document `text` parses to (verified), so callers need not parse it again.
    pub value: Value,
    /// False when formatting could not be kept and the file was re-serialised.
    pub lossless: bool,
    /// Dotted paths whose value actually changed.
    pub changed: Vec<String>,
}

/// Scalars compare by their text, so `account: 123` equals `"123"` and the
/// file is not churned over a quoting difference.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Sequence(x), Value::Sequence(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Mapping(x), Value::Mapping(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => scalar_text(a) == scalar_text(b),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

pub fn get<'a>(doc: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter()
        .try_fold(doc, |v, k| v.as_mapping()?.get(k.as_str()))
}

fn set(doc: &mut Value, path: &[String], value: Value) {
    let mut cur = doc;
    for (i, key) in path.iter().enumerate() {
        if !cur.is_mapping() {
            *cur = Value::Mapping(Mapping::new());
        }
        let map = cur.as_mapping_mut().expect("just made a mapping");
        let k = Value::String(key.clone());
        if i == path.len() - 1 {
            map.insert(k, value);
            return;
        }
        if !map.contains_key(&k) {
            map.insert(k.clone(), Value::Mapping(Mapping::new()));
        }
        cur = map.get_mut(&k).expect("just inserted");
    }
}

/// The dotted paths `updates` would change in `original` (no text work).
pub fn changed_keys(original: &Value, updates: &[Update]) -> Vec<String> {
    updates
        .iter()
        .filter(|u| !get(original, &u.path).is_some_and(|v| same(v, &u.value)))
        .map(|u| u.path.join("."))
        .collect()
}

/// Applies `updates` to `text`, whose parsed form is `original`.
pub fn patch(text: &str, original: &Value, updates: &[Update]) -> Patched {
    let mut desired = original.clone();
    let mut changed = Vec::new();
    for u in updates {
        if get(&desired, &u.path).is_some_and(|v| same(v, &u.value)) {
            continue;
        }
        set(&mut desired, &u.path, u.value.clone());
        changed.push(u.path.join("."));
    }
    if changed.is_empty() {
        return Patched {
            text: text.to_string(),
            value: desired,
            lossless: true,
            changed,
        };
    }

    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut ok = !lines
        .iter()
        .any(|l| l.trim_end() == "..." || l.contains('\t'))
        && lines.iter().filter(|l| l.starts_with("---")).count() <= 1;
    if ok {
        // Each patch writes the desired subtree at the depth it reached, so
        // later updates under that subtree are already in the text. Tracking
        // those prefixes (instead of re-parsing the text per update) keeps a
        // large file's write-back linear.
        let mut written: Vec<Vec<String>> = Vec::new();
        for u in updates {
            if get(original, &u.path).is_some_and(|v| same(v, &u.value))
                || written.iter().any(|p| u.path.starts_with(p))
            {
                continue;
            }
            match patch_one(&mut lines, &u.path, &desired) {
                Some(depth) => written.push(u.path[..=depth].to_vec()),
                None => {
                    ok = false;
                    break;
                }
            }
        }
    }
    finish(ok.then_some(lines), desired, changed)
}

/// The patched lines if they parse to `desired` (checked by parsing once),
/// else a full re-serialisation: a correct file beats a pretty one.
fn finish(lines: Option<Vec<String>>, desired: Value, changed: Vec<String>) -> Patched {
    if let Some(lines) = lines {
        let mut out = lines.join("\n");
        out.push('\n');
        if serde_yaml::from_str::<Value>(&out).is_ok_and(|v| same(&v, &desired)) {
            return Patched {
                text: out,
                value: desired,
                lossless: true,
                changed,
            };
        }
    }
    Patched {
        text: serde_yaml::to_string(&desired).expect("a YAML value serialises"),
        value: desired,
        lossless: false,
        changed,
    }
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

fn is_content(line: &str) -> bool {
    let t = line.trim();
    !(t.is_empty() || t.starts_with('#') || t == "---")
}

/// Key of a `key: ...` line at exactly `indent`, if it is one.
fn key_at(line: &str, indent: usize) -> Option<(String, usize)> {
    if indent_of(line) != indent || !is_content(line) {
        return None;
    }
    let rest = &line[indent..];
    if rest.starts_with("- ") || rest == "-" {
        return None;
    }
    let (key, after) = if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        let end = rest[1..].find(q)? + 1;
        (rest[1..end].to_string(), end + 1)
    } else {
        let colon = find_mapping_colon(rest)?;
        (rest[..colon].trim_end().to_string(), colon)
    };
    let tail = &rest[after..];
    if !(tail.starts_with(':') && (tail.len() == 1 || tail[1..].starts_with(' '))) {
        return None;
    }
    Some((key, indent + after + 1))
}

fn find_mapping_colon(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' '))
}

/// Splits `value  # comment` into value and comment, honouring quotes.
fn split_comment(s: &str) -> (&str, &str) {
    let mut quote = None;
    let b = s.as_bytes();
    for i in 0..b.len() {
        match (quote, b[i]) {
            (None, b'"') | (None, b'\'') => quote = Some(b[i]),
            (Some(q), c) if c == q => quote = None,
            (None, b'#') if i == 0 || b[i - 1] == b' ' => return (s[..i].trim_end(), &s[i..]),
            _ => {}
        }
    }
    (s.trim_end(), "")
}

/// The span of a mapping's children: lines `start..end` at `indent`.
struct Block {
    start: usize,
    end: usize,
    indent: usize,
}

/// End (exclusive) of the value belonging to the key on `line`: the last
/// content line indented deeper than `indent` (or a list item at the same
/// indent, which YAML allows under a key).
fn value_end(lines: &[String], line: usize, indent: usize, limit: usize) -> usize {
    let mut end = line + 1;
    for (i, l) in lines.iter().enumerate().take(limit).skip(line + 1) {
        if !is_content(l) {
            continue;
        }
        let ind = indent_of(l);
        let same_level_item = ind == indent && l[ind..].starts_with('-');
        if ind > indent || same_level_item {
            end = i + 1;
        } else {
            break;
        }
    }
    end
}

fn render_block(value: &Value, indent: usize) -> Vec<String> {
    let text = serde_yaml::to_string(value).expect("a YAML value serialises");
    text.lines()
        .map(|l| format!("{}{}", " ".repeat(indent), l))
        .collect()
}

fn render_scalar(value: &Value) -> String {
    serde_yaml::to_string(value)
        .expect("a YAML value serialises")
        .trim_end()
        .to_string()
}

fn render_flow(seq: &[Value]) -> String {
    let items: Vec<String> = seq.iter().map(render_scalar).collect();
    format!("[{}]", items.join(", "))
}

fn entry(key: &str, value: &Value, indent: usize) -> Vec<String> {
    let pad = " ".repeat(indent);
    let k = render_scalar(&Value::String(key.to_string()));
    match value {
        Value::Mapping(m) if !m.is_empty() => {
            let mut out = vec![format!("{pad}{k}:")];
            out.extend(render_block(value, indent + 2));
            out
        }
        Value::Sequence(s) if !s.is_empty() => {
            let mut out = vec![format!("{pad}{k}:")];
            out.extend(render_block(value, indent + 2));
            out
        }
        _ => vec![format!("{pad}{k}: {}", render_scalar(value))],
    }
}

/// Patches the text so `path` holds its desired value; returns the depth at
/// which the desired subtree was written, `None` when it cannot.
fn patch_one(lines: &mut Vec<String>, path: &[String], desired: &Value) -> Option<usize> {
    let start = lines
        .iter()
        .position(|l| is_content(l))
        .unwrap_or(lines.len());
    let mut block = Block {
        start,
        end: lines.len(),
        indent: 0,
    };
    for depth in 0..path.len() {
        let key = &path[depth];
        let sub = desired_at(desired, &path[..=depth]);
        let found = (block.start..block.end)
            .find(|&i| key_at(&lines[i], block.indent).is_some_and(|(k, _)| &k == key));
        let Some(line) = found else {
            // Missing: append the whole desired subtree at the end of the block.
            let insert_at = (block.start..block.end)
                .rev()
                .find(|&i| is_content(&lines[i]))
                .map_or(block.start, |i| i + 1);
            let new = entry(key, sub, block.indent);
            lines.splice(insert_at..insert_at, new);
            return Some(depth);
        };
        let (_, value_col) = key_at(&lines[line], block.indent).expect("found above");
        let end = value_end(lines, line, block.indent, block.end);
        let inline = lines[line][value_col..].trim().to_string();
        let (inline_value, comment) = split_comment(&inline);
        let last = depth == path.len() - 1;
        let has_children = end > line + 1;

        if !last && inline_value.is_empty() && has_children {
            let child_indent = (line + 1..end)
                .find(|&i| is_content(&lines[i]))
                .map(|i| indent_of(&lines[i]))
                .unwrap_or(block.indent + 2);
            if lines[(line + 1..end)
                .find(|&i| is_content(&lines[i]))
                .unwrap_or(line + 1)]
            .trim_start()
            .starts_with('-')
            {
                return None;
            }
            block = Block {
                start: line + 1,
                end,
                indent: child_indent,
            };
            continue;
        }

        // Replace this key's whole value with the desired one.
        let comment = if comment.is_empty() {
            String::new()
        } else {
            format!("  {comment}")
        };
        let pad = " ".repeat(block.indent);
        let rendered_key = lines[line][..value_col].to_string();
        let replacement: Vec<String> = match sub {
            Value::Sequence(seq) if inline_value.starts_with('[') || seq.is_empty() => {
                vec![format!("{rendered_key} {}{comment}", render_flow(seq))]
            }
            Value::Sequence(_) if has_children => {
                let first = (line + 1..end)
                    .find(|&i| is_content(&lines[i]))
                    .expect("has children");
                let item_indent = indent_of(&lines[first]);
                let mut out = vec![lines[line].clone()];
                out.extend(render_block(sub, item_indent));
                out
            }
            Value::Mapping(_) | Value::Sequence(_) => {
                let mut out = vec![format!("{rendered_key}{comment}")];
                out.extend(render_block(sub, block.indent + 2));
                out
            }
            scalar => vec![format!("{rendered_key} {}{comment}", render_scalar(scalar))],
        };
        let _ = pad;
        lines.splice(line..end, replacement);
        return Some(depth);
    }
    None
}

/// The lines `start..end` holding `path`'s key and value, when the path is
/// in block style all the way down.
fn locate(lines: &[String], path: &[String]) -> Option<(usize, usize)> {
    let start = lines
        .iter()
        .position(|l| is_content(l))
        .unwrap_or(lines.len());
    let mut block = Block {
        start,
        end: lines.len(),
        indent: 0,
    };
    for (depth, key) in path.iter().enumerate() {
        let line = (block.start..block.end)
            .find(|&i| key_at(&lines[i], block.indent).is_some_and(|(k, _)| &k == key))?;
        let end = value_end(lines, line, block.indent, block.end);
        if depth == path.len() - 1 {
            return Some((line, end));
        }
        let child = (line + 1..end).find(|&i| is_content(&lines[i]))?;
        block = Block {
            start: line + 1,
            end,
            indent: indent_of(&lines[child]),
        };
    }
    None
}

/// Removes keys (with their values and any comment lines directly above
/// them) from `text`, keeping everything else as written. Falls back to a
/// re-serialisation, like `patch`, when the result cannot be verified.
pub fn remove(text: &str, original: &Value, paths: &[Vec<String>]) -> Patched {
    let mut desired = original.clone();
    let mut changed = Vec::new();
    for p in paths {
        if get(&desired, p).is_none() {
            continue;
        }
        let (parent, last) = p.split_at(p.len() - 1);
        let holder = if parent.is_empty() {
            Some(&mut desired)
        } else {
            parent
                .iter()
                .try_fold(&mut desired, |v, k| v.as_mapping_mut()?.get_mut(k.as_str()))
        };
        if let Some(m) = holder.and_then(Value::as_mapping_mut) {
            m.remove(last[0].as_str());
            changed.push(p.join("."));
        }
    }
    if changed.is_empty() {
        return Patched {
            text: text.to_string(),
            value: desired,
            lossless: true,
            changed,
        };
    }
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for p in paths {
        if let Some((line, end)) = locate(&lines, p) {
            lines.drain(line..end);
        }
    }
    finish(Some(lines), desired, changed)
}

fn desired_at<'a>(desired: &'a Value, path: &[String]) -> &'a Value {
    static NULL: Value = Value::Null;
    get(desired, path).unwrap_or(&NULL)
}

/// `<config>.bak`, beside the config.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".bak");
    path.with_file_name(name)
}

/// The file a config path really is: a symlink is followed, so that
/// writing replaces its target and the link stays a link.
pub fn real_path(path: &Path) -> PathBuf {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => {
            std::fs::canonicalize(path).unwrap_or(path.to_path_buf())
        }
        _ => path.to_path_buf(),
    }
}

/// The temp file beside a config. Its name is fixed, so litter from a run
/// killed mid-write is simply replaced by the next write.
pub fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    path.with_file_name(format!(".{name}.fargate-stack.tmp"))
}

/// Removes the temp file a killed run may have left beside the config (its
/// name is ours; a link there is unlinked, never followed).
pub fn remove_stale_temp(config: &Path) {
    let _ = std::fs::remove_file(temp_path(&real_path(config)));
}

fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Fails, naming the path, when the config could not be written back (so a
/// command can say so before it changes anything in AWS).
pub fn check_writable(path: &Path) -> std::io::Result<()> {
    let real = real_path(path);
    std::fs::OpenOptions::new()
        .append(true)
        .open(&real)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", real.display())))?;
    // The probe is the temp file's own name: whatever is there (litter from
    // a killed run, or a link planted to make us write elsewhere) is
    // unlinked, never opened, and the probe is created exclusively.
    let probe = temp_path(&real);
    remove_if_there(&probe)?;
    let made = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!(
                    "{} (the directory the config is replaced from): {e}",
                    dir_of(&real).display()
                ),
            )
        });
    let _ = std::fs::remove_file(&probe);
    made.map(|_| ())
}

/// Unlinks `path` (a file or a link, never what a link points at); absent
/// is fine.
fn remove_if_there(path: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        )),
        _ => Ok(()),
    }
}

/// Replaces `target` with `bytes`: a temp file beside it (whatever was at
/// the temp's name, a link included, is unlinked first) created exclusively
/// with `mode` (never briefly more open), flushed to disk, then renamed
/// over `target`, so a link at `target` is replaced, not written through.
/// `before_rename` runs once the new content is safe on disk.
fn replace_file(
    target: &Path,
    bytes: &[u8],
    mode: u32,
    before_rename: impl FnOnce() -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let tmp = temp_path(target);
    remove_if_there(&tmp)?;
    let result = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)?;
        // The umask may have narrowed the mode; make it exactly `mode`.
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        f.write_all(bytes)?;
        f.sync_all()?;
        before_rename()?;
        std::fs::rename(&tmp, target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn mode_of(path: &Path, default: u32) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .unwrap_or(default)
}

/// Writes `text` to `path` atomically, with the config's permissions. With
/// `backup`, the previous content is copied to `<config>.bak` first (the
/// same way, so a link planted there is replaced). A symlinked config is
/// written through to its target.
pub fn write_atomic(path: &Path, text: &str, backup: bool) -> std::io::Result<()> {
    let real = real_path(path);
    let mode = mode_of(&real, 0o644);
    replace_file(&real, text.as_bytes(), mode, || {
        if backup && real.exists() {
            replace_file(&backup_path(path), &std::fs::read(&real)?, mode, || Ok(()))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, updates: &[Update]) -> Patched {
        let v: Value = serde_yaml::from_str(text).unwrap();
        patch(text, &v, updates)
    }

    const SAMPLE: &str = "# my stack\napp:\n  name: demo   # the app\n\n# tasks below\ntasks:\n  web:\n    image: nginx  # public\n    environment:\n      A: 1\n\n  # a job\n  job:\n    image: busybox\nsubnets:\n  private: [subnet-a]\n";

    #[test]
    fn keeps_comments_and_order() {
        let p = run(
            SAMPLE,
            &[
                Update::new(&["account"], "123456789012"),
                Update::new(&["tasks", "web", "arn"], "arn:x:1"),
                Update::new(&["tasks", "job", "cpu"], 256),
                Update::new(&["cluster", "name"], "demo-cluster"),
                Update::new(&["cluster", "arn"], "arn:c"),
                Update::new(
                    &["subnets", "private"],
                    Value::Sequence(vec!["subnet-b".into(), "subnet-c".into()]),
                ),
                Update::new(&["app", "name"], "demo"),
            ],
        );
        assert!(p.lossless, "{}", p.text);
        for keep in [
            "# my stack",
            "name: demo   # the app",
            "# tasks below",
            "# a job",
            "image: nginx  # public",
        ] {
            assert!(p.text.contains(keep), "lost {keep:?}:\n{}", p.text);
        }
        assert!(p.text.contains("    arn: arn:x:1\n"), "{}", p.text);
        assert!(
            p.text.contains("  private: [subnet-b, subnet-c]\n"),
            "{}",
            p.text
        );
        assert!(
            p.text
                .contains("cluster:\n  name: demo-cluster\n  arn: arn:c\n"),
            "{}",
            p.text
        );
        // the job's new key lands inside job, not after the comment of web
        let job = p.text.find("  job:").unwrap();
        assert!(p.text[job..].contains("    cpu: 256"), "{}", p.text);
        assert!(p.text.find("app:").unwrap() < p.text.find("tasks:").unwrap());
        assert!(!p.changed.contains(&"app.name".to_string()));
    }

    #[test]
    fn replaces_scalar_keeping_comment() {
        let p = run("a:\n  b: old # note\n", &[Update::new(&["a", "b"], "new")]);
        assert_eq!(p.text, "a:\n  b: new  # note\n");
    }

    #[test]
    fn number_and_string_compare_equal() {
        let p = run(
            "account: 123456789012\n",
            &[Update::new(&["account"], "123456789012")],
        );
        assert!(p.changed.is_empty());
        assert_eq!(p.text, "account: 123456789012\n");
    }

    #[test]
    fn block_list_replaced_in_block_style() {
        let p = run(
            "subnets:\n  public:\n    - a\n    - b\n  private:\n  - c\nx: 1\n",
            &[
                Update::new(&["subnets", "public"], Value::Sequence(vec!["z".into()])),
                Update::new(
                    &["subnets", "private"],
                    Value::Sequence(vec!["y".into(), "w".into()]),
                ),
            ],
        );
        assert!(p.lossless);
        assert_eq!(
            p.text,
            "subnets:\n  public:\n    - z\n  private:\n  - y\n  - w\nx: 1\n"
        );
    }

    #[test]
    fn null_parent_gets_filled() {
        let p = run("role:\ntasks: {}\n", &[Update::new(&["role", "name"], "R")]);
        assert!(p.lossless, "{}", p.text);
        let v: Value = serde_yaml::from_str(&p.text).unwrap();
        assert_eq!(v["role"]["name"], Value::from("R"));
    }

    #[test]
    fn anchors_fall_back_to_full_rewrite_but_stay_correct() {
        let text = "base: &b\n  x: 1\nother: *b\n";
        let p = run(text, &[Update::new(&["other", "y"], 2)]);
        let v: Value = serde_yaml::from_str(&p.text).unwrap();
        assert_eq!(v["other"]["y"], Value::from(2));
    }

    #[test]
    fn atomic_write_keeps_backup() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("s.yml");
        std::fs::write(&f, "a: 1\n").unwrap();
        write_atomic(&f, "a: 2\n", true).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "a: 2\n");
        assert_eq!(std::fs::read_to_string(backup_path(&f)).unwrap(), "a: 1\n");
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 2);
    }
}
#[cfg(test)]
mod remove_tests {
    use super::*;

    #[test]
    fn removes_keys_keeping_the_rest() {
        let text = "# top\ntasks:\n  # w\n  worker:\n    type: daemon\n    family: worker\n    image_digest: sha256:9f\n    arn: arn:x\n  # r\n  report:\n    image: x  # keep\n    arn: arn:y\ncluster:\n  name: c\n  arn: arn:c\n";
        let v: Value = serde_yaml::from_str(text).unwrap();
        let p = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let out = remove(
            text,
            &v,
            &[
                p(&["tasks", "worker", "arn"]),
                p(&["tasks", "worker", "image_digest"]),
                p(&["cluster", "arn"]),
                p(&["not", "there"]),
            ],
        );
        assert!(out.lossless, "{}", out.text);
        assert_eq!(
            out.text,
            "# top\ntasks:\n  # w\n  worker:\n    type: daemon\n    family: worker\n  # r\n  report:\n    image: x  # keep\n    arn: arn:y\ncluster:\n  name: c\n"
        );
        assert_eq!(out.changed.len(), 3);
    }
}

#[cfg(test)]
mod large_file_tests {
    use super::*;

    /// A large config is written back in time proportional to its size:
    /// the text is parsed once to verify, not once per key.
    #[test]
    fn write_back_of_a_large_config_parses_it_a_bounded_number_of_times() {
        let mut text = String::from("app:\n  name: big\ntasks:\n");
        for i in 0..8_000 {
            text.push_str(&format!(
                "  # task {i}\n  t{i}:\n    image: repo-{i}\n    environment:\n      K: v{i}\n"
            ));
        }
        let value: Value = serde_yaml::from_str(&text).unwrap();
        let one_parse = {
            let start = std::time::Instant::now();
            let _: Value = serde_yaml::from_str(&text).unwrap();
            start.elapsed()
        };
        let updates: Vec<Update> = (0..40)
            .map(|i| {
                Update::new(
                    &["tasks", &format!("t{}", i * 200), "arn"],
                    format!("arn:{i}"),
                )
            })
            .collect();
        let start = std::time::Instant::now();
        let p = patch(&text, &value, &updates);
        let took = start.elapsed();
        assert!(p.lossless);
        assert_eq!(p.changed.len(), 40);
        assert!(
            took < one_parse * 6 + std::time::Duration::from_secs(1),
            "patching took {took:?}; one parse takes {one_parse:?}"
        );
    }
}
