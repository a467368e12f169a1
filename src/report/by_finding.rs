//! A fleet read by finding: how many hosts each finding holds, with the
//! playbook's message (the article's action), the values every one of those
//! hosts was judged with (the reference version a staleness rule compared
//! against), and which findings sit inside which ("412 tetra-stale: 300
//! tetra-dns-unresolved, 80 tetra-proxy-auth, ..."). The same text ends a
//! run and `sshfleet report show`; `report show --finding`, `--status` and
//! `--group-by finding` narrow a report to the hosts an operator asks about,
//! and `--host` prints one host's every word.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;

use super::finding::{FoundFault, Severity};
use super::{HostOutcome, Report, Status};

/// Longest reason a table cell shows; the rest is one command away
/// (`report show --host NAME`).
pub(crate) const REASON_WIDTH: usize = 160;

/// Every host holding one finding.
pub(crate) struct FindingGroup<'a> {
    pub id: &'a str,
    pub severity: Severity,
    pub hosts: Vec<&'a HostOutcome>,
    /// Each of `hosts`' findings with this id (a host may hold it twice):
    /// kept here so no question about a group walks every host's findings.
    findings: Vec<&'a FoundFault>,
}

impl FindingGroup<'_> {
    /// The message most hosts got (messages are rendered per host, e.g.
    /// with the host's own version), and whether others got another.
    fn message(&self) -> Option<(&str, bool)> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &self.findings {
            if let Some(m) = &f.message {
                *counts.entry(m.as_str()).or_default() += 1;
            }
        }
        let varied = counts.len() > 1;
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(m, _)| (m, varied))
    }

    /// `name = value` (or `name undefined`) pairs of the evidence that are
    /// the same on every host of the group: what a condition compared
    /// each host against. Evidence that is not such a list (a log line)
    /// gives none.
    fn shared_values(&self) -> Vec<String> {
        let mut shared: Option<Vec<String>> = None;
        for f in &self.findings {
            let Some(pairs) = value_pairs(&f.evidence) else {
                return Vec::new();
            };
            shared = Some(match shared {
                None => pairs,
                Some(before) => {
                    let now: HashSet<&String> = pairs.iter().collect();
                    before.into_iter().filter(|p| now.contains(p)).collect()
                }
            });
        }
        shared.unwrap_or_default()
    }
}

/// `tetra_version = 90600, latest_tetra undefined` as its parts, or `None`
/// when the evidence is anything else.
fn value_pairs(evidence: &str) -> Option<Vec<String>> {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
    };
    let parts: Vec<String> = evidence.split(", ").map(str::to_string).collect();
    parts
        .iter()
        .all(|p| match p.split_once(" = ") {
            Some((name, _)) => is_name(name),
            None => p.strip_suffix(" undefined").is_some_and(is_name),
        })
        .then_some(parts)
}

/// The findings of `hosts`, most hosts first (then by id).
pub(crate) fn groups(hosts: &[HostOutcome]) -> Vec<FindingGroup<'_>> {
    let mut by_id: BTreeMap<&str, FindingGroup<'_>> = BTreeMap::new();
    for host in hosts {
        let mut seen = BTreeSet::new();
        for f in &host.findings {
            let group = by_id.entry(&f.id).or_insert_with(|| FindingGroup {
                id: &f.id,
                severity: f.severity,
                hosts: Vec::new(),
                findings: Vec::new(),
            });
            group.findings.push(f);
            if !seen.insert(f.id.as_str()) {
                continue;
            }
            group.severity = group.severity.max(f.severity);
            group.hosts.push(host);
        }
    }
    let mut groups: Vec<FindingGroup<'_>> = by_id.into_values().collect();
    groups.sort_by(|a, b| b.hosts.len().cmp(&a.hosts.len()).then(a.id.cmp(b.id)));
    groups
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

/// `380 failed, 32 changed`: the statuses of a group's hosts.
fn statuses(hosts: &[&HostOutcome]) -> String {
    Status::ALL
        .iter()
        .filter_map(|s| {
            let n = hosts.iter().filter(|h| h.status == *s).count();
            (n > 0).then(|| format!("{n} {}", s.as_str()))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The "hosts per finding" block: empty when no host has a finding.
pub(crate) fn summary(report: &Report) -> String {
    let groups = groups(&report.hosts);
    if groups.is_empty() {
        return String::new();
    }
    let width = groups[0].hosts.len().to_string().len();
    let pad = " ".repeat(width + 4);
    let (inside, _) = insides(&groups);
    let mut out = String::from("hosts per finding:\n");
    for (i, group) in groups.iter().enumerate() {
        let count = group.hosts.len().to_string();
        let _ = writeln!(
            out,
            "  {}{count}  {} ({}; {})",
            " ".repeat(width.saturating_sub(count.len())),
            group.id,
            severity(group.severity),
            statuses(&group.hosts)
        );
        if let Some((message, varied)) = group.message() {
            let eg = if varied { "e.g. " } else { "" };
            for line in wrap(&format!("{eg}{message}"), 96 - pad.len()) {
                let _ = writeln!(out, "{pad}{line}");
            }
        }
        let shared = group.shared_values();
        if !shared.is_empty() {
            let _ = writeln!(out, "{pad}judged with {}", shared.join(", "));
        }
        // Findings whose hosts all have this one too: its causes.
        let (shown, count) = &inside[i];
        if !shown.is_empty() {
            let mut named: Vec<String> = shown
                .iter()
                .map(|&j| format!("{} {}", groups[j].hosts.len(), groups[j].id))
                .collect();
            if *count > shown.len() {
                named.push(format!("and {} more", count - shown.len()));
            }
            let _ = writeln!(out, "{pad}of these: {}", named.join(", "));
        }
    }
    out
}

/// Most findings an "of these" line names; the rest are counted.
const MAX_INSIDE: usize = 20;

/// For each group, the first [`MAX_INSIDE`] groups (in `groups`' order)
/// held by fewer hosts, all of them its own (its causes), and how many
/// there are; and how many membership tests that took. Comparing every pair of groups was quadratic in the finding ids
/// (25,000 ids on one host: 10 s). Here groups with the same hosts are
/// one class, and a class's candidates are only the larger groups of its
/// host with the fewest findings, so the tests grow with the findings
/// and the pairs found, not with the square of the ids.
type Inside = (Vec<usize>, usize);

fn insides(groups: &[FindingGroup<'_>]) -> (Vec<Inside>, usize) {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut held: Vec<Vec<usize>> = Vec::new();
    let mut member: HashSet<(usize, usize)> = HashSet::new();
    let mut classes: Vec<(Vec<usize>, Vec<usize>)> = Vec::new();
    let mut class_of: HashMap<Vec<usize>, usize> = HashMap::new();
    for (g, group) in groups.iter().enumerate() {
        let mut hosts: Vec<usize> = group
            .hosts
            .iter()
            .map(|h| {
                let next = index.len();
                let h = *index.entry(h.name.as_str()).or_insert(next);
                if h == held.len() {
                    held.push(Vec::new());
                }
                held[h].push(g);
                member.insert((h, g));
                h
            })
            .collect();
        hosts.sort_unstable();
        hosts.dedup();
        let next = classes.len();
        let class = *class_of.entry(hosts.clone()).or_insert(next);
        if class == next {
            classes.push((hosts, Vec::new()));
        }
        classes[class].1.push(g);
    }
    let mut inside = vec![(Vec::new(), 0usize); groups.len()];
    let mut tests = 0usize;
    for (hosts, members) in &classes {
        let Some(&fewest) = hosts.iter().min_by_key(|&&h| held[h].len()) else {
            continue;
        };
        for &outer in &held[fewest] {
            if groups[outer].hosts.len() <= hosts.len() {
                continue;
            }
            let mut all = true;
            for &h in hosts {
                tests += 1;
                if !member.contains(&(h, outer)) {
                    all = false;
                    break;
                }
            }
            if all {
                let (shown, count) = &mut inside[outer];
                *count += members.len();
                shown.extend(members.iter().take(MAX_INSIDE).copied());
                if shown.len() > 4 * MAX_INSIDE {
                    shown.sort_unstable();
                    shown.truncate(MAX_INSIDE);
                }
            }
        }
    }
    for (shown, _) in &mut inside {
        shown.sort_unstable();
        shown.truncate(MAX_INSIDE);
    }
    (inside, tests)
}

/// Words of `text` in lines of at most `width` characters (a longer word
/// stands alone).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The first line of `text`, cut to [`REASON_WIDTH`] characters (`...`
/// marks a cut, and so does a first line that is not the whole text).
/// The flag says whether anything was left out.
pub(crate) fn cut(text: &str) -> (String, bool) {
    let first = text.lines().next().unwrap_or("");
    let more_lines = text.trim_end().lines().count() > 1;
    if first.chars().count() > REASON_WIDTH {
        let kept: String = first.chars().take(REASON_WIDTH - 3).collect();
        (format!("{}...", kept.trim_end()), true)
    } else if more_lines {
        (format!("{first} ..."), true)
    } else {
        (first.to_string(), false)
    }
}

/// The reason a host's row gives: for failed, unreachable and skipped
/// hosts why; for changed hosts the lines that confirmed the change.
pub(crate) fn reason(host: &HostOutcome) -> String {
    match host.status {
        Status::Changed if !host.confirmations.is_empty() => {
            let lines: Vec<&str> = host.confirmations.iter().map(|c| c.line.trim()).collect();
            format!("confirmed: {}", lines.join(" | "))
        }
        Status::Ok | Status::Changed => "-".to_string(),
        _ => host
            .error
            .clone()
            .unwrap_or_else(|| "(no reason recorded)".to_string()),
    }
}

/// What `report show` narrows a report to.
#[derive(Debug, Clone, Default)]
pub(crate) struct Filter {
    /// Hosts of any of these statuses (none: every status).
    pub statuses: Vec<Status>,
    /// Hosts with any of these findings (none: with or without).
    pub findings: Vec<String>,
}

/// A `--finding` that no host of the report holds.
#[derive(Debug, thiserror::Error)]
#[error("no host in this report has finding `{id}`; its findings: {}", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
pub(crate) struct UnknownFinding {
    pub id: String,
    pub known: Vec<String>,
}

impl Report {
    /// The same report with only the hosts `filter` keeps, summary counted
    /// again.
    pub(crate) fn filtered(&self, filter: &Filter) -> Result<Report, UnknownFinding> {
        let known: Vec<String> = groups(&self.hosts)
            .iter()
            .map(|g| g.id.to_string())
            .collect();
        if let Some(id) = filter.findings.iter().find(|id| !known.contains(id)) {
            let mut known = known;
            known.sort();
            return Err(UnknownFinding {
                id: id.clone(),
                known,
            });
        }
        let hosts: Vec<HostOutcome> = self
            .hosts
            .iter()
            .filter(|h| filter.statuses.is_empty() || filter.statuses.contains(&h.status))
            .filter(|h| {
                filter.findings.is_empty()
                    || h.findings.iter().any(|f| filter.findings.contains(&f.id))
            })
            .cloned()
            .collect();
        let mut out = Report::new(
            &self.playbook,
            self.check_mode,
            self.started_at,
            self.interrupted,
            hosts,
        );
        out.finished_at = self.finished_at;
        out.sshfleet_version = self.sshfleet_version.clone();
        out.inventory = self.inventory.clone();
        out.extra_vars = self.extra_vars.clone();
        Ok(out)
    }

    /// `report show --group-by finding`: one table per finding, most hosts
    /// first, then the hosts with none. Each host's cells are made once,
    /// and each table holds only its group's rows: the work grows with the
    /// (host, finding) pairs, not with findings times hosts.
    pub(crate) fn tables_by_finding(&self) -> String {
        let mut out = String::new();
        let (header, cells) = self.cells(None, true);
        let row_of: HashMap<*const HostOutcome, &Vec<String>> = self
            .hosts
            .iter()
            .map(std::ptr::from_ref)
            .zip(&cells)
            .collect();
        let rows_of = |hosts: &mut dyn Iterator<Item = &HostOutcome>| -> Vec<&Vec<String>> {
            hosts
                .filter_map(|h| row_of.get(&std::ptr::from_ref(h)).copied())
                .collect()
        };
        for group in &groups(&self.hosts) {
            let _ = writeln!(
                out,
                "== {} ({}): {} host{}",
                group.id,
                severity(group.severity),
                group.hosts.len(),
                if group.hosts.len() == 1 { "" } else { "s" }
            );
            if let Some((message, varied)) = group.message() {
                let eg = if varied { "e.g. " } else { "" };
                for line in wrap(&format!("{eg}{message}"), 96) {
                    let _ = writeln!(out, "{line}");
                }
            }
            out.push('\n');
            let rows = rows_of(&mut group.hosts.iter().copied());
            out.push_str(&super::render_rows(&header, &rows));
            out.push('\n');
        }
        let without = self.hosts.iter().filter(|h| h.findings.is_empty()).count();
        if without > 0 {
            let _ = writeln!(
                out,
                "== no finding: {without} host{}\n",
                if without == 1 { "" } else { "s" }
            );
            let rows = rows_of(&mut self.hosts.iter().filter(|h| h.findings.is_empty()));
            out.push_str(&super::render_rows(&header, &rows));
        }
        out
    }

    /// `report show --host NAME`: everything the report holds of one host,
    /// nothing cut.
    pub(crate) fn host_detail(&self, name: &str) -> Option<String> {
        let host = self.hosts.iter().find(|h| h.name == name)?;
        let mut out = format!(
            "{}: {} ({})\n",
            host.name,
            host.status.as_str(),
            super::seconds(host.duration_ms)
        );
        if let Some(error) = &host.error {
            let _ = writeln!(out, "reason:\n{}", indent(error));
        }
        for f in &host.findings {
            let _ = writeln!(out, "finding {} ({}):", f.id, severity(f.severity));
            if let Some(m) = &f.message {
                let _ = writeln!(out, "{}", indent(m));
            }
            let _ = writeln!(out, "  evidence: {}", f.evidence);
        }
        for a in &host.actions {
            let _ = writeln!(out, "did: {a}");
        }
        for c in &host.confirmations {
            let at =
                c.at.as_deref()
                    .map(|t| format!(" [{t}]"))
                    .unwrap_or_default();
            let _ = writeln!(out, "confirmed by step `{}`{at}: {}", c.step, c.line);
        }
        for (k, v) in &host.facts {
            let _ = writeln!(out, "fact {k} = {v}");
        }
        for w in &host.warnings {
            let _ = writeln!(out, "warning: {w}");
        }
        Some(out)
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::report::finding::FoundFault;
    use chrono::Utc;

    fn host(name: &str, status: Status, findings: &[(&str, &str, &str)]) -> HostOutcome {
        let mut h = HostOutcome::new(name, status);
        h.findings = findings
            .iter()
            .map(|(id, evidence, message)| FoundFault {
                id: id.to_string(),
                severity: Severity::Critical,
                evidence: evidence.to_string(),
                message: Some(message.to_string()),
            })
            .collect();
        h
    }

    fn fleet() -> Report {
        let stale = |v: u32| {
            (
                "tetra-stale",
                format!("latest_tetra undefined, tetra_version = {v}, newest_tetra = 90606"),
                format!("TETRA definitions {v} are out of date"),
            )
        };
        let mut hosts = Vec::new();
        for i in 0..5 {
            let (id, ev, m) = stale(90600 + i);
            hosts.push(host(
                &format!("pc{i}"),
                Status::Failed,
                &[
                    (id, &ev, &m),
                    (
                        "tetra-dns-unresolved",
                        "dns_status = 1",
                        "x does not resolve: check DNS.",
                    ),
                ],
            ));
        }
        let (id, ev, m) = stale(90600);
        hosts.push(host("pc9", Status::Changed, &[(id, &ev, &m)]));
        hosts.push(host("pc10", Status::Ok, &[]));
        Report::new("secure-endpoint-tetra", false, Utc::now(), false, hosts)
    }

    #[test]
    fn summary_counts_hosts_per_finding_with_the_shared_reference() {
        let text = summary(&fleet());
        assert!(
            text.contains("6  tetra-stale (critical; 1 changed, 5 failed)"),
            "{text}"
        );
        assert!(
            text.contains("judged with latest_tetra undefined, newest_tetra = 90606\n"),
            "{text}"
        );
        assert!(text.contains("of these: 5 tetra-dns-unresolved"), "{text}");
        assert!(text.contains("e.g. TETRA definitions"), "{text}");
        assert!(
            text.contains(
                "5  tetra-dns-unresolved (critical; 5 failed)\n     x does not resolve: check DNS."
            ),
            "{text}"
        );
    }

    #[test]
    fn filters_keep_what_is_asked_and_refuse_an_unknown_finding() {
        let r = fleet();
        let failed = r
            .filtered(&Filter {
                statuses: vec![Status::Failed],
                findings: vec![],
            })
            .unwrap();
        assert_eq!(failed.hosts.len(), 5);
        assert_eq!(failed.summary.failed, 5);
        let stale = r
            .filtered(&Filter {
                statuses: vec![],
                findings: vec!["tetra-stale".into()],
            })
            .unwrap();
        assert_eq!(stale.hosts.len(), 6);
        let err = r
            .filtered(&Filter {
                statuses: vec![],
                findings: vec!["nope".into()],
            })
            .unwrap_err();
        assert_eq!(err.known, ["tetra-dns-unresolved", "tetra-stale"]);
    }

    #[test]
    fn long_reasons_are_cut_and_say_so() {
        let long = "x".repeat(744);
        let (cell, cut_) = cut(&long);
        assert!(cut_);
        assert_eq!(cell.chars().count(), REASON_WIDTH);
        assert_eq!(cut("short"), ("short".to_string(), false));
        assert_eq!(cut("one\ntwo"), ("one ...".to_string(), true));
    }

    #[test]
    fn wrap_keeps_words_whole() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), ["abcdefgh"]);
    }

    /// A host with thousands of findings is in thousands of tables: its
    /// FOUND cell is cut, so the text (and the time to make it) grows with
    /// the findings, not with their square (docs/SECURITY.md I3).
    #[test]
    fn grouping_by_finding_grows_with_the_findings_not_their_square() {
        let ids: Vec<String> = (0..2000).map(|i| format!("finding-{i}")).collect();
        let findings: Vec<(&str, &str, &str)> =
            ids.iter().map(|id| (id.as_str(), "ev", "msg")).collect();
        let report = Report::new(
            "p",
            false,
            chrono::Utc::now(),
            false,
            vec![
                host("pc1", Status::Failed, &findings),
                host("pc2", Status::Ok, &[]),
            ],
        );
        let text = report.tables_by_finding();
        assert_eq!(
            text.matches("\n== ").count() + 1,
            2001,
            "one table per finding and one without"
        );
        assert!(text.contains("== finding-1999 (critical): 1 host"));
        assert!(text.len() < 2000 * 1000, "{} bytes", text.len());
        let detail = report.host_detail("pc1").unwrap();
        assert!(
            detail.contains("finding-1999"),
            "--host still shows every finding"
        );
    }

    /// `report show` and `report merge` end with the "hosts per finding"
    /// block, which compared every pair of finding ids (25,000 ids: 10 s,
    /// 50,000: 39 s). The work is counted, not timed: doubling the ids
    /// (on one host, on a host each, or with half of them inside the
    /// other half) at most doubles the membership tests, and an "of
    /// these" line names at most `MAX_INSIDE` findings and counts the rest.
    #[test]
    fn findings_inside_others_are_found_in_work_linear_in_the_findings() {
        let shapes = |n: usize| -> Vec<Report> {
            let ids: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
            let all: Vec<(&str, &str, &str)> =
                ids.iter().map(|id| (id.as_str(), "ev", "msg")).collect();
            let one = vec![host("pc", Status::Failed, &all)];
            let each = all
                .iter()
                .enumerate()
                .map(|(i, f)| host(&format!("pc{i}"), Status::Failed, &[*f]))
                .collect();
            let nested = vec![
                host("a", Status::Failed, &all),
                host("b", Status::Failed, &all[n / 2..]),
            ];
            [one, each, nested]
                .into_iter()
                .map(|hosts| Report::new("p", false, Utc::now(), false, hosts))
                .collect()
        };
        let tests = |n: usize| -> Vec<usize> {
            shapes(n)
                .iter()
                .map(|r| insides(&groups(&r.hosts)).1)
                .collect()
        };
        let (small, large) = (tests(1000), tests(2000));
        for (shape, (s, l)) in small.iter().zip(&large).enumerate() {
            assert!(*l <= 2 * s + 2, "shape {shape}: {s} tests, then {l}");
        }
        assert!(large[2] > 0, "the nested shape is tested");
        let text = summary(&shapes(2000)[2]);
        let line = text
            .lines()
            .find(|l| l.contains("of these:"))
            .unwrap_or_default();
        assert!(
            line.contains("1 f0, ") && line.ends_with("and 980 more"),
            "{line}"
        );
        assert_eq!(
            text.matches("of these:").count(),
            1000,
            "one per outer finding"
        );
    }
}
