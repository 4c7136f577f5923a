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
            let mut subnets = placement(cx).map(|p| p.lb_subnets).unwrap_or_default();
            subnets.sort();
            n.desired = json!({
                "scheme": web.scheme.as_str(),
                "security_groups": [reference(&sg)],
                "subnets": subnets,
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
/// security groups and subnets are set in place; a scheme cannot change, and the error
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
    let mut changed = current.clone();
    if current.attributes["security_groups"] != json!([sg]) {
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
        changed.attributes["security_groups"] = json!([sg]);
    }
    let subnets = &work.node.desired["subnets"];
    if &current.attributes["subnets"] != subnets {
        // A subnet in every zone of its class, so that every zone its
        // services run in is served.
        aws.elb
            .set_subnets()
            .load_balancer_arn(&current.id)
            .set_subnets(Some(super::core::strings(subnets)))
            .send()
            .await
            .ctx("elbv2 SetSubnets")?;
        tracing::info!(
            "load balancer {}: subnets {} -> {subnets}",
            work.node.name,
            current.attributes["subnets"]
        );
        changed.attributes["subnets"] = subnets.clone();
    }
    Ok(changed)
}

/// Where a web stack runs: the load balancer's subnets (the stack's own:
/// every subnet of its class; an adopted one: its own), the subnets its
/// services run in, and those left out because the load balancer serves no
/// subnet in their zone. AWS sends no traffic to a target in a zone its
/// load balancer does not serve, so a service never runs there.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub lb_subnets: Vec<String>,
    pub lb_zones: Vec<String>,
    pub service_subnets: Vec<String>,
    /// (subnet, zone) of the service subnets left out.
    pub left_out: Vec<(String, String)>,
    /// No subnet the services can run in is in a zone the load balancer
    /// serves (they keep them all: leaving every one out would leave them
    /// nowhere to run).
    pub none_served: bool,
}

/// The placement of a web stack, `None` without one. Pure: from the
/// network's zones and the load balancer discovery found.
pub fn placement(cx: &Inputs) -> Option<Placement> {
    let web = cx.spec.web.as_ref()?;
    let net = cx.network;
    let (lb_subnets, lb_zones): (Vec<String>, Vec<String>) = match cx.web.alb.as_ref() {
        Some(alb) if cx.web.adopted => (
            alb.zones.values().cloned().collect(),
            alb.zones.keys().cloned().collect(),
        ),
        _ => {
            let subnets = match web.scheme {
                Scheme::InternetFacing => net.public.clone(),
                Scheme::Internal => net.private.clone(),
            };
            let mut zones: Vec<String> = subnets
                .iter()
                .filter_map(|s| net.zone_of(s).map(str::to_string))
                .collect();
            zones.sort();
            zones.dedup();
            (subnets, zones)
        }
    };
    let all = net.task_subnets().0;
    // A subnet whose zone is not known is kept: nothing says it is wrong.
    let (kept, left_out): (Vec<&String>, Vec<&String>) = all.iter().partition(|s| {
        lb_zones.is_empty()
            || net
                .zone_of(s)
                .is_none_or(|z| lb_zones.iter().any(|l| l == z))
    });
    // Leaving every subnet out would leave the services nowhere to run:
    // they keep them all, and the plan says why that is wrong.
    let none_served = !lb_zones.is_empty() && kept.is_empty();
    let (kept, left_out) = if kept.is_empty() {
        (all.clone(), Vec::new())
    } else {
        (kept.into_iter().cloned().collect(), left_out)
    };
    Some(Placement {
        lb_subnets,
        lb_zones,
        service_subnets: kept,
        left_out: left_out
            .into_iter()
            .map(|s| (s.clone(), net.zone_of(s).unwrap_or_default().to_string()))
            .collect(),
        none_served,
    })
}

/// What the plan says about zones: the services' subnets left out, and why;
/// or that no service subnet is in a zone the load balancer serves.
pub fn zone_notes(cx: &Inputs) -> Vec<String> {
    let Some(p) = placement(cx) else {
        return vec![];
    };
    let mut notes = Vec::new();
    for (subnet, zone) in &p.left_out {
        let fix = if cx.web.adopted {
            format!("give the load balancer a subnet in {zone} to use it")
        } else if cx
            .spec
            .web
            .as_ref()
            .is_some_and(|w| w.scheme == Scheme::InternetFacing)
        {
            format!("add a public subnet in {zone} to use it")
        } else {
            format!("add a private subnet in {zone} to use it")
        };
        notes.push(format!(
            "web services do not run in {subnet} ({zone}): the load balancer serves {}, and AWS sends no traffic to a target in another zone; {fix}",
            p.lb_zones.join(", "),
        ));
    }
    if p.none_served {
        notes.push(format!(
            "no subnet the services can run in is in a zone the load balancer serves ({}): their targets would get no traffic; add subnets in those zones",
            p.lb_zones.join(", ")
        ));
    }
    notes
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
        json!({
            "scheme": alb.scheme,
            "security_groups": alb.security_groups,
            "subnets": alb.zones.values().collect::<std::collections::BTreeSet<_>>(),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::Fixture;

    const WEB: &str = "app:\n  name: shop\ntasks:\n  web:\n    type: https\n    image: x\n    domain: shop.example.com\n";

    /// Public subnets in two zones, private ones in three: the services
    /// leave out the third zone's subnet, and the plan says why.
    fn two_public_three_private() -> Fixture {
        let mut f = Fixture::new(WEB).with_account();
        f.network.public = vec!["subnet-pa".into(), "subnet-pb".into()];
        f.network.private = vec!["subnet-qa".into(), "subnet-qb".into(), "subnet-qc".into()];
        for (subnet, zone) in [
            ("subnet-pa", "us-east-1a"),
            ("subnet-pb", "us-east-1b"),
            ("subnet-qa", "us-east-1a"),
            ("subnet-qb", "us-east-1b"),
            ("subnet-qc", "us-east-1c"),
        ] {
            f.network.zones.insert(subnet.into(), zone.into());
        }
        f
    }

    #[test]
    fn services_run_only_in_zones_the_load_balancer_serves() {
        let f = two_public_three_private();
        let p = placement(&f.inputs()).unwrap();
        assert_eq!(p.lb_subnets, ["subnet-pa", "subnet-pb"]);
        assert_eq!(p.lb_zones, ["us-east-1a", "us-east-1b"]);
        assert_eq!(p.service_subnets, ["subnet-qa", "subnet-qb"]);
        assert_eq!(
            p.left_out,
            [("subnet-qc".to_string(), "us-east-1c".to_string())]
        );
        let notes = zone_notes(&f.inputs());
        assert_eq!(notes.len(), 1, "{notes:?}");
        assert!(
            notes[0].starts_with("web services do not run in subnet-qc (us-east-1c): the load balancer serves us-east-1a, us-east-1b")
                && notes[0].ends_with("add a public subnet in us-east-1c to use it"),
            "{}",
            notes[0]
        );
    }

    #[test]
    fn an_adopted_load_balancer_decides_by_its_own_zones() {
        let mut f = two_public_three_private();
        f.web.adopted = true;
        f.web.alb = Some(crate::discovery::web::Alb {
            arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/theirs/1"
                .into(),
            name: "theirs".into(),
            dns_name: String::new(),
            canonical_zone: String::new(),
            scheme: "internet-facing".into(),
            security_groups: vec![],
            dualstack: false,
            tags: Default::default(),
            zones: [("us-east-1b".to_string(), "subnet-pb".to_string())].into(),
        });
        let p = placement(&f.inputs()).unwrap();
        assert_eq!(p.service_subnets, ["subnet-qb"]);
        assert_eq!(p.left_out.len(), 2);
        // No zone served at all: the services keep every subnet, and the
        // plan says their targets would get no traffic.
        f.web.alb.as_mut().unwrap().zones =
            [("us-east-1d".to_string(), "subnet-pd".to_string())].into();
        let p = placement(&f.inputs()).unwrap();
        assert_eq!(p.service_subnets.len(), 3);
        let notes = zone_notes(&f.inputs());
        assert!(
            notes
                .iter()
                .any(|n| n.starts_with("no subnet the services can run in")),
            "{notes:?}"
        );
    }

    #[test]
    fn unknown_zones_change_nothing() {
        let mut f = two_public_three_private();
        f.network.zones.clear();
        let p = placement(&f.inputs()).unwrap();
        assert_eq!(p.service_subnets.len(), 3);
        assert!(zone_notes(&f.inputs()).is_empty());
    }
}
