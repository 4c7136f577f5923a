//! For unit tests: a config and a made-up account (one VPC, one private
//! subnet, every image in the account's ECR, every domain's hosted zone and
//! certificate found), from which the nodes are computed without a network.

use std::collections::BTreeMap;
use std::path::Path;

use indexmap::IndexMap;

use crate::config::{Config, StackSpec};
use crate::discovery::web::{WebFound, Zone};
use crate::discovery::{Identity, Network, ResolvedImage};
use crate::resources::Inputs;

pub struct Fixture {
    pub config: Config,
    pub spec: StackSpec,
    pub id: Identity,
    pub network: Network,
    pub images: IndexMap<String, ResolvedImage>,
    pub secrets: BTreeMap<String, crate::discovery::secrets::Resolved>,
    pub file_systems: BTreeMap<String, crate::discovery::efs::FileSystem>,
    pub web: WebFound,
    pub observing: crate::resources::Observing,
}

impl Fixture {
    pub fn new(text: &str) -> Fixture {
        let l = crate::config::parse(Path::new("t.yml"), text.into()).unwrap();
        let spec = crate::config::spec::build(Path::new("t.yml"), &l.config).unwrap();
        let images = spec
            .tasks
            .iter()
            .map(|t| {
                (
                    t.key.clone(),
                    ResolvedImage {
                        uri: format!(
                            "123456789012.dkr.ecr.us-east-1.amazonaws.com/{}:latest",
                            t.image.repository
                        ),
                        digest: Some("sha256:abc".into()),
                        repository_arn: Some(format!(
                            "arn:aws:ecr:us-east-1:123456789012:repository/{}",
                            t.image.repository
                        )),
                    },
                )
            })
            .collect();
        Fixture {
            config: l.config,
            spec,
            id: Identity {
                account: "123456789012".into(),
                partition: "aws".into(),
                region: "us-east-1".into(),
            },
            network: Network {
                vpc_id: "vpc-1".into(),
                public: vec![],
                private: vec!["subnet-1".into()],
                isolated: vec![],
                ..Default::default()
            },
            images,
            secrets: BTreeMap::new(),
            file_systems: BTreeMap::new(),
            web: Default::default(),
            observing: Default::default(),
        }
    }

    /// The same, with a hosted zone `Z1` for every web service's domain (no
    /// certificate yet, so one is requested) and every EFS file system the
    /// tasks mount, its mount targets in the group `sg-efs`.
    pub fn with_account(mut self) -> Fixture {
        for efs in self.spec.tasks.iter().filter_map(|t| t.efs.as_ref()) {
            self.file_systems.insert(
                efs.id.clone(),
                crate::discovery::efs::FileSystem {
                    arn: format!(
                        "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/{}",
                        efs.id
                    ),
                    mount_target_groups: vec!["sg-efs".into()],
                },
            );
        }
        if let Some(web) = &self.spec.web {
            for svc in &web.services {
                self.web.zones.insert(
                    svc.domain.clone(),
                    Zone {
                        id: "Z1".into(),
                        name: format!("{}.", svc.domain),
                        private: false,
                        records: None,
                    },
                );
            }
        }
        self
    }

    pub fn inputs(&self) -> Inputs<'_> {
        Inputs {
            config: &self.config,
            spec: &self.spec,
            id: &self.id,
            network: &self.network,
            images: &self.images,
            secrets: &self.secrets,
            file_systems: &self.file_systems,
            web: &self.web,
            observing: &self.observing,
        }
    }
}
