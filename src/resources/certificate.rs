//! The ACM certificate of each https domain: an issued or pending one that
//! covers the domain (exact or wildcard) is used; else one is requested with
//! DNS validation. Either way apply UPSERTs the validation CNAME and waits
//! until the certificate is ISSUED before any listener uses it, so a re-run
//! after a timeout resumes the wait. Only certificates the stack requested
//! are ever deleted.

use std::time::{Duration, Instant};

use anyhow::Result;
use aws_sdk_acm::types::{Tag, ValidationMethod};
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType,
};
use serde_json::json;

use super::core::{Inputs, Kind, Node, Record, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt};

pub const ISSUED: &str = "ISSUED";
const IN_ZONE: &str = "in the zone";

pub struct Certificate;

impl Resource for Certificate {
    /// The certificate's ARN on each service that uses it. The user may
    /// have written that key (a certificate of their own), so destroy
    /// leaves it.
    fn records(cx: &Inputs, node: &Node) -> Vec<Record> {
        let Some(web) = &cx.spec.web else {
            return vec![];
        };
        web.services
            .iter()
            .filter(|svc| svc.domain == node.name)
            .map(|svc| Record::id_kept(&["tasks", &svc.task, "certificate_arn"]))
            .collect()
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = cx.spec.web.as_ref().filter(|w| w.https) else {
            return vec![];
        };
        web.domains()
            .into_iter()
            .enumerate()
            .map(|(i, domain)| {
                let mut n = Node::new(Kind::Certificate, domain, domain);
                n.predicted = format!("(a new certificate for {domain})");
                // ACM renews a DNS-validated certificate only while its
                // validation record is in the zone: it is part of the state.
                n.desired = json!({ "status": ISSUED, "validation_record": IN_ZONE });
                // The first domain's is the listener's own: it stays while the
                // listener does.
                if i > 0 || cx.web.adopted {
                    n.task = web.sole_task(domain);
                }
                n
            })
            .collect()
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let Some(arn) = cx.web.certificates.get(&node.name) else {
            return Ok(None);
        };
        let tags = async {
            aws.acm
                .list_tags_for_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .ctx("acm ListTagsForCertificate")
        };
        let (described, tags) = tokio::join!(describe(aws, arn), tags);
        let Some(d) = described? else {
            return Ok(None);
        };
        // Failed, expired or revoked: a new one is requested.
        if d.status != ISSUED && d.status != "PENDING_VALIDATION" {
            return Ok(None);
        }
        let tags = tags.ok().map(|t| {
            t.tags()
                .iter()
                .map(|t| {
                    (
                        t.key().to_string(),
                        t.value().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        });
        let ours = tags
            .as_ref()
            .and_then(|t: &std::collections::BTreeMap<String, String>| t.get(super::core::APP_TAG))
            .is_some_and(|app| *app == cx.spec.app);
        // Another's certificate is theirs to keep valid: not looked at.
        let record = match (ours, &d.record, cx.web.zones.get(&node.name)) {
            (true, Some((name, value)), Some(zone)) => {
                if validation_in_zone(aws, &zone.id, name, value).await? {
                    IN_ZONE
                } else {
                    "missing"
                }
            }
            _ => IN_ZONE,
        };
        Ok(Some(State::new(arn.clone(), tags).with(
            json!({ "status": d.status, "validation_record": record }),
        )))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let domain = &work.node.name;
        let (arn, tags) = match work.current {
            Some(c) => (c.id.clone(), c.tags.clone()),
            None => {
                // The token makes a re-run after a lost response return the
                // same certificate instead of requesting a second one.
                let token = format!(
                    "fs{:016x}",
                    crate::config::web::fnv1a(&format!("{}/{domain}", cx.spec.app))
                );
                let out = aws
                    .acm
                    .request_certificate()
                    .domain_name(domain)
                    .validation_method(ValidationMethod::Dns)
                    .idempotency_token(token)
                    .set_tags(Some(
                        super::core::tags(&cx.spec.app)
                            .into_iter()
                            .map(|(k, v)| Tag::builder().key(k).value(v).build())
                            .collect::<Result<Vec<_>, _>>()?,
                    ))
                    .send()
                    .await
                    .ctx("acm RequestCertificate")?;
                let arn = out
                    .certificate_arn()
                    .ok_or_else(|| anyhow::anyhow!("acm RequestCertificate returned no ARN"))?
                    .to_string();
                tracing::info!("requested a certificate for {domain}");
                (arn, super::core::tag_map(&cx.spec.app))
            }
        };
        let zone = cx.web.zones.get(domain.as_str()).ok_or_else(|| {
            anyhow::anyhow!("no hosted zone was found for {domain}, so it cannot be validated")
        })?;
        let started = Instant::now();
        let limit = wait_limit();
        let mut upserted = false;
        let mut reported = Duration::ZERO;
        loop {
            let d = describe(aws, &arn)
                .await?
                .ok_or_else(|| anyhow::anyhow!("certificate {arn} disappeared while validating"))?;
            // Upserted even when it is issued: renewal needs the record.
            if !upserted && let Some((name, value)) = &d.record {
                upsert_validation(aws, &zone.id, name, value).await?;
                upserted = true;
            }
            if d.status == ISSUED {
                tracing::info!("certificate for {domain} is issued");
                return Ok(State::new(arn, tags)
                    .with(json!({ "status": ISSUED, "validation_record": IN_ZONE })));
            }
            if d.status != "PENDING_VALIDATION" {
                anyhow::bail!(
                    "certificate {arn} for {domain} is {}; delete it in ACM and apply again to request a new one",
                    d.status
                );
            }
            if started.elapsed() >= limit {
                anyhow::bail!(
                    "certificate for {domain} is still PENDING_VALIDATION after {}s. Check that the hosted zone {} ({}) is the one the domain's registrar delegates to (its NS records), and that the validation CNAME {} is in it; then apply again, which resumes the wait (FARGATE_STACK_CERTIFICATE_WAIT sets the limit in seconds)",
                    limit.as_secs(),
                    zone.name,
                    zone.id,
                    d.record
                        .as_ref()
                        .map_or("(not yet made by ACM)", |r| r.0.as_str())
                );
            }
            // Progress: a line when the wait starts, then every half minute.
            if started.elapsed() >= reported {
                tracing::info!(
                    "certificate for {domain}: waiting for DNS validation ({}s of at most {}s)",
                    started.elapsed().as_secs(),
                    limit.as_secs()
                );
                reported = started.elapsed() + Duration::from_secs(30);
            }
            tokio::time::sleep(Duration::from_secs(if upserted { 5 } else { 2 })).await;
        }
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        // In use until the listeners that served it are gone.
        super::core::retry_while(
            "acm DeleteCertificate",
            &["ResourceInUseException"],
            || async {
                super::core::gone(
                    aws.acm
                        .delete_certificate()
                        .certificate_arn(&state.id)
                        .send()
                        .await
                        .ctx("acm DeleteCertificate"),
                )
            },
        )
        .await
    }
}

/// How long apply waits for validation (`FARGATE_STACK_CERTIFICATE_WAIT`
/// seconds, default 30 minutes: DNS validation usually takes a few).
fn wait_limit() -> Duration {
    Duration::from_secs(
        std::env::var("FARGATE_STACK_CERTIFICATE_WAIT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(1800),
    )
}

struct Described {
    status: String,
    /// The validation CNAME (name, value), once ACM has made it.
    record: Option<(String, String)>,
}

async fn describe(aws: &Aws, arn: &str) -> Result<Option<Described>> {
    let out = match aws
        .acm
        .describe_certificate()
        .certificate_arn(arn)
        .send()
        .await
        .ctx("acm DescribeCertificate")
    {
        Ok(o) => o,
        Err(e) if super::core::not_found(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(c) = out.certificate() else {
        return Ok(None);
    };
    let record = c
        .domain_validation_options()
        .iter()
        .filter_map(|o| o.resource_record())
        .map(|r| (r.name().to_string(), r.value().to_string()))
        .next();
    Ok(Some(Described {
        status: c
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        record,
    }))
}

/// Whether the validation CNAME is in the zone with its value.
async fn validation_in_zone(aws: &Aws, zone: &str, name: &str, value: &str) -> Result<bool> {
    let out = aws
        .route53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .start_record_name(name)
        .start_record_type(RrType::Cname)
        .max_items(1)
        .send()
        .await
        .ctx("route53 ListResourceRecordSets")?;
    let same = |a: &str, b: &str| {
        a.trim_end_matches('.')
            .eq_ignore_ascii_case(b.trim_end_matches('.'))
    };
    Ok(out.resource_record_sets().iter().any(|r| {
        same(r.name(), name)
            && *r.r#type() == RrType::Cname
            && r.resource_records().iter().any(|v| same(v.value(), value))
    }))
}

async fn upsert_validation(aws: &Aws, zone: &str, name: &str, value: &str) -> Result<()> {
    let record = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Cname)
        .ttl(300)
        .resource_records(ResourceRecord::builder().value(value).build()?)
        .build()?;
    aws.route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(
            ChangeBatch::builder()
                .comment("fargate-stack: ACM DNS validation")
                .changes(
                    Change::builder()
                        .action(ChangeAction::Upsert)
                        .resource_record_set(record)
                        .build()?,
                )
                .build()?,
        )
        .send()
        .await
        .ctx("route53 ChangeResourceRecordSets")?;
    Ok(())
}
