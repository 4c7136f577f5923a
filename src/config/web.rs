//! What the web parts of a config mean: the load balancer, each http/https
//! service's route (domain, path), target group and health check, the
//! certificate and DNS they need, autoscaling and WAF. Built with the rest of
//! the spec, before any AWS call, so that bad input fails first.

use serde::Serialize;

use super::model::{Config, Deployment, DeploymentAlarm, Strategy, Task, TaskType};
use super::problems::Problems;
use crate::error::ConfigError;

/// ELB's limit on target group (and load balancer) names.
pub const ELB_NAME_MAX: usize = 32;
pub const DEFAULT_GRACE_SECONDS: u32 = 60;
/// Application Auto Scaling's limit on policy and scheduled action names.
const SCALING_NAME_MAX: usize = 256;
/// The TLS policy for HTTPS listeners: TLS 1.3 with 1.2 fallback, AWS's
/// recommended policy.
pub const TLS_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    InternetFacing,
    Internal,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::InternetFacing => "internet-facing",
            Scheme::Internal => "internal",
        }
    }
}

/// Where the load balancer comes from (the original's three rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AlbSource {
    /// `alb.arn`: verify it and use it.
    Arn(String),
    /// `alb.create: true` or `--create-alb`: ours, `<app>-alb`.
    Create,
    /// Ours when `<app>-alb` exists, else the single ALB of the scheme in
    /// the VPC, else a new one.
    Find,
}

#[derive(Debug, Clone, Serialize)]
pub struct WebSpec {
    pub https: bool,
    pub scheme: Scheme,
    pub source: AlbSource,
    /// `<app>-alb`.
    pub alb_name: String,
    /// `<app>-alb-sg`.
    pub alb_security_group: String,
    /// The listener the services' rules hang on (443 for https, 80 for http).
    pub port: u16,
    /// https only: port 80 answers with a 301 to https.
    pub redirect_80: bool,
    pub zone_id: Option<String>,
    /// `route53.adopt`: existing records of the domains are taken over.
    pub adopt_records: bool,
    /// `route53.keep_existing`: existing records pointing elsewhere are left.
    pub keep_existing_records: bool,
    pub services: Vec<WebService>,
    pub waf: Option<WafSpec>,
}

impl WebSpec {
    /// The ports the load balancer listens on.
    pub fn listener_ports(&self) -> Vec<u16> {
        let mut ports = vec![self.port];
        if self.https && self.redirect_80 && self.port != 80 {
            ports.push(80);
        }
        ports.sort();
        ports
    }

    /// Whether a service deploys by moving traffic (and so the stack needs
    /// the deploy role).
    pub fn shifts_traffic(&self) -> bool {
        self.services
            .iter()
            .any(|s| s.deployment.strategy.shifts_traffic())
    }

    /// Each domain once, in service order.
    pub fn domains(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for s in &self.services {
            if !out.contains(&s.domain.as_str()) {
                out.push(&s.domain);
            }
        }
        out
    }

    /// The one service on a domain, when only one uses it (its per-domain
    /// resources then go with it in `delete-http-service`).
    pub fn sole_task(&self, domain: &str) -> Option<String> {
        let mut on = self.services.iter().filter(|s| s.domain == domain);
        match (on.next(), on.next()) {
            (Some(s), None) => Some(s.task.clone()),
            _ => None,
        }
    }

    pub fn service(&self, task: &str) -> Option<&WebService> {
        self.services.iter().find(|s| s.task == task)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct WebService {
    pub task: String,
    pub domain: String,
    /// A path pattern (`/api/*`), when the service shares its domain.
    pub path: Option<String>,
    pub container_port: u16,
    pub target_group: String,
    pub health: HealthSpec,
    pub grace_seconds: u32,
    pub deployment: DeploySpec,
}

/// How ECS deploys a web service: its strategy, and for the traffic-shifting
/// ones the alternate target group and the timings.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeploySpec {
    pub strategy: Strategy,
    /// The second target group ECS moves traffic to (shifting strategies).
    pub alternate_target_group: Option<String>,
    pub bake_minutes: u32,
    /// canary: (percent, minutes).
    pub canary: Option<(f64, u32)>,
    /// linear: (percent per step, minutes between steps).
    pub linear: Option<(f64, u32)>,
    /// The alarms the stack creates for the service's deployments.
    pub alarms: Vec<AlarmSpec>,
}

/// A generated alarm: what it watches, for how long, and its name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlarmSpec {
    pub name: String,
    pub watch: Watch,
    pub minutes: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Watch {
    /// 5xx answers from the targets, as a percentage of their requests.
    Http5xxPercent(f64),
    /// Targets failing their health check.
    UnhealthyHosts(u32),
}

impl Watch {
    /// The config key, which also ends the alarm's name.
    pub fn key(self) -> &'static str {
        match self {
            Watch::Http5xxPercent(_) => "http_5xx_percent",
            Watch::UnhealthyHosts(_) => "unhealthy_hosts",
        }
    }

    /// The key as a name part: `http-5xx-percent`.
    pub fn slug(self) -> String {
        self.key().replace('_', "-")
    }

    pub fn threshold(self) -> f64 {
        match self {
            Watch::Http5xxPercent(p) => p,
            Watch::UnhealthyHosts(n) => f64::from(n),
        }
    }
}

/// A generated alarm's name: `<app>-<task>-http-5xx-percent`.
pub fn alarm_name(app: &str, task: &str, watch: Watch) -> String {
    format!("{app}-{task}-{}", watch.slug())
}

pub const DEFAULT_ALARM_MINUTES: u32 = 2;

/// AWS's defaults for the timings it documents; the final bake is ours.
pub const DEFAULT_CANARY: (f64, u32) = (5.0, 10);
pub const DEFAULT_LINEAR: (f64, u32) = (10.0, 6);
pub const DEFAULT_BAKE_MINUTES: u32 = 10;
const MAX_MINUTES: u32 = 1440;

impl DeploySpec {
    pub fn rolling() -> DeploySpec {
        DeploySpec {
            strategy: Strategy::Rolling,
            alternate_target_group: None,
            bake_minutes: 0,
            canary: None,
            linear: None,
            alarms: vec![],
        }
    }
}

/// The alternate target group's name: the group's, ending in `-alt`.
pub fn alternate_target_group_name(target_group: &str) -> String {
    let head = target_group.strip_suffix("-tg").unwrap_or(target_group);
    shorten(&format!("{head}-alt"), ELB_NAME_MAX)
}

/// A task's `deployment:`: checked against ECS's ranges; the traffic-shifting
/// strategies only for a web service.
/// `web` is an http/https task's (app, target group).
pub fn deployment(p: &mut Problems, key: &str, t: &Task, web: Option<(&str, &str)>) -> DeploySpec {
    let target_group = web.map(|(_, group)| group);
    let Some(d) = &t.deployment else {
        return DeploySpec::rolling();
    };
    let at = |k: &str| format!("tasks.{key}.deployment.{k}");
    let strategy = d.strategy.unwrap_or_default();
    if strategy.shifts_traffic() && target_group.is_none() {
        p.add(
            p.at(
                at("strategy"),
                format!(
                    "`{}` moves a load balancer's traffic; this task has none",
                    strategy.ecs().to_ascii_lowercase()
                ),
            )
            .hint("use it on an http/https task, or `strategy: rolling`"),
        );
    }
    let mut percent = |k: &str, v: Option<f64>, min: f64, default: f64| -> f64 {
        let v = v.unwrap_or(default);
        let tenths = (v * 10.0).round();
        if !(min..=100.0).contains(&v) || (v * 10.0 - tenths).abs() > 1e-6 {
            p.add(
                p.at(at(k), format!("{v} is not a share ECS takes"))
                    .hint(format!("write {min} to 100, in steps of 0.1")),
            );
        }
        v
    };
    let canary_percent = percent("canary_percent", d.canary_percent, 0.1, DEFAULT_CANARY.0);
    let step_percent = percent("step_percent", d.step_percent, 3.0, DEFAULT_LINEAR.0);
    let mut minutes = |k: &str, v: Option<u32>, default: u32| -> u32 {
        let v = v.unwrap_or(default);
        if v > MAX_MINUTES {
            p.add(
                p.at(at(k), format!("{v} minutes is more than ECS waits"))
                    .hint(format!("write 0 to {MAX_MINUTES} (a day)")),
            );
        }
        v
    };
    let canary_minutes = minutes("canary_minutes", d.canary_minutes, DEFAULT_CANARY.1);
    let step_minutes = minutes("step_minutes", d.step_minutes, DEFAULT_LINEAR.1);
    let bake_minutes = minutes("bake_minutes", d.bake_minutes, DEFAULT_BAKE_MINUTES);
    let alarms = generated_alarms(p, key, d, web.map(|(app, _)| app));
    if d.alarms.is_some() && t.kind.unwrap_or(TaskType::Task) == TaskType::Task {
        p.add(
            p.at(
                at("alarms"),
                "a task without a service has no deployment to roll back",
            )
            .hint("use alarms on a daemon, http or https task"),
        );
    }
    for (k, set, wanted) in [
        (
            "canary_percent",
            d.canary_percent.is_some(),
            Strategy::Canary,
        ),
        (
            "canary_minutes",
            d.canary_minutes.is_some(),
            Strategy::Canary,
        ),
        ("step_percent", d.step_percent.is_some(), Strategy::Linear),
        ("step_minutes", d.step_minutes.is_some(), Strategy::Linear),
    ] {
        if set && strategy != wanted {
            p.add(
                p.at(
                    at(k),
                    format!(
                        "only a `{}` deployment has it",
                        wanted.ecs().to_ascii_lowercase()
                    ),
                )
                .hint(format!(
                    "remove it, or set `strategy: {}`",
                    wanted.ecs().to_ascii_lowercase()
                )),
            );
        }
    }
    if !strategy.shifts_traffic() {
        if d.bake_minutes.is_some() {
            p.add(
                p.at(at("bake_minutes"), "a rolling deployment has no bake")
                    .hint("remove it, or choose `blue_green`, `canary` or `linear`"),
            );
        }
        return DeploySpec {
            alarms,
            ..DeploySpec::rolling()
        };
    }
    DeploySpec {
        strategy,
        alternate_target_group: target_group.map(alternate_target_group_name),
        bake_minutes,
        canary: (strategy == Strategy::Canary).then_some((canary_percent, canary_minutes)),
        linear: (strategy == Strategy::Linear).then_some((step_percent, step_minutes)),
        alarms,
    }
}

/// `deployment.alarms`: existing alarms by name, checked as CloudWatch
/// names; generated ones checked and named. Those watch the target groups,
/// so only a web service (its app given) has them.
fn generated_alarms(
    p: &mut Problems,
    key: &str,
    d: &Deployment,
    web_app: Option<&str>,
) -> Vec<AlarmSpec> {
    let mut out: Vec<AlarmSpec> = Vec::new();
    for (i, alarm) in d.alarms.iter().flatten().enumerate() {
        let at = format!("tasks.{key}.deployment.alarms[{i}]");
        let g = match alarm {
            DeploymentAlarm::Existing(name) => {
                // CloudWatch's alarm names: 1 to 255 characters.
                if name.trim().is_empty() || name.len() > 255 {
                    p.add(
                        p.at(at, format!("`{name}` is not a CloudWatch alarm name"))
                            .hint("write the name of an existing alarm (1 to 255 characters)"),
                    );
                }
                continue;
            }
            DeploymentAlarm::Generated(g) => g,
        };
        let watch = match (g.http_5xx_percent, g.unhealthy_hosts) {
            (Some(v), None) if v > 0.0 && v <= 100.0 => Watch::Http5xxPercent(v),
            (Some(v), None) => {
                p.add(
                    p.at(
                        format!("{at}.http_5xx_percent"),
                        format!("{v} is not a percentage of requests"),
                    )
                    .hint("write a number above 0, up to 100"),
                );
                continue;
            }
            (None, Some(n)) if n >= 1 => Watch::UnhealthyHosts(n),
            (None, Some(n)) => {
                p.add(
                    p.at(
                        format!("{at}.unhealthy_hosts"),
                        format!("{n} unhealthy targets is every deployment"),
                    )
                    .hint("write 1 or more"),
                );
                continue;
            }
            (Some(_), Some(_)) => {
                p.add(
                    p.at(at, "one entry is one alarm; this one has two measures")
                        .hint("split it: `- http_5xx_percent: N` and `- unhealthy_hosts: N`"),
                );
                continue;
            }
            (None, None) => {
                p.add(
                    p.at(at, "an alarm needs something to watch")
                        .hint("add `http_5xx_percent: N` or `unhealthy_hosts: N`"),
                );
                continue;
            }
        };
        let minutes = g.minutes.unwrap_or(DEFAULT_ALARM_MINUTES);
        if !(1..=MAX_MINUTES).contains(&minutes) {
            p.add(
                p.at(
                    format!("{at}.minutes"),
                    format!("{minutes} minutes is not a period CloudWatch evaluates"),
                )
                .hint(format!("write 1 to {MAX_MINUTES} (a day)")),
            );
        }
        let Some(app) = web_app else {
            p.add(
                p.at(
                    format!("{at}.{}", watch.key()),
                    "it watches the service's target group; this task has none",
                )
                .hint("use it on an http/https task, or name an existing alarm"),
            );
            continue;
        };
        if out.iter().any(|a| a.watch.key() == watch.key()) {
            p.add(
                p.at(at, format!("a second `{}` alarm", watch.key()))
                    .hint("keep one of them"),
            );
            continue;
        }
        out.push(AlarmSpec {
            name: alarm_name(app, key, watch),
            watch,
            minutes,
        });
    }
    out
}

impl WebService {
    pub fn url(&self, https: bool) -> String {
        let scheme = if https { "https" } else { "http" };
        let path = self
            .path
            .as_deref()
            .map(|p| p.trim_end_matches('*'))
            .unwrap_or("/");
        format!("{scheme}://{}{path}", self.domain)
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HealthSpec {
    pub path: String,
    /// `traffic-port` or a port number.
    pub port: String,
    pub interval_seconds: u32,
    pub timeout_seconds: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    pub matcher: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    Cpu,
    Memory,
    Requests,
}

impl Metric {
    pub fn predefined(self) -> &'static str {
        match self {
            Metric::Cpu => "ECSServiceAverageCPUUtilization",
            Metric::Memory => "ECSServiceAverageMemoryUtilization",
            Metric::Requests => "ALBRequestCountPerTarget",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ScalingSpec {
    pub task: String,
    pub min: u32,
    pub max: u32,
    /// Target tracking; `None` for scheduled actions only.
    pub policy: Option<PolicySpec>,
    pub scheduled: Vec<ScheduledSpec>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicySpec {
    pub name: String,
    pub metric: Metric,
    pub target: u32,
    pub scale_out_cooldown: u32,
    pub scale_in_cooldown: u32,
}

/// One AWS scheduled action (each `scheduled:` entry makes two: out at
/// `start_time`, in at `end_time`).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ScheduledSpec {
    /// The entry's key under `scheduled:`.
    pub entry: String,
    pub name: String,
    pub schedule: String,
    pub min: u32,
    pub max: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct WafSpec {
    pub name: String,
    /// AWS managed rule group names, bundles expanded, in order.
    pub rule_groups: Vec<String>,
}

/// The original's managed rule sets and bundles (its `Constants`).
const WAF_RULES: &[(&str, &[&str])] = &[
    (
        "premium",
        &[
            "AWSManagedRulesACFPRuleSet",
            "AWSManagedRulesATPRuleSet",
            "AWSManagedRulesBotControlRuleSet",
        ],
    ),
    (
        "base",
        &[
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesKnownBadInputsRuleSet",
        ],
    ),
    ("admin", &["AWSManagedRulesAdminProtectionRuleSet"]),
    (
        "linux",
        &["AWSManagedRulesLinuxRuleSet", "AWSManagedRulesUnixRuleSet"],
    ),
    ("wordpress", &["AWSManagedRulesWordPressRuleSet"]),
    ("windows", &["AWSManagedRulesWindowsRuleSet"]),
    ("php", &["AWSManagedRulesPHPRuleSet"]),
    ("sql", &["AWSManagedRulesSQLiRuleSet"]),
    ("anonymous", &["AWSManagedRulesAnonymousIpList"]),
    ("ddos", &["AWSManagedRulesAntiDDoSRuleSet"]),
];
const WAF_BUNDLES: &[(&str, &[&str])] = &[
    (
        "all",
        &[
            "base",
            "linux",
            "wordpress",
            "php",
            "windows",
            "sql",
            "admin",
        ],
    ),
    ("default", &["base", "sql"]),
    ("linux-app", &["base", "sql", "linux"]),
    ("wordpress-app", &["base", "sql", "wordpress", "linux"]),
    ("windows-app", &["base", "sql", "windows"]),
];

pub fn waf_rule_groups(names: &[String]) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |g: &str| {
        if !out.iter().any(|o| o == g) {
            out.push(g.to_string());
        }
    };
    for name in names {
        if let Some((_, sets)) = WAF_BUNDLES.iter().find(|(b, _)| b == name) {
            for set in *sets {
                let (_, groups) = WAF_RULES.iter().find(|(r, _)| r == set).expect("bundle");
                groups.iter().for_each(|g| push(g));
            }
        } else if let Some((_, groups)) = WAF_RULES.iter().find(|(r, _)| r == name) {
            groups.iter().for_each(|g| push(g));
        } else if name.starts_with("AWSManagedRules") {
            push(name);
        } else {
            let known: Vec<&str> = WAF_BUNDLES
                .iter()
                .chain(WAF_RULES)
                .map(|(n, _)| *n)
                .collect();
            return Err(format!(
                "`{name}` is not a rule set: use one of {}, or an AWS managed rule group name (AWSManagedRules...)",
                known.join(", ")
            ));
        }
    }
    Ok(out)
}

/// A deterministic target group name within ELB's 32 characters: the
/// original's `<app>-tg` when the stack has one web service (so its stacks
/// keep their names), else `<app>-<task>-tg`, shortened with a hash suffix
/// when too long.
pub fn target_group_name(app: &str, task: &str, single: bool) -> String {
    let full = if single {
        format!("{app}-tg")
    } else {
        format!("{app}-{task}-tg")
    };
    shorten(&full.replace('_', "-"), ELB_NAME_MAX)
}

/// `name` when it fits, else its head and 6 hex digits of its hash (stable
/// across runs and machines: FNV-1a, not the std hasher).
pub fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let hash = format!("{:06x}", fnv1a(name) & 0xff_ffff);
    let head = name[..max - hash.len() - 1].trim_end_matches('-');
    format!("{head}-{hash}")
}

pub fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

fn valid_domain(d: &str) -> bool {
    let d = d.strip_prefix("*.").unwrap_or(d);
    d.contains('.')
        && d.len() <= 253
        && d.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// The web spec of a config, or `None` when it has no http/https task (or
/// it has problems, each added to `p`).
pub fn build(p: &mut Problems, config: &Config, app: &str) -> Option<WebSpec> {
    let before = p.count();
    for (key, t) in &config.tasks {
        if !t.kind.is_some_and(TaskType::is_http) {
            for (present, field) in [
                (t.domain.is_some(), "domain"),
                (t.path.is_some(), "path"),
                (t.health_check.is_some(), "health_check"),
            ] {
                if present {
                    p.add(
                        p.at(
                            format!("tasks.{key}.{field}"),
                            "only http and https tasks are behind the load balancer",
                        )
                        .hint("set `type: https` (or http), or remove the key"),
                    );
                }
            }
        }
    }
    let web: Vec<(&String, &Task)> = config
        .tasks
        .iter()
        .filter(|(_, t)| t.kind.is_some_and(TaskType::is_http))
        .collect();
    // `alb:` and `domain:` without a web task are kept as written (the
    // original writes them for stacks it touched); nothing to build.
    if web.is_empty() {
        return None;
    }
    let https = web.iter().any(|(_, t)| t.kind == Some(TaskType::Https));
    if let Some((key, _)) = web
        .iter()
        .find(|(_, t)| (t.kind == Some(TaskType::Https)) != https)
    {
        p.add(
            p.at(
                format!("tasks.{key}.type"),
                "http and https services cannot share the stack's one load balancer",
            )
            .hint("make every web service `type: https` (public, TLS) or every one `type: http` (internal)"),
        );
    }
    let alb = config.alb.as_ref();
    let (scheme, scheme_written) = match alb.and_then(|a| a.kind.as_deref()) {
        None if https => (Scheme::InternetFacing, false),
        None => (Scheme::Internal, false),
        Some("public" | "internet-facing") => (Scheme::InternetFacing, true),
        Some("private" | "internal") => (Scheme::Internal, true),
        Some(other) => {
            p.add(
                p.at("alb.type", format!("`{other}` is not a load balancer type"))
                    .hint("write `public` (internet-facing) or `private` (internal)"),
            );
            (Scheme::InternetFacing, false)
        }
    };
    if https && scheme_written && scheme == Scheme::Internal {
        p.add(
            p.at(
                "alb.type",
                "an internal load balancer cannot serve https with a public certificate here",
            )
            .hint(
                "use `type: http` tasks for an internal service, or `alb.type: public` for https",
            ),
        );
    }
    let port = alb
        .and_then(|a| a.port)
        .unwrap_or(if https { 443 } else { 80 });
    let source = match alb.and_then(|a| a.arn.clone()) {
        Some(arn) if !arn.starts_with("arn:") || !arn.contains(":loadbalancer/app/") => {
            p.add(
                p.at(
                    "alb.arn",
                    format!("`{arn}` is not an application load balancer ARN"),
                )
                .hint("copy the ARN from `aws elbv2 describe-load-balancers`, or remove the key to create or find one"),
            );
            AlbSource::Find
        }
        Some(arn) if alb.and_then(|a| a.create) != Some(true) => AlbSource::Arn(arn),
        Some(_) => AlbSource::Create,
        None if alb.and_then(|a| a.create) == Some(true) => AlbSource::Create,
        None => AlbSource::Find,
    };
    let alb_name = alb
        .and_then(|a| a.name.clone())
        .unwrap_or_else(|| shorten(&format!("{app}-alb").replace('_', "-"), ELB_NAME_MAX));
    let alb_security_group = config
        .security_groups
        .as_ref()
        .and_then(|s| s.alb.as_ref())
        .and_then(|g| g.group_name.clone().or(g.name.clone()))
        .unwrap_or_else(|| format!("{app}-alb-sg"));

    let single = web.len() == 1;
    let mut services: Vec<WebService> = Vec::new();
    for (key, t) in &web {
        if let Some(service) = web_service(p, config, app, key, t, single) {
            if let Some(other) = services
                .iter()
                .find(|s| s.domain == service.domain && s.path == service.path)
            {
                p.add(
                    p.at(
                        format!("tasks.{key}.path"),
                        format!(
                            "`{key}` and `{}` both answer {}{}",
                            other.task,
                            service.domain,
                            service.path.as_deref().unwrap_or("")
                        ),
                    )
                    .hint("give one of them its own `domain:` or a `path:` such as /api/*"),
                );
            }
            services.push(service);
        }
    }

    let waf = match alb.and_then(|a| a.waf.as_ref()) {
        Some(w) if waf_enabled(w.enabled.as_ref()) => {
            let names = w
                .managed_rules
                .clone()
                .unwrap_or_else(|| vec!["default".into()]);
            p.take(waf_rule_groups(&names).map_err(|m| p.at("alb.waf.managed_rules", m)))
                .map(|rule_groups| WafSpec {
                    name: w.name.clone().unwrap_or_else(|| format!("{app}-acl")),
                    rule_groups,
                })
        }
        _ => None,
    };

    (p.count() == before).then(|| WebSpec {
        https,
        scheme,
        source,
        alb_name,
        alb_security_group,
        port,
        redirect_80: alb.and_then(|a| a.redirect_80).unwrap_or(true),
        zone_id: config.route53.as_ref().and_then(|r| r.zone_id.clone()),
        adopt_records: config
            .route53
            .as_ref()
            .and_then(|r| r.adopt)
            .unwrap_or(false),
        keep_existing_records: config
            .route53
            .as_ref()
            .and_then(|r| r.keep_existing)
            .unwrap_or(false),
        services,
        waf,
    })
}

/// One http/https task's place behind the load balancer: its domain, path,
/// health check and target group, every field checked.
fn web_service(
    p: &mut Problems,
    config: &Config,
    app: &str,
    key: &str,
    t: &Task,
    single: bool,
) -> Option<WebService> {
    let before = p.count();
    let tkey = |k: &str| format!("tasks.{key}.{k}");
    let domain = match (&t.domain, &config.domain) {
        (Some(d), _) => Some((d, tkey("domain"))),
        (None, Some(d)) => Some((d, "domain".to_string())),
        (None, None) => {
            p.add(
                p.at(tkey("domain"), "missing: an http/https service needs a domain")
                    .hint("add `domain: app.example.com` under the task (or at the top level for the whole stack)"),
            );
            None
        }
    };
    let domain = domain.map(|(d, at)| {
        let d = d.trim_end_matches('.').to_ascii_lowercase();
        if !valid_domain(&d) {
            p.add(
                p.at(at, format!("`{d}` is not a domain name"))
                    .hint("write a fully qualified name such as app.example.com"),
            );
        }
        d
    });
    let route_path = t.path.clone();
    if let Some(path) = &route_path
        && (!path.starts_with('/') || path.len() > 128)
    {
        p.add(
            p.at(tkey("path"), format!("`{path}` is not a path pattern"))
                .hint("write a pattern that starts with `/`, such as /api/*"),
        );
    }
    let hc = t.health_check.as_ref();
    let health = HealthSpec {
        path: hc
            .and_then(|h| h.path.clone())
            .unwrap_or_else(|| "/".into()),
        port: hc
            .and_then(|h| h.port.as_ref())
            .map(|p| p.0.clone())
            .unwrap_or_else(|| "traffic-port".into()),
        interval_seconds: hc.and_then(|h| h.interval_seconds).unwrap_or(30),
        timeout_seconds: hc.and_then(|h| h.timeout_seconds).unwrap_or(5),
        healthy_threshold: hc.and_then(|h| h.healthy_threshold_count).unwrap_or(5),
        unhealthy_threshold: hc.and_then(|h| h.unhealthy_threshold_count).unwrap_or(2),
        matcher: hc
            .and_then(|h| h.matcher.as_ref())
            .map(|m| m.0.clone())
            .unwrap_or_else(|| "200".into()),
    };
    if !health.path.starts_with('/') {
        p.add(
            p.at(
                tkey("health_check.path"),
                format!("`{}` is not a path", health.path),
            )
            .hint("write a path such as /health"),
        );
    }
    if !(2..=120).contains(&health.timeout_seconds)
        || !(5..=300).contains(&health.interval_seconds)
        || health.timeout_seconds >= health.interval_seconds
    {
        p.add(
            p.at(
                tkey("health_check"),
                format!(
                    "interval {}s and timeout {}s are out of range",
                    health.interval_seconds, health.timeout_seconds
                ),
            )
            .hint("use an interval of 5-300 s and a timeout of 2-120 s, shorter than the interval"),
        );
    }
    for (n, k) in [
        (health.healthy_threshold, "healthy_threshold_count"),
        (health.unhealthy_threshold, "unhealthy_threshold_count"),
    ] {
        if !(2..=10).contains(&n) {
            p.add(
                p.at(
                    tkey(&format!("health_check.{k}")),
                    format!("{n} is out of range"),
                )
                .hint("use 2 to 10"),
            );
        }
    }
    let target_group = match &t.target_group_name {
        Some(n) if n.len() > ELB_NAME_MAX => {
            p.add(
                p.at(
                    tkey("target_group_name"),
                    format!("`{n}` is longer than {ELB_NAME_MAX} characters"),
                )
                .hint("shorten it, or remove the key for a generated name"),
            );
            n.clone()
        }
        Some(n) => n.clone(),
        None => target_group_name(app, key, single),
    };
    let deployment = deployment(p, key, t, Some((app, &target_group)));
    if p.count() > before {
        return None;
    }
    Some(WebService {
        deployment,
        task: key.to_string(),
        domain: domain.expect("checked above"),
        path: route_path,
        container_port: t.container_port.or(t.port).unwrap_or(80),
        target_group,
        health,
        grace_seconds: t.health_check_grace_period.unwrap_or(DEFAULT_GRACE_SECONDS),
    })
}

fn waf_enabled(v: Option<&serde_yaml::Value>) -> bool {
    match v {
        None => true,
        Some(serde_yaml::Value::Bool(b)) => *b,
        Some(serde_yaml::Value::Number(n)) => n.as_u64() != Some(0),
        Some(serde_yaml::Value::String(s)) => matches!(s.as_str(), "true" | "yes" | "1"),
        Some(_) => false,
    }
}

/// A task's `autoscaling:` block, for a service (daemon, http, https); its
/// problems are added to `p`.
pub fn scaling(p: &mut Problems, app: &str, key: &str, t: &Task) -> Option<ScalingSpec> {
    let a = t.autoscaling.as_ref()?;
    let before = p.count();
    let akey = |k: &str| format!("tasks.{key}.autoscaling.{k}");
    let kind = t.kind.unwrap_or(TaskType::Task);
    if kind == TaskType::Task {
        p.add(
            p.at(
                format!("tasks.{key}.autoscaling"),
                "only services scale; this is a one-off or scheduled task",
            )
            .hint("set `type: daemon`, `http` or `https`, or remove `autoscaling:`"),
        );
        return None;
    }
    let metrics: Vec<(Metric, u32)> = [
        (Metric::Cpu, a.cpu),
        (Metric::Memory, a.memory),
        (Metric::Requests, a.requests),
    ]
    .into_iter()
    .filter_map(|(m, v)| Some((m, v?)))
    .collect();
    if metrics.len() > 1 {
        p.add(
            p.at(
                akey("cpu"),
                "`cpu`, `memory` and `requests` are mutually exclusive",
            )
            .hint("keep one metric to track"),
        );
    }
    if let Some((Metric::Requests, _)) = metrics.first()
        && !kind.is_http()
    {
        p.add(
            p.at(
                akey("requests"),
                "request counts come from the load balancer; this service has none",
            )
            .hint("track `cpu` or `memory`, or make the task http/https"),
        );
    }
    let min = a.min_capacity.unwrap_or(1);
    let max = a.max_capacity.unwrap_or(2);
    if min > max {
        p.add(
            p.at(
                akey("min_capacity"),
                format!("{min} is more than max_capacity {max}"),
            )
            .hint("make min_capacity at most max_capacity"),
        );
    }
    let policy = metrics.first().map(|(metric, target)| {
        if *target == 0 || (*metric != Metric::Requests && *target > 100) {
            p.add(
                p.at(
                    akey(match metric {
                        Metric::Cpu => "cpu",
                        Metric::Memory => "memory",
                        Metric::Requests => "requests",
                    }),
                    format!("{target} is not a usable target"),
                )
                .hint("give a percentage from 1 to 100 (cpu, memory) or requests per target per minute"),
            );
        }
        let name = a
            .policy_name
            .clone()
            .unwrap_or_else(|| format!("app-fargatestack-{app}-{key}-autoscaling-policy"));
        if name.len() > SCALING_NAME_MAX {
            p.add(
                p.at(
                    akey("policy_name"),
                    format!(
                        "the scaling policy name `{name}` is {} characters; Application Auto Scaling allows at most {SCALING_NAME_MAX}",
                        name.len()
                    ),
                )
                .hint("name it yourself with `policy_name:`, or use a shorter task name"),
            );
        }
        PolicySpec {
            name,
            metric: *metric,
            target: *target,
            scale_out_cooldown: a.scale_out_cooldown.unwrap_or(60),
            scale_in_cooldown: a.scale_in_cooldown.unwrap_or(300),
        }
    });
    let mut scheduled = Vec::new();
    for (entry, s) in a.scheduled.iter().flatten() {
        scheduled.extend(scheduled_actions(p, app, &akey("scheduled"), entry, s));
    }
    (p.count() == before).then(|| ScalingSpec {
        task: key.to_string(),
        min,
        max,
        policy,
        scheduled,
    })
}

/// One `scheduled:` entry as its two actions (out at start_time, in at
/// end_time), every field checked.
fn scheduled_actions(
    p: &mut Problems,
    app: &str,
    at: &str,
    entry: &str,
    s: &super::model::ScheduledAction,
) -> Vec<ScheduledSpec> {
    let before = p.count();
    let skey = |k: &str| format!("{at}.{entry}.{k}");
    let mut field = |v: &Option<super::model::Scalar>, k: &str| -> Option<String> {
        let text = v.as_ref().map(|v| v.0.clone());
        if text.is_none() {
            p.add(p.at(skey(k), "missing").hint(
                "a scheduled action needs start_time, end_time, days, min_capacity and max_capacity",
            ));
        }
        text
    };
    let start = field(&s.start_time, "start_time");
    let end = field(&s.end_time, "end_time");
    let days = field(&s.days, "days");
    let min = field(&s.min_capacity, "min_capacity");
    let max = field(&s.max_capacity, "max_capacity");
    let start = start.and_then(|t| {
        p.take(minute_hour(&t).map_err(|m| {
            p.at(skey("start_time"), m)
                .hint("write MM:HH, minute first, as the original (`00:08` is 08:00 UTC)")
        }))
    });
    let end = end.and_then(|t| {
        p.take(minute_hour(&t).map_err(|m| {
            p.at(skey("end_time"), m)
                .hint("write MM:HH, minute first (`00:18` is 18:00 UTC)")
        }))
    });
    let days = days.and_then(|t| {
        p.take(day_range(&t).map_err(|m| {
            p.at(skey("days"), m)
                .hint("write a day or a range: MON-FRI, SAT, 2-6")
        }))
    });
    let pair = |k: &str, text: String| -> Result<(u32, u32), ConfigError> {
        let parts: Vec<&str> = text
            .split(|c: char| ":, /-".contains(c))
            .filter(|p| !p.is_empty())
            .collect();
        match parts.as_slice() {
            [a, b] => match (a.parse::<u32>(), b.parse::<u32>()) {
                (Ok(a), Ok(b)) if a >= b => Ok((a, b)),
                (Ok(_), Ok(_)) => Err(p
                    .at(
                        skey(k),
                        format!("`{text}` scales in to more than it scales out to"),
                    )
                    .hint("write OUT/IN with OUT >= IN, such as 4/1")),
                _ => Err(p
                    .at(skey(k), format!("`{text}` is not two numbers"))
                    .hint("write OUT/IN, such as 4/1")),
            },
            _ => Err(p
                .at(skey(k), format!("`{text}` is not a pair"))
                .hint("write OUT/IN, such as 4/1 (out at start_time, in at end_time)")),
        }
    };
    let min = min.map(|t| pair("min_capacity", t));
    let max = max.map(|t| pair("max_capacity", t));
    let min = min.and_then(|r| p.take(r));
    let max = max.and_then(|r| p.take(r));
    if let (Some((min_out, min_in)), Some((max_out, max_in))) = (min, max)
        && (min_out > max_out || min_in > max_in)
    {
        p.add(
            p.at(skey("min_capacity"), "is more than max_capacity")
                .hint("make each min_capacity at most the matching max_capacity"),
        );
    }
    if p.count() > before {
        return Vec::new();
    }
    let (Some(start), Some(end), Some(days), Some((min_out, min_in)), Some((max_out, max_in))) =
        (start, end, days, min, max)
    else {
        return Vec::new();
    };
    let out_name = format!("{app}-{entry}-out-schedule");
    if out_name.len() > SCALING_NAME_MAX {
        p.add(
            p.at(
                format!("{at}.{entry}"),
                format!(
                    "the scheduled action name `{out_name}` is {} characters; Application Auto Scaling allows at most {SCALING_NAME_MAX}",
                    out_name.len()
                ),
            )
            .hint("use a shorter entry name"),
        );
        return Vec::new();
    }
    let cron = |(m, h): (u32, u32)| format!("cron({m:02} {h:02} ? * {days} *)");
    vec![
        ScheduledSpec {
            entry: entry.to_string(),
            name: out_name,
            schedule: cron(start),
            min: min_out,
            max: max_out,
        },
        ScheduledSpec {
            entry: entry.to_string(),
            name: format!("{app}-{entry}-in-schedule"),
            schedule: cron(end),
            min: min_in,
            max: max_in,
        },
    ]
}

/// `MM:HH` (the original's order, minute first) as (minute, hour).
fn minute_hour(text: &str) -> Result<(u32, u32), String> {
    let (m, h) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not MM:HH"))?;
    match (m.trim().parse::<u32>(), h.trim().parse::<u32>()) {
        (Ok(m), Ok(h)) if m < 60 && h < 24 => Ok((m, h)),
        _ => Err(format!("`{text}` is not a time (MM:HH)")),
    }
}

/// `MON-FRI`, `SAT`, `2-6` as a cron day-of-week field (1 = SUN ... 7 = SAT).
fn day_range(text: &str) -> Result<String, String> {
    const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];
    let num = |d: &str| -> Result<usize, String> {
        let d = d.trim().to_ascii_uppercase();
        d.parse::<usize>()
            .ok()
            .filter(|n| (1..=7).contains(n))
            .or_else(|| DAYS.iter().position(|x| *x == d).map(|i| i + 1))
            .ok_or_else(|| format!("`{d}` is not a day"))
    };
    let parts: Vec<&str> = text
        .split(|c: char| "/-: ,".contains(c))
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [d] => Ok(num(d)?.to_string()),
        [a, b] => {
            let (a, b) = (num(a)?, num(b)?);
            if a > b {
                return Err(format!("`{text}` runs backwards"));
            }
            Ok(if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            })
        }
        _ => Err(format!("`{text}` is not a day or a range")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_group_names_fit_elb() {
        assert_eq!(target_group_name("shop", "web", true), "shop-tg");
        assert_eq!(target_group_name("shop", "api", false), "shop-api-tg");
        let long = target_group_name("a-very-long-application-name", "frontend", false);
        assert!(long.len() <= ELB_NAME_MAX, "{long}");
        assert_eq!(
            long,
            target_group_name("a-very-long-application-name", "frontend", false)
        );
        assert_ne!(
            long,
            target_group_name("a-very-long-application-name", "frontend2", false)
        );
    }

    #[test]
    fn waf_bundles_expand_in_order() {
        let g = waf_rule_groups(&["default".into()]).unwrap();
        assert_eq!(g[0], "AWSManagedRulesCommonRuleSet");
        assert_eq!(g.last().unwrap(), "AWSManagedRulesSQLiRuleSet");
        assert!(waf_rule_groups(&["nope".into()]).is_err());
    }

    #[test]
    fn schedules_read_minute_first() {
        assert_eq!(minute_hour("30:08").unwrap(), (30, 8));
        assert!(minute_hour("08:30").is_err());
        assert_eq!(day_range("MON-FRI").unwrap(), "2-6");
        assert_eq!(day_range("sat").unwrap(), "7");
        assert!(day_range("FRI-MON").is_err());
    }
}
