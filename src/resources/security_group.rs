//! The tasks' security group `<app>-sg`: no ingress, all egress (the
//! default egress rule EC2 adds on creation). Names are unique per VPC, so
//! the group is found by name and VPC.

use anyhow::Result;
use aws_sdk_ec2::types::{Filter, ResourceType, Tag, TagSpecification};
use serde_json::json;

use super::{Inputs, Kind, Node, State, Work};
use crate::aws::{Aws, AwsResultExt};
use crate::config::writeback::Update;
use crate::plan::Action;

pub fn nodes(cx: &Inputs) -> Vec<Node> {
    let mut n = Node::new(Kind::SecurityGroup, "main", &cx.spec.security_group);
    n.desired = json!({ "vpc_id": cx.network.vpc_id });
    vec![n]
}

async fn find(aws: &Aws, name: &str, vpc_id: &str) -> Result<Option<State>> {
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
        .map(|g| {
            let tags = g
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect();
            State::new(g.group_id().unwrap_or_default(), Some(tags))
                .with(json!({ "vpc_id": g.vpc_id() }))
        }))
}

pub async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
    find(aws, &node.name, &cx.network.vpc_id).await
}

pub async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
    let name = &work.node.name;
    if work.action == Action::Update {
        // A group cannot move between VPCs; the one found is in another.
        anyhow::bail!(
            "security group {name} exists in another VPC than {}; name another group (`security_groups.fargate.group_name`) or delete that one",
            cx.network.vpc_id
        );
    }
    let mut spec = TagSpecification::builder()
        .resource_type(ResourceType::SecurityGroup)
        .tags(Tag::builder().key("Name").value(name).build());
    for (k, v) in super::tags(&cx.spec.app) {
        spec = spec.tags(Tag::builder().key(k).value(v).build());
    }
    let created = aws
        .ec2
        .create_security_group()
        .group_name(name)
        .description(format!("fargate-stack {}: Fargate tasks", cx.spec.app))
        .vpc_id(&cx.network.vpc_id)
        .tag_specifications(spec.build())
        .send()
        .await
        .ctx("ec2 CreateSecurityGroup");
    match created {
        Ok(out) => Ok(State::new(
            out.group_id().unwrap_or_default(),
            super::tag_map(&cx.spec.app),
        )
        .with(work.node.desired.clone())),
        Err(e) if super::already_exists(&e) => find(aws, name, &cx.network.vpc_id)
            .await?
            .ok_or_else(|| e.into()),
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(aws: &Aws, state: &State) -> Result<()> {
    // Network interfaces of stopped tasks take a while to go away.
    super::retry_while(
        "ec2 DeleteSecurityGroup",
        &["DependencyViolation"],
        || async {
            super::gone(
                aws.ec2
                    .delete_security_group()
                    .group_id(&state.id)
                    .send()
                    .await
                    .ctx("ec2 DeleteSecurityGroup"),
            )
        },
    )
    .await
}

pub fn write_back(node: &Node, state: Option<&State>) -> Vec<Update> {
    let mut u = vec![Update::new(
        &["security_groups", "fargate", "group_name"],
        node.name.as_str(),
    )];
    if let Some(s) = state {
        u.push(Update::new(
            &["security_groups", "fargate", "group_id"],
            s.id.as_str(),
        ));
    }
    u
}
