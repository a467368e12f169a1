//! Every error that ends a command before, or instead of, per-host
//! results. Per-host failures are not errors here: they are statuses in
//! the report. Each variant maps to its exit code by `match`.

use std::path::PathBuf;

use crate::exit::ExitCode;
use crate::inventory::InventoryError;
use crate::plan::PlanError;
use crate::playbook::PlaybookError;
use crate::ssh::config::SshConfigError;
use crate::support::lock::LockError;
use crate::support::outputs::OutputError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error(transparent)]
    Inventory(#[from] InventoryError),
    #[error(transparent)]
    Playbook(#[from] PlaybookError),
    /// Anything the plan found before any host was touched.
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(transparent)]
    SshConfig(#[from] SshConfigError),
    #[error(transparent)]
    Lock(#[from] LockError),
    /// An output path (report, transcripts, lock, man pages) cannot be used.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An `SSHFLEET_*` environment variable set to a value sshfleet cannot use.
    #[error(transparent)]
    Env(#[from] crate::support::env::EnvError),
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
    #[error("cannot write HTML report {}: {source}", path.display())]
    WriteHtml {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write metrics file {}: {source}", path.display())]
    WriteMetrics {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
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
    /// `playbook test --expect`: the expectations cannot be used.
    #[cfg(feature = "sim")]
    #[error(transparent)]
    Expect(#[from] crate::report::expectations::ExpectError),
    /// A recording (`--replay`) cannot be read.
    #[error(transparent)]
    Recording(#[from] sshfleet_recording::RecordingError),
    /// `sshfleet demo` could not set up its lab.
    #[cfg(feature = "sim")]
    #[error("{}", describe(.0.as_ref()))]
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
            | Error::Plan(_)
            | Error::SshConfig(_)
            | Error::Output(_)
            | Error::Report(_)
            | Error::Usage(_)
            | Error::Env(_)
            | Error::VaultPassword(_)
            | Error::Recording(_) => ExitCode::BadInput,
            Error::Interrupted(_) => ExitCode::Interrupted,
            Error::Lock(LockError::Held { .. }) => ExitCode::LockHeld,
            Error::Lock(_) => ExitCode::BadInput,
            Error::WriteReport { .. }
            | Error::WriteHtml { .. }
            | Error::WriteMetrics { .. }
            | Error::WriteManPages { .. }
            | Error::Runtime(_)
            | Error::Io(_) => ExitCode::Internal,
            #[cfg(feature = "sim")]
            Error::Sim(e) if e.is_invalid_input() => ExitCode::BadInput,
            #[cfg(feature = "sim")]
            Error::Expect(_) => ExitCode::BadInput,
            #[cfg(feature = "sim")]
            Error::Sim(_) | Error::Demo(_) => ExitCode::Internal,
        }
    }
}

/// `error` and its causes in one line, each cause said once: some errors
/// name their cause in their own text (`cannot read report X: No such
/// file...`), others leave it to the chain (the simulator's `creating a
/// file in DIR`); a cause whose text is already there is not repeated.
pub(crate) fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = drop_temp_path(error.to_string());
    let mut cause = error.source();
    while let Some(e) = cause {
        let more = drop_temp_path(e.to_string());
        if !more.is_empty() && !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = e.source();
    }
    text
}

/// `text` without the ` at path "DIR/.tmpXXXX"` that tempfile appends to
/// an OS error: the operator never named that file.
fn drop_temp_path(mut text: String) -> String {
    // tempfile's default prefix, and sshfleet's own (support::outputs).
    const TEMP_PREFIXES: [&str; 2] = ["/.tmp", "/.sshfleet-"];
    if let Some(at) = text.find(" at path \"")
        && TEMP_PREFIXES.iter().any(|p| text[at..].contains(p))
    {
        text.truncate(at);
    }
    text
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot read report r.json: {source}")]
    struct Says {
        source: std::io::Error,
    }

    #[derive(Debug, thiserror::Error)]
    #[error("creating a file in /x")]
    struct Leaves {
        #[source]
        source: std::io::Error,
    }

    #[test]
    fn each_cause_is_said_once() {
        let gone = || std::io::Error::from_raw_os_error(2);
        let says = describe(&Says { source: gone() });
        assert_eq!(says.matches("os error 2").count(), 1, "{says}");
        let leaves = describe(&Leaves { source: gone() });
        assert!(leaves.starts_with("creating a file in /x: "), "{leaves}");
        assert_eq!(leaves.matches("os error 2").count(), 1, "{leaves}");
        let temp = describe(&Leaves {
            source: tempfile::NamedTempFile::new_in("/nonexistent-sshfleet-dir").unwrap_err(),
        });
        assert_eq!(
            temp,
            "creating a file in /x: No such file or directory (os error 2)"
        );
    }

    #[test]
    fn a_temporary_path_is_dropped() {
        let e = tempfile::NamedTempFile::new_in("/nonexistent-sshfleet-dir").unwrap_err();
        let e = crate::support::outputs::without_temp_path(e);
        assert_eq!(e.to_string(), "No such file or directory (os error 2)");
        assert_eq!(e.kind(), std::io::ErrorKind::NotFound);
    }
}
