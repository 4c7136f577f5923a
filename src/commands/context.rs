//! What every operational command (services, tasks, logs) needs: the
//! validated config, the AWS clients, and the state `apply` recorded in the
//! config (cluster, subnets, security group, task definition ARNs). Those
//! commands read the recorded state instead of rediscovering it; when it is
//! missing they say to run `apply`.

use anyhow::Result;
use aws_sdk_ecs::types::{DesiredStatus, Task};

use crate::aws::{Aws, AwsResultExt};
use crate::config::model::TaskType;
use crate::config::spec::TaskSpec;
use crate::config::{Loaded, StackSpec};
use crate::discovery::{self, Identity, images};
use crate::engine;
use crate::error::UserError;
use crate::settings::Settings;

pub struct Ctx {
    pub loaded: Loaded,
    pub spec: StackSpec,
    pub aws: Aws,
    /// ` -c FILE` for the commands we suggest, when the config was named.
    pub c: String,
}

/// Which tasks a command can act on when no name is given.
#[derive(Clone, Copy)]
pub enum Candidates {
    Services,
    OneOff,
    Scheduled,
    Any,
}

impl Candidates {
    fn accepts(self, t: &TaskSpec) -> bool {
        match self {
            Candidates::Services => {
                matches!(t.kind, TaskType::Daemon | TaskType::Http | TaskType::Https)
            }
            Candidates::OneOff => t.kind == TaskType::Task,
            Candidates::Scheduled => t.schedule.is_some(),
            Candidates::Any => true,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Candidates::Services => "service (daemon, http or https task)",
            Candidates::OneOff => "task of type `task`",
            Candidates::Scheduled => "scheduled task (one with `schedule:`)",
            Candidates::Any => "task",
        }
    }
}

impl Ctx {
    pub async fn open(settings: &Settings) -> Result<Ctx> {
        Ctx::with(settings, engine::load_read_only(settings)?).await
    }

    /// For commands that write the config: holds its lock until dropped.
    pub async fn open_locked(settings: &Settings) -> Result<Ctx> {
        Ctx::with(settings, engine::load(settings)?).await
    }

    async fn with(settings: &Settings, (loaded, spec): (Loaded, StackSpec)) -> Result<Ctx> {
        let aws = engine::connect(settings, &loaded).await;
        Ok(Ctx {
            loaded,
            spec,
            aws,
            c: settings.config_arg(),
        })
    }

    pub fn path(&self) -> String {
        self.loaded.path.display().to_string()
    }

    pub fn cluster(&self) -> &str {
        &self.spec.cluster
    }

    /// The task named, or the only candidate; otherwise an error that lists them.
    pub fn pick(&self, name: Option<&str>, which: Candidates) -> Result<&TaskSpec> {
        pick(&self.spec, &self.path(), name, which)
    }

    pub fn recorded_task_arn(&self, task: &TaskSpec) -> Result<String> {
        self.loaded.config.tasks[&task.key]
            .arn
            .clone()
            .ok_or_else(|| {
                UserError::new(format!(
                    "{}: `tasks.{}.arn` is not recorded; run `fargate-stack apply{}` first",
                    self.path(),
                    task.key,
                    self.c
                ))
                .into()
            })
    }

    /// The target group an http/https service registers in.
    pub fn target_group_arn(&self, task: &TaskSpec) -> Result<String> {
        self.loaded.config.tasks[&task.key]
            .target_group_arn
            .clone()
            .ok_or_else(|| {
                UserError::new(format!(
                    "{}: `tasks.{}.target_group_arn` is not recorded; run `fargate-stack apply{}` first (it creates the load balancer and the target group)",
                    self.path(),
                    task.key,
                    self.c
                ))
                .into()
            })
    }

    pub fn security_group_id(&self) -> Result<String> {
        self.loaded
            .config
            .security_groups
            .as_ref()
            .and_then(|s| s.fargate.as_ref())
            .and_then(|f| f.group_id.clone())
            .ok_or_else(|| UserError::new(format!("{}: `security_groups.fargate.group_id` is not recorded; run `fargate-stack apply{}` first", self.path(), self.c)).into())
    }

    /// Private subnets; public ones (with a public IP) when there are none.
    pub fn task_subnets(&self) -> Result<(Vec<String>, bool)> {
        let subnets = self.loaded.config.subnets.clone().unwrap_or_default();
        if !subnets.private.is_empty() {
            return Ok((subnets.private, false));
        }
        if !subnets.public.is_empty() {
            tracing::warn!("no private subnets recorded; using public subnets with a public IP");
            return Ok((subnets.public, true));
        }
        Err(UserError::new(format!(
            "{}: no subnets are recorded; run `fargate-stack plan{}` or `apply` first",
            self.path(),
            self.c
        ))
        .into())
    }

    pub fn is_public_subnet(&self, id: &str) -> Option<bool> {
        let s = self.loaded.config.subnets.as_ref()?;
        if s.public.iter().any(|x| x == id) {
            Some(true)
        } else if s.private.iter().any(|x| x == id) || s.isolated.iter().any(|x| x == id) {
            Some(false)
        } else {
            None
        }
    }

    pub async fn identity(&self) -> Result<Identity> {
        let cached = self.loaded.config.account.as_ref().map(|a| a.0.clone());
        discovery::identity(&self.aws, cached.as_deref()).await
    }

    /// Refuses when the image's tag now points at another digest than the
    /// one recorded at registration (unless --force). Compares against the
    /// configured tag; the original always compared against `latest`.
    pub async fn check_image_digest(&self, task: &TaskSpec, force: bool) -> Result<()> {
        let Some(recorded) = self.loaded.config.tasks[&task.key].image_digest.clone() else {
            return Ok(());
        };
        let id = self.identity().await?;
        let current = images::resolve(&self.aws, &id, &task.image, None).await?;
        match current.digest {
            Some(now) if now != recorded => {
                let msg = format!(
                    "image `{}` (tag `{}`) now points at {now}, but the task definition was registered when it pointed at {recorded}; run `fargate-stack register-task-definition {}{}` to record the new image, or pass --force",
                    task.image.written,
                    task.image.tag_or_latest(),
                    task.key,
                    self.c
                );
                if force {
                    tracing::warn!("{msg}");
                    Ok(())
                } else {
                    Err(UserError::new(msg).into())
                }
            }
            _ => Ok(()),
        }
    }
}

/// Which tasks `Ctx::list_task_arns` asks ECS for.
pub enum TaskFilter<'a> {
    All,
    Family(&'a str),
    Service(&'a str),
}

impl Ctx {
    /// Every task ARN in the cluster with that desired status, all pages.
    pub async fn list_task_arns(
        &self,
        status: DesiredStatus,
        filter: TaskFilter<'_>,
    ) -> Result<Vec<String>> {
        let (family, service) = match filter {
            TaskFilter::All => (None, None),
            TaskFilter::Family(f) => (Some(f.to_string()), None),
            TaskFilter::Service(s) => (None, Some(s.to_string())),
        };
        let mut arns = Vec::new();
        let mut pages = self
            .aws
            .ecs
            .list_tasks()
            .cluster(self.cluster())
            .desired_status(status)
            .set_family(family)
            .set_service_name(service)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            arns.extend(page.ctx("ecs ListTasks")?.task_arns().iter().cloned());
        }
        Ok(arns)
    }

    /// The tasks behind ARNs, 100 per call (DescribeTasks' limit).
    pub async fn describe_tasks(&self, arns: Vec<String>) -> Result<Vec<Task>> {
        let mut tasks = Vec::new();
        for chunk in arns.chunks(100) {
            let out = self
                .aws
                .ecs
                .describe_tasks()
                .cluster(self.cluster())
                .set_tasks(Some(chunk.to_vec()))
                .send()
                .await
                .ctx("ecs DescribeTasks")?;
            tasks.extend(out.tasks().iter().cloned());
        }
        Ok(tasks)
    }

    /// A service's tasks with that desired status. The group check keeps
    /// the answer right where ListTasks ignores `serviceName` (moto does).
    pub async fn service_tasks(&self, name: &str, status: DesiredStatus) -> Result<Vec<Task>> {
        let arns = self
            .list_task_arns(status, TaskFilter::Service(name))
            .await?;
        let group = format!("service:{name}");
        Ok(self
            .describe_tasks(arns)
            .await?
            .into_iter()
            .filter(|t| t.group() == Some(group.as_str()))
            .collect())
    }
}

/// The task named, or the only candidate; otherwise an error that lists
/// them (`path` is the config's, for the message).
pub fn pick<'a>(
    spec: &'a StackSpec,
    path: &str,
    name: Option<&str>,
    which: Candidates,
) -> Result<&'a TaskSpec> {
    if let Some(n) = name {
        return spec.tasks.iter().find(|t| t.key == n).ok_or_else(|| {
            let all: Vec<&str> = spec.tasks.iter().map(|t| t.key.as_str()).collect();
            UserError::new(format!(
                "{}: no task named `{n}`; the stack has: {}",
                path,
                all.join(", ")
            ))
            .into()
        });
    }
    let candidates: Vec<&TaskSpec> = spec.tasks.iter().filter(|t| which.accepts(t)).collect();
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(UserError::new(format!("{}: the stack has no {}", path, which.noun())).into()),
        many => Err(UserError::new(format!(
            "{}: the stack has several of them ({}); name one",
            path,
            many.iter()
                .map(|t| t.key.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .into()),
    }
}

pub fn short_id(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

pub fn fmt_time(t: Option<&aws_smithy_types::DateTime>) -> String {
    t.and_then(|t| std::time::SystemTime::try_from(*t).ok())
        .map(|t| humantime::format_rfc3339_seconds(t).to_string())
        .unwrap_or_else(|| "-".into())
}

pub fn elapsed_since(t: Option<&aws_smithy_types::DateTime>) -> String {
    t.and_then(|t| std::time::SystemTime::try_from(*t).ok())
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .map(|d| {
            humantime::format_duration(std::time::Duration::from_secs(d.as_secs())).to_string()
        })
        .unwrap_or_else(|| "-".into())
}
