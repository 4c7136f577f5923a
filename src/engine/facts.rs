//! Facts: what discovery finds about the account, before any resource is
//! observed.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use indexmap::IndexMap;

use crate::aws::Aws;
use crate::config::{Loaded, StackSpec};
use crate::discovery::{self, Identity, Network, ResolvedImage, images};
use crate::error::UserError;

pub struct Facts {
    pub id: Identity,
    pub network: Network,
    pub images: IndexMap<String, ResolvedImage>,
    pub secrets: BTreeMap<String, discovery::secrets::Resolved>,
    pub file_systems: BTreeMap<String, discovery::efs::FileSystem>,
    pub web: discovery::web::WebFound,
    /// The digests the config recorded, trusted with the cache on.
    pub known_digest: BTreeMap<String, String>,
    /// With a cached account, the caller's identity is still checked against
    /// the recorded account, beside the rest of discovery.
    pub account_check: Option<AccountCheck>,
}

/// The account the credentials really belong to, checked against the one
/// the config recorded before anything is planned, let alone changed.
pub struct AccountCheck {
    caller: tokio::task::JoinHandle<Result<Identity>>,
    recorded: Option<String>,
    config_path: std::path::PathBuf,
    credentials: String,
}

impl AccountCheck {
    /// The error to report when discovery failed: the account mismatch, if
    /// the credentials are another account's (that explains whatever could
    /// not be found there, an image or a subnet), else `err` itself.
    pub async fn explain(check: Option<AccountCheck>, err: anyhow::Error) -> anyhow::Error {
        match check {
            Some(check) => check.finish().await.err().unwrap_or(err),
            None => err,
        }
    }

    /// Waits for the caller's identity and checks it; returns it.
    pub async fn finish(mut self) -> Result<Identity> {
        let caller = (&mut self.caller).await??;
        self.check(&caller)?;
        Ok(caller)
    }

    fn check(&self, caller: &Identity) -> Result<()> {
        match &self.recorded {
            Some(recorded) if recorded != &caller.account => Err(UserError::new(format!(
                "{}: the config records account {recorded}, but the credentials in use ({}) are for account {}; refusing to act on another account's stack. Use the profile for {recorded} (--profile), or remove `account:` from the file to adopt this stack into {}",
                self.config_path.display(),
                self.credentials,
                caller.account,
                caller.account
            ))
            .into()),
            _ => Ok(()),
        }
    }
}

/// What the account has that the names and ARNs are built from: who and
/// where (checked against the recorded account), the images, the network,
/// the secrets, the file systems, the load balancer, zones and
/// certificates. Read-only and concurrent; with the cache on, what the
/// config recorded stands in for what it can.
pub async fn gather(
    aws: &Aws,
    loaded: &Loaded,
    spec: &StackSpec,
    cached: bool,
    timings: &Timings,
) -> Result<Facts> {
    let c = &loaded.config;

    let recorded_account = c.account.as_ref().map(|a| a.0.clone());
    let cached_account = cached.then(|| recorded_account.clone()).flatten();
    let cached_network = cached
        .then(|| {
            let subnets = c.subnets.as_ref()?;
            let vpc_id = c.vpc_id.clone()?;
            (!subnets.private.is_empty() || !subnets.public.is_empty()).then(|| Network {
                vpc_id,
                public: subnets.public.clone(),
                private: subnets.private.clone(),
                isolated: subnets.isolated.clone(),
                zones: BTreeMap::new(),
            })
        })
        .flatten();
    let known_digest: BTreeMap<String, String> = if cached {
        c.tasks
            .iter()
            .filter_map(|(k, t)| Some((k.clone(), t.image_digest.clone()?)))
            .collect()
    } else {
        BTreeMap::new()
    };

    // The account the credentials really belong to, checked against the
    // recorded one before anything is planned, let alone changed. With a
    // cached account the check runs beside the rest of discovery.
    let mut caller = Some({
        let aws = aws.clone();
        tokio::spawn(async move { discovery::identity(&aws, None).await })
    });
    let credentials = aws
        .profile
        .as_deref()
        .or(aws.env_profile.as_deref())
        .map_or("the default chain".to_string(), |p| format!("profile {p}"));
    let id = match cached_account {
        Some(account) => Identity {
            account,
            partition: discovery::partition_of_region(&aws.region),
            region: aws.region.clone(),
        },
        None => {
            let check = AccountCheck {
                caller: caller.take().expect("spawned above"),
                recorded: recorded_account.clone(),
                config_path: loaded.path.clone(),
                credentials: credentials.clone(),
            };
            check.finish().await?
        }
    };

    let images_fut = async {
        // A recorded digest is trusted here (the URI does not depend on
        // it); whether the tag moved is looked up beside the observations.
        let lookups = spec.tasks.iter().map(|t| {
            let known = known_digest
                .get(t.key.as_str())
                .map(String::as_str)
                .filter(|_| t.image.registry.is_none() || t.image.ecr_registry().is_some());
            let id = &id;
            async move {
                Ok::<_, anyhow::Error>((
                    t.key.clone(),
                    images::resolve(aws, id, &t.image, known).await?,
                ))
            }
        });
        let resolved = timed(
            "discover:images",
            timings,
            futures::future::try_join_all(lookups),
        )
        .await?;
        Ok::<_, anyhow::Error>(resolved.into_iter().collect::<IndexMap<_, _>>())
    };
    let network_fut = async {
        match cached_network.clone() {
            Some(n) => Ok(n),
            None => {
                timed(
                    "discover:vpc",
                    timings,
                    discovery::network::discover(aws, c.vpc_id.as_deref()),
                )
                .await
            }
        }
    };
    let secrets_fut = async {
        if spec.tasks.iter().all(|t| t.secrets.is_empty()) {
            return Ok(BTreeMap::new());
        }
        timed(
            "discover:secrets",
            timings,
            discovery::secrets::resolve_all(aws, &id, spec, &loaded.path),
        )
        .await
    };
    let efs_fut = async {
        if spec.tasks.iter().all(|t| t.efs.is_none()) {
            return Ok(BTreeMap::new());
        }
        timed(
            "discover:efs",
            timings,
            discovery::efs::resolve_all(aws, spec, c, cached, &loaded.path),
        )
        .await
    };
    // The load balancer, zones and certificates, once the VPC is known
    // (at once when it is recorded).
    let network_and_web = async {
        let network = network_fut.await?;
        let Some(web) = &spec.web else {
            return Ok::<_, anyhow::Error>((network, discovery::web::WebFound::default()));
        };
        let recorded_certificates: BTreeMap<String, String> = if cached {
            web.services
                .iter()
                .filter_map(|s| {
                    let arn = c.tasks.get(&s.task)?.certificate_arn.clone()?;
                    Some((s.domain.clone(), arn))
                })
                .collect()
        } else {
            BTreeMap::new()
        };
        // A recorded network has no zones; a web stack needs them (beside
        // the load balancer's discovery, in the same round).
        let zones = async {
            if !network.zones.is_empty() {
                return Ok(network.zones.clone());
            }
            let subnets: Vec<String> = network
                .public
                .iter()
                .chain(&network.private)
                .cloned()
                .collect();
            discovery::network::zones_of(aws, &subnets).await
        };
        let (found, zones) = tokio::try_join!(
            timed(
                "discover:web",
                timings,
                discovery::web::discover(
                    aws,
                    &spec.app,
                    web,
                    &network.vpc_id,
                    &loaded.path,
                    &recorded_certificates,
                ),
            ),
            zones
        )?;
        Ok((Network { zones, ..network }, found))
    };
    let found = tokio::try_join!(images_fut, network_and_web, secrets_fut, efs_fut);
    let account_check = caller.map(|caller| AccountCheck {
        caller,
        recorded: recorded_account,
        config_path: loaded.path.clone(),
        credentials,
    });
    let (images, (network, web), secrets, file_systems) = match found {
        Ok(found) => found,
        Err(e) => return Err(AccountCheck::explain(account_check, e).await),
    };
    Ok(Facts {
        id,
        network,
        images,
        secrets,
        file_systems,
        web,
        known_digest,
        account_check,
    })
}

/// How long each part of discovery took (`--output json` reports them).
pub type Timings = std::sync::Mutex<Vec<(String, f64)>>;

pub async fn timed<T>(
    label: &str,
    timings: &Timings,
    f: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let start = Instant::now();
    let out = f.await;
    timings
        .lock()
        .expect("timings lock")
        .push((label.to_string(), start.elapsed().as_secs_f64()));
    out
}
