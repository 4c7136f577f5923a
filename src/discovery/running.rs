//! What a running ECS service is made of, read for `import --cluster
//! --service`: the cluster, the services and their current revisions, the
//! log groups, security groups and subnets they use, their autoscaling, and
//! what else in the cluster shares them (so `--own` claims only what these
//! services use alone). Reads only; `config::from_running` turns it into a
//! config.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use aws_sdk_applicationautoscaling::types::{ScalableTarget, ScalingPolicy, ServiceNamespace};
use aws_sdk_ecs::types::{Cluster, ClusterField, Service, ServiceField, TaskDefinition};
use aws_sdk_elasticloadbalancingv2::types::{Rule, TargetGroup};
use futures::future::try_join_all;

use crate::aws::{Aws, AwsResultExt};
use crate::error::UserError;

#[derive(Debug, Clone)]
pub struct Running {
    pub cluster: Cluster,
    pub services: Vec<RunningService>,
    /// Log group name → (ARN, retention in days; `None` keeps them forever).
    pub log_groups: BTreeMap<String, (String, Option<i32>)>,
    /// Security group id → name.
    pub security_groups: BTreeMap<String, String>,
    /// Subnet id → its VPC.
    pub subnet_vpcs: BTreeMap<String, String>,
    /// What the cluster's other services use: role ARNs, log groups,
    /// security groups (never claimed by `--own`).
    pub shared: BTreeSet<String>,
    /// The cluster's services that are not imported.
    pub others: Vec<String>,
    /// The load balancer the imported web services sit behind.
    pub web: Option<RunningWeb>,
    /// EventBridge rules that run tasks in the cluster and were not asked
    /// for (`--schedule`).
    pub other_rules: Vec<String>,
}

/// A scheduled task: the EventBridge rule and its ECS target.
#[derive(Debug, Clone)]
pub struct RunningSchedule {
    pub rule: String,
    pub expression: String,
    pub target_id: String,
    pub role_arn: Option<String>,
    /// The task definition the target names (a revision, or a family).
    pub task_definition: String,
    pub task_count: i32,
}

/// A load balancer and what routes to the imported services through it.
#[derive(Debug, Clone)]
pub struct RunningWeb {
    pub alb: super::web::Alb,
    pub listeners: Vec<super::web::Listener>,
    /// Listener ARN → its rules.
    pub rules: BTreeMap<String, Vec<Rule>>,
    pub target_groups: Vec<TargetGroup>,
    /// Domain → the hosted zone whose alias record points at the load
    /// balancer (domains without one are left out).
    pub aliases: BTreeMap<String, String>,
    /// Target groups of the load balancer that no imported service uses.
    pub other_target_groups: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct RunningService {
    pub service: Service,
    pub definition: TaskDefinition,
    pub scalable_target: Option<ScalableTarget>,
    pub scaling_policies: Vec<ScalingPolicy>,
    /// The names of its scheduled scaling actions (not carried over).
    pub scheduled_actions: Vec<String>,
    /// For a scheduled task (no service), its rule; `service` then holds
    /// only the task's name, launch type and the target's network.
    pub schedule: Option<RunningSchedule>,
}

/// The service's Application Auto Scaling resource id.
pub fn scaling_resource_id(cluster: &str, service: &str) -> String {
    format!("service/{cluster}/{service}")
}

pub async fn read(aws: &Aws, cluster: &str, names: &[String], rules: &[String]) -> Result<Running> {
    let found = aws
        .ecs
        .describe_clusters()
        .clusters(cluster)
        .include(ClusterField::Tags)
        .send()
        .await
        .ctx("ecs DescribeClusters")?;
    let Some(cluster) = found
        .clusters()
        .iter()
        .find(|c| c.status() == Some("ACTIVE"))
        .cloned()
    else {
        return Err(UserError::new(format!(
            "there is no active ECS cluster `{cluster}` in {}; name one with --cluster (`aws ecs list-clusters` lists them)",
            aws.region
        ))
        .into());
    };
    let cluster_name = cluster.cluster_name().unwrap_or_default().to_string();
    let cluster_arn = cluster.cluster_arn().unwrap_or_default().to_string();
    let (scheduled, other_rules) = read_schedules(aws, &cluster_arn, rules).await?;
    let all = list_services(aws, &cluster_name).await?;
    let services = describe_services(aws, &cluster_name, &all).await?;
    for name in names {
        if !services
            .iter()
            .any(|s| s.service_name() == Some(name.as_str()))
        {
            return Err(UserError::new(format!(
                "the cluster `{cluster_name}` has no active service `{name}`; its services: {}",
                if all.is_empty() {
                    "none".to_string()
                } else {
                    services
                        .iter()
                        .filter_map(|s| s.service_name())
                        .collect::<Vec<_>>()
                        .join(", ")
                }
            ))
            .into());
        }
    }
    // Every service's current revision: the imported ones to convert, the
    // others to know what they share.
    let definitions = try_join_all(services.iter().map(|s| async move {
        let out = aws
            .ecs
            .describe_task_definition()
            .task_definition(s.task_definition().unwrap_or_default())
            .send()
            .await
            .ctx("ecs DescribeTaskDefinition")?;
        Ok::<_, anyhow::Error>(
            out.task_definition()
                .cloned()
                .unwrap_or_else(|| TaskDefinition::builder().build()),
        )
    }))
    .await?;
    let mut imported = Vec::new();
    let mut shared = BTreeSet::new();
    let mut others = Vec::new();
    for (service, definition) in services.into_iter().zip(definitions) {
        let name = service.service_name().unwrap_or_default().to_string();
        if names.contains(&name) {
            imported.push((service, definition));
        } else {
            shared.extend(uses(&service, &definition));
            others.push(name);
        }
    }
    // Keep the order the user named them in.
    imported.sort_by_key(|(s, _)| {
        names
            .iter()
            .position(|n| Some(n.as_str()) == s.service_name())
    });

    let mut schedules = BTreeMap::new();
    for (service, definition, schedule) in scheduled {
        schedules.insert(
            service.service_name().unwrap_or_default().to_string(),
            schedule,
        );
        imported.push((service, definition));
    }
    let groups: BTreeSet<String> = imported
        .iter()
        .flat_map(|(_, d)| log_groups_of(d))
        .collect();
    let web = read_web(aws, &imported).await?;
    let mut sg_ids: BTreeSet<String> = imported.iter().flat_map(|(s, _)| network_of(s).1).collect();
    if let Some(w) = &web {
        sg_ids.extend(w.alb.security_groups.iter().cloned());
    }
    let subnet_ids: BTreeSet<String> = imported.iter().flat_map(|(s, _)| network_of(s).0).collect();
    let (log_groups, security_groups, subnet_vpcs, scaling) = tokio::try_join!(
        read_log_groups(aws, &groups),
        read_security_groups(aws, &sg_ids),
        read_subnets(aws, &subnet_ids),
        read_scaling(aws, &cluster_name, names),
    )?;
    let (targets, policies, scheduled) = scaling;
    let services = imported
        .into_iter()
        .map(|(service, definition)| {
            let id = scaling_resource_id(&cluster_name, service.service_name().unwrap_or_default());
            RunningService {
                scalable_target: targets.iter().find(|t| t.resource_id() == id).cloned(),
                scaling_policies: policies
                    .iter()
                    .filter(|p| p.resource_id() == id)
                    .cloned()
                    .collect(),
                scheduled_actions: scheduled
                    .iter()
                    .filter(|(r, _)| *r == id)
                    .map(|(_, n)| n.clone())
                    .collect(),
                schedule: schedules.remove(service.service_name().unwrap_or_default()),
                service,
                definition,
            }
        })
        .collect();
    Ok(Running {
        cluster,
        services,
        log_groups,
        security_groups,
        subnet_vpcs,
        shared,
        others,
        web,
        other_rules,
    })
}

type Scheduled = (Service, TaskDefinition, RunningSchedule);

/// The named rules (each with an ECS target in the cluster) as scheduled
/// tasks, and the names of the cluster's other rules.
async fn read_schedules(
    aws: &Aws,
    cluster_arn: &str,
    rules: &[String],
) -> Result<(Vec<Scheduled>, Vec<String>)> {
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let out = aws
            .events
            .list_rule_names_by_target()
            .target_arn(cluster_arn)
            .set_next_token(token)
            .send()
            .await
            .ctx("events ListRuleNamesByTarget")?;
        all.extend(out.rule_names().iter().cloned());
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let other_rules = all.iter().filter(|r| !rules.contains(r)).cloned().collect();
    let scheduled = try_join_all(rules.iter().map(|rule| async move {
        let (described, targets) = tokio::join!(
            aws.events.describe_rule().name(rule).send(),
            aws.events.list_targets_by_rule().rule(rule).send()
        );
        let described = described.ctx("events DescribeRule").map_err(|e| {
            if e.code.as_deref() == Some("ResourceNotFoundException") {
                anyhow::Error::from(UserError::new(format!(
                    "there is no EventBridge rule `{rule}` in {}; `aws events list-rule-names-by-target --target-arn {cluster_arn}` lists the cluster's",
                    aws.region
                )))
            } else {
                e.into()
            }
        })?;
        let targets = targets.ctx("events ListTargetsByRule")?;
        let Some(target) = targets
            .targets()
            .iter()
            .find(|t| t.arn() == cluster_arn && t.ecs_parameters().is_some())
        else {
            return Err(UserError::new(format!(
                "the rule `{rule}` runs no task in this cluster ({cluster_arn})"
            ))
            .into());
        };
        let ecs = target.ecs_parameters().expect("checked");
        let definition = aws
            .ecs
            .describe_task_definition()
            .task_definition(ecs.task_definition_arn())
            .send()
            .await
            .ctx("ecs DescribeTaskDefinition")?
            .task_definition()
            .cloned()
            .unwrap_or_else(|| TaskDefinition::builder().build());
        let name = rule.strip_suffix("-schedule").unwrap_or(rule).to_string();
        let vpc = ecs
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration());
        let network = aws_sdk_ecs::types::NetworkConfiguration::builder()
            .awsvpc_configuration(
                aws_sdk_ecs::types::AwsVpcConfiguration::builder()
                    .set_subnets(vpc.map(|v| v.subnets().to_vec()))
                    .set_security_groups(vpc.map(|v| v.security_groups().to_vec()))
                    .set_assign_public_ip(
                        vpc.and_then(|v| v.assign_public_ip())
                            .map(|a| aws_sdk_ecs::types::AssignPublicIp::from(a.as_str())),
                    )
                    .build()?,
            )
            .build();
        let service = Service::builder()
            .service_name(&name)
            .set_launch_type(
                ecs.launch_type()
                    .map(|l| aws_sdk_ecs::types::LaunchType::from(l.as_str())),
            )
            .set_capacity_provider_strategy(Some(
                ecs.capacity_provider_strategy()
                    .iter()
                    .map(|c| {
                        aws_sdk_ecs::types::CapacityProviderStrategyItem::builder()
                            .capacity_provider(c.capacity_provider())
                            .weight(c.weight())
                            .base(c.base())
                            .build()
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ))
            .network_configuration(network)
            .build();
        Ok::<_, anyhow::Error>((
            service,
            definition,
            RunningSchedule {
                rule: rule.clone(),
                expression: described.schedule_expression().unwrap_or_default().to_string(),
                target_id: target.id().to_string(),
                role_arn: target.role_arn().map(str::to_string),
                task_definition: ecs.task_definition_arn().to_string(),
                task_count: ecs.task_count().unwrap_or(1),
            },
        ))
    }))
    .await?;
    Ok((scheduled, other_rules))
}

/// The load balancer behind the imported services (one for all of them),
/// its listeners and their rules, the services' target groups, and which
/// of the domains the rules route have an alias record pointing at it.
async fn read_web(aws: &Aws, imported: &[(Service, TaskDefinition)]) -> Result<Option<RunningWeb>> {
    let arns: BTreeSet<String> = imported
        .iter()
        .flat_map(|(s, _)| s.load_balancers())
        .filter_map(|l| l.target_group_arn().map(str::to_string))
        .collect();
    if arns.is_empty() {
        return Ok(None);
    }
    let groups = aws
        .elb
        .describe_target_groups()
        .set_target_group_arns(Some(arns.iter().cloned().collect()))
        .send()
        .await
        .ctx("elbv2 DescribeTargetGroups")?
        .target_groups()
        .to_vec();
    let balancers: BTreeSet<&str> = groups
        .iter()
        .flat_map(|g| g.load_balancer_arns())
        .map(String::as_str)
        .collect();
    let alb_arn = match balancers.into_iter().collect::<Vec<_>>().as_slice() {
        [one] => one.to_string(),
        [] => {
            return Err(UserError::new(
                "the services' target groups are attached to no load balancer; attach them, or import the services without their load balancer wiring (not supported)".to_string(),
            )
            .into());
        }
        many => {
            return Err(UserError::new(format!(
                "the services sit behind {} load balancers ({}); a config has one: import the services of each into its own config",
                many.len(),
                many.join(", ")
            ))
            .into());
        }
    };
    let (alb, listeners) = tokio::try_join!(
        super::web::describe_by(aws, Some(&alb_arn), None),
        super::web::listeners(aws, &alb_arn)
    )?;
    let alb = alb.ok_or_else(|| UserError::new(format!("the load balancer {alb_arn} is gone")))?;
    let rules = try_join_all(listeners.iter().map(|l| async move {
        let out = aws
            .elb
            .describe_rules()
            .listener_arn(&l.arn)
            .send()
            .await
            .ctx("elbv2 DescribeRules")?;
        Ok::<_, anyhow::Error>((l.arn.clone(), out.rules().to_vec()))
    }));
    let all_groups = aws
        .elb
        .describe_target_groups()
        .load_balancer_arn(&alb_arn)
        .send();
    let (rules, all_groups) = tokio::join!(rules, all_groups);
    let rules: BTreeMap<String, Vec<Rule>> = rules?.into_iter().collect();
    let other_target_groups = all_groups
        .ctx("elbv2 DescribeTargetGroups")?
        .target_groups()
        .iter()
        .filter_map(|g| g.target_group_arn())
        .filter(|a| !arns.contains(*a))
        .map(str::to_string)
        .collect();
    let domains: BTreeSet<String> = rules
        .values()
        .flatten()
        .filter(|r| forwards_to_any(r, &arns))
        .filter_map(host_of)
        .collect();
    let aliases = if domains.is_empty() {
        BTreeMap::new()
    } else {
        let zones = super::web::all_zones(aws).await?;
        let found = try_join_all(domains.iter().map(|d| {
            let zone = super::web::best_zone(&zones, d, alb.scheme == "internal").cloned();
            let alb = &alb;
            async move {
                let Some(zone) = zone else {
                    return Ok::<_, anyhow::Error>(None);
                };
                let out = aws
                    .route53
                    .list_resource_record_sets()
                    .hosted_zone_id(&zone.id)
                    .start_record_name(d)
                    .start_record_type(aws_sdk_route53::types::RrType::A)
                    .max_items(1)
                    .send()
                    .await
                    .ctx("route53 ListResourceRecordSets")?;
                let points_here = out.resource_record_sets().iter().any(|r| {
                    r.name().trim_end_matches('.').eq_ignore_ascii_case(d)
                        && r.alias_target().is_some_and(|a| {
                            a.dns_name()
                                .trim_end_matches('.')
                                .to_ascii_lowercase()
                                .trim_start_matches("dualstack.")
                                == alb.dns_name.to_ascii_lowercase()
                        })
                });
                Ok(points_here.then(|| (d.clone(), zone.id.clone())))
            }
        }))
        .await?;
        found.into_iter().flatten().collect()
    };
    Ok(Some(RunningWeb {
        alb,
        listeners,
        rules,
        target_groups: groups,
        aliases,
        other_target_groups,
    }))
}

/// Whether the rule forwards to one of these target groups.
fn forwards_to_any(r: &Rule, groups: &BTreeSet<String>) -> bool {
    r.actions().iter().any(|a| {
        a.target_group_arn().is_some_and(|t| groups.contains(t))
            || a.forward_config().is_some_and(|f| {
                f.target_groups()
                    .iter()
                    .any(|t| t.target_group_arn().is_some_and(|t| groups.contains(t)))
            })
    })
}

/// The rule's forward target groups.
pub fn forwards_to(r: &Rule, group: &str) -> bool {
    forwards_to_any(r, &BTreeSet::from([group.to_string()]))
}

/// The first host a rule matches.
pub fn host_of(r: &Rule) -> Option<String> {
    condition_value(r, "host-header")
}

/// The first path pattern a rule matches.
pub fn path_of(r: &Rule) -> Option<String> {
    condition_value(r, "path-pattern")
}

fn condition_value(r: &Rule, field: &str) -> Option<String> {
    r.conditions()
        .iter()
        .find(|c| c.field() == Some(field))
        .and_then(|c| {
            let from_config = match field {
                "host-header" => c.host_header_config().map(|h| h.values().to_vec()),
                _ => c.path_pattern_config().map(|p| p.values().to_vec()),
            };
            from_config
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| c.values().to_vec())
                .into_iter()
                .next()
        })
}

/// A service's subnets and security groups.
pub fn network_of(s: &Service) -> (Vec<String>, Vec<String>) {
    s.network_configuration()
        .and_then(|n| n.awsvpc_configuration())
        .map(|a| (a.subnets().to_vec(), a.security_groups().to_vec()))
        .unwrap_or_default()
}

/// The awslogs groups a revision's containers write to.
pub fn log_groups_of(d: &TaskDefinition) -> Vec<String> {
    d.container_definitions()
        .iter()
        .filter_map(|c| c.log_configuration())
        .filter(|l| l.log_driver().as_str() == "awslogs")
        .filter_map(|l| l.options()?.get("awslogs-group").cloned())
        .collect()
}

/// What a service uses that another could share: its roles, log groups and
/// security groups.
fn uses(s: &Service, d: &TaskDefinition) -> Vec<String> {
    let mut out: Vec<String> = [d.execution_role_arn(), d.task_role_arn()]
        .into_iter()
        .flatten()
        .map(str::to_string)
        .collect();
    out.extend(log_groups_of(d));
    out.extend(network_of(s).1);
    out.extend(
        s.load_balancers()
            .iter()
            .filter_map(|l| l.target_group_arn().map(str::to_string)),
    );
    out
}

async fn list_services(aws: &Aws, cluster: &str) -> Result<Vec<String>> {
    let mut arns = Vec::new();
    let mut pages = aws
        .ecs
        .list_services()
        .cluster(cluster)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        arns.extend(page.ctx("ecs ListServices")?.service_arns().to_vec());
    }
    Ok(arns)
}

async fn describe_services(aws: &Aws, cluster: &str, arns: &[String]) -> Result<Vec<Service>> {
    // DescribeServices takes at most 10 services a call.
    let pages = try_join_all(arns.chunks(10).map(|chunk| async move {
        let out = aws
            .ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .include(ServiceField::Tags)
            .send()
            .await
            .ctx("ecs DescribeServices")?;
        Ok::<_, anyhow::Error>(out.services().to_vec())
    }))
    .await?;
    Ok(pages
        .into_iter()
        .flatten()
        .filter(|s| s.status() == Some("ACTIVE"))
        .collect())
}

async fn read_log_groups(
    aws: &Aws,
    names: &BTreeSet<String>,
) -> Result<BTreeMap<String, (String, Option<i32>)>> {
    let found = try_join_all(names.iter().map(|name| async move {
        let out = aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(name)
            .send()
            .await
            .ctx("logs DescribeLogGroups")?;
        Ok::<_, anyhow::Error>(
            out.log_groups()
                .iter()
                .find(|g| g.log_group_name() == Some(name.as_str()))
                .map(|g| {
                    (
                        name.clone(),
                        (
                            g.arn()
                                .unwrap_or_default()
                                .trim_end_matches(":*")
                                .to_string(),
                            g.retention_in_days(),
                        ),
                    )
                }),
        )
    }))
    .await?;
    Ok(found.into_iter().flatten().collect())
}

async fn read_security_groups(
    aws: &Aws,
    ids: &BTreeSet<String>,
) -> Result<BTreeMap<String, String>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let out = aws
        .ec2
        .describe_security_groups()
        .set_group_ids(Some(ids.iter().cloned().collect()))
        .send()
        .await
        .ctx("ec2 DescribeSecurityGroups")?;
    Ok(out
        .security_groups()
        .iter()
        .filter_map(|g| Some((g.group_id()?.to_string(), g.group_name()?.to_string())))
        .collect())
}

async fn read_subnets(aws: &Aws, ids: &BTreeSet<String>) -> Result<BTreeMap<String, String>> {
    if ids.is_empty() {
        return Ok(BTreeMap::new());
    }
    let out = aws
        .ec2
        .describe_subnets()
        .set_subnet_ids(Some(ids.iter().cloned().collect()))
        .send()
        .await
        .ctx("ec2 DescribeSubnets")?;
    Ok(out
        .subnets()
        .iter()
        .filter_map(|s| Some((s.subnet_id()?.to_string(), s.vpc_id()?.to_string())))
        .collect())
}

type Scaling = (
    Vec<ScalableTarget>,
    Vec<ScalingPolicy>,
    Vec<(String, String)>,
);

async fn read_scaling(aws: &Aws, cluster: &str, names: &[String]) -> Result<Scaling> {
    let ids: Vec<String> = names
        .iter()
        .map(|n| scaling_resource_id(cluster, n))
        .collect();
    let targets = aws
        .scaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .set_resource_ids(Some(ids.clone()))
        .send()
        .await
        .ctx("application-autoscaling DescribeScalableTargets")?
        .scalable_targets()
        .to_vec();
    if targets.is_empty() {
        return Ok((targets, vec![], vec![]));
    }
    let per_service = try_join_all(targets.iter().map(|t| async move {
        let id = t.resource_id().to_string();
        let (policies, scheduled) = tokio::try_join!(
            async {
                aws.scaling
                    .describe_scaling_policies()
                    .service_namespace(ServiceNamespace::Ecs)
                    .resource_id(&id)
                    .send()
                    .await
                    .ctx("application-autoscaling DescribeScalingPolicies")
            },
            async {
                aws.scaling
                    .describe_scheduled_actions()
                    .service_namespace(ServiceNamespace::Ecs)
                    .resource_id(&id)
                    .send()
                    .await
                    .ctx("application-autoscaling DescribeScheduledActions")
            }
        )?;
        Ok::<_, anyhow::Error>((
            policies.scaling_policies().to_vec(),
            scheduled
                .scheduled_actions()
                .iter()
                .map(|a| (id.clone(), a.scheduled_action_name().to_string()))
                .collect::<Vec<_>>(),
        ))
    }))
    .await?;
    let (policies, scheduled): (Vec<_>, Vec<_>) = per_service.into_iter().unzip();
    Ok((
        targets,
        policies.into_iter().flatten().collect(),
        scheduled.into_iter().flatten().collect(),
    ))
}

/// What a revision holds that a config cannot say, where `container` is the
/// config's container: the other containers, and the settings the engine
/// never writes.
pub fn unexpressed(td: &TaskDefinition, container: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut set = |present: bool, what: String| {
        if present {
            out.push(what);
        }
    };
    for c in td.container_definitions() {
        let name = c.name().unwrap_or_default();
        if name != container {
            set(
                true,
                format!("container `{name}` ({})", c.image().unwrap_or_default()),
            );
            continue;
        }
        let linux = c.linux_parameters();
        for (present, field) in [
            (!c.entry_point().is_empty(), "entryPoint"),
            (c.working_directory().is_some(), "workingDirectory"),
            (c.user().is_some(), "user"),
            (c.health_check().is_some(), "healthCheck"),
            (!c.ulimits().is_empty(), "ulimits"),
            (
                c.docker_labels().is_some_and(|l| !l.is_empty()),
                "dockerLabels",
            ),
            (c.stop_timeout().is_some(), "stopTimeout"),
            (c.start_timeout().is_some(), "startTimeout"),
            (
                c.readonly_root_filesystem() == Some(true),
                "readonlyRootFilesystem",
            ),
            (c.privileged() == Some(true), "privileged"),
            (!c.depends_on().is_empty(), "dependsOn"),
            (
                c.firelens_configuration().is_some(),
                "firelensConfiguration",
            ),
            (!c.extra_hosts().is_empty(), "extraHosts"),
            (!c.dns_servers().is_empty(), "dnsServers"),
            (!c.system_controls().is_empty(), "systemControls"),
            (
                c.repository_credentials().is_some(),
                "repositoryCredentials",
            ),
            (
                !c.resource_requirements().is_empty(),
                "resourceRequirements",
            ),
            (!c.environment_files().is_empty(), "environmentFiles"),
            (c.memory().is_some(), "memory (the container's own)"),
            (c.memory_reservation().is_some(), "memoryReservation"),
            (c.hostname().is_some(), "hostname"),
            (
                !c.docker_security_options().is_empty(),
                "dockerSecurityOptions",
            ),
            (!c.volumes_from().is_empty(), "volumesFrom"),
            (c.restart_policy().is_some(), "restartPolicy"),
            (
                c.log_configuration()
                    .is_some_and(|l| l.log_driver().as_str() != "awslogs"),
                "logConfiguration (a driver other than awslogs)",
            ),
            (
                linux.is_some_and(|l| {
                    l.capabilities().is_some()
                        || !l.devices().is_empty()
                        || l.shared_memory_size().is_some()
                        || !l.tmpfs().is_empty()
                        || l.max_swap().is_some()
                        || l.swappiness().is_some()
                }),
                "linuxParameters",
            ),
        ] {
            set(present, format!("container `{name}`: {field}"));
        }
    }
    for (present, field) in [
        (td.ephemeral_storage().is_some(), "ephemeralStorage"),
        (td.proxy_configuration().is_some(), "proxyConfiguration"),
        (
            !td.placement_constraints().is_empty(),
            "placementConstraints",
        ),
        (td.pid_mode().is_some(), "pidMode"),
        (td.ipc_mode().is_some(), "ipcMode"),
        (
            td.volumes().iter().any(|v| {
                v.efs_volume_configuration().is_none_or(|e| {
                    e.authorization_config().is_some() || e.transit_encryption_port().is_some()
                })
            }),
            "volumes other than plain EFS (bind mounts, EFS access points)",
        ),
    ] {
        set(present, field.to_string());
    }
    out
}
