//! Observation: the graph the config asks for, and what exists of each
//! node, with the stack's orphans and where each image tag points now.

use std::collections::BTreeMap;

use anyhow::Result;

use super::facts::{Facts, Timings, timed};
use super::stack::{Scope, Stack};
use crate::aws::Aws;
use crate::config::{Loaded, StackSpec};
use crate::discovery::images;
use crate::plan::build::Observed;
use crate::resources::{Address, Kind, Node};

pub async fn observe(
    loaded: Loaded,
    spec: StackSpec,
    aws: Aws,
    mut facts: Facts,
    cached: bool,
    scope: Scope,
    timings: &Timings,
) -> Result<Stack> {
    let known_digest = std::mem::take(&mut facts.known_digest);
    let account_check = facts.account_check.take();
    let mut stack = Stack {
        loaded,
        spec,
        aws,
        facts,
        observing: Default::default(),
        nodes: vec![],
        orphans: vec![],
        deferred: vec![],
        current_digests: BTreeMap::new(),
        observed: Observed::new(),
        cached,
        timings: vec![],
    };
    let cx = stack.inputs();
    let nodes = match &scope {
        Scope::Apply => crate::plan::build::apply_nodes(&cx),
        Scope::All => crate::plan::build::all_nodes(&cx),
        Scope::Service(task) => service_nodes(&cx, task),
    };
    // Autoscaling needs the service: apply sets it up only where the
    // service already runs, so those services are looked up too.
    let services: Vec<Node> = match scope {
        Scope::Apply => Kind::Service
            .nodes(&cx)
            .into_iter()
            .filter(|n| {
                stack
                    .spec
                    .scaling
                    .iter()
                    .any(|s| Some(&s.task) == n.task.as_ref())
            })
            .collect(),
        Scope::All | Scope::Service(_) => vec![],
    };
    let observations = nodes.iter().chain(&services).map(|n| {
        let (aws, cx) = (&stack.aws, &cx);
        timed_owned(format!("discover:{}", n.address), timings, async move {
            Ok::<_, anyhow::Error>((n.address.clone(), n.address.kind.observe(aws, cx, n).await?))
        })
    });
    let orphans = async {
        if scope != Scope::Apply {
            return Ok(vec![]);
        }
        timed(
            "discover:orphans",
            timings,
            crate::resources::orphans::find(&stack.aws, &cx),
        )
        .await
    };
    // The digest each recorded tag points at now, for drift.
    let drift = async {
        let lookups = stack
            .spec
            .tasks
            .iter()
            .filter(|t| t.image.digest.is_none() && known_digest.contains_key(t.key.as_str()))
            .map(|t| {
                let (aws, id) = (&stack.aws, &stack.facts.id);
                async move {
                    let now = images::resolve(aws, id, &t.image, None).await?;
                    Ok::<_, anyhow::Error>(now.digest.map(|d| (t.key.clone(), d)))
                }
            });
        Ok::<_, anyhow::Error>(
            futures::future::try_join_all(lookups)
                .await?
                .into_iter()
                .flatten()
                .collect::<BTreeMap<String, String>>(),
        )
    };
    let found = tokio::try_join!(futures::future::try_join_all(observations), orphans, drift);
    let (observed, orphans, current_digests) = match found {
        Ok(found) => found,
        Err(e) => return Err(super::facts::AccountCheck::explain(account_check, e).await),
    };
    let mut observed: Observed = observed
        .into_iter()
        .filter_map(|(a, s)| Some((a, s?)))
        .collect();
    let scheduled_orphans = match scope {
        Scope::Apply => {
            crate::resources::scheduled_action::orphans(&stack.spec.app, &nodes, &observed)
        }
        Scope::All | Scope::Service(_) => vec![],
    };
    let orphans: Vec<Node> = orphans
        .into_iter()
        .chain(scheduled_orphans)
        .map(|(node, state)| {
            observed.insert(node.address.clone(), state);
            node
        })
        .collect();
    if let Some(check) = account_check {
        check.finish().await?;
    }
    let (nodes, deferred): (Vec<Node>, Vec<Node>) = nodes.into_iter().partition(|n| {
        matches!(scope, Scope::Service(_))
            || !n.address.kind.needs_service()
            || observed.contains_key(&Address::new(
                Kind::Service,
                n.task.as_deref().unwrap_or_default(),
            ))
    });
    let mut deferred_tasks: Vec<String> = deferred.into_iter().filter_map(|n| n.task).collect();
    deferred_tasks.sort();
    deferred_tasks.dedup();
    stack.deferred = deferred_tasks;
    stack.nodes = nodes;
    stack.orphans = orphans;
    stack.current_digests = current_digests;
    // What a config App::FargateStack wrote records is marked as recorded
    // (evidence of ownership, weighed with the name by the planner).
    for (address, id) in stack.recorded() {
        if let Some(state) = observed.get_mut(&address).filter(|s| s.id == id) {
            state.recorded = true;
        }
    }
    stack.observed = observed;
    Ok(stack)
}

/// A task's service, the nodes that wait for it, and the nodes those refer
/// to (observed so that references resolve; planned only if asked).
fn service_nodes(cx: &crate::resources::Inputs, task: &str) -> Vec<Node> {
    let mine = |n: &Node| n.task.as_deref() == Some(task);
    let mut seed: Vec<Node> = Kind::Service.nodes(cx).into_iter().filter(mine).collect();
    let applied = crate::plan::build::apply_nodes(cx);
    seed.extend(
        applied
            .iter()
            .filter(|n| n.address.kind.needs_service() && mine(n))
            .cloned(),
    );
    let wanted: Vec<Address> = seed.iter().flat_map(|n| n.depends_on.clone()).collect();
    let deps = applied
        .into_iter()
        .filter(|n| wanted.contains(&n.address) && !seed.iter().any(|s| s.address == n.address));
    let mut nodes: Vec<Node> = deps.collect();
    nodes.extend(seed);
    nodes
}

async fn timed_owned<T>(
    label: String,
    timings: &Timings,
    f: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    timed(&label, timings, f).await
}
