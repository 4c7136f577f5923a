//! The command line as users of other tools expect it: completions, a man
//! page, a config schema, versions and colours; a plan that reads like
//! Terraform's, with a CI exit code, image drift and prune; rollback.

use crate::support::*;

#[test]
fn completions_man_page_version_and_help() {
    let w = Workdir::new(None);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = w.run(&["completions", shell]).ok();
        for word in ["create-stack", "rollback", "verify", "detailed-exitcode"] {
            assert!(run.stdout.contains(word), "{shell} lacks {word}");
        }
    }
    assert_eq!(w.run(&["completions", "tcsh"]).code, 2);

    let man = w.run(&["man"]).ok();
    assert!(
        man.stdout.starts_with(".ie") || man.stdout.contains(".TH"),
        "{}",
        &man.stdout[..200]
    );
    for section in [
        "FARGATE-STACK ROLLBACK",
        "FARGATE-STACK VERIFY",
        "\\-\\-prune",
    ] {
        assert!(man.stdout.contains(section), "the man page lacks {section}");
    }

    // The version names the commit the binary was built from: this checkout's.
    let head = std::process::Command::new("git")
        .args([
            "-C",
            env!("CARGO_MANIFEST_DIR"),
            "rev-parse",
            "--short=12",
            "HEAD",
        ])
        .output()
        .expect("git");
    let head = String::from_utf8(head.stdout).unwrap().trim().to_string();
    assert_eq!(head.len(), 12, "the tests run in a git checkout");
    let version = format!("fargate-stack {} ({head})\n", env!("CARGO_PKG_VERSION"));
    for flag in ["-V", "-v", "--version"] {
        assert_eq!(w.run(&[flag]).ok().stdout, version, "{flag}");
    }
    assert_eq!(w.run(&["version"]).ok().stdout, version);
    let doc = w.run(&["version", "-o", "json"]).ok().json();
    assert_eq!(doc["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["commit"], head.as_str());

    // The command's own options first, then the global ones under their heading.
    let help = w.run(&["plan", "--help"]).ok().stdout;
    let own = help.find("--prune").expect("plan's own option");
    let global = help
        .find("Global options:")
        .expect("a heading for global options");
    assert!(own < global, "{help}");
    assert!(help[global..].contains("--profile"), "{help}");

    for color in [
        &["--color", "never"][..],
        &["--color=always"],
        &["--color", "auto"],
        &["--no-color"],
    ] {
        let mut args = vec!["version"];
        args.extend_from_slice(color);
        w.run(&args).ok();
    }
    let bad = w.run(&["version", "--color", "sometimes"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

/// The schema is generated from the config model: every example passes it,
/// and the bad-input corpus fails it (cpu/memory pairs excepted: that rule
/// is a table the loader checks, with its own error).
#[test]
fn the_schema_accepts_the_examples_and_rejects_bad_input() {
    let w = Workdir::new(None);
    let schema = w.run(&["schema"]).ok();
    w.write("schema.json", &schema.stdout);
    let mut files: Vec<String> = Vec::new();
    for dir in ["examples", "tests/data/bad"] {
        for e in std::fs::read_dir(repo_root().join(dir)).unwrap() {
            files.push(e.unwrap().path().display().to_string());
        }
    }
    files.push(
        repo_root()
            .join("tests/data/original-written.yml")
            .display()
            .to_string(),
    );
    files.sort();
    let script = r#"
import json, sys, yaml, jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
out = {}
for f in sys.argv[2:]:
    try:
        doc = yaml.safe_load(open(f))
    except yaml.YAMLError:
        out[f] = "unparsable"; continue
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
    out[f] = errors[0].message if errors else "ok"
print(json.dumps(out))
"#;
    let mut args = vec!["-c", script, "schema.json"];
    args.extend(files.iter().map(String::as_str));
    let run = w
        .program(
            &std::env::var("MOTO_PYTHON").unwrap_or("python3".into()),
            &args,
        )
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let verdicts: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    for (file, verdict) in verdicts.as_object().unwrap() {
        let bad = file.contains("/bad/");
        if [
            "bad-cpu-memory.yml",
            "long-app-name.yml",
            "long-task-name.yml",
        ]
        .iter()
        .any(|f| file.ends_with(f))
        {
            assert_eq!(
                verdict, "ok",
                "cpu/memory pairs and the names derived from app and task names are the loader's checks"
            );
        } else if bad {
            assert_ne!(verdict, "ok", "{file} passes the schema");
        } else {
            assert_eq!(verdict, "ok", "{file}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn create_stack_points_editors_at_the_schema() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.run(&["create-stack", "shop", "daemon:worker", "image:helloworld"])
        .ok();
    let text = w.read("shop.yml");
    assert!(
        text.starts_with("# yaml-language-server: $schema=.fargatestack/config.schema.json\n"),
        "{text}"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&w.read(".fargatestack/config.schema.json")).unwrap();
    assert_eq!(schema, w.run(&["schema"]).ok().json());
    // The file still plans (the comment is a comment).
    w.run(&["plan", "-c", "shop.yml"]).ok();
}

/// A seeded account with the daemon example applied.
fn applied_daemon() -> (Moto, Seed, Workdir) {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    (moto, seed, w)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_plan_reads_like_terraform_and_has_a_ci_exit_code() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    let first = w.run(&["plan", "-c", "daemon.yml", "--detailed-exitcode"]);
    assert_eq!(first.code, 3, "changes: exit 3\n{}", first.stderr);
    assert!(
        first
            .stdout
            .contains("  + ecs cluster           hello-daemon-cluster"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("Plan: 7 to add, 0 to change, 0 to destroy"),
        "{}",
        first.stdout
    );
    assert!(
        !first.stdout.contains("Required Resources"),
        "tables only with --tables"
    );
    let tables = w.run(&["plan", "-c", "daemon.yml", "--tables"]).ok();
    assert!(tables.stdout.contains("Required Resources") && tables.stdout.contains("Timings"));

    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    let steady = w.run(&["plan", "-c", "daemon.yml", "--detailed-exitcode"]);
    assert_eq!(steady.code, 0, "{}", steady.stderr);
    assert!(steady.stdout.contains("No changes."), "{}", steady.stdout);
    // The header (four lines with the image), the verdict and the cost.
    assert!(
        steady.stdout.lines().count() <= 7
            && steady
                .stdout
                .lines()
                .last()
                .is_some_and(|l| l.starts_with("Cost: ")),
        "a short plan when nothing changes:\n{}",
        steady.stdout
    );

    // A changed environment: the task definition is replaced (a new revision).
    let text = w
        .read("daemon.yml")
        .replace("LOG_LEVEL: info", "LOG_LEVEL: debug");
    w.write("daemon.yml", &text);
    let changed = w.run(&[
        "plan",
        "-c",
        "daemon.yml",
        "--detailed-exitcode",
        "--no-update",
    ]);
    assert_eq!(changed.code, 3);
    assert!(
        changed.stdout.contains("-/+ task definition       worker"),
        "{}",
        changed.stdout
    );
    // Bad input is still 2, whatever the flag.
    w.write("broken.yml", "app: [");
    assert_eq!(
        w.run(&["plan", "-c", "broken.yml", "--detailed-exitcode"])
            .code,
        2
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_moved_image_tag_shows_in_the_plan() {
    let (moto, seed, w) = applied_daemon();
    push_image(&moto, "helloworld", 'd').await;
    let plan = w.run(&["plan", "-c", "daemon.yml"]).ok();
    assert!(plan.stdout.contains("image drift"), "{}", plan.stdout);
    assert!(
        plan.stdout.contains(&seed.image_digest[..19]),
        "{}",
        plan.stdout
    );
    let doc = w
        .run(&["plan", "-c", "daemon.yml", "-o", "json"])
        .ok()
        .json();
    let drift = &doc["plan"]["image_drift"][0];
    assert_eq!(drift["task"], "worker");
    assert_eq!(drift["recorded"], seed.image_digest.as_str());
    assert_ne!(drift["current"], seed.image_digest.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn removed_tasks_are_pruned_only_when_asked() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.write(
        "two.yml",
        "app:\n  name: two\ntasks:\n  keep:\n    type: daemon\n    image: helloworld\n  drop:\n    type: daemon\n    image: helloworld\n  nightly:\n    type: task\n    image: helloworld\n    schedule: rate(1 day)\n",
    );
    w.run(&["apply", "-c", "two.yml", "--yes"]).ok();
    run(&w, &["create-service", "-c", "two.yml", "drop"]).ok();
    let text = w.read("two.yml");
    let cut = text.find("  drop:").unwrap();
    let end = text.find("  nightly:").unwrap();
    let mut text = format!("{}{}", &text[..cut], &text[end..]);
    let cut = text.find("  nightly:").unwrap();
    text.truncate(cut);
    w.write("two.yml", &text);

    let plan = w.run(&["plan", "-c", "two.yml", "--detailed-exitcode"]);
    assert_eq!(
        plan.code, 0,
        "orphans alone are no change without --prune\n{}",
        plan.stdout
    );
    for line in [
        "  - ecs service           drop",
        "  - task definition       drop",
        "  - schedule rule         nightly-schedule",
    ] {
        assert!(plan.stdout.contains(line), "{line}\n{}", plan.stdout);
    }
    assert!(plan.stdout.contains("--prune"), "{}", plan.stdout);
    moto.clear_calls();
    let apply = w.run(&["apply", "-c", "two.yml", "--yes"]).ok();
    assert!(apply.stdout.contains("Nothing to do"), "{}", apply.stdout);
    moto.assert_no_mutations("apply without --prune");

    let pruned = w.run(&["plan", "-c", "two.yml", "--prune", "--detailed-exitcode"]);
    assert_eq!(pruned.code, 3);
    run(&w, &["apply", "-c", "two.yml", "--prune", "--yes"]).ok();
    let sdk = moto.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let services = ecs
        .describe_services()
        .cluster("two-cluster")
        .services("drop")
        .send()
        .await
        .unwrap();
    assert!(
        services
            .services()
            .iter()
            .all(|s| s.status() == Some("INACTIVE")),
        "{services:?}"
    );
    let families = ecs
        .list_task_definitions()
        .family_prefix("drop")
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    assert!(families.task_definition_arns().is_empty(), "{families:?}");
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    assert!(
        events
            .describe_rule()
            .name("nightly-schedule")
            .send()
            .await
            .is_err()
    );
    // What stays in the config is untouched, and the next plan is clean.
    let ecs_keep = ecs
        .describe_task_definition()
        .task_definition("keep")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ecs_keep
            .task_definition()
            .unwrap()
            .status()
            .unwrap()
            .as_str(),
        "ACTIVE"
    );
    moto.clear_calls();
    let again = w.run(&["apply", "-c", "two.yml", "--prune", "--yes"]).ok();
    assert!(again.stdout.contains("Nothing to do"), "{}", again.stdout);
    moto.assert_no_mutations("a second apply --prune");
}

#[tokio::test(flavor = "multi_thread")]
async fn rollback_goes_to_the_previous_revision() {
    let (_moto, _seed, w) = applied_daemon();
    run(&w, &["create-service", "-c", "daemon.yml"]).ok();
    let text = w
        .read("daemon.yml")
        .replace("LOG_LEVEL: info", "LOG_LEVEL: debug");
    w.write("daemon.yml", &text);
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    run(&w, &["update-service", "-c", "daemon.yml"]).ok();

    let dry = w.run(&["rollback", "-c", "daemon.yml", "--dryrun"]).ok();
    assert!(
        dry.stdout.contains("worker:2") && dry.stdout.contains("worker:1"),
        "{}",
        dry.stdout
    );
    let status = w
        .run(&["status", "-c", "daemon.yml", "-o", "json"])
        .ok()
        .json();
    assert!(
        status.to_string().contains("worker:2"),
        "a dry run changes nothing: {status:#}"
    );

    let done = run(&w, &["rollback", "-c", "daemon.yml", "-o", "json"])
        .ok()
        .json();
    assert_eq!(done["state"], "stable", "{done:#}");
    assert!(
        done["task_definition"]
            .as_str()
            .unwrap()
            .ends_with("worker:1"),
        "{done:#}"
    );
    // The config still describes revision 2: apply leaves the service alone.
    let plan = w.run(&["plan", "-c", "daemon.yml"]).ok();
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);

    let none = w.run(&["rollback", "-c", "daemon.yml"]);
    assert_eq!(
        none.code, 2,
        "nothing older than revision 1\n{}",
        none.stderr
    );
    let to = w.run(&["rollback", "-c", "daemon.yml", "--to", "7"]);
    assert_eq!(to.code, 2, "{}", to.stderr);
    run(
        &w,
        &["rollback", "-c", "daemon.yml", "--to", "2", "--deregister"],
    )
    .ok();
    assert!(str_at(&w.yaml("daemon.yml"), &["tasks", "worker", "arn"]).ends_with("worker:2"));
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_checks_the_account_before_a_deploy() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    moto.clear_calls();
    let run = w.run(&["verify", "-c", "daemon.yml", "-o", "json"]).ok();
    moto.assert_no_mutations("verify");
    let doc = run.json();
    let result = |name: &str| -> String {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == name)
            .unwrap_or_else(|| panic!("no check {name}: {doc:#}"))["result"]
            .as_str()
            .unwrap()
            .to_string()
    };
    for pass in [
        "credentials",
        "vpc",
        "egress",
        "image: worker",
        "log group",
        "role: execution",
        "role: task",
    ] {
        assert_eq!(result(pass), "PASS", "{pass}: {doc:#}");
    }
    assert_eq!(
        result("image tag: worker"),
        "WARN",
        "latest without a digest"
    );
    assert_eq!(doc["failed"], 0);
    let text = w.run(&["verify", "-c", "daemon.yml"]).ok();
    assert!(
        text.stdout.contains("PASS") && text.stdout.contains("WARN"),
        "{}",
        text.stdout
    );

    // A missing image and a secret in the environment: FAIL and WARN, exit 1.
    w.write(
        "bad.yml",
        "app:\n  name: bad\ntasks:\n  api:\n    type: daemon\n    image: helloworld:nope\n    environment:\n      DB_PASSWORD: hunter2\n",
    );
    let bad = w.run(&["verify", "-c", "bad.yml"]);
    assert_eq!(bad.code, 1, "{}", bad.stdout);
    assert!(
        bad.stdout.contains("FAIL") && bad.stdout.contains("DB_PASSWORD"),
        "{}",
        bad.stdout
    );
    assert!(
        !bad.stdout.contains("hunter2"),
        "a secret's value is never printed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn graviton_and_fargate_spot() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    w.write(
        "cheap.yml",
        "app:\n  name: cheap\ntasks:\n  worker:\n    type: daemon\n    image: helloworld\n    arch: arm64\n    spot: true\n    on_demand_base: 1\n",
    );
    w.run(&["apply", "-c", "cheap.yml", "--yes"]).ok();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let td = ecs
        .describe_task_definition()
        .task_definition("worker")
        .send()
        .await
        .unwrap();
    let platform = td.task_definition().unwrap().runtime_platform().unwrap();
    assert_eq!(platform.cpu_architecture().unwrap().as_str(), "ARM64");
    let cluster = ecs
        .describe_clusters()
        .clusters("cheap-cluster")
        .send()
        .await
        .unwrap();
    let mut providers = cluster.clusters()[0].capacity_providers().to_vec();
    providers.sort();
    assert_eq!(providers, ["FARGATE", "FARGATE_SPOT"]);
    moto.clear_calls();
    w.run(&["apply", "-c", "cheap.yml", "--yes"]).ok();
    moto.assert_no_mutations("a second apply");

    w.run(&["create-service", "-c", "cheap.yml", "--no-wait"])
        .ok();
    let svc = ecs
        .describe_services()
        .cluster("cheap-cluster")
        .services("worker")
        .send()
        .await
        .unwrap();
    let strategy = svc.services()[0].capacity_provider_strategy();
    assert_eq!(strategy.len(), 2, "{svc:?}");
    let spot = strategy
        .iter()
        .find(|s| s.capacity_provider() == "FARGATE_SPOT")
        .unwrap();
    let base = strategy
        .iter()
        .find(|s| s.capacity_provider() == "FARGATE")
        .unwrap();
    assert_eq!((spot.weight(), base.base()), (1, 1));

    // Back to x86 and on-demand: a new revision; bad values are refused.
    w.write(
        "odd.yml",
        "app:\n  name: odd\ntasks:\n  w:\n    image: helloworld\n    arch: sparc\n",
    );
    let odd = w.run(&["plan", "-c", "odd.yml"]);
    assert_eq!(odd.code, 2, "{}", odd.stderr);
    assert!(odd.stderr.contains("arm64"), "{}", odd.stderr);
    w.write(
        "base.yml",
        "app:\n  name: base\ntasks:\n  w:\n    image: helloworld\n    on_demand_base: 2\n",
    );
    let base_only = w.run(&["plan", "-c", "base.yml"]);
    assert_eq!(base_only.code, 2, "{}", base_only.stderr);
}
