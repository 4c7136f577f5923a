//! ECS services, one per daemon/http/https task. `create-service` creates
//! one through the engine (this kind's `apply`); its siblings change them;
//! `destroy` and the `delete-*` commands scale them to zero and delete them
//! before anything they use. `apply` never plans them.

use anyhow::Result;
use aws_sdk_ecs::types::{
    AdvancedConfiguration, AssignPublicIp, AwsVpcConfiguration, CanaryConfiguration,
    DeploymentAlarms, DeploymentCircuitBreaker, DeploymentConfiguration, DeploymentStrategy,
    LaunchType, LinearConfiguration, LoadBalancer, NetworkConfiguration, Service as EcsService,
    ServiceField,
};
use serde_json::{Value, json};

use super::core::{Address, Diff, Inputs, Kind, Node, Resource, State, Work, reference, strings};
use crate::aws::{Aws, AwsResultExt};
use crate::config::model::{Config, TaskType};
use crate::config::spec::TaskSpec;
use crate::config::web::WebService;
use crate::ownership::Ownership;

pub struct Service;

/// The state's output with the service's status (ACTIVE, DRAINING).
pub const STATUS: &str = "status";

/// An untagged service (App::FargateStack's, or someone's) is this stack's
/// only when it runs the family the config recorded for its task: its
/// name and the config's records agree (and, see `scoped`, the revision it
/// runs is the stack's).
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
/// (for the commands that change one: it must be the stack's). An untagged
/// service is the stack's only when it runs the recorded family and the
/// revision it runs is the stack's (one more call, for those only).
pub async fn ownership(
    aws: &Aws,
    config: &Config,
    app: &str,
    task: &str,
    s: &EcsService,
) -> Result<Ownership> {
    let judged = |scoped: bool| {
        crate::ownership::of(
            super::cluster::tag_map(s.tags()).as_ref(),
            app,
            crate::ownership::Evidence {
                scoped,
                recorded: runs_recorded_family(config, task, s),
            },
        )
    };
    let own = judged(true);
    if own != Ownership::Recorded {
        return Ok(own);
    }
    let revision = s.task_definition().unwrap_or_default();
    let stacks =
        super::task_definition::revision_is_stacks(aws, app, revision, config.id.is_some()).await?;
    Ok(judged(stacks))
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

    /// Creates the service as `desired` describes it (references resolved).
    /// Only `create-service` plans a service; once it runs, the service
    /// commands change it.
    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        let network = NetworkConfiguration::builder()
            .awsvpc_configuration(
                AwsVpcConfiguration::builder()
                    .set_subnets(Some(strings(&d["subnets"])))
                    .set_security_groups(Some(strings(&d["security_groups"])))
                    .assign_public_ip(AssignPublicIp::from(
                        d["assign_public_ip"].as_str().unwrap_or("DISABLED"),
                    ))
                    .build()?,
            )
            .build();
        let deployment = deployment_configuration(&d["deployment"]);
        let (load_balancers, grace_seconds) = load_balancers(&d["load_balancer"]);
        let spot = d["spot"].as_u64().map(|n| n as u32);
        let out = aws
            .ecs
            .create_service()
            .cluster(&cx.spec.cluster)
            .service_name(&work.node.name)
            .task_definition(d["task_definition"].as_str().unwrap_or_default())
            .desired_count(d["desired_count"].as_i64().unwrap_or(1) as i32)
            // Fargate Spot (`spot: true`) is a capacity provider strategy,
            // which excludes a launch type.
            .set_launch_type(spot.is_none().then_some(LaunchType::Fargate))
            .set_capacity_provider_strategy(super::cluster::capacity_strategy(spot))
            .network_configuration(network)
            .deployment_configuration(deployment)
            .set_load_balancers(load_balancers)
            .set_enable_execute_command(d["enable_execute_command"].as_bool())
            .set_health_check_grace_period_seconds(grace_seconds)
            .set_tags(Some(super::cluster::ecs_tags(&cx.spec.app)))
            .send()
            .await
            .ctx("ecs CreateService")?;
        let arn = out
            .service()
            .and_then(|s| s.service_arn())
            .unwrap_or_default();
        Ok(State::new(arn, None))
    }

    /// A running service is changed by the service commands (update-service,
    /// start-service, ...), never by a plan.
    fn diff(_node: &Node, _state: &State) -> Option<Diff> {
        None
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        cx.spec
            .tasks
            .iter()
            .filter(|t| matches!(t.kind, TaskType::Daemon | TaskType::Http | TaskType::Https))
            .map(|t| {
                let mut n = Node::new(Kind::Service, &t.key, &t.key);
                n.desired = desired(cx, t);
                n.owner = Some(Address::new(Kind::Cluster, "main"));
                n.depends_on = vec![Address::new(Kind::Cluster, "main")];
                // ECS takes the generated alarms by name: they exist first.
                if let Some(w) = cx.spec.web.as_ref().and_then(|w| w.service(&t.key)) {
                    n.depends_on.extend(
                        w.deployment
                            .alarms
                            .iter()
                            .map(|a| super::alarm::address(&t.key, a.watch)),
                    );
                }
                // The revision the config recorded is no reference; the
                // task definition is an edge still.
                let family = Address::new(Kind::TaskDefinition, &t.key);
                if !super::core::references(&n.desired).contains(&family) {
                    n.depends_on.push(family);
                }
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
                if let Some(status) = s.status() {
                    state.outputs.insert(STATUS.into(), status.to_string());
                }
                state
            }))
    }

    /// Named after its task, in the stack's cluster, and running a revision
    /// that is the stack's: an untagged service running the recorded family
    /// is the stack's only then. An imported config records the family of a
    /// service that stays its owner's, and that family is not the stack's.
    fn scoped(
        node: &Node,
        _state: &State,
        observed: &std::collections::BTreeMap<Address, State>,
        app: &str,
    ) -> bool {
        let task = node.task.as_deref().unwrap_or(&node.name);
        observed
            .get(&Address::new(Kind::TaskDefinition, task))
            .is_some_and(|td| {
                let scoped = <super::task_definition::TaskDefinition as Resource>::scoped(
                    node, td, observed, app,
                );
                td.ownership(app, scoped).is_ours()
            })
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

/// What `create-service` sends: the revision the config recorded, the
/// private subnets (the public ones, with a public IP, when there are
/// none), the tasks' security group and, for a web service, its target
/// group. The count is the config's `desired_count` (the command's count
/// replaces it).
fn desired(cx: &Inputs, t: &crate::config::spec::TaskSpec) -> Value {
    let recorded = cx.config.tasks.get(&t.key).and_then(|c| c.arn.clone());
    let (mut subnets, public_ip) = cx.network.task_subnets();
    // A web service runs only where its load balancer sends traffic.
    if cx
        .spec
        .web
        .as_ref()
        .and_then(|w| w.service(&t.key))
        .is_some()
        && let Some(placement) = super::load_balancer::placement(cx)
    {
        subnets = placement.service_subnets;
    }
    let mut d = json!({
        "task_definition": recorded
            .unwrap_or_else(|| reference(&Address::new(Kind::TaskDefinition, &t.key))),
        "desired_count": t.desired_count.unwrap_or(1),
        "subnets": subnets,
        "assign_public_ip": if public_ip { "ENABLED" } else { "DISABLED" },
        "security_groups": [reference(&Address::new(Kind::SecurityGroup, "main"))],
    });
    if let Some(spot) = t.spot {
        d["spot"] = json!(spot);
    }
    if t.exec {
        d["enable_execute_command"] = json!(true);
    }
    if let Some(w) = cx.spec.web.as_ref().and_then(|w| w.service(&t.key)) {
        d["load_balancer"] =
            load_balancer_entry(w, t, reference(&Address::new(Kind::TargetGroup, &t.key)));
        if w.deployment.strategy.shifts_traffic() {
            d["load_balancer"]["advanced"] = json!({
                "alternate_target_group": reference(&Address::new(
                    Kind::TargetGroup,
                    super::target_group::alternate_key(&t.key),
                )),
                "production_rule": reference(&Address::new(Kind::ListenerRule, &t.key)),
                "test_rule": reference(&Address::new(
                    Kind::ListenerRule,
                    super::listener_rule::test_key(&t.key),
                )),
                "role": reference(&Address::new(Kind::DeployRole, "main")),
            });
        }
    }
    d["deployment"] = deployment_doc(cx.spec, t);
    d
}

/// A service's deployment as the service node records it: its strategy
/// (a web service's own; rolling otherwise) and the alarms that roll it back.
pub fn deployment_doc(spec: &crate::config::StackSpec, t: &TaskSpec) -> Value {
    let web = spec.web.as_ref().and_then(|w| w.service(&t.key));
    let mut d = match web {
        Some(w) => deployment_document(&w.deployment),
        None => json!({ "strategy": "ROLLING" }),
    };
    let generated = web.iter().flat_map(|w| &w.deployment.alarms);
    let names: Vec<&str> = t
        .alarms
        .iter()
        .map(String::as_str)
        .chain(generated.map(|a| a.name.as_str()))
        .collect();
    if !names.is_empty() {
        d["alarms"] = json!(names);
    }
    d
}

/// A web service's deployment as the service node records it.
pub fn deployment_document(spec: &crate::config::web::DeploySpec) -> Value {
    let mut d = json!({ "strategy": spec.strategy.ecs() });
    if spec.strategy.shifts_traffic() {
        d["bake_minutes"] = json!(spec.bake_minutes);
    }
    if let Some((percent, minutes)) = spec.canary {
        d["canary"] = json!({ "percent": percent, "minutes": minutes });
    }
    if let Some((percent, minutes)) = spec.linear {
        d["linear"] = json!({ "percent": percent, "minutes": minutes });
    }
    d
}

/// The deployment configuration as the ECS API's JSON (what `render` shows).
fn deployment_json(d: &Value) -> Value {
    let mut out = json!({
        "maximumPercent": MAXIMUM_PERCENT,
        "minimumHealthyPercent": MINIMUM_HEALTHY_PERCENT,
        "deploymentCircuitBreaker": {"enable": true, "rollback": true},
        "strategy": d["strategy"].as_str().unwrap_or("ROLLING"),
    });
    if let Some(b) = d["bake_minutes"].as_u64() {
        out["bakeTimeInMinutes"] = json!(b);
    }
    if d["canary"].is_object() {
        out["canaryConfiguration"] = json!({
            "canaryPercent": d["canary"]["percent"],
            "canaryBakeTimeInMinutes": d["canary"]["minutes"],
        });
    }
    if d["alarms"].is_array() {
        out["alarms"] = json!({"alarmNames": d["alarms"], "enable": true, "rollback": true});
    }
    if d["linear"].is_object() {
        out["linearConfiguration"] = json!({
            "stepPercent": d["linear"]["percent"],
            "stepBakeTimeInMinutes": d["linear"]["minutes"],
        });
    }
    out
}

/// The deployment configuration ECS gets: the rolling percentages and the
/// circuit breaker, and the strategy with its timings.
pub fn deployment_configuration(d: &Value) -> DeploymentConfiguration {
    let minutes = |v: &Value| v.as_u64().map(|m| m as i32);
    DeploymentConfiguration::builder()
        .maximum_percent(MAXIMUM_PERCENT)
        .minimum_healthy_percent(MINIMUM_HEALTHY_PERCENT)
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(true)
                .rollback(true)
                .build(),
        )
        .strategy(DeploymentStrategy::from(
            d["strategy"].as_str().unwrap_or("ROLLING"),
        ))
        .set_bake_time_in_minutes(minutes(&d["bake_minutes"]))
        .set_canary_configuration(d["canary"].is_object().then(|| {
            CanaryConfiguration::builder()
                .canary_percent(d["canary"]["percent"].as_f64().unwrap_or_default())
                .canary_bake_time_in_minutes(minutes(&d["canary"]["minutes"]).unwrap_or_default())
                .build()
        }))
        .set_alarms(d["alarms"].is_array().then(|| {
            DeploymentAlarms::builder()
                .set_alarm_names(Some(strings(&d["alarms"])))
                .enable(true)
                .rollback(true)
                .build()
                .expect("names, enable and rollback are set")
        }))
        .set_linear_configuration(d["linear"].is_object().then(|| {
            LinearConfiguration::builder()
                .step_percent(d["linear"]["percent"].as_f64().unwrap_or_default())
                .step_bake_time_in_minutes(minutes(&d["linear"]["minutes"]).unwrap_or_default())
                .build()
        }))
        .build()
}

/// A running service's deployment in the form `deployment_doc` gives:
/// the inverse of `deployment_configuration` (a unit test holds them to it).
pub fn deployment_of(svc: &aws_sdk_ecs::types::Service) -> Value {
    let c = svc.deployment_configuration();
    let strategy = c
        .and_then(|c| c.strategy())
        .map_or("ROLLING", |s| s.as_str());
    let mut d = json!({ "strategy": strategy });
    if strategy != "ROLLING" {
        d["bake_minutes"] = json!(c.and_then(|c| c.bake_time_in_minutes()));
    }
    if let Some(k) = c.and_then(|c| c.canary_configuration()) {
        d["canary"] =
            json!({"percent": k.canary_percent(), "minutes": k.canary_bake_time_in_minutes()});
    }
    if let Some(k) = c.and_then(|c| c.linear_configuration()) {
        d["linear"] =
            json!({"percent": k.step_percent(), "minutes": k.step_bake_time_in_minutes()});
    }
    if let Some(a) = c.and_then(|c| c.alarms()).filter(|a| a.enable()) {
        d["alarms"] = json!(a.alarm_names());
    }
    d
}
/// A rolling deployment: new tasks start beside the old ones, which stop
/// once the new ones are healthy.
const MAXIMUM_PERCENT: i32 = 200;
const MINIMUM_HEALTHY_PERCENT: i32 = 100;

/// The CreateService request `create-service` sends for a service node's desired
/// document, as the ECS API's JSON (what `render` shows); references not
/// yet known stay `{{kind/key}}`.
pub fn request_json(cx_cluster: &str, app: &str, name: &str, d: &Value) -> Value {
    let (load_balancers, grace) = load_balancers(&d["load_balancer"]);
    let mut out = json!({
        "cluster": cx_cluster,
        "serviceName": name,
        "taskDefinition": d["task_definition"],
        "desiredCount": d["desired_count"],
        "networkConfiguration": {"awsvpcConfiguration": {
            "subnets": d["subnets"],
            "securityGroups": d["security_groups"],
            "assignPublicIp": d["assign_public_ip"],
        }},
        "deploymentConfiguration": deployment_json(&d["deployment"]),
        "tags": super::core::tags(app).into_iter().map(|(k, v)| json!({"key": k, "value": v})).collect::<Vec<_>>(),
    });
    match d["spot"].as_u64() {
        Some(base) => {
            out["capacityProviderStrategy"] = json!([
                {"capacityProvider": "FARGATE", "base": base, "weight": 0},
                {"capacityProvider": "FARGATE_SPOT", "base": 0, "weight": 1},
            ]);
        }
        None => out["launchType"] = json!("FARGATE"),
    }
    if let Some(lbs) = load_balancers {
        out["loadBalancers"] = lbs
            .iter()
            .map(|lb| {
                let mut entry = json!({
                    "targetGroupArn": lb.target_group_arn(),
                    "containerName": lb.container_name(),
                    "containerPort": lb.container_port(),
                });
                if let Some(a) = lb.advanced_configuration() {
                    entry["advancedConfiguration"] = json!({
                        "alternateTargetGroupArn": a.alternate_target_group_arn(),
                        "productionListenerRule": a.production_listener_rule(),
                        "testListenerRule": a.test_listener_rule(),
                        "roleArn": a.role_arn(),
                    });
                }
                entry
            })
            .collect();
    }
    if let Some(g) = grace {
        out["healthCheckGracePeriodSeconds"] = json!(g);
    }
    if d["enable_execute_command"].as_bool() == Some(true) {
        out["enableExecuteCommand"] = json!(true);
    }
    out
}

/// A web service's place behind the load balancer, as the service node
/// records it (the create path sends it, and an update adds it to a service
/// made before its task became http/https).
pub fn load_balancer_entry(w: &WebService, t: &TaskSpec, target_group: String) -> Value {
    json!({
        "target_group": target_group,
        "container": t.name,
        "port": w.container_port,
        "grace_seconds": w.grace_seconds,
    })
}

/// The entry as ECS's request members: the load balancers and the grace
/// period (none for a service without a load balancer).
pub fn load_balancers(entry: &Value) -> (Option<Vec<LoadBalancer>>, Option<i32>) {
    if !entry.is_object() {
        return (None, None);
    }
    let advanced = &entry["advanced"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let lb = LoadBalancer::builder()
        .target_group_arn(entry["target_group"].as_str().unwrap_or_default())
        .container_name(entry["container"].as_str().unwrap_or_default())
        .container_port(entry["port"].as_i64().unwrap_or_default() as i32)
        .set_advanced_configuration(advanced.is_object().then(|| {
            AdvancedConfiguration::builder()
                .alternate_target_group_arn(text(&advanced["alternate_target_group"]))
                .production_listener_rule(text(&advanced["production_rule"]))
                .set_test_listener_rule(advanced["test_rule"].as_str().map(str::to_string))
                .role_arn(text(&advanced["role"]))
                .build()
        }))
        .build();
    (
        Some(vec![lb]),
        entry["grace_seconds"].as_i64().map(|g| g as i32),
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// What create-service and update-service send is what a describe of
    /// the service reads back, for every strategy.
    #[test]
    fn a_deployment_reads_back_as_it_was_sent() {
        for doc in [
            json!({ "strategy": "ROLLING" }),
            json!({ "strategy": "ROLLING", "alarms": ["a", "b"] }),
            json!({ "strategy": "BLUE_GREEN", "bake_minutes": 10 }),
            json!({ "strategy": "CANARY", "bake_minutes": 15,
                    "canary": { "percent": 10.0, "minutes": 5 }, "alarms": ["web-5xx"] }),
            json!({ "strategy": "LINEAR", "bake_minutes": 0,
                    "linear": { "percent": 20.0, "minutes": 3 } }),
        ] {
            let svc = aws_sdk_ecs::types::Service::builder()
                .deployment_configuration(super::deployment_configuration(&doc))
                .build();
            assert_eq!(super::deployment_of(&svc), doc);
        }
    }
}
