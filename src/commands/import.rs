//! `import`: a config from what a user runs today. From an AWS Copilot
//! workspace (`--from-copilot`), converted without an AWS call.

use anyhow::Result;
use serde_yaml::Value;

use crate::cli::{Global, ImportArgs};
use crate::config::copilot;
use crate::config::writeback::write_atomic;
use crate::settings::{Settings, say};

pub fn run(settings: &Settings, global: &Global, args: &ImportArgs) -> Result<u8> {
    let converted = copilot::convert(&args.from_copilot, args.env.as_deref())?;
    let path = super::create_stack::new_config_path(settings, global, &converted.app)?;
    let mut header = format!(
        "# fargate-stack config for `{}`, written by `fargate-stack import --from-copilot {}{}`.\n",
        converted.app,
        args.from_copilot.display(),
        args.env
            .as_deref()
            .map(|e| format!(" --env {e}"))
            .unwrap_or_default()
    );
    if !converted.notes.is_empty() {
        header.push_str("#\n# Not converted (no equivalent here; see docs/migrating.md):\n");
        for n in &converted.notes {
            header.push_str(&format!("#   {n}\n"));
        }
        header.push_str("#\n");
    }
    let text = header + &serde_yaml::to_string(&Value::Mapping(converted.config))?;
    for n in &converted.notes {
        settings.out.note(n.clone());
    }
    if !settings.update {
        settings.out.document(&text);
        return Ok(0);
    }
    write_atomic(&path, &text, true)?;
    say!(
        settings,
        "wrote {} ({} not converted); next: fargate-stack plan -c {}",
        path.display(),
        converted.notes.len(),
        path.display()
    );
    Ok(0)
}
