//! What the stack costs a month, by simple arithmetic on what the config
//! asks for: each task's vCPU and memory hours (Fargate bills them per
//! second) for its count, Fargate Spot at a stated discount, scheduled
//! tasks by their runs a month, and the load balancer's hourly charge.
//! Pure; the prices are a dated table (or a file the user gives), never a
//! network call.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::StackSpec;
use crate::config::model::Arch;

/// Hours in a month, as AWS's calculator counts them.
pub const HOURS: f64 = 730.0;
/// Minutes a scheduled run is assumed to last.
pub const RUN_MINUTES: f64 = 10.0;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prices {
    /// Where the prices come from and when they were taken.
    pub source: String,
    pub vcpu_hour: f64,
    pub gb_hour: f64,
    pub vcpu_hour_arm: f64,
    pub gb_hour_arm: f64,
    /// An application load balancer's hourly charge (LCUs not included).
    pub alb_hour: f64,
    /// Fargate Spot's discount on on-demand, as a fraction.
    pub spot_discount: f64,
    /// A CloudWatch alarm's monthly charge per metric it reads
    /// (standard resolution; the same in most regions).
    #[serde(default = "alarm_metric_month")]
    pub alarm_metric_month: f64,
}

fn alarm_metric_month() -> f64 {
    0.10
}

/// The built-in table: AWS's published on-demand Linux prices.
pub fn builtin(region: &str) -> Option<Prices> {
    let source = "AWS Fargate, Elastic Load Balancing and CloudWatch pricing pages, us-east-1 rates as published in 2026 (https://aws.amazon.com/fargate/pricing/); Spot discount stated at 70% (AWS: up to 70%)";
    match region {
        "us-east-1" => Some(Prices {
            source: source.into(),
            vcpu_hour: 0.04048,
            gb_hour: 0.004445,
            vcpu_hour_arm: 0.03238,
            gb_hour_arm: 0.00356,
            alb_hour: 0.0225,
            spot_discount: 0.70,
            alarm_metric_month: alarm_metric_month(),
        }),
        _ => None,
    }
}

/// Prices for the region: from `file` (a JSON object of region -> prices)
/// when given, else the built-in table.
pub fn prices(region: &str, file: Option<&str>) -> Result<Option<Prices>, String> {
    let Some(file) = file else {
        return Ok(builtin(region));
    };
    let text = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
    let table: BTreeMap<String, Prices> =
        serde_json::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
    Ok(table.get(region).cloned().or_else(|| builtin(region)))
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub what: String,
    pub detail: String,
    /// Monthly cost at the low end (autoscaling's minimum) and high end.
    pub monthly: f64,
    pub monthly_max: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Estimate {
    pub monthly: f64,
    pub monthly_max: f64,
    /// What the same counts cost with the sizes that exist now (the
    /// registered revisions, the load balancer if it exists).
    pub current: f64,
    pub items: Vec<Item>,
    pub left_out: Vec<String>,
    pub prices: String,
}

/// One task's size as it exists now: (cpu units, MiB, arm64).
pub type Size = (u32, u32, bool);

pub fn estimate(
    spec: &StackSpec,
    prices: &Prices,
    current: &BTreeMap<String, Size>,
    load_balancer_exists: bool,
    alarms_existing: &[String],
) -> Estimate {
    let hourly = |(cpu, memory, arm): Size| {
        let (v, g) = if arm {
            (prices.vcpu_hour_arm, prices.gb_hour_arm)
        } else {
            (prices.vcpu_hour, prices.gb_hour)
        };
        v * cpu as f64 / 1024.0 + g * memory as f64 / 1024.0
    };
    let mut items = Vec::new();
    let mut now = 0.0;
    let mut left_out = vec![
        "data transfer, load balancer capacity units (LCUs), NAT gateway hours and data, public IPv4 addresses, CloudWatch Logs, and what SQS, Secrets Manager and Route 53 charge per use".to_string(),
    ];
    for t in &spec.tasks {
        let size = (t.cpu, t.memory, t.arch == Arch::Arm64);
        let per_hour = hourly(size);
        let before = current.get(&t.key).map(|s| hourly(*s));
        let spot = |count: f64| -> f64 {
            // The first `base` tasks stay on regular Fargate.
            match t.spot {
                Some(base) => {
                    let on_spot = (count - base as f64).max(0.0);
                    count - on_spot * prices.spot_discount
                }
                None => count,
            }
        };
        let what = format!(
            "task {} ({} vCPU, {} GB{})",
            t.key,
            t.cpu as f64 / 1024.0,
            t.memory as f64 / 1024.0,
            if size.2 { ", arm64" } else { "" }
        );
        if let Some(schedule) = &t.schedule {
            let runs = runs_a_month(schedule);
            let hours = runs * RUN_MINUTES / 60.0;
            items.push(Item {
                what,
                detail: format!(
                    "{schedule}: about {runs:.0} runs a month of {RUN_MINUTES} minutes"
                ),
                monthly: per_hour * hours,
                monthly_max: per_hour * hours,
            });
            now += before.map_or(0.0, |b| b * hours);
            continue;
        }
        if t.kind == crate::config::model::TaskType::Task {
            left_out.push(format!("task {}: runs when you start it (run-task)", t.key));
            continue;
        }
        let scaling = spec.scaling_of(&t.key);
        let (low, high) = match scaling {
            Some(s) => (s.min as f64, s.max as f64),
            None => {
                let n = t.desired_count.unwrap_or(1) as f64;
                (n, n)
            }
        };
        items.push(Item {
            what,
            detail: format!(
                "{} task(s) all month{}",
                if low == high {
                    format!("{low}")
                } else {
                    format!("{low}-{high} (autoscaling)")
                },
                t.spot
                    .map(|b| format!(
                        ", Fargate Spot beyond {b} at {:.0}% off",
                        prices.spot_discount * 100.0
                    ))
                    .unwrap_or_default()
            ),
            monthly: per_hour * HOURS * spot(low),
            monthly_max: per_hour * HOURS * spot(high),
        });
        now += before.map_or(0.0, |b| b * HOURS * spot(low));
    }
    if spec.web.is_some() {
        let alb = prices.alb_hour * HOURS;
        items.push(Item {
            what: "application load balancer".into(),
            detail: "all month (its capacity units are extra)".into(),
            monthly: alb,
            monthly_max: alb,
        });
        if load_balancer_exists {
            now += alb;
        }
    }
    for s in spec.web.iter().flat_map(|w| &w.services) {
        let groups = crate::resources::target_group::addresses(s).len();
        for a in &s.deployment.alarms {
            let metrics = crate::resources::alarm::metric_count(a.watch, groups);
            let monthly = metrics as f64 * prices.alarm_metric_month;
            items.push(Item {
                what: format!("cloudwatch alarm {}", a.name),
                detail: format!("{metrics} metrics, all month"),
                monthly,
                monthly_max: monthly,
            });
            if alarms_existing.contains(&a.name) {
                now += monthly;
            }
        }
    }
    Estimate {
        monthly: items.iter().map(|i| i.monthly).sum(),
        monthly_max: items.iter().map(|i| i.monthly_max).sum(),
        current: now,
        items,
        left_out,
        prices: prices.source.clone(),
    }
}

/// About how many times a month an EventBridge schedule fires.
pub fn runs_a_month(schedule: &str) -> f64 {
    let minutes_a_month = HOURS * 60.0;
    if let Some(body) = schedule
        .strip_prefix("rate(")
        .and_then(|s| s.strip_suffix(')'))
    {
        let mut parts = body.split_whitespace();
        let n: f64 = parts.next().and_then(|n| n.parse().ok()).unwrap_or(1.0);
        let unit = parts.next().unwrap_or("hour");
        let minutes = match unit.trim_end_matches('s') {
            "minute" => n,
            "hour" => n * 60.0,
            "day" => n * 1440.0,
            _ => n * 60.0,
        };
        return minutes_a_month / minutes.max(1.0);
    }
    let Some(body) = schedule
        .strip_prefix("cron(")
        .and_then(|s| s.strip_suffix(')'))
    else {
        return 30.0;
    };
    let f: Vec<&str> = body.split_whitespace().collect();
    if f.len() != 6 {
        return 30.0;
    }
    // Times a day from the minute and hour fields, days a month from the
    // day fields.
    let count = |field: &str, span: f64| -> f64 {
        if field == "*" {
            return span;
        }
        if let Some((_, step)) = field.split_once('/') {
            return (span / step.parse::<f64>().unwrap_or(1.0)).max(1.0);
        }
        field
            .split(',')
            .map(|part| match part.split_once('-') {
                Some((a, b)) => match (a.parse::<f64>(), b.parse::<f64>()) {
                    (Ok(a), Ok(b)) => b - a + 1.0,
                    _ => 5.0,
                },
                None => 1.0,
            })
            .sum()
    };
    let a_day = count(f[0], 60.0) * count(f[1], 24.0);
    let days = match (f[2], f[4]) {
        ("?" | "*", "?" | "*") => 30.4,
        ("?" | "*", dow) => count(dow, 7.0) * 30.4 / 7.0,
        (dom, _) => count(dom, 30.4),
    };
    a_day * days
}

pub fn dollars(n: f64) -> String {
    format!("${n:.2}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> StackSpec {
        let loaded = crate::config::parse(std::path::Path::new("c.yml"), text.into()).unwrap();
        crate::config::spec::build(std::path::Path::new("c.yml"), &loaded.config).unwrap()
    }

    #[test]
    fn a_service_costs_its_hours() {
        let p = builtin("us-east-1").unwrap();
        // 1 vCPU, 2 GB, two tasks: (0.04048 + 2 * 0.004445) * 730 * 2.
        let s = spec(
            "app:\n  name: a\ntasks:\n  w:\n    type: daemon\n    image: x\n    size: medium\n    desired_count: 2\n",
        );
        let e = estimate(&s, &p, &BTreeMap::new(), false, &[]);
        assert!((e.monthly - 72.0808).abs() < 0.01, "{}", e.monthly);
        assert_eq!(e.current, 0.0);
        // The same size exists now: no difference.
        let now = BTreeMap::from([("w".to_string(), (1024, 2048, false))]);
        let e = estimate(&s, &p, &now, false, &[]);
        assert!((e.monthly - e.current).abs() < 1e-9);
    }

    #[test]
    fn spot_autoscaling_arm_and_the_load_balancer() {
        let p = builtin("us-east-1").unwrap();
        let s = spec(
            "app:\n  name: a\ntasks:\n  web:\n    type: https\n    image: x\n    domain: a.example.com\n    arch: arm64\n    spot: true\n    autoscaling:\n      cpu: 60\n      min_capacity: 2\n      max_capacity: 4\n",
        );
        let e = estimate(&s, &p, &BTreeMap::new(), false, &[]);
        let task = &e.items[0];
        let hour = 0.03238 + 2.0 * 0.00356;
        // min 2: one on-demand, one on Spot at 70% off.
        assert!((task.monthly - hour * 730.0 * 1.3).abs() < 0.01, "{task:?}");
        assert!(
            (task.monthly_max - hour * 730.0 * 1.9).abs() < 0.01,
            "{task:?}"
        );
        assert!((e.items[1].monthly - 16.425).abs() < 0.001);
    }

    #[test]
    fn generated_alarms_cost_their_metrics() {
        let p = builtin("us-east-1").unwrap();
        let s = spec(
            "app:\n  name: a\ntasks:\n  web:\n    type: https\n    image: x\n    domain: a.example.com\n    deployment:\n      strategy: blue_green\n      alarms:\n        - http_5xx_percent: 5\n        - unhealthy_hosts: 1\n",
        );
        let e = estimate(&s, &p, &BTreeMap::new(), false, &[]);
        let alarms = &e.items[2..];
        // Errors and requests in both groups; unhealthy in both.
        assert_eq!(alarms[0].detail, "4 metrics, all month");
        assert!((alarms[0].monthly - 0.4).abs() < 1e-9);
        assert!((alarms[1].monthly - 0.2).abs() < 1e-9);
        let e = estimate(
            &s,
            &p,
            &BTreeMap::new(),
            false,
            &["a-web-unhealthy-hosts".into()],
        );
        assert!((e.current - 0.2).abs() < 1e-9, "{}", e.current);
    }

    #[test]
    fn a_region_without_prices_says_so() {
        assert!(prices("eu-west-1", None).unwrap().is_none());
        let line = crate::plan::render::cost(
            &Err("no prices for eu-west-1 built in".into()),
            false,
            "eu-west-1",
        );
        assert_eq!(
            line,
            "Cost: not estimated: no prices for eu-west-1 built in\n"
        );
    }

    #[test]
    fn schedules_run_so_often() {
        assert!((runs_a_month("rate(1 hour)") - 730.0).abs() < 0.1);
        assert!((runs_a_month("cron(0 2 * * ? *)") - 30.4).abs() < 0.1);
        assert!((runs_a_month("cron(0 9 ? * MON-FRI *)") - 21.7).abs() < 0.1);
        assert!((runs_a_month("cron(0 */2 * * ? *)") - 364.8).abs() < 0.1);
    }
}
