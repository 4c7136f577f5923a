//! ECS services, one per daemon/http/https task. `create-service` and its
//! siblings run them; in the graph they exist so that `destroy` and the
//! `delete-*` commands scale them to zero and delete them before anything
//! they use.

use anyhow::Result;
use aws_sdk_ecs::types::ServiceField;

use super::{Address, Inputs, Kind, Node, State};
use crate::aws::{Aws, AwsResultExt};
use crate::config::model::TaskType;

pub fn nodes(cx: &Inputs) -> Vec<Node> {
    cx.spec
        .tasks
        .iter()
        .filter(|t| matches!(t.kind, TaskType::Daemon | TaskType::Http | TaskType::Https))
        .map(|t| {
            let mut n = Node::new(Kind::Service, &t.key, &t.key);
            n.depends_on = vec![
                Address::new(Kind::Cluster, "main"),
                Address::new(Kind::SecurityGroup, "main"),
                Address::new(Kind::TaskDefinition, &t.key),
            ];
            n.task = Some(t.key.clone());
            n
        })
        .collect()
}

pub async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
    let out = aws
        .ecs
        .describe_services()
        .cluster(&cx.spec.cluster)
        .services(&node.name)
        .include(ServiceField::Tags)
        .send()
        .await;
    let out = match out.ctx("ecs DescribeServices") {
        Ok(o) => o,
        Err(e) if super::not_found(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(out
        .services()
        .iter()
        .find(|s| s.status().is_some_and(|st| st != "INACTIVE"))
        .map(|s| {
            // Services created before tags existed on them carry none:
            // one in our own cluster with our task's name is ours.
            let tags = super::cluster::tag_map(s.tags())
                .filter(|t| !t.is_empty())
                .or_else(|| super::tag_map(&cx.spec.app));
            State::new(s.service_arn().unwrap_or_default(), tags)
        }))
}

/// Scales to zero, deletes, and waits until ECS reports it gone.
pub async fn delete(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<()> {
    let cluster = &cx.spec.cluster;
    let scaled = aws
        .ecs
        .update_service()
        .cluster(cluster)
        .service(&node.name)
        .desired_count(0)
        .send()
        .await
        .ctx("ecs UpdateService");
    if let Err(e) = scaled
        && !super::not_found(&e)
    {
        return Err(e.into());
    }
    Ok(super::gone(
        aws.ecs
            .delete_service()
            .cluster(cluster)
            .service(&node.name)
            .force(true)
            .send()
            .await
            .ctx("ecs DeleteService"),
    )?)
}
