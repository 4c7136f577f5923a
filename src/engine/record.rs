//! Write-back: the discovered and created state as config updates.

use anyhow::Result;

use super::stack::Stack;
use crate::config::{self, Loaded, writeback::Update};
use crate::plan::build::{self, Observed};
use crate::resources::{Address, Kind};
use crate::settings::Settings;

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
        Update::new(&["account"], stack.facts.id.account.as_str()),
        Update::new(&["region"], stack.facts.id.region.as_str()),
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
    u.push(Update::new(
        &["vpc_id"],
        stack.facts.network.vpc_id.as_str(),
    ));
    u.push(Update::new(
        &["subnets", "public"],
        list(&stack.facts.network.public),
    ));
    u.push(Update::new(
        &["subnets", "private"],
        list(&stack.facts.network.private),
    ));
    if !stack.facts.network.isolated.is_empty() {
        u.push(Update::new(
            &["subnets", "isolated"],
            list(&stack.facts.network.isolated),
        ));
    }
    let cx = stack.inputs();
    let taken_over = stack.take_over();
    for n in &stack.nodes {
        // Another stack's resource, or someone's that is not ours to change
        // (a family another app registers into), is never recorded as this
        // one's unless the config takes it over: its settings are, its IDs
        // are not (create-service would deploy the recorded revision).
        let state = observed.get(&n.address).filter(|_| {
            let own = build::owner(n, &stack.nodes, observed, &stack.spec.app);
            own.is_none_or(|o| build::taken_from(&o, n.address.kind).is_none())
                || taken_over.contains(&n.address.to_string())
        });
        u.extend(n.address.kind.write_back(&cx, n, state));
    }
    for t in &stack.spec.tasks {
        // The original's recorded EFS keys, which the cache trusts.
        if let Some(e) = &t.efs
            && let Some(fs) = stack.facts.file_systems.get(&e.id)
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
        let digest = stack
            .facts
            .images
            .get(&t.key)
            .and_then(|i| i.digest.as_deref());
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
