//! `sshfleet demo`: a simulated fleet on loopback and a real run against it.
use std::path::PathBuf;

use crate::exit::ExitCode;

pub async fn run(_report: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    anyhow::bail!("demo: not yet")
}
