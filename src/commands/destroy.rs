//! `destroy` and the `delete-task` family: the graph reversed. Only what the
//! stack owns is deleted (our tags, the original tool's tag, or recorded in
//! the config as ours); what it adopted or another stack owns is listed as
//! kept, with why. The config keeps the user's keys and comments; the
//! recorded IDs of what was deleted are removed from it, with a `.bak`.

use std::time::Instant;

use anyhow::Result;
use serde_json::json;

use super::plan::{confirm, header};
use crate::aws::call_stats;
use crate::config::model::TaskType;
use crate::config::store::Writer;
use crate::engine::{self, Scope};
use crate::error::UserError;
use crate::plan::{Action, render};
use crate::resources::Address;
use crate::settings::Settings;

/// Which part of the stack to delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Everything,
    Task,
    Daemon,
    Schedule,
    HttpService,
}

impl Target {
    fn command(self) -> &'static str {
        match self {
            Target::Everything => "destroy",
            Target::Task => "delete-task",
            Target::Daemon => "delete-daemon",
            Target::Schedule => "delete-schedule",
            Target::HttpService => "delete-http-service",
        }
    }

    fn accepts(self, t: &crate::config::spec::TaskSpec) -> bool {
        match self {
            Target::Everything => true,
            Target::Task => t.kind == TaskType::Task && t.schedule.is_none(),
            Target::Daemon => t.kind == TaskType::Daemon,
            Target::Schedule => t.schedule.is_some(),
            Target::HttpService => matches!(t.kind, TaskType::Http | TaskType::Https),
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Target::Everything => "task",
            Target::Task => "one-off task (type `task`, no schedule)",
            Target::Daemon => "daemon",
            Target::Schedule => "scheduled task",
            Target::HttpService => "http or https service",
        }
    }
}

pub async fn run(settings: &Settings, target: Target, name: Option<&str>) -> Result<u8> {
    let start = Instant::now();
    let (loaded, spec) = engine::load(settings)?;
    let task = match target {
        Target::Everything => None,
        _ => Some(pick(settings, &spec, target, name)?),
    };
    let mut stack = engine::discover(settings, loaded, spec, Scope::All).await?;
    let nodes: Vec<_> = match &task {
        None => stack.nodes.clone(),
        Some(key) => stack
            .nodes
            .iter()
            .filter(|n| n.task.as_deref() == Some(key.as_str()))
            .cloned()
            .collect(),
    };
    let plan = stack.plan_destroy(&nodes);
    let what = match &task {
        None => format!("the stack `{}`", stack.spec.app),
        Some(k) => format!("the task `{k}`"),
    };
    settings.out.text(|style| {
        let h = header(target.command(), &stack, settings, settings.dry_run);
        let mut out = render::text(&h, &plan, style) + &render::kept(&plan);
        if !plan.steps.is_empty() {
            out.push_str(&format!(
                "\nDestroy: {} to destroy, {} kept.\n",
                plan.steps.len(),
                plan.kept.len()
            ));
        }
        out
    });
    if plan.steps.is_empty() || settings.dry_run {
        settings.out.show(
            |_| {
                if plan.steps.is_empty() {
                    format!("Nothing to delete: {what} has no resources it owns.")
                } else {
                    "dry run: nothing was deleted".to_string()
                }
            },
            || destroy_json(&plan, false, start),
        );
        return Ok(0);
    }

    let mut writer = Writer::new(&stack.loaded, settings.update);
    // A destroyed stack's config must not look fresh to the cache.
    writer.stamp = task.is_some();
    writer.check_writable()?;
    if !settings.out.json_mode() || std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        settings.out.ask(render::warning_box(
            &format!(
                "{} will DELETE {} resource(s) of {what} in account {}. This cannot be undone.",
                target.command(),
                plan.steps.len(),
                stack.facts.id.account
            ),
            settings.out.style(),
        ));
    }
    confirm(
        settings,
        &format!("Delete {} resource(s)?", plan.steps.len()),
        &format!(
            "{} deletes resources and there is no terminal to ask on; review `fargate-stack {} --dryrun`, then pass --yes",
            target.command(),
            target.command()
        ),
    )
    .await?;
    let by_address: std::collections::BTreeMap<Address, Vec<Vec<String>>> = {
        let cx = stack.inputs();
        nodes
            .iter()
            .map(|n| (n.address.clone(), n.address.kind.recorded_keys(&cx, n)))
            .collect()
    };
    let report = engine::execute(&mut stack, &plan, &mut writer, |a| {
        let mut keys = by_address.get(a).cloned().unwrap_or_default();
        if task.is_none() {
            keys.push(vec!["last_updated".to_string()]);
        }
        keys
    })
    .await;
    if report.interrupted {
        settings.out.note(format!(
            "interrupted: what was deleted is recorded in {}; run `fargate-stack {}{}` again to finish",
            stack.loaded.path.display(),
            target.command(),
            settings.config_arg()
        ));
        return Ok(130);
    }
    if !report.errors.is_empty() {
        for (a, why) in report.skipped() {
            settings.out.note(format!("skipped {a}: {why}"));
        }
        let first = report.errors.into_iter().next().expect("not empty");
        return Err(first.context(format!(
            "{} failed part-way; run `fargate-stack {}{}` again to finish",
            target.command(),
            target.command(),
            settings.config_arg()
        )));
    }
    settings.out.show(
        |_| {
            format!(
                "deleted {} resource(s) of {what}{}; the config keeps your settings (previous version in {})\n{} API calls ({} mutating) in {:.2}s",
                plan.steps.len(),
                if plan.kept.is_empty() {
                    String::new()
                } else {
                    format!(", kept {}", plan.kept.len())
                },
                crate::config::writeback::backup_path(&stack.loaded.path).display(),
                call_stats().total,
                call_stats().mutating.len(),
                start.elapsed().as_secs_f64()
            )
        },
        || destroy_json(&plan, true, start),
    );
    Ok(0)
}

fn pick(
    settings: &Settings,
    spec: &crate::config::StackSpec,
    target: Target,
    name: Option<&str>,
) -> Result<String> {
    let candidates: Vec<_> = spec.tasks.iter().filter(|t| target.accepts(t)).collect();
    let task = match name {
        Some(n) => spec.tasks.iter().find(|t| t.key == n).ok_or_else(|| {
            UserError::new(format!(
                "{}: no task `{n}`; tasks: {}",
                settings.config_path.display(),
                spec.tasks
                    .iter()
                    .map(|t| t.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => match candidates.as_slice() {
            [one] => one,
            [] => {
                return Err(UserError::new(format!(
                    "{}: no {} in this stack",
                    settings.config_path.display(),
                    target.noun()
                ))
                .into());
            }
            _ => {
                return Err(UserError::new(format!(
                    "several tasks could be meant ({}); name one: `fargate-stack {} NAME`",
                    candidates
                        .iter()
                        .map(|t| t.key.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    target.command()
                ))
                .into());
            }
        },
    };
    if !target.accepts(task) {
        return Err(UserError::new(format!(
            "`{}` is a {} task, not a {}; use the matching delete command",
            task.key,
            task.kind.as_str(),
            target.noun()
        ))
        .into());
    }
    if spec.tasks.len() == 1 {
        if target == Target::HttpService {
            tracing::warn!(
                "`{}` is the stack's only task; consider `fargate-stack destroy{}`",
                task.key,
                settings.config_arg()
            );
        } else if !settings.force {
            return Err(UserError::new(format!(
                "`{}` is the stack's only task; use `fargate-stack destroy{}` to remove the stack, or --force to delete just its resources",
                task.key,
                settings.config_arg()
            ))
            .into());
        }
    }
    Ok(task.key.clone())
}

fn destroy_json(plan: &crate::plan::Plan, applied: bool, start: Instant) -> serde_json::Value {
    json!({
        "plan": plan,
        "applied": applied,
        "summary": { "delete": plan.count(Action::Delete), "kept": plan.kept.len() },
        "api_calls": call_stats(),
        "seconds": start.elapsed().as_secs_f64(),
    })
}
