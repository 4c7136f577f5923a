//! `revisions [task]`: a family's registered revisions, which one its
//! service runs, and which the config records: what `rollback --to N` and
//! `update-service` choose between.

use anyhow::Result;
use serde::Serialize;

use super::context::{Candidates, Ctx, fmt_time};
use crate::aws::AwsResultExt;
use crate::config::spec::TaskSpec;
use crate::output::table;
use crate::resources::task_definition;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Family {
    task: String,
    family: String,
    revisions: Vec<Revision>,
}

#[derive(Debug, Serialize)]
struct Revision {
    revision: i32,
    arn: String,
    registered_at: String,
    image: String,
    /// The service deployments running it (`PRIMARY`, `ACTIVE`).
    deployments: Vec<String>,
    /// The revision the config records (`tasks.<task>.arn`).
    recorded: bool,
}

pub async fn run(settings: &Settings, task: Option<&str>, max: i32) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let tasks: Vec<&TaskSpec> = match task {
        Some(name) => vec![ctx.pick(Some(name), Candidates::Any)?],
        None => ctx.spec.tasks.iter().collect(),
    };
    let families =
        futures::future::try_join_all(tasks.iter().map(|t| family(&ctx, t, max))).await?;
    settings.out.show(
        |_| {
            let mut t = table(&[
                "Task",
                "Revision",
                "Registered",
                "Image",
                "Service",
                "Config",
            ]);
            for f in &families {
                if f.revisions.is_empty() {
                    t.add_row(vec![
                        f.task.clone(),
                        "-".into(),
                        "-".into(),
                        format!("no active revision of {}", f.family),
                        "-".into(),
                        "-".into(),
                    ]);
                }
                for r in &f.revisions {
                    t.add_row(vec![
                        f.task.clone(),
                        format!("{}:{}", f.family, r.revision),
                        r.registered_at.clone(),
                        r.image.clone(),
                        r.deployments.join(", "),
                        if r.recorded {
                            "recorded".into()
                        } else {
                            String::new()
                        },
                    ]);
                }
            }
            t.to_string()
        },
        || serde_json::json!(families),
    );
    Ok(0)
}

async fn family(ctx: &Ctx, t: &TaskSpec, max: i32) -> Result<Family> {
    let ecs = &ctx.aws.ecs;
    let mut arns = task_definition::active_revisions(&ctx.aws, &t.family).await?;
    // Newest first, whatever order the answer came in.
    arns.sort_by_key(|a| std::cmp::Reverse(task_definition::revision_of(a)));
    arns.truncate(max as usize);
    let service = async {
        if t.kind == crate::config::model::TaskType::Task {
            return Ok(None);
        }
        ecs.describe_services()
            .cluster(ctx.cluster())
            .services(&t.key)
            .send()
            .await
            .ctx("ecs DescribeServices")
            .map(|out| {
                out.services()
                    .iter()
                    .find(|s| s.status() != Some("INACTIVE"))
                    .cloned()
            })
    };
    let described = futures::future::try_join_all(arns.iter().map(|arn| async move {
        ecs.describe_task_definition()
            .task_definition(arn)
            .send()
            .await
            .ctx("ecs DescribeTaskDefinition")
    }));
    let (service, described) = tokio::try_join!(service, described)?;
    let recorded = ctx
        .loaded
        .config
        .tasks
        .get(&t.key)
        .and_then(|c| c.arn.clone());
    let revisions = arns
        .iter()
        .zip(described)
        .map(|(arn, out)| {
            let td = out.task_definition();
            let deployments = service
                .iter()
                .flat_map(|s| s.deployments())
                .filter(|d| d.task_definition() == Some(arn.as_str()))
                .map(|d| format!("{} ({})", t.key, d.status().unwrap_or("?")))
                .collect();
            Revision {
                revision: td.map_or(0, |d| d.revision()),
                arn: arn.clone(),
                registered_at: fmt_time(td.and_then(|d| d.registered_at())),
                image: td
                    .and_then(|d| d.container_definitions().first())
                    .and_then(|c| c.image())
                    .unwrap_or_default()
                    .to_string(),
                deployments,
                recorded: recorded.as_deref() == Some(arn.as_str()),
            }
        })
        .collect();
    Ok(Family {
        task: t.key.clone(),
        family: t.family.clone(),
        revisions,
    })
}
