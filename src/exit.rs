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
    /// Every code, in the order `--help` and sshfleet(1) list them. A new
    /// variant must be added here: `meaning` will not compile without it,
    /// and the help test checks that every code listed here is described.
    pub(crate) const ALL: [ExitCode; 9] = [
        ExitCode::Success,
        ExitCode::Internal,
        ExitCode::HostFailed,
        ExitCode::LockHeld,
        ExitCode::Unreachable,
        ExitCode::BadInput,
        ExitCode::Interrupted,
        ExitCode::Terminated,
        ExitCode::HungUp,
    ];

    pub(crate) fn code(self) -> i32 {
        self as i32
    }

    /// What the code means, as `--help` and sshfleet(1) say it.
    pub(crate) fn meaning(self) -> &'static str {
        match self {
            ExitCode::Success => "every host ok or changed",
            ExitCode::Internal => "internal error (sshfleet or its environment)",
            ExitCode::HostFailed => "some host failed",
            ExitCode::LockHeld => "another run holds the lock: nothing was run",
            ExitCode::Unreachable => "none failed, some unreachable",
            ExitCode::BadInput => "bad invocation, inventory, playbook or report: nothing was run",
            ExitCode::Interrupted => "interrupted (Ctrl-C, SIGINT); the report is still written",
            ExitCode::Terminated => {
                "stopped by SIGTERM (systemd's stop, a timeout); the report is still written"
            }
            ExitCode::HungUp => {
                "stopped by SIGHUP (a closed terminal); the report is still written"
            }
        }
    }

    /// The "Exit codes:" section of `--help` and sshfleet(1).
    pub(crate) fn help_section() -> String {
        let mut text = String::from("Exit codes:\n");
        for code in ExitCode::ALL {
            text.push_str(&format!("  {:<4} {}\n", code.code(), code.meaning()));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_with_its_meaning() {
        let section = ExitCode::help_section();
        let mut codes: Vec<i32> = ExitCode::ALL.iter().map(|c| c.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ExitCode::ALL.len());
        for code in ExitCode::ALL {
            assert!(
                section.contains(&format!("  {:<4} {}", code.code(), code.meaning())),
                "{section}"
            );
        }
        assert!(section.contains("143  stopped by SIGTERM"), "{section}");
        assert!(section.contains("129  stopped by SIGHUP"), "{section}");
    }
}
