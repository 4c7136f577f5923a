//! `render [task]`: the requests `apply` and `create-service` would send
//! for a task (RegisterTaskDefinition, and CreateService for a service), as
//! the ECS API's JSON, from the same nodes the plan is made of.

use anyhow::Result;
use serde_json::json;

use crate::config::model::TaskType;
use crate::engine::{self, Scope};
use crate::error::UserError;
use crate::resources::{Address, Kind, core, service, task_definition};
use crate::settings::Settings;

pub async fn run(settings: &Settings, task: Option<&str>) -> Result<u8> {
    let (loaded, spec) = engine::load_read_only(settings)?;
    let key = match (task, spec.tasks.as_slice()) {
        (Some(name), tasks) => tasks
            .iter()
            .find(|t| t.key == name)
            .map(|t| t.key.clone())
            .ok_or_else(|| {
                let names: Vec<&str> = tasks.iter().map(|t| t.key.as_str()).collect();
                UserError::new(format!(
                    "{}: no task `{name}`; the tasks are {}",
                    settings.config_path.display(),
                    names.join(", ")
                ))
            })?,
        (None, [only]) => only.key.clone(),
        (None, tasks) => {
            let names: Vec<&str> = tasks.iter().map(|t| t.key.as_str()).collect();
            return Err(UserError::new(format!(
                "render: which task? The config has {}; e.g. `fargate-stack render {}`",
                names.join(", "),
                names[0]
            ))
            .into());
        }
    };
    let is_service = spec
        .tasks
        .iter()
        .any(|t| t.key == key && t.kind != TaskType::Task);
    let scope = if is_service {
        Scope::Service(key.clone())
    } else {
        Scope::Apply
    };
    let stack = engine::discover(settings, loaded, spec, scope).await?;
    let known = |reference: &str| {
        let address = Address::parse(reference)?;
        Some(stack.observed.get(&address)?.id.clone())
    };
    let node = |kind: Kind| {
        stack
            .nodes
            .iter()
            .find(|n| n.address == Address::new(kind, &key))
    };
    let definition = node(Kind::TaskDefinition)
        .ok_or_else(|| anyhow::anyhow!("no task definition node for `{key}`"))?;
    let def: task_definition::TaskDef = serde_json::from_value(definition.desired.clone())?;
    let mut out =
        json!({ "task_definition": task_definition::request_json(&def, &stack.spec.app) });
    if let Some(svc) = node(Kind::Service) {
        let (desired, _) = core::resolve(&svc.desired, &known);
        out["service"] =
            service::request_json(&stack.spec.cluster, &stack.spec.app, &svc.name, &desired);
    }
    settings
        .out
        .document(&format!("{}\n", serde_json::to_string_pretty(&out)?));
    Ok(0)
}
