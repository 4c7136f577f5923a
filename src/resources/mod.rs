//! One module per AWS resource kind. Each says how the resource is observed
//! (read-only), planned (pure: desired vs observed into a `Step`) and applied.

pub mod cluster;
pub mod iam_role;
pub mod log_group;
pub mod security_group;
pub mod task_definition;

/// Tags on everything we create, so ownership is knowable later.
pub const CREATED_BY: (&str, &str) = ("CreatedBy", "fargate-stack");
pub const APP_TAG: &str = "fargate-stack:app";
