//! `render [task]`: the requests `apply` and `create-service` would send
//! for a task (RegisterTaskDefinition, and CreateService for a service), as
//! the ECS API's JSON, from the same nodes the plan is made of.

use anyhow::Result;
use serde_json::json;

use super::context::{Candidates, pick};
use crate::config::model::TaskType;
use crate::engine::{self, Scope};
use crate::resources::{Address, Kind, core, service, task_definition};
use crate::settings::Settings;

pub async fn run(settings: &Settings, task: Option<&str>) -> Result<u8> {
    let (loaded, spec) = engine::load_read_only(settings)?;
    let path = settings.config_path.display().to_string();
    let key = pick(&spec, &path, task, Candidates::Any)?.key.clone();
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
