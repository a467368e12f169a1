//! The status rules, the product's central promise: success needs
//! confirmation, and a fault found and not fixed is a failure, not "ok".
//!
//! What a host did decides its status through one table, [`RULES`]: every
//! way a host can stop before its steps are done ([`Stopped`]), and every
//! combination of what its steps did ([`Ran`]). A test fails when a
//! combination is missing from the table or appears twice.

use crate::playbook::Severity;
use crate::playbook::exec::Execution;
use crate::report::{HostOutcome, Status};

/// Why a host did not get through its steps on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stopped {
    /// A batch before it went over `--max-fail-percent`: never started.
    RolloutHalted,
    /// The run was stopped before the host got a fork.
    InterruptedBeforeStart,
    /// No connection could be made (after the retries).
    Unreachable,
    /// The run was stopped while the host was connecting.
    InterruptedConnecting,
    /// Connected, but no session to run steps in (no channel, no prompt,
    /// the prompt names another appliance under `prompt_host: error`).
    NoSession,
    /// The run was stopped while the host waited at a `fleet:` barrier.
    InterruptedAtBarrier,
    /// The host's task ended without an outcome: a bug. The host still
    /// gets its line.
    Internal,
}

#[cfg(test)]
impl Stopped {
    pub(crate) const ALL: [Stopped; 7] = [
        Stopped::RolloutHalted,
        Stopped::InterruptedBeforeStart,
        Stopped::Unreachable,
        Stopped::InterruptedConnecting,
        Stopped::NoSession,
        Stopped::InterruptedAtBarrier,
        Stopped::Internal,
    ];
}

/// What the steps of a host that ran them did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ran {
    /// A step failed (a change not confirmed included), or the run was
    /// stopped during the steps.
    pub failed: bool,
    /// A changing step ran and every step after it passed.
    pub changed: bool,
    /// Check mode: a changing step would have run.
    pub would_change: bool,
    /// A finding more severe than `info`.
    pub unresolved: bool,
}

#[cfg(test)]
impl Ran {
    /// Every combination, in the table's order.
    pub(crate) fn all() -> impl Iterator<Item = Ran> {
        (0..16u8).map(|bits| Ran {
            failed: bits & 8 != 0,
            changed: bits & 4 != 0,
            would_change: bits & 2 != 0,
            unresolved: bits & 1 != 0,
        })
    }
}

/// What a host did, as far as its status goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Did {
    Stopped(Stopped),
    Ran(Ran),
}

/// One line of the table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rule {
    pub did: Did,
    pub status: Status,
    /// Why, in an operator's words.
    pub why: &'static str,
}

const fn stopped(stopped: Stopped, status: Status, why: &'static str) -> Rule {
    Rule {
        did: Did::Stopped(stopped),
        status,
        why,
    }
}

/// `f`ailed, `c`hanged, `w`ould change, `u`nresolved finding.
const fn ran(f: bool, c: bool, w: bool, u: bool, status: Status, why: &'static str) -> Rule {
    Rule {
        did: Did::Ran(Ran {
            failed: f,
            changed: c,
            would_change: w,
            unresolved: u,
        }),
        status,
        why,
    }
}

const T: bool = true;
const F: bool = false;
const FAILED_STEP: &str = "a step failed: nothing it claimed is confirmed";
const CHANGED: &str = "a change was made (or would be, in check mode) and confirmed";
const FOUND: &str = "a fault was found and no remediation step applied";
const CLEAN: &str = "every step passed, nothing to fix";

/// Every combination of what a host did, and its status.
pub(crate) const RULES: [Rule; 23] = [
    stopped(
        Stopped::RolloutHalted,
        Status::Skipped,
        "not run: the rollout stopped",
    ),
    stopped(
        Stopped::InterruptedBeforeStart,
        Status::Skipped,
        "not run: the run was interrupted",
    ),
    stopped(Stopped::Unreachable, Status::Unreachable, "no connection"),
    stopped(
        Stopped::InterruptedConnecting,
        Status::Failed,
        "stopped while connecting",
    ),
    stopped(
        Stopped::NoSession,
        Status::Failed,
        "connected, but no session to run steps in",
    ),
    stopped(
        Stopped::InterruptedAtBarrier,
        Status::Failed,
        "stopped between its steps",
    ),
    stopped(
        Stopped::Internal,
        Status::Failed,
        "no outcome: never claim success",
    ),
    //  failed changed would unresolved
    ran(F, F, F, F, Status::Ok, CLEAN),
    ran(F, F, F, T, Status::Failed, FOUND),
    ran(F, F, T, F, Status::Changed, CHANGED),
    ran(F, F, T, T, Status::Changed, CHANGED),
    ran(F, T, F, F, Status::Changed, CHANGED),
    ran(F, T, F, T, Status::Changed, CHANGED),
    ran(F, T, T, F, Status::Changed, CHANGED),
    ran(F, T, T, T, Status::Changed, CHANGED),
    ran(T, F, F, F, Status::Failed, FAILED_STEP),
    ran(T, F, F, T, Status::Failed, FAILED_STEP),
    ran(T, F, T, F, Status::Failed, FAILED_STEP),
    ran(T, F, T, T, Status::Failed, FAILED_STEP),
    ran(T, T, F, F, Status::Failed, FAILED_STEP),
    ran(T, T, F, T, Status::Failed, FAILED_STEP),
    ran(T, T, T, F, Status::Failed, FAILED_STEP),
    ran(T, T, T, T, Status::Failed, FAILED_STEP),
];

/// The status the table gives. A combination missing from it (the test
/// below forbids that) fails the host: success is never assumed.
pub(crate) fn status_of(did: Did) -> Status {
    match RULES.iter().find(|rule| rule.did == did) {
        Some(rule) => {
            tracing::debug!("status {} ({})", rule.status.as_str(), rule.why);
            rule.status
        }
        None => Status::Failed,
    }
}

/// A host that stopped before its steps were done, and why.
pub(crate) fn stopped_outcome(name: &str, stopped: Stopped, error: String) -> HostOutcome {
    let mut outcome = HostOutcome::new(name, status_of(Did::Stopped(stopped)));
    outcome.error = Some(error);
    outcome
}

/// What the host's steps did, as the table reads it. In check mode only
/// a change that would be made counts as one.
pub(crate) fn what_ran(run: &Execution, check_mode: bool) -> Ran {
    Ran {
        failed: run.error.is_some(),
        changed: run.changed,
        would_change: check_mode && run.would_change,
        unresolved: run.findings.iter().any(|f| f.severity > Severity::Info),
    }
}

/// The outcome of a host that ran its steps: its status from the table,
/// and for a fault found and not fixed, what to do about it.
pub(crate) fn outcome_of(name: &str, run: Execution, check_mode: bool) -> HostOutcome {
    let did = what_ran(&run, check_mode);
    let status = status_of(Did::Ran(did));
    let error = match (&run.error, status) {
        (Some(error), _) => Some(error.clone()),
        (None, Status::Failed) => Some(unresolved_message(&run)),
        (None, _) => None,
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
        // Placed on the run's time axis when the host is done.
        steps: Vec::new(),
    }
}

/// The first of the most severe findings says what to do about it; the
/// ids of every finding above `info` follow once, in brackets.
fn unresolved_message(run: &Execution) -> String {
    let unresolved: Vec<&str> = run
        .findings
        .iter()
        .filter(|f| f.severity > Severity::Info)
        .map(|f| f.id.as_str())
        .collect();
    let worst = run
        .findings
        .iter()
        .rev()
        .max_by_key(|f| f.severity)
        .and_then(|f| f.message.as_deref());
    // A change that ran but was not confirmed (`on_timeout:
    // unconfirmed`) is named: it was applied, and did not fix it.
    let applied = if run.actions.is_empty() {
        "no remediation step applied".to_string()
    } else {
        format!("{} applied, not confirmed", run.actions.join(", "))
    };
    match worst {
        Some(message) => format!(
            "{} (found {}; {applied})",
            message.trim_end_matches('.'),
            unresolved.join(", ")
        ),
        None => format!("found {}; {applied}", unresolved.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::report::finding::FoundFault;

    fn finding(id: &str, severity: Severity, message: Option<&str>) -> FoundFault {
        FoundFault {
            id: id.to_string(),
            severity,
            evidence: "line".to_string(),
            message: message.map(str::to_string),
        }
    }

    /// A host's steps that did exactly `did` (an `info` finding always
    /// among them: it never counts).
    fn execution(did: Ran) -> (Execution, bool) {
        let mut run = Execution {
            changed: did.changed,
            would_change: did.would_change,
            error: did
                .failed
                .then(|| "step `update`: no confirmation".to_string()),
            ..Execution::default()
        };
        run.findings
            .push(finding("note", Severity::Info, Some("Just so you know.")));
        if did.unresolved {
            run.findings.push(finding(
                "stale",
                Severity::Warning,
                Some("Definitions are stale."),
            ));
        }
        (run, did.would_change)
    }

    /// The status of a host that did `did`, through the code the runner
    /// calls, and the error it carries.
    fn judged(did: Did) -> (Status, Option<String>) {
        let outcome = match did {
            Did::Stopped(stopped) => stopped_outcome("esa01", stopped, "why".to_string()),
            Did::Ran(ran) => {
                let (run, check_mode) = execution(ran);
                outcome_of("esa01", run, check_mode)
            }
        };
        (outcome.status, outcome.error)
    }

    /// One test per line of the table, its expected status written here
    /// again: changing a rule means changing its test.
    macro_rules! rules {
        ($($name:ident: $did:expr => $status:expr;)*) => {
            $(
                #[test]
                fn $name() {
                    let (status, error) = judged($did);
                    assert_eq!(status, $status, "{:?}", $did);
                    if status == Status::Ok || status == Status::Changed {
                        assert_eq!(error, None);
                    } else {
                        assert!(error.is_some(), "a {status:?} host says why");
                    }
                }
            )*
            const TESTED: &[Did] = &[$($did),*];
        };
    }

    const fn r(failed: bool, changed: bool, would_change: bool, unresolved: bool) -> Did {
        Did::Ran(Ran {
            failed,
            changed,
            would_change,
            unresolved,
        })
    }

    rules! {
        rollout_stopped_is_skipped: Did::Stopped(Stopped::RolloutHalted) => Status::Skipped;
        interrupted_before_start_is_skipped: Did::Stopped(Stopped::InterruptedBeforeStart) => Status::Skipped;
        no_connection_is_unreachable: Did::Stopped(Stopped::Unreachable) => Status::Unreachable;
        interrupted_connecting_fails: Did::Stopped(Stopped::InterruptedConnecting) => Status::Failed;
        no_session_fails: Did::Stopped(Stopped::NoSession) => Status::Failed;
        interrupted_at_a_barrier_fails: Did::Stopped(Stopped::InterruptedAtBarrier) => Status::Failed;
        no_outcome_fails: Did::Stopped(Stopped::Internal) => Status::Failed;
        clean_is_ok: r(F, F, F, F) => Status::Ok;
        found_not_fixed_fails: r(F, F, F, T) => Status::Failed;
        would_change_is_changed: r(F, F, T, F) => Status::Changed;
        would_change_with_a_finding_is_changed: r(F, F, T, T) => Status::Changed;
        changed_is_changed: r(F, T, F, F) => Status::Changed;
        changed_with_a_finding_is_changed: r(F, T, F, T) => Status::Changed;
        changed_and_would_change_is_changed: r(F, T, T, F) => Status::Changed;
        changed_would_change_and_finding_is_changed: r(F, T, T, T) => Status::Changed;
        failed_step_fails: r(T, F, F, F) => Status::Failed;
        failed_step_with_a_finding_fails: r(T, F, F, T) => Status::Failed;
        failed_step_after_would_change_fails: r(T, F, T, F) => Status::Failed;
        failed_step_after_would_change_and_finding_fails: r(T, F, T, T) => Status::Failed;
        unconfirmed_change_fails: r(T, T, F, F) => Status::Failed;
        unconfirmed_change_with_a_finding_fails: r(T, T, F, T) => Status::Failed;
        failed_after_change_and_would_change_fails: r(T, T, T, F) => Status::Failed;
        failed_after_everything_fails: r(T, T, T, T) => Status::Failed;
    }

    /// Every way a host can stop: adding a variant breaks this match, and
    /// then the count below.
    fn index(stopped: Stopped) -> usize {
        match stopped {
            Stopped::RolloutHalted => 0,
            Stopped::InterruptedBeforeStart => 1,
            Stopped::Unreachable => 2,
            Stopped::InterruptedConnecting => 3,
            Stopped::NoSession => 4,
            Stopped::InterruptedAtBarrier => 5,
            Stopped::Internal => 6,
        }
    }

    fn every_combination() -> Vec<Did> {
        let stopped: Vec<usize> = Stopped::ALL.iter().map(|s| index(*s)).collect();
        assert_eq!(
            stopped,
            (0..7).collect::<Vec<_>>(),
            "Stopped::ALL lists each once"
        );
        Stopped::ALL
            .into_iter()
            .map(Did::Stopped)
            .chain(Ran::all().map(Did::Ran))
            .collect()
    }

    #[test]
    fn the_table_has_every_combination_once_and_each_its_test() {
        let all = every_combination();
        assert_eq!(all.len(), 7 + 16);
        for did in &all {
            let lines = RULES.iter().filter(|rule| rule.did == *did).count();
            assert_eq!(lines, 1, "{did:?} is in the table {lines} times");
            assert!(TESTED.contains(did), "{did:?} has no test");
        }
        assert_eq!(RULES.len(), all.len());
        assert!(RULES.iter().all(|rule| !rule.why.is_empty()));
    }

    #[test]
    fn success_is_never_claimed_without_the_steps_passing() {
        for rule in &RULES {
            if matches!(rule.status, Status::Ok | Status::Changed) {
                let Did::Ran(ran) = rule.did else {
                    panic!("{rule:?}: a host that did not run its steps succeeded");
                };
                assert!(!ran.failed, "{rule:?}");
            }
        }
    }

    #[test]
    fn a_fault_left_unfixed_says_what_to_do_and_which_ids() {
        let mut run = Execution::default();
        run.findings
            .push(finding("note", Severity::Info, Some("FYI.")));
        run.findings
            .push(finding("warn-a", Severity::Warning, Some("A is off.")));
        run.findings
            .push(finding("crit-b", Severity::Critical, Some("B is broken.")));
        run.findings
            .push(finding("crit-c", Severity::Critical, None));
        let outcome = outcome_of("esa01", run, false);
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(
            outcome.error.as_deref(),
            Some("B is broken (found warn-a, crit-b, crit-c; no remediation step applied)")
        );
        let mut run = Execution::default();
        run.findings.push(finding("bare", Severity::Warning, None));
        assert_eq!(
            outcome_of("esa01", run, false).error.as_deref(),
            Some("found bare; no remediation step applied")
        );
    }

    #[test]
    fn would_change_counts_only_in_check_mode() {
        let run = Execution {
            would_change: true,
            ..Execution::default()
        };
        assert_eq!(outcome_of("esa01", run.clone(), false).status, Status::Ok);
        assert_eq!(outcome_of("esa01", run, true).status, Status::Changed);
    }

    #[test]
    fn a_failure_names_the_change_that_ran_and_did_not_fix_it() {
        let found = |id: &str, severity: Severity, message: &str| FoundFault {
            id: id.to_string(),
            severity,
            evidence: String::new(),
            message: Some(message.to_string()),
        };
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
        assert_eq!(
            o.error.as_deref(),
            Some(
                "does not resolve (found tetra-stale, tetra-dns-unresolved; sfc.exe -forceupdate applied, not confirmed)"
            )
        );
    }
}
