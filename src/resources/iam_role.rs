//! IAM roles: the execution role (ECS uses it to pull images and write
//! logs) with its generated inline policy, and the task role (the
//! application's own identity), which gets a policy only when a feature
//! needs one.
//!
//! The execution policy names its resources: the stack's log group and the
//! ECR repositories its images come from. `ecr:GetAuthorizationToken` is the
//! one statement on `*`, because AWS does not accept a resource for it.

use std::collections::BTreeSet;

use anyhow::Result;
use aws_sdk_iam::types::Tag;
use serde_json::{Value, json};

use super::core::{Action, Change};
use super::core::{Diff, Inputs, Kind, Node, Record, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::StackSpec;
use crate::discovery::{Identity, ResolvedImage};

pub const ECS_TASKS_PRINCIPAL: &str = "ecs-tasks.amazonaws.com";

pub fn role_arn(id: &Identity, name: &str) -> String {
    id.arn("iam", false, &format!("role/{name}"))
}

/// The ARN a role of the stack will have: the one the config records for
/// it (a role with a path, `role/service-role/<name>`, cannot be told from
/// its name), else the one its name gives.
pub fn arn_of(id: &Identity, spec: &StackSpec, kind: Kind) -> String {
    let (recorded, name) = match kind {
        Kind::ExecutionRole => (&spec.execution_role_arn, &spec.execution_role),
        Kind::EventsRole => (&spec.events_role_arn, &spec.events_role),
        Kind::DeployRole => (&spec.deploy_role_arn, &spec.deploy_role),
        _ => (&spec.task_role_arn, &spec.task_role),
    };
    recorded.clone().unwrap_or_else(|| role_arn(id, name))
}

pub const EVENTS_PRINCIPAL: &str = "events.amazonaws.com";
/// ECS itself, as it moves a load balancer's traffic in a deployment.
pub const ECS_PRINCIPAL: &str = "ecs.amazonaws.com";

/// Whether a service deploys by moving traffic (and so needs the deploy role).
pub fn shifts_traffic(cx: &Inputs) -> bool {
    cx.spec.web.as_ref().is_some_and(|w| w.shifts_traffic())
}

/// Whether the stack has scheduled tasks (and so an events role).
pub fn scheduled(cx: &Inputs) -> bool {
    cx.spec.tasks.iter().any(|t| t.schedule.is_some())
}

pub fn role_nodes(kind: Kind, cx: &Inputs) -> Vec<Node> {
    let name = match kind {
        Kind::ExecutionRole => &cx.spec.execution_role,
        Kind::EventsRole if !scheduled(cx) => return vec![],
        Kind::EventsRole => &cx.spec.events_role,
        Kind::DeployRole if !shifts_traffic(cx) => return vec![],
        Kind::DeployRole => &cx.spec.deploy_role,
        _ => &cx.spec.task_role,
    };
    let mut n = Node::new(kind, "main", name);
    n.predicted = arn_of(cx.id, cx.spec, kind);
    vec![n]
}

pub fn policy_nodes(kind: Kind, cx: &Inputs) -> Vec<Node> {
    let as_is = match kind {
        Kind::DeployPolicy => false,
        Kind::EventsPolicy => cx.spec.events_role_as_is,
        Kind::TaskPolicy => cx.spec.task_role_as_is,
        _ => cx.spec.execution_role_as_is,
    };
    if as_is {
        return vec![];
    }
    let (name, role, role_kind, document) = match kind {
        Kind::DeployPolicy if !shifts_traffic(cx) => return vec![],
        Kind::DeployPolicy => (
            &cx.spec.deploy_policy,
            &cx.spec.deploy_role,
            Kind::DeployRole,
            deploy_policy(cx),
        ),
        Kind::EventsPolicy if !scheduled(cx) => return vec![],
        Kind::EventsPolicy => (
            &cx.spec.events_policy,
            &cx.spec.events_role,
            Kind::EventsRole,
            events_policy(cx),
        ),
        Kind::TaskPolicy => match task_policy(cx) {
            Some(doc) => (
                &cx.spec.task_policy,
                &cx.spec.task_role,
                Kind::TaskRole,
                doc,
            ),
            None => return vec![],
        },
        _ => (
            &cx.spec.execution_policy,
            &cx.spec.execution_role,
            Kind::ExecutionRole,
            execution_policy_with_secrets(cx),
        ),
    };
    let mut n = Node::new(kind, "main", name);
    n.desired = json!({ "role": role, "document": document });
    // The role's name is in the document; the edge and the owner are the role.
    let role = super::core::Address::new(role_kind, "main");
    n.depends_on = vec![role.clone()];
    n.owner = Some(role);
    vec![n]
}

/// What ECS needs to move the traffic of the stack's services: read the
/// load balancing configuration (these actions take no resource), point the
/// listener and the services' rules at either target group, and register
/// targets in those groups only.
pub fn deploy_policy(cx: &Inputs) -> Value {
    use super::core::{Address, reference};
    let Some(web) = &cx.spec.web else {
        return json!({});
    };
    let shifting: Vec<_> = web
        .services
        .iter()
        .filter(|s| s.deployment.strategy.shifts_traffic())
        .collect();
    let listener = reference(&Address::new(Kind::Listener, web.port.to_string()));
    let rules: Vec<String> = shifting
        .iter()
        .flat_map(|s| {
            [
                reference(&Address::new(Kind::ListenerRule, &s.task)),
                reference(&Address::new(
                    Kind::ListenerRule,
                    super::listener_rule::test_key(&s.task),
                )),
            ]
        })
        .collect();
    let groups: Vec<String> = shifting
        .iter()
        .flat_map(|s| super::target_group::addresses(s))
        .map(|a| reference(&a))
        .collect();
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadLoadBalancing",
                "Effect": "Allow",
                "Action": [
                    "elasticloadbalancing:DescribeListeners",
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeTargetHealth"
                ],
                "Resource": "*"
            },
            {
                "Sid": "MoveTraffic",
                "Effect": "Allow",
                "Action": "elasticloadbalancing:ModifyRule",
                "Resource": rules
            },
            {
                "Sid": "MoveListenerTraffic",
                "Effect": "Allow",
                "Action": "elasticloadbalancing:ModifyListener",
                "Resource": listener
            },
            {
                "Sid": "RegisterTargets",
                "Effect": "Allow",
                "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
                "Resource": groups
            }
        ]
    })
}

/// The execution policy plus reading exactly the secrets and parameters
/// the task definitions inject (ECS reads them with the execution role).
pub fn execution_policy_with_secrets(cx: &Inputs) -> Value {
    let mut doc = execution_policy(cx.spec, cx.id, cx.images.values());
    let arns = |store| -> Vec<String> {
        let set: BTreeSet<String> = cx
            .secrets
            .values()
            .filter(|r| r.store == store)
            .map(|r| r.arn.clone())
            .collect();
        set.into_iter().collect()
    };
    let statements = doc["Statement"].as_array_mut().expect("a list");
    let secrets = arns(crate::config::spec::SecretStore::SecretsManager);
    if !secrets.is_empty() {
        statements.push(json!({
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": secrets,
        }));
    }
    let parameters = arns(crate::config::spec::SecretStore::ParameterStore);
    if !parameters.is_empty() {
        statements.push(json!({
            "Sid": "ReadParameters",
            "Effect": "Allow",
            "Action": ["ssm:GetParameters"],
            "Resource": parameters,
        }));
    }
    doc
}

/// What the application's own role may do: the queue's permissions
/// profile on the queue and its dead-letter queue, each by ARN, in a
/// stable order (the original's random order re-put the policy on most
/// runs). `None` when there is nothing to allow.
pub fn task_policy(cx: &Inputs) -> Option<Value> {
    let mut statements = Vec::new();
    if let Some(q) = &cx.spec.queue {
        for (sid, queue) in [
            ("SQSAllowQueuePolicy", Some(q)),
            ("SQSAllowDlqPolicy", q.dlq.as_deref()),
        ] {
            let Some(queue) = queue.filter(|q| !q.actions.is_empty()) else {
                continue;
            };
            statements.push(json!({
                "Sid": sid,
                "Effect": "Allow",
                "Action": queue.actions,
                "Resource": [super::queue::arn(cx.id, &queue.name)],
            }));
        }
    }
    statements.extend(super::bucket::statements(cx));
    // ECS Exec: the agent in the task opens Session Manager channels. These
    // actions have no resource types; `*` is the only resource AWS allows.
    if cx.spec.tasks.iter().any(|t| t.exec) {
        statements.push(json!({
            "Sid": "EcsExecSessionChannels",
            "Effect": "Allow",
            "Action": [
                "ssmmessages:CreateControlChannel",
                "ssmmessages:CreateDataChannel",
                "ssmmessages:OpenControlChannel",
                "ssmmessages:OpenDataChannel",
            ],
            "Resource": "*",
        }));
    }
    // EFS: mount (and write unless every task mounts it read-only) on each
    // file system's ARN.
    let mut file_systems: std::collections::BTreeMap<&str, bool> = Default::default();
    for e in cx.spec.tasks.iter().filter_map(|t| t.efs.as_ref()) {
        *file_systems.entry(e.id.as_str()).or_insert(false) |= !e.readonly;
    }
    for (id, write) in file_systems {
        let Some(fs) = cx.file_systems.get(id) else {
            continue;
        };
        let mut actions = vec!["elasticfilesystem:ClientMount"];
        if write {
            actions.push("elasticfilesystem:ClientWrite");
        }
        statements.push(json!({
            "Sid": format!("EfsMount{}", id.trim_start_matches("fs-")),
            "Effect": "Allow",
            "Action": actions,
            "Resource": [fs.arn],
        }));
    }
    (!statements.is_empty()).then(|| json!({ "Version": "2012-10-17", "Statement": statements }))
}

/// What EventBridge may do for the schedules: run the scheduled families
/// in this cluster only, pass the execution and task roles (the original
/// forgot the task role, so scheduled tasks with one failed to start), and
/// tag the tasks it starts.
pub fn events_policy(cx: &Inputs) -> Value {
    let cluster = cx
        .id
        .arn("ecs", true, &format!("cluster/{}", cx.spec.cluster));
    let families: Vec<String> = cx
        .spec
        .tasks
        .iter()
        .filter(|t| t.schedule.is_some())
        .map(|t| {
            cx.id
                .arn("ecs", true, &format!("task-definition/{}:*", t.family))
        })
        .collect();
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "RunScheduledTasks",
                "Effect": "Allow",
                "Action": ["ecs:RunTask"],
                "Resource": families,
                "Condition": { "ArnEquals": { "ecs:cluster": cluster } }
            },
            {
                "Sid": "PassTaskRoles",
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": [
                    arn_of(cx.id, cx.spec, Kind::ExecutionRole),
                    arn_of(cx.id, cx.spec, Kind::TaskRole)
                ],
                // Only to ECS's tasks, not to any service that takes a role.
                "Condition": { "StringEquals": { "iam:PassedToService": "ecs-tasks.amazonaws.com" } }
            },
            {
                "Sid": "TagStartedTasks",
                "Effect": "Allow",
                "Action": ["ecs:TagResource"],
                "Resource": [cx.id.arn("ecs", true, &format!("task/{}/*", cx.spec.cluster))]
            }
        ]
    })
}

fn policy_role(node: &Node) -> &str {
    node.desired["role"].as_str().unwrap_or_default()
}

pub async fn observe_role(aws: &Aws, node: &Node) -> Result<Option<State>> {
    match aws.iam.get_role().role_name(&node.name).send().await {
        Ok(out) => Ok(out.role().map(|r| {
            let tags = r
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect();
            State::new(r.arn(), Some(tags))
        })),
        Err(e) if code_of(&e) == Some("NoSuchEntity") => Ok(None),
        Err(e) => Err(e).ctx("iam GetRole").map_err(Into::into),
    }
}

pub async fn observe_policy(aws: &Aws, node: &Node) -> Result<Option<State>> {
    match aws
        .iam
        .get_role_policy()
        .role_name(policy_role(node))
        .policy_name(&node.name)
        .send()
        .await
    {
        Ok(out) => Ok(Some(State::new(&node.name, None).with(json!({
            "role": policy_role(node),
            "document": decode_policy(out.policy_document())?,
        })))),
        Err(e) if code_of(&e) == Some("NoSuchEntity") => Ok(None),
        Err(e) => Err(e).ctx("iam GetRolePolicy").map_err(Into::into),
    }
}

/// IAM returns policy documents URL-encoded.
fn decode_policy(doc: &str) -> Result<Value> {
    let decoded = percent_encoding::percent_decode_str(doc).decode_utf8_lossy();
    Ok(serde_json::from_str(&decoded)?)
}

/// Policies compare by meaning: statement order, key order, and a single
/// action or resource written as a string instead of a list do not count.
pub fn diff_policy(node: &Node, state: &State) -> Option<Diff> {
    let desired = normalise(&node.desired["document"]);
    let current = normalise(&state.attributes["document"]);
    (desired != current).then(|| Diff {
        refused: None,
        action: Some(Action::Update),
        changes: vec![Change {
            field: "document".into(),
            before: "current policy".into(),
            after: "generated policy".into(),
        }],
        text: Some(super::core::unified(
            &current,
            &desired,
            "current",
            "generated",
        )),
        predicted: None,
    })
}

pub fn trust_policy(principal: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": principal },
            "Action": "sts:AssumeRole"
        }]
    })
}

pub fn execution_policy<'a>(
    spec: &StackSpec,
    id: &Identity,
    images: impl IntoIterator<Item = &'a ResolvedImage>,
) -> Value {
    let log_arn = super::log_group::arn(id, &spec.log_group);
    let repos: BTreeSet<String> = images
        .into_iter()
        .filter_map(|i| i.repository_arn.clone())
        .collect();
    let mut statements = Vec::new();
    if !repos.is_empty() {
        statements.push(json!({
            "Sid": "EcrAuth",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken"],
            "Resource": "*"
        }));
        statements.push(json!({
            "Sid": "EcrPull",
            "Effect": "Allow",
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            "Resource": repos.into_iter().collect::<Vec<_>>()
        }));
    }
    statements.push(json!({
        "Sid": "WriteLogs",
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [log_arn.clone(), format!("{log_arn}:log-stream:*")]
    }));
    json!({ "Version": "2012-10-17", "Statement": statements })
}

/// Order-insensitive form: single strings become lists, lists are sorted,
/// statements are sorted.
pub fn normalise(policy: &Value) -> Value {
    fn norm(v: &Value) -> Value {
        match v {
            // Keys sorted, so that the text the arrays are sorted by is canonical.
            Value::Object(m) => {
                let sorted: std::collections::BTreeMap<_, _> = m.iter().collect();
                Value::Object(
                    sorted
                        .into_iter()
                        .map(|(k, v)| (k.clone(), norm(v)))
                        .collect(),
                )
            }
            Value::Array(a) => {
                let mut items: Vec<Value> = a.iter().map(norm).collect();
                items.sort_by_key(|i| i.to_string());
                Value::Array(items)
            }
            other => other.clone(),
        }
    }
    let mut p = policy.clone();
    if let Some(single @ Value::Object(_)) = p.get_mut("Statement") {
        *single = Value::Array(vec![single.clone()]);
    }
    if let Some(stmts) = p.get_mut("Statement").and_then(Value::as_array_mut) {
        for s in stmts.iter_mut() {
            for key in ["Action", "Resource", "NotAction", "NotResource"] {
                if let Some(v @ Value::String(_)) = s.get_mut(key) {
                    *v = Value::Array(vec![v.clone()]);
                }
            }
        }
    }
    norm(&p)
}

pub async fn apply_role(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
    let (purpose, principal) = match work.node.address.kind {
        Kind::ExecutionRole => ("ECS task execution role", ECS_TASKS_PRINCIPAL),
        Kind::EventsRole => ("EventBridge role for scheduled tasks", EVENTS_PRINCIPAL),
        Kind::DeployRole => (
            "ECS role that moves load balancer traffic in deployments",
            ECS_PRINCIPAL,
        ),
        _ => ("task role", ECS_TASKS_PRINCIPAL),
    };
    let mut req = aws
        .iam
        .create_role()
        .role_name(&work.node.name)
        .assume_role_policy_document(trust_policy(principal).to_string())
        .description(format!("fargate-stack {}: {purpose}", cx.spec.app));
    for (k, v) in super::core::tags(&cx.spec.app) {
        req = req.tags(Tag::builder().key(k).value(v).build()?);
    }
    match req.send().await.ctx("iam CreateRole") {
        Ok(out) => Ok(State::new(
            out.role().map(|r| r.arn()).unwrap_or_default(),
            super::core::tag_map(&cx.spec.app),
        )),
        // The request landed before: the role is the one we created.
        Err(e) if super::core::already_exists(&e) => {
            observe_role(aws, work.node).await?.ok_or_else(|| e.into())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn apply_policy(aws: &Aws, work: &Work<'_>) -> Result<State> {
    let doc = &work.node.desired["document"];
    aws.iam
        .put_role_policy()
        .role_name(policy_role(work.node))
        .policy_name(&work.node.name)
        .policy_document(doc.to_string())
        .send()
        .await
        .ctx("iam PutRolePolicy")?;
    Ok(State::new(&work.node.name, None).with(work.node.desired.clone()))
}

pub async fn delete_policy(aws: &Aws, node: &Node) -> Result<()> {
    Ok(super::core::gone(
        aws.iam
            .delete_role_policy()
            .role_name(policy_role(node))
            .policy_name(&node.name)
            .send()
            .await
            .ctx("iam DeleteRolePolicy"),
    )?)
}

/// Deletes the role after removing whatever policies remain on it (a role
/// with policies cannot be deleted; only our own role gets here).
pub async fn delete_role(aws: &Aws, node: &Node) -> Result<()> {
    let inline = aws
        .iam
        .list_role_policies()
        .role_name(&node.name)
        .send()
        .await
        .ctx("iam ListRolePolicies");
    let inline = match inline {
        Ok(out) => out.policy_names().to_vec(),
        Err(e) if super::core::not_found(&e) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for name in inline {
        aws.iam
            .delete_role_policy()
            .role_name(&node.name)
            .policy_name(&name)
            .send()
            .await
            .ctx("iam DeleteRolePolicy")?;
    }
    let attached = aws
        .iam
        .list_attached_role_policies()
        .role_name(&node.name)
        .send()
        .await
        .ctx("iam ListAttachedRolePolicies")?;
    for p in attached.attached_policies() {
        aws.iam
            .detach_role_policy()
            .role_name(&node.name)
            .set_policy_arn(p.policy_arn().map(str::to_string))
            .send()
            .await
            .ctx("iam DetachRolePolicy")?;
    }
    Ok(super::core::gone(
        aws.iam
            .delete_role()
            .role_name(&node.name)
            .send()
            .await
            .ctx("iam DeleteRole"),
    )?)
}

/// The keys a role records: its name, its policy's name, its ARN.
fn role_records(cx: &Inputs, node: &Node) -> Vec<Record> {
    let (key, policy) = match node.address.kind {
        Kind::ExecutionRole => ("role", &cx.spec.execution_policy),
        Kind::EventsRole => ("events_role", &cx.spec.events_policy),
        Kind::DeployRole => ("deploy_role", &cx.spec.deploy_policy),
        _ => ("task_role", &cx.spec.task_policy),
    };
    vec![
        Record::setting(&[key, "name"], node.name.as_str()),
        Record::setting(&[key, "policy_name"], policy.as_str()),
        Record::id(&[key, "arn"]),
    ]
}

/// The three roles share their code, as do their three inline policies;
/// each is a kind of its own in the graph.
macro_rules! role_kind {
    ($name:ident) => {
        pub struct $name;

        impl Resource for $name {
            const ADOPTED_IS_NOT_OURS_TO_CHANGE: bool = true;
            const CONFLICT_FIX: &'static str = SHARED_ROLE_FIX;
            fn nodes(cx: &Inputs) -> Vec<Node> {
                role_nodes(Kind::$name, cx)
            }
            async fn observe(aws: &Aws, _cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
                observe_role(aws, node).await
            }
            async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
                apply_role(aws, cx, work).await
            }
            async fn delete(
                aws: &Aws,
                _cx: &Inputs<'_>,
                node: &Node,
                _state: &State,
            ) -> Result<()> {
                delete_role(aws, node).await
            }
            fn records(cx: &Inputs, node: &Node) -> Vec<Record> {
                role_records(cx, node)
            }
        }
    };
}

/// A role the stack did not make may be shared (`ecsTaskExecutionRole`):
/// its trust and its policies grant every task that uses it.
const SHARED_ROLE_FIX: &str = "leave out the role's `name` (`role`, `task_role`, `events_role`) so the stack makes a role of its own";

macro_rules! policy_kind {
    ($name:ident) => {
        pub struct $name;

        impl Resource for $name {
            const ADOPTED_IS_NOT_OURS_TO_CHANGE: bool = true;
            const PART_OF_OWNER: bool = true;
            const CONFLICT_FIX: &'static str = SHARED_ROLE_FIX;
            fn nodes(cx: &Inputs) -> Vec<Node> {
                policy_nodes(Kind::$name, cx)
            }
            async fn observe(aws: &Aws, _cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
                observe_policy(aws, node).await
            }
            async fn apply(aws: &Aws, _cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
                apply_policy(aws, work).await
            }
            async fn delete(
                aws: &Aws,
                _cx: &Inputs<'_>,
                node: &Node,
                _state: &State,
            ) -> Result<()> {
                delete_policy(aws, node).await
            }
            fn diff(node: &Node, state: &State) -> Option<Diff> {
                diff_policy(node, state)
            }
        }
    };
}

role_kind!(ExecutionRole);
role_kind!(TaskRole);
role_kind!(EventsRole);
role_kind!(DeployRole);
policy_kind!(ExecutionPolicy);
policy_kind!(TaskPolicy);
policy_kind!(EventsPolicy);
policy_kind!(DeployPolicy);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalise_ignores_order_and_string_vs_list() {
        let a = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": ["b", "a"]},
            {"Effect": "Allow", "Action": ["ecr:X"], "Resource": "*"}]});
        let b = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["ecr:X"], "Resource": ["*"]},
            {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": ["a", "b"]}]});
        assert_eq!(normalise(&a), normalise(&b));
    }

    #[test]
    fn policy_diff_ignores_key_order_and_a_single_statement() {
        let ours = json!({"Version": "2012-10-17", "Statement": [
            {"Sid": "A", "Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": ["arn:x"]}]});
        // As another tool wrote it: keys reordered, no list around the statement or action.
        let theirs = json!({"Statement": {"Resource": "arn:x", "Action": "logs:PutLogEvents",
            "Effect": "Allow", "Sid": "A"}, "Version": "2012-10-17"});
        let mut node = Node::new(Kind::ExecutionPolicy, "main", "P");
        node.desired = json!({"role": "R", "document": ours});
        let state = State::new("P", None).with(json!({"role": "R", "document": theirs}));
        assert!(diff_policy(&node, &state).is_none());
        let changed = State::new("P", None).with(json!({"role": "R", "document":
            {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}}}));
        let d = diff_policy(&node, &changed).expect("a real change");
        assert!(d.text.unwrap().contains("logs:*"));
    }
}
