//! The config file's schema: every key App::FargateStack reads or writes, so
//! that an existing config loads unchanged. Unknown keys are rejected (with a
//! suggestion) because a misspelt key silently ignored is a resource silently
//! misconfigured.
//!
//! These types are only ever *read*. Write-back never serialises them: it
//! patches the user's text (see `writeback`), which is how comments survive.

// Every key of the schema is declared so that configs load unchanged, even
// those this version only carries through (queue, bucket, alb, ...).
#![allow(dead_code)]

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize};
use serde_yaml::Value;

/// A scalar that users write either as a number or as a string
/// (`account: 123456789012`, `cpu: "1 vCPU"`, `memory: 2 GB`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar(pub String);

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::String(s) => Ok(Scalar(s)),
            Value::Number(n) => Ok(Scalar(n.to_string())),
            Value::Bool(b) => Ok(Scalar(b.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a string or a number, found {}",
                value_kind(&other)
            ))),
        }
    }
}

impl schemars::JsonSchema for Scalar {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A string or a number (`cpu: 256`, `memory: 2 GB`)",
            "type": ["string", "number", "boolean"]
        })
    }
}

impl std::fmt::Display for Scalar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn value_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub app: Option<App>,
    pub account: Option<Scalar>,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub route53_profile: Option<String>,
    pub config_name: Option<String>,
    pub id: Option<String>,
    pub last_updated: Option<Scalar>,
    pub vpc_id: Option<String>,
    pub subnets: Option<Subnets>,
    pub domain: Option<String>,
    pub certificate_arn: Option<String>,
    pub cluster: Option<Cluster>,
    pub role: Option<Role>,
    pub task_role: Option<Role>,
    pub events_role: Option<Role>,
    /// The role ECS assumes to move a load balancer's traffic in blue/green,
    /// canary and linear deployments (made when a service uses one).
    pub deploy_role: Option<Role>,
    pub log_group: Option<LogGroup>,
    pub security_groups: Option<SecurityGroups>,
    pub alb: Option<Alb>,
    pub route53: Option<Route53>,
    pub queue: Option<Queue>,
    pub dlq: Option<Queue>,
    pub bucket: Option<Bucket>,
    #[serde(default)]
    pub tasks: IndexMap<String, Task>,
    /// Legacy (POD and early examples).
    pub default_log_group: Option<String>,
    /// Legacy.
    pub task_definition_arn: Option<String>,
    /// Resources another fargate-stack app owns that this config takes over,
    /// by their address in the plan (`task-definition/worker`). Nothing
    /// else (not `--force`) lets apply change what another stack owns.
    #[serde(default)]
    pub take_over: Vec<String>,
    /// The original writes `redirect_80` under a top-level `arn` key by
    /// mistake; configs it wrote must still load.
    #[schemars(with = "Option<serde_json::Value>")]
    pub arn: Option<Value>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct App {
    pub name: Option<Scalar>,
    pub version: Option<Scalar>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct Subnets {
    #[serde(default)]
    pub public: Vec<String>,
    #[serde(default)]
    pub private: Vec<String>,
    #[serde(default)]
    pub isolated: Vec<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    pub name: Option<String>,
    pub arn: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub name: Option<String>,
    pub arn: Option<String>,
    pub policy_name: Option<String>,
    /// Use the role exactly as it is: the stack adds no policy to it (what
    /// the role already allows is what the tasks get). What `import`
    /// writes for a running service's roles. Beyond the original.
    pub as_is: Option<bool>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct LogGroup {
    pub name: Option<String>,
    pub arn: Option<String>,
    pub retention_days: Option<i64>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroups {
    pub fargate: Option<SecurityGroup>,
    pub alb: Option<SecurityGroup>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct SecurityGroup {
    pub group_name: Option<String>,
    pub group_id: Option<String>,
    /// The ALB group is sometimes written with `name`.
    pub name: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Alb {
    pub arn: Option<String>,
    pub name: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub port: Option<u16>,
    pub redirect_80: Option<bool>,
    pub create: Option<bool>,
    pub waf: Option<Waf>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Waf {
    #[schemars(with = "Option<serde_json::Value>")]
    pub enabled: Option<Value>,
    pub managed_rules: Option<Vec<String>>,
    pub name: Option<String>,
    pub id: Option<String>,
    pub arn: Option<String>,
    pub lock_token: Option<String>,
    pub md5: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Route53 {
    pub profile: Option<String>,
    pub zone_id: Option<String>,
    /// Point a domain's record that already exists (and points elsewhere)
    /// at this stack's load balancer. Such records are taken over, never
    /// deleted by destroy. Without it, an existing record is a conflict.
    pub adopt: Option<bool>,
    /// Leave a domain's record that exists and points elsewhere as it is
    /// (the plan says so) instead of a conflict: for building the stack
    /// beside the one that serves the domain today. Set `adopt: true`
    /// instead when it is time to move the domain. Beyond the original.
    pub keep_existing: Option<bool>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Queue {
    pub name: Option<String>,
    pub max_receive_count: Option<u32>,
    pub visibility_timeout: Option<u32>,
    pub maximum_message_size: Option<u32>,
    pub delay_seconds: Option<u32>,
    pub receive_message_wait_time_seconds: Option<u32>,
    pub message_retention_period: Option<u32>,
    pub permissions: Option<QueuePermissions>,
    pub url: Option<String>,
    pub arn: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct QueuePermissions {
    pub profile: Option<String>,
    pub include: Option<Vec<String>>,
    pub exclude: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Bucket {
    pub name: Option<String>,
    pub readonly: Option<bool>,
    pub paths: Option<Vec<String>>,
    #[schemars(with = "Option<serde_json::Value>")]
    pub policy: Option<Value>,
}

#[derive(
    Debug, Deserialize, schemars::JsonSchema, Clone, Copy, PartialEq, Eq, serde::Serialize,
)]
#[serde(rename_all = "lowercase")]
pub enum TaskType {
    Task,
    Daemon,
    Http,
    Https,
}

impl TaskType {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskType::Task => "task",
            TaskType::Daemon => "daemon",
            TaskType::Http => "http",
            TaskType::Https => "https",
        }
    }

    pub fn is_http(self) -> bool {
        matches!(self, TaskType::Http | TaskType::Https)
    }
}

/// The CPU architecture a task runs on (Fargate's runtime platform).
#[derive(
    Debug, Deserialize, schemars::JsonSchema, Clone, Copy, PartialEq, Eq, Default, serde::Serialize,
)]
pub enum Arch {
    /// Intel/AMD (Fargate's default).
    #[default]
    #[serde(rename = "x86_64", alias = "amd64")]
    X86_64,
    /// Graviton: about 20% cheaper per vCPU-hour; the image must be built for arm64.
    #[serde(rename = "arm64", alias = "aarch64")]
    Arm64,
}

impl Arch {
    /// The ECS runtime platform's name.
    pub fn ecs(self) -> &'static str {
        match self {
            Arch::X86_64 => "X86_64",
            Arch::Arm64 => "ARM64",
        }
    }

    /// The name in an image index's `platform.architecture`.
    pub fn platform(self) -> &'static str {
        match self {
            Arch::X86_64 => "amd64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// `command: "echo hi"` (the original's form) or `command: [echo, hi]`.
#[derive(Debug, Deserialize, schemars::JsonSchema, Clone, PartialEq)]
#[serde(untagged)]
pub enum Command {
    Line(String),
    Args(Vec<String>),
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Task {
    #[serde(rename = "type")]
    pub kind: Option<TaskType>,
    #[schemars(required)]
    pub image: Option<String>,
    pub name: Option<String>,
    pub family: Option<String>,
    pub size: Option<String>,
    pub cpu: Option<Scalar>,
    pub memory: Option<Scalar>,
    pub command: Option<Command>,
    pub environment: Option<IndexMap<String, Option<Scalar>>>,
    pub secrets: Option<Vec<SecretEntry>>,
    pub schedule: Option<String>,
    /// The EventBridge rule's name (default `<task>-schedule`); `import`
    /// records a rule's own. Beyond the original.
    pub schedule_rule: Option<String>,
    /// The rule's target id (default `<task>-target`). Beyond the original.
    pub schedule_target: Option<String>,
    pub efs: Option<Efs>,
    pub port: Option<u16>,
    pub container_port: Option<u16>,
    pub host_port: Option<u16>,
    pub health_check: Option<HealthCheck>,
    pub target_group_name: Option<String>,
    pub target_group_arn: Option<String>,
    pub arn: Option<String>,
    pub image_digest: Option<String>,
    pub certificate_arn: Option<String>,
    pub desired_count: Option<u32>,
    /// The service's own domain (http/https), when several services share
    /// the load balancer; else the top-level `domain`. Beyond the original.
    pub domain: Option<String>,
    /// A path pattern (`/api/*`) routed to this service on its domain.
    /// Beyond the original.
    pub path: Option<String>,
    /// Seconds a new task may fail health checks before ECS replaces it
    /// (default 60).
    pub health_check_grace_period: Option<u32>,
    /// `x86_64` (default) or `arm64` (Graviton). Beyond the original.
    pub arch: Option<Arch>,
    /// Run on Fargate Spot (up to 70% cheaper, may be interrupted with two
    /// minutes' notice). Services keep `on_demand_base` tasks on regular
    /// Fargate. Beyond the original.
    pub spot: Option<bool>,
    /// ECS Exec: `fargate-stack exec` opens a shell (or runs a command) in
    /// the running container. Turns on the service's and run-task's
    /// `enableExecuteCommand`, the container's init process, and the task
    /// role's Session Manager channel permissions. Beyond the original.
    pub exec: Option<bool>,
    /// The `awslogs-stream-prefix` of the container's log configuration
    /// (default the app's name). Beyond the original.
    pub log_stream_prefix: Option<String>,
    /// With `spot: true`, how many of a service's tasks stay on regular
    /// Fargate (default 1, so a service survives a Spot reclaim).
    pub on_demand_base: Option<u32>,
    pub tags: Option<IndexMap<String, Option<Scalar>>>,
    pub event_bus_name: Option<String>,
    pub autoscaling: Option<Autoscaling>,
    /// How a new revision replaces the running one. Beyond the original.
    pub deployment: Option<Deployment>,
    /// Legacy per-task log group.
    pub log_group: Option<LogGroup>,
    /// Legacy.
    pub task_definition_arn: Option<String>,
}

/// A `secrets:` entry: `/path:ENV` as written, or App::FargateStack's
/// cached form `{"/path:ENV": ARN}`.
#[derive(Debug, Deserialize, schemars::JsonSchema, Clone)]
#[serde(untagged)]
pub enum SecretEntry {
    Plain(String),
    Recorded(IndexMap<String, String>),
}

impl SecretEntry {
    pub fn written(&self) -> Option<&str> {
        match self {
            SecretEntry::Plain(s) => Some(s),
            SecretEntry::Recorded(m) => m.keys().next().map(String::as_str),
        }
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Efs {
    pub id: Option<String>,
    pub path: Option<String>,
    pub mount_point: Option<String>,
    #[schemars(with = "Option<serde_json::Value>")]
    pub readonly: Option<Value>,
    #[schemars(with = "Option<serde_json::Value>")]
    pub authorize_ingress: Option<Value>,
    pub arn: Option<String>,
    #[schemars(with = "Option<serde_json::Value>")]
    pub security_groups: Option<Value>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct HealthCheck {
    #[schemars(with = "Option<serde_json::Value>")]
    pub enabled: Option<Value>,
    pub path: Option<String>,
    pub port: Option<Scalar>,
    pub interval_seconds: Option<u32>,
    pub timeout_seconds: Option<u32>,
    pub healthy_threshold_count: Option<u32>,
    pub unhealthy_threshold_count: Option<u32>,
    pub matcher: Option<Scalar>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Autoscaling {
    pub cpu: Option<u32>,
    /// Average memory use in percent. Beyond the original.
    pub memory: Option<u32>,
    pub requests: Option<u32>,
    pub min_capacity: Option<u32>,
    pub max_capacity: Option<u32>,
    pub scale_out_cooldown: Option<u32>,
    pub scale_in_cooldown: Option<u32>,
    pub policy_name: Option<String>,
    pub policy_arn: Option<String>,
    pub scheduled: Option<IndexMap<String, ScheduledAction>>,
}

/// ECS's deployment strategies.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, schemars::JsonSchema, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// New tasks replace old ones behind the same target group (the default).
    #[default]
    Rolling,
    /// The new revision in the alternate target group; all production
    /// traffic moves at once, then the bake.
    BlueGreen,
    /// `canary_percent` of the traffic for `canary_minutes`, then the rest.
    Canary,
    /// `step_percent` more every `step_minutes` until all of it.
    Linear,
}

impl Strategy {
    /// ECS's name for it.
    pub fn ecs(self) -> &'static str {
        match self {
            Strategy::Rolling => "ROLLING",
            Strategy::BlueGreen => "BLUE_GREEN",
            Strategy::Canary => "CANARY",
            Strategy::Linear => "LINEAR",
        }
    }

    /// Whether ECS moves the load balancer's traffic between two target
    /// groups (everything but rolling).
    pub fn shifts_traffic(self) -> bool {
        self != Strategy::Rolling
    }
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// `rolling` (default), `blue_green`, `canary` or `linear` (the last
    /// three for http/https services).
    pub strategy: Option<Strategy>,
    /// canary: the share of production traffic the new revision gets first
    /// (0.1 to 100, in steps of 0.1; default 5).
    pub canary_percent: Option<f64>,
    /// canary: how long that share runs before the rest moves (0 to 1440;
    /// default 10).
    pub canary_minutes: Option<u32>,
    /// linear: the share moved at each step (3 to 100, in steps of 0.1;
    /// default 10).
    pub step_percent: Option<f64>,
    /// linear: minutes between steps (0 to 1440; default 6).
    pub step_minutes: Option<u32>,
    /// blue_green, canary, linear: minutes both revisions run after all
    /// traffic has moved, before the old tasks stop (0 to 1440; default 10).
    pub bake_minutes: Option<u32>,
    /// Alarms that roll a deployment back when they fire during it (any
    /// strategy): names of existing CloudWatch alarms, and alarms the stack
    /// creates on a web service's target groups (`http_5xx_percent: 5`,
    /// `unhealthy_hosts: 1`, each with an optional `minutes`).
    pub alarms: Option<Vec<DeploymentAlarm>>,
    /// (W) The alternate target group's ARN.
    pub alternate_target_group_arn: Option<String>,
    /// (W) The production listener rule's ARN.
    pub listener_rule_arn: Option<String>,
    /// (W) The test listener rule's ARN.
    pub test_listener_rule_arn: Option<String>,
}

/// One entry of `deployment.alarms`.
#[derive(Debug, Clone, PartialEq, schemars::JsonSchema)]
#[serde(untagged)]
pub enum DeploymentAlarm {
    /// The name of an existing CloudWatch alarm (the stack never changes it).
    Existing(String),
    /// An alarm the stack creates, owns and deletes with it.
    Generated(GeneratedAlarm),
}

impl<'de> Deserialize<'de> for DeploymentAlarm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entry;
        impl<'de> serde::de::Visitor<'de> for Entry {
            type Value = DeploymentAlarm;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an alarm's name, or `http_5xx_percent: N` or `unhealthy_hosts: N`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<DeploymentAlarm, E> {
                Ok(DeploymentAlarm::Existing(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<DeploymentAlarm, A::Error> {
                // The map is read as the struct, so an unknown key is named
                // with the keys allowed, like everywhere else.
                GeneratedAlarm::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(DeploymentAlarm::Generated)
            }
        }
        d.deserialize_any(Entry)
    }
}

/// An alarm on a web service's target groups (both of them during a
/// blue/green, canary or linear deployment). One of the two measures.
#[derive(Debug, Clone, PartialEq, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct GeneratedAlarm {
    /// Fires when at least this percentage of the requests the service's
    /// targets answer get a 5xx (above 0, up to 100).
    pub http_5xx_percent: Option<f64>,
    /// Fires when at least this many of the service's targets fail their
    /// health check (1 or more).
    pub unhealthy_hosts: Option<u32>,
    /// For this many consecutive minutes (1 to 1440; default 2).
    pub minutes: Option<u32>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ScheduledAction {
    pub start_time: Option<Scalar>,
    pub end_time: Option<Scalar>,
    pub days: Option<Scalar>,
    pub min_capacity: Option<Scalar>,
    pub max_capacity: Option<Scalar>,
}
