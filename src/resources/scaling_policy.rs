//! The target-tracking policy of a scaled service: average CPU or memory in
//! percent, or (http/https) requests per target per minute, which AWS reads
//! from the load balancer and target group named in the resource label.

use anyhow::Result;
use aws_sdk_applicationautoscaling::types::{
    MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use serde_json::{Value, json};

use super::core::{Address, Inputs, Kind, Node, Record, Resource, State, Work, reference};
use super::scalable_target;
use crate::aws::{Aws, AwsResultExt};
use crate::config::web::Metric;

pub struct ScalingPolicy;

impl Resource for ScalingPolicy {
    const NEEDS_SERVICE: bool = true;

    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        let task = node.task.as_deref().unwrap_or_default();
        vec![
            Record::setting(
                &["tasks", task, "autoscaling", "policy_name"],
                node.name.as_str(),
            ),
            Record::id(&["tasks", task, "autoscaling", "policy_arn"]),
        ]
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        cx.spec
            .scaling
            .iter()
            .filter_map(|s| {
                let p = s.policy.as_ref()?;
                let target = Address::new(Kind::ScalableTarget, &s.task);
                let mut n = Node::new(Kind::ScalingPolicy, &s.task, &p.name);
                n.desired = json!({
                    "metric": p.metric.predefined(),
                    "target": p.target,
                    "scale_out_cooldown": p.scale_out_cooldown,
                    "scale_in_cooldown": p.scale_in_cooldown,
                });
                // The policy is ours when the service is.
                n.owner = Some(Address::new(Kind::Service, &s.task));
                n.depends_on = vec![Address::new(Kind::Service, &s.task), target];
                if p.metric == Metric::Requests {
                    let lb = Address::new(Kind::LoadBalancer, "main");
                    let tg = Address::new(Kind::TargetGroup, &s.task);
                    n.desired["load_balancer"] = reference(&lb).into();
                    n.desired["target_group"] = reference(&tg).into();
                }
                n.task = Some(s.task.clone());
                Some(n)
            })
            .collect()
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let out = aws
            .scaling
            .describe_scaling_policies()
            .service_namespace(ServiceNamespace::Ecs)
            .resource_id(resource_id(cx, node))
            .policy_names(&node.name)
            .send()
            .await
            .ctx("application-autoscaling DescribeScalingPolicies")?;
        let Some(p) = out.scaling_policies().first() else {
            return Ok(None);
        };
        let c = p.target_tracking_scaling_policy_configuration();
        let spec = c.and_then(|c| c.predefined_metric_specification());
        let mut attributes = json!({
            "metric": spec.map(|s| s.predefined_metric_type().as_str()),
            "target": c.map(|c| c.target_value() as u64),
            "scale_out_cooldown": c.and_then(|c| c.scale_out_cooldown()),
            "scale_in_cooldown": c.and_then(|c| c.scale_in_cooldown()),
        });
        if let Some(label) = spec.and_then(|s| s.resource_label()) {
            // Back into the two ARNs the config's references stand for.
            if let Some((lb, tg)) = label.split_once("/targetgroup/") {
                let base = cx.id.arn("elasticloadbalancing", true, "");
                attributes["load_balancer"] = Value::from(format!("{base}loadbalancer/{lb}"));
                attributes["target_group"] = Value::from(format!("{base}targetgroup/{tg}"));
            }
        }
        Ok(Some(State::new(p.policy_arn(), None).with(attributes)))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let arn = put(
            aws,
            &resource_id(cx, work.node),
            &work.node.name,
            &work.node.desired,
        )
        .await?;
        Ok(State::new(arn, None).with(work.node.desired.clone()))
    }

    async fn delete(aws: &Aws, cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        delete_named(aws, &resource_id(cx, node), &node.name).await
    }
}

/// `app/<lb>/<id>/targetgroup/<tg>/<id>`, the label AWS wants for
/// ALBRequestCountPerTarget.
pub fn resource_label(lb_arn: &str, tg_arn: &str) -> Option<String> {
    let lb = lb_arn.split_once(":loadbalancer/")?.1;
    let tg = tg_arn.rsplit_once(':')?.1;
    Some(format!("{lb}/{tg}"))
}

fn resource_id(cx: &Inputs, node: &Node) -> String {
    scalable_target::resource_id(&cx.spec.cluster, node.task.as_deref().unwrap_or_default())
}

pub async fn put(aws: &Aws, resource_id: &str, name: &str, desired: &Value) -> Result<String> {
    let metric = desired["metric"].as_str().unwrap_or_default();
    let label = match (
        desired["load_balancer"].as_str(),
        desired["target_group"].as_str(),
    ) {
        (Some(lb), Some(tg)) => resource_label(lb, tg),
        _ => None,
    };
    let config = TargetTrackingScalingPolicyConfiguration::builder()
        .target_value(desired["target"].as_f64().unwrap_or(50.0))
        .scale_out_cooldown(desired["scale_out_cooldown"].as_i64().unwrap_or(60) as i32)
        .scale_in_cooldown(desired["scale_in_cooldown"].as_i64().unwrap_or(300) as i32)
        .predefined_metric_specification(
            PredefinedMetricSpecification::builder()
                .predefined_metric_type(MetricType::from(metric))
                .set_resource_label(label)
                .build()?,
        )
        .build()?;
    let out = aws
        .scaling
        .put_scaling_policy()
        .policy_name(name)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(config)
        .send()
        .await
        .ctx("application-autoscaling PutScalingPolicy")?;
    Ok(out.policy_arn().to_string())
}

pub async fn delete_named(aws: &Aws, resource_id: &str, name: &str) -> Result<()> {
    let result = aws
        .scaling
        .delete_scaling_policy()
        .policy_name(name)
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id(resource_id)
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .send()
        .await
        .ctx("application-autoscaling DeleteScalingPolicy");
    match result {
        Err(e) if e.code.as_deref() == Some("ObjectNotFoundException") => Ok(()),
        other => Ok(super::core::gone(other)?),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_request_label_joins_both_arns() {
        assert_eq!(
            super::resource_label(
                "arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/a-alb/50dc6c495c0c9188",
                "arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/a-tg/6d0ecf831eec9f09"
            )
            .unwrap(),
            "app/a-alb/50dc6c495c0c9188/targetgroup/a-tg/6d0ecf831eec9f09"
        );
    }
}
