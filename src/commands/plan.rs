//! `plan` and `apply`.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Instant;

use anyhow::Result;
use serde_json::json;

use super::Settings;
use super::stack::{self, Stack};
use crate::aws::call_stats;
use crate::error::UserError;
use crate::output::Format;
use crate::plan::build::{self, Desired};
use crate::plan::render::{self, Header};
use crate::plan::{Plan, execute};

fn header<'a>(
    command: &'a str,
    stack: &'a Stack,
    settings: &Settings,
    dry_run: bool,
) -> Header<'a> {
    Header {
        command,
        app: &stack.spec.app,
        account: &stack.id.account,
        profile: stack.aws.profile.as_deref(),
        region: &stack.id.region,
        vpc_id: &stack.network.vpc_id,
        subnets: &stack.network,
        config: format!(
            "{} (from {})",
            stack.loaded.path.display(),
            settings.config_source
        ),
        cache: stack.cached,
        dry_run,
    }
}

async fn prepare(settings: &Settings) -> Result<(Stack, Desired, Plan)> {
    let (loaded, spec) = stack::load(settings)?;
    let stack = stack::discover(settings, loaded, spec).await?;
    let desired = build::desired(&stack.spec, &stack.id, &stack.images);
    let plan = build::build(&stack.spec, &stack.id, &desired, &stack.observed);
    Ok((stack, desired, plan))
}

fn print_json(
    header: &Header,
    plan: &Plan,
    timings: &[(String, f64)],
    seconds: f64,
    written: &[String],
    applied: bool,
) -> Result<()> {
    let doc = json!({
        "header": header,
        "plan": plan,
        "applied": applied,
        "summary": {
            "create": plan.count(crate::plan::Action::Create),
            "update": plan.count(crate::plan::Action::Update),
            "unchanged": plan.count(crate::plan::Action::Exists),
        },
        "config_updated": written,
        "api_calls": call_stats(),
        "timings": timings.iter().map(|(k, v)| json!({"step": k, "seconds": v})).collect::<Vec<_>>(),
        "seconds": seconds,
    });
    println!("{}", serde_json::to_string_pretty(&doc)?);
    Ok(())
}

pub async fn plan(settings: &Settings) -> Result<u8> {
    let start = Instant::now();
    let (stack, _desired, plan) = prepare(settings).await?;
    let written = stack::write_back(settings, &stack.loaded, stack::state_updates(&stack, &[]))?;
    let h = header("plan", &stack, settings, true);
    let seconds = start.elapsed().as_secs_f64();
    match settings.format {
        Format::Json => print_json(&h, &plan, &stack.timings, seconds, &written, false)?,
        Format::Text => {
            print!("{}", render::text(&h, &plan, settings.style));
            println!();
            print!("{}", render::resources_table(&plan));
            print!("{}", render::timings_table(&stack.timings));
            println!("{}", render::summary(&plan, &call_stats(), seconds, false));
            if plan.has_changes() {
                println!("Run `fargate-stack apply` to make these changes.");
            }
        }
    }
    Ok(0)
}

fn confirm(settings: &Settings, plan: &Plan, account: &str) -> Result<()> {
    if settings.force {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(UserError::new(
            "apply needs confirmation and there is no terminal to ask on; review `fargate-stack plan`, then pass --force",
        )
        .into());
    }
    let n = plan
        .steps
        .iter()
        .filter(|s| s.action != crate::plan::Action::Exists)
        .count();
    eprint!("Apply {n} change(s) to account {account}? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(UserError::new("apply cancelled; nothing was changed").into())
    }
}

pub async fn apply(settings: &Settings) -> Result<u8> {
    if !settings.update {
        return Err(UserError::new(
            "apply records what it creates in the config file; --no-update would lose track of it. Use `fargate-stack plan --no-update` to look without writing",
        )
        .into());
    }
    let start = Instant::now();
    let (mut stack, desired, plan) = prepare(settings).await?;
    let dry_run = settings.dry_run;
    let text = settings.format == Format::Text;
    if text {
        print!(
            "{}",
            render::text(
                &header("apply", &stack, settings, dry_run),
                &plan,
                settings.style
            )
        );
        println!();
    }

    if !plan.has_changes() || dry_run {
        let written =
            stack::write_back(settings, &stack.loaded, stack::state_updates(&stack, &[]))?;
        let seconds = start.elapsed().as_secs_f64();
        if text {
            print!("{}", render::resources_table(&plan));
            if dry_run && plan.has_changes() {
                println!("dry run: nothing was changed");
            } else {
                println!("Nothing to do: the stack matches the config.");
            }
            println!("{}", render::summary(&plan, &call_stats(), seconds, false));
        } else {
            print_json(
                &header("apply", &stack, settings, dry_run),
                &plan,
                &stack.timings,
                seconds,
                &written,
                false,
            )?;
        }
        return Ok(0);
    }

    confirm(settings, &plan, &stack.id.account)?;
    let mut observed = stack.observed.clone();
    let report = execute::execute(
        &stack.aws,
        &stack.spec,
        &stack.id,
        &stack.network,
        &plan,
        &desired,
        &mut observed,
    )
    .await;
    stack.observed = observed;
    let registered: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| {
            s.kind == crate::plan::Kind::TaskDefinition && s.action != crate::plan::Action::Exists
        })
        .filter_map(|s| s.task.clone())
        .filter(|k| {
            stack.spec.tasks.iter().any(|t| {
                &t.key == k
                    && stack
                        .observed
                        .task_definitions
                        .get(&t.family)
                        .is_some_and(|o| o.is_some())
            })
        })
        .collect();
    // Record what was created even when a later step failed.
    let written = stack::write_back(
        settings,
        &stack.loaded,
        stack::state_updates(&stack, &registered),
    );
    let mut timings = stack.timings.clone();
    timings.extend(report.timings.iter().cloned());
    let seconds = start.elapsed().as_secs_f64();

    if let Some(first) = report.errors.into_iter().next() {
        if let Err(w) = &written {
            tracing::error!("{w}");
        }
        return Err(first.context("apply failed part-way; what was created is recorded in the config, run `fargate-stack apply` again to finish"));
    }
    let written = written?;
    // Show real IDs and ARNs for what was just created.
    let after = build::build(&stack.spec, &stack.id, &desired, &stack.observed);
    let mut plan = plan;
    for (step, now) in plan.steps.iter_mut().zip(after.steps) {
        step.value = now.value;
    }
    match settings.format {
        Format::Json => print_json(
            &header("apply", &stack, settings, false),
            &plan,
            &timings,
            seconds,
            &written,
            true,
        )?,
        Format::Text => {
            print!("{}", render::resources_table(&plan));
            print!("{}", render::timings_table(&timings));
            println!("{}", render::summary(&plan, &call_stats(), seconds, true));
        }
    }
    Ok(0)
}
