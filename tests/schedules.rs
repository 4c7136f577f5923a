//! Scheduled tasks: the events role and policy, the rule and its target,
//! kept in sync with the task definition, enabled and disabled, destroyed.

use crate::support::*;

async fn target(moto: &Moto) -> aws_sdk_eventbridge::types::Target {
    let events = aws_sdk_eventbridge::Client::new(&moto.sdk().await);
    let out = events
        .list_targets_by_rule()
        .rule("nightly-schedule")
        .send()
        .await
        .unwrap();
    assert_eq!(out.targets().len(), 1, "{out:?}");
    out.targets()[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_scheduled_task_converges_moves_with_its_revision_and_can_be_disabled() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "cron.yml");
    let sdk = moto.sdk().await;
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let iam = aws_sdk_iam::Client::new(&sdk);

    w.run(&["apply", "-c", "cron.yml", "--yes"]).ok();
    let tasks = w
        .run(&["tasks", "-c", "cron.yml", "--output", "json"])
        .ok()
        .json();
    assert_eq!(
        tasks["schedules"][0]["next_runs"].as_array().unwrap().len(),
        3,
        "{tasks}"
    );
    assert!(
        tasks["schedules"][0]["next_runs"][0]
            .as_str()
            .unwrap()
            .ends_with("T02:00:00Z")
    );
    let cfg = w.yaml("cron.yml");
    // The schedule is written back in the form EventBridge takes.
    assert_eq!(
        str_at(&cfg, &["tasks", "nightly", "schedule"]),
        "cron(0 2 * * ? *)"
    );
    assert!(str_at(&cfg, &["events_role", "arn"]).ends_with("role/EventsHelloCronRole"));
    let rule = events
        .describe_rule()
        .name("nightly-schedule")
        .send()
        .await
        .unwrap();
    assert_eq!(rule.schedule_expression(), Some("cron(0 2 * * ? *)"));
    assert_eq!(rule.state().map(|s| s.as_str()), Some("ENABLED"));

    let t = target(&moto).await;
    assert_eq!(t.id(), "nightly-target");
    assert!(t.role_arn().unwrap().ends_with("role/EventsHelloCronRole"));
    assert!(t.arn().ends_with("cluster/hello-cron-cluster"));
    let ecs = t.ecs_parameters().unwrap();
    assert_eq!(
        ecs.task_definition_arn(),
        str_at(&cfg, &["tasks", "nightly", "arn"])
    );
    assert_eq!(ecs.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    let vpc = ecs
        .network_configuration()
        .unwrap()
        .awsvpc_configuration()
        .unwrap();
    let mut subnets = vpc.subnets().to_vec();
    subnets.sort();
    let mut private = seed.private.clone();
    private.sort();
    assert_eq!(subnets, private, "private subnets only");
    assert_eq!(
        vpc.security_groups(),
        [str_at(&cfg, &["security_groups", "fargate", "group_id"]).to_string()]
    );

    // The events policy: RunTask on the family in this cluster, PassRole on both roles.
    let doc = role_policy(&iam, "EventsHelloCronRole", "EventsHelloCronPolicy")
        .await
        .to_string();
    for want in [
        "task-definition/nightly:*",
        "cluster/hello-cron-cluster",
        "role/FargateHelloCronRole",
        "role/FargateHelloCronTaskRole",
        "ecs:TagResource",
    ] {
        assert!(doc.contains(want), "{want} missing from {doc}");
    }
    assert!(!doc.contains("\"*\""), "no Resource * in {doc}");

    // Unchanged config: no mutating call.
    moto.clear_calls();
    w.run(&["apply", "-c", "cron.yml", "--yes"]).ok();
    moto.assert_no_mutations("this run");

    // A new revision moves the target; the plan says so before.
    let text = w.read("cron.yml").replace("MODE: nightly", "MODE: weekly");
    w.write("cron.yml", &text);
    let plan = w
        .run(&["plan", "-c", "cron.yml", "--output", "json"])
        .ok()
        .json();
    let steps = plan["plan"]["steps"].as_array().unwrap();
    let target_step = steps
        .iter()
        .find(|s| s["address"] == "schedule-target/nightly")
        .unwrap();
    assert_eq!(target_step["action"], "update", "{target_step}");
    assert!(
        target_step["changes"][0]["after"]
            .as_str()
            .unwrap()
            .contains("known after apply"),
        "{target_step}"
    );
    w.run(&["apply", "-c", "cron.yml", "--yes"]).ok();
    let t = target(&moto).await;
    assert!(
        t.ecs_parameters()
            .unwrap()
            .task_definition_arn()
            .ends_with("task-definition/nightly:2"),
        "{t:?}"
    );

    // A changed schedule updates the rule in place.
    let text = w
        .read("cron.yml")
        .replace("cron(0 2 * * ? *)", "rate(1 hour)");
    w.write("cron.yml", &text);
    w.run(&["apply", "-c", "cron.yml", "--yes"]).ok();
    let rule = events
        .describe_rule()
        .name("nightly-schedule")
        .send()
        .await
        .unwrap();
    assert_eq!(rule.schedule_expression(), Some("rate(1 hour)"));

    // `tasks` shows the schedule, its state and its next runs.
    let tasks = w
        .run(&["tasks", "-c", "cron.yml", "--output", "json"])
        .ok()
        .json();
    assert_eq!(tasks["schedules"][0]["state"], "ENABLED", "{tasks}");
    assert_eq!(tasks["schedules"][0]["rule"], "nightly-schedule");

    // Disable, and apply keeps it disabled; enable again.
    w.run(&["disable-scheduled-task", "-c", "cron.yml"]).ok();
    let tasks = w.run(&["tasks", "-c", "cron.yml"]).ok();
    assert!(tasks.stdout.contains("DISABLED"), "{}", tasks.stdout);
    let status = w.run(&["status", "-c", "cron.yml"]).ok();
    assert!(
        status.stdout.contains("Schedules") && status.stdout.contains("DISABLED"),
        "{}",
        status.stdout
    );
    let rule = events
        .describe_rule()
        .name("nightly-schedule")
        .send()
        .await
        .unwrap();
    assert_eq!(rule.state().map(|s| s.as_str()), Some("DISABLED"));
    moto.clear_calls();
    w.run(&["apply", "-c", "cron.yml", "--yes"]).ok();
    moto.assert_no_mutations("this run");
    w.run(&["enable-scheduled-task", "-c", "cron.yml", "nightly"])
        .ok();
    let rule = events
        .describe_rule()
        .name("nightly-schedule")
        .send()
        .await
        .unwrap();
    assert_eq!(rule.state().map(|s| s.as_str()), Some("ENABLED"));

    // update-target re-syncs a target someone changed, and only that.
    events
        .remove_targets()
        .rule("nightly-schedule")
        .ids("nightly-target")
        .send()
        .await
        .unwrap();
    moto.clear_calls();
    let sync = w.run(&["update-target", "-c", "cron.yml"]).ok();
    assert!(
        sync.stdout.contains("target nightly-target updated"),
        "{}",
        sync.stdout
    );
    assert_eq!(
        moto.mutating_calls().len(),
        1,
        "{:?}",
        moto.mutating_calls()
    );
    target(&moto).await;

    // destroy removes the target, the rule and the events role.
    w.run(&["destroy", "-c", "cron.yml", "--yes"]).ok();
    assert!(
        events
            .describe_rule()
            .name("nightly-schedule")
            .send()
            .await
            .is_err()
    );
    assert!(
        iam.get_role()
            .role_name("EventsHelloCronRole")
            .send()
            .await
            .is_err()
    );
}

#[test]
fn a_bad_schedule_fails_before_any_call() {
    let w = Workdir::new(None);
    w.write(
        "bad.yml",
        "app:\n  name: a\ntasks:\n  t:\n    image: x\n    schedule: cron(0 25 * * ? *)\n",
    );
    let run = w.run(&["plan", "-c", "bad.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("tasks.t.schedule"), "{}", run.stderr);
}

/// The shape of the original's minimal scheduled task (a two-digit minute,
/// `*` in both day fields, a numeric environment value) applies unchanged
/// and converges.
#[tokio::test(flavor = "multi_thread")]
async fn the_originals_minimal_scheduled_task_shape_applies_unchanged() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.write(
        "job.yml",
        "---\napp:\n  name: my-job\ntasks:\n  my-job:\n    type: task\n    image: helloworld:latest\n    schedule: cron(00 15 * * * *)\n    environment:\n      RUN_ONCE: 1\n",
    );
    w.run(&["apply", "-c", "job.yml", "--yes"]).ok();
    let events = aws_sdk_eventbridge::Client::new(&moto.sdk().await);
    let rule = events
        .describe_rule()
        .name("my-job-schedule")
        .send()
        .await
        .unwrap();
    assert_eq!(rule.schedule_expression(), Some("cron(00 15 * * ? *)"));
    assert_eq!(
        str_at(&w.yaml("job.yml"), &["tasks", "my-job", "schedule"]),
        "cron(00 15 * * ? *)"
    );
    moto.clear_calls();
    w.run(&["apply", "-c", "job.yml", "--yes"]).ok();
    moto.assert_no_mutations("this run");
}

/// `show cloudtrail-events`: the events role's RunTask calls for the task
/// (seeded: the emulator's CloudTrail records nothing), joined with what
/// became of each task.
#[tokio::test(flavor = "multi_thread")]
async fn cloudtrail_events_join_the_schedules_runs_with_their_outcomes() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "cron.yml");
    w.run(&["apply", "-c", "cron.yml", "--yes"]).ok();
    // A run the schedule started (here: started by hand, then recorded as
    // the events role's call), and one it could not start.
    moto.outcome(serde_json::json!({"family": "nightly", "exit_code": 4}));
    let ran = w
        .run(&["run-task", "-c", "cron.yml", "nightly", "--no-wait"])
        .ok();
    let task_id = ran.stdout.trim().to_string();
    let cfg = w.yaml("cron.yml");
    let arn = |id: &str| format!("arn:aws:ecs:us-east-1:123456789012:task/hello-cron-cluster/{id}");
    let identity = serde_json::json!({"type": "AssumedRole", "arn": "arn:aws:sts::123456789012:assumed-role/EventsHelloCronRole/x",
        "sessionContext": {"sessionIssuer": {"userName": "EventsHelloCronRole"}}});
    let td = str_at(&cfg, &["tasks", "nightly", "arn"]).to_string();
    let now = std::time::SystemTime::now();
    let at = |secs_ago: u64| {
        humantime::format_rfc3339_seconds(now - std::time::Duration::from_secs(secs_ago))
            .to_string()
    };
    moto.cloudtrail(serde_json::json!([
        {"eventTime": at(120), "eventName": "RunTask", "userIdentity": identity,
         "requestParameters": {"taskDefinition": td, "cluster": "hello-cron-cluster"},
         "responseElements": {"tasks": [{"taskArn": arn(&task_id)}]}},
        {"eventTime": at(60), "eventName": "RunTask", "userIdentity": identity,
         "requestParameters": {"taskDefinition": td},
         "errorCode": "AccessDeniedException", "errorMessage": "not authorized to perform iam:PassRole"},
        {"eventTime": at(30), "eventName": "RunTask",
         "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/someone"},
         "requestParameters": {"taskDefinition": td}}
    ]));
    // Let the task stop, so its exit code is known.
    for _ in 0..6 {
        w.run(&["list-tasks", "-c", "cron.yml", "stopped"]).ok();
    }
    let out = w
        .run(&[
            "show",
            "cloudtrail-events",
            "nightly",
            "1h",
            "-c",
            "cron.yml",
            "--output",
            "json",
        ])
        .ok()
        .json();
    let rows = out.as_array().unwrap();
    assert_eq!(rows.len(), 2, "only the events role's calls: {out}");
    assert_eq!(rows[0]["task_id"], task_id.as_str(), "{out}");
    assert!(rows[0]["status"].is_string(), "joined with ECS: {out}");
    assert!(
        rows[1]["error"].as_str().unwrap().contains("iam:PassRole"),
        "{out}"
    );
    let text = w
        .run(&[
            "show",
            "cloudtrail-events",
            "nightly",
            "1h",
            "-c",
            "cron.yml",
        ])
        .ok();
    assert!(text.stdout.contains(&task_id), "{}", text.stdout);
}

/// A config in the shape App::FargateStack wrote for a cron job (its
/// `id:`, legacy `default_log_group`, per-task `log_group` and
/// `task_definition_arn`, a recorded events role, a quoted normalised
/// schedule) applies unchanged in this account.
#[tokio::test(flavor = "multi_thread")]
async fn a_cron_job_config_written_by_the_original_applies() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.write(
        "cron-job.yml",
        "---
account: 123456789012
app:
  name: cron-job
config_name: cron-job.yml
default_log_group: /ecs/cron-job
events_role:
  arn: arn:aws:iam::123456789012:role/EventsCronJobRole
  name: EventsCronJobRole
  policy_name: EventsCronJobPolicy
id: 732649efc3415aba4028550ac1ab6904
region: us-east-1
tasks:
  cron-job:
    cpu: 256
    environment:
      RUN_ONCE: 1
    family: cron-job
    image: helloworld:latest
    log_group:
      name: /ecs/cron-job
    memory: 512
    name: cron-job
    schedule: 'cron(00 15 * * ? *)'
    task_definition_arn: arn:aws:ecs:us-east-1:123456789012:task-definition/cron-job:9
    type: task
",
    );
    w.run(&["apply", "-c", "cron-job.yml", "--yes"]).ok();
    let sdk = moto.sdk().await;
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let lg = logs
        .describe_log_groups()
        .log_group_name_prefix("/ecs/cron-job")
        .send()
        .await
        .unwrap();
    assert_eq!(
        lg.log_groups().len(),
        1,
        "the legacy log group name is honoured"
    );
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let rule = events
        .describe_rule()
        .name("cron-job-schedule")
        .send()
        .await
        .unwrap();
    assert_eq!(rule.schedule_expression(), Some("cron(00 15 * * ? *)"));
    moto.clear_calls();
    w.run(&["apply", "-c", "cron-job.yml", "--yes"]).ok();
    moto.assert_no_mutations("this run");
}
