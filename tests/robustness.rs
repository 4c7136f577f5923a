//! Never hang, never dump: a silent endpoint times out naming the call,
//! Ctrl-C at a prompt cancels at once, a closed pipe ends quietly.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn an_endpoint_that_never_answers_times_out_naming_the_call() {
    // Accepts connections (the kernel's backlog) and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut w = Workdir::new(None);
    w.set_env("AWS_ENDPOINT_URL", &format!("http://127.0.0.1:{port}"));
    w.set_env("FARGATE_STACK_CALL_TIMEOUT", "1");
    copy_example(&w, "daemon.yml");
    let start = Instant::now();
    let run = w.run(&["plan", "-c", "daemon.yml"]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("GetCallerIdentity"), "{}", run.stderr);
    assert!(
        run.stderr.contains("no answer in time") || run.stderr.contains("timed out"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("TimeoutError("), "{}", run.stderr);
    drop(listener);
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    let cmd = format!("{BIN} plan -c daemon.yml --no-update | head -1");
    let out = w.program("sh", &["-c", &cmd]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn suggested_commands_name_the_config() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    let plan = w.run(&["plan", "-c", "daemon.yml"]).ok();
    assert!(
        plan.stdout
            .contains("Run `fargate-stack apply -c daemon.yml`"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "daemon.yml", "--yes"]).ok();
    let status = w.run(&["status", "-c", "daemon.yml"]).ok();
    assert!(
        status
            .stdout
            .contains("fargate-stack create-service worker -c daemon.yml"),
        "{}",
        status.stdout
    );
    // stop-service waits until the tasks drained.
    w.run(&["create-service", "-c", "daemon.yml"]).ok();
    let stop = w.run(&["stop-service", "-c", "daemon.yml"]).ok();
    assert!(stop.stdout.contains("no tasks running"), "{}", stop.stdout);
    let quick = w
        .run(&[
            "stop-service",
            "-c",
            "daemon.yml",
            "--no-wait",
            "--timeout",
            "5s",
        ])
        .ok();
    assert!(quick.stdout.contains("not waiting"), "{}", quick.stdout);
}

/// Ctrl-C while RunTask is in flight: the task it started is still reported.
#[test]
fn ctrl_c_while_run_task_is_in_flight_still_reports_the_task() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "task.yml");
    w.run(&["apply", "-c", "task.yml", "--yes"]).ok();
    // RunTask lands, and its answer is held back while we interrupt.
    moto.faults(serde_json::json!({"hang": {"RunTask": 2}}));
    let child = w
        .command(&["run-task", "-c", "task.yml"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its answer is held back: RunTask is in flight from here on.
    moto.wait_for_call("RunTask");
    interrupt(child.id());
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let id = stdout.trim();
    assert!(
        !id.is_empty() && !id.contains(char::is_whitespace),
        "the task id is printed: {stdout}"
    );
    assert!(
        stderr.contains(&format!("stop-task {id} -c task.yml")),
        "{stderr}"
    );
}

/// The emulator's control endpoints refuse what they cannot use, so a test
/// that mistypes its setup fails there instead of running unset.
#[test]
fn the_launcher_answers_bad_control_requests_with_400() {
    let moto = Moto::start();
    for (path, body) in [
        ("/_fargate_stack/faults", "not json"),
        ("/_fargate_stack/faults", "[1, 2]"),
        ("/_fargate_stack/faults", r#"{"fail_rate": "often"}"#),
        ("/_fargate_stack/outcome", r#"{"exit_code": 3}"#),
        (
            "/_fargate_stack/cloudtrail",
            r#"{"events": [{"eventName": "RunTask"}]}"#,
        ),
        ("/_fargate_stack/acm", r#"{"validation_wait": "soon"}"#),
    ] {
        assert_eq!(moto.control(path, body), Some(400), "{path} {body}");
    }
    for (path, body) in [
        ("/_fargate_stack/faults", "{}"),
        (
            "/_fargate_stack/outcome",
            r#"{"family": "x", "exit_code": 3}"#,
        ),
        ("/_fargate_stack/acm", r#"{"validation_wait": 0}"#),
    ] {
        assert_eq!(moto.control(path, body), Some(200), "{path} {body}");
    }
}
