//! The config file under every fault: symlinks, permissions, litter from a
//! killed run, CRLF line endings, a directory the command cannot write.

use std::os::unix::fs::PermissionsExt;

use crate::support::*;

fn stack() -> (Moto, Workdir) {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    (moto, w)
}

fn example() -> String {
    std::fs::read_to_string(repo_root().join("examples/daemon.yml")).unwrap()
}

#[test]
fn a_symlinked_config_stays_a_link_and_its_target_is_written() {
    let (_moto, w) = stack();
    std::fs::create_dir(w.path("real")).unwrap();
    w.write("real/daemon.yml", &example());
    std::os::unix::fs::symlink("real/daemon.yml", w.path("daemon.yml")).unwrap();
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    let meta = std::fs::symlink_metadata(w.path("daemon.yml")).unwrap();
    assert!(
        meta.file_type().is_symlink(),
        "the link was replaced by a file"
    );
    let cfg = w.yaml("real/daemon.yml");
    assert!(str_at(&cfg, &["cluster", "arn"]).contains("hello-daemon-cluster"));
}

#[test]
fn permissions_line_endings_and_litter() {
    let (_moto, w) = stack();
    let crlf = example().replace('\n', "\r\n");
    let p = w.write("daemon.yml", &crlf);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    // A temp file left by a run killed mid-write.
    w.write(".daemon.yml.fargate-stack.tmp", "half a file");
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();

    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the config kept its mode");
    assert!(
        !w.path(".daemon.yml.fargate-stack.tmp").exists(),
        "litter removed"
    );
    let text = w.read("daemon.yml");
    assert!(text.contains("arn:aws:ecs"), "{text}");
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "every line keeps its CRLF:\n{text:?}"
    );
    assert!(text.contains("# A long-running worker"), "comments kept");
}

/// Links planted where the tool writes its probe, its temp file and its
/// backup are replaced, never written through; after the run nothing of the
/// tool's is left beside the config but the backup (the lock lives under
/// `.fargatestack/`).
#[test]
fn files_beside_the_config_never_follow_a_planted_link_and_leave_nothing() {
    let (_moto, w) = stack();
    w.write("daemon.yml", &example());
    let victim_tmp = w.write("victim-tmp", "precious");
    let victim_bak = w.write("victim-bak", "precious");
    std::os::unix::fs::symlink(&victim_tmp, w.path(".daemon.yml.fargate-stack.tmp")).unwrap();
    std::os::unix::fs::symlink(&victim_bak, w.path("daemon.yml.bak")).unwrap();
    std::os::unix::fs::symlink(&victim_bak, w.path(".daemon.yml.bak.fargate-stack.tmp")).unwrap();
    let out = w.run(&["apply", "-c", "daemon.yml", "--yes"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        w.read("victim-tmp"),
        "precious",
        "the probe wrote through a link"
    );
    assert_eq!(
        w.read("victim-bak"),
        "precious",
        "the backup wrote through a link"
    );
    let bak = std::fs::symlink_metadata(w.path("daemon.yml.bak")).unwrap();
    assert!(bak.file_type().is_file(), "the backup is a file of its own");
    assert_eq!(
        w.read("daemon.yml.bak"),
        example(),
        "the backup is the config as it was"
    );
    let left: Vec<String> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("daemon.yml") && n != "daemon.yml" && n != "daemon.yml.bak")
        .collect();
    assert!(left.is_empty(), "left beside the config: {left:?}");
    assert!(
        w.path(".fargatestack/daemon.yml.lock").exists(),
        "the lock lives under .fargatestack/"
    );
}

/// Run as `nobody` in a directory it cannot write: apply must refuse before
/// it creates anything it could not record. Needs root (to become nobody).
#[test]
fn a_config_that_cannot_be_written_stops_apply_before_any_change() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "SKIPPED a_config_that_cannot_be_written_stops_apply_before_any_change: it needs root, to run the binary as nobody"
        );
        return;
    }
    let (moto, w) = stack();
    w.write("daemon.yml", &example());
    let bin = w.path("fargate-stack");
    std::fs::copy(BIN, &bin).unwrap();
    std::fs::set_permissions(w.dir.path(), std::fs::Permissions::from_mode(0o555)).unwrap();
    moto.clear_calls();
    let out = w
        .program(
            "setpriv",
            &[
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                bin.to_str().unwrap(),
                "apply",
                "-c",
                "daemon.yml",
                "--yes",
                "--no-history",
            ],
        )
        .output()
        .unwrap();
    std::fs::set_permissions(w.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write the config file"), "{stderr}");
    assert!(stderr.contains("daemon.yml"), "{stderr}");
    moto.assert_no_mutations("this run");
    assert_eq!(w.read("daemon.yml"), example());
}
