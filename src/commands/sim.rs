//! `sshfleet sim`: serve a simulated fleet (or replayed recordings) on
//! loopback until Ctrl-C or SIGTERM, saying what it serves and how to
//! rehearse against it; or one appliance on stdio (an sshd's login shell).

use std::path::Path;

use sshfleet_sim::serve::{Lab, ReplayOptions, ServeOptions};
use sshfleet_sim::{DefaultShell, EndpointScenario, Model, Scenario, ScenarioChoice, SimModel};

use crate::cli::SimArgs;
use crate::console::shutdown::Shutdown;
use crate::error::Error;
use crate::exit::ExitCode;

pub(super) async fn execute(args: SimArgs) -> Result<ExitCode, Error> {
    if let Some(inventory) = &args.inventory_out {
        check_outputs(inventory, args.replay.as_deref())?;
    }
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
    sshfleet_sim::serve::check_host_name(&args.hostname, "--hostname")?;
    sshfleet_sim::serve_stdio(scenario.profile(&args.hostname)).await?;
    Ok(ExitCode::Success)
}

/// The inventory and, beside it, its `.key` and `.known_hosts` (named as
/// the simulator names them): checked before a server starts, a bad path
/// is the operator's mistake (exit 5), not the simulator's failure. The
/// three are files of their own (`--inventory-out a.key` would be its own
/// key) and never inside `--replay DIR` (the recordings read).
pub(crate) fn check_outputs(inventory: &Path, replay: Option<&Path>) -> Result<(), Error> {
    let files = sshfleet_sim::serve::SimFiles::beside(inventory);
    let outputs = [
        ("--inventory-out", files.inventory.as_path()),
        ("the key beside --inventory-out", &files.key),
        ("the known_hosts beside --inventory-out", &files.known_hosts),
    ];
    for (what, path) in outputs {
        crate::support::outputs::check_file(what, path)?;
    }
    if let Some(dir) = replay {
        crate::support::bounds::note_input_dir("--replay", dir);
    }
    crate::support::outputs::refuse_shared_files(&outputs, &[], &[])?;
    Ok(())
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
    // The recordings know their playbook and whether they were made with
    // --check (then a run without it would fail at the fix they never saw).
    let headers: Vec<_> = sshfleet_recording::Recording::read_dir(&options.dir)
        .map(|all| all.into_iter().map(|(_, r)| r.header).collect())
        .unwrap_or_default();
    let check_mode = !headers.is_empty() && headers.iter().all(|h| h.check_mode);
    let playbook = match headers.split_first() {
        Some((first, rest)) if rest.iter().all(|h| h.playbook == first.playbook) => {
            first.playbook.as_str()
        }
        _ => "PLAYBOOK",
    };
    say!("\nRehearse with:\n");
    say!(
        "  sshfleet run {playbook} -i {} --known-hosts {}{}",
        shell_word(&lab.files.inventory),
        shell_word(&lab.files.known_hosts),
        if check_mode { " --check" } else { "" }
    );
    if check_mode {
        say!(
            "\n(recorded with --check: replay with --check too; a fix the recordings never saw is answered as an unknown command)"
        );
    }
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
        "  sshfleet run {} -i {} --known-hosts {} {}",
        model.playbook(),
        shell_word(&files.inventory),
        shell_word(&files.known_hosts),
        rehearsal_vars(model, options.update_duration)
    );
    say!(
        "\n(update_timeout: how long a forced update may take before the host fails, so how long \
         hosts whose update never lands hold the run; command_timeout: how long one command may \
         take, so how long stop-answering hosts hold it. The defaults, 10m and 60s, are for real \
         machines.)"
    );
    say!(
        "(fixes persist while this process runs: a second rehearsal finds the fixed hosts ok; \
         stop it and start it again to reset every host to its scenario)"
    );
    let has = |scenario: Scenario| planned.iter().any(|h| h.scenario == scenario);
    if model == Model::Windows {
        let cmd = planned
            .iter()
            .filter(|h| matches!(&h.model, SimModel::Windows(p) if p.default_shell == DefaultShell::Cmd))
            .count();
        say!(
            "\n(default shell: cmd.exe on {cmd} endpoints, PowerShell on {})",
            planned.len() - cmd
        );
        if !has(EndpointScenario::UpToDate.into()) {
            say!(
                "(no up-to-date endpoint here: staleness is judged against the newest version seen, so add -e latest_tetra={})",
                sshfleet_sim::windows::LATEST_TETRA
            );
        }
    }
}

/// The `-e` values that suit a simulator, as the banner prints them and the
/// README shows them: an update timeout well past the simulated update
/// (at least 15 s: a trickling host's backlog takes seconds to arrive),
/// 10 s per command, and for endpoints a poll every second.
fn rehearsal_vars(model: Model, update_duration: Option<std::time::Duration>) -> String {
    let update = update_duration.unwrap_or(match model {
        Model::Windows => sshfleet_sim::windows::DEFAULT_TETRA_UPDATE_DURATION,
        _ => sshfleet_sim::DEFAULT_UPDATE_DURATION,
    });
    let timeout = update.saturating_mul(3).as_secs_f64().ceil().max(15.0);
    let poll = if model == Model::Windows {
        " -e update_poll_interval=1s"
    } else {
        ""
    };
    format!("-e update_timeout={timeout}s -e command_timeout=10s{poll}")
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
    fn rehearsal_timeouts_outlast_the_simulated_update() {
        use std::time::Duration;
        assert_eq!(
            rehearsal_vars(Model::Asyncos, None),
            "-e update_timeout=15s -e command_timeout=10s"
        );
        assert_eq!(
            rehearsal_vars(Model::Asyncos, Some(Duration::from_secs(30))),
            "-e update_timeout=90s -e command_timeout=10s"
        );
        assert_eq!(
            rehearsal_vars(Model::Windows, None),
            "-e update_timeout=15s -e command_timeout=10s -e update_poll_interval=1s"
        );
    }

    #[test]
    fn shell_words_are_quoted_only_when_needed() {
        assert_eq!(shell_word(Path::new("/tmp/sim.yaml")), "/tmp/sim.yaml");
        assert_eq!(
            shell_word(Path::new("my lab/it's.yaml")),
            r"'my lab/it'\''s.yaml'"
        );
    }
}
