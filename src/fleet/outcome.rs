//! The status rules of one host's run: success needs confirmation; a
//! fault found and not fixed is a failure, not "ok".

use crate::playbook::exec::Execution;
use crate::report::{HostOutcome, Status};

/// The status rules: success needs confirmation; a fault found and not
/// fixed is a failure, not "ok".
pub(super) fn outcome_of(name: &str, run: Execution, check_mode: bool) -> HostOutcome {
    let unresolved: Vec<&str> = run
        .findings
        .iter()
        .filter(|f| f.severity > crate::playbook::Severity::Info)
        .map(|f| f.id.as_str())
        .collect();
    // The first of the most severe findings says what to do about it; the
    // ids follow once, in brackets.
    let worst = run
        .findings
        .iter()
        .rev()
        .max_by_key(|f| f.severity)
        .and_then(|f| f.message.as_deref());
    let (status, error) = if let Some(error) = run.error {
        (Status::Failed, Some(error))
    } else if run.changed || (check_mode && run.would_change) {
        (Status::Changed, None)
    } else if !unresolved.is_empty() {
        // A change that ran but was not confirmed (`on_timeout:
        // unconfirmed`) is named: it was applied, and did not fix it.
        let applied = if run.actions.is_empty() {
            "no remediation step applied".to_string()
        } else {
            format!("{} applied, not confirmed", run.actions.join(", "))
        };
        (
            Status::Failed,
            Some(match worst {
                Some(message) => format!(
                    "{} (found {}; {applied})",
                    message.trim_end_matches('.'),
                    unresolved.join(", ")
                ),
                None => format!("found {}; {applied}", unresolved.join(", ")),
            }),
        )
    } else {
        (Status::Ok, None)
    };
    HostOutcome {
        name: name.to_string(),
        status,
        duration_ms: 0,
        facts: run.facts,
        findings: run.findings,
        actions: run.actions,
        confirmations: run.confirmations,
        error,
        warnings: run.warnings,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::playbook::Severity;
    use crate::report::finding::FoundFault;

    fn found(id: &str, severity: Severity, message: &str) -> FoundFault {
        FoundFault {
            id: id.to_string(),
            severity,
            evidence: String::new(),
            message: Some(message.to_string()),
        }
    }

    #[test]
    fn a_failure_names_the_change_that_ran_and_did_not_fix_it() {
        let run = Execution {
            findings: vec![
                found("tetra-stale", Severity::Warning, "stale"),
                found(
                    "tetra-dns-unresolved",
                    Severity::Critical,
                    "does not resolve.",
                ),
            ],
            ..Execution::default()
        };
        let o = outcome_of("pc01", run.clone(), false);
        assert_eq!(o.status, Status::Failed);
        assert_eq!(
            o.error.as_deref(),
            Some(
                "does not resolve (found tetra-stale, tetra-dns-unresolved; no remediation step applied)"
            )
        );
        let applied = Execution {
            actions: vec!["sfc.exe -forceupdate".to_string()],
            ..run
        };
        let o = outcome_of("pc01", applied, false);
        assert_eq!(o.status, Status::Failed);
        assert!(
            o.error
                .as_deref()
                .unwrap()
                .ends_with("; sfc.exe -forceupdate applied, not confirmed)"),
            "{:?}",
            o.error
        );
    }
}
