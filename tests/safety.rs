//! Never the wrong stack: the credentials a profile names, the account and
//! region the config records, resources another stack owns, and two
//! commands on one config at once.

use std::io::Read;
use std::process::Stdio;
use std::time::Duration;

use crate::support::*;

fn applied() -> (Moto, Workdir) {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    w.run(&["apply", "-c", "daemon.yml", "--force"]).ok();
    (moto, w)
}

/// A profile `other` whose credentials belong to account 111111111111
/// (moto ties assumed-role credentials to the role's account).
async fn other_account_profile(moto: &Moto, w: &Workdir) {
    let sts = aws_sdk_sts::Client::new(&moto.sdk().await);
    let creds = sts
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/elsewhere")
        .role_session_name("t")
        .send()
        .await
        .unwrap();
    let c = creds.credentials().unwrap();
    std::fs::create_dir_all(w.path(".aws")).unwrap();
    w.write(
        ".aws/credentials",
        &format!(
            "[other]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            c.access_key_id(),
            c.secret_access_key(),
            c.session_token()
        ),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_profile_beats_environment_keys_and_another_account_is_refused() {
    let (moto, mut w) = applied();
    other_account_profile(&moto, &w).await;
    let before = w.read("daemon.yml");
    moto.clear_calls();
    // AWS_ACCESS_KEY_ID is set (for account 123456789012), but --profile
    // names other credentials: those are used, and their account is not the
    // config's, so nothing happens.
    let run = w.run(&["apply", "-c", "daemon.yml", "--force", "--profile", "other"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("records account 123456789012"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("111111111111"), "{}", run.stderr);
    assert!(run.stderr.contains("--profile"), "{}", run.stderr);
    moto.assert_no_mutations("this run");
    assert_eq!(w.read("daemon.yml"), before);

    // AWS_PROFILE, with no --profile and none in the config, is honoured too.
    w.set_env("AWS_PROFILE", "other");
    let run = w.run(&["plan", "-c", "daemon.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("111111111111"), "{}", run.stderr);
    // ... and never written into the config.
    assert!(!w.read("daemon.yml").contains("profile:"));
}

#[test]
fn another_region_than_the_recorded_one_is_refused_before_any_call() {
    let (moto, w) = applied();
    moto.clear_calls();
    let run = w.run(&["plan", "-c", "daemon.yml", "--region", "eu-west-1"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("records region us-east-1") && run.stderr.contains("eu-west-1"),
        "{}",
        run.stderr
    );
    assert!(moto.calls().is_empty(), "{:?}", moto.calls());
}

#[test]
fn a_family_another_stack_owns_is_not_changed() {
    let (moto, w) = applied();
    // A second app whose task has the same family, with other settings.
    let other = "app:\n  name: other-app\ntasks:\n  worker:\n    type: daemon\n    image: helloworld\n    environment:\n      MINE: yes\n";
    w.write("other.yml", other);
    moto.clear_calls();
    // The plan shows the conflict and exits 2: it cannot be applied.
    let plan = w.run(&["plan", "-c", "other.yml", "--output", "json"]);
    assert_eq!(plan.code, 2, "{}", plan.stderr);
    let conflicts = plan.json()["plan"]["conflicts"].clone();
    assert!(
        conflicts[0]
            .as_str()
            .unwrap()
            .contains("belongs to the stack `hello-daemon`"),
        "{conflicts}"
    );
    assert!(
        plan.stderr.contains("take_over: [task-definition/worker]"),
        "{}",
        plan.stderr
    );
    // Neither --yes nor --force overrides ownership.
    for flag in ["--yes", "--force"] {
        let run = w.run(&["apply", "-c", "other.yml", flag]);
        assert_eq!(run.code, 2, "{flag}: {}", run.stderr);
        assert!(run.stderr.contains("family:"), "{}", run.stderr);
    }
    moto.assert_no_mutations("this run");

    // Only the config's own opt-in takes it over, and the plan says so.
    w.write(
        "other.yml",
        &format!("{other}take_over: [task-definition/worker]\n"),
    );
    let plan = w.run(&["plan", "-c", "other.yml", "--no-color"]).ok();
    assert!(
        plan.stdout
            .contains("(taken over from the stack `hello-daemon`)"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "other.yml", "--yes"]).ok();
    assert!(str_at(&w.yaml("other.yml"), &["tasks", "worker", "arn"]).ends_with(":2"));

    // A take_over that names no resource is a config error.
    w.write("bad.yml", &format!("{other}take_over: [worker]\n"));
    let bad = w.run(&["plan", "-c", "bad.yml"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("`take_over[0]`"), "{}", bad.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn update_service_deploys_the_recorded_revision_not_the_newest() {
    let (moto, w) = applied();
    w.run(&["create-service", "-c", "daemon.yml"]).ok();
    // Someone registers a newer revision of the same family by hand.
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    ecs.register_task_definition()
        .family("worker")
        .cpu("256")
        .memory("512")
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("worker")
                .image("busybox")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let run = w.run(&["update-service", "-c", "daemon.yml"]).ok();
    assert!(
        run.stdout.contains("already runs worker:1"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn a_second_command_on_the_same_config_waits_for_the_first() {
    let (_moto, w) = applied();
    // Hold the lock as a running apply would.
    let lock = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(w.path(".fargatestack/daemon.yml.lock"))
        .expect("apply left its lock file");
    lock.lock().unwrap();
    let mut child = w
        .command(&["plan", "-c", "daemon.yml"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    assert!(child.try_wait().unwrap().is_none(), "plan did not wait");
    lock.unlock().unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(status.success(), "{err}");
    assert!(
        err.contains("waiting for another fargate-stack command"),
        "{err}"
    );
}
