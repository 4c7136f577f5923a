//! The resource graph. Every AWS resource the stack manages is a `Node`
//! with an address (`kind/key`), the attributes the config asks for, and
//! the addresses it depends on.
//!
//! - `core`: the vocabulary (address, node, state, diff, work, records) and
//!   the [`Resource`] trait every kind implements; it imports no kind.
//! - `registry`: the one table of kinds, from which the `Kind` enum (in
//!   `core`) and the dispatch below are generated.
//! - one file per kind, with everything about that kind: its nodes, how it
//!   is observed, compared, applied, deleted and recorded, and its rules
//!   (never deleted, replaced on update, how a conflict is fixed, how its
//!   orphans are recognised).
//!
//! Adding a kind is its file and one row in `registry.rs`.

pub mod alarm;
pub mod alb_ingress;
pub mod bucket;
pub mod certificate;
pub mod cluster;
pub mod core;
pub mod dns_record;
pub mod efs_ingress;
pub mod iam_role;
pub mod listener;
pub mod listener_certificate;
pub mod listener_rule;
pub mod load_balancer;
pub mod log_group;
pub mod orphans;
pub mod queue;
mod registry;
pub mod scalable_target;
pub mod scaling_policy;
pub mod schedule_rule;
pub mod schedule_target;
pub mod scheduled_action;
pub mod security_group;
pub mod service;
pub mod target_group;
pub mod task_definition;
pub mod web_acl;

pub use self::core::*;

use anyhow::Result;

use crate::aws::Aws;
use crate::config::writeback::Update;

macro_rules! define_dispatch {
    ($($variant:ident => $imp:path, $label:literal, $slug:literal;)*) => {
        impl Kind {
            pub fn applied(self) -> bool {
                match self {
                    $(Kind::$variant => <$imp as Resource>::APPLIED,)*
                }
            }

            pub fn needs_service(self) -> bool {
                match self {
                    $(Kind::$variant => <$imp as Resource>::NEEDS_SERVICE,)*
                }
            }

            pub fn replaces_on_update(self) -> bool {
                match self {
                    $(Kind::$variant => <$imp as Resource>::REPLACES_ON_UPDATE,)*
                }
            }

            pub fn kept_by_destroy(self) -> Option<&'static str> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::KEPT_BY_DESTROY,)*
                }
            }

            pub fn conflict_fix(self) -> &'static str {
                match self {
                    $(Kind::$variant => <$imp as Resource>::CONFLICT_FIX,)*
                }
            }

            pub fn adopted_is_not_ours_to_change(self) -> bool {
                match self {
                    $(Kind::$variant => <$imp as Resource>::ADOPTED_IS_NOT_OURS_TO_CHANGE,)*
                }
            }

            pub fn scoped(
                self,
                node: &Node,
                state: &State,
                observed: &std::collections::BTreeMap<Address, State>,
                app: &str,
            ) -> bool {
                match self {
                    $(Kind::$variant => <$imp as Resource>::scoped(node, state, observed, app),)*
                }
            }

            pub fn part_of_owner(self) -> bool {
                match self {
                    $(Kind::$variant => <$imp as Resource>::PART_OF_OWNER,)*
                }
            }

            pub fn orphan_type(self) -> Option<&'static str> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::ORPHAN_TYPE,)*
                }
            }

            /// The kind's nodes, each depending on what it refers to.
            pub fn nodes(self, cx: &Inputs) -> Vec<Node> {
                self.declared_nodes(cx)
                    .into_iter()
                    .map(Node::with_derived_edges)
                    .collect()
            }

            /// The nodes as the kind declares them (edges where no value flows).
            fn declared_nodes(self, cx: &Inputs) -> Vec<Node> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::nodes(cx),)*
                }
            }

            pub async fn observe(
                self,
                aws: &Aws,
                cx: &Inputs<'_>,
                node: &Node,
            ) -> Result<Option<State>> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::observe(aws, cx, node).await,)*
                }
            }

            pub fn diff(self, node: &Node, state: &State) -> Option<Diff> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::diff(node, state),)*
                }
            }

            pub async fn apply(self, aws: &Aws, cx: &Inputs<'_>, work: &Work<'_>) -> Result<State> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::apply(aws, cx, work).await,)*
                }
            }

            pub async fn delete(
                self,
                aws: &Aws,
                cx: &Inputs<'_>,
                node: &Node,
                state: &State,
            ) -> Result<()> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::delete(aws, cx, node, state).await,)*
                }
            }

            pub fn records(self, cx: &Inputs, node: &Node) -> Vec<Record> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::records(cx, node),)*
                }
            }

            pub fn orphan(self, cx: &Inputs, arn: &str, resource: &str) -> Option<Node> {
                match self {
                    $(Kind::$variant => <$imp as Resource>::orphan(cx, arn, resource),)*
                }
            }

            pub fn supersedes(self, new: &State, old: &State) -> bool {
                match self {
                    $(Kind::$variant => <$imp as Resource>::supersedes(new, old),)*
                }
            }
        }
    };
}

registry::kind_table!(define_dispatch);

impl Kind {
    /// Config keys recorded for a node; `state` is `None` when only the
    /// names (not the IDs) are known.
    pub fn write_back(self, cx: &Inputs, node: &Node, state: Option<&State>) -> Vec<Update> {
        self.records(cx, node)
            .iter()
            .filter_map(|r| r.update(state))
            .collect()
    }

    /// Config keys that only record what exists (removed by destroy, so the
    /// user's own keys stay), the resource's ID first.
    pub fn recorded_keys(self, cx: &Inputs, node: &Node) -> Vec<Vec<String>> {
        self.records(cx, node)
            .into_iter()
            .filter(Record::is_state)
            .map(|r| r.path)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    use serde_json::{Value, json};

    use super::*;
    use crate::fixture::Fixture;

    /// Every kind's nodes, as data: `kind -> [node]`.
    fn nodes_of(f: &Fixture) -> Value {
        let cx = f.inputs();
        let mut out = serde_json::Map::new();
        for kind in Kind::ALL {
            let nodes: Vec<Value> = kind
                .nodes(&cx)
                .into_iter()
                .map(|n| {
                    json!({
                        "address": n.address.to_string(),
                        "name": n.name,
                        "predicted": n.predicted,
                        "task": n.task,
                        "depends_on": n.depends_on.iter().map(|a| a.to_string()).collect::<Vec<_>>(),
                        "owner": n.owner.as_ref().map(|a| a.to_string()),
                        "desired": n.desired,
                        "records": kind.records(&cx, &n).iter().map(record).collect::<serde_json::Map<_, _>>(),
                    })
                })
                .collect();
            if !nodes.is_empty() {
                out.insert(kind.slug().to_string(), Value::Array(nodes));
            }
        }
        Value::Object(out)
    }

    fn record(r: &Record) -> (String, Value) {
        let what = match &r.value {
            Recorded::Setting(v) => json!({ "setting": v }),
            Recorded::Id => json!("id"),
            Recorded::Output(k) => json!({ "output": k }),
            Recorded::IdKept => json!("id, kept by destroy"),
            Recorded::Elsewhere => json!("written by the command that makes it"),
        };
        (r.path.join("."), what)
    }

    fn configs(root: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for dir in ["examples", "tests/data/original", "tests/data/nodes"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    /// The graph carries its meaning: a kind declares an edge only where no
    /// value flows through a reference (the rest are derived), and every
    /// reference names a node some kind makes.
    #[test]
    fn declared_edges_are_only_those_no_reference_gives() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for config in configs(root) {
            let f = Fixture::new(&std::fs::read_to_string(&config).unwrap()).with_account();
            let cx = f.inputs();
            let all: Vec<Node> = Kind::ALL.iter().flat_map(|k| k.nodes(&cx)).collect();
            for kind in Kind::ALL {
                for n in kind.declared_nodes(&cx) {
                    let refs = references(&n.desired);
                    for d in &n.depends_on {
                        assert!(
                            !refs.contains(d),
                            "{}: {} declares an edge to {d}, which its reference already gives",
                            config.display(),
                            n.address
                        );
                    }
                    for r in refs {
                        assert!(
                            all.iter().any(|m| m.address == r),
                            "{}: {} refers to {r}, which no kind makes",
                            config.display(),
                            n.address
                        );
                    }
                }
            }
        }
    }

    /// For every config under `examples/`, `tests/data/original/` and
    /// `tests/data/nodes/`, the nodes each kind derives equal the ones
    /// recorded in `tests/data/nodes/<name>.json`; together the configs
    /// give every kind at least one node. After a deliberate change, rerun
    /// with `FARGATE_STACK_BLESS=1` to record the new nodes, and review the
    /// diff of the JSON.
    #[test]
    fn every_kind_derives_the_recorded_nodes_from_each_config() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let bless = std::env::var_os("FARGATE_STACK_BLESS").is_some();
        let mut seen = BTreeSet::new();
        let mut differ = Vec::new();
        for config in configs(root) {
            let text = std::fs::read_to_string(&config).unwrap();
            let f = Fixture::new(&text).with_account();
            let got = nodes_of(&f);
            for kind in got.as_object().unwrap().keys() {
                seen.insert(kind.clone());
            }
            let stem = config.file_stem().unwrap().to_string_lossy();
            let dir = config
                .parent()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy();
            let recorded = root.join(format!("tests/data/nodes/{dir}-{stem}.json"));
            let pretty = serde_json::to_string_pretty(&got).unwrap() + "\n";
            if bless {
                std::fs::write(&recorded, &pretty).unwrap();
            } else if std::fs::read_to_string(&recorded).ok().as_deref() != Some(pretty.as_str()) {
                differ.push(recorded.display().to_string());
            }
        }
        assert!(
            differ.is_empty(),
            "nodes differ from the recorded ones in {differ:?}; if the change is meant, rerun with FARGATE_STACK_BLESS=1 and review the diff"
        );
        let missing: Vec<&str> = Kind::ALL
            .iter()
            .map(|k| k.slug())
            .filter(|s| !seen.contains(*s))
            .collect();
        assert!(
            missing.is_empty(),
            "no config gives these kinds a node: {missing:?}"
        );
    }
}
