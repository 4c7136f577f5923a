//! The ingress rule into the tasks' group `<app>-sg` on each web service's
//! container port, from the load balancer's group only (the original opened
//! port 80 whatever the container listened on).

use anyhow::Result;
use aws_sdk_ec2::types::{IpPermission, UserIdGroupPair};
use serde_json::{Value, json};

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work, reference};
use super::security_group;
use crate::aws::{Aws, AwsResultExt};

pub struct AlbIngress;

impl Resource for AlbIngress {
    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = &cx.spec.web else {
            return vec![];
        };
        let tasks_group = Address::new(Kind::SecurityGroup, "main");
        let mut ports: Vec<u16> = web.services.iter().map(|s| s.container_port).collect();
        ports.sort();
        ports.dedup();
        ports
            .into_iter()
            .map(|port| {
                let mut n = Node::new(
                    Kind::AlbIngress,
                    &port.to_string(),
                    format!(
                        "tcp {port} from the load balancer into {}",
                        cx.spec.security_group
                    ),
                );
                n.owner = Some(tasks_group.clone());
                let from = if cx.web.adopted {
                    Value::from(
                        cx.web
                            .alb
                            .as_ref()
                            .and_then(|a| a.security_groups.first().cloned())
                            .unwrap_or_default(),
                    )
                } else {
                    let alb_group = Address::new(Kind::SecurityGroup, security_group::ALB);
                    Value::from(reference(&alb_group))
                };
                n.desired = json!({ "group": reference(&tasks_group), "from": from, "port": port });
                n
            })
            .collect()
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let Some(group) = recorded_group(cx, "fargate") else {
            return Ok(None);
        };
        let from = match node.desired["from"].as_str() {
            Some(f) if !f.starts_with("{{") => f.to_string(),
            _ => match recorded_group(cx, "alb") {
                Some(g) => g,
                None => return Ok(None),
            },
        };
        let port = node.desired["port"].as_i64().unwrap_or_default() as i32;
        let out = match aws
            .ec2
            .describe_security_groups()
            .group_ids(&group)
            .send()
            .await
            .ctx("ec2 DescribeSecurityGroups")
        {
            Ok(o) => o,
            Err(e) if super::core::not_found(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let open = out.security_groups().iter().any(|g| {
            g.ip_permissions().iter().any(|p| {
                p.from_port() == Some(port)
                    && p.user_id_group_pairs()
                        .iter()
                        .any(|u| u.group_id() == Some(from.as_str()))
            })
        });
        Ok(open.then(|| {
            State::new(node.name.clone(), None)
                .with(json!({ "group": group, "from": from, "port": port }))
        }))
    }

    async fn apply(aws: &Aws, _cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        let (group, from) = (
            d["group"].as_str().unwrap_or_default(),
            d["from"].as_str().unwrap_or_default(),
        );
        let port = d["port"].as_i64().unwrap_or_default() as i32;
        security_group::authorize(aws, group, permission(port, from)).await?;
        Ok(State::new(work.node.name.clone(), None).with(d.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        let a = &state.attributes;
        security_group::revoke(
            aws,
            a["group"].as_str().unwrap_or_default(),
            permission(
                a["port"].as_i64().unwrap_or_default() as i32,
                a["from"].as_str().unwrap_or_default(),
            ),
        )
        .await
    }
}

fn recorded_group(cx: &Inputs, section: &str) -> Option<String> {
    let groups = cx.config.security_groups.as_ref()?;
    let g = if section == "alb" {
        groups.alb.as_ref()
    } else {
        groups.fargate.as_ref()
    }?;
    g.group_id.clone()
}

fn permission(port: i32, from: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(from)
                .description("fargate-stack: from the load balancer")
                .build(),
        )
        .build()
}
