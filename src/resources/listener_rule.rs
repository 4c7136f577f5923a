//! One listener rule per web service: its host (and path, when set)
//! forwarded to its target group. A rule is recognised by its host and path,
//! so the priority it got stays: a new rule takes a priority derived from
//! the app and service names (the same on every run and machine), moved up
//! past any priority already in use, so it never collides with rules we do
//! not own. (The original took the highest priority + 1 on every run.)

use std::collections::BTreeMap;

use anyhow::Result;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, HostHeaderConditionConfig,
    HttpHeaderConditionConfig, PathPatternConditionConfig, Rule, RuleCondition, TargetGroupTuple,
};
use serde_json::{Value, json};

use super::core::{Address, Diff, Inputs, Kind, Node, Record, Resource, State, Work, reference};
use crate::aws::{Aws, AwsResultExt};
use crate::config::web::fnv1a;

const FIRST_PRIORITY: u64 = 100;

/// The header that sends a request to a traffic-shifting service's test
/// rule (`X-Fargate-Stack-Test: 1`): ECS points that rule at the new
/// revision during a deployment's test-traffic stage, before production.
pub const TEST_HEADER: &str = "X-Fargate-Stack-Test";
const TEST_HEADER_VALUE: &str = "1";

/// The address key of a service's test rule.
pub fn test_key(task: &str) -> String {
    format!("{task}-test")
}
const PRIORITY_SPAN: u64 = 40_000;

pub struct ListenerRule;

impl Resource for ListenerRule {
    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = &cx.spec.web else {
            return vec![];
        };
        let listener = Address::new(Kind::Listener, web.port.to_string());
        let mut nodes: Vec<Node> = web
            .services
            .iter()
            .map(|s| {
                let tg = Address::new(Kind::TargetGroup, &s.task);
                let mut n = Node::new(
                    Kind::ListenerRule,
                    &s.task,
                    format!(
                        "{}{} -> {}",
                        s.domain,
                        s.path.as_deref().unwrap_or(""),
                        s.target_group
                    ),
                );
                n.desired = json!({
                    "listener": reference(&listener),
                    "target_group": reference(&tg),
                    "host": s.domain,
                    "path": s.path,
                });
                // ECS moves the traffic between the two groups; the rule
                // forwards to both (which one has it is ECS's to say).
                if s.deployment.alternate_target_group.is_some() {
                    n.desired["alternate"] = reference(&Address::new(
                        Kind::TargetGroup,
                        super::target_group::alternate_key(&s.task),
                    ))
                    .into();
                }
                // The target group first: the rule is ours when it is.
                n.owner = Some(tg);
                n.task = Some(s.task.clone());
                n
            })
            .collect();
        // The test rule: the same route with the test header, ahead of the
        // production rule (a lower priority number).
        let tests: Vec<Node> = nodes
            .iter()
            .filter(|n| n.desired.get("alternate").is_some())
            .map(|production| {
                let mut t = production.clone();
                t.address = Address::new(
                    Kind::ListenerRule,
                    test_key(production.task.as_deref().unwrap_or_default()),
                );
                t.name = format!("{} (test: {TEST_HEADER})", production.name);
                t.desired["header"] = TEST_HEADER.into();
                t.desired["production"] = reference(&production.address).into();
                t
            })
            .collect();
        nodes.extend(tests);
        nodes
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let Some(web) = &cx.spec.web else {
            return Ok(None);
        };
        let Some(listener) = cx.web.listeners.iter().find(|l| l.port == web.port as i32) else {
            return Ok(None);
        };
        let host = node.desired["host"].as_str().unwrap_or_default();
        let path: Vec<String> = node.desired["path"]
            .as_str()
            .map(str::to_string)
            .into_iter()
            .collect();
        let all = cx
            .observing
            .listener_rules
            .get_or_try_init(|| rules(aws, &listener.arn))
            .await?;
        let header = node.desired["header"].as_str();
        let found = all.iter().find(|r| {
            r.is_default() != Some(true)
                && condition_values(r, "host-header") == [host.to_string()]
                && condition_values(r, "path-pattern") == path
                && header_of(r).as_deref().map(str::to_ascii_lowercase)
                    == header.map(str::to_ascii_lowercase)
        });
        Ok(found.map(|r| {
            let mut observed = json!({
                "listener": listener.arn,
                "target_groups": forwards_to(r).into_keys().collect::<Vec<_>>(),
                "host": host,
                "path": path.first(),
            });
            if let Some(h) = header {
                observed["header"] = h.into();
            }
            let mut s = State::new(r.rule_arn().unwrap_or_default(), None).with(observed);
            s.outputs.insert(
                "priority".into(),
                r.priority().unwrap_or_default().to_string(),
            );
            s.outputs.insert(
                WEIGHTS.into(),
                serde_json::to_string(&forwards_to(r)).unwrap_or_default(),
            );
            s
        }))
    }

    /// The rule is right when it routes the host and path to the service's
    /// group (and, with a traffic-shifting deployment, its alternate): how
    /// the traffic is split between the two is ECS's.
    fn diff(node: &Node, state: &State) -> Option<Diff> {
        let mut diff =
            super::core::diff_attributes(&as_observed(&node.desired), &state.attributes)?;
        // Back to one group while ECS's last deployment left the traffic on
        // the other: the rule would send it to a group with no tasks.
        let weights: BTreeMap<String, i32> = state
            .outputs
            .get(WEIGHTS)
            .and_then(|w| serde_json::from_str(w).ok())
            .unwrap_or_default();
        let primary = node.desired["target_group"].as_str().unwrap_or_default();
        if node.desired.get("alternate").is_none()
            && weights.get(primary) == Some(&0)
            && weights.values().any(|w| *w > 0)
        {
            diff.refused = Some(format!(
                "forwards all traffic to another target group ({}): ECS's last deployment moved it there. Deploy once more with the traffic-shifting strategy (so the traffic comes back), or move it with `aws elbv2 modify-rule`, before going back to `strategy: rolling`",
                weights
                    .iter()
                    .filter(|(_, w)| **w > 0)
                    .map(|(g, _)| g.rsplit('/').nth(1).unwrap_or(g))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Some(diff)
    }

    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        // The production and test rules ECS moves traffic on (update-service
        // sends them).
        let key = match (node.desired.get("alternate"), node.desired.get("header")) {
            (None, _) => return vec![],
            (Some(_), None) => "listener_rule_arn",
            (Some(_), Some(_)) => "test_listener_rule_arn",
        };
        vec![Record::id(&[
            "tasks",
            node.task.as_deref().unwrap_or_default(),
            "deployment",
            key,
        ])]
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        if let Some(current) = work.current {
            // The split ECS left stays as it is.
            let weights: BTreeMap<String, i32> = current
                .outputs
                .get(WEIGHTS)
                .and_then(|w| serde_json::from_str(w).ok())
                .unwrap_or_default();
            aws.elb
                .modify_rule()
                .rule_arn(&current.id)
                .set_conditions(Some(conditions(d)?))
                .actions(forward_weighted(d, &weights)?)
                .send()
                .await
                .ctx("elbv2 ModifyRule")?;
            let mut s = State::new(current.id.clone(), None).with(as_observed(d));
            s.outputs = current.outputs.clone();
            return Ok(s);
        }
        let listener = d["listener"].as_str().unwrap_or_default();
        let task = work.node.task.as_deref().unwrap_or_default();
        let mut attempts = 0;
        loop {
            let used: Vec<u64> = rules(aws, listener)
                .await?
                .iter()
                .filter_map(|r| r.priority()?.parse().ok())
                .collect();
            // A test rule goes just ahead of its production rule.
            let ahead_of = d["production"]
                .is_string()
                .then(|| {
                    work.deps
                        .get(&Address::new(Kind::ListenerRule, task))
                        .and_then(|s| s.outputs.get("priority")?.parse::<u64>().ok())
                })
                .flatten();
            let priority = match ahead_of {
                Some(p) => (1..p)
                    .rev()
                    .find(|q| !used.contains(q))
                    .unwrap_or_else(|| free_priority(&cx.spec.app, task, &used)),
                None => free_priority(&cx.spec.app, task, &used),
            };
            match aws
                .elb
                .create_rule()
                .listener_arn(listener)
                .priority(priority as i32)
                .set_conditions(Some(conditions(d)?))
                .actions(forward_weighted(d, &BTreeMap::new())?)
                .set_tags(Some(super::load_balancer::elb_tags(&cx.spec.app)))
                .send()
                .await
                .ctx("elbv2 CreateRule")
            {
                Ok(out) => {
                    let arn = out
                        .rules()
                        .first()
                        .and_then(|r| r.rule_arn())
                        .unwrap_or_default();
                    let mut s = State::new(arn, None).with(as_observed(d));
                    s.outputs.insert("priority".into(), priority.to_string());
                    return Ok(s);
                }
                // Another rule took it meanwhile (our other services run
                // concurrently): look again.
                Err(e) if e.code.as_deref() == Some("PriorityInUse") && attempts < 5 => {
                    attempts += 1
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        Ok(super::core::gone(
            aws.elb
                .delete_rule()
                .rule_arn(&state.id)
                .send()
                .await
                .ctx("elbv2 DeleteRule"),
        )?)
    }
}

fn condition_values(rule: &Rule, field: &str) -> Vec<String> {
    rule.conditions()
        .iter()
        .filter(|c| c.field() == Some(field))
        .flat_map(|c| {
            let typed: Vec<String> = match field {
                "host-header" => c
                    .host_header_config()
                    .map(|h| h.values().to_vec())
                    .unwrap_or_default(),
                _ => c
                    .path_pattern_config()
                    .map(|p| p.values().to_vec())
                    .unwrap_or_default(),
            };
            if typed.is_empty() {
                c.values().to_vec()
            } else {
                typed
            }
        })
        .collect()
}

/// The output with the rule's weights (target group -> weight), which a
/// change keeps.
const WEIGHTS: &str = "weights";

/// The target groups a rule forwards to, each with its weight.
fn forwards_to(rule: &Rule) -> BTreeMap<String, i32> {
    weights(rule).into_iter().collect()
}

/// The target groups a rule forwards to with their weights, in the rule's
/// order (a plain forward is one group of weight 1).
pub fn weights(rule: &Rule) -> Vec<(String, i32)> {
    let Some(a) = rule
        .actions()
        .iter()
        .find(|a| a.r#type() == Some(&ActionTypeEnum::Forward))
    else {
        return vec![];
    };
    let weighted: Vec<(String, i32)> = a
        .forward_config()
        .map(|f| {
            f.target_groups()
                .iter()
                .filter_map(|t| Some((t.target_group_arn()?.to_string(), t.weight().unwrap_or(1))))
                .collect()
        })
        .unwrap_or_default();
    if !weighted.is_empty() {
        return weighted;
    }
    a.target_group_arn()
        .map(|t| vec![(t.to_string(), 1)])
        .unwrap_or_default()
}

/// The name of a rule's http-header condition, when it has one.
fn header_of(rule: &Rule) -> Option<String> {
    rule.conditions()
        .iter()
        .find(|c| c.field() == Some("http-header"))
        .and_then(|c| c.http_header_config())
        .and_then(|h| h.http_header_name().map(str::to_string))
}

/// A desired rule as observe reports one: its groups as a sorted list.
fn as_observed(d: &Value) -> Value {
    let mut groups: Vec<Value> = [&d["target_group"], &d["alternate"]]
        .into_iter()
        .filter(|v| !v.is_null())
        .cloned()
        .collect();
    groups.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    let mut out = json!({
        "listener": d["listener"],
        "target_groups": groups,
        "host": d["host"],
        "path": d["path"],
    });
    if d["header"].is_string() {
        out["header"] = d["header"].clone();
    }
    out
}

async fn rules(aws: &Aws, listener: &str) -> Result<Vec<Rule>> {
    let mut all = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = aws
            .elb
            .describe_rules()
            .listener_arn(listener)
            .set_marker(marker.clone())
            .send()
            .await
            .ctx("elbv2 DescribeRules")?;
        all.extend(out.rules().iter().cloned());
        match out.next_marker() {
            Some(m) if !m.is_empty() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(all)
}

fn conditions(d: &Value) -> Result<Vec<RuleCondition>> {
    let mut out = vec![
        RuleCondition::builder()
            .field("host-header")
            .host_header_config(
                HostHeaderConditionConfig::builder()
                    .values(d["host"].as_str().unwrap_or_default())
                    .build(),
            )
            .build(),
    ];
    if let Some(p) = d["path"].as_str() {
        out.push(
            RuleCondition::builder()
                .field("path-pattern")
                .path_pattern_config(PathPatternConditionConfig::builder().values(p).build())
                .build(),
        );
    }
    if let Some(h) = d["header"].as_str() {
        out.push(
            RuleCondition::builder()
                .field("http-header")
                .http_header_config(
                    HttpHeaderConditionConfig::builder()
                        .http_header_name(h)
                        .values(TEST_HEADER_VALUE)
                        .build(),
                )
                .build(),
        );
    }
    Ok(out)
}

/// Forward to the service's group; with an alternate, to both, weighted as
/// `weights` says (all to the service's group on a new rule).
fn forward_weighted(d: &Value, weights: &BTreeMap<String, i32>) -> Result<Action> {
    let primary = d["target_group"].as_str().unwrap_or_default();
    let Some(alternate) = d["alternate"].as_str() else {
        return Ok(Action::builder()
            .r#type(ActionTypeEnum::Forward)
            .target_group_arn(primary)
            .build());
    };
    let kept = weights.contains_key(primary) && weights.contains_key(alternate);
    let weight = |arn: &str, fresh: i32| if kept { weights[arn] } else { fresh };
    Ok(Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(
            ForwardActionConfig::builder()
                .target_groups(
                    TargetGroupTuple::builder()
                        .target_group_arn(primary)
                        .weight(weight(primary, 100))
                        .build(),
                )
                .target_groups(
                    TargetGroupTuple::builder()
                        .target_group_arn(alternate)
                        .weight(weight(alternate, 0))
                        .build(),
                )
                .build(),
        )
        .build())
}

/// The priority a new rule takes: the one derived from its name, or the
/// next free one above it.
pub fn free_priority(app: &str, task: &str, used: &[u64]) -> u64 {
    let mut p = FIRST_PRIORITY + fnv1a(&format!("{app}/{task}")) % PRIORITY_SPAN;
    while used.contains(&p) {
        p += 1;
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities_are_stable_and_skip_used_ones() {
        let p = free_priority("shop", "web", &[]);
        assert_eq!(p, free_priority("shop", "web", &[]));
        assert!((FIRST_PRIORITY..FIRST_PRIORITY + PRIORITY_SPAN).contains(&p));
        assert_eq!(free_priority("shop", "web", &[p]), p + 1);
        assert_ne!(p, free_priority("shop", "api", &[]));
    }
}
