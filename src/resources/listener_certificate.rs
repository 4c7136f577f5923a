//! Certificates added to the https listener for SNI: every domain's but the
//! one the stack's own listener was created with, and all of them on an
//! adopted load balancer's listener (the only change made to it besides our
//! rules). Removing one removes only our certificate from the listener.

use anyhow::Result;
use aws_sdk_elasticloadbalancingv2::types::Certificate;
use serde_json::json;

use super::core::{Address, Inputs, Kind, Node, Resource, State, Work, reference};
use crate::aws::{Aws, AwsResultExt};

pub struct ListenerCertificate;

impl Resource for ListenerCertificate {
    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(web) = cx.spec.web.as_ref().filter(|w| w.https) else {
            return vec![];
        };
        let listener = Address::new(Kind::Listener, web.port.to_string());
        web.domains()
            .into_iter()
            .enumerate()
            .filter(|(i, _)| cx.web.adopted || *i > 0)
            .map(|(_, domain)| {
                let cert = Address::new(Kind::Certificate, domain);
                let mut n = Node::new(
                    Kind::ListenerCertificate,
                    domain,
                    format!("{domain} on port {}", web.port),
                );
                n.desired =
                    json!({ "listener": reference(&listener), "certificate": reference(&cert) });
                n.owner = Some(cert);
                n.task = web.sole_task(domain);
                n
            })
            .collect()
    }

    async fn observe(aws: &Aws, cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        let (Some(web), Some(cert)) = (&cx.spec.web, cx.web.certificates.get(&node.address.key))
        else {
            return Ok(None);
        };
        let Some(listener) = cx.web.listeners.iter().find(|l| l.port == web.port as i32) else {
            return Ok(None);
        };
        let all = cx
            .observing
            .listener_certificates
            .get_or_try_init(|| async {
                let out = aws
                    .elb
                    .describe_listener_certificates()
                    .listener_arn(&listener.arn)
                    .send()
                    .await
                    .ctx("elbv2 DescribeListenerCertificates")?;
                Ok::<_, anyhow::Error>(out.certificates().to_vec())
            })
            .await?;
        let Some(found) = all
            .iter()
            .find(|c| c.certificate_arn() == Some(cert.as_str()))
        else {
            return Ok(None);
        };
        // The listener's own default certificate was not added by us.
        let tags = if found.is_default() == Some(true) {
            Some(Default::default())
        } else {
            super::core::tag_map(&cx.spec.app)
        };
        Ok(Some(
            State::new(format!("{}|{cert}", listener.arn), tags)
                .with(json!({ "listener": listener.arn, "certificate": cert })),
        ))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let d = &work.node.desired;
        let (listener, cert) = (
            d["listener"].as_str().unwrap_or_default(),
            d["certificate"].as_str().unwrap_or_default(),
        );
        aws.elb
            .add_listener_certificates()
            .listener_arn(listener)
            .certificates(Certificate::builder().certificate_arn(cert).build())
            .send()
            .await
            .ctx("elbv2 AddListenerCertificates")?;
        Ok(State::new(
            format!("{listener}|{cert}"),
            super::core::tag_map(&cx.spec.app),
        )
        .with(d.clone()))
    }

    async fn delete(aws: &Aws, _cx: &Inputs<'_>, _node: &Node, state: &State) -> Result<()> {
        let a = &state.attributes;
        Ok(super::core::gone(
            aws.elb
                .remove_listener_certificates()
                .listener_arn(a["listener"].as_str().unwrap_or_default())
                .certificates(
                    Certificate::builder()
                        .certificate_arn(a["certificate"].as_str().unwrap_or_default())
                        .build(),
                )
                .send()
                .await
                .ctx("elbv2 RemoveListenerCertificates"),
        )?)
    }
}
