//! The run's record as it leaves the process: the fleet keeps every text
//! true (a host's name, its output, an error as the host worded it); what
//! the terminal, the JSON log, the summary table, the report file, the
//! HTML page and the metrics file are given has every control character
//! escaped (`\u{1b}`), newlines too: one field, one line. The report
//! file's texts are escaped as they always were (README, "Nothing raw
//! from a host"), so a report read back prints the same.

use std::borrow::Cow;
use std::path::Path;
use std::sync::Arc;

use crate::fleet::Observer;
use crate::report::{HostOutcome, Report};
use crate::support::sanitize::escape;

fn in_place(text: &mut String) {
    if let Cow::Owned(clean) = escape(text) {
        *text = clean;
    }
}

/// A JSON value with every string in it escaped.
fn json(v: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match v {
        Value::String(mut s) => {
            in_place(&mut s);
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(json).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (escape(&k).into_owned(), json(v)))
                .collect(),
        ),
        other => other,
    }
}

/// `report` with the texts the fleet gave it (the playbook's name and
/// every host's outcome) escaped.
pub(crate) fn report(mut report: Report) -> Report {
    in_place(&mut report.playbook);
    in_place(&mut report.sshfleet_version);
    report.inventory.iter_mut().for_each(in_place);
    if let Some(limit) = &mut report.limit {
        in_place(limit);
    }
    report.extra_vars = std::mem::take(&mut report.extra_vars)
        .into_iter()
        .map(|(k, mut v)| {
            in_place(&mut v);
            (escape(&k).into_owned(), v)
        })
        .collect();
    report.hosts = std::mem::take(&mut report.hosts)
        .into_iter()
        .map(outcome)
        .collect();
    report
}

/// Write the report file, 0600 (it names hosts and their faults), into a
/// new file renamed into place. Every report sshfleet writes comes here,
/// whichever command wrote it: `run`'s, `report merge`'s (whose inputs
/// are whoever's files), so each holds its texts escaped the same way
/// (escaping escaped text changes nothing).
pub(crate) fn write(report: &Report, path: &Path) -> std::io::Result<()> {
    let text = self::report(report.clone()).to_json()?;
    crate::support::outputs::write_atomic(path, &text, 0o600)
}

/// A host's outcome with every string in it escaped.
fn outcome(mut o: HostOutcome) -> HostOutcome {
    in_place(&mut o.name);
    o.facts = std::mem::take(&mut o.facts)
        .into_iter()
        .map(|(k, v)| (escape(&k).into_owned(), json(v)))
        .collect();
    for c in &mut o.confirmations {
        in_place(&mut c.step);
        in_place(&mut c.line);
        if let Some(at) = &mut c.at {
            in_place(at);
        }
    }
    for f in &mut o.findings {
        in_place(&mut f.id);
        in_place(&mut f.evidence);
        if let Some(m) = &mut f.message {
            in_place(m);
        }
    }
    o.actions.iter_mut().for_each(in_place);
    for step in &mut o.steps {
        in_place(&mut step.name);
    }
    o.warnings.iter_mut().for_each(in_place);
    if let Some(e) = &mut o.error {
        in_place(e);
    }
    o
}

/// An observer that sees only escaped text: what the terminal and the
/// JSON log are told of a run goes through here.
pub(crate) struct Escaped(pub Arc<dyn Observer>);

impl Observer for Escaped {
    fn started(&self, host: &str) {
        self.0.started(&escape(host));
    }
    fn step(&self, host: &str, step: &str, deadline: Option<std::time::Duration>) {
        self.0.step(&escape(host), &escape(step), deadline);
    }
    fn finished(&self, o: &HostOutcome) {
        self.0.finished(&outcome(o.clone()));
    }
    fn batch(&self, number: usize, of: usize, hosts: &[String]) {
        let hosts: Vec<String> = hosts.iter().map(|h| escape(h).into_owned()).collect();
        self.0.batch(number, of, &hosts);
    }
    fn stopped(&self, reason: &str, not_run: usize) {
        self.0.stopped(&escape(reason), not_run);
    }
}
