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
    pub cache: bool,
    pub dry_run: bool,
}

pub fn text(header: &Header, plan: &Plan, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {}",
        style.bold(&format!("fargate-stack {}:", header.command)),
        header.app
    );
    let kv = |out: &mut String, k: &str, v: &str| {
        let _ = writeln!(out, "  {:<9} {v}", k);
    };
    kv(&mut out, "account", header.account);
    kv(
        &mut out,
        "profile",
        header.profile.unwrap_or("(default chain)"),
    );
    kv(&mut out, "region", header.region);
    kv(&mut out, "vpc", header.vpc_id);
    let list = |v: &[String]| {
        if v.is_empty() {
            "-".to_string()
        } else {
            v.join(", ")
        }
    };
    kv(
        &mut out,
        "subnets",
        &format!(
            "public: {}; private: {}",
            list(&header.subnets.public),
            list(&header.subnets.private)
        ),
    );
    kv(&mut out, "config", &header.config);
    kv(&mut out, "cache", if header.cache { "on" } else { "off" });
    kv(
        &mut out,
        "dry-run",
        if header.dry_run { "yes" } else { "no" },
    );
    out.push('\n');

    for s in &plan.steps {
        let (mark, verdict) = match s.action {
            Action::Create => (style.green("+"), style.green("will be created")),
            Action::Update => (style.yellow("~"), style.yellow("will be updated")),
            Action::Exists => (style.dim("="), style.dim("exists")),
            Action::Delete => (style.red("-"), style.red("will be deleted")),
        };
        let adopted = match &s.owner {
            Some(super::Ownership::Adopted) if s.action != Action::Exists => {
                style.yellow(" (not created by fargate-stack)")
            }
            _ => String::new(),
        };
        let _ = writeln!(
            out,
            "{mark} {:<21} {:<40} {verdict}{adopted}",
            s.kind.label(),
            s.name
        );
        for c in &s.changes {
            let _ = writeln!(
                out,
                "      {}: {} -> {}",
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
                let _ = writeln!(out, "      {painted}");
            }
        }
    }
    for c in &plan.conflicts {
        let _ = writeln!(out, "\n{} {c}", style.red("conflict:"));
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

pub fn summary(plan: &Plan, calls: &CallStats, seconds: f64, applied: bool) -> String {
    let (c, u, e) = (
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Exists),
    );
    let d = plan.count(Action::Delete);
    let verbs = if applied {
        ("created", "updated")
    } else {
        ("to create", "to update")
    };
    let deleted = if d > 0 {
        format!(", {d} {}", if applied { "deleted" } else { "to delete" })
    } else {
        String::new()
    };
    format!(
        "{c} {}, {u} {}{deleted}, {e} unchanged; {} API calls in {} rounds ({} mutating) in {seconds:.2}s",
        verbs.0,
        verbs.1,
        calls.total,
        calls.rounds,
        calls.mutating.len()
    )
}
