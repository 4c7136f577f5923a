//! Orphans: resources this stack created (tagged with its app) that the
//! config no longer asks for: a removed task's task definitions and
//! service, a removed schedule's rule and target, a removed queue. `plan`
//! shows them as deletions; `apply --prune` deletes them (the original's
//! `--purge-config`).
//!
//! Tagged resources are found with one Resource Groups Tagging API call;
//! EventBridge rules (which that API does not list everywhere) by the
//! cluster they target. Only what carries this stack's tags is an orphan:
//! an untagged or another stack's resource is never one.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;

use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::model::TaskType;
use crate::resources::{self, APP_TAG, Address, Inputs, Kind, Node, State};

/// The orphans, with what exists of each.
pub async fn find(aws: &Aws, cx: &Inputs<'_>) -> Result<Vec<(Node, State)>> {
    let (tagged, rules) = tokio::try_join!(tagged(aws, cx), schedule_rules(aws, cx))?;
    let mut found = tagged;
    found.extend(rules);
    Ok(found)
}

fn in_config(cx: &Inputs) -> (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>) {
    let families = cx.spec.tasks.iter().map(|t| t.family.clone()).collect();
    let services = cx
        .spec
        .tasks
        .iter()
        .filter(|t| matches!(t.kind, TaskType::Daemon | TaskType::Http | TaskType::Https))
        .map(|t| t.key.clone())
        .collect();
    let mut queues = BTreeSet::new();
    if let Some(q) = &cx.spec.queue {
        queues.insert(q.name.clone());
        if let Some(d) = &q.dlq {
            queues.insert(d.name.clone());
        }
    }
    (families, services, queues)
}

/// Active task definition families and services in the stack's cluster:
/// the tagging API also lists deregistered revisions and deleted services.
async fn active(aws: &Aws, cx: &Inputs<'_>) -> Result<(BTreeSet<String>, BTreeSet<String>)> {
    let families = async {
        let mut out = BTreeSet::new();
        let mut token = None;
        loop {
            let page = aws
                .ecs
                .list_task_definition_families()
                .status(aws_sdk_ecs::types::TaskDefinitionFamilyStatus::Active)
                .set_next_token(token)
                .send()
                .await
                .ctx("ecs ListTaskDefinitionFamilies")?;
            out.extend(page.families().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok::<_, anyhow::Error>(out);
            }
        }
    };
    let services = async {
        let mut out = BTreeSet::new();
        let mut token = None;
        loop {
            let page = aws
                .ecs
                .list_services()
                .cluster(&cx.spec.cluster)
                .set_next_token(token)
                .send()
                .await;
            let page = match page {
                Ok(p) => p,
                Err(e) if code_of(&e) == Some("ClusterNotFoundException") => return Ok(out),
                Err(e) => return Err(e).ctx("ecs ListServices").map_err(Into::into),
            };
            out.extend(
                page.service_arns()
                    .iter()
                    .filter_map(|a| a.rsplit('/').next().map(str::to_string)),
            );
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    };
    tokio::try_join!(families, services)
}

async fn tagged(aws: &Aws, cx: &Inputs<'_>) -> Result<Vec<(Node, State)>> {
    let candidates = orphans_of(cx, tagged_arns(aws, cx).await?);
    // Only when there are candidates (most plans have none) are they checked
    // against what is still active: one more round, in those plans only.
    if !candidates
        .iter()
        .any(|(n, _)| matches!(n.address.kind, Kind::TaskDefinition | Kind::Service))
    {
        return Ok(candidates);
    }
    let (families, services) = active(aws, cx).await?;
    Ok(candidates
        .into_iter()
        .filter(|(n, _)| match n.address.kind {
            Kind::TaskDefinition => families.contains(&n.name),
            Kind::Service => services.contains(&n.name),
            _ => true,
        })
        .collect())
}

async fn tagged_arns(
    aws: &Aws,
    cx: &Inputs<'_>,
) -> Result<Vec<(String, BTreeMap<String, String>)>> {
    let filter = aws_sdk_resourcegroupstagging::types::TagFilter::builder()
        .key(APP_TAG)
        .values(&cx.spec.app)
        .build();
    let mut arns: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = aws
            .tagging
            .get_resources()
            .tag_filters(filter.clone())
            .resource_type_filters("ecs:task-definition")
            .resource_type_filters("ecs:service")
            .resource_type_filters("sqs")
            .set_pagination_token(token.clone())
            .send()
            .await
            .ctx("tagging GetResources")?;
        for r in out.resource_tag_mapping_list() {
            let tags = r
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            arns.push((r.resource_arn().unwrap_or_default().to_string(), tags));
        }
        token = out
            .pagination_token()
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(arns)
}

/// Pure: which tagged ARNs the config no longer accounts for.
pub fn orphans_of(
    cx: &Inputs,
    arns: Vec<(String, BTreeMap<String, String>)>,
) -> Vec<(Node, State)> {
    let (families, services, queues) = in_config(cx);
    let mut out: BTreeMap<Address, (Node, State)> = BTreeMap::new();
    for (arn, tags) in arns {
        let state = State::new(arn.clone(), Some(tags));
        let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
        if let Some(rest) = resource.strip_prefix("task-definition/") {
            let family = rest.rsplit_once(':').map_or(rest, |(f, _)| f);
            if families.contains(family) {
                continue;
            }
            let mut n = Node::new(Kind::TaskDefinition, family, family);
            n.task = Some(family.to_string());
            // The newest revision stands for the family.
            let newer = out.get(&n.address).is_some_and(|(_, s)| {
                resources::task_definition::revision_of(&s.id)
                    >= resources::task_definition::revision_of(&arn)
            });
            if !newer {
                out.insert(n.address.clone(), (n, state));
            }
        } else if let Some(rest) = resource.strip_prefix("service/") {
            let Some((cluster, name)) = rest.split_once('/') else {
                continue;
            };
            if cluster != cx.spec.cluster || services.contains(name) {
                continue;
            }
            let mut n = Node::new(Kind::Service, name, name);
            n.task = Some(name.to_string());
            n.depends_on = vec![Address::new(Kind::TaskDefinition, name)];
            out.insert(n.address.clone(), (n, state));
        } else if arn.starts_with("arn:") && arn.contains(":sqs:") {
            let name = resource;
            if queues.contains(name) {
                continue;
            }
            let n = Node::new(Kind::Queue, &format!("orphan:{name}"), name);
            out.insert(n.address.clone(), (n, state));
        }
    }
    out.into_values().collect()
}

/// Rules named `<task>-schedule` that target this stack's cluster, for tasks
/// the config no longer schedules, with their targets.
async fn schedule_rules(aws: &Aws, cx: &Inputs<'_>) -> Result<Vec<(Node, State)>> {
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
        let mut target = Node::new(
            Kind::ScheduleTarget,
            &task,
            resources::schedule_target::target_id(&task),
        );
        target.task = Some(task.clone());
        target.depends_on = vec![rule_node.address.clone()];
        found.push((
            target,
            State::new(format!("{rule}/target"), Some(tags.clone())),
        ));
        found.push((rule_node, State::new(arn, Some(tags))));
    }
    Ok(found)
}
