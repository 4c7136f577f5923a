//! `show cloudtrail-events TASK START [END]`: the `RunTask` calls the
//! events role made for a scheduled task (from CloudTrail), joined with
//! what became of each task (from ECS, while it still remembers it).

use std::time::SystemTime;

use anyhow::Result;
use aws_sdk_cloudtrail::types::{LookupAttribute, LookupAttributeKey};
use serde::Serialize;
use serde_json::Value;

use super::context::{Candidates, Ctx, short_id};
use super::logs::parse_time;
use crate::aws::AwsResultExt;
use crate::output::table;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Run {
    time: String,
    task_id: Option<String>,
    status: Option<String>,
    exit_code: Option<i32>,
    stopped_reason: Option<String>,
    error: Option<String>,
}

pub async fn run(
    settings: &Settings,
    task: Option<&str>,
    start: &str,
    end: Option<&str>,
) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let task = ctx.pick(task, Candidates::Scheduled)?;
    let now = SystemTime::now();
    let start = parse_time(start, now)?;
    let end = match end {
        Some(e) => parse_time(e, now)?,
        None => now,
    };
    let role = &ctx.spec.events_role;
    let mut events = Vec::new();
    let mut token = None;
    loop {
        let out = ctx
            .aws
            .cloudtrail
            .lookup_events()
            .lookup_attributes(
                LookupAttribute::builder()
                    .attribute_key(LookupAttributeKey::EventName)
                    .attribute_value("RunTask")
                    .build()?,
            )
            .start_time(aws_smithy_types::DateTime::from(start))
            .end_time(aws_smithy_types::DateTime::from(end))
            .set_next_token(token)
            .send()
            .await
            .ctx("cloudtrail LookupEvents")?;
        events.extend(out.events().iter().cloned());
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    // Only the events role's calls for this task's family.
    let mut runs: Vec<(String, Value)> = events
        .iter()
        .filter_map(|e| {
            let doc: Value = serde_json::from_str(e.cloud_trail_event()?).ok()?;
            let issuer = doc["userIdentity"]["sessionContext"]["sessionIssuer"]["userName"]
                .as_str()
                .or(doc["userIdentity"]["arn"].as_str())
                .unwrap_or_default();
            let family = doc["requestParameters"]["taskDefinition"]
                .as_str()
                .unwrap_or_default();
            let ours = issuer.contains(role.as_str())
                && (family == task.family
                    || family.rsplit('/').next().and_then(|f| f.split(':').next())
                        == Some(task.family.as_str()));
            ours.then(|| {
                (
                    doc["eventTime"].as_str().unwrap_or_default().to_string(),
                    doc,
                )
            })
        })
        .collect();
    runs.sort_by(|a, b| a.0.cmp(&b.0));
    let arns: Vec<String> = runs
        .iter()
        .filter_map(|(_, d)| {
            d["responseElements"]["tasks"][0]["taskArn"]
                .as_str()
                .map(str::to_string)
        })
        .collect();
    let described = if arns.is_empty() {
        vec![]
    } else {
        ctx.describe_tasks(arns).await?
    };
    let rows: Vec<Run> = runs
        .iter()
        .map(|(time, d)| {
            let arn = d["responseElements"]["tasks"][0]["taskArn"].as_str();
            let t = arn.and_then(|a| described.iter().find(|t| t.task_arn() == Some(a)));
            Run {
                time: time.clone(),
                task_id: arn.map(|a| short_id(a).to_string()),
                status: t.and_then(|t| t.last_status().map(str::to_string)),
                exit_code: t.and_then(|t| t.containers().first().and_then(|c| c.exit_code())),
                stopped_reason: t.and_then(|t| t.stopped_reason().map(str::to_string)),
                error: d["errorCode"]
                    .as_str()
                    .map(|c| format!("{c}: {}", d["errorMessage"].as_str().unwrap_or_default())),
            }
        })
        .collect();
    settings.out.show(
        |_| {
            if rows.is_empty() {
                return format!(
                    "no RunTask calls by {role} for {} in that window (CloudTrail keeps 90 days of management events)",
                    task.family
                );
            }
            let mut t = table(&["Time", "Task", "Status", "Exit", "Stopped reason / error"]);
            for r in &rows {
                t.add_row(vec![
                    r.time.clone(),
                    r.task_id.clone().unwrap_or_else(|| "-".into()),
                    r.status
                        .clone()
                        .unwrap_or_else(|| "(no longer known to ECS)".into()),
                    r.exit_code.map_or("-".into(), |c| c.to_string()),
                    r.error
                        .clone()
                        .or_else(|| r.stopped_reason.clone())
                        .unwrap_or_default(),
                ]);
            }
            t.to_string()
        },
        || serde_json::to_value(&rows).unwrap_or_default(),
    );
    Ok(0)
}
