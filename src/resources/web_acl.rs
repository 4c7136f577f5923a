//! The WAF web ACL `<app>-acl` (WAFv2, regional): the chosen AWS managed
//! rule groups in order, default allow, associated with the stack's load
//! balancer. Changes are applied with the lock token read at plan time; an
//! ACL the stack did not create is never changed. Not set up on an adopted
//! load balancer (that would change it).

use anyhow::Result;
use aws_sdk_wafv2::types::{
    AllowAction, DefaultAction, ManagedRuleGroupStatement, NoneAction, OverrideAction, Rule, Scope,
    Statement, Tag, VisibilityConfig,
};
use serde_json::json;

use super::core::{Address, Inputs, Kind, Node, Record, Resource, State, Work, reference, strings};
use crate::aws::{Aws, AwsResultExt};

pub struct WebAcl;

impl Resource for WebAcl {
    const ADOPTED_IS_NOT_OURS_TO_CHANGE: bool = true;
    const CONFLICT_FIX: &'static str = "name the stack's own web ACL with `alb.waf.name`";
    fn records(_cx: &Inputs, node: &Node) -> Vec<Record> {
        vec![
            Record::setting(&["alb", "waf", "name"], node.name.as_str()),
            Record::id(&["alb", "waf", "arn"]),
            Record::output(&["alb", "waf", "id"], "id"),
        ]
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(waf) = cx.spec.web.as_ref().and_then(|w| w.waf.as_ref()) else {
            return vec![];
        };
        if cx.web.adopted {
            tracing::warn!(
                "alb.waf: not set up, because the load balancer was not created by this stack (associating an ACL would change it); set `alb.create: true` for the stack's own"
            );
            return vec![];
        }
        let lb = Address::new(Kind::LoadBalancer, "main");
        let mut n = Node::new(Kind::WebAcl, "main", &waf.name);
        n.desired = json!({ "rules": waf.rule_groups, "load_balancer": reference(&lb) });
        n.owner = Some(lb);
        vec![n]
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        // With its ID and ARN recorded, the ACL, its tags and its association
        // are read at once (one round); else it is looked up by name first.
        let recorded = cx
            .config
            .alb
            .as_ref()
            .and_then(|a| a.waf.as_ref())
            .and_then(|w| Some((w.arn.clone()?, w.id.clone()?)))
            .filter(|(arn, _)| arn.contains(&format!("/webacl/{}/", node.name)));
        let (arn, id) = match recorded {
            Some(r) => r,
            None => match list(aws, &node.name).await? {
                Some(found) => found,
                None => return Ok(None),
            },
        };
        let tags = async {
            aws.waf
                .list_tags_for_resource()
                .resource_arn(&arn)
                .send()
                .await
                .ctx("wafv2 ListTagsForResource")
        };
        let (got, tags, associated) =
            tokio::join!(get(aws, &node.name, &id), tags, associated(aws, cx, &arn));
        let Some((lock, groups)) = got? else {
            return Ok(None);
        };
        let associated = associated?;
        let tags = tags?;
        let tags = tags
            .tag_info_for_resource()
            .map(|t| {
                t.tag_list()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let mut s = State::new(arn, Some(tags))
            .with(json!({ "rules": groups, "load_balancer": associated }));
        s.outputs.insert("id".into(), id);
        s.outputs.insert("lock_token".into(), lock);
        Ok(Some(s))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        let name = &work.node.name;
        let groups = strings(&d["rules"]);
        let lb = d["load_balancer"].as_str().unwrap_or_default();
        let (arn, id) = match work.current {
            // Changed only when ours or taken over: the planner refused the rest.
            Some(c) => {
                let id = c.outputs.get("id").cloned().unwrap_or_default();
                if strings(&c.attributes["rules"]) != groups {
                    let result = aws
                        .waf
                        .update_web_acl()
                        .name(name)
                        .scope(Scope::Regional)
                        .id(&id)
                        .default_action(allow_all())
                        .set_rules(Some(rules(&groups)?))
                        .visibility_config(visibility(name)?)
                        .lock_token(c.outputs.get("lock_token").cloned().unwrap_or_default())
                        .send()
                        .await
                        .ctx("wafv2 UpdateWebACL");
                    match result {
                        Ok(_) => {}
                        Err(e) if e.code.as_deref() == Some("WAFOptimisticLockException") => {
                            anyhow::bail!(
                                "web ACL {name} was changed by someone else since it was read; run `fargate-stack plan` to see it as it is now, then apply again"
                            )
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                (c.id.clone(), id)
            }
            None => {
                let out = aws
                    .waf
                    .create_web_acl()
                    .name(name)
                    .scope(Scope::Regional)
                    .default_action(allow_all())
                    .set_rules(Some(rules(&groups)?))
                    .visibility_config(visibility(name)?)
                    .description(format!("fargate-stack {}", cx.spec.app))
                    .set_tags(Some(
                        super::core::tags(&cx.spec.app)
                            .into_iter()
                            .map(|(k, v)| Tag::builder().key(k).value(v).build())
                            .collect::<Result<Vec<_>, _>>()?,
                    ))
                    .send()
                    .await
                    .ctx("wafv2 CreateWebACL")?;
                let s = out
                    .summary()
                    .ok_or_else(|| anyhow::anyhow!("wafv2 CreateWebACL returned no summary"))?;
                (
                    s.arn().unwrap_or_default().to_string(),
                    s.id().unwrap_or_default().to_string(),
                )
            }
        };
        if work
            .current
            .is_none_or(|c| c.attributes["load_balancer"].as_str() != Some(lb))
        {
            associate(aws, &arn, lb).await?;
        }
        let mut s = State::new(arn, super::core::tag_map(&cx.spec.app)).with(d.clone());
        s.outputs.insert("id".into(), id);
        Ok(s)
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, node: &Node, state: &State) -> Result<()> {
        if let Some(lb) = state.attributes["load_balancer"].as_str() {
            let out = aws
                .waf
                .disassociate_web_acl()
                .resource_arn(lb)
                .send()
                .await
                .ctx("wafv2 DisassociateWebACL");
            if let Err(e) = out
                && e.code.as_deref() != Some("WAFNonexistentItemException")
            {
                return Err(e.into());
            }
        }
        // The lock token changes with every update: read it now.
        let Some((_, id, lock, _)) = find(aws, &node.name).await? else {
            return Ok(());
        };
        let out = aws
            .waf
            .delete_web_acl()
            .name(&node.name)
            .scope(Scope::Regional)
            .id(id)
            .lock_token(lock)
            .send()
            .await
            .ctx("wafv2 DeleteWebACL");
        match out {
            Err(e) if e.code.as_deref() != Some("WAFNonexistentItemException") => Err(e.into()),
            _ => Ok(()),
        }
    }
}

/// Requests no rule blocks are let through.
fn allow_all() -> DefaultAction {
    DefaultAction::builder()
        .allow(AllowAction::builder().build())
        .build()
}

fn visibility(metric: &str) -> Result<VisibilityConfig> {
    Ok(VisibilityConfig::builder()
        .sampled_requests_enabled(true)
        .cloud_watch_metrics_enabled(true)
        .metric_name(
            metric
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect::<String>(),
        )
        .build()?)
}

fn rules(groups: &[String]) -> Result<Vec<Rule>> {
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            Ok(Rule::builder()
                .name(g)
                .priority(i as i32)
                .statement(
                    Statement::builder()
                        .managed_rule_group_statement(
                            ManagedRuleGroupStatement::builder()
                                .vendor_name("AWS")
                                .name(g)
                                .build()?,
                        )
                        .build(),
                )
                .override_action(
                    OverrideAction::builder()
                        .none(NoneAction::builder().build())
                        .build(),
                )
                .visibility_config(visibility(g)?)
                .build()?)
        })
        .collect()
}

/// (arn, id, lock token, rule group names) of the ACL with this name.
async fn find(aws: &Aws, name: &str) -> Result<Option<(String, String, String, Vec<String>)>> {
    let Some((arn, id)) = list(aws, name).await? else {
        return Ok(None);
    };
    Ok(get(aws, name, &id)
        .await?
        .map(|(lock, groups)| (arn, id, lock, groups)))
}

/// The ARN and ID of the ACL with this name.
async fn list(aws: &Aws, name: &str) -> Result<Option<(String, String)>> {
    let mut marker: Option<String> = None;
    let summary = loop {
        let out = aws
            .waf
            .list_web_acls()
            .scope(Scope::Regional)
            .set_next_marker(marker.clone())
            .send()
            .await
            .ctx("wafv2 ListWebACLs")?;
        if let Some(s) = out.web_acls().iter().find(|a| a.name() == Some(name)) {
            break s.clone();
        }
        match out.next_marker() {
            Some(m) if !m.is_empty() && !out.web_acls().is_empty() => marker = Some(m.to_string()),
            _ => return Ok(None),
        }
    };
    Ok(Some((
        summary.arn().unwrap_or_default().to_string(),
        summary.id().unwrap_or_default().to_string(),
    )))
}

/// The lock token and rule group names of the ACL; `None` when it is gone.
async fn get(aws: &Aws, name: &str, id: &str) -> Result<Option<(String, Vec<String>)>> {
    let got = match aws
        .waf
        .get_web_acl()
        .name(name)
        .scope(Scope::Regional)
        .id(id)
        .send()
        .await
        .ctx("wafv2 GetWebACL")
    {
        Ok(g) => g,
        Err(e) if e.code.as_deref() == Some("WAFNonexistentItemException") => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let groups = got
        .web_acl()
        .map(|a| {
            let mut r: Vec<&Rule> = a.rules().iter().collect();
            r.sort_by_key(|r| r.priority());
            r.iter()
                .filter_map(|r| {
                    r.statement()?
                        .managed_rule_group_statement()
                        .map(|m| m.name().to_string())
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Some((
        got.lock_token().unwrap_or_default().to_string(),
        groups,
    )))
}

/// The load balancer's ARN when the ACL is associated with it.
async fn associated(aws: &Aws, cx: &Inputs<'_>, acl: &str) -> Result<Option<String>> {
    let Some(alb) = &cx.web.alb else {
        return Ok(None);
    };
    let out = aws
        .waf
        .get_web_acl_for_resource()
        .resource_arn(&alb.arn)
        .send()
        .await
        .ctx("wafv2 GetWebACLForResource");
    match out {
        Ok(o) if o.web_acl().map(|a| a.arn()) == Some(acl) => Ok(Some(alb.arn.clone())),
        Ok(_) => Ok(None),
        Err(e) if e.code.as_deref() == Some("WAFNonexistentItemException") => Ok(None),
        Err(e) => Err(e.into()),
    }
}

async fn associate(aws: &Aws, acl: &str, lb: &str) -> Result<()> {
    // A new load balancer takes a moment to be known to WAF.
    super::core::retry_while(
        "wafv2 AssociateWebACL",
        &["WAFUnavailableEntityException"],
        || async {
            aws.waf
                .associate_web_acl()
                .web_acl_arn(acl)
                .resource_arn(lb)
                .send()
                .await
                .ctx("wafv2 AssociateWebACL")
        },
    )
    .await?;
    Ok(())
}
