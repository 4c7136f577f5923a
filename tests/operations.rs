//! Running the stack: services, one-off tasks, status and logs, against the
//! emulator. moto runs no containers; the launcher's outcome hook says how a
//! family's tasks or a service's rollout turn out (scripts/moto_server.py).

use std::time::{Duration, SystemTime};

use serde_json::json;

use crate::support::*;

/// A seeded account with the daemon and task examples applied.
fn applied() -> (Moto, Seed, Workdir) {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    copy_example(&w, "task.yml");
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    w.run(&["apply", "-c", "task.yml", "--yes"]).ok();
    (moto, seed, w)
}

/// Moves `helloworld:latest` to a new image (moto's digest comes from the
/// layer digests, so `layer` makes it distinct).
async fn service(moto: &Moto, name: &str) -> aws_sdk_ecs::types::Service {
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let out = ecs
        .describe_services()
        .cluster("hello-daemon-cluster")
        .services(name)
        .send()
        .await
        .unwrap();
    out.services()[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn service_lifecycle() {
    let (moto, _seed, w) = applied();
    let cfg = w.yaml("daemon.yml");

    let created = run(&w, &["create-service", "-c", "daemon.yml"]).ok();
    assert!(
        created
            .stdout
            .contains("service worker is stable: 1/1 running (worker:1)"),
        "{}",
        created.stdout
    );
    assert!(
        created.stderr.contains("has reached a steady state"),
        "events are shown: {}",
        created.stderr
    );
    let svc = service(&moto, "worker").await;
    assert_eq!(svc.desired_count(), 1);
    assert_eq!(svc.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    let net = svc
        .network_configuration()
        .unwrap()
        .awsvpc_configuration()
        .unwrap();
    assert_eq!(
        net.subnets(),
        list_at(&cfg, &["subnets", "private"]).as_slice()
    );
    assert_eq!(
        net.security_groups(),
        [str_at(&cfg, &["security_groups", "fargate", "group_id"])]
    );
    assert_eq!(net.assign_public_ip().map(|a| a.as_str()), Some("DISABLED"));
    let dc = svc.deployment_configuration().unwrap();
    assert_eq!(
        (dc.minimum_healthy_percent(), dc.maximum_percent()),
        (Some(100), Some(200))
    );
    let cb = dc.deployment_circuit_breaker().unwrap();
    assert!(cb.enable() && cb.rollback());

    let again = run(&w, &["create-service", "-c", "daemon.yml"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("update-service"), "{}", again.stderr);

    run(&w, &["start-service", "-c", "daemon.yml", "worker", "3"]).ok();
    assert_eq!(service(&moto, "worker").await.desired_count(), 3);

    let status = w
        .run(&["status", "-c", "daemon.yml", "--output", "json"])
        .ok()
        .json();
    assert_eq!(status[0]["service"], "worker");
    assert_eq!(status[0]["desired"], 3);
    assert_eq!(status[0]["running"], 3);
    assert_eq!(status[0]["deployments"][0]["rollout_state"], "COMPLETED");
    assert!(!status[0]["events"].as_array().unwrap().is_empty());
    let text = w
        .run(&["status", "-c", "daemon.yml", "--max-events", "1"])
        .ok();
    assert!(
        text.stdout.contains("running 3 / pending 0 / desired 3"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("Last 1 event(s)"), "{}", text.stdout);

    run(&w, &["stop-service", "-c", "daemon.yml"]).ok();
    assert_eq!(service(&moto, "worker").await.desired_count(), 0);

    // A new revision, then update-service moves the service to it.
    let text = w
        .read("daemon.yml")
        .replace("GREETING: hello", "GREETING: bonjour");
    w.write("daemon.yml", &text);
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    let updated = run(&w, &["update-service", "-c", "daemon.yml"]).ok();
    assert!(
        updated.stdout.contains("worker:1") && updated.stdout.contains("worker:2"),
        "{}",
        updated.stdout
    );
    assert!(
        service(&moto, "worker")
            .await
            .task_definition()
            .unwrap()
            .ends_with("worker:2")
    );
    let same = run(&w, &["update-service", "-c", "daemon.yml"]).ok();
    assert!(same.stdout.contains("nothing to update"), "{}", same.stdout);

    run(&w, &["redeploy", "-c", "daemon.yml", "worker"]).ok();
    let quick = run(&w, &["redeploy", "-c", "daemon.yml", "worker", "--no-wait"]).ok();
    assert!(
        quick.stdout.contains("change submitted (not waiting"),
        "{}",
        quick.stdout
    );

    let before = w.read("daemon.yml");
    // Without a terminal it asks for --yes first.
    let refused = run(&w, &["delete-service", "-c", "daemon.yml"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    assert_eq!(service(&moto, "worker").await.status(), Some("ACTIVE"));
    run(&w, &["delete-service", "-c", "daemon.yml", "--yes"]).ok();
    assert_ne!(service(&moto, "worker").await.status(), Some("ACTIVE"));
    assert_eq!(
        w.read("daemon.yml"),
        before,
        "the config keeps its infrastructure"
    );
    let status = w.run(&["status", "-c", "daemon.yml"]).ok();
    assert!(status.stdout.contains("not created"), "{}", status.stdout);
    assert_eq!(run(&w, &["start-service", "-c", "daemon.yml"]).code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_rollout_exits_nonzero_and_says_why() {
    let (moto, _seed, w) = applied();
    moto.outcome(json!({"service": "worker", "rollout": "failed", "stopped_reason": "CannotPullContainerError: ref not found"}));
    let run = run(&w, &["create-service", "-c", "daemon.yml"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("deployment failed"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("CannotPullContainerError: ref not found"),
        "the stopped task's reason: {}",
        run.stderr
    );
    assert!(run.stderr.contains("circuit breaker"), "{}", run.stderr);
}

/// `--wait-until deployed` returns once the new revision's rollout has
/// completed; the default (`stable`) waits for the old tasks to drain too.
#[tokio::test(flavor = "multi_thread")]
async fn wait_until_deployed_does_not_wait_for_the_old_tasks_to_drain() {
    let (moto, _seed, w) = applied();
    run(&w, &["create-service", "-c", "daemon.yml"]).ok();
    moto.outcome(json!({"service": "worker", "rollout": "draining"}));
    let deployed = run(
        &w,
        &[
            "redeploy",
            "-c",
            "daemon.yml",
            "worker",
            "--wait-until",
            "deployed",
            "-o",
            "json",
        ],
    )
    .ok();
    assert_eq!(deployed.json()["state"], "deployed", "{}", deployed.stdout);
    let stable = run(
        &w,
        &["redeploy", "-c", "daemon.yml", "worker", "--timeout", "2s"],
    );
    assert_eq!(stable.code, 1, "{}", stable.stderr);
    assert!(
        stable.stderr.contains("was not stable after 2s"),
        "{}",
        stable.stderr
    );
    // Once drained, the default wait ends too.
    moto.outcome(json!({"service": "worker", "rollout": "stable"}));
    let done = run(
        &w,
        &["redeploy", "-c", "daemon.yml", "worker", "-o", "json"],
    )
    .ok();
    assert_eq!(done.json()["state"], "stable", "{}", done.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moved_image_tag_blocks_create_service_and_run_task_unless_forced() {
    let (moto, seed, w) = applied();
    push_image(&moto, "helloworld", 'b').await;
    let refused = run(&w, &["create-service", "-c", "daemon.yml"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("now points at") && refused.stderr.contains(&seed.image_digest),
        "{}",
        refused.stderr
    );
    let refused = run(&w, &["run-task", "-c", "task.yml"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    run(&w, &["create-service", "-c", "daemon.yml", "--force"]).ok();
    // Recording the new image clears the check.
    w.run(&["register-task-definition", "-c", "task.yml", "report"])
        .ok();
    run(&w, &["run-task", "-c", "task.yml"]).ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn run_task_streams_logs_and_returns_the_exit_code() {
    let (moto, _seed, w) = applied();
    moto.outcome(json!({"family": "report", "exit_code": 3, "log_lines": ["starting report", "wrote 42 rows"]}));
    let r = run(&w, &["run-task", "-c", "task.yml"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert_eq!(r.stdout, "starting report\nwrote 42 rows\n");
    assert!(
        r.stderr.contains("-> STOPPED"),
        "transitions are shown: {}",
        r.stderr
    );
    assert!(r.stderr.contains("exited with code 3"), "{}", r.stderr);

    moto.outcome(json!({"family": "report", "exit_code": 0, "log_lines": ["ok"]}));
    let r = run(&w, &["run-task", "-c", "task.yml", "report"]).ok();
    assert_eq!(r.stdout, "ok\n");

    // -o json: stdout is one document (the log lines go to stderr), and the
    // stopped task shows up in list-tasks with its exit code.
    moto.outcome(json!({"family": "report", "exit_code": 4, "log_lines": ["to stderr"]}));
    let r = run(&w, &["run-task", "-c", "task.yml", "-o", "json"]);
    assert_eq!(r.code, 4, "{}", r.stderr);
    let doc = r.json();
    assert_eq!(doc["exit_code"], 4, "{doc:#}");
    assert!(
        doc["task_arn"]
            .as_str()
            .unwrap()
            .ends_with(doc["task_id"].as_str().unwrap())
    );
    assert!(r.stderr.contains("to stderr"), "{}", r.stderr);
    let stopped = w
        .run(&["list-tasks", "-c", "task.yml", "stopped", "-o", "json"])
        .ok()
        .json();
    let listed: Vec<_> = stopped
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == doc["task_id"])
        .collect();
    assert_eq!(listed.len(), 1, "{stopped:#}");
    assert_eq!(listed[0]["exit_code"], 4, "{stopped:#}");

    // --no-wait prints the id of a task that exists.
    let r = run(&w, &["run-task", "-c", "task.yml", "--no-wait"]).ok();
    let id = r.stdout.trim();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let t = ecs
        .describe_tasks()
        .cluster("hello-task-cluster")
        .tasks(id)
        .send()
        .await
        .unwrap();
    let t = &t.tasks()[0];
    assert!(t.task_definition_arn().unwrap().ends_with("report:1"));
    assert_eq!(t.group(), Some("family:report"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_task_that_never_starts_fails_with_its_reason() {
    let (moto, _seed, w) = applied();
    moto.outcome(json!({"family": "report", "started": false, "stopped_reason": "CannotPullContainerError: manifest unknown"}));
    let r = run(&w, &["run-task", "-c", "task.yml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains("TaskFailedToStart"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("CannotPullContainerError: manifest unknown"),
        "{}",
        r.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn run_task_timeout_subnets_and_bad_durations() {
    let (moto, seed, w) = applied();
    moto.freeze_tasks();
    let r = run(&w, &["run-task", "-c", "task.yml", "--task-timeout", "1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("still RUNNING after 1s") && r.stderr.contains("stop-task"),
        "{}",
        r.stderr
    );
    // Ctrl-C while waiting: exit 130, and the task is left running (said so).
    moto.clear_calls();
    let child = w
        .command(&["run-task", "-c", "task.yml", "--poll-time", "100ms"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupted while it polls the task.
    moto.wait_for_calls("DescribeTasks", 2);
    interrupt(child.id());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(130));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("keeps running") && err.contains("stop-task"),
        "{err}"
    );
    let r = w.run(&["run-task", "-c", "task.yml", "--task-timeout", "soon"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = w.run(&[
        "run-task",
        "-c",
        "task.yml",
        "--subnet-id",
        "subnet-nothere",
        "--no-wait",
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("not one of the stack's subnets"),
        "{}",
        r.stderr
    );
    w.run(&[
        "run-task",
        "-c",
        "task.yml",
        "--subnet-id",
        &seed.public[0],
        "--no-wait",
    ])
    .ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn list_and_stop_tasks() {
    let (moto, _seed, w) = applied();
    moto.freeze_tasks();
    let a = w
        .run(&["run-task", "-c", "task.yml", "--no-wait"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let b = w
        .run(&["run-task", "-c", "task.yml", "--no-wait"])
        .ok()
        .stdout
        .trim()
        .to_string();
    let listed = w
        .run(&["list-tasks", "-c", "task.yml", "--output", "json"])
        .ok()
        .json();
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&a.as_str()) && ids.contains(&b.as_str()),
        "{listed:#}"
    );
    assert!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["task"] == "report" && t["status"] == "RUNNING")
    );
    let table = w.run(&["list-tasks", "-c", "task.yml"]).ok();
    assert!(
        table.stdout.contains("Task Name") && table.stdout.contains(&a),
        "{}",
        table.stdout
    );

    w.run(&["stop-task", "-c", "task.yml", &a]).ok();
    let stopped = w
        .run(&[
            "list-tasks",
            "-c",
            "task.yml",
            "stopped",
            "--output",
            "json",
        ])
        .ok()
        .json();
    let s: Vec<&serde_json::Value> = stopped
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["id"] == a.as_str())
        .collect();
    assert_eq!(s.len(), 1, "{stopped:#}");
    assert_eq!(
        s[0]["stopped_reason"],
        "stopped with fargate-stack stop-task"
    );
    // By task name: every running task of that family.
    let r = w.run(&["stop-task", "-c", "task.yml", "report"]).ok();
    assert!(r.stdout.contains(&b), "{}", r.stdout);
    let running = w
        .run(&["list-tasks", "-c", "task.yml", "--output", "json"])
        .ok()
        .json();
    assert!(running.as_array().unwrap().is_empty(), "{running:#}");
    assert_eq!(w.run(&["list-tasks", "-c", "task.yml", "sideways"]).code, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_windows_filters_and_follow() {
    let (moto, _seed, w) = applied();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&moto.sdk().await);
    let group = "/ecs/app-fargatestack/hello-task";
    let stream = "hello-task/report/0123456789abcdef0123456789abcdef";
    logs.create_log_stream()
        .log_group_name(group)
        .log_stream_name(stream)
        .send()
        .await
        .unwrap();
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let event = |ago_ms: i64, msg: &str| {
        aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
            .timestamp(now - ago_ms)
            .message(msg)
            .build()
            .unwrap()
    };
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .log_events(event(2 * 3_600_000, "old line"))
        .log_events(event(600_000, "ERROR recent failure"))
        .log_events(event(300_000, "recent ok"))
        .send()
        .await
        .unwrap();

    let recent = w.run(&["logs", "-c", "task.yml", "report", "30m"]).ok();
    assert!(
        !recent.stdout.contains("old line") && recent.stdout.contains("recent ok"),
        "{}",
        recent.stdout
    );
    assert!(
        recent.stdout.contains("0123456789abcdef0123456789abcdef"),
        "each line names its stream: {}",
        recent.stdout
    );
    let all = w.run(&["logs", "-c", "task.yml", "report", "3h"]).ok();
    assert_eq!(all.stdout.lines().count(), 3, "{}", all.stdout);
    assert!(all.stdout.find("old line").unwrap() < all.stdout.find("recent ok").unwrap());
    let filtered = w
        .run(&[
            "logs", "-c", "task.yml", "report", "3h", "--filter", "ERROR",
        ])
        .ok();
    assert_eq!(filtered.stdout.lines().count(), 1, "{}", filtered.stdout);
    let window = w
        .run(&["logs", "-c", "task.yml", "report", "3h", "1h"])
        .ok();
    assert_eq!(window.stdout.lines().count(), 1, "{}", window.stdout);
    // A one-task stack: the first word is the start when it is no task's name.
    let implied = w.run(&["logs", "-c", "task.yml", "3h"]).ok();
    assert_eq!(implied.stdout, all.stdout);
    // JSON Lines: one object per event.
    let jsonl = w.run(&["logs", "-c", "task.yml", "3h", "-o", "json"]).ok();
    let events: Vec<serde_json::Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(events.len(), 3, "{}", jsonl.stdout);
    assert_eq!(events[2]["message"], "recent ok");
    assert_eq!(events[2]["stream"], stream);
    assert!(events[0]["time"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        w.run(&["logs", "-c", "task.yml", "report", "yesterday"])
            .code,
        2
    );

    // --follow prints what arrives, and Ctrl-C ends it cleanly.
    moto.clear_calls();
    let mut child = w
        .command(&[
            "logs",
            "-c",
            "task.yml",
            "report",
            "30m",
            "-f",
            "--poll-time",
            "200ms",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    moto.wait_for_calls("FilterLogEvents", 1);
    let later = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    logs.put_log_events()
        .log_group_name(group)
        .log_stream_name(stream)
        .log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(later)
                .message("arrived while following")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    // Two polls after it arrived: the second one has certainly read it.
    let polls = moto.count("FilterLogEvents");
    moto.wait_for_calls("FilterLogEvents", polls + 2);
    interrupt(child.id());
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "logs --follow did not end on Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("recent ok") && text.contains("arrived while following"),
        "{text}"
    );
    assert_eq!(
        text.matches("recent ok").count(),
        1,
        "no line twice: {text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn register_summary_zones_and_name_inference() {
    let (moto, _seed, w) = applied();
    w.run(&["register-task-definition", "-c", "task.yml"]).ok();
    assert!(str_at(&w.yaml("task.yml"), &["tasks", "report", "arn"]).ends_with("report:2"));
    w.run(&["register-task", "-c", "task.yml", "report"]).ok();
    assert!(str_at(&w.yaml("task.yml"), &["tasks", "report", "arn"]).ends_with("report:3"));

    let summary = w.run(&["tasks", "-c", "daemon.yml"]).ok();
    for want in [
        "hello-daemon-cluster",
        "FargateHelloDaemonRole",
        "worker",
        "daemon",
        "small",
    ] {
        assert!(summary.stdout.contains(want), "{want}: {}", summary.stdout);
    }

    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    r53.create_hosted_zone()
        .name("example.com")
        .caller_reference("t1")
        .send()
        .await
        .unwrap();
    r53.create_hosted_zone()
        .name("other.org")
        .caller_reference("t2")
        .send()
        .await
        .unwrap();
    let zones = w
        .run(&["list-zones", "example.com", "--output", "json"])
        .ok()
        .json();
    assert_eq!(zones.as_array().unwrap().len(), 1, "{zones:#}");
    assert_eq!(zones[0]["name"], "example.com.");
    let table = w.run(&["list-zones", "example.com"]).ok();
    assert!(table.stdout.contains("Zone Id"), "{}", table.stdout);

    // Two daemons: a command without a name lists them.
    w.write("two.yml", "app:\n  name: two\ntasks:\n  a:\n    type: daemon\n    image: helloworld\n  b:\n    type: daemon\n    image: helloworld\n");
    let r = w.run(&["start-service", "-c", "two.yml"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("a, b"), "{}", r.stderr);
    let r = w.run(&["status", "-c", "two.yml", "nope"]);
    assert_eq!(r.code, 2);

    let help = w.run(&["help", "run-task"]).ok();
    assert!(
        help.stdout.contains("--task-timeout") && help.stdout.contains("Example"),
        "{}",
        help.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn status_says_whether_service_tasks_are_current() {
    let (moto, _seed, w) = applied();
    run(&w, &["create-service", "-c", "daemon.yml", "worker", "2"]).ok();
    let tasks_of = |w: &Workdir| {
        w.run(&["status", "-c", "daemon.yml", "--output", "json"])
            .ok()
            .json()[0]["tasks"]
            .clone()
    };
    let tasks = tasks_of(&w);
    assert_eq!(tasks.as_array().unwrap().len(), 2, "{tasks:#}");
    for t in tasks.as_array().unwrap() {
        assert_eq!(t["last_status"], "RUNNING");
        assert_eq!(t["task_definition"], "current");
        assert_eq!(t["image_digest"], "current");
    }
    let text = w.run(&["status", "-c", "daemon.yml"]).ok();
    assert!(
        text.stdout.contains("Task Status") && text.stdout.contains("current"),
        "{}",
        text.stdout
    );

    // The tag moves: the running tasks' image is behind.
    push_image(&moto, "helloworld", 'c').await;
    assert!(
        tasks_of(&w)[0]["image_digest"]
            .as_str()
            .unwrap()
            .starts_with("behind")
    );

    // A new revision: the running tasks' task definition is behind.
    let text = w
        .read("daemon.yml")
        .replace("GREETING: hello", "GREETING: hi");
    w.write("daemon.yml", &text);
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    assert_eq!(
        tasks_of(&w)[0]["task_definition"],
        "behind (worker:1 < worker:2)"
    );

    // update-service replaces them: current again, the old ones stopped.
    run(&w, &["update-service", "-c", "daemon.yml", "--force"]).ok();
    let tasks = tasks_of(&w);
    assert_eq!(tasks.as_array().unwrap().len(), 2, "{tasks:#}");
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["task_definition"] == "current" && t["image_digest"] == "current"),
        "{tasks:#}"
    );
    let stopped = w
        .run(&[
            "list-tasks",
            "-c",
            "daemon.yml",
            "stopped",
            "--output",
            "json",
        ])
        .ok()
        .json();
    let replaced = stopped
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["stop_code"] == "ServiceSchedulerInitiated")
        .count();
    assert_eq!(replaced, 2, "{stopped:#}");
    let running = w
        .run(&["list-tasks", "-c", "daemon.yml", "--output", "json"])
        .ok()
        .json();
    assert!(
        running
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["task"] == "worker" && t["cpu"] == "512" && t["memory"] == "1024"),
        "{running:#}"
    );
}

/// `revisions`: the family's revisions, newest first, with the service
/// deployment running each and the one the config records.
#[test]
fn revisions_show_what_runs_and_what_is_recorded() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    w.run(&["create-service", "worker", "-c", "daemon.yml"])
        .ok();
    let text = w
        .read("daemon.yml")
        .replace("GREETING: hello", "GREETING: bonjour");
    w.write("daemon.yml", &text);
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();

    let json = w
        .run(&["revisions", "worker", "-c", "daemon.yml", "-o", "json"])
        .ok()
        .stdout;
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let revisions = doc[0]["revisions"].as_array().unwrap();
    assert_eq!(revisions.len(), 2, "{doc}");
    assert_eq!(revisions[0]["revision"], 2);
    assert_eq!(revisions[0]["recorded"], true);
    assert!(revisions[0]["deployments"].as_array().unwrap().is_empty());
    assert_eq!(revisions[1]["revision"], 1);
    assert_eq!(revisions[1]["recorded"], false);
    assert_eq!(revisions[1]["deployments"][0], "worker (PRIMARY)");
    let shown = w
        .run(&["revisions", "-c", "daemon.yml", "--max", "1", "--no-color"])
        .ok()
        .stdout;
    assert!(
        shown.contains("worker:2") && shown.contains("recorded") && !shown.contains("worker:1"),
        "{shown}"
    );
    let unknown = w.run(&["revisions", "nope", "-c", "daemon.yml"]);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
}

/// `scale`: the count, autoscaling's range (written to the config, so the
/// next apply keeps it) and its suspension.
#[tokio::test(flavor = "multi_thread")]
async fn scale_sets_the_count_the_range_and_pauses_autoscaling() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    let refused = w.run(&[
        "scale",
        "worker",
        "--min",
        "1",
        "--max",
        "2",
        "-c",
        "daemon.yml",
    ]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("has no autoscaling"),
        "{}",
        refused.stderr
    );
    w.run(&[
        "add-scaling-policy",
        "worker",
        "cpu",
        "60",
        "1",
        "4",
        "-c",
        "daemon.yml",
    ])
    .ok();
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    w.run(&["create-service", "worker", "-c", "daemon.yml"])
        .ok();
    let sdk = moto.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let scaling = aws_sdk_applicationautoscaling::Client::new(&sdk);
    let desired = || async {
        ecs.describe_services()
            .cluster("hello-daemon-cluster")
            .services("worker")
            .send()
            .await
            .unwrap()
            .services()[0]
            .desired_count()
    };
    let target = || async {
        scaling
            .describe_scalable_targets()
            .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
            .send()
            .await
            .unwrap()
            .scalable_targets()[0]
            .clone()
    };

    w.run(&["scale", "worker", "3", "-c", "daemon.yml"]).ok();
    assert_eq!(desired().await, 3);
    assert_eq!(w.yaml("daemon.yml")["tasks"]["worker"]["desired_count"], 3);

    w.run(&[
        "scale",
        "worker",
        "--min",
        "2",
        "--max",
        "6",
        "-c",
        "daemon.yml",
    ])
    .ok();
    let t = target().await;
    assert_eq!((t.min_capacity(), t.max_capacity()), (2, 6));
    let auto = &w.yaml("daemon.yml")["tasks"]["worker"]["autoscaling"];
    assert_eq!(
        (auto["min_capacity"].as_u64(), auto["max_capacity"].as_u64()),
        (Some(2), Some(6))
    );
    moto.clear_calls();
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    moto.assert_no_mutations("apply keeps the range scale set");

    w.run(&[
        "scale",
        "worker",
        "--suspend-autoscaling",
        "-c",
        "daemon.yml",
    ])
    .ok();
    let suspended = target().await.suspended_state().cloned().unwrap();
    assert_eq!(suspended.dynamic_scaling_in_suspended(), Some(true));
    assert_eq!(suspended.scheduled_scaling_suspended(), Some(true));
    w.run(&[
        "scale",
        "worker",
        "--resume-autoscaling",
        "-c",
        "daemon.yml",
    ])
    .ok();
    let resumed = target().await.suspended_state().cloned().unwrap();
    assert_eq!(resumed.dynamic_scaling_out_suspended(), Some(false));

    let outside = w.run(&["scale", "worker", "9", "-c", "daemon.yml"]).ok();
    assert!(
        outside.stderr.contains("outside autoscaling's range 2-6"),
        "{}",
        outside.stderr
    );
}

/// `render`: the RegisterTaskDefinition and CreateService requests, in the
/// ECS API's JSON; what apply has not made yet stays a reference, and what
/// exists is filled in. It changes nothing.
#[tokio::test(flavor = "multi_thread")]
async fn render_shows_the_requests_apply_would_send() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    moto.clear_calls();
    let before = w.run(&["render", "-c", "daemon.yml"]).ok().stdout;
    let doc: serde_json::Value = serde_json::from_str(&before).unwrap();
    let td = &doc["task_definition"];
    assert_eq!(td["family"], "worker");
    assert_eq!(td["requiresCompatibilities"][0], "FARGATE");
    let env = td["containerDefinitions"][0]["environment"]
        .as_array()
        .unwrap();
    assert!(
        env.contains(&serde_json::json!({"name": "GREETING", "value": "hello"})),
        "{env:?}"
    );
    assert_eq!(doc["service"]["serviceName"], "worker");
    assert_eq!(
        doc["service"]["taskDefinition"],
        "{{task-definition/worker}}"
    );
    assert_eq!(doc["service"]["launchType"], "FARGATE");
    assert_eq!(
        doc["service"]["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"][0],
        "{{security-group/main}}"
    );
    moto.assert_no_mutations("render");

    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    let after: serde_json::Value =
        serde_json::from_str(&w.run(&["render", "worker", "-c", "daemon.yml"]).ok().stdout)
            .unwrap();
    let recorded = str_at(&w.yaml("daemon.yml"), &["tasks", "worker", "arn"]).to_string();
    assert_eq!(after["service"]["taskDefinition"], recorded.as_str());
    let group = after["service"]["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"]
        [0]
    .as_str()
    .unwrap();
    assert!(group.starts_with("sg-"), "{group}");
    // What apply registered is what render shows.
    let registered = aws_sdk_ecs::Client::new(&moto.sdk().await)
        .describe_task_definition()
        .task_definition(&recorded)
        .send()
        .await
        .unwrap();
    let c = &registered
        .task_definition()
        .unwrap()
        .container_definitions()[0];
    assert_eq!(
        after["task_definition"]["containerDefinitions"][0]["image"],
        c.image().unwrap()
    );
    let unknown = w.run(&["render", "nope", "-c", "daemon.yml"]);
    assert_eq!(unknown.code, 2, "{}", unknown.stderr);
}

/// ECS Exec: `exec: true` gives the container an init process, the task
/// role the Session Manager channels and the service execute-command; `exec`
/// hands ECS's session to the Session Manager plugin with the AWS CLI's
/// arguments, and says how to install the plugin when it is missing.
#[tokio::test(flavor = "multi_thread")]
async fn exec_opens_a_session_through_the_session_manager_plugin() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    let refused = w.run(&["exec", "worker", "-c", "daemon.yml"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("has no `exec: true`"),
        "{}",
        refused.stderr
    );
    let text = w
        .read("daemon.yml")
        .replace("    type: daemon\n", "    type: daemon\n    exec: true\n");
    assert!(text.contains("exec: true"), "{text}");
    w.write("daemon.yml", &text);
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    w.run(&["create-service", "worker", "-c", "daemon.yml"])
        .ok();

    let sdk = moto.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let arn = str_at(&w.yaml("daemon.yml"), &["tasks", "worker", "arn"]).to_string();
    let td = ecs
        .describe_task_definition()
        .task_definition(&arn)
        .send()
        .await
        .unwrap();
    let c = &td.task_definition().unwrap().container_definitions()[0];
    assert_eq!(
        c.linux_parameters().and_then(|l| l.init_process_enabled()),
        Some(true)
    );
    let policy = aws_sdk_iam::Client::new(&sdk)
        .get_role_policy()
        .role_name("FargateHelloDaemonTaskRole")
        .policy_name("FargateHelloDaemonTaskPolicy")
        .send()
        .await
        .unwrap();
    let document =
        percent_encoding::percent_decode_str(policy.policy_document()).decode_utf8_lossy();
    assert!(
        document.contains("ssmmessages:OpenDataChannel"),
        "{document}"
    );
    moto.clear_calls();
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    moto.assert_no_mutations("apply after exec was turned on");

    // No plugin on PATH: one line with how to install it, no session.
    let missing = w.run(&["exec", "worker", "-c", "daemon.yml"]);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing
            .stderr
            .contains("session-manager-plugin is not installed")
            && missing
                .stderr
                .contains("session-manager-working-with-install-plugin"),
        "{}",
        missing.stderr
    );

    // A stand-in plugin that records what it was handed.
    let bin = w.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let plugin = bin.join("session-manager-plugin");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > {}\n",
            w.path("plugin-args").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = w
        .command(&["exec", "worker", "-c", "daemon.yml", "--", "ls", "-la"])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let args = w.read("plugin-args");
    let args: Vec<&str> = args.lines().collect();
    assert_eq!(args.len(), 6, "{args:?}");
    let session: serde_json::Value = serde_json::from_str(args[0]).unwrap();
    assert!(
        session["sessionId"]
            .as_str()
            .unwrap()
            .starts_with("ecs-execute-command-")
    );
    assert_eq!(args[1], "us-east-1");
    assert_eq!(args[2], "StartSession");
    let target: serde_json::Value = serde_json::from_str(args[4]).unwrap();
    assert!(
        target["Target"]
            .as_str()
            .unwrap()
            .starts_with("ecs:hello-daemon-cluster_"),
        "{target}"
    );
    assert_eq!(args[5], moto.endpoint);
    assert!(moto.calls().iter().any(|c| c == "ecs ExecuteCommand"));
    // verify: the service runs with execute-command on; no plugin here.
    let verify = w.run(&["verify", "-c", "daemon.yml", "--no-color"]);
    assert!(
        verify
            .stdout
            .contains("service worker runs with execute-command on")
            && verify
                .stdout
                .contains("session-manager-plugin is not on PATH"),
        "{}",
        verify.stdout
    );
}

/// The plan's cost: the month's estimate and what the change adds, the
/// items with `--cost`, and the same in JSON; no price table, no figure.
#[test]
fn the_plan_says_what_the_stack_costs() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    // One 0.5 vCPU / 1 GB task, all month in us-east-1:
    // (0.5 * 0.04048 + 1 * 0.004445) * 730 = $18.02.
    let first = w.run(&["plan", "-c", "daemon.yml", "--no-color"]).ok();
    assert!(
        first
            .stdout
            .contains("Cost: $18.02/month (+$18.02) in us-east-1"),
        "{}",
        first.stdout
    );
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    let steady = w.run(&["plan", "-c", "daemon.yml", "--no-color"]).ok();
    assert!(
        steady.stdout.contains("Cost: $18.02/month in us-east-1"),
        "{}",
        steady.stdout
    );
    // Twice the size: the difference is what the change adds.
    // (apply recorded the size's cpu and memory beside it)
    let text = w
        .read("daemon.yml")
        .replace("size: small", "size: medium")
        .replace("cpu: 512", "cpu: 1024")
        .replace("memory: 1024", "memory: 2048");
    w.write("daemon.yml", &text);
    let bigger = w
        .run(&["plan", "-c", "daemon.yml", "--no-color", "--cost"])
        .ok();
    assert!(
        bigger
            .stdout
            .contains("Cost: $36.04/month (+$18.02) in us-east-1"),
        "{}",
        bigger.stdout
    );
    assert!(
        bigger.stdout.contains("task worker (1 vCPU, 2 GB)")
            && bigger.stdout.contains("not included: data transfer")
            && bigger.stdout.contains("prices: AWS Fargate"),
        "{}",
        bigger.stdout
    );
    let json: serde_json::Value = serde_json::from_str(
        &w.run(&["plan", "-c", "daemon.yml", "-o", "json"])
            .ok()
            .stdout,
    )
    .unwrap();
    assert!(
        (json["cost"]["monthly"].as_f64().unwrap() - 36.04).abs() < 0.01,
        "{}",
        json["cost"]
    );
    // A prices file replaces the built-in table.
    w.write(
        "prices.json",
        r#"{"us-east-1": {"source": "test", "vcpu_hour": 0.1, "gb_hour": 0.0, "vcpu_hour_arm": 0.1, "gb_hour_arm": 0.0, "alb_hour": 0.0, "spot_discount": 0.5}}"#,
    );
    let custom = w
        .command(&["plan", "-c", "daemon.yml", "--no-color"])
        .env("FARGATE_STACK_PRICES", w.path("prices.json"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&custom.stdout);
    assert!(stdout.contains("Cost: $73.00/month"), "{stdout}");
    // A stack in another region costs that region's rates:
    // (0.5 * 0.04656 + 1 * 0.00511) * 730 = $20.72 in Frankfurt.
    moto.seed_in("eligible", "eu-central-1");
    let example = std::fs::read_to_string(repo_root().join("examples/daemon.yml")).unwrap();
    w.write("frankfurt.yml", &format!("region: eu-central-1\n{example}"));
    let there = w
        .run(&["plan", "-c", "frankfurt.yml", "--no-color", "--cost"])
        .ok();
    assert!(
        there
            .stdout
            .contains("Cost: $20.72/month (+$20.72) in eu-central-1")
            && there
                .stdout
                .contains("eu-central-1; arm64 at 20% below x86"),
        "{}",
        there.stdout
    );
}
