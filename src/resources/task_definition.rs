//! Task definitions: one family per task. A new revision is registered only
//! when the generated definition differs from the latest registered one.
//! Both sides are reduced to the same normalised form (`TaskDef`) before
//! comparing, so AWS's defaults and orderings never show up as phantom
//! changes.

use std::collections::BTreeMap;

use anyhow::Result;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, KeyValuePair, LogConfiguration, LogDriver, NetworkMode,
    PortMapping, TaskDefinition as EcsTaskDefinition, TaskDefinitionField, TransportProtocol,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::core::Action;
use super::core::{Address, Diff, Inputs, Kind, Node, Record, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::StackSpec;
use crate::config::spec::TaskSpec;
use crate::discovery::{Identity, ResolvedImage};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<Volume>,
    /// `X86_64` or `ARM64` when the config says (`arch:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu_architecture: Option<String>,
}

/// An EFS volume (transit encryption always on).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: String,
    pub file_system_id: String,
    pub root_directory: String,
    pub transit_encryption: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MountPoint {
    pub source_volume: String,
    pub container_path: String,
    pub read_only: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    pub essential: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    pub environment: BTreeMap<String, String>,
    /// Environment variable -> where ECS reads its value (an ARN; never the value).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secrets: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub port_mappings: Vec<Port>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mount_points: Vec<MountPoint>,
    pub log_configuration: Option<Log>,
    /// ECS Exec runs its agent beside the app: an init process reaps what
    /// the sessions leave behind.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub init_process_enabled: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Port {
    pub container_port: i32,
    pub host_port: i32,
    pub protocol: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Log {
    pub log_driver: String,
    pub options: BTreeMap<String, String>,
}

/// The definition the config asks for. Role ARNs are computed from names
/// (they are deterministic), so this can be built before the roles exist.
pub fn desired(
    spec: &StackSpec,
    task: &TaskSpec,
    id: &Identity,
    image: &ResolvedImage,
    secrets: &BTreeMap<String, crate::discovery::secrets::Resolved>,
) -> TaskDef {
    let options = BTreeMap::from([
        ("awslogs-group".to_string(), spec.log_group.clone()),
        ("awslogs-region".to_string(), id.region.clone()),
        (
            "awslogs-stream-prefix".to_string(),
            spec.log_stream_prefix(task).to_string(),
        ),
    ]);
    TaskDef {
        family: task.family.clone(),
        cpu: task.cpu.to_string(),
        memory: task.memory.to_string(),
        network_mode: "awsvpc".into(),
        requires_compatibilities: vec!["FARGATE".into()],
        cpu_architecture: task.arch_written.map(|a| a.ecs().to_string()),
        execution_role_arn: super::iam_role::arn_of(id, spec, Kind::ExecutionRole),
        task_role_arn: super::iam_role::arn_of(id, spec, Kind::TaskRole),
        volumes: task
            .efs
            .iter()
            .map(|e| Volume {
                name: format!("efs-{}", e.id),
                file_system_id: e.id.clone(),
                root_directory: e.path.clone(),
                transit_encryption: "ENABLED".into(),
            })
            .collect(),
        container_definitions: vec![Container {
            mount_points: task
                .efs
                .iter()
                .map(|e| MountPoint {
                    source_volume: format!("efs-{}", e.id),
                    container_path: e.mount_point.clone(),
                    read_only: e.readonly,
                })
                .collect(),
            name: task.name.clone(),
            image: image.uri.clone(),
            essential: true,
            command: task.command.clone().unwrap_or_default(),
            environment: task.environment.iter().cloned().collect(),
            secrets: task
                .secrets
                .iter()
                .filter_map(|r| Some((r.env.clone(), secrets.get(&r.written)?.value_from.clone())))
                .collect(),
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
            init_process_enabled: task.exec,
        }],
    }
}

/// The RegisterTaskDefinition request `register` sends for `def`, as the
/// ECS API's JSON (what `render` shows).
pub fn request_json(def: &TaskDef, app: &str) -> Value {
    let containers: Vec<Value> = def
        .container_definitions
        .iter()
        .map(|c| {
            let mut out = json!({
                "name": c.name,
                "image": c.image,
                "essential": c.essential,
                "environment": c.environment.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
                "portMappings": c.port_mappings,
            });
            if !c.command.is_empty() {
                out["command"] = json!(c.command);
            }
            if !c.secrets.is_empty() {
                out["secrets"] = c
                    .secrets
                    .iter()
                    .map(|(k, v)| json!({"name": k, "valueFrom": v}))
                    .collect();
            }
            if !c.mount_points.is_empty() {
                out["mountPoints"] = json!(c.mount_points);
            }
            if let Some(log) = &c.log_configuration {
                out["logConfiguration"] = json!(log);
            }
            if c.init_process_enabled {
                out["linuxParameters"] = json!({"initProcessEnabled": true});
            }
            out
        })
        .collect();
    let mut out = json!({
        "family": def.family,
        "cpu": def.cpu,
        "memory": def.memory,
        "networkMode": def.network_mode,
        "requiresCompatibilities": def.requires_compatibilities,
        "executionRoleArn": def.execution_role_arn,
        "taskRoleArn": def.task_role_arn,
        "containerDefinitions": containers,
        "tags": super::core::tags(app).into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
    });
    if let Some(arch) = &def.cpu_architecture {
        out["runtimePlatform"] = json!({"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"});
    }
    if !def.volumes.is_empty() {
        out["volumes"] = def
            .volumes
            .iter()
            .map(|v| {
                json!({
                    "name": v.name,
                    "efsVolumeConfiguration": {
                        "fileSystemId": v.file_system_id,
                        "rootDirectory": v.root_directory,
                        "transitEncryption": v.transit_encryption,
                    }
                })
            })
            .collect();
    }
    out
}

fn from_sdk(td: &EcsTaskDefinition) -> TaskDef {
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
        cpu_architecture: td
            .runtime_platform()
            .and_then(|p| p.cpu_architecture())
            .map(|a| a.as_str().to_string()),
        execution_role_arn: td.execution_role_arn().unwrap_or_default().into(),
        task_role_arn: td.task_role_arn().unwrap_or_default().into(),
        container_definitions: td
            .container_definitions()
            .iter()
            .map(container_from_sdk)
            .map(|mut c| {
                // An EFS volume is named after its file system, as the
                // engine names it: the name is not the config's to say.
                for m in &mut c.mount_points {
                    if let Some(fs) = td.volumes().iter().find_map(|v| {
                        (v.name() == Some(m.source_volume.as_str()))
                            .then(|| v.efs_volume_configuration())
                            .flatten()
                    }) {
                        m.source_volume = format!("efs-{}", fs.file_system_id());
                    }
                }
                c.mount_points.sort();
                c
            })
            .collect(),
        volumes: {
            let mut v: Vec<Volume> = td
                .volumes()
                .iter()
                .filter_map(|v| {
                    let efs = v.efs_volume_configuration()?;
                    Some(Volume {
                        name: format!("efs-{}", efs.file_system_id()),
                        file_system_id: efs.file_system_id().into(),
                        root_directory: efs.root_directory().unwrap_or("/").into(),
                        transit_encryption: efs
                            .transit_encryption()
                            .map_or("DISABLED".into(), |t| t.as_str().to_string()),
                    })
                })
                .collect();
            v.sort();
            v
        },
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
        secrets: c
            .secrets()
            .iter()
            .map(|s| (s.name().to_string(), s.value_from().to_string()))
            .collect(),
        port_mappings: ports,
        init_process_enabled: c
            .linux_parameters()
            .and_then(|l| l.init_process_enabled())
            .unwrap_or(false),
        mount_points: {
            let mut m: Vec<MountPoint> = c
                .mount_points()
                .iter()
                .map(|m| MountPoint {
                    source_volume: m.source_volume().unwrap_or_default().into(),
                    container_path: m.container_path().unwrap_or_default().into(),
                    read_only: m.read_only().unwrap_or(false),
                })
                .collect();
            m.sort();
            m
        },
        log_configuration: c.log_configuration().map(|l| Log {
            log_driver: l.log_driver().as_str().to_string(),
            options: l
                .options()
                .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                .unwrap_or_default(),
        }),
    }
}

pub struct TaskDefinition;

impl Resource for TaskDefinition {
    const REPLACES_ON_UPDATE: bool = true;
    const CONFLICT_FIX: &'static str =
        "give this task its own family (`family:` under the task) or another app name";
    /// A family is one app's: a new revision in someone else's family would
    /// run their tasks with this app's roles on their next deploy.
    const ADOPTED_IS_NOT_OURS_TO_CHANGE: bool = true;

    /// A family is named after the task, not the app: a revision is this
    /// app's when it runs with this app's execution role.
    fn scoped(
        _node: &Node,
        state: &State,
        _observed: &BTreeMap<Address, State>,
        app: &str,
    ) -> bool {
        state.attributes["executionRoleArn"]
            .as_str()
            .and_then(|arn| arn.rsplit('/').next())
            .is_some_and(|role| crate::ownership::scoped_to(role, app))
    }
    const ORPHAN_TYPE: Option<&'static str> = Some("ecs:task-definition");

    /// A family the config no longer has; its newest revision stands for it.
    fn orphan(cx: &Inputs, _arn: &str, resource: &str) -> Option<Node> {
        let rest = resource.strip_prefix("task-definition/")?;
        let family = rest.rsplit_once(':').map_or(rest, |(f, _)| f);
        if cx.spec.tasks.iter().any(|t| t.family == family) {
            return None;
        }
        let mut n = Node::new(Kind::TaskDefinition, family, family);
        n.task = Some(family.to_string());
        Some(n)
    }

    fn supersedes(new: &State, old: &State) -> bool {
        revision_of(&new.id) > revision_of(&old.id)
    }

    /// The sizes the original records (filled in where the user left them
    /// out), the revision, and the image digest it was registered with.
    fn records(cx: &Inputs, node: &Node) -> Vec<Record> {
        let key = node.task.as_deref().unwrap_or_default();
        let Some(t) = cx.spec.tasks.iter().find(|t| t.key == key) else {
            return vec![];
        };
        let written = &cx.config.tasks[key];
        let mut r = vec![];
        if written.family.is_none() {
            r.push(Record::setting(
                &["tasks", key, "family"],
                t.family.as_str(),
            ));
        }
        if written.cpu.is_none() {
            r.push(Record::setting(&["tasks", key, "cpu"], t.cpu));
        }
        if written.memory.is_none() {
            r.push(Record::setting(&["tasks", key, "memory"], t.memory));
        }
        if let (None, Some(size)) = (&written.size, &t.size) {
            r.push(Record::setting(&["tasks", key, "size"], size.as_str()));
        }
        r.push(Record::id(&["tasks", key, "arn"]));
        r.push(Record::elsewhere(&digest_key(key)));
        r
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        cx.spec
            .tasks
            .iter()
            .map(|t| {
                let mut n = Node::new(Kind::TaskDefinition, &t.key, &t.family);
                n.predicted = format!("{}:1", t.family);
                n.desired = serde_json::to_value(desired(
                    cx.spec,
                    t,
                    cx.id,
                    &cx.images[&t.key],
                    cx.secrets,
                ))
                .expect("serialises");
                // Names, not references: the document carries the log group's
                // and the roles' names, which must exist when it is registered.
                n.owner = Some(Address::new(Kind::LogGroup, "main"));
                n.depends_on = vec![
                    Address::new(Kind::LogGroup, "main"),
                    Address::new(Kind::ExecutionRole, "main"),
                    Address::new(Kind::ExecutionPolicy, "main"),
                    Address::new(Kind::TaskRole, "main"),
                ];
                n.task = Some(t.key.clone());
                n
            })
            .collect()
    }

    /// The latest active revision of the family, with its tags.
    async fn observe(aws: &Aws, _cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let got = aws
            .ecs
            .describe_task_definition()
            .task_definition(&node.name)
            .include(TaskDefinitionField::Tags)
            .send()
            .await;
        match got {
            Ok(out) => Ok(out
                .task_definition()
                .filter(|td| td.status().is_none_or(|s| s.as_str() == "ACTIVE"))
                .map(|td| state_of(td, out.tags(), container_of(&node.desired)))),
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

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let mut def: TaskDef = serde_json::from_value(work.node.desired.clone())?;
        // The roles' real ARNs, as they were created (a role with a path has
        // another ARN than the one predicted from its name).
        if let Some(role) = work.dep(Kind::ExecutionRole) {
            def.execution_role_arn = role.id.clone();
        }
        if let Some(role) = work.dep(Kind::TaskRole) {
            def.task_role_arn = role.id.clone();
        }
        // A role ECS cannot assume yet (IAM is eventually consistent) is retried.
        super::core::retry_while(
            "ecs RegisterTaskDefinition",
            &["Unable to assume role", "unable to assume the role"],
            || register_checked(aws, cx.spec, &def),
        )
        .await
    }

    /// Deregisters the family's revisions this stack registered, judged
    /// one by one: tagged as this app's, or (in a family the config's
    /// records vouch for) untagged and running with this app's roles.
    /// Another app's revisions in the same family are kept, and named.
    async fn delete(aws: &Aws, cx: &Inputs<'_>, node: &Node, state: &State) -> Result<()> {
        use futures::stream::{StreamExt, TryStreamExt};
        let app = &cx.spec.app;
        let vouched = state.recorded;
        let judged: Vec<(String, bool)> =
            futures::stream::iter(active_revisions(aws, &node.name).await?)
                .map(|arn| async move {
                    let out = aws
                        .ecs
                        .describe_task_definition()
                        .task_definition(&arn)
                        .include(TaskDefinitionField::Tags)
                        .send()
                        .await
                        .ctx("ecs DescribeTaskDefinition")?;
                    let mut revision = out
                        .task_definition()
                        .map(|td| state_of(td, out.tags(), None))
                        .unwrap_or_else(|| State::new(&arn, None));
                    revision.recorded = vouched;
                    let scoped = <TaskDefinition as Resource>::scoped(
                        node,
                        &revision,
                        &BTreeMap::new(),
                        app,
                    );
                    Ok::<_, anyhow::Error>((arn, revision.ownership(app, scoped).is_ours()))
                })
                .buffer_unordered(8)
                .try_collect()
                .await?;
        let (ours, theirs): (Vec<_>, Vec<_>) = judged.into_iter().partition(|(_, ours)| *ours);
        for (arn, _) in ours {
            aws.ecs
                .deregister_task_definition()
                .task_definition(&arn)
                .send()
                .await
                .ctx("ecs DeregisterTaskDefinition")?;
        }
        if !theirs.is_empty() {
            let mut names: Vec<&str> = theirs
                .iter()
                .map(|(arn, _)| arn.rsplit('/').next().unwrap_or(arn))
                .collect();
            names.sort();
            tracing::warn!(
                "kept {} revision(s) of the family {} that this stack did not register: {}",
                names.len(),
                node.name,
                names.join(", ")
            );
        }
        Ok(())
    }

    /// A changed definition is a new revision, shown field by field and as a diff.
    fn diff(node: &Node, state: &State) -> Option<Diff> {
        if node.desired == state.attributes {
            return None;
        }
        let changes = super::core::field_changes(&state.attributes, &node.desired)
            .into_iter()
            .map(|mut c| {
                c.field = c.field.replace("containerDefinitions[0].", "");
                c
            })
            .collect();
        let next = revision_of(&state.id).unwrap_or(0) + 1;
        Some(Diff {
            action: Some(Action::Update),
            changes,
            text: Some(super::core::unified(
                &state.attributes,
                &node.desired,
                &state.id,
                "config",
            )),
            predicted: Some(format!("{}:{next}", node.name)),
            refused: state.outputs.get(UNEXPRESSED).map(|what| {
                format!(
                    "has what the config cannot say ({what}); a new revision from the config would drop it. Register the change yourself, or remove these from the live definition first"
                )
            }),
        })
    }
}

/// The output naming what a revision holds that the config cannot say.
pub const UNEXPRESSED: &str = "unexpressed";

/// A revision as the config would write it. With `container` (the config's
/// container), only that container is compared; the others, and what the
/// engine never writes, are listed under `UNEXPRESSED`, so a revision made
/// elsewhere (an imported service's) compares equal to the config that
/// describes it and still cannot lose its sidecar to a new revision.
fn state_of(
    td: &EcsTaskDefinition,
    tags: &[aws_sdk_ecs::types::Tag],
    container: Option<&str>,
) -> State {
    let mut def = from_sdk(td);
    let mut state = State::new(
        td.task_definition_arn().unwrap_or_default(),
        super::cluster::tag_map(tags),
    );
    if let Some(name) = container
        && def.container_definitions.iter().any(|c| c.name == name)
    {
        def.container_definitions.retain(|c| c.name == name);
        let unexpressed = crate::discovery::running::unexpressed(td, name);
        if !unexpressed.is_empty() {
            state
                .outputs
                .insert(UNEXPRESSED.into(), unexpressed.join(", "));
        }
    }
    state.with(serde_json::to_value(def).expect("serialises"))
}

/// Whether the revision `arn` is the stack's: tagged as this app's, or (in
/// a config App::FargateStack wrote, `vouched`) untagged and running with
/// this app's roles.
pub async fn revision_is_stacks(aws: &Aws, app: &str, arn: &str, vouched: bool) -> Result<bool> {
    let out = aws
        .ecs
        .describe_task_definition()
        .task_definition(arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .ctx("ecs DescribeTaskDefinition")?;
    let Some(td) = out.task_definition() else {
        return Ok(false);
    };
    let mut state = state_of(td, out.tags(), None);
    state.recorded = vouched;
    let node = Node::new(Kind::TaskDefinition, "", "");
    let scoped = <TaskDefinition as Resource>::scoped(&node, &state, &BTreeMap::new(), app);
    Ok(state.ownership(app, scoped).is_ours())
}

/// The name of the container a desired definition describes.
fn container_of(desired: &Value) -> Option<&str> {
    desired
        .pointer("/containerDefinitions/0/name")
        .and_then(Value::as_str)
}

/// Where the image digest a task's revision was registered with is recorded.
pub fn digest_key(task: &str) -> Vec<String> {
    vec!["tasks".into(), task.into(), "image_digest".into()]
}

pub fn revision_of(arn: &str) -> Option<i32> {
    arn.rsplit(':').next()?.parse().ok()
}

/// Deregisters every active revision of the family (the family was checked
/// to be ours before this step was planned).
/// The family's active revisions' ARNs (only this family: the prefix
/// filter also matches longer families, `app-web` and `app-web2`).
pub async fn active_revisions(aws: &Aws, family: &str) -> Result<Vec<String>> {
    let mut arns = Vec::new();
    let mut token = None;
    loop {
        let out = aws
            .ecs
            .list_task_definitions()
            .family_prefix(family)
            .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
            .set_next_token(token)
            .send()
            .await
            .ctx("ecs ListTaskDefinitions")?;
        arns.extend(
            out.task_definition_arns()
                .iter()
                .filter(|a| family_of(a) == Some(family))
                .cloned(),
        );
        token = out.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    Ok(arns)
}

/// `arn:...:task-definition/web:3` -> `web`.
pub fn family_of(arn: &str) -> Option<&str> {
    arn.rsplit_once('/')?.1.rsplit_once(':').map(|(f, _)| f)
}

pub async fn register(aws: &Aws, spec: &StackSpec, def: &TaskDef) -> Result<State> {
    Ok(register_checked(aws, spec, def).await?)
}

/// Whether a failed request may still have landed: its answer was lost
/// (a timeout, a dropped connection, a 5xx) or it was throttled.
fn answer_may_be_lost(e: &crate::aws::errors::AwsError) -> bool {
    match e.code.as_deref() {
        None => true,
        Some(code) => matches!(
            code,
            "InternalFailure"
                | "InternalError"
                | "ServerException"
                | "ServiceUnavailable"
                | "ServiceUnavailableException"
                | "RequestTimeout"
                | "RequestTimeoutException"
                | "ThrottlingException"
                | "Throttling"
        ),
    }
}

/// Registers a revision, never two. The SDK would blindly resend a request
/// whose answer was lost, and every RegisterTaskDefinition that lands is a
/// new revision; so the request goes once, and after a lost answer the
/// family's latest revision is read first and adopted when it is the one
/// asked for.
async fn register_checked(
    aws: &Aws,
    spec: &StackSpec,
    def: &TaskDef,
) -> Result<State, crate::aws::errors::AwsError> {
    let mut delay = std::time::Duration::from_millis(200);
    for attempt in 1.. {
        match register_once(aws, spec, def).await {
            Ok(state) => return Ok(state),
            Err(e) if answer_may_be_lost(&e) && attempt < 6 => {
                tracing::info!("ecs RegisterTaskDefinition: {e}; checking whether it landed");
                if let Some(latest) = latest_if_same(aws, def).await? {
                    return Ok(latest);
                }
                tokio::time::sleep(delay).await;
                delay *= 2;
            }
            Err(e) => return Err(e),
        }
    }
    unreachable!("the loop returns")
}

/// The family's latest active revision, when it is `def`.
async fn latest_if_same(
    aws: &Aws,
    def: &TaskDef,
) -> Result<Option<State>, crate::aws::errors::AwsError> {
    let got = aws
        .ecs
        .describe_task_definition()
        .task_definition(&def.family)
        .include(TaskDefinitionField::Tags)
        .send()
        .await;
    let out = match got {
        Ok(out) => out,
        Err(e) if matches!(code_of(&e), Some("ClientException")) => return Ok(None),
        Err(e) => return Err(e).ctx("ecs DescribeTaskDefinition"),
    };
    let wanted = serde_json::to_value(def).expect("serialises");
    Ok(out
        .task_definition()
        .filter(|td| td.status().is_none_or(|s| s.as_str() == "ACTIVE"))
        .map(|td| state_of(td, out.tags(), None))
        .filter(|s| s.attributes == wanted))
}

async fn register_once(
    aws: &Aws,
    spec: &StackSpec,
    def: &TaskDef,
) -> Result<State, crate::aws::errors::AwsError> {
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
                .set_secrets((!c.secrets.is_empty()).then(|| {
                    c.secrets
                        .iter()
                        .filter_map(|(k, v)| {
                            aws_sdk_ecs::types::Secret::builder()
                                .name(k)
                                .value_from(v)
                                .build()
                                .ok()
                        })
                        .collect()
                }))
                .set_mount_points((!c.mount_points.is_empty()).then(|| {
                    c.mount_points
                        .iter()
                        .map(|m| {
                            aws_sdk_ecs::types::MountPoint::builder()
                                .source_volume(&m.source_volume)
                                .container_path(&m.container_path)
                                .read_only(m.read_only)
                                .build()
                        })
                        .collect()
                }))
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
            if c.init_process_enabled {
                b = b.linux_parameters(
                    aws_sdk_ecs::types::LinuxParameters::builder()
                        .init_process_enabled(true)
                        .build(),
                );
            }
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
        .set_runtime_platform(def.cpu_architecture.as_ref().map(|a| {
            aws_sdk_ecs::types::RuntimePlatform::builder()
                .cpu_architecture(aws_sdk_ecs::types::CpuArchitecture::from(a.as_str()))
                .operating_system_family(aws_sdk_ecs::types::OsFamily::Linux)
                .build()
        }))
        .set_container_definitions(Some(containers))
        .set_volumes((!def.volumes.is_empty()).then(|| {
            def.volumes
                .iter()
                .map(|v| {
                    aws_sdk_ecs::types::Volume::builder()
                        .name(&v.name)
                        .efs_volume_configuration(
                            aws_sdk_ecs::types::EfsVolumeConfiguration::builder()
                                .file_system_id(&v.file_system_id)
                                .root_directory(&v.root_directory)
                                .transit_encryption(aws_sdk_ecs::types::EfsTransitEncryption::from(
                                    v.transit_encryption.as_str(),
                                ))
                                .build()
                                .expect("file system id is set"),
                        )
                        .build()
                })
                .collect()
        }))
        .set_tags(Some(super::cluster::ecs_tags(&spec.app)))
        .customize()
        // Sent once: a resend after a lost answer is decided by
        // `register_checked`, which first looks for the revision.
        .config_override(
            aws_sdk_ecs::config::Builder::default()
                .retry_config(aws_sdk_ecs::config::retry::RetryConfig::disabled()),
        )
        .send()
        .await
        .ctx("ecs RegisterTaskDefinition")?;
    let td = out
        .task_definition()
        .expect("RegisterTaskDefinition returns the definition");
    Ok(State::new(
        td.task_definition_arn().unwrap_or_default(),
        super::core::tag_map(&spec.app),
    )
    .with(serde_json::to_value(def).expect("serialises")))
}
