//! Exit codes: the contract cron jobs and wrappers branch on (README,
//! "Statuses, report and exit codes").

/// What the process tells its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExitCode {
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
    /// Interrupted (SIGINT, Ctrl-C).
    Interrupted = 130,
    /// Stopped by SIGTERM (systemd's stop), cleanly, report written.
    Terminated = 143,
    /// Stopped by SIGHUP (a closed terminal), cleanly, report written.
    HungUp = 129,
}

impl ExitCode {
    pub(crate) fn code(self) -> i32 {
        self as i32
    }
}
