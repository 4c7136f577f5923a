//! An apply converges from anywhere: killed at several points, interrupted
//! with Ctrl-C, or run against an emulator that fails a share of requests
//! (and loses some responses after the request landed), a re-run finishes
//! with no duplicates, and the run after that makes no mutating call.

use std::process::Stdio;

use serde_json::json;

use crate::support::*;

/// What the daemon example creates, counted in the emulator.
async fn assert_one_of_each(moto: &Moto, w: &Workdir) {
    let sdk = moto.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let iam = aws_sdk_iam::Client::new(&sdk);
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);

    let clusters = ecs.list_clusters().send().await.unwrap();
    let ours: Vec<_> = clusters
        .cluster_arns()
        .iter()
        .filter(|a| a.ends_with("/hello-daemon-cluster"))
        .collect();
    assert_eq!(ours.len(), 1, "{clusters:?}");
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values("hello-daemon-sg")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(groups.security_groups().len(), 1, "{groups:?}");
    let roles = iam.list_roles().send().await.unwrap();
    let names: Vec<_> = roles.roles().iter().map(|r| r.role_name()).collect();
    for r in ["FargateHelloDaemonRole", "FargateHelloDaemonTaskRole"] {
        assert_eq!(names.iter().filter(|n| **n == r).count(), 1, "{names:?}");
    }
    let lg = logs
        .describe_log_groups()
        .log_group_name_prefix("/ecs/app-fargatestack/hello-daemon")
        .send()
        .await
        .unwrap();
    assert_eq!(lg.log_groups().len(), 1);
    iam.get_role_policy()
        .role_name("FargateHelloDaemonRole")
        .policy_name("FargateHelloDaemonPolicy")
        .send()
        .await
        .expect("the execution policy is in place");

    // The config records everything, and the recorded revision is active.
    let cfg = w.yaml("daemon.yml");
    for path in [
        &["cluster", "arn"][..],
        &["role", "arn"],
        &["task_role", "arn"],
        &["log_group", "arn"],
        &["security_groups", "fargate", "group_id"],
        &["tasks", "worker", "arn"],
    ] {
        assert!(!str_at(&cfg, path).is_empty(), "{path:?}");
    }
    let td = ecs
        .describe_task_definition()
        .task_definition(str_at(&cfg, &["tasks", "worker", "arn"]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        td.task_definition().unwrap().status().unwrap().as_str(),
        "ACTIVE"
    );
    // One revision: a registration whose answer was lost is found, not
    // registered again.
    let revisions = ecs
        .list_task_definitions()
        .family_prefix("worker")
        .send()
        .await
        .unwrap();
    assert_eq!(
        revisions.task_definition_arns().len(),
        1,
        "{:?}",
        revisions.task_definition_arns()
    );
}

/// The next apply changes nothing: proved by the emulator's call log.
fn assert_noop(moto: &Moto, w: &Workdir) {
    moto.clear_calls();
    let run = w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    assert!(
        run.stdout.contains("Nothing to do"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
    moto.assert_no_mutations("this run");
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_killed_at_each_point_converges_without_duplicates() {
    for op in [
        "CreateLogGroup",
        "CreateRole",
        "PutRolePolicy",
        "CreateSecurityGroup",
        "RegisterTaskDefinition",
    ] {
        let moto = Moto::start();
        moto.seed("eligible");
        let w = Workdir::new(Some(&moto));
        copy_example(&w, "daemon.yml");
        // The request lands; its answer is held back while we kill the client.
        moto.faults(json!({"hang": {op: 20}}));
        moto.clear_calls();
        let mut child = w
            .command(&["apply", "-c", "daemon.yml", "--yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        moto.wait_for_call(op);
        child.kill().unwrap();
        child.wait().unwrap();
        moto.faults(json!({}));

        let again = w.run(&["apply", "-c", "daemon.yml", "--yes"]);
        assert_eq!(again.code, 0, "after a kill at {op}:\n{}", again.stderr);
        assert_one_of_each(&moto, &w).await;
        assert_noop(&moto, &w);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_against_a_failing_emulator_converges() {
    let moto = Moto::start();
    moto.seed("eligible");
    let mut w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    // 20% of requests throttled (503), and the first create of each kind
    // carried out with its answer lost: the SDK retries, and the retry
    // finds the resource already there.
    moto.faults(json!({
        "fail_rate": 0.2,
        "seed": 11,
        "lose": ["CreateRole", "CreateLogGroup", "CreateSecurityGroup", "CreateCluster", "RegisterTaskDefinition"],
    }));
    w.set_env("AWS_MAX_ATTEMPTS", "10");
    moto.clear_calls();
    let run = w.run(&["apply", "-c", "daemon.yml", "--yes"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let calls = moto.calls();
    assert!(
        moto.count("CreateRole") > 2,
        "the lost CreateRole was retried: {calls:?}"
    );
    moto.faults(json!({}));
    assert_one_of_each(&moto, &w).await;
    assert_noop(&moto, &w);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_during_apply_finishes_what_is_in_flight_and_records_it() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    moto.faults(json!({"hang": {"CreateRole": 2}}));
    let child = w
        .command(&["apply", "-c", "daemon.yml", "--yes"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once the first wave of creates (run beside each other) has
    // been sent.
    for op in [
        "CreateRole",
        "CreateLogGroup",
        "CreateCluster",
        "CreateSecurityGroup",
    ] {
        moto.wait_for_call(op);
    }
    interrupt(child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    // The steps in flight (the roles) finished and were recorded, as were
    // those beside them; the policy and task definition, which wait for the
    // roles, were never started.
    let cfg = w.yaml("daemon.yml");
    assert!(str_at(&cfg, &["role", "arn"]).ends_with("role/FargateHelloDaemonRole"));
    assert!(str_at(&cfg, &["security_groups", "fargate", "group_id"]).starts_with("sg-"));
    assert!(str_at(&cfg, &["cluster", "arn"]).contains("hello-daemon-cluster"));
    assert!(cfg["tasks"]["worker"].get("arn").is_none(), "{cfg:?}");
    assert_eq!(moto.count("PutRolePolicy"), 0);
    moto.faults(json!({}));
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    assert_one_of_each(&moto, &w).await;
    assert_noop(&moto, &w);
}

#[test]
fn a_failure_skips_only_its_dependants() {
    let moto = Moto::start();
    moto.seed("eligible");
    let mut w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    // Every CreateRole fails (its answer is lost, and retries are off): the
    // task definition (which needs the roles) is skipped, the cluster, log
    // group and security group are still created and recorded.
    moto.faults(json!({"fail_rate": 0.0, "lose": ["CreateRole"]}));
    w.set_env("AWS_MAX_ATTEMPTS", "1");
    let run = w.run(&["apply", "-c", "daemon.yml", "--yes"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("skipped task-definition/worker"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("Unhandled") && !run.stderr.contains("ConstructionFailure"),
        "{}",
        run.stderr
    );
    let cfg = w.yaml("daemon.yml");
    assert!(str_at(&cfg, &["cluster", "arn"]).contains("hello-daemon-cluster"));
    assert!(str_at(&cfg, &["log_group", "arn"]).contains("hello-daemon"));
}
