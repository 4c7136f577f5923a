//! IAM roles: the execution role (ECS uses it to pull images and write
//! logs) with its generated inline policy, and the task role (the
//! application's own identity), which gets a policy only when a feature
//! needs one.
//!
//! The execution policy names its resources: the stack's log group and the
//! ECR repositories its images come from. `ecr:GetAuthorizationToken` is the
//! one statement on `*`, because AWS does not accept a resource for it.

use std::collections::BTreeSet;

use anyhow::Result;
use aws_sdk_iam::types::Tag;
use serde_json::{Value, json};

use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::StackSpec;
use crate::discovery::{Identity, ResolvedImage};
use crate::plan::{Action, Change, Kind, Step};

pub const ECS_TASKS_PRINCIPAL: &str = "ecs-tasks.amazonaws.com";

#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub arn: String,
    /// The named inline policy, decoded, when asked for and present.
    pub policy: Option<Value>,
}

pub fn role_arn(id: &Identity, name: &str) -> String {
    id.arn("iam", false, &format!("role/{name}"))
}

pub async fn observe(aws: &Aws, role: &str, policy: Option<&str>) -> Result<Option<Observed>> {
    let got = aws.iam.get_role().role_name(role).send().await;
    let arn = match got {
        Ok(out) => out.role().map(|r| r.arn().to_string()).unwrap_or_default(),
        Err(e) if code_of(&e) == Some("NoSuchEntity") => return Ok(None),
        Err(e) => return Err(e).ctx("iam GetRole").map_err(Into::into),
    };
    let policy = match policy {
        None => None,
        Some(name) => match aws
            .iam
            .get_role_policy()
            .role_name(role)
            .policy_name(name)
            .send()
            .await
        {
            Ok(out) => Some(decode_policy(out.policy_document())?),
            Err(e) if code_of(&e) == Some("NoSuchEntity") => None,
            Err(e) => return Err(e).ctx("iam GetRolePolicy").map_err(Into::into),
        },
    };
    Ok(Some(Observed { arn, policy }))
}

/// IAM returns policy documents URL-encoded.
fn decode_policy(doc: &str) -> Result<Value> {
    let decoded = percent_encoding::percent_decode_str(doc).decode_utf8_lossy();
    Ok(serde_json::from_str(&decoded)?)
}

pub fn trust_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": ECS_TASKS_PRINCIPAL },
            "Action": "sts:AssumeRole"
        }]
    })
}

pub fn execution_policy<'a>(
    spec: &StackSpec,
    id: &Identity,
    images: impl IntoIterator<Item = &'a ResolvedImage>,
) -> Value {
    let log_arn = super::log_group::arn(id, &spec.log_group);
    let repos: BTreeSet<String> = images
        .into_iter()
        .filter_map(|i| i.repository_arn.clone())
        .collect();
    let mut statements = Vec::new();
    if !repos.is_empty() {
        statements.push(json!({
            "Sid": "EcrAuth",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken"],
            "Resource": "*"
        }));
        statements.push(json!({
            "Sid": "EcrPull",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": repos.into_iter().collect::<Vec<_>>()
        }));
    }
    statements.push(json!({
        "Sid": "WriteLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [log_arn.clone(), format!("{log_arn}:log-stream:*")]
    }));
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// Order-insensitive form: single strings become lists, lists are sorted,
/// statements are sorted.
pub fn normalise(policy: &Value) -> Value {
    fn norm(v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                Value::Object(m.iter().map(|(k, v)| (k.clone(), norm(v))).collect())
            }
            Value::Array(a) => {
                let mut items: Vec<Value> = a.iter().map(norm).collect();
                items.sort_by_key(|i| i.to_string());
                Value::Array(items)
            }
            other => other.clone(),
        }
    }
    let mut p = policy.clone();
    if let Some(stmts) = p.get_mut("Statement").and_then(Value::as_array_mut) {
        for s in stmts.iter_mut() {
            for key in ["Action", "Resource", "NotAction", "NotResource"] {
                if let Some(v @ Value::String(_)) = s.get_mut(key) {
                    *v = Value::Array(vec![v.clone()]);
                }
            }
        }
    }
    norm(&p)
}

pub fn plan_role(kind: Kind, name: &str, id: &Identity, observed: Option<&Observed>) -> Step {
    let (action, value) = match observed {
        Some(o) => (Action::Exists, o.arn.clone()),
        None => (Action::Create, role_arn(id, name)),
    };
    Step {
        kind,
        name: name.to_string(),
        action,
        value,
        changes: vec![],
        diff: None,
        task: None,
    }
}

pub fn plan_policy(spec: &StackSpec, desired: &Value, observed: Option<&Observed>) -> Step {
    let current = observed.and_then(|o| o.policy.as_ref());
    let (action, changes, diff) = match current {
        None => (Action::Create, vec![], None),
        Some(c) if normalise(c) == normalise(desired) => (Action::Exists, vec![], None),
        Some(c) => {
            let before = serde_json::to_string_pretty(&normalise(c)).unwrap_or_default();
            let after = serde_json::to_string_pretty(&normalise(desired)).unwrap_or_default();
            let diff = similar::TextDiff::from_lines(&before, &after)
                .unified_diff()
                .header("current", "generated")
                .to_string();
            let changes = vec![Change {
                field: "document".into(),
                before: "current policy".into(),
                after: "generated policy".into(),
            }];
            (Action::Update, changes, Some(diff))
        }
    };
    Step {
        kind: Kind::ExecutionPolicy,
        name: spec.execution_policy.clone(),
        action,
        value: spec.execution_policy.clone(),
        changes,
        diff,
        task: None,
    }
}

pub async fn create_role(
    aws: &Aws,
    spec: &StackSpec,
    name: &str,
    purpose: &str,
) -> Result<Observed> {
    let out = aws
        .iam
        .create_role()
        .role_name(name)
        .assume_role_policy_document(trust_policy().to_string())
        .description(format!("fargate-stack {}: {purpose}", spec.app))
        .tags(
            Tag::builder()
                .key(super::CREATED_BY.0)
                .value(super::CREATED_BY.1)
                .build()?,
        )
        .tags(
            Tag::builder()
                .key(super::APP_TAG)
                .value(&spec.app)
                .build()?,
        )
        .send()
        .await
        .ctx("iam CreateRole")?;
    Ok(Observed {
        arn: out.role().map(|r| r.arn().to_string()).unwrap_or_default(),
        policy: None,
    })
}

pub async fn put_policy(aws: &Aws, role: &str, name: &str, doc: &Value) -> Result<()> {
    aws.iam
        .put_role_policy()
        .role_name(role)
        .policy_name(name)
        .policy_document(doc.to_string())
        .send()
        .await
        .ctx("iam PutRolePolicy")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_ignores_order_and_string_vs_list() {
        let a = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": ["b", "a"]},
            {"Effect": "Allow", "Action": ["ecr:X"], "Resource": "*"}]});
        let b = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ecr:X"], "Resource": ["*"]},
            {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": ["a", "b"]}]});
        assert_eq!(normalise(&a), normalise(&b));
    }
}
