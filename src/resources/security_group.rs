//! The tasks' security group `<app>-sg`: no ingress, all egress (the
//! default egress rule EC2 adds on creation).

use anyhow::Result;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};

use crate::aws::{Aws, AwsResultExt};
use crate::config::StackSpec;
use crate::plan::{Action, Kind, Step};

#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub group_id: String,
}

pub async fn observe(aws: &Aws, name: &str, vpc_id: &str) -> Result<Option<Observed>> {
    let out = aws
        .ec2
        .describe_security_groups()
        .filters(Filter::builder().name("group-name").values(name).build())
        .filters(Filter::builder().name("vpc-id").values(vpc_id).build())
        .send()
        .await
        .ctx("ec2 DescribeSecurityGroups")?;
    Ok(out
        .security_groups()
        .iter()
        .find(|g| g.group_name() == Some(name))
        .map(|g| Observed {
            group_id: g.group_id().unwrap_or_default().to_string(),
        }))
}

pub fn plan(spec: &StackSpec, observed: Option<&Observed>) -> Step {
    let (action, value) = match observed {
        Some(o) => (Action::Exists, o.group_id.clone()),
        None => (Action::Create, spec.security_group.clone()),
    };
    Step {
        kind: Kind::SecurityGroup,
        name: spec.security_group.clone(),
        action,
        value,
        changes: vec![],
        diff: None,
        task: None,
    }
}

pub async fn apply(aws: &Aws, spec: &StackSpec, vpc_id: &str) -> Result<Observed> {
    let tags = TagSpecification::builder()
        .resource_type(ResourceType::SecurityGroup)
        .tags(
            Tag::builder()
                .key("Name")
                .value(&spec.security_group)
                .build(),
        )
        .tags(
            Tag::builder()
                .key(super::CREATED_BY.0)
                .value(super::CREATED_BY.1)
                .build(),
        )
        .tags(Tag::builder().key(super::APP_TAG).value(&spec.app).build())
        .build();
    let out = aws
        .ec2
        .create_security_group()
        .group_name(&spec.security_group)
        .description(format!("fargate-stack {}: Fargate tasks", spec.app))
        .vpc_id(vpc_id)
        .tag_specifications(tags)
        .send()
        .await
        .ctx("ec2 CreateSecurityGroup")?;
    Ok(Observed {
        group_id: out.group_id().unwrap_or_default().to_string(),
    })
}
