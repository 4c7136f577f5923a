//! The application load balancer: `<app>-alb`, internet-facing in the public
//! subnets for https, internal in the private subnets for http, with the
//! group `<app>-alb-sg`. An ALB the stack found rather than made (adopted,
//! or named by `alb.arn`) is used as it is: its scheme, subnets and groups
//! are read, never set, and it is never deleted. The stack's own ALB gets
//! its group back when someone changed it; its scheme cannot change, and
//! the error says which it has and which the config asks for.

use std::time::{Duration, Instant};

use anyhow::Result;
use aws_sdk_elasticloadbalancingv2::types::{LoadBalancerSchemeEnum, LoadBalancerTypeEnum, Tag};
use serde_json::json;

use super::core::{Address, Inputs, Kind, Node, Record, Resource, State, Work, reference};
use super::security_group;
use crate::aws::{Aws, AwsResultExt};
use crate::config::web::Scheme;
use crate::discovery::web::{Alb, alb_from};

pub struct LoadBalancer;

impl Resource for LoadBalancer {
    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        vec![
            Record::setting(&["alb", "name"], node.name.as_str()),
            Record::id(&["alb", "arn"]),
        ]
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = &cx.spec.web else {
            return vec![];
        };
        let name = cx
            .web
            .alb
            .as_ref()
            .map_or(web.alb_name.clone(), |a| a.name.clone());
        let mut n = Node::new(Kind::LoadBalancer, "main", name);
        n.predicted = format!("(the ARN of {})", n.name);
        if cx.web.adopted {
            // Used as it is: nothing to compare.
            n.desired = json!({});
        } else {
            let sg = Address::new(Kind::SecurityGroup, security_group::ALB);
            n.desired = json!({
                "scheme": web.scheme.as_str(),
                "security_groups": [reference(&sg)],
            });
            n.owner = Some(sg);
        }
        vec![n]
    }

    async fn observe(_aws: &Aws, cx: &Inputs<'_>, _node: &Node) -> Result<Option<State>> {
        // Discovery already described it (the rules that choose it need to).
        Ok(cx.web.alb.as_ref().map(|a| state_of(a, cx.web.adopted)))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let web = cx.spec.web.as_ref().expect("web nodes need a web spec");
        let sg = work
            .deps
            .iter()
            .find(|(a, _)| a.kind == Kind::SecurityGroup && a.key == security_group::ALB)
            .map(|(_, s)| s.id.clone())
            .ok_or_else(|| anyhow::anyhow!("the load balancer's security group is not known"))?;
        if let Some(current) = work.current {
            return change(aws, web, work, current, sg).await;
        }
        let subnets = match web.scheme {
            Scheme::InternetFacing => &cx.network.public,
            Scheme::Internal => &cx.network.private,
        };
        if subnets.len() < 2 {
            anyhow::bail!(
                "an {} load balancer needs subnets in two availability zones; the VPC {} has {} {} subnet(s). Add subnets, or list them under `subnets:`",
                web.scheme.as_str(),
                cx.network.vpc_id,
                subnets.len(),
                if web.scheme == Scheme::InternetFacing {
                    "public"
                } else {
                    "private"
                }
            );
        }
        let out = aws
            .elb
            .create_load_balancer()
            .name(&work.node.name)
            .set_subnets(Some(subnets.clone()))
            .security_groups(&sg)
            .scheme(LoadBalancerSchemeEnum::from(web.scheme.as_str()))
            .r#type(LoadBalancerTypeEnum::Application)
            .set_tags(Some(elb_tags(&cx.spec.app)))
            .send()
            .await
            .ctx("elbv2 CreateLoadBalancer")?;
        let lb = out
            .load_balancers()
            .first()
            .ok_or_else(|| anyhow::anyhow!("elbv2 CreateLoadBalancer returned no load balancer"))?;
        let mut alb = alb_from(lb);
        alb.tags = super::core::tag_map(&cx.spec.app).unwrap_or_default();
        wait_active(aws, &alb.arn, &alb.name).await?;
        Ok(state_of(&alb, false))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        Ok(super::core::gone(
            aws.elb
                .delete_load_balancer()
                .load_balancer_arn(&state.id)
                .send()
                .await
                .ctx("elbv2 DeleteLoadBalancer"),
        )?)
    }
}

/// The stack's own load balancer, found different from the config: its
/// security groups are set in place; a scheme cannot change, and the error
/// says which one it has and which the config asks for.
async fn change(
    aws: &Aws,
    web: &crate::config::web::WebSpec,
    work: &Work<'_>,
    current: &State,
    sg: String,
) -> Result<State> {
    let scheme = current.attributes["scheme"].as_str().unwrap_or("unknown");
    if scheme != web.scheme.as_str() {
        anyhow::bail!(
            "load balancer {} is {scheme}; the config asks for {} ({}): a load balancer's scheme cannot change. Delete it (`fargate-stack destroy`, or by hand) and apply again, or set `alb.type: {}` to keep it",
            work.node.name,
            web.scheme.as_str(),
            if web.https {
                "https services are served by an internet-facing one"
            } else {
                "`alb.type`, or internal for http services"
            },
            if scheme == "internal" {
                "private"
            } else {
                "public"
            }
        );
    }
    aws.elb
        .set_security_groups()
        .load_balancer_arn(&current.id)
        .security_groups(&sg)
        .send()
        .await
        .ctx("elbv2 SetSecurityGroups")?;
    tracing::info!(
        "load balancer {}: security groups {} -> [{sg}]",
        work.node.name,
        current.attributes["security_groups"]
    );
    let mut changed = current.clone();
    changed.attributes["security_groups"] = json!([sg]);
    Ok(changed)
}

pub fn elb_tags(app: &str) -> Vec<Tag> {
    super::core::tags(app)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

fn state_of(alb: &Alb, adopted: bool) -> State {
    let mut s = State::new(alb.arn.clone(), Some(alb.tags.clone()));
    s.attributes = if adopted {
        json!({})
    } else {
        json!({ "scheme": alb.scheme, "security_groups": alb.security_groups })
    };
    s.outputs.insert("dns_name".into(), alb.dns_name.clone());
    s.outputs
        .insert("canonical_zone".into(), alb.canonical_zone.clone());
    s.outputs
        .insert("dualstack".into(), alb.dualstack.to_string());
    s.outputs.insert("name".into(), alb.name.clone());
    s
}

/// Waits (with progress) until the load balancer leaves `provisioning`.
async fn wait_active(aws: &Aws, arn: &str, name: &str) -> Result<()> {
    let started = Instant::now();
    let limit = Duration::from_secs(600);
    let mut said = false;
    loop {
        let out = aws
            .elb
            .describe_load_balancers()
            .load_balancer_arns(arn)
            .send()
            .await
            .ctx("elbv2 DescribeLoadBalancers")?;
        let state = out
            .load_balancers()
            .first()
            .and_then(|l| l.state())
            .and_then(|s| s.code())
            .map(|c| c.as_str().to_string())
            .unwrap_or_default();
        match state.as_str() {
            "active" => return Ok(()),
            "failed" => anyhow::bail!("load balancer {name} failed to provision"),
            _ if started.elapsed() > limit => anyhow::bail!(
                "load balancer {name} is still {state} after {}s; check it in the EC2 console and apply again",
                limit.as_secs()
            ),
            _ => {
                if !said {
                    tracing::info!("waiting for load balancer {name} to become active");
                    said = true;
                }
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
        }
    }
}
