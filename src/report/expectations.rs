//! The expectations `sshfleet playbook test --expect FILE` holds a run
//! to: per host, its status and finding ids, from a YAML file or an
//! earlier JSON report; and each difference from what a run ended with,
//! one line per host and field. A leaf: it reads a file and a report, and
//! knows nothing of how the run was made.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::report::{Report, Status};

/// What one host must end as.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expected {
    pub status: Status,
    /// Finding ids, in any order; none when left out.
    #[serde(default)]
    pub findings: BTreeSet<String>,
}

/// An expectations file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("--expect {}: {message}", path.display())]
pub(crate) struct ExpectError {
    pub path: PathBuf,
    pub message: String,
}

/// Read the expectations: a YAML mapping of host to [`Expected`], or a
/// JSON report.
pub(crate) fn load_expectations(path: &Path) -> Result<BTreeMap<String, Expected>, ExpectError> {
    let error = |message: String| ExpectError {
        path: path.to_path_buf(),
        message,
    };
    let text = crate::support::bounds::read_yaml_input(path).map_err(|e| error(e.to_string()))?;
    let value: serde_yaml::Value = serde_yaml::from_str(&text).map_err(|e| error(e.to_string()))?;
    if value
        .get("hosts")
        .is_some_and(serde_yaml::Value::is_sequence)
    {
        let report = Report::load(path).map_err(|e| error(e.to_string()))?;
        return Ok(report
            .hosts
            .iter()
            .map(|h| {
                let expected = Expected {
                    status: h.status,
                    findings: h.findings.iter().map(|f| f.id.clone()).collect(),
                };
                (h.name.clone(), expected)
            })
            .collect());
    }
    let expected: BTreeMap<String, Expected> =
        serde_yaml::from_value(value).map_err(|e| error(e.to_string()))?;
    if expected.is_empty() {
        return Err(error("no hosts to expect anything of".to_string()));
    }
    Ok(expected)
}

/// Each difference between what was expected and what the run ended with,
/// one line per host and field.
pub(crate) fn differences(expected: &BTreeMap<String, Expected>, report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let got: BTreeMap<&str, Expected> = report
        .hosts
        .iter()
        .map(|h| {
            let found = Expected {
                status: h.status,
                findings: h.findings.iter().map(|f| f.id.clone()).collect(),
            };
            (h.name.as_str(), found)
        })
        .collect();
    let list = |ids: &BTreeSet<String>| {
        if ids.is_empty() {
            "none".to_string()
        } else {
            ids.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    for (name, want) in expected {
        let Some(have) = got.get(name.as_str()) else {
            out.push(format!(
                "{name}: expected {}, but no such host was replayed",
                want.status.as_str()
            ));
            continue;
        };
        if have.status != want.status {
            out.push(format!(
                "{name}: status: expected {}, got {}",
                want.status.as_str(),
                have.status.as_str()
            ));
        }
        if have.findings != want.findings {
            out.push(format!(
                "{name}: findings: expected {}, got {}",
                list(&want.findings),
                list(&have.findings)
            ));
        }
    }
    for (name, have) in &got {
        if !expected.contains_key(*name) {
            out.push(format!(
                "{name}: not in the expectations (ended {}, findings {})",
                have.status.as_str(),
                list(&have.findings)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn expectations_read_as_yaml_and_differences_name_host_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("expect.yaml");
        std::fs::write(
            &path,
            "esa1: {status: changed, findings: [b, a]}\nesa2: {status: ok}\n",
        )
        .unwrap();
        let expected = load_expectations(&path).unwrap();
        assert_eq!(expected["esa1"].status, Status::Changed);
        assert_eq!(expected["esa2"].findings.len(), 0);
        let mut esa1 = crate::report::HostOutcome::new("esa1", Status::Failed);
        esa1.findings.push(crate::report::finding::FoundFault {
            id: "a".to_string(),
            severity: crate::playbook::Severity::Critical,
            evidence: String::new(),
            message: None,
        });
        let esa3 = crate::report::HostOutcome::new("esa3", Status::Ok);
        let report = Report::new("p", false, chrono::Utc::now(), false, vec![esa1, esa3]);
        assert_eq!(
            differences(&expected, &report),
            [
                "esa1: status: expected changed, got failed",
                "esa1: findings: expected a, b, got a",
                "esa2: expected ok, but no such host was replayed",
                "esa3: not in the expectations (ended ok, findings none)",
            ]
        );
        std::fs::write(&path, "esa1: {status: fine}\n").unwrap();
        let e = load_expectations(&path).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("--expect {}: ", path.display())),
            "{e}"
        );
    }
}
