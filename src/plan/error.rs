//! Everything a plan can find wrong before any host is touched: each is a
//! mistake the operator corrects (exit 5), named with its file.

use std::path::PathBuf;

use super::retry::RetryReportError;
use super::target::TargetError;
use crate::inventory::InventoryError;
use crate::playbook::PlaybookError;
use crate::ssh::config::SshConfigError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum PlanError {
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Playbook(#[from] PlaybookError),
    #[error(transparent)]
    RetryReport(#[from] RetryReportError),
    #[error(transparent)]
    SshConfig(#[from] SshConfigError),
    /// A host's connection variables cannot be used.
    #[error("{}: {source}", inventory.display())]
    Target {
        inventory: PathBuf,
        source: TargetError,
    },
    /// A host's playbook variables (inventory or `-e`) do not fit their type.
    /// `at` is the file (and line) that set the variable: the inventory
    /// source that holds it, not the first `-i`.
    #[error("{at}: {message}")]
    HostVars { at: String, message: String },
    /// A run setting that clap cannot check (`--forks 0`, `-e
    /// ansible_connection=winrm`).
    #[error("{0}")]
    Usage(String),
    /// Password variables the inventory names that are not set: every
    /// host using one would end unreachable (super::password_env).
    #[error("{0}")]
    PasswordEnvUnset(String),
    /// Selected hosts whose connection is not an SSH one, all of them
    /// (super::not_ssh).
    #[error("{0}")]
    NotSsh(String),
    /// A run over part of the inventory whose playbook computes a fleet
    /// value no given variable overrides (super::partial).
    #[error("{0}")]
    PartialFleet(String),
    /// `--record` on a host whose name a recording cannot carry: `playbook
    /// test` would refuse the file (sshfleet_recording::is_host_name).
    #[error(
        "{}: --record: host `{host}` cannot be recorded: a recording's host is a host name ({}), which a replay serves it under; rename the host or run without --record",
        inventory.display(),
        sshfleet_recording::HOST_NAME_GRAMMAR
    )]
    NotRecordable { inventory: PathBuf, host: String },
}
