//! Who and where: the account, partition and region every name and ARN is
//! built from.

use crate::aws::{Aws, AwsResultExt};

/// Account-level facts the names and ARNs are built from.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Identity {
    pub account: String,
    pub partition: String,
    pub region: String,
}

impl Identity {
    pub fn arn(&self, service: &str, regional: bool, resource: &str) -> String {
        let region = if regional { self.region.as_str() } else { "" };
        format!(
            "arn:{}:{service}:{region}:{}:{resource}",
            self.partition, self.account
        )
    }
}

pub async fn identity(aws: &Aws, cached_account: Option<&str>) -> anyhow::Result<Identity> {
    if let Some(account) = cached_account {
        return Ok(Identity {
            account: account.to_string(),
            partition: partition_of_region(&aws.region),
            region: aws.region.clone(),
        });
    }
    let me = aws
        .sts
        .get_caller_identity()
        .send()
        .await
        .ctx("sts GetCallerIdentity")?;
    let account = me.account().unwrap_or_default().to_string();
    let partition = me
        .arn()
        .and_then(|a| a.split(':').nth(1))
        .map(str::to_string)
        .unwrap_or_else(|| partition_of_region(&aws.region));
    Ok(Identity {
        account,
        partition,
        region: aws.region.clone(),
    })
}

pub fn partition_of_region(region: &str) -> String {
    if region.starts_with("cn-") {
        "aws-cn".into()
    } else if region.starts_with("us-gov-") {
        "aws-us-gov".into()
    } else {
        "aws".into()
    }
}
