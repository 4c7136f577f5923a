//! `plan` and `apply`.

use std::io::IsTerminal;
use std::time::Instant;

use anyhow::Result;
use serde_json::json;

use crate::aws::call_stats;
use crate::cli::PlanArgs;
use crate::config::store::Writer;
use crate::engine::{self, Scope, Stack};
use crate::error::UserError;
use crate::plan::render::{self, Header};
use crate::plan::{self, Action, Plan};
use crate::settings::Settings;

pub(crate) fn header<'a>(
    command: &'a str,
    stack: &'a Stack,
    settings: &Settings,
    dry_run: bool,
) -> Header<'a> {
    Header {
        command,
        app: &stack.spec.app,
        account: &stack.facts.id.account,
        profile: stack
            .aws
            .profile
            .as_deref()
            .or(stack.aws.env_profile.as_deref()),
        region: &stack.facts.id.region,
        vpc_id: &stack.facts.network.vpc_id,
        subnets: &stack.facts.network,
        config: format!(
            "{} (from {})",
            stack.loaded.path.display(),
            settings.config_source
        ),
        config_arg: settings.config_arg(),
        cache: stack.cached,
        dry_run,
        images: stack
            .spec
            .tasks
            .iter()
            .filter_map(|t| {
                let image = stack.facts.images.get(&t.key)?;
                Some(render::ImageSource {
                    task: t.key.clone(),
                    uri: image.uri.clone(),
                    registry: crate::discovery::images::registry_of(&image.uri, &stack.facts.id),
                    digest: image.digest.clone(),
                })
            })
            .collect(),
    }
}

async fn prepare(settings: &Settings, args: &PlanArgs) -> Result<(Stack, Plan)> {
    let (loaded, spec) = engine::load(settings)?;
    let stack = engine::discover(settings, loaded, spec, Scope::Apply).await?;
    let plan = stack.plan_apply(args.prune);
    Ok((stack, plan))
}

/// The stack's monthly cost, and what the same counts cost with the sizes
/// that exist now; an error says why there is none (no prices for the
/// region, a prices file that does not read).
fn cost_of(stack: &Stack) -> Result<plan::cost::Estimate, String> {
    use crate::resources::{Address, Kind};
    let file = std::env::var("FARGATE_STACK_PRICES").ok();
    let region = &stack.facts.id.region;
    let prices = plan::cost::prices(region, file.as_deref())?.ok_or_else(|| {
        format!("no prices for {region} built in; give them in the JSON file FARGATE_STACK_PRICES names (docs/commands.md)")
    })?;
    let current = stack
        .spec
        .tasks
        .iter()
        .filter_map(|t| {
            let state = stack
                .observed
                .get(&Address::new(Kind::TaskDefinition, &t.key))?;
            let a = &state.attributes;
            let number = |k: &str| a[k].as_str().and_then(|v| v.parse::<u32>().ok());
            let arm = a["cpuArchitecture"].as_str() == Some("ARM64");
            Some((t.key.clone(), (number("cpu")?, number("memory")?, arm)))
        })
        .collect();
    let lb = stack
        .observed
        .contains_key(&Address::new(Kind::LoadBalancer, "main"));
    let alarms: Vec<String> = stack
        .nodes
        .iter()
        .filter(|n| n.address.kind == Kind::Alarm && stack.observed.contains_key(&n.address))
        .map(|n| n.name.clone())
        .collect();
    Ok(plan::cost::estimate(
        &stack.spec,
        &prices,
        &current,
        lb,
        &alarms,
    ))
}

/// `--detailed-exitcode`: 3 when the plan has changes (2 is bad input).
pub const EXIT_CHANGES: u8 = 3;

/// The JSON document of `plan` and `apply`.
fn plan_json(
    header: &Header,
    plan: &Plan,
    timings: &[(String, f64)],
    seconds: f64,
    written: &[String],
    applied: bool,
) -> serde_json::Value {
    json!({
        "header": header,
        "plan": plan,
        "applied": applied,
        "summary": {
            "create": plan.count(Action::Create),
            "update": plan.count(Action::Update),
            "delete": plan.deletions(),
            "unchanged": plan.count(Action::Exists),
            "orphans_kept": plan.count(Action::Delete) - plan.deletions(),
            "changes": plan.has_changes(),
        },
        "config_updated": written,
        "api_calls": call_stats(),
        "timings": timings.iter().map(|(k, v)| json!({"step": k, "seconds": v})).collect::<Vec<_>>(),
        "seconds": seconds,
    })
}

pub async fn plan(settings: &Settings, args: &PlanArgs) -> Result<u8> {
    let start = Instant::now();
    let (stack, plan) = prepare(settings, args).await?;
    let written = engine::write_back(settings, &stack.loaded, engine::state_updates(&stack, &[]))?;
    let h = header("plan", &stack, settings, true);
    let estimate = cost_of(&stack);
    let seconds = start.elapsed().as_secs_f64();
    settings.out.show(
        |style| {
            let mut out = render::text(&h, &plan, style);
            if args.tables {
                out.push('\n');
                out.push_str(&render::resources_table(&plan));
                out.push_str(&render::timings_table(&stack.timings));
            }
            if plan.has_changes() {
                out.push('\n');
            }
            out.push_str(&render::summary(&plan, &call_stats(), seconds, false));
            out.push('\n');
            out.push_str(&render::cost(&estimate, args.cost, &stack.facts.id.region));
            if plan.has_changes() {
                out.push_str(&format!(
                    "Run `fargate-stack apply{}{}` to make these changes.\n",
                    settings.config_arg(),
                    if plan.prune { " --prune" } else { "" }
                ));
            }
            out
        },
        || {
            let mut doc = plan_json(&h, &plan, &stack.timings, seconds, &written, false);
            doc["cost"] = json!(estimate.as_ref().ok());
            doc
        },
    );
    if !plan.conflicts.is_empty() {
        // The plan is shown, and it cannot be applied as it is.
        for c in &plan.conflicts {
            settings.out.note(format!("error: conflict: {c}"));
        }
        return Ok(2);
    }
    Ok(if args.detailed_exitcode && plan.has_changes() {
        EXIT_CHANGES
    } else {
        0
    })
}

/// Asks on the terminal; Ctrl-C at the prompt cancels at once (the read
/// runs off the async threads, so the interrupt is seen while it waits).
pub async fn confirm(settings: &Settings, question: &str, refusal: &str) -> Result<()> {
    if settings.force || settings.yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(UserError::new(refusal.to_string()).into());
    }
    settings.out.ask(format!("{question} [y/N] "));
    let read = tokio::task::spawn_blocking(|| {
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer).map(|_| answer)
    });
    let answer = tokio::select! {
        a = read => a??,
        _ = tokio::signal::ctrl_c() => {
            settings.out.note("");
            return Err(crate::error::Interrupted.into());
        }
    };
    if matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes") {
        Ok(())
    } else {
        Err(UserError::new("cancelled; nothing was changed").into())
    }
}

/// Refuses a plan that would change what another stack owns. `--force`
/// does not override this: only the config's `take_over` does, per resource.
pub fn check_conflicts(plan: &Plan) -> Result<()> {
    if plan.conflicts.is_empty() {
        return Ok(());
    }
    Err(UserError::new(format!(
        "{}; nothing was changed",
        plan.conflicts.join("; ")
    ))
    .into())
}

pub async fn apply(settings: &Settings, args: &PlanArgs) -> Result<u8> {
    if !settings.update {
        return Err(UserError::new(
            "apply records what it creates in the config file; --no-update would lose track of it. Use `fargate-stack plan --no-update` to look without writing",
        )
        .into());
    }
    let start = Instant::now();
    let (mut stack, plan) = prepare(settings, args).await?;
    let dry_run = settings.dry_run;
    settings.out.text(|style| {
        format!(
            "{}\n",
            render::text(&header("apply", &stack, settings, dry_run), &plan, style)
        )
    });
    let mut writer = Writer::new(&stack.loaded, settings.update);

    if !plan.has_changes() || dry_run {
        let written = writer.write(&engine::state_updates(&stack, &[]), &[])?;
        let seconds = start.elapsed().as_secs_f64();
        settings.out.show(
            |_| {
                let tables = if args.tables {
                    render::resources_table(&plan)
                } else {
                    String::new()
                };
                let what = if dry_run && plan.has_changes() {
                    "dry run: nothing was changed"
                } else {
                    "Nothing to do: the stack matches the config."
                };
                let summary = render::summary(&plan, &call_stats(), seconds, false);
                format!("{tables}{what}\n{summary}")
            },
            || {
                plan_json(
                    &header("apply", &stack, settings, dry_run),
                    &plan,
                    &stack.timings,
                    seconds,
                    &written,
                    false,
                )
            },
        );
        return Ok(0);
    }

    check_conflicts(&plan)?;
    writer.check_writable()?;
    let n = plan.steps.iter().filter(|s| plan.runs(s)).count();
    confirm(
        settings,
        &format!("Apply {n} change(s) to account {}?", stack.facts.id.account),
        &format!(
            "apply needs confirmation and there is no terminal to ask on; review `fargate-stack plan{}`, then pass --yes",
            settings.config_arg()
        ),
    )
    .await?;
    let report = engine::execute(&mut stack, &plan, &mut writer, |_| vec![]).await;
    // The discovered values (account, VPC, names) even when nothing landed.
    let registered: Vec<String> = plan
        .steps
        .iter()
        .filter(|s| s.kind == crate::resources::Kind::TaskDefinition && report.done(&s.address))
        .filter_map(|s| s.task.clone())
        .collect();
    let final_write = writer.write(&engine::state_updates(&stack, &registered), &[]);
    let mut timings = stack.timings.clone();
    timings.extend(report.timings.iter().cloned());
    let seconds = start.elapsed().as_secs_f64();

    if report.interrupted {
        settings.out.note(format!(
            "interrupted: what was created is recorded in {}; run `fargate-stack apply{}` again to finish",
            stack.loaded.path.display(),
            settings.config_arg()
        ));
        return Ok(130);
    }
    if !report.errors.is_empty() {
        if let Err(w) = &final_write {
            tracing::error!("{w:#}");
        }
        for (a, why) in report.skipped() {
            settings.out.note(format!("skipped {a}: {why}"));
        }
        let first = report.errors.into_iter().next().expect("not empty");
        return Err(first.context(format!(
            "apply failed part-way; what was created is recorded in the config, run `fargate-stack apply{}` again to finish",
            settings.config_arg()
        )));
    }
    let mut written = final_write?;
    written = {
        let mut all = writer.changed.clone();
        all.extend(written);
        all.sort();
        all.dedup();
        all
    };
    // Show real IDs and ARNs for what was just created.
    let after = stack.plan_for(&stack.nodes);
    let mut plan = plan;
    for step in plan.steps.iter_mut() {
        if let Some(now) = after.step(&step.address) {
            step.value = now.value.clone();
        }
    }
    settings.out.show(
        |_| {
            let tables = if args.tables {
                render::resources_table(&plan) + &render::timings_table(&timings)
            } else {
                String::new()
            };
            format!(
                "{tables}{}",
                render::summary(&plan, &call_stats(), seconds, true)
            )
        },
        || {
            plan_json(
                &header("apply", &stack, settings, false),
                &plan,
                &timings,
                seconds,
                &written,
                true,
            )
        },
    );
    Ok(0)
}
