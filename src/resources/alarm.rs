//! The CloudWatch alarms a web service's deployments roll back on
//! (`deployment.alarms: [{http_5xx_percent: N}, {unhealthy_hosts: N}]`).
//! Each watches every target group the service's tasks can be in (the
//! alternate one too for blue/green, canary and linear: the new revision
//! starts there), one-minute periods, missing data not breaching. ECS reads
//! them by name from the service's deployment configuration. A changed
//! threshold or period is the same alarm put again.

use std::collections::BTreeMap;

use anyhow::Result;
use aws_sdk_cloudwatch::types::{
    AlarmType, ComparisonOperator, Dimension, Metric, MetricAlarm, MetricDataQuery, MetricStat, Tag,
};
use serde_json::{Value, json};

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work, reference};
use crate::aws::{Aws, AwsResultExt};
use crate::config::web::{AlarmSpec, Watch, WebService};
use crate::discovery::Identity;

pub fn arn(id: &Identity, name: &str) -> String {
    id.arn("cloudwatch", true, &format!("alarm:{name}"))
}

/// `alarm/<task>-http-5xx-percent`, `alarm/<task>-unhealthy-hosts`.
pub fn address(task: &str, watch: Watch) -> Address {
    Address::new(Kind::Alarm, format!("{task}-{}", watch.slug()))
}

/// What a measure reads from each target group: (metric, statistic, the
/// prefix of its query ids); the first one tells the measure apart.
type Read = (&'static str, &'static str, &'static str);

fn reads(watch: &str) -> &'static [Read] {
    match watch {
        "http_5xx_percent" => &[
            ("HTTPCode_Target_5XX_Count", "Sum", "errors"),
            ("RequestCount", "Sum", "requests"),
        ],
        _ => &[("UnHealthyHostCount", "Maximum", "unhealthy")],
    }
}

/// How many metrics the alarm reads (CloudWatch bills an alarm by them).
pub fn metric_count(watch: Watch, groups: usize) -> usize {
    reads(watch.key()).len() * groups
}

/// The metric math over `groups` target groups whose value is compared
/// with the threshold. FILL: a group with no traffic reports nothing.
fn expression(watch: &str, groups: usize) -> String {
    let sum = |prefix: &str| {
        (0..groups)
            .map(|i| format!("FILL({prefix}{i},0)"))
            .collect::<Vec<_>>()
            .join(" + ")
    };
    match reads(watch) {
        [errors, requests] => format!("100 * ({}) / ({})", sum(errors.2), sum(requests.2)),
        counted => sum(counted[0].2),
    }
}

fn desired(alarm: &AlarmSpec, service: &WebService) -> Value {
    let groups: Vec<String> = super::target_group::addresses(service)
        .iter()
        .map(reference)
        .collect();
    json!({
        "watch": alarm.watch.key(),
        "threshold": alarm.watch.threshold(),
        "minutes": alarm.minutes,
        "load_balancer": reference(&Address::new(Kind::LoadBalancer, "main")),
        "expression": expression(alarm.watch.key(), groups.len()),
        "target_groups": groups,
    })
}

/// The state of each of the named alarms that exists (metric or composite:
/// ECS takes either), one call for up to 100 names.
pub async fn states(
    aws: &Aws,
    names: Vec<String>,
) -> Result<BTreeMap<String, String>, DescribeAlarmsSdkError> {
    let found = aws
        .cloudwatch
        .describe_alarms()
        .set_alarm_names(Some(names))
        .alarm_types(AlarmType::MetricAlarm)
        .alarm_types(AlarmType::CompositeAlarm)
        .send()
        .await?;
    let state = |s: Option<&aws_sdk_cloudwatch::types::StateValue>| {
        s.map_or("no state yet", |s| s.as_str()).to_string()
    };
    let metric = found
        .metric_alarms()
        .iter()
        .filter_map(|a| Some((a.alarm_name()?.to_string(), state(a.state_value()))));
    let composite = found
        .composite_alarms()
        .iter()
        .filter_map(|a| Some((a.alarm_name()?.to_string(), state(a.state_value()))));
    Ok(metric.chain(composite).collect())
}

pub type DescribeAlarmsSdkError = aws_sdk_cloudwatch::error::SdkError<
    aws_sdk_cloudwatch::operation::describe_alarms::DescribeAlarmsError,
>;

pub struct Alarm;

impl Resource for Alarm {
    const ORPHAN_TYPE: Option<&'static str> = Some("cloudwatch:alarm");

    /// An alarm tagged with the app that the config no longer generates.
    fn orphan(cx: &Inputs, arn: &str, resource: &str) -> Option<Node> {
        let name = resource.strip_prefix("alarm:")?;
        if !arn.contains(":cloudwatch:") {
            return None;
        }
        let generated = cx.spec.web.iter().flat_map(|w| &w.services);
        let in_config = generated
            .flat_map(|s| &s.deployment.alarms)
            .any(|a| a.name == name);
        (!in_config).then(|| Node::new(Kind::Alarm, &format!("orphan:{name}"), name))
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = &cx.spec.web else {
            return vec![];
        };
        let mut nodes = Vec::new();
        for s in &web.services {
            for a in &s.deployment.alarms {
                let mut n = Node::new(Kind::Alarm, &address(&s.task, a.watch).key, &a.name);
                n.predicted = arn(cx.id, &a.name);
                n.desired = desired(a, s);
                n.task = Some(s.task.clone());
                nodes.push(n);
            }
        }
        nodes
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        // Tags by the predictable ARN, concurrently with the describe: one round.
        let describe = aws
            .cloudwatch
            .describe_alarms()
            .alarm_names(&node.name)
            .send();
        let tags = aws
            .cloudwatch
            .list_tags_for_resource()
            .resource_arn(arn(cx.id, &node.name))
            .send();
        let (out, tags) = tokio::join!(describe, tags);
        let out = out.ctx("cloudwatch DescribeAlarms")?;
        let tags = match tags {
            Ok(t) => Some(
                t.tags()
                    .iter()
                    .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                    .collect(),
            ),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|e| e.is_resource_not_found_exception()) =>
            {
                None
            }
            Err(e) => {
                return Err(e)
                    .ctx("cloudwatch ListTagsForResource")
                    .map_err(Into::into);
            }
        };
        Ok(out
            .metric_alarms()
            .iter()
            .find(|a| a.alarm_name() == Some(node.name.as_str()))
            .map(|a| {
                State::new(a.alarm_arn().unwrap_or_default(), tags.clone()).with(observed(cx.id, a))
            }))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        let watch = d["watch"].as_str().unwrap_or_default();
        let load_balancer = d["load_balancer"]
            .as_str()
            .and_then(|a| a.split_once(":loadbalancer/"))
            .map(|(_, d)| d.to_string())
            .unwrap_or_default();
        let query = |id: String, (metric, stat, _): Read, group: &str| {
            MetricDataQuery::builder()
                .id(id)
                .return_data(false)
                .metric_stat(
                    MetricStat::builder()
                        .metric(
                            Metric::builder()
                                .namespace("AWS/ApplicationELB")
                                .metric_name(metric)
                                .dimensions(
                                    Dimension::builder()
                                        .name("TargetGroup")
                                        .value(group)
                                        .build(),
                                )
                                .dimensions(
                                    Dimension::builder()
                                        .name("LoadBalancer")
                                        .value(&load_balancer)
                                        .build(),
                                )
                                .build(),
                        )
                        .period(60)
                        .stat(stat)
                        .build(),
                )
                .build()
        };
        let mut metrics = Vec::new();
        for (i, group) in crate::resources::core::strings(&d["target_groups"])
            .iter()
            .enumerate()
        {
            // The dimension is the ARN's resource: targetgroup/<name>/<id>.
            let group = group.rsplit_once(':').map(|(_, g)| g).unwrap_or(group);
            for read in reads(watch) {
                metrics.push(query(format!("{}{i}", read.2), *read, group));
            }
        }
        metrics.push(
            MetricDataQuery::builder()
                .id("value")
                .expression(d["expression"].as_str().unwrap_or_default())
                .label(watch)
                .return_data(true)
                .build(),
        );
        let minutes = d["minutes"].as_i64().unwrap_or(2) as i32;
        let task = work.node.task.as_deref().unwrap_or_default();
        let mut req = aws
            .cloudwatch
            .put_metric_alarm()
            .alarm_name(&work.node.name)
            .alarm_description(format!(
                "fargate-stack {}: rolls back the deployments of {task} ({watch} >= {} for {minutes} min)",
                cx.spec.app, d["threshold"]
            ))
            .set_metrics(Some(metrics))
            .threshold(d["threshold"].as_f64().unwrap_or(1.0))
            .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
            .evaluation_periods(minutes)
            .datapoints_to_alarm(minutes)
            .treat_missing_data("notBreaching");
        // Tags are set when the alarm is made; a put on an existing alarm
        // leaves them as they are.
        if work.current.is_none() {
            for (k, v) in super::core::tags(&cx.spec.app) {
                req = req.tags(Tag::builder().key(k).value(v).build());
            }
        }
        req.send().await.ctx("cloudwatch PutMetricAlarm")?;
        let tags = match work.current {
            Some(s) => s.tags.clone(),
            None => super::core::tag_map(&cx.spec.app),
        };
        Ok(State::new(arn(cx.id, &work.node.name), tags).with(d.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, node: &Node, _state: &State) -> Result<()> {
        // DeleteAlarms answers success for a name that is already gone.
        aws.cloudwatch
            .delete_alarms()
            .alarm_names(&node.name)
            .send()
            .await
            .ctx("cloudwatch DeleteAlarms")?;
        Ok(())
    }
}

/// What exists, in the form `desired` has.
fn observed(id: &Identity, a: &MetricAlarm) -> Value {
    let base = id.arn("elasticloadbalancing", true, "");
    let mut watch = Value::Null;
    let mut load_balancer = Value::Null;
    let mut groups = Vec::new();
    let mut expression = Value::Null;
    let mut period = 60;
    for q in a.metrics() {
        if let Some(e) = q.expression() {
            expression = json!(e);
            continue;
        }
        let Some(stat) = q.metric_stat() else {
            continue;
        };
        let Some(metric) = stat.metric() else {
            continue;
        };
        let name = metric.metric_name().unwrap_or_default();
        let measure = ["http_5xx_percent", "unhealthy_hosts"]
            .into_iter()
            .find(|w| reads(w)[0].0 == name);
        let Some(measure) = measure else {
            continue;
        };
        watch = json!(measure);
        period = stat.period().unwrap_or(60);
        for d in metric.dimensions() {
            match (d.name(), d.value()) {
                (Some("TargetGroup"), Some(v)) => groups.push(json!(format!("{base}{v}"))),
                (Some("LoadBalancer"), Some(v)) => {
                    load_balancer = json!(format!("{base}loadbalancer/{v}"))
                }
                _ => {}
            }
        }
    }
    json!({
        "watch": watch,
        "threshold": a.threshold(),
        "minutes": a.evaluation_periods().unwrap_or(0) * period / 60,
        "load_balancer": load_balancer,
        "expression": expression,
        "target_groups": groups,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_error_rate_adds_up_both_target_groups() {
        assert_eq!(
            super::expression("http_5xx_percent", 2),
            "100 * (FILL(errors0,0) + FILL(errors1,0)) / (FILL(requests0,0) + FILL(requests1,0))"
        );
        assert_eq!(
            super::expression("unhealthy_hosts", 1),
            "FILL(unhealthy0,0)"
        );
    }
}
