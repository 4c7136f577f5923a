//! Secrets: each `secrets:` entry resolved to the ARN ECS injects it from,
//! with a describe call (Secrets Manager `DescribeSecret`, Parameter Store
//! `DescribeParameters`). The value is never read: it goes from the secret
//! store into the container, not through this tool, the config or the
//! task definition.

use std::collections::BTreeMap;

use anyhow::Result;
use aws_sdk_ssm::types::ParameterStringFilter;

use super::identity::Identity;
use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::StackSpec;
use crate::config::spec::{SecretRef, SecretStore};
use crate::error::UserError;

/// What a secret resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The secret or parameter itself (what IAM grants on).
    pub arn: String,
    /// What the container's `valueFrom` says (with a JSON key, if any).
    pub value_from: String,
    pub store: SecretStore,
}

/// Every task's secrets, keyed by the entry as written.
pub async fn resolve_all(
    aws: &Aws,
    id: &Identity,
    spec: &StackSpec,
    config_path: &std::path::Path,
) -> Result<BTreeMap<String, Resolved>> {
    let mut wanted: BTreeMap<&str, (&str, &SecretRef)> = BTreeMap::new();
    for t in &spec.tasks {
        for s in &t.secrets {
            wanted
                .entry(s.written.as_str())
                .or_insert((t.key.as_str(), s));
        }
    }
    let lookups = wanted.into_iter().map(|(written, (task, r))| async move {
        let arn = match r.store {
            SecretStore::SecretsManager => secret_arn(aws, &r.name).await?,
            SecretStore::ParameterStore => parameter_arn(aws, id, &r.name).await?,
        };
        let Some(arn) = arn else {
            let (store, fix) = match r.store {
                SecretStore::SecretsManager => (
                    "Secrets Manager",
                    format!("create it (`aws secretsmanager create-secret --name {}`) or fix the name", r.name),
                ),
                SecretStore::ParameterStore => (
                    "Parameter Store",
                    format!("create it (`aws ssm put-parameter --name {} --type SecureString`) or fix the name", r.name),
                ),
            };
            return Err(anyhow::Error::from(UserError::new(format!(
                "{}: `tasks.{task}.secrets`: `{}` does not exist in {store} (account {}, {}); {fix}",
                config_path.display(),
                r.name,
                id.account,
                id.region
            ))));
        };
        let value_from = match &r.json_key {
            Some(key) => format!("{arn}:{key}::"),
            None => arn.clone(),
        };
        Ok::<_, anyhow::Error>((
            written.to_string(),
            Resolved {
                arn,
                value_from,
                store: r.store,
            },
        ))
    });
    Ok(futures::future::try_join_all(lookups)
        .await?
        .into_iter()
        .collect())
}

async fn secret_arn(aws: &Aws, name: &str) -> Result<Option<String>> {
    match aws.secrets.describe_secret().secret_id(name).send().await {
        Ok(out) => Ok(out.arn().map(str::to_string)),
        Err(e) if code_of(&e) == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(e)
            .ctx("secretsmanager DescribeSecret")
            .map_err(Into::into),
    }
}

async fn parameter_arn(aws: &Aws, id: &Identity, name: &str) -> Result<Option<String>> {
    let out = aws
        .ssm
        .describe_parameters()
        .parameter_filters(
            ParameterStringFilter::builder()
                .key("Name")
                .option("Equals")
                .values(name)
                .build()?,
        )
        .send()
        .await
        .ctx("ssm DescribeParameters")?;
    Ok(out
        .parameters()
        .iter()
        .find(|p| p.name() == Some(name))
        .map(|p| {
            p.arn().map(str::to_string).unwrap_or_else(|| {
                id.arn(
                    "ssm",
                    true,
                    &format!("parameter/{}", name.trim_start_matches('/')),
                )
            })
        }))
}
