//! The vocabulary every kind speaks: addresses, nodes, observed state,
//! diffs, the work apply hands a kind, what it records in the config, and
//! the [`Resource`] trait each kind implements. Everything imports this;
//! it imports no kind (the `Kind` enum is generated here from the
//! registry's rows, which name the kinds' types only as tokens).

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

macro_rules! define_kinds {
    ($($variant:ident => $imp:path, $label:literal, $slug:literal;)*) => {
        /// Every kind, in the registry's order.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum Kind {
            $($variant,)*
        }

        impl Kind {
            pub const ALL: &'static [Kind] = &[$(Kind::$variant,)*];

            pub fn label(self) -> &'static str {
                match self {
                    $(Kind::$variant => $label,)*
                }
            }

            pub fn slug(self) -> &'static str {
                match self {
                    $(Kind::$variant => $slug,)*
                }
            }

            pub fn from_slug(slug: &str) -> Option<Kind> {
                match slug {
                    $($slug => Some(Kind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

super::registry::kind_table!(define_kinds);

const OTHER_STACK_FIX: &str =
    "use another app name (`app.name`), or remove the resource from the other stack";

/// What a kind is: how its instances are derived from the config, observed,
/// compared, applied, deleted and recorded, and the rules the planner and
/// destroy follow for it. Every method but the first five has a default,
/// so a kind states only where it differs.
///
/// Dispatched statically through `Kind` (never as `dyn`), so the futures
/// of the async methods keep their `Send`-ness.
#[allow(async_fn_in_trait)]
pub trait Resource {
    /// Whether `apply` creates and updates this kind (services are run by
    /// the service commands, as in the original, but belong to the graph so
    /// that destroy removes them first).
    const APPLIED: bool = true;
    /// Attaches to a running service: planned only once it exists.
    const NEEDS_SERVICE: bool = false;
    /// An update makes a new resource beside the old one (Terraform's `-/+`).
    const REPLACES_ON_UPDATE: bool = false;
    /// Why destroy never deletes this kind; `None` when it may.
    const KEPT_BY_DESTROY: Option<&'static str> = None;
    /// How to resolve a resource of this kind that another stack owns.
    const CONFLICT_FIX: &'static str = OTHER_STACK_FIX;
    /// Whether changing one that exists without this stack's tags (someone
    /// else's) is refused unless the config takes it over; otherwise such
    /// a change is shown as a change to an adopted resource.
    const ADOPTED_IS_NOT_OURS_TO_CHANGE: bool = false;
    /// Whether making one changes the resource its node's `owner` names (an
    /// inline policy is part of its role), so it is judged as that one.
    const PART_OF_OWNER: bool = false;
    /// The Resource Groups Tagging API type under which this kind's
    /// resources are listed when looking for orphans.
    const ORPHAN_TYPE: Option<&'static str> = None;

    /// The instances the config asks for (pure).
    fn nodes(cx: &Inputs) -> Vec<Node>;

    /// What exists, with its tags (read-only).
    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>>;

    /// Create or update, adopting what a lost response already created.
    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State>;

    async fn delete(aws: &Aws, cx: &Inputs<'_>, node: &Node, state: &State) -> Result<()>;

    /// How desired and observed differ: `None` when they agree.
    fn diff(node: &Node, state: &State) -> Option<Diff> {
        diff_attributes(&node.desired, &state.attributes)
    }

    /// The config keys this kind records for a node: the one declaration
    /// from which write-back, destroy's clean-up and the original's
    /// recorded IDs are read.
    fn records(_cx: &Inputs, _node: &Node) -> Vec<Record> {
        vec![]
    }

    /// One of this kind's resources among the ARNs tagged with the app that
    /// the config no longer asks for (`resource` is the ARN's last part).
    fn orphan(_cx: &Inputs, _arn: &str, _resource: &str) -> Option<Node> {
        None
    }

    /// Between two orphans at one address, whether `new` stands for it
    /// rather than `old` (a task definition's newest revision).
    fn supersedes(_new: &State, _old: &State) -> bool {
        false
    }

    /// Whether what exists follows this app's naming, or is used by it:
    /// what decides whether App::FargateStack's `CreatedBy=FargateStack`
    /// tag and a config's records vouch for it. By default its name;
    /// `observed` holds what exists at the other addresses (a rule is this
    /// app's when its target is this app's cluster).
    fn scoped(
        node: &Node,
        _state: &State,
        _observed: &BTreeMap<Address, State>,
        app: &str,
    ) -> bool {
        crate::ownership::scoped_to(&node.name, app)
    }
}

/// A config key a kind records.
#[derive(Debug, Clone)]
pub struct Record {
    pub path: Vec<String>,
    pub value: Recorded,
}

#[derive(Debug, Clone)]
pub enum Recorded {
    /// A setting the config asks for, filled in where the user left it
    /// out; it stays when the resource is deleted.
    Setting(serde_yaml::Value),
    /// The resource's ID (its ARN) once it exists; removed when destroy
    /// deletes the resource.
    Id,
    /// One of the state's outputs (a queue's URL); removed with the ID.
    Output(&'static str),
    /// The ID, under a key the user may also write themselves (a
    /// certificate's ARN): written once it exists, left by destroy.
    IdKept,
    /// Known only to the command that made the resource (the image digest a
    /// revision was registered with), which writes it; removed with the ID.
    Elsewhere,
}

impl Record {
    pub fn setting(path: &[&str], value: impl Into<serde_yaml::Value>) -> Record {
        Record {
            path: path.iter().map(|s| s.to_string()).collect(),
            value: Recorded::Setting(value.into()),
        }
    }

    pub fn id(path: &[&str]) -> Record {
        Record {
            path: path.iter().map(|s| s.to_string()).collect(),
            value: Recorded::Id,
        }
    }

    pub fn output(path: &[&str], output: &'static str) -> Record {
        Record {
            path: path.iter().map(|s| s.to_string()).collect(),
            value: Recorded::Output(output),
        }
    }

    pub fn id_kept(path: &[&str]) -> Record {
        Record {
            path: path.iter().map(|s| s.to_string()).collect(),
            value: Recorded::IdKept,
        }
    }

    pub fn elsewhere(path: &[String]) -> Record {
        Record {
            path: path.to_vec(),
            value: Recorded::Elsewhere,
        }
    }

    /// Whether the key only records what exists (so destroy removes it).
    pub fn is_state(&self) -> bool {
        matches!(
            self.value,
            Recorded::Id | Recorded::Output(_) | Recorded::Elsewhere
        )
    }

    /// The config update, where its value is known (`state` is `None` when
    /// only the names are).
    pub fn update(&self, state: Option<&State>) -> Option<Update> {
        let value: serde_yaml::Value = match &self.value {
            Recorded::Setting(v) => v.clone(),
            Recorded::Id | Recorded::IdKept => state?.id.as_str().into(),
            Recorded::Output(k) => state?.outputs.get(*k)?.as_str().into(),
            Recorded::Elsewhere => return None,
        };
        Some(Update {
            path: self.path.clone(),
            value,
        })
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

    /// `kind/key` back into an address (the key may itself hold `/`).
    pub fn parse(text: &str) -> Option<Address> {
        let (slug, key) = text.split_once('/')?;
        Some(Address::new(Kind::from_slug(slug)?, key))
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
    /// What observing reads once and the nodes share.
    pub observing: &'a Observing,
}

/// Lists several nodes look in, read once by the first node that observes
/// them: the main listener's rules (every service's rule) and its
/// certificates (every domain's SNI entry). The nodes observe concurrently.
#[derive(Default)]
pub struct Observing {
    pub listener_rules: tokio::sync::OnceCell<Vec<aws_sdk_elasticloadbalancingv2::types::Rule>>,
    pub listener_certificates:
        tokio::sync::OnceCell<Vec<aws_sdk_elasticloadbalancingv2::types::Certificate>>,
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
    /// What must exist first: every node this one's `desired` refers to
    /// (derived, see `with_derived_edges`), plus the edges a kind declares
    /// where no value flows through a reference.
    pub depends_on: Vec<Address>,
    /// The node whose owner this one's is, where this kind reads no tags of
    /// its own (an inline policy belongs with its role).
    pub owner: Option<Address>,
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
            owner: None,
            task: None,
        }
    }

    /// Adds an edge to every node `desired` refers to, and puts the edges in
    /// the graph's order (kind, then key).
    pub fn with_derived_edges(mut self) -> Node {
        for r in references(&self.desired) {
            if !self.depends_on.contains(&r) {
                self.depends_on.push(r);
            }
        }
        self.depends_on.sort();
        self
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
    /// The config records this very resource as the stack's (see
    /// `ownership::Evidence`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub recorded: bool,
}

impl State {
    pub fn new(id: impl Into<String>, tags: Option<BTreeMap<String, String>>) -> State {
        State {
            id: id.into(),
            tags,
            attributes: Value::Object(Default::default()),
            outputs: BTreeMap::new(),
            recorded: false,
        }
    }

    pub fn with(mut self, attributes: Value) -> State {
        self.attributes = attributes;
        self
    }

    /// Whose it is by its tags and the config's records, its name taken
    /// as scoped to the app (see `Resource::scoped` for the full judgement).
    pub fn ownership(&self, app: &str, scoped: bool) -> Ownership {
        crate::ownership::of(
            self.tags.as_ref(),
            app,
            crate::ownership::Evidence {
                scoped,
                recorded: self.recorded,
            },
        )
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
    /// Why the change may not be made by anyone (it would lose what the
    /// config cannot say): a conflict whoever owns the resource.
    pub refused: Option<String>,
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
        refused: None,
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

/// A list of strings in a desired or observed document (subnets, security
/// groups, rule names); anything else in it is not a string and is skipped.
pub fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// A value known only once another node exists (Terraform's "known after
/// apply"): `{{kind/key}}` in a desired document stands for that node's id.
/// It is also what makes the edge: a node depends on what it references.
pub fn reference(address: &Address) -> String {
    format!("{{{{{address}}}}}")
}

/// Every node a document refers to, in document order.
pub fn references(value: &Value) -> Vec<Address> {
    let mut out = Vec::new();
    let mut stack = vec![value];
    while let Some(v) = stack.pop() {
        match v {
            Value::String(s) => {
                if let Some(a) = s
                    .strip_prefix("{{")
                    .and_then(|s| s.strip_suffix("}}"))
                    .and_then(Address::parse)
                    && !out.contains(&a)
                {
                    out.push(a);
                }
            }
            Value::Array(items) => stack.extend(items.iter().rev()),
            Value::Object(m) => stack.extend(m.values().rev()),
            _ => {}
        }
    }
    out
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
