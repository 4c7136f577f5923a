//! The NFS ingress rule (TCP 2049) from the stack's security group into an
//! EFS file system's mount-target security groups, for tasks with
//! `efs.authorize_ingress`. Only our rule is added or removed; the groups
//! themselves are the file system's and are never changed otherwise.

use anyhow::Result;
use aws_sdk_ec2::types::{IpPermission, UserIdGroupPair};
use serde_json::json;

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work, reference, strings};
use crate::aws::{Aws, AwsResultExt};

const NFS: i32 = 2049;

pub struct EfsIngress;

impl Resource for EfsIngress {
    fn nodes(cx: &Inputs) -> Vec<Node> {
        let mut seen = std::collections::BTreeSet::new();
        cx.spec
            .tasks
            .iter()
            .filter_map(|t| t.efs.as_ref().filter(|e| e.authorize_ingress))
            .filter(|e| seen.insert(e.id.clone()))
            .filter_map(|e| {
                let fs = cx.file_systems.get(&e.id)?;
                let sg = Address::new(Kind::SecurityGroup, "main");
                let mut n = Node::new(
                    Kind::EfsIngress,
                    &e.id,
                    format!("nfs from {} into {}", cx.spec.security_group, e.id),
                );
                n.desired = json!({
                    "groups": fs.mount_target_groups,
                    "port": NFS,
                    "from": reference(&sg),
                });
                n.owner = Some(sg);
                Some(n)
            })
            .collect()
    }

    /// The mount-target groups that already let the stack's group in on 2049.
    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let Some(ours) = cx
            .config
            .security_groups
            .as_ref()
            .and_then(|s| s.fargate.as_ref())
            .and_then(|f| f.group_id.clone())
        else {
            return Ok(None);
        };
        let groups: Vec<String> = node.desired["groups"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|g| g.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        if groups.is_empty() {
            return Ok(None);
        }
        let out = aws
            .ec2
            .describe_security_groups()
            .set_group_ids(Some(groups))
            .send()
            .await
            .ctx("ec2 DescribeSecurityGroups")?;
        let mut open: Vec<String> = out
            .security_groups()
            .iter()
            .filter(|g| {
                g.ip_permissions().iter().any(|p| {
                    p.from_port() == Some(NFS)
                        && p.user_id_group_pairs()
                            .iter()
                            .any(|u| u.group_id() == Some(ours.as_str()))
                })
            })
            .filter_map(|g| g.group_id().map(str::to_string))
            .collect();
        open.sort();
        if open.is_empty() {
            return Ok(None);
        }
        Ok(Some(State::new(node.name.clone(), None).with(
            json!({ "groups": open, "port": NFS, "from": ours }),
        )))
    }

    async fn apply(aws: &Aws, _cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let from = work.node.desired["from"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let have = work
            .current
            .map(|c| strings(&c.attributes["groups"]))
            .unwrap_or_default();
        for group in strings(&work.node.desired["groups"]) {
            if have.contains(&group) {
                continue;
            }
            super::security_group::authorize(aws, &group, permission(&from)).await?;
        }
        Ok(State::new(work.node.name.clone(), None).with(work.node.desired.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        let from = state.attributes["from"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        for group in strings(&state.attributes["groups"]) {
            super::security_group::revoke(aws, &group, permission(&from)).await?;
        }
        Ok(())
    }
}

fn permission(from: &str) -> IpPermission {
    IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(NFS)
        .to_port(NFS)
        .user_id_group_pairs(
            UserIdGroupPair::builder()
                .group_id(from)
                .description("fargate-stack: NFS from the tasks")
                .build(),
        )
        .build()
}
