//! `import`: a config from what a user runs today. From running ECS
//! services (`--cluster`, `--service`), read from AWS and written with
//! every name as it is; from an AWS Copilot workspace (`--from-copilot`),
//! converted without an AWS call.

use std::path::Path;

use anyhow::Result;
use serde_yaml::Value;

use crate::aws::{Aws, AwsOptions, AwsResultExt};
use crate::cli::{Global, ImportArgs};
use crate::config::copilot;
use crate::config::writeback::write_atomic;
use crate::discovery::running::Running;
use crate::settings::{Settings, say};

/// Running services as a config (pure).
mod from_running;

pub async fn run(settings: &Settings, global: &Global, args: &ImportArgs) -> Result<u8> {
    match &args.from_copilot {
        Some(dir) => from_copilot(settings, global, dir, args.env.as_deref()),
        None => from_services(settings, global, args).await,
    }
}

fn from_copilot(settings: &Settings, global: &Global, dir: &Path, env: Option<&str>) -> Result<u8> {
    let converted = copilot::convert(dir, env)?;
    let path = super::create_stack::new_config_path(settings, global, &converted.app)?;
    let header = header(
        &format!(
            "fargate-stack config for `{}`, written by `fargate-stack import --from-copilot {}{}`",
            converted.app,
            dir.display(),
            env.map(|e| format!(" --env {e}")).unwrap_or_default()
        ),
        "Not converted (no equivalent here; see docs/migrating.md)",
        &converted.notes,
    );
    let text = header + &serde_yaml::to_string(&Value::Mapping(converted.config))?;
    for n in &converted.notes {
        settings.out.note(n.clone());
    }
    if !settings.update {
        settings.out.document(&text);
        return Ok(0);
    }
    write_atomic(&path, &text, true)?;
    say!(
        settings,
        "wrote {} ({} not converted); next: fargate-stack plan -c {}",
        path.display(),
        converted.notes.len(),
        path.display()
    );
    Ok(0)
}

/// The comment a written config starts with: where it came from, and what
/// it cannot say.
fn header(origin: &str, left_out: &str, notes: &[String]) -> String {
    let mut header = format!("# {origin}.\n");
    if !notes.is_empty() {
        header.push_str(&format!("#\n# {left_out}:\n"));
        for n in notes {
            header.push_str(&format!("#   {n}\n"));
        }
        header.push_str("#\n");
    }
    header
}

async fn from_services(settings: &Settings, global: &Global, args: &ImportArgs) -> Result<u8> {
    let cluster = args.cluster.as_deref().unwrap_or_default();
    if args.service.is_empty() && args.schedule.is_empty() {
        return Err(crate::error::UserError::new(format!(
            "import --cluster {cluster}: name what to import with --service SERVICE or --schedule RULE (`aws ecs list-services --cluster {cluster}` lists the services)"
        ))
        .into());
    }
    let aws = Aws::connect(&AwsOptions {
        profile: settings
            .profile(None)
            .or_else(|| std::env::var("AWS_PROFILE").ok()),
        region: settings.region(None),
        route53_profile: settings.route53_profile.clone(),
    })
    .await;
    let (id, running) = tokio::try_join!(
        crate::discovery::identity(&aws, None),
        crate::discovery::running::read(&aws, cluster, &args.service, &args.schedule)
    )?;
    // `--own` on a config an import already wrote keeps it, and its app.
    let existing = global.config.as_deref().filter(|p| p.exists());
    let keep_existing = args.own && existing.is_some() && !settings.force;
    let app = match (keep_existing, existing) {
        (true, Some(path)) => existing_app(path)?,
        _ => args.app.clone().unwrap_or_else(|| {
            from_running::app_from_cluster(running.cluster.cluster_name().unwrap_or(cluster))
        }),
    };
    let converted = from_running::convert(&app, &id.account, &id.region, &running)?;
    for n in &converted.notes {
        settings.out.note(n.clone());
    }
    let mut command = format!("fargate-stack import --cluster {cluster}");
    for s in &args.service {
        command.push_str(&format!(" --service {s}"));
    }
    for r in &args.schedule {
        command.push_str(&format!(" --schedule {r}"));
    }
    let text = header(
        &format!("fargate-stack config for `{app}`, written by `{command}`"),
        "Not in this config (the live resources keep it; see docs/migrating.md)",
        &converted.notes,
    ) + &serde_yaml::to_string(&Value::Mapping(converted.config))?;
    if !settings.update {
        settings.out.document(&text);
        return Ok(0);
    }
    let path = if keep_existing {
        existing.expect("checked").to_path_buf()
    } else {
        let path = super::create_stack::new_config_path(settings, global, &app)?;
        write_atomic(&path, &text, true)?;
        say!(
            settings,
            "wrote {} ({} service(s) from the cluster `{cluster}`, {} thing(s) it cannot say)",
            path.display(),
            running.services.len(),
            converted.notes.len()
        );
        path
    };
    if args.own {
        own(settings, &aws, &app, &running).await?;
    }
    say!(
        settings,
        "next: fargate-stack plan -c {} (it should say \"No changes.\")",
        path.display()
    );
    Ok(0)
}

/// The app name of the config at `path`.
fn existing_app(path: &Path) -> Result<String> {
    let text = std::fs::read_to_string(path)?;
    let doc: Value = serde_yaml::from_str(&text).unwrap_or(Value::Null);
    match doc
        .get("app")
        .and_then(|a| a.get("name"))
        .and_then(Value::as_str)
    {
        Some(app) => Ok(app.to_string()),
        None => Err(crate::error::UserError::new(format!(
            "{}: has no `app.name`, so --own cannot tell whose to make what it imports; pass --force to write the config again",
            path.display()
        ))
        .into()),
    }
}

/// Tags what the imported services use alone as the stack's: the services,
/// their current revisions, and (unless another service in the cluster uses
/// it too) the cluster, the roles, the log group and the security groups.
async fn own(settings: &Settings, aws: &Aws, app: &str, running: &Running) -> Result<()> {
    let tags = crate::ownership::tags(app);
    let ecs_tags: Vec<aws_sdk_ecs::types::Tag> = tags
        .iter()
        .map(|(k, v)| aws_sdk_ecs::types::Tag::builder().key(*k).value(v).build())
        .collect();
    let mut owned: Vec<String> = Vec::new();
    let mut kept: Vec<String> = Vec::new();
    let mut ecs_arns: Vec<(String, String)> = Vec::new();
    let cluster = running.cluster.cluster_name().unwrap_or_default();
    if running.others.is_empty() {
        ecs_arns.push((
            format!("cluster {cluster}"),
            running
                .cluster
                .cluster_arn()
                .unwrap_or_default()
                .to_string(),
        ));
    } else {
        kept.push(format!(
            "the cluster `{cluster}` (it also runs {})",
            running.others.join(", ")
        ));
    }
    let mut log_groups = std::collections::BTreeSet::new();
    let mut groups = std::collections::BTreeSet::new();
    let mut roles = std::collections::BTreeSet::new();
    let mut rules = Vec::new();
    for s in &running.services {
        match &s.schedule {
            Some(rule) => {
                rules.push(rule.rule.clone());
                match &rule.role_arn {
                    // Another rule on the cluster may run as the same role.
                    Some(role) if !running.other_rules.is_empty() => kept.push(format!(
                        "the role `{role}` (the cluster's other rules may use it: {})",
                        running.other_rules.join(", ")
                    )),
                    role => roles.extend(role.clone()),
                }
            }
            None => ecs_arns.push((
                format!("service {}", s.service.service_name().unwrap_or_default()),
                s.service.service_arn().unwrap_or_default().to_string(),
            )),
        }
        let revision = s.definition.task_definition_arn().unwrap_or_default();
        ecs_arns.push((
            format!(
                "task definition {}",
                revision.rsplit('/').next().unwrap_or(revision)
            ),
            revision.to_string(),
        ));
        roles.extend(
            [
                s.definition.execution_role_arn(),
                s.definition.task_role_arn(),
            ]
            .into_iter()
            .flatten()
            .map(str::to_string),
        );
        log_groups.extend(crate::discovery::running::log_groups_of(&s.definition));
        groups.extend(crate::discovery::running::network_of(&s.service).1);
    }
    let mut shared = |what: &str, id: &str| -> bool {
        let is = running.shared.contains(id);
        if is {
            kept.push(format!(
                "the {what} `{id}` (another service in the cluster uses it)"
            ));
        }
        is
    };
    let roles: Vec<String> = roles.into_iter().filter(|r| !shared("role", r)).collect();
    let log_groups: Vec<String> = log_groups
        .into_iter()
        .filter(|g| !shared("log group", g))
        .collect();
    let groups: Vec<String> = groups
        .into_iter()
        .filter(|g| !shared("security group", g))
        .collect();

    for (what, arn) in &ecs_arns {
        aws.ecs
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(ecs_tags.clone()))
            .send()
            .await
            .ctx("ecs TagResource")?;
        owned.push(what.clone());
    }
    for arn in &roles {
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let mut req = aws.iam.tag_role().role_name(name);
        for (k, v) in &tags {
            req = req.tags(
                aws_sdk_iam::types::Tag::builder()
                    .key(*k)
                    .value(v)
                    .build()?,
            );
        }
        req.send().await.ctx("iam TagRole")?;
        owned.push(format!("role {name}"));
    }
    for group in &log_groups {
        if let Some((arn, _)) = running.log_groups.get(group) {
            let mut req = aws.logs.tag_resource().resource_arn(arn);
            for (k, v) in &tags {
                req = req.tags(*k, v);
            }
            req.send().await.ctx("logs TagResource")?;
            owned.push(format!("log group {group}"));
        }
    }
    if !groups.is_empty() {
        let mut req = aws.ec2.create_tags().set_resources(Some(groups.clone()));
        for (k, v) in &tags {
            req = req.tags(aws_sdk_ec2::types::Tag::builder().key(*k).value(v).build());
        }
        req.send().await.ctx("ec2 CreateTags")?;
        owned.extend(groups.iter().map(|g| format!("security group {g}")));
    }
    for rule in &rules {
        let arn = aws
            .events
            .describe_rule()
            .name(rule)
            .send()
            .await
            .ctx("events DescribeRule")?
            .arn()
            .unwrap_or_default()
            .to_string();
        let mut req = aws.events.tag_resource().resource_arn(arn);
        for (k, v) in &tags {
            req = req.tags(
                aws_sdk_eventbridge::types::Tag::builder()
                    .key(*k)
                    .value(v)
                    .build()?,
            );
        }
        req.send().await.ctx("events TagResource")?;
        owned.push(format!("schedule rule {rule}"));
    }
    if let Some(web) = &running.web {
        let mut arns: Vec<(String, String)> = web
            .target_groups
            .iter()
            .filter_map(|g| {
                let arn = g.target_group_arn()?;
                let name = g.target_group_name().unwrap_or(arn);
                (!shared("target group", arn))
                    .then(|| (format!("target group {name}"), arn.to_string()))
            })
            .collect();
        if web.other_target_groups.is_empty() {
            arns.push((
                format!("load balancer {}", web.alb.name),
                web.alb.arn.clone(),
            ));
        } else {
            kept.push(format!(
                "the load balancer `{}` (it also serves {} target group(s) of other services)",
                web.alb.name,
                web.other_target_groups.len()
            ));
        }
        let elb_tags: Vec<aws_sdk_elasticloadbalancingv2::types::Tag> = tags
            .iter()
            .map(|(k, v)| {
                aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                    .key(*k)
                    .value(v)
                    .build()
            })
            .collect();
        for (what, arn) in arns {
            aws.elb
                .add_tags()
                .resource_arns(&arn)
                .set_tags(Some(elb_tags.clone()))
                .send()
                .await
                .ctx("elbv2 AddTags")?;
            owned.push(what);
        }
        kept.push(
            "the certificates (destroy deletes only a certificate the stack requested); the alias records are the stack's with their target groups".to_string(),
        );
    }
    say!(
        settings,
        "tagged as the stack `{app}`'s ({} resource(s); applies and destroy now manage them): {}",
        owned.len(),
        owned.join(", ")
    );
    for k in kept {
        settings.out.note(format!("not owned: {k}"));
    }
    Ok(())
}
