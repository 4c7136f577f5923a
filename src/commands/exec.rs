//! `exec`: ECS Exec. Asks ECS for a session in a running container and
//! hands it to AWS's Session Manager plugin, with the arguments the AWS CLI
//! gives it, so the terminal talks to the container.

use std::path::PathBuf;

use anyhow::Result;
use aws_sdk_ecs::types::DesiredStatus;
use serde_json::json;

use super::context::{Candidates, Ctx, TaskFilter, short_id};
use crate::aws::AwsResultExt;
use crate::cli::ExecArgs;
use crate::config::model::TaskType;
use crate::error::UserError;
use crate::settings::Settings;

const PLUGIN: &str = "session-manager-plugin";
const INSTALL: &str = "https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html";

pub async fn run(settings: &Settings, args: &ExecArgs) -> Result<u8> {
    let ctx = Ctx::open(settings).await?;
    let task = ctx.pick(args.task.as_deref(), Candidates::Any)?;
    if !task.exec {
        return Err(UserError::new(format!(
            "{}: tasks.{} has no `exec: true`; add it, run `fargate-stack apply`, then `fargate-stack update-service {}` (new tasks run the ECS Exec agent)",
            ctx.path(),
            task.key,
            task.key
        ))
        .into());
    }
    // Before any session is opened: without the plugin it could not be used.
    let plugin = find_plugin().ok_or_else(|| {
        UserError::new(format!(
            "{PLUGIN} is not installed (ECS Exec hands the session to it); install it: {INSTALL}"
        ))
    })?;
    let arns = match &args.task_id {
        Some(id) => vec![id.clone()],
        None => {
            let filter = if task.kind == TaskType::Task {
                TaskFilter::Family(&task.family)
            } else {
                TaskFilter::Service(&task.key)
            };
            ctx.list_task_arns(DesiredStatus::Running, filter).await?
        }
    };
    let running = ctx.describe_tasks(arns).await?;
    let Some(target) = running.iter().find(|t| t.last_status() == Some("RUNNING")) else {
        return Err(UserError::new(format!(
            "no running task of `{}`{}; start one (`create-service`, `run-task`) or check `fargate-stack status`",
            task.key,
            args.task_id
                .as_deref()
                .map(|id| format!(" with ID {id}"))
                .unwrap_or_default()
        ))
        .into());
    };
    let task_arn = target.task_arn().unwrap_or_default().to_string();
    let container = args.container.clone().unwrap_or_else(|| task.name.clone());
    let runtime_id = target
        .containers()
        .iter()
        .find(|c| c.name() == Some(container.as_str()))
        .and_then(|c| c.runtime_id())
        .ok_or_else(|| {
            UserError::new(format!(
                "task {} has no running container `{container}`",
                short_id(&task_arn)
            ))
        })?
        .to_string();
    let command = if args.command.is_empty() {
        "/bin/sh".to_string()
    } else {
        shell_words::join(&args.command)
    };
    let out = ctx
        .aws
        .ecs
        .execute_command()
        .cluster(ctx.cluster())
        .task(&task_arn)
        .container(&container)
        .command(&command)
        .interactive(true)
        .send()
        .await
        .ctx("ecs ExecuteCommand")?;
    let session = out
        .session()
        .ok_or_else(|| anyhow::anyhow!("ecs ExecuteCommand returned no session"))?;
    let session_json = json!({
        "sessionId": session.session_id(),
        "streamUrl": session.stream_url(),
        "tokenValue": session.token_value(),
    });
    let target_json = json!({
        "Target": format!("ecs:{}_{}_{runtime_id}", ctx.cluster(), short_id(&task_arn)),
    });
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .unwrap_or_else(|_| format!("https://ecs.{}.amazonaws.com", ctx.aws.region));
    tracing::info!(
        "session {} in {} ({container}); exit the shell to end it",
        session.session_id().unwrap_or_default(),
        short_id(&task_arn)
    );
    // The plugin's arguments, in the order the AWS CLI passes them.
    let status = std::process::Command::new(plugin)
        .arg(session_json.to_string())
        .arg(&ctx.aws.region)
        .arg("StartSession")
        .arg(
            ctx.aws
                .profile
                .clone()
                .or_else(|| ctx.aws.env_profile.clone())
                .unwrap_or_default(),
        )
        .arg(target_json.to_string())
        .arg(endpoint)
        .status()
        .map_err(|e| UserError::new(format!("{PLUGIN}: {e}")))?;
    Ok(status.code().map_or(1, |c| c.clamp(0, 255) as u8))
}

/// The Session Manager plugin on PATH.
pub fn find_plugin() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(PLUGIN))
        .find(|p| p.is_file())
}
