//! Retrying what failed across runs: `--retry-failed REPORT.json` picks
//! the hosts an earlier run left `failed` or `unreachable`, and those it
//! never ran (`skipped`), so the morning after a cron run an operator
//! re-runs only those. (Within a run, connections are retried with
//! backoff: `crate::fleet::backoff`.)

use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::report::Status;

/// Connection retries after the first attempt, unless `--connect-retries`
/// (see `crate::fleet::backoff` for the waits between them).
pub(crate) const DEFAULT_CONNECT_RETRIES: u32 = 2;

/// An earlier report could not be used to choose hosts.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RetryReportError {
    #[error(transparent)]
    Report(#[from] crate::report::ReportError),
    #[error(
        "{} is a report of playbook `{found}`, not `{wanted}`; retry with the playbook that produced it",
        path.display()
    )]
    OtherPlaybook {
        path: PathBuf,
        found: String,
        wanted: String,
    },
}

/// The parts of a report (see [`crate::report::Report`]) a retry needs.
#[derive(Debug, Deserialize)]
struct PastReport {
    playbook: String,
    hosts: Vec<PastHost>,
}

#[derive(Debug, Deserialize)]
struct PastHost {
    name: String,
    status: Status,
}

/// The hosts of an earlier report to run again.
#[derive(Debug, Default)]
pub(crate) struct ToRetry {
    /// Ended `failed` or `unreachable`.
    pub failed: BTreeSet<String>,
    /// Ended `skipped`: never run (a stopped rollout, an interruption).
    pub not_run: BTreeSet<String>,
}

impl ToRetry {
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.failed.contains(name) || self.not_run.contains(name)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &String> {
        self.failed.iter().chain(&self.not_run)
    }
}

/// The hosts that ended `failed` or `unreachable` in the report at `path`,
/// written by a run of `playbook`, and those it never ran (`skipped`).
pub(crate) fn hosts_to_retry(path: &Path, playbook: &str) -> Result<ToRetry, RetryReportError> {
    let report: PastReport = crate::report::read_json(path)?;
    if report.playbook != playbook {
        return Err(RetryReportError::OtherPlaybook {
            path: path.to_path_buf(),
            found: report.playbook,
            wanted: playbook.to_string(),
        });
    }
    // One entry per host, as `Report::load` requires.
    let mut seen = std::collections::HashSet::new();
    if let Some(host) = report.hosts.iter().find(|h| !seen.insert(h.name.as_str())) {
        return Err(crate::report::ReportError::HostListedTwice {
            path: path.to_path_buf(),
            host: host.name.clone(),
        }
        .into());
    }
    let mut retry = ToRetry::default();
    for host in report.hosts {
        match host.status {
            Status::Failed | Status::Unreachable => retry.failed.insert(host.name),
            Status::Skipped => retry.not_run.insert(host.name),
            Status::Ok | Status::Changed => false,
        };
    }
    Ok(retry)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::report::{HostOutcome, Report};

    #[test]
    fn picks_exactly_failed_and_unreachable_hosts_from_a_written_report() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("last.json");
        let hosts = [
            ("a", Status::Ok),
            ("b", Status::Failed),
            ("c", Status::Changed),
            ("d", Status::Unreachable),
            ("e", Status::Skipped),
        ]
        .iter()
        .map(|(n, s)| HostOutcome::new(n, *s))
        .collect();
        Report::new("esa-ecupdate", false, chrono::Utc::now(), false, hosts)
            .write_atomic(&path)
            .unwrap();
        let picked = hosts_to_retry(&path, "esa-ecupdate").unwrap();
        assert_eq!(picked.failed.into_iter().collect::<Vec<_>>(), ["b", "d"]);
        assert_eq!(picked.not_run.into_iter().collect::<Vec<_>>(), ["e"]);

        let err = hosts_to_retry(&path, "secure-endpoint-tetra").unwrap_err();
        assert!(
            matches!(err, RetryReportError::OtherPlaybook { .. }),
            "{err}"
        );
    }

    #[test]
    fn a_broken_report_names_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.json");
        std::fs::write(
            &path,
            "{\"playbook\": \"esa-ecupdate\",\n \"hosts\": [\n  {\"name\": ",
        )
        .unwrap();
        let err = hosts_to_retry(&path, "esa-ecupdate")
            .unwrap_err()
            .to_string();
        assert!(err.contains("cut.json") && err.contains("line 3"), "{err}");
        let err = hosts_to_retry(&dir.path().join("none.json"), "x")
            .unwrap_err()
            .to_string();
        assert!(err.contains("none.json"), "{err}");
    }
}
