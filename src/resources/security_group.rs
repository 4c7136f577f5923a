//! The tasks' security group `<app>-sg`: no ingress of its own, all egress
//! (the default egress rule EC2 adds on creation); and, with web services on
//! a load balancer the stack creates, the ALB's group `<app>-alb-sg`: ingress
//! on the listener ports from anywhere (internet-facing) or from the VPC's
//! CIDR (internal). Names are unique per VPC, so groups are found by name
//! and VPC.

use anyhow::Result;
use aws_sdk_ec2::types::{Filter, IpPermission, IpRange, ResourceType, Tag, TagSpecification};
use serde_json::{Value, json};

use super::core::Action;
use super::core::{Inputs, Kind, Node, Record, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt};

pub struct SecurityGroup;

impl Resource for SecurityGroup {
    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        let section = section(node);
        vec![
            Record::setting(
                &["security_groups", section, "group_name"],
                node.name.as_str(),
            ),
            Record::id(&["security_groups", section, "group_id"]),
        ]
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let mut n = Node::new(Kind::SecurityGroup, "main", &cx.spec.security_group);
        n.desired = json!({ "vpc_id": cx.network.vpc_id });
        let mut nodes = vec![n];
        if let Some(web) = &cx.spec.web
            && !cx.web.adopted
        {
            let cidr = match web.scheme {
                crate::config::web::Scheme::InternetFacing => "0.0.0.0/0".to_string(),
                crate::config::web::Scheme::Internal => cx
                    .web
                    .vpc_cidr
                    .clone()
                    .unwrap_or_else(|| "10.0.0.0/8".into()),
            };
            let mut alb = Node::new(Kind::SecurityGroup, ALB, &web.alb_security_group);
            alb.desired = json!({
                "vpc_id": cx.network.vpc_id,
                "ingress": web.listener_ports().iter().map(|p| json!({"port": p, "cidr": cidr})).collect::<Vec<_>>(),
            });
            nodes.push(alb);
        }
        nodes
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let found = find(aws, &node.name, &cx.network.vpc_id).await?;
        // Only the ALB's group has ingress the stack decides; the tasks' group
        // gets its rules from the ingress kinds.
        Ok(found.map(|mut s| {
            if node.address.key != ALB {
                s.attributes = json!({ "vpc_id": s.attributes["vpc_id"] });
            }
            s
        }))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let name = &work.node.name;
        let ingress = &work.node.desired["ingress"];
        if let Some(current) = work.current
            && work.action == Action::Update
            && current.attributes["vpc_id"] == work.node.desired["vpc_id"]
        {
            converge_ingress(aws, &current.id, ingress, &current.attributes["ingress"]).await?;
            return Ok(State::new(current.id.clone(), current.tags.clone())
                .with(work.node.desired.clone()));
        }
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
        for (k, v) in super::core::tags(&cx.spec.app) {
            spec = spec.tags(Tag::builder().key(k).value(v).build());
        }
        let created = aws
            .ec2
            .create_security_group()
            .group_name(name)
            .description(if work.node.address.key == ALB {
                format!("fargate-stack {}: load balancer", cx.spec.app)
            } else {
                format!("fargate-stack {}: Fargate tasks", cx.spec.app)
            })
            .vpc_id(&cx.network.vpc_id)
            .tag_specifications(spec.build())
            .send()
            .await
            .ctx("ec2 CreateSecurityGroup");
        let state = match created {
            Ok(out) => State::new(
                out.group_id().unwrap_or_default(),
                super::core::tag_map(&cx.spec.app),
            )
            .with(json!({"vpc_id": cx.network.vpc_id, "ingress": []})),
            Err(e) if super::core::already_exists(&e) => find(aws, name, &cx.network.vpc_id)
                .await?
                .ok_or_else(|| anyhow::Error::from(e))?,
            Err(e) => return Err(e.into()),
        };
        if !ingress.is_null() {
            converge_ingress(aws, &state.id, ingress, &state.attributes["ingress"]).await?;
        }
        Ok(State::new(state.id, state.tags).with(work.node.desired.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        // Network interfaces of stopped tasks take a while to go away.
        super::core::retry_while(
            "ec2 DeleteSecurityGroup",
            &["DependencyViolation"],
            || async {
                super::core::gone(
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
}

/// The key of the load balancer's group.
pub const ALB: &str = "alb";

fn ingress_of(g: &aws_sdk_ec2::types::SecurityGroup) -> Value {
    let mut rules: Vec<(i32, String)> = g
        .ip_permissions()
        .iter()
        .filter(|p| p.ip_protocol() == Some("tcp") && p.from_port() == p.to_port())
        .flat_map(|p| {
            p.ip_ranges()
                .iter()
                .filter_map(|r| Some((p.from_port()?, r.cidr_ip()?.to_string())))
        })
        .collect();
    rules.sort();
    Value::Array(
        rules
            .into_iter()
            .map(|(port, cidr)| json!({"port": port, "cidr": cidr}))
            .collect(),
    )
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
                .with(json!({ "vpc_id": g.vpc_id(), "ingress": ingress_of(g) }))
        }))
}

fn rules(v: &Value) -> Vec<(i64, String)> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| Some((r["port"].as_i64()?, r["cidr"].as_str()?.to_string())))
        .collect()
}

fn permission(port: i64, cidr: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port as i32)
        .to_port(port as i32)
        .ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr)
                .description("fargate-stack: load balancer listener")
                .build(),
        )
        .build()
}

/// Opens the listener ports the group lacks and closes the ones no longer
/// listened on.
async fn converge_ingress(aws: &Aws, group: &str, want: &Value, have: &Value) -> Result<()> {
    let (want, have) = (rules(want), rules(have));
    for (port, cidr) in want.iter().filter(|r| !have.contains(r)) {
        authorize(aws, group, permission(*port, cidr)).await?;
    }
    for (port, cidr) in have.iter().filter(|r| !want.contains(r)) {
        revoke(aws, group, permission(*port, cidr)).await?;
    }
    Ok(())
}

/// Adds an ingress rule; one already there counts as added (a re-run).
pub async fn authorize(aws: &Aws, group: &str, rule: IpPermission) -> Result<()> {
    match aws
        .ec2
        .authorize_security_group_ingress()
        .group_id(group)
        .ip_permissions(rule)
        .send()
        .await
        .ctx("ec2 AuthorizeSecurityGroupIngress")
    {
        Err(e) if e.code.as_deref() != Some("InvalidPermission.Duplicate") => Err(e.into()),
        _ => Ok(()),
    }
}

/// Removes an ingress rule; one (or a group) already gone counts as removed.
pub async fn revoke(aws: &Aws, group: &str, rule: IpPermission) -> Result<()> {
    match aws
        .ec2
        .revoke_security_group_ingress()
        .group_id(group)
        .ip_permissions(rule)
        .send()
        .await
        .ctx("ec2 RevokeSecurityGroupIngress")
    {
        Err(e)
            if !matches!(
                e.code.as_deref(),
                Some("InvalidPermission.NotFound" | "InvalidGroup.NotFound")
            ) =>
        {
            Err(e.into())
        }
        _ => Ok(()),
    }
}

pub fn section(node: &Node) -> &'static str {
    if node.address.key == ALB {
        "alb"
    } else {
        "fargate"
    }
}
