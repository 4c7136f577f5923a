//! ECS cluster `<app>-cluster`.

use anyhow::Result;
use aws_sdk_ecs::types::{ClusterField, Tag};

use super::core::{Inputs, Kind, Node, Record, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt};

pub struct Cluster;

impl Resource for Cluster {
    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        vec![
            Record::setting(&["cluster", "name"], node.name.as_str()),
            Record::id(&["cluster", "arn"]),
        ]
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let mut n = Node::new(Kind::Cluster, "main", &cx.spec.cluster);
        n.predicted = cx
            .id
            .arn("ecs", true, &format!("cluster/{}", cx.spec.cluster));
        // Fargate Spot needs the capacity providers on the cluster; asked for
        // only then, so clusters of stacks without Spot are left as they are.
        if cx.spec.tasks.iter().any(|t| t.spot.is_some()) {
            n.desired = serde_json::json!({ "capacity_providers": SPOT_PROVIDERS });
        }
        vec![n]
    }

    async fn observe(aws: &Aws, _cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let out = aws
            .ecs
            .describe_clusters()
            .clusters(&node.name)
            .include(ClusterField::Tags)
            .send()
            .await
            .ctx("ecs DescribeClusters")?;
        let compare_providers = node.desired.get("capacity_providers").is_some();
        Ok(out
            .clusters()
            .iter()
            .find(|c| c.cluster_name() == Some(node.name.as_str()) && c.status() == Some("ACTIVE"))
            .map(|c| {
                let state = State::new(c.cluster_arn().unwrap_or_default(), tag_map(c.tags()));
                if compare_providers {
                    let mut providers: Vec<&str> =
                        c.capacity_providers().iter().map(String::as_str).collect();
                    providers.sort();
                    state.with(serde_json::json!({ "capacity_providers": providers }))
                } else {
                    state
                }
            }))
    }

    /// CreateCluster is idempotent for an existing active cluster.
    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let providers: Option<Vec<String>> = work
            .node
            .desired
            .get("capacity_providers")
            .map(|_| SPOT_PROVIDERS.iter().map(|p| p.to_string()).collect());
        if let (Some(current), Some(providers)) = (work.current, &providers) {
            aws.ecs
                .put_cluster_capacity_providers()
                .cluster(&work.node.name)
                .set_capacity_providers(Some(providers.clone()))
                .set_default_capacity_provider_strategy(Some(vec![]))
                .send()
                .await
                .ctx("ecs PutClusterCapacityProviders")?;
            return Ok(current.clone().with(work.node.desired.clone()));
        }
        let out = aws
            .ecs
            .create_cluster()
            .cluster_name(&work.node.name)
            .set_tags(Some(ecs_tags(&cx.spec.app)))
            .set_capacity_providers(providers)
            .send()
            .await
            .ctx("ecs CreateCluster")?;
        Ok(State::new(
            out.cluster()
                .and_then(|c| c.cluster_arn())
                .unwrap_or_default(),
            super::core::tag_map(&cx.spec.app),
        )
        .with(work.node.desired.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        // Tasks that were just stopped keep the cluster busy for a moment.
        super::core::retry_while(
            "ecs DeleteCluster",
            &[
                "ClusterContainsTasksException",
                "ClusterContainsServicesException",
            ],
            || async {
                super::core::gone(
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
}

pub const SPOT_PROVIDERS: [&str; 2] = ["FARGATE", "FARGATE_SPOT"];

pub fn ecs_tags(app: &str) -> Vec<Tag> {
    super::core::tags(app)
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

/// How a task is placed: Fargate, or Fargate Spot with `base` tasks kept on
/// regular Fargate.
pub fn capacity_strategy(
    spot: Option<u32>,
) -> Option<Vec<aws_sdk_ecs::types::CapacityProviderStrategyItem>> {
    let base = spot?;
    Some(vec![
        strategy_item("FARGATE", 0, base as i32),
        strategy_item("FARGATE_SPOT", 1, 0),
    ])
}

/// A one-off task with `spot: true`: all on Fargate Spot (no base to keep).
pub fn one_off_strategy(
    spot: Option<u32>,
) -> Option<Vec<aws_sdk_ecs::types::CapacityProviderStrategyItem>> {
    spot.map(|_| vec![strategy_item("FARGATE_SPOT", 1, 0)])
}

fn strategy_item(
    name: &str,
    weight: i32,
    base: i32,
) -> aws_sdk_ecs::types::CapacityProviderStrategyItem {
    aws_sdk_ecs::types::CapacityProviderStrategyItem::builder()
        .capacity_provider(name)
        .weight(weight)
        .base(base)
        .build()
        .expect("capacity provider is set")
}
