//! The report as one HTML page to share (`sshfleet report html`, `run
//! --html`): the run's facts and status counts, the findings by cause with
//! the playbook's action, every host with its reason and steps, and a
//! timeline of each host's steps on the run's time axis.
//!
//! One self-contained file: the style sheet and the script are inline, and
//! a Content-Security-Policy allows exactly those two (by their SHA-256)
//! and nothing else: no request leaves the page, and markup that reached
//! the report from a host or an inventory can neither run nor load
//! anything even if it were not escaped. It is escaped: every text of the
//! report goes through [`esc`]. Everything is rendered here; the script
//! only sorts and filters rows by their `data-` attributes, so the page
//! reads and prints without it.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use sha2::Digest as _;

use crate::report::finding::Severity;
use crate::report::{HostOutcome, Report, Status, StepResult, seconds};

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// How many step colours the style sheet has after `connect`'s (`s0`).
const STEP_COLOURS: usize = 8;

/// `text` safe in HTML text and in a double- or single-quoted attribute,
/// its control characters (but line feed and tab) and bidirectional
/// controls escaped as `report show` escapes them (`\u{1b}`).
pub(crate) fn esc(text: &str) -> Cow<'_, str> {
    let text = crate::support::sanitize::escape_for_terminal(text);
    if !text.contains(['&', '<', '>', '"', '\'']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `'sha256-...'`: a CSP source that allows exactly this inline text.
fn hash_source(text: &str) -> String {
    let digest = sha2::Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The page's policy: nothing but its own inline style and script.
pub(crate) fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src {}; script-src {}; base-uri 'none'; form-action 'none'",
        hash_source(CSS),
        hash_source(JS)
    )
}

/// The page of `report`. `source` names the JSON report it was made
/// from, for the footer.
pub(crate) fn render(report: &Report, source: Option<&str>) -> String {
    let mut out = String::with_capacity(16 * 1024 + report.hosts.len() * 1536);
    let started = report.started_at.format("%Y-%m-%d %H:%M:%S UTC");
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>sshfleet report: {} ({started})</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        content_security_policy(),
        esc(&report.playbook),
    );
    facts(&mut out, report);
    summary(&mut out, report);
    findings(&mut out, report);
    let colours = step_colours(report);
    timeline(&mut out, report, &colours);
    hosts(&mut out, report, &colours);
    let _ = write!(
        out,
        "<footer>Written by sshfleet {}{}. One self-contained file: it opens offline and makes no network request.</footer>\n\
         </main>\n<script>{JS}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        source
            .map(|s| format!(" from {}", esc(s)))
            .unwrap_or_default(),
    );
    out
}

/// Write the page of `report` to `path` atomically; like the JSON report,
/// it names hosts and their faults, so it is the owner's alone (0600) until
/// they share it.
pub(crate) fn write(
    report: &Report,
    source: Option<&str>,
    path: &std::path::Path,
) -> std::io::Result<()> {
    crate::support::outputs::write_atomic(path, render(report, source).as_bytes(), 0o600)
}

/// The heading and the run's facts.
fn facts(out: &mut String, report: &Report) {
    let _ = write!(
        out,
        "<h1>sshfleet report: <span class=\"pb\">{}</span>{}</h1>\n<p class=\"sub\">{} hosts, started {}</p>\n<section id=\"run\">\n<h2>Run</h2>\n<dl class=\"facts\">\n",
        esc(&report.playbook),
        if report.interrupted {
            " <span class=\"badge warn\">interrupted</span>"
        } else {
            ""
        },
        report.hosts.len(),
        report.started_at.format("%Y-%m-%d %H:%M:%S UTC"),
    );
    let inventory = if report.inventory.is_empty() {
        "<span class=\"muted\">not recorded</span>".to_string()
    } else {
        report
            .inventory
            .iter()
            .map(|i| format!("<code>{}</code>", esc(i)))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    let limit = match &report.limit {
        Some(limit) => format!("<code>{}</code>", esc(limit)),
        None => "<span class=\"muted\">none (every host)</span>".to_string(),
    };
    let mode = if report.check_mode {
        "check: diagnostics only, nothing was changed"
    } else {
        "fix: changes made where a fault was found"
    };
    let vars = if report.extra_vars.is_empty() {
        "<span class=\"muted\">none</span>".to_string()
    } else {
        report
            .extra_vars
            .iter()
            .map(|(k, v)| format!("<code>{}={}</code>", esc(k), esc(v)))
            .collect::<Vec<_>>()
            .join("<br>")
    };
    let version = if report.sshfleet_version.is_empty() {
        "not recorded".to_string()
    } else {
        esc(&report.sshfleet_version).into_owned()
    };
    let rows = [
        (
            "Playbook",
            format!("<code>{}</code>", esc(&report.playbook)),
        ),
        ("Mode", mode.to_string()),
        ("Inventory", inventory),
        ("Limit", limit),
        ("Extra vars", vars),
        ("sshfleet", version),
        (
            "Started",
            report
                .started_at
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string(),
        ),
        ("Duration", seconds(millis(report.duration()))),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "<div><dt>{name}</dt><dd>{value}</dd></div>");
    }
    out.push_str("</dl>\n</section>\n");
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// The status counts, each a button that filters the host table.
fn summary(out: &mut String, report: &Report) {
    let _ = write!(
        out,
        "<section id=\"summary\">\n<h2>Status</h2>\n<div class=\"cards\">\n<button type=\"button\" data-filter-status=\"\" data-status=\"\"><span class=\"n\" id=\"n-all\">{}</span><span class=\"l\">hosts</span></button>\n",
        report.hosts.len()
    );
    for status in Status::ALL {
        let s = status.as_str();
        let _ = writeln!(
            out,
            "<button type=\"button\" class=\"st-{s}\" data-filter-status=\"{s}\" data-status=\"{s}\"><span class=\"n\" id=\"n-{s}\">{}</span><span class=\"l\">{s}</span></button>",
            report.summary.get(status)
        );
    }
    out.push_str("</div>\n");
    let total = report.hosts.len().max(1) as f64;
    out.push_str("<svg class=\"mix\" width=\"100%\" height=\"8\" role=\"img\" aria-label=\"hosts by status\">");
    let mut x = 0.0;
    for status in Status::ALL {
        let w = report.summary.get(status) as f64 * 100.0 / total;
        if w > 0.0 {
            let _ = write!(
                out,
                "<rect class=\"{}\" x=\"{x:.3}%\" y=\"0\" width=\"{w:.3}%\" height=\"8\"></rect>",
                status.as_str()
            );
        }
        x += w;
    }
    out.push_str("</svg>\n</section>\n");
}

/// A cause, with the hosts it was found on.
struct Cause<'a> {
    severity: Severity,
    hosts: Vec<(usize, &'a HostOutcome)>,
    /// Each distinct message (the playbook's action), with how many hosts.
    messages: BTreeMap<&'a str, usize>,
    evidence: &'a str,
}

/// Findings grouped by cause (the finding's id), most hosts first.
fn findings(out: &mut String, report: &Report) {
    let mut causes: BTreeMap<&str, Cause<'_>> = BTreeMap::new();
    for (i, host) in report.hosts.iter().enumerate() {
        for f in &host.findings {
            let cause = causes.entry(&f.id).or_insert_with(|| Cause {
                severity: f.severity,
                hosts: Vec::new(),
                messages: BTreeMap::new(),
                evidence: &f.evidence,
            });
            cause.severity = cause.severity.max(f.severity);
            if cause.hosts.last().map(|(j, _)| *j) != Some(i) {
                cause.hosts.push((i, host));
            }
            if let Some(m) = &f.message {
                *cause.messages.entry(m).or_default() += 1;
            }
        }
    }
    out.push_str("<section id=\"findings\">\n<h2>Findings by cause</h2>\n");
    if causes.is_empty() {
        out.push_str("<p class=\"muted\">No finding on any host.</p>\n</section>\n");
        return;
    }
    out.push_str("<table>\n<thead><tr><th>Cause</th><th>Severity</th><th class=\"num\">Hosts</th><th>Action</th><th>Hosts and status</th></tr></thead>\n<tbody>\n");
    let mut causes: Vec<(&str, Cause<'_>)> = causes.into_iter().collect();
    causes.sort_by(|a, b| {
        (b.1.hosts.len(), b.1.severity)
            .cmp(&(a.1.hosts.len(), a.1.severity))
            .then(a.0.cmp(b.0))
    });
    for (id, cause) in &causes {
        cause_row(out, id, cause);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn cause_row(out: &mut String, id: &str, cause: &Cause<'_>) {
    let mut messages: Vec<(&str, usize)> = cause.messages.iter().map(|(m, n)| (*m, *n)).collect();
    messages.sort_by_key(|m| std::cmp::Reverse(m.1));
    let action = match messages.as_slice() {
        [] => "<span class=\"muted\">the playbook gives none</span>".to_string(),
        [(one, _)] => esc(one).into_owned(),
        many => many
            .iter()
            .map(|(m, n)| format!("{} <span class=\"muted\">({n} hosts)</span>", esc(m)))
            .collect::<Vec<_>>()
            .join("<br>"),
    };
    let mut by_status = BTreeMap::new();
    for (_, h) in &cause.hosts {
        *by_status.entry(h.status.as_str()).or_insert(0) += 1;
    }
    let statuses = by_status
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ");
    const LISTED: usize = 12;
    let mut names = cause
        .hosts
        .iter()
        .take(LISTED)
        .map(|(i, h)| format!("<a href=\"#host-{i}\">{}</a>", esc(&h.name)))
        .collect::<Vec<_>>()
        .join(", ");
    if cause.hosts.len() > LISTED {
        let _ = write!(names, " and {} more", cause.hosts.len() - LISTED);
    }
    let severity = severity_name(cause.severity);
    let _ = writeln!(
        out,
        "<tr><td class=\"cause\"><code>{}</code><br><button type=\"button\" class=\"linkish\" data-filter-finding=\"{}\">show these hosts</button></td><td><span class=\"sev {severity}\">{severity}</span></td><td class=\"num\">{}</td><td>{action}<br><span class=\"muted\">e.g. </span><code>{}</code></td><td>{statuses}<br>{names}</td></tr>",
        esc(id),
        esc(id),
        cause.hosts.len(),
        esc(cause.evidence),
    );
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    }
}

/// Each step name's colour class, in order of first appearance
/// (`connect` has its own).
fn step_colours(report: &Report) -> BTreeMap<&str, usize> {
    let mut colours = BTreeMap::new();
    for step in report.hosts.iter().flat_map(|h| &h.steps) {
        if !colours.contains_key(step.name.as_str()) {
            let next = if step.name == "connect" {
                0
            } else {
                1 + colours.values().filter(|c| **c != 0).count() % STEP_COLOURS
            };
            colours.insert(step.name.as_str(), next);
        }
    }
    colours
}

/// The host table: filter controls (shown by the script), then one row
/// per host with its reason and steps.
fn hosts(out: &mut String, report: &Report, colours: &BTreeMap<&str, usize>) {
    out.push_str("<section id=\"hosts\">\n<h2>Hosts</h2>\n<div class=\"controls\" hidden>\n<label>Status <select id=\"f-status\"><option value=\"\">any</option>");
    for status in Status::ALL {
        let _ = write!(
            out,
            "<option value=\"{0}\">{0} ({1})</option>",
            status.as_str(),
            report.summary.get(status)
        );
    }
    out.push_str("</select></label>\n<label>Finding <select id=\"f-finding\"><option value=\"\">any</option>");
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for host in &report.hosts {
        let seen: std::collections::BTreeSet<&str> =
            host.findings.iter().map(|f| f.id.as_str()).collect();
        for id in seen {
            *ids.entry(id).or_default() += 1;
        }
    }
    for (id, n) in &ids {
        let _ = write!(out, "<option value=\"{0}\">{0} ({n})</option>", esc(id));
    }
    out.push_str("</select></label>\n<label>Host <input id=\"f-text\" type=\"search\" placeholder=\"name contains\"></label>\n<span class=\"shown\" id=\"f-shown\"></span>\n</div>\n<table>\n<thead><tr><th><button type=\"button\" data-sort=\"name\">Host</button></th><th><button type=\"button\" data-sort=\"status\">Status</button></th><th class=\"num\"><button type=\"button\" data-sort=\"time\">Time</button></th><th><button type=\"button\" data-sort=\"findings\">Findings</button></th><th>Reason and steps</th></tr></thead>\n<tbody id=\"host-rows\">\n");
    for (i, host) in report.hosts.iter().enumerate() {
        host_row(out, i, host, colours);
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn host_row(out: &mut String, i: usize, host: &HostOutcome, colours: &BTreeMap<&str, usize>) {
    let status = host.status.as_str();
    let ids: Vec<&str> = host.findings.iter().map(|f| f.id.as_str()).collect();
    let _ = write!(
        out,
        "<tr id=\"host-{i}\" data-i=\"{i}\" data-name=\"{}\" data-status=\"{status}\" data-ms=\"{}\" data-findings=\"{}\" data-nfindings=\"{}\">\
         <td><span class=\"host\">{}</span>",
        esc(&host.name),
        host.duration_ms,
        esc(&ids.join(" ")),
        ids.len(),
        esc(&host.name),
    );
    if !host.facts.is_empty() {
        let facts: Vec<String> = host
            .facts
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                format!("{}={}", esc(k), esc(&v))
            })
            .collect();
        let _ = write!(
            out,
            "<br><span class=\"muted mono\">{}</span>",
            facts.join(" ")
        );
    }
    let _ = write!(
        out,
        "</td><td><span class=\"status {status}\">{status}</span></td><td class=\"num\">{}</td><td>",
        seconds(host.duration_ms)
    );
    if host.findings.is_empty() {
        out.push_str("<span class=\"muted\">-</span>");
    }
    for f in &host.findings {
        let severity = severity_name(f.severity);
        let _ = write!(
            out,
            "<div><code>{}</code> <span class=\"sev {severity}\">{severity}</span></div>",
            esc(&f.id)
        );
    }
    out.push_str("</td><td>");
    reason(out, host, colours);
    out.push_str("</td></tr>\n");
}

/// A host's reason, warnings, what it did and confirmed, and its steps.
fn reason(out: &mut String, host: &HostOutcome, colours: &BTreeMap<&str, usize>) {
    if let Some(error) = &host.error {
        let _ = write!(out, "<p class=\"reason\">{}</p>", esc(error));
    }
    for w in &host.warnings {
        let _ = write!(out, "<div class=\"warning\">warning: {}</div>", esc(w));
    }
    if !host.actions.is_empty() {
        let did: Vec<String> = host
            .actions
            .iter()
            .map(|a| format!("<code>{}</code>", esc(a)))
            .collect();
        let _ = write!(out, "<div>did: {}</div>", did.join(", "));
    }
    for c in &host.confirmations {
        let _ = write!(
            out,
            "<div class=\"muted\">confirmed by <code>{}</code>{}: <code>{}</code></div>",
            esc(&c.step),
            c.at.as_deref()
                .map(|at| format!(" at {}", esc(at)))
                .unwrap_or_default(),
            esc(&c.line)
        );
    }
    if !host.steps.is_empty() {
        out.push_str("<ol class=\"steps\">");
        for step in &host.steps {
            let colour = colours.get(step.name.as_str()).copied().unwrap_or(0);
            let _ = write!(
                out,
                "<li class=\"{}\"><i class=\"legend-dot s{colour}\"></i>{}<span>{}</span></li>",
                step.result.as_str(),
                esc(&step.name),
                seconds(step.duration_ms)
            );
        }
        out.push_str("</ol>");
    }
}

/// The run's time axis: a round tick interval giving at most ten ticks.
fn tick_ms(total_ms: u64) -> u64 {
    const STEPS: [u64; 16] = [
        100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000,
        600_000, 900_000, 1_800_000, 3_600_000,
    ];
    STEPS
        .iter()
        .copied()
        .find(|s| total_ms / s <= 10)
        .unwrap_or_else(|| total_ms.div_ceil(10).max(1))
}

/// `90s` as `1m30s`, `500ms` as `0.5s`: a tick's label.
fn offset_label(ms: u64) -> String {
    let (m, rest) = (ms / 60_000, ms % 60_000);
    let s = if rest % 1000 == 0 {
        (rest / 1000).to_string()
    } else {
        format!("{:.1}", rest as f64 / 1000.0)
    };
    match (m, rest) {
        (0, _) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, _) => format!("{m}m{s}s"),
    }
}

/// One lane per host: its steps as bars on the run's time axis.
fn timeline(out: &mut String, report: &Report, colours: &BTreeMap<&str, usize>) {
    out.push_str("<section id=\"timeline\">\n<h2>Timeline</h2>\n");
    let end = report
        .hosts
        .iter()
        .flat_map(|h| &h.steps)
        .map(|s| s.start_ms.saturating_add(s.duration_ms))
        .max();
    let Some(end) = end else {
        out.push_str("<p class=\"muted\">This report records no step timings: no host ran a step, or an older sshfleet wrote it.</p>\n</section>\n");
        return;
    };
    let total = end.max(millis(report.duration())).max(1);
    let pct = |ms: u64| ms as f64 * 100.0 / total as f64;
    out.push_str("<div class=\"legend\">");
    let mut legend: Vec<(&str, usize)> = colours.iter().map(|(n, c)| (*n, *c)).collect();
    legend.sort_by_key(|(n, c)| (*c, *n));
    for (name, colour) in legend {
        let _ = write!(out, "<span><i class=\"s{colour}\"></i>{}</span>", esc(name));
    }
    out.push_str("<span><i class=\"failed\"></i>failed step</span><span><i class=\"interrupted\"></i>interrupted</span></div>\n");
    let tick = tick_ms(total);
    let ticks: Vec<u64> = (0..=total / tick).map(|k| k * tick).collect();
    let mut grid = String::new();
    for t in &ticks {
        let _ = write!(
            grid,
            "<line x1=\"{0:.3}%\" x2=\"{0:.3}%\" y1=\"0\" y2=\"100%\"></line>",
            pct(*t)
        );
    }
    out.push_str("<div class=\"tl\"><div></div><svg class=\"axis\" width=\"100%\" height=\"18\">");
    for t in &ticks {
        let anchor = if *t == 0 { "start" } else { "middle" };
        let _ = write!(
            out,
            "<text x=\"{:.3}%\" y=\"13\" text-anchor=\"{anchor}\">{}</text>",
            pct(*t),
            offset_label(*t)
        );
    }
    out.push_str("</svg></div>\n<div class=\"tl\" id=\"timeline-rows\">\n");
    for (i, host) in report.hosts.iter().enumerate() {
        let _ = write!(
            out,
            "<div class=\"name\" data-i=\"{i}\" title=\"{0}\"><span class=\"dot {1}\"></span>{0}</div><svg data-i=\"{i}\" width=\"100%\" height=\"16\" aria-label=\"{0}\">{grid}",
            esc(&host.name),
            host.status.as_str(),
        );
        for step in &host.steps {
            let colour = colours.get(step.name.as_str()).copied().unwrap_or(0);
            let result = match step.result {
                StepResult::Ok => String::new(),
                other => format!(" {}", other.as_str()),
            };
            let _ = write!(
                out,
                "<rect class=\"s{colour}{result}\" x=\"{:.3}%\" y=\"3\" width=\"{:.3}%\" height=\"10\" rx=\"1\"><title>{}: {} at {} ({})</title></rect>",
                pct(step.start_ms),
                pct(step.duration_ms).max(0.15),
                esc(&step.name),
                seconds(step.duration_ms),
                offset_label(step.start_ms),
                step.result.as_str(),
            );
        }
        out.push_str("</svg>\n");
    }
    out.push_str("</div>\n</section>\n");
}

#[cfg(test)]
mod tests;
