//! `--metrics-file PATH`: a run's summary in the Prometheus text format, for
//! node_exporter's textfile collector (point `--collector.textfile.directory`
//! at the file's directory; the name must end in `.prom`). The file is
//! replaced atomically, as the collector may read it at any moment.
//!
//! `sshfleet_last_success_timestamp_seconds` is the end of the last run
//! that exited 0: a failed run keeps the value the file already had, so an
//! alert can fire on "no good run for a day".

use std::fmt::Write as _;
use std::path::Path;

use crate::exit::ExitCode;
use crate::report::{Report, Status};

const LAST_SUCCESS: &str = "sshfleet_last_success_timestamp_seconds";

/// Write the metrics of `report` (which exits with `code`) to `path`.
pub(crate) fn write(path: &Path, report: &Report, code: ExitCode) -> std::io::Result<()> {
    // The earlier file is only read for its last success: missing or
    // unreadable, there was none.
    // Only a regular file of bounded size is read: a FIFO planted there
    // would block the end of the run forever.
    let previous = crate::support::bounds::read_input(path).unwrap_or_default();
    let text = render(report, code, &previous);
    // Read by node_exporter, which runs as its own user: a summary of
    // counts, no host names.
    crate::support::outputs::write_atomic(path, text.as_bytes(), 0o644)
}

fn render(report: &Report, code: ExitCode, previous: &str) -> String {
    let playbook = escape(&report.playbook);
    let mut out = String::new();
    family(
        &mut out,
        "sshfleet_hosts",
        "Hosts of the last run by final status.",
    );
    for status in Status::ALL {
        let _ = writeln!(
            out,
            "sshfleet_hosts{{playbook=\"{playbook}\",status=\"{}\"}} {}",
            status.as_str(),
            report.summary.get(status)
        );
    }
    family(
        &mut out,
        "sshfleet_findings",
        "Hosts of the last run on which each finding was found.",
    );
    let mut findings = std::collections::BTreeMap::<&str, usize>::new();
    for host in &report.hosts {
        let ids: std::collections::BTreeSet<&str> =
            host.findings.iter().map(|f| f.id.as_str()).collect();
        for id in ids {
            *findings.entry(id).or_default() += 1;
        }
    }
    for (id, hosts) in findings {
        let _ = writeln!(
            out,
            "sshfleet_findings{{playbook=\"{playbook}\",finding=\"{}\"}} {hosts}",
            escape(id)
        );
    }
    family(
        &mut out,
        "sshfleet_run_duration_seconds",
        "How long the last run took.",
    );
    let _ = writeln!(
        out,
        "sshfleet_run_duration_seconds{{playbook=\"{playbook}\"}} {:.3}",
        report.duration().as_secs_f64()
    );
    family(
        &mut out,
        "sshfleet_run_exit_code",
        "The exit code of the last run (0 every host ok or changed).",
    );
    let _ = writeln!(
        out,
        "sshfleet_run_exit_code{{playbook=\"{playbook}\"}} {}",
        code.code()
    );
    family(
        &mut out,
        "sshfleet_last_run_timestamp_seconds",
        "When the last run finished (Unix time).",
    );
    let _ = writeln!(
        out,
        "sshfleet_last_run_timestamp_seconds{{playbook=\"{playbook}\"}} {}",
        report.finished_at.timestamp()
    );
    let last_success = if code == ExitCode::Success {
        Some(report.finished_at.timestamp().to_string())
    } else {
        previous
            .lines()
            .find(|l| l.starts_with(LAST_SUCCESS) && l.contains(&format!("\"{playbook}\"")))
            .and_then(|l| l.rsplit(' ').next())
            .map(str::to_string)
    };
    if let Some(at) = last_success {
        family(
            &mut out,
            LAST_SUCCESS,
            "When the last run that exited 0 finished (Unix time).",
        );
        let _ = writeln!(out, "{LAST_SUCCESS}{{playbook=\"{playbook}\"}} {at}");
    }
    out
}

fn family(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} gauge");
}

/// A label value as the text format wants it.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::report::HostOutcome;

    #[test]
    fn a_failed_run_keeps_the_last_success() {
        let ok = Report::new(
            "esa-ecupdate",
            false,
            chrono::Utc::now(),
            false,
            vec![HostOutcome::new("a", Status::Ok)],
        );
        let first = render(&ok, ExitCode::Success, "");
        let at = ok.finished_at.timestamp().to_string();
        assert!(first.contains(&format!("{LAST_SUCCESS}{{playbook=\"esa-ecupdate\"}} {at}")));
        let bad = Report::new(
            "esa-ecupdate",
            false,
            chrono::Utc::now(),
            false,
            vec![HostOutcome::new("a", Status::Failed)],
        );
        let second = render(&bad, ExitCode::HostFailed, &first);
        assert!(second.contains(&format!("{LAST_SUCCESS}{{playbook=\"esa-ecupdate\"}} {at}")));
        assert!(second.contains("sshfleet_hosts{playbook=\"esa-ecupdate\",status=\"failed\"} 1"));
        assert_eq!(escape("a\"b\\c"), "a\\\"b\\\\c");
    }
}
