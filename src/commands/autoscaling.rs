//! Autoscaling commands: `add-scaling-policy` and `add-scheduled-action`
//! edit the config (checked as apply would check it before it is written;
//! `apply` then sets them up), `delete-scaling-policy` and
//! `delete-scheduled-action` remove them in AWS and in the config. Also the
//! set-up `create-service` runs once a scaled service exists.

use anyhow::Result;

use super::context::{Candidates, Ctx};
use crate::config::store::Writer;
use crate::config::writeback::{self, Update};
use crate::error::UserError;
use crate::resources::{scalable_target, scaling_policy, scheduled_action};
use crate::settings::{Settings, say};

const METRICS: [&str; 3] = ["cpu", "memory", "requests"];

/// Writes `updates` (after `removals`) to the config, but only when the
/// result still loads and validates: a command never leaves a config that
/// apply would refuse.
pub(crate) fn edit(
    ctx: &Ctx,
    settings: &Settings,
    updates: &[Update],
    removals: &[Vec<String>],
) -> Result<()> {
    let loaded = &ctx.loaded;
    let removed = writeback::remove(&loaded.text, &loaded.value, removals);
    let patched = writeback::patch(&removed.text, &removed.value, updates);
    let check = crate::config::parse(&loaded.path, patched.text)
        .and_then(|l| crate::config::spec::build(&loaded.path, &l.config));
    // A bad value is the command's argument: the config stays as it was.
    check?;
    if settings.dry_run {
        say!(settings, "dry run: {} is unchanged", ctx.path());
        return Ok(());
    }
    let mut writer = Writer::new(loaded, settings.update);
    writer.check_writable()?;
    writer.write(updates, removals)?;
    Ok(())
}

/// `[TASK] FIRST ...`: whether the first argument is a task name.
fn split_task<'a>(
    ctx: &Ctx,
    args: &'a [String],
    is_first: impl Fn(&str) -> bool,
) -> (Option<&'a str>, &'a [String]) {
    match args.first() {
        Some(a) if !is_first(a) && ctx.spec.tasks.iter().any(|t| &t.key == a) => {
            (Some(a.as_str()), &args[1..])
        }
        _ => (None, args),
    }
}

fn number(ctx: &Ctx, what: &str, text: &str) -> Result<u32> {
    text.parse().map_err(|_| {
        UserError::new(format!(
            "{}: {what} `{text}` is not a whole number",
            ctx.path()
        ))
        .into()
    })
}

pub async fn add_policy(settings: &Settings, args: &[String]) -> Result<u8> {
    let ctx = Ctx::open_locked(settings).await?;
    let (name, rest) = split_task(&ctx, args, |a| METRICS.contains(&a));
    let task = ctx.pick(name, Candidates::Services)?;
    let usage = || {
        UserError::new(format!(
            "usage: add-scaling-policy [TASK] cpu|memory|requests TARGET [MIN MAX [OUT_COOLDOWN IN_COOLDOWN]] (got `{}`)",
            args.join(" ")
        ))
    };
    let (metric, values) = match rest {
        [m, v @ ..] if METRICS.contains(&m.as_str()) && matches!(v.len(), 1 | 3 | 5) => (m, v),
        _ => return Err(usage().into()),
    };
    let base = ["tasks", task.key.as_str(), "autoscaling"];
    let key = |k: &str| -> Vec<String> {
        base.iter()
            .map(|s| s.to_string())
            .chain([k.to_string()])
            .collect()
    };
    let mut updates = vec![Update::new(
        &[base[0], base[1], base[2], metric],
        number(&ctx, metric, &values[0])?,
    )];
    let names = [
        "min_capacity",
        "max_capacity",
        "scale_out_cooldown",
        "scale_in_cooldown",
    ];
    for (v, n) in values[1..].iter().zip(names) {
        updates.push(Update::new(
            &[base[0], base[1], base[2], n],
            number(&ctx, n, v)?,
        ));
    }
    // One metric at a time; the recorded policy ARN goes with the old one.
    let removals: Vec<Vec<String>> = METRICS
        .iter()
        .filter(|m| **m != metric.as_str())
        .map(|m| key(m))
        .collect();
    edit(&ctx, settings, &updates, &removals)?;
    say!(
        settings,
        "tasks.{}.autoscaling: track {metric} at {} (written to {}); run `fargate-stack apply{}` to set it up",
        task.key,
        values[0],
        ctx.path(),
        ctx.c
    );
    Ok(0)
}

pub async fn add_scheduled(settings: &Settings, args: &[String]) -> Result<u8> {
    let ctx = Ctx::open_locked(settings).await?;
    let (name, rest) = if args.len() == 7 {
        (Some(args[0].as_str()), &args[1..])
    } else {
        (None, args)
    };
    let task = ctx.pick(name, Candidates::Services)?;
    let [entry, start, end, days, min, max] = rest else {
        return Err(UserError::new(
            "usage: add-scheduled-action [TASK] NAME START END DAYS MIN MAX (e.g. business-hours 00:08 00:18 MON-FRI 2/1 4/1)",
        )
        .into());
    };
    let path = |k: &'static str| -> Vec<&str> {
        vec![
            "tasks",
            task.key.as_str(),
            "autoscaling",
            "scheduled",
            entry.as_str(),
            k,
        ]
    };
    let updates: Vec<Update> = [
        ("start_time", start),
        ("end_time", end),
        ("days", days),
        ("min_capacity", min),
        ("max_capacity", max),
    ]
    .into_iter()
    .map(|(k, v)| Update::new(&path(k), v.as_str()))
    .collect();
    edit(&ctx, settings, &updates, &[])?;
    say!(
        settings,
        "tasks.{}.autoscaling.scheduled.{entry} written to {}; run `fargate-stack apply{}` to set it up",
        task.key,
        ctx.path(),
        ctx.c
    );
    Ok(0)
}

pub async fn delete_policy(settings: &Settings, name: Option<&str>) -> Result<u8> {
    let ctx = Ctx::open_locked(settings).await?;
    let task = ctx.pick(name, Candidates::Services)?;
    let Some(scaling) = ctx.spec.scaling_of(&task.key) else {
        return Err(UserError::new(format!(
            "{}: tasks.{} has no `autoscaling:`",
            ctx.path(),
            task.key
        ))
        .into());
    };
    let resource = scalable_target::resource_id(ctx.cluster(), &task.key);
    let base = |k: &str| -> Vec<String> {
        ["tasks", task.key.as_str(), "autoscaling", k]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let (removals, deregister) = if scaling.scheduled.is_empty() {
        (vec![base("")[..3].to_vec()], true)
    } else {
        (
            ["cpu", "memory", "requests", "policy_name", "policy_arn"]
                .iter()
                .map(|k| base(k))
                .collect::<Vec<_>>(),
            false,
        )
    };
    if settings.dry_run {
        say!(
            settings,
            "dry run: would delete the autoscaling policy of {}{}",
            task.key,
            if deregister {
                " and deregister its scalable target"
            } else {
                ""
            }
        );
        return Ok(0);
    }
    let mut writer = Writer::new(&ctx.loaded, settings.update);
    writer.check_writable()?;
    if let Some(policy) = &scaling.policy {
        scaling_policy::delete_named(&ctx.aws, &resource, &policy.name).await?;
    }
    if deregister {
        scalable_target::deregister(&ctx.aws, &resource).await?;
    }
    writer.write(&[], &removals)?;
    say!(
        settings,
        "deleted the autoscaling policy of {}{}; its keys are removed from {}",
        task.key,
        if deregister {
            " (and its scalable target)"
        } else {
            ""
        },
        ctx.path()
    );
    Ok(0)
}

pub async fn delete_scheduled(settings: &Settings, entry: &str, name: Option<&str>) -> Result<u8> {
    let ctx = Ctx::open_locked(settings).await?;
    let holders: Vec<&crate::config::web::ScalingSpec> = ctx
        .spec
        .scaling
        .iter()
        .filter(|s| name.is_none_or(|n| n == s.task))
        .filter(|s| s.scheduled.iter().any(|a| a.entry == entry))
        .collect();
    let scaling = match holders.as_slice() {
        [one] => *one,
        [] => {
            let all: Vec<String> = ctx
                .spec
                .scaling
                .iter()
                .flat_map(|s| {
                    s.scheduled
                        .iter()
                        .map(move |a| format!("{} ({})", a.entry, s.task))
                })
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            return Err(UserError::new(format!(
                "{}: no scheduled action `{entry}`{}; the config has: {}",
                ctx.path(),
                name.map(|n| format!(" under tasks.{n}"))
                    .unwrap_or_default(),
                if all.is_empty() {
                    "none".into()
                } else {
                    all.join(", ")
                }
            ))
            .into());
        }
        many => {
            return Err(UserError::new(format!(
                "{}: `{entry}` is scheduled for several services ({}); name one: delete-scheduled-action {entry} TASK",
                ctx.path(),
                many.iter().map(|s| s.task.as_str()).collect::<Vec<_>>().join(", ")
            ))
            .into());
        }
    };
    if settings.dry_run {
        say!(
            settings,
            "dry run: would delete the scheduled action {entry} of {}",
            scaling.task
        );
        return Ok(0);
    }
    let mut writer = Writer::new(&ctx.loaded, settings.update);
    writer.check_writable()?;
    let resource = scalable_target::resource_id(ctx.cluster(), &scaling.task);
    for action in scaling.scheduled.iter().filter(|a| a.entry == entry) {
        scheduled_action::delete_named(&ctx.aws, &resource, &action.name).await?;
    }
    let key: Vec<String> = [
        "tasks",
        scaling.task.as_str(),
        "autoscaling",
        "scheduled",
        entry,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    writer.write(&[], &[key])?;
    say!(
        settings,
        "deleted the scheduled action {entry} of {} (scale-out and scale-in)",
        scaling.task
    );
    Ok(0)
}
