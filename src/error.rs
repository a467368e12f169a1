//! Every error that ends a command before, or instead of, per-host
//! results. Per-host failures are not errors here: they are statuses in
//! the report. Each variant maps to its exit code by `match`.

use std::path::PathBuf;

use crate::exit::ExitCode;
use crate::inventory::InventoryError;
use crate::lock::LockError;
use crate::outputs::OutputError;
use crate::playbook::PlaybookError;
use crate::retry::RetryReportError;
use crate::ssh_config::SshConfigError;
use crate::target::TargetError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
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
    #[error("{}: {message}", inventory.display())]
    HostVars { inventory: PathBuf, message: String },
    #[error(transparent)]
    Lock(#[from] LockError),
    /// An output path (report, transcripts, lock, man pages) cannot be used.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A bad invocation that clap cannot see (`--forks 0`, a scenario name).
    #[error("{0}")]
    Usage(String),
    /// No usable vault password (unreadable file, no terminal to ask on).
    #[error("{0}")]
    VaultPassword(String),
    /// Ctrl-C at a password prompt, before anything ran.
    #[error("interrupted at the {0} prompt")]
    Interrupted(&'static str),
    #[error("cannot write report {}: {source}", path.display())]
    WriteReport {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write manual pages into {}: {source}", dir.display())]
    WriteManPages {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The simulator (`sshfleet sim`) could not serve.
    #[cfg(feature = "sim")]
    #[error(transparent)]
    Sim(#[from] sshfleet_sim::SimError),
    /// `sshfleet demo` could not set up its lab.
    #[cfg(feature = "sim")]
    #[error("{0:#}")]
    Demo(anyhow::Error),
}

impl Error {
    /// What the process exits with: 5 for anything the user can correct
    /// before any host is touched, 3 for a lock held by another run, 1 for
    /// failures of sshfleet or its environment.
    pub(crate) fn exit_code(&self) -> ExitCode {
        match self {
            Error::Inventory(_)
            | Error::Playbook(_)
            | Error::RetryReport(_)
            | Error::SshConfig(_)
            | Error::Target { .. }
            | Error::HostVars { .. }
            | Error::Output(_)
            | Error::Usage(_)
            | Error::VaultPassword(_) => ExitCode::BadInput,
            Error::Interrupted(_) => ExitCode::Interrupted,
            Error::Lock(LockError::Held { .. }) => ExitCode::LockHeld,
            Error::Lock(_) => ExitCode::BadInput,
            Error::WriteReport { .. }
            | Error::WriteManPages { .. }
            | Error::Runtime(_)
            | Error::Io(_) => ExitCode::Internal,
            #[cfg(feature = "sim")]
            Error::Sim(e) if e.is_invalid_input() => ExitCode::BadInput,
            #[cfg(feature = "sim")]
            Error::Sim(_) | Error::Demo(_) => ExitCode::Internal,
        }
    }
}
