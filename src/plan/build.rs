//! The pure planner: `plan(nodes, observed)` and `destroy(nodes, observed)`
//! compare what the config asks for with what exists and return the steps.
//! No network, no clock: the same input always gives the same plan.

use std::collections::{BTreeMap, BTreeSet};

use super::{Action, Kept, Plan, Step};
use crate::resources::{Address, Inputs, Kind, Node, Ownership, State};

/// What exists, by address.
pub type Observed = BTreeMap<Address, State>;

/// The nodes apply manages, in kind order.
pub fn apply_nodes(cx: &Inputs) -> Vec<Node> {
    Kind::ALL
        .iter()
        .filter(|k| k.applied())
        .flat_map(|k| k.nodes(cx))
        .collect()
}

/// Every node the stack has, services included (destroy, delete-*).
pub fn all_nodes(cx: &Inputs) -> Vec<Node> {
    Kind::ALL.iter().flat_map(|k| k.nodes(cx)).collect()
}

/// Who owns an existing resource: its tags and the config's records,
/// weighed with whether it follows this app's naming (`Resource::scoped`);
/// else, where the kind reads no tags, the node it belongs to (a policy,
/// its role), found among `nodes`.
pub fn owner(node: &Node, nodes: &[Node], observed: &Observed, app: &str) -> Option<Ownership> {
    let judge = |node: &Node, state: &State| {
        let scoped = node.address.kind.scoped(node, state, observed, app);
        state.ownership(app, scoped)
    };
    let state = observed.get(&node.address)?;
    let mut own = judge(node, state);
    if own == Ownership::Unknown
        && let Some(parent) = node.owner.as_ref()
        && let Some(parent_state) = observed.get(parent)
    {
        // A parent outside the graph (a service, for apply) is judged by its
        // tags alone.
        own = match nodes.iter().find(|n| &n.address == parent) {
            Some(parent_node) => judge(parent_node, parent_state),
            None => parent_state.ownership(app, false),
        };
    }
    Some(own)
}

/// What the planner is told besides the nodes and what exists.
#[derive(Default)]
pub struct Context<'a> {
    pub app: &'a str,
    /// Addresses the config takes over from another stack or a person.
    pub take_over: Vec<String>,
}

pub fn plan(nodes: &[Node], observed: &Observed, cx: &Context, not_handled: Vec<String>) -> Plan {
    let app = cx.app;
    let mut steps: Vec<Step> = Vec::new();
    let mut conflicts = Vec::new();
    for node in nodes {
        // References to nodes that stay as they are resolve to their ids;
        // the others are known only after apply.
        let known = |addr: &str| -> Option<String> {
            let step = steps.iter().find(|s| s.address.to_string() == addr);
            match step {
                Some(s) if s.action == Action::Exists => Some(s.value.clone()),
                Some(_) => None,
                None => observed
                    .iter()
                    .find(|(a, _)| a.to_string() == addr)
                    .map(|(_, s)| s.id.clone()),
            }
        };
        let (desired, _) = crate::resources::resolve(&node.desired, &known);
        let resolved = Node {
            desired,
            ..node.clone()
        };
        let node = &resolved;
        let base = |action, value: String| Step {
            address: node.address.clone(),
            kind: node.address.kind,
            name: node.name.clone(),
            action,
            value,
            changes: vec![],
            diff: None,
            task: node.task.clone(),
            depends_on: node.depends_on.clone(),
            owner: owner(node, nodes, observed, app),
            pruned: false,
            taken_over_from: None,
            node: node.clone(),
            current: observed.get(&node.address).cloned(),
        };
        let step = match observed.get(&node.address) {
            None => {
                let mut s = base(Action::Create, node.predicted.clone());
                // A policy added to a role that is not the stack's changes
                // that role: it is judged as the role.
                if let Some(parent) = node.owner.as_ref().and_then(|a| observed.get(a).map(|_| a))
                    && node.address.kind.part_of_owner()
                    && let Some(parent_node) = nodes.iter().find(|n| &n.address == parent)
                {
                    s.owner = owner(parent_node, nodes, observed, app);
                    if let Some(c) = refusal(&mut s, node, cx, Some(parent_node)) {
                        conflicts.push(c);
                    }
                    if s.owner.as_ref().is_some_and(Ownership::is_ours) {
                        s.owner = None;
                    }
                }
                s
            }
            Some(state) => match node.address.kind.diff(node, state) {
                None => base(Action::Exists, state.id.clone()),
                Some(d) => {
                    let mut s = base(
                        d.action.unwrap_or(Action::Update),
                        d.predicted.unwrap_or_else(|| state.id.clone()),
                    );
                    s.changes = d
                        .changes
                        .into_iter()
                        .map(|mut c| {
                            if let Some(addr) = c
                                .after
                                .strip_prefix("{{")
                                .and_then(|a| a.strip_suffix("}}"))
                            {
                                c.after = format!("(known after apply: {addr})");
                            }
                            c
                        })
                        .collect();
                    s.diff = d.text;
                    if let Some(why) = d.refused {
                        conflicts.push(format!(
                            "{} `{}` {why}",
                            node.address.kind.label(),
                            node.name
                        ));
                    } else if let Some(c) = refusal(&mut s, node, cx, None) {
                        conflicts.push(c);
                    }
                    s
                }
            },
        };
        steps.push(step);
    }
    Plan {
        steps,
        not_handled,
        conflicts,
        ..Plan::default()
    }
}

/// Whom a change to a resource of `kind` with this owner would take it
/// from, when the stack may not change it without the config's
/// `take_over` (another stack's or app's; someone's, for the kinds that
/// say so); `None` when the stack may change it.
pub fn taken_from(own: &Ownership, kind: Kind) -> Option<String> {
    match own {
        Ownership::OtherStack(other) => Some(format!("the stack `{other}`")),
        Ownership::OtherApp => Some("another App::FargateStack app".to_string()),
        Ownership::Adopted if kind.adopted_is_not_ours_to_change() => Some("its owner".to_string()),
        _ => None,
    }
}

/// Why a change to what the step's owner says is not the stack's is
/// refused (a conflict), unless the config takes it over; then the step
/// says whom it is taken from.
fn refusal(s: &mut Step, node: &Node, cx: &Context, via: Option<&Node>) -> Option<String> {
    let address = node.address.to_string();
    let kind = node.address.kind;
    let taken_over = cx.take_over.contains(&address);
    let take_over_fix =
        format!("(or, to take it over, add `take_over: [{address}]` to the config)");
    let from = taken_from(s.owner.as_ref()?, kind)?;
    if taken_over {
        s.taken_over_from = Some(from);
        return None;
    }
    let what = format!("{} `{}`", kind.label(), node.name);
    let owner = s.owner.as_ref()?;
    Some(match owner {
        Ownership::OtherStack(_) | Ownership::OtherApp => format!(
            "{what} {}, not `{}`; {} {take_over_fix}",
            owner.not_ours_because().unwrap_or_default(),
            cx.app,
            kind.conflict_fix()
        ),
        _ if s.action == Action::Create => format!(
            "{what} would be added to {}, which is not this stack's; {} {take_over_fix}",
            via.map_or_else(String::new, |p| format!(
                "the {} `{}`",
                p.address.kind.label(),
                p.name
            )),
            kind.conflict_fix()
        ),
        _ => {
            const SHOWN: usize = 3;
            let mut shown: Vec<String> = s
                .changes
                .iter()
                .take(SHOWN)
                .map(|c| format!("{} is {}", c.field, c.before))
                .collect();
            if s.changes.len() > SHOWN {
                shown.push(format!(
                    "and {} more difference(s)",
                    s.changes.len() - SHOWN
                ));
            }
            format!(
                "{what} already exists and is not this stack's ({}); {} {take_over_fix}",
                shown.join(", "),
                kind.conflict_fix()
            )
        }
    })
}

/// Deletes for what exists and is ours, each waiting for the deletes of
/// what uses it (the graph reversed); what is not ours is kept, with why.
/// Appends the deletion of the stack's orphans (resources it owns that the
/// config no longer asks for), run only with `--prune`.
pub fn add_orphans(
    plan: &mut Plan,
    orphans: &[Node],
    nodes: &[Node],
    observed: &Observed,
    app: &str,
) {
    if orphans.is_empty() {
        return;
    }
    let deletions = destroy_among(orphans, nodes, observed, app, &[]);
    plan.steps.extend(deletions.steps.into_iter().map(|mut s| {
        s.pruned = true;
        s
    }));
}

/// `taken_over`: the config's `take_over` addresses, which destroy deletes
/// as the stack's (what was taken over is the stack's now).
pub fn destroy(nodes: &[Node], observed: &Observed, app: &str, taken_over: &[String]) -> Plan {
    destroy_among(nodes, &[], observed, app, taken_over)
}

/// Destroy's steps for `nodes`, their owners found among them or `others`
/// (an orphan's service is not an orphan).
fn destroy_among(
    nodes: &[Node],
    others: &[Node],
    observed: &Observed,
    app: &str,
    taken_over: &[String],
) -> Plan {
    let everyone: Vec<Node> = nodes.iter().chain(others).cloned().collect();
    let mut steps = Vec::new();
    let mut kept = Vec::new();
    let whose = |n: &Node| {
        owner(n, &everyone, observed, app).map(|o| {
            if taken_over.contains(&n.address.to_string()) {
                Ownership::Ours
            } else {
                o
            }
        })
    };
    let ours = |n: &Node| whose(n).is_some_and(|o| o.is_ours());
    // What someone else's resource that stays still uses stays with it
    // (a cluster that holds another's service, the group its tasks use):
    // deleting it would break theirs, and AWS refuses most such deletes.
    let mut held: BTreeMap<&Address, String> = BTreeMap::new();
    let mut holders: Vec<&Node> = nodes
        .iter()
        .filter(|n| observed.contains_key(&n.address) && !ours(n))
        .filter(|n| n.address.kind.kept_by_destroy().is_none())
        .collect();
    while let Some(holder) = holders.pop() {
        for dep in &holder.depends_on {
            if held.contains_key(dep) || !observed.contains_key(dep) {
                continue;
            }
            held.insert(
                dep,
                format!(
                    "still used by the {} `{}`, which stays",
                    holder.address.kind.label(),
                    holder.name
                ),
            );
            holders.extend(nodes.iter().filter(|n| &n.address == dep));
        }
    }
    let deleting: BTreeSet<&Address> = nodes
        .iter()
        .filter(|n| n.address.kind.kept_by_destroy().is_none())
        .filter(|n| !held.contains_key(&n.address) && ours(n))
        .map(|n| &n.address)
        .collect();
    for node in nodes {
        let Some(state) = observed.get(&node.address) else {
            continue;
        };
        let own = whose(node).expect("exists");
        if let Some(reason) = held.get(&node.address).filter(|_| own.is_ours()) {
            kept.push(Kept {
                address: node.address.clone(),
                name: node.name.clone(),
                reason: reason.clone(),
            });
            continue;
        }
        if let Some(reason) = node.address.kind.kept_by_destroy() {
            kept.push(Kept {
                address: node.address.clone(),
                name: node.name.clone(),
                reason: reason.into(),
            });
            continue;
        }
        if let Some(reason) = own.not_ours_because() {
            kept.push(Kept {
                address: node.address.clone(),
                name: node.name.clone(),
                reason,
            });
            continue;
        }
        let users: Vec<Address> = nodes
            .iter()
            .filter(|n| n.depends_on.contains(&node.address) && deleting.contains(&n.address))
            .map(|n| n.address.clone())
            .collect();
        steps.push(Step {
            address: node.address.clone(),
            kind: node.address.kind,
            name: node.name.clone(),
            action: Action::Delete,
            value: state.id.clone(),
            changes: vec![],
            diff: None,
            task: node.task.clone(),
            depends_on: users,
            owner: Some(own),
            pruned: false,
            taken_over_from: None,
            node: node.clone(),
            current: Some(state.clone()),
        });
    }
    // Listed in the order they will run: what uses a resource goes first.
    let mut plan = Plan {
        steps,
        not_handled: vec![],
        kept,
        conflicts: vec![],
        ..Plan::default()
    };
    if let Ok(sequence) = order(&plan) {
        plan.steps
            .sort_by_key(|s| sequence.iter().position(|a| a == &s.address));
    }
    plan
}

/// The steps in an order that respects `depends_on`, ties broken by kind
/// (the original's build order) then key. `Err` names a cycle.
pub fn order(plan: &Plan) -> Result<Vec<Address>, String> {
    let present: BTreeSet<&Address> = plan.steps.iter().map(|s| &s.address).collect();
    let mut waiting: BTreeMap<&Address, BTreeSet<&Address>> = plan
        .steps
        .iter()
        .map(|s| {
            (
                &s.address,
                s.depends_on
                    .iter()
                    .filter(|d| present.contains(d))
                    .collect(),
            )
        })
        .collect();
    let mut out = Vec::new();
    while !waiting.is_empty() {
        let ready: Vec<&Address> = waiting
            .iter()
            .filter(|(_, deps)| deps.is_empty())
            .map(|(a, _)| *a)
            .collect();
        let Some(next) = ready.into_iter().min() else {
            return Err(format!(
                "dependency cycle among {}",
                waiting
                    .keys()
                    .map(|a| a.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        };
        waiting.remove(next);
        for deps in waiting.values_mut() {
            deps.remove(next);
        }
        out.push(next.clone());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;
    use crate::resources::{iam_role, task_definition};
    use serde_json::json;

    use crate::fixture::Fixture;

    impl Fixture {
        fn plan(&self, observed: &Observed) -> Plan {
            plan(
                &apply_nodes(&self.inputs()),
                observed,
                &Context {
                    app: &self.spec.app,
                    ..Context::default()
                },
                vec![],
            )
        }

        /// What the account holds once `self` was applied, tagged as ours.
        fn converged(&self) -> Observed {
            apply_nodes(&self.inputs())
                .into_iter()
                .chain(Kind::Service.nodes(&self.inputs()))
                .map(|n| {
                    let id = match n.address.kind {
                        Kind::TaskDefinition => format!("arn:td/{}:1", n.name),
                        _ => n.predicted.clone(),
                    };
                    let tags = (n.address.kind != Kind::ExecutionPolicy)
                        .then(|| crate::resources::tag_map(&self.spec.app))
                        .flatten();
                    let state = State::new(id, tags).with(n.desired.clone());
                    (n.address, state)
                })
                .collect()
        }
    }

    const DAEMON: &str = "app:\n  name: demo\ntasks:\n  web:\n    type: daemon\n    image: helloworld\n    environment:\n      GREETING: hello\n";
    const TWO: &str = "app:\n  name: demo\ntasks:\n  web:\n    type: daemon\n    image: helloworld\n  job:\n    type: task\n    image: helloworld\n";

    fn addr(kind: Kind, key: &str) -> Address {
        Address::new(kind, key)
    }

    #[test]
    fn empty_account_creates_everything() {
        let f = Fixture::new(DAEMON);
        let p = f.plan(&Observed::new());
        assert!(p.steps.iter().all(|s| s.action == Action::Create), "{p:#?}");
        assert_eq!(p.steps.len(), 7);
    }

    #[test]
    fn converged_account_changes_nothing() {
        let f = Fixture::new(DAEMON);
        let p = f.plan(&f.converged());
        assert!(!p.has_changes(), "{p:#?}");
        assert!(p.conflicts.is_empty());
    }

    #[test]
    fn graph_is_acyclic_and_follows_the_original_build_order() {
        let f = Fixture::new(TWO);
        let p = f.plan(&Observed::new());
        let order: Vec<String> = order(&p).unwrap().iter().map(|a| a.to_string()).collect();
        // App::FargateStack's Builder::build: log group, IAM, cluster,
        // security group, then task definitions.
        assert_eq!(
            order,
            [
                "log-group/main",
                "execution-role/main",
                "execution-policy/main",
                "task-role/main",
                "cluster/main",
                "security-group/main",
                "task-definition/job",
                "task-definition/web",
            ]
        );
        for s in &p.steps {
            for d in &s.depends_on {
                assert!(p.step(d).is_some(), "{} depends on missing {d}", s.address);
            }
        }
    }

    #[test]
    fn a_cycle_is_reported() {
        let f = Fixture::new(DAEMON);
        let mut p = f.plan(&Observed::new());
        let lg = p
            .steps
            .iter_mut()
            .find(|s| s.kind == Kind::LogGroup)
            .unwrap();
        lg.depends_on.push(addr(Kind::TaskDefinition, "web"));
        assert!(order(&p).unwrap_err().contains("cycle"));
    }

    #[test]
    fn changed_environment_updates_task_definition_only() {
        let f = Fixture::new(DAEMON);
        let before = f.converged();
        let f2 = Fixture::new(&DAEMON.replace("GREETING: hello", "GREETING: bonjour"));
        let p = f2.plan(&before);
        let changed: Vec<_> = p
            .steps
            .iter()
            .filter(|s| s.action != Action::Exists)
            .collect();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].kind, Kind::TaskDefinition);
        assert_eq!(changed[0].value, "web:2");
        assert_eq!(changed[0].changes[0].field, "environment.GREETING");
        assert_eq!(
            (
                changed[0].changes[0].before.as_str(),
                changed[0].changes[0].after.as_str()
            ),
            ("hello", "bonjour")
        );
        assert!(
            changed[0]
                .diff
                .as_ref()
                .unwrap()
                .contains("-        \"GREETING\": \"hello\"")
        );
    }

    /// Table-driven: one drifted attribute per kind, and what the plan says.
    #[test]
    fn drift_per_kind() {
        let f = Fixture::new(DAEMON);
        let cases: Vec<(Address, serde_json::Value, Option<&str>)> = vec![
            (
                addr(Kind::LogGroup, "main"),
                json!({"retention_days": 30}),
                Some("retention_days"),
            ),
            (
                addr(Kind::LogGroup, "main"),
                json!({"retention_days": null}),
                Some("retention_days"),
            ),
            (
                addr(Kind::SecurityGroup, "main"),
                json!({"vpc_id": "vpc-other"}),
                Some("vpc_id"),
            ),
            (addr(Kind::Cluster, "main"), json!({}), None),
            (addr(Kind::ExecutionRole, "main"), json!({}), None),
        ];
        for (address, attributes, field) in cases {
            let mut o = f.converged();
            o.get_mut(&address).unwrap().attributes = attributes.clone();
            let p = f.plan(&o);
            let s = p.step(&address).unwrap();
            match field {
                Some(field) => {
                    assert_eq!(s.action, Action::Update, "{address} {attributes}");
                    assert_eq!(s.changes[0].field, field);
                }
                None => assert_eq!(s.action, Action::Exists, "{address} {attributes}"),
            }
            assert_eq!(p.count(Action::Update), field.map_or(0, |_| 1));
        }
    }

    #[test]
    fn policy_written_by_another_tool_in_another_shape_is_not_a_change() {
        let f = Fixture::new(DAEMON);
        let mut o = f.converged();
        let a = addr(Kind::ExecutionPolicy, "main");
        let mut doc = o[&a].attributes["document"].clone();
        // Reverse statement order and make each single action a string.
        let stmts = doc["Statement"].as_array_mut().unwrap();
        stmts.reverse();
        for s in stmts.iter_mut() {
            if s["Action"].as_array().unwrap().len() == 1 {
                s["Action"] = s["Action"][0].clone();
            }
        }
        o.get_mut(&a).unwrap().attributes["document"] = doc;
        assert!(!f.plan(&o).has_changes());
    }

    #[test]
    fn a_family_owned_by_another_stack_is_a_conflict() {
        let f = Fixture::new(DAEMON);
        let mut o = f.converged();
        let a = addr(Kind::TaskDefinition, "web");
        let s = o.get_mut(&a).unwrap();
        s.tags = crate::resources::tag_map("someone-else");
        s.attributes["cpu"] = json!("4096");
        let p = f.plan(&o);
        assert_eq!(p.conflicts.len(), 1, "{:#?}", p.step(&a));
        assert!(p.conflicts[0].contains("someone-else"));
        assert!(p.conflicts[0].contains("family:"));
        // Unchanged, it is merely used: no conflict.
        let mut o = f.converged();
        o.get_mut(&a).unwrap().tags = crate::resources::tag_map("someone-else");
        assert!(f.plan(&o).conflicts.is_empty());
    }

    #[test]
    fn destroy_reverses_the_graph_and_keeps_what_is_not_ours() {
        let f = Fixture::new(DAEMON);
        let mut o = f.converged();
        // The log group was there before the stack: no tags, not recorded.
        o.get_mut(&addr(Kind::LogGroup, "main")).unwrap().tags = Some(BTreeMap::new());
        let nodes = all_nodes(&f.inputs());
        let p = destroy(&nodes, &o, "demo", &[]);
        assert!(p.steps.iter().all(|s| s.action == Action::Delete));
        assert_eq!(p.kept.len(), 1);
        assert_eq!(p.kept[0].address, addr(Kind::LogGroup, "main"));
        let order: Vec<String> = order(&p).unwrap().iter().map(|a| a.to_string()).collect();
        let pos = |a: &str| order.iter().position(|x| x == a).unwrap();
        assert_eq!(order[0], "service/web");
        assert!(pos("task-definition/web") < pos("execution-role/main"));
        assert!(pos("execution-policy/main") < pos("execution-role/main"));
        assert!(pos("service/web") < pos("cluster/main"));
        assert!(pos("service/web") < pos("security-group/main"));
        // Recorded in the config as ours, and named for the app: deleted
        // even without tags.
        o.get_mut(&addr(Kind::LogGroup, "main")).unwrap().recorded = true;
        let p = destroy(&nodes, &o, "demo", &[]);
        assert!(p.kept.is_empty());
        // Nothing left: nothing to do.
        assert!(
            destroy(&nodes, &Observed::new(), "demo", &[])
                .steps
                .is_empty()
        );
    }

    /// A config App::FargateStack wrote vouches only for what follows that
    /// tool's naming for the app: a shared role it records is never
    /// deleted, and nothing is added to it.
    #[test]
    fn a_recorded_shared_role_is_neither_deleted_nor_changed() {
        let f =
            Fixture::new(&DAEMON.replace("tasks:", "role:\n  name: ecsTaskExecutionRole\ntasks:"));
        let mut o = f.converged();
        let role = addr(Kind::ExecutionRole, "main");
        let policy = addr(Kind::ExecutionPolicy, "main");
        let r = o.get_mut(&role).unwrap();
        r.tags = Some(BTreeMap::new());
        r.recorded = true;
        let p = destroy(&all_nodes(&f.inputs()), &o, "demo", &[]);
        for a in [&role, &policy] {
            assert!(
                p.kept.iter().any(|k| &k.address == a),
                "{a} kept: {:#?}",
                p.kept
            );
            assert!(p.steps.iter().all(|s| &s.address != a));
        }
        // Its policy missing: adding it would change the shared role.
        o.remove(&policy);
        let p = f.plan(&o);
        assert_eq!(p.conflicts.len(), 1, "{:#?}", p.conflicts);
        assert!(
            p.conflicts[0].contains("ecsTaskExecutionRole"),
            "{}",
            p.conflicts[0]
        );
        assert!(p.conflicts[0].contains("take_over: [execution-policy/main]"));
    }

    /// A family named after the task is this app's only when its revision
    /// runs with this app's roles (or the tags say so).
    #[test]
    fn an_untagged_family_with_another_apps_roles_is_a_conflict() {
        let f = Fixture::new(DAEMON);
        let mut o = f.converged();
        let a = addr(Kind::TaskDefinition, "web");
        let s = o.get_mut(&a).unwrap();
        s.tags = Some(BTreeMap::new());
        s.recorded = true;
        s.attributes["executionRoleArn"] = json!("arn:aws:iam::123456789012:role/FargateShopRole");
        let p = f.plan(&o);
        assert_eq!(p.conflicts.len(), 1, "{:#?}", p.conflicts);
        assert!(p.conflicts[0].contains("family:"), "{}", p.conflicts[0]);
        // With this app's roles and recorded (the original's), it is ours.
        let s = o.get_mut(&a).unwrap();
        s.attributes["executionRoleArn"] = json!("arn:aws:iam::123456789012:role/FargateDemoRole");
        s.attributes["cpu"] = json!("4096");
        let p = f.plan(&o);
        assert!(p.conflicts.is_empty(), "{:#?}", p.conflicts);
        assert_eq!(p.step(&a).unwrap().owner, Some(Ownership::Recorded));
    }

    #[test]
    fn execution_policy_names_its_resources() {
        let f = Fixture::new(DAEMON);
        let doc = iam_role::execution_policy(&f.spec, &f.id, f.images.values());
        let text = doc.to_string();
        assert!(
            text.contains(
                "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app-fargatestack/demo"
            )
        );
        assert!(text.contains("arn:aws:ecr:us-east-1:123456789012:repository/helloworld"));
        for stmt in doc["Statement"].as_array().unwrap() {
            if stmt["Resource"] == "*" {
                assert_eq!(stmt["Action"], json!(["ecr:GetAuthorizationToken"]));
            }
        }
    }

    #[test]
    fn public_images_need_no_ecr_permissions() {
        let mut f = Fixture::new(DAEMON);
        for i in f.images.values_mut() {
            i.repository_arn = None;
        }
        let doc = iam_role::execution_policy(&f.spec, &f.id, f.images.values());
        assert!(!doc.to_string().contains("ecr:"));
    }

    #[test]
    fn task_definition_round_trips_through_its_attributes() {
        let f = Fixture::new(DAEMON);
        let node = &Kind::TaskDefinition.nodes(&f.inputs())[0];
        let def: task_definition::TaskDef = serde_json::from_value(node.desired.clone()).unwrap();
        assert_eq!(serde_json::to_value(def).unwrap(), node.desired);
    }
}
