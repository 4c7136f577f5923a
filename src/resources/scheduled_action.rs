//! Scheduled capacity changes of a scaled service: each `scheduled:` entry
//! is two actions, `<app>-<entry>-out-schedule` at `start_time` and
//! `<app>-<entry>-in-schedule` at `end_time`.

use anyhow::Result;
use aws_sdk_applicationautoscaling::types::{
    ScalableDimension, ScalableTargetAction, ServiceNamespace,
};
use serde_json::json;

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work};
use super::scalable_target;
use crate::aws::{Aws, AwsResultExt};

pub struct ScheduledAction;

impl Resource for ScheduledAction {
    const NEEDS_SERVICE: bool = true;

    fn nodes(cx: &Inputs) -> Vec<Node> {
        cx.spec
            .scaling
            .iter()
            .flat_map(|s| {
                s.scheduled.iter().map(|a| {
                    let mut n = Node::new(Kind::ScheduledAction, &a.name, &a.name);
                    n.desired = json!({ "schedule": a.schedule, "min": a.min, "max": a.max });
                    n.depends_on = depends_on(&s.task);
                    n.owner = Some(Address::new(Kind::Service, &s.task));
                    n.task = Some(s.task.clone());
                    n
                })
            })
            .collect()
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        Ok(
            scalable_target::scheduled_actions(aws, &resource_id(cx, node), Some(&node.name))
                .await?
                .into_iter()
                .find(|(n, _)| *n == node.name)
                .map(|(_, s)| s),
        )
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        aws.scaling
            .put_scheduled_action()
            .service_namespace(ServiceNamespace::Ecs)
            .scheduled_action_name(&work.node.name)
            .resource_id(resource_id(cx, work.node))
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .schedule(d["schedule"].as_str().unwrap_or_default())
            .scalable_target_action(
                ScalableTargetAction::builder()
                    .min_capacity(d["min"].as_i64().unwrap_or(1) as i32)
                    .max_capacity(d["max"].as_i64().unwrap_or(1) as i32)
                    .build(),
            )
            .send()
            .await
            .ctx("application-autoscaling PutScheduledAction")?;
        Ok(State::new(work.node.name.clone(), None).with(d.clone()))
    }

    async fn delete(aws: &Aws, cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        delete_named(aws, &resource_id(cx, node), &node.name).await
    }
}

/// An action waits for its service and its scalable target.
fn depends_on(task: &str) -> Vec<Address> {
    vec![
        Address::new(Kind::Service, task),
        Address::new(Kind::ScalableTarget, task),
    ]
}

/// This stack's scheduled actions (`<app>-*-schedule`) on its scalable
/// targets that the config no longer has, for `apply --prune`.
pub fn orphans(
    app: &str,
    nodes: &[Node],
    observed: &std::collections::BTreeMap<Address, State>,
) -> Vec<(Node, State)> {
    let prefix = format!("{app}-");
    observed
        .iter()
        .filter(|(a, _)| a.kind == Kind::ScalableTarget)
        .flat_map(|(target, state)| {
            let names = state
                .outputs
                .get(scalable_target::SCHEDULED)
                .cloned()
                .unwrap_or_default();
            names
                .split(',')
                .filter(|n| n.starts_with(&prefix) && n.ends_with("-schedule"))
                .filter(|n| {
                    !nodes
                        .iter()
                        .any(|x| x.address.kind == Kind::ScheduledAction && x.name == *n)
                })
                .map(|n| {
                    let mut node = Node::new(Kind::ScheduledAction, n, n);
                    node.depends_on = depends_on(&target.key);
                    node.owner = Some(Address::new(Kind::Service, &target.key));
                    node.task = Some(target.key.clone());
                    (node, State::new(n, None))
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

fn resource_id(cx: &Inputs, node: &Node) -> String {
    scalable_target::resource_id(&cx.spec.cluster, node.task.as_deref().unwrap_or_default())
}

pub async fn delete_named(aws: &Aws, resource_id: &str, name: &str) -> Result<()> {
    let result = aws
        .scaling
        .delete_scheduled_action()
        .service_namespace(ServiceNamespace::Ecs)
        .scheduled_action_name(name)
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .ctx("application-autoscaling DeleteScheduledAction");
    match result {
        Err(e) if e.code.as_deref() == Some("ObjectNotFoundException") => Ok(()),
        other => Ok(super::core::gone(other)?),
    }
}
