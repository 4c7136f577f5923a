//! `create-stack`: a starter config from clauses such as
//! `daemon:worker image:my-repo env:LOG_LEVEL=info`. Nothing is created in
//! AWS; STS and ECR are asked only to fill in the account and image URIs.

use std::path::PathBuf;

use anyhow::Result;
use serde_yaml::{Mapping, Value};

use crate::aws::{Aws, AwsOptions};
use crate::cli::Global;
use crate::config::schedule;
use crate::config::spec::{ImageRef, valid_app_name};
use crate::config::writeback::write_atomic;
use crate::discovery::{self, images};
use crate::error::UserError;
use crate::settings::Settings;

const TYPES: &[&str] = &["daemon", "task", "scheduled", "http", "https"];

#[derive(Debug, Default, PartialEq)]
pub struct Clause {
    pub kind: String,
    pub name: String,
    pub image: Option<String>,
    pub schedule: Option<String>,
    pub domain: Option<String>,
    pub env: Vec<(String, String)>,
    pub autoscaling: Option<(String, Option<u32>)>,
    pub waf: Option<String>,
}

fn task_start(arg: &str) -> Option<(String, String)> {
    let (kind, name) = arg.split_once(':')?;
    TYPES
        .contains(&kind)
        .then(|| (kind.to_string(), name.to_string()))
}

/// Splits arguments into the app name and task clauses.
pub fn parse(args: &[String]) -> Result<(String, Vec<Clause>), UserError> {
    let mut args = args.iter().peekable();
    let first = args.peek().map(|s| s.as_str()).unwrap_or_default();
    let app = match task_start(first) {
        Some((_, name)) => {
            tracing::warn!("no app name given; using the first task's name `{name}`");
            name
        }
        None => {
            args.next();
            first.to_string()
        }
    };
    if !valid_app_name(&app) {
        return Err(UserError::new(format!(
            "`{app}` is not a valid app name; use only lower-case letters, digits, `-` and `_`"
        )));
    }
    let mut clauses: Vec<Clause> = Vec::new();
    for arg in args {
        if let Some((kind, name)) = task_start(arg) {
            if name.is_empty() {
                return Err(UserError::new(format!(
                    "`{arg}`: give the task a name, as in `{kind}:worker`"
                )));
            }
            clauses.push(Clause {
                kind,
                name,
                ..Default::default()
            });
            continue;
        }
        let Some(c) = clauses.last_mut() else {
            return Err(UserError::new(format!(
                "`{arg}`: start each task with TYPE:NAME, where TYPE is one of {}",
                TYPES.join(", ")
            )));
        };
        let (key, value) = arg.split_once(':').ok_or_else(|| {
            UserError::new(format!(
                "`{arg}` is not a clause; clauses look like `image:my-repo` or `env:KEY=VALUE`"
            ))
        })?;
        match key {
            "image" => c.image = Some(value.to_string()),
            "schedule" => c.schedule = Some(value.to_string()),
            "domain" => c.domain = Some(value.to_string()),
            "env" | "environment" => {
                let (k, v) = value.split_once('=').ok_or_else(|| {
                    UserError::new(format!(
                        "`{arg}`: write environment variables as `env:KEY=VALUE`"
                    ))
                })?;
                c.env.push((k.trim().to_string(), v.trim().to_string()));
            }
            "autoscaling" => {
                let (metric, n) = match value.split_once('=') {
                    Some((m, n)) => (
                        m,
                        Some(n.parse::<u32>().map_err(|_| {
                            UserError::new(format!("`{arg}`: `{n}` is not a whole number"))
                        })?),
                    ),
                    None => (value, None),
                };
                if metric != "cpu" && metric != "requests" {
                    return Err(UserError::new(format!(
                        "`{arg}`: the autoscaling metric is `cpu` or `requests`"
                    )));
                }
                c.autoscaling = Some((metric.to_string(), n));
            }
            "waf" => c.waf = Some(value.to_string()),
            other => {
                return Err(UserError::new(format!(
                    "`{arg}`: unknown clause `{other}`; use image, schedule, domain, env, autoscaling or waf"
                )));
            }
        }
    }
    if clauses.is_empty() {
        return Err(UserError::new(
            "no tasks given; add at least one clause such as `daemon:worker image:my-repo`",
        ));
    }
    for c in &clauses {
        let who = format!("{}:{}", c.kind, c.name);
        if c.image.as_deref().is_none_or(str::is_empty) {
            return Err(UserError::new(format!(
                "{who}: every task needs an image; add `image:REPOSITORY[:TAG]`"
            )));
        }
        if c.kind == "scheduled" && c.schedule.is_none() {
            return Err(UserError::new(format!(
                "{who}: a scheduled task needs `schedule:cron(...)` or `schedule:rate(...)`"
            )));
        }
        if let Some(s) = &c.schedule {
            schedule::validate(s).map_err(|m| UserError::new(format!("{who}: {m}")))?;
        }
        if c.kind.starts_with("http") && c.domain.is_none() {
            return Err(UserError::new(format!(
                "{who}: http and https services need `domain:NAME`"
            )));
        }
        if let Some((metric, _)) = &c.autoscaling {
            if !matches!(c.kind.as_str(), "daemon" | "http" | "https") {
                return Err(UserError::new(format!(
                    "{who}: autoscaling is for daemon and http services"
                )));
            }
            if metric == "requests" && !c.kind.starts_with("http") {
                return Err(UserError::new(format!(
                    "{who}: scaling on requests needs an http service"
                )));
            }
        }
        if c.waf.is_some() && c.kind != "https" {
            return Err(UserError::new(format!("{who}: waf is for https services")));
        }
    }
    Ok((app, clauses))
}

/// Where create-stack puts the config's JSON Schema, relative to the config.
pub const SCHEMA_FILE: &str = ".fargatestack/config.schema.json";

/// Where a command that writes a new config puts it (`-c FILE`, else
/// `<app>.yml`): never over an existing file without `--force`.
pub fn new_config_path(settings: &Settings, global: &Global, app: &str) -> Result<PathBuf> {
    let path = global
        .config
        .clone()
        .unwrap_or_else(|| format!("{app}.yml").into());
    if path.exists() && !settings.force {
        return Err(UserError::new(format!(
            "{} already exists; pass --force to overwrite it (a backup is kept as {}.bak), or -c another file",
            path.display(),
            path.display()
        ))
        .into());
    }
    Ok(path)
}

pub async fn run(settings: &Settings, global: &Global, args: &[String]) -> Result<u8> {
    let (app, clauses) = parse(args)?;
    let path = new_config_path(settings, global, &app)?;

    let opts = AwsOptions {
        profile: settings
            .profile(None)
            .or_else(|| std::env::var("AWS_PROFILE").ok()),
        region: settings.region(None),
        route53_profile: settings.route53_profile.clone(),
    };
    let aws = Aws::connect(&opts).await;
    let id = discovery::identity(&aws, None).await?;

    let mut tasks = Mapping::new();
    let mut alb = Mapping::new();
    let mut domain = None;
    for c in &clauses {
        let image = ImageRef::parse(c.image.as_deref().unwrap_or_default());
        let resolved = images::resolve(&aws, &id, &image, None).await?;
        let mut t = Mapping::new();
        let kind = if c.kind == "scheduled" {
            "task"
        } else {
            c.kind.as_str()
        };
        t.insert("type".into(), kind.into());
        t.insert("image".into(), resolved.uri.into());
        if let Some(s) = &c.schedule {
            t.insert("schedule".into(), s.as_str().into());
        }
        if !c.env.is_empty() {
            let env: Mapping = c
                .env
                .iter()
                .map(|(k, v)| (Value::from(k.as_str()), Value::from(v.as_str())))
                .collect();
            t.insert("environment".into(), env.into());
        }
        if let Some((metric, n)) = &c.autoscaling {
            let mut a = Mapping::new();
            let default = if metric == "cpu" { 60 } else { 500 };
            a.insert(metric.as_str().into(), n.unwrap_or(default).into());
            for (k, v) in [
                ("min_capacity", 1),
                ("max_capacity", 2),
                ("scale_out_cooldown", 60),
                ("scale_in_cooldown", 300),
            ] {
                a.insert(k.into(), v.into());
            }
            t.insert("autoscaling".into(), a.into());
        }
        if let Some(waf) = &c.waf {
            let rules: Vec<Value> = if matches!(waf.as_str(), "true" | "enabled" | "default") {
                vec!["default".into()]
            } else {
                waf.split(',').map(|r| r.trim().into()).collect()
            };
            let mut w = Mapping::new();
            w.insert("enabled".into(), true.into());
            w.insert("managed_rules".into(), rules.into());
            alb.insert("waf".into(), w.into());
        }
        // The first web service's domain is the stack's (the original's
        // key); a service on another domain names its own.
        match (&c.domain, &domain) {
            (Some(d), None) => domain = Some(d.clone()),
            (Some(d), Some(first)) if d != first => {
                t.insert("domain".into(), d.as_str().into());
            }
            _ => {}
        }
        tasks.insert(c.name.as_str().into(), t.into());
    }

    let mut root = Mapping::new();
    let mut app_map = Mapping::new();
    app_map.insert("name".into(), app.as_str().into());
    root.insert("app".into(), app_map.into());
    root.insert("account".into(), id.account.as_str().into());
    root.insert("region".into(), id.region.as_str().into());
    // Only a profile the user named: writing `default` would later override AWS_PROFILE.
    if let Some(p) = &opts.profile {
        root.insert("profile".into(), p.as_str().into());
    }
    if let Some(r) = &settings.route53_profile {
        root.insert("route53_profile".into(), r.as_str().into());
    }
    if let Some(d) = domain {
        root.insert("domain".into(), d.into());
    }
    if !alb.is_empty() {
        root.insert("alb".into(), alb.into());
    }
    root.insert("tasks".into(), tasks.into());
    let body = serde_yaml::to_string(&Value::Mapping(root))?;
    let text = format!(
        "# yaml-language-server: $schema={SCHEMA_FILE}\n# fargate-stack config for `{app}`, written by `fargate-stack create-stack`.\n# `plan` and `apply` add what they discover and create; your comments are kept.\n{body}"
    );
    settings.out.document(&text);
    if settings.update {
        // The schema beside the config, where the first line points
        // editors (a path relative to the config file).
        let schema = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."))
            .join(SCHEMA_FILE);
        if let Some(dir) = schema.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_atomic(
            &schema,
            &serde_json::to_string_pretty(&super::meta::schema_json())?,
            false,
        )?;
        write_atomic(&path, &text, true)?;
        tracing::info!(
            "wrote {}; next: fargate-stack plan -c {}",
            path.display(),
            path.display()
        );
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn parses_clauses_and_keeps_every_env() {
        let (app, c) = parse(&args(
            "my-app daemon:web image:nginx env:A=1 env:B=2 task:job image:busybox",
        ))
        .unwrap();
        assert_eq!(app, "my-app");
        assert_eq!(c.len(), 2);
        assert_eq!(
            c[0].env,
            [("A".into(), "1".into()), ("B".into(), "2".into())]
        );
        assert_eq!(c[1].image.as_deref(), Some("busybox"));
    }

    #[test]
    fn app_name_defaults_to_first_task() {
        let (app, _) = parse(&args("daemon:worker image:x")).unwrap();
        assert_eq!(app, "worker");
    }

    #[test]
    fn rejects_bad_clauses() {
        for bad in [
            "My-App daemon:x image:y",
            "app daemon:x",
            "app image:y",
            "app scheduled:x image:y",
            "app scheduled:x image:y schedule:cron(1)",
            "app https:x image:y",
            "app task:x image:y autoscaling:cpu",
            "app daemon:x image:y color:blue",
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad}");
        }
    }
}
