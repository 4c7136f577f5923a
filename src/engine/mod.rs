//! The engine: the one pass every command that works on a stack goes
//! through. Load and validate the config (no network, `load`), connect,
//! gather the facts about the account (`facts`), build the graph from the
//! config and observe what exists of each node (`observe`), plan (pure,
//! `crate::plan::build`), execute, and write what landed back into the
//! config (`record`). Commands parse their arguments, call these, and
//! render the result.

mod facts;
mod load;
mod observe;
mod record;
mod stack;

use anyhow::Result;

use crate::config::store::Writer;
use crate::config::{Loaded, StackSpec};
use crate::plan::Plan;
use crate::plan::build::Observed;
use crate::settings::Settings;

pub use facts::Timings;
pub use load::{connect, load, load_read_only};
pub use record::{state_updates, state_updates_with, write_back};
pub use stack::{Scope, Stack};

/// Everything plan, apply and destroy need to know about the account: the
/// facts, the graph the config asks for (the nodes in `scope`), and what
/// exists of each node, with the stack's orphans.
pub async fn discover(
    settings: &Settings,
    loaded: Loaded,
    spec: StackSpec,
    scope: Scope,
) -> Result<Stack> {
    let aws = load::connect(settings, &loaded).await;
    discover_with(settings, loaded, spec, aws, scope).await
}

/// `discover`, with the clients a command already connected.
pub async fn discover_with(
    settings: &Settings,
    loaded: Loaded,
    spec: StackSpec,
    aws: crate::aws::Aws,
    scope: Scope,
) -> Result<Stack> {
    let cached = settings.cache && loaded.config.last_updated.is_some();
    let timings = Timings::default();
    let facts = facts::gather(&aws, &loaded, &spec, cached, &timings).await?;
    let mut stack = observe::observe(loaded, spec, aws, facts, cached, scope, &timings).await?;
    let config_arg = settings.config_arg();
    for task in stack.deferred.iter_mut() {
        *task = format!(
            "tasks.{task}.autoscaling: set up by `fargate-stack create-service {task}{config_arg}` (the service does not exist yet)"
        );
    }
    stack.timings = timings.into_inner().expect("timings lock");
    Ok(stack)
}

/// Runs a plan through the executor, recording each success in the config
/// as it lands. Ctrl-C stops new steps and lets running ones finish.
pub async fn execute(
    stack: &mut Stack,
    plan: &Plan,
    writer: &mut Writer,
    removals: impl Fn(&crate::resources::Address) -> Vec<Vec<String>>,
) -> crate::plan::execute::Report {
    let registered = std::cell::RefCell::new(Vec::<String>::new());
    let mut observed = stack.observed.clone();
    let report = {
        let stack = &*stack;
        let cx = stack.inputs();
        let record = |address: &crate::resources::Address, now: &Observed| {
            if address.kind == crate::resources::Kind::TaskDefinition && now.contains_key(address) {
                registered.borrow_mut().push(address.key.clone());
            }
            let updates = state_updates_with(stack, now, &registered.borrow());
            if let Err(e) = writer.write(&updates, &removals(address)) {
                tracing::error!("{e:#}");
            }
        };
        crate::plan::execute::execute(&stack.aws, &cx, plan, &mut observed, record, async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    };
    stack.observed = observed;
    report
}
