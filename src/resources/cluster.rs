//! ECS cluster `<app>-cluster`.

use anyhow::Result;
use aws_sdk_ecs::types::{ClusterField, Tag};

use super::{Inputs, Kind, Node, State, Work};
use crate::aws::{Aws, AwsResultExt};
use crate::config::writeback::Update;

pub fn nodes(cx: &Inputs) -> Vec<Node> {
    let mut n = Node::new(Kind::Cluster, "main", &cx.spec.cluster);
    n.predicted = cx
        .id
        .arn("ecs", true, &format!("cluster/{}", cx.spec.cluster));
    vec![n]
}

pub fn ecs_tags(app: &str) -> Vec<Tag> {
    super::tags(app)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

pub fn tag_map(tags: &[Tag]) -> Option<std::collections::BTreeMap<String, String>> {
    Some(
        tags.iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect(),
    )
}

pub async fn observe(aws: &Aws, node: &Node) -> Result<Option<State>> {
    let out = aws
        .ecs
        .describe_clusters()
        .clusters(&node.name)
        .include(ClusterField::Tags)
        .send()
        .await
        .ctx("ecs DescribeClusters")?;
    Ok(out
        .clusters()
        .iter()
        .find(|c| c.cluster_name() == Some(node.name.as_str()) && c.status() == Some("ACTIVE"))
        .map(|c| State::new(c.cluster_arn().unwrap_or_default(), tag_map(c.tags()))))
}

/// CreateCluster is idempotent for an existing active cluster.
pub async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
    let out = aws
        .ecs
        .create_cluster()
        .cluster_name(&work.node.name)
        .set_tags(Some(ecs_tags(&cx.spec.app)))
        .send()
        .await
        .ctx("ecs CreateCluster")?;
    Ok(State::new(
        out.cluster()
            .and_then(|c| c.cluster_arn())
            .unwrap_or_default(),
        super::tag_map(&cx.spec.app),
    ))
}

pub async fn delete(aws: &Aws, node: &Node) -> Result<()> {
    // Tasks that were just stopped keep the cluster busy for a moment.
    super::retry_while(
        "ecs DeleteCluster",
        &[
            "ClusterContainsTasksException",
            "ClusterContainsServicesException",
        ],
        || async {
            super::gone(
                aws.ecs
                    .delete_cluster()
                    .cluster(&node.name)
                    .send()
                    .await
                    .ctx("ecs DeleteCluster"),
            )
        },
    )
    .await
}

pub fn write_back(node: &Node, state: Option<&State>) -> Vec<Update> {
    let mut u = vec![Update::new(&["cluster", "name"], node.name.as_str())];
    if let Some(s) = state {
        u.push(Update::new(&["cluster", "arn"], s.id.as_str()));
    }
    u
}
