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
    assert_eq!(api["exec"], true);
    // prod names its own alarms; the base's Copilot-made ones are not asked for.
    assert_eq!(
        list_at(&cfg, &["tasks", "api", "deployment", "alarms"]),
        ["api-5xx", "api-latency"]
    );
    assert!(
        !run.stderr.contains("Copilot makes the alarms"),
        "{}",
        run.stderr
    );
    assert_eq!(api["efs"]["id"], "fs-0123456789abcdef0");
    assert_eq!(api["efs"]["readonly"], true);
    assert_eq!(cfg["tasks"]["nightly"]["schedule"], "rate(6 hours)");
    // What has no equivalent: by file and line, on stderr and in the file.
    let manifest = "edge/copilot/api/manifest.yml";
    for (line, what) in [
        (15, "`http.stickiness` has no equivalent"),
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
    let zone = zone(&moto, "copilot-e2e-tests.ecs.aws.dev", None).await;
    // Copilot's alias record for the service, pointing at Copilot's load balancer.
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let domain = "frontend.import-certs.copilot-e2e-tests.ecs.aws.dev";
    alias_record(
        &moto,
        &zone,
        domain,
        "Z35SXDOTRQ7X7K",
        "copilot-lb-123.us-east-1.elb.amazonaws.com",
    )
    .await;
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
    // Step 2: the new stack beside the old one; Copilot's record is left.
    let plan = w.run(&["plan", "-c", "certs.yml"]).ok();
    assert!(
        plan.stdout
            .contains(&format!("{domain} stays alias to copilot-lb-123")),
        "{}",
        plan.stdout
    );
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

    // Step 3: move DNS. The record now points at the new load balancer.
    let moved = w
        .read("certs.yml")
        .replace("keep_existing: true", "adopt: true");
    w.write("certs.yml", &moved);
    w.run(&["apply", "-c", "certs.yml", "--yes"]).ok();
    let records = r53
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .unwrap();
    let alias = records
        .resource_record_sets()
        .iter()
        .find(|r| r.name().starts_with(domain))
        .and_then(|r| r.alias_target())
        .map(|a| a.dns_name().to_string())
        .unwrap_or_default();
    let alb = str_at(&w.yaml("certs.yml"), &["alb", "name"]).to_string();
    assert!(alias.contains(&alb), "{alias} points at {alb}");
    moto.clear_calls();
    w.run(&["apply", "-c", "certs.yml", "--yes"]).ok();
    moto.assert_no_mutations("a second apply after the move");
}

/// Roles made by hand that `service` may assume; their ARNs.
async fn roles_for(iam: &aws_sdk_iam::Client, service: &str, names: &[&str]) -> Vec<String> {
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let mut arns = Vec::new();
    for name in names {
        arns.push(
            iam.create_role()
                .role_name(*name)
                .assume_role_policy_document(&trust)
                .send()
                .await
                .unwrap()
                .role()
                .unwrap()
                .arn()
                .to_string(),
        );
    }
    arns
}

/// An A alias record `name` -> `dns` (in the load balancers' zone `target_zone`).
async fn alias_record(moto: &Moto, zone: &str, name: &str, target_zone: &str, dns: &str) {
    use aws_sdk_route53::types::{AliasTarget, ChangeAction, ResourceRecordSet, RrType};
    let record = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .alias_target(
            AliasTarget::builder()
                .hosted_zone_id(target_zone)
                .dns_name(dns)
                .evaluate_target_health(true)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    change_record(moto, zone, ChangeAction::Create, record).await;
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
    let (ecs, iam, logs, sm, ssm, scaling) = (
        aws_sdk_ecs::Client::new(&sdk),
        aws_sdk_iam::Client::new(&sdk),
        aws_sdk_cloudwatchlogs::Client::new(&sdk),
        aws_sdk_secretsmanager::Client::new(&sdk),
        aws_sdk_ssm::Client::new(&sdk),
        aws_sdk_applicationautoscaling::Client::new(&sdk),
    );
    let roles = roles_for(
        &iam,
        "ecs-tasks.amazonaws.com",
        &["shop-exec", "shop-task", "other-exec"],
    )
    .await;
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
    let groups = [
        security_group(moto, &seed.vpc_id, "shop-tasks").await,
        security_group(moto, &seed.vpc_id, "other-tasks").await,
    ];
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
    let efs = aws_sdk_efs::Client::new(&sdk)
        .create_file_system()
        .creation_token("shop-data")
        .send()
        .await
        .unwrap()
        .file_system_id()
        .to_string();

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
        .mount_points(
            aws_sdk_ecs::types::MountPoint::builder()
                .source_volume("data")
                .container_path("/mnt/data")
                .read_only(true)
                .build(),
        )
        .build();
    register("shop-worker", vec![worker])
        .volumes(
            aws_sdk_ecs::types::Volume::builder()
                .name("data")
                .efs_volume_configuration(
                    aws_sdk_ecs::types::EfsVolumeConfiguration::builder()
                        .file_system_id(&efs)
                        .root_directory("/exports")
                        .transit_encryption(aws_sdk_ecs::types::EfsTransitEncryption::Enabled)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
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
    register("mailer", vec![mailer, envoy])
        .send()
        .await
        .unwrap();
    let other = ContainerDefinition::builder()
        .name("other")
        .image("public.ecr.aws/docker/library/busybox:1.36")
        .essential(true)
        .log_configuration(log("/ecs/other", "other"))
        .build();
    register("other", vec![other]).send().await.unwrap();
    // A nightly job: an EventBridge rule of its own name, running the
    // `report` family in the cluster as its own role.
    let report = ContainerDefinition::builder()
        .name("report")
        .image("public.ecr.aws/docker/library/busybox:1.36")
        .essential(true)
        .log_configuration(log("/ecs/shop", "worker"))
        .build();
    let report = register("report", vec![report])
        .send()
        .await
        .unwrap()
        .task_definition()
        .unwrap()
        .task_definition_arn()
        .unwrap()
        .to_string();
    let events_role = roles_for(&iam, "events.amazonaws.com", &["shop-events"])
        .await
        .remove(0);
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    events
        .put_rule()
        .name("nightly-report")
        .schedule_expression("cron(0 3 * * ? *)")
        .send()
        .await
        .unwrap();
    use aws_sdk_eventbridge::types as eb;
    events
        .put_targets()
        .rule("nightly-report")
        .targets(
            eb::Target::builder()
                .id("run-report")
                .arn(format!(
                    "arn:aws:ecs:us-east-1:{}:cluster/shop",
                    seed.account
                ))
                .role_arn(&events_role)
                .ecs_parameters(
                    eb::EcsParameters::builder()
                        .task_definition_arn(&report)
                        .task_count(1)
                        .launch_type(eb::LaunchType::Fargate)
                        .network_configuration(
                            eb::NetworkConfiguration::builder()
                                .awsvpc_configuration(
                                    eb::AwsVpcConfiguration::builder()
                                        .set_subnets(Some(seed.private.clone()))
                                        .security_groups(&groups[0])
                                        .assign_public_ip(eb::AssignPublicIp::Disabled)
                                        .build()
                                        .unwrap(),
                                )
                                .build(),
                        )
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    for (service, family, group) in [
        ("worker", "shop-worker", &groups[0]),
        ("mailer", "mailer", &groups[0]),
        ("other", "other", &groups[1]),
    ] {
        // The worker rolls back on an alarm of its own.
        let alarms = (service == "worker").then(|| {
            aws_sdk_ecs::types::DeploymentConfiguration::builder()
                .alarms(
                    aws_sdk_ecs::types::DeploymentAlarms::builder()
                        .alarm_names("worker-backlog")
                        .enable(true)
                        .rollback(true)
                        .build()
                        .unwrap(),
                )
                .build()
        });
        ecs.create_service()
            .cluster("shop")
            .service_name(service)
            .task_definition(family)
            .desired_count(1)
            .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
            .network_configuration(awsvpc(seed.private.clone(), &[group]))
            .set_deployment_configuration(alarms)
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
        "--schedule",
        "nightly-report",
        "-c",
        "shop.yml",
    ];
    // A service the cluster does not run: one line, exit 2, no file.
    let wrong = w.run(&[
        "import",
        "--cluster",
        "shop",
        "--service",
        "nope",
        "-c",
        "shop.yml",
    ]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    assert!(
        wrong
            .stderr
            .contains("the cluster `shop` has no active service `nope`"),
        "{}",
        wrong.stderr
    );
    assert!(!w.path("shop.yml").exists());
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
    assert_eq!(worker["efs"]["path"], "/exports");
    assert_eq!(worker["efs"]["mount_point"], "/mnt/data");
    assert_eq!(worker["efs"]["readonly"], true);
    assert_eq!(worker["autoscaling"]["cpu"], 70);
    assert_eq!(worker["autoscaling"]["max_capacity"], 4);
    assert_eq!(worker["autoscaling"]["policy_name"], "worker-cpu");
    assert_eq!(
        list_at(&cfg, &["tasks", "worker", "deployment", "alarms"]),
        ["worker-backlog"]
    );
    assert!(cfg["tasks"]["mailer"].get("deployment").is_none());
    assert!(cfg["tasks"].get("other").is_none());
    let report = &cfg["tasks"]["nightly-report"];
    assert_eq!(report["type"], "task");
    assert_eq!(report["schedule"], "cron(0 3 * * ? *)");
    assert_eq!(report["schedule_rule"], "nightly-report");
    assert_eq!(report["schedule_target"], "run-report");
    assert_eq!(report["family"], "report");
    assert_eq!(str_at(&cfg, &["events_role", "name"]), "shop-events");
    assert_eq!(cfg["events_role"]["as_is"], true);
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
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    assert!(
        events
            .describe_rule()
            .name("nightly-report")
            .send()
            .await
            .is_err(),
        "the owned schedule is deleted"
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

/// A web service made by hand: its own load balancer with an https
/// listener (a certificate), a redirect on 80, a host rule to its target
/// group and an alias record. Import records it all; the first plan
/// changes nothing; `--own` claims the target group (and with it the rule
/// and the alias record that lead to it) and the load balancer (it serves
/// nothing else), and destroy removes them, keeping the certificate.
#[tokio::test(flavor = "multi_thread")]
async fn a_web_service_is_imported_with_its_load_balancer() {
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, HostHeaderConditionConfig,
        LoadBalancerSchemeEnum, ProtocolEnum, RedirectActionConfig, RedirectActionStatusCodeEnum,
        RuleCondition, TargetTypeEnum,
    };
    let moto = Moto::start();
    moto.acm_validation_wait(0);
    let seed = moto.seed("eligible");
    let sdk = moto.sdk().await;
    let (ecs, iam, ec2, elb, acm, r53) = (
        aws_sdk_ecs::Client::new(&sdk),
        aws_sdk_iam::Client::new(&sdk),
        aws_sdk_ec2::Client::new(&sdk),
        aws_sdk_elasticloadbalancingv2::Client::new(&sdk),
        aws_sdk_acm::Client::new(&sdk),
        aws_sdk_route53::Client::new(&sdk),
    );
    let roles = roles_for(&iam, "ecs-tasks.amazonaws.com", &["site-exec", "site-task"]).await;
    aws_sdk_cloudwatchlogs::Client::new(&sdk)
        .create_log_group()
        .log_group_name("/ecs/site")
        .send()
        .await
        .unwrap();
    let groups = [
        security_group(&moto, &seed.vpc_id, "site-alb").await,
        security_group(&moto, &seed.vpc_id, "site-tasks").await,
    ];
    // The load balancer may reach the tasks' port.
    ec2.authorize_security_group_ingress()
        .group_id(&groups[1])
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(8080)
                .to_port(8080)
                .user_id_group_pairs(
                    aws_sdk_ec2::types::UserIdGroupPair::builder()
                        .group_id(&groups[0])
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let lb = elb
        .create_load_balancer()
        .name("site-alb")
        .scheme(LoadBalancerSchemeEnum::InternetFacing)
        .set_subnets(Some(seed.public.clone()))
        .security_groups(&groups[0])
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .clone();
    let lb_arn = lb.load_balancer_arn().unwrap().to_string();
    let cert = acm
        .request_certificate()
        .domain_name("www.example.com")
        .send()
        .await
        .unwrap()
        .certificate_arn()
        .unwrap()
        .to_string();
    let group = elb
        .create_target_group()
        .name("site-www")
        .protocol(ProtocolEnum::Http)
        .port(8080)
        .vpc_id(&seed.vpc_id)
        .target_type(TargetTypeEnum::Ip)
        .health_check_path("/up")
        .send()
        .await
        .unwrap()
        .target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let https = elb
        .create_listener()
        .load_balancer_arn(&lb_arn)
        .port(443)
        .protocol(ProtocolEnum::Https)
        .certificates(Certificate::builder().certificate_arn(&cert).build())
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::FixedResponse)
                .fixed_response_config(
                    FixedResponseActionConfig::builder()
                        .status_code("404")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_string();
    elb.create_listener()
        .load_balancer_arn(&lb_arn)
        .port(80)
        .protocol(ProtocolEnum::Http)
        .default_actions(
            Action::builder()
                .r#type(ActionTypeEnum::Redirect)
                .redirect_config(
                    RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code(RedirectActionStatusCodeEnum::Http301)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    elb.create_rule()
        .listener_arn(&https)
        .priority(7)
        .conditions(
            RuleCondition::builder()
                .field("host-header")
                .host_header_config(
                    HostHeaderConditionConfig::builder()
                        .values("www.example.com")
                        .build(),
                )
                .build(),
        )
        .actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(&group)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let zone = zone(&moto, "example.com", None).await;
    alias_record(
        &moto,
        &zone,
        "www.example.com",
        lb.canonical_hosted_zone_id().unwrap(),
        lb.dns_name().unwrap(),
    )
    .await;
    ecs.create_cluster()
        .cluster_name("site")
        .send()
        .await
        .unwrap();
    use aws_sdk_ecs::types::{ContainerDefinition, PortMapping};
    ecs.register_task_definition()
        .family("site-www")
        .requires_compatibilities(aws_sdk_ecs::types::Compatibility::Fargate)
        .network_mode(aws_sdk_ecs::types::NetworkMode::Awsvpc)
        .cpu("256")
        .memory("512")
        .execution_role_arn(&roles[0])
        .task_role_arn(&roles[1])
        .container_definitions(
            ContainerDefinition::builder()
                .name("www")
                .image("public.ecr.aws/nginx/nginx:1.27")
                .essential(true)
                .port_mappings(PortMapping::builder().container_port(8080).build())
                .log_configuration(
                    aws_sdk_ecs::types::LogConfiguration::builder()
                        .log_driver(aws_sdk_ecs::types::LogDriver::Awslogs)
                        .options("awslogs-group", "/ecs/site")
                        .options("awslogs-region", "us-east-1")
                        .options("awslogs-stream-prefix", "www")
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    ecs.create_service()
        .cluster("site")
        .service_name("www")
        .task_definition("site-www")
        .desired_count(2)
        .launch_type(aws_sdk_ecs::types::LaunchType::Fargate)
        .health_check_grace_period_seconds(90)
        .load_balancers(
            aws_sdk_ecs::types::LoadBalancer::builder()
                .target_group_arn(&group)
                .container_name("www")
                .container_port(8080)
                .build(),
        )
        .network_configuration(awsvpc(seed.private.clone(), &[&groups[1]]))
        .send()
        .await
        .unwrap();

    let w = Workdir::new(Some(&moto));
    let import = &[
        "import",
        "--cluster",
        "site",
        "--service",
        "www",
        "-c",
        "site.yml",
    ];
    w.run(import).ok();
    let cfg = w.yaml("site.yml");
    let www = &cfg["tasks"]["www"];
    assert_eq!(www["type"], "https");
    assert_eq!(www["domain"], "www.example.com");
    assert_eq!(www["container_port"], 8080);
    assert_eq!(www["certificate_arn"], cert.as_str());
    assert_eq!(www["target_group_arn"], group.as_str());
    assert_eq!(www["health_check"]["path"], "/up");
    assert_eq!(www["health_check_grace_period"], 90);
    assert_eq!(str_at(&cfg, &["alb", "arn"]), lb_arn);
    assert_eq!(cfg["alb"]["redirect_80"], true);
    assert_eq!(
        str_at(&cfg, &["security_groups", "alb", "group_id"]),
        groups[0]
    );
    assert_eq!(str_at(&cfg, &["route53", "zone_id"]), zone);

    moto.clear_calls();
    let plan = w
        .run(&["plan", "-c", "site.yml", "--detailed-exitcode"])
        .ok();
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    moto.assert_no_mutations("the first plan after importing a web service");

    let own = w.run(&[import as &[&str], &["--own"]].concat()).ok();
    assert!(
        own.stdout.contains("target group site-www"),
        "{}",
        own.stdout
    );
    assert!(
        own.stdout.contains("load balancer site-alb"),
        "{}",
        own.stdout
    );
    w.run(&["destroy", "-c", "site.yml", "--yes"]).ok();
    let left = elb.describe_target_groups().send().await.unwrap();
    assert!(
        left.target_groups().is_empty(),
        "the owned target group is deleted"
    );
    assert!(
        acm.describe_certificate()
            .certificate_arn(&cert)
            .send()
            .await
            .is_ok(),
        "the certificate stays"
    );
    let records = r53
        .list_resource_record_sets()
        .hosted_zone_id(&zone)
        .send()
        .await
        .unwrap();
    assert!(
        !records
            .resource_record_sets()
            .iter()
            .any(|r| r.name().starts_with("www.example.com")),
        "the alias record goes with the load balancer it points at"
    );
}
