//! `status`: what each service is doing now, and whether its tasks run the
//! newest task definition and the image digest the tag points at.

use anyhow::Result;
use aws_sdk_ecs::types::{Service, Task};
use serde_json::json;

use super::context::{Candidates, Ctx, fmt_time, short_id};
use super::services::describe;
use crate::aws::AwsResultExt;
use crate::config::spec::TaskSpec;
use crate::discovery::images;
use crate::output::table;
use crate::settings::Settings;

struct ServiceStatus<'a> {
    task: &'a TaskSpec,
    service: Option<Service>,
    tasks: Vec<Task>,
    latest_revision: Option<String>,
    current_digest: Option<String>,
    /// http/https: its URL and the health of its load balancer targets.
    url: Option<String>,
    targets: Vec<TargetHealth>,
    /// Blue/green, canary, linear: each target group's share of the
    /// production rule's traffic.
    traffic: Vec<(String, i32)>,
}

struct TargetHealth {
    ip: String,
    port: Option<i32>,
    state: String,
    reason: Option<String>,
    description: Option<String>,
}

async fn target_health(ctx: &Ctx, task: &TaskSpec) -> Result<Vec<TargetHealth>> {
    let Some(tg) = ctx.loaded.config.tasks[&task.key].target_group_arn.clone() else {
        return Ok(vec![]);
    };
    let out = ctx
        .aws
        .elb
        .describe_target_health()
        .target_group_arn(tg)
        .send()
        .await
        .ctx("elbv2 DescribeTargetHealth")?;
    Ok(out
        .target_health_descriptions()
        .iter()
        .map(|d| {
            let h = d.target_health();
            TargetHealth {
                ip: d
                    .target()
                    .and_then(|t| t.id())
                    .unwrap_or_default()
                    .to_string(),
                port: d.target().and_then(|t| t.port()),
                state: h
                    .and_then(|h| h.state())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_else(|| "unknown".into()),
                reason: h.and_then(|h| h.reason()).map(|r| r.as_str().to_string()),
                description: h.and_then(|h| h.description()).map(str::to_string),
            }
        })
        .collect())
}

/// The task whose network interface has this address.
fn task_of(tasks: &[Task], ip: &str) -> Option<String> {
    tasks
        .iter()
        .find(|t| {
            t.attachments().iter().any(|a| {
                a.details()
                    .iter()
                    .any(|d| d.name() == Some("privateIPv4Address") && d.value() == Some(ip))
            })
        })
        .map(|t| short_id(t.task_arn().unwrap_or_default()).to_string())
}

async fn gather<'a>(ctx: &Ctx, task: &'a TaskSpec) -> Result<ServiceStatus<'a>> {
    let Some(service) = describe(ctx, &task.key).await? else {
        return Ok(ServiceStatus {
            task,
            service: None,
            tasks: vec![],
            latest_revision: None,
            current_digest: None,
            url: None,
            targets: vec![],
            traffic: vec![],
        });
    };
    let web = ctx
        .spec
        .web
        .as_ref()
        .and_then(|w| Some((w.service(&task.key)?, w.https)));
    let id = ctx.identity().await?;
    let (tasks, latest, digest, targets, traffic) = tokio::try_join!(
        ctx.service_tasks(&task.key, aws_sdk_ecs::types::DesiredStatus::Running),
        async {
            let out = ctx
                .aws
                .ecs
                .describe_task_definition()
                .task_definition(&task.family)
                .send()
                .await
                .ctx("ecs DescribeTaskDefinition")?;
            Ok::<_, anyhow::Error>(
                out.task_definition()
                    .and_then(|t| t.task_definition_arn())
                    .map(str::to_string),
            )
        },
        async {
            Ok::<_, anyhow::Error>(
                images::resolve(&ctx.aws, &id, &task.image, None)
                    .await
                    .ok()
                    .and_then(|i| i.digest),
            )
        },
        async {
            match web {
                Some(_) => target_health(ctx, task).await,
                None => Ok(vec![]),
            }
        },
        traffic_split(ctx, task),
    )?;
    Ok(ServiceStatus {
        task,
        service: Some(service),
        tasks,
        latest_revision: latest,
        current_digest: digest,
        url: web.map(|(w, https)| w.url(https)),
        targets,
        traffic,
    })
}

/// The share of the production rule's traffic each target group gets (a
/// traffic-shifting deployment's rule, as the config records it).
async fn traffic_split(ctx: &Ctx, task: &TaskSpec) -> Result<Vec<(String, i32)>> {
    let Some(rule) = ctx.loaded.config.tasks[&task.key]
        .deployment
        .as_ref()
        .and_then(|d| d.listener_rule_arn.clone())
    else {
        return Ok(vec![]);
    };
    let out = ctx
        .aws
        .elb
        .describe_rules()
        .rule_arns(rule)
        .send()
        .await
        .ctx("elbv2 DescribeRules")?;
    Ok(out
        .rules()
        .first()
        .map(crate::resources::listener_rule::weights)
        .unwrap_or_default()
        .into_iter()
        .map(|(arn, weight)| {
            let group = arn.rsplit('/').nth(1).unwrap_or(&arn).to_string();
            (group, weight)
        })
        .collect())
}

fn revision_note(arn: &str, latest: Option<&str>) -> String {
    match latest {
        Some(l) if l == arn => "current".into(),
        Some(l) => format!("behind ({} < {})", short_id(arn), short_id(l)),
        None => short_id(arn).to_string(),
    }
}

fn digest_note(t: &Task, current: Option<&str>) -> String {
    let running = t.containers().first().and_then(|c| c.image_digest());
    match (running, current) {
        (Some(r), Some(c)) if r == c => "current".into(),
        (Some(r), Some(_)) => format!("behind ({})", &r[..r.len().min(19)]),
        (Some(r), None) => r[..r.len().min(19)].to_string(),
        (None, _) => "-".into(),
    }
}

pub async fn run(settings: &Settings, name: Option<&str>, max_events: Option<usize>) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let max_events = max_events
        .or(settings.defaults.max_events.map(|m| m as usize))
        .unwrap_or(5);
    let chosen: Vec<&TaskSpec> = match name {
        Some(_) => vec![ctx.pick(name, Candidates::Services)?],
        None => ctx
            .spec
            .tasks
            .iter()
            .filter(|t| !matches!(t.kind, crate::config::model::TaskType::Task))
            .collect(),
    };
    let statuses = futures::future::try_join_all(chosen.iter().map(|t| gather(&ctx, t))).await?;

    let json = || -> serde_json::Value {
        let doc: Vec<serde_json::Value> = statuses
            .iter()
            .map(|s| match &s.service {
                None => json!({"service": s.task.key, "exists": false}),
                Some(svc) => json!({
                    "service": s.task.key,
                    "exists": true,
                    "service_arn": svc.service_arn(),
                    "status": svc.status(),
                    "running": svc.running_count(),
                    "pending": svc.pending_count(),
                    "desired": svc.desired_count(),
                    "task_definition": svc.task_definition(),
                    "deployment": crate::resources::service::deployment_of(svc),
                    "traffic": s.traffic.iter().map(|(g, w)| json!({"target_group": g, "weight": w})).collect::<Vec<_>>(),
                    "url": s.url,
                    "targets": s.targets.iter().map(|t| json!({
                        "ip": t.ip, "port": t.port, "task": task_of(&s.tasks, &t.ip),
                        "health": t.state, "reason": t.reason, "description": t.description,
                    })).collect::<Vec<_>>(),
                    "deployments": svc.deployments().iter().map(|d| json!({
                        "id": d.id(), "status": d.status(), "task_definition": d.task_definition(),
                        "rollout_state": d.rollout_state().map(|r| r.as_str()), "rollout_state_reason": d.rollout_state_reason(),
                        "running": d.running_count(), "pending": d.pending_count(), "desired": d.desired_count(), "failed": d.failed_tasks(),
                    })).collect::<Vec<_>>(),
                    "events": svc.events().iter().take(max_events).map(|e| json!({"at": fmt_time(e.created_at()), "message": e.message()})).collect::<Vec<_>>(),
                    "tasks": s.tasks.iter().map(|t| json!({
                        "id": short_id(t.task_arn().unwrap_or_default()),
                        "arn": t.task_arn(),
                        "task_definition_arn": t.task_definition_arn(),
                        "last_status": t.last_status(),
                        "started_at": fmt_time(t.started_at()),
                        "task_definition": revision_note(t.task_definition_arn().unwrap_or_default(), s.latest_revision.as_deref()),
                        "image_digest": digest_note(t, s.current_digest.as_deref()),
                    })).collect::<Vec<_>>(),
                }),
            })
            .collect();
        doc.into()
    };
    let text = |_| -> String {
        use std::fmt::Write;
        let mut out = String::new();

        if statuses.is_empty() {
            let _ = writeln!(
                out,
                "{}: the stack has no services (daemon, http or https tasks)",
                ctx.path()
            );
        }
        for s in &statuses {
            let Some(svc) = &s.service else {
                let _ = writeln!(
                    out,
                    "service {}: not created (run `fargate-stack create-service {}{}`)\n",
                    s.task.key, s.task.key, ctx.c
                );
                continue;
            };
            let _ = writeln!(
                out,
                "service {}: {}  running {} / pending {} / desired {}  ({})",
                s.task.key,
                svc.status().unwrap_or("-"),
                svc.running_count(),
                svc.pending_count(),
                svc.desired_count(),
                short_id(svc.task_definition().unwrap_or_default())
            );
            let _ = writeln!(
                out,
                "deployment: {}",
                super::services::describe_deployment(&crate::resources::service::deployment_of(
                    svc
                ))
            );
            if !s.traffic.is_empty() {
                let total: i32 = s.traffic.iter().map(|(_, w)| w).sum::<i32>().max(1);
                let shares: Vec<String> = s
                    .traffic
                    .iter()
                    .map(|(g, w)| format!("{g} {}%", w * 100 / total))
                    .collect();
                let _ = writeln!(out, "traffic: {}", shares.join(", "));
            }
            let mut d = table(&[
                "Deployment",
                "Status",
                "Task definition",
                "Rollout",
                "Running",
                "Desired",
            ]);
            for dep in svc.deployments() {
                d.add_row(vec![
                    dep.id().unwrap_or_default().to_string(),
                    dep.status().unwrap_or_default().to_string(),
                    short_id(dep.task_definition().unwrap_or_default()).to_string(),
                    dep.rollout_state()
                        .map(|r| r.as_str().to_string())
                        .unwrap_or_else(|| "-".into()),
                    dep.running_count().to_string(),
                    dep.desired_count().to_string(),
                ]);
            }
            let _ = writeln!(out, "{d}");
            if let Some(url) = &s.url {
                let _ = writeln!(out, "URL: {url}");
                if s.targets.is_empty() {
                    let _ = writeln!(out, "Targets: none registered yet\n");
                } else {
                    let mut t = table(&["Target", "Task", "Health", "Reason"]);
                    for h in &s.targets {
                        t.add_row(vec![
                            format!("{}:{}", h.ip, h.port.map_or("-".into(), |p| p.to_string())),
                            task_of(&s.tasks, &h.ip).unwrap_or_else(|| "-".into()),
                            h.state.clone(),
                            match (&h.reason, &h.description) {
                                (Some(r), Some(d)) => format!("{r}: {d}"),
                                (Some(r), None) => r.clone(),
                                _ => "-".into(),
                            },
                        ]);
                    }
                    let _ = writeln!(out, "Targets\n{t}\n");
                }
            }
            if max_events > 0 && !svc.events().is_empty() {
                let _ = writeln!(out, "Last {} event(s):", svc.events().len().min(max_events));
                for e in svc.events().iter().take(max_events) {
                    let _ = writeln!(
                        out,
                        "  {}  {}",
                        fmt_time(e.created_at()),
                        e.message().unwrap_or_default()
                    );
                }
            }
            let mut t = table(&[
                "Task",
                "Status",
                "Started",
                "Task definition",
                "Image digest",
            ]);
            for task in &s.tasks {
                t.add_row(vec![
                    short_id(task.task_arn().unwrap_or_default()).to_string(),
                    task.last_status().unwrap_or("-").to_string(),
                    fmt_time(task.started_at()),
                    revision_note(
                        task.task_definition_arn().unwrap_or_default(),
                        s.latest_revision.as_deref(),
                    ),
                    digest_note(task, s.current_digest.as_deref()),
                ]);
            }
            if s.tasks.is_empty() {
                let _ = writeln!(out, "Tasks: none\n");
            } else {
                let _ = writeln!(out, "Task Status\n{t}\n");
            }
        }
        out
    };
    settings.out.show(text, json);
    // The schedules' table belongs to the text form only (the JSON
    // document is the list of services), so it is read only for text.
    if name.is_none()
        && !settings.out.json_mode()
        && let Some(t) = super::tasks::schedules_table(settings, &ctx.loaded, &ctx.spec).await
    {
        settings.out.text(|_| format!("Schedules\n{t}"));
    }
    Ok(0)
}
