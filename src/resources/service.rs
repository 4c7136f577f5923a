//! ECS services, one per daemon/http/https task. `create-service` and its
//! siblings run them; in the graph they exist so that `destroy` and the
//! `delete-*` commands scale them to zero and delete them before anything
//! they use.

use anyhow::Result;
use aws_sdk_ecs::types::{Service as EcsService, ServiceField};

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt};
use crate::config::model::{Config, TaskType};
use crate::ownership::Ownership;

pub struct Service;

/// An untagged service (App::FargateStack's, or someone's) is this stack's
/// only when it runs the family the config recorded for its task: its
/// name and the config's records agree.
fn runs_recorded_family(config: &Config, task: &str, s: &EcsService) -> bool {
    let family = |arn: &str| super::task_definition::family_of(arn).map(str::to_string);
    let recorded = config
        .tasks
        .get(task)
        .and_then(|t| t.arn.as_deref())
        .and_then(family);
    recorded.is_some() && s.task_definition().and_then(family) == recorded
}

/// Whose a service found in the stack's cluster under a task's name is
/// (for the commands that change one: it must be the stack's).
pub fn ownership(config: &Config, app: &str, task: &str, s: &EcsService) -> Ownership {
    crate::ownership::of(
        super::cluster::tag_map(s.tags()).as_ref(),
        app,
        crate::ownership::Evidence {
            scoped: true,
            recorded: runs_recorded_family(config, task, s),
        },
    )
}

impl Resource for Service {
    /// Created by `create-service`, not by apply; destroy removes it first.
    const APPLIED: bool = false;
    const ORPHAN_TYPE: Option<&'static str> = Some("ecs:service");

    /// A service in the stack's cluster for a task the config no longer runs
    /// as a service.
    fn orphan(cx: &Inputs, _arn: &str, resource: &str) -> Option<Node> {
        let (cluster, name) = resource.strip_prefix("service/")?.split_once('/')?;
        let in_config = cx.spec.tasks.iter().any(|t| {
            t.key == name && matches!(t.kind, TaskType::Daemon | TaskType::Http | TaskType::Https)
        });
        if cluster != cx.spec.cluster || in_config {
            return None;
        }
        let mut n = Node::new(Kind::Service, name, name);
        n.task = Some(name.to_string());
        n.depends_on = vec![Address::new(Kind::TaskDefinition, name)];
        n.owner = Some(Address::new(Kind::TaskDefinition, name));
        Some(n)
    }

    async fn apply(_aws: &Aws, _cx: &Inputs<'_>, _work: &Work<'_>) -> Result<State> {
        anyhow::bail!("services are created by `fargate-stack create-service`")
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        cx.spec
            .tasks
            .iter()
            .filter(|t| matches!(t.kind, TaskType::Daemon | TaskType::Http | TaskType::Https))
            .map(|t| {
                let mut n = Node::new(Kind::Service, &t.key, &t.key);
                n.owner = Some(Address::new(Kind::Cluster, "main"));
                n.depends_on = vec![
                    Address::new(Kind::Cluster, "main"),
                    Address::new(Kind::SecurityGroup, "main"),
                    Address::new(Kind::TaskDefinition, &t.key),
                ];
                n.task = Some(t.key.clone());
                n
            })
            .collect()
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let out = aws
            .ecs
            .describe_services()
            .cluster(&cx.spec.cluster)
            .services(&node.name)
            .include(ServiceField::Tags)
            .send()
            .await;
        let out = match out.ctx("ecs DescribeServices") {
            Ok(o) => o,
            Err(e) if super::core::not_found(&e) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        Ok(out
            .services()
            .iter()
            .find(|s| s.status().is_some_and(|st| st != "INACTIVE"))
            .map(|s| {
                let mut state = State::new(
                    s.service_arn().unwrap_or_default(),
                    super::cluster::tag_map(s.tags()),
                );
                state.recorded =
                    runs_recorded_family(cx.config, node.task.as_deref().unwrap_or_default(), s);
                state
            }))
    }

    /// Named after its task, in the stack's cluster: the name is the stack's;
    /// the tags or the config's records say whether the service is.
    fn scoped(
        _node: &Node,
        _state: &State,
        _observed: &std::collections::BTreeMap<Address, State>,
        _app: &str,
    ) -> bool {
        true
    }

    /// Scales to zero, deletes, and waits until ECS reports it gone.
    async fn delete(aws: &Aws, cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        let cluster = &cx.spec.cluster;
        let scaled = aws
            .ecs
            .update_service()
            .cluster(cluster)
            .service(&node.name)
            .desired_count(0)
            .send()
            .await
            .ctx("ecs UpdateService");
        if let Err(e) = scaled
            && !super::core::not_found(&e)
        {
            return Err(e.into());
        }
        Ok(super::core::gone(
            aws.ecs
                .delete_service()
                .cluster(cluster)
                .service(&node.name)
                .force(true)
                .send()
                .await
                .ctx("ecs DeleteService"),
        )?)
    }
}
