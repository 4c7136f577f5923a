//! CloudWatch log group: created with its retention policy; a changed
//! `retention_days` is an update.

use anyhow::Result;

use crate::aws::{Aws, AwsResultExt};
use crate::config::StackSpec;
use crate::discovery::Identity;
use crate::plan::{Action, Change, Kind, Step};

#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub arn: String,
    pub retention_days: Option<i32>,
}

pub fn arn(id: &Identity, name: &str) -> String {
    id.arn("logs", true, &format!("log-group:{name}"))
}

pub async fn observe(aws: &Aws, name: &str) -> Result<Option<Observed>> {
    let out = aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(name)
        .send()
        .await
        .ctx("logs DescribeLogGroups")?;
    Ok(out
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(name))
        .map(|g| Observed {
            arn: g
                .arn()
                .unwrap_or_default()
                .trim_end_matches(":*")
                .to_string(),
            retention_days: g.retention_in_days(),
        }))
}

pub fn plan(spec: &StackSpec, id: &Identity, observed: Option<&Observed>) -> Step {
    let (action, changes, value) = match observed {
        None => (Action::Create, vec![], arn(id, &spec.log_group)),
        Some(o) if o.retention_days != Some(spec.retention_days as i32) => (
            Action::Update,
            vec![Change {
                field: "retention_days".into(),
                before: o
                    .retention_days
                    .map_or("never expire".into(), |d| d.to_string()),
                after: spec.retention_days.to_string(),
            }],
            o.arn.clone(),
        ),
        Some(o) => (Action::Exists, vec![], o.arn.clone()),
    };
    Step {
        kind: Kind::LogGroup,
        name: spec.log_group.clone(),
        action,
        value,
        changes,
        diff: None,
        task: None,
    }
}

pub async fn apply(aws: &Aws, spec: &StackSpec, id: &Identity, step: &Step) -> Result<Observed> {
    if step.action == Action::Create {
        aws.logs
            .create_log_group()
            .log_group_name(&spec.log_group)
            .tags(super::CREATED_BY.0, super::CREATED_BY.1)
            .tags(super::APP_TAG, &spec.app)
            .send()
            .await
            .ctx("logs CreateLogGroup")?;
    }
    aws.logs
        .put_retention_policy()
        .log_group_name(&spec.log_group)
        .retention_in_days(spec.retention_days as i32)
        .send()
        .await
        .ctx("logs PutRetentionPolicy")?;
    Ok(Observed {
        arn: arn(id, &spec.log_group),
        retention_days: Some(spec.retention_days as i32),
    })
}
