//! `sshfleet report show|merge|diff|html`: reports read back. An earlier report
//! is an operator's file: what it quotes of hosts is escaped again on its
//! way to the terminal.

use std::path::Path;

use crate::cli::{ReportCommand, ShowGroupBy};
use crate::console::progress::Lines;
use crate::error::Error;
use crate::exit::ExitCode;

/// `sshfleet report show|merge|diff|html`.
pub(super) fn execute(command: ReportCommand) -> Result<ExitCode, Error> {
    use crate::report::Report;
    match command {
        ReportCommand::Show {
            report,
            status,
            finding,
            group_by,
            host,
        } => {
            let loaded = Report::load(&report)?;
            if let Some(name) = host {
                let detail = loaded.host_detail(&name).ok_or_else(|| {
                    Error::Usage(format!("{} holds no host `{name}`", report.display()))
                })?;
                Lines::Stdout.print_lines(detail.trim_end());
                return Ok(ExitCode::Success);
            }
            Lines::Stdout.print_line(&heading(&report, &loaded));
            let filter = crate::report::by_finding::Filter {
                statuses: status,
                findings: finding,
            };
            let narrowed = !filter.statuses.is_empty() || !filter.findings.is_empty();
            let shown = loaded
                .filtered(&filter)
                .map_err(|e| Error::Usage(format!("{}: {e}", report.display())))?;
            if narrowed {
                say!(
                    "{} of {} hosts shown",
                    shown.hosts.len(),
                    loaded.hosts.len()
                );
            }
            let table = match group_by {
                Some(ShowGroupBy::Finding) => shown.tables_by_finding(),
                None => shown.table_with_reasons(),
            };
            Lines::Stdout.print_lines(&format!("\n{}", table.trim_end()));
            Ok(ExitCode::Success)
        }
        ReportCommand::Merge { reports, out } => {
            crate::support::outputs::check_file("--out", &out)?;
            let inputs: Vec<(&str, &Path)> =
                reports.iter().map(|p| ("report", p.as_path())).collect();
            crate::support::outputs::refuse_shared_files(&[("--out", &out)], &[], &inputs)?;
            let loaded = reports
                .into_iter()
                .map(|path| Report::load(&path).map(|r| (path, r)))
                .collect::<Result<Vec<_>, _>>()?;
            let merged = Report::merge(&loaded)?;
            crate::console::escaped::write(&merged, &out).map_err(|source| Error::WriteReport {
                path: out.clone(),
                source,
            })?;
            say!("{}", merged.table_with_reasons().trim_end());
            say!("report written to {}", out.display());
            Ok(merged.exit_code())
        }
        ReportCommand::Html { report, out } => {
            crate::support::outputs::check_file("--out", &out)?;
            crate::support::outputs::refuse_shared_files(
                &[("--out", &out)],
                &[],
                &[("report", &report)],
            )?;
            let loaded = Report::load(&report)?;
            crate::report::html::write(&loaded, Some(&report.display().to_string()), &out)
                .map_err(|source| Error::WriteHtml {
                    path: out.clone(),
                    source,
                })?;
            say!("HTML report written to {}", out.display());
            Ok(ExitCode::Success)
        }
        ReportCommand::Diff { old, new } => {
            let before = Report::load(&old)?;
            let after = Report::load(&new)?;
            for line in crate::report::diff(&before, &old, &after, &new)? {
                Lines::Stdout.print_line(&line);
            }
            Ok(ExitCode::Success)
        }
    }
}

/// `last.json report of playbook ... (inventory, started ..., sshfleet ...)`.
fn heading(path: &Path, loaded: &crate::report::Report) -> String {
    format!(
        "{} report of playbook {} ({}, started {}{}){}",
        path.display(),
        loaded.playbook,
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
    )
}
