//! create-stack.

use crate::support::*;

#[tokio::test(flavor = "multi_thread")]
async fn writes_a_config_that_plans() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    moto.clear_calls();
    let run = w
        .run(&[
            "create-stack",
            "shop",
            "daemon:worker",
            "image:helloworld:latest",
            "task:report",
            "image:public/thing:2",
            "scheduled:nightly",
            "image:helloworld",
            "schedule:rate(1 day)",
        ])
        .ok();
    assert!(
        moto.mutating_calls().is_empty(),
        "create-stack creates nothing in AWS"
    );
    assert!(
        run.stdout.contains("app:"),
        "prints the config: {}",
        run.stdout
    );
    let cfg = w.yaml("shop.yml");
    // A tag given once is not appended again (the original wrote `:latest:latest`).
    assert_eq!(
        str_at(&cfg, &["tasks", "worker", "image"]),
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/helloworld:latest"
    );
    assert_eq!(
        str_at(&cfg, &["tasks", "report", "image"]),
        "public/thing:2"
    );
    assert_eq!(str_at(&cfg, &["tasks", "nightly", "type"]), "task");
    assert_eq!(
        str_at(&cfg, &["tasks", "nightly", "schedule"]),
        "rate(1 day)"
    );
    w.run(&["plan", "-c", "shop.yml"]).ok();

    // Existing files are not overwritten without --force.
    let before = w.read("shop.yml");
    let again = w.run(&["create-stack", "shop", "daemon:worker", "image:helloworld"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    assert_eq!(w.read("shop.yml"), before);
    w.run(&[
        "create-stack",
        "shop",
        "daemon:worker",
        "image:helloworld",
        "--force",
    ])
    .ok();
    assert_eq!(w.read("shop.yml.bak"), before);
}

#[tokio::test(flavor = "multi_thread")]
async fn without_an_app_name_uses_the_first_task_and_honours_config() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    let run = w
        .run(&[
            "create-stack",
            "daemon:solo",
            "image:helloworld",
            "-c",
            "custom.yml",
        ])
        .ok();
    assert!(run.stderr.contains("no app name"), "{}", run.stderr);
    assert_eq!(str_at(&w.yaml("custom.yml"), &["app", "name"]), "solo");
}

#[test]
fn bad_clauses_fail_before_aws() {
    let w = Workdir::new(None);
    for args in [
        vec!["create-stack", "Bad", "daemon:x", "image:y"],
        vec!["create-stack", "app", "daemon:x"],
        vec![
            "create-stack",
            "app",
            "scheduled:x",
            "image:y",
            "schedule:cron(0 2 * *)",
        ],
        vec!["create-stack", "app", "https:x", "image:y"],
    ] {
        let run = w.run(&args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
}
