//! One-off tasks: run-task (wait, stream logs, exit with the container's
//! exit code), stop-task, list-tasks; and register-task-definition and the
//! `tasks` summary.

use std::time::{Duration, Instant};

use anyhow::Result;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DesiredStatus, LaunchType, NetworkConfiguration, Task,
};
use serde_json::json;

use super::context::{Candidates, Ctx, TaskFilter, elapsed_since, fmt_time, short_id};
use crate::aws::{AwsResultExt, code_of};
use crate::config::writeback::Update;
use crate::discovery::images;
use crate::engine;
use crate::error::UserError;
use crate::output::Printer;
use crate::output::{Progress, table};
use crate::resources::task_definition;
use crate::settings::Settings;

pub struct RunArgs<'a> {
    pub task: Option<&'a str>,
    pub subnet_id: Option<&'a str>,
    pub wait: bool,
    pub timeout: Duration,
}

pub async fn run_task(settings: &Settings, args: RunArgs<'_>) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let task = ctx.pick(args.task, Candidates::OneOff)?;
    let task_def = ctx.recorded_task_arn(task)?;
    let sg = ctx.security_group_id()?;
    let (subnet, public_ip) = match args.subnet_id {
        Some(id) => match ctx.is_public_subnet(id) {
            Some(public) => (id.to_string(), public),
            None => {
                return Err(UserError::new(format!(
                    "--subnet-id {id} is not one of the stack's subnets (see `subnets` in {})",
                    ctx.path()
                ))
                .into());
            }
        },
        None => {
            let (subnets, public) = ctx.task_subnets()?;
            (subnets[0].clone(), public)
        }
    };
    ctx.check_image_digest(task, settings.force).await?;
    if settings.dry_run {
        settings.out.say(format!(
            "dry run: would run {} in {subnet}{}",
            short_id(&task_def),
            if public_ip { " with a public IP" } else { "" }
        ));
        return Ok(0);
    }
    // Listen for Ctrl-C before RunTask goes out: an interrupt while it is in
    // flight must still let us report the task it started.
    let mut interrupt = tokio::spawn(async {
        let _ = tokio::signal::ctrl_c().await;
    });
    tokio::task::yield_now().await;
    let out = ctx
        .aws
        .ecs
        .run_task()
        .cluster(ctx.cluster())
        .task_definition(&task_def)
        // A one-off task with `spot: true` runs on Fargate Spot.
        .set_launch_type(task.spot.is_none().then_some(LaunchType::Fargate))
        .set_capacity_provider_strategy(crate::resources::cluster::one_off_strategy(task.spot))
        .set_enable_execute_command(task.exec.then_some(true))
        .count(1)
        .started_by("fargate-stack")
        .group(format!("family:{}", task.family))
        .network_configuration(
            NetworkConfiguration::builder()
                .awsvpc_configuration(
                    AwsVpcConfiguration::builder()
                        .subnets(&subnet)
                        .security_groups(sg)
                        .assign_public_ip(if public_ip {
                            AssignPublicIp::Enabled
                        } else {
                            AssignPublicIp::Disabled
                        })
                        .build()?,
                )
                .build(),
        )
        .send()
        .await
        .ctx("ecs RunTask")?;
    if let Some(f) = out.failures().first() {
        return Err(anyhow::anyhow!(
            "ecs RunTask: {}: {}",
            f.reason().unwrap_or("failed"),
            f.detail().unwrap_or_default()
        ));
    }
    let arn = out
        .tasks()
        .first()
        .and_then(|t| t.task_arn())
        .unwrap_or_default()
        .to_string();
    let task_id = short_id(&arn).to_string();
    let started = || {
        settings.out.show(
            |_| task_id.clone(),
            || json!({"task_id": task_id, "task_arn": arn}),
        )
    };
    if !args.wait {
        started();
        return Ok(0);
    }
    if interrupt.is_finished() {
        started();
        settings.out.note(format!(
            "interrupted; task {task_id} was started and keeps running: stop it with `fargate-stack stop-task {task_id}{c}`, follow it with `fargate-stack logs --follow{c}`",
            c = ctx.c
        ));
        return Ok(130);
    }
    tracing::info!("started task {task_id} ({})", short_id(&task_def));
    let stream = format!(
        "{}/{}/{task_id}",
        ctx.spec.log_stream_prefix(task),
        task.name
    );
    wait_for_task(
        &ctx,
        &arn,
        &task.name,
        &stream,
        args.timeout,
        settings,
        &mut interrupt,
    )
    .await
}

/// Polls the task until it stops, printing state transitions on stderr and
/// its log lines on stdout as they arrive; returns the exit code.
async fn wait_for_task(
    ctx: &Ctx,
    arn: &str,
    container: &str,
    stream: &str,
    timeout: Duration,
    settings: &Settings,
    interrupt: &mut tokio::task::JoinHandle<()>,
) -> Result<u8> {
    let (poll, printer) = (settings.poll_time, settings.out);
    let progress = Progress::new();
    let start = Instant::now();
    let mut last_status = String::new();
    let mut token: Option<String> = None;
    let task_id = short_id(arn).to_string();
    let outcome = loop {
        let out = ctx
            .aws
            .ecs
            .describe_tasks()
            .cluster(ctx.cluster())
            .tasks(arn)
            .send()
            .await
            .ctx("ecs DescribeTasks")?;
        let Some(t) = out.tasks().first().cloned() else {
            break Err(anyhow::anyhow!("task {task_id} is no longer known to ECS"));
        };
        let status = t.last_status().unwrap_or("UNKNOWN").to_string();
        if status != last_status {
            let from = if last_status.is_empty() {
                String::new()
            } else {
                format!("{last_status} -> ")
            };
            progress.event(&format!("task {task_id}: {from}{status}"));
            last_status = status.clone();
        }
        progress.spin(&format!("task {task_id}: {status}"));
        token = print_new_logs(ctx, stream, token, &progress, printer).await?;
        if status == "STOPPED" {
            // The last lines can land just before the stop is reported.
            print_new_logs(ctx, stream, token, &progress, printer).await?;
            break Ok(t);
        }
        if start.elapsed() > timeout {
            break Err(anyhow::anyhow!(
                "task {task_id} still {status} after {}; it keeps running: stop it with `fargate-stack stop-task {task_id}{}`",
                humantime::format_duration(timeout),
                ctx.c
            ));
        }
        tokio::select! {
            _ = &mut *interrupt => {
                progress.finish();
                printer.note(format!(
                    "interrupted; task {task_id} keeps running: stop it with `fargate-stack stop-task {task_id}{c}`, follow it with `fargate-stack logs --follow{c}`",
                    c = ctx.c
                ));
                return Ok(130);
            }
            _ = tokio::time::sleep(poll) => {}
        }
    };
    progress.finish();
    let t = outcome?;
    let code = exit_code_of(&t, container, printer);
    // The text form was the log lines and the transitions, as they came.
    printer.json(|| {
        let c = t
            .containers()
            .iter()
            .find(|c| c.name() == Some(container))
            .or_else(|| t.containers().first());
        json!({
            "task_id": task_id,
            "task_arn": arn,
            "exit_code": c.and_then(|c| c.exit_code()),
            "stop_code": t.stop_code().map(|c| c.as_str()),
            "stopped_reason": t.stopped_reason(),
            "log_stream": stream,
        })
    });
    Ok(code)
}

/// The essential container's exit code; 1 (with the reason) when it has none.
fn exit_code_of(t: &Task, container: &str, out: Printer) -> u8 {
    let c = t
        .containers()
        .iter()
        .find(|c| c.name() == Some(container))
        .or_else(|| t.containers().first());
    match c.and_then(|c| c.exit_code()) {
        Some(code) => {
            let code = code.clamp(0, 255) as u8;
            if code == 0 {
                tracing::info!(
                    "task {} finished: exit code 0",
                    short_id(t.task_arn().unwrap_or_default())
                );
            } else {
                out.note(format!(
                    "task {} failed: container `{container}` exited with code {code}",
                    short_id(t.task_arn().unwrap_or_default())
                ));
            }
            code
        }
        None => {
            out.note(format!(
                "task {} did not run: {}: {}{}",
                short_id(t.task_arn().unwrap_or_default()),
                t.stop_code().map(|c| c.as_str()).unwrap_or("no stop code"),
                t.stopped_reason().unwrap_or("no reason given"),
                c.and_then(|c| c.reason())
                    .map(|r| format!(" (container: {r})"))
                    .unwrap_or_default()
            ));
            1
        }
    }
}

async fn print_new_logs(
    ctx: &Ctx,
    stream: &str,
    token: Option<String>,
    progress: &Progress,
    printer: Printer,
) -> Result<Option<String>> {
    let mut token = token;
    loop {
        let got = ctx
            .aws
            .logs
            .get_log_events()
            .log_group_name(&ctx.spec.log_group)
            .log_stream_name(stream)
            .start_from_head(true)
            .set_next_token(token.clone())
            .send()
            .await;
        let out = match got {
            Ok(o) => o,
            // The stream appears only once the container writes.
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => return Ok(token),
            Err(e) => return Err(e).ctx("logs GetLogEvents").map_err(Into::into),
        };
        for e in out.events() {
            // With --output json, stdout carries only the result document.
            let line = e.message().unwrap_or_default();
            progress.suspend(|| printer.say(line));
        }
        let next = out.next_forward_token().map(str::to_string);
        if next == token || out.events().is_empty() {
            return Ok(next.or(token));
        }
        token = next;
    }
}

fn family_of(t: &Task) -> String {
    let arn = t.task_definition_arn().unwrap_or_default();
    short_id(arn)
        .rsplit_once(':')
        .map(|(f, _)| f.to_string())
        .unwrap_or_default()
}

pub async fn stop_task(settings: &Settings, target: Option<&str>) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    // ECS task ids are 32 hex digits (older ones, and moto's, are UUIDs).
    let is_id = |s: &str| {
        s.starts_with("arn:")
            || (matches!(s.len(), 32 | 36) && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
    };
    let arns: Vec<String> = match target {
        Some(t) if is_id(t) => vec![t.to_string()],
        other => {
            let task = ctx.pick(other, Candidates::Any)?;
            let running = ctx
                .describe_tasks(
                    ctx.list_task_arns(DesiredStatus::Running, TaskFilter::Family(&task.family))
                        .await?,
                )
                .await?;
            running
                .iter()
                .filter(|t| t.last_status() != Some("STOPPED"))
                .filter_map(|t| t.task_arn().map(str::to_string))
                .collect()
        }
    };
    if arns.is_empty() {
        settings.out.say("no running tasks to stop");
        return Ok(0);
    }
    for arn in &arns {
        if settings.dry_run {
            settings
                .out
                .say(format!("dry run: would stop task {}", short_id(arn)));
            continue;
        }
        let got = ctx
            .aws
            .ecs
            .stop_task()
            .cluster(ctx.cluster())
            .task(arn)
            .reason("stopped with fargate-stack stop-task")
            .send()
            .await;
        match got {
            Ok(_) => settings.out.say(format!("stopped task {}", short_id(arn))),
            Err(e)
                if matches!(
                    code_of(&e),
                    Some("InvalidParameterException" | "ClientException")
                ) =>
            {
                return Err(UserError::new(format!(
                    "no task {} in cluster {}",
                    short_id(arn),
                    ctx.cluster()
                ))
                .into());
            }
            Err(e) => return Err(e).ctx("ecs StopTask").map_err(Into::into),
        }
    }
    Ok(0)
}

pub async fn list_tasks(settings: &Settings, which: Option<&str>) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let stopped = match which {
        None | Some("running") => false,
        Some("stopped") => true,
        Some(other) => {
            return Err(UserError::new(format!(
                "list-tasks: `{other}` is not a choice; use `stopped` or nothing"
            ))
            .into());
        }
    };
    // ECS keeps a task's desired status RUNNING until it is asked to stop, so
    // a task that stopped by itself can be listed under either.
    let mut arns = ctx
        .list_task_arns(DesiredStatus::Running, TaskFilter::All)
        .await?;
    if stopped {
        arns.extend(
            ctx.list_task_arns(DesiredStatus::Stopped, TaskFilter::All)
                .await?,
        );
        arns.sort();
        arns.dedup();
    }
    let tasks: Vec<Task> = ctx
        .describe_tasks(arns)
        .await?
        .into_iter()
        .filter(|t| (t.last_status() == Some("STOPPED")) == stopped)
        .collect();
    let json = || -> serde_json::Value {
        tasks
            .iter()
            .map(|t| json!({
                "task": family_of(t), "id": short_id(t.task_arn().unwrap_or_default()),
                "arn": t.task_arn(), "task_definition_arn": t.task_definition_arn(), "status": t.last_status(),
                "cpu": t.cpu(), "memory": t.memory(), "started_at": fmt_time(t.started_at()),
                "stopped_at": t.stopped_at().map(|_| fmt_time(t.stopped_at())),
                "stopped_reason": t.stopped_reason(), "stop_code": t.stop_code().map(|c| c.as_str()),
                "exit_code": t.containers().iter().find(|c| c.exit_code().is_some()).and_then(|c| c.exit_code()),
            }))
            .collect()
    };
    let text = |_| {
        let last = if stopped { "Stopped Reason" } else { "Elapsed" };
        let mut tbl = table(&[
            "Task Name",
            "Task Id",
            "Status",
            "CPU",
            "Memory",
            "Started",
            last,
        ]);
        for t in &tasks {
            tbl.add_row(vec![
                family_of(t),
                short_id(t.task_arn().unwrap_or_default()).to_string(),
                t.last_status().unwrap_or("-").to_string(),
                t.cpu().unwrap_or("-").to_string(),
                t.memory().unwrap_or("-").to_string(),
                fmt_time(t.started_at()),
                if stopped {
                    t.stopped_reason().unwrap_or("-").to_string()
                } else {
                    elapsed_since(t.started_at())
                },
            ]);
        }
        if tasks.is_empty() {
            format!(
                "no {} tasks in cluster {}",
                if stopped { "stopped" } else { "running" },
                ctx.cluster()
            )
        } else {
            tbl.to_string()
        }
    };
    settings.out.show(text, json);
    Ok(0)
}

pub async fn register(settings: &Settings, name: Option<&str>) -> Result<u8> {
    let ctx = Ctx::open_locked(settings).await?;
    let task = ctx.pick(name, Candidates::Any)?.clone();
    let id = ctx.identity().await?;
    let image = images::resolve(&ctx.aws, &id, &task.image, None).await?;
    let secrets =
        crate::discovery::secrets::resolve_all(&ctx.aws, &id, &ctx.spec, &ctx.loaded.path).await?;
    let def = task_definition::desired(&ctx.spec, &task, &id, &image, &secrets);
    if settings.dry_run {
        settings.out.say(format!(
            "dry run: would register a revision of {}",
            task.family
        ));
        return Ok(0);
    }
    let registered = task_definition::register(&ctx.aws, &ctx.spec, &def).await?;
    settings.out.say(format!("registered {}", registered.id));
    {
        let mut updates = vec![Update::new(
            &["tasks", &task.key, "arn"],
            registered.id.as_str(),
        )];
        if let Some(d) = &image.digest {
            updates.push(Update::new(
                &["tasks", &task.key, "image_digest"],
                d.as_str(),
            ));
        }
        engine::write_back(settings, &ctx.loaded, updates)?;
    }
    Ok(0)
}

pub async fn summary(settings: &Settings) -> Result<u8> {
    let (loaded, spec) = engine::load_read_only(settings)?;
    let c = &loaded.config;
    let mut head = table(&["Setting", "Value"]);
    head.add_row(vec!["cluster".to_string(), spec.cluster.clone()]);
    head.add_row(vec![
        "vpc".to_string(),
        c.vpc_id
            .clone()
            .unwrap_or_else(|| "(not discovered yet)".into()),
    ]);
    head.add_row(vec![
        "region".to_string(),
        c.region.clone().unwrap_or_else(|| "(default)".into()),
    ]);
    head.add_row(vec![
        "execution role".to_string(),
        spec.execution_role.clone(),
    ]);
    head.add_row(vec!["task role".to_string(), spec.task_role.clone()]);
    head.add_row(vec!["log group".to_string(), spec.log_group.clone()]);
    let mut tasks = table(&["Task", "Type", "Size", "CPU", "Memory", "Image", "Schedule"]);
    for t in &spec.tasks {
        tasks.add_row(vec![
            t.key.clone(),
            t.kind.as_str().to_string(),
            t.size.clone().unwrap_or_else(|| "-".into()),
            t.cpu.to_string(),
            t.memory.to_string(),
            t.image.written.clone(),
            t.schedule.clone().unwrap_or_else(|| "-".into()),
        ]);
    }
    let schedules = schedules(settings, &loaded, &spec).await;
    settings.out.show(
        |_| match render_schedules(&schedules) {
            Some(t) => format!("{head}\n{tasks}\n{t}"),
            None => format!("{head}\n{tasks}"),
        },
        || {
            let mut doc = serde_json::to_value(&spec).unwrap_or_default();
            doc["schedules"] = serde_json::to_value(&schedules).unwrap_or_default();
            doc["vpc_id"] = serde_json::to_value(&c.vpc_id).unwrap_or_default();
            doc["region"] = serde_json::to_value(&c.region).unwrap_or_default();
            doc
        },
    );
    Ok(0)
}

fn render_schedules(schedules: &[ScheduleStatus]) -> Option<comfy_table::Table> {
    if schedules.is_empty() {
        return None;
    }
    let mut t = table(&["Task", "Rule", "Expression", "State", "Next runs (UTC)"]);
    for s in schedules {
        t.add_row(vec![
            s.task.clone(),
            s.rule.clone(),
            s.expression.clone(),
            s.state.clone(),
            if s.next_runs.is_empty() {
                "-".to_string()
            } else {
                s.next_runs.join(", ")
            },
        ]);
    }
    Some(t)
}

/// The schedules table, for `status` (none when the stack has no schedule).
pub async fn schedules_table(
    settings: &Settings,
    loaded: &crate::config::Loaded,
    spec: &crate::config::StackSpec,
) -> Option<comfy_table::Table> {
    render_schedules(&schedules(settings, loaded, spec).await)
}

#[derive(serde::Serialize)]
struct ScheduleStatus {
    task: String,
    rule: String,
    expression: String,
    /// ENABLED, DISABLED, `not created`, or why it could not be read.
    state: String,
    next_runs: Vec<String>,
}

/// Each schedule: its rule's state in EventBridge and its next runs.
async fn schedules(
    settings: &Settings,
    loaded: &crate::config::Loaded,
    spec: &crate::config::StackSpec,
) -> Vec<ScheduleStatus> {
    let scheduled: Vec<_> = spec.tasks.iter().filter(|t| t.schedule.is_some()).collect();
    if scheduled.is_empty() {
        return vec![];
    }
    let aws = engine::connect(settings, loaded).await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let lookups = scheduled.into_iter().map(|t| {
        let aws = &aws;
        async move {
            let rule = t.rule_name.clone();
            let expression = t.schedule.clone().unwrap_or_default();
            let state = match aws.events.describe_rule().name(&rule).send().await {
                Ok(r) => r
                    .state()
                    .map_or("ENABLED".into(), |s| s.as_str().to_string()),
                Err(e) if crate::aws::code_of(&e) == Some("ResourceNotFoundException") => {
                    "not created".into()
                }
                Err(e) => crate::aws::errors::describe("events DescribeRule", e).to_string(),
            };
            let next_runs = crate::config::schedule::next_runs(&expression, now, 3)
                .unwrap_or_default()
                .into_iter()
                .map(|t| {
                    humantime::format_rfc3339_seconds(
                        std::time::UNIX_EPOCH + std::time::Duration::from_secs(t as u64),
                    )
                    .to_string()
                })
                .collect();
            ScheduleStatus {
                task: t.key.clone(),
                rule,
                expression,
                state,
                next_runs,
            }
        }
    });
    futures::future::join_all(lookups).await
}
