//! Every value the command line takes is bounded where it is a number or
//! a duration (docs/SECURITY.md I3): each value-taking argument of every
//! subcommand is tried with a number past any bound and a duration past a
//! day; one that takes either must be in [`TEXT_VALUES`], a value that is
//! text by nature (a path, a name, a pattern), with why. A new numeric
//! flag without a bound fails here (round 8: `sim --hosts 99999999` grew
//! memory without end, `sim --update-duration 10000d` was taken).

#![allow(clippy::unwrap_used)]

use clap::CommandFactory;

/// (subcommand path and flag or value name): values that are text by
/// nature (paths, host names and patterns, finding ids, `KEY=VALUE`
/// pairs, vault ids): no number or duration is read from them here
/// (`-e`'s durations are bounded where the playbook reads them).
const TEXT_VALUES: &[&str] = &[
    "demo --replay",
    "demo --report",
    "inventory --inventory",
    "inventory --limit",
    "inventory --pattern",
    "inventory --ssh-config",
    "inventory --vault-id",
    "inventory --vault-password-file",
    "man --out-dir",
    "playbook test --expect",
    "playbook test --extra-vars",
    "playbook test --replay",
    "playbook test --report",
    "playbook test playbook",
    "playbook validate playbook",
    "report diff new",
    "report diff old",
    "report html --out",
    "report html report",
    "report merge --out",
    "report merge reports",
    "report show --finding",
    "report show --host",
    "report show report",
    "run --extra-vars",
    "run --html",
    "run --inventory",
    "run --known-hosts",
    "run --limit",
    "run --lock",
    "run --metrics-file",
    "run --record",
    "run --report",
    "run --retry-failed",
    "run --ssh-config",
    "run --transcripts",
    "run --vault-id",
    "run --vault-password-file",
    "run playbook",
    "sim --hostname",
    "sim --hostname-prefix",
    "sim --inventory-out",
    "sim --replay",
];

/// Numbers the parser takes whole and the run bounds, with why.
const BOUNDED_LATER: &[(&str, &str)] = &[
    (
        "run --forks",
        "plan::Settings checks 1..=100000 before any host (exit 5)",
    ),
    (
        "run --serial",
        "a batch of more hosts than the fleet has is the fleet: nothing is sized by N",
    ),
];

/// Every (path, argument) that takes a value, with its parser's verdict
/// on `value`.
fn accepted(value: &str) -> Vec<(String, bool)> {
    fn walk(cmd: &clap::Command, path: String, value: &str, out: &mut Vec<(String, bool)>) {
        for arg in cmd.get_arguments() {
            if !arg.get_action().takes_values() {
                continue;
            }
            let name = arg
                .get_long()
                .map(|l| format!("--{l}"))
                .unwrap_or_else(|| arg.get_id().to_string());
            // The argument alone, with its own parser (its relations to
            // other arguments left out): does that parser take `value`?
            let probe = clap::Arg::new("probe")
                .long("probe")
                .action(clap::ArgAction::Set)
                .value_parser(arg.get_value_parser().clone());
            let ok = clap::Command::new("probe")
                .no_binary_name(true)
                .arg(probe)
                .try_get_matches_from(["--probe", value])
                .is_ok();
            out.push((format!("{path} {name}").trim().to_string(), ok));
        }
        for sub in cmd.get_subcommands() {
            walk(sub, format!("{path} {}", sub.get_name()), value, out);
        }
    }
    let mut out = Vec::new();
    walk(&super::Cli::command(), String::new(), value, &mut out);
    out
}

#[test]
fn every_numeric_or_duration_value_is_bounded() {
    let mut unbounded = Vec::new();
    for value in ["99999999999999999999", "10000d", "18446744073709551615"] {
        for (arg, ok) in accepted(value) {
            let later = BOUNDED_LATER.iter().any(|(a, _)| *a == arg);
            if ok && !TEXT_VALUES.contains(&arg.as_str()) && !later {
                unbounded.push(format!("{arg} takes `{value}`"));
            }
        }
    }
    unbounded.sort();
    unbounded.dedup_by(|a, b| a.split(" takes").next() == b.split(" takes").next());
    assert!(unbounded.is_empty(), "{}", unbounded.join("\n"));
    // No stale row: every row names an argument that takes a value.
    let all: Vec<String> = accepted("x").into_iter().map(|(a, _)| a).collect();
    for row in TEXT_VALUES
        .iter()
        .chain(BOUNDED_LATER.iter().map(|(a, _)| a))
    {
        assert!(all.iter().any(|a| a == row), "{row} takes no value");
    }
}
