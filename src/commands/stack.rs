//! The pipeline shared by every command that works on an existing stack:
//! load and validate the config (no network), connect, discover (read-only,
//! concurrent), and write discovered state back.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Result;
use indexmap::IndexMap;

use super::Settings;
use crate::aws::{Aws, AwsOptions};
use crate::config::writeback::{self, Update};
use crate::config::{self, Loaded, StackSpec};
use crate::discovery::{self, Identity, Network, Observed, ResolvedImage, images};
use crate::resources::{cluster, iam_role, log_group, security_group, task_definition};

pub struct Stack {
    pub loaded: Loaded,
    pub spec: StackSpec,
    pub aws: Aws,
    pub id: Identity,
    pub network: Network,
    pub images: IndexMap<String, ResolvedImage>,
    pub observed: Observed,
    pub cached: bool,
    pub timings: Vec<(String, f64)>,
}

/// Loads and validates the config. Fails before any network call.
pub fn load(settings: &Settings) -> Result<(Loaded, StackSpec)> {
    let loaded = config::load(&settings.config_path)?;
    let spec = config::spec::build(&settings.config_path, &loaded.config)?;
    Ok((loaded, spec))
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

/// Everything plan and apply need to know about the account.
pub async fn discover(settings: &Settings, loaded: Loaded, spec: StackSpec) -> Result<Stack> {
    let aws = connect(settings, &loaded).await;
    let c = &loaded.config;
    let cached = settings.cache && c.last_updated.is_some();
    let timings = std::sync::Mutex::new(Vec::new());

    let cached_account = cached
        .then(|| c.account.as_ref().map(|a| a.0.clone()))
        .flatten();
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
    let known_digest: HashMap<&str, &str> = if cached {
        c.tasks
            .iter()
            .filter_map(|(k, t)| Some((k.as_str(), t.image_digest.as_deref()?)))
            .collect()
    } else {
        HashMap::new()
    };

    let identity_and_images = async {
        let id = timed(
            "discover:account",
            &timings,
            discovery::identity(&aws, cached_account.as_deref()),
        )
        .await?;
        let lookups = spec.tasks.iter().map(|t| {
            let known = known_digest
                .get(t.key.as_str())
                .copied()
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
        Ok::<_, anyhow::Error>((id, resolved.into_iter().collect::<IndexMap<_, _>>()))
    };
    let network_and_sg = async {
        let network = match cached_network.clone() {
            Some(n) => n,
            None => {
                timed(
                    "discover:vpc",
                    &timings,
                    discovery::network::discover(&aws, c.vpc_id.as_deref()),
                )
                .await?
            }
        };
        let sg = timed(
            "discover:security-group",
            &timings,
            security_group::observe(&aws, &spec.security_group, &network.vpc_id),
        )
        .await?;
        Ok::<_, anyhow::Error>((network, sg))
    };
    let families = spec.tasks.iter().map(|t| {
        let aws = &aws;
        async move {
            Ok::<_, anyhow::Error>((
                t.family.clone(),
                task_definition::observe(aws, &t.family).await?,
            ))
        }
    });
    let (ids, net, lg, exec_role, task_role, cl, tds) = tokio::try_join!(
        identity_and_images,
        network_and_sg,
        timed(
            "discover:log-group",
            &timings,
            log_group::observe(&aws, &spec.log_group)
        ),
        timed(
            "discover:iam-execution-role",
            &timings,
            iam_role::observe(&aws, &spec.execution_role, Some(&spec.execution_policy))
        ),
        timed(
            "discover:iam-task-role",
            &timings,
            iam_role::observe(&aws, &spec.task_role, None)
        ),
        timed(
            "discover:cluster",
            &timings,
            cluster::observe(&aws, &spec.cluster)
        ),
        timed(
            "discover:task-definitions",
            &timings,
            futures::future::try_join_all(families)
        ),
    )?;
    let (id, images) = ids;
    let (network, security_group) = net;
    let observed = Observed {
        log_group: lg,
        execution_role: exec_role,
        task_role,
        cluster: cl,
        security_group,
        task_definitions: tds.into_iter().collect(),
    };
    Ok(Stack {
        loaded,
        spec,
        aws,
        id,
        network,
        images,
        observed,
        cached,
        timings: timings.into_inner().expect("timings lock"),
    })
}

/// The discovered and created state, as config updates with the original's
/// key names. Values the user wrote (cpu, memory, size, names) are never
/// rewritten; only missing ones are filled in.
pub fn state_updates(stack: &Stack, registered: &[String]) -> Vec<Update> {
    let c = &stack.loaded.config;
    let s = &stack.spec;
    let o = &stack.observed;
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

    u.push(Update::new(&["log_group", "name"], s.log_group.as_str()));
    u.push(Update::new(
        &["log_group", "retention_days"],
        s.retention_days,
    ));
    if let Some(lg) = &o.log_group {
        u.push(Update::new(&["log_group", "arn"], lg.arn.as_str()));
    }
    for (key, name, policy, observed) in [
        (
            "role",
            &s.execution_role,
            &s.execution_policy,
            &o.execution_role,
        ),
        ("task_role", &s.task_role, &s.task_policy, &o.task_role),
    ] {
        u.push(Update::new(&[key, "name"], name.as_str()));
        u.push(Update::new(&[key, "policy_name"], policy.as_str()));
        if let Some(r) = observed {
            u.push(Update::new(&[key, "arn"], r.arn.as_str()));
        }
    }
    u.push(Update::new(&["cluster", "name"], s.cluster.as_str()));
    if let Some(cl) = &o.cluster {
        u.push(Update::new(&["cluster", "arn"], cl.arn.as_str()));
    }
    u.push(Update::new(
        &["security_groups", "fargate", "group_name"],
        s.security_group.as_str(),
    ));
    if let Some(sg) = &o.security_group {
        u.push(Update::new(
            &["security_groups", "fargate", "group_id"],
            sg.group_id.as_str(),
        ));
    }

    for t in &s.tasks {
        let ct = &c.tasks[&t.key];
        let k = t.key.as_str();
        if ct.family.is_none() {
            u.push(Update::new(&["tasks", k, "family"], t.family.as_str()));
        }
        if ct.cpu.is_none() {
            u.push(Update::new(&["tasks", k, "cpu"], t.cpu));
        }
        if ct.memory.is_none() {
            u.push(Update::new(&["tasks", k, "memory"], t.memory));
        }
        if let (None, Some(size)) = (&ct.size, &t.size) {
            u.push(Update::new(&["tasks", k, "size"], size.as_str()));
        }
        if let Some(Some(td)) = o.task_definitions.get(&t.family) {
            u.push(Update::new(&["tasks", k, "arn"], td.arn.as_str()));
        }
        let digest = stack.images.get(&t.key).and_then(|i| i.digest.as_deref());
        if let Some(d) = digest.filter(|_| ct.image_digest.is_none() || registered.contains(&t.key))
        {
            u.push(Update::new(&["tasks", k, "image_digest"], d));
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
    mut updates: Vec<Update>,
) -> Result<Vec<String>> {
    if !settings.update {
        return Ok(vec![]);
    }
    let first = writeback::patch(&loaded.text, &loaded.value, &updates);
    if first.changed.is_empty() {
        return Ok(vec![]);
    }
    updates.push(Update::new(
        &["last_updated"],
        humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
    ));
    let patched = writeback::patch(&loaded.text, &loaded.value, &updates);
    if !patched.lossless {
        tracing::warn!(
            "{}: could not keep the file's formatting (it uses YAML features the editor does not patch); rewrote it in full. The previous file is in {}",
            loaded.path.display(),
            writeback::backup_path(&loaded.path).display()
        );
    }
    // The file may have changed under us since it was read; never clobber that.
    let now = std::fs::read_to_string(&loaded.path).unwrap_or_default();
    if now != loaded.text {
        anyhow::bail!(
            "{} changed while this command ran; not writing to it. Run the command again to record: {}",
            loaded.path.display(),
            first.changed.join(", ")
        );
    }
    writeback::write_atomic(&loaded.path, &patched.text)?;
    tracing::info!(
        "updated {} ({} keys); previous version in {}",
        loaded.path.display(),
        first.changed.len(),
        writeback::backup_path(&loaded.path).display()
    );
    Ok(first.changed)
}
