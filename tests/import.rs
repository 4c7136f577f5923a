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
