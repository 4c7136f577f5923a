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
