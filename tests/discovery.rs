//! VPC eligibility: IGW *and* NAT; one is used, several or none are errors.

use crate::support::*;

#[test]
fn a_vpc_with_an_igw_but_no_nat_is_not_eligible() {
    let moto = Moto::start();
    let seed = moto.seed("none");
    let w = Workdir::new(Some(&moto));
    let text = std::fs::read_to_string(repo_root().join("examples/daemon.yml")).unwrap();
    w.write("d.yml", &text);
    let run = w.run(&["plan", "-c", "d.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&seed.vpc_id), "{}", run.stderr);
    assert!(
        run.stderr.contains("no available NAT gateway"),
        "{}",
        run.stderr
    );
    assert_eq!(w.read("d.yml"), text);
}

#[test]
fn several_eligible_vpcs_need_a_choice() {
    let moto = Moto::start();
    let seed = moto.seed("two");
    let w = Workdir::new(Some(&moto));
    let text = std::fs::read_to_string(repo_root().join("examples/daemon.yml")).unwrap();
    w.write("d.yml", &text);
    let run = w.run(&["plan", "-c", "d.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&seed.vpc_id)
            && run.stderr.contains(seed.second_vpc_id.as_deref().unwrap()),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("set `vpc_id`"), "{}", run.stderr);

    // Choosing one with vpc_id works, and its subnets are used.
    w.write(
        "d.yml",
        &format!("vpc_id: {}\n{text}", seed.second_vpc_id.as_deref().unwrap()),
    );
    w.run(&["plan", "-c", "d.yml"]).ok();
    let cfg = w.yaml("d.yml");
    assert_eq!(list_at(&cfg, &["subnets", "private"]).len(), 2);
    assert!(
        !list_at(&cfg, &["subnets", "private"])
            .iter()
            .any(|s| seed.private.contains(s))
    );
}

#[test]
fn a_configured_vpc_that_does_not_exist_is_an_error() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    let text = std::fs::read_to_string(repo_root().join("examples/daemon.yml")).unwrap();
    w.write("d.yml", &format!("vpc_id: vpc-0000000000000000f\n{text}"));
    let run = w.run(&["plan", "-c", "d.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("vpc-0000000000000000f does not exist"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_ecr_tag_that_does_not_exist_is_an_error() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.write(
        "d.yml",
        "app:\n  name: x\ntasks:\n  w:\n    image: helloworld:nope\n",
    );
    let run = w.run(&["plan", "-c", "d.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("tag `nope` not found in ECR repository `helloworld`"),
        "{}",
        run.stderr
    );
}

#[test]
fn cache_skips_discovery_and_no_cache_redoes_it() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    let text = std::fs::read_to_string(repo_root().join("examples/daemon.yml")).unwrap();
    w.write("d.yml", &text);
    w.run(&["plan", "-c", "d.yml"]).ok();
    moto.clear_calls();
    w.run(&["plan", "-c", "d.yml"]).ok();
    let calls = moto.calls();
    assert!(
        !calls.iter().any(|c| c.contains("DescribeVpcs")),
        "cached: {calls:?}"
    );
    // The account is still asked once, to check the credentials are for the
    // account the config records (in the same round as everything else).
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.contains("GetCallerIdentity"))
            .count(),
        1,
        "{calls:?}"
    );
    moto.clear_calls();
    w.run(&["plan", "-c", "d.yml", "--no-cache"]).ok();
    let calls = moto.calls();
    assert!(
        calls.iter().any(|c| c.contains("DescribeVpcs"))
            && calls.iter().any(|c| c.contains("GetCallerIdentity")),
        "{calls:?}"
    );
}

/// An image resolved from the account's ECR never silently becomes the
/// public image of the same name (another publisher) once its repository
/// is gone: plan and apply stop with the fix, verify fails.
#[tokio::test(flavor = "multi_thread")]
async fn an_ecr_image_whose_repository_is_gone_never_turns_public() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    w.run(&["apply", "-c", "daemon.yml", "--yes", "--no-cache"])
        .ok();
    assert!(!str_at(&w.yaml("daemon.yml"), &["tasks", "worker", "image_digest"]).is_empty());
    aws_sdk_ecr::Client::new(&moto.sdk().await)
        .delete_repository()
        .repository_name("helloworld")
        .force(true)
        .send()
        .await
        .unwrap();
    moto.clear_calls();
    for command in ["plan", "apply"] {
        let run = w.run(&[command, "-c", "daemon.yml", "--yes", "--no-cache"]);
        assert_eq!(run.code, 2, "{command}: {}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("the ECR repository `helloworld`")
                && run.stderr.contains("docker.io/library/helloworld"),
            "{}",
            run.stderr
        );
    }
    moto.assert_no_mutations("plan and apply with the repository gone");
    let verify = w.run(&["verify", "-c", "daemon.yml", "--no-cache"]);
    assert_ne!(verify.code, 0, "{}", verify.stdout);
    assert!(
        verify.stdout.contains("repository is gone")
            || verify.stderr.contains("repository is gone"),
        "{}\n{}",
        verify.stdout,
        verify.stderr
    );
}

/// The plan says where each task's image comes from: this account's ECR
/// (with the digest its tag points at), another registry, or Docker Hub,
/// so a public image standing in for a private one is seen before it runs.
#[test]
fn the_plan_names_each_images_registry() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.write(
        "images.yml",
        "app:\n  name: images\ntasks:\n  mine:\n    image: helloworld\n  public:\n    image: nginx:1.27\n  elsewhere:\n    image: ghcr.io/owner/tool:v1\n",
    );
    let run = w.run(&["plan", "-c", "images.yml", "--no-color"]).ok();
    let line = |task: &str| {
        run.stdout
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("image {task}:")))
            .unwrap_or_else(|| panic!("no image line for {task}:\n{}", run.stdout))
            .to_string()
    };
    let mine = line("mine");
    assert!(
        mine.contains(&format!(
            "{}.dkr.ecr.us-east-1.amazonaws.com/helloworld:latest from ECR, this account ({} us-east-1) (sha256:",
            seed.account, seed.account
        )),
        "{mine}"
    );
    assert!(line("public").ends_with("nginx:1.27 from Docker Hub (public)"));
    assert!(line("elsewhere").ends_with("ghcr.io/owner/tool:v1 from ghcr.io"));
    let json = w
        .run(&["plan", "-c", "images.yml", "-o", "json"])
        .ok()
        .stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let images = doc["header"]["images"].as_array().unwrap();
    assert_eq!(images.len(), 3, "{images:?}");
    assert_eq!(images[1]["registry"], "Docker Hub (public)");
    assert!(images[0]["digest"].as_str().unwrap().starts_with("sha256:"));
}
