//! The config file as a store: one lock per config, and one writer per run
//! that records changes as they happen.
//!
//! The lock (`.<config>.lock` beside the file's real path) is held for the
//! whole of a command that may write the config, and taken *before* the
//! file is read, so two commands on one config never interleave and the
//! second one reads what the first one wrote.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::Loaded;
use super::writeback::{self, Update};
use crate::error::UserError;

#[derive(Debug)]
pub struct Lock {
    _file: File,
}

pub fn lock_path(config: &Path) -> PathBuf {
    let real = writeback::real_path(config);
    let name = real
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    real.with_file_name(format!(".{name}.lock"))
}

/// Takes the config's lock, waiting (and saying so) while another
/// fargate-stack holds it. A config that does not exist needs no lock.
pub fn lock(config: &Path) -> Result<Option<Lock>> {
    if !config.exists() {
        return Ok(None);
    }
    let path = lock_path(config);
    let file = match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
    {
        Ok(f) => f,
        // A read-only directory: nothing can write the config there either,
        // which the writability check reports in its own words.
        Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => return Ok(None),
        Err(e) => {
            return Err(anyhow::anyhow!(
                "cannot open the lock file {}: {e}",
                path.display()
            ));
        }
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            eprintln!(
                "waiting for another fargate-stack command to finish with {} (lock {})",
                config.display(),
                path.display()
            );
            file.lock()?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(anyhow::anyhow!("cannot lock {}: {e}", path.display()));
        }
    }
    Ok(Some(Lock { _file: file }))
}

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
