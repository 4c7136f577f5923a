//! CloudWatch log group: created with its retention policy; a changed
//! `retention_days` is an update in place.

use anyhow::Result;
use serde_json::json;

use super::core::{Inputs, Kind, Node, Record, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt, code_of};
use crate::discovery::Identity;

pub fn arn(id: &Identity, name: &str) -> String {
    id.arn("logs", true, &format!("log-group:{name}"))
}

pub struct LogGroup;

impl Resource for LogGroup {
    fn records(cx: &Inputs, node: &Node) -> Vec<Record> {
        vec![
            Record::setting(&["log_group", "name"], node.name.as_str()),
            Record::setting(&["log_group", "retention_days"], cx.spec.retention_days),
            Record::id(&["log_group", "arn"]),
        ]
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let mut n = Node::new(Kind::LogGroup, "main", &cx.spec.log_group);
        n.predicted = arn(cx.id, &cx.spec.log_group);
        // 0 keeps the logs forever: no retention policy, as AWS shows it.
        let retention = (cx.spec.retention_days > 0).then_some(cx.spec.retention_days);
        n.desired = json!({ "retention_days": retention });
        vec![n]
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        // Tags by the predictable ARN, concurrently with the describe: one round.
        let describe = aws
            .logs
            .describe_log_groups()
            .log_group_name_prefix(&node.name)
            .send();
        let tags = aws
            .logs
            .list_tags_for_resource()
            .resource_arn(arn(cx.id, &node.name))
            .send();
        let (out, tags) = tokio::join!(describe, tags);
        let out = out.ctx("logs DescribeLogGroups")?;
        let tags = match tags {
            Ok(t) => Some(
                t.tags()
                    .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
                    .unwrap_or_default(),
            ),
            Err(e) if code_of(&e) == Some("ResourceNotFoundException") => None,
            Err(e) => return Err(e).ctx("logs ListTagsForResource").map_err(Into::into),
        };
        Ok(out
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(node.name.as_str()))
            .map(|g| {
                State::new(
                    g.arn().unwrap_or_default().trim_end_matches(":*"),
                    tags.clone(),
                )
                .with(json!({ "retention_days": g.retention_in_days() }))
            }))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let name = &work.node.name;
        if work.current.is_none() {
            let mut req = aws.logs.create_log_group().log_group_name(name);
            for (k, v) in super::core::tags(&cx.spec.app) {
                req = req.tags(k, v);
            }
            match req.send().await.ctx("logs CreateLogGroup") {
                Ok(_) => {}
                Err(e) if super::core::already_exists(&e) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if cx.spec.retention_days > 0 {
            aws.logs
                .put_retention_policy()
                .log_group_name(name)
                .retention_in_days(cx.spec.retention_days as i32)
                .send()
                .await
                .ctx("logs PutRetentionPolicy")?;
        } else if work.current.is_some() {
            aws.logs
                .delete_retention_policy()
                .log_group_name(name)
                .send()
                .await
                .ctx("logs DeleteRetentionPolicy")?;
        }
        Ok(
            State::new(arn(cx.id, name), super::core::tag_map(&cx.spec.app))
                .with(work.node.desired.clone()),
        )
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        Ok(super::core::gone(
            aws.logs
                .delete_log_group()
                .log_group_name(&node.name)
                .send()
                .await
                .ctx("logs DeleteLogGroup"),
        )?)
    }
}
