//! Records the commit the binary is built from, for `--version`: from
//! `FARGATE_STACK_COMMIT` when a release job sets it, else the git checkout
//! being built, else the `.cargo_vcs_info.json` that `cargo publish` puts in
//! the package, else "unknown".

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let text = text.trim();
    (out.status.success() && !text.is_empty()).then(|| text.to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=FARGATE_STACK_COMMIT");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let from_env = std::env::var("FARGATE_STACK_COMMIT")
        .ok()
        .filter(|c| !c.is_empty());
    // Only this project's own checkout counts: a package unpacked inside some
    // other repository must not report that repository's commit.
    let own_checkout = git(&["-C", &manifest_dir, "rev-parse", "--show-toplevel"])
        .is_some_and(|top| Path::new(&top) == Path::new(&manifest_dir));
    let from_git = own_checkout
        .then(|| git(&["-C", &manifest_dir, "rev-parse", "--short=12", "HEAD"]))
        .flatten();
    if own_checkout {
        // Rebuild when HEAD moves: HEAD itself, the branch it names, packed refs.
        if let Some(dir) = git(&["-C", &manifest_dir, "rev-parse", "--absolute-git-dir"]) {
            let dir = Path::new(&dir);
            let mut watched = vec![dir.join("HEAD"), dir.join("packed-refs")];
            if let Some(branch) = git(&["-C", &manifest_dir, "symbolic-ref", "-q", "HEAD"]) {
                watched.push(dir.join(branch));
            }
            for path in watched.iter().filter(|p| p.exists()) {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    let from_package =
        std::fs::read_to_string(Path::new(&manifest_dir).join(".cargo_vcs_info.json"))
            .ok()
            .and_then(|text| {
                let rest = &text[text.find("\"sha1\"")? + 6..];
                let start = rest.find('"')? + 1;
                let len = rest[start..].find('"')?;
                Some(rest[start..start + len].to_string())
            });
    let commit = from_env
        .or(from_git)
        .or(from_package)
        .map(|c| c.chars().take(12).collect())
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=FARGATE_STACK_COMMIT={commit}");
}
