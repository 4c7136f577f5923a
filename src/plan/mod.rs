//! The plan is data: a graph of steps, one per resource, each saying
//! create, update, exists or delete, with the field changes that justify it
//! and the steps it waits for. `plan` renders it, `apply` and `destroy`
//! execute it, `--output json` prints it, and the tests read it. Building a
//! plan is pure (`build`), so it is unit-tested without the network.

pub mod build;
pub mod execute;
pub mod render;

use serde::Serialize;

pub use crate::resources::{Address, Kind, Ownership};

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
    /// Existing resources this plan will not touch (destroy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<Kept>,
    /// Changes refused because another stack owns the resource.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<String>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }

    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| s.action.changes_something())
    }

    pub fn step(&self, address: &Address) -> Option<&Step> {
        self.steps.iter().find(|s| &s.address == address)
    }
}
