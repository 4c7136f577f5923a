//! The Route 53 alias record of each domain: A (and AAAA when the load
//! balancer is dualstack) pointing at the load balancer, in the hosted zone
//! whose name is the longest suffix of the domain.

use anyhow::Result;
use aws_sdk_route53::types::{
    AliasTarget, Change, ChangeAction, ChangeBatch, ResourceRecordSet, RrType,
};
use serde_json::json;

use super::core::{Address, Diff, Inputs, Kind, Node, Record, Resource, State, Work, reference};
use crate::aws::{Aws, AwsResultExt};

/// The output of a record `route53.keep_existing` leaves as it is: where
/// it points.
pub const KEPT: &str = "kept";

/// What the plan says of each record it leaves pointing elsewhere.
pub fn kept_notes(observed: &std::collections::BTreeMap<Address, State>) -> Vec<String> {
    observed
        .iter()
        .filter(|(a, _)| a.kind == Kind::DnsRecord)
        .filter_map(|(a, s)| {
            let to = s.outputs.get(KEPT)?;
            Some(format!(
                "{} stays {to} (route53.keep_existing); set `route53.adopt: true` to point it at this stack's load balancer",
                a.key
            ))
        })
        .collect()
}

pub struct DnsRecord;

impl Resource for DnsRecord {
    const CONFLICT_FIX: &'static str = "use another domain, or set `route53.adopt: true` to point it at this stack's load balancer (destroy then leaves it)";
    const ADOPTED_IS_NOT_OURS_TO_CHANGE: bool = true;

    /// The hosted zone, where the stack's records all live in one.
    fn records(cx: &Inputs, node: &Node) -> Vec<Record> {
        let mut zones: Vec<&str> = cx.web.zones.values().map(|z| z.id.as_str()).collect();
        zones.dedup();
        match (node.desired["zone"].as_str(), zones.as_slice()) {
            (Some(z), [only]) if z == *only => vec![Record::setting(&["route53", "zone_id"], z)],
            _ => vec![],
        }
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = &cx.spec.web else {
            return vec![];
        };
        let lb = Address::new(Kind::LoadBalancer, "main");
        web.domains()
            .into_iter()
            .map(|domain| {
                let first = web
                    .services
                    .iter()
                    .find(|s| s.domain == domain)
                    .map(|s| s.task.clone())
                    .unwrap_or_default();
                let mut n = Node::new(Kind::DnsRecord, domain, domain);
                n.desired = json!({
                    "zone": cx.web.zones.get(domain).map(|z| z.id.clone()),
                    "alias": reference(&lb),
                });
                // Ours when the service it serves is (the load balancer may be
                // adopted; the record is still the stack's), and made once
                // the service can be routed to.
                let tg = Address::new(Kind::TargetGroup, first);
                n.depends_on = vec![tg.clone()];
                n.owner = Some(tg);
                n.task = web.sole_task(domain);
                n
            })
            .collect()
    }

    /// A record `route53.keep_existing` leaves pointing elsewhere is not
    /// changed.
    fn diff(node: &Node, state: &State) -> Option<Diff> {
        if state.outputs.contains_key(KEPT) {
            return None;
        }
        super::core::diff_attributes(&node.desired, &state.attributes)
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let Some(zone) = cx.web.zones.get(&node.name) else {
            return Ok(None);
        };
        let out = aws
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(&zone.id)
            .start_record_name(&node.name)
            .start_record_type(RrType::A)
            .max_items(2)
            .send()
            .await
            .ctx("route53 ListResourceRecordSets")?;
        let Some(rec) = out
            .resource_record_sets()
            .iter()
            .find(|r| same_name(r.name(), &node.name) && *r.r#type() == RrType::A)
        else {
            return Ok(None);
        };
        let target = rec.alias_target().map(|a| a.dns_name().to_string());
        // The alias compares as the load balancer's ARN when it points at ours.
        let alias = match (&target, &cx.web.alb) {
            (Some(t), Some(alb))
                if same_name(t, &alb.dns_name)
                    || same_name(t, &format!("dualstack.{}", alb.dns_name)) =>
            {
                alb.arn.clone()
            }
            (Some(t), _) => format!("alias to {t}"),
            (None, _) => "(not an alias)".to_string(),
        };
        // A record has no tags: it is this stack's (as its service is) when it
        // points at the stack's load balancer. One that points elsewhere is
        // someone else's, and so is one the config adopted.
        let ours = cx.web.alb.as_ref().is_some_and(|a| alias == a.arn)
            && !cx.spec.web.as_ref().is_some_and(|w| w.adopt_records);
        let tags = (!ours).then(std::collections::BTreeMap::new);
        let mut s = State::new(format!("{}|{}", zone.id, node.name), tags)
            .with(json!({ "zone": zone.id, "alias": alias }));
        let points_here = cx.web.alb.as_ref().is_some_and(|a| alias == a.arn);
        if !points_here
            && cx
                .spec
                .web
                .as_ref()
                .is_some_and(|w| w.keep_existing_records && !w.adopt_records)
        {
            s.outputs.insert(KEPT.into(), alias.clone());
        }
        if let Some(a) = rec.alias_target() {
            s.outputs
                .insert("dns_name".into(), a.dns_name().to_string());
            s.outputs
                .insert("canonical_zone".into(), a.hosted_zone_id().to_string());
        }
        Ok(Some(s))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let domain = &work.node.name;
        let zone = cx
            .web
            .zones
            .get(domain.as_str())
            .ok_or_else(|| anyhow::anyhow!("no hosted zone was found for {domain}"))?;
        let lb = work
            .dep(Kind::LoadBalancer)
            .ok_or_else(|| anyhow::anyhow!("the load balancer is not known"))?;
        let dns = lb.outputs.get("dns_name").cloned().unwrap_or_default();
        let canonical = lb
            .outputs
            .get("canonical_zone")
            .cloned()
            .unwrap_or_default();
        let mut batch = ChangeBatch::builder().comment("fargate-stack: alias to the load balancer");
        batch = batch.changes(change(
            ChangeAction::Upsert,
            domain,
            RrType::A,
            &dns,
            &canonical,
        )?);
        if lb.outputs.get("dualstack").map(String::as_str) == Some("true") {
            batch = batch.changes(change(
                ChangeAction::Upsert,
                domain,
                RrType::Aaaa,
                &dns,
                &canonical,
            )?);
        }
        aws.route53
            .change_resource_record_sets()
            .hosted_zone_id(&zone.id)
            .change_batch(batch.build()?)
            .send()
            .await
            .ctx("route53 ChangeResourceRecordSets")?;
        let mut s =
            State::new(format!("{}|{domain}", zone.id), None).with(work.node.desired.clone());
        s.outputs.insert("dns_name".into(), dns);
        s.outputs.insert("canonical_zone".into(), canonical);
        Ok(s)
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, node: &Node, state: &State) -> Result<()> {
        let (Some(dns), Some(canonical)) = (
            state.outputs.get("dns_name"),
            state.outputs.get("canonical_zone"),
        ) else {
            return Ok(());
        };
        let zone = state.attributes["zone"].as_str().unwrap_or_default();
        // The AAAA record exists only for a dualstack load balancer; deleting
        // one that is not there is the "already gone" answer.
        for kind in [RrType::A, RrType::Aaaa] {
            let result = aws
                .route53
                .change_resource_record_sets()
                .hosted_zone_id(zone)
                .change_batch(
                    ChangeBatch::builder()
                        .changes(change(
                            ChangeAction::Delete,
                            &node.name,
                            kind,
                            dns,
                            canonical,
                        )?)
                        .build()?,
                )
                .send()
                .await
                .ctx("route53 ChangeResourceRecordSets");
            match result {
                // Already gone (AWS says InvalidChangeBatch, moto InvalidInput).
                Err(e)
                    if !matches!(
                        e.code.as_deref(),
                        Some("InvalidChangeBatch" | "InvalidInput")
                    ) =>
                {
                    return Err(e.into());
                }
                _ => {}
            }
        }
        Ok(())
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}

fn change(action: ChangeAction, name: &str, kind: RrType, dns: &str, zone: &str) -> Result<Change> {
    Ok(Change::builder()
        .action(action)
        .resource_record_set(
            ResourceRecordSet::builder()
                .name(name)
                .r#type(kind)
                .alias_target(
                    AliasTarget::builder()
                        .dns_name(dns)
                        .hosted_zone_id(zone)
                        .evaluate_target_health(true)
                        .build()?,
                )
                .build()?,
        )
        .build()?)
}
