//! The EventBridge target `<task>-target` of a schedule rule: run the
//! task's current revision on Fargate in the stack's private subnets with
//! its security group, as the events role. Its task definition, cluster,
//! role and security group are references, so a new revision moves the
//! target and an unchanged config changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use aws_sdk_eventbridge::types::{
    AssignPublicIp, AwsVpcConfiguration, EcsParameters, LaunchType, NetworkConfiguration, Target,
};
use serde_json::{Value, json};

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work, reference, strings};
use crate::aws::{Aws, AwsResultExt, code_of};

pub fn target_id(task: &str) -> String {
    crate::config::spec::schedule_target_id(task)
}

pub struct ScheduleTarget;

impl Resource for ScheduleTarget {
    fn nodes(cx: &Inputs) -> Vec<Node> {
        let (mut subnets, public) = cx.network.task_subnets();
        subnets.sort();
        cx.spec
            .tasks
            .iter()
            .filter(|t| t.schedule.is_some())
            .map(|t| {
                let rule = Address::new(Kind::ScheduleRule, &t.key);
                let mut n = Node::new(Kind::ScheduleTarget, &t.key, &t.target_id);
                n.desired = json!({
                    "cluster": reference(&Address::new(Kind::Cluster, "main")),
                    "role": reference(&Address::new(Kind::EventsRole, "main")),
                    "task_definition": reference(&Address::new(Kind::TaskDefinition, &t.key)),
                    "launch_type": "FARGATE",
                    "task_count": 1,
                    "subnets": subnets,
                    "security_groups": [reference(&Address::new(Kind::SecurityGroup, "main"))],
                    "assign_public_ip": if public { "ENABLED" } else { "DISABLED" },
                });
                // The rule must exist first, and the policy that lets the role
                // run the task; the other values flow through references.
                n.depends_on = vec![rule.clone(), Address::new(Kind::EventsPolicy, "main")];
                n.owner = Some(rule);
                n.task = Some(t.key.clone());
                n
            })
            .collect()
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let out = match aws
            .events
            .list_targets_by_rule()
            .rule(rule_of(cx, node))
            .send()
            .await
        {
            Ok(o) => o,
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(e).ctx("events ListTargetsByRule").map_err(Into::into),
        };
        Ok(out
            .targets()
            .iter()
            .find(|t| t.id() == node.name)
            .map(|t| State::new(t.id(), None).with(attributes(t))))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        let vpc = AwsVpcConfiguration::builder()
            .set_subnets(Some(strings(&d["subnets"])))
            .set_security_groups(Some(strings(&d["security_groups"])))
            .assign_public_ip(AssignPublicIp::from(
                d["assign_public_ip"].as_str().unwrap_or("DISABLED"),
            ))
            .build()?;
        let mut ecs = EcsParameters::builder()
            .task_definition_arn(d["task_definition"].as_str().unwrap_or_default())
            .task_count(1)
            .launch_type(LaunchType::Fargate)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(vpc)
                    .build(),
            );
        for (k, v) in super::core::tags(&cx.spec.app) {
            ecs = ecs.tags(
                aws_sdk_eventbridge::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()?,
            );
        }
        let target = Target::builder()
            .id(&work.node.name)
            .arn(d["cluster"].as_str().unwrap_or_default())
            .role_arn(d["role"].as_str().unwrap_or_default())
            .ecs_parameters(ecs.build()?)
            .build()?;
        let rule = rule_of(cx, work.node);
        // A role EventBridge cannot assume yet (IAM propagation) is retried.
        let out = super::core::retry_while(
            "events PutTargets",
            &["not authorized", "cannot be assumed"],
            || async {
                aws.events
                    .put_targets()
                    .rule(&rule)
                    .targets(target.clone())
                    .send()
                    .await
                    .ctx("events PutTargets")
            },
        )
        .await?;
        if let Some(f) = out.failed_entries().first() {
            anyhow::bail!(
                "events PutTargets: {}: {}",
                f.error_code().unwrap_or("failed"),
                f.error_message().unwrap_or_default()
            );
        }
        Ok(State::new(&work.node.name, None).with(d.clone()))
    }

    async fn delete(aws: &Aws, cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        Ok(super::core::gone(
            aws.events
                .remove_targets()
                .rule(rule_of(cx, node))
                .ids(&node.name)
                .send()
                .await
                .ctx("events RemoveTargets"),
        )?)
    }
}

/// The rule a target hangs on: its task's (as the config names it), or
/// the default name for an orphan's.
fn rule_of(cx: &Inputs, node: &Node) -> String {
    let task = node.task.as_deref().unwrap_or_default();
    cx.spec.tasks.iter().find(|t| t.key == task).map_or_else(
        || super::schedule_rule::rule_name(task),
        |t| t.rule_name.clone(),
    )
}

fn attributes(t: &Target) -> Value {
    let ecs = t.ecs_parameters();
    let vpc = ecs
        .and_then(|e| e.network_configuration())
        .and_then(|n| n.awsvpc_configuration());
    let mut subnets: Vec<String> = vpc.map(|v| v.subnets().to_vec()).unwrap_or_default();
    subnets.sort();
    let mut groups: Vec<String> = vpc
        .map(|v| v.security_groups().to_vec())
        .unwrap_or_default();
    groups.sort();
    json!({
        "cluster": t.arn(),
        "role": t.role_arn(),
        "task_definition": ecs.map(|e| e.task_definition_arn()),
        "launch_type": ecs.and_then(|e| e.launch_type()).map(|l| l.as_str()),
        "task_count": ecs.and_then(|e| e.task_count()).unwrap_or(1),
        "subnets": subnets,
        "security_groups": groups,
        "assign_public_ip": vpc.and_then(|v| v.assign_public_ip()).map_or("DISABLED", |a| a.as_str()),
    })
}

/// Orphans: rules named `<task>-schedule` that target this stack's cluster,
/// for tasks the config no longer schedules, with their targets. (The
/// tagging API does not list EventBridge rules everywhere, so they are found
/// by the cluster they target.)
pub async fn orphans(aws: &Aws, cx: &Inputs<'_>) -> Result<Vec<(Node, State)>> {
    let cluster_arn = cx
        .id
        .arn("ecs", true, &format!("cluster/{}", cx.spec.cluster));
    let scheduled: BTreeSet<&str> = cx
        .spec
        .tasks
        .iter()
        .filter(|t| t.schedule.is_some())
        .map(|t| t.key.as_str())
        .collect();
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let out = aws
            .events
            .list_rule_names_by_target()
            .target_arn(&cluster_arn)
            .set_next_token(token)
            .send()
            .await;
        let out = match out {
            Ok(o) => o,
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => break,
            Err(e) => {
                return Err(e)
                    .ctx("events ListRuleNamesByTarget")
                    .map_err(Into::into);
            }
        };
        names.extend(out.rule_names().iter().cloned());
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    let candidates: Vec<String> = names
        .into_iter()
        .filter(|n| {
            n.strip_suffix("-schedule")
                .is_some_and(|task| !scheduled.contains(task))
        })
        .collect();
    let mut found = Vec::new();
    for rule in candidates {
        let task = rule.trim_end_matches("-schedule").to_string();
        let arn = cx.id.arn("events", true, &format!("rule/{rule}"));
        let tags = aws
            .events
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send()
            .await
            .ctx("events ListTagsForResource")?;
        let tags: BTreeMap<String, String> = tags
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect();
        let mut rule_node = Node::new(Kind::ScheduleRule, &task, &rule);
        rule_node.task = Some(task.clone());
        let mut target = Node::new(Kind::ScheduleTarget, &task, target_id(&task));
        target.task = Some(task.clone());
        target.depends_on = vec![rule_node.address.clone()];
        target.owner = Some(rule_node.address.clone());
        found.push((
            target,
            State::new(format!("{rule}/target"), Some(tags.clone())),
        ));
        found.push((rule_node, State::new(arn, Some(tags))));
    }
    Ok(found)
}
