//! Test harness: a moto server per test, a seeded account, the binary, and
//! SDK clients to check what really exists.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, Region};

pub const BIN: &str = env!("CARGO_BIN_EXE_fargate-stack");

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn python() -> String {
    std::env::var("MOTO_PYTHON").unwrap_or_else(|_| "python3".into())
}

pub struct Moto {
    pid: i32,
    pub port: u16,
    pub endpoint: String,
    pub call_log: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        // The fork server reaps it (see scripts/moto_server.py).
        // SAFETY: a signal to the server process this test started.
        unsafe {
            libc::kill(self.pid, libc::SIGKILL);
        }
        // Every request the test made, checked by the launcher against
        // AWS's API models (scripts/aws_models.py): one AWS would reject
        // fails the test, even when the binary coped with the 400.
        let broken =
            std::fs::read_to_string(self.dir.path().join(REQUEST_CHECK)).unwrap_or_default();
        if !broken.is_empty() && !std::thread::panicking() {
            panic!("requests that AWS's API models reject (member: rule, value):\n{broken}");
        }
        // A failed test shows the emulator's own errors (a 500 from moto
        // reaches the binary as an HTML page and says nothing more).
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.dir.path().join("moto.log")).unwrap_or_default();
            if let Some(at) = log.find("Traceback") {
                let tail: String = log[at..].lines().take(60).collect::<Vec<_>>().join("\n");
                eprintln!("--- the emulator's log from its first traceback ---\n{tail}");
            }
        }
    }
}

/// The launcher's list of requests that break AWS's API models.
const REQUEST_CHECK: &str = "requests-aws-rejects.log";

/// The operations that only read, by their meaning in the AWS API
/// references (not by their names: `GetAuthorizationToken` issues a
/// token but changes nothing, `ReceiveMessage` reads but hides a message).
/// Reading a secret's value is a read, and the secrets tests assert that
/// `GetSecretValue` and `GetParameter(s)` are never called at all.
const READS: &[&str] = &[
    "BatchGetImage",
    "DescribeAlarms",
    "DescribeCertificate",
    "DescribeClusters",
    "DescribeFileSystems",
    "DescribeImages",
    "DescribeInternetGateways",
    "DescribeListenerCertificates",
    "DescribeListeners",
    "DescribeLoadBalancerAttributes",
    "DescribeLoadBalancers",
    "DescribeLogGroups",
    "DescribeLogStreams",
    "DescribeMountTargetSecurityGroups",
    "DescribeMountTargets",
    "DescribeNatGateways",
    "DescribeParameters",
    "DescribeRepositories",
    "DescribeRouteTables",
    "DescribeRule",
    "DescribeRules",
    "DescribeScalableTargets",
    "DescribeScalingPolicies",
    "DescribeScheduledActions",
    "DescribeSecret",
    "DescribeSecurityGroups",
    "DescribeServices",
    "DescribeSubnets",
    "DescribeTags",
    "DescribeTargetGroupAttributes",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
    "DescribeTaskDefinition",
    "DescribeTasks",
    "DescribeVpcAttribute",
    "DescribeVpcs",
    "FilterLogEvents",
    "GetAuthorizationToken",
    "GetBucketLocation",
    "GetBucketTagging",
    "GetCallerIdentity",
    "GetHostedZone",
    "GetLogEvents",
    "GetParameter",
    "GetParameters",
    "GetQueueAttributes",
    "GetQueueUrl",
    "GetResources",
    "GetRole",
    "GetRolePolicy",
    "GetSecretValue",
    "GetWebACL",
    "GetWebACLForResource",
    "HeadBucket",
    "ListAttachedRolePolicies",
    "ListCertificates",
    "ListObjects",
    "ListObjectsV2",
    "ListQueueTags",
    "ListClusters",
    "ListHostedZones",
    "ListHostedZonesByName",
    "ListResourceRecordSets",
    "ListRolePolicies",
    "ListRuleNamesByTarget",
    "ListRules",
    "ListServices",
    "ListTagsForCertificate",
    "ListTagsForResource",
    "ListTargetsByRule",
    "ListTaskDefinitionFamilies",
    "ListTaskDefinitions",
    "ListTasks",
    "ListWebACLs",
    "LookupEvents",
];

/// The process that forks the tests' servers: moto imported once for the
/// whole test binary instead of once per test (scripts/moto_server.py,
/// `fork_server`). It ends when this binary exits and closes its stdin.
struct ForkServer {
    stdin: std::process::ChildStdin,
    stdout: std::io::BufReader<std::process::ChildStdout>,
    _child: Child,
}

fn fork_server() -> &'static std::sync::Mutex<ForkServer> {
    static SERVER: std::sync::OnceLock<std::sync::Mutex<ForkServer>> = std::sync::OnceLock::new();
    SERVER.get_or_init(|| {
        let mut child = Command::new(python())
            .arg(repo_root().join("scripts/moto_server.py"))
            .arg("--fork-server")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("cannot start python3 for the moto fork server");
        std::sync::Mutex::new(ForkServer {
            stdin: child.stdin.take().unwrap(),
            stdout: std::io::BufReader::new(child.stdout.take().unwrap()),
            _child: child,
        })
    })
}

/// Asks the fork server for a new moto server; its pid and port.
fn spawn_server(env: &serde_json::Value, log: &Path) -> Option<(i32, u16)> {
    use std::io::BufRead;
    let mut server = fork_server().lock().unwrap_or_else(|e| e.into_inner());
    let request = serde_json::json!({ "env": env, "log": log });
    writeln!(server.stdin, "{request}").ok()?;
    server.stdin.flush().ok()?;
    let mut line = String::new();
    server.stdout.read_line(&mut line).ok()?;
    let answer: serde_json::Value = serde_json::from_str(&line).ok()?;
    Some((
        answer["pid"].as_i64()? as i32,
        answer["port"].as_u64()? as u16,
    ))
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

fn http_request(port: u16, method: &str, path: &str, body: &str) -> Option<u16> {
    http_exchange(port, method, path, body).map(|(status, _)| status)
}

/// One HTTP/1.0 request: the status and the body of the answer.
fn http_exchange(port: u16, method: &str, path: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let head = format!(
        "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).ok()?;
    s.write_all(body.as_bytes()).ok()?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).ok()?;
    let text = String::from_utf8_lossy(&answer);
    let status = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

#[derive(Debug, serde::Deserialize)]
pub struct Seed {
    pub account: String,
    pub vpc_id: String,
    pub public: Vec<String>,
    pub private: Vec<String>,
    pub isolated: Vec<String>,
    pub image_digest: String,
    pub second_vpc_id: Option<String>,
}

impl Moto {
    /// Starts a fresh server. Panics (never skips) when moto is missing.
    pub fn start() -> Moto {
        Moto::start_with(&[])
    }

    /// Starts a fresh server with extra environment (`MOTO_ACCOUNT_ID`).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let mut last_log = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().unwrap();
            let call_log = dir.path().join("calls.log");
            // The harness makes the log; the server appends to it.
            std::fs::write(&call_log, "").unwrap();
            let log = dir.path().join("moto.log");
            let mut server_env = serde_json::json!({
                "MOTO_CALL_LOG": call_log,
                "MOTO_REQUEST_CHECK": dir.path().join(REQUEST_CHECK),
                // Every test sees answers shaped like AWS's (defaults moto
                // leaves out), so every convergence check holds on AWS too.
                "MOTO_AWS_SHAPED": "1",
                "MOTO_ACM_VALIDATION_WAIT": "0",
            });
            for (k, v) in env {
                server_env[*k] = serde_json::json!(v);
            }
            let Some((pid, port)) = spawn_server(&server_env, &log) else {
                break;
            };
            let moto = Moto {
                pid,
                port,
                endpoint: format!("http://127.0.0.1:{port}"),
                call_log,
                dir,
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline && alive(pid) {
                // Ready, and the server this test started: it says its pid.
                let whoami = http_exchange(port, "GET", "/_fargate_stack/pid", "")
                    .filter(|(status, _)| *status == 200)
                    .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(&body).ok());
                if let Some(whoami) = whoami {
                    assert_eq!(whoami["pid"], pid, "another server answers on port {port}");
                    return moto;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            last_log = std::fs::read_to_string(&log).unwrap_or_default();
        }
        panic!(
            "the moto server did not start; is moto[server] installed? Run scripts/install-test-deps.sh\n{last_log}"
        );
    }

    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_MAX_ATTEMPTS", "1".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    pub fn seed(&self, variant: &str) -> Seed {
        self.seed_in(variant, "us-east-1")
    }

    /// The same in another region, for a stack whose config names it.
    pub fn seed_in(&self, variant: &str, region: &str) -> Seed {
        let out = Command::new(python())
            .arg(repo_root().join("scripts/seed_moto.py"))
            .args(["--variant", variant])
            .envs(self.env())
            .env("AWS_REGION", region)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "seeding failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Calls recorded by the server since the last `clear_calls`.
    /// Every call the server received since the last `clear_calls`. A call
    /// log that does not exist fails: a check on it would prove nothing.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.call_log)
            .unwrap_or_else(|e| {
                panic!(
                    "the call log {} cannot be read: {e}",
                    self.call_log.display()
                )
            })
            .lines()
            .map(str::to_string)
            .collect()
    }

    pub fn clear_calls(&self) {
        std::fs::write(&self.call_log, "").unwrap();
    }

    /// Calls that change something: every operation not known to only read
    /// (an operation missing from `READS` counts as a change, so a new read
    /// the binary starts making fails a no-mutation check until it is
    /// listed, rather than a new write passing it).
    pub fn mutating_calls(&self) -> Vec<String> {
        self.calls()
            .into_iter()
            .filter(|c| !READS.contains(&c.split_whitespace().nth(1).unwrap_or("")))
            .collect()
    }

    /// Fails, naming `what`, when the server saw a mutating call since the
    /// last `clear_calls`, and when it saw no call at all: `what` reads the
    /// account first, so an empty log means the log is not being written
    /// and proves nothing.
    #[track_caller]
    pub fn assert_no_mutations(&self, what: &str) {
        assert!(
            !self.calls().is_empty(),
            "{what}: the call log is empty, so it cannot show that nothing was changed"
        );
        let m = self.mutating_calls();
        assert!(m.is_empty(), "{what} made mutating calls: {m:?}");
    }

    /// Fails when the server saw any call since the last `clear_calls`
    /// (input refused before the network).
    #[track_caller]
    pub fn assert_no_calls(&self, what: &str) {
        let calls = self.calls();
        assert!(calls.is_empty(), "{what} made calls: {calls:?}");
    }

    /// Describes how the emulated containers of a family, or a service's
    /// rollout, turn out (see scripts/moto_server.py).
    pub fn outcome(&self, body: serde_json::Value) {
        assert_eq!(
            http_request(
                self.port,
                "POST",
                "/_fargate_stack/outcome",
                &body.to_string()
            ),
            Some(200)
        );
    }

    /// Posts a raw body to one of the launcher's control endpoints; the status.
    /// The requests the launcher found AWS's models reject, taken (so that
    /// a test that sends them on purpose does not fail when it ends).
    pub fn take_rejected_requests(&self) -> String {
        let path = self.dir.path().join(REQUEST_CHECK);
        let found = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::write(&path, "").unwrap();
        found
    }

    pub fn control(&self, path: &str, body: &str) -> Option<u16> {
        http_request(self.port, "POST", path, body)
    }

    /// Injects faults (see scripts/moto_server.py); `json!({})` clears them.
    pub fn faults(&self, body: serde_json::Value) {
        assert_eq!(
            http_request(
                self.port,
                "POST",
                "/_fargate_stack/faults",
                &body.to_string()
            ),
            Some(200)
        );
    }

    /// How long the emulator keeps a new certificate pending (seconds).
    pub fn acm_validation_wait(&self, seconds: u64) {
        assert_eq!(
            http_request(
                self.port,
                "POST",
                "/_fargate_stack/acm",
                &serde_json::json!({ "validation_wait": seconds }).to_string()
            ),
            Some(200)
        );
    }

    /// Adds CloudTrail records (moto records none; see scripts/moto_server.py).
    pub fn cloudtrail(&self, events: serde_json::Value) {
        assert_eq!(
            http_request(
                self.port,
                "POST",
                "/_fargate_stack/cloudtrail",
                &serde_json::json!({ "events": events }).to_string()
            ),
            Some(200)
        );
    }

    /// How many requests of an operation the server received.
    pub fn count(&self, operation: &str) -> usize {
        self.calls()
            .iter()
            .filter(|c| c.split_whitespace().nth(1) == Some(operation))
            .count()
    }

    /// Waits until the server has received `operation` (at most 30 s).
    pub fn wait_for_call(&self, operation: &str) {
        self.wait_for_calls(operation, 1);
    }

    /// Waits until the server has received `operation` `n` times since the
    /// last `clear_calls` (at most 30 s): a command that polls has polled.
    pub fn wait_for_calls(&self, operation: &str, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.count(operation) < n {
            assert!(
                Instant::now() < deadline,
                "{n} {operation} call(s) did not arrive"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    /// Keeps tasks RUNNING: moto otherwise moves a task one state per DescribeTasks.
    pub fn freeze_tasks(&self) {
        let body = serde_json::json!({"model_name": "ecs::task", "transition": {"progression": "manual", "times": 100000}});
        let status = http_request(
            self.port,
            "POST",
            "/moto-api/state-manager/set-transition",
            &body.to_string(),
        );
        assert!(
            matches!(status, Some(200..=201)),
            "state manager answered {status:?}"
        );
    }

    pub async fn sdk(&self) -> aws_config::SdkConfig {
        aws_config::defaults(BehaviorVersion::latest())
            .endpoint_url(&self.endpoint)
            .region(Region::new("us-east-1"))
            .credentials_provider(aws_sdk_sts::config::Credentials::new(
                "testing", "testing", None, None, "tests",
            ))
            .load()
            .await
    }
}

/// Polls fast: `--poll-time 100ms` for commands that wait.
pub const FAST: &[&str] = &["--poll-time", "100ms"];

/// Runs a command that waits, polling fast.
pub fn run(w: &Workdir, args: &[&str]) -> Run {
    let all: Vec<&str> = args.iter().chain(FAST).copied().collect();
    w.run(&all)
}

/// Pushes a one-layer image as `<repository>:latest` (creating the
/// repository when needed); `layer` makes the digest differ.
pub async fn push_image(moto: &Moto, repository: &str, layer: char) {
    let ecr = aws_sdk_ecr::Client::new(&moto.sdk().await);
    let _ = ecr
        .create_repository()
        .repository_name(repository)
        .send()
        .await;
    let digest = |c: char| format!("sha256:{}", c.to_string().repeat(64));
    let manifest = serde_json::json!({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": digest('0')},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1, "digest": digest(layer)}]});
    ecr.put_image()
        .repository_name(repository)
        .image_manifest(manifest.to_string())
        .image_tag("latest")
        .send()
        .await
        .unwrap();
}

/// A working directory with the binary pointed at `moto` (or at nothing).
pub struct Workdir {
    pub dir: tempfile::TempDir,
    env: Vec<(&'static str, String)>,
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "command failed\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

impl Workdir {
    pub fn new(moto: Option<&Moto>) -> Workdir {
        let env = match moto {
            Some(m) => m.env(),
            // Nothing listens on port 9: any AWS call would fail with exit 1.
            None => vec![
                ("AWS_ENDPOINT_URL", "http://127.0.0.1:9".into()),
                ("AWS_ACCESS_KEY_ID", "testing".into()),
                ("AWS_SECRET_ACCESS_KEY", "testing".into()),
                ("AWS_REGION", "us-east-1".into()),
                ("AWS_MAX_ATTEMPTS", "1".into()),
                ("AWS_EC2_METADATA_DISABLED", "true".into()),
            ],
        };
        Workdir {
            dir: tempfile::tempdir().unwrap(),
            env,
        }
    }

    /// Sets (or replaces) one environment variable for every run.
    pub fn set_env(&mut self, key: &'static str, value: &str) {
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.to_string()));
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap()
    }

    pub fn yaml(&self, name: &str) -> serde_yaml::Value {
        serde_yaml::from_str(&self.read(name)).unwrap()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.program(BIN, args)
    }

    /// Any program, with the same directory and environment as the binary.
    pub fn program(&self, program: &str, args: &[&str]) -> Command {
        let mut c = Command::new(program);
        c.args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("NO_COLOR", "1")
            .envs(self.env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null());
        // Reaped with the test: the kernel kills the child when the thread
        // that started it (the test's) ends, passed or failed.
        // SAFETY: prctl is async-signal-safe; nothing else runs in pre_exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut c, || {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        c
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let out: Output = self.command(args).output().unwrap();
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into(),
            stderr: String::from_utf8_lossy(&out.stderr).into(),
        }
    }
}

/// A conflict: `plan` exits 2 naming every one of `words` on stderr, and
/// `apply --yes` then also exits 2 without a single mutating call.
#[track_caller]
pub fn assert_refused(w: &Workdir, moto: &Moto, config: &str, words: &[&str]) {
    let plan = w.run(&["plan", "-c", config]);
    assert_eq!(plan.code, 2, "{}\n{}", plan.stdout, plan.stderr);
    for word in words {
        assert!(plan.stderr.contains(word), "`{word}` in:\n{}", plan.stderr);
    }
    moto.clear_calls();
    let apply = w.run(&["apply", "-c", config, "--yes"]);
    assert_eq!(apply.code, 2, "{}", apply.stderr);
    moto.assert_no_mutations("a refused apply");
}

pub fn copy_example(w: &Workdir, example: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo_root().join("examples").join(example)).unwrap();
    w.write(example, &text)
}

pub fn str_at<'a>(v: &'a serde_yaml::Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_str()
        .unwrap_or_else(|| panic!("{path:?} is not a string: {cur:?}"))
}

pub fn list_at(v: &serde_yaml::Value, path: &[&str]) -> Vec<String> {
    let mut cur = v;
    for p in path {
        cur = &cur[*p];
    }
    cur.as_sequence()
        .map(|s| s.iter().map(|x| x.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}

/// A role's inline policy document, decoded.
pub async fn role_policy(iam: &aws_sdk_iam::Client, role: &str, policy: &str) -> serde_json::Value {
    let out = iam
        .get_role_policy()
        .role_name(role)
        .policy_name(policy)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{role}/{policy}: {e:?}"));
    serde_json::from_str(
        &percent_encoding::percent_decode_str(out.policy_document()).decode_utf8_lossy(),
    )
    .unwrap()
}

/// Sends SIGINT, as Ctrl-C would.
pub fn interrupt(pid: u32) {
    assert!(
        Command::new("kill")
            .args(["-INT", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
}

/// An ECS service's network: these subnets and groups, no public IP.
pub fn awsvpc(subnets: Vec<String>, groups: &[&str]) -> aws_sdk_ecs::types::NetworkConfiguration {
    aws_sdk_ecs::types::NetworkConfiguration::builder()
        .awsvpc_configuration(
            aws_sdk_ecs::types::AwsVpcConfiguration::builder()
                .set_subnets(Some(subnets))
                .set_security_groups(Some(groups.iter().map(|g| g.to_string()).collect()))
                .build()
                .unwrap(),
        )
        .build()
}

/// A customer managed policy with this document, attached to `role`; its ARN.
pub async fn attach_managed_policy(
    iam: &aws_sdk_iam::Client,
    role: &str,
    name: &str,
    document: &str,
) -> String {
    let arn = iam
        .create_policy()
        .policy_name(name)
        .policy_document(document)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    iam.attach_role_policy()
        .role_name(role)
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    arn
}

/// Creates a hosted zone (private to `vpc` when given); returns its ID.
pub async fn zone(moto: &Moto, name: &str, vpc: Option<&str>) -> String {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let mut req = r53
        .create_hosted_zone()
        .name(name)
        .caller_reference(format!("{name}-{}", vpc.unwrap_or("public")));
    if let Some(v) = vpc {
        req = req
            .vpc(
                aws_sdk_route53::types::Vpc::builder()
                    .vpc_id(v)
                    .vpc_region(aws_sdk_route53::types::VpcRegion::UsEast1)
                    .build(),
            )
            .hosted_zone_config(
                aws_sdk_route53::types::HostedZoneConfig::builder()
                    .private_zone(true)
                    .build(),
            );
    }
    let out = req.send().await.unwrap();
    out.hosted_zone()
        .unwrap()
        .id()
        .trim_start_matches("/hostedzone/")
        .to_string()
}

/// One change to a record set, as a person would make it.
pub async fn change_record(
    moto: &Moto,
    zone: &str,
    action: aws_sdk_route53::types::ChangeAction,
    record: aws_sdk_route53::types::ResourceRecordSet,
) {
    use aws_sdk_route53::types::{Change, ChangeBatch};
    aws_sdk_route53::Client::new(&moto.sdk().await)
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .changes(
                    Change::builder()
                        .action(action)
                        .resource_record_set(record)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// A security group made by hand in the VPC; its id.
pub async fn security_group(moto: &Moto, vpc: &str, name: &str) -> String {
    aws_sdk_ec2::Client::new(&moto.sdk().await)
        .create_security_group()
        .group_name(name)
        .description("another team")
        .vpc_id(vpc)
        .send()
        .await
        .unwrap()
        .group_id()
        .unwrap()
        .to_string()
}
