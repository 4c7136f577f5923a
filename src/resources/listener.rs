//! The load balancer's listeners: for https, 443 (`alb.port`) with the
//! certificate and a current TLS policy, and 80 answering with a 301 to
//! https unless `redirect_80: false`; for http, 80. Their default action is
//! a 404: every service is reached through its own rule (host, path), so
//! services share the listener. An adopted ALB's listeners are used as they
//! are.

use anyhow::Result;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, ProtocolEnum,
    RedirectActionConfig, RedirectActionStatusCodeEnum,
};
use serde_json::{Value, json};

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work, reference};
use crate::aws::{Aws, AwsResultExt};
use crate::config::web::TLS_POLICY;

pub struct Listener;

impl Resource for Listener {
    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = &cx.spec.web else {
            return vec![];
        };
        let lb = Address::new(Kind::LoadBalancer, "main");
        web.listener_ports()
            .into_iter()
            .map(|port| {
                let main = port == web.port;
                let mut n = Node::new(
                    Kind::Listener,
                    &port.to_string(),
                    format!("{} port {port}", web.alb_name),
                );
                n.predicted = format!("(a listener on port {port})");
                // The load balancer's ARN comes from the step's dependencies.
                n.depends_on = vec![lb.clone()];
                n.owner = Some(lb.clone());
                n.desired = if cx.web.adopted {
                    json!({})
                } else if main && web.https {
                    let cert = Address::new(
                        Kind::Certificate,
                        web.domains().first().copied().unwrap_or_default(),
                    );
                    json!({
                        "protocol": "HTTPS",
                        "default": "fixed-response",
                        "certificate": reference(&cert),
                        "ssl_policy": TLS_POLICY,
                    })
                } else if main {
                    json!({ "protocol": "HTTP", "default": "fixed-response" })
                } else {
                    json!({ "protocol": "HTTP", "default": "redirect" })
                };
                n
            })
            .collect()
    }

    async fn observe(_aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let port: i32 = node.address.key.parse().unwrap_or_default();
        let Some(l) = cx.web.listeners.iter().find(|l| l.port == port) else {
            return Ok(None);
        };
        // Tags are not read: the listener is the load balancer's, and so is
        // its ownership.
        let attributes = if cx.web.adopted {
            json!({})
        } else if l.protocol == "HTTPS" {
            json!({
                "protocol": l.protocol,
                "default": l.default_action,
                "certificate": l.default_certificate,
                "ssl_policy": l.ssl_policy,
            })
        } else {
            json!({ "protocol": l.protocol, "default": l.default_action })
        };
        Ok(Some(State::new(l.arn.clone(), None).with(attributes)))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let web = cx.spec.web.as_ref().expect("web nodes need a web spec");
        let d = &work.node.desired;
        let text = |v: &Value| v.as_str().map(str::to_string);
        let port: i32 = work.node.address.key.parse()?;
        let action = default_action(d["default"].as_str().unwrap_or_default(), web.port)?;
        let https = d["protocol"] == "HTTPS";
        let certificate =
            text(&d["certificate"]).map(|arn| Certificate::builder().certificate_arn(arn).build());
        if let Some(current) = work.current {
            aws.elb
                .modify_listener()
                .listener_arn(&current.id)
                .protocol(ProtocolEnum::from(d["protocol"].as_str().unwrap_or("HTTP")))
                .set_certificates(certificate.map(|c| vec![c]))
                .set_ssl_policy(https.then(|| TLS_POLICY.to_string()))
                .default_actions(action)
                .send()
                .await
                .ctx("elbv2 ModifyListener")?;
            return Ok(State::new(current.id.clone(), None).with(d.clone()));
        }
        let lb = work
            .dep(Kind::LoadBalancer)
            .ok_or_else(|| anyhow::anyhow!("the load balancer is not known"))?;
        let out = aws
            .elb
            .create_listener()
            .load_balancer_arn(&lb.id)
            .port(port)
            .protocol(ProtocolEnum::from(d["protocol"].as_str().unwrap_or("HTTP")))
            .set_certificates(certificate.map(|c| vec![c]))
            .set_ssl_policy(https.then(|| TLS_POLICY.to_string()))
            .default_actions(action)
            .set_tags(Some(super::load_balancer::elb_tags(&cx.spec.app)))
            .send()
            .await
            .ctx("elbv2 CreateListener")?;
        let arn = out
            .listeners()
            .first()
            .and_then(|l| l.listener_arn())
            .ok_or_else(|| anyhow::anyhow!("elbv2 CreateListener returned no listener"))?;
        Ok(State::new(arn, None).with(d.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        Ok(super::core::gone(
            aws.elb
                .delete_listener()
                .listener_arn(&state.id)
                .send()
                .await
                .ctx("elbv2 DeleteListener"),
        )?)
    }
}

fn default_action(kind: &str, https_port: u16) -> Result<Action> {
    Ok(match kind {
        "redirect" => Action::builder()
            .r#type(ActionTypeEnum::Redirect)
            .redirect_config(
                RedirectActionConfig::builder()
                    .protocol("HTTPS")
                    .port(https_port.to_string())
                    .status_code(RedirectActionStatusCodeEnum::Http301)
                    .build(),
            )
            .build(),
        _ => Action::builder()
            .r#type(ActionTypeEnum::FixedResponse)
            .fixed_response_config(
                FixedResponseActionConfig::builder()
                    .status_code("404")
                    .content_type("text/plain")
                    .message_body("no service answers this host or path")
                    .build(),
            )
            .build(),
    })
}
