//! EventBridge rule `<task>-schedule`, one per scheduled task, on the
//! default bus. A changed schedule is an update in place; whether the rule
//! is enabled is left to `enable-scheduled-task` / `disable-scheduled-task`.

use anyhow::Result;
use aws_sdk_eventbridge::types::{RuleState, Tag};
use serde_json::json;

use super::core::{Inputs, Kind, Node, Record, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt, code_of};

pub fn rule_name(task: &str) -> String {
    crate::config::spec::schedule_rule_name(task)
}

pub struct ScheduleRule;

impl Resource for ScheduleRule {
    /// Named after the task, not the app: a rule is this app's when it
    /// targets this app's cluster.
    fn scoped(
        node: &Node,
        _state: &State,
        observed: &std::collections::BTreeMap<super::core::Address, State>,
        app: &str,
    ) -> bool {
        let target = super::core::Address::new(Kind::ScheduleTarget, &node.address.key);
        observed
            .get(&target)
            .and_then(|t| t.attributes["cluster"].as_str())
            .and_then(|arn| arn.rsplit('/').next())
            .is_some_and(|cluster| crate::ownership::scoped_to(cluster, app))
    }

    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        let key = node.task.as_deref().unwrap_or_default();
        node.desired["schedule"]
            .as_str()
            .map(|s| Record::setting(&["tasks", key, "schedule"], s))
            .into_iter()
            .collect()
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        cx.spec
            .tasks
            .iter()
            .filter_map(|t| {
                let schedule = t.schedule.as_ref()?;
                let name = t.rule_name.clone();
                let mut n = Node::new(Kind::ScheduleRule, &t.key, &name);
                n.predicted = cx.id.arn("events", true, &format!("rule/{name}"));
                n.desired = json!({ "schedule": schedule });
                n.task = Some(t.key.clone());
                Some(n)
            })
            .collect()
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let arn = cx.id.arn("events", true, &format!("rule/{}", node.name));
        let describe = aws.events.describe_rule().name(&node.name).send();
        let tags = aws
            .events
            .list_tags_for_resource()
            .resource_arn(&arn)
            .send();
        let (rule, tags) = tokio::join!(describe, tags);
        let rule = match rule {
            Ok(r) => r,
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => return Ok(None),
            Err(e) => return Err(e).ctx("events DescribeRule").map_err(Into::into),
        };
        let tags = tags.ok().map(|t| {
            t.tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect()
        });
        Ok(Some(State::new(rule.arn().unwrap_or(&arn), tags).with(
            json!({
                "schedule": rule.schedule_expression(),
            }),
        )))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let name = &work.node.name;
        let schedule = work.node.desired["schedule"].as_str().unwrap_or_default();
        let state = if work.current.is_some() {
            current_state(aws, name)
                .await?
                .unwrap_or(RuleState::Enabled)
        } else {
            RuleState::Enabled
        };
        let mut req = aws
            .events
            .put_rule()
            .name(name)
            .schedule_expression(schedule)
            .state(state)
            .description(format!(
                "fargate-stack {}: runs the task {}",
                cx.spec.app,
                work.node.task.as_deref().unwrap_or_default()
            ));
        if work.current.is_none() {
            for (k, v) in super::core::tags(&cx.spec.app) {
                req = req.tags(Tag::builder().key(k).value(v).build()?);
            }
        }
        let out = req.send().await.ctx("events PutRule")?;
        Ok(State::new(
            out.rule_arn().unwrap_or_default(),
            super::core::tag_map(&cx.spec.app),
        )
        .with(work.node.desired.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        Ok(super::core::gone(
            aws.events
                .delete_rule()
                .name(&node.name)
                .send()
                .await
                .ctx("events DeleteRule"),
        )?)
    }
}

/// The rule's state (ENABLED or DISABLED) as it is now, for an update that
/// must not re-enable a rule someone disabled.
async fn current_state(aws: &Aws, name: &str) -> Result<Option<RuleState>> {
    match aws.events.describe_rule().name(name).send().await {
        Ok(r) => Ok(r.state().cloned()),
        Err(e) if code_of(&e) == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(e).ctx("events DescribeRule").map_err(Into::into),
    }
}
