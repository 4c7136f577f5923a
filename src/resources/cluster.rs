//! ECS cluster `<app>-cluster`.

use anyhow::Result;
use aws_sdk_ecs::types::Tag;

use crate::aws::{Aws, AwsResultExt};
use crate::config::StackSpec;
use crate::discovery::Identity;
use crate::plan::{Action, Kind, Step};

#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub arn: String,
}

pub async fn observe(aws: &Aws, name: &str) -> Result<Option<Observed>> {
    let out = aws
        .ecs
        .describe_clusters()
        .clusters(name)
        .send()
        .await
        .ctx("ecs DescribeClusters")?;
    Ok(out
        .clusters()
        .iter()
        .find(|c| c.cluster_name() == Some(name) && c.status() == Some("ACTIVE"))
        .map(|c| Observed {
            arn: c.cluster_arn().unwrap_or_default().to_string(),
        }))
}

pub fn plan(spec: &StackSpec, id: &Identity, observed: Option<&Observed>) -> Step {
    let (action, value) = match observed {
        Some(o) => (Action::Exists, o.arn.clone()),
        None => (
            Action::Create,
            id.arn("ecs", true, &format!("cluster/{}", spec.cluster)),
        ),
    };
    Step {
        kind: Kind::Cluster,
        name: spec.cluster.clone(),
        action,
        value,
        changes: vec![],
        diff: None,
        task: None,
    }
}

pub fn ecs_tags(app: &str) -> Vec<Tag> {
    vec![
        Tag::builder()
            .key(super::CREATED_BY.0)
            .value(super::CREATED_BY.1)
            .build(),
        Tag::builder().key(super::APP_TAG).value(app).build(),
    ]
}

pub async fn apply(aws: &Aws, spec: &StackSpec) -> Result<Observed> {
    let out = aws
        .ecs
        .create_cluster()
        .cluster_name(&spec.cluster)
        .set_tags(Some(ecs_tags(&spec.app)))
        .send()
        .await
        .ctx("ecs CreateCluster")?;
    Ok(Observed {
        arn: out
            .cluster()
            .and_then(|c| c.cluster_arn())
            .unwrap_or_default()
            .to_string(),
    })
}
