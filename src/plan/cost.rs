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
    /// An application load balancer's hourly charge (LCUs not included);
    /// none where no published rate was at hand, and the estimate says
    /// it leaves the load balancer out.
    #[serde(default)]
    pub alb_hour: Option<f64>,
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

/// One region's row: Linux/x86 vCPU-hour and GB-hour, Linux/arm64 where
/// the published rate was at hand, the load balancer's hour where it was,
/// and whether the x86 rates were checked against 2026 data.
struct Row {
    region: &'static str,
    vcpu_hour: f64,
    gb_hour: f64,
    arm: Option<(f64, f64)>,
    alb_hour: Option<f64>,
    checked_2026: bool,
}

const fn row(region: &'static str, vcpu_hour: f64, gb_hour: f64) -> Row {
    Row {
        region,
        vcpu_hour,
        gb_hour,
        arm: None,
        alb_hour: None,
        checked_2026: false,
    }
}

/// A load balancer rate from Elastic Load Balancing's pricing page of
/// December 2017 (every region checked in 2026 still had it).
const fn with_alb(r: Row, alb_hour: f64) -> Row {
    Row {
        alb_hour: Some(alb_hour),
        ..r
    }
}

/// A row whose rates, the load balancer's too, agree with 2026 data.
const fn checked(region: &'static str, vcpu_hour: f64, gb_hour: f64, alb_hour: f64) -> Row {
    Row {
        checked_2026: true,
        ..with_alb(row(region, vcpu_hour, gb_hour), alb_hour)
    }
}

/// AWS's on-demand Fargate rates for the regions its pricing page listed
/// in January 2021 (Fargate's rates have not changed since its 2019 price
/// cut; the rows marked checked agree with 2026 Price List and billing
/// data), and the load balancer's hour for the regions Elastic Load
/// Balancing listed in December 2017. Regions opened since are not here:
/// their plan says so and a prices file gives them. docs/commands.md says
/// where each part comes from.
const TABLE: &[Row] = &[
    Row {
        arm: Some((0.03238, 0.00356)),
        ..checked("us-east-1", 0.04048, 0.004445, 0.0225)
    },
    with_alb(row("us-east-2", 0.04048, 0.004445), 0.0225),
    with_alb(row("us-west-1", 0.04656, 0.00511), 0.0252),
    checked("us-west-2", 0.04048, 0.004445, 0.0225),
    with_alb(row("ca-central-1", 0.04456, 0.004865), 0.02475),
    row("sa-east-1", 0.0696, 0.0076),
    checked("eu-west-1", 0.04048, 0.004445, 0.0252),
    Row {
        arm: Some((0.03725, 0.00409)),
        ..checked("eu-west-2", 0.04656, 0.00511, 0.02646)
    },
    row("eu-west-3", 0.0486, 0.0053),
    checked("eu-central-1", 0.04656, 0.00511, 0.027),
    row("eu-north-1", 0.0445, 0.0049),
    row("eu-south-1", 0.0486, 0.0053),
    row("me-south-1", 0.0526, 0.0058),
    row("af-south-1", 0.0546, 0.006),
    row("ap-east-1", 0.0556, 0.0061),
    row("ap-south-1", 0.04256, 0.004655),
    Row {
        arm: Some((0.04045, 0.00442)),
        ..checked("ap-northeast-1", 0.05056, 0.00553, 0.0243)
    },
    with_alb(row("ap-northeast-2", 0.04656, 0.00511), 0.0225),
    with_alb(row("ap-southeast-1", 0.05056, 0.00553), 0.0252),
    with_alb(row("ap-southeast-2", 0.04856, 0.00532), 0.0252),
    row("us-gov-east-1", 0.0486, 0.0053),
    row("us-gov-west-1", 0.0486, 0.0053),
];

/// Graviton on Fargate is priced 20% below x86.
const ARM_FACTOR: f64 = 0.8;

/// The built-in table's prices for the region, if it has a row.
pub fn builtin(region: &str) -> Option<Prices> {
    let r = TABLE.iter().find(|r| r.region == region)?;
    let (vcpu_hour_arm, gb_hour_arm, arm_note) = match r.arm {
        Some((v, g)) => (v, g, "arm64 at its published rate"),
        None => (
            r.vcpu_hour * ARM_FACTOR,
            r.gb_hour * ARM_FACTOR,
            "arm64 at 20% below x86 (AWS's Graviton price difference; no published rate for this region at hand)",
        ),
    };
    let taken = if r.checked_2026 {
        "AWS Fargate pricing, on-demand Linux rates, checked against 2026 AWS Price List and billing data"
    } else {
        "AWS Fargate pricing page, on-demand Linux rates as listed in January 2021 (unchanged since 2019 where checked in 2026)"
    };
    let alb = match (r.alb_hour, r.checked_2026) {
        (Some(_), true) => "the load balancer at Elastic Load Balancing's 2026 rate",
        (Some(_), false) => {
            "the load balancer at Elastic Load Balancing's rate as listed in December 2017 (unchanged where checked in 2026)"
        }
        (None, _) => "no load balancer rate for this region",
    };
    Some(Prices {
        source: format!(
            "{taken}, {region}; {arm_note}; {alb}; Spot discount stated at 70% (AWS: up to 70%); https://aws.amazon.com/fargate/pricing/"
        ),
        vcpu_hour: r.vcpu_hour,
        gb_hour: r.gb_hour,
        vcpu_hour_arm,
        gb_hour_arm,
        alb_hour: r.alb_hour,
        spot_discount: 0.70,
        alarm_metric_month: alarm_metric_month(),
    })
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
    match (&spec.web, prices.alb_hour) {
        (Some(_), Some(hourly)) => {
            let alb = hourly * HOURS;
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
        (Some(_), None) => left_out.push(
            "the application load balancer's hours: no rate for this region in the prices (give `alb_hour` in the file FARGATE_STACK_PRICES names)".into(),
        ),
        (None, _) => {}
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
        assert!(prices("mx-central-1", None).unwrap().is_none());
        let line = crate::plan::render::cost(
            &Err("no prices for mx-central-1 built in".into()),
            false,
            "mx-central-1",
        );
        assert_eq!(
            line,
            "Cost: not estimated: no prices for mx-central-1 built in\n"
        );
    }

    #[test]
    fn the_table_has_one_sane_row_a_region() {
        let mut seen = std::collections::BTreeSet::new();
        for r in TABLE {
            assert!(seen.insert(r.region), "{} twice", r.region);
            let p = builtin(r.region).unwrap();
            assert!(p.vcpu_hour > 0.03 && p.vcpu_hour < 0.08, "{}", r.region);
            // A GB-hour is about a ninth of a vCPU-hour everywhere.
            let ratio = p.vcpu_hour / p.gb_hour;
            assert!((8.5..9.5).contains(&ratio), "{} {ratio}", r.region);
            assert!(p.vcpu_hour_arm < p.vcpu_hour && p.gb_hour_arm < p.gb_hour);
            assert!(p.source.contains(r.region), "{}", p.source);
        }
        // Published arm64 rates sit where 20% off would put them.
        for region in ["us-east-1", "eu-west-2", "ap-northeast-1"] {
            let p = builtin(region).unwrap();
            assert!((p.vcpu_hour_arm - p.vcpu_hour * ARM_FACTOR).abs() < 0.0001);
            assert!((p.gb_hour_arm - p.gb_hour * ARM_FACTOR).abs() < 0.00001);
        }
    }

    #[test]
    fn another_region_costs_its_own_rates() {
        let s = spec(
            "app:\n  name: a\ntasks:\n  web:\n    type: https\n    image: x\n    domain: a.example.com\n    size: medium\n",
        );
        // London: (0.04656 + 2 * 0.00511) * 730, and its load balancer.
        let e = estimate(
            &s,
            &builtin("eu-west-2").unwrap(),
            &BTreeMap::new(),
            false,
            &[],
        );
        assert!(
            (e.items[0].monthly - 41.4494).abs() < 0.001,
            "{:?}",
            e.items
        );
        assert!(
            (e.items[1].monthly - 19.3158).abs() < 0.001,
            "{:?}",
            e.items
        );
        // São Paulo: no load balancer rate at hand, so it is left out, said so.
        let e = estimate(
            &s,
            &builtin("sa-east-1").unwrap(),
            &BTreeMap::new(),
            false,
            &[],
        );
        assert_eq!(e.items.len(), 1, "{:?}", e.items);
        assert!(
            e.left_out
                .iter()
                .any(|l| l.contains("load balancer's hours")),
            "{:?}",
            e.left_out
        );
        assert!(e.prices.contains("January 2021"), "{}", e.prices);
        // Canada's load balancer rate is the one listed in 2017.
        let canada = builtin("ca-central-1").unwrap();
        assert_eq!(canada.alb_hour, Some(0.02475));
        assert!(canada.source.contains("December 2017"), "{}", canada.source);
        // A prices file may leave the load balancer out too.
        let p: BTreeMap<String, Prices> = serde_json::from_str(
            r#"{"mx-central-1": {"source": "mine", "vcpu_hour": 0.05, "gb_hour": 0.005, "vcpu_hour_arm": 0.04, "gb_hour_arm": 0.004, "spot_discount": 0.7}}"#,
        )
        .unwrap();
        assert_eq!(p["mx-central-1"].alb_hour, None);
    }

    #[test]
    fn schedules_run_so_often() {
        assert!((runs_a_month("rate(1 hour)") - 730.0).abs() < 0.1);
        assert!((runs_a_month("cron(0 2 * * ? *)") - 30.4).abs() < 0.1);
        assert!((runs_a_month("cron(0 9 ? * MON-FRI *)") - 21.7).abs() < 0.1);
        assert!((runs_a_month("cron(0 */2 * * ? *)") - 364.8).abs() < 0.1);
    }
}
