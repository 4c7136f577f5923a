//! The validated, defaulted meaning of a config: names, sizes, images,
//! environment. Everything the planner needs that does not come from AWS.
//! Building it makes no network call, and every rule that can reject input
//! lives here so that bad input fails before AWS is touched.

use std::path::Path;

use serde::Serialize;

use super::model::{Command, Config, DeploymentAlarm, TaskType};
use super::problems::Problems;
use super::{schedule, sizes};
use crate::error::ConfigError;

/// CloudWatch Logs' allowed retention periods (days).
pub const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];
pub const DEFAULT_RETENTION_DAYS: i64 = 14;

#[derive(Debug, Clone, Serialize)]
pub struct StackSpec {
    pub app: String,
    pub log_group: String,
    pub retention_days: i64,
    pub cluster: String,
    pub security_group: String,
    pub execution_role: String,
    pub execution_policy: String,
    pub task_role: String,
    pub task_policy: String,
    pub events_role: String,
    pub events_policy: String,
    /// The role ECS assumes to move load balancer traffic (blue/green,
    /// canary, linear), and its policy.
    pub deploy_role: String,
    pub deploy_policy: String,
    pub deploy_role_arn: Option<String>,
    /// The ARNs the config records for the roles (only where they are the
    /// named role's: a role with a path is known by its recorded ARN).
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    pub events_role_arn: Option<String>,
    /// The roles used as they are (`as_is: true`): no policy is added.
    pub execution_role_as_is: bool,
    pub task_role_as_is: bool,
    pub events_role_as_is: bool,
    pub queue: Option<QueueSpec>,
    pub bucket: Option<BucketSpec>,
    pub tasks: Vec<TaskSpec>,
    /// The load balancer and what hangs on it, when there are web services.
    pub web: Option<super::web::WebSpec>,
    /// Autoscaling, per service.
    pub scaling: Vec<super::web::ScalingSpec>,
    /// Config sections this version keeps but does not act on yet.
    pub unhandled: Vec<String>,
    /// Addresses of resources another stack owns that this config takes over.
    pub take_over: Vec<String>,
}

impl StackSpec {
    /// A service's `autoscaling:`, when it has one.
    pub fn scaling_of(&self, task: &str) -> Option<&super::web::ScalingSpec> {
        self.scaling.iter().find(|s| s.task == task)
    }

    /// The `awslogs-stream-prefix` of a task's container: its streams are
    /// `<prefix>/<container>/<task id>`.
    pub fn log_stream_prefix<'a>(&'a self, task: &'a TaskSpec) -> &'a str {
        task.log_stream_prefix.as_deref().unwrap_or(&self.app)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskSpec {
    /// The key under `tasks:`; also the ECS service name.
    pub key: String,
    pub kind: TaskType,
    /// Container name.
    pub name: String,
    pub family: String,
    pub image: ImageRef,
    pub cpu: u32,
    pub memory: u32,
    pub size: Option<String>,
    pub command: Option<Vec<String>>,
    pub environment: Vec<(String, String)>,
    pub container_port: Option<u16>,
    pub secrets: Vec<SecretRef>,
    pub efs: Option<EfsSpec>,
    pub schedule: Option<String>,
    pub desired_count: Option<u32>,
    /// `None` when the config does not say (no runtime platform is sent).
    pub arch_written: Option<super::model::Arch>,
    pub arch: super::model::Arch,
    /// Fargate Spot with this many tasks kept on regular Fargate.
    pub spot: Option<u32>,
    /// ECS Exec is on (`exec: true`).
    pub exec: bool,
    /// The container's `awslogs-stream-prefix` (the app's name unless
    /// `log_stream_prefix` says otherwise).
    pub log_stream_prefix: Option<String>,
    /// Existing CloudWatch alarms that roll a deployment of its service
    /// back (the generated ones are its web service's).
    pub alarms: Vec<String>,
    /// A scheduled task's EventBridge rule and target id.
    pub rule_name: String,
    pub target_id: String,
}

/// An image as written in the config, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    pub written: String,
    /// Registry host, when the name has one (`123.dkr.ecr...`, `ghcr.io`).
    pub registry: Option<String>,
    /// Repository path without registry and tag (`helloworld`, `library/nginx`).
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
    /// The config records a digest for it from the account's ECR (it was
    /// resolved there), so it must stay there: never a public image of the
    /// same name from another publisher.
    pub from_ecr: bool,
}

impl ImageRef {
    pub fn parse(text: &str) -> ImageRef {
        let written = text.trim().to_string();
        let (rest, digest) = match written.split_once('@') {
            Some((r, d)) => (r.to_string(), Some(d.to_string())),
            None => (written.clone(), None),
        };
        // A first component with a dot or a colon (or `localhost`) is a host.
        let (registry, path) = match rest.split_once('/') {
            Some((first, tail))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), tail.to_string())
            }
            _ => (None, rest.clone()),
        };
        let (repository, tag) = match path.rsplit_once(':') {
            Some((r, t)) if !t.contains('/') => (r.to_string(), Some(t.to_string())),
            _ => (path.clone(), None),
        };
        ImageRef {
            written,
            registry,
            repository,
            tag,
            digest,
            from_ecr: false,
        }
    }

    /// Checks the reference against the OCI distribution grammar, so that a
    /// typo fails here rather than as a task that never starts.
    pub fn validate(&self) -> Result<(), String> {
        let component_ok = |c: &str| {
            !c.is_empty()
                && c.bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && c.bytes()
                    .last()
                    .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && c.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        };
        if let Some(r) = &self.registry
            && !r
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:".contains(&b))
        {
            return Err(format!("registry `{r}` is not a host name"));
        }
        if let Some(bad) = self.repository.split('/').find(|c| !component_ok(c)) {
            return Err(format!(
                "repository part `{bad}` must be lower-case letters, digits and single `.`, `_` or `-` between them"
            ));
        }
        if let Some(t) = &self.tag {
            let ok = !t.is_empty()
                && t.len() <= 128
                && t.bytes()
                    .next()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b));
            if !ok {
                return Err(format!(
                    "tag `{t}` may only have letters, digits, `_`, `.` and `-`"
                ));
            }
        }
        if let Some(d) = &self.digest {
            let ok = d.split_once(':').is_some_and(|(alg, hex)| {
                alg == "sha256"
                    && hex.len() == 64
                    && hex
                        .bytes()
                        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            });
            if !ok {
                return Err(format!("digest `{d}` must be sha256: and 64 hex digits"));
            }
        }
        Ok(())
    }

    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// `(account, region)` when the registry is an ECR registry.
    pub fn ecr_registry(&self) -> Option<(String, String)> {
        let host = self.registry.as_deref()?;
        let mut parts = host.split('.');
        let account = parts.next()?;
        let (dkr, ecr, region) = (parts.next()?, parts.next()?, parts.next()?);
        (dkr == "dkr"
            && ecr == "ecr"
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit()))
        .then(|| (account.to_string(), region.to_string()))
    }
}

/// The S3 bucket the tasks use, created when missing (as the original).
#[derive(Debug, Clone, Serialize)]
pub struct BucketSpec {
    pub name: String,
    pub readonly: bool,
    /// Key prefixes the tasks may use (`paths`, without the leading `/`);
    /// empty means the whole bucket.
    pub prefixes: Vec<String>,
}

/// An EFS file system mounted into a task's container.
#[derive(Debug, Clone, Serialize)]
pub struct EfsSpec {
    pub id: String,
    /// The directory of the file system that is mounted.
    pub path: String,
    pub mount_point: String,
    pub readonly: bool,
    /// Open the file system's mount targets to the stack's tasks (NFS, 2049).
    pub authorize_ingress: bool,
}

/// Where a secret lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum SecretStore {
    SecretsManager,
    ParameterStore,
}

/// One `secrets:` entry: the environment variable it sets and where its
/// value is. Only the secret's ARN is ever looked up; never its value.
#[derive(Debug, Clone, Serialize)]
pub struct SecretRef {
    pub written: String,
    pub env: String,
    pub store: SecretStore,
    pub name: String,
    /// One key of a JSON secret (ECS's `...:secret:NAME:KEY::` form).
    pub json_key: Option<String>,
}

impl SecretRef {
    /// `NAME:ENV`, `NAME#key:ENV`, `ssm:/param:ENV`; ENV defaults to the
    /// upper-cased last part of the name, as in the original.
    pub fn parse(written: &str) -> Result<SecretRef, String> {
        let w = written.trim();
        let (store, rest) = match w.strip_prefix("ssm:") {
            Some(rest) => (SecretStore::ParameterStore, rest),
            None => (SecretStore::SecretsManager, w),
        };
        let (source, env) = match rest.rsplit_once(':') {
            Some((s, e)) => (s, Some(e)),
            None => (rest, None),
        };
        let (name, json_key) = match source.split_once('#') {
            Some((n, k)) if store == SecretStore::SecretsManager => (n, Some(k.to_string())),
            Some(_) => return Err(format!("`{w}`: a Parameter Store entry has no JSON key")),
            None => (source, None),
        };
        if name.is_empty() || json_key.as_deref() == Some("") {
            return Err(format!("`{w}` names no secret"));
        }
        let env = match env {
            Some(e) => e.to_string(),
            None => name
                .rsplit('/')
                .next()
                .unwrap_or(name)
                .to_ascii_uppercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_"),
        };
        let valid_env = env
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            && env.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid_env {
            return Err(format!("`{env}` is not an environment variable name"));
        }
        Ok(SecretRef {
            written: w.to_string(),
            env,
            store,
            name: name.to_string(),
            json_key,
        })
    }
}

/// An SQS queue: the original's keys and defaults, checked against SQS's
/// limits.
#[derive(Debug, Clone, Serialize)]
pub struct QueueSpec {
    pub name: String,
    /// SQS attribute name -> value, defaults filled in.
    pub attributes: std::collections::BTreeMap<String, u32>,
    /// The IAM actions the tasks get on it (its `permissions` profile).
    pub actions: Vec<String>,
    pub max_receive_count: Option<u32>,
    pub dlq: Option<Box<QueueSpec>>,
}

/// Profiles of `queue.permissions.profile`, as the original.
fn queue_profile(profile: &str) -> Option<&'static [&'static str]> {
    Some(match profile {
        "consumer" => &[
            "sqs:ChangeMessageVisibility",
            "sqs:DeleteMessage",
            "sqs:ReceiveMessage",
        ],
        "producer" => &["sqs:GetQueueAttributes", "sqs:SendMessage"],
        "admin" => &["sqs:*"],
        "none" => &[],
        _ => return None,
    })
}

fn queue_spec(p: &mut Problems, config: &Config) -> Option<QueueSpec> {
    let Some(q) = config.queue.as_ref().filter(|q| q.name.is_some()) else {
        if config.dlq.is_some() {
            p.add(
                p.at("dlq", "a dead-letter queue needs a queue")
                    .hint("add `queue:` with a `name:` and `max_receive_count:`, or remove `dlq:`"),
            );
        }
        return None;
    };
    let name = q.name.clone().expect("filtered");
    let mut spec = one_queue(p, "queue", q, name.clone());
    match q.max_receive_count {
        Some(n) if !(1..=1000).contains(&n) => {
            p.add(
                p.at(
                    "queue.max_receive_count",
                    format!("{n} is outside what SQS allows"),
                )
                .hint("use 1 to 1000"),
            );
        }
        Some(n) => {
            let empty = super::model::Queue::default();
            let d = config.dlq.as_ref().unwrap_or(&empty);
            let dlq_name = d.name.clone().unwrap_or_else(|| format!("{name}-dlq"));
            let dlq = one_queue(p, "dlq", d, dlq_name);
            if let Some(spec) = spec.as_mut() {
                spec.max_receive_count = Some(n);
                spec.dlq = dlq.map(Box::new);
            }
        }
        None if config.dlq.is_some() => {
            p.add(
                p.at(
                    "queue.max_receive_count",
                    "missing: `dlq:` is set but the queue has no redrive",
                )
                .hint(
                    "add `max_receive_count: N` to `queue:` (messages received N times go to the DLQ)",
                ),
            );
        }
        None => {}
    }
    spec
}

/// One queue (`queue:` or `dlq:`), each of its fields checked.
fn one_queue(
    p: &mut Problems,
    key: &str,
    q: &super::model::Queue,
    name: String,
) -> Option<QueueSpec> {
    let before = p.count();
    let at = |field: &str| format!("{key}.{field}");
    let valid_name = name.len() <= 80
        && !name.is_empty()
        && name
            .trim_end_matches(".fifo")
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid_name {
        p.add(
            p.at(at("name"), format!("`{name}` is not a valid queue name"))
                .hint("use up to 80 letters, digits, `-` and `_`"),
        );
    }
    let mut attributes = std::collections::BTreeMap::new();
    for (field, attr, value, default, lo, hi) in [
        (
            "visibility_timeout",
            "VisibilityTimeout",
            q.visibility_timeout,
            30,
            0,
            43_200,
        ),
        (
            "maximum_message_size",
            "MaximumMessageSize",
            q.maximum_message_size,
            262_144,
            1_024,
            1_048_576,
        ),
        ("delay_seconds", "DelaySeconds", q.delay_seconds, 0, 0, 900),
        (
            "receive_message_wait_time_seconds",
            "ReceiveMessageWaitTimeSeconds",
            q.receive_message_wait_time_seconds,
            0,
            0,
            20,
        ),
        (
            "message_retention_period",
            "MessageRetentionPeriod",
            q.message_retention_period,
            345_600,
            60,
            1_209_600,
        ),
    ] {
        let v = value.unwrap_or(default);
        if !(lo..=hi).contains(&v) {
            p.add(
                p.at(at(field), format!("{v} is outside what SQS allows"))
                    .hint(format!("use {lo} to {hi}")),
            );
        }
        attributes.insert(attr.to_string(), v);
    }
    let permissions = q.permissions.as_ref();
    let profile = permissions
        .and_then(|p| p.profile.as_deref())
        .unwrap_or("consumer");
    let base = queue_profile(profile).unwrap_or_else(|| {
        p.add(
            p.at(
                at("permissions.profile"),
                format!("`{profile}` is not a permissions profile"),
            )
            .hint("use consumer, producer, admin or none"),
        );
        &[]
    });
    let mut actions: std::collections::BTreeSet<String> =
        base.iter().map(|s| s.to_string()).collect();
    for a in permissions
        .and_then(|p| p.include.clone())
        .unwrap_or_default()
    {
        actions.insert(a);
    }
    for a in permissions
        .and_then(|p| p.exclude.clone())
        .unwrap_or_default()
    {
        actions.remove(&a);
    }
    if let Some(bad) = actions.iter().find(|a| !a.starts_with("sqs:")) {
        p.add(
            p.at(
                at("permissions.include"),
                format!("`{bad}` is not an SQS action"),
            )
            .hint("write actions as `sqs:Name`"),
        );
    }
    (p.count() == before).then(|| QueueSpec {
        name,
        attributes,
        actions: actions.into_iter().collect(),
        max_receive_count: None,
        dlq: None,
    })
}

pub fn camel(app: &str) -> String {
    app.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

pub fn valid_app_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

fn valid_family(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// IAM's name limits: roles 64 characters, policies 128.
const IAM_ROLE_MAX: usize = 64;
const IAM_POLICY_MAX: usize = 128;
/// An EventBridge rule's name limit (`<task>-schedule`).
const RULE_NAME_MAX: usize = 64;

/// The stack's spec, or every problem the config has (each section checked
/// by its own builder, all of them reporting into one list).
pub fn build(path: &Path, config: &Config) -> Result<StackSpec, ConfigError> {
    let mut p = Problems::new(path);
    let app = app_name(&mut p, config);
    let (log_group, retention_days) = log_group(&mut p, config, &app);
    let roles = roles(&mut p, config, &camel(&app));
    account(&mut p, config);
    chosen_names(&mut p, config);
    let cluster = config
        .cluster
        .as_ref()
        .and_then(|c| c.name.clone())
        .unwrap_or_else(|| format!("{app}-cluster"));
    let security_group = config
        .security_groups
        .as_ref()
        .and_then(|s| s.fargate.as_ref())
        .and_then(|f| f.group_name.clone())
        .unwrap_or_else(|| format!("{app}-sg"));
    if config.tasks.is_empty() {
        p.add(
            p.at("tasks", "no tasks are defined")
                .hint("add a task under `tasks:` with at least `image:`"),
        );
    }
    let unhandled = config
        .bucket
        .as_ref()
        .is_some_and(|b| b.policy.is_some())
        .then(|| "bucket.policy (S3 bucket policy)".to_string())
        .into_iter()
        .collect();
    let queue = queue_spec(&mut p, config);
    let bucket = bucket_spec(&mut p, config);
    let web = super::web::build(&mut p, config, &app);
    let mut scaling = Vec::new();
    let mut tasks = Vec::new();
    for (key, t) in &config.tasks {
        scaling.extend(super::web::scaling(&mut p, &app, key, t));
        tasks.extend(task_spec(&mut p, key, t));
    }
    let execution_role_arn = recorded_arn(&config.role, &roles.execution.0);
    let task_role_arn = recorded_arn(&config.task_role, &roles.task.0);
    let events_role_arn = recorded_arn(&config.events_role, &roles.events.0);
    let deploy_role_arn = recorded_arn(&config.deploy_role, &roles.deploy.0);
    p.finish(|| StackSpec {
        deploy_role_arn,
        deploy_role: roles.deploy.0,
        deploy_policy: roles.deploy.1,
        execution_role_arn,
        task_role_arn,
        events_role_arn,
        app,
        log_group,
        retention_days,
        cluster,
        security_group,
        execution_role: roles.execution.0,
        execution_policy: roles.execution.1,
        task_role: roles.task.0,
        task_policy: roles.task.1,
        events_role: roles.events.0,
        events_policy: roles.events.1,
        execution_role_as_is: as_is(&config.role),
        task_role_as_is: as_is(&config.task_role),
        events_role_as_is: as_is(&config.events_role),
        queue,
        bucket,
        tasks,
        web,
        scaling,
        unhandled,
        take_over: config.take_over.clone(),
    })
}

/// `app.name`; without a usable one, a stand-in so that the rest of the
/// file is still checked (the name's own problem is already reported).
fn app_name(p: &mut Problems, config: &Config) -> String {
    match config.app.as_ref().and_then(|a| a.name.as_ref()) {
        None => {
            p.add(
                p.at("app.name", "missing: every stack needs an app name")
                    .hint("add `app:` with `name: my-app` at the top of the file"),
            );
            "app".into()
        }
        Some(name) => {
            if !valid_app_name(&name.0) {
                p.add(
                    p.at("app.name", format!("`{}` is not a valid app name", name.0))
                        .hint("use only lower-case letters, digits, `-` and `_`"),
                );
            }
            name.0.clone()
        }
    }
}

fn log_group(p: &mut Problems, config: &Config, app: &str) -> (String, i64) {
    let name = config
        .log_group
        .as_ref()
        .and_then(|l| l.name.clone())
        .or_else(|| config.default_log_group.clone())
        .unwrap_or_else(|| format!("/ecs/app-fargatestack/{app}"));
    let retention_days = config
        .log_group
        .as_ref()
        .and_then(|l| l.retention_days)
        .unwrap_or(DEFAULT_RETENTION_DAYS);
    if retention_days != 0 && !RETENTION_DAYS.contains(&retention_days) {
        let nearest = RETENTION_DAYS
            .iter()
            .min_by_key(|d| (*d - retention_days).abs())
            .copied()
            .unwrap_or(DEFAULT_RETENTION_DAYS);
        p.add(
            p.at(
                "log_group.retention_days",
                format!("{retention_days} is not a retention period CloudWatch Logs allows"),
            )
            .hint(format!(
                "use one of {} (nearest: {nearest}), or 0 to keep the logs forever",
                join(RETENTION_DAYS)
            )),
        );
    }
    (name, retention_days)
}

/// The recorded ARN of the role named `name` (`role/<path>/<name>`).
fn recorded_arn(role: &Option<super::model::Role>, name: &str) -> Option<String> {
    let arn = role.as_ref()?.arn.as_ref()?;
    let (_, resource) = arn.split_once(":role/")?;
    (resource.rsplit('/').next() == Some(name)).then(|| arn.clone())
}

fn as_is(role: &Option<super::model::Role>) -> bool {
    role.as_ref().and_then(|r| r.as_is).unwrap_or(false)
}

/// The three roles, each as (role name, policy name).
struct Roles {
    execution: (String, String),
    task: (String, String),
    events: (String, String),
    deploy: (String, String),
}

fn roles(p: &mut Problems, config: &Config, camel: &str) -> Roles {
    let mut role = |section: &str,
                    written: &Option<super::model::Role>,
                    default_role: String,
                    default_policy: String| {
        let written = written.as_ref();
        let name = written.and_then(|r| r.name.clone());
        let policy = written.and_then(|r| r.policy_name.clone());
        // IAM's limits (moto accepts longer names; AWS refuses them, even
        // to read). A name the user wrote is blamed on its key; one derived
        // from the app's name, on `app.name`.
        for (what, chosen, default, max) in [
            ("name", &name, &default_role, IAM_ROLE_MAX),
            ("policy_name", &policy, &default_policy, IAM_POLICY_MAX),
        ] {
            let value = chosen.as_ref().unwrap_or(default);
            if value.len() <= max {
                continue;
            }
            let problem = format!(
                "the IAM name `{value}` is {} characters; IAM allows at most {max}",
                value.len()
            );
            p.add(match chosen {
                Some(_) => p
                    .at(format!("{section}.{what}"), problem)
                    .hint(format!("write a name of at most {max} characters")),
                None => p.at("app.name", problem).hint(format!(
                    "use a shorter app name, or name it yourself with `{section}.{what}`"
                )),
            });
        }
        (
            name.unwrap_or(default_role),
            policy.unwrap_or(default_policy),
        )
    };
    Roles {
        execution: role(
            "role",
            &config.role,
            format!("Fargate{camel}Role"),
            format!("Fargate{camel}Policy"),
        ),
        task: role(
            "task_role",
            &config.task_role,
            format!("Fargate{camel}TaskRole"),
            format!("Fargate{camel}TaskPolicy"),
        ),
        events: role(
            "events_role",
            &config.events_role,
            format!("Events{camel}Role"),
            format!("Events{camel}Policy"),
        ),
        deploy: role(
            "deploy_role",
            &config.deploy_role,
            format!("Fargate{camel}DeployRole"),
            format!("Fargate{camel}DeployPolicy"),
        ),
    }
}

/// A rule AWS applies to a kind of name: its longest length, the
/// characters it allows, and what it says.
struct NameRule {
    max: usize,
    allowed: fn(char) -> bool,
    /// A further rule on the whole name (a prefix or an edge it forbids).
    whole: fn(&str) -> bool,
    says: &'static str,
}

fn ecs_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

fn iam_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

fn elb_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-'
}

fn sg_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " ._-:/()#,@[]+=&;{}!$*".contains(c)
}

fn log_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._-/#".contains(c)
}

fn any_name(_: &str) -> bool {
    true
}

const ECS_NAME: NameRule = NameRule {
    max: 255,
    allowed: ecs_char,
    whole: any_name,
    says: "up to 255 letters, digits, `-` and `_`",
};
const IAM_NAME: NameRule = NameRule {
    max: IAM_POLICY_MAX,
    allowed: iam_char,
    whole: any_name,
    says: "letters, digits and `+=,.@_-`",
};
const ELB_NAME: NameRule = NameRule {
    max: super::web::ELB_NAME_MAX,
    allowed: elb_char,
    whole: |n| !n.starts_with('-') && !n.ends_with('-') && !n.starts_with("internal-"),
    says: "up to 32 letters, digits and `-`, not starting or ending with `-` nor starting with `internal-`",
};
const SG_NAME: NameRule = NameRule {
    max: 255,
    allowed: sg_char,
    whole: |n| !n.starts_with("sg-"),
    says: "up to 255 letters, digits, spaces and `._-:/()#,@[]+=&;{}!$*`, not starting with `sg-`",
};
const LOG_GROUP_NAME: NameRule = NameRule {
    max: 512,
    allowed: log_char,
    whole: any_name,
    says: "up to 512 letters, digits and `._-/#`",
};
const WAF_NAME: NameRule = NameRule {
    max: 128,
    allowed: ecs_char,
    whole: any_name,
    says: "up to 128 letters, digits, `-` and `_`",
};

/// The names a user may write for resources the stack makes or finds, by
/// AWS's rules for each (moto accepts any; AWS refuses them, often even to
/// read). Names built from the app's name are judged where they are built.
fn chosen_names(p: &mut Problems, config: &Config) {
    let role = |r: &Option<super::model::Role>| r.as_ref().and_then(|r| r.name.clone());
    let policy = |r: &Option<super::model::Role>| r.as_ref().and_then(|r| r.policy_name.clone());
    let alb = config.alb.as_ref();
    let groups = config.security_groups.as_ref();
    let chosen: Vec<(String, Option<String>, &NameRule)> = vec![
        ("role.name".into(), role(&config.role), &IAM_NAME),
        ("role.policy_name".into(), policy(&config.role), &IAM_NAME),
        ("task_role.name".into(), role(&config.task_role), &IAM_NAME),
        (
            "task_role.policy_name".into(),
            policy(&config.task_role),
            &IAM_NAME,
        ),
        (
            "events_role.name".into(),
            role(&config.events_role),
            &IAM_NAME,
        ),
        (
            "events_role.policy_name".into(),
            policy(&config.events_role),
            &IAM_NAME,
        ),
        (
            "deploy_role.name".into(),
            role(&config.deploy_role),
            &IAM_NAME,
        ),
        (
            "deploy_role.policy_name".into(),
            policy(&config.deploy_role),
            &IAM_NAME,
        ),
        (
            "cluster.name".into(),
            config.cluster.as_ref().and_then(|c| c.name.clone()),
            &ECS_NAME,
        ),
        (
            "log_group.name".into(),
            config.log_group.as_ref().and_then(|l| l.name.clone()),
            &LOG_GROUP_NAME,
        ),
        (
            "alb.name".into(),
            alb.and_then(|a| a.name.clone()),
            &ELB_NAME,
        ),
        (
            "alb.waf.name".into(),
            alb.and_then(|a| a.waf.as_ref())
                .and_then(|w| w.name.clone()),
            &WAF_NAME,
        ),
        (
            "security_groups.fargate.group_name".into(),
            groups
                .and_then(|g| g.fargate.as_ref())
                .and_then(|g| g.group_name.clone()),
            &SG_NAME,
        ),
        (
            "security_groups.alb.group_name".into(),
            groups
                .and_then(|g| g.alb.as_ref())
                .and_then(|g| g.group_name.clone()),
            &SG_NAME,
        ),
    ]
    .into_iter()
    .chain(
        config
            .tasks
            .iter()
            .map(|(key, t)| (format!("tasks.{key}.name"), t.name.clone(), &ECS_NAME)),
    )
    .collect();
    for (key, name, rule) in chosen {
        let Some(name) = name else { continue };
        let fits = !name.is_empty()
            && name.chars().count() <= rule.max
            && name.chars().all(rule.allowed)
            && (rule.whole)(&name);
        if !fits {
            p.add(
                p.at(key, format!("`{name}` is not a name AWS accepts here"))
                    .hint(format!("use {}", rule.says)),
            );
        }
    }
}

fn account(p: &mut Problems, config: &Config) {
    if let Some(account) = &config.account
        && !(account.0.len() == 12 && account.0.bytes().all(|b| b.is_ascii_digit()))
    {
        p.add(
            p.at(
                "account",
                format!("`{}` is not an AWS account ID (12 digits)", account.0),
            )
            .hint(
                "fix it, or delete the line and let `plan` record the account of your credentials",
            ),
        );
    }
}

fn bucket_spec(p: &mut Problems, config: &Config) -> Option<BucketSpec> {
    let b = config.bucket.as_ref()?;
    let Some(name) = b.name.clone() else {
        p.add(
            p.at("bucket.name", "missing")
                .hint("name the bucket: `name: my-bucket`"),
        );
        return None;
    };
    let valid = (3..=63).contains(&name.len())
        && name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && name
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if !valid {
        p.add(
            p.at(
                "bucket.name",
                format!("`{name}` is not a valid S3 bucket name"),
            )
            .hint("use 3 to 63 lower-case letters, digits, `-` and `.`"),
        );
        return None;
    }
    let prefixes = b
        .paths
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|p| p.trim_start_matches('/').trim_end_matches('*').to_string())
        .collect();
    Some(BucketSpec {
        name,
        readonly: b.readonly.unwrap_or(false),
        prefixes,
    })
}

/// One task, every field checked; `None` when any is wrong.
fn task_spec(p: &mut Problems, key: &str, t: &super::model::Task) -> Option<TaskSpec> {
    let before = p.count();
    let tkey = |k: &str| format!("tasks.{key}.{k}");
    if !valid_family(key) {
        p.add(
            p.at(
                format!("tasks.{key}"),
                format!("`{key}` is not a valid task name"),
            )
            .hint("use letters, digits, `-` and `_` (it becomes the ECS family and service name)"),
        );
    }
    let kind = t.kind.unwrap_or(TaskType::Task);
    if !kind.is_http() {
        // A web task's is checked with its target group (config::web).
        super::web::deployment(p, key, t, None);
    }
    let image = t.image.as_deref().filter(|s| !s.trim().is_empty());
    match image {
        None => p.add(
            p.at(tkey("image"), "missing: every task needs an image")
                .hint("add `image: REPOSITORY[:TAG]` (an ECR repository name or a full image URI)"),
        ),
        Some(image) => {
            if let Err(problem) = ImageRef::parse(image).validate() {
                p.add(
                    p.at(
                        tkey("image"),
                        format!("`{}` is not a valid image reference: {problem}", image.trim()),
                    )
                    .hint("write REPOSITORY[:TAG] or REGISTRY/REPOSITORY[:TAG][@sha256:DIGEST]; repository names are lower-case"),
                );
            }
        }
    }
    if t.on_demand_base.is_some() && t.spot != Some(true) {
        p.add(
            p.at(
                tkey("on_demand_base"),
                "only means something with `spot: true`",
            )
            .hint("add `spot: true`, or remove `on_demand_base`"),
        );
    }
    if t.spot == Some(true) && t.schedule.is_some() {
        p.add(
            p.at(
                tkey("spot"),
                "scheduled tasks run on regular Fargate in this version",
            )
            .hint("remove `spot:` from the scheduled task (services and run-task support it)"),
        );
    }
    let family = t.family.clone().unwrap_or_else(|| key.to_string());
    if t.family.is_some() && !valid_family(&family) {
        p.add(
            p.at(
                tkey("family"),
                format!("`{family}` is not a valid task definition family"),
            )
            .hint("use letters, digits, `-` and `_`"),
        );
    }
    let schedule = t.schedule.as_deref().map(schedule::normalise);
    if let Some(s) = &schedule {
        // The rule is `<task>-schedule`, as the original named it.
        let rule = format!("{key}-schedule");
        if let Err(problem) = schedule::validate(s) {
            p.add(p.at(tkey("schedule"), problem));
        } else if rule.len() > RULE_NAME_MAX {
            p.add(
                p.at(
                    tkey("schedule"),
                    format!(
                        "the task's EventBridge rule `{rule}` would be {} characters; EventBridge allows at most {RULE_NAME_MAX}",
                        rule.len()
                    ),
                )
                .hint(format!(
                    "use a task name of at most {} characters",
                    RULE_NAME_MAX - "-schedule".len()
                )),
            );
        }
    }
    let (cpu, memory, size) = task_size(p, key, t, kind);
    let command = match &t.command {
        None => None,
        Some(Command::Args(a)) => Some(a.clone()),
        Some(Command::Line(line)) => p.take(shell_words::split(line).map_err(|e| {
            p.at(
                tkey("command"),
                format!("cannot split `{line}` into arguments: {e}"),
            )
            .hint("balance the quotes, or write the command as a list")
        })),
    };
    let mut environment: Vec<(String, String)> = t
        .environment
        .iter()
        .flatten()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_ref().map(|v| v.0.clone()).unwrap_or_default(),
            )
        })
        .collect();
    environment.sort();
    let container_port = kind
        .is_http()
        .then(|| t.container_port.or(t.port).unwrap_or(80));
    let secrets = task_secrets(p, key, t);
    let efs = t.efs.as_ref().and_then(|e| task_efs(p, key, e));
    if p.count() > before {
        return None;
    }
    let image = image.expect("checked above");
    Some(TaskSpec {
        key: key.to_string(),
        kind,
        name: t.name.clone().unwrap_or_else(|| key.to_string()),
        family,
        image: ImageRef {
            from_ecr: t.image_digest.is_some(),
            ..ImageRef::parse(image)
        },
        cpu,
        memory,
        size,
        command,
        environment,
        container_port,
        secrets,
        efs,
        schedule,
        desired_count: t.desired_count,
        arch_written: t.arch,
        arch: t.arch.unwrap_or_default(),
        spot: t
            .spot
            .unwrap_or(false)
            .then(|| t.on_demand_base.unwrap_or(1)),
        exec: t.exec.unwrap_or(false),
        log_stream_prefix: t.log_stream_prefix.clone(),
        alarms: t
            .deployment
            .iter()
            .flat_map(|d| d.alarms.iter().flatten())
            .filter_map(|a| match a {
                DeploymentAlarm::Existing(name) => Some(name.clone()),
                DeploymentAlarm::Generated(_) => None,
            })
            .collect(),
        rule_name: t
            .schedule_rule
            .clone()
            .unwrap_or_else(|| schedule_rule_name(key)),
        target_id: t
            .schedule_target
            .clone()
            .unwrap_or_else(|| schedule_target_id(key)),
    })
}

/// The EventBridge rule a scheduled task gets unless the config names one.
pub fn schedule_rule_name(task: &str) -> String {
    format!("{task}-schedule")
}

/// The rule's target id unless the config names one.
pub fn schedule_target_id(task: &str) -> String {
    format!("{task}-target")
}

/// A task's cpu, memory and size name: from `size` (or the default for its
/// type), overridden by `cpu` and `memory`, and checked as a pair Fargate
/// offers. A value that cannot be read is reported and its default used,
/// so the pair is only judged when both were read.
fn task_size(
    p: &mut Problems,
    key: &str,
    t: &super::model::Task,
    kind: TaskType,
) -> (u32, u32, Option<String>) {
    let tkey = |k: &str| format!("tasks.{key}.{k}");
    let default_size = match kind {
        TaskType::Http | TaskType::Https | TaskType::Daemon => "medium",
        TaskType::Task if t.schedule.is_some() => "medium",
        TaskType::Task => "tiny",
    };
    let preset = t.size.as_ref().and_then(|s| {
        let found = sizes::preset(s);
        if found.is_none() {
            let names: Vec<String> = sizes::PRESETS.iter().map(|p| p.0.to_string()).collect();
            let e = p.at(tkey("size"), format!("`{s}` is not a size"));
            p.add(match super::diagnose::suggest(s, &names) {
                Some(n) => e.hint(format!("did you mean `{n}`? (one of {})", names.join(", "))),
                None => e.hint(format!(
                    "use one of {}, or set `cpu` and `memory`",
                    names.join(", ")
                )),
            });
        }
        found
    });
    let base = preset.unwrap_or_else(|| sizes::preset(default_size).expect("default size exists"));
    let before = p.count();
    let cpu = match &t.cpu {
        Some(c) => p
            .take(sizes::parse_cpu(&c.0).ok_or_else(|| {
                p.at(tkey("cpu"), format!("`{c}` is not a CPU value"))
                    .hint("write CPU units (256, 512, 1024, ...) or vCPUs (`0.5 vCPU`)")
            }))
            .unwrap_or(base.0),
        None => base.0,
    };
    let memory = match &t.memory {
        Some(m) => p
            .take(sizes::parse_memory(&m.0).ok_or_else(|| {
                p.at(tkey("memory"), format!("`{m}` is not a memory size"))
                    .hint("write MiB (2048) or a size with a unit (`2 GB`)")
            }))
            .unwrap_or(base.1),
        None => base.1,
    };
    if p.count() == before {
        match sizes::memory_options(cpu) {
            None => p.add(
                p.at(
                    tkey("cpu"),
                    format!("{cpu} is not a CPU value Fargate offers"),
                )
                .hint(format!("use one of {}", join(sizes::CPU_VALUES))),
            ),
            Some(options) if !options.contains(&memory) => {
                let (lo, hi) = (options[0], options[options.len() - 1]);
                p.add(
                    p.at(
                        tkey("memory"),
                        format!("{memory} MiB is not valid with cpu {cpu} on Fargate"),
                    )
                    .hint(format!(
                        "with cpu {cpu} use {lo} to {hi} MiB in steps of {} MiB, or pick a `size`",
                        options.get(1).map_or(lo, |n| n - lo)
                    )),
                );
            }
            _ => {}
        }
    }
    let size = if t.cpu.is_some() || t.memory.is_some() {
        sizes::preset_for(cpu, memory).map(str::to_string)
    } else {
        Some(t.size.clone().unwrap_or_else(|| default_size.to_string()))
    };
    (cpu, memory, size)
}

fn task_secrets(p: &mut Problems, key: &str, t: &super::model::Task) -> Vec<SecretRef> {
    let at = format!("tasks.{key}.secrets");
    let mut secrets: Vec<SecretRef> = Vec::new();
    for (i, entry) in t.secrets.iter().flatten().enumerate() {
        let written = entry.written().unwrap_or_default();
        let r = match SecretRef::parse(written) {
            Ok(r) => r,
            Err(problem) => {
                p.add(p.at(format!("{at}[{i}]"), problem).hint(
                    "write `NAME:ENV` (Secrets Manager), `NAME#json-key:ENV` (one key of a JSON secret) or `ssm:/param/name:ENV` (Parameter Store)",
                ));
                continue;
            }
        };
        if let Some(dup) = secrets.iter().find(|s| s.env == r.env) {
            p.add(
                p.at(
                    &at,
                    format!(
                        "`{}` is set by both `{}` and `{}`",
                        r.env, dup.written, r.written
                    ),
                )
                .hint("give each secret its own environment variable"),
            );
        }
        if t.environment
            .as_ref()
            .is_some_and(|e| e.contains_key(&r.env))
        {
            p.add(
                p.at(
                    &at,
                    format!("`{}` is both a secret and in `environment:`", r.env),
                )
                .hint("remove it from `environment:` (secret values never go there)"),
            );
        }
        secrets.push(r);
    }
    secrets.sort_by(|a, b| a.env.cmp(&b.env));
    secrets
}

fn task_efs(p: &mut Problems, key: &str, e: &super::model::Efs) -> Option<EfsSpec> {
    let at = |field: &str| format!("tasks.{key}.efs.{field}");
    let before = p.count();
    let id = e.id.clone().filter(|i| i.starts_with("fs-"));
    if id.is_none() {
        p.add(
            p.at(at("id"), "missing or not a file system ID")
                .hint("set `id: fs-0123456789abcdef0`"),
        );
    }
    let mut flag = |v: &Option<serde_yaml::Value>, field: &str| -> bool {
        match v {
            None => false,
            Some(serde_yaml::Value::Bool(b)) => *b,
            Some(serde_yaml::Value::Number(n)) => n.as_u64() != Some(0),
            Some(serde_yaml::Value::String(s)) if matches!(s.as_str(), "true" | "yes" | "1") => {
                true
            }
            Some(serde_yaml::Value::String(s)) if matches!(s.as_str(), "false" | "no" | "0") => {
                false
            }
            Some(_) => {
                p.add(p.at(at(field), "not a boolean").hint("write true or false"));
                false
            }
        }
    };
    let readonly = flag(&e.readonly, "readonly");
    let authorize_ingress = flag(&e.authorize_ingress, "authorize_ingress");
    let mount_point = e.mount_point.clone().unwrap_or_else(|| "/mnt".into());
    if !mount_point.starts_with('/') {
        p.add(
            p.at(
                at("mount_point"),
                format!("`{mount_point}` is not an absolute path"),
            )
            .hint("write a path such as /mnt/shared"),
        );
    }
    (p.count() == before).then(|| EfsSpec {
        id: id.expect("checked above"),
        path: e.path.clone().unwrap_or_else(|| "/".into()),
        mount_point,
        readonly,
        authorize_ingress,
    })
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> Result<StackSpec, String> {
        let loaded =
            super::super::parse(Path::new("f.yml"), text.to_string()).map_err(|e| e.to_string())?;
        build(Path::new("f.yml"), &loaded.config).map_err(|e| e.to_string())
    }

    #[test]
    fn names_follow_the_original() {
        let s = spec("app:\n  name: test-daemon\ntasks:\n  d:\n    type: daemon\n    image: x\n")
            .unwrap();
        assert_eq!(s.execution_role, "FargateTestDaemonRole");
        assert_eq!(s.execution_policy, "FargateTestDaemonPolicy");
        assert_eq!(s.task_role, "FargateTestDaemonTaskRole");
        assert_eq!(s.cluster, "test-daemon-cluster");
        assert_eq!(s.security_group, "test-daemon-sg");
        assert_eq!(s.log_group, "/ecs/app-fargatestack/test-daemon");
        assert_eq!((s.tasks[0].cpu, s.tasks[0].memory), (1024, 2048));
        assert_eq!(s.tasks[0].size.as_deref(), Some("medium"));
    }

    #[test]
    fn plain_task_is_tiny_and_memory_strings_work() {
        let s = spec("app:\n  name: a\ntasks:\n  t:\n    image: x\n").unwrap();
        assert_eq!((s.tasks[0].cpu, s.tasks[0].memory), (256, 512));
        let s =
            spec("app:\n  name: a\ntasks:\n  t:\n    image: x\n    cpu: 1024\n    memory: 2 GB\n")
                .unwrap();
        assert_eq!(s.tasks[0].size.as_deref(), Some("medium"));
        let s =
            spec("app:\n  name: a\ntasks:\n  t:\n    image: x\n    cpu: 1024\n    memory: 3 GB\n")
                .unwrap();
        assert_eq!(s.tasks[0].size, None);
    }

    #[test]
    fn rejects() {
        let cases = [
            (
                "app:\n  name: Bad_Name\ntasks:\n  t:\n    image: x\n",
                "app.name",
            ),
            (
                "app:\n  name: a\ntasks:\n  t:\n    type: task\n",
                "tasks.t.image",
            ),
            (
                "app:\n  name: a\ntasks:\n  t:\n    image: x\n    cpu: 256\n    memory: 4096\n",
                "tasks.t.memory",
            ),
            (
                "app:\n  name: a\ntasks:\n  t:\n    image: x\n    cpu: 300\n",
                "tasks.t.cpu",
            ),
            (
                "app:\n  name: a\ntasks:\n  t:\n    image: x\n    size: huge\n",
                "tasks.t.size",
            ),
            (
                "app:\n  name: a\ntasks:\n  t:\n    image: x\n    schedule: cron(0 2 * *)\n",
                "tasks.t.schedule",
            ),
            (
                "app:\n  name: a\nlog_group:\n  retention_days: 10\ntasks:\n  t:\n    image: x\n",
                "log_group.retention_days",
            ),
            ("app:\n  name: a\n", "tasks"),
            // Names over AWS's limits (moto accepts them; AWS does not).
            (
                "app:\n  name: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\ntasks:\n  t:\n    image: x\n",
                "app.name",
            ),
            (
                "app:\n  name: a\nrole:\n  name: RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR\ntasks:\n  t:\n    image: x\n",
                "role.name",
            ),
            (
                "app:\n  name: a\ncluster:\n  name: my cluster\ntasks:\n  t:\n    image: x\n",
                "cluster.name",
            ),
            (
                "app:\n  name: a\nalb:\n  name: a-load-balancer-name-of-40-characters-xx\ntasks:\n  t:\n    image: x\n",
                "alb.name",
            ),
            (
                "app:\n  name: a\nlog_group:\n  name: /ecs/my logs\ntasks:\n  t:\n    image: x\n",
                "log_group.name",
            ),
            (
                "app:\n  name: a\nsecurity_groups:\n  fargate:\n    group_name: sg-mine\ntasks:\n  t:\n    image: x\n",
                "security_groups.fargate.group_name",
            ),
            (
                "app:\n  name: a\ntasks:\n  t:\n    image: x\n    name: my container\n",
                "tasks.t.name",
            ),
            (
                "app:\n  name: a\ntasks:\n  tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt:\n    image: x\n    schedule: rate(1 hour)\n",
                "tasks.tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt.schedule",
            ),
        ];
        for (text, key) in cases {
            let e = spec(text).expect_err(text);
            assert!(e.contains(&format!("`{key}`")), "{text} -> {e}");
        }
        // A generated name over Application Auto Scaling's 256 characters.
        let long = "t".repeat(240);
        let e = spec(&format!(
            "app:\n  name: a\ntasks:\n  {long}:\n    type: daemon\n    image: x\n    autoscaling:\n      cpu: 50\n"
        ))
        .unwrap_err();
        assert!(
            e.contains(&format!("`tasks.{long}.autoscaling.policy_name`")),
            "{e}"
        );
    }

    #[test]
    fn deployments_are_checked_against_ecs_ranges() {
        let errors = |yaml: &str| -> Vec<(String, String)> {
            let loaded = super::super::parse(Path::new("f.yml"), yaml.into()).unwrap();
            match build(Path::new("f.yml"), &loaded.config) {
                Ok(_) => vec![],
                Err(err) => std::iter::once(&err)
                    .chain(err.others())
                    .map(|e| (e.key.clone(), e.to_string()))
                    .collect(),
            }
        };
        let daemon = errors(
            "app:\n  name: a\ntasks:\n  d:\n    type: daemon\n    image: x\n    deployment:\n      strategy: canary\n",
        );
        assert_eq!(daemon.len(), 1, "{daemon:?}");
        assert_eq!(daemon[0].0, "tasks.d.deployment.strategy");
        assert!(daemon[0].1.contains("has none"), "{daemon:?}");
        let web = |deployment: &str| {
            errors(&format!(
                "app:\n  name: a\ndomain: a.example.com\ntasks:\n  w:\n    type: https\n    image: x\n    deployment:\n{deployment}"
            ))
        };
        assert!(web("      strategy: canary\n      canary_percent: 12.5\n").is_empty());
        let keys = |e: Vec<(String, String)>| {
            let mut k: Vec<String> = e.into_iter().map(|(k, _)| k).collect();
            k.sort();
            k
        };
        assert_eq!(
            keys(web(
                "      strategy: linear\n      step_percent: 2\n      canary_minutes: 3\n      bake_minutes: 2000\n"
            )),
            [
                "tasks.w.deployment.bake_minutes",
                "tasks.w.deployment.canary_minutes",
                "tasks.w.deployment.step_percent",
            ]
        );
        assert_eq!(
            keys(web("      strategy: canary\n      canary_percent: 0.05\n")),
            ["tasks.w.deployment.canary_percent"]
        );
        assert_eq!(
            keys(web("      bake_minutes: 5\n")),
            ["tasks.w.deployment.bake_minutes"]
        );
        // Alarms roll back any service's deployment; a task has none.
        assert!(web("      alarms: [web-5xx]\n").is_empty());
        let task = errors(
            "app:\n  name: a\ntasks:\n  t:\n    image: x\n    deployment:\n      alarms: [x]\n",
        );
        assert_eq!(keys(task), ["tasks.t.deployment.alarms"]);
    }

    #[test]
    fn every_problem_of_a_task_at_once() {
        let loaded = super::super::parse(
            Path::new("f.yml"),
            "app:\n  name: a\ntasks:\n  t:\n    size: huge\n    cpu: lots\n    command: echo 'x\n    on_demand_base: 1\n    efs:\n      mount_point: mnt\n".into(),
        )
        .unwrap();
        let err = build(Path::new("f.yml"), &loaded.config).unwrap_err();
        let mut keys: Vec<&str> = std::iter::once(&err)
            .chain(err.others())
            .map(|e| e.key.as_str())
            .collect();
        keys.sort();
        assert_eq!(
            keys,
            [
                "tasks.t.command",
                "tasks.t.cpu",
                "tasks.t.efs.id",
                "tasks.t.efs.mount_point",
                "tasks.t.image",
                "tasks.t.on_demand_base",
                "tasks.t.size",
            ]
        );
    }

    #[test]
    fn command_line_is_split() {
        let s =
            spec("app:\n  name: a\ntasks:\n  t:\n    image: x\n    command: echo 'hello world'\n")
                .unwrap();
        assert_eq!(
            s.tasks[0].command.as_deref().unwrap(),
            ["echo", "hello world"]
        );
    }

    #[test]
    fn image_refs() {
        let i = ImageRef::parse("helloworld");
        assert_eq!(
            (
                i.registry.as_deref(),
                i.repository.as_str(),
                i.tag.as_deref()
            ),
            (None, "helloworld", None)
        );
        let i = ImageRef::parse("helloworld:v2");
        assert_eq!(i.tag.as_deref(), Some("v2"));
        let i = ImageRef::parse("123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web:1.0");
        assert_eq!(i.repository, "app/web");
        assert_eq!(
            i.ecr_registry(),
            Some(("123456789012".into(), "us-east-1".into()))
        );
        for bad in [
            "MyRepo:Latest",
            "repo@@sha256:zz",
            "repo@sha256:zz",
            "a//b",
            "x:",
        ] {
            assert!(ImageRef::parse(bad).validate().is_err(), "{bad}");
        }
        for good in [
            "nginx",
            "library/nginx:1.27-alpine",
            "ghcr.io/owner/app:v1.2.3",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app/web:1.0",
            "localhost:5000/x",
            "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        ] {
            assert!(ImageRef::parse(good).validate().is_ok(), "{good}");
        }
        let i = ImageRef::parse("localhost:5000/x");
        assert_eq!(
            (i.registry.as_deref(), i.tag.as_deref()),
            (Some("localhost:5000"), None)
        );
        assert_eq!(camel("my_cool-app"), "MyCoolApp");
    }
}
