//! The config file as a store: one writer per run that records changes as
//! they happen (the lock it runs under is in `lock.rs`).

use std::path::PathBuf;

use anyhow::Result;

use super::load::Loaded;
pub use super::lock::lock;
use super::writeback::{self, Update};
use crate::error::UserError;

/// Writes updates into the config as a run goes: lossless, atomic, one
/// `.bak` per run (of the file as it was before the run), line endings kept.
pub struct Writer {
    path: PathBuf,
    /// The text as last read or written, with `\n` line endings.
    text: String,
    value: serde_yaml::Value,
    crlf: bool,
    backed_up: bool,
    enabled: bool,
    /// Whether a write stamps `last_updated` (destroy removes it instead).
    pub stamp: bool,
    /// Every key changed in this run.
    pub changed: Vec<String>,
}

impl Writer {
    pub fn new(loaded: &Loaded, enabled: bool) -> Writer {
        if enabled {
            writeback::remove_stale_temp(&loaded.path);
        }
        let crlf = loaded.text.contains("\r\n");
        Writer {
            path: loaded.path.clone(),
            text: loaded.text.replace("\r\n", "\n"),
            value: loaded.value.clone(),
            crlf,
            backed_up: false,
            enabled,
            stamp: true,
            changed: vec![],
        }
    }

    /// Fails with a fixable error when the config could not be written, so
    /// that a command refuses before it changes anything in AWS.
    pub fn check_writable(&self) -> Result<()> {
        if !self.enabled {
            return Ok(());
        }
        writeback::check_writable(&self.path).map_err(|e| {
            UserError::new(format!(
                "cannot write the config file ({e}); it records what is created, so nothing was changed. Make {} and its directory writable, then run the command again",
                self.path.display()
            ))
            .into()
        })
    }

    /// Applies `removals` then `updates`; writes only when something
    /// changed, stamping `last_updated`. Returns the keys changed.
    pub fn write(&mut self, updates: &[Update], removals: &[Vec<String>]) -> Result<Vec<String>> {
        if !self.enabled {
            return Ok(vec![]);
        }
        let removed = writeback::remove(&self.text, &self.value, removals);
        let mut changed = removed.changed.clone();
        changed.extend(writeback::changed_keys(&removed.value, updates));
        if changed.is_empty() {
            return Ok(vec![]);
        }
        let mut stamped = updates.to_vec();
        if self.stamp {
            stamped.push(Update::new(
                &["last_updated"],
                humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            ));
        }
        let patched = writeback::patch(&removed.text, &removed.value, &stamped);
        if !patched.lossless || !removed.lossless {
            tracing::warn!(
                "{}: could not keep the file's formatting (it uses YAML features the editor does not patch); rewrote it in full. The previous file is in {}",
                self.path.display(),
                writeback::backup_path(&self.path).display()
            );
        }
        // Someone edited the file by hand while we ran: never clobber that.
        let now = std::fs::read_to_string(&self.path)
            .unwrap_or_default()
            .replace("\r\n", "\n");
        if now != self.text {
            anyhow::bail!(
                "{} changed while this command ran; not writing to it. Run the command again to record: {}",
                self.path.display(),
                changed.join(", ")
            );
        }
        let on_disk = if self.crlf {
            patched.text.replace('\n', "\r\n")
        } else {
            patched.text.clone()
        };
        writeback::write_atomic(&self.path, &on_disk, !self.backed_up)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", self.path.display()))?;
        self.backed_up = true;
        self.value = patched.value;
        self.text = patched.text;
        tracing::debug!("recorded {} in {}", changed.join(", "), self.path.display());
        self.changed.extend(changed.iter().cloned());
        Ok(changed)
    }
}
