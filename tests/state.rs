//! state / reset-history: the saved default config.

use crate::support::*;

#[test]
fn state_saves_the_default_config_and_reset_forgets_it() {
    let moto = Moto::start();
    moto.seed("eligible");
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "daemon.yml");
    let run = w.run(&["state", "daemon.yml"]).ok();
    assert!(run.stdout.contains("daemon.yml"));
    let saved: serde_json::Value =
        serde_json::from_str(&w.read(".fargatestack/defaults.json")).unwrap();
    let path = saved["config"].as_str().unwrap();
    assert!(std::path::Path::new(path).is_absolute(), "{path}");

    // Now `plan` without --config uses it.
    let run = w.run(&["plan"]).ok();
    assert!(run.stdout.contains("hello-daemon"), "{}", run.stdout);
    assert!(
        run.stderr.contains("chosen by") && run.stderr.contains(".fargatestack/defaults.json"),
        "the saved default is named: {}",
        run.stderr
    );
    let show = w.run(&["state"]).ok();
    assert!(show.stdout.contains("defaults.json"), "{}", show.stdout);

    w.run(&["reset-history"]).ok();
    let run = w.run(&["plan"]);
    assert_eq!(run.code, 2, "no default config any more: {}", run.stderr);

    // A file that does not exist cannot become the default.
    assert_eq!(w.run(&["state", "missing.yml"]).code, 2);

    // A profile saved in the current directory never chooses the account
    // silently.
    w.write(".fargatestack/defaults.json", r#"{"profile": "nowhere"}"#);
    let run = w.run(&["plan", "-c", "daemon.yml", "--no-update"]);
    assert!(
        run.stderr.contains("profile `nowhere` chosen by")
            && run.stderr.contains(".fargatestack/defaults.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_environment_names_the_config_when_nothing_else_does() {
    let w = Workdir::new(None);
    // Bad on purpose: the error proves which file was read, before any AWS call.
    w.write(
        "from-env.yml",
        "app:\n  name: x\ntasks:\n  t:\n    imag: y\n",
    );
    let out = w
        .command(&["plan"])
        .env("FARGATE_STACK_CONFIG", "from-env.yml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("from-env.yml") && err.contains("did you mean `image`"),
        "{err}"
    );
    // --config wins over the environment.
    w.write("flag.yml", "app:\n  name: x\ntasks: {}\n");
    let out = w
        .command(&["plan", "-c", "flag.yml"])
        .env("FARGATE_STACK_CONFIG", "from-env.yml")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("flag.yml"));
}
