//! create-stack -> plan -> apply -> apply -> change -> plan -> apply, with
//! every resource checked in the emulator through the SDK.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn daemon_stack_end_to_end() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    let sdk = moto.sdk().await;
    let (ecs, iam, logs, ec2) = (
        aws_sdk_ecs::Client::new(&sdk),
        aws_sdk_iam::Client::new(&sdk),
        aws_sdk_cloudwatchlogs::Client::new(&sdk),
        aws_sdk_ec2::Client::new(&sdk),
    );

    // create-stack writes a config with account, region and the resolved
    // image; no `profile:` since none was named (it would override AWS_PROFILE).
    w.run(&[
        "create-stack",
        "test-daemon",
        "daemon:test-daemon",
        "image:helloworld",
        "env:GREETING=hello",
        "env:MODE=test",
    ])
    .ok();
    let cfg = w.yaml("test-daemon.yml");
    assert_eq!(str_at(&cfg, &["account"]), seed.account);
    assert_eq!(str_at(&cfg, &["region"]), "us-east-1");
    assert!(cfg.get("profile").is_none(), "{cfg:?}");
    assert_eq!(
        str_at(&cfg, &["tasks", "test-daemon", "image"]),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/helloworld:latest"
    );
    assert_eq!(
        str_at(&cfg, &["tasks", "test-daemon", "environment", "MODE"]),
        "test"
    );

    // The user's comments must survive every write-back.
    let text = w
        .read("test-daemon.yml")
        .replace("GREETING: hello", "GREETING: hello   # said on start");
    w.write("test-daemon.yml", &format!("# my precious comment\n{text}"));

    // plan: everything to create, nothing changed in the account.
    moto.clear_calls();
    let plan = w
        .run(&["plan", "-c", "test-daemon.yml", "--output", "json"])
        .ok()
        .json();
    moto.assert_no_mutations("plan");
    assert!(plan["api_calls"]["mutating"].as_array().unwrap().is_empty());
    assert!(plan["api_calls"]["total"].as_u64().unwrap() > 5);
    let steps = plan["plan"]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 7);
    assert!(steps.iter().all(|s| s["action"] == "create"), "{steps:#?}");
    let clusters = ecs
        .describe_clusters()
        .clusters("test-daemon-cluster")
        .send()
        .await
        .unwrap();
    assert!(
        clusters
            .clusters()
            .iter()
            .all(|c| c.status() != Some("ACTIVE"))
    );
    assert!(
        iam.get_role()
            .role_name("FargateTestDaemonRole")
            .send()
            .await
            .is_err()
    );

    // plan wrote the discovered network back, with subnets classified by route table.
    let cfg = w.yaml("test-daemon.yml");
    assert_eq!(str_at(&cfg, &["vpc_id"]), seed.vpc_id);
    let mut private = list_at(&cfg, &["subnets", "private"]);
    private.sort();
    let mut want_private = seed.private.clone();
    want_private.sort();
    assert_eq!(
        private, want_private,
        "the subnet on the main route table is private too"
    );
    assert_eq!(list_at(&cfg, &["subnets", "isolated"]), seed.isolated);
    assert_eq!(list_at(&cfg, &["subnets", "public"]).len(), 2);
    let text = w.read("test-daemon.yml");
    assert!(text.starts_with("# my precious comment\n"), "{text}");
    assert!(text.contains("GREETING: hello   # said on start"), "{text}");

    // apply: each resource exists with the right settings.
    let before_apply = w.read("test-daemon.yml");
    let run = w.run(&["apply", "-c", "test-daemon.yml", "--yes"]).ok();
    assert!(run.stdout.contains("7 added"), "{}", run.stdout);
    assert_eq!(
        w.read("test-daemon.yml.bak"),
        before_apply,
        "the backup holds the previous file"
    );
    let cfg = w.yaml("test-daemon.yml");

    let lg = logs
        .describe_log_groups()
        .log_group_name_prefix("/ecs/app-fargatestack/test-daemon")
        .send()
        .await
        .unwrap();
    let lg = &lg.log_groups()[0];
    assert_eq!(lg.retention_in_days(), Some(14));
    assert_eq!(
        str_at(&cfg, &["log_group", "arn"]),
        lg.arn().unwrap().trim_end_matches(":*")
    );

    let role = iam
        .get_role()
        .role_name("FargateTestDaemonRole")
        .send()
        .await
        .unwrap();
    let trust = percent_encoding::percent_decode_str(
        role.role().unwrap().assume_role_policy_document().unwrap(),
    )
    .decode_utf8_lossy()
    .to_string();
    assert!(trust.contains("ecs-tasks.amazonaws.com"), "{trust}");
    assert_eq!(str_at(&cfg, &["role", "arn"]), role.role().unwrap().arn());
    let policy = iam
        .get_role_policy()
        .role_name("FargateTestDaemonRole")
        .policy_name("FargateTestDaemonPolicy")
        .send()
        .await
        .unwrap();
    let policy: serde_json::Value = serde_json::from_str(
        &percent_encoding::percent_decode_str(policy.policy_document()).decode_utf8_lossy(),
    )
    .unwrap();
    let text = policy.to_string();
    assert!(
        text.contains(
            "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app-fargatestack/test-daemon"
        ),
        "{text}"
    );
    assert!(
        text.contains("arn:aws:ecr:us-east-1:123456789012:repository/helloworld"),
        "{text}"
    );
    for s in policy["Statement"].as_array().unwrap() {
        if s["Resource"] == "*" {
            assert_eq!(
                s["Action"],
                serde_json::json!(["ecr:GetAuthorizationToken"]),
                "only the token call may use *"
            );
        }
    }
    let task_role = iam
        .get_role()
        .role_name("FargateTestDaemonTaskRole")
        .send()
        .await
        .unwrap();
    assert_eq!(
        str_at(&cfg, &["task_role", "arn"]),
        task_role.role().unwrap().arn()
    );

    let cluster = ecs
        .describe_clusters()
        .clusters("test-daemon-cluster")
        .include(aws_sdk_ecs::types::ClusterField::Tags)
        .send()
        .await
        .unwrap();
    let cluster = &cluster.clusters()[0];
    assert_eq!(cluster.status(), Some("ACTIVE"));
    assert_eq!(
        str_at(&cfg, &["cluster", "arn"]),
        cluster.cluster_arn().unwrap()
    );
    assert!(
        cluster
            .tags()
            .iter()
            .any(|t| t.key() == Some("CreatedBy") && t.value() == Some("fargate-stack"))
    );

    let sg_id = str_at(&cfg, &["security_groups", "fargate", "group_id"]);
    let sgs = ec2
        .describe_security_groups()
        .group_ids(sg_id)
        .send()
        .await
        .unwrap();
    let sg = &sgs.security_groups()[0];
    assert_eq!(sg.group_name(), Some("test-daemon-sg"));
    assert_eq!(sg.vpc_id(), Some(seed.vpc_id.as_str()));
    assert!(sg.ip_permissions().is_empty(), "no ingress");

    let td = ecs
        .describe_task_definition()
        .task_definition("test-daemon")
        .send()
        .await
        .unwrap();
    let td = td.task_definition().unwrap();
    assert_eq!(td.revision(), 1);
    assert_eq!((td.cpu(), td.memory()), (Some("1024"), Some("2048")));
    assert_eq!(td.network_mode().map(|n| n.as_str()), Some("awsvpc"));
    assert_eq!(td.execution_role_arn(), Some(role.role().unwrap().arn()));
    let c = &td.container_definitions()[0];
    assert_eq!(
        c.image(),
        Some("123456789012.dkr.ecr.us-east-1.amazonaws.com/helloworld:latest")
    );
    assert!(
        c.environment()
            .iter()
            .any(|kv| kv.name() == Some("GREETING") && kv.value() == Some("hello"))
    );
    let log_opts = c.log_configuration().unwrap().options().unwrap();
    assert_eq!(
        log_opts["awslogs-group"],
        "/ecs/app-fargatestack/test-daemon"
    );
    assert_eq!(log_opts["awslogs-stream-prefix"], "test-daemon");
    assert_eq!(
        str_at(&cfg, &["tasks", "test-daemon", "arn"]),
        td.task_definition_arn().unwrap()
    );
    assert_eq!(
        str_at(&cfg, &["tasks", "test-daemon", "image_digest"]),
        seed.image_digest
    );
    assert_eq!(str_at(&cfg, &["tasks", "test-daemon", "size"]), "medium");
    let text = w.read("test-daemon.yml");
    assert!(
        text.starts_with("# my precious comment\n") && text.contains("# said on start"),
        "{text}"
    );

    // apply again: nothing to do, no mutating call, file untouched.
    let settled = w.read("test-daemon.yml");
    moto.clear_calls();
    let again = w
        .run(&[
            "apply",
            "-c",
            "test-daemon.yml",
            "--yes",
            "--output",
            "json",
        ])
        .ok()
        .json();
    moto.assert_no_mutations("a second apply");
    assert_eq!(again["summary"]["create"], 0);
    assert_eq!(again["summary"]["update"], 0);
    assert_eq!(again["summary"]["unchanged"], 7);
    assert_eq!(
        w.read("test-daemon.yml"),
        settled,
        "a no-op apply leaves the file alone"
    );

    // Change an environment variable: plan shows it, apply registers revision 2.
    w.write(
        "test-daemon.yml",
        &settled.replace("GREETING: hello", "GREETING: bonjour"),
    );
    moto.clear_calls();
    let plan = w
        .run(&["plan", "-c", "test-daemon.yml", "--output", "json"])
        .ok()
        .json();
    moto.assert_no_mutations("plan after a change");
    let changed: Vec<&serde_json::Value> = plan["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] != "exists")
        .collect();
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert_eq!(changed[0]["kind"], "task-definition");
    assert_eq!(changed[0]["changes"][0]["field"], "environment.GREETING");
    assert_eq!(changed[0]["changes"][0]["before"], "hello");
    assert_eq!(changed[0]["changes"][0]["after"], "bonjour");
    assert!(
        changed[0]["diff"]
            .as_str()
            .unwrap()
            .contains("+        \"GREETING\": \"bonjour\"")
    );
    let text_plan = w.run(&["plan", "-c", "test-daemon.yml"]).ok();
    assert!(
        text_plan
            .stdout
            .contains("environment.GREETING: hello -> bonjour"),
        "{}",
        text_plan.stdout
    );

    w.run(&["apply", "-c", "test-daemon.yml", "--yes"]).ok();
    let td = ecs
        .describe_task_definition()
        .task_definition("test-daemon")
        .send()
        .await
        .unwrap();
    let td = td.task_definition().unwrap();
    assert_eq!(td.revision(), 2);
    assert!(
        td.container_definitions()[0]
            .environment()
            .iter()
            .any(|kv| kv.value() == Some("bonjour"))
    );
    let cfg = w.yaml("test-daemon.yml");
    assert!(
        str_at(&cfg, &["tasks", "test-daemon", "arn"]).ends_with("task-definition/test-daemon:2")
    );
    let text = w.read("test-daemon.yml");
    assert!(
        text.contains("GREETING: bonjour   # said on start"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn task_example_applies_with_its_own_sizes_and_command() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "task.yml");
    w.run(&["apply", "-c", "task.yml", "--yes"]).ok();
    let sdk = moto.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let td = ecs
        .describe_task_definition()
        .task_definition("report")
        .send()
        .await
        .unwrap();
    let td = td.task_definition().unwrap();
    assert_eq!((td.cpu(), td.memory()), (Some("512"), Some("1024")));
    assert_eq!(
        td.container_definitions()[0].command(),
        ["/app/report", "--since", "1 day ago"]
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let lg = logs
        .describe_log_groups()
        .log_group_name_prefix("/ecs/app-fargatestack/hello-task")
        .send()
        .await
        .unwrap();
    assert_eq!(lg.log_groups()[0].retention_in_days(), Some(30));
    // The user wrote `memory: 1 GB`; write-back must not rewrite it.
    let text = w.read("task.yml");
    assert!(text.contains("memory: 1 GB"), "{text}");
    assert_eq!(
        str_at(&w.yaml("task.yml"), &["tasks", "report", "size"]),
        "small"
    );

    // Changing retention is an update of the log group only.
    w.write(
        "task.yml",
        &text.replace("retention_days: 30", "retention_days: 60"),
    );
    let plan = w
        .run(&["plan", "-c", "task.yml", "--output", "json"])
        .ok()
        .json();
    let steps = plan["plan"]["steps"].as_array().unwrap();
    assert_eq!(steps[0]["kind"], "log-group");
    assert_eq!(steps[0]["action"], "update");
    assert!(
        steps[1..].iter().all(|s| s["action"] == "exists"),
        "{steps:#?}"
    );
    w.run(&["apply", "-c", "task.yml", "--yes"]).ok();
    let lg = logs
        .describe_log_groups()
        .log_group_name_prefix("/ecs/app-fargatestack/hello-task")
        .send()
        .await
        .unwrap();
    assert_eq!(lg.log_groups()[0].retention_in_days(), Some(60));
}

#[tokio::test(flavor = "multi_thread")]
async fn sections_not_handled_are_listed_and_kept() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "full-schema.yml");
    let original = w.yaml("full-schema.yml");
    let sdk = moto.sdk().await;
    aws_sdk_secretsmanager::Client::new(&sdk)
        .create_secret()
        .name("/full-schema/db-password")
        .secret_string("s3cret")
        .send()
        .await
        .unwrap();
    let run = w.run(&["plan", "-c", "full-schema.yml"]).ok();
    assert!(
        !run.stdout.contains("Not handled"),
        "every section of the example is handled now:\n{}",
        run.stdout
    );
    w.run(&["apply", "-c", "full-schema.yml", "--yes"]).ok();
    let after = w.yaml("full-schema.yml");
    assert_eq!(
        after["bucket"], original["bucket"],
        "bucket must be kept untouched"
    );
    // The queue and the schedule are built now: their IDs are recorded.
    assert!(str_at(&after, &["queue", "arn"]).ends_with(":full-schema-jobs"));
    assert!(str_at(&after, &["dlq", "arn"]).ends_with(":full-schema-jobs-dlq"));
    assert!(str_at(&after, &["events_role", "arn"]).ends_with("role/EventsFullSchemaRole"));
    assert_eq!(
        after["tasks"]["api-worker"]["secrets"],
        original["tasks"]["api-worker"]["secrets"]
    );
    assert_eq!(after["app"]["version"], original["app"]["version"]);
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let td = ecs
        .describe_task_definition()
        .task_definition("nightly")
        .send()
        .await
        .unwrap();
    assert_eq!(
        td.task_definition().unwrap().container_definitions()[0].command(),
        ["/app/nightly", "--verbose"]
    );
    // A scheduled task defaults to medium.
    assert_eq!(td.task_definition().unwrap().cpu(), Some("1024"));
}

#[tokio::test(flavor = "multi_thread")]
async fn apply_without_a_terminal_refuses_and_changes_nothing() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    moto.clear_calls();
    let run = w.run(&["apply", "-c", "daemon.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("pass --yes"), "{}", run.stderr);
    assert!(
        run.stderr.contains("`fargate-stack plan -c daemon.yml`"),
        "{}",
        run.stderr
    );
    moto.assert_no_mutations("a refused apply");
}

/// `apply -c daemon.yml` on a terminal, which `script` (util-linux,
/// essential on Debian) provides; its stdin is what is typed.
fn apply_on_a_terminal(w: &Workdir) -> std::process::Child {
    let cmd = format!("{BIN} apply -c daemon.yml --log-level warn");
    w.program("script", &["-qec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// On a terminal apply asks; `n` changes nothing, `y` applies.
#[test]
fn apply_on_a_terminal_asks_first() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    let ask = |answer: &str| {
        let mut child = apply_on_a_terminal(&w);
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    moto.clear_calls();
    let no = ask("n\n");
    assert!(
        no.contains("Apply 7 change(s) to account 123456789012? [y/N]"),
        "{no}"
    );
    assert!(no.contains("cancelled; nothing was changed"), "{no}");
    moto.assert_no_mutations("a declined apply");
    let yes = ask("y\n");
    assert!(yes.contains("7 added"), "{yes}");
    assert!(!moto.mutating_calls().is_empty());
}

/// Ctrl-C at apply's prompt ends the command at once (130), without waiting
/// for Enter, and changes nothing. The terminal is stdin; stderr (where the
/// prompt and the message go) is a file, which `script` cannot lose when
/// the command ends.
#[test]
fn ctrl_c_at_the_prompt_exits_at_once() {
    use std::io::Write;
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    moto.clear_calls();
    let stderr = w.path("stderr.txt");
    let cmd = format!(
        "{BIN} apply -c daemon.yml --log-level warn 2>{}",
        stderr.display()
    );
    let mut child = w
        .program("script", &["-qec", &cmd, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let read = || std::fs::read_to_string(&stderr).unwrap_or_default();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !read().contains("[y/N]") {
        assert!(
            std::time::Instant::now() < deadline,
            "no prompt: {}",
            read()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // ^C typed at the terminal; stdin stays open and no Enter follows.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().ok();
            panic!("still waiting after Ctrl-C at the prompt: {}", read());
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    drop(stdin);
    assert_eq!(status.code(), Some(130), "{}", read());
    assert!(
        read().contains("interrupted; nothing was changed"),
        "{}",
        read()
    );
    moto.assert_no_mutations("an interrupted prompt");
}

#[tokio::test(flavor = "multi_thread")]
async fn public_image_is_used_as_written_without_ecr_permissions() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.write(
        "web.yml",
        "app:\n  name: pub\ntasks:\n  web:\n    type: daemon\n    image: nginx:1.27\n",
    );
    let run = w.run(&["apply", "-c", "web.yml", "--yes"]).ok();
    assert!(run.stderr.contains("public image"), "{}", run.stderr);
    let sdk = moto.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let td = ecs
        .describe_task_definition()
        .task_definition("web")
        .send()
        .await
        .unwrap();
    assert_eq!(
        td.task_definition().unwrap().container_definitions()[0].image(),
        Some("nginx:1.27")
    );
    let iam = aws_sdk_iam::Client::new(&sdk);
    let policy = iam
        .get_role_policy()
        .role_name("FargatePubRole")
        .policy_name("FargatePubPolicy")
        .send()
        .await
        .unwrap();
    assert!(
        !policy.policy_document().contains("ecr"),
        "{}",
        policy.policy_document()
    );
}
