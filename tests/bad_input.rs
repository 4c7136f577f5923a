//! Bad input fails before any AWS call (the binary points at a closed port,
//! so an AWS call would fail with exit 1, not 2), with one line naming the
//! file, the key and the fix, and the file untouched.

use crate::support::*;

const CASES: &[(&str, &str, &str)] = &[
    ("malformed.yml", "not valid YAML", "fix the syntax"),
    (
        "misspelt-key.yml",
        "`tasks.web.imag`",
        "did you mean `image`",
    ),
    ("bad-type.yml", "`tasks.web.desired_count`", "wrong type"),
    (
        "bad-cpu-memory.yml",
        "`tasks.web.memory`",
        "with cpu 256 use 512 to 2048 MiB",
    ),
    ("no-image.yml", "`tasks.web.image`", "add `image:"),
    ("bad-app-name.yml", "`app.name`", "lower-case letters"),
    ("bad-schedule.yml", "`tasks.job.schedule`", "takes 6"),
    (
        "unknown-size.yml",
        "`tasks.web.size`",
        "tiny, small, medium",
    ),
    ("empty.yml", "the file is empty", "create-stack"),
    (
        "bad-retention.yml",
        "`log_group.retention_days`",
        "nearest: 7",
    ),
    ("bad-account.yml", "`account`", "12 digits"),
    ("bad-image.yml", "`tasks.web.image`", "lower-case"),
    ("bad-digest.yml", "`tasks.web.image`", "sha256"),
    ("long-app-name.yml", "`app.name`", "IAM allows at most 64"),
    (
        "long-task-name.yml",
        "`tasks.a-scheduled-task-whose-name-is-too-long-for-an-eventbridge-rule.schedule`",
        "EventBridge allows at most 64",
    ),
    (
        "bad-task-type.yml",
        "`tasks.web.type`",
        "did you mean `daemon`",
    ),
];

#[test]
fn each_bad_config_fails_clearly_and_leaves_the_file_alone() {
    let w = Workdir::new(None);
    for (file, key, hint) in CASES {
        let text = std::fs::read_to_string(repo_root().join("tests/data/bad").join(file)).unwrap();
        w.write(file, &text);
        for command in ["plan", "apply"] {
            let run = w.run(&[command, "-c", file, "--yes", "--log-level", "error"]);
            assert_eq!(
                run.code, 2,
                "{command} {file}: exit {}\n{}",
                run.code, run.stderr
            );
            let lines: Vec<&str> = run.stderr.lines().collect();
            assert_eq!(
                lines.len(),
                1,
                "{command} {file}: one line expected:\n{}",
                run.stderr
            );
            let line = lines[0];
            assert!(
                line.starts_with(&format!("error: {file}")),
                "{file}: names the file: {line}"
            );
            assert!(line.contains(key), "{file}: names {key}: {line}");
            assert!(line.contains(hint), "{file}: says {hint}: {line}");
            assert_eq!(w.read(file), text, "{file}: must be untouched");
            assert!(!w.path(&format!("{file}.bak")).exists());
            assert!(run.stdout.is_empty(), "{file}: nothing on stdout");
        }
    }
}

#[test]
fn missing_config_file_says_how_to_make_one() {
    let w = Workdir::new(None);
    let run = w.run(&["plan"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("fargate-stack.yml"), "{}", run.stderr);
    assert!(run.stderr.contains("create-stack"), "{}", run.stderr);
}

#[test]
fn unknown_command_and_option_are_usage_errors() {
    let w = Workdir::new(None);
    assert_eq!(w.run(&["plna"]).code, 2);
    assert_eq!(w.run(&["plan", "--bogus"]).code, 2);
    let run = w.run(&["plan", "--output", "yaml"]);
    assert_eq!(run.code, 2);
}

#[test]
fn apply_with_no_update_is_refused() {
    let w = Workdir::new(None);
    let text = std::fs::read_to_string(repo_root().join("examples/daemon.yml")).unwrap();
    w.write("daemon.yml", &text);
    let run = w.run(&["apply", "-c", "daemon.yml", "--no-update", "--yes"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--no-update"), "{}", run.stderr);
}

#[test]
fn every_command_help_has_an_example() {
    let w = Workdir::new(None);
    for cmd in [
        "plan",
        "apply",
        "create-stack",
        "state",
        "reset-history",
        "version",
    ] {
        let run = w.run(&[cmd, "--help"]).ok();
        assert!(
            run.stdout.contains("Example"),
            "{cmd} --help lacks an example:\n{}",
            run.stdout
        );
    }
    let run = w.run(&["--help"]).ok();
    for opt in [
        "--config",
        "--profile",
        "--region",
        "--route53-profile",
        "--dryrun",
        "--no-update",
        "--no-cache",
        "--force",
        "--log-level",
        "--no-log-time",
        "--no-color",
        "--output",
        "--version",
    ] {
        assert!(run.stdout.contains(opt), "--help lacks {opt}");
    }
    let v = w.run(&["-v"]).ok();
    assert!(v.stdout.starts_with("fargate-stack "), "{}", v.stdout);
    // global options after the subcommand
    let v = w.run(&["version", "--no-color"]).ok();
    assert!(v.stdout.starts_with("fargate-stack "));
}

/// A shape error (a misspelt task type) does not hide the loader's rules
/// elsewhere in the file: every error once, in file order.
#[test]
fn a_shape_error_does_not_hide_the_rest() {
    let w = Workdir::new(None);
    w.write(
        "sev.yml",
        "app:\n  name: demo\nlog_group:\n  retention_days: 13\ntasks:\n  web:\n    type: deamon\n    image: helloworld\n  job:\n    type: task\n    image: helloworld\n    size: gigantic\n",
    );
    let run = w.run(&["plan", "-c", "sev.yml", "--log-level", "error"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    assert!(
        lines[0].starts_with("error: sev.yml:4: `log_group.retention_days`"),
        "{}",
        run.stderr
    );
    assert!(
        lines[1].starts_with("error: sev.yml:7: `tasks.web.type`"),
        "{}",
        run.stderr
    );
    assert!(
        lines[2].starts_with("error: sev.yml:12: `tasks.job.size`"),
        "{}",
        run.stderr
    );
}

/// A file with a huge number of mistakes: the first ones, in file order,
/// and a count of the rest (one walk of the file, not one parse per error).
#[test]
fn many_errors_are_listed_in_order_and_counted() {
    let mut text = String::from("app:\n  name: demo\ntasks:\n  web:\n    image: helloworld\n");
    for i in 0..100_000 {
        text.push_str(&format!("bogus{i}: {i}\n"));
    }
    listed_and_counted(
        "many.yml",
        &text,
        |i| format!("error: many.yml:{}: `bogus{i}`: unknown key", i + 6),
        99_980,
    );
}

/// `plan` on a file with more than twenty errors: twenty lines, the i-th
/// starting as `first(i)` says, and a last one counting the rest.
fn listed_and_counted(name: &str, text: &str, first: impl Fn(usize) -> String, rest: usize) {
    let w = Workdir::new(None);
    w.write(name, text);
    let run = w.run(&["plan", "-c", name, "--log-level", "error"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines.len(),
        21,
        "{}",
        &run.stderr[..run.stderr.len().min(3000)]
    );
    for (i, line) in lines[..20].iter().enumerate() {
        assert!(line.starts_with(&first(i)), "{line}");
    }
    assert!(
        lines[20].contains(&format!("and {rest} more problem(s) not listed")),
        "{}",
        lines[20]
    );
}

/// Every error in the file at once, each on its own line with its line number.
#[test]
fn all_errors_are_reported_at_once() {
    let w = Workdir::new(None);
    let text =
        std::fs::read_to_string(repo_root().join("tests/data/bad/several-errors.yml")).unwrap();
    w.write("several.yml", &text);
    let run = w.run(&["plan", "-c", "several.yml", "--log-level", "error"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "error: several.yml:4: `app.colour`: unknown key; valid keys here: name, version",
            "error: several.yml:7: `tasks.web.imag`: unknown key; did you mean `image`?",
            "error: several.yml:9: `tasks.web.desired_count`: wrong type: string \"lots\", expected u32; see docs/configuration.md for the key's type",
        ],
        "{}",
        run.stderr
    );

    // The loader's own rules, across tasks and sections.
    w.write(
        "rules.yml",
        "app:\n  name: demo\nlog_group:\n  retention_days: 10\ntasks:\n  a:\n    image: helloworld\n    size: gigantic\n  b:\n    image: helloworld\n    schedule: cron(0 2 * * *)\n  c:\n    image: helloworld\n",
    );
    let run = w.run(&["plan", "-c", "rules.yml", "--log-level", "error"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stderr);
    for key in [
        "`log_group.retention_days`",
        "`tasks.a.size`",
        "`tasks.b.schedule`",
    ] {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("error: rules.yml:") && l.contains(key)),
            "{key}: {}",
            run.stderr
        );
    }
    assert_eq!(
        w.read("rules.yml").lines().count(),
        13,
        "the file is untouched"
    );
}

/// The loader's rules report every mistake, several in one task and one
/// section among them (each section checked by its own builder, none
/// stopping at its first problem), without one mistake causing another:
/// a size that is not a size is one line, not a memory error too.
#[test]
fn every_rule_broken_in_a_task_or_section_is_reported() {
    let w = Workdir::new(None);
    let text = std::fs::read_to_string(repo_root().join("tests/data/bad/many-rules.yml")).unwrap();
    w.write("rules.yml", &text);
    let run = w.run(&["plan", "-c", "rules.yml", "--log-level", "error"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let found: Vec<(&str, &str)> = run
        .stderr
        .lines()
        .map(|l| {
            let (place, rest) = l.split_once(": `").expect("file:line: `key`");
            (place, rest.split('`').next().unwrap())
        })
        .collect();
    assert_eq!(
        found,
        [
            ("error: rules.yml:5", "queue.visibility_timeout"),
            ("error: rules.yml:6", "queue.delay_seconds"),
            ("error: rules.yml:11", "tasks.web.size"),
            ("error: rules.yml:12", "tasks.web.domain"),
            ("error: rules.yml:14", "tasks.web.health_check.path"),
            ("error: rules.yml:16", "tasks.web.autoscaling.min_capacity"),
            // Not written: placed on its task's line.
            ("error: rules.yml:18", "tasks.job.image"),
            ("error: rules.yml:19", "tasks.job.cpu"),
            ("error: rules.yml:20", "tasks.job.schedule"),
        ],
        "{}",
        run.stderr
    );
    assert_eq!(w.read("rules.yml"), text, "the file is untouched");
}

/// Thousands of tasks that break a rule: the first twenty in file order and
/// an exact count of the rest, from one pass over the file.
#[test]
fn rule_errors_in_thousands_of_tasks_are_counted() {
    let mut text = String::from("app:\n  name: demo\ntasks:\n");
    for i in 0..3000 {
        text.push_str(&format!("  t{i}:\n    image: helloworld\n    size: huge\n"));
    }
    let started = std::time::Instant::now();
    listed_and_counted(
        "big.yml",
        &text,
        |i| format!("error: big.yml:{}: `tasks.t{i}.size`", 6 + 3 * i),
        2980,
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}
