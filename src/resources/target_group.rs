//! One target group per web service: type ip, HTTP on the container port
//! (the original hard-coded 80), with the service's health check. A changed
//! health check is modified in place; a changed port needs a new group.

use anyhow::Result;
use aws_sdk_elasticloadbalancingv2::types::{
    Matcher, ProtocolEnum, TargetGroup as ElbTargetGroup, TargetTypeEnum,
};
use serde_json::{Value, json};

use super::core::{Address, Inputs, Kind, Node, Record, Resource, State, Work};

/// The health-check settings, on a create or a modify request alike.
macro_rules! with_health_check {
    ($req:expr, $h:expr) => {{
        let h = $h;
        let num = |v: &Value| v.as_u64().unwrap_or_default() as i32;
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        $req.health_check_path(text(&h["path"]))
            .health_check_port(text(&h["port"]))
            .health_check_interval_seconds(num(&h["interval_seconds"]))
            .health_check_timeout_seconds(num(&h["timeout_seconds"]))
            .healthy_threshold_count(num(&h["healthy_threshold"]))
            .unhealthy_threshold_count(num(&h["unhealthy_threshold"]))
            .matcher(Matcher::builder().http_code(text(&h["matcher"])).build())
    }};
}
use crate::aws::{Aws, AwsResultExt};
use crate::config::web::WebService;

/// The address key of a service's alternate target group (blue/green,
/// canary, linear).
pub fn alternate_key(task: &str) -> String {
    format!("{task}-alt")
}

/// The target groups a web service's tasks can be in: its own, then the
/// alternate one where ECS moves traffic between two.
pub fn addresses(s: &WebService) -> Vec<Address> {
    let mut out = vec![Address::new(Kind::TargetGroup, &s.task)];
    if s.deployment.alternate_target_group.is_some() {
        out.push(Address::new(Kind::TargetGroup, alternate_key(&s.task)));
    }
    out
}

pub struct TargetGroup;

impl Resource for TargetGroup {
    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        let task = node.task.as_deref().unwrap_or_default();
        if node.address.key != task {
            return vec![Record::id(&[
                "tasks",
                task,
                "deployment",
                "alternate_target_group_arn",
            ])];
        }
        vec![
            Record::setting(&["tasks", task, "target_group_name"], node.name.as_str()),
            Record::id(&["tasks", task, "target_group_arn"]),
        ]
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = &cx.spec.web else {
            return vec![];
        };
        let mut nodes = Vec::new();
        for s in &web.services {
            let mut n = Node::new(Kind::TargetGroup, &s.task, &s.target_group);
            n.predicted = format!("(the ARN of {})", s.target_group);
            n.desired = desired(s, &cx.network.vpc_id);
            n.task = Some(s.task.clone());
            // Blue/green, canary and linear: ECS starts the new revision in
            // the other group and moves the traffic there.
            if let Some(alternate) = &s.deployment.alternate_target_group {
                let mut alt = Node::new(Kind::TargetGroup, &alternate_key(&s.task), alternate);
                alt.predicted = format!("(the ARN of {alternate})");
                alt.desired = n.desired.clone();
                alt.task = Some(s.task.clone());
                nodes.push(alt);
            }
            nodes.push(n);
        }
        nodes
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        // With the ARN recorded, its tags are read beside the describe (one
        // round); they are read again only if the group was replaced.
        let recorded = node
            .task
            .as_ref()
            .and_then(|t| cx.config.tasks.get(t))
            .and_then(|t| t.target_group_arn.clone());
        let early_tags = async {
            match &recorded {
                Some(arn) => crate::discovery::web::tags_of(aws, arn).await.ok(),
                None => None,
            }
        };
        let (found, early_tags) = tokio::join!(find(aws, &node.name), early_tags);
        let Some((arn, attrs)) = found? else {
            return Ok(None);
        };
        let tags = match early_tags {
            Some(t) if recorded.as_deref() == Some(arn.as_str()) => t,
            _ => crate::discovery::web::tags_of(aws, &arn).await?,
        };
        Ok(Some(State::new(arn, Some(tags)).with(attrs)))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        let h = &d["health_check"];
        let num = |v: &Value| v.as_u64().unwrap_or_default() as i32;
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        if let Some(current) = work.current {
            if current.attributes["port"] != d["port"]
                || current.attributes["vpc_id"] != d["vpc_id"]
            {
                anyhow::bail!(
                    "target group {} serves port {} in {}; the config asks for port {} in {}: a target group's port cannot change. Delete the service and the group (`fargate-stack delete-http-service`), then apply and create-service again",
                    work.node.name,
                    current.attributes["port"],
                    current.attributes["vpc_id"],
                    d["port"],
                    d["vpc_id"]
                );
            }
            with_health_check!(
                aws.elb.modify_target_group().target_group_arn(&current.id),
                h
            )
            .send()
            .await
            .ctx("elbv2 ModifyTargetGroup")?;
            return Ok(State::new(current.id.clone(), current.tags.clone()).with(d.clone()));
        }
        // CreateTargetGroup with the same settings returns the existing group,
        // so a re-run after a lost response adopts it.
        let create = aws
            .elb
            .create_target_group()
            .name(&work.node.name)
            .protocol(ProtocolEnum::Http)
            .port(num(&d["port"]))
            .vpc_id(text(&d["vpc_id"]))
            .target_type(TargetTypeEnum::Ip)
            .health_check_enabled(true);
        let out = with_health_check!(create, h)
            .set_tags(Some(super::load_balancer::elb_tags(&cx.spec.app)))
            .send()
            .await
            .ctx("elbv2 CreateTargetGroup")?;
        let arn = out
            .target_groups()
            .first()
            .and_then(|g| g.target_group_arn())
            .ok_or_else(|| anyhow::anyhow!("elbv2 CreateTargetGroup returned no target group"))?;
        Ok(State::new(arn, super::core::tag_map(&cx.spec.app)).with(d.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        // In use until the load balancer's rules and listeners are gone.
        super::core::retry_while("elbv2 DeleteTargetGroup", &["ResourceInUse"], || async {
            super::core::gone(
                aws.elb
                    .delete_target_group()
                    .target_group_arn(&state.id)
                    .send()
                    .await
                    .ctx("elbv2 DeleteTargetGroup"),
            )
        })
        .await
    }
}

fn desired(s: &WebService, vpc: &str) -> Value {
    let h = &s.health;
    json!({
        "port": s.container_port,
        "vpc_id": vpc,
        "health_check": {
            "path": h.path,
            "port": h.port,
            "interval_seconds": h.interval_seconds,
            "timeout_seconds": h.timeout_seconds,
            "healthy_threshold": h.healthy_threshold,
            "unhealthy_threshold": h.unhealthy_threshold,
            "matcher": h.matcher,
        }
    })
}

fn attributes(g: &ElbTargetGroup) -> Value {
    json!({
        "port": g.port(),
        "vpc_id": g.vpc_id(),
        "health_check": {
            "path": g.health_check_path(),
            "port": g.health_check_port(),
            "interval_seconds": g.health_check_interval_seconds(),
            "timeout_seconds": g.health_check_timeout_seconds(),
            "healthy_threshold": g.healthy_threshold_count(),
            "unhealthy_threshold": g.unhealthy_threshold_count(),
            "matcher": g.matcher().and_then(|m| m.http_code()),
        }
    })
}

pub async fn find(aws: &Aws, name: &str) -> Result<Option<(String, Value)>> {
    match aws
        .elb
        .describe_target_groups()
        .names(name)
        .send()
        .await
        .ctx("elbv2 DescribeTargetGroups")
    {
        Ok(out) => Ok(out.target_groups().first().map(|g| {
            (
                g.target_group_arn().unwrap_or_default().to_string(),
                attributes(g),
            )
        })),
        Err(e) if e.code.as_deref() == Some("TargetGroupNotFound") => Ok(None),
        Err(e) => Err(e.into()),
    }
}
