//! The plan is data: a graph of steps, one per resource, each saying
//! create, update, exists or delete, with the field changes that justify it
//! and the steps it waits for. `plan` renders it, `apply` and `destroy`
//! execute it, `--output json` prints it, and the tests read it. Building a
//! plan is pure (`build`), so it is unit-tested without the network.

pub mod build;
pub mod cost;
pub mod execute;
pub mod render;

use serde::Serialize;

pub use crate::resources::{Action, Address, Change, Kind, Node, Ownership, State};

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub address: Address,
    pub kind: Kind,
    pub name: String,
    pub action: Action,
    /// The resource's ARN or ID when it exists, else what it will be called.
    pub value: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// A unified diff (task definitions, policies), remote first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// The task key, for per-task resources.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// Steps that must finish first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Address>,
    /// Who owns what exists; absent for what will be created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Ownership>,
    /// Owned by the stack but no longer asked for by the config.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub pruned: bool,
    /// Whom this resource is taken over from ("the stack `x`", "its owner"),
    /// by the config's `take_over` or `route53.adopt`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub taken_over_from: Option<String>,
    /// The node, its references resolved as far as the plan knows them:
    /// with `current`, all the executor needs to run the step.
    #[serde(skip)]
    pub node: Node,
    /// What exists now (for updates and deletes).
    #[serde(skip)]
    pub current: Option<State>,
}

impl Step {
    /// An update that makes a new resource beside the old one (Terraform's `-/+`).
    pub fn replaces(&self) -> bool {
        self.action == Action::Update && self.kind.replaces_on_update()
    }
}

/// An image tag that now points at another digest than the recorded one.
#[derive(Debug, Clone, Serialize)]
pub struct ImageDrift {
    pub task: String,
    pub image: String,
    pub recorded: String,
    pub current: String,
}

/// A resource destroy leaves alone, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Kept {
    pub address: Address,
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub not_handled: Vec<String>,
    /// What this plan leaves to a later command (autoscaling before the
    /// service exists).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub deferred: Vec<String>,
    /// Existing resources this plan will not touch (destroy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<Kept>,
    /// Changes refused because another stack owns the resource.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
    /// Whether the orphans (`pruned` steps) are deleted by this run.
    pub prune: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image_drift: Vec<ImageDrift>,
    /// Where web services cannot run, and why (zones the load balancer
    /// does not serve).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<String>,
    /// Records left pointing elsewhere (`route53.keep_existing`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dns: Vec<String>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }

    /// Whether running the plan changes anything: orphans count only with `--prune`.
    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| self.runs(s))
    }

    pub fn runs(&self, s: &Step) -> bool {
        s.action.changes_something() && (!s.pruned || self.prune)
    }

    /// Deletions this run makes.
    pub fn deletions(&self) -> usize {
        self.steps
            .iter()
            .filter(|s| s.action == Action::Delete && self.runs(s))
            .count()
    }

    pub fn step(&self, address: &Address) -> Option<&Step> {
        self.steps.iter().find(|s| &s.address == address)
    }
}
