//! ECS services: create, start, stop, update, redeploy, delete, and the
//! wait that follows a change. The wait reports success only when the
//! deployment completed; a failed rollout or a circuit-breaker rollback is a
//! failure with the stopped tasks' reasons (peers report success there).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use anyhow::Result;
use aws_sdk_ecs::types::{DesiredStatus, LoadBalancer, Service};

use super::context::{Candidates, Ctx, short_id};
use crate::aws::AwsResultExt;
use crate::cli::{RollbackArgs, ScaleArgs, ServiceCount, ServiceWait, StableWait, WaitUntil};
use crate::config::spec::TaskSpec;
use crate::config::store::Writer;
use crate::config::writeback::Update;
use crate::engine::{self, Scope};
use crate::error::UserError;
use crate::output::{Progress, note};
use crate::resources::service::{self, STATUS};
use crate::resources::{Address, Kind, Node};
use crate::settings::{Settings, say};

/// `create-service 2` with one candidate means a count, not a name.
fn name_and_count(args: &ServiceCount) -> (Option<String>, Option<u32>) {
    match (&args.service, args.count) {
        (Some(s), None) if s.parse::<u32>().is_ok() => (None, s.parse().ok()),
        (s, c) => (s.clone(), c),
    }
}

pub async fn describe(ctx: &Ctx, name: &str) -> Result<Option<Service>> {
    let out = ctx
        .aws
        .ecs
        .describe_services()
        .cluster(ctx.cluster())
        .services(name)
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
        .ctx("ecs DescribeServices")?;
    Ok(out
        .services()
        .iter()
        .find(|s| s.status() != Some("INACTIVE"))
        .cloned())
}

/// The stack's service of that name: it must exist and be the stack's
/// (tagged as this app's, or untagged and running the family the config
/// records); someone else's service in the cluster is left as it is.
async fn require(ctx: &Ctx, name: &str) -> Result<Service> {
    let service = describe(ctx, name).await?.ok_or_else(|| {
        UserError::new(format!("service `{name}` does not exist in cluster {}; create it with `fargate-stack create-service {name}{}`", ctx.cluster(), ctx.c))
    })?;
    let own = crate::resources::service::ownership(
        &ctx.aws,
        &ctx.loaded.config,
        &ctx.spec.app,
        name,
        &service,
    )
    .await?;
    if let Some(why) = own.not_ours_because() {
        return Err(UserError::new(format!(
            "service `{name}` in cluster {} {why}, so it is left as it is; a service is this stack's when it carries the tags `fargate-stack:app={}` or runs a revision of the stack's own in the family the config records under `tasks.{name}.arn` (an imported service becomes the stack's with `import --own`)",
            ctx.cluster(),
            ctx.spec.app
        ))
        .into());
    }
    Ok(service)
}

fn event_ids(s: Option<&Service>) -> HashSet<String> {
    s.map(|s| {
        s.events()
            .iter()
            .filter_map(|e| e.id().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

pub async fn create(settings: &Settings, args: &ServiceCount) -> Result<u8> {
    // Locked: the autoscaling it sets up is recorded in the config.
    let ctx = Ctx::open_locked(settings).await?;
    let (name, count) = name_and_count(args);
    let task = ctx.pick(name.as_deref(), Candidates::Services)?.clone();
    let task_def = ctx.recorded_task_arn(&task)?;
    ctx.security_group_id()?;
    ctx.task_subnets()?;
    if ctx
        .spec
        .web
        .as_ref()
        .and_then(|w| w.service(&task.key))
        .is_some()
    {
        ctx.target_group_arn(&task)?;
    }
    ctx.check_image_digest(&task, settings.force).await?;
    let (c, cluster) = (ctx.c.clone(), ctx.cluster().to_string());
    let Ctx {
        loaded, spec, aws, ..
    } = ctx;
    let mut stack = engine::discover_with(
        settings,
        loaded,
        spec,
        aws,
        Scope::Service(task.key.clone()),
    )
    .await?;
    let service = Address::new(Kind::Service, &task.key);
    if let Some(existing) = stack.observed.get(&service) {
        let status = existing
            .outputs
            .get(STATUS)
            .map_or("ACTIVE", String::as_str);
        return Err(UserError::new(format!(
            "service `{}` already exists in cluster {cluster} (status {status}); use `fargate-stack update-service {}{c}` to deploy a new revision, or `start-service` to change its count",
            task.key, task.key,
        ))
        .into());
    }
    let mut nodes: Vec<Node> = stack
        .nodes
        .iter()
        .filter(|n| n.task.as_deref() == Some(&task.key))
        .filter(|n| n.address == service || n.address.kind.needs_service())
        .cloned()
        .collect();
    let count = count.or(task.desired_count).unwrap_or(1);
    for n in nodes.iter_mut().filter(|n| n.address == service) {
        n.desired["desired_count"] = count.into();
        if let Some(missing) = n
            .depends_on
            .iter()
            .find(|d| !stack.observed.contains_key(d))
        {
            return Err(UserError::new(format!(
                "{missing} does not exist; run `fargate-stack apply{c}` first"
            ))
            .into());
        }
    }
    if settings.dry_run {
        say!(
            settings,
            "dry run: would create service {} in {cluster} with {count} task(s) of {task_def}",
            task.key,
        );
        return Ok(0);
    }
    let plan = stack.plan_for(&nodes);
    let mut writer = Writer::new(&stack.loaded, settings.update);
    let report = engine::execute(&mut stack, &plan, &mut writer, |_| vec![]).await;
    if !stack.observed.contains_key(&service) {
        let e = report
            .errors
            .into_iter()
            .next()
            .unwrap_or_else(|| anyhow::anyhow!("interrupted"));
        return Err(e.context(format!("service {} was not created", task.key)));
    }
    tracing::info!(
        "created service {} ({count} task(s), {})",
        task.key,
        short_id(&task_def)
    );
    if let Some(e) = report.errors.into_iter().next() {
        return Err(e.context(format!(
            "service {} was created, but its autoscaling was not set up; run `fargate-stack apply{c}` to finish",
            task.key
        )));
    }
    if nodes.iter().any(|n| n.address.kind.needs_service()) {
        tracing::info!("autoscaling of {} is set up", task.key);
    }
    let ctx = Ctx {
        c,
        loaded: stack.loaded,
        spec: stack.spec,
        aws: stack.aws,
    };
    if let Some(w) = ctx.spec.web.as_ref().and_then(|w| w.service(&task.key)) {
        say!(
            settings,
            "{} will answer at {}",
            task.key,
            w.url(ctx.spec.web.as_ref().is_some_and(|x| x.https))
        );
    }
    finish(
        &ctx,
        settings,
        &task.key,
        Some(task_def),
        HashSet::new(),
        &args.waiting,
    )
    .await
}

pub async fn start(settings: &Settings, args: &ServiceCount) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let (name, count) = name_and_count(args);
    let task = ctx.pick(name.as_deref(), Candidates::Services)?;
    let count = count.unwrap_or(1);
    let before = require(&ctx, &task.key).await?;
    if settings.dry_run {
        say!(
            settings,
            "dry run: would set {} to {count} task(s) (now {})",
            task.key,
            before.desired_count()
        );
        return Ok(0);
    }
    set_count_and_wait(&ctx, settings, &task.key, count, &before, &args.waiting).await
}

/// Sets the desired count and follows the service until it is stable.
async fn set_count_and_wait(
    ctx: &Ctx,
    settings: &Settings,
    name: &str,
    count: u32,
    before: &Service,
    waiting: &StableWait,
) -> Result<u8> {
    set_count(ctx, name, count).await?;
    finish(ctx, settings, name, None, event_ids(Some(before)), waiting).await
}

/// `scale`: the desired count and, for a scaled service, autoscaling's
/// range or its suspension. The config is written first (checked as apply
/// would check it), so the next apply keeps what was set.
pub async fn scale(settings: &Settings, args: &ScaleArgs) -> Result<u8> {
    let ctx = Ctx::open_locked(settings).await?;
    let task = ctx.pick(args.service.as_deref(), Candidates::Services)?;
    let pause = args
        .suspend_autoscaling
        .then_some(true)
        .or(args.resume_autoscaling.then_some(false));
    let range_asked = args.min.is_some() || args.max.is_some();
    if args.count.is_none() && !range_asked && pause.is_none() {
        return Err(UserError::new(
            "scale: give a count, --min/--max, or --suspend-autoscaling/--resume-autoscaling (e.g. `fargate-stack scale worker 3`)",
        )
        .into());
    }
    let scaling = ctx.spec.scaling_of(&task.key);
    if scaling.is_none() && (range_asked || pause.is_some()) {
        return Err(UserError::new(format!(
            "{}: tasks.{} has no autoscaling; add it with `fargate-stack add-scaling-policy {} cpu 60 1 4`, or give only a count",
            ctx.path(),
            task.key,
            task.key
        ))
        .into());
    }
    let (min, max) = match scaling {
        Some(s) => (args.min.unwrap_or(s.min), args.max.unwrap_or(s.max)),
        None => (0, u32::MAX),
    };
    if min > max {
        return Err(UserError::new(format!("scale: --min {min} is more than --max {max}")).into());
    }
    let before = require(&ctx, &task.key).await?;
    if let Some(n) = args.count
        && scaling.is_some()
        && pause != Some(true)
        && !(min..=max).contains(&n)
    {
        note(format!(
            "warning: {n} is outside autoscaling's range {min}-{max}; autoscaling will bring it back into the range (--suspend-autoscaling holds it)"
        ));
    }
    if settings.dry_run {
        say!(
            settings,
            "dry run: would set {} to {} (now {}){}",
            task.key,
            args.count
                .map_or("its count".to_string(), |n| format!("{n} task(s)")),
            before.desired_count(),
            if range_asked {
                format!(", autoscaling {min}-{max}")
            } else {
                String::new()
            }
        );
        return Ok(0);
    }
    let key = task.key.as_str();
    let mut updates = Vec::new();
    if let Some(n) = args.count {
        updates.push(Update::new(&["tasks", key, "desired_count"], n));
    }
    if range_asked {
        for (k, v) in [("min_capacity", min), ("max_capacity", max)] {
            updates.push(Update::new(&["tasks", key, "autoscaling", k], v));
        }
    }
    if !updates.is_empty() {
        super::autoscaling::edit(&ctx, settings, &updates, &[])?;
    }
    if range_asked || pause.is_some() {
        crate::resources::scalable_target::register(
            &ctx.aws,
            &crate::resources::scalable_target::resource_id(ctx.cluster(), &task.key),
            min.into(),
            max.into(),
            pause,
        )
        .await?;
        say!(
            settings,
            "{}: autoscaling {min}-{max}{}",
            task.key,
            match pause {
                Some(true) => ", suspended",
                Some(false) => ", resumed",
                None => "",
            }
        );
    }
    let Some(n) = args.count else {
        return Ok(0);
    };
    set_count_and_wait(&ctx, settings, &task.key, n, &before, &args.waiting).await
}

/// `exec:` turned on or off since the service was made: the update sets
/// it (the new tasks get the agent).
fn exec_change(task: &TaskSpec, svc: &Service) -> Option<bool> {
    (svc.enable_execute_command() != task.exec).then_some(task.exec)
}

/// A change of deployment strategy (or its timings) the config asks of a
/// running service: what to send, and how to say it.
struct DeploymentChange {
    configuration: aws_sdk_ecs::types::DeploymentConfiguration,
    load_balancers: Option<(Vec<LoadBalancer>, i32)>,
    said: String,
}

pub fn describe_deployment(d: &serde_json::Value) -> String {
    let strategy = d["strategy"]
        .as_str()
        .unwrap_or("ROLLING")
        .to_ascii_lowercase();
    let mut out = strategy;
    if d["canary"].is_object() {
        out += &format!(
            " ({}% for {} min)",
            d["canary"]["percent"], d["canary"]["minutes"]
        );
    }
    if d["linear"].is_object() {
        out += &format!(
            " ({}% every {} min)",
            d["linear"]["percent"], d["linear"]["minutes"]
        );
    }
    if let Some(b) = d["bake_minutes"].as_u64() {
        out += &format!(", bake {b} min");
    }
    if let Some(alarms) = d["alarms"].as_array() {
        let names: Vec<&str> = alarms.iter().filter_map(|a| a.as_str()).collect();
        out += &format!(", rolled back on {}", names.join(", "));
    }
    out
}

/// The alarms the stack makes for a service exist before ECS is told to
/// watch them: apply makes them, as it makes the service's other parts.
async fn generated_alarms_exist(ctx: &Ctx, task: &TaskSpec) -> Result<()> {
    let names: Vec<String> = ctx
        .spec
        .web
        .as_ref()
        .and_then(|w| w.service(&task.key))
        .iter()
        .flat_map(|w| &w.deployment.alarms)
        .map(|a| a.name.clone())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    let states = crate::resources::alarm::states(&ctx.aws, names.clone())
        .await
        .ctx("cloudwatch DescribeAlarms")?;
    if let Some(name) = names.iter().find(|n| !states.contains_key(*n)) {
        return Err(UserError::new(format!(
            "the alarm {name} that {} rolls back on does not exist yet; run `fargate-stack apply{}` first (it makes it)",
            task.key, ctx.c
        ))
        .into());
    }
    Ok(())
}

fn deployment_change(
    ctx: &Ctx,
    task: &TaskSpec,
    svc: &Service,
) -> Result<Option<DeploymentChange>> {
    let web = ctx.spec.web.as_ref().and_then(|w| w.service(&task.key));
    let wanted = service::deployment_doc(&ctx.spec, task);
    let live = service::deployment_of(svc);
    if live == wanted {
        return Ok(None);
    }
    let load_balancers = match web {
        Some(w) => {
            let mut entry = service::load_balancer_entry(w, task, ctx.target_group_arn(task)?);
            if w.deployment.strategy.shifts_traffic() {
                let recorded = ctx.loaded.config.tasks[&task.key].deployment.as_ref();
                let missing = || {
                    UserError::new(format!(
                        "{}: the alternate target group, the listener rule or the deploy role of `{}` is not recorded; run `fargate-stack apply{}` first (it makes them)",
                        ctx.path(),
                        task.key,
                        ctx.c
                    ))
                };
                entry["advanced"] = serde_json::json!({
                    "alternate_target_group": recorded.and_then(|d| d.alternate_target_group_arn.clone()).ok_or_else(missing)?,
                    "production_rule": recorded.and_then(|d| d.listener_rule_arn.clone()).ok_or_else(missing)?,
                    "test_rule": recorded.and_then(|d| d.test_listener_rule_arn.clone()).ok_or_else(missing)?,
                    "role": ctx.loaded.config.deploy_role.as_ref().and_then(|r| r.arn.clone()).ok_or_else(missing)?,
                });
            }
            let (lbs, grace) = service::load_balancers(&entry);
            lbs.map(|l| (l, grace.unwrap_or_default()))
        }
        None => None,
    };
    Ok(Some(DeploymentChange {
        configuration: service::deployment_configuration(&wanted),
        load_balancers,
        said: format!(
            "deployment: {} -> {}",
            describe_deployment(&live),
            describe_deployment(&wanted)
        ),
    }))
}

/// An http/https service's place in its target group (container and port),
/// and its health-check grace period.
fn load_balancer_for(ctx: &Ctx, task: &TaskSpec) -> Result<Option<(Vec<LoadBalancer>, i32)>> {
    let Some(w) = ctx.spec.web.as_ref().and_then(|w| w.service(&task.key)) else {
        return Ok(None);
    };
    let entry = service::load_balancer_entry(w, task, ctx.target_group_arn(task)?);
    let (load_balancers, grace_seconds) = service::load_balancers(&entry);
    Ok(load_balancers.map(|l| (l, grace_seconds.unwrap_or_default())))
}

/// What a web service lacks: its target group, when it was created before
/// its task became http/https (sent with the next update).
fn missing_load_balancer(
    ctx: &Ctx,
    task: &TaskSpec,
    svc: &Service,
) -> Result<Option<(Vec<LoadBalancer>, i32)>> {
    if !svc.load_balancers().is_empty() {
        return Ok(None);
    }
    load_balancer_for(ctx, task)
}

/// The load balancer entry an update sends: the one a changed deployment
/// needs, else the one a service made before its task became a web
/// service lacks.
fn load_balancers_to_send(
    ctx: &Ctx,
    task: &TaskSpec,
    svc: &Service,
    change: Option<&DeploymentChange>,
) -> Result<(Option<Vec<LoadBalancer>>, Option<i32>)> {
    Ok(match change.and_then(|c| c.load_balancers.clone()) {
        Some((lbs, grace)) => (Some(lbs), Some(grace)),
        None => missing_load_balancer(ctx, task, svc)?.unzip(),
    })
}

/// An UpdateService request for one of the stack's services.
fn update_request(
    ctx: &Ctx,
    name: &str,
) -> aws_sdk_ecs::operation::update_service::builders::UpdateServiceFluentBuilder {
    ctx.aws
        .ecs
        .update_service()
        .cluster(ctx.cluster())
        .service(name)
}

async fn set_count(ctx: &Ctx, name: &str, count: u32) -> Result<()> {
    update_request(ctx, name)
        .desired_count(count as i32)
        .send()
        .await
        .ctx("ecs UpdateService")?;
    tracing::info!("service {name}: desired count set to {count}");
    Ok(())
}

pub async fn stop(settings: &Settings, args: &ServiceWait) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let task = ctx.pick(args.service.as_deref(), Candidates::Services)?;
    let before = require(&ctx, &task.key).await?;
    if settings.dry_run {
        say!(
            settings,
            "dry run: would set {} to 0 tasks (now {})",
            task.key,
            before.desired_count()
        );
        return Ok(0);
    }
    set_count(&ctx, &task.key, 0).await?;
    if !args.waiting.wait.no_wait {
        wait_drained(&ctx, &task.key, &args.waiting, settings.poll_time).await?;
    }
    say!(
        settings,
        "service {} stopped (desired count 0; was {}){}",
        task.key,
        before.desired_count(),
        if args.waiting.wait.no_wait {
            "; not waiting for its tasks to stop"
        } else {
            "; no tasks running"
        }
    );
    Ok(0)
}

/// Waits until a service runs no tasks (or is gone).
async fn wait_drained(ctx: &Ctx, name: &str, waiting: &StableWait, poll: Duration) -> Result<()> {
    let deadline = Instant::now() + waiting.timeout;
    let progress = Progress::new();
    loop {
        let svc = describe(ctx, name).await?;
        let (running, pending) = svc
            .as_ref()
            .map(|s| (s.running_count(), s.pending_count()))
            .unwrap_or((0, 0));
        if running == 0 && pending == 0 {
            progress.finish();
            return Ok(());
        }
        progress.state(&format!(
            "{name}: draining, {running} running, {pending} pending"
        ));
        if Instant::now() >= deadline {
            anyhow::bail!(
                "service {name} still has {running} running and {pending} pending task(s) after {:?}; see `fargate-stack status {name}{}`",
                waiting.timeout,
                ctx.c
            );
        }
        tokio::time::sleep(poll).await;
    }
}

pub async fn update(settings: &Settings, args: &ServiceWait) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let task = ctx.pick(args.service.as_deref(), Candidates::Services)?;
    let before = require(&ctx, &task.key).await?;
    // The revision this config registered, never merely the family's newest:
    // another stack (or a hand-registered revision) may share the family.
    let latest = ctx.recorded_task_arn(task)?;
    let current = before.task_definition().unwrap_or_default().to_string();
    let change = deployment_change(&ctx, task, &before)?;
    if change.is_some() {
        generated_alarms_exist(&ctx, task).await?;
    }
    let (attach, grace) = load_balancers_to_send(&ctx, task, &before, change.as_ref())?;
    if current == latest && attach.is_none() && change.is_none() {
        say!(
            settings,
            "service {} already runs {}; nothing to update",
            task.key,
            short_id(&latest)
        );
        return Ok(0);
    }
    let mut t = crate::output::table(&["Service", "From", "To"]);
    t.add_row(vec![
        task.key.clone(),
        short_id(&current).to_string(),
        short_id(&latest).to_string(),
    ]);
    say!(settings, "{t}");
    if let Some(c) = &change {
        say!(settings, "service {}: {}", task.key, c.said);
    }
    if settings.dry_run {
        say!(settings, "dry run: nothing changed");
        return Ok(0);
    }
    update_request(&ctx, &task.key)
        .task_definition(&latest)
        .set_deployment_configuration(change.map(|c| c.configuration))
        .set_load_balancers(attach)
        .set_health_check_grace_period_seconds(grace)
        .set_enable_execute_command(exec_change(task, &before))
        .send()
        .await
        .ctx("ecs UpdateService")?;
    finish(
        &ctx,
        settings,
        &task.key,
        Some(latest),
        event_ids(Some(&before)),
        &args.waiting,
    )
    .await
}

pub async fn redeploy(settings: &Settings, args: &ServiceWait) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let task = ctx.pick(args.service.as_deref(), Candidates::Services)?;
    let before = require(&ctx, &task.key).await?;
    if settings.dry_run {
        say!(
            settings,
            "dry run: would force a new deployment of {}",
            task.key
        );
        return Ok(0);
    }
    let change = deployment_change(&ctx, task, &before)?;
    if change.is_some() {
        generated_alarms_exist(&ctx, task).await?;
    }
    let (attach, grace) = load_balancers_to_send(&ctx, task, &before, change.as_ref())?;
    if let Some(c) = &change {
        say!(settings, "service {}: {}", task.key, c.said);
    }
    update_request(&ctx, &task.key)
        .force_new_deployment(true)
        .set_deployment_configuration(change.map(|c| c.configuration))
        .set_load_balancers(attach)
        .set_health_check_grace_period_seconds(grace)
        .set_enable_execute_command(exec_change(task, &before))
        .send()
        .await
        .ctx("ecs UpdateService")?;
    tracing::info!("service {}: new deployment started", task.key);
    finish(
        &ctx,
        settings,
        &task.key,
        None,
        event_ids(Some(&before)),
        &args.waiting,
    )
    .await
}

pub async fn delete(settings: &Settings, args: &ServiceWait) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let task = ctx.pick(args.service.as_deref(), Candidates::Services)?;
    let before = require(&ctx, &task.key).await?;
    if settings.dry_run {
        say!(settings, "dry run: would delete service {}", task.key);
        return Ok(0);
    }
    super::plan::confirm(
        settings,
        &format!(
            "Delete service {} ({} task(s) running) in cluster {}?",
            task.key,
            before.running_count(),
            ctx.cluster()
        ),
        "delete-service needs confirmation and there is no terminal to ask on; pass --yes (or --force)",
    )
    .await?;
    ctx.aws
        .ecs
        .delete_service()
        .cluster(ctx.cluster())
        .service(&task.key)
        .force(true)
        .send()
        .await
        .ctx("ecs DeleteService")?;
    if !args.waiting.wait.no_wait {
        wait_drained(&ctx, &task.key, &args.waiting, settings.poll_time).await?;
    }
    say!(
        settings,
        "service {} deleted; the cluster, roles and task definitions are kept",
        task.key
    );
    Ok(0)
}

/// The revision a rollback goes to: `--to N`, else the newest active
/// revision of the family older than the one running.
async fn rollback_target(ctx: &Ctx, family: &str, current: i32, to: Option<i32>) -> Result<String> {
    if let Some(n) = to {
        if n == current {
            return Err(UserError::new(format!("the service already runs {family}:{n}")).into());
        }
        let arn = format!("{family}:{n}");
        let found = ctx
            .aws
            .ecs
            .describe_task_definition()
            .task_definition(&arn)
            .send()
            .await;
        return match found {
            Ok(out) => Ok(out
                .task_definition()
                .and_then(|t| t.task_definition_arn())
                .unwrap_or(&arn)
                .to_string()),
            Err(_) => Err(UserError::new(format!(
                "task definition {arn} does not exist; `fargate-stack rollback --dryrun` shows the revisions there are"
            ))
            .into()),
        };
    }
    let best = crate::resources::task_definition::active_revisions(&ctx.aws, family)
        .await?
        .into_iter()
        .filter_map(|arn| Some((arn.rsplit_once(':')?.1.parse::<i32>().ok()?, arn)))
        .filter(|(rev, _)| *rev < current)
        .max_by_key(|(rev, _)| *rev);
    best.map(|(_, arn)| arn).ok_or_else(|| {
        UserError::new(format!(
            "no active revision of {family} older than {current} to roll back to"
        ))
        .into()
    })
}

pub async fn rollback(settings: &Settings, args: &RollbackArgs) -> Result<u8> {
    let ctx = if args.deregister && !settings.dry_run {
        Ctx::open_locked(settings).await?
    } else {
        Ctx::open(settings).await?
    };
    let task = ctx.pick(args.service.as_deref(), Candidates::Services)?;
    let before = require(&ctx, &task.key).await?;
    let current = before.task_definition().unwrap_or_default().to_string();
    let revision = crate::resources::task_definition::revision_of(&current).unwrap_or(0);
    let target = rollback_target(&ctx, &task.family, revision, args.to).await?;
    let mut t = crate::output::table(&["Service", "From", "To"]);
    t.add_row(vec![
        task.key.clone(),
        short_id(&current).to_string(),
        short_id(&target).to_string(),
    ]);
    say!(settings, "{t}");
    if settings.dry_run {
        say!(
            settings,
            "dry run: nothing changed{}",
            if args.deregister {
                format!("; would then deregister {}", short_id(&current))
            } else {
                String::new()
            }
        );
        return Ok(0);
    }
    update_request(&ctx, &task.key)
        .task_definition(&target)
        .send()
        .await
        .ctx("ecs UpdateService")?;
    let waited = finish(
        &ctx,
        settings,
        &task.key,
        Some(target.clone()),
        event_ids(Some(&before)),
        &args.waiting,
    )
    .await?;
    if args.deregister {
        ctx.aws
            .ecs
            .deregister_task_definition()
            .task_definition(&current)
            .send()
            .await
            .ctx("ecs DeregisterTaskDefinition")?;
        say!(settings, "deregistered {}", short_id(&current));
        // The recorded revision is gone: create-service and update-service
        // must use the one the service now runs.
        crate::engine::write_back(
            settings,
            &ctx.loaded,
            vec![crate::config::writeback::Update::new(
                &["tasks", &task.key, "arn"],
                target.as_str(),
            )],
        )?;
    }
    say!(
        settings,
        "rolled back {} to {}; the config still describes {}: fix it and apply, or `fargate-stack update-service {}{}` to go forward again",
        task.key,
        short_id(&target),
        if args.deregister {
            "the bad revision (apply registers it anew)"
        } else {
            "the newer revision"
        },
        task.key,
        ctx.c
    );
    Ok(waited)
}

async fn finish(
    ctx: &Ctx,
    settings: &Settings,
    name: &str,
    target: Option<String>,
    seen: HashSet<String>,
    waiting: &StableWait,
) -> Result<u8> {
    if waiting.wait.no_wait {
        settings.out.show(
            |_| {
                format!(
                    "service {name}: change submitted (not waiting; see `fargate-stack status {name}{}`)",
                    ctx.c
                )
            },
            || serde_json::json!({"service": name, "state": "submitted", "task_definition": target}),
        );
        return Ok(0);
    }
    let svc = wait_stable(ctx, name, target, seen, waiting, settings.poll_time).await?;
    let reached = match waiting.wait_until {
        WaitUntil::Deployed => "deployed",
        WaitUntil::Stable => "stable",
    };
    settings.out.show(
        |_| {
            format!(
                "service {name} is {reached}: {}/{} running ({})",
                svc.running_count(),
                svc.desired_count(),
                short_id(svc.task_definition().unwrap_or_default())
            )
        },
        || {
            serde_json::json!({
                "service": name,
                "service_arn": svc.service_arn(),
                "state": reached,
                "running": svc.running_count(),
                "desired": svc.desired_count(),
                "task_definition": svc.task_definition(),
            })
        },
    );
    Ok(0)
}

/// Polls until the service's deployment completes, printing new events and
/// state changes as they happen.
pub async fn wait_stable(
    ctx: &Ctx,
    name: &str,
    target: Option<String>,
    mut seen: HashSet<String>,
    waiting: &StableWait,
    poll: Duration,
) -> Result<Service> {
    let timeout = waiting.timeout;
    let progress = Progress::new();
    let start = Instant::now();
    let result = loop {
        let svc = require(ctx, name).await?;
        let mut fresh: Vec<_> = svc
            .events()
            .iter()
            .filter(|e| e.id().is_some_and(|id| !seen.contains(id)))
            .collect();
        fresh.reverse(); // ECS lists newest first
        for e in &fresh {
            seen.insert(e.id().unwrap_or_default().to_string());
            progress.event(&format!("event: {}", e.message().unwrap_or_default()));
        }
        let deployments = svc.deployments();
        let primary = deployments
            .iter()
            .find(|d| d.status() == Some("PRIMARY"))
            .or(deployments.first());
        let rollout = primary
            .and_then(|d| d.rollout_state())
            .map(|r| r.as_str().to_string());
        // Blue/green, canary, linear: ECS's service deployment has the stage.
        let shifting = svc
            .deployment_configuration()
            .and_then(|c| c.strategy())
            .filter(|s| s.as_str() != "ROLLING")
            .map(|s| s.as_str().to_ascii_lowercase().replace('_', "/"));
        let staged = match &shifting {
            Some(_) => latest_service_deployment(ctx, name).await?,
            None => None,
        };
        let stage = staged.as_ref().map(|d| {
            (
                d.lifecycle_stage().map_or("-", |s| s.as_str()).to_string(),
                d.status().map_or("-", |s| s.as_str()).to_string(),
            )
        });
        progress.state(&format!(
            "service {name}: rollout {}, running {}/{} (pending {}), {} deployment(s){}",
            rollout.as_deref().unwrap_or("-"),
            svc.running_count(),
            svc.desired_count(),
            svc.pending_count(),
            deployments.len(),
            match (&shifting, &stage) {
                (Some(k), Some((st, status))) => format!(", {k} stage {st} ({status})"),
                _ => String::new(),
            }
        ));
        if let Some(d) = &staged
            && d.status().is_some_and(|s| {
                matches!(
                    s.as_str(),
                    "ROLLBACK_REQUESTED"
                        | "ROLLBACK_IN_PROGRESS"
                        | "ROLLBACK_SUCCESSFUL"
                        | "ROLLBACK_FAILED"
                        | "STOPPED"
                )
            })
        {
            let mut reason = d
                .status_reason()
                .unwrap_or("ECS rolled the deployment back")
                .to_string();
            if let Some(a) = d.alarms().filter(|a| !a.triggered_alarm_names().is_empty()) {
                reason += &format!(" (alarm: {})", a.triggered_alarm_names().join(", "));
            }
            break Err(failure(ctx, name, &svc, &reason).await);
        }
        // With a service deployment, it says when traffic has moved (the
        // bake and the clean-up follow) and when it is over.
        let staged_deployed = stage.as_ref().is_none_or(|(st, status)| {
            status == "SUCCESSFUL" || matches!(st.as_str(), "BAKE_TIME" | "CLEAN_UP")
        });
        let staged_done = stage
            .as_ref()
            .is_none_or(|(_, status)| status == "SUCCESSFUL");
        let rolled_back = svc.events().iter().any(|e| {
            e.id()
                .is_some_and(|id| fresh.iter().any(|f| f.id() == Some(id)))
                && e.message().is_some_and(|m| m.contains("rolling back"))
        });
        if rollout.as_deref() == Some("FAILED") || rolled_back {
            let reason = primary
                .and_then(|d| d.rollout_state_reason())
                .unwrap_or("the deployment failed")
                .to_string();
            break Err(failure(ctx, name, &svc, &reason).await);
        }
        let on_target = target
            .as_deref()
            .is_none_or(|t| primary.and_then(|d| d.task_definition()) == Some(t));
        let complete = rollout.as_deref().is_none_or(|r| r == "COMPLETED");
        // Deployed: the new revision's rollout completed (without a rollout
        // state, its tasks all run), whatever still drains.
        let deployed = on_target
            && staged_deployed
            && match rollout.as_deref() {
                Some(r) => r == "COMPLETED",
                None => primary.is_some_and(|d| d.running_count() == d.desired_count()),
            };
        if waiting.wait_until == WaitUntil::Deployed && deployed {
            break Ok(svc);
        }
        if deployments.len() <= 1
            && complete
            && staged_done
            && on_target
            && svc.running_count() == svc.desired_count()
            && svc.pending_count() == 0
        {
            break Ok(svc);
        }
        if start.elapsed() > timeout {
            break Err(anyhow::anyhow!(
                "service {name} was not {} after {}; it may still settle: check `fargate-stack status {name}{}`",
                match waiting.wait_until {
                    WaitUntil::Deployed => "deployed",
                    WaitUntil::Stable => "stable",
                },
                humantime::format_duration(timeout),
                ctx.c
            ));
        }
        tokio::time::sleep(poll).await;
    };
    progress.finish();
    result
}

/// The service's newest service deployment (ECS's record of a deployment,
/// with its lifecycle stage), when there is one.
async fn latest_service_deployment(
    ctx: &Ctx,
    name: &str,
) -> Result<Option<aws_sdk_ecs::types::ServiceDeployment>> {
    let listed = ctx
        .aws
        .ecs
        .list_service_deployments()
        .cluster(ctx.cluster())
        .service(name)
        .send()
        .await
        .ctx("ecs ListServiceDeployments")?;
    let Some(arn) = listed
        .service_deployments()
        .iter()
        .max_by_key(|d| d.created_at().map(|t| t.as_nanos()))
        .and_then(|d| d.service_deployment_arn())
    else {
        return Ok(None);
    };
    let out = ctx
        .aws
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .ctx("ecs DescribeServiceDeployments")?;
    Ok(out.service_deployments().first().cloned())
}

/// Explains a failed rollout: the stopped tasks' reasons and the last events.
async fn failure(ctx: &Ctx, name: &str, svc: &Service, reason: &str) -> anyhow::Error {
    note(format!("service {name}: deployment failed: {reason}"));
    // Best effort: the failure itself is what the user must see.
    let stopped = ctx
        .service_tasks(name, DesiredStatus::Stopped)
        .await
        .unwrap_or_default();
    for t in stopped.iter().take(5) {
        note(format!(
            "  stopped task {}: {}: {}",
            short_id(t.task_arn().unwrap_or_default()),
            t.stop_code().map(|c| c.as_str()).unwrap_or("-"),
            t.stopped_reason().unwrap_or("-")
        ));
    }
    for e in svc.events().iter().take(5) {
        note(format!("  event: {}", e.message().unwrap_or_default()));
    }
    anyhow::anyhow!("service {name}: deployment failed: {reason}")
}
