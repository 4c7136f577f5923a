//! Web discovery: which load balancer the stack uses (the original's rules:
//! the configured ARN, else ours by name, else the single ALB of the right
//! scheme in the VPC), its listeners, the hosted zone of each domain (the
//! longest matching suffix) and a certificate that covers each https domain.
//! Read-only; the look-ups run concurrently.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Result;
use aws_sdk_elasticloadbalancingv2::types::LoadBalancer;

use crate::aws::{Aws, AwsResultExt};
use crate::config::web::{AlbSource, Scheme, WebSpec};
use crate::error::UserError;
use crate::ownership::{self, Ownership};

#[derive(Debug, Clone, Default)]
pub struct WebFound {
    /// The load balancer to use, when it exists.
    pub alb: Option<Alb>,
    /// An ALB found in the VPC rather than named by us: never changed
    /// beyond our rules and certificates, never deleted.
    pub adopted: bool,
    pub listeners: Vec<Listener>,
    /// domain -> its hosted zone.
    pub zones: BTreeMap<String, Zone>,
    /// domain -> an ACM certificate covering it.
    pub certificates: BTreeMap<String, String>,
    pub vpc_cidr: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Alb {
    pub arn: String,
    pub name: String,
    pub dns_name: String,
    pub canonical_zone: String,
    pub scheme: String,
    pub security_groups: Vec<String>,
    pub dualstack: bool,
    pub tags: BTreeMap<String, String>,
    /// The zones it serves, each with its subnet there.
    pub zones: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub arn: String,
    pub port: i32,
    pub protocol: String,
    pub default_certificate: Option<String>,
    pub ssl_policy: Option<String>,
    /// `redirect`, `forward`, `fixed-response`.
    pub default_action: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: String,
    pub name: String,
    pub private: bool,
    pub records: Option<i64>,
}

pub fn alb_from(lb: &LoadBalancer) -> Alb {
    Alb {
        arn: lb.load_balancer_arn().unwrap_or_default().to_string(),
        name: lb.load_balancer_name().unwrap_or_default().to_string(),
        dns_name: lb.dns_name().unwrap_or_default().to_string(),
        canonical_zone: lb
            .canonical_hosted_zone_id()
            .unwrap_or_default()
            .to_string(),
        // Absent only where an emulator leaves it out: AWS's default.
        scheme: lb
            .scheme()
            .map_or("internet-facing", |s| s.as_str())
            .to_string(),
        security_groups: lb.security_groups().to_vec(),
        dualstack: lb
            .ip_address_type()
            .is_some_and(|t| t.as_str().starts_with("dualstack")),
        tags: BTreeMap::new(),
        zones: lb
            .availability_zones()
            .iter()
            .filter_map(|z| Some((z.zone_name()?.to_string(), z.subnet_id()?.to_string())))
            .collect(),
    }
}

pub async fn discover(
    aws: &Aws,
    app: &str,
    web: &WebSpec,
    vpc_id: &str,
    config_path: &Path,
    recorded_certificates: &BTreeMap<String, String>,
) -> Result<WebFound> {
    let alb = find_alb(aws, app, web, vpc_id, config_path);
    let zones = find_zones(aws, web, config_path);
    let certificates = async {
        if !web.https {
            return Ok(BTreeMap::new());
        }
        find_certificates(aws, web, recorded_certificates).await
    };
    let cidr = async {
        if web.scheme != Scheme::Internal {
            return Ok(None);
        }
        let out = aws
            .ec2
            .describe_vpcs()
            .vpc_ids(vpc_id)
            .send()
            .await
            .ctx("ec2 DescribeVpcs")?;
        Ok::<_, anyhow::Error>(
            out.vpcs()
                .first()
                .and_then(|v| v.cidr_block())
                .map(str::to_string),
        )
    };
    let ((alb, adopted, listeners), zones, certificates, vpc_cidr) =
        tokio::try_join!(alb, zones, certificates, cidr)?;
    if let Some(a) = alb.as_ref().filter(|_| adopted) {
        let protocol = if web.https { "HTTPS" } else { "HTTP" };
        if !listeners
            .iter()
            .any(|l| l.port == web.port as i32 && l.protocol == protocol)
        {
            return Err(UserError::new(format!(
                "{}: the load balancer {} (not created by this stack) has no {protocol} listener on port {}; add one to it, set `alb.port` to the port it listens on, or set `alb.create: true` (--create-alb) for the stack's own",
                config_path.display(),
                a.name,
                web.port
            ))
            .into());
        }
    }
    Ok(WebFound {
        alb,
        adopted,
        listeners,
        zones,
        certificates,
        vpc_cidr,
    })
}

pub async fn describe_by(aws: &Aws, arn: Option<&str>, name: Option<&str>) -> Result<Option<Alb>> {
    let mut req = aws.elb.describe_load_balancers();
    if let Some(a) = arn {
        req = req.load_balancer_arns(a);
    }
    if let Some(n) = name {
        req = req.names(n);
    }
    match req.send().await.ctx("elbv2 DescribeLoadBalancers") {
        Ok(out) => Ok(out.load_balancers().first().map(alb_from)),
        Err(e) if e.code.as_deref() == Some("LoadBalancerNotFound") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

pub async fn listeners(aws: &Aws, alb_arn: &str) -> Result<Vec<Listener>> {
    let out = aws
        .elb
        .describe_listeners()
        .load_balancer_arn(alb_arn)
        .send()
        .await
        .ctx("elbv2 DescribeListeners");
    let out = match out {
        Ok(o) => o,
        Err(e) if e.code.as_deref() == Some("LoadBalancerNotFound") => return Ok(vec![]),
        Err(e) => return Err(e.into()),
    };
    Ok(out
        .listeners()
        .iter()
        .map(|l| Listener {
            arn: l.listener_arn().unwrap_or_default().to_string(),
            port: l.port().unwrap_or_default(),
            protocol: l
                .protocol()
                .map(|p| p.as_str().to_string())
                .unwrap_or_default(),
            default_certificate: l
                .certificates()
                .first()
                .and_then(|c| c.certificate_arn())
                .map(str::to_string),
            ssl_policy: l.ssl_policy().map(str::to_string),
            default_action: l
                .default_actions()
                .first()
                .and_then(|a| a.r#type())
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
        })
        .collect())
}

pub async fn tags_of(aws: &Aws, arn: &str) -> Result<BTreeMap<String, String>> {
    let out = aws
        .elb
        .describe_tags()
        .resource_arns(arn)
        .send()
        .await
        .ctx("elbv2 DescribeTags")?;
    Ok(out
        .tag_descriptions()
        .iter()
        .flat_map(|d| d.tags())
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect())
}

/// The ALB, whether it was adopted, and its listeners.
async fn find_alb(
    aws: &Aws,
    app: &str,
    web: &WebSpec,
    vpc_id: &str,
    config_path: &Path,
) -> Result<(Option<Alb>, bool, Vec<Listener>)> {
    let with_details = |alb: Alb| async move {
        let (tags, listeners) = tokio::try_join!(tags_of(aws, &alb.arn), listeners(aws, &alb.arn))?;
        Ok::<_, anyhow::Error>(Alb { tags, ..alb }).map(|a| (a, listeners))
    };
    let whose = |alb: &Alb| {
        let evidence = ownership::Evidence {
            scoped: ownership::scoped_to(&alb.name, app),
            recorded: false,
        };
        ownership::of(Some(&alb.tags), app, evidence)
    };
    let owned = |alb: &Alb| whose(alb).is_ours();
    match &web.source {
        AlbSource::Arn(arn) => {
            // The listeners are looked up beside the describe: one round.
            let (found, listeners, tags) = tokio::try_join!(
                describe_by(aws, Some(arn), None),
                listeners(aws, arn),
                async { Ok(tags_of(aws, arn).await.unwrap_or_default()) }
            )?;
            let Some(alb) = found else {
                return Err(UserError::new(format!(
                    "{}: alb.arn {arn} does not exist in this account and region; fix the ARN, or remove `alb.arn` to find or create a load balancer",
                    config_path.display()
                ))
                .into());
            };
            let alb = Alb { tags, ..alb };
            let adopted = !owned(&alb);
            Ok((Some(alb), adopted, listeners))
        }
        AlbSource::Create | AlbSource::Find => {
            if let Some(alb) = describe_by(aws, None, Some(&web.alb_name)).await? {
                let (alb, listeners) = with_details(alb).await?;
                let adopted = !owned(&alb);
                return Ok((Some(alb), adopted, listeners));
            }
            if web.source == AlbSource::Create {
                return Ok((None, false, vec![]));
            }
            let mut candidates = Vec::new();
            let mut marker: Option<String> = None;
            loop {
                let out = aws
                    .elb
                    .describe_load_balancers()
                    .set_marker(marker.clone())
                    .send()
                    .await
                    .ctx("elbv2 DescribeLoadBalancers")?;
                candidates.extend(
                    out.load_balancers()
                        .iter()
                        .filter(|lb| lb.vpc_id() == Some(vpc_id))
                        .filter(|lb| lb.r#type().is_some_and(|t| t.as_str() == "application"))
                        .filter(|lb| {
                            lb.scheme()
                                .is_some_and(|s| s.as_str() == web.scheme.as_str())
                        })
                        .map(alb_from),
                );
                match out.next_marker() {
                    Some(m) if !m.is_empty() => marker = Some(m.to_string()),
                    _ => break,
                }
            }
            match candidates.len() {
                0 => Ok((None, false, vec![])),
                1 => {
                    let alb = candidates.remove(0);
                    let (alb, listeners) = with_details(alb).await?;
                    // Found, not chosen: another app's load balancer is
                    // shared only when the config names it.
                    if let Some(why) = match whose(&alb) {
                        own @ (Ownership::OtherStack(_) | Ownership::OtherApp) => {
                            own.not_ours_because()
                        }
                        _ => None,
                    } {
                        return Err(UserError::new(format!(
                            "{}: the only {} load balancer in {vpc_id}, {}, {why}; set `alb.create: true` (or pass --create-alb) for the stack's own, or `alb.arn: {}` to share it deliberately",
                            config_path.display(),
                            web.scheme.as_str(),
                            alb.name,
                            alb.arn
                        ))
                        .into());
                    }
                    tracing::warn!(
                        "using the existing {} load balancer {} (the only one in {vpc_id}); set `alb.create: true` for one of the stack's own",
                        web.scheme.as_str(),
                        alb.name
                    );
                    let adopted = !owned(&alb);
                    Ok((Some(alb), adopted, listeners))
                }
                _ => Err(UserError::new(format!(
                    "{}: {} {} load balancers in {vpc_id} ({}); choose one with `alb.arn: ARN`, or set `alb.create: true` (or pass --create-alb) for the stack's own",
                    config_path.display(),
                    candidates.len(),
                    web.scheme.as_str(),
                    candidates
                        .iter()
                        .map(|c| format!("{} {}", c.name, c.arn))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
                .into()),
            }
        }
    }
}

/// The hosted zone of each domain: `route53.zone_id` when given (checked
/// against the domain), else the zone whose name is the longest suffix of
/// the domain, public for an internet-facing ALB, private for an internal one.
async fn find_zones(
    aws: &Aws,
    web: &WebSpec,
    config_path: &Path,
) -> Result<BTreeMap<String, Zone>> {
    let private = web.scheme == Scheme::Internal;
    let zone_id = web.zone_id.as_deref();
    let zones: Vec<Zone> = match zone_id {
        Some(id) => {
            let out = aws
                .route53
                .get_hosted_zone()
                .id(id)
                .send()
                .await
                .ctx("route53 GetHostedZone");
            match out {
                Ok(o) => o
                    .hosted_zone()
                    .map(|z| vec![zone_from(z)])
                    .unwrap_or_default(),
                Err(e) if e.code.as_deref() == Some("NoSuchHostedZone") => {
                    return Err(UserError::new(format!(
                        "{}: route53.zone_id {id} does not exist (or the Route 53 profile cannot see it); fix it, or remove the key to find the zone by the domain",
                        config_path.display()
                    ))
                    .into());
                }
                Err(e) => return Err(e.into()),
            }
        }
        None => all_zones(aws).await?,
    };
    let mut out = BTreeMap::new();
    for domain in web.domains() {
        match best_zone(&zones, domain, private) {
            Some(z) => {
                out.insert(domain.to_string(), z.clone());
            }
            None => {
                return Err(UserError::new(format!(
                    "{}: no {} hosted zone {} {domain}; create the zone (or its parent) in Route 53{}, set `route53.zone_id`, or pass --route53-profile for DNS in another account (`fargate-stack list-zones {domain}` lists what is visible)",
                    config_path.display(),
                    if private { "private" } else { "public" },
                    if zone_id.is_some() { "given by route53.zone_id contains" } else { "contains" },
                    if private { " and associate it with the VPC" } else { "" }
                ))
                .into());
            }
        }
    }
    Ok(out)
}

fn zone_from(z: &aws_sdk_route53::types::HostedZone) -> Zone {
    Zone {
        id: z.id().trim_start_matches("/hostedzone/").to_string(),
        name: z.name().trim_end_matches('.').to_ascii_lowercase(),
        private: z.config().is_some_and(|c| c.private_zone()),
        records: z.resource_record_set_count(),
    }
}

pub async fn all_zones(aws: &Aws) -> Result<Vec<Zone>> {
    let mut zones = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = aws
            .route53
            .list_hosted_zones()
            .set_marker(marker.clone())
            .send()
            .await
            .ctx("route53 ListHostedZones")?;
        zones.extend(out.hosted_zones().iter().map(zone_from));
        match out.next_marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_string()),
            _ => break,
        }
    }
    Ok(zones)
}

/// The zone with the longest name that is the domain or a parent of it.
pub fn best_zone<'a>(zones: &'a [Zone], domain: &str, private: bool) -> Option<&'a Zone> {
    zones
        .iter()
        .filter(|z| z.private == private)
        .filter(|z| domain == z.name || domain.ends_with(&format!(".{}", z.name)))
        .max_by_key(|z| z.name.len())
}

/// Whether a certificate name (`app.example.com`, `*.example.com`) covers
/// the domain.
pub fn covers(name: &str, domain: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    match name.strip_prefix("*.") {
        Some(parent) => domain
            .split_once('.')
            .is_some_and(|(label, rest)| !label.is_empty() && rest == parent),
        None => name == domain,
    }
}

async fn find_certificates(
    aws: &Aws,
    web: &WebSpec,
    recorded: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let unknown: Vec<&str> = web
        .domains()
        .into_iter()
        .filter(|d| match recorded.get(*d) {
            Some(arn) => {
                out.insert(d.to_string(), arn.clone());
                false
            }
            None => true,
        })
        .collect();
    if unknown.is_empty() {
        return Ok(out);
    }
    let certs = list_certificates(aws).await?;
    for domain in unknown {
        if let Some(c) = best_certificate(&certs, domain) {
            out.insert(domain.to_string(), c.arn.clone());
        }
    }
    Ok(out)
}

#[derive(Debug, Clone)]
pub struct CertificateSummary {
    pub arn: String,
    pub names: Vec<String>,
    pub issued: bool,
}

/// The account's issued and pending certificates.
pub async fn list_certificates(aws: &Aws) -> Result<Vec<CertificateSummary>> {
    let mut certs = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let out = aws
            .acm
            .list_certificates()
            .certificate_statuses(aws_sdk_acm::types::CertificateStatus::Issued)
            .certificate_statuses(aws_sdk_acm::types::CertificateStatus::PendingValidation)
            .set_next_token(token.clone())
            .send()
            .await
            .ctx("acm ListCertificates")?;
        for c in out.certificate_summary_list() {
            let mut names: Vec<String> = c.subject_alternative_name_summaries().to_vec();
            if let Some(d) = c.domain_name() {
                names.push(d.to_string());
            }
            certs.push(CertificateSummary {
                arn: c.certificate_arn().unwrap_or_default().to_string(),
                names,
                issued: c
                    .status()
                    .is_some_and(|s| *s == aws_sdk_acm::types::CertificateStatus::Issued),
            });
        }
        match out.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(certs)
}

/// The certificate to use for a domain: an issued one before one still
/// pending, an exact name before a wildcard.
pub fn best_certificate<'a>(
    certs: &'a [CertificateSummary],
    domain: &str,
) -> Option<&'a CertificateSummary> {
    certs
        .iter()
        .filter(|c| c.names.iter().any(|n| covers(n, domain)))
        .max_by_key(|c| (c.issued, c.names.iter().any(|n| n == domain)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(name: &str, private: bool) -> Zone {
        Zone {
            id: name.into(),
            name: name.into(),
            private,
            records: None,
        }
    }

    #[test]
    fn the_longest_suffix_wins() {
        let zones = [
            zone("example.com", false),
            zone("shop.example.com", false),
            zone("shop.example.com", true),
        ];
        assert_eq!(
            best_zone(&zones, "www.shop.example.com", false)
                .unwrap()
                .name,
            "shop.example.com"
        );
        assert_eq!(
            best_zone(&zones, "api.example.com", false).unwrap().name,
            "example.com"
        );
        assert!(best_zone(&zones, "api.example.com", true).is_none());
        assert!(best_zone(&zones, "badexample.com", false).is_none());
    }

    #[test]
    fn wildcards_cover_one_label() {
        assert!(covers("*.example.com", "app.example.com"));
        assert!(!covers("*.example.com", "a.b.example.com"));
        assert!(!covers("*.example.com", "example.com"));
        assert!(covers("app.example.com.", "app.example.com"));
    }
}
