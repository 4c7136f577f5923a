//! The resource graph. Every AWS resource the stack manages is a `Node`
//! with an address (`kind/key`), the attributes the config asks for, and
//! the addresses it depends on. Each kind lives in its own file with the
//! same shape:
//!
//! - `nodes(inputs)`: the instances the config asks for (pure);
//! - `observe(aws, inputs, node)`: what exists, with its tags (read-only);
//! - `diff(node, state)`: optional, when a kind compares more than attributes;
//! - `apply(aws, inputs, work)`: create or update, adopting what a lost
//!   response already created;
//! - `delete(aws, inputs, node, state)`;
//! - `write_back(node, state)`: the config keys it records.
//!
//! `Kind` is the one list of kinds and the one dispatch point: adding a kind
//! is its file, a variant, and a line in each `match` below.

pub mod alb_ingress;
pub mod bucket;
pub mod certificate;
pub mod cluster;
pub mod dns_record;
pub mod efs_ingress;
pub mod iam_role;
pub mod listener;
pub mod listener_certificate;
pub mod listener_rule;
pub mod load_balancer;
pub mod log_group;
pub mod orphans;
pub mod queue;
pub mod scalable_target;
pub mod scaling_policy;
pub mod schedule_rule;
pub mod schedule_target;
pub mod scheduled_action;
pub mod security_group;
pub mod service;
pub mod target_group;
pub mod task_definition;
pub mod web_acl;

use std::collections::BTreeMap;

use anyhow::Result;
use indexmap::IndexMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::aws::Aws;
use crate::config::StackSpec;
use crate::config::writeback::Update;
use crate::discovery::{Identity, Network, ResolvedImage};

/// What a step does to its resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Exists,
    Delete,
}

impl Action {
    pub fn changes_something(self) -> bool {
        self != Action::Exists
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

pub use crate::ownership::{APP_TAG, Ownership, tag_map, tags};

/// Every kind, in the original tool's build order (its `Builder::build`),
/// which is also the tie-break when the graph allows several orders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    LogGroup,
    Certificate,
    Queue,
    Bucket,
    ExecutionRole,
    ExecutionPolicy,
    TaskRole,
    TaskPolicy,
    Cluster,
    SecurityGroup,
    TaskDefinition,
    EfsIngress,
    EventsRole,
    EventsPolicy,
    ScheduleRule,
    ScheduleTarget,
    LoadBalancer,
    TargetGroup,
    Listener,
    ListenerCertificate,
    ListenerRule,
    AlbIngress,
    DnsRecord,
    WebAcl,
    /// Created by `create-service`, not by apply; destroy removes it first.
    Service,
    /// Set up once the service exists (by apply or create-service).
    ScalableTarget,
    ScalingPolicy,
    ScheduledAction,
}

impl Kind {
    pub const ALL: &'static [Kind] = &[
        Kind::LogGroup,
        Kind::Certificate,
        Kind::Queue,
        Kind::Bucket,
        Kind::ExecutionRole,
        Kind::ExecutionPolicy,
        Kind::TaskRole,
        Kind::TaskPolicy,
        Kind::Cluster,
        Kind::SecurityGroup,
        Kind::TaskDefinition,
        Kind::EfsIngress,
        Kind::EventsRole,
        Kind::EventsPolicy,
        Kind::ScheduleRule,
        Kind::ScheduleTarget,
        Kind::LoadBalancer,
        Kind::TargetGroup,
        Kind::Listener,
        Kind::ListenerCertificate,
        Kind::ListenerRule,
        Kind::AlbIngress,
        Kind::DnsRecord,
        Kind::WebAcl,
        Kind::Service,
        Kind::ScalableTarget,
        Kind::ScalingPolicy,
        Kind::ScheduledAction,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Kind::LogGroup => "log group",
            Kind::Queue => "sqs queue",
            Kind::Bucket => "s3 bucket",
            Kind::TaskPolicy => "iam task policy",
            Kind::ExecutionRole => "iam execution role",
            Kind::ExecutionPolicy => "iam execution policy",
            Kind::TaskRole => "iam task role",
            Kind::Cluster => "ecs cluster",
            Kind::SecurityGroup => "security group",
            Kind::TaskDefinition => "task definition",
            Kind::EfsIngress => "efs ingress rule",
            Kind::EventsRole => "iam events role",
            Kind::EventsPolicy => "iam events policy",
            Kind::ScheduleRule => "schedule rule",
            Kind::ScheduleTarget => "schedule target",
            Kind::Certificate => "acm certificate",
            Kind::LoadBalancer => "load balancer",
            Kind::TargetGroup => "target group",
            Kind::Listener => "listener",
            Kind::ListenerCertificate => "listener certificate",
            Kind::ListenerRule => "listener rule",
            Kind::AlbIngress => "alb ingress rule",
            Kind::DnsRecord => "dns record",
            Kind::WebAcl => "waf web acl",
            Kind::ScalableTarget => "autoscaling target",
            Kind::ScalingPolicy => "autoscaling policy",
            Kind::ScheduledAction => "scheduled scaling action",
            Kind::Service => "ecs service",
        }
    }

    pub fn slug(self) -> &'static str {
        match self {
            Kind::LogGroup => "log-group",
            Kind::Queue => "queue",
            Kind::Bucket => "bucket",
            Kind::TaskPolicy => "task-policy",
            Kind::ExecutionRole => "execution-role",
            Kind::ExecutionPolicy => "execution-policy",
            Kind::TaskRole => "task-role",
            Kind::Cluster => "cluster",
            Kind::SecurityGroup => "security-group",
            Kind::TaskDefinition => "task-definition",
            Kind::EfsIngress => "efs-ingress",
            Kind::EventsRole => "events-role",
            Kind::EventsPolicy => "events-policy",
            Kind::ScheduleRule => "schedule-rule",
            Kind::ScheduleTarget => "schedule-target",
            Kind::Certificate => "certificate",
            Kind::LoadBalancer => "load-balancer",
            Kind::TargetGroup => "target-group",
            Kind::Listener => "listener",
            Kind::ListenerCertificate => "listener-certificate",
            Kind::ListenerRule => "listener-rule",
            Kind::AlbIngress => "alb-ingress",
            Kind::DnsRecord => "dns-record",
            Kind::WebAcl => "web-acl",
            Kind::ScalableTarget => "scalable-target",
            Kind::ScalingPolicy => "scaling-policy",
            Kind::ScheduledAction => "scheduled-action",
            Kind::Service => "service",
        }
    }

    /// Whether `apply` creates and updates this kind. Services are run by
    /// the service commands (as in the original) but belong to the graph so
    /// that destroy removes them first.
    pub fn applied(self) -> bool {
        !matches!(self, Kind::Service)
    }

    /// Kinds that attach to a running service: planned only once it exists.
    pub fn needs_service(self) -> bool {
        matches!(
            self,
            Kind::ScalableTarget | Kind::ScalingPolicy | Kind::ScheduledAction
        )
    }

    pub fn nodes(self, cx: &Inputs) -> Vec<Node> {
        match self {
            Kind::LogGroup => log_group::nodes(cx),
            Kind::Queue => queue::nodes(cx),
            Kind::Bucket => bucket::nodes(cx),
            Kind::ExecutionRole | Kind::TaskRole | Kind::EventsRole => {
                iam_role::role_nodes(self, cx)
            }
            Kind::ExecutionPolicy | Kind::EventsPolicy | Kind::TaskPolicy => {
                iam_role::policy_nodes(self, cx)
            }
            Kind::ScheduleRule => schedule_rule::nodes(cx),
            Kind::ScheduleTarget => schedule_target::nodes(cx),
            Kind::Cluster => cluster::nodes(cx),
            Kind::SecurityGroup => security_group::nodes(cx),
            Kind::TaskDefinition => task_definition::nodes(cx),
            Kind::EfsIngress => efs_ingress::nodes(cx),
            Kind::Certificate => certificate::nodes(cx),
            Kind::LoadBalancer => load_balancer::nodes(cx),
            Kind::TargetGroup => target_group::nodes(cx),
            Kind::Listener => listener::nodes(cx),
            Kind::ListenerCertificate => listener_certificate::nodes(cx),
            Kind::ListenerRule => listener_rule::nodes(cx),
            Kind::AlbIngress => alb_ingress::nodes(cx),
            Kind::DnsRecord => dns_record::nodes(cx),
            Kind::WebAcl => web_acl::nodes(cx),
            Kind::ScalableTarget => scalable_target::nodes(cx),
            Kind::ScalingPolicy => scaling_policy::nodes(cx),
            Kind::ScheduledAction => scheduled_action::nodes(cx),
            Kind::Service => service::nodes(cx),
        }
    }

    pub async fn observe(self, aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        match self {
            Kind::LogGroup => log_group::observe(aws, cx, node).await,
            Kind::Queue => queue::observe(aws, cx, node).await,
            Kind::Bucket => bucket::observe(aws, node).await,
            Kind::ExecutionRole | Kind::TaskRole | Kind::EventsRole => {
                iam_role::observe_role(aws, node).await
            }
            Kind::ExecutionPolicy | Kind::EventsPolicy | Kind::TaskPolicy => {
                iam_role::observe_policy(aws, node).await
            }
            Kind::ScheduleRule => schedule_rule::observe(aws, cx, node).await,
            Kind::ScheduleTarget => schedule_target::observe(aws, node).await,
            Kind::Cluster => cluster::observe(aws, node).await,
            Kind::SecurityGroup => security_group::observe(aws, cx, node).await,
            Kind::TaskDefinition => task_definition::observe(aws, node).await,
            Kind::EfsIngress => efs_ingress::observe(aws, cx, node).await,
            Kind::Certificate => certificate::observe(aws, cx, node).await,
            Kind::LoadBalancer => load_balancer::observe(cx).await,
            Kind::TargetGroup => target_group::observe(aws, cx, node).await,
            Kind::Listener => listener::observe(cx, node).await,
            Kind::ListenerCertificate => listener_certificate::observe(aws, cx, node).await,
            Kind::ListenerRule => listener_rule::observe(aws, cx, node).await,
            Kind::AlbIngress => alb_ingress::observe(aws, cx, node).await,
            Kind::DnsRecord => dns_record::observe(aws, cx, node).await,
            Kind::WebAcl => web_acl::observe(aws, cx, node).await,
            Kind::ScalableTarget => scalable_target::observe(aws, node).await,
            Kind::ScalingPolicy => scaling_policy::observe(aws, cx, node).await,
            Kind::ScheduledAction => scheduled_action::observe(aws, cx, node).await,
            Kind::Service => service::observe(aws, cx, node).await,
        }
    }

    /// How desired and observed differ: `None` when they agree.
    pub fn diff(self, node: &Node, state: &State) -> Option<Diff> {
        match self {
            Kind::ExecutionPolicy | Kind::EventsPolicy | Kind::TaskPolicy => {
                iam_role::diff_policy(node, state)
            }
            Kind::TaskDefinition => task_definition::diff(node, state),
            _ => diff_attributes(&node.desired, &state.attributes),
        }
    }

    pub async fn apply(self, aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        match self {
            Kind::LogGroup => log_group::apply(aws, cx, work).await,
            Kind::Queue => queue::apply(aws, cx, work).await,
            Kind::Bucket => bucket::apply(aws, cx, work).await,
            Kind::ExecutionRole | Kind::TaskRole | Kind::EventsRole => {
                iam_role::apply_role(aws, cx, work).await
            }
            Kind::ExecutionPolicy | Kind::EventsPolicy | Kind::TaskPolicy => {
                iam_role::apply_policy(aws, work).await
            }
            Kind::ScheduleRule => schedule_rule::apply(aws, cx, work).await,
            Kind::ScheduleTarget => schedule_target::apply(aws, cx, work).await,
            Kind::Cluster => cluster::apply(aws, cx, work).await,
            Kind::SecurityGroup => security_group::apply(aws, cx, work).await,
            Kind::TaskDefinition => task_definition::apply(aws, cx, work).await,
            Kind::EfsIngress => efs_ingress::apply(aws, work).await,
            Kind::Certificate => certificate::apply(aws, cx, work).await,
            Kind::LoadBalancer => load_balancer::apply(aws, cx, work).await,
            Kind::TargetGroup => target_group::apply(aws, cx, work).await,
            Kind::Listener => listener::apply(aws, cx, work).await,
            Kind::ListenerCertificate => listener_certificate::apply(aws, cx, work).await,
            Kind::ListenerRule => listener_rule::apply(aws, cx, work).await,
            Kind::AlbIngress => alb_ingress::apply(aws, work).await,
            Kind::DnsRecord => dns_record::apply(aws, cx, work).await,
            Kind::WebAcl => web_acl::apply(aws, cx, work).await,
            Kind::ScalableTarget => scalable_target::apply(aws, work).await,
            Kind::ScalingPolicy => scaling_policy::apply(aws, cx, work).await,
            Kind::ScheduledAction => scheduled_action::apply(aws, cx, work).await,
            Kind::Service => {
                anyhow::bail!("services are created by `fargate-stack create-service`")
            }
        }
    }

    pub async fn delete(
        self,
        aws: &Aws,
        cx: &Inputs<'_>,
        node: &Node,
        state: &State,
    ) -> Result<()> {
        match self {
            Kind::LogGroup => log_group::delete(aws, node).await,
            Kind::Queue => queue::delete(aws, node, state).await,
            Kind::Bucket => anyhow::bail!("buckets are never deleted: they hold data"),
            Kind::ExecutionRole | Kind::TaskRole | Kind::EventsRole => {
                iam_role::delete_role(aws, node).await
            }
            Kind::ExecutionPolicy | Kind::EventsPolicy | Kind::TaskPolicy => {
                iam_role::delete_policy(aws, node).await
            }
            Kind::ScheduleRule => schedule_rule::delete(aws, node).await,
            Kind::ScheduleTarget => schedule_target::delete(aws, node).await,
            Kind::Cluster => cluster::delete(aws, node).await,
            Kind::SecurityGroup => security_group::delete(aws, state).await,
            Kind::TaskDefinition => task_definition::delete(aws, node).await,
            Kind::EfsIngress => efs_ingress::delete(aws, state).await,
            Kind::Certificate => certificate::delete(aws, state).await,
            Kind::LoadBalancer => load_balancer::delete(aws, state).await,
            Kind::TargetGroup => target_group::delete(aws, state).await,
            Kind::Listener => listener::delete(aws, state).await,
            Kind::ListenerCertificate => listener_certificate::delete(aws, state).await,
            Kind::ListenerRule => listener_rule::delete(aws, state).await,
            Kind::AlbIngress => alb_ingress::delete(aws, state).await,
            Kind::DnsRecord => dns_record::delete(aws, node, state).await,
            Kind::WebAcl => web_acl::delete(aws, node, state).await,
            Kind::ScalableTarget => scalable_target::delete(aws, node).await,
            Kind::ScalingPolicy => scaling_policy::delete(aws, cx, node).await,
            Kind::ScheduledAction => scheduled_action::delete(aws, cx, node).await,
            Kind::Service => service::delete(aws, cx, node).await,
        }
    }

    /// Config keys recorded for a node; `state` is `None` when only the
    /// names (not the IDs) are known.
    pub fn write_back(self, cx: &Inputs, node: &Node, state: Option<&State>) -> Vec<Update> {
        match self {
            Kind::LogGroup => log_group::write_back(cx, node, state),
            Kind::Queue => queue::write_back(node, state),
            Kind::Bucket => vec![],
            Kind::ExecutionRole | Kind::TaskRole | Kind::EventsRole => {
                iam_role::write_back(cx, node, state)
            }
            Kind::ExecutionPolicy
            | Kind::EventsPolicy
            | Kind::TaskPolicy
            | Kind::ScheduleTarget
            | Kind::EfsIngress => vec![],
            Kind::ScheduleRule => schedule_rule::write_back(node),
            Kind::Cluster => cluster::write_back(node, state),
            Kind::SecurityGroup => security_group::write_back(node, state),
            Kind::TaskDefinition => task_definition::write_back(cx, node, state),
            Kind::Certificate => certificate::write_back(cx, node, state),
            Kind::LoadBalancer => load_balancer::write_back(node, state),
            Kind::TargetGroup => target_group::write_back(node, state),
            Kind::DnsRecord => dns_record::write_back(cx, node),
            Kind::WebAcl => web_acl::write_back(node, state),
            Kind::ScalingPolicy => scaling_policy::write_back(node, state),
            Kind::ScalableTarget | Kind::ScheduledAction => vec![],
            Kind::Listener
            | Kind::ListenerCertificate
            | Kind::ListenerRule
            | Kind::AlbIngress
            | Kind::Service => vec![],
        }
    }

    /// Config keys that only record what exists (removed by destroy, so the
    /// user's own keys stay).
    pub fn recorded_keys(self, node: &Node) -> Vec<Vec<String>> {
        let path = |p: &[&str]| p.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        match self {
            Kind::LogGroup => vec![path(&["log_group", "arn"])],
            Kind::Queue => queue::recorded_keys(node),
            Kind::Bucket => vec![],
            Kind::ExecutionRole => vec![path(&["role", "arn"])],
            Kind::TaskRole => vec![path(&["task_role", "arn"])],
            Kind::EventsRole => vec![path(&["events_role", "arn"])],
            Kind::Cluster => vec![path(&["cluster", "arn"])],
            Kind::SecurityGroup => vec![path(&[
                "security_groups",
                security_group::section(node),
                "group_id",
            ])],
            Kind::TaskDefinition => {
                let key = node.task.as_deref().unwrap_or_default();
                vec![
                    path(&["tasks", key, "arn"]),
                    path(&["tasks", key, "image_digest"]),
                ]
            }
            Kind::LoadBalancer => vec![path(&["alb", "arn"])],
            Kind::TargetGroup => {
                vec![path(&[
                    "tasks",
                    node.task.as_deref().unwrap_or_default(),
                    "target_group_arn",
                ])]
            }
            Kind::ExecutionPolicy
            | Kind::EventsPolicy
            | Kind::TaskPolicy
            | Kind::EfsIngress
            | Kind::ScheduleRule
            | Kind::ScheduleTarget
            | Kind::Certificate
            | Kind::Listener
            | Kind::ListenerCertificate
            | Kind::ListenerRule
            | Kind::AlbIngress
            | Kind::DnsRecord
            | Kind::ScalableTarget
            | Kind::ScheduledAction
            | Kind::Service => vec![],
            Kind::WebAcl => vec![path(&["alb", "waf", "arn"])],
            Kind::ScalingPolicy => vec![path(&[
                "tasks",
                node.task.as_deref().unwrap_or_default(),
                "autoscaling",
                "policy_arn",
            ])],
        }
    }
}

/// `kind/key`: how every map of the engine is keyed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub kind: Kind,
    pub key: String,
}

impl Address {
    pub fn new(kind: Kind, key: impl Into<String>) -> Address {
        Address {
            kind,
            key: key.into(),
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind.slug(), self.key)
    }
}

impl Serialize for Address {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Everything the nodes are computed from: the config and what discovery
/// found about the account. No resource state.
pub struct Inputs<'a> {
    pub config: &'a crate::config::Config,
    pub spec: &'a StackSpec,
    pub id: &'a Identity,
    pub network: &'a Network,
    pub images: &'a IndexMap<String, ResolvedImage>,
    /// Each `secrets:` entry as written -> its ARN (never its value).
    pub secrets: &'a BTreeMap<String, crate::discovery::secrets::Resolved>,
    /// EFS file systems the tasks mount, by ID.
    pub file_systems: &'a BTreeMap<String, crate::discovery::efs::FileSystem>,
    /// The load balancer, zones and certificates found (empty without web
    /// services).
    pub web: &'a crate::discovery::web::WebFound,
}

/// One resource the config asks for.
#[derive(Debug, Clone)]
pub struct Node {
    pub address: Address,
    /// The name in AWS.
    pub name: String,
    /// What it will be known as before it exists (a predicted ARN, or the name).
    pub predicted: String,
    /// The attributes compared with the observed ones, in the same
    /// normalised form; also what apply sends.
    pub desired: Value,
    pub depends_on: Vec<Address>,
    /// The task key, for per-task resources.
    pub task: Option<String>,
}

impl Node {
    pub fn new(kind: Kind, key: &str, name: impl Into<String>) -> Node {
        let name = name.into();
        Node {
            address: Address::new(kind, key),
            predicted: name.clone(),
            name,
            desired: Value::Object(Default::default()),
            depends_on: vec![],
            task: None,
        }
    }
}

/// What exists in AWS for a node.
#[derive(Debug, Clone, Serialize)]
pub struct State {
    /// ARN, or ID where the resource has no ARN in use (security groups).
    pub id: String,
    /// `None` where the kind cannot read tags cheaply.
    pub tags: Option<BTreeMap<String, String>>,
    /// Same shape as `Node::desired`.
    pub attributes: Value,
    /// Values recorded but never compared (a queue's URL).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub outputs: BTreeMap<String, String>,
}

impl State {
    pub fn new(id: impl Into<String>, tags: Option<BTreeMap<String, String>>) -> State {
        State {
            id: id.into(),
            tags,
            attributes: Value::Object(Default::default()),
            outputs: BTreeMap::new(),
        }
    }

    pub fn with(mut self, attributes: Value) -> State {
        self.attributes = attributes;
        self
    }

    pub fn ownership(&self, app: &str) -> Ownership {
        crate::ownership::of(self.tags.as_ref(), app)
    }
}

/// How a resource differs from what the config asks for.
#[derive(Debug, Clone, Default)]
pub struct Diff {
    pub action: Option<Action>,
    pub changes: Vec<Change>,
    /// A unified diff, for documents (policies, task definitions).
    pub text: Option<String>,
    /// What it will be known as after the change (a task definition's next revision).
    pub predicted: Option<String>,
}

/// What the executor hands a kind's `apply`.
pub struct Work<'a> {
    pub node: &'a Node,
    pub action: Action,
    pub current: Option<&'a State>,
    /// The states of the nodes this one depends on, as they now are.
    pub deps: &'a BTreeMap<Address, State>,
}

impl Work<'_> {
    pub fn dep(&self, kind: Kind) -> Option<&State> {
        self.deps
            .iter()
            .find(|(a, _)| a.kind == kind)
            .map(|(_, s)| s)
    }
}

/// Field-level comparison of two attribute documents.
pub fn diff_attributes(desired: &Value, observed: &Value) -> Option<Diff> {
    let changes = field_changes(observed, desired);
    (!changes.is_empty()).then_some(Diff {
        action: Some(Action::Update),
        changes,
        text: None,
        predicted: None,
    })
}

pub fn field_changes(before: &Value, after: &Value) -> Vec<Change> {
    let (mut b, mut a) = (BTreeMap::new(), BTreeMap::new());
    flatten("", before, &mut b);
    flatten("", after, &mut a);
    let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    keys.into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| Change {
            field: k.clone(),
            before: b.get(k).cloned().unwrap_or_else(|| "(none)".into()),
            after: a.get(k).cloned().unwrap_or_else(|| "(none)".into()),
        })
        .collect()
}

/// Every leaf as `path -> value`.
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&p, v, out);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        Value::Null => {}
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

pub fn unified(before: &Value, after: &Value, old: &str, new: &str) -> String {
    let b = serde_json::to_string_pretty(before).expect("serialises");
    let a = serde_json::to_string_pretty(after).expect("serialises");
    similar::TextDiff::from_lines(&b, &a)
        .unified_diff()
        .context_radius(2)
        .header(old, new)
        .to_string()
}

/// Whether an AWS error means "already there": a create whose response was
/// lost after the request landed ends here, and the resource is ours.
pub fn already_exists(err: &crate::aws::errors::AwsError) -> bool {
    matches!(
        err.code.as_deref(),
        Some(
            "EntityAlreadyExists"
                | "ResourceAlreadyExistsException"
                | "InvalidGroup.Duplicate"
                | "AlreadyExists"
        )
    )
}

/// Whether an AWS error means "not there" (for deletes that race, and for
/// observes).
pub fn not_found(err: &crate::aws::errors::AwsError) -> bool {
    matches!(
        err.code.as_deref(),
        Some(
            "NoSuchEntity"
                | "ResourceNotFoundException"
                | "InvalidGroup.NotFound"
                | "ClusterNotFoundException"
                | "ServiceNotFoundException"
                | "ServiceNotActiveException"
                | "LoadBalancerNotFound"
                | "TargetGroupNotFound"
                | "ListenerNotFound"
                | "RuleNotFound"
                | "CertificateNotFound"
        )
    )
}

/// A delete's result, where "already gone" counts as done (a re-run after
/// an interrupted destroy, or a resource removed by hand).
pub fn gone<T>(
    result: Result<T, crate::aws::errors::AwsError>,
) -> Result<(), crate::aws::errors::AwsError> {
    match result {
        Err(e) if !not_found(&e) => Err(e),
        _ => Ok(()),
    }
}

/// Retries an operation while AWS answers with one of `codes` (a dependency
/// still draining, IAM not yet propagated), with backoff, for up to about
/// two minutes; then gives up with the last error.
pub async fn retry_while<F, Fut, T>(what: &str, codes: &[&str], mut op: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, crate::aws::errors::AwsError>>,
{
    let mut delay = std::time::Duration::from_millis(500);
    let deadline = std::time::Instant::now() + retry_budget();
    loop {
        match op().await {
            Ok(v) => return Ok(v),
            Err(e)
                if codes
                    .iter()
                    .any(|c| e.code.as_deref() == Some(*c) || e.message.contains(c))
                    && std::time::Instant::now() + delay < deadline =>
            {
                tracing::info!("{what}: {} (retrying in {:?})", e.message, delay);
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(std::time::Duration::from_secs(10));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

fn retry_budget() -> std::time::Duration {
    std::env::var("FARGATE_STACK_RETRY_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map(std::time::Duration::from_secs)
        .unwrap_or(std::time::Duration::from_secs(120))
}

/// A value known only once another node exists (Terraform's "known after
/// apply"): `{{kind/key}}` in a desired document stands for that node's id.
/// It is also what makes the edge: a node depends on what it references.
pub fn reference(address: &Address) -> String {
    format!("{{{{{address}}}}}")
}

/// Replaces references with the ids `known` gives; returns the document
/// and whether every reference was resolved.
pub fn resolve(value: &Value, known: &dyn Fn(&str) -> Option<String>) -> (Value, bool) {
    match value {
        Value::String(s) if s.starts_with("{{") && s.ends_with("}}") => {
            match known(&s[2..s.len() - 2]) {
                Some(id) => (Value::String(id), true),
                None => (value.clone(), false),
            }
        }
        Value::Array(items) => {
            let mut all = true;
            let out = items
                .iter()
                .map(|v| {
                    let (v, ok) = resolve(v, known);
                    all &= ok;
                    v
                })
                .collect();
            (Value::Array(out), all)
        }
        Value::Object(m) => {
            let mut all = true;
            let out = m
                .iter()
                .map(|(k, v)| {
                    let (v, ok) = resolve(v, known);
                    all &= ok;
                    (k.clone(), v)
                })
                .collect();
            (Value::Object(out), all)
        }
        other => (other.clone(), true),
    }
}
