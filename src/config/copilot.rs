//! An AWS Copilot workspace as a fargate-stack config: `copilot/.workspace`
//! names the app, each `copilot/<service>/manifest.yml` becomes a task
//! (with `environments.<env>` applied for `--env`). Pure: files in, YAML
//! and the list of what has no equivalent out; no AWS call.
//!
//! Copilot's manifest reference: https://aws.github.io/copilot-cli/docs/manifest/overview/

use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use super::all_errors::KeyLines;
use crate::error::UserError;

/// The config, and one line for each manifest key with no equivalent and
/// each workload not converted.
pub struct Converted {
    pub app: String,
    pub config: Mapping,
    pub notes: Vec<String>,
}

/// A manifest's keys that have a place in the config (a key's children
/// included); every other key is listed as not converted.
const MAPPED: &[&str] = &[
    "name",
    "type",
    "image.location",
    "image.build",
    "image.port",
    "cpu",
    "memory",
    "count",
    "platform",
    "variables",
    "secrets",
    "command",
    "storage.volumes",
    "environments",
    "http.path",
    "http.alias",
    "http.healthcheck",
    "http.deregistration_delay",
    "subscribe.queue.retention",
    "subscribe.queue.timeout",
    "subscribe.queue.delay",
    "subscribe.queue.dead_letter.tries",
    "on.schedule",
    "exec",
    "deployment.rollback_alarms",
];

pub fn convert(dir: &Path, env: Option<&str>) -> Result<Converted, UserError> {
    let root = if dir.join("copilot").is_dir() {
        dir.join("copilot")
    } else {
        dir.to_path_buf()
    };
    let workspace = root.join(".workspace");
    let text = std::fs::read_to_string(&workspace).map_err(|_| {
        UserError::new(format!(
            "{}: no Copilot workspace here (no copilot/.workspace); pass the directory that holds `copilot/`",
            dir.display()
        ))
    })?;
    let ws: Value = serde_yaml::from_str(&text)
        .map_err(|e| UserError::new(format!("{}: {e}", workspace.display())))?;
    let app = app_name(ws["application"].as_str().unwrap_or("app"));
    let mut notes = Vec::new();
    let mut manifests: Vec<PathBuf> = std::fs::read_dir(&root)
        .map_err(|e| UserError::new(format!("{}: {e}", root.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("manifest.yml").is_file())
        .collect();
    manifests.sort();
    if root.join("pipelines").is_dir() || root.join("pipeline.yml").is_file() {
        notes.push(format!(
            "{}: pipelines are not converted (fargate-stack has no pipelines; run `apply` from your CI)",
            root.join("pipelines").display()
        ));
    }
    let certificates = env
        .map(|e| environment_certificates(&root, e))
        .unwrap_or_default();
    let mut tasks = Mapping::new();
    let mut queue: Option<Mapping> = None;
    for dir in manifests {
        if dir.file_name().is_some_and(|n| n == "environments") {
            continue;
        }
        let file = dir.join("manifest.yml");
        let text = std::fs::read_to_string(&file)
            .map_err(|e| UserError::new(format!("{}: {e}", file.display())))?;
        let mut m: Value = serde_yaml::from_str(&text)
            .map_err(|e| UserError::new(format!("{}: not valid YAML: {e}", file.display())))?;
        if let Some(env) = env {
            let over = m["environments"][env].clone();
            if !over.is_null() {
                merge(&mut m, over);
            }
        }
        let lines = KeyLines::of(&text);
        let at = |key: &str| match lines.line(key) {
            Some(n) => format!("{}:{n}", file.display()),
            None => file.display().to_string(),
        };
        let name = m["name"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| dir.file_name().unwrap_or_default().to_string_lossy().into());
        let kind = m["type"].as_str().unwrap_or_default().to_string();
        let key = task_key(&name);
        let task = match kind.as_str() {
            "Load Balanced Web Service"
            | "Backend Service"
            | "Worker Service"
            | "Scheduled Job" => task(
                &m,
                &kind,
                &key,
                &certificates,
                &mut queue,
                &app,
                &at,
                &mut notes,
            ),
            "Request-Driven Web Service" => {
                notes.push(format!(
                    "{}: `{name}` is a Request-Driven Web Service (App Runner), not ECS: not converted",
                    at("type")
                ));
                continue;
            }
            "Static Site" => {
                notes.push(format!(
                    "{}: `{name}` is a Static Site (S3 and CloudFront): not converted",
                    at("type")
                ));
                continue;
            }
            other => {
                notes.push(format!(
                    "{}: `{name}` has type `{other}`, which is not converted",
                    at("type")
                ));
                continue;
            }
        };
        for key in unmapped(&m, "") {
            notes.push(format!(
                "{}: `{key}` has no equivalent; not converted",
                at(&key)
            ));
        }
        tasks.insert(key.into(), Value::Mapping(task));
    }
    if tasks.is_empty() {
        return Err(UserError::new(format!(
            "{}: no service or job to convert{}",
            root.display(),
            if notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", notes.join("; "))
            }
        )));
    }
    let mut config = Mapping::new();
    let mut app_map = Mapping::new();
    app_map.insert("name".into(), app.as_str().into());
    config.insert("app".into(), app_map.into());
    if let Some(q) = queue {
        config.insert("queue".into(), Value::Mapping(q));
    }
    // Copilot's records still serve the domains: the new stack is built
    // beside them and takes them over only when told (docs/migrating.md).
    if tasks.values().any(|t| t.get("domain").is_some()) {
        let mut route53 = Mapping::new();
        route53.insert("keep_existing".into(), true.into());
        config.insert("route53".into(), Value::Mapping(route53));
    }
    config.insert("tasks".into(), Value::Mapping(tasks));
    Ok(Converted { app, config, notes })
}

/// One workload as a task.
#[allow(clippy::too_many_arguments)]
fn task(
    m: &Value,
    kind: &str,
    key: &str,
    certificates: &[String],
    queue: &mut Option<Mapping>,
    app: &str,
    at: &dyn Fn(&str) -> String,
    notes: &mut Vec<String>,
) -> Mapping {
    let mut t = Mapping::new();
    let web = kind == "Load Balanced Web Service";
    let job = kind == "Scheduled Job";
    let aliases = strings(&m["http"]["alias"]);
    t.insert(
        "type".into(),
        match (web, job) {
            (true, _) => "https",
            (_, true) => "task",
            _ => "daemon",
        }
        .into(),
    );
    match m["image"]["location"].as_str() {
        Some(image) => {
            t.insert("image".into(), image.into());
        }
        None => notes.push(format!(
            "{}: `{key}` builds its image (`image.build`); push it to ECR and set `tasks.{key}.image`",
            at("image")
        )),
    }
    for field in ["cpu", "memory"] {
        if let Some(n) = m[field].as_u64() {
            t.insert(field.into(), n.into());
        }
    }
    if let Some(port) = m["image"]["port"].as_u64().filter(|_| web) {
        t.insert("container_port".into(), port.into());
    }
    if platform_is_arm(&m["platform"]) {
        t.insert("arch".into(), "arm64".into());
    }
    if let Some(command) = command(&m["command"]) {
        t.insert("command".into(), command);
    }
    if let Some(vars) = m["variables"].as_mapping().filter(|v| !v.is_empty()) {
        let env: Mapping = vars
            .iter()
            .map(|(k, v)| (k.clone(), Value::from(scalar(v))))
            .collect();
        t.insert("environment".into(), env.into());
    }
    let secrets: Vec<Value> = m["secrets"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(k, v)| {
            let env = k.as_str()?;
            let entry = match v {
                Value::String(param) => Some(format!("ssm:{param}:{env}")),
                Value::Mapping(_) => v["secretsmanager"].as_str().map(|s| {
                    // `name:json-key::` picks one key of a JSON secret.
                    match s.split_once(':') {
                        Some((name, rest)) if !rest.trim_matches(':').is_empty() => {
                            format!("{name}#{}:{env}", rest.trim_matches(':'))
                        }
                        _ => format!("{}:{env}", s.trim_end_matches(':')),
                    }
                }),
                _ => None,
            };
            if entry.is_none() {
                notes.push(format!(
                    "{}: secret `{env}` ({}) has no equivalent; not converted",
                    at(&format!("secrets.{env}")),
                    serde_yaml::to_string(v).unwrap_or_default().trim()
                ));
            }
            entry.map(Value::from)
        })
        .collect();
    if !secrets.is_empty() {
        t.insert("secrets".into(), secrets.into());
    }
    // ECS Exec, on (a mapping is Copilot's own command settings).
    if m["exec"].as_bool() == Some(true) || m["exec"].is_mapping() {
        t.insert("exec".into(), true.into());
    }
    if let Some(alarms) = rollback_alarms(&m["deployment"]["rollback_alarms"], key, at, notes) {
        let mut deployment = Mapping::new();
        deployment.insert("alarms".into(), alarms);
        t.insert("deployment".into(), deployment.into());
    }
    count(m, &mut t, web, at, notes);
    volumes(m, &mut t, at, notes);
    if web {
        web_service(m, &mut t, &aliases, certificates, at, notes);
    }
    if kind == "Worker Service" {
        worker_queue(m, queue, app, key, at, notes);
    }
    if job {
        match m["on"]["schedule"].as_str().map(schedule) {
            Some(Ok(s)) => {
                t.insert("schedule".into(), s.into());
            }
            Some(Err(why)) => notes.push(format!("{}: {why}", at("on.schedule"))),
            None => notes.push(format!("{}: `{key}` has no `on.schedule`", at("on"))),
        }
    }
    t
}

/// `deployment.rollback_alarms`: a list names existing alarms, which carry
/// over; a mapping asks Copilot to make alarms on the service's CPU, memory
/// or queue, which live in Copilot's stacks and go with them.
fn rollback_alarms(
    v: &Value,
    key: &str,
    at: &dyn Fn(&str) -> String,
    notes: &mut Vec<String>,
) -> Option<Value> {
    match v {
        Value::Sequence(_) => Some(strings(v).into_iter().map(Value::from).collect()),
        Value::Mapping(m) => {
            let made: Vec<&str> = m.keys().filter_map(|k| k.as_str()).collect();
            notes.push(format!(
                "{}: Copilot makes the alarms ({}) in its own stacks, which go when they are deleted; not converted: use `tasks.{key}.deployment.alarms` (`http_5xx_percent`, `unhealthy_hosts`, or an alarm's name)",
                at("deployment.rollback_alarms"),
                made.join(", ")
            ));
            None
        }
        _ => None,
    }
}

fn web_service(
    m: &Value,
    t: &mut Mapping,
    aliases: &[String],
    certificates: &[String],
    at: &dyn Fn(&str) -> String,
    notes: &mut Vec<String>,
) {
    match aliases.first() {
        Some(domain) => {
            t.insert("domain".into(), domain.as_str().into());
            for extra in &aliases[1..] {
                notes.push(format!(
                    "{}: alias `{extra}` not converted (a service answers one domain here)",
                    at("http.alias")
                ));
            }
        }
        None => notes.push(format!(
            "{}: no `http.alias`: Copilot served this on the load balancer's own name; add `domain:` to the task (https needs one)",
            at("http")
        )),
    }
    match certificates.first() {
        Some(cert) if cert.starts_with("arn:") => {
            t.insert("certificate_arn".into(), cert.as_str().into());
        }
        Some(cert) => notes.push(format!(
            "the environment's certificate `{cert}` is not an ARN (a variable Copilot fills in?); apply finds or requests one for the domain"
        )),
        None => {}
    }
    if let Some(path) = m["http"]["path"].as_str() {
        let path = path.trim_matches('/');
        if !path.is_empty() {
            t.insert("path".into(), format!("/{path}/*").into());
        }
    }
    let hc = &m["http"]["healthcheck"];
    let mut health = Mapping::new();
    if let Some(p) = hc.as_str().or_else(|| hc["path"].as_str()) {
        health.insert("path".into(), p.into());
    }
    for (from, to) in [
        ("healthy_threshold", "healthy_threshold_count"),
        ("unhealthy_threshold", "unhealthy_threshold_count"),
    ] {
        if let Some(n) = hc[from].as_u64() {
            health.insert(to.into(), n.into());
        }
    }
    for (from, to) in [
        ("interval", "interval_seconds"),
        ("timeout", "timeout_seconds"),
    ] {
        if let Some(s) = hc[from].as_str().and_then(seconds) {
            health.insert(to.into(), s.into());
        }
    }
    if let Some(codes) = hc["success_codes"].as_str() {
        health.insert("matcher".into(), codes.into());
    }
    if !health.is_empty() {
        t.insert("health_check".into(), health.into());
    }
    if let Some(s) = hc["grace_period"].as_str().and_then(seconds) {
        t.insert("health_check_grace_period".into(), s.into());
    }
}

/// `count`: a number, or a range with the metrics to track (autoscaling),
/// and `spot`.
fn count(
    m: &Value,
    t: &mut Mapping,
    web: bool,
    at: &dyn Fn(&str) -> String,
    notes: &mut Vec<String>,
) {
    let c = &m["count"];
    if let Some(n) = c.as_u64() {
        t.insert("desired_count".into(), n.into());
        return;
    }
    if c["spot"].as_u64().is_some() {
        t.insert("spot".into(), true.into());
    }
    let range = &c["range"];
    let (min, max) = match range.as_str() {
        Some(r) => match r.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u64>().ok(), b.trim().parse::<u64>().ok()),
            None => (None, None),
        },
        None => (range["min"].as_u64(), range["max"].as_u64()),
    };
    let (Some(min), Some(max)) = (min, max) else {
        return;
    };
    let mut a = Mapping::new();
    a.insert("min_capacity".into(), min.into());
    a.insert("max_capacity".into(), max.into());
    let metrics: Vec<(&str, u64)> = [
        ("cpu_percentage", "cpu"),
        ("memory_percentage", "memory"),
        ("requests", "requests"),
    ]
    .into_iter()
    .filter_map(|(from, to)| {
        let v = &c[from];
        Some((to, v.as_u64().or_else(|| v["value"].as_u64())?))
    })
    .filter(|(to, _)| *to != "requests" || web)
    .collect();
    if let Some((metric, target)) = metrics.first() {
        a.insert((*metric).into(), (*target).into());
    }
    for (metric, _) in metrics.iter().skip(1) {
        notes.push(format!(
            "{}: scaling on `{metric}` as well not converted (one metric is tracked here)",
            at("count")
        ));
    }
    t.insert("desired_count".into(), min.into());
    t.insert("autoscaling".into(), a.into());
}

/// The first EFS volume (a task mounts one here).
fn volumes(m: &Value, t: &mut Mapping, at: &dyn Fn(&str) -> String, notes: &mut Vec<String>) {
    let Some(volumes) = m["storage"]["volumes"].as_mapping() else {
        return;
    };
    let mut used = false;
    for (name, v) in volumes {
        let name = name.as_str().unwrap_or_default();
        let id = v["efs"]["id"].as_str();
        match id {
            Some(id) if !used => {
                used = true;
                let mut efs = Mapping::new();
                efs.insert("id".into(), id.into());
                if let Some(root) = v["efs"]["root_dir"].as_str() {
                    efs.insert("path".into(), root.into());
                }
                if let Some(path) = v["path"].as_str() {
                    efs.insert("mount_point".into(), path.into());
                }
                if let Some(ro) = v["read_only"].as_bool() {
                    efs.insert("readonly".into(), ro.into());
                }
                t.insert("efs".into(), efs.into());
            }
            _ => notes.push(format!(
                "{}: volume `{name}` not converted ({})",
                at(&format!("storage.volumes.{name}")),
                if id.is_some() {
                    "a task mounts one EFS file system here"
                } else {
                    "only an existing EFS file system, by `efs.id`, is"
                }
            )),
        }
    }
}

fn worker_queue(
    m: &Value,
    queue: &mut Option<Mapping>,
    app: &str,
    key: &str,
    at: &dyn Fn(&str) -> String,
    notes: &mut Vec<String>,
) {
    if queue.is_some() {
        notes.push(format!(
            "{}: `{key}`'s queue not converted (a stack has one queue here)",
            at("subscribe")
        ));
        return;
    }
    let q = &m["subscribe"]["queue"];
    let mut out = Mapping::new();
    out.insert("name".into(), format!("{app}-{key}-queue").into());
    for (from, to) in [
        ("retention", "message_retention_period"),
        ("timeout", "visibility_timeout"),
        ("delay", "delay_seconds"),
    ] {
        if let Some(s) = q[from].as_str().and_then(seconds) {
            out.insert(to.into(), s.into());
        }
    }
    if let Some(n) = q["dead_letter"]["tries"].as_u64() {
        out.insert("max_receive_count".into(), n.into());
    }
    *queue = Some(out);
}

/// Copilot's schedules as EventBridge's: `@daily`, `@every 1h30m`, and
/// five-field cron (day of week 0-6 from Sunday; EventBridge counts 1-7
/// and wants `?` in one of the two day fields).
pub fn schedule(s: &str) -> Result<String, String> {
    let s = s.trim();
    let fixed = match s {
        "@yearly" | "@annually" => Some("cron(0 0 1 1 ? *)"),
        "@monthly" => Some("cron(0 0 1 * ? *)"),
        "@weekly" => Some("cron(0 0 ? * SUN *)"),
        "@daily" | "@midnight" => Some("cron(0 0 * * ? *)"),
        "@hourly" => Some("cron(0 * * * ? *)"),
        _ => None,
    };
    if let Some(f) = fixed {
        return Ok(f.into());
    }
    if let Some(every) = s.strip_prefix("@every ") {
        let minutes = seconds(every).map(|s| s / 60).filter(|m| *m > 0);
        return match minutes {
            Some(1) => Ok("rate(1 minute)".into()),
            Some(m) if m % 1440 == 0 => Ok(rate(m / 1440, "day")),
            Some(m) if m % 60 == 0 => Ok(rate(m / 60, "hour")),
            Some(m) => Ok(rate(m, "minute")),
            None => Err(format!(
                "`{s}`: not a duration EventBridge can run (a minute or more)"
            )),
        };
    }
    let fields: Vec<&str> = s.split_whitespace().collect();
    let [minute, hour, dom, month, dow] = fields.as_slice() else {
        return Err(format!(
            "`{s}` is not a schedule Copilot writes (@daily, @every 1h, five-field cron)"
        ));
    };
    let dow = if *dow == "*" {
        "?".to_string()
    } else {
        dow.split(',')
            .map(|d| match d.parse::<u8>() {
                Ok(n) if n <= 7 => (n % 7 + 1).to_string(),
                _ => d.to_ascii_uppercase(),
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let dom = if dow == "?" { *dom } else { "?" };
    Ok(format!("cron({minute} {hour} {dom} {month} {dow} *)"))
}

fn rate(n: u64, unit: &str) -> String {
    format!("rate({n} {unit}{})", if n == 1 { "" } else { "s" })
}

/// `30s`, `5m`, `1h30m`, `2d` (Go durations, and a bare number of seconds)
/// in seconds.
fn seconds(text: &str) -> Option<u64> {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return Some(n);
    }
    let mut total = 0;
    let mut number = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: u64 = number.parse().ok()?;
        number.clear();
        total += n * match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
    }
    number.is_empty().then_some(total)
}

/// The certificates an environment's manifest gives its load balancer.
fn environment_certificates(root: &Path, env: &str) -> Vec<String> {
    let file = root.join("environments").join(env).join("manifest.yml");
    std::fs::read_to_string(file)
        .ok()
        .and_then(|t| serde_yaml::from_str::<Value>(&t).ok())
        .map(|v| strings(&v["http"]["public"]["certificates"]))
        .unwrap_or_default()
}

/// `environments.<env>` over the manifest: maps merge, the rest replaces.
fn merge(base: &mut Value, over: Value) {
    match (base, over) {
        (Value::Mapping(b), Value::Mapping(o)) => {
            for (k, v) in o {
                match b.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (b, o) => *b = o,
    }
}

/// Every key (dotted) not in `MAPPED` and under none of its entries.
fn unmapped(v: &Value, prefix: &str) -> Vec<String> {
    let Some(map) = v.as_mapping() else {
        return vec![];
    };
    let mut out = Vec::new();
    for (k, child) in map {
        let Some(k) = k.as_str() else { continue };
        let path = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        if MAPPED.contains(&path.as_str()) {
            continue;
        }
        let inner = format!("{path}.");
        if MAPPED.iter().any(|m| m.starts_with(&inner)) && child.is_mapping() {
            out.extend(unmapped(child, &path));
        } else {
            out.push(path);
        }
    }
    out
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Sequence(items) => items
            .iter()
            .filter_map(|i| {
                i.as_str()
                    .or_else(|| i["name"].as_str())
                    .map(str::to_string)
            })
            .collect(),
        _ => vec![],
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn command(v: &Value) -> Option<Value> {
    match v {
        Value::String(s) => Some(s.as_str().into()),
        Value::Sequence(items) => Some(Value::Sequence(items.clone())),
        _ => None,
    }
}

fn platform_is_arm(v: &Value) -> bool {
    let text = v
        .as_str()
        .map(str::to_string)
        .or_else(|| v["architecture"].as_str().map(str::to_string))
        .unwrap_or_default();
    text.contains("arm")
}

/// A name fargate-stack accepts for the app: lower-case letters, digits,
/// `-` and `_`.
fn app_name(name: &str) -> String {
    name.to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// A task key (it becomes the family and service name).
fn task_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_become_eventbridges() {
        for (copilot, eventbridge) in [
            ("@daily", "cron(0 0 * * ? *)"),
            ("@weekly", "cron(0 0 ? * SUN *)"),
            ("@every 1h30m", "rate(90 minutes)"),
            ("@every 2h", "rate(2 hours)"),
            ("@every 24h", "rate(1 day)"),
            ("@every 1m", "rate(1 minute)"),
            ("0 9 * * 1", "cron(0 9 ? * 2 *)"),
            ("30 2 1 * *", "cron(30 2 1 * ? *)"),
            ("0 9 * * MON-FRI", "cron(0 9 ? * MON-FRI *)"),
        ] {
            assert_eq!(schedule(copilot).unwrap(), eventbridge, "{copilot}");
            crate::config::schedule::validate(eventbridge).unwrap();
        }
        assert!(schedule("@every 30s").is_err());
        assert!(schedule("every day").is_err());
    }

    #[test]
    fn rollback_alarms_carry_over_by_name_only() {
        let at = |k: &str| format!("m.yml: {k}");
        let mut notes = vec![];
        let names: Value = serde_yaml::from_str("[api-5xx, api-latency]").unwrap();
        assert_eq!(
            rollback_alarms(&names, "api", &at, &mut notes),
            Some(serde_yaml::from_str("[api-5xx, api-latency]").unwrap())
        );
        let made: Value = serde_yaml::from_str("{cpu_utilization: 70}").unwrap();
        assert_eq!(rollback_alarms(&made, "api", &at, &mut notes), None);
        assert!(
            notes[0].contains("(cpu_utilization)")
                && notes[0].contains("tasks.api.deployment.alarms"),
            "{notes:?}"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(seconds("1h30m"), Some(5400));
        assert_eq!(seconds("30s"), Some(30));
        assert_eq!(seconds("4d"), Some(345_600));
        assert_eq!(seconds("x"), None);
    }
}
