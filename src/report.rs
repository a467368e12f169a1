//! What a run leaves behind: one line per host as it finishes, a summary
//! table, the JSON report of the README (written atomically, so a cron job
//! never reads half a file) and the exit code.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::exit::ExitCode;
use crate::finding::FoundFault;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Changed,
    Failed,
    Unreachable,
    Skipped,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Changed => "changed",
            Status::Failed => "failed",
            Status::Unreachable => "unreachable",
            Status::Skipped => "skipped",
        }
    }
}

/// The result of one host, exactly once per selected host.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct HostOutcome {
    pub name: String,
    pub status: Status,
    pub duration_ms: u64,
    pub facts: BTreeMap<String, String>,
    pub findings: Vec<FoundFault>,
    pub actions: Vec<String>,
    pub error: Option<String>,
    /// What the operator must know though the status holds (the prompt
    /// naming another appliance, log lines stamped in the future).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

impl HostOutcome {
    pub(crate) fn new(name: &str, status: Status) -> HostOutcome {
        HostOutcome {
            name: name.to_string(),
            status,
            duration_ms: 0,
            facts: BTreeMap::new(),
            findings: Vec::new(),
            actions: Vec::new(),
            error: None,
            warnings: Vec::new(),
        }
    }

    /// One line for a terminal or a log.
    pub(crate) fn line(&self) -> String {
        let mut line = format!("{:<11} {}", self.status.as_str(), self.name);
        if !self.findings.is_empty() {
            let ids: Vec<&str> = self.findings.iter().map(|f| f.id.as_str()).collect();
            let _ = write!(line, "  found: {}", ids.join(", "));
        }
        if !self.actions.is_empty() {
            let _ = write!(line, "  did: {}", self.actions.join(", "));
        }
        let _ = write!(line, "  ({:.1}s)", self.duration_ms as f64 / 1000.0);
        if let Some(error) = &self.error {
            let _ = write!(line, "\n            {error}");
        }
        for warning in &self.warnings {
            let _ = write!(line, "\n            warning: {warning}");
        }
        line
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Summary {
    pub ok: usize,
    pub changed: usize,
    pub failed: usize,
    pub unreachable: usize,
    pub skipped: usize,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    pub playbook: String,
    pub check_mode: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub interrupted: bool,
    pub summary: Summary,
    pub hosts: Vec<HostOutcome>,
}

impl Report {
    pub(crate) fn new(
        playbook: &str,
        check_mode: bool,
        started_at: DateTime<Utc>,
        interrupted: bool,
        hosts: Vec<HostOutcome>,
    ) -> Report {
        let mut summary = Summary::default();
        for host in &hosts {
            match host.status {
                Status::Ok => summary.ok += 1,
                Status::Changed => summary.changed += 1,
                Status::Failed => summary.failed += 1,
                Status::Unreachable => summary.unreachable += 1,
                Status::Skipped => summary.skipped += 1,
            }
        }
        Report {
            playbook: playbook.to_string(),
            check_mode,
            started_at,
            finished_at: Utc::now(),
            interrupted,
            summary,
            hosts,
        }
    }

    pub(crate) fn exit_code(&self) -> ExitCode {
        if self.interrupted {
            ExitCode::Interrupted
        } else if self.summary.failed > 0 {
            ExitCode::HostFailed
        } else if self.summary.unreachable > 0 {
            ExitCode::Unreachable
        } else {
            ExitCode::Success
        }
    }

    /// Write the JSON report: temporary file in the same directory, then
    /// rename, so readers see the old report or the new one, never half.
    pub(crate) fn write_atomic(&self, path: &Path) -> std::io::Result<()> {
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let mut file = tempfile::NamedTempFile::new_in(&dir)?;
        serde_json::to_writer_pretty(&mut file, self)?;
        file.write_all(b"\n")?;
        file.as_file().sync_all()?;
        file.persist(path).map_err(|e| e.error)?;
        Ok(())
    }

    /// The summary table printed at the end of a run.
    pub(crate) fn table(&self) -> String {
        let rows: Vec<[String; 5]> = self
            .hosts
            .iter()
            .map(|h| {
                let found: Vec<&str> = h.findings.iter().map(|f| f.id.as_str()).collect();
                [
                    h.name.clone(),
                    h.status.as_str().to_string(),
                    format!("{:.1}s", h.duration_ms as f64 / 1000.0),
                    dash_if_empty(found.join(",")),
                    dash_if_empty(h.actions.join(", ")),
                ]
            })
            .collect();
        let header = ["HOST", "STATUS", "TIME", "FOUND", "DONE"].map(String::from);
        let mut widths = header.clone().map(|h| h.len());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&rows) {
            let _ = writeln!(
                out,
                "{:<w0$}  {:<w1$}  {:>w2$}  {:<w3$}  {}",
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3],
            );
        }
        let s = &self.summary;
        let _ = writeln!(
            out,
            "\n{} hosts: {} ok, {} changed, {} failed, {} unreachable, {} skipped{}",
            self.hosts.len(),
            s.ok,
            s.changed,
            s.failed,
            s.unreachable,
            s.skipped,
            if self.check_mode {
                " (check mode: nothing was changed)"
            } else {
                ""
            }
        );
        out
    }
}

fn dash_if_empty(s: String) -> String {
    if s.is_empty() { "-".to_string() } else { s }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn report(statuses: &[Status], interrupted: bool) -> Report {
        let hosts = statuses
            .iter()
            .enumerate()
            .map(|(i, s)| HostOutcome::new(&format!("esa{i:02}"), *s))
            .collect();
        Report::new("esa-ecupdate", false, Utc::now(), interrupted, hosts)
    }

    #[test]
    fn exit_codes_follow_the_contract() {
        assert_eq!(
            report(&[Status::Ok, Status::Changed], false).exit_code(),
            ExitCode::Success
        );
        assert_eq!(
            report(&[Status::Ok, Status::Unreachable, Status::Failed], false).exit_code(),
            ExitCode::HostFailed
        );
        assert_eq!(
            report(&[Status::Ok, Status::Unreachable], false).exit_code(),
            ExitCode::Unreachable
        );
        assert_eq!(
            report(&[Status::Ok], true).exit_code(),
            ExitCode::Interrupted
        );
    }

    #[test]
    fn written_report_is_complete_json() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        let r = report(&[Status::Ok, Status::Failed], false);
        r.write_atomic(&path).unwrap();
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(v["summary"]["failed"], 1);
        assert_eq!(v["hosts"][1]["status"], "failed");
        assert!(v["hosts"][0]["error"].is_null());
        // Only the report itself is left: the temporary file was renamed.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
