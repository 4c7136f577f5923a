//! EFS file systems the tasks mount: each must exist (its ARN goes into the
//! task policy); with `authorize_ingress`, the security groups of its mount
//! targets are where the NFS ingress rule goes.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::aws::{Aws, AwsResultExt, code_of};
use crate::config::StackSpec;
use crate::error::UserError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSystem {
    pub arn: String,
    /// The mount targets' security groups (looked up only when needed).
    pub mount_target_groups: Vec<String>,
}

/// With the cache on, what the config recorded (`efs.arn`, and
/// `efs.security_groups` where ingress is authorised) is trusted and no
/// call is made, as the original did.
pub async fn resolve_all(
    aws: &Aws,
    spec: &StackSpec,
    config: &crate::config::Config,
    cached: bool,
    config_path: &std::path::Path,
) -> Result<BTreeMap<String, FileSystem>> {
    let mut wanted: BTreeMap<&str, (&str, bool)> = BTreeMap::new();
    for t in &spec.tasks {
        if let Some(e) = &t.efs {
            let entry = wanted
                .entry(e.id.as_str())
                .or_insert((t.key.as_str(), false));
            entry.1 |= e.authorize_ingress;
        }
    }
    let recorded = |task: &str, ingress: bool| -> Option<FileSystem> {
        let e = config.tasks.get(task)?.efs.as_ref()?;
        let groups: Vec<String> = match &e.security_groups {
            Some(serde_yaml::Value::Sequence(items)) => items
                .iter()
                .filter_map(|g| g.as_str().map(str::to_string))
                .collect(),
            _ => vec![],
        };
        if ingress && groups.is_empty() {
            return None;
        }
        Some(FileSystem {
            arn: e.arn.clone()?,
            mount_target_groups: groups,
        })
    };
    let lookups = wanted.into_iter().map(|(id, (task, ingress))| async move {
        if cached && let Some(fs) = recorded(task, ingress) {
            return Ok((id.to_string(), fs));
        }
        let fs = match aws.efs.describe_file_systems().file_system_id(id).send().await {
            Ok(out) => out.file_systems().first().cloned(),
            Err(e) if code_of(&e) == Some("FileSystemNotFound") => None,
            Err(e) => return Err(e).ctx("efs DescribeFileSystems").map_err(Into::into),
        };
        let Some(fs) = fs else {
            return Err(anyhow::Error::from(UserError::new(format!(
                "{}: `tasks.{task}.efs.id`: the file system {id} does not exist in this account and region; fix the ID or create it",
                config_path.display()
            ))));
        };
        let mut groups = Vec::new();
        if ingress {
            let targets = aws
                .efs
                .describe_mount_targets()
                .file_system_id(id)
                .send()
                .await
                .ctx("efs DescribeMountTargets")?;
            for mt in targets.mount_targets() {
                let sgs = aws
                    .efs
                    .describe_mount_target_security_groups()
                    .mount_target_id(mt.mount_target_id())
                    .send()
                    .await
                    .ctx("efs DescribeMountTargetSecurityGroups")?;
                groups.extend(sgs.security_groups().iter().cloned());
            }
            groups.sort();
            groups.dedup();
        }
        Ok::<_, anyhow::Error>((
            id.to_string(),
            FileSystem {
                arn: fs.file_system_arn().unwrap_or_default().to_string(),
                mount_target_groups: groups,
            },
        ))
    });
    Ok(futures::future::try_join_all(lookups)
        .await?
        .into_iter()
        .collect())
}
