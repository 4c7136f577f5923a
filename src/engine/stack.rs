//! What the engine knows about a stack after discovery, and the plans it
//! makes from that.

use std::collections::BTreeMap;

use super::facts::Facts;
use crate::aws::Aws;
use crate::config::{self, Loaded, StackSpec};
use crate::plan::Plan;
use crate::plan::build::{self, Observed};
use crate::resources::{Address, Inputs, Node};

pub struct Stack {
    pub loaded: Loaded,
    pub spec: StackSpec,
    pub aws: Aws,
    /// What discovery found in the account (its digests and account check
    /// already consumed by observation).
    pub facts: Facts,
    /// The observe pass's shared reads (see `Observing`).
    pub observing: crate::resources::Observing,
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
    /// The plan for these nodes (all of apply's, or a part of them).
    pub fn plan_for(&self, nodes: &[Node]) -> Plan {
        build::plan(nodes, &self.observed, &self.plan_context(), vec![])
    }

    /// What the config takes over: its `take_over` addresses, and with
    /// `route53.adopt` its domains' records.
    pub fn take_over(&self) -> Vec<String> {
        let mut out = self.spec.take_over.clone();
        if let Some(web) = self.spec.web.as_ref().filter(|w| w.adopt_records) {
            out.extend(web.domains().into_iter().map(|d| {
                crate::resources::Address::new(crate::resources::Kind::DnsRecord, d).to_string()
            }));
        }
        out
    }

    fn plan_context(&self) -> build::Context<'_> {
        build::Context {
            app: &self.spec.app,
            take_over: self.take_over(),
        }
    }

    /// Apply's plan: every node, the orphans (deleted with `prune`), what
    /// waits for a service to exist, the config's sections not handled, and
    /// image tags that moved.
    pub fn plan_apply(&self, prune: bool) -> Plan {
        let mut plan = build::plan(
            &self.nodes,
            &self.observed,
            &self.plan_context(),
            self.spec.unhandled.clone(),
        );
        build::add_orphans(
            &mut plan,
            &self.orphans,
            &self.nodes,
            &self.observed,
            &self.spec.app,
        );
        plan.prune = prune;
        plan.deferred = self.deferred.clone();
        plan.image_drift = self.image_drift();
        plan.zones = crate::resources::load_balancer::zone_notes(&self.inputs());
        plan.dns = crate::resources::dns_record::kept_notes(&self.observed);
        plan
    }

    /// Destroy's plan for these nodes: what is ours, each after what uses it.
    pub fn plan_destroy(&self, nodes: &[Node]) -> Plan {
        build::destroy(nodes, &self.observed, &self.spec.app, &self.spec.take_over)
    }

    pub fn inputs(&self) -> Inputs<'_> {
        Inputs {
            config: &self.loaded.config,
            spec: &self.spec,
            id: &self.facts.id,
            network: &self.facts.network,
            images: &self.facts.images,
            secrets: &self.facts.secrets,
            file_systems: &self.facts.file_systems,
            web: &self.facts.web,
            observing: &self.observing,
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
                    .or(self.facts.images.get(&t.key)?.digest.as_ref())?
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
#[derive(Clone, PartialEq, Eq)]
pub enum Scope {
    /// What apply manages.
    Apply,
    /// Everything the stack has, services included.
    All,
    /// One task's service, what waits for it (autoscaling) and what it
    /// refers to: what `create-service` plans.
    Service(String),
}
