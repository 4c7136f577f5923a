//! The pipeline shared by every command that works on an existing stack:
//! load and validate the config (no network), connect, discover (read-only,
//! concurrent), and write discovered state back.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::Result;
use indexmap::IndexMap;

use super::settings::Settings;
use crate::aws::{Aws, AwsOptions};
use crate::config::writeback::Update;
use crate::config::{self, Loaded, StackSpec};
use crate::discovery::{self, Identity, Network, ResolvedImage, images};
use crate::error::UserError;
use crate::plan::build::Observed;
use crate::resources::{Address, Inputs, Kind, Node};

pub struct Stack {
    pub loaded: Loaded,
    pub spec: StackSpec,
    pub aws: Aws,
    pub id: Identity,
    pub network: Network,
    pub images: IndexMap<String, ResolvedImage>,
    pub secrets: BTreeMap<String, discovery::secrets::Resolved>,
    pub file_systems: BTreeMap<String, discovery::efs::FileSystem>,
    pub web: discovery::web::WebFound,
    pub nodes: Vec<Node>,
    /// Resources the stack owns that the config no longer asks for.
    pub orphans: Vec<Node>,
    /// What waits for a service to exist (autoscaling), as plan notes.
    pub deferred: Vec<String>,
    /// The digest each recorded image tag points at now (task -> digest).
    pub current_digests: BTreeMap<String, String>,
    pub observed: Observed,
    pub cached: bool,
    pub timings: Vec<(String, f64)>,
}

impl Stack {
    pub fn inputs(&self) -> Inputs<'_> {
        Inputs {
            config: &self.loaded.config,
            spec: &self.spec,
            id: &self.id,
            network: &self.network,
            images: &self.images,
            secrets: &self.secrets,
            file_systems: &self.file_systems,
            web: &self.web,
        }
    }

    /// Tags that now point at another digest than the one recorded.
    pub fn image_drift(&self) -> Vec<crate::plan::ImageDrift> {
        self.spec
            .tasks
            .iter()
            .filter(|t| t.image.digest.is_none())
            .filter_map(|t| {
                let recorded = self.loaded.config.tasks.get(&t.key)?.image_digest.clone()?;
                let current = self
                    .current_digests
                    .get(&t.key)
                    .or(self.images.get(&t.key)?.digest.as_ref())?
                    .clone();
                (recorded != current).then(|| crate::plan::ImageDrift {
                    task: t.key.clone(),
                    image: t.image.written.clone(),
                    recorded,
                    current,
                })
            })
            .collect()
    }

    /// What the config recorded for each node, to recognise resources
    /// created by App::FargateStack, which tagged almost nothing. Only a
    /// config that tool wrote (it stamps a top-level `id:`) vouches for
    /// untagged resources: fargate-stack tags what it creates, so an
    /// untagged resource in one of its own configs was adopted, not made.
    pub fn recorded(&self) -> BTreeMap<Address, String> {
        if self.loaded.config.id.is_none() {
            return BTreeMap::new();
        }
        let cx = self.inputs();
        self.nodes
            .iter()
            .filter_map(|n| {
                let key = n.address.kind.recorded_keys(&cx, n).into_iter().next()?;
                let v = config::writeback::get(&self.loaded.value, &key)?;
                Some((n.address.clone(), v.as_str()?.to_string()))
            })
            .collect()
    }
}

/// Which nodes discovery observes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// What apply manages.
    Apply,
    /// Everything the stack has, services included.
    All,
}

/// Loads and validates the config. Fails before any network call. When the
/// command may write the config, the config's lock is taken first, so the
/// file read is the one no other command is still changing.
pub fn load(settings: &Settings) -> Result<(Loaded, StackSpec)> {
    let lock = if settings.update {
        config::store::lock(&settings.config_path)?
    } else {
        None
    };
    let (mut loaded, spec) = load_read_only(settings)?;
    loaded.lock = lock.map(std::sync::Arc::new);
    Ok((loaded, spec))
}

/// Loads without the lock, for commands that never write the config.
pub fn load_read_only(settings: &Settings) -> Result<(Loaded, StackSpec)> {
    let loaded = config::load(&settings.config_path)?;
    let mut spec = config::spec::build(&settings.config_path, &loaded.config).map_err(|first| {
        config::all_errors::semantic(&settings.config_path, &loaded.text, &loaded.value, first)
    })?;
    if settings.create_alb
        && let Some(web) = spec.web.as_mut()
    {
        web.source = config::web::AlbSource::Create;
    }
    check_region(settings, &loaded)?;
    Ok((loaded, spec))
}

/// A config that records a region other than the one asked for is refused
/// before any call: acting on it would build a second stack elsewhere.
fn check_region(settings: &Settings, loaded: &Loaded) -> Result<()> {
    if let (Some(flag), Some(recorded)) = (&settings.cli_region, &loaded.config.region)
        && flag != recorded
    {
        return Err(UserError::new(format!(
            "{}: the config records region {recorded} but --region says {flag}; this stack lives in {recorded}. Drop --region, or change `region:` in the file to move the stack",
            loaded.path.display()
        ))
        .into());
    }
    Ok(())
}

pub async fn connect(settings: &Settings, loaded: &Loaded) -> Aws {
    let c = &loaded.config;
    let opts = AwsOptions {
        profile: settings.profile(c.profile.as_deref()),
        region: settings.region(c.region.as_deref()),
        route53_profile: settings
            .route53_profile
            .clone()
            .or_else(|| settings.defaults.route53_profile.clone())
            .or_else(|| c.route53.as_ref().and_then(|r| r.profile.clone()))
            .or_else(|| c.route53_profile.clone()),
    };
    Aws::connect(&opts).await
}

async fn timed<T>(
    label: &str,
    timings: &std::sync::Mutex<Vec<(String, f64)>>,
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

/// Everything plan, apply and destroy need to know about the account.
pub async fn discover(
    settings: &Settings,
    loaded: Loaded,
    spec: StackSpec,
    scope: Scope,
) -> Result<Stack> {
    let aws = connect(settings, &loaded).await;
    let c = &loaded.config;
    let cached = settings.cache && c.last_updated.is_some();
    let timings = std::sync::Mutex::new(Vec::new());

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
    let config_path = loaded.path.clone();
    let credentials = aws
        .profile
        .as_deref()
        .or(aws.env_profile.as_deref())
        .map_or("the default chain".to_string(), |p| format!("profile {p}"));
    let check_account = move |caller: &Identity| -> Result<()> {
        match &recorded_account {
            Some(recorded) if recorded != &caller.account => Err(UserError::new(format!(
                "{}: the config records account {recorded}, but the credentials in use ({}) are for account {}; refusing to act on another account's stack. Use the profile for {recorded} (--profile), or remove `account:` from the file to adopt this stack into {}",
                config_path.display(),
                credentials,
                caller.account,
                caller.account
            ))
            .into()),
            _ => Ok(()),
        }
    };
    let id = match cached_account {
        Some(account) => Identity {
            account,
            partition: discovery::partition_of_region(&aws.region),
            region: aws.region.clone(),
        },
        None => {
            let me = caller.take().expect("spawned above").await??;
            check_account(&me)?;
            me
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
            let (id, aws) = (&id, &aws);
            async move {
                Ok::<_, anyhow::Error>((
                    t.key.clone(),
                    images::resolve(aws, id, &t.image, known).await?,
                ))
            }
        });
        let resolved = timed(
            "discover:images",
            &timings,
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
                    &timings,
                    discovery::network::discover(&aws, c.vpc_id.as_deref()),
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
            &timings,
            discovery::secrets::resolve_all(&aws, &id, &spec, &loaded.path),
        )
        .await
    };
    let efs_fut = async {
        if spec.tasks.iter().all(|t| t.efs.is_none()) {
            return Ok(BTreeMap::new());
        }
        timed(
            "discover:efs",
            &timings,
            discovery::efs::resolve_all(&aws, &spec, c, cached, &loaded.path),
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
        let found = timed(
            "discover:web",
            &timings,
            discovery::web::discover(
                &aws,
                &spec.app,
                web,
                &network.vpc_id,
                &loaded.path,
                &recorded_certificates,
            ),
        )
        .await?;
        Ok((network, found))
    };
    let (images, (network, web), secrets, file_systems) =
        tokio::try_join!(images_fut, network_and_web, secrets_fut, efs_fut)?;
    let check = check_account;

    let mut stack = Stack {
        loaded,
        spec,
        aws,
        id,
        network,
        images,
        secrets,
        file_systems,
        web,
        nodes: vec![],
        orphans: vec![],
        deferred: vec![],
        current_digests: BTreeMap::new(),
        observed: Observed::new(),
        cached,
        timings: vec![],
    };
    let cx = stack.inputs();
    let nodes = match scope {
        Scope::Apply => crate::plan::build::apply_nodes(&cx),
        Scope::All => crate::plan::build::all_nodes(&cx),
    };
    // Autoscaling needs the service: apply sets it up only where the
    // service already runs, so those services are looked up too.
    let services: Vec<Node> = match scope {
        Scope::Apply => Kind::Service
            .nodes(&cx)
            .into_iter()
            .filter(|n| {
                stack
                    .spec
                    .scaling
                    .iter()
                    .any(|s| Some(&s.task) == n.task.as_ref())
            })
            .collect(),
        Scope::All => vec![],
    };
    let observations = nodes.iter().chain(&services).map(|n| {
        let (aws, cx) = (&stack.aws, &cx);
        timed_owned(format!("discover:{}", n.address), &timings, async move {
            Ok::<_, anyhow::Error>((n.address.clone(), n.address.kind.observe(aws, cx, n).await?))
        })
    });
    let orphans = async {
        if scope != Scope::Apply {
            return Ok(vec![]);
        }
        timed(
            "discover:orphans",
            &timings,
            crate::resources::orphans::find(&stack.aws, &cx),
        )
        .await
    };
    // The digest each recorded tag points at now, for drift.
    let drift = async {
        let lookups = stack
            .spec
            .tasks
            .iter()
            .filter(|t| t.image.digest.is_none() && known_digest.contains_key(t.key.as_str()))
            .map(|t| {
                let (aws, id) = (&stack.aws, &stack.id);
                async move {
                    let now = images::resolve(aws, id, &t.image, None).await?;
                    Ok::<_, anyhow::Error>(now.digest.map(|d| (t.key.clone(), d)))
                }
            });
        Ok::<_, anyhow::Error>(
            futures::future::try_join_all(lookups)
                .await?
                .into_iter()
                .flatten()
                .collect::<BTreeMap<String, String>>(),
        )
    };
    let (observed, orphans, current_digests) =
        tokio::try_join!(futures::future::try_join_all(observations), orphans, drift)?;
    let mut observed: Observed = observed
        .into_iter()
        .filter_map(|(a, s)| Some((a, s?)))
        .collect();
    let scheduled_orphans = match scope {
        Scope::Apply => {
            crate::resources::scheduled_action::orphans(&stack.spec.app, &nodes, &observed)
        }
        Scope::All => vec![],
    };
    let orphans: Vec<Node> = orphans
        .into_iter()
        .chain(scheduled_orphans)
        .map(|(node, state)| {
            observed.insert(node.address.clone(), state);
            node
        })
        .collect();
    if let Some(caller) = caller {
        check(&caller.await??)?;
    }
    let (nodes, deferred): (Vec<Node>, Vec<Node>) = nodes.into_iter().partition(|n| {
        !n.address.kind.needs_service()
            || observed.contains_key(&Address::new(
                Kind::Service,
                n.task.as_deref().unwrap_or_default(),
            ))
    });
    let mut deferred_tasks: Vec<String> = deferred.into_iter().filter_map(|n| n.task).collect();
    deferred_tasks.sort();
    deferred_tasks.dedup();
    stack.deferred = deferred_tasks
        .into_iter()
        .map(|t| format!("tasks.{t}.autoscaling: set up by `fargate-stack create-service {t}` (the service does not exist yet)"))
        .collect();
    stack.nodes = nodes;
    stack.orphans = orphans;
    stack.current_digests = current_digests;
    stack.observed = observed;
    stack.timings = timings.into_inner().expect("timings lock");
    Ok(stack)
}

async fn timed_owned<T>(
    label: String,
    timings: &std::sync::Mutex<Vec<(String, f64)>>,
    f: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    timed(&label, timings, f).await
}

/// The discovered and created state, as config updates with the original's
/// key names. Values the user wrote (cpu, memory, size, names) are never
/// rewritten; only missing ones are filled in.
pub fn state_updates(stack: &Stack, registered: &[String]) -> Vec<Update> {
    state_updates_with(stack, &stack.observed, registered)
}

/// The same, for a snapshot other than the stack's own (during apply).
pub fn state_updates_with(
    stack: &Stack,
    observed: &Observed,
    registered: &[String],
) -> Vec<Update> {
    let c = &stack.loaded.config;
    let mut u = vec![
        Update::new(&["account"], stack.id.account.as_str()),
        Update::new(&["region"], stack.id.region.as_str()),
    ];
    if let Some(p) = &stack.aws.profile {
        u.push(Update::new(&["profile"], p.as_str()));
    }
    if c.config_name.is_none() {
        let name = stack
            .loaded
            .path
            .file_name()
            .map(|f| f.to_string_lossy().to_string())
            .unwrap_or_default();
        u.push(Update::new(&["config_name"], name));
    }
    let list =
        |v: &[String]| serde_yaml::Value::Sequence(v.iter().map(|s| s.as_str().into()).collect());
    u.push(Update::new(&["vpc_id"], stack.network.vpc_id.as_str()));
    u.push(Update::new(
        &["subnets", "public"],
        list(&stack.network.public),
    ));
    u.push(Update::new(
        &["subnets", "private"],
        list(&stack.network.private),
    ));
    if !stack.network.isolated.is_empty() {
        u.push(Update::new(
            &["subnets", "isolated"],
            list(&stack.network.isolated),
        ));
    }
    let cx = stack.inputs();
    for n in &stack.nodes {
        u.extend(n.address.kind.write_back(&cx, n, observed.get(&n.address)));
    }
    for t in &stack.spec.tasks {
        // The original's recorded EFS keys, which the cache trusts.
        if let Some(e) = &t.efs
            && let Some(fs) = stack.file_systems.get(&e.id)
        {
            u.push(Update::new(
                &["tasks", &t.key, "efs", "arn"],
                fs.arn.as_str(),
            ));
            if e.authorize_ingress {
                u.push(Update::new(
                    &["tasks", &t.key, "efs", "security_groups"],
                    list(&fs.mount_target_groups),
                ));
            }
        }
        let ct = &c.tasks[&t.key];
        let digest = stack.images.get(&t.key).and_then(|i| i.digest.as_deref());
        // The digest the recorded revision was registered with: filled in
        // when missing (while a revision exists), replaced on registration.
        let has_revision = observed.contains_key(&Address::new(Kind::TaskDefinition, &t.key));
        if let Some(d) = digest
            .filter(|_| (ct.image_digest.is_none() && has_revision) || registered.contains(&t.key))
        {
            u.push(Update::new(&["tasks", &t.key, "image_digest"], d));
        }
    }
    u
}

/// Writes the updates into the config file, atomically, keeping a backup.
/// Returns the changed keys. `last_updated` moves only when something else
/// changed, so a no-op run leaves the file byte-for-byte alone.
pub fn write_back(
    settings: &Settings,
    loaded: &Loaded,
    updates: Vec<Update>,
) -> Result<Vec<String>> {
    let mut w = config::store::Writer::new(loaded, settings.update);
    w.write(&updates, &[])
}
