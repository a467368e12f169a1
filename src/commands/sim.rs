//! `sshfleet sim`: serve a simulated fleet (or replayed recordings) on
//! loopback until Ctrl-C or SIGTERM, saying what it serves and how to
//! rehearse against it; or one appliance on stdio (an sshd's login shell).

use std::path::Path;

use sshfleet_sim::serve::{Lab, ReplayOptions, ServeOptions};
use sshfleet_sim::{
    AsyncOsScenario, DefaultShell, EndpointScenario, Model, Scenario, ScenarioChoice, SimModel,
};

use crate::cli::SimArgs;
use crate::console::shutdown::Shutdown;
use crate::error::Error;
use crate::exit::ExitCode;

pub(super) async fn execute(args: SimArgs) -> Result<ExitCode, Error> {
    if let (Some(dir), Some(inventory_out)) = (&args.replay, &args.inventory_out) {
        let options = ReplayOptions {
            dir: dir.clone(),
            inventory_out: inventory_out.clone(),
            faults: args.fault.iter().map(|f| f.fault()).collect(),
        };
        let lab = sshfleet_sim::serve::start_replay(&options).await?;
        print_replay_banner(&options, &lab);
        return serve(lab, "replayed hosts").await;
    }
    if let Some(inventory_out) = args.inventory_out {
        let options = ServeOptions {
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
        };
        let lab = sshfleet_sim::serve::start(&options).await?;
        print_banner(&options, &lab);
        let noun = format!("simulated {}", options.model.noun());
        return serve(lab, &noun).await;
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

/// Serve `lab` until Ctrl-C, SIGTERM or SIGHUP (the product's one signal
/// handler), then shut it down cleanly.
async fn serve(lab: Lab, noun: &str) -> Result<ExitCode, Error> {
    say!("\nServing until Ctrl-C (SIGINT) or SIGTERM.");
    let shutdown = Shutdown::on_signals();
    shutdown.token().cancelled().await;
    say!("sshfleet sim: stopping {} {noun}", lab.fleet.hosts().len());
    lab.shutdown().await;
    Ok(ExitCode::Success)
}

fn print_replay_banner(options: &ReplayOptions, lab: &Lab) {
    let hosts = lab.fleet.hosts();
    say!(
        "sshfleet sim: {} replayed hosts on 127.0.0.1 from {}{}",
        hosts.len(),
        options.dir.display(),
        if options.faults.is_empty() {
            String::new()
        } else {
            format!(" (faults: {:?})", options.faults)
        }
    );
    for host in hosts {
        say!("  {:<30} {}", host.name, host.addr);
    }
    say!(
        "wrote {}, {} and {}",
        lab.files.inventory.display(),
        lab.files.known_hosts.display(),
        lab.files.key.display()
    );
    say!("\nRehearse with:\n");
    say!(
        "  sshfleet run PLAYBOOK -i {} --known-hosts {}",
        shell_word(&lab.files.inventory),
        shell_word(&lab.files.known_hosts)
    );
}

fn print_banner(options: &ServeOptions, lab: &Lab) {
    let (planned, files) = (&lab.planned, &lab.files);
    let model = options.model;
    let update = options
        .update_duration
        .map_or_else(|| "scenario default".to_string(), |d| format!("{d:?}"));
    say!(
        "sshfleet sim: {} simulated {} on 127.0.0.1 (scenario {}, update duration: {update})",
        planned.len(),
        model.noun(),
        options.scenario
    );
    say!("  scenario              hosts  {} ends", model.playbook());
    for scenario in model.scenarios() {
        let count = planned.iter().filter(|h| h.scenario == scenario).count();
        if count > 0 {
            let expected = scenario.expected().as_str();
            say!("  {:<20} {count:>6}  {expected}", scenario.to_string());
        }
    }
    say!(
        "wrote {}, {} and {}",
        files.inventory.display(),
        files.known_hosts.display(),
        files.key.display()
    );
    say!("\nRehearse with:\n");
    say!(
        "  sshfleet run {} -i {} --known-hosts {}",
        model.playbook(),
        shell_word(&files.inventory),
        shell_word(&files.known_hosts)
    );
    let has = |scenario: Scenario| planned.iter().any(|h| h.scenario == scenario);
    if has(AsyncOsScenario::NeverCompletes.into()) {
        say!(
            "\n(never-completes hosts fail only when update_timeout runs out, 10m by default: add -e update_timeout=30s to rehearse faster)"
        );
    }
    if model == Model::Windows {
        let cmd = planned
            .iter()
            .filter(|h| matches!(&h.model, SimModel::Windows(p) if p.default_shell == DefaultShell::Cmd))
            .count();
        say!(
            "\n(default shell: cmd.exe on {cmd} endpoints, PowerShell on {})",
            planned.len() - cmd
        );
        say!(
            "\n(add -e update_poll_interval=1s -e update_timeout=30s to rehearse faster: endpoints whose version does not move fail only when update_timeout runs out)"
        );
        if !has(EndpointScenario::UpToDate.into()) {
            say!(
                "(no up-to-date endpoint here: staleness is judged against the newest version seen, so add -e latest_tetra={})",
                sshfleet_sim::windows::LATEST_TETRA
            );
        }
    }
}

/// A path as a shell word, quoted only when it needs to be.
fn shell_word(path: &Path) -> String {
    let text = path.display().to_string();
    let plain = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@%".contains(c));
    if plain {
        text
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word(Path::new("/tmp/sim.yaml")), "/tmp/sim.yaml");
        assert_eq!(
            shell_word(Path::new("my lab/it's.yaml")),
            r"'my lab/it'\''s.yaml'"
        );
    }
}
