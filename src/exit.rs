//! Exit codes of the README ("Statuses, report and exit codes"), the contract
//! cron jobs and wrappers branch on.

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every host ok or changed.
    Success = 0,
    /// A bug or an environment failure inside sshfleet.
    Internal = 1,
    /// Some host failed.
    HostFailed = 2,
    /// Another run holds the lock (`--lock`): this run touched no host.
    LockHeld = 3,
    /// None failed, some unreachable.
    Unreachable = 4,
    /// Bad invocation, inventory or playbook: nothing was run.
    BadInput = 5,
    /// Interrupted (SIGINT).
    Interrupted = 130,
}

impl ExitCode {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// What an error that ended the run before any host was touched means for
/// the caller: another run holds the lock (3), a bad invocation, inventory,
/// playbook or lock path (5), or anything else (1).
pub fn code_of_error(e: &anyhow::Error) -> ExitCode {
    if e.downcast_ref::<InputError>().is_some() {
        ExitCode::BadInput
    } else if let Some(lock) = e.downcast_ref::<crate::lock::LockError>() {
        match lock {
            crate::lock::LockError::Held { .. } => ExitCode::LockHeld,
            _ => ExitCode::BadInput,
        }
    } else {
        ExitCode::Internal
    }
}

/// Errors a user causes before any host is touched. All exit 5.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
    #[error(transparent)]
    Playbook(#[from] crate::playbook::PlaybookError),
    #[error(transparent)]
    RetryReport(#[from] crate::retry::RetryReportError),
    #[error("{0}")]
    Invalid(String),
}
