//! Errors the user can fix by changing their input (config, arguments).
//! They exit with code 2; everything else (AWS refused, network) exits 1.
//! A leaf: every layer reports through these, and this module uses none.

mod config;

pub use config::ConfigError;

#[derive(Debug)]
pub struct UserError(pub String);

impl UserError {
    pub fn new(msg: impl Into<String>) -> Self {
        UserError(msg.into())
    }
}

impl std::fmt::Display for UserError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

/// Ctrl-C: the command stopped at the user's request (exit 130).
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("interrupted; nothing was changed")
    }
}

impl std::error::Error for Interrupted {}

/// Exit code for an error: 130 when interrupted, 2 for bad input, 1 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err
        .chain()
        .any(|e| e.downcast_ref::<Interrupted>().is_some())
    {
        return 130;
    }
    let user = err.chain().any(|e| {
        e.downcast_ref::<UserError>().is_some() || e.downcast_ref::<ConfigError>().is_some()
    });
    if user { 2 } else { 1 }
}
