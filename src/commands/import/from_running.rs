//! Running ECS services as a fargate-stack config (`import --cluster
//! --service`). Pure: what `discovery::running` read in, the config and the
//! list of what it cannot say out. Every name is recorded as it is (never
//! renamed), the roles are used as they are (`as_is`), so the first plan
//! after an import changes nothing.

use serde_yaml::{Mapping, Value};

use crate::discovery::running::{
    Running, RunningService, RunningWeb, forwards_to, host_of, network_of, path_of, unexpressed,
};
use crate::error::UserError;

#[derive(Debug)]
pub struct Converted {
    pub config: Mapping,
    /// What the config cannot say, one line each; the live resources keep it.
    pub notes: Vec<String>,
}

/// The app name an import uses when none is given: the cluster's, without
/// a `-cluster` ending.
pub fn app_from_cluster(cluster: &str) -> String {
    cluster
        .strip_suffix("-cluster")
        .filter(|s| !s.is_empty())
        .unwrap_or(cluster)
        .to_string()
}

pub fn convert(
    app: &str,
    account: &str,
    region: &str,
    running: &Running,
) -> Result<Converted, UserError> {
    let mut notes = Vec::new();
    for s in &running.services {
        refuse_what_cannot_be_imported(s)?;
    }
    // One stack has one execution role, task role, log group, security
    // group and network: services that differ go in separate configs.
    let all: Vec<&RunningService> = running.services.iter().collect();
    let same = |what: &str, of: &dyn Fn(&RunningService) -> String| {
        agreed(&all, what, of).map(Option::unwrap_or_default)
    };
    let execution_role = same("execution roles", &|s| {
        s.definition.execution_role_arn().unwrap_or_default().into()
    })?;
    let task_role = same("task roles", &|s| {
        s.definition.task_role_arn().unwrap_or_default().into()
    })?;
    let log_group = same("log groups", &|s| {
        app_container(s)
            .and_then(|c| c.log_configuration())
            .and_then(|l| l.options()?.get("awslogs-group").cloned())
            .unwrap_or_default()
    })?;
    let groups = same("security groups", &|s| network_of(&s.service).1.join(", "))?;
    let subnets = same("subnets", &|s| network_of(&s.service).0.join(", "))?;
    let public_ip = same("public IP settings", &|s| {
        s.service
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .and_then(|a| a.assign_public_ip())
            .map_or("DISABLED".into(), |p| p.as_str().to_string())
    })?;

    let mut config = Mapping::new();
    config.insert("app".into(), map([("name", app.into())]).into());
    config.insert("account".into(), account.into());
    config.insert("region".into(), region.into());
    let subnet_ids: Vec<String> = subnets.split(", ").map(str::to_string).collect();
    if let Some(vpc) = subnet_ids.first().and_then(|s| running.subnet_vpcs.get(s)) {
        config.insert("vpc_id".into(), vpc.as_str().into());
    }
    // Tasks run in private subnets unless the config has none; a service
    // given a public IP runs in the public ones.
    let class = if public_ip == "ENABLED" {
        "public"
    } else {
        "private"
    };
    config.insert(
        "subnets".into(),
        map([(class, strings(&subnet_ids))]).into(),
    );
    config.insert(
        "cluster".into(),
        map([
            (
                "name",
                running.cluster.cluster_name().unwrap_or_default().into(),
            ),
            (
                "arn",
                running.cluster.cluster_arn().unwrap_or_default().into(),
            ),
        ])
        .into(),
    );
    for (key, arn, what) in [
        ("role", &execution_role, "execution role"),
        ("task_role", &task_role, "task role"),
    ] {
        if arn.is_empty() {
            notes.push(format!(
                "the revisions have no {what}; the stack gives every task one, so the first change to a task registers a revision with the stack's {what}"
            ));
            continue;
        }
        config.insert(
            key.into(),
            map([
                ("name", arn.rsplit('/').next().unwrap_or_default().into()),
                ("arn", arn.as_str().into()),
                ("as_is", true.into()),
            ])
            .into(),
        );
    }
    if let Some((arn, retention)) = running.log_groups.get(&log_group) {
        config.insert(
            "log_group".into(),
            map([
                ("name", log_group.as_str().into()),
                ("arn", arn.as_str().into()),
                ("retention_days", retention.unwrap_or(0).into()),
            ])
            .into(),
        );
    }
    let group_ids: Vec<&str> = groups.split(", ").filter(|g| !g.is_empty()).collect();
    if let Some(id) = group_ids.first() {
        let mut fargate = map([("group_id", (*id).into())]);
        if let Some(name) = running.security_groups.get(*id) {
            fargate.insert("group_name".into(), name.as_str().into());
        }
        config.insert(
            "security_groups".into(),
            map([("fargate", fargate.into())]).into(),
        );
    }
    if group_ids.len() > 1 {
        notes.push(format!(
            "the services also use the security groups {}; the config names one (`security_groups.fargate`), and the services keep all of theirs",
            group_ids[1..].join(", ")
        ));
    }
    if let Some(web) = &running.web {
        let routes = running
            .services
            .iter()
            .filter_map(|s| route(s, web).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let ports: Vec<i32> = routes.iter().map(|r| r.listener.port).collect();
        if ports.iter().any(|p| *p != ports[0]) {
            return Err(UserError::new(format!(
                "the services are routed by listeners on different ports ({ports:?}); a config routes all its services through one listener: import them into separate configs"
            )));
        }
        config.insert("alb".into(), alb(web, &routes[0]).into());
        if let Some(group) = web.alb.security_groups.first() {
            let mut m = map([("group_id", group.as_str().into())]);
            if let Some(name) = running.security_groups.get(group) {
                m.insert("group_name".into(), name.as_str().into());
            }
            let sgs = config
                .entry("security_groups".into())
                .or_insert_with(|| Mapping::new().into());
            if let Value::Mapping(sgs) = sgs {
                sgs.insert("alb".into(), m.into());
            }
        }
        if let Some(zone) = web.aliases.values().next() {
            config.insert(
                "route53".into(),
                map([("zone_id", zone.as_str().into())]).into(),
            );
        }
        for r in &routes {
            if !web.aliases.contains_key(&r.domain) {
                notes.push(format!(
                    "tasks.{}: no alias record for `{}` points at the load balancer; the first plan adds one",
                    r.task, r.domain
                ));
            }
        }
        if !web.other_target_groups.is_empty() {
            notes.push(format!(
                "the load balancer `{}` also serves {} target group(s) of services not imported (kept: the stack adds and removes only its own rules)",
                web.alb.name,
                web.other_target_groups.len()
            ));
        }
    }
    // Services have no events role: only the scheduled tasks must agree.
    let scheduled: Vec<&RunningService> = running
        .services
        .iter()
        .filter(|s| s.schedule.is_some())
        .collect();
    let role = agreed(&scheduled, "events roles", &|s| {
        s.schedule
            .as_ref()
            .and_then(|r| r.role_arn.clone())
            .unwrap_or_default()
    })?;
    if let Some(role) = role.filter(|r| !r.is_empty()) {
        config.insert(
            "events_role".into(),
            map([
                ("name", role.rsplit('/').next().unwrap_or_default().into()),
                ("arn", role.as_str().into()),
                ("as_is", true.into()),
            ])
            .into(),
        );
    }
    if !running.other_rules.is_empty() {
        notes.push(format!(
            "the cluster is also the target of the EventBridge rules {} (import a scheduled task with --schedule RULE)",
            running.other_rules.join(", ")
        ));
    }
    let mut tasks = Mapping::new();
    for s in &running.services {
        let route = match &running.web {
            Some(web) => route(s, web)?,
            None => None,
        };
        tasks.insert(
            name(s).into(),
            task(app, s, route.as_ref(), &mut notes).into(),
        );
    }
    config.insert("tasks".into(), tasks.into());
    Ok(Converted { config, notes })
}

/// The one value `of` gives for all of `services` (they share one config),
/// `None` when there are none; an error names two that differ.
fn agreed(
    services: &[&RunningService],
    what: &str,
    of: &dyn Fn(&RunningService) -> String,
) -> Result<Option<String>, UserError> {
    let Some(first) = services.first() else {
        return Ok(None);
    };
    let value = of(first);
    if let Some(other) = services.iter().find(|s| of(s) != value) {
        return Err(UserError::new(format!(
            "the services `{}` and `{}` use different {what} (`{value}`, `{}`); a config has one for all its services: import them into separate configs (one `import` each, with -c)",
            name(first),
            name(other),
            of(other)
        )));
    }
    Ok(Some(value))
}

fn name(s: &RunningService) -> &str {
    s.service.service_name().unwrap_or_default()
}

fn refuse_what_cannot_be_imported(s: &RunningService) -> Result<(), UserError> {
    let service = name(s);
    let fargate = s.service.launch_type().map(|l| l.as_str()) == Some("FARGATE")
        || s.service
            .capacity_provider_strategy()
            .iter()
            .all(|c| c.capacity_provider().starts_with("FARGATE"))
            && !s.service.capacity_provider_strategy().is_empty();
    if !fargate {
        return Err(UserError::new(format!(
            "the service `{service}` does not run on Fargate; fargate-stack runs Fargate services only"
        )));
    }
    if s.definition.network_mode().map(|m| m.as_str()) != Some("awsvpc") {
        return Err(UserError::new(format!(
            "the service `{service}`'s task definition does not use the awsvpc network mode, which Fargate needs"
        )));
    }
    if app_container(s).is_none() {
        return Err(UserError::new(format!(
            "the service `{service}`'s task definition has no essential container"
        )));
    }
    Ok(())
}

/// The container the config describes: the essential one named like the
/// service, else the first essential one.
fn app_container(s: &RunningService) -> Option<&aws_sdk_ecs::types::ContainerDefinition> {
    let essential = || {
        s.definition
            .container_definitions()
            .iter()
            .filter(|c| c.essential().unwrap_or(true))
    };
    essential()
        .find(|c| c.name() == Some(name(s)))
        .or_else(|| essential().next())
}

/// How the load balancer reaches a web service: the listener and rule
/// that forward to its target group.
struct Route<'a> {
    task: String,
    listener: &'a crate::discovery::web::Listener,
    domain: String,
    path: Option<String>,
    group: &'a aws_sdk_elasticloadbalancingv2::types::TargetGroup,
    container_port: i32,
}

fn route<'a>(s: &RunningService, web: &'a RunningWeb) -> Result<Option<Route<'a>>, UserError> {
    let Some(entry) = s.service.load_balancers().first() else {
        return Ok(None);
    };
    let task = name(s).to_string();
    let arn = entry.target_group_arn().unwrap_or_default();
    let group = web
        .target_groups
        .iter()
        .find(|g| g.target_group_arn() == Some(arn))
        .ok_or_else(|| {
            UserError::new(format!("the service `{task}`'s target group {arn} is gone"))
        })?;
    let mut listeners: Vec<_> = web.listeners.iter().collect();
    listeners.sort_by_key(|l| std::cmp::Reverse(l.protocol == "HTTPS"));
    for listener in listeners {
        let rules = web
            .rules
            .get(&listener.arn)
            .map(Vec::as_slice)
            .unwrap_or_default();
        if let Some(rule) = rules
            .iter()
            .filter(|r| !r.is_default().unwrap_or(false))
            .find(|r| forwards_to(r, arn))
        {
            let Some(domain) = host_of(rule) else {
                return Err(UserError::new(format!(
                    "the service `{task}` is routed by a rule without a host condition (port {}); fargate-stack routes each service by its domain: give the rule a host-header condition, then import",
                    listener.port
                )));
            };
            return Ok(Some(Route {
                task,
                listener,
                domain,
                path: path_of(rule),
                group,
                container_port: entry.container_port().unwrap_or_default(),
            }));
        }
    }
    Err(UserError::new(format!(
        "the service `{task}` is reached through the load balancer `{}`'s default action, not a rule; fargate-stack routes each service by its domain: add a host-header rule that forwards to its target group, then import",
        web.alb.name
    )))
}

fn alb(web: &RunningWeb, main: &Route) -> Mapping {
    let https = main.listener.protocol == "HTTPS";
    let redirects = web
        .listeners
        .iter()
        .any(|l| l.port == 80 && l.default_action == "redirect");
    let mut m = map([
        ("arn", web.alb.arn.as_str().into()),
        ("name", web.alb.name.as_str().into()),
        (
            "type",
            if web.alb.scheme == "internal" {
                "private"
            } else {
                "public"
            }
            .into(),
        ),
        ("port", main.listener.port.into()),
    ]);
    if https {
        m.insert("redirect_80".into(), redirects.into());
    }
    m
}

/// A web service's part of its task: type, route, target group, health check.
fn web_task(t: &mut Mapping, s: &RunningService, r: &Route) {
    let https = r.listener.protocol == "HTTPS";
    let mut set = |k: &str, v: Value| {
        t.insert(k.into(), v);
    };
    set("type", if https { "https" } else { "http" }.into());
    set("domain", r.domain.as_str().into());
    if let Some(path) = &r.path {
        set("path", path.as_str().into());
    }
    set("container_port", r.container_port.into());
    if https && let Some(cert) = &r.listener.default_certificate {
        set("certificate_arn", cert.as_str().into());
    }
    let g = r.group;
    set(
        "target_group_name",
        g.target_group_name().unwrap_or_default().into(),
    );
    set(
        "target_group_arn",
        g.target_group_arn().unwrap_or_default().into(),
    );
    let mut h = Mapping::new();
    let mut hc = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            h.insert(k.into(), v);
        }
    };
    hc("path", g.health_check_path().map(Value::from));
    hc(
        "port",
        g.health_check_port()
            .filter(|p| *p != "traffic-port")
            .map(Value::from),
    );
    hc(
        "interval_seconds",
        g.health_check_interval_seconds().map(Value::from),
    );
    hc(
        "timeout_seconds",
        g.health_check_timeout_seconds().map(Value::from),
    );
    hc(
        "healthy_threshold_count",
        g.healthy_threshold_count().map(Value::from),
    );
    hc(
        "unhealthy_threshold_count",
        g.unhealthy_threshold_count().map(Value::from),
    );
    hc(
        "matcher",
        g.matcher().and_then(|m| m.http_code()).map(Value::from),
    );
    set("health_check", h.into());
    if let Some(grace) = s.service.health_check_grace_period_seconds() {
        set("health_check_grace_period", grace.into());
    }
}

/// A scheduled task's part: its schedule, and the rule's and target's
/// names when they are not the ones the stack would give.
fn scheduled_task(
    t: &mut Mapping,
    key: &str,
    rule: &crate::discovery::running::RunningSchedule,
    notes: &mut Vec<String>,
) {
    t.insert("type".into(), "task".into());
    t.insert("schedule".into(), rule.expression.as_str().into());
    if rule.rule != crate::config::spec::schedule_rule_name(key) {
        t.insert("schedule_rule".into(), rule.rule.as_str().into());
    }
    if rule.target_id != crate::config::spec::schedule_target_id(key) {
        t.insert("schedule_target".into(), rule.target_id.as_str().into());
    }
    if rule.task_count != 1 {
        notes.push(format!(
            "tasks.{key}: the rule starts {} tasks a run; the stack's target starts one (a change the plan shows)",
            rule.task_count
        ));
    }
    if crate::resources::task_definition::revision_of(&rule.task_definition).is_none() {
        notes.push(format!(
            "tasks.{key}: the rule runs the family's latest revision (`{}`); the stack's target names a revision (a change the plan shows)",
            rule.task_definition
        ));
    }
}

fn task(app: &str, s: &RunningService, route: Option<&Route>, notes: &mut Vec<String>) -> Mapping {
    let key = name(s);
    let d = &s.definition;
    let c = app_container(s).expect("checked");
    let mut t = Mapping::new();
    let mut set = |k: &str, v: Value| {
        t.insert(k.into(), v);
    };
    set("type", "daemon".into());
    if let Some(r) = route {
        web_task(&mut t, s, r);
    }
    if let Some(rule) = &s.schedule {
        scheduled_task(&mut t, key, rule, notes);
    }
    let mut set = |k: &str, v: Value| {
        t.insert(k.into(), v);
    };
    let container = c.name().unwrap_or_default();
    if container != key {
        set("name", container.into());
    }
    let family = d.family().unwrap_or_default();
    if family != key {
        set("family", family.into());
    }
    set("image", c.image().unwrap_or_default().into());
    for (k, v) in [("cpu", d.cpu()), ("memory", d.memory())] {
        let v = v.unwrap_or_default();
        set(k, v.parse::<u64>().map_or_else(|_| v.into(), Value::from));
    }
    if !c.command().is_empty() {
        set("command", strings(c.command()));
    }
    if !c.environment().is_empty() {
        let env: Mapping = c
            .environment()
            .iter()
            .map(|kv| {
                (
                    kv.name().unwrap_or_default().into(),
                    kv.value().unwrap_or_default().into(),
                )
            })
            .collect();
        set("environment", env.into());
    }
    if !c.secrets().is_empty() {
        let written: Vec<Value> = c
            .secrets()
            .iter()
            .filter_map(|x| match secret_entry(x.value_from(), x.name()) {
                Some(entry) => Some(entry.into()),
                None => {
                    notes.push(format!(
                        "tasks.{key}: the secret `{}` is read from `{}`, not an ARN; write it as an ARN in the task definition, or add it to `secrets` by name",
                        x.name(),
                        x.value_from()
                    ));
                    None
                }
            })
            .collect();
        set("secrets", Value::Sequence(written));
    }
    if let Some(arch) = d
        .runtime_platform()
        .and_then(|p| p.cpu_architecture())
        .map(|a| a.as_str())
    {
        set(
            "arch",
            if arch == "ARM64" { "arm64" } else { "x86_64" }.into(),
        );
    }
    let strategy = s.service.capacity_provider_strategy();
    if strategy
        .iter()
        .any(|c| c.capacity_provider() == "FARGATE_SPOT")
    {
        set("spot", true.into());
        let base = strategy
            .iter()
            .find(|c| c.capacity_provider() == "FARGATE")
            .map_or(0, |c| c.base());
        set("on_demand_base", base.into());
    }
    if s.schedule.is_none() {
        set("desired_count", s.service.desired_count().into());
    }
    let init = c
        .linux_parameters()
        .and_then(|l| l.init_process_enabled())
        .unwrap_or(false);
    if s.service.enable_execute_command() && init {
        set("exec", true.into());
    } else if s.service.enable_execute_command() {
        notes.push(format!(
            "tasks.{key}: the service has ECS Exec on, but its container has no init process; `exec: true` would add one (a change), so it is left out"
        ));
    }
    if let Some(prefix) = c
        .log_configuration()
        .and_then(|l| l.options()?.get("awslogs-stream-prefix").cloned())
        && prefix != app
    {
        set("log_stream_prefix", prefix.into());
    }
    if c.log_configuration().is_none() {
        notes.push(format!(
            "tasks.{key}: the container has no log configuration; the stack's revisions send its logs to the log group"
        ));
    }
    if route.is_none() && !c.port_mappings().is_empty() {
        notes.push(format!(
            "tasks.{key}: the container's port mappings have no place in a daemon's config; a new revision from the config would drop them"
        ));
    }
    if let Some(efs) = efs(d, c) {
        set("efs", efs.into());
    }
    if let Some(a) = autoscaling(s, notes) {
        set("autoscaling", a.into());
    }
    set("arn", d.task_definition_arn().unwrap_or_default().into());
    for what in unexpressed(d, container) {
        notes.push(format!(
            "tasks.{key}: {what} (kept: the plan refuses a new revision that would drop it)"
        ));
    }
    let deployment = s.service.deployment_configuration();
    // The alarms ECS rolls the service back on carry over by name: a
    // redeploy from the config would otherwise turn them off.
    if let Some(alarms) = deployment
        .and_then(|d| d.alarms())
        .filter(|a| a.enable() && !a.alarm_names().is_empty())
    {
        let mut d = serde_yaml::Mapping::new();
        let names: Vec<serde_yaml::Value> = alarms
            .alarm_names()
            .iter()
            .map(|n| n.as_str().into())
            .collect();
        d.insert("alarms".into(), names.into());
        set("deployment", d.into());
        if !alarms.rollback() {
            notes.push(format!(
                "tasks.{key}: the service's alarms only fail a deployment; fargate-stack sends them with rollback on"
            ));
        }
    }
    if let Some(strategy) = deployment
        .and_then(|d| d.strategy())
        .map(|s| s.as_str())
        .filter(|s| *s != "ROLLING")
    {
        notes.push(format!(
            "tasks.{key}: the service deploys with ECS's {strategy} strategy, on target groups and rules of its own; the config's is rolling until `deployment.strategy` says otherwise (the stack then adds its own alternate group and rules)"
        ));
    }
    if let Some(controller) = s
        .service
        .deployment_controller()
        .map(|d| d.r#type().as_str())
        .filter(|t| *t != "ECS")
    {
        notes.push(format!(
            "tasks.{key}: the service's deployments are run by {controller}, not ECS; fargate-stack's update-service and redeploy are ECS deployments"
        ));
    }
    if !s.service.placement_constraints().is_empty() {
        notes.push(format!(
            "tasks.{key}: the service's placement constraints (kept: fargate-stack never sends them)"
        ));
    }
    if !s.service.service_registries().is_empty() {
        notes.push(format!(
            "tasks.{key}: the service's Cloud Map registries (kept: fargate-stack never sends them)"
        ));
    }
    t
}

/// A secret's `valueFrom` as the config writes it: `NAME:ENV`,
/// `NAME#key:ENV` or `ssm:NAME:ENV`; `None` when it is not an ARN.
pub fn secret_entry(value_from: &str, env: &str) -> Option<String> {
    let rest = value_from.strip_prefix("arn:")?;
    let mut parts = rest.splitn(6, ':');
    let (_partition, service, _region, _account, kind) = (
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
        parts.next()?,
    );
    match (service, kind) {
        ("secretsmanager", "secret") => {
            let rest = parts.next()?;
            let (secret, key) = match rest.split_once(':') {
                Some((s, k)) => (s, k.split(':').next().filter(|k| !k.is_empty())),
                None => (rest, None),
            };
            // The ARN ends with `-` and six random characters AWS adds.
            let name = match secret.rsplit_once('-') {
                Some((n, suffix)) if suffix.len() == 6 => n,
                _ => secret,
            };
            Some(match key {
                Some(k) => format!("{name}#{k}:{env}"),
                None => format!("{name}:{env}"),
            })
        }
        ("ssm", parameter) => {
            let path = parameter.strip_prefix("parameter")?;
            let path = match path.strip_prefix('/') {
                Some(p) if p.contains('/') => format!("/{p}"),
                Some(p) => p.to_string(),
                None => return None,
            };
            Some(format!("ssm:{path}:{env}"))
        }
        _ => None,
    }
}

fn efs(
    d: &aws_sdk_ecs::types::TaskDefinition,
    c: &aws_sdk_ecs::types::ContainerDefinition,
) -> Option<Mapping> {
    let mount = c.mount_points().first()?;
    let volume = d
        .volumes()
        .iter()
        .find(|v| v.name() == mount.source_volume())?;
    let e = volume.efs_volume_configuration()?;
    let mut m = map([
        ("id", e.file_system_id().into()),
        ("path", e.root_directory().unwrap_or("/").into()),
        (
            "mount_point",
            mount.container_path().unwrap_or_default().into(),
        ),
        ("readonly", mount.read_only().unwrap_or(false).into()),
    ]);
    // It works today: its mount targets already let the tasks in.
    m.insert("authorize_ingress".into(), false.into());
    Some(m)
}

fn autoscaling(s: &RunningService, notes: &mut Vec<String>) -> Option<Mapping> {
    let target = s.scalable_target.as_ref()?;
    let key = name(s);
    let mut a = map([
        ("min_capacity", target.min_capacity().into()),
        ("max_capacity", target.max_capacity().into()),
    ]);
    let mut tracking = s.scaling_policies.iter().filter_map(|p| {
        let c = p.target_tracking_scaling_policy_configuration()?;
        let metric = match c
            .predefined_metric_specification()?
            .predefined_metric_type()
            .as_str()
        {
            "ECSServiceAverageCPUUtilization" => "cpu",
            "ECSServiceAverageMemoryUtilization" => "memory",
            _ => return None,
        };
        Some((p, c, metric))
    });
    if let Some((p, c, metric)) = tracking.next() {
        a.insert(metric.into(), (c.target_value().round() as i64).into());
        if let Some(out) = c.scale_out_cooldown() {
            a.insert("scale_out_cooldown".into(), out.into());
        }
        if let Some(i) = c.scale_in_cooldown() {
            a.insert("scale_in_cooldown".into(), i.into());
        }
        a.insert("policy_name".into(), p.policy_name().into());
        a.insert("policy_arn".into(), p.policy_arn().into());
    }
    let taken = a
        .get("policy_name")
        .and_then(Value::as_str)
        .map(str::to_string);
    for p in &s.scaling_policies {
        if Some(p.policy_name()) != taken.as_deref() {
            notes.push(format!(
                "tasks.{key}: the scaling policy `{}` (kept: the config describes one target-tracking policy on cpu or memory)",
                p.policy_name()
            ));
        }
    }
    for action in &s.scheduled_actions {
        notes.push(format!(
            "tasks.{key}: the scheduled scaling action `{action}` (kept as it is; `autoscaling.scheduled` entries are the stack's own)"
        ));
    }
    Some(a)
}

fn map<const N: usize>(pairs: [(&str, Value); N]) -> Mapping {
    pairs
        .into_iter()
        .map(|(k, v)| (Value::from(k), v))
        .collect()
}

fn strings(items: &[String]) -> Value {
    Value::Sequence(items.iter().map(|s| s.as_str().into()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_written_by_name() {
        let sm = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-AbC123";
        assert_eq!(secret_entry(sm, "DB").as_deref(), Some("shop/db:DB"));
        assert_eq!(
            secret_entry(&format!("{sm}:password::"), "PW").as_deref(),
            Some("shop/db#password:PW")
        );
        assert_eq!(
            secret_entry(
                "arn:aws:ssm:us-east-1:123456789012:parameter/shop/url",
                "URL"
            )
            .as_deref(),
            Some("ssm:/shop/url:URL")
        );
        assert_eq!(
            secret_entry("arn:aws:ssm:us-east-1:123456789012:parameter/token", "T").as_deref(),
            Some("ssm:token:T")
        );
        assert_eq!(secret_entry("/shop/url", "URL"), None);
    }

    #[test]
    fn the_app_is_named_after_the_cluster() {
        assert_eq!(app_from_cluster("shop-cluster"), "shop");
        assert_eq!(app_from_cluster("shop"), "shop");
        assert_eq!(app_from_cluster("-cluster"), "-cluster");
    }
}

#[cfg(test)]
mod conversion {
    use super::*;
    use crate::discovery::running::RunningService;
    use aws_sdk_ecs::types::{
        AwsVpcConfiguration, Cluster, ContainerDefinition, LaunchType, NetworkConfiguration,
        NetworkMode, Service, TaskDefinition,
    };

    fn service(name: &str, execution_role: &str) -> RunningService {
        RunningService {
            service: Service::builder()
                .service_name(name)
                .launch_type(LaunchType::Fargate)
                .desired_count(2)
                .network_configuration(
                    NetworkConfiguration::builder()
                        .awsvpc_configuration(
                            AwsVpcConfiguration::builder()
                                .subnets("subnet-1")
                                .security_groups("sg-1")
                                .build()
                                .unwrap(),
                        )
                        .build(),
                )
                .build(),
            definition: TaskDefinition::builder()
                .family(format!("{name}-family"))
                .task_definition_arn(format!(
                    "arn:aws:ecs:us-east-1:1:task-definition/{name}-family:3"
                ))
                .network_mode(NetworkMode::Awsvpc)
                .cpu("256")
                .memory("512")
                .execution_role_arn(execution_role)
                .container_definitions(
                    ContainerDefinition::builder()
                        .name(name)
                        .image("nginx:1.27")
                        .essential(true)
                        .build(),
                )
                .build(),
            scalable_target: None,
            scaling_policies: vec![],
            scheduled_actions: vec![],
            schedule: None,
        }
    }

    fn running(services: Vec<RunningService>) -> Running {
        Running {
            cluster: Cluster::builder().cluster_name("shop").build(),
            services,
            log_groups: Default::default(),
            security_groups: Default::default(),
            subnet_vpcs: Default::default(),
            shared: Default::default(),
            others: vec![],
            web: None,
            other_rules: vec![],
        }
    }

    #[test]
    fn a_daemon_keeps_its_names() {
        let r = running(vec![service(
            "api",
            "arn:aws:iam::1:role/service-role/exec",
        )]);
        let c = convert("shop", "1", "us-east-1", &r).unwrap();
        let api = &c.config["tasks"]["api"];
        assert_eq!(api["type"], "daemon");
        assert_eq!(api["family"], "api-family");
        assert_eq!(api["desired_count"], 2);
        assert!(
            api.get("name").is_none(),
            "the container is named like the task"
        );
        assert_eq!(c.config["role"]["name"], "exec");
        assert_eq!(
            c.config["role"]["arn"],
            "arn:aws:iam::1:role/service-role/exec"
        );
        assert_eq!(c.config["subnets"]["private"][0], "subnet-1");
        assert!(
            c.notes.iter().any(|n| n.contains("no task role")),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn services_that_cannot_share_a_config_are_refused() {
        let r = running(vec![
            service("api", "arn:aws:iam::1:role/a"),
            service("jobs", "arn:aws:iam::1:role/b"),
        ]);
        let e = convert("shop", "1", "us-east-1", &r)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`api` and `jobs` use different execution roles"),
            "{e}"
        );
    }
}
