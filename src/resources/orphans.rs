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

use super::core::{APP_TAG, Address, Inputs, Kind, Node, State};
use super::schedule_target;
use crate::aws::{Aws, AwsResultExt, code_of};

/// The orphans, with what exists of each.
pub async fn find(aws: &Aws, cx: &Inputs<'_>) -> Result<Vec<(Node, State)>> {
    let (tagged, rules) = tokio::try_join!(tagged(aws, cx), schedule_target::orphans(aws, cx))?;
    let mut found = tagged;
    found.extend(rules);
    Ok(found)
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
    let types: Vec<String> = Kind::ALL
        .iter()
        .filter_map(|k| k.orphan_type())
        .map(str::to_string)
        .collect();
    let mut arns: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = aws
            .tagging
            .get_resources()
            .tag_filters(filter.clone())
            .set_resource_type_filters(Some(types.clone()))
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

/// Pure: which tagged ARNs the config no longer accounts for, each
/// recognised by its kind.
pub fn orphans_of(
    cx: &Inputs,
    arns: Vec<(String, BTreeMap<String, String>)>,
) -> Vec<(Node, State)> {
    let mut out: BTreeMap<Address, (Node, State)> = BTreeMap::new();
    for (arn, tags) in arns {
        let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
        let Some(node) = Kind::ALL.iter().find_map(|k| k.orphan(cx, &arn, resource)) else {
            continue;
        };
        let state = State::new(arn.clone(), Some(tags));
        let kind = node.address.kind;
        match out.get(&node.address) {
            Some((_, old)) if !kind.supersedes(&state, old) => {}
            _ => {
                out.insert(node.address.clone(), (node, state));
            }
        }
    }
    out.into_values().collect()
}
