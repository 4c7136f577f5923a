//! The stack's S3 bucket: created (tagged) when it does not exist, as the
//! original did; an existing bucket is used as it is. Access is IAM-only:
//! the task policy names the bucket and the allowed prefixes. Destroy never
//! deletes a bucket (it holds data); it is listed as kept.

use anyhow::Result;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration, Tag, Tagging};
use serde_json::{Value, json};

use super::core::{Inputs, Kind, Node, Resource, State, Work};
use crate::aws::{Aws, AwsResultExt, code_of};

pub fn arn(name: &str) -> String {
    format!("arn:aws:s3:::{name}")
}

pub struct Bucket;

impl Resource for Bucket {
    const KEPT_BY_DESTROY: Option<&'static str> =
        Some("a bucket holds data: empty and delete it yourself if it should go");

    async fn delete(_aws: &Aws, _cx: &Inputs<'_>, _node: &Node, _state: &State) -> Result<()> {
        anyhow::bail!("buckets are never deleted: they hold data")
    }

    fn nodes(cx: &Inputs) -> Vec<Node> {
        let Some(b) = &cx.spec.bucket else {
            return vec![];
        };
        let mut n = Node::new(Kind::Bucket, "main", &b.name);
        n.predicted = arn(&b.name);
        vec![n]
    }

    async fn observe(aws: &Aws, _cx: &Inputs<'_>, node: &Node) -> Result<Option<State>> {
        match aws.s3.head_bucket().bucket(&node.name).send().await {
            Ok(_) => {}
            Err(e)
                if matches!(code_of(&e), Some("NotFound" | "NoSuchBucket"))
                    || e.raw_response().is_some_and(|r| r.status().as_u16() == 404) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(e).ctx("s3 HeadBucket").map_err(Into::into),
        }
        let tags = match aws.s3.get_bucket_tagging().bucket(&node.name).send().await {
            Ok(t) => Some(
                t.tag_set()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
            ),
            Err(e) if code_of(&e) == Some("NoSuchTagSet") => Some(Default::default()),
            Err(_) => None,
        };
        Ok(Some(State::new(arn(&node.name), tags)))
    }

    async fn apply(aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
        let name = &work.node.name;
        let mut req = aws.s3.create_bucket().bucket(name);
        if cx.id.region != "us-east-1" {
            req = req.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(cx.id.region.as_str()))
                    .build(),
            );
        }
        match req.send().await.ctx("s3 CreateBucket") {
            Ok(_) => {}
            // Ours already (a lost response); someone else's is an error.
            Err(e) if e.code.as_deref() == Some("BucketAlreadyOwnedByYou") => {}
            Err(e) => return Err(e.into()),
        }
        let mut tagging = Tagging::builder();
        for (k, v) in super::core::tags(&cx.spec.app) {
            tagging = tagging.tag_set(Tag::builder().key(k).value(v).build()?);
        }
        aws.s3
            .put_bucket_tagging()
            .bucket(name)
            .tagging(tagging.build()?)
            .send()
            .await
            .ctx("s3 PutBucketTagging")?;
        Ok(State::new(arn(name), super::core::tag_map(&cx.spec.app)))
    }
}

/// The task policy's statements for the bucket: objects under the allowed
/// prefixes (read, and write unless `readonly`), and listing those prefixes.
pub fn statements(cx: &Inputs) -> Vec<Value> {
    let Some(b) = &cx.spec.bucket else {
        return vec![];
    };
    let bucket = arn(&b.name);
    // A path is a folder: `exports` grants `exports/...`, never
    // `exports-old/...` (a bare `exports*` would).
    let folders: Vec<&str> = b
        .prefixes
        .iter()
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty())
        .collect();
    let objects: Vec<String> = if folders.is_empty() {
        vec![format!("{bucket}/*")]
    } else {
        folders.iter().map(|p| format!("{bucket}/{p}/*")).collect()
    };
    let mut actions = vec!["s3:GetObject"];
    if !b.readonly {
        actions.extend(["s3:DeleteObject", "s3:PutObject"]);
    }
    let mut list = json!({
        "Sid": "S3ListBucket",
        "Effect": "Allow",
        "Action": ["s3:ListBucket"],
        "Resource": [bucket],
    });
    if !folders.is_empty() {
        let prefixes: Vec<String> = folders
            .iter()
            .flat_map(|p| [format!("{p}/"), format!("{p}/*")])
            .collect();
        list["Condition"] = json!({ "StringLike": { "s3:prefix": prefixes } });
    }
    vec![
        json!({
            "Sid": "S3Objects",
            "Effect": "Allow",
            "Action": actions,
            "Resource": objects,
        }),
        list,
    ]
}

#[cfg(test)]
mod tests {
    use crate::fixture::Fixture;

    /// `paths: [/exports]` is the folder `exports/`: not `exports-old/`.
    #[test]
    fn a_path_grants_its_folder_only() {
        let f = Fixture::new(
            "app:\n  name: demo\nbucket:\n  name: ledger\n  paths: [/exports, /in/]\ntasks:\n  job:\n    type: task\n    image: helloworld\n",
        );
        let s = super::statements(&f.inputs());
        assert_eq!(
            s[0]["Resource"],
            serde_json::json!(["arn:aws:s3:::ledger/exports/*", "arn:aws:s3:::ledger/in/*"])
        );
        assert_eq!(
            s[1]["Condition"]["StringLike"]["s3:prefix"],
            serde_json::json!(["exports/", "exports/*", "in/", "in/*"])
        );
    }
}
