//! Apply: carry out a plan's steps. No decisions are made here; the plan
//! already says what to do. Independent resources are created concurrently;
//! task definitions follow, since they name the roles and the log group.
//! Each success is recorded in the observed snapshot as it lands, so that a
//! failure part-way still writes back everything that was created.

use std::time::Instant;

use anyhow::Result;

use super::build::Desired;
use super::{Action, Kind, Plan, Step};
use crate::aws::Aws;
use crate::config::StackSpec;
use crate::discovery::{Identity, Network, Observed};
use crate::resources::{cluster, iam_role, log_group, security_group, task_definition};

pub struct Report {
    pub timings: Vec<(String, f64)>,
    pub errors: Vec<anyhow::Error>,
}

fn step(plan: &Plan, kind: Kind) -> Option<&Step> {
    plan.steps
        .iter()
        .find(|s| s.kind == kind && s.action != Action::Exists)
}

async fn timed<T>(
    label: String,
    fut: impl std::future::Future<Output = Result<T>>,
) -> (String, f64, Result<T>) {
    let start = Instant::now();
    let out = fut.await;
    (label, start.elapsed().as_secs_f64(), out)
}

fn announce(s: &Step) {
    let verb = if s.action == Action::Create {
        "creating"
    } else {
        "updating"
    };
    tracing::info!("{verb} {} {}", s.kind.label(), s.name);
}

pub async fn execute(
    aws: &Aws,
    spec: &StackSpec,
    id: &Identity,
    network: &Network,
    plan: &Plan,
    desired: &Desired,
    observed: &mut Observed,
) -> Report {
    let mut report = Report {
        timings: vec![],
        errors: vec![],
    };

    let logs = async {
        match step(plan, Kind::LogGroup) {
            Some(s) => {
                announce(s);
                Some(timed("apply:log-group".into(), log_group::apply(aws, spec, id, s)).await)
            }
            None => None,
        }
    };
    let exec_role = async {
        let role_step = step(plan, Kind::ExecutionRole);
        let policy_step = step(plan, Kind::ExecutionPolicy);
        if role_step.is_none() && policy_step.is_none() {
            return None;
        }
        Some(
            timed("apply:iam-execution-role".into(), async {
                let mut role = match role_step {
                    Some(s) => {
                        announce(s);
                        iam_role::create_role(
                            aws,
                            spec,
                            &spec.execution_role,
                            "ECS task execution role",
                        )
                        .await?
                    }
                    None => observed
                        .execution_role
                        .clone()
                        .expect("planned as existing"),
                };
                if let Some(s) = policy_step {
                    announce(s);
                    iam_role::put_policy(
                        aws,
                        &spec.execution_role,
                        &spec.execution_policy,
                        &desired.execution_policy,
                    )
                    .await?;
                    role.policy = Some(desired.execution_policy.clone());
                }
                Ok(role)
            })
            .await,
        )
    };
    let task_role = async {
        match step(plan, Kind::TaskRole) {
            Some(s) => {
                announce(s);
                Some(
                    timed(
                        "apply:iam-task-role".into(),
                        iam_role::create_role(aws, spec, &spec.task_role, "task role"),
                    )
                    .await,
                )
            }
            None => None,
        }
    };
    let cluster = async {
        match step(plan, Kind::Cluster) {
            Some(s) => {
                announce(s);
                Some(timed("apply:cluster".into(), cluster::apply(aws, spec)).await)
            }
            None => None,
        }
    };
    let sg = async {
        match step(plan, Kind::SecurityGroup) {
            Some(s) => {
                announce(s);
                Some(
                    timed(
                        "apply:security-group".into(),
                        security_group::apply(aws, spec, &network.vpc_id),
                    )
                    .await,
                )
            }
            None => None,
        }
    };
    let (logs, exec_role, task_role, cluster, sg) =
        tokio::join!(logs, exec_role, task_role, cluster, sg);

    fn record<T>(report: &mut Report, r: Option<(String, f64, Result<T>)>, slot: &mut Option<T>) {
        if let Some((label, secs, result)) = r {
            report.timings.push((label, secs));
            match result {
                Ok(v) => *slot = Some(v),
                Err(e) => report.errors.push(e),
            }
        }
    }
    record(&mut report, logs, &mut observed.log_group);
    record(&mut report, exec_role, &mut observed.execution_role);
    record(&mut report, task_role, &mut observed.task_role);
    record(&mut report, cluster, &mut observed.cluster);
    record(&mut report, sg, &mut observed.security_group);

    if !report.errors.is_empty() {
        return report;
    }

    let registrations = plan
        .steps
        .iter()
        .filter(|s| s.kind == Kind::TaskDefinition && s.action != Action::Exists)
        .map(|s| {
            announce(s);
            let key = s.task.clone().unwrap_or_default();
            let def = &desired.task_definitions[&key];
            timed(
                format!("apply:task-definition:{key}"),
                task_definition::register(aws, spec, def),
            )
        });
    for (label, secs, result) in futures::future::join_all(registrations).await {
        report.timings.push((label, secs));
        match result {
            Ok(o) => {
                tracing::info!("registered {}", o.arn);
                observed
                    .task_definitions
                    .insert(o.definition.family.clone(), Some(o));
            }
            Err(e) => report.errors.push(e),
        }
    }
    report
}
