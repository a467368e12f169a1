//! `sshfleet report show|merge|diff`: reports read back. An earlier report
//! is an operator's file: what it quotes of hosts is escaped again on its
//! way to the terminal.

use crate::cli::ReportCommand;
use crate::error::Error;
use crate::exit::ExitCode;

/// `sshfleet report show|merge|diff`.
pub(super) fn execute(command: ReportCommand) -> Result<ExitCode, Error> {
    use crate::report::Report;
    match command {
        ReportCommand::Show { report } => {
            let loaded = Report::load(&report)?;
            say!(
                "{} report of playbook {} ({}, started {}{}){}",
                report.display(),
                crate::support::sanitize::escape(&loaded.playbook),
                if loaded.inventory.is_empty() {
                    "inventory not recorded".to_string()
                } else {
                    loaded.inventory.join(", ")
                },
                loaded.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
                if loaded.sshfleet_version.is_empty() {
                    String::new()
                } else {
                    format!(", sshfleet {}", loaded.sshfleet_version)
                },
                if loaded.check_mode {
                    ", check mode"
                } else {
                    ""
                }
            );
            // An earlier report is an operator's file: what it quotes of
            // hosts is escaped again on its way to the terminal.
            let table = loaded.table_with_reasons();
            say!(
                "\n{}",
                crate::support::sanitize::escape_keeping_lines(table.trim_end())
            );
            Ok(ExitCode::Success)
        }
        ReportCommand::Merge { reports, out } => {
            let loaded = reports
                .into_iter()
                .map(|path| Report::load(&path).map(|r| (path, r)))
                .collect::<Result<Vec<_>, _>>()?;
            let merged = Report::merge(&loaded)?;
            merged
                .write_atomic(&out)
                .map_err(|source| Error::WriteReport {
                    path: out.clone(),
                    source,
                })?;
            say!("{}", merged.table_with_reasons().trim_end());
            say!("report written to {}", out.display());
            Ok(merged.exit_code())
        }
        ReportCommand::Diff { old, new } => {
            let before = Report::load(&old)?;
            let after = Report::load(&new)?;
            for line in crate::report::diff(&before, &old, &after, &new)? {
                say!("{}", crate::support::sanitize::escape(&line));
            }
            Ok(ExitCode::Success)
        }
    }
}
