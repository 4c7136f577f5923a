//! One file per command family. `Settings` is the single place where the
//! command line, the saved defaults and the environment are merged; commands
//! never look at clap structs.

pub mod autoscaling;
pub mod cloudtrail;
pub mod context;
pub mod create_stack;
pub mod destroy;
pub mod exec;
pub mod import;
pub mod logs;
pub mod meta;
pub mod plan;
pub mod render;
pub mod revisions;
pub mod schedules;
pub mod services;
pub mod state;
pub mod status;
pub mod tasks;
pub mod verify;
pub mod zones;

use anyhow::Result;

use crate::cli::{Cli, Command};
pub use crate::settings::Settings;

/// Commands that handle Ctrl-C themselves (logs --follow ends with 0;
/// run-task says the task keeps running).
pub fn handles_interrupt(cli: &Cli) -> bool {
    matches!(
        cli.command,
        Some(Command::Logs { follow: true, .. })
            | Some(Command::RunTask { .. })
            | Some(Command::Apply(_))
            | Some(Command::Rollback(_))
            | Some(Command::Destroy)
            | Some(Command::DeleteTask(_))
            | Some(Command::DeleteDaemon(_))
            | Some(Command::DeleteSchedule(_))
            | Some(Command::DeleteHttpService(_))
            | Some(Command::DeleteService(_))
    )
}

/// Commands whose output is a message or a document of their own (YAML,
/// roff, a script), not data: `--output json` says so rather than being
/// silently ignored.
fn text_only(command: &Command) -> Option<&'static str> {
    Some(match command {
        Command::CreateStack { .. } => "create-stack (it prints the YAML it writes)",
        Command::Import(_) => "import (it writes a config)",
        Command::Render { .. } => "render (its output is JSON already)",
        Command::StopTask { .. } => "stop-task",
        Command::RegisterTaskDefinition { .. } => "register-task-definition",
        Command::ResetHistory => "reset-history",
        Command::EnableScheduledTask(_) => "enable-scheduled-task",
        Command::DisableScheduledTask(_) => "disable-scheduled-task",
        Command::UpdateTarget(_) => "update-target",
        Command::UpdatePolicy => "update-policy",
        Command::AddScalingPolicy { .. } => "add-scaling-policy",
        Command::AddScheduledAction { .. } => "add-scheduled-action",
        Command::DeleteScalingPolicy(_) => "delete-scaling-policy",
        Command::DeleteScheduledAction { .. } => "delete-scheduled-action",
        Command::Completions { .. } => "completions",
        Command::Man => "man",
        _ => return None,
    })
}

/// Runs a command; returns the process exit code.
pub async fn run(cli: Cli) -> Result<u8> {
    let settings = Settings::resolve(&cli.global)?;
    if settings.out.json_mode()
        && let Some(name) = cli.command.as_ref().and_then(text_only)
    {
        tracing::warn!("--output json: {name} has no JSON output; its messages go to stderr");
    }
    match cli.command {
        None => {
            use clap::CommandFactory;
            let help = Cli::command().render_help();
            settings.out.document(&if settings.out.style().color {
                help.ansi().to_string()
            } else {
                help.to_string()
            });
            Ok(2)
        }
        Some(Command::Plan(a)) => plan::plan(&settings, &a).await,
        Some(Command::Apply(a)) => plan::apply(&settings, &a).await,
        Some(Command::CreateStack { args }) => {
            create_stack::run(&settings, &cli.global, &args).await
        }
        Some(Command::Import(a)) => import::run(&settings, &cli.global, &a).await,
        Some(Command::State { file }) => state::state(&settings, file.as_deref()),
        Some(Command::ResetHistory) => state::reset(&settings),
        Some(Command::CreateService(a)) => services::create(&settings, &a).await,
        Some(Command::StartService(a)) => services::start(&settings, &a).await,
        Some(Command::Scale(a)) => services::scale(&settings, &a).await,
        Some(Command::StopService(a)) => services::stop(&settings, &a).await,
        Some(Command::UpdateService(a)) => services::update(&settings, &a).await,
        Some(Command::Redeploy(a)) => services::redeploy(&settings, &a).await,
        Some(Command::DeleteService(a)) => services::delete(&settings, &a).await,
        Some(Command::Status {
            service,
            max_events,
        }) => status::run(&settings, service.as_deref(), max_events).await,
        Some(Command::RunTask {
            task,
            subnet_id,
            wait,
            task_timeout,
        }) => {
            let args = tasks::RunArgs {
                task: task.as_deref(),
                subnet_id: subnet_id.as_deref(),
                wait: !wait.no_wait,
                timeout: task_timeout,
            };
            tasks::run_task(&settings, args).await
        }
        Some(Command::StopTask { target }) => tasks::stop_task(&settings, target.as_deref()).await,
        Some(Command::ListTasks { which }) => tasks::list_tasks(&settings, which.as_deref()).await,
        Some(Command::Logs {
            task,
            start,
            end,
            follow,
            filter,
        }) => {
            let args = logs::LogArgs {
                task: task.as_deref(),
                start: start.as_deref(),
                end: end.as_deref(),
                follow,
                filter: filter.as_deref(),
            };
            logs::run(&settings, args).await
        }
        Some(Command::RegisterTaskDefinition { task }) => {
            tasks::register(&settings, task.as_deref()).await
        }
        Some(Command::Tasks) => tasks::summary(&settings).await,
        Some(Command::ListZones { domain }) => zones::run(&settings, &domain).await,
        Some(Command::Destroy) => destroy::run(&settings, destroy::Target::Everything, None).await,
        Some(Command::DeleteTask(a)) => {
            destroy::run(&settings, destroy::Target::Task, a.task.as_deref()).await
        }
        Some(Command::DeleteDaemon(a)) => {
            destroy::run(&settings, destroy::Target::Daemon, a.task.as_deref()).await
        }
        Some(Command::DeleteSchedule(a)) => {
            destroy::run(&settings, destroy::Target::Schedule, a.task.as_deref()).await
        }
        Some(Command::DeleteHttpService(a)) => {
            destroy::run(&settings, destroy::Target::HttpService, a.task.as_deref()).await
        }
        Some(Command::EnableScheduledTask(a)) => {
            schedules::set_enabled(&settings, a.task.as_deref(), true).await
        }
        Some(Command::DisableScheduledTask(a)) => {
            schedules::set_enabled(&settings, a.task.as_deref(), false).await
        }
        Some(Command::UpdateTarget(a)) => {
            schedules::update_target(&settings, a.task.as_deref()).await
        }
        Some(Command::UpdatePolicy) => schedules::update_policy(&settings).await,
        Some(Command::AddScalingPolicy { args }) => autoscaling::add_policy(&settings, &args).await,
        Some(Command::AddScheduledAction { args }) => {
            autoscaling::add_scheduled(&settings, &args).await
        }
        Some(Command::DeleteScalingPolicy(a)) => {
            autoscaling::delete_policy(&settings, a.task.as_deref()).await
        }
        Some(Command::DeleteScheduledAction { name, task }) => {
            autoscaling::delete_scheduled(&settings, &name, task.as_deref()).await
        }
        Some(Command::Show {
            what: crate::cli::ShowWhat::CloudtrailEvents { task, start, end },
        }) => cloudtrail::run(&settings, Some(&task), &start, end.as_deref()).await,
        Some(Command::Version) => meta::version(&settings),
        Some(Command::Exec(a)) => exec::run(&settings, &a).await,
        Some(Command::Render { task }) => render::run(&settings, task.as_deref()).await,
        Some(Command::Revisions { task, max }) => {
            revisions::run(&settings, task.as_deref(), max).await
        }
        Some(Command::Completions { shell }) => meta::completions(&settings, shell),
        Some(Command::Man) => meta::man(&settings),
        Some(Command::Schema) => meta::schema(&settings),
        Some(Command::Verify) => verify::run(&settings).await,
        Some(Command::Rollback(a)) => services::rollback(&settings, &a).await,
    }
}
