//! `verify`: a read-only preflight of the stack against the account, one
//! PASS/WARN/FAIL line per check (the original's checker script, ecspresso's
//! verify). Every check runs, concurrently, whatever the others found, so
//! one run lists everything to fix. Exit 1 when any check FAILs.

use std::collections::BTreeSet;

use anyhow::Result;
use serde::Serialize;

use crate::aws::{Aws, code_of};
use crate::config::Config;
use crate::config::StackSpec;
use crate::config::model::TaskType;
use crate::discovery::{self, Identity, Network, images};
use crate::engine;
use crate::output::table;
use crate::settings::Settings;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: String,
    pub result: Verdict,
    pub detail: String,
}

fn check(name: impl Into<String>, result: Verdict, detail: impl Into<String>) -> Check {
    Check {
        check: name.into(),
        result,
        detail: detail.into(),
    }
}

/// A check that could not be made because the call it needed failed.
fn call_failed(name: impl Into<String>, call: &'static str, e: impl Into<anyhow::Error>) -> Check {
    check(name, Verdict::Fail, format!("{:#}", e.into().context(call)))
}

/// Names that usually hold a secret: their values belong in `secrets:`.
fn looks_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    [
        "PASSWORD",
        "SECRET",
        "TOKEN",
        "PASSWD",
        "PRIVATE_KEY",
        "API_KEY",
    ]
    .iter()
    .any(|w| upper.contains(w))
}

/// Checks made from the config alone.
pub fn offline_checks(spec: &StackSpec, recorded_digest: &dyn Fn(&str) -> bool) -> Vec<Check> {
    let mut out = Vec::new();
    for t in &spec.tasks {
        let suspicious: Vec<&str> = t
            .environment
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| looks_secret(k))
            .collect();
        if !suspicious.is_empty() {
            out.push(check(
                format!("environment: {}", t.key),
                Verdict::Warn,
                format!(
                    "{} look like secrets: environment values are visible in the task definition; move them to `secrets:` (Secrets Manager or SSM)",
                    suspicious.join(", ")
                ),
            ));
        }
        let mutable =
            t.image.digest.is_none() && matches!(t.image.tag.as_deref(), None | Some("latest"));
        if mutable && !recorded_digest(&t.key) {
            out.push(check(
                format!("image tag: {}", t.key),
                Verdict::Warn,
                format!(
                    "`{}` uses the mutable tag `latest` and no digest is recorded yet: a push changes what runs; pin a version tag (apply records the digest)",
                    t.image.written
                ),
            ));
        }
    }
    out
}

async fn credentials(aws: &Aws, recorded: Option<&str>) -> (Vec<Check>, Option<Identity>) {
    match discovery::identity(aws, None).await {
        Ok(id) => match recorded {
            Some(r) if r != id.account => (
                vec![check(
                    "credentials",
                    Verdict::Fail,
                    format!(
                        "the config records account {r}, the credentials are for {}; use the profile for {r}",
                        id.account
                    ),
                )],
                None,
            ),
            _ => (
                vec![check(
                    "credentials",
                    Verdict::Pass,
                    format!("account {} in {}", id.account, id.region),
                )],
                Some(id),
            ),
        },
        Err(e) => (
            vec![check("credentials", Verdict::Fail, format!("{e:#}"))],
            None,
        ),
    }
}

async fn network(aws: &Aws, spec: &StackSpec, vpc: Option<&str>) -> (Vec<Check>, Option<Network>) {
    let net = match discovery::network::discover(aws, vpc).await {
        Ok(n) => n,
        Err(e) => return (vec![check("vpc", Verdict::Fail, format!("{e:#}"))], None),
    };
    let mut out = vec![check(
        "vpc",
        Verdict::Pass,
        format!(
            "{}: {} public, {} private subnet(s)",
            net.vpc_id,
            net.public.len(),
            net.private.len()
        ),
    )];
    if net.private.is_empty() {
        out.push(check(
            "egress",
            Verdict::Warn,
            "no private subnet with a NAT route: tasks run in public subnets with public IPs",
        ));
    } else {
        out.push(check(
            "egress",
            Verdict::Pass,
            "private subnets route out through a NAT gateway",
        ));
    }
    if !net.isolated.is_empty() {
        out.push(check(
            "isolated subnets",
            Verdict::Warn,
            format!(
                "{} have no route out: tasks there cannot pull images or reach AWS APIs without VPC endpoints; they are not used",
                net.isolated.join(", ")
            ),
        ));
    }
    let used = net.task_subnets().0;
    let services = spec
        .tasks
        .iter()
        .any(|t| matches!(t.kind, TaskType::Daemon | TaskType::Http | TaskType::Https));
    let zones: BTreeSet<&str> = used.iter().filter_map(|s| net.zone_of(s)).collect();
    let zones_list = zones.iter().copied().collect::<Vec<_>>().join(", ");
    if zones.len() < 2 && services {
        out.push(check(
            "availability zones",
            Verdict::Warn,
            format!("the task subnets are all in {zones_list}: services there stop with that zone; add a subnet in another zone"),
        ));
    } else {
        out.push(check("availability zones", Verdict::Pass, zones_list));
    }
    (out, Some(net))
}

/// ECS Exec's prerequisites for the tasks with `exec: true`: the Session
/// Manager plugin on this machine, and each existing service created or
/// updated with execute-command on (its tasks run the agent).
async fn exec_checks(aws: &Aws, spec: &StackSpec) -> Vec<Check> {
    let tasks: Vec<&crate::config::spec::TaskSpec> = spec.tasks.iter().filter(|t| t.exec).collect();
    if tasks.is_empty() {
        return vec![];
    }
    let plugin = super::exec::find_plugin().is_some();
    let mut out = vec![if plugin {
        check("exec", Verdict::Pass, "session-manager-plugin is installed")
    } else {
        check(
            "exec",
            Verdict::Warn,
            "session-manager-plugin is not on PATH: `fargate-stack exec` needs it (https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html)",
        )
    }];
    let services: Vec<String> = tasks
        .iter()
        .filter(|t| t.kind != TaskType::Task)
        .map(|t| t.key.clone())
        .collect();
    if services.is_empty() {
        return out;
    }
    match aws
        .ecs
        .describe_services()
        .cluster(&spec.cluster)
        .set_services(Some(services))
        .send()
        .await
    {
        Ok(found) => {
            for s in found
                .services()
                .iter()
                .filter(|s| s.status() != Some("INACTIVE"))
            {
                let name = s.service_name().unwrap_or_default();
                out.push(if s.enable_execute_command() {
                    check("exec", Verdict::Pass, format!("service {name} runs with execute-command on"))
                } else {
                    check(
                        "exec",
                        Verdict::Fail,
                        format!("service {name} has execute-command off: run `fargate-stack update-service {name}` (its new tasks get the agent)"),
                    )
                });
            }
        }
        Err(e) => out.push(call_failed("exec", "ecs DescribeServices", e)),
    }
    out
}

/// The alarms the services' deployments roll back on: each named one must
/// exist (ECS cannot watch an alarm that is not there); a generated one
/// missing is apply's to make. One call for all of them.
async fn alarm_checks(aws: &Aws, spec: &StackSpec) -> Vec<Check> {
    let named: Vec<(&str, &str)> = spec
        .tasks
        .iter()
        .flat_map(|t| t.alarms.iter().map(|a| (t.key.as_str(), a.as_str())))
        .collect();
    let generated: Vec<(&str, &str)> = spec
        .web
        .iter()
        .flat_map(|w| &w.services)
        .flat_map(|s| {
            s.deployment
                .alarms
                .iter()
                .map(|a| (s.task.as_str(), a.name.as_str()))
        })
        .collect();
    if named.is_empty() && generated.is_empty() {
        return vec![];
    }
    let mut names: Vec<String> = named
        .iter()
        .chain(&generated)
        .map(|(_, n)| n.to_string())
        .collect();
    names.sort();
    names.dedup();
    let states = match crate::resources::alarm::states(aws, names).await {
        Ok(states) => states,
        Err(e) => return vec![call_failed("alarms", "cloudwatch DescribeAlarms", e)],
    };
    let state = |name: &str| states.get(name);
    let mut out = Vec::new();
    for (task, name) in named {
        out.push(match state(name) {
            Some(s) => check("alarms", Verdict::Pass, format!("{name} exists ({s}); {task} rolls back on it")),
            None => check(
                "alarms",
                Verdict::Fail,
                format!("{name} does not exist, so {task}'s deployments cannot roll back on it: create it, or remove it from tasks.{task}.deployment.alarms"),
            ),
        });
    }
    for (task, name) in generated {
        out.push(match state(name) {
            Some(s) => check(
                "alarms",
                Verdict::Pass,
                format!("{name} exists ({s}); {task} rolls back on it"),
            ),
            None => check(
                "alarms",
                Verdict::Warn,
                format!("{name} is not made yet: `fargate-stack apply` makes it"),
            ),
        });
    }
    out
}

/// The load balancer's zones against where the web services run (or would
/// run): AWS sends no traffic to a target in a zone its load balancer does
/// not serve. Most useful for a load balancer the stack adopted, whose
/// subnets it never sets.
async fn zone_checks(aws: &Aws, spec: &StackSpec, config: &Config, net: &Network) -> Vec<Check> {
    let Some(web) = &spec.web else {
        return vec![];
    };
    let arn = config.alb.as_ref().and_then(|a| a.arn.clone());
    let name = arn.is_none().then_some(web.alb_name.as_str());
    let alb = match discovery::web::describe_by(aws, arn.as_deref(), name).await {
        Ok(Some(alb)) => alb,
        // None yet: apply creates it with a subnet in every zone it can.
        Ok(None) => return vec![],
        Err(e) => {
            return vec![check(
                "load balancer zones",
                Verdict::Fail,
                format!("{e:#}"),
            )];
        }
    };
    let served: Vec<&str> = alb.zones.keys().map(String::as_str).collect();
    let names: Vec<&str> = web.services.iter().map(|s| s.task.as_str()).collect();
    let running = aws
        .ecs
        .describe_services()
        .cluster(&spec.cluster)
        .set_services(Some(names.iter().map(|n| n.to_string()).collect()))
        .send()
        .await;
    let running: Vec<(String, Vec<String>)> = match running {
        Ok(out) => out
            .services()
            .iter()
            .filter(|s| s.status() != Some("INACTIVE"))
            .map(|s| {
                let subnets = s
                    .network_configuration()
                    .and_then(|n| n.awsvpc_configuration())
                    .map(|c| c.subnets().to_vec())
                    .unwrap_or_default();
                (s.service_name().unwrap_or_default().to_string(), subnets)
            })
            .collect(),
        Err(e) => {
            return vec![call_failed(
                "load balancer zones",
                "ecs DescribeServices",
                e,
            )];
        }
    };
    let outside = |subnets: &[String]| -> Vec<String> {
        subnets
            .iter()
            .filter_map(|s| {
                let zone = net.zone_of(s)?;
                (!served.contains(&zone)).then(|| format!("{s} ({zone})"))
            })
            .collect()
    };
    let mut out = Vec::new();
    for (service, subnets) in &running {
        let wrong = outside(subnets);
        out.push(if wrong.is_empty() {
            check(
                "load balancer zones",
                Verdict::Pass,
                format!("service {service} runs in zones {} serves", alb.name),
            )
        } else {
            check(
                "load balancer zones",
                Verdict::Fail,
                format!(
                    "service {service} runs in {}, which {} (serving {}) does not serve: its tasks there get no traffic; run `fargate-stack update-service {service}` after giving the load balancer a subnet there, or remove those subnets",
                    wrong.join(", "),
                    alb.name,
                    served.join(", ")
                ),
            )
        });
    }
    let not_running = web
        .services
        .iter()
        .filter(|s| !running.iter().any(|(n, _)| *n == s.task));
    let candidates = net.task_subnets().0;
    let wrong = outside(&candidates);
    for s in not_running {
        if !wrong.is_empty() {
            out.push(check(
                "load balancer zones",
                Verdict::Warn,
                format!(
                    "{} (serving {}) does not serve {}: `create-service {}` leaves those subnets out",
                    alb.name,
                    served.join(", "),
                    wrong.join(", "),
                    s.task
                ),
            ));
        }
    }
    out
}

async fn image_checks(aws: &Aws, id: &Identity, spec: &StackSpec) -> Vec<Check> {
    let lookups = spec.tasks.iter().map(|t| async move {
        let name = format!("image: {}", t.key);
        match images::resolve(aws, id, &t.image, None).await {
            Ok(r) => match (&r.digest, &t.arch) {
                (Some(d), arch) => {
                    let arch_note = match architectures(aws, &t.image, d).await {
                        Some(archs) if !archs.contains(&arch.platform().to_string()) => {
                            return check(
                                name,
                                Verdict::Fail,
                                format!(
                                    "{} has no {} image (it has {}); build for linux/{} or set `arch:`",
                                    t.image.written,
                                    arch.platform(),
                                    archs.join(", "),
                                    arch.platform()
                                ),
                            );
                        }
                        Some(archs) => format!(" ({})", archs.join(", ")),
                        None => String::new(),
                    };
                    check(name, Verdict::Pass, format!("{} at {d}{arch_note}", r.uri))
                }
                (None, _) => check(
                    name,
                    Verdict::Warn,
                    format!("{} is not in ECR in this account: not checked", r.uri),
                ),
            },
            Err(e) => check(name, Verdict::Fail, format!("{e:#}")),
        }
    });
    futures::future::join_all(lookups).await
}

/// The CPU architectures a multi-platform ECR image offers; `None` when the
/// manifest does not say (a single-platform image).
async fn architectures(
    aws: &Aws,
    image: &crate::config::spec::ImageRef,
    digest: &str,
) -> Option<Vec<String>> {
    let out = aws
        .ecr
        .batch_get_image()
        .repository_name(&image.repository)
        .image_ids(
            aws_sdk_ecr::types::ImageIdentifier::builder()
                .image_digest(digest)
                .build(),
        )
        .accepted_media_types("application/vnd.oci.image.index.v1+json")
        .accepted_media_types("application/vnd.docker.distribution.manifest.list.v2+json")
        .accepted_media_types("application/vnd.docker.distribution.manifest.v2+json")
        .accepted_media_types("application/vnd.oci.image.manifest.v1+json")
        .send()
        .await
        .ok()?;
    let manifest: serde_json::Value =
        serde_json::from_str(out.images().first()?.image_manifest()?).ok()?;
    let archs: Vec<String> = manifest
        .get("manifests")?
        .as_array()?
        .iter()
        .filter_map(|m| {
            Some(
                m.get("platform")?
                    .get("architecture")?
                    .as_str()?
                    .to_string(),
            )
        })
        .collect();
    (!archs.is_empty()).then_some(archs)
}

async fn secret_checks(
    aws: &Aws,
    id: &Identity,
    spec: &StackSpec,
    path: &std::path::Path,
) -> Vec<Check> {
    if spec.tasks.iter().all(|t| t.secrets.is_empty()) {
        return vec![];
    }
    match discovery::secrets::resolve_all(aws, id, spec, path).await {
        Ok(found) => vec![check(
            "secrets",
            Verdict::Pass,
            format!(
                "{} found; the execution policy apply writes grants exactly these",
                found.len()
            ),
        )],
        Err(e) => vec![check("secrets", Verdict::Fail, format!("{e:#}"))],
    }
}

async fn log_group(aws: &Aws, spec: &StackSpec) -> Vec<Check> {
    match aws
        .logs
        .describe_log_groups()
        .log_group_name_prefix(&spec.log_group)
        .send()
        .await
    {
        Ok(out)
            if out
                .log_groups()
                .iter()
                .any(|g| g.log_group_name() == Some(spec.log_group.as_str())) =>
        {
            vec![check(
                "log group",
                Verdict::Pass,
                format!("{} exists", spec.log_group),
            )]
        }
        Ok(_) => vec![check(
            "log group",
            Verdict::Pass,
            format!("{} does not exist yet: apply creates it", spec.log_group),
        )],
        Err(e) => vec![call_failed("log group", "logs DescribeLogGroups", e)],
    }
}

async fn role(aws: &Aws, what: &str, name: &str) -> Check {
    let label = format!("role: {what}");
    match aws.iam.get_role().role_name(name).send().await {
        Ok(out) => {
            let doc = out
                .role()
                .map(|r| r.assume_role_policy_document().unwrap_or_default())
                .unwrap_or_default();
            let doc = percent_encoding::percent_decode_str(doc).decode_utf8_lossy();
            if doc.contains("ecs-tasks.amazonaws.com") {
                check(
                    label,
                    Verdict::Pass,
                    format!("{name} is assumable by ECS tasks"),
                )
            } else {
                check(
                    label,
                    Verdict::Fail,
                    format!(
                        "{name} exists but does not trust ecs-tasks.amazonaws.com: ECS cannot assume it"
                    ),
                )
            }
        }
        Err(e) if code_of(&e) == Some("NoSuchEntity") => check(
            label,
            Verdict::Pass,
            format!("{name} does not exist yet: apply creates it"),
        ),
        Err(e) => call_failed(label, "iam GetRole", e),
    }
}

/// Each web domain's hosted zone (the longest suffix that is a zone of the
/// load balancer's kind) and, for https, the certificate apply would use.
async fn web_checks(aws: &Aws, spec: &StackSpec) -> Vec<Check> {
    let Some(web) = &spec.web else {
        return vec![];
    };
    let private = web.scheme == crate::config::web::Scheme::Internal;
    let (zones, certs) = tokio::join!(discovery::web::all_zones(aws), async {
        if web.https {
            discovery::web::list_certificates(aws).await.map(Some)
        } else {
            Ok(None)
        }
    });
    let zones = match zones {
        Ok(z) => z,
        Err(e) => return vec![check("hosted zone", Verdict::Fail, format!("{e:#}"))],
    };
    let mut out = Vec::new();
    for domain in web.domains() {
        out.push(match discovery::web::best_zone(&zones, domain, private) {
            Some(z) => check(
                "hosted zone",
                Verdict::Pass,
                format!("{domain} is in zone {} ({})", z.id, z.name),
            ),
            None => check(
                "hosted zone",
                Verdict::Fail,
                format!(
                    "no {} Route 53 hosted zone for {domain} or a parent; create one, set `route53.zone_id`, or use --route53-profile for DNS in another account",
                    if private { "private" } else { "public" }
                ),
            ),
        });
        match &certs {
            Ok(Some(certs)) => out.push(match discovery::web::best_certificate(certs, domain) {
                Some(c) if c.issued => check(
                    "certificate",
                    Verdict::Pass,
                    format!("{domain}: issued ({})", c.arn),
                ),
                Some(c) => check(
                    "certificate",
                    Verdict::Warn,
                    format!(
                        "{domain}: {} is still pending validation; apply waits for it (check the validation CNAME is in the zone the registrar delegates to)",
                        c.arn
                    ),
                ),
                None => check(
                    "certificate",
                    Verdict::Pass,
                    format!("{domain}: none yet; apply requests one and validates it through Route 53"),
                ),
            }),
            Ok(None) => {}
            Err(e) => out.push(check("certificate", Verdict::Fail, format!("{e:#}"))),
        }
    }
    out
}

pub async fn run(settings: &Settings) -> Result<u8> {
    let (loaded, spec) = engine::load_read_only(settings)?;
    let aws = engine::connect(settings, &loaded).await;
    let c = &loaded.config;
    let recorded_account = c.account.as_ref().map(|a| a.0.clone());
    let (mut checks, id) = credentials(&aws, recorded_account.as_deref()).await;
    checks.extend(offline_checks(&spec, &|key| {
        c.tasks.get(key).is_some_and(|t| t.image_digest.is_some())
    }));
    if let Some(id) = &id {
        let ((net, network), imgs, secrets, logs, exec, task, zones) = tokio::join!(
            network(&aws, &spec, c.vpc_id.as_deref()),
            image_checks(&aws, id, &spec),
            secret_checks(&aws, id, &spec, &loaded.path),
            log_group(&aws, &spec),
            role(&aws, "execution", &spec.execution_role),
            role(&aws, "task", &spec.task_role),
            web_checks(&aws, &spec),
        );
        for group in [net, imgs, secrets, logs, vec![exec, task], zones] {
            checks.extend(group);
        }
        if let Some(network) = &network {
            checks.extend(zone_checks(&aws, &spec, c, network).await);
        }
        let (exec, alarms) = tokio::join!(exec_checks(&aws, &spec), alarm_checks(&aws, &spec));
        checks.extend(exec);
        checks.extend(alarms);
    }
    let failed = checks.iter().filter(|c| c.result == Verdict::Fail).count();
    let warned = checks.iter().filter(|c| c.result == Verdict::Warn).count();
    settings.out.show(
        |style| {
            let mut t = table(&["Check", "Result", "Detail"]);
            for c in &checks {
                let result = match c.result {
                    Verdict::Pass => style.green("PASS"),
                    Verdict::Warn => style.yellow("WARN"),
                    Verdict::Fail => style.red("FAIL"),
                };
                t.add_row(vec![c.check.clone(), result, c.detail.clone()]);
            }
            format!(
                "{t}\n{} checks: {} passed, {warned} warned, {failed} failed",
                checks.len(),
                checks.len() - warned - failed
            )
        },
        || {
            serde_json::json!({
                "checks": checks,
                "failed": failed,
                "warned": warned,
            })
        },
    );
    Ok(if failed > 0 { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_looking_names() {
        for n in ["DB_PASSWORD", "api_token", "ClientSecret", "STRIPE_API_KEY"] {
            assert!(looks_secret(n), "{n}");
        }
        for n in ["LOG_LEVEL", "GREETING", "DATABASE_HOST"] {
            assert!(!looks_secret(n), "{n}");
        }
    }
}
