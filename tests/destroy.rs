//! destroy and the delete-* commands: exactly what the stack owns goes, in
//! reverse dependency order; what it adopted stays; the config keeps the
//! user's keys and comments.

use crate::support::*;

const STACK: &str = "# my stack, my comments
app:
  name: shop   # the app

tasks:
  # the long-running one
  worker:
    type: daemon
    image: helloworld
  # the nightly report
  report:
    type: task
    image: helloworld
    environment:
      MODE: full   # keep me
";

#[tokio::test(flavor = "multi_thread")]
async fn destroy_deletes_what_the_stack_owns_and_keeps_the_rest() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.write("shop.yml", STACK);
    let sdk = moto.sdk().await;
    let (ecs, iam, logs, ec2) = (
        aws_sdk_ecs::Client::new(&sdk),
        aws_sdk_iam::Client::new(&sdk),
        aws_sdk_cloudwatchlogs::Client::new(&sdk),
        aws_sdk_ec2::Client::new(&sdk),
    );
    // The log group was there before the stack (made by hand, no tags).
    logs.create_log_group()
        .log_group_name("/ecs/app-fargatestack/shop")
        .send()
        .await
        .unwrap();

    let plan = w.run(&["plan", "-c", "shop.yml", "--no-update"]).ok();
    assert!(
        plan.stdout.contains("(not created by fargate-stack)"),
        "an adopted resource that will be changed says so:\n{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "shop.yml", "--yes"]).ok();
    w.run(&["create-service", "-c", "shop.yml", "worker"]).ok();

    // --dryrun: the plan only.
    moto.clear_calls();
    let dry = w.run(&["destroy", "-c", "shop.yml", "--dryrun"]).ok();
    moto.assert_no_mutations("destroy --dryrun");
    assert!(dry.stdout.contains("to destroy"), "{}", dry.stdout);
    assert!(dry.stdout.contains("  - ecs service"), "{}", dry.stdout);
    assert!(dry.stdout.contains("Kept"), "{}", dry.stdout);
    assert!(
        dry.stdout
            .contains("/ecs/app-fargatestack/shop: not created by this stack"),
        "{}",
        dry.stdout
    );
    // Without a terminal it refuses, and says how to go ahead.
    let refused = w.run(&["destroy", "-c", "shop.yml"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    moto.assert_no_mutations("a refused destroy");

    // delete-daemon: the service first, then its task definitions; the rest stays.
    let before = w.read("shop.yml");
    w.run(&["delete-daemon", "-c", "shop.yml", "worker", "--yes"])
        .ok();
    let svc = ecs
        .describe_services()
        .cluster("shop-cluster")
        .services("worker")
        .send()
        .await
        .unwrap();
    assert!(
        svc.services().iter().all(|s| s.status() != Some("ACTIVE")),
        "{svc:?}"
    );
    let worker_defs = ecs
        .list_task_definitions()
        .family_prefix("worker")
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    assert!(worker_defs.task_definition_arns().is_empty());
    let cfg = w.yaml("shop.yml");
    assert!(cfg["tasks"]["worker"].get("arn").is_none());
    assert!(!str_at(&cfg, &["tasks", "report", "arn"]).is_empty());
    assert!(!str_at(&cfg, &["cluster", "arn"]).is_empty());
    assert_ne!(w.read("shop.yml"), before);

    // destroy: everything it owns, nothing it does not.
    w.run(&["destroy", "-c", "shop.yml", "--yes"]).ok();
    let clusters = ecs
        .describe_clusters()
        .clusters("shop-cluster")
        .send()
        .await
        .unwrap();
    assert!(
        clusters
            .clusters()
            .iter()
            .all(|c| c.status() != Some("ACTIVE")),
        "{clusters:?}"
    );
    for role in ["FargateShopRole", "FargateShopTaskRole"] {
        assert!(
            iam.get_role().role_name(role).send().await.is_err(),
            "{role}"
        );
    }
    let groups = ec2
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values("shop-sg")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(groups.security_groups().is_empty());
    let report_defs = ecs
        .list_task_definitions()
        .family_prefix("report")
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    assert!(report_defs.task_definition_arns().is_empty());
    let lg = logs
        .describe_log_groups()
        .log_group_name_prefix("/ecs/app-fargatestack/shop")
        .send()
        .await
        .unwrap();
    assert_eq!(lg.log_groups().len(), 1, "the adopted log group is kept");

    // The config is a skeleton: the user's keys and comments, no recorded IDs.
    let text = w.read("shop.yml");
    for keep in [
        "# my stack, my comments",
        "name: shop   # the app",
        "# the long-running one",
        "# the nightly report",
        "MODE: full   # keep me",
    ] {
        assert!(text.contains(keep), "lost {keep:?}:\n{text}");
    }
    for gone in [
        "arn:aws:ecs",
        "arn:aws:iam",
        "group_id",
        "image_digest",
        "last_updated",
    ] {
        assert!(!text.contains(gone), "{gone} left in:\n{text}");
    }
    // The kept log group still exists, so its record stays.
    assert!(text.contains("arn:aws:logs"), "{text}");
    assert!(w.path("shop.yml.bak").exists());
    // It still loads, and plans the stack anew.
    w.run(&["plan", "-c", "shop.yml", "--no-update"]).ok();

    // A second destroy does nothing.
    moto.clear_calls();
    let again = w.run(&["destroy", "-c", "shop.yml", "--yes"]).ok();
    assert!(
        again.stdout.contains("Nothing to delete"),
        "{}",
        again.stdout
    );
    moto.assert_no_mutations("a second destroy");
}

#[test]
fn deleting_the_only_task_needs_destroy_or_force() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "task.yml");
    w.run(&["apply", "-c", "task.yml", "--yes"]).ok();
    moto.clear_calls();
    let refused = w.run(&["delete-task", "-c", "task.yml", "--yes"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(refused.stderr.contains("only task"), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("destroy -c task.yml"),
        "{}",
        refused.stderr
    );
    moto.assert_no_calls("a refused delete-task");
    // The wrong kind of task is named as such.
    let wrong = w.run(&["delete-daemon", "-c", "task.yml", "--force"]);
    assert_eq!(wrong.code, 2, "{}", wrong.stderr);
    w.run(&["delete-task", "-c", "task.yml", "--force"]).ok();
    let cfg = w.yaml("task.yml");
    let key = cfg["tasks"]
        .as_mapping()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    assert!(cfg["tasks"][&key].get("arn").is_none(), "{cfg:?}");
    // Only the task's own resources went: the cluster stays recorded.
    assert!(!str_at(&cfg, &["cluster", "arn"]).is_empty());
}

/// Everything a test can list in the emulator's account, as names.
async fn inventory(moto: &Moto) -> std::collections::BTreeSet<String> {
    let sdk = moto.sdk().await;
    let (iam, logs, ec2, ecs) = (
        aws_sdk_iam::Client::new(&sdk),
        aws_sdk_cloudwatchlogs::Client::new(&sdk),
        aws_sdk_ec2::Client::new(&sdk),
        aws_sdk_ecs::Client::new(&sdk),
    );
    let mut out = std::collections::BTreeSet::new();
    for role in iam.list_roles().send().await.unwrap().roles() {
        out.insert(format!("role {}", role.role_name()));
        let inline = iam
            .list_role_policies()
            .role_name(role.role_name())
            .send()
            .await
            .unwrap();
        for p in inline.policy_names() {
            out.insert(format!("policy {}/{p}", role.role_name()));
        }
        let attached = iam
            .list_attached_role_policies()
            .role_name(role.role_name())
            .send()
            .await
            .unwrap();
        for p in attached.attached_policies() {
            out.insert(format!(
                "attached {}/{}",
                role.role_name(),
                p.policy_name().unwrap()
            ));
        }
    }
    for g in logs
        .describe_log_groups()
        .send()
        .await
        .unwrap()
        .log_groups()
    {
        out.insert(format!("log group {}", g.log_group_name().unwrap()));
    }
    for g in ec2
        .describe_security_groups()
        .send()
        .await
        .unwrap()
        .security_groups()
    {
        out.insert(format!("security group {}", g.group_name().unwrap()));
    }
    for c in ecs.list_clusters().send().await.unwrap().cluster_arns() {
        let described = ecs.describe_clusters().clusters(c).send().await.unwrap();
        if described.clusters()[0].status() == Some("ACTIVE") {
            out.insert(format!("cluster {c}"));
        }
    }
    let defs = ecs
        .list_task_definitions()
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    for d in defs.task_definition_arns() {
        out.insert(format!("task definition {d}"));
    }
    out
}

/// Two apps in one account, each with a task `worker` (the second gets its
/// own family, as the conflict says), and resources made by hand: destroy
/// of one removes exactly what that stack made.
#[tokio::test(flavor = "multi_thread")]
async fn destroy_on_a_shared_account_removes_exactly_what_the_stack_made() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    let text = std::fs::read_to_string(copy_example(&w, "daemon.yml")).unwrap();
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();

    let other = text.replace("name: hello-daemon", "name: other-daemon");
    w.write("other.yml", &other);
    assert_refused(
        &w,
        &moto,
        "other.yml",
        &["belongs to the stack `hello-daemon`", "family:"],
    );
    w.write(
        "other.yml",
        &other.replace(
            "    type: daemon\n",
            "    type: daemon\n    family: other-worker\n",
        ),
    );
    w.run(&["apply", "-c", "other.yml", "--yes"]).ok();

    // Made by hand, beside both.
    let sdk = moto.sdk().await;
    aws_sdk_cloudwatchlogs::Client::new(&sdk)
        .create_log_group()
        .log_group_name("/hand/made")
        .send()
        .await
        .unwrap();
    aws_sdk_ec2::Client::new(&sdk)
        .create_security_group()
        .group_name("hand-made")
        .description("by hand")
        .vpc_id(&seed.vpc_id)
        .send()
        .await
        .unwrap();
    aws_sdk_iam::Client::new(&sdk)
        .create_role()
        .role_name("HandMadeRole")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap();

    let before = inventory(&moto).await;
    let made_by_hello = |item: &String| {
        item.contains("hello-daemon")
            || item.contains("HelloDaemon")
            || item.contains("task-definition/worker:")
    };
    let expected: std::collections::BTreeSet<String> = before
        .iter()
        .filter(|i| made_by_hello(i))
        .cloned()
        .collect();
    assert_eq!(expected.len(), 7, "{expected:#?}");
    assert!(before.iter().any(|i| i.contains("other-daemon")));

    w.run(&["destroy", "-c", "daemon.yml", "--yes"]).ok();
    let after = inventory(&moto).await;
    let removed: std::collections::BTreeSet<String> = before.difference(&after).cloned().collect();
    assert_eq!(removed, expected, "removed exactly the stack's own");
    assert!(after.is_subset(&before), "destroy made nothing");
}
