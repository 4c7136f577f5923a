//! The service's scalable target (Application Auto Scaling): its desired
//! count between `min_capacity` and `max_capacity`. Registered once the
//! service exists (by apply, or by create-service); deregistering it also
//! removes its policies and scheduled actions.

use anyhow::Result;
use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
use serde_json::json;

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt};

pub fn resource_id(cluster: &str, task: &str) -> String {
    format!("service/{cluster}/{task}")
}

pub struct ScalableTarget;

impl Resource for ScalableTarget {
    const NEEDS_SERVICE: bool = true;

    fn nodes(cx: &Inputs) -> Vec<Node> {
        cx.spec
            .scaling
            .iter()
            .map(|s| {
                let mut n = Node::new(
                    Kind::ScalableTarget,
                    &s.task,
                    resource_id(&cx.spec.cluster, &s.task),
                );
                n.desired = json!({ "min": s.min, "max": s.max });
                // The service first: the target is ours when the service is.
                n.depends_on = vec![Address::new(Kind::Service, &s.task)];
                n.owner = Some(Address::new(Kind::Service, &s.task));
                n.task = Some(s.task.clone());
                n
            })
            .collect()
    }

    async fn observe(aws: &Aws, _cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        // Its scheduled actions are listed beside it (same round), so those
        // the config no longer has can be pruned.
        let targets = async {
            aws.scaling
                .describe_scalable_targets()
                .service_namespace(ServiceNamespace::Ecs)
                .resource_ids(&node.name)
                .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                .send()
                .await
                .ctx("application-autoscaling DescribeScalableTargets")
        };
        let (out, actions) = tokio::join!(targets, scheduled_actions(aws, &node.name, None));
        let (out, actions) = (out?, actions?);
        Ok(out.scalable_targets().first().map(|t| {
            let mut s = State::new(t.resource_id(), None)
                .with(json!({ "min": t.min_capacity(), "max": t.max_capacity() }));
            let names: Vec<String> = actions.into_iter().map(|(n, _)| n).collect();
            s.outputs.insert(SCHEDULED.into(), names.join(","));
            s
        }))
    }

    async fn apply(aws: &Aws, _cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        register(
            aws,
            &work.node.name,
            d["min"].as_i64().unwrap_or(1),
            d["max"].as_i64().unwrap_or(1),
            None,
        )
        .await?;
        Ok(State::new(work.node.name.clone(), None).with(d.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        deregister(aws, &node.name).await
    }
}

/// Deregisters the service's scalable target (`resource_id` is
/// `service/<cluster>/<service>`); already gone counts as done.
pub async fn deregister(aws: &Aws, resource_id: &str) -> Result<()> {
    Ok(super::core::gone(
        aws.scaling
            .deregister_scalable_target()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id)
            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
            .send()
            .await
            .ctx("application-autoscaling DeregisterScalableTarget"),
    )?)
}

/// The scalable target's output listing its scheduled actions (pruned by
/// `scheduled_action::orphans`).
pub const SCHEDULED: &str = "scheduled_actions";

/// The scheduled actions of one scalable target (or the one named).
pub async fn scheduled_actions(
    aws: &Aws,
    resource_id: &str,
    name: Option<&str>,
) -> Result<Vec<(String, State)>> {
    let out = aws
        .scaling
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .set_scheduled_action_names(name.map(|n| vec![n.to_string()]))
        .send()
        .await
        .ctx("application-autoscaling DescribeScheduledActions")?;
    Ok(out
        .scheduled_actions()
        .iter()
        .map(|a| {
            let t = a.scalable_target_action();
            (
                a.scheduled_action_name().to_string(),
                State::new(a.scheduled_action_arn(), None).with(json!({
                    "schedule": a.schedule(),
                    "min": t.and_then(|t| t.min_capacity()),
                    "max": t.and_then(|t| t.max_capacity()),
                })),
            )
        })
        .collect())
}

/// Registers the service's range; `suspended` also stops (true) or
/// restarts (false) every kind of scaling, and `None` leaves that as it is.
pub async fn register(
    aws: &Aws,
    resource_id: &str,
    min: i64,
    max: i64,
    suspended: Option<bool>,
) -> Result<()> {
    aws.scaling
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(min as i32)
        .max_capacity(max as i32)
        .set_suspended_state(suspended.map(|s| {
            aws_sdk_applicationautoscaling::types::SuspendedState::builder()
                .dynamic_scaling_in_suspended(s)
                .dynamic_scaling_out_suspended(s)
                .scheduled_scaling_suspended(s)
                .build()
        }))
        .send()
        .await
        .ctx("application-autoscaling RegisterScalableTarget")?;
    Ok(())
}
