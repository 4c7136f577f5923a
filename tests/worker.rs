//! Worker stacks: a queue with its dead-letter queue and the task policy
//! that lets the tasks use them, converging on the first apply.

use crate::support::*;

const SECRET_VALUE: &str = "hunter2-never-printed";

/// The secret and parameter the worker example reads.
async fn seed_secrets(sdk: &aws_config::SdkConfig) -> (String, String) {
    let sm = aws_sdk_secretsmanager::Client::new(sdk);
    let secret = sm
        .create_secret()
        .name("ledger/db")
        .secret_string(format!("{{\"password\": \"{SECRET_VALUE}\"}}"))
        .send()
        .await
        .unwrap();
    let ssm = aws_sdk_ssm::Client::new(sdk);
    ssm.put_parameter()
        .name("/ledger/api-url")
        .value(SECRET_VALUE)
        .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
        .send()
        .await
        .unwrap();
    let param = ssm
        .get_parameter()
        .name("/ledger/api-url")
        .send()
        .await
        .unwrap();
    (
        secret.arn().unwrap().to_string(),
        param.parameter().unwrap().arn().unwrap().to_string(),
    )
}

/// An EFS file system with a mount target (and its own security group) in
/// the seeded VPC; the example's placeholder ID is replaced by its ID.
async fn seed_file_system(
    sdk: &aws_config::SdkConfig,
    seed: &Seed,
    w: &Workdir,
) -> (String, String) {
    let efs = aws_sdk_efs::Client::new(sdk);
    let ec2 = aws_sdk_ec2::Client::new(sdk);
    let fs = efs
        .create_file_system()
        .creation_token("ledger")
        .send()
        .await
        .unwrap();
    let fs_id = fs.file_system_id().to_string();
    let sg = ec2
        .create_security_group()
        .group_name("ledger-efs")
        .description("mount targets")
        .vpc_id(&seed.vpc_id)
        .send()
        .await
        .unwrap();
    let sg_id = sg.group_id().unwrap().to_string();
    efs.create_mount_target()
        .file_system_id(&fs_id)
        .subnet_id(&seed.private[0])
        .security_groups(&sg_id)
        .send()
        .await
        .unwrap();
    let text = w.read("worker.yml").replace("fs-0123456789abcdef0", &fs_id);
    w.write("worker.yml", &text);
    (fs_id, sg_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_file_system_fails_the_plan_before_any_change() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "worker.yml");
    seed_secrets(&moto.sdk().await).await;
    moto.clear_calls();
    let run = w.run(&["apply", "-c", "worker.yml", "--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("`tasks.worker.efs.id`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("fs-0123456789abcdef0"),
        "{}",
        run.stderr
    );
    moto.assert_no_mutations("this run");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_secret_fails_the_plan_before_any_change() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "worker.yml");
    seed_file_system(&moto.sdk().await, &seed, &w).await;
    moto.clear_calls();
    let run = w.run(&["apply", "-c", "worker.yml", "--yes"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("`tasks.worker.secrets`"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("ledger/db"), "{}", run.stderr);
    moto.assert_no_mutations("this run");
}

#[tokio::test(flavor = "multi_thread")]
async fn queue_dlq_secrets_efs_and_task_policy_converge() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "worker.yml");
    let sdk = moto.sdk().await;
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let iam = aws_sdk_iam::Client::new(&sdk);
    let (secret_arn, param_arn) = seed_secrets(&sdk).await;
    let (fs_id, mount_sg) = seed_file_system(&sdk, &seed, &w).await;

    moto.clear_calls();
    let plan = w.run(&["plan", "-c", "worker.yml"]).ok();
    let applied = w.run(&["apply", "-c", "worker.yml", "--yes"]).ok();
    // Secrets are resolved to their ARNs by describing them, never read.
    for read in [
        "GetSecretValue",
        "GetParameter",
        "GetParameters",
        "GetParametersByPath",
    ] {
        assert_eq!(moto.count(read), 0, "plan or apply called {read}");
    }
    assert!(moto.count("DescribeSecret") > 0, "the secret was looked up");

    // Secrets: injected by ARN (one key of the JSON secret), readable by
    // the execution role only for those ARNs, the value nowhere.
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let td = ecs
        .describe_task_definition()
        .task_definition("worker")
        .send()
        .await
        .unwrap();
    let c = &td.task_definition().unwrap().container_definitions()[0];
    let mut secrets: Vec<(String, String)> = c
        .secrets()
        .iter()
        .map(|s| (s.name().to_string(), s.value_from().to_string()))
        .collect();
    secrets.sort();
    assert_eq!(
        secrets,
        [
            ("API_URL".to_string(), param_arn.clone()),
            (
                "DB_PASSWORD".to_string(),
                format!("{secret_arn}:password::")
            ),
        ]
    );
    // EFS: the volume (transit encryption on) and its mount point.
    let def = td.task_definition().unwrap();
    let vol = &def.volumes()[0];
    let efs_cfg = vol.efs_volume_configuration().unwrap();
    assert_eq!(efs_cfg.file_system_id(), fs_id);
    assert_eq!(efs_cfg.root_directory(), Some("/ledger"));
    assert_eq!(
        efs_cfg.transit_encryption().map(|t| t.as_str()),
        Some("ENABLED")
    );
    assert_eq!(c.mount_points()[0].container_path(), Some("/mnt/ledger"));
    assert_eq!(c.mount_points()[0].read_only(), Some(false));
    // ... and NFS from the stack's group into the mount target's group.
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let stack_sg = str_at(
        &w.yaml("worker.yml"),
        &["security_groups", "fargate", "group_id"],
    )
    .to_string();
    let groups = ec2
        .describe_security_groups()
        .group_ids(&mount_sg)
        .send()
        .await
        .unwrap();
    let nfs_from_stack = groups.security_groups()[0]
        .ip_permissions()
        .iter()
        .any(|p| {
            p.from_port() == Some(2049)
                && p.user_id_group_pairs()
                    .iter()
                    .any(|u| u.group_id() == Some(stack_sg.as_str()))
        });
    assert!(nfs_from_stack, "{groups:?}");
    let exec = role_policy(&iam, "FargateLedgerRole", "FargateLedgerPolicy").await;
    let text = exec.to_string();
    assert!(
        text.contains("secretsmanager:GetSecretValue") && text.contains(&secret_arn),
        "{text}"
    );
    assert!(
        text.contains("ssm:GetParameters") && text.contains(&param_arn),
        "{text}"
    );
    for (what, out) in [
        ("plan stdout", &plan.stdout),
        ("plan stderr", &plan.stderr),
        ("apply stdout", &applied.stdout),
        ("apply stderr", &applied.stderr),
        ("config", &w.read("worker.yml")),
        ("task definition", &format!("{td:?}")),
    ] {
        assert!(
            !out.contains(SECRET_VALUE),
            "the secret value reached the {what}"
        );
    }
    let cfg = w.yaml("worker.yml");
    let url = str_at(&cfg, &["queue", "url"]).to_string();
    let dlq_arn = str_at(&cfg, &["dlq", "arn"]).to_string();
    assert!(dlq_arn.ends_with(":ledger-jobs-dlq"), "{dlq_arn}");
    assert_eq!(str_at(&cfg, &["dlq", "name"]), "ledger-jobs-dlq");
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let a = attrs.attributes().unwrap();
    use aws_sdk_sqs::types::QueueAttributeName as N;
    assert_eq!(a[&N::VisibilityTimeout], "120");
    assert_eq!(a[&N::MessageRetentionPeriod], "345600");
    let redrive: serde_json::Value = serde_json::from_str(&a[&N::RedrivePolicy]).unwrap();
    assert_eq!(redrive["deadLetterTargetArn"], dlq_arn.as_str());
    assert_eq!(
        redrive["maxReceiveCount"].to_string().trim_matches('"'),
        "5"
    );

    let text = role_policy(&iam, "FargateLedgerTaskRole", "FargateLedgerTaskPolicy")
        .await
        .to_string();
    for want in [
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
        ":ledger-jobs\"",
        ":ledger-jobs-dlq",
    ] {
        assert!(text.contains(want), "{want} missing from {text}");
    }
    assert!(!text.contains("\"*\""), "{text}");

    // Converged: a second apply makes no mutating call.
    moto.clear_calls();
    let again = w.run(&["apply", "-c", "worker.yml", "--yes"]).ok();
    assert!(again.stdout.contains("Nothing to do"), "{}", again.stdout);
    moto.assert_no_mutations("this run");

    // A changed attribute is updated in place; the URL stays.
    let text = w
        .read("worker.yml")
        .replace("visibility_timeout: 120", "visibility_timeout: 300");
    w.write("worker.yml", &text);
    let plan = w
        .run(&["plan", "-c", "worker.yml", "--output", "json"])
        .ok()
        .json();
    let step = plan["plan"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["address"] == "queue/main")
        .unwrap()
        .clone();
    assert_eq!(step["action"], "update", "{step}");
    assert_eq!(step["changes"][0]["field"], "VisibilityTimeout");
    moto.clear_calls();
    w.run(&["apply", "-c", "worker.yml", "--yes"]).ok();
    assert_eq!(moto.count("CreateQueue"), 0);
    assert_eq!(moto.count("SetQueueAttributes"), 1);
    assert_eq!(str_at(&w.yaml("worker.yml"), &["queue", "url"]), url);

    // update-policy puts back a policy someone edited, and only that.
    iam.put_role_policy()
        .role_name("FargateLedgerTaskRole")
        .policy_name("FargateLedgerTaskPolicy")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    moto.clear_calls();
    let fixed = w.run(&["update-policy", "-c", "worker.yml"]).ok();
    assert!(
        fixed.stdout.contains("updated 1 policy"),
        "{}",
        fixed.stdout
    );
    assert_eq!(
        moto.mutating_calls().len(),
        1,
        "{:?}",
        moto.mutating_calls()
    );
    let text = role_policy(&iam, "FargateLedgerTaskRole", "FargateLedgerTaskPolicy")
        .await
        .to_string();
    assert!(!text.contains("sqs:*"), "{text}");
    let again = w.run(&["update-policy", "-c", "worker.yml"]).ok();
    assert!(
        again.stdout.contains("nothing to update"),
        "{}",
        again.stdout
    );

    // The bucket was created, tagged as ours.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let tags = s3
        .get_bucket_tagging()
        .bucket("ledger-exports")
        .send()
        .await
        .unwrap();
    assert!(
        tags.tag_set()
            .iter()
            .any(|t| t.key() == "fargate-stack:app" && t.value() == "ledger")
    );

    // destroy removes both queues and the task policy with its role, and
    // keeps the bucket (it holds data).
    let destroyed = w.run(&["destroy", "-c", "worker.yml", "--yes"]).ok();
    assert!(
        destroyed.stdout.contains("a bucket holds data"),
        "{}",
        destroyed.stdout
    );
    s3.head_bucket()
        .bucket("ledger-exports")
        .send()
        .await
        .expect("the bucket is kept");
    let left = sqs.list_queues().send().await.unwrap();
    assert!(left.queue_urls().is_empty(), "{left:?}");
    assert!(
        iam.get_role()
            .role_name("FargateLedgerTaskRole")
            .send()
            .await
            .is_err()
    );
}

#[test]
fn bad_queue_settings_fail_before_any_call() {
    let w = Workdir::new(None);
    for (text, key) in [
        (
            "queue:\n  name: q\n  visibility_timeout: 99999\n",
            "queue.visibility_timeout",
        ),
        (
            "queue:\n  name: q\n  permissions:\n    profile: reader\n",
            "queue.permissions.profile",
        ),
        ("dlq:\n  name: d\n", "dlq"),
        (
            "queue:\n  name: q\n  max_receive_count: 0\n",
            "queue.max_receive_count",
        ),
    ] {
        let cfg = format!("app:\n  name: a\n{text}tasks:\n  t:\n    image: x\n");
        w.write("q.yml", &cfg);
        let run = w.run(&["plan", "-c", "q.yml"]);
        assert_eq!(run.code, 2, "{text}: {}", run.stderr);
        assert!(run.stderr.contains(key), "{key}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
}
