//! Task definitions: one family per task. A new revision is registered only
//! when the generated definition differs from the latest registered one.
//! Both sides are reduced to the same normalised form (`TaskDef`) before
//! comparing, so AWS's defaults and orderings never show up as phantom
//! changes.

use std::collections::BTreeMap;

use anyhow::Result;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, KeyValuePair, LogConfiguration, LogDriver, NetworkMode,
    PortMapping, TaskDefinition, TransportProtocol,
};
use serde::Serialize;

use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::StackSpec;
use crate::config::spec::TaskSpec;
use crate::discovery::{Identity, ResolvedImage};
use crate::plan::{Action, Change, Kind, Step};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDef {
    pub family: String,
    pub cpu: String,
    pub memory: String,
    pub network_mode: String,
    pub requires_compatibilities: Vec<String>,
    pub execution_role_arn: String,
    pub task_role_arn: String,
    pub container_definitions: Vec<Container>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    pub essential: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    pub environment: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<Port>,
    pub log_configuration: Option<Log>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Port {
    pub container_port: i32,
    pub host_port: i32,
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Log {
    pub log_driver: String,
    pub options: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub arn: String,
    pub revision: i32,
    pub definition: TaskDef,
}

/// The definition the config asks for. Role ARNs are computed from names
/// (they are deterministic), so this can be built before the roles exist.
pub fn desired(spec: &StackSpec, task: &TaskSpec, id: &Identity, image: &ResolvedImage) -> TaskDef {
    let options = BTreeMap::from([
        ("awslogs-group".to_string(), spec.log_group.clone()),
        ("awslogs-region".to_string(), id.region.clone()),
        ("awslogs-stream-prefix".to_string(), spec.app.clone()),
    ]);
    TaskDef {
        family: task.family.clone(),
        cpu: task.cpu.to_string(),
        memory: task.memory.to_string(),
        network_mode: "awsvpc".into(),
        requires_compatibilities: vec!["FARGATE".into()],
        execution_role_arn: super::iam_role::role_arn(id, &spec.execution_role),
        task_role_arn: super::iam_role::role_arn(id, &spec.task_role),
        container_definitions: vec![Container {
            name: task.name.clone(),
            image: image.uri.clone(),
            essential: true,
            command: task.command.clone().unwrap_or_default(),
            environment: task.environment.iter().cloned().collect(),
            // awsvpc requires hostPort == containerPort (the original let them differ).
            port_mappings: task
                .container_port
                .map(|p| {
                    vec![Port {
                        container_port: p.into(),
                        host_port: p.into(),
                        protocol: "tcp".into(),
                    }]
                })
                .unwrap_or_default(),
            log_configuration: Some(Log {
                log_driver: "awslogs".into(),
                options,
            }),
        }],
    }
}

fn from_sdk(td: &TaskDefinition) -> TaskDef {
    let mut compat: Vec<String> = td
        .requires_compatibilities()
        .iter()
        .map(|c| c.as_str().to_string())
        .collect();
    compat.sort();
    TaskDef {
        family: td.family().unwrap_or_default().into(),
        cpu: td.cpu().unwrap_or_default().into(),
        memory: td.memory().unwrap_or_default().into(),
        network_mode: td
            .network_mode()
            .map(|n| n.as_str().to_string())
            .unwrap_or_default(),
        requires_compatibilities: compat,
        execution_role_arn: td.execution_role_arn().unwrap_or_default().into(),
        task_role_arn: td.task_role_arn().unwrap_or_default().into(),
        container_definitions: td
            .container_definitions()
            .iter()
            .map(container_from_sdk)
            .collect(),
    }
}

fn container_from_sdk(c: &ContainerDefinition) -> Container {
    let mut ports: Vec<Port> = c
        .port_mappings()
        .iter()
        .map(|p| Port {
            container_port: p.container_port().unwrap_or_default(),
            host_port: p.host_port().or(p.container_port()).unwrap_or_default(),
            protocol: p
                .protocol()
                .map_or("tcp".into(), |x| x.as_str().to_string()),
        })
        .collect();
    ports.sort();
    Container {
        name: c.name().unwrap_or_default().into(),
        image: c.image().unwrap_or_default().into(),
        essential: c.essential().unwrap_or(true),
        command: c.command().to_vec(),
        environment: c
            .environment()
            .iter()
            .map(|kv| {
                (
                    kv.name().unwrap_or_default().to_string(),
                    kv.value().unwrap_or_default().to_string(),
                )
            })
            .collect(),
        port_mappings: ports,
        log_configuration: c.log_configuration().map(|l| Log {
            log_driver: l.log_driver().as_str().to_string(),
            options: l
                .options()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }),
    }
}

pub async fn observe(aws: &Aws, family: &str) -> Result<Option<Observed>> {
    let got = aws
        .ecs
        .describe_task_definition()
        .task_definition(family)
        .send()
        .await;
    match got {
        Ok(out) => Ok(out
            .task_definition()
            .filter(|td| td.status().is_none_or(|s| s.as_str() == "ACTIVE"))
            .map(|td| Observed {
                arn: td.task_definition_arn().unwrap_or_default().to_string(),
                revision: td.revision(),
                definition: from_sdk(td),
            })),
        Err(e)
            if matches!(
                code_of(&e),
                Some("ClientException" | "InvalidParameterException")
            ) =>
        {
            Ok(None)
        }
        Err(e) => Err(e).ctx("ecs DescribeTaskDefinition").map_err(Into::into),
    }
}

/// Every leaf as `path -> value`, for field-level changes.
fn flatten(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, v) in m {
                flatten(
                    &if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    },
                    v,
                    out,
                );
            }
        }
        serde_json::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), v, out);
            }
        }
        serde_json::Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}

pub fn changes(before: &TaskDef, after: &TaskDef) -> Vec<Change> {
    let (mut b, mut a) = (BTreeMap::new(), BTreeMap::new());
    flatten(
        "",
        &serde_json::to_value(before).expect("serialises"),
        &mut b,
    );
    flatten(
        "",
        &serde_json::to_value(after).expect("serialises"),
        &mut a,
    );
    let keys: std::collections::BTreeSet<&String> = b.keys().chain(a.keys()).collect();
    keys.into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| Change {
            field: k.replace("containerDefinitions[0].", ""),
            before: b.get(k).cloned().unwrap_or_else(|| "(none)".into()),
            after: a.get(k).cloned().unwrap_or_else(|| "(none)".into()),
        })
        .collect()
}

pub fn plan(task: &TaskSpec, desired: &TaskDef, observed: Option<&Observed>) -> Step {
    let base = |action, value: String| Step {
        kind: Kind::TaskDefinition,
        name: task.family.clone(),
        action,
        value,
        changes: vec![],
        diff: None,
        task: Some(task.key.clone()),
    };
    match observed {
        None => base(Action::Create, format!("{}:1", task.family)),
        Some(o) if &o.definition == desired => base(Action::Exists, o.arn.clone()),
        Some(o) => {
            let before = serde_json::to_string_pretty(&o.definition).expect("serialises");
            let after = serde_json::to_string_pretty(desired).expect("serialises");
            let diff = similar::TextDiff::from_lines(&before, &after)
                .unified_diff()
                .context_radius(2)
                .header(&o.arn, "config")
                .to_string();
            let mut step = base(
                Action::Update,
                format!("{}:{}", task.family, o.revision + 1),
            );
            step.changes = changes(&o.definition, desired);
            step.diff = Some(diff);
            step
        }
    }
}

pub async fn register(aws: &Aws, spec: &StackSpec, def: &TaskDef) -> Result<Observed> {
    let containers = def
        .container_definitions
        .iter()
        .map(|c| {
            let mut b = ContainerDefinition::builder()
                .name(&c.name)
                .image(&c.image)
                .essential(c.essential)
                .set_command((!c.command.is_empty()).then(|| c.command.clone()))
                .set_environment(Some(
                    c.environment
                        .iter()
                        .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
                        .collect(),
                ))
                .set_port_mappings(Some(
                    c.port_mappings
                        .iter()
                        .map(|p| {
                            PortMapping::builder()
                                .container_port(p.container_port)
                                .host_port(p.host_port)
                                .protocol(TransportProtocol::from(p.protocol.as_str()))
                                .build()
                        })
                        .collect(),
                ));
            if let Some(log) = &c.log_configuration {
                b = b.log_configuration(
                    LogConfiguration::builder()
                        .log_driver(LogDriver::from(log.log_driver.as_str()))
                        .set_options(Some(log.options.clone().into_iter().collect()))
                        .build()
                        .expect("log driver is set"),
                );
            }
            b.build()
        })
        .collect();
    let out = aws
        .ecs
        .register_task_definition()
        .family(&def.family)
        .cpu(&def.cpu)
        .memory(&def.memory)
        .network_mode(NetworkMode::from(def.network_mode.as_str()))
        .set_requires_compatibilities(Some(
            def.requires_compatibilities
                .iter()
                .map(|c| Compatibility::from(c.as_str()))
                .collect(),
        ))
        .execution_role_arn(&def.execution_role_arn)
        .task_role_arn(&def.task_role_arn)
        .set_container_definitions(Some(containers))
        .set_tags(Some(super::cluster::ecs_tags(&spec.app)))
        .send()
        .await
        .ctx("ecs RegisterTaskDefinition")?;
    let td = out.task_definition();
    Ok(Observed {
        arn: td
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default()
            .to_string(),
        revision: td.map(|t| t.revision()).unwrap_or_default(),
        definition: def.clone(),
    })
}
