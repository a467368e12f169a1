//! What a run leaves behind: one line per host as it finishes, a summary
//! table, the JSON report of the README (written atomically, so a cron job
//! never reads half a file) and the exit code. A report read back
//! (`sshfleet report show`, `report diff`) is the same type.
//!
//! The report's shape is published as a JSON Schema in
//! `docs/report.schema.json`; the tests validate written reports against it.

pub(crate) mod by_finding;
#[cfg(feature = "sim")]
pub(crate) mod expectations;
pub(crate) mod finding;
pub(crate) mod html;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::exit::ExitCode;
use crate::report::finding::{Confirmation, FoundFault};
use crate::support::secrets::{MASK as MASKED, is_secret_name};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    Ok,
    Changed,
    Failed,
    Unreachable,
    Skipped,
}

impl Status {
    pub(crate) const ALL: [Status; 5] = [
        Status::Ok,
        Status::Changed,
        Status::Failed,
        Status::Unreachable,
        Status::Skipped,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Changed => "changed",
            Status::Failed => "failed",
            Status::Unreachable => "unreachable",
            Status::Skipped => "skipped",
        }
    }

    /// A status whose host needs someone's attention, with a reason.
    pub(crate) fn is_bad(self) -> bool {
        matches!(self, Status::Failed | Status::Unreachable)
    }
}

/// The result of one host, exactly once per selected host.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HostOutcome {
    pub name: String,
    pub status: Status,
    pub duration_ms: u64,
    /// The playbook's `facts:`, typed as captured (`true`, `90600`, text).
    #[serde(default)]
    pub facts: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub findings: Vec<FoundFault>,
    #[serde(default)]
    pub actions: Vec<String>,
    /// What the host said that proved a change (for `changed` hosts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub confirmations: Vec<Confirmation>,
    #[serde(default)]
    pub error: Option<String>,
    /// What the operator must know though the status holds (the prompt
    /// naming another appliance, log lines stamped in the future).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The steps the host ran, in order, on the run's time axis (the
    /// connection and login first): the HTML report's timeline.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<StepRun>,
}

/// One step a host ran: when it started, counted from the run's start
/// (`started_at`), and how long it took.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StepRun {
    /// The playbook step's name, or `connect` for the connection and login.
    pub name: String,
    pub start_ms: u64,
    pub duration_ms: u64,
    pub result: StepResult,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum StepResult {
    Ok,
    Failed,
    Interrupted,
}

impl StepResult {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            StepResult::Ok => "ok",
            StepResult::Failed => "failed",
            StepResult::Interrupted => "interrupted",
        }
    }
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
            confirmations: Vec::new(),
            error: None,
            warnings: Vec::new(),
            steps: Vec::new(),
        }
    }

    /// One line for a terminal or a log.
    pub(crate) fn line(&self) -> String {
        let mut line = format!("{:<11} {}", self.status.as_str(), self.name);
        if !self.findings.is_empty() {
            let _ = write!(line, "  found: {}", self.finding_ids().join(", "));
        }
        if !self.actions.is_empty() {
            let _ = write!(line, "  did: {}", self.actions.join(", "));
        }
        let _ = write!(line, "  ({})", seconds(self.duration_ms));
        if let Some(error) = &self.error {
            let _ = write!(line, "\n            {error}");
        }
        for warning in &self.warnings {
            let _ = write!(line, "\n            warning: {warning}");
        }
        line
    }

    fn finding_ids(&self) -> Vec<&str> {
        self.findings.iter().map(|f| f.id.as_str()).collect()
    }
}

/// Tenths of a second, cut, never rounded up: a host that took 1.96 s is
/// not reported as taking 2.0 s.
pub(crate) fn seconds(ms: u64) -> String {
    format!("{}.{}s", ms / 1000, (ms % 1000) / 100)
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Summary {
    pub ok: usize,
    pub changed: usize,
    pub failed: usize,
    pub unreachable: usize,
    pub skipped: usize,
}

impl Summary {
    pub(crate) fn get(&self, status: Status) -> usize {
        match status {
            Status::Ok => self.ok,
            Status::Changed => self.changed,
            Status::Failed => self.failed,
            Status::Unreachable => self.unreachable,
            Status::Skipped => self.skipped,
        }
    }
}

/// What the run was asked to do, recorded with its results.
#[derive(Debug, Clone, Default)]
pub(crate) struct RunInputs {
    pub inventories: Vec<PathBuf>,
    /// `--limit` as given.
    pub limit: Option<String>,
    /// `-e KEY=VALUE` as given; secrets are masked when recorded.
    pub extra_vars: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Report {
    /// The sshfleet that wrote the report.
    #[serde(default)]
    pub sshfleet_version: String,
    pub playbook: String,
    /// The inventory file(s) the hosts came from.
    #[serde(default)]
    pub inventory: Vec<String>,
    /// `--limit` as given; absent when every host of the inventory was selected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// `-e` values, secrets (a name with pass, secret, token or key) masked.
    #[serde(default)]
    pub extra_vars: BTreeMap<String, String>,
    pub check_mode: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub interrupted: bool,
    pub summary: Summary,
    pub hosts: Vec<HostOutcome>,
}

/// A report could not be read back.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    #[error("cannot read report {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{}: not an sshfleet JSON report: {error}", path.display())]
    Malformed {
        path: PathBuf,
        error: serde_json::Error,
    },
    #[error(
        "{} and {} are reports of different playbooks (`{old}` and `{new}`); compare runs of one playbook",
        old_path.display(), new_path.display()
    )]
    OtherPlaybooks {
        old_path: PathBuf,
        new_path: PathBuf,
        old: String,
        new: String,
    },
    #[error(
        "{} holds host {host} that {} holds too: the shards overlap (same K/N given twice?), so the reports cannot be merged",
        path.display(), earlier.display()
    )]
    HostTwice {
        path: PathBuf,
        earlier: PathBuf,
        host: String,
    },
    #[error("{}: host {host} is listed twice; a run lists each host once (an edited report?)", path.display())]
    HostListedTwice { path: PathBuf, host: String },
    #[error("{}: {what} differs from {}'s; merge reports of one run only", path.display(), first.display())]
    OtherRun {
        path: PathBuf,
        first: PathBuf,
        what: &'static str,
    },
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
            sshfleet_version: env!("CARGO_PKG_VERSION").to_string(),
            playbook: playbook.to_string(),
            inventory: Vec::new(),
            limit: None,
            extra_vars: BTreeMap::new(),
            check_mode,
            started_at,
            finished_at: Utc::now(),
            interrupted,
            summary,
            hosts,
        }
    }

    /// Record what the run was asked to do, secrets masked.
    pub(crate) fn with_record(mut self, record: &RunInputs) -> Report {
        self.inventory = record
            .inventories
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        self.limit = record.limit.clone();
        self.extra_vars = record
            .extra_vars
            .iter()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| {
                let k = k.trim();
                let v = if is_secret_name(k) { MASKED } else { v };
                (k.to_string(), v.to_string())
            })
            .collect();
        self
    }

    /// One report of the shards of one run (`--shard K/N` on N runners):
    /// every host once, the summary counted again, the run's span from the
    /// first start to the last end, interrupted if any shard was. Reports
    /// of other playbooks, of check and real runs mixed, or sharing a host
    /// are refused.
    pub(crate) fn merge(reports: &[(PathBuf, Report)]) -> Result<Report, ReportError> {
        let Some((first_path, first)) = reports.first() else {
            return Ok(Report::new("", false, Utc::now(), false, Vec::new()));
        };
        let mut seen: std::collections::HashMap<&str, &Path> = std::collections::HashMap::new();
        let mut hosts = Vec::new();
        for (path, report) in reports {
            if report.playbook != first.playbook {
                return Err(ReportError::OtherPlaybooks {
                    old_path: first_path.clone(),
                    new_path: path.clone(),
                    old: first.playbook.clone(),
                    new: report.playbook.clone(),
                });
            }
            if report.check_mode != first.check_mode {
                return Err(ReportError::OtherRun {
                    path: path.clone(),
                    first: first_path.clone(),
                    what: "check mode",
                });
            }
            for host in &report.hosts {
                if let Some(earlier) = seen.insert(&host.name, path) {
                    return Err(ReportError::HostTwice {
                        path: path.clone(),
                        earlier: earlier.to_path_buf(),
                        host: host.name.clone(),
                    });
                }
                hosts.push(host.clone());
            }
        }
        let started_at = reports
            .iter()
            .map(|(_, r)| r.started_at)
            .min()
            .unwrap_or(first.started_at);
        // Each shard's steps are on its own time axis: moved onto the
        // merged run's, which starts with the earliest shard.
        let mut at = 0;
        for (_, report) in reports {
            let shift =
                u64::try_from((report.started_at - started_at).num_milliseconds()).unwrap_or(0);
            for host in &mut hosts[at..at + report.hosts.len()] {
                for step in &mut host.steps {
                    step.start_ms = step.start_ms.saturating_add(shift);
                }
            }
            at += report.hosts.len();
        }
        let mut merged = Report::new(
            &first.playbook,
            first.check_mode,
            started_at,
            reports.iter().any(|(_, r)| r.interrupted),
            hosts,
        );
        merged.finished_at = reports
            .iter()
            .map(|(_, r)| r.finished_at)
            .max()
            .unwrap_or(first.finished_at);
        merged.sshfleet_version = first.sshfleet_version.clone();
        let mut listed = std::collections::HashSet::new();
        for (_, report) in reports {
            for inventory in &report.inventory {
                if listed.insert(inventory) {
                    merged.inventory.push(inventory.clone());
                }
            }
        }
        merged.extra_vars = first.extra_vars.clone();
        merged.limit = first.limit.clone();
        Ok(merged)
    }

    /// Read a report written by an earlier run. A run lists each host
    /// once; a file that lists one twice (edited, or two reports pasted
    /// together) is refused, as `merge` refuses overlapping shards: which
    /// entry is the host's would be a guess (round 9: `diff` read the
    /// second, `show` both, `--retry-failed` either).
    pub(crate) fn load(path: &Path) -> Result<Report, ReportError> {
        let report: Report = read_json(path)?;
        let mut seen = std::collections::HashSet::new();
        if let Some(host) = report.hosts.iter().find(|h| !seen.insert(h.name.as_str())) {
            return Err(ReportError::HostListedTwice {
                path: path.to_path_buf(),
                host: host.name.clone(),
            });
        }
        Ok(report)
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

    /// How long the run took.
    pub(crate) fn duration(&self) -> std::time::Duration {
        (self.finished_at - self.started_at)
            .to_std()
            .unwrap_or_default()
    }

    /// The report file's bytes. Written only by `console::escaped::write`,
    /// which escapes first, whatever command writes it (a run, a merge).
    pub(crate) fn to_json(&self) -> std::io::Result<Vec<u8>> {
        let mut text = serde_json::to_vec_pretty(self)?;
        text.push(b'\n');
        Ok(text)
    }

    /// A report file as a test sets one up (unescaped, as given).
    #[cfg(test)]
    pub(crate) fn write_atomic(&self, path: &Path) -> std::io::Result<()> {
        crate::support::outputs::write_atomic(path, &self.to_json()?, 0o600)
    }

    /// The summary table printed at the end of a run, then how many hosts
    /// each finding holds, then the reasons of the hosts that failed or
    /// were unreachable (so they do not scroll away above the table).
    /// `labels` adds a column (the demo's scenario of each host).
    pub(crate) fn table(&self, labels: Option<(&str, &BTreeMap<String, String>)>) -> String {
        let mut out = self.rows(labels, false);
        out.push('\n');
        out.push_str(&self.summary_line());
        let by_finding = by_finding::summary(self);
        if !by_finding.is_empty() {
            out.push('\n');
            out.push_str(&by_finding);
        }
        let bad: Vec<&HostOutcome> = self.hosts.iter().filter(|h| h.status.is_bad()).collect();
        if !bad.is_empty() {
            out.push_str("\nwhy hosts failed or were unreachable:\n");
            const SHOWN: usize = 20;
            let mut any_cut = false;
            for host in bad.iter().take(SHOWN) {
                let (reason, cut) = by_finding::cut(&by_finding::reason(host));
                any_cut |= cut;
                let _ = writeln!(out, "  {}: {reason}", host.name);
            }
            if bad.len() > SHOWN {
                let _ = writeln!(
                    out,
                    "  ... and {} more (hosts per finding above; every host: the report, `sshfleet report show REPORT.json --status failed`)",
                    bad.len() - SHOWN
                );
            }
            if any_cut {
                out.push_str(CUT_NOTE);
            }
        }
        out
    }

    /// The table of `sshfleet report show`: a REASON column (why a host
    /// failed, was unreachable or was not run; what confirmed a change),
    /// then how many hosts each finding holds.
    pub(crate) fn table_with_reasons(&self) -> String {
        let mut out = self.rows(None, true);
        out.push('\n');
        out.push_str(&self.summary_line());
        let by_finding = by_finding::summary(self);
        if !by_finding.is_empty() {
            out.push('\n');
            out.push_str(&by_finding);
        }
        let cut = self.hosts.iter().any(|h| {
            [
                by_finding::reason(h),
                h.finding_ids().join(","),
                h.actions.join(", "),
            ]
            .iter()
            .any(|cell| by_finding::cut(cell).1)
        });
        if cut {
            out.push_str(CUT_NOTE);
        }
        out
    }

    fn rows(&self, labels: Option<(&str, &BTreeMap<String, String>)>, reasons: bool) -> String {
        let (header, rows) = self.cells(labels, reasons);
        render_rows(&header, &rows.iter().collect::<Vec<_>>())
    }

    /// The header and one row of cells per host, in the report's order.
    /// FOUND and DONE are cut as reasons are: a host with thousands of
    /// findings would otherwise repeat them in every table it is in.
    fn cells(
        &self,
        labels: Option<(&str, &BTreeMap<String, String>)>,
        reasons: bool,
    ) -> (Vec<String>, Vec<Vec<String>>) {
        let mut header = vec!["HOST"];
        if let Some((title, _)) = labels {
            header.push(title);
        }
        header.extend(["STATUS", "TIME", "FOUND", "DONE"]);
        if reasons {
            header.push("REASON");
        }
        let rows: Vec<Vec<String>> = self
            .hosts
            .iter()
            .map(|h| {
                let mut row = vec![h.name.clone()];
                if let Some((_, labels)) = labels {
                    row.push(labels.get(&h.name).cloned().unwrap_or_else(|| "-".into()));
                }
                row.extend([
                    h.status.as_str().to_string(),
                    seconds(h.duration_ms),
                    by_finding::cut(&dash_if_empty(h.finding_ids().join(","))).0,
                    by_finding::cut(&dash_if_empty(h.actions.join(", "))).0,
                ]);
                if reasons {
                    row.push(by_finding::cut(&by_finding::reason(h)).0);
                }
                row
            })
            .collect();
        (header.into_iter().map(String::from).collect(), rows)
    }
    fn summary_line(&self) -> String {
        let s = &self.summary;
        let n = self.hosts.len();
        format!(
            "{n} host{}: {} ok, {} changed, {} failed, {} unreachable, {} skipped{}{}\n",
            if n == 1 { "" } else { "s" },
            s.ok,
            s.changed,
            s.failed,
            s.unreachable,
            s.skipped,
            if self.check_mode {
                " (check mode: nothing was changed)"
            } else {
                ""
            },
            if self.interrupted {
                " (interrupted)"
            } else {
                ""
            }
        )
    }
}

/// Said under a table whose reasons were cut.
const CUT_NOTE: &str = "(cells end in `...` where cut; the full text: `sshfleet report show REPORT.json --host NAME`)\n";

/// `rows` under `header`, each column as wide as its widest cell, TIME
/// right-aligned, the last column unpadded.
fn render_rows(header: &[String], rows: &[&Vec<String>]) -> String {
    let right_aligned = header.iter().position(|h| h == "TIME");
    let mut widths: Vec<usize> = header.iter().map(String::len).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(header).chain(rows.iter().map(|r| r.as_slice())) {
        let last = row.len() - 1;
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            // Padded by hand: std's `{:w$}` panics past u16::MAX, and
            // a host name or a finding id can be that long (I7).
            let pad = widths[i].saturating_sub(cell.chars().count());
            if Some(i) == right_aligned {
                line.extend(std::iter::repeat_n(' ', pad));
                line.push_str(cell);
            } else if i == last {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The first line of a reason, for a table cell.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

/// What differs between two runs of one playbook, host by host: status,
/// findings, hosts new or gone. Empty when nothing changed, so a cron job
/// that mails its output mails only news.
pub(crate) fn diff(
    old: &Report,
    old_path: &Path,
    new: &Report,
    new_path: &Path,
) -> Result<Vec<String>, ReportError> {
    if old.playbook != new.playbook {
        return Err(ReportError::OtherPlaybooks {
            old_path: old_path.to_path_buf(),
            new_path: new_path.to_path_buf(),
            old: old.playbook.clone(),
            new: new.playbook.clone(),
        });
    }
    let before: BTreeMap<&str, &HostOutcome> =
        old.hosts.iter().map(|h| (h.name.as_str(), h)).collect();
    let after: BTreeMap<&str, &HostOutcome> =
        new.hosts.iter().map(|h| (h.name.as_str(), h)).collect();
    let mut lines = Vec::new();
    for (name, now) in &after {
        let Some(was) = before.get(name) else {
            lines.push(format!(
                "{name}: new in this run, {}{}",
                now.status.as_str(),
                reason_suffix(now)
            ));
            continue;
        };
        let mut parts = Vec::new();
        if was.status != now.status {
            parts.push(format!(
                "{} -> {}{}",
                was.status.as_str(),
                now.status.as_str(),
                reason_suffix(now)
            ));
        }
        let ids = |h: &HostOutcome| -> BTreeSet<String> {
            h.findings.iter().map(|f| f.id.clone()).collect()
        };
        let (was_ids, now_ids) = (ids(was), ids(now));
        let found: Vec<&str> = now_ids.difference(&was_ids).map(String::as_str).collect();
        let gone: Vec<&str> = was_ids.difference(&now_ids).map(String::as_str).collect();
        if !found.is_empty() {
            parts.push(format!("newly found {}", found.join(", ")));
        }
        if !gone.is_empty() {
            parts.push(format!("no longer found {}", gone.join(", ")));
        }
        if !parts.is_empty() {
            lines.push(format!("{name}: {}", parts.join("; ")));
        }
    }
    for (name, was) in &before {
        if !after.contains_key(name) {
            lines.push(format!(
                "{name}: not in this run (was {})",
                was.status.as_str()
            ));
        }
    }
    Ok(lines)
}

fn reason_suffix(host: &HostOutcome) -> String {
    match (&host.error, host.status.is_bad()) {
        (Some(e), true) => format!(" ({})", first_line(e)),
        _ => String::new(),
    }
}

/// A report file read back as `T`: the whole [`Report`], or the view of
/// it that a caller needs (`--retry-failed` reads only the playbook and
/// each host's status). A regular file of bounded size
/// (`crate::support::bounds`); errors name the file and the line.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ReportError> {
    let text = crate::support::bounds::read_input(path).map_err(|error| ReportError::Read {
        path: path.to_path_buf(),
        error,
    })?;
    serde_json::from_str(&text).map_err(|error| ReportError::Malformed {
        path: path.to_path_buf(),
        error,
    })
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

    /// A report listing a host twice is refused by every reader (show,
    /// diff, merge, html, --expect through `load`; --retry-failed through
    /// its own reader), naming the host (round 9).
    #[test]
    fn a_report_listing_a_host_twice_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dup.json");
        let mut r = report(&[Status::Failed, Status::Ok], false);
        r.hosts[1].name = r.hosts[0].name.clone();
        r.write_atomic(&path).unwrap();
        let refused = Report::load(&path).unwrap_err().to_string();
        assert!(refused.contains("host esa00 is listed twice"), "{refused}");
        let retry = crate::plan::retry::hosts_to_retry(&path, "esa-ecupdate")
            .unwrap_err()
            .to_string();
        assert!(retry.contains("host esa00 is listed twice"), "{retry}");
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
    fn written_report_is_complete_json_and_reads_back() {
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
        let back = Report::load(&path).unwrap();
        assert_eq!(back.summary, r.summary);
    }

    #[test]
    fn secret_extra_vars_are_masked() {
        let record = RunInputs {
            inventories: vec!["prod.yaml".into()],
            limit: None,
            extra_vars: vec![
                "update_timeout=90s".into(),
                "proxy_password=hunter2".into(),
                "api_token=abc".into(),
            ],
        };
        let r = report(&[Status::Ok], false).with_record(&record);
        assert_eq!(r.extra_vars["update_timeout"], "90s");
        assert_eq!(r.extra_vars["proxy_password"], MASKED);
        assert_eq!(r.extra_vars["api_token"], MASKED);
        assert_eq!(r.inventory, ["prod.yaml"]);
    }

    #[test]
    fn one_host_is_not_hosts_and_time_is_not_rounded_up() {
        let mut r = report(&[Status::Ok], false);
        r.hosts[0].duration_ms = 1960;
        let table = r.table(None);
        assert!(table.contains("1 host: 1 ok"), "{table}");
        assert!(table.contains("1.9s"), "{table}");
    }

    #[test]
    fn the_table_ends_with_the_reasons() {
        let mut r = report(&[Status::Ok, Status::Failed], false);
        r.hosts[1].error = Some("step `x`: no prompt".into());
        let table = r.table(None);
        assert!(
            table.trim_end().ends_with("esa01: step `x`: no prompt"),
            "{table}"
        );
    }
}
