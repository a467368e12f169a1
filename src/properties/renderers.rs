//! Every text renderer of a report (the run's table, `report show` and its
//! groupings, `--host`, `report diff`, the HTML page, a host's line) on
//! reports whose names, finding ids, actions and reasons are as long as an
//! inventory or a report may make them: 65536 characters and more once
//! broke `{:w$}` (std panics past `u16::MAX`, docs/SECURITY.md I7).

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;

use super::config;
use crate::report::finding::{FoundFault, Severity};
use crate::report::{HostOutcome, Report, Status};

/// Every way a report becomes text, by name.
type Renderer = fn(&Report) -> String;
const RENDERERS: &[(&str, Renderer)] = &[
    ("table", |r| r.table(None)),
    ("table with labels", |r| {
        let labels: BTreeMap<String, String> = r
            .hosts
            .iter()
            .map(|h| (h.name.clone(), h.name.clone()))
            .collect();
        r.table(Some(("SCENARIO", &labels)))
    }),
    ("report show", Report::table_with_reasons),
    ("report show --group-by finding", Report::tables_by_finding),
    ("report show --host", |r| {
        r.hosts
            .iter()
            .filter_map(|h| r.host_detail(&h.name))
            .collect()
    }),
    ("a host's line", |r| {
        r.hosts.iter().map(HostOutcome::line).collect()
    }),
    ("report diff", |r| {
        let mut old = r.clone();
        old.hosts.iter_mut().for_each(|h| h.status = Status::Ok);
        crate::report::diff(&old, Path::new("a"), r, Path::new("b"))
            .unwrap()
            .concat()
    }),
    ("HTML", |r| crate::report::html::render(r, Some("r.json"))),
];

/// A text of one of the lengths that matter around `u16::MAX`.
fn long_text() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&[0usize, 1, 65_535, 65_536, 70_000][..]),
        prop::sample::select(&['a', 'é', '\u{1b}', ' '][..]),
    )
        .prop_map(|(n, c)| std::iter::repeat_n(c, n).collect())
}

fn host(name: String, id: String, action: String, reason: String, status: Status) -> HostOutcome {
    let mut host = HostOutcome::new(&name, status);
    host.findings.push(FoundFault {
        id,
        severity: Severity::Warning,
        evidence: reason.clone(),
        message: Some(reason.clone()),
    });
    host.actions.push(action);
    host.error = Some(reason);
    host
}

#[test]
fn every_renderer_takes_fields_longer_than_a_format_width() {
    let mut names: Vec<&str> = RENDERERS.iter().map(|(n, _)| *n).collect();
    names.dedup();
    assert_eq!(names.len(), RENDERERS.len(), "a renderer listed twice");
    let fields = (long_text(), long_text(), long_text(), long_text());
    let status = prop::sample::select(Status::ALL.to_vec());
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        // Each case renders megabytes: a few cover the lengths.
        cases: config().cases.min(10),
        ..config()
    });
    runner
        .run(&(fields, status), |((name, id, action, reason), status)| {
            let hosts = vec![
                host(
                    name.clone(),
                    id.clone(),
                    action.clone(),
                    reason.clone(),
                    status,
                ),
                host(format!("{name}2"), id, action, reason, Status::Failed),
            ];
            let report = Report::new("p", false, chrono::Utc::now(), false, hosts);
            for (what, render) in RENDERERS {
                let text = std::panic::catch_unwind(|| render(&report))
                    .map_err(|_| TestCaseError::fail(format!("{what} panicked")))?;
                // Every renderer names the host (the HTML page escapes ESC
                // and spaces may be trimmed, so a letter is looked for).
                let shown: String = name.chars().take(64).collect();
                prop_assert!(
                    !shown.starts_with(char::is_alphabetic) || text.contains(&shown),
                    "{what} lost the host"
                );
            }
            Ok(())
        })
        .unwrap();
}
