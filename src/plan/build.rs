//! `build(config, observed) -> Plan`: pure, deterministic, no network.

use std::collections::HashMap;

use indexmap::IndexMap;
use serde_json::Value;

use super::{Kind, Plan};
use crate::config::StackSpec;
use crate::discovery::{Identity, Observed, ResolvedImage};
use crate::resources::{cluster, iam_role, log_group, security_group, task_definition};

/// What apply will create: computed once, shown by plan, executed by apply.
#[derive(Debug, Clone)]
pub struct Desired {
    pub execution_policy: Value,
    /// Keyed by task key.
    pub task_definitions: HashMap<String, task_definition::TaskDef>,
}

pub fn desired(
    spec: &StackSpec,
    id: &Identity,
    images: &IndexMap<String, ResolvedImage>,
) -> Desired {
    let task_definitions = spec
        .tasks
        .iter()
        .map(|t| {
            (
                t.key.clone(),
                task_definition::desired(spec, t, id, &images[&t.key]),
            )
        })
        .collect();
    Desired {
        execution_policy: iam_role::execution_policy(spec, id, images.values()),
        task_definitions,
    }
}

pub fn build(spec: &StackSpec, id: &Identity, desired: &Desired, observed: &Observed) -> Plan {
    let mut steps = vec![
        log_group::plan(spec, id, observed.log_group.as_ref()),
        iam_role::plan_role(
            Kind::ExecutionRole,
            &spec.execution_role,
            id,
            observed.execution_role.as_ref(),
        ),
        iam_role::plan_policy(
            spec,
            &desired.execution_policy,
            observed.execution_role.as_ref(),
        ),
        iam_role::plan_role(
            Kind::TaskRole,
            &spec.task_role,
            id,
            observed.task_role.as_ref(),
        ),
        cluster::plan(spec, id, observed.cluster.as_ref()),
        security_group::plan(spec, observed.security_group.as_ref()),
    ];
    for t in &spec.tasks {
        let current = observed
            .task_definitions
            .get(&t.family)
            .and_then(|o| o.as_ref());
        steps.push(task_definition::plan(
            t,
            &desired.task_definitions[&t.key],
            current,
        ));
    }
    Plan {
        steps,
        not_handled: spec.unhandled.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Action;
    use std::path::Path;

    fn spec(text: &str) -> StackSpec {
        let l = crate::config::parse(Path::new("t.yml"), text.into()).unwrap();
        crate::config::spec::build(Path::new("t.yml"), &l.config).unwrap()
    }

    fn id() -> Identity {
        Identity {
            account: "123456789012".into(),
            partition: "aws".into(),
            region: "us-east-1".into(),
        }
    }

    fn images(s: &StackSpec) -> IndexMap<String, ResolvedImage> {
        s.tasks
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
            .collect()
    }

    /// What the account would hold after applying `desired`.
    fn converged(s: &StackSpec, d: &Desired) -> Observed {
        let id = id();
        Observed {
            log_group: Some(log_group::Observed {
                arn: log_group::arn(&id, &s.log_group),
                retention_days: Some(14),
            }),
            execution_role: Some(iam_role::Observed {
                arn: "arn:r".into(),
                policy: Some(d.execution_policy.clone()),
            }),
            task_role: Some(iam_role::Observed {
                arn: "arn:t".into(),
                policy: None,
            }),
            cluster: Some(cluster::Observed {
                arn: "arn:c".into(),
            }),
            security_group: Some(security_group::Observed {
                group_id: "sg-1".into(),
            }),
            task_definitions: d
                .task_definitions
                .values()
                .map(|td| {
                    (
                        td.family.clone(),
                        Some(task_definition::Observed {
                            arn: format!("arn:td/{}:1", td.family),
                            revision: 1,
                            definition: td.clone(),
                        }),
                    )
                })
                .collect(),
        }
    }

    const DAEMON: &str = "app:\n  name: demo\ntasks:\n  web:\n    type: daemon\n    image: helloworld\n    environment:\n      GREETING: hello\n";

    #[test]
    fn empty_account_creates_everything() {
        let s = spec(DAEMON);
        let d = desired(&s, &id(), &images(&s));
        let p = build(&s, &id(), &d, &Observed::default());
        assert!(p.steps.iter().all(|s| s.action == Action::Create), "{p:#?}");
        assert_eq!(p.steps.len(), 7);
    }

    #[test]
    fn converged_account_changes_nothing() {
        let s = spec(DAEMON);
        let d = desired(&s, &id(), &images(&s));
        let p = build(&s, &id(), &d, &converged(&s, &d));
        assert!(!p.has_changes(), "{p:#?}");
    }

    #[test]
    fn changed_environment_updates_task_definition_only() {
        let s = spec(DAEMON);
        let d = desired(&s, &id(), &images(&s));
        let before = converged(&s, &d);
        let s2 = spec(&DAEMON.replace("GREETING: hello", "GREETING: bonjour"));
        let d2 = desired(&s2, &id(), &images(&s2));
        let p = build(&s2, &id(), &d2, &before);
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

    #[test]
    fn retention_change_is_an_update() {
        let s = spec(DAEMON);
        let d = desired(&s, &id(), &images(&s));
        let mut o = converged(&s, &d);
        o.log_group.as_mut().unwrap().retention_days = Some(30);
        let p = build(&s, &id(), &d, &o);
        assert_eq!(p.steps[0].action, Action::Update);
    }

    #[test]
    fn execution_policy_names_its_resources() {
        let s = spec(DAEMON);
        let d = desired(&s, &id(), &images(&s));
        let text = d.execution_policy.to_string();
        assert!(
            text.contains(
                "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/app-fargatestack/demo"
            )
        );
        assert!(text.contains("arn:aws:ecr:us-east-1:123456789012:repository/helloworld"));
        for stmt in d.execution_policy["Statement"].as_array().unwrap() {
            if stmt["Resource"] == "*" {
                assert_eq!(
                    stmt["Action"],
                    serde_json::json!(["ecr:GetAuthorizationToken"])
                );
            }
        }
    }

    #[test]
    fn public_images_need_no_ecr_permissions() {
        let s = spec(DAEMON);
        let mut imgs = images(&s);
        for i in imgs.values_mut() {
            i.repository_arn = None;
        }
        let d = desired(&s, &id(), &imgs);
        assert!(!d.execution_policy.to_string().contains("ecr:"));
    }
}
