//! `sshfleet sim`: serve a simulated fleet (or replayed recordings) until
//! Ctrl-C, or one appliance on stdio (an sshd's login shell).

use crate::cli::SimArgs;
use crate::error::Error;
use crate::exit::ExitCode;

/// `sshfleet sim`: a fleet until Ctrl-C, or one appliance on stdio.
pub(super) async fn run(args: SimArgs) -> Result<ExitCode, Error> {
    use sshfleet_sim::{Scenario, ScenarioChoice};
    if let (Some(dir), Some(inventory_out)) = (&args.replay, &args.inventory_out) {
        sshfleet_sim::serve::serve_replay(sshfleet_sim::serve::ReplayOptions {
            dir: dir.clone(),
            inventory_out: inventory_out.clone(),
            faults: args.fault.iter().map(|f| f.fault()).collect(),
        })
        .await?;
        return Ok(ExitCode::Success);
    }
    if let Some(inventory_out) = args.inventory_out {
        sshfleet_sim::serve::serve(sshfleet_sim::serve::ServeOptions {
            model: args.model,
            hosts: args.hosts,
            scenario: args
                .scenario
                .unwrap_or_else(|| args.model.default_scenario()),
            update_duration: args.update_duration,
            inventory_out,
            hostname_prefix: args
                .hostname_prefix
                .unwrap_or_else(|| args.model.prefix().to_string()),
            default_shell: args.default_shell,
        })
        .await?;
        return Ok(ExitCode::Success);
    }
    // One appliance: an AsyncOS scenario, never `mixed`.
    let scenario = args.scenario.unwrap_or(ScenarioChoice::One(
        sshfleet_sim::AsyncOsScenario::Broken.into(),
    ));
    let ScenarioChoice::One(Scenario::AsyncOs(scenario)) = scenario else {
        return Err(Error::Usage(format!("unknown scenario `{scenario}`")));
    };
    sshfleet_sim::serve_stdio(scenario.profile(&args.hostname)).await?;
    Ok(ExitCode::Success)
}
