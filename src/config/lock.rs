//! One lock per config. It is held for the whole of a command that may
//! write the config, and taken *before* the file is read, so two commands
//! on one config never interleave and the second one reads what the first
//! one wrote.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::Result;

use super::writeback;

#[derive(Debug)]
pub struct Lock {
    _file: File,
}

/// `.fargatestack/<config>.lock` in the config's real directory: the lock
/// outlives the run (deleting a lock file races with the next taker), so it
/// lives in the tool's own directory, not beside the user's files.
pub fn lock_path(config: &Path) -> PathBuf {
    let real = writeback::real_path(config);
    let name = real
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string();
    real.with_file_name(".fargatestack")
        .join(format!("{name}.lock"))
}

/// Takes the config's lock, waiting (and saying so) while another
/// fargate-stack holds it. A config that does not exist needs no lock.
pub fn lock(config: &Path) -> Result<Option<Lock>> {
    if !config.exists() {
        return Ok(None);
    }
    let path = lock_path(config);
    if let Some(dir) = path.parent()
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        // A read-only directory: nothing can write the config there either,
        // which the writability check reports in its own words.
        if e.kind() == std::io::ErrorKind::PermissionDenied {
            return Ok(None);
        }
        return Err(anyhow::anyhow!("cannot create {}: {e}", dir.display()));
    }
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
            crate::output::note(format!(
                "waiting for another fargate-stack command to finish with {} (lock {})",
                config.display(),
                path.display()
            ));
            file.lock()?;
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(anyhow::anyhow!("cannot lock {}: {e}", path.display()));
        }
    }
    Ok(Some(Lock { _file: file }))
}
