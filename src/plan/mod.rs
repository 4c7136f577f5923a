//! The plan is data: one step per resource saying create, update or exists,
//! with the field changes that justify an update. `plan` renders it, `apply`
//! executes it, `--output json` prints it, and the tests read it. Building a
//! plan is pure (`build`), so it is unit-tested without the network.

pub mod build;
pub mod execute;
pub mod render;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    LogGroup,
    ExecutionRole,
    ExecutionPolicy,
    TaskRole,
    Cluster,
    SecurityGroup,
    TaskDefinition,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::LogGroup => "log group",
            Kind::ExecutionRole => "iam execution role",
            Kind::ExecutionPolicy => "iam execution policy",
            Kind::TaskRole => "iam task role",
            Kind::Cluster => "ecs cluster",
            Kind::SecurityGroup => "security group",
            Kind::TaskDefinition => "task definition",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Exists,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
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
    /// The task key, for task definitions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub not_handled: Vec<String>,
}

impl Plan {
    pub fn count(&self, action: Action) -> usize {
        self.steps.iter().filter(|s| s.action == action).count()
    }

    pub fn has_changes(&self) -> bool {
        self.steps.iter().any(|s| s.action != Action::Exists)
    }
}
