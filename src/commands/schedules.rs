//! Scheduled tasks: `enable-scheduled-task`, `disable-scheduled-task`
//! (the rule's state) and `update-target` (re-sync the rule's target with
//! the task's recorded revision, and nothing else).

use anyhow::Result;

use super::context::{Candidates, Ctx};
use super::plan::check_conflicts;
use crate::aws::AwsResultExt;
use crate::config::store::Writer;
use crate::engine::{self, Scope};
use crate::error::UserError;
use crate::plan::{Action, Plan};
use crate::resources::{Address, Kind};
use crate::settings::Settings;

pub async fn set_enabled(settings: &Settings, name: Option<&str>, enable: bool) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let task = ctx.pick(name, Candidates::Scheduled)?;
    if task.schedule.is_none() {
        return Err(UserError::new(format!("`{}` has no `schedule:`", task.key)).into());
    }
    let rule = task.rule_name.clone();
    let verb = if enable { "enable" } else { "disable" };
    if settings.dry_run {
        settings.out.say(format!("dry run: would {verb} {rule}"));
        return Ok(0);
    }
    let result = if enable {
        ctx.aws
            .events
            .enable_rule()
            .name(&rule)
            .send()
            .await
            .map(|_| ())
            .ctx("events EnableRule")
    } else {
        ctx.aws
            .events
            .disable_rule()
            .name(&rule)
            .send()
            .await
            .map(|_| ())
            .ctx("events DisableRule")
    };
    match result {
        Ok(()) => {}
        Err(e) if crate::resources::not_found(&e) => {
            return Err(UserError::new(format!(
                "the schedule {rule} does not exist; create it with `fargate-stack apply{}`",
                ctx.c
            ))
            .into());
        }
        Err(e) => return Err(e.into()),
    }
    settings.out.say(format!(
        "schedule {rule} {verb}d ({})",
        task.schedule.as_deref().unwrap_or_default()
    ));
    Ok(0)
}

pub async fn update_target(settings: &Settings, name: Option<&str>) -> Result<u8> {
    let (loaded, spec) = engine::load(settings)?;
    let key = {
        let ctx_like: Vec<_> = spec.tasks.iter().filter(|t| t.schedule.is_some()).collect();
        match (name, ctx_like.as_slice()) {
            (Some(n), _) if ctx_like.iter().any(|t| t.key == n) => n.to_string(),
            (Some(n), _) => {
                return Err(
                    UserError::new(format!("`{n}` is not a scheduled task of this stack")).into(),
                );
            }
            (None, [one]) => one.key.clone(),
            (None, _) => {
                return Err(UserError::new(format!(
                    "name the scheduled task: `fargate-stack update-target TASK{}`",
                    settings.config_arg()
                ))
                .into());
            }
        }
    };
    let mut stack = engine::discover(settings, loaded, spec, Scope::Apply).await?;
    let full = stack.plan_for(&stack.nodes);
    let target = Address::new(Kind::ScheduleTarget, &key);
    let Some(step) = full.step(&target).cloned() else {
        return Err(UserError::new(format!("`{key}` has no schedule target to sync")).into());
    };
    if step.action == Action::Exists {
        settings
            .out
            .say(format!("target {} is in sync ({})", step.name, step.value));
        return Ok(0);
    }
    // Only the target: what it refers to must already exist.
    let unmet: Vec<String> = step
        .depends_on
        .iter()
        .filter(|d| full.step(d).is_some_and(|s| s.action != Action::Exists))
        .map(|d| d.to_string())
        .collect();
    if !unmet.is_empty() {
        return Err(UserError::new(format!(
            "the target needs {} first; run `fargate-stack apply{}`",
            unmet.join(", "),
            settings.config_arg()
        ))
        .into());
    }
    let plan = Plan {
        steps: vec![crate::plan::Step {
            depends_on: vec![],
            ..step.clone()
        }],
        ..Plan::default()
    };
    check_conflicts(&full)?;
    for c in &step.changes {
        settings
            .out
            .say(format!("  {}: {} -> {}", c.field, c.before, c.after));
    }
    if settings.dry_run {
        settings
            .out
            .say(format!("dry run: would update target {}", step.name));
        return Ok(0);
    }
    let mut writer = Writer::new(&stack.loaded, settings.update);
    let report = engine::execute(&mut stack, &plan, &mut writer, |_| vec![]).await;
    if let Some(e) = report.errors.into_iter().next() {
        return Err(e);
    }
    settings.out.say(format!("target {} updated", step.name));
    Ok(0)
}

/// `update-policy`: rebuild the stack's IAM policies from the config with
/// the cache off (secrets, file systems, queues rediscovered) and put the
/// ones that differ; nothing else changes.
pub async fn update_policy(settings: &Settings) -> Result<u8> {
    let mut settings = settings.clone();
    settings.cache = false;
    let (loaded, spec) = engine::load(&settings)?;
    let mut stack = engine::discover(&settings, loaded, spec, Scope::Apply).await?;
    let full = stack.plan_for(&stack.nodes);
    let policies = [Kind::ExecutionPolicy, Kind::TaskPolicy, Kind::EventsPolicy];
    let steps: Vec<crate::plan::Step> = full
        .steps
        .iter()
        .filter(|s| policies.contains(&s.kind) && s.action != Action::Exists)
        .cloned()
        .collect();
    if steps.is_empty() {
        settings
            .out
            .say("the policies match the config; nothing to update");
        return Ok(0);
    }
    if let Some(s) = steps.iter().find(|s| {
        s.depends_on
            .iter()
            .any(|d| full.step(d).is_some_and(|r| r.action == Action::Create))
    }) {
        return Err(UserError::new(format!(
            "{} needs its role, which does not exist yet; run `fargate-stack apply{}`",
            s.name,
            settings.config_arg()
        ))
        .into());
    }
    check_conflicts(&full)?;
    for s in &steps {
        settings.out.say(format!("~ {} {}", s.kind.label(), s.name));
        if let Some(d) = &s.diff {
            for line in d.lines() {
                settings.out.say(format!("    {line}"));
            }
        }
    }
    if settings.dry_run {
        settings.out.say("dry run: nothing was changed");
        return Ok(0);
    }
    let plan = Plan {
        steps: steps
            .into_iter()
            .map(|s| crate::plan::Step {
                depends_on: vec![],
                ..s
            })
            .collect(),
        ..Plan::default()
    };
    let mut writer = Writer::new(&stack.loaded, settings.update);
    writer.check_writable()?;
    let report = engine::execute(&mut stack, &plan, &mut writer, |_| vec![]).await;
    if let Some(e) = report.errors.into_iter().next() {
        return Err(e);
    }
    settings.out.say(format!(
        "updated {} polic{}",
        plan.steps.len(),
        if plan.steps.len() == 1 { "y" } else { "ies" }
    ));
    Ok(0)
}
