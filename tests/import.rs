//! `import --from-copilot`: an AWS Copilot workspace becomes a config, with
//! every key that has no equivalent listed by file and line. Run on
//! manifests from Copilot's own repository (tests/data/copilot/real) and on
//! ones written for the edge cases (tests/data/copilot/edge).

use crate::support::*;

fn import(w: &Workdir, workspace: &str, extra: &[&str]) -> Run {
    let dir = repo_root().join("tests/data/copilot").join(workspace);
    let mut args = vec!["import", "--from-copilot", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    w.run(&args)
}

/// The config loads: `plan` gets past every check of the file and stops
/// only at the AWS call (the binary points at a closed port: exit 1, not 2).
fn loads(w: &Workdir, file: &str) {
    let run = w.run(&["plan", "-c", file, "--no-update"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        !run.stderr.contains(&format!("error: {file}")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_copilot_workspace_becomes_a_config() {
    let w = Workdir::new(None);
    let run = import(&w, "edge", &["--env", "prod", "-c", "shop.yml"]).ok();
    let cfg = w.yaml("shop.yml");
    assert_eq!(str_at(&cfg, &["app", "name"]), "shop_app");
    let api = &cfg["tasks"]["api"];
    assert_eq!(api["type"], "https");
    assert_eq!(
        api["image"],
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api:1.4"
    );
    assert_eq!(api["domain"], "api.shop.example.com");
    assert_eq!(api["path"], "/api/*");
    assert_eq!(api["container_port"], 8080);
    assert_eq!(api["arch"], "arm64");
    assert_eq!(api["health_check"]["path"], "/healthz");
    assert_eq!(api["health_check"]["interval_seconds"], 15);
    assert_eq!(api["health_check_grace_period"], 90);
    // The environment's overrides and certificate.
    assert_eq!(api["environment"]["LOG_LEVEL"], "warn");
    assert_eq!(api["autoscaling"]["min_capacity"], 4);
    assert_eq!(api["autoscaling"]["max_capacity"], 12);
    assert_eq!(api["autoscaling"]["cpu"], 60);
    assert!(str_at(&cfg, &["tasks", "api", "certificate_arn"]).starts_with("arn:aws:acm:"));
    let secrets: Vec<&str> = api["secrets"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(
        secrets,
        [
            "ssm:GITHUB_TOKEN:GITHUB_TOKEN",
            "shop/db#password:DB_PASSWORD",
            "shop/api-key:API_KEY"
        ]
    );
    assert_eq!(api["efs"]["id"], "fs-0123456789abcdef0");
    assert_eq!(api["efs"]["readonly"], true);
    assert_eq!(cfg["tasks"]["nightly"]["schedule"], "rate(6 hours)");
    // What has no equivalent: by file and line, on stderr and in the file.
    let manifest = "edge/copilot/api/manifest.yml";
    for (line, what) in [
        (15, "`http.stickiness` has no equivalent"),
        (51, "`exec` has no equivalent"),
        (38, "secret `STACK_VALUE`"),
        (6, "alias `www.shop.example.com` not converted"),
    ] {
        assert!(
            run.stderr.contains(&format!("{manifest}:{line}: {what}")),
            "{manifest}:{line}: {what}\n{}",
            run.stderr
        );
    }
    for refused in [
        "`runner` is a Request-Driven Web Service",
        "`site` is a Static Site",
        "pipelines are not converted",
    ] {
        assert!(run.stderr.contains(refused), "{refused}\n{}", run.stderr);
    }
    assert!(w.read("shop.yml").contains("#   "), "notes as comments");
    assert!(cfg["tasks"]["runner"].is_null() && cfg["tasks"]["site"].is_null());
    loads(&w, "shop.yml");

    // Never over an existing file without --force.
    let before = w.read("shop.yml");
    let again = import(&w, "edge", &["-c", "shop.yml"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(w.read("shop.yml"), before);
}

#[test]
fn copilots_own_manifests_convert() {
    let w = Workdir::new(None);
    let run = import(&w, "real", &["--env", "test", "-c", "certs.yml"]).ok();
    let cfg = w.yaml("certs.yml");
    assert_eq!(cfg["tasks"]["frontend"]["type"], "https");
    assert_eq!(
        cfg["tasks"]["frontend"]["domain"],
        "frontend.import-certs.copilot-e2e-tests.ecs.aws.dev"
    );
    assert_eq!(cfg["tasks"]["subscribers"]["type"], "daemon");
    assert_eq!(cfg["tasks"]["subscribers"]["image"], "flask-sample");
    assert_eq!(cfg["tasks"]["testers"]["type"], "daemon");
    assert_eq!(cfg["queue"]["name"], "import-certs-testers-queue");
    assert_eq!(
        cfg["tasks"]["cuteness-aggregator"]["schedule"],
        "cron(0 */2 * * ? *)"
    );
    // The certificate is a variable Copilot fills in, not an ARN.
    assert!(cfg["tasks"]["frontend"]["certificate_arn"].is_null());
    for said in [
        "frontend/manifest.yml:3: `frontend` builds its image",
        "frontend/manifest.yml:12: `http.hosted_zone` has no equivalent",
        "testers/manifest.yml:25: `subscribe.topics` has no equivalent",
        "cuteness-aggregator/manifest.yml:14: `retries` has no equivalent",
    ] {
        assert!(run.stderr.contains(said), "{said}\n{}", run.stderr);
    }
    // Copilot built those images; once pushed and named, the config loads.
    let text = w
        .read("certs.yml")
        .replace(
            "    type: https\n",
            "    type: https\n    image: frontend\n",
        )
        .replace(
            "    type: task\n",
            "    type: task\n    image: aggregator\n",
        )
        .replace(
            "  testers:\n    type: daemon\n",
            "  testers:\n    type: daemon\n    image: testers\n",
        );
    w.write("certs.yml", &text);
    loads(&w, "certs.yml");
}

#[test]
fn a_directory_that_is_not_a_workspace_is_refused() {
    let w = Workdir::new(None);
    let run = w.run(&["import", "--from-copilot", ".", "-c", "x.yml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("no Copilot workspace here"),
        "{}",
        run.stderr
    );
    assert!(!w.path("x.yml").exists());
}

/// docs/migrating.md, steps 1 and 2, as a user runs them: Copilot's own
/// workspace converted, its images named, then plan, apply, create-service,
/// verify and status against the emulator, and a second apply changes
/// nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_migration_guide_runs() {
    let moto = Moto::start();
    moto.seed("eligible");
    aws_sdk_route53::Client::new(&moto.sdk().await)
        .create_hosted_zone()
        .name("copilot-e2e-tests.ecs.aws.dev")
        .caller_reference("guide")
        .send()
        .await
        .unwrap();
    let w = Workdir::new(Some(&moto));
    import(&w, "real", &["--env", "test", "-c", "certs.yml"]).ok();
    // Copilot built the images; here they are pushed as `helloworld`.
    let text = w
        .read("certs.yml")
        .replace(
            "    type: https\n",
            "    type: https\n    image: helloworld\n",
        )
        .replace(
            "    type: task\n",
            "    type: task\n    image: helloworld\n",
        )
        .replace(
            "  testers:\n    type: daemon\n",
            "  testers:\n    type: daemon\n    image: helloworld\n",
        )
        .replace("image: flask-sample", "image: helloworld");
    w.write("certs.yml", &text);
    w.run(&["plan", "-c", "certs.yml"]).ok();
    w.run(&["apply", "-c", "certs.yml", "--yes"]).ok();
    w.run(&["create-service", "frontend", "-c", "certs.yml"])
        .ok();
    let verify = w.run(&["verify", "-c", "certs.yml"]);
    assert_eq!(verify.code, 0, "{}\n{}", verify.stdout, verify.stderr);
    let status = w.run(&["status", "frontend", "-c", "certs.yml"]).ok();
    assert!(status.stdout.contains("frontend"), "{}", status.stdout);
    moto.clear_calls();
    w.run(&["apply", "-c", "certs.yml", "--yes"]).ok();
    moto.assert_no_mutations("a second apply of the imported stack");
}

/// A service made by hand, as a console or a script makes one: its own
/// role names, a managed policy, a log group with its own retention and
/// stream prefix, a security group, secrets by ARN, target-tracking
/// autoscaling; and beside it a service with a sidecar and an entry point
/// (what a config cannot say), and a third one the import leaves alone.
struct HandMade {
    vpc: String,
    group: String,
    other_group: String,
}

async fn hand_made(moto: &Moto) -> HandMade {
    let seed = moto.seed("eligible");
    let sdk = moto.sdk().await;
    let (ecs, iam, logs, ec2, sm, ssm, scaling) = (
        aws_sdk_ecs::Client::new(&sdk),
        aws_sdk_iam::Client::new(&sdk),
        aws_sdk_cloudwatchlogs::Client::new(&sdk),
        aws_sdk_ec2::Client::new(&sdk),
        aws_sdk_secretsmanager::Client::new(&sdk),
        aws_sdk_ssm::Client::new(&sdk),
        aws_sdk_applicationautoscaling::Client::new(&sdk),
    );
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let mut roles = Vec::new();
    for name in ["shop-exec", "shop-task", "other-exec"] {
        roles.push(
            iam.create_role()
                .role_name(name)
                .assume_role_policy_document(trust)
                .send()
                .await
                .unwrap()
                .role()
                .unwrap()
                .arn()
                .to_string(),
        );
    }
    // A managed policy of the account's own (destroy, once owned, detaches it).
    attach_managed_policy(
        &iam,
        "shop-exec",
        "shop-pull",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"arn:aws:logs:us-east-1:123456789012:log-group:/ecs/shop:*"}]}"#,
    )
    .await;
    for (group, days) in [("/ecs/shop", Some(30)), ("/ecs/other", None)] {
        logs.create_log_group()
            .log_group_name(group)
            .send()
            .await
            .unwrap();
        if let Some(days) = days {
            logs.put_retention_policy()
                .log_group_name(group)
                .retention_in_days(days)
                .send()
                .await
                .unwrap();
        }
    }
    let mut groups = Vec::new();
    for name in ["shop-tasks", "other-tasks"] {
        groups.push(
            ec2.create_security_group()
                .group_name(name)
                .description("made by hand")
                .vpc_id(&seed.vpc_id)
                .send()
                .await
                .unwrap()
                .group_id()
                .unwrap()
                .to_string(),
        );
    }
    let secret = sm
        .create_secret()
        .name("shop/db")
        .secret_string(r#"{"password":"hunter2"}"#)
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    ssm.put_parameter()
        .name("/shop/api-url")
        .value("https://api.example.com")
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let parameter = format!(
        "arn:aws:ssm:us-east-1:{}:parameter/shop/api-url",
        seed.account
    );
    ecs.create_cluster()
        .cluster_name("shop")
        .send()
        .await
        .unwrap();

    use aws_sdk_ecs::types::{
        Compatibility, ContainerDefinition, KeyValuePair, LogConfiguration, LogDriver, NetworkMode,
        Secret,
    };
    let log = |group: &str, prefix: &str| {
        LogConfiguration::builder()
            .log_driver(LogDriver::Awslogs)
            .options("awslogs-group", group)
            .options("awslogs-region", "us-east-1")
            .options("awslogs-stream-prefix", prefix)
            .build()
            .unwrap()
    };
    let register = |family: &str, containers: Vec<ContainerDefinition>| {
        ecs.register_task_definition()
            .family(family)
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu("512")
            .memory("1024")
            .execution_role_arn(if family == "other" {
                &roles[2]
            } else {
                &roles[0]
            })
            .task_role_arn(&roles[1])
            .set_container_definitions(Some(containers))
            .send()
    };
    let worker = ContainerDefinition::builder()
        .name("worker")
        .image("public.ecr.aws/docker/library/busybox:1.36")
        .essential(true)
        .set_command(Some(vec!["sh".into(), "-c".into(), "sleep 3600".into()]))
        .environment(KeyValuePair::builder().name("MODE").value("prod").build())
        .secrets(
            Secret::builder()
                .name("DB_PASSWORD")
                .value_from(format!("{secret}:password::"))
                .build()
                .unwrap(),
        )
        .secrets(
            Secret::builder()
                .name("API_URL")
                .value_from(&parameter)
                .build()
                .unwrap(),
        )
        .log_configuration(log("/ecs/shop", "worker"))
        .build();
    register("shop-worker", vec![worker]).await.unwrap();
    let mailer = ContainerDefinition::builder()
        .name("mailer")
        .image("public.ecr.aws/docker/library/busybox:1.36")
        .essential(true)
        .entry_point("/bin/sh")
        .log_configuration(log("/ecs/shop", "worker"))
        .build();
    let envoy = ContainerDefinition::builder()
        .name("envoy")
        .image("public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29")
        .essential(false)
        .build();
    register("mailer", vec![mailer, envoy]).await.unwrap();
    let other = ContainerDefinition::builder()
        .name("other")
        .image("public.ecr.aws/docker/library/busybox:1.36")
        .essential(true)
        .log_configuration(log("/ecs/other", "other"))
        .build();
    register("other", vec![other]).await.unwrap();
    for (service, family, group) in [
        ("worker", "shop-worker", &groups[0]),
        ("mailer", "mailer", &groups[0]),
        ("other", "other", &groups[1]),
    ] {
        ecs.create_service()
            .cluster("shop")
            .service_name(service)
            .task_definition(family)
            .desired_count(1)
            .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
            .network_configuration(awsvpc(seed.private.clone(), &[group]))
            .send()
            .await
            .unwrap();
    }
    use aws_sdk_applicationautoscaling::types::{
        MetricType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
        TargetTrackingScalingPolicyConfiguration,
    };
    scaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id("service/shop/worker")
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(1)
        .max_capacity(4)
        .send()
        .await
        .unwrap();
    scaling
        .put_scaling_policy()
        .policy_name("worker-cpu")
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id("service/shop/worker")
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(aws_sdk_applicationautoscaling::types::PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(70.0)
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder()
                        .predefined_metric_type(MetricType::EcsServiceAverageCpuUtilization)
                        .build()
                        .unwrap(),
                )
                .scale_out_cooldown(60)
                .scale_in_cooldown(120)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    HandMade {
        vpc: seed.vpc_id,
        group: groups[0].clone(),
        other_group: groups[1].clone(),
    }
}

/// The import steps of docs/migrating.md ("From a service made by hand or
/// in the console"): import, a first plan with no changes, an edit that
/// changes only what it names, destroy that keeps what was adopted, then
/// `import --own` and a destroy that removes it.
#[tokio::test(flavor = "multi_thread")]
async fn a_running_service_is_imported_and_the_first_plan_changes_nothing() {
    let moto = Moto::start();
    let made = hand_made(&moto).await;
    let w = Workdir::new(Some(&moto));
    let import = &[
        "import",
        "--cluster",
        "shop",
        "--service",
        "worker",
        "--service",
        "mailer",
        "-c",
        "shop.yml",
    ];
    let run = w.run(import).ok();
    // What the config cannot say is listed, on stderr and in the file.
    let text = w.read("shop.yml");
    for said in ["container `envoy`", "container `mailer`: entryPoint"] {
        assert!(run.stderr.contains(said), "{said}:\n{}", run.stderr);
        assert!(text.contains(said), "{said}:\n{text}");
    }
    let cfg = w.yaml("shop.yml");
    assert_eq!(str_at(&cfg, &["app", "name"]), "shop");
    assert_eq!(str_at(&cfg, &["vpc_id"]), made.vpc);
    assert_eq!(str_at(&cfg, &["cluster", "name"]), "shop");
    assert_eq!(str_at(&cfg, &["role", "name"]), "shop-exec");
    assert_eq!(cfg["role"]["as_is"], true);
    assert_eq!(str_at(&cfg, &["task_role", "name"]), "shop-task");
    assert_eq!(str_at(&cfg, &["log_group", "name"]), "/ecs/shop");
    assert_eq!(cfg["log_group"]["retention_days"], 30);
    assert_eq!(
        str_at(&cfg, &["security_groups", "fargate", "group_id"]),
        made.group
    );
    let worker = &cfg["tasks"]["worker"];
    assert_eq!(worker["type"], "daemon");
    assert_eq!(worker["family"], "shop-worker");
    assert_eq!(worker["cpu"], 512);
    assert_eq!(worker["log_stream_prefix"], "worker");
    assert_eq!(
        list_at(&cfg, &["tasks", "worker", "secrets"]),
        ["shop/db#password:DB_PASSWORD", "ssm:/shop/api-url:API_URL"]
    );
    assert_eq!(worker["autoscaling"]["cpu"], 70);
    assert_eq!(worker["autoscaling"]["max_capacity"], 4);
    assert_eq!(worker["autoscaling"]["policy_name"], "worker-cpu");
    assert!(cfg["tasks"].get("other").is_none());
    assert!(!text.contains("hunter2"));

    // The first plan: nothing to do, and not one mutating call.
    moto.clear_calls();
    let plan = w
        .run(&["plan", "-c", "shop.yml", "--detailed-exitcode"])
        .ok();
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    moto.assert_no_mutations("the first plan after import");
    w.run(&["apply", "-c", "shop.yml", "--yes"]).ok();
    moto.assert_no_mutations("the first apply after import");

    // An edit changes only what it names; a revision not the stack's is
    // taken over only when the config says so.
    let edited = w.read("shop.yml").replace("MODE: prod", "MODE: staging");
    w.write("shop.yml", &edited);
    let refused = w.run(&["plan", "-c", "shop.yml"]);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains("take_over: [task-definition/worker]"),
        "{}",
        refused.stderr
    );
    w.write(
        "shop.yml",
        &format!("{edited}take_over: [task-definition/worker]\n"),
    );
    let plan = w.run(&["plan", "-c", "shop.yml", "--output", "json"]).ok();
    let changed: Vec<String> = plan.json()["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["action"] != "exists")
        .map(|s| format!("{} {}", s["kind"], s["name"]))
        .collect();
    assert_eq!(
        changed,
        [r#""task-definition" "shop-worker""#],
        "{}",
        plan.stdout
    );
    // A revision with what the config cannot say is never replaced by one
    // without it, whoever owns it.
    let sidecar = edited.replace(
        "    type: daemon\n    image: public.ecr.aws/docker/library/busybox:1.36\n    cpu: 512",
        "    type: daemon\n    image: public.ecr.aws/docker/library/busybox:1.37\n    cpu: 512",
    );
    w.write(
        "mailer.yml",
        &format!("{sidecar}take_over: [task-definition/mailer]\n"),
    );
    let refused = w.run(&["plan", "-c", "mailer.yml"]);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused.stderr.contains("container `envoy`") && refused.stderr.contains("would drop it"),
        "{}",
        refused.stderr
    );
    w.write("shop.yml", &text);

    // Destroy keeps every adopted resource.
    w.write("adopted.yml", &text);
    moto.clear_calls();
    let destroy = w.run(&["destroy", "-c", "adopted.yml", "--yes"]).ok();
    moto.assert_no_mutations("destroy of an adopted stack");
    assert!(destroy.stdout.contains("Kept"), "{}", destroy.stdout);

    // --own: what the services use alone becomes the stack's; the cluster
    // (it runs `other`) does not.
    let own = w.run(&[import as &[&str], &["--own"]].concat()).ok();
    // `other` runs in the same cluster with the same task role: neither is claimed.
    for kept in [
        "not owned: the cluster `shop`",
        "role/shop-task` (another service",
    ] {
        assert!(own.stderr.contains(kept), "{kept}:\n{}", own.stderr);
    }
    assert_eq!(w.read("shop.yml"), text, "--own keeps the config as it is");
    let plan = w
        .run(&["plan", "-c", "shop.yml", "--detailed-exitcode"])
        .ok();
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    w.run(&["destroy", "-c", "shop.yml", "--yes"]).ok();

    let sdk = moto.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let services = ecs
        .describe_services()
        .cluster("shop")
        .services("worker")
        .services("mailer")
        .services("other")
        .send()
        .await
        .unwrap();
    let active: Vec<&str> = services
        .services()
        .iter()
        .filter(|s| s.status() == Some("ACTIVE"))
        .filter_map(|s| s.service_name())
        .collect();
    assert_eq!(active, ["other"]);
    let iam = aws_sdk_iam::Client::new(&sdk);
    assert!(
        iam.get_role().role_name("shop-exec").send().await.is_err(),
        "the owned execution role is deleted (its managed policy detached)"
    );
    assert!(
        iam.get_role().role_name("shop-task").send().await.is_ok(),
        "the shared role is kept"
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk);
    let groups: Vec<String> = logs
        .describe_log_groups()
        .send()
        .await
        .unwrap()
        .log_groups()
        .iter()
        .filter_map(|g| g.log_group_name().map(str::to_string))
        .collect();
    assert_eq!(groups, ["/ecs/other"]);
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let left: Vec<String> = ec2
        .describe_security_groups()
        .group_ids(&made.other_group)
        .send()
        .await
        .unwrap()
        .security_groups()
        .iter()
        .filter_map(|g| g.group_id().map(str::to_string))
        .collect();
    assert_eq!(left, std::slice::from_ref(&made.other_group));
    assert!(
        ec2.describe_security_groups()
            .group_ids(&made.group)
            .send()
            .await
            .is_err(),
        "the imported services' group is deleted"
    );
    let clusters = ecs
        .describe_clusters()
        .clusters("shop")
        .send()
        .await
        .unwrap();
    assert_eq!(
        clusters.clusters()[0].status(),
        Some("ACTIVE"),
        "the shared cluster stays"
    );
}
