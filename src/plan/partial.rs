//! A run over part of the inventory (`--limit`, `--shard`,
//! `--retry-failed`) and a fleet value (`fleet: {x: {max_of: ...}}`): the
//! highest value over part of the fleet is not the fleet's, and a verdict
//! relative to it would pass hosts that the whole run fails. Such a run is
//! refused before any host, unless the playbook's `overridden_by` variable
//! stands in for the fleet value on every selected host.

use super::PlanError;
use crate::playbook::vars::HostVars;
use crate::playbook::{Playbook, StepKind};

/// How the run selects part of the inventory, as the options read.
pub(crate) fn selection_options(limit: bool, shard: bool, retry_failed: bool) -> Vec<&'static str> {
    [
        (limit, "--limit"),
        (shard, "--shard"),
        (retry_failed, "--retry-failed"),
    ]
    .into_iter()
    .filter_map(|(given, option)| given.then_some(option))
    .collect()
}

/// Refuse a partial run (`options` non-empty) whose playbook computes a
/// fleet value that no given variable overrides for every selected host.
pub(crate) fn check(
    playbook: &Playbook,
    options: &[&str],
    hosts: &[HostVars],
) -> Result<(), PlanError> {
    if options.is_empty() {
        return Ok(());
    }
    for step in &playbook.steps {
        let StepKind::Fleet(values) = &step.kind else {
            continue;
        };
        for value in values {
            let overridden = value
                .overridden_by
                .as_ref()
                .is_some_and(|var| hosts.iter().all(|h| h.values.contains_key(var)));
            if overridden {
                continue;
            }
            let fix = match &value.overridden_by {
                Some(var) => format!(
                    "give `-e {var}=VALUE` (which the playbook uses instead) or run the whole inventory"
                ),
                None => "run the whole inventory".to_string(),
            };
            return Err(PlanError::PartialFleet(format!(
                "{} select part of the inventory, but step `{}` of playbook {} compares each host with `{}`, the highest `{}` across the fleet: over part of the fleet it is not the fleet's, and hosts behind the rest of the fleet would pass; {fix}",
                options.join(", "),
                step.name,
                playbook.name,
                value.target,
                value.source,
            )));
        }
    }
    Ok(())
}
