//! Whose a resource is, decided in one place from its tags: this stack's,
//! another fargate-stack app's, or someone else's (adopted: used, never
//! deleted). A leaf: discovery, the resources and the planner all ask here.

use std::collections::BTreeMap;

use serde::Serialize;

/// Tags on everything we create, so ownership is knowable later.
pub const CREATED_BY: (&str, &str) = ("CreatedBy", "fargate-stack");
pub const APP_TAG: &str = "fargate-stack:app";
/// What App::FargateStack tagged its resources with.
pub const ORIGINAL_CREATED_BY: &str = "FargateStack";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "owner", content = "app")]
pub enum Ownership {
    /// Tagged as this stack's (or the original tool's).
    Ours,
    /// Tagged as another fargate-stack app's.
    OtherStack(String),
    /// Exists without our tags: used, never deleted.
    Adopted,
    /// Tags not read (the owning node decides, e.g. a policy by its role).
    Unknown,
}

/// The owner a resource's tags name, for the stack of `app`; `None` when
/// the tags were not read.
pub fn of(tags: Option<&BTreeMap<String, String>>, app: &str) -> Ownership {
    let Some(tags) = tags else {
        return Ownership::Unknown;
    };
    let created_by = tags.get(CREATED_BY.0).map(String::as_str);
    match (created_by, tags.get(APP_TAG)) {
        (Some(by), Some(owner)) if by == CREATED_BY.1 && owner == app => Ownership::Ours,
        (Some(by), Some(owner)) if by == CREATED_BY.1 => Ownership::OtherStack(owner.clone()),
        (Some(ORIGINAL_CREATED_BY), _) => Ownership::Ours,
        _ => Ownership::Adopted,
    }
}

/// The tags this stack puts on what it creates.
pub fn tags(app: &str) -> Vec<(&'static str, String)> {
    vec![
        (CREATED_BY.0, CREATED_BY.1.to_string()),
        (APP_TAG, app.to_string()),
    ]
}

/// Our tags as a state records them.
pub fn tag_map(app: &str) -> Option<BTreeMap<String, String>> {
    Some(
        tags(app)
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}
