//! Never the wrong stack: the credentials a profile names, the account and
//! region the config records, resources another stack owns, and two
//! commands on one config at once.

use std::io::Read;
use std::process::Stdio;

use crate::support::*;

fn applied() -> (Moto, Workdir) {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    (moto, w)
}

/// A profile `other` whose credentials belong to account 111111111111
/// (moto ties assumed-role credentials to the role's account).
async fn other_account_profile(moto: &Moto, w: &Workdir) {
    let sts = aws_sdk_sts::Client::new(&moto.sdk().await);
    let creds = sts
        .assume_role()
        .role_arn("arn:aws:iam::111111111111:role/elsewhere")
        .role_session_name("test")
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
    let run = w.run(&["apply", "-c", "daemon.yml", "--yes", "--profile", "other"]);
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
    // It says it waits, and does: still running once it has said so.
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("waiting for another fargate-stack command") {
        let mut line = String::new();
        assert!(
            std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0,
            "plan ended without waiting: {said}"
        );
        said.push_str(&line);
    }
    assert!(child.try_wait().unwrap().is_none(), "plan did not wait");
    lock.unlock().unwrap();
    let status = child.wait().unwrap();
    stderr.read_to_string(&mut said).unwrap();
    assert!(status.success(), "{said}");
}

/// An untagged service in the stack's cluster under a task's name, as a
/// person would make it (in the subnets the config records).
async fn untagged_service(moto: &Moto, w: &Workdir, task_definition: &str) {
    use aws_sdk_ecs::types::LaunchType;
    let config = w.yaml("daemon.yml");
    let subnets = list_at(&config, &["subnets", "private"]);
    let group = str_at(&config, &["security_groups", "fargate", "group_id"]);
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    ecs.create_service()
        .cluster("hello-daemon-cluster")
        .service_name("worker")
        .task_definition(task_definition)
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc(subnets, &[group]))
        .send()
        .await
        .unwrap();
}

async fn service_count(moto: &Moto) -> Option<i32> {
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let out = ecs
        .describe_services()
        .cluster("hello-daemon-cluster")
        .services("worker")
        .send()
        .await
        .unwrap();
    out.services()
        .iter()
        .find(|s| s.status() == Some("ACTIVE"))
        .map(|s| s.desired_count())
}

/// A service without tags is someone's: stop-service and destroy leave it
/// and say so. One that runs the family the config records is the stack's
/// (its name and the config's records agree), shown as untagged.
#[tokio::test(flavor = "multi_thread")]
async fn an_untagged_service_is_left_unless_the_config_records_it() {
    let (moto, w) = applied();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    register_untagged(&moto, "someone-elses", "SomeoneRole").await;
    untagged_service(&moto, &w, "someone-elses").await;

    moto.clear_calls();
    let stop = w.run(&["stop-service", "-c", "daemon.yml", "worker", "--yes"]);
    assert_eq!(stop.code, 2, "{}\n{}", stop.stdout, stop.stderr);
    assert!(
        stop.stderr.contains("service `worker`") && stop.stderr.contains("left as it is"),
        "{}",
        stop.stderr
    );
    moto.assert_no_mutations("a refused stop-service");
    assert_eq!(service_count(&moto).await, Some(1));

    let destroyed = w.run(&["destroy", "-c", "daemon.yml", "--yes"]).ok();
    assert!(
        destroyed.stdout.contains("worker")
            && destroyed.stdout.contains("not created by this stack"),
        "{}",
        destroyed.stdout
    );
    assert_eq!(service_count(&moto).await, Some(1), "the service is left");
    // And so is the cluster it runs in (AWS refuses to delete a cluster with
    // services), with why.
    assert!(
        destroyed
            .stdout
            .contains("hello-daemon-cluster: still used by the ecs service `worker`"),
        "{}",
        destroyed.stdout
    );
    let clusters = ecs
        .describe_clusters()
        .clusters("hello-daemon-cluster")
        .send()
        .await
        .unwrap();
    assert_eq!(clusters.clusters()[0].status(), Some("ACTIVE"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_untagged_service_running_the_recorded_family_is_the_stacks() {
    let (moto, w) = applied();
    let arn = str_at(&w.yaml("daemon.yml"), &["tasks", "worker", "arn"]).to_string();
    untagged_service(&moto, &w, &arn).await;
    w.run(&[
        "stop-service",
        "-c",
        "daemon.yml",
        "worker",
        "--yes",
        "--no-wait",
    ])
    .ok();
    assert_eq!(service_count(&moto).await, Some(0));
    let plan = w
        .run(&["destroy", "-c", "daemon.yml", "--dryrun", "--no-color"])
        .ok();
    assert!(
        plan.stdout
            .contains("worker (untagged; the config records it as this stack's)"),
        "{}",
        plan.stdout
    );
    w.run(&["destroy", "-c", "daemon.yml", "--yes"]).ok();
    assert_eq!(service_count(&moto).await, None, "deleted");
}

async fn register_untagged(moto: &Moto, family: &str, role: &str) {
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    ecs.register_task_definition()
        .family(family)
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .execution_role_arn(format!("arn:aws:iam::123456789012:role/{role}"))
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name(family)
                .image("nginx")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

async fn active_revisions(moto: &Moto, family: &str) -> Vec<String> {
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let mut arns: Vec<String> = ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap()
        .task_definition_arns()
        .iter()
        .map(|a| a.rsplit('/').next().unwrap().to_string())
        .collect();
    arns.sort();
    arns
}

/// A family is one app's: an untagged revision that runs with another
/// app's roles is refused at plan with the fix; taken over, the stack
/// registers its own revision, and destroy deregisters only that one.
#[tokio::test(flavor = "multi_thread")]
async fn a_family_with_another_apps_roles_is_refused_and_destroy_keeps_its_revisions() {
    let moto = Moto::start();
    moto.seed("eligible");
    register_untagged(&moto, "worker", "FargateShopRole").await;
    let w = Workdir::new(Some(&moto));
    let text = copy_example(&w, "daemon.yml");
    let text = std::fs::read_to_string(text).unwrap();

    assert_refused(
        &w,
        &moto,
        "daemon.yml",
        &[
            "task definition `worker` already exists and is not this stack's",
            "`family:` under the task",
        ],
    );
    assert!(
        w.yaml("daemon.yml")["tasks"]["worker"]["arn"].is_null(),
        "another app's revision is never recorded as the stack's"
    );

    w.write(
        "daemon.yml",
        &format!("{text}\ntake_over: [task-definition/worker]\n"),
    );
    let plan = w.run(&["plan", "-c", "daemon.yml", "--no-color"]).ok();
    assert!(
        plan.stdout.lines().any(|l| l.contains("task definition")
            && l.contains("worker")
            && l.ends_with("(taken over from its owner)")),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    assert_eq!(
        active_revisions(&moto, "worker").await,
        ["worker:1", "worker:2"]
    );

    let destroyed = w.run(&["destroy", "-c", "daemon.yml", "--yes"]).ok();
    assert_eq!(
        active_revisions(&moto, "worker").await,
        ["worker:1"],
        "only the stack's revision is deregistered"
    );
    assert!(
        destroyed
            .stderr
            .contains("kept 1 revision(s) of the family worker")
            && destroyed.stderr.contains("worker:1"),
        "{}",
        destroyed.stderr
    );
}

/// App::FargateStack's `CreatedBy=FargateStack` names no app: a rule
/// `<task>-schedule` tagged so that runs another app's cluster is that
/// app's, and changing it is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_original_tag_on_another_apps_rule_does_not_make_it_ours() {
    let moto = Moto::start();
    moto.seed("eligible");
    let events = aws_sdk_eventbridge::Client::new(&moto.sdk().await);
    events
        .put_rule()
        .name("nightly-schedule")
        .schedule_expression("cron(0 5 * * ? *)")
        .tags(
            aws_sdk_eventbridge::types::Tag::builder()
                .key("CreatedBy")
                .value("FargateStack")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    events
        .put_targets()
        .rule("nightly-schedule")
        .targets(
            aws_sdk_eventbridge::types::Target::builder()
                .id("other")
                .arn("arn:aws:ecs:us-east-1:123456789012:cluster/shop-cluster")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "cron.yml");
    assert_refused(
        &w,
        &moto,
        "cron.yml",
        &["schedule rule `nightly-schedule` was made by App::FargateStack for another app"],
    );
}

/// A config App::FargateStack wrote (`id:`) vouches only for what follows
/// that tool's naming for the app: the shared `ecsTaskExecutionRole` it
/// records is not the stack's. Nothing is added to it unless the config
/// takes that over, and destroy never deletes or detaches it.
#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_shared_role_is_never_deleted_detached_or_rewritten() {
    let moto = Moto::start();
    moto.seed("eligible");
    let iam = aws_sdk_iam::Client::new(&moto.sdk().await);
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role_arn = iam
        .create_role()
        .role_name("ecsTaskExecutionRole")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_string();
    attach_managed_policy(
        &iam,
        "ecsTaskExecutionRole",
        "shared-pull",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:GetAuthorizationToken","Resource":"*"}]}"#,
    )
    .await;
    let w = Workdir::new(Some(&moto));
    let text = std::fs::read_to_string(copy_example(&w, "daemon.yml")).unwrap();
    let text =
        format!("{text}\nid: 4f1c2a\nrole:\n  name: ecsTaskExecutionRole\n  arn: {role_arn}\n");
    w.write("daemon.yml", &text);

    assert_refused(
        &w,
        &moto,
        "daemon.yml",
        &[
            "would be added to the iam execution role `ecsTaskExecutionRole`, which is not this stack's",
            "take_over: [execution-policy/main]",
        ],
    );

    // Taken over: the policy is added, and shown as such; destroy removes
    // that policy and leaves the role as it found it.
    let text = format!("{text}take_over: [execution-policy/main]\n");
    w.write("daemon.yml", &text);
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    let destroyed = w.run(&["destroy", "-c", "daemon.yml", "--yes"]).ok();
    assert!(
        destroyed
            .stdout
            .contains("ecsTaskExecutionRole: not created by this stack"),
        "{}",
        destroyed.stdout
    );
    assert_eq!(moto.count("DetachRolePolicy"), 0);
    let attached = iam
        .list_attached_role_policies()
        .role_name("ecsTaskExecutionRole")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1, "still attached");
    let inline = iam
        .list_role_policies()
        .role_name("ecsTaskExecutionRole")
        .send()
        .await
        .unwrap();
    assert!(inline.policy_names().is_empty(), "{inline:?}");
}
