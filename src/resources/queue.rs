//! SQS queues: `queue/main` and, when `queue.max_receive_count` is set, its
//! dead-letter queue `queue/dlq` (`<queue>-dlq` unless `dlq.name` says
//! otherwise) with the redrive policy pointing at it. Changed attributes
//! are updated in place. Observed through the recorded URL when there is
//! one (one round), else by name.

use std::collections::BTreeMap;

use anyhow::Result;
use aws_sdk_sqs::types::QueueAttributeName;
use serde_json::{Value, json};

use super::core::{Address, Inputs, Kind, Node, Record, Resource, State, Work, reference};
use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::spec::QueueSpec;
use crate::discovery::Identity;

pub fn arn(id: &Identity, name: &str) -> String {
    id.arn("sqs", true, name)
}

fn attributes(q: &QueueSpec) -> Value {
    let mut m: serde_json::Map<String, Value> = q
        .attributes
        .iter()
        .map(|(k, v)| (k.clone(), json!(v.to_string())))
        .collect();
    if let Some(n) = q.max_receive_count {
        m.insert(
            "RedrivePolicy".into(),
            json!({ "deadLetterTargetArn": reference(&Address::new(Kind::Queue, "dlq")), "maxReceiveCount": n }),
        );
    }
    Value::Object(m)
}

pub struct Queue;

impl Resource for Queue {
    const ORPHAN_TYPE: Option<&'static str> = Some("sqs");

    /// A queue tagged with the app that is neither the config's queue nor
    /// its dead-letter queue.
    fn orphan(cx: &Inputs, arn: &str, resource: &str) -> Option<Node> {
        if !(arn.starts_with("arn:") && arn.contains(":sqs:")) {
            return None;
        }
        let name = resource;
        let in_config = cx
            .spec
            .queue
            .as_ref()
            .is_some_and(|q| q.name == name || q.dlq.as_ref().is_some_and(|d| d.name == name));
        (!in_config).then(|| Node::new(Kind::Queue, &format!("orphan:{name}"), name))
    }

    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        let key = config_key(node);
        vec![
            Record::setting(&[key, "name"], node.name.as_str()),
            Record::id(&[key, "arn"]),
            Record::output(&[key, "url"], "url"),
        ]
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(q) = &cx.spec.queue else {
            return vec![];
        };
        let mut out = Vec::new();
        if let Some(d) = &q.dlq {
            let mut n = Node::new(Kind::Queue, "dlq", &d.name);
            n.predicted = arn(cx.id, &d.name);
            n.desired = attributes(d);
            out.push(n);
        }
        let mut n = Node::new(Kind::Queue, "main", &q.name);
        n.predicted = arn(cx.id, &q.name);
        n.desired = attributes(q);
        if q.dlq.is_some() {
            n.owner = Some(Address::new(Kind::Queue, "dlq"));
        }
        out.push(n);
        out
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        if let Some(url) = recorded_url(cx, node)
            && let Some(s) = read(aws, &url, node).await?
            && s.id.ends_with(&format!(":{}", node.name))
        {
            return Ok(Some(s));
        }
        match url_of(aws, &node.name).await? {
            Some(url) => read(aws, &url, node).await,
            None => Ok(None),
        }
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let attrs = sqs_attributes(&work.node.desired);
        let url = match work.current.and_then(|c| c.outputs.get("url")) {
            Some(url) => {
                aws.sqs
                    .set_queue_attributes()
                    .queue_url(url)
                    .set_attributes(Some(attrs))
                    .send()
                    .await
                    .ctx("sqs SetQueueAttributes")?;
                url.clone()
            }
            None => {
                // CreateQueue returns the existing queue when one of that name
                // has the same attributes (a lost response, re-run).
                let mut req = aws
                    .sqs
                    .create_queue()
                    .queue_name(&work.node.name)
                    .set_attributes(Some(attrs));
                for (k, v) in super::core::tags(&cx.spec.app) {
                    req = req.tags(k, v);
                }
                let out = req.send().await.ctx("sqs CreateQueue")?;
                out.queue_url().unwrap_or_default().to_string()
            }
        };
        let mut state = State::new(
            arn(cx.id, &work.node.name),
            super::core::tag_map(&cx.spec.app),
        )
        .with(work.node.desired.clone());
        if let Some(existing) = work.current {
            state.tags = existing.tags.clone();
        }
        state.outputs.insert("url".into(), url);
        Ok(state)
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, node: &Node, state: &State) -> Result<()> {
        let url = match state.outputs.get("url") {
            Some(url) => url.clone(),
            None => match aws.sqs.get_queue_url().queue_name(&node.name).send().await {
                Ok(out) => out.queue_url().unwrap_or_default().to_string(),
                Err(e) if is_missing(code_of(&e)) => return Ok(()),
                Err(e) => return Err(e).ctx("sqs GetQueueUrl").map_err(Into::into),
            },
        };
        match aws.sqs.delete_queue().queue_url(url).send().await {
            Ok(_) => Ok(()),
            Err(e) if is_missing(code_of(&e)) => Ok(()),
            Err(e) => Err(e).ctx("sqs DeleteQueue").map_err(Into::into),
        }
    }
}

fn config_key(node: &Node) -> &'static str {
    if node.address.key == "dlq" {
        "dlq"
    } else {
        "queue"
    }
}

fn recorded_url(cx: &Inputs, node: &Node) -> Option<String> {
    let q = match config_key(node) {
        "dlq" => cx.config.dlq.as_ref(),
        _ => cx.config.queue.as_ref(),
    }?;
    q.url.clone()
}

/// What SQS says, in the form the config's attributes take.
fn normalise(attrs: &std::collections::HashMap<QueueAttributeName, String>, keys: &Value) -> Value {
    let mut m = serde_json::Map::new();
    for key in keys
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default()
    {
        let Some(v) = attrs.get(&QueueAttributeName::from(key.as_str())) else {
            continue;
        };
        let value = if key == "RedrivePolicy" {
            let p: Value = serde_json::from_str(v).unwrap_or(Value::Null);
            json!({
                "deadLetterTargetArn": p["deadLetterTargetArn"],
                "maxReceiveCount": p["maxReceiveCount"].as_u64().or_else(|| p["maxReceiveCount"].as_str().and_then(|s| s.parse().ok())),
            })
        } else {
            json!(v)
        };
        m.insert(key, value);
    }
    Value::Object(m)
}

async fn url_of(aws: &Aws, name: &str) -> Result<Option<String>> {
    match aws.sqs.get_queue_url().queue_name(name).send().await {
        Ok(o) => Ok(o.queue_url().map(str::to_string)),
        Err(e) if is_missing(code_of(&e)) => Ok(None),
        Err(e) => Err(e).ctx("sqs GetQueueUrl").map_err(Into::into),
    }
}

fn is_missing(code: Option<&str>) -> bool {
    matches!(
        code,
        Some("AWS.SimpleQueueService.NonExistentQueue" | "QueueDoesNotExist" | "NonExistentQueue")
    )
}

async fn read(aws: &Aws, url: &str, node: &Node) -> Result<Option<State>> {
    let attrs = aws
        .sqs
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::All)
        .send();
    let tags = aws.sqs.list_queue_tags().queue_url(url).send();
    let (attrs, tags) = tokio::join!(attrs, tags);
    let attrs = match attrs {
        Ok(a) => a,
        Err(e) if is_missing(code_of(&e)) => return Ok(None),
        Err(e) => return Err(e).ctx("sqs GetQueueAttributes").map_err(Into::into),
    };
    let map = attrs.attributes().cloned().unwrap_or_default();
    let arn = map
        .get(&QueueAttributeName::QueueArn)
        .cloned()
        .unwrap_or_default();
    let tags: Option<BTreeMap<String, String>> = tags.ok().map(|t| {
        t.tags()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default()
    });
    let mut state = State::new(arn, tags).with(normalise(&map, &node.desired));
    state.outputs.insert("url".into(), url.to_string());
    Ok(Some(state))
}

fn sqs_attributes(desired: &Value) -> std::collections::HashMap<QueueAttributeName, String> {
    desired
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let text = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (QueueAttributeName::from(k.as_str()), text)
                })
                .collect()
        })
        .unwrap_or_default()
}
