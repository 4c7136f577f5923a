//! The executor walks the plan's graph: every step whose dependencies are
//! done starts at once (up to a bound), a failure skips only the steps that
//! depend on it, and each success is recorded (and handed to `on_done`,
//! which writes the config) as it lands. It makes no decisions: the plan
//! already says what to do.
//!
//! An interrupt stops new steps from starting, lets the ones in flight
//! finish (for a bounded time), and returns what happened.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;
use serde::Serialize;

use super::build::Observed;
use super::{Action, Plan, Step};
use crate::aws::Aws;
use crate::resources::{Address, Inputs, Node, State, Work};

/// How many steps run at once.
pub const MAX_IN_FLIGHT: usize = 8;
/// How long in-flight steps get to finish after an interrupt.
pub const DRAIN: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result", content = "detail")]
pub enum Outcome {
    Done,
    Failed(String),
    /// Not run because a step it depends on failed (the cause).
    Skipped(String),
    /// Not started: interrupted first.
    NotStarted,
}

#[derive(Default)]
pub struct Report {
    pub outcomes: BTreeMap<Address, Outcome>,
    pub timings: Vec<(String, f64)>,
    pub errors: Vec<anyhow::Error>,
    pub interrupted: bool,
}

impl Report {
    pub fn done(&self, address: &Address) -> bool {
        matches!(self.outcomes.get(address), Some(Outcome::Done))
    }

    pub fn skipped(&self) -> Vec<(Address, String)> {
        self.outcomes
            .iter()
            .filter_map(|(a, o)| match o {
                Outcome::Skipped(why) => Some((a.clone(), why.clone())),
                _ => None,
            })
            .collect()
    }
}

fn verb(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Create => ("creating", "created"),
        Action::Update => ("updating", "updated"),
        Action::Delete => ("deleting", "deleted"),
        Action::Exists => ("checking", "checked"),
    }
}

pub async fn execute(
    aws: &Aws,
    cx: &Inputs<'_>,
    plan: &Plan,
    observed: &mut Observed,
    mut on_done: impl FnMut(&Address, &Observed),
    interrupt: impl std::future::Future<Output = ()>,
) -> Report {
    let mut report = Report::default();
    if let Err(cycle) = super::build::order(plan) {
        report
            .errors
            .push(anyhow::anyhow!("the plan cannot run: {cycle}"));
        return report;
    }
    let todo: BTreeMap<&Address, &Step> = plan
        .steps
        .iter()
        .filter(|s| plan.runs(s))
        .map(|s| (&s.address, s))
        .collect();
    let mut waiting: BTreeSet<&Address> = todo.keys().copied().collect();
    let mut running = FuturesUnordered::new();
    let mut interrupt = std::pin::pin!(interrupt);
    let mut drain_deadline: Option<Instant> = None;

    loop {
        // Skip what depends on a failure (transitively: skipped counts too).
        loop {
            let doomed: Vec<(&Address, String)> = waiting
                .iter()
                .filter_map(|a| {
                    todo[a]
                        .depends_on
                        .iter()
                        .find_map(|d| match report.outcomes.get(d) {
                            Some(Outcome::Failed(_)) => Some((*a, format!("{d} failed"))),
                            Some(Outcome::Skipped(_)) => Some((*a, format!("{d} was skipped"))),
                            _ => None,
                        })
                })
                .collect();
            if doomed.is_empty() {
                break;
            }
            for (a, why) in doomed {
                tracing::warn!("skipping {a}: {why}");
                waiting.remove(a);
                report.outcomes.insert(a.clone(), Outcome::Skipped(why));
            }
        }
        if !report.interrupted {
            let ready: Vec<&Address> = waiting
                .iter()
                .filter(|a| {
                    todo[*a]
                        .depends_on
                        .iter()
                        .all(|d| !todo.contains_key(d) || report.done(d))
                })
                .copied()
                .take(MAX_IN_FLIGHT.saturating_sub(running.len()))
                .collect();
            for a in ready {
                waiting.remove(a);
                let step = todo[a];
                let node = &step.node;
                let current = step.current.clone();
                let deps: BTreeMap<Address, State> = node
                    .depends_on
                    .iter()
                    .filter_map(|d| Some((d.clone(), observed.get(d)?.clone())))
                    .collect();
                // Values known after apply are known now: their steps are done.
                let (desired, complete) = crate::resources::resolve(&node.desired, &|addr| {
                    observed
                        .iter()
                        .find(|(a, _)| a.to_string() == addr)
                        .map(|(_, s)| s.id.clone())
                });
                let node: Node = Node {
                    desired,
                    ..node.clone()
                };
                tracing::info!(
                    "{} {} {}",
                    verb(step.action).0,
                    step.kind.label(),
                    step.name
                );
                running.push(async move {
                    let start = Instant::now();
                    let node = &node;
                    if !complete {
                        let missing = anyhow::anyhow!(
                            "a value it needs is unknown: a resource it refers to does not exist"
                        );
                        return (step, Err(missing), 0.0);
                    }
                    let result = match step.action {
                        Action::Delete => {
                            let state = current
                                .clone()
                                .expect("a delete is planned for what exists");
                            a.kind.delete(aws, cx, node, &state).await.map(|_| None)
                        }
                        action => {
                            let work = Work {
                                node,
                                action,
                                current: current.as_ref(),
                                deps: &deps,
                            };
                            a.kind.apply(aws, cx, &work).await.map(Some)
                        }
                    };
                    (step, result, start.elapsed().as_secs_f64())
                });
            }
        }
        if running.is_empty() {
            break;
        }
        let next = if let Some(deadline) = drain_deadline {
            match tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), running.next())
                .await
            {
                Ok(n) => n,
                Err(_) => {
                    tracing::error!(
                        "{} step(s) still running after {DRAIN:?}; not waiting for them",
                        running.len()
                    );
                    break;
                }
            }
        } else {
            tokio::select! {
                n = running.next() => n,
                _ = &mut interrupt, if !report.interrupted => {
                    report.interrupted = true;
                    drain_deadline = Some(Instant::now() + DRAIN);
                    tracing::warn!(
                        "interrupted: starting nothing new; waiting for {} step(s) in flight",
                        running.len()
                    );
                    continue;
                }
            }
        };
        let Some((step, result, secs)) = next else {
            break;
        };
        report
            .timings
            .push((format!("apply:{}", step.address), secs));
        match result {
            Ok(state) => {
                match state {
                    Some(s) => {
                        tracing::info!(
                            "{} {} {} ({:.2}s)",
                            verb(step.action).1,
                            step.kind.label(),
                            s.id,
                            secs
                        );
                        observed.insert(step.address.clone(), s);
                    }
                    None => {
                        tracing::info!(
                            "{} {} {}",
                            verb(step.action).1,
                            step.kind.label(),
                            step.name
                        );
                        observed.remove(&step.address);
                    }
                }
                report.outcomes.insert(step.address.clone(), Outcome::Done);
                on_done(&step.address, observed);
            }
            Err(e) => {
                tracing::error!("{}: {e:#}", step.address);
                report
                    .outcomes
                    .insert(step.address.clone(), Outcome::Failed(format!("{e:#}")));
                report.errors.push(e.context(step.address.to_string()));
            }
        }
    }
    for a in waiting {
        report
            .outcomes
            .entry(a.clone())
            .or_insert(Outcome::NotStarted);
    }
    report
}
