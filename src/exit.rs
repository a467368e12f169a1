//! Exit codes of DESIGN.md, the contract cron jobs and wrappers branch on.

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Every host ok or changed.
    Success = 0,
    /// A bug or an environment failure inside sshfleet.
    Internal = 1,
    /// Some host failed.
    HostFailed = 2,
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

/// Errors a user causes before any host is touched. All exit 5.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error(transparent)]
    Inventory(#[from] crate::inventory::InventoryError),
    #[error(transparent)]
    Playbook(#[from] crate::playbook::PlaybookError),
    #[error("{0}")]
    Invalid(String),
}
