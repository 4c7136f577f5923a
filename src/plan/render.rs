//! The plan as a person reads it, and as JSON.

use std::fmt::Write;

use serde::Serialize;

use super::{Action, Plan};
use crate::aws::CallStats;
use crate::discovery::Network;
use crate::output::{Style, table};

#[derive(Debug, Serialize)]
pub struct Header<'a> {
    pub command: &'a str,
    pub app: &'a str,
    pub account: &'a str,
    pub profile: Option<&'a str>,
    pub region: &'a str,
    pub vpc_id: &'a str,
    pub subnets: &'a Network,
    pub config: String,
    /// ` -c FILE` when the config was named on the command line, for the
    /// commands the output suggests.
    pub config_arg: String,
    pub cache: bool,
    pub dry_run: bool,
    /// Each task's image and where it comes from, so that a public image
    /// standing in for a private one is seen before it runs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageSource>,
}

#[derive(Debug, Serialize)]
pub struct ImageSource {
    pub task: String,
    pub uri: String,
    pub registry: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// Terraform's shape: a short header, one line per resource that changes
/// (`+` create, `~` update, `-/+` replace, `-` delete), the field changes
/// under it, and "No changes." when there are none. Unchanged resources are
/// counted, not listed (`--tables` lists them).
pub fn text(header: &Header, plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}  (account {}, {}, profile {})",
        style.bold(&format!("fargate-stack {}:", header.command)),
        header.app,
        header.account,
        header.region,
        header.profile.unwrap_or("(default chain)"),
    );
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(
        out,
        "  {}; public {}; private {}",
        header.vpc_id,
        list(&header.subnets.public),
        list(&header.subnets.private)
    );
    let _ = writeln!(
        out,
        "  config {}; cache {}{}",
        header.config,
        if header.cache { "on" } else { "off" },
        if header.dry_run && header.command != "plan" {
            "; dry run"
        } else {
            ""
        }
    );
    for i in &header.images {
        let _ = writeln!(
            out,
            "  image {}: {} from {}{}",
            i.task,
            i.uri,
            i.registry,
            i.digest
                .as_deref()
                .map(|d| format!(" ({})", short_digest(d)))
                .unwrap_or_default()
        );
    }
    out.push('\n');

    for s in plan.steps.iter().filter(|s| s.action.changes_something()) {
        let (mark, note) = match (s.action, s.replaces()) {
            (Action::Create, _) => (style.green("  +"), String::new()),
            (Action::Update, true) => (
                style.yellow("-/+"),
                style.dim(" (new revision; the old one stays for running tasks)"),
            ),
            (Action::Update, false) => (style.yellow("  ~"), String::new()),
            (Action::Delete, _) if s.pruned && !plan.prune => (
                style.red("  -"),
                style.yellow(" (no longer in the config: deleted only with --prune)"),
            ),
            (Action::Delete, _) if s.pruned => {
                (style.red("  -"), style.dim(" (no longer in the config)"))
            }
            (Action::Delete, _) => (style.red("  -"), String::new()),
            (Action::Exists, _) => (style.dim("  ="), String::new()),
        };
        let adopted = match (&s.owner, &s.taken_over_from) {
            (_, Some(other)) => style.yellow(&format!(" (taken over from {other})")),
            (Some(super::Ownership::Adopted), _) => style.yellow(" (not created by fargate-stack)"),
            (Some(super::Ownership::Recorded), _) => {
                style.yellow(" (untagged; the config records it as this stack's)")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{mark} {:<21} {}{note}{adopted}",
            s.kind.label(),
            s.name
        );
        for c in &s.changes {
            let _ = writeln!(
                out,
                "        {}: {} -> {}",
                c.field,
                style.red(&c.before),
                style.green(&c.after)
            );
        }
        if let Some(diff) = &s.diff {
            for line in diff.lines() {
                let painted = match line.chars().next() {
                    Some('+') if !line.starts_with("+++") => style.green(line),
                    Some('-') if !line.starts_with("---") => style.red(line),
                    _ => style.dim(line),
                };
                let _ = writeln!(out, "        {painted}");
            }
        }
    }
    for d in &plan.image_drift {
        let _ = writeln!(
            out,
            "{} {:<21} {}: tag `{}` now points at {} (recorded {}); run `fargate-stack register-task-definition {}{}` then `update-service` to roll it out",
            style.yellow("  !"),
            "image drift",
            d.task,
            d.image,
            short_digest(&d.current),
            short_digest(&d.recorded),
            d.task,
            header.config_arg
        );
    }
    for z in &plan.zones {
        let _ = writeln!(out, "{} {:<21} {z}", style.yellow("  !"), "zones");
    }
    for d in &plan.dns {
        let _ = writeln!(out, "{} {:<21} {d}", style.yellow("  !"), "dns record");
    }
    for c in &plan.conflicts {
        let _ = writeln!(out, "\n{} {c}", style.red("conflict:"));
    }
    if !plan.deferred.is_empty() {
        let _ = writeln!(out, "\n{}", style.dim("Later, once each service exists:"));
        for d in &plan.deferred {
            let _ = writeln!(out, "  - {d}");
        }
    }
    if !plan.not_handled.is_empty() {
        let _ = writeln!(
            out,
            "\nNot handled by this version (kept in the config, no resources made):"
        );
        for n in &plan.not_handled {
            let _ = writeln!(out, "  - {n}");
        }
    }
    out
}

fn short_digest(d: &str) -> &str {
    let end = d.find(':').map_or(0, |i| i + 1) + 12;
    d.get(..end).unwrap_or(d)
}

pub fn resources_table(plan: &Plan) -> String {
    let mut t = table(&["Resource", "Name or ARN", "Action"]);
    for s in &plan.steps {
        let action = match s.action {
            Action::Create => "create",
            Action::Update => "update",
            Action::Exists => "exists",
            Action::Delete => "delete",
        };
        t.add_row(vec![
            s.kind.label().to_string(),
            s.value.clone(),
            action.to_string(),
        ]);
    }
    format!("Required Resources\n{t}\n")
}

/// What a destroy leaves in place, and why.
pub fn kept(plan: &Plan) -> String {
    let mut out = String::new();
    if !plan.kept.is_empty() {
        let _ = writeln!(out, "\nKept (not this stack's to delete):");
        for k in &plan.kept {
            let _ = writeln!(out, "  {} {}: {}", k.address.kind.label(), k.name, k.reason);
        }
    }
    out
}

/// The original's red warning box before a destroy.
pub fn warning_box(message: &str, style: Style) -> String {
    let width = message.chars().count().min(72);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in message.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    let bar = "*".repeat(width + 4);
    let mut out = format!("{}\n", style.red(&bar));
    for l in lines {
        let _ = writeln!(out, "{}", style.red(&format!("* {l:<width$} *")));
    }
    let _ = writeln!(out, "{}", style.red(&bar));
    out
}

pub fn timings_table(timings: &[(String, f64)]) -> String {
    let mut sorted = timings.to_vec();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut t = table(&["Step", "Seconds"]);
    for (name, secs) in sorted {
        t.add_row(vec![name, format!("{secs:.3}")]);
    }
    format!("Timings\n{t}\n")
}

/// The one-line summary: Terraform's counts, then how the plan was made.
pub fn summary(plan: &Plan, calls: &CallStats, seconds: f64, applied: bool) -> String {
    let (c, u, e) = (
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Exists),
    );
    let d = plan.deletions();
    let cost = format!(
        "{} API calls in {} rounds ({} mutating), {seconds:.2}s",
        calls.total,
        calls.rounds,
        calls.mutating.len()
    );
    if c + u + d == 0 {
        let held = plan.count(Action::Delete) - d;
        let pruned = if held > 0 {
            format!("; {held} no longer in the config (--prune deletes them)")
        } else {
            String::new()
        };
        return format!(
            "No changes. The stack matches the config ({e} resources{pruned}). [{cost}]"
        );
    }
    if applied {
        format!("Apply complete: {c} added, {u} changed, {d} destroyed, {e} unchanged. [{cost}]")
    } else {
        format!("Plan: {c} to add, {u} to change, {d} to destroy, {e} unchanged. [{cost}]")
    }
}

/// The plan's cost line (`Cost: $142.35/month (+$18.40)`), and with
/// `--cost` its items, what is left out and where the prices come from.
pub fn cost(estimate: &Result<super::cost::Estimate, String>, items: bool, region: &str) -> String {
    use super::cost::dollars;
    let e = match estimate {
        Ok(e) => e,
        Err(why) => return format!("Cost: not estimated: {why}\n"),
    };
    let range = |low: f64, high: f64| {
        if (high - low).abs() < 0.005 {
            dollars(low)
        } else {
            format!("{}-{}", dollars(low), dollars(high))
        }
    };
    let change = e.monthly - e.current;
    let mut out = format!(
        "Cost: {}/month{} in {region} (estimate; `plan --cost` for the items)\n",
        range(e.monthly, e.monthly_max),
        if change.abs() < 0.005 {
            String::new()
        } else if change > 0.0 {
            format!(" (+{})", dollars(change))
        } else {
            format!(" (-{})", dollars(-change))
        }
    );
    if items {
        let mut t = table(&["Item", "Detail", "Monthly"]);
        for i in &e.items {
            t.add_row(vec![
                i.what.clone(),
                i.detail.clone(),
                range(i.monthly, i.monthly_max),
            ]);
        }
        let _ = writeln!(out, "{t}");
        for l in &e.left_out {
            let _ = writeln!(out, "  not included: {l}");
        }
        let _ = writeln!(out, "  prices: {}", e.prices);
    }
    out
}
