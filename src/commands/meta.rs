//! Commands about the tool itself: `version`, `completions`, `man`, `schema`.
//! All of them are generated from the definitions the tool runs on (clap's
//! for the first three, the config model for the schema), so they cannot
//! drift from what the binary accepts.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::Cli;
use crate::settings::Settings;

pub fn version(settings: &Settings) -> Result<u8> {
    settings.out.show(
        |_| format!("fargate-stack {}", crate::cli::VERSION),
        || {
            serde_json::json!({
                "name": "fargate-stack",
                "version": env!("CARGO_PKG_VERSION"),
                "commit": env!("FARGATE_STACK_COMMIT"),
            })
        },
    );
    Ok(0)
}

pub fn completions(settings: &Settings, shell: clap_complete::Shell) -> Result<u8> {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fargate-stack", &mut out);
    settings.out.document(&String::from_utf8_lossy(&out));
    Ok(0)
}

pub fn man(settings: &Settings) -> Result<u8> {
    let cmd = Cli::command();
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    // One page: the subcommands follow the main page as sections, so that
    // `man fargate-stack` documents every command and its options.
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("fargate-stack {}", sub.get_name());
        let man = clap_mangen::Man::new(sub.clone().bin_name(name.clone()));
        out.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        man.render_synopsis_section(&mut out)?;
        man.render_description_section(&mut out)?;
        man.render_options_section(&mut out)?;
        man.render_extra_section(&mut out)?;
    }
    settings.out.document(&String::from_utf8_lossy(&out));
    Ok(0)
}

/// The config's JSON Schema, from the same types the loader reads.
pub fn schema_json() -> serde_json::Value {
    let mut schema = schemars::schema_for!(crate::config::Config);
    schema.insert(
        "title".into(),
        "fargate-stack config (App::FargateStack compatible)".into(),
    );
    let mut value = schema.to_value();
    constrain(&mut value);
    value
}

/// Rules the loader checks that a schema can say too, taken from the same
/// constants the loader uses, so editors flag them as they are typed.
fn constrain(schema: &mut serde_json::Value) {
    use serde_json::json;
    let defs = &mut schema["$defs"];
    fn property<'a>(
        defs: &'a mut serde_json::Value,
        def: &str,
        key: &str,
    ) -> Option<&'a mut serde_json::Map<String, serde_json::Value>> {
        defs.get_mut(def)?
            .get_mut("properties")?
            .get_mut(key)?
            .as_object_mut()
    }
    let sizes: Vec<&str> = crate::config::sizes::PRESETS.iter().map(|p| p.0).collect();
    if let Some(p) = property(defs, "Task", "size") {
        p.insert("enum".into(), json!(sizes));
        p.remove("type");
    }
    if let Some(p) = property(defs, "LogGroup", "retention_days") {
        p.insert("enum".into(), json!(crate::config::spec::RETENTION_DAYS));
        p.remove("type");
    }
    if let Some(p) = property(defs, "Task", "image") {
        // Lowercase repository, an optional tag, an optional sha256 digest.
        p.insert(
            "pattern".into(),
            json!(r"^([^/\s]+/)*[a-z0-9._/-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$"),
        );
    }
    if let Some(p) = property(defs, "Task", "schedule") {
        // EventBridge's six-field cron, or rate().
        p.insert(
            "pattern".into(),
            json!(r"^(cron\(\S+( \S+){5}\)|rate\(.+\))$"),
        );
    }
    if let Some(p) = property(defs, "App", "name") {
        p.insert("pattern".into(), json!("^[a-z0-9_-]+$"));
    }
    if let Some(p) = schema
        .get_mut("properties")
        .and_then(|p| p.get_mut("account"))
        .and_then(|p| p.as_object_mut())
    {
        p.insert("pattern".into(), json!("^[0-9]{12}$"));
    }
}

pub fn schema(settings: &Settings) -> Result<u8> {
    settings
        .out
        .document(&serde_json::to_string_pretty(&schema_json())?);
    Ok(0)
}
