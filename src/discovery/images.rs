//! Images: a shorthand `name[:tag]` that names an ECR repository in this
//! account and region becomes its full URI (tag `latest` when none is given;
//! the tag is never appended twice, as the original did), with the digest the
//! tag points at. A name with a registry host is used as written. A shorthand
//! that is not in ECR is taken as a public image, with a warning.

use anyhow::Result;
use aws_sdk_ecr::types::ImageIdentifier;
use serde::Serialize;

use super::identity::Identity;
use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::spec::ImageRef;
use crate::error::UserError;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResolvedImage {
    /// What goes into the task definition.
    pub uri: String,
    /// The digest the tag points at, for ECR images.
    pub digest: Option<String>,
    /// The repository ARN, for the execution role's pull permission.
    pub repository_arn: Option<String>,
}

/// Where a resolved image is pulled from, as a person reads it: this
/// account's ECR, another account's, a named registry, or Docker Hub.
pub fn registry_of(uri: &str, id: &Identity) -> String {
    if let Some((account, rest)) = uri.split_once(".dkr.ecr.") {
        let region = rest.split('.').next().unwrap_or_default();
        return if account == id.account && region == id.region {
            format!("ECR, this account ({account} {region})")
        } else {
            format!("ECR, account {account} {region}")
        };
    }
    match uri.split_once('/') {
        Some((host, _)) if host.contains(['.', ':']) || host == "localhost" => host.to_string(),
        _ => "Docker Hub (public)".to_string(),
    }
}

pub fn ecr_uri(id: &Identity, repository: &str, tag: &str) -> String {
    let suffix = if id.partition == "aws-cn" {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!(
        "{}.dkr.ecr.{}.{suffix}/{repository}:{tag}",
        id.account, id.region
    )
}

/// Resolves one image. `known_ecr` skips the look-up for an image already
/// recorded as ours (the config has its digest and the cache is on).
pub async fn resolve(
    aws: &Aws,
    id: &Identity,
    image: &ImageRef,
    known: Option<&str>,
) -> Result<ResolvedImage> {
    let ours = match image.ecr_registry() {
        Some((account, region)) => account == id.account && region == id.region,
        None => image.registry.is_none(),
    };
    if !ours {
        let repository_arn = image.ecr_registry().map(|(account, region)| {
            format!(
                "arn:{}:ecr:{region}:{account}:repository/{}",
                id.partition, image.repository
            )
        });
        return Ok(ResolvedImage {
            uri: image.written.clone(),
            digest: None,
            repository_arn,
        });
    }
    let tag = image.tag_or_latest();
    let repository_arn = Some(id.arn("ecr", true, &format!("repository/{}", image.repository)));
    let uri = match (&image.registry, &image.digest) {
        (Some(_), _) => image.written.clone(),
        (None, Some(digest)) => {
            let base = ecr_uri(id, &image.repository, tag);
            let repo = base.rsplit_once(':').map_or(base.as_str(), |(r, _)| r);
            format!("{repo}@{digest}")
        }
        (None, None) => ecr_uri(id, &image.repository, tag),
    };
    if let Some(digest) = known {
        return Ok(ResolvedImage {
            uri,
            digest: Some(digest.to_string()),
            repository_arn,
        });
    }
    let mut ident = ImageIdentifier::builder();
    ident = match &image.digest {
        Some(d) => ident.image_digest(d),
        None => ident.image_tag(tag),
    };
    let found = aws
        .ecr
        .describe_images()
        .repository_name(&image.repository)
        .image_ids(ident.build())
        .send()
        .await;
    match found {
        Ok(out) => {
            let digest = out.image_details().first().and_then(|d| d.image_digest()).map(str::to_string);
            Ok(ResolvedImage { uri, digest, repository_arn })
        }
        Err(e) if code_of(&e) == Some("RepositoryNotFoundException") && image.from_ecr => {
            Err(UserError::new(format!(
                "image `{}` was resolved from the ECR repository `{}` in {} {} (the config records its digest under `image_digest`), and that repository is gone; push the image again, or, to use a public image of that name instead, write its full name (`docker.io/library/{}`) and remove `image_digest`",
                image.written, image.repository, id.account, id.region, image.repository
            ))
            .into())
        }
        Err(e) if code_of(&e) == Some("RepositoryNotFoundException") && image.registry.is_none() => {
            tracing::warn!(
                "image `{}` is not an ECR repository in {} {}; using it as a public image",
                image.written, id.account, id.region
            );
            Ok(ResolvedImage { uri: image.written.clone(), digest: None, repository_arn: None })
        }
        Err(e) if matches!(code_of(&e), Some("ImageNotFoundException" | "RepositoryNotFoundException")) => {
            Err(UserError::new(format!(
                "image `{}`: {} not found in ECR repository `{}`; push it, or fix the tag in the config",
                image.written,
                image.digest.as_deref().map_or_else(|| format!("tag `{tag}`"), |d| format!("digest `{d}`")),
                image.repository
            ))
            .into())
        }
        Err(e) => Err(e).ctx("ecr DescribeImages").map_err(Into::into),
    }
}
