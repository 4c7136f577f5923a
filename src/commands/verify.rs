//! `verify`: placeholder replaced below.
use anyhow::Result;

use super::Settings;

pub async fn run(_settings: &Settings) -> Result<u8> {
    anyhow::bail!("not yet")
}
