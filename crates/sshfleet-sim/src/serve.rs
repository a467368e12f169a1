//! `sshfleet sim --hosts N --inventory-out PATH`: a simulated fleet served
//! on loopback until interrupted, with the files a real run needs written
//! next to the inventory, so operators can rehearse a playbook (and test
//! their own) before touching production.
//!
//! Beside `PATH` (say `sim.yaml`) it writes `sim.key` (the client key every
//! simulated host accepts for `admin`), `sim.known_hosts` (every host's key)
//! and then the inventory itself. Each file is written whole and renamed
//! into place, the inventory last, once every server listens: a script may
//! start its run as soon as the inventory exists.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey};
use serde::Serialize;

use crate::scenario::{MIXED, Model, Scenario, ScenarioChoice};
use crate::{
    DefaultShell, Fault, ForceUpdate, Named, SimAuth, SimError, SimFleet, SimModel, SimModelConfig,
    UpdateBehaviour,
};

/// The user every simulated host accepts.
pub const SIM_USER: &str = "admin";

/// What `sshfleet sim` was asked to serve.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub model: Model,
    /// How many appliances.
    pub hosts: usize,
    /// One scenario of `model`, or every one of them.
    pub scenario: ScenarioChoice,
    /// Overrides how long `ecupdate force` takes on scenarios that complete.
    pub update_duration: Option<Duration>,
    /// Where the inventory goes; the key and known_hosts go beside it.
    pub inventory_out: PathBuf,
    /// Hosts are named `<prefix>001.sim.example.com`, ...
    pub hostname_prefix: String,
    /// The default shell of Windows endpoints.
    pub default_shell: ShellChoice,
}

/// `--default-shell`: which shell OpenSSH for Windows hands exec requests
/// to on the simulated endpoints.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ShellChoice {
    Cmd,
    Powershell,
    #[default]
    Mixed,
}

named_values!(ShellChoice, "default shell" {
    Cmd => "cmd", "cmd.exe on every endpoint, as Windows ships";
    Powershell => "powershell",
        "PowerShell on every endpoint (`DefaultShell` set by an administrator)";
    Mixed => "mixed", "Both: cmd.exe on odd-numbered endpoints, PowerShell on even ones";
});

impl ShellChoice {
    /// The default shell of host `index` (from 0).
    pub fn of_host(self, index: usize) -> DefaultShell {
        match self {
            ShellChoice::Cmd => DefaultShell::Cmd,
            ShellChoice::Powershell => DefaultShell::Powershell,
            ShellChoice::Mixed if index.is_multiple_of(2) => DefaultShell::Cmd,
            ShellChoice::Mixed => DefaultShell::Powershell,
        }
    }
}

/// One host of the plan: its scenario and profile.
#[derive(Debug, Clone)]
pub struct PlannedHost {
    pub scenario: Scenario,
    pub model: SimModel,
}

/// `esa001.sim.example.com`: numbered from 1, zero-padded to the width of
/// the fleet size.
pub fn host_name(prefix: &str, number: usize, fleet_size: usize) -> String {
    let (width, digits) = (fleet_size.to_string().len(), number.to_string());
    let zeros = "0".repeat(width.saturating_sub(digits.len()));
    format!("{prefix}{zeros}{digits}.sim.example.com")
}

/// The appliances to simulate, in order, or why the options are invalid.
pub fn plan(options: &ServeOptions) -> Result<Vec<PlannedHost>, SimError> {
    if options.hosts == 0 {
        return Err(SimError::Invalid("--hosts must be at least 1".to_string()));
    }
    let model = options.model;
    check_prefix(&options.hostname_prefix)?;
    if let ScenarioChoice::One(scenario) = options.scenario
        && scenario.model() != model
    {
        let names: Vec<String> = model.scenarios().iter().map(ToString::to_string).collect();
        return Err(SimError::Invalid(format!(
            "unknown {} scenario `{scenario}` (one of {}, {MIXED})",
            model.playbook(),
            names.join(", ")
        )));
    }
    Ok((0..options.hosts)
        .map(|index| {
            let scenario = match options.scenario {
                ScenarioChoice::One(scenario) => scenario,
                ScenarioChoice::Mixed => model.mixed_scenario(index),
            };
            let name = host_name(&options.hostname_prefix, index + 1, options.hosts);
            let mut model = scenario.profile(&name);
            if let Some(duration) = options.update_duration {
                set_update_duration(&mut model, duration);
            }
            if let SimModel::Windows(profile) = &mut model {
                profile.default_shell = options.default_shell.of_host(index);
            }
            PlannedHost { scenario, model }
        })
        .collect())
}

/// The prompt is the host name, and the playbook's prompt pattern (like the
/// appliance) accepts letters, digits, `.`, `_` and `-`, starting with a
/// letter or digit.
fn check_prefix(prefix: &str) -> Result<(), SimError> {
    check_host_name(prefix, "--hostname-prefix")
}

/// A host name the simulator shows in its prompt (`--hostname`,
/// `--hostname-prefix`): the characters an appliance's prompt holds, so
/// none of them is a terminal escape written raw (round 8).
pub fn check_host_name(name: &str, flag: &str) -> Result<(), SimError> {
    let prefix = name;
    let starts_well = prefix
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let rest_ok = prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if starts_well && rest_ok {
        Ok(())
    } else {
        Err(SimError::Invalid(format!(
            "{flag} `{}`: use letters, digits, `.`, `_` and `-`, starting with a letter or digit",
            prefix.escape_debug()
        )))
    }
}

/// Sets how long the update takes, where it completes at all. A connection
/// that drops mid-follow must still drop before the update would complete,
/// or the scenario would test nothing: it drops at half the update's
/// duration when that is earlier than its usual second.
fn set_update_duration(model: &mut SimModel, duration: Duration) {
    match model {
        SimModel::AsyncOs(profile) => {
            if let UpdateBehaviour::CompletesAfter(d) = &mut profile.update {
                *d = duration;
            }
            for fault in &mut profile.faults {
                if let Fault::DropMidFollow(after) = fault {
                    *after = (*after).min(duration / 2);
                }
            }
        }
        SimModel::Windows(profile) => {
            if let ForceUpdate::MovesAfter(d) = &mut profile.force_update {
                *d = duration;
            }
        }
        // A recording keeps its own pace.
        SimModel::Replay(_) => {}
    }
}

/// The files `serve` writes, derived from the inventory path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimFiles {
    pub inventory: PathBuf,
    pub key: PathBuf,
    pub known_hosts: PathBuf,
}

impl SimFiles {
    /// `dir/sim.yaml` → `dir/sim.key`, `dir/sim.known_hosts`.
    pub fn beside(inventory: &Path) -> SimFiles {
        SimFiles {
            inventory: inventory.to_path_buf(),
            key: inventory.with_extension("key"),
            known_hosts: inventory.with_extension("known_hosts"),
        }
    }
}

/// A running simulated fleet, what each host was planned as (empty for a
/// replay), and the files that reach it: what `sshfleet sim`, `sshfleet
/// demo --replay`, `playbook test` and the tests stand up.
#[derive(Debug)]
pub struct Lab {
    pub fleet: SimFleet,
    pub files: SimFiles,
    pub planned: Vec<PlannedHost>,
}

impl Lab {
    /// Stop every server and wait for them to close.
    pub async fn shutdown(self) {
        self.fleet.shutdown().await;
    }
}

/// Start the fleet `options` describes on loopback and write the files a
/// run needs beside `options.inventory_out`.
pub async fn start(options: &ServeOptions) -> Result<Lab, SimError> {
    crate::limits::raise_nofile_limit();
    let planned = plan(options)?;
    check_inventory_out(&options.inventory_out)?;
    let configs = planned
        .iter()
        .map(|host| SimModelConfig::new(host.model.clone()))
        .collect();
    let (fleet, files) = start_with_files(&options.inventory_out, configs, None, |ports, key| {
        inventory_yaml(options, &planned, ports, key)
    })
    .await?;
    Ok(Lab {
        fleet,
        files,
        planned,
    })
}

/// Serve the fleet until `stop` resolves (a signal the caller chose, or a
/// test's own), then shut it down cleanly.
pub async fn serve_until(
    options: &ServeOptions,
    stop: impl Future<Output = ()>,
) -> Result<(), SimError> {
    let lab = start(options).await?;
    stop.await;
    lab.shutdown().await;
    Ok(())
}

fn check_inventory_out(inventory_out: &Path) -> Result<(), SimError> {
    if inventory_out.file_stem().is_none() {
        return Err(SimError::Invalid(format!(
            "--inventory-out {}: not a file name",
            inventory_out.display()
        )));
    }
    Ok(())
}

/// Start `configs` on loopback as a lab that accepts a fresh client key
/// (and `password`, if any) for [`SIM_USER`], and write the files a run
/// needs where `files` says: the client key (0600), known_hosts, then the
/// inventory (`inventory(ports, key path)`, ports in the order of
/// `configs`), each whole and renamed into place. Every lab (`sim`, the
/// demo, replays, the tests) is stood up here.
pub async fn start_lab(
    files: SimFiles,
    configs: Vec<SimModelConfig>,
    password: Option<String>,
    inventory: impl FnOnce(&[u16], &Path) -> Result<String, SimError>,
) -> Result<Lab, SimError> {
    let fleet = start_writing(&files, configs, password, inventory).await?;
    Ok(Lab {
        fleet,
        files,
        planned: Vec::new(),
    })
}

/// [`start_lab`] for files beside `inventory_out`, as `sshfleet sim` writes them.
async fn start_with_files(
    inventory_out: &Path,
    configs: Vec<SimModelConfig>,
    password: Option<String>,
    inventory: impl FnOnce(&[u16], &Path) -> Result<String, SimError>,
) -> Result<(SimFleet, SimFiles), SimError> {
    let files = SimFiles::beside(inventory_out);
    let fleet = start_writing(&files, configs, password, inventory).await?;
    Ok((fleet, files))
}

async fn start_writing(
    files: &SimFiles,
    configs: Vec<SimModelConfig>,
    password: Option<String>,
    inventory: impl FnOnce(&[u16], &Path) -> Result<String, SimError>,
) -> Result<SimFleet, SimError> {
    // The inventory must name the key by an absolute path: runs may start
    // from any directory.
    let key_absolute = std::path::absolute(&files.key)
        .map_err(|e| SimError::io(format!("resolving {}", files.key.display()), e))?;

    let client_key = PrivateKey::random(&mut russh::keys::key::safe_rng(), Algorithm::Ed25519)
        .map_err(|e| SimError::io("generating the client key", std::io::Error::other(e)))?;
    let auth = SimAuth {
        username: SIM_USER.to_string(),
        password,
        authorized_keys: vec![client_key.public_key().clone()],
    };
    let fleet = SimFleet::start_models(configs, auth).await.map_err(|e| {
        SimError::io(
            "starting the simulated fleet (is the open-file limit high enough?)",
            e,
        )
    })?;

    let key_text = client_key
        .to_openssh(LineEnding::LF)
        .map_err(|e| SimError::io("encoding the client key", std::io::Error::other(e)))?;
    write_file(&files.key, key_text.as_bytes(), true)?;
    let mut known_hosts = String::new();
    for host in fleet.hosts() {
        known_hosts.push_str(&host.known_hosts_line());
        known_hosts.push('\n');
    }
    write_file(&files.known_hosts, known_hosts.as_bytes(), false)?;
    let ports: Vec<u16> = fleet.hosts().iter().map(|h| h.addr.port()).collect();
    let inventory = inventory(&ports, &key_absolute)?;
    write_file(&files.inventory, inventory.as_bytes(), false)?;
    Ok(fleet)
}

/// What `sshfleet sim --replay DIR` was asked to serve.
#[derive(Debug, Clone)]
pub struct ReplayOptions {
    /// The directory of recordings (`*.jsonl`, from `run --record`).
    pub dir: PathBuf,
    /// Where the inventory goes; the key and known_hosts go beside it.
    pub inventory_out: PathBuf,
    /// Faults added to every replayed host.
    pub faults: Vec<Fault>,
}

/// `--fault` on a replayed fleet: the simulator's faults that make sense
/// on top of a recording, with fixed sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplayFault {
    DropMidFollow,
    StopAnswering,
    Trickle,
}

named_values!(ReplayFault, "fault" {
    DropMidFollow => "drop-mid-follow",
        "Drop the connection a second after a follow starts (exec: after the first request \
         of a connection)";
    StopAnswering => "stop-answering", "Answer two commands, then read but never answer again";
    Trickle => "trickle", "Write output one byte at a time, a millisecond apart";
});

impl ReplayFault {
    pub fn fault(self) -> Fault {
        match self {
            ReplayFault::DropMidFollow => Fault::DropMidFollow(Duration::from_secs(1)),
            ReplayFault::StopAnswering => Fault::StopAnswering(2),
            ReplayFault::Trickle => Fault::Trickle(Duration::from_millis(1)),
        }
    }
}

/// The recordings of `dir` as hosts to serve, with `faults`; a malformed
/// recording is invalid input naming its file and line.
pub fn replay_models(dir: &Path, faults: &[Fault]) -> Result<Vec<SimModelConfig>, SimError> {
    let recordings = sshfleet_recording::Recording::read_dir(dir).map_err(|e| match e {
        sshfleet_recording::RecordingError::Read { path, source } => {
            SimError::io(format!("reading {}", path.display()), source)
        }
        other => SimError::Invalid(other.to_string()),
    })?;
    let mut names = std::collections::BTreeSet::new();
    let mut configs = Vec::with_capacity(recordings.len());
    for (path, recording) in recordings {
        if !names.insert(recording.header.host.clone()) {
            return Err(SimError::Invalid(format!(
                "{}: host {} is recorded twice in {}",
                path.display(),
                recording.header.host,
                dir.display()
            )));
        }
        let mut profile = crate::ReplayProfile::new(recording);
        profile.faults = faults.to_vec();
        configs.push(SimModelConfig::new(profile));
    }
    Ok(configs)
}

/// Start the recordings of `options.dir` on loopback and write their
/// inventory, key and known_hosts (for `playbook test`, and `serve_replay`).
pub async fn start_replay(options: &ReplayOptions) -> Result<Lab, SimError> {
    crate::limits::raise_nofile_limit();
    check_inventory_out(&options.inventory_out)?;
    let configs = replay_models(&options.dir, &options.faults)?;
    let names: Vec<(String, RecordedVars)> = configs
        .iter()
        .map(|c| {
            let vars = match &c.model {
                SimModel::Replay(p) => p.recording.header.vars.clone(),
                _ => RecordedVars::new(),
            };
            (c.model.hostname().to_string(), vars)
        })
        .collect();
    let (fleet, files) = start_with_files(&options.inventory_out, configs, None, |ports, key| {
        replay_inventory_yaml(&options.dir, &names, ports, key)
    })
    .await?;
    Ok(Lab {
        fleet,
        files,
        planned: Vec::new(),
    })
}

/// A replayed host's playbook variables, by name.
type RecordedVars = std::collections::BTreeMap<String, serde_json::Value>;

/// The inventory of a replayed fleet: every host in group `replayed`, with
/// the playbook variables it was recorded with.
fn replay_inventory_yaml(
    dir: &Path,
    names: &[(String, RecordedVars)],
    ports: &[u16],
    key: &Path,
) -> Result<String, SimError> {
    let hosts = names
        .iter()
        .zip(ports.iter().copied())
        .map(|((name, vars), port)| {
            let vars = HostVars {
                ansible_host: "127.0.0.1",
                ansible_port: port,
                vars: vars.clone(),
            };
            (name.clone(), vars)
        })
        .collect();
    let inventory = Inventory {
        all: AllGroup {
            vars: ConnectionVars {
                ansible_user: SIM_USER,
                ansible_ssh_private_key_file: key.display().to_string(),
            },
            children: InOrder(vec![(
                "replayed".to_string(),
                Group {
                    hosts: InOrder(hosts),
                },
            )]),
        },
    };
    let yaml = serde_yaml::to_string(&inventory)
        .map_err(|e| SimError::io("writing the inventory", std::io::Error::other(e)))?;
    Ok(format!(
        "# Written by `sshfleet sim --replay {}`: the recorded hosts, replayed on\n\
         # 127.0.0.1. Valid while that process runs.\n{yaml}",
        dir.display()
    ))
}

/// The inventory `serve` writes, in Ansible's YAML format: connection
/// variables under `all`, one child group per scenario.
#[derive(Debug, Serialize)]
struct Inventory {
    all: AllGroup,
}

#[derive(Debug, Serialize)]
struct AllGroup {
    vars: ConnectionVars,
    /// By scenario, in the model's order.
    children: InOrder<Group>,
}

#[derive(Debug, Serialize)]
struct ConnectionVars {
    ansible_user: &'static str,
    ansible_ssh_private_key_file: String,
}

#[derive(Debug, Serialize)]
struct Group {
    /// By host name, in the fleet's order.
    hosts: InOrder<HostVars>,
}

#[derive(Debug, Serialize)]
struct HostVars {
    ansible_host: &'static str,
    ansible_port: u16,
    /// A replayed host's playbook variables, as recorded.
    #[serde(flatten)]
    vars: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A YAML mapping that keeps the order it was built in (a run goes
/// through an inventory in its order).
#[derive(Debug)]
struct InOrder<V>(Vec<(String, V)>);

impl<V: Serialize> Serialize for InOrder<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// The inventory's text: a comment saying what wrote it and how the
/// playbook must end on each group, then the YAML.
fn inventory_yaml(
    options: &ServeOptions,
    planned: &[PlannedHost],
    ports: &[u16],
    key: &Path,
) -> Result<String, SimError> {
    let model = options.model;
    let mut children = Vec::new();
    let mut outcomes = Vec::new();
    for scenario in model.scenarios() {
        let hosts: Vec<(String, HostVars)> = planned
            .iter()
            .zip(ports.iter().copied())
            .filter(|(h, _)| h.scenario == scenario)
            .map(|(h, port)| {
                let vars = HostVars {
                    ansible_host: "127.0.0.1",
                    ansible_port: port,
                    vars: h.model.inventory_vars(),
                };
                (h.model.hostname().to_string(), vars)
            })
            .collect();
        if hosts.is_empty() {
            continue;
        }
        outcomes.push(format!("{scenario} {}", scenario.expected().as_str()));
        children.push((
            scenario.to_string(),
            Group {
                hosts: InOrder(hosts),
            },
        ));
    }
    let inventory = Inventory {
        all: AllGroup {
            vars: ConnectionVars {
                ansible_user: SIM_USER,
                ansible_ssh_private_key_file: key.display().to_string(),
            },
            children: InOrder(children),
        },
    };
    let yaml = serde_yaml::to_string(&inventory)
        .map_err(|e| SimError::io("writing the inventory", std::io::Error::other(e)))?;
    Ok(format!(
        "# Written by `sshfleet sim --model {} --hosts {} --scenario {}`: {} simulated\n\
         # {} on 127.0.0.1, one group per scenario. Valid while that process runs.\n\
         # {} ends: {}.\n{yaml}",
        model.name(),
        options.hosts,
        options.scenario,
        planned.len(),
        model.noun(),
        model.playbook(),
        outcomes.join(", "),
    ))
}

/// Writes a whole file under a temporary name, then renames it into place,
/// so a reader never sees half of it. Private files are created 0600.
fn write_file(path: &Path, contents: &[u8], private: bool) -> Result<(), SimError> {
    use std::io::Write as _;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let writing = |e| SimError::io(format!("writing {}", path.display()), e);
    // tempfile creates its files 0600; public files are widened on purpose.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| SimError::io(format!("creating a file in {}", dir.display()), e))?;
    tmp.write_all(contents).map_err(writing)?;
    #[cfg(unix)]
    if !private {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| SimError::io(format!("setting the mode of {}", path.display()), e))?;
    }
    #[cfg(not(unix))]
    let _ = private;
    tmp.persist(path).map_err(|e| writing(e.error))?;
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// A prompt's host name never carries a terminal escape, from either
    /// flag: refused, quoted escaped.
    #[test]
    fn host_names_in_a_prompt_are_plain() {
        for good in ["esa01.example.com", "a", "esa_1-x"] {
            assert!(check_host_name(good, "--hostname").is_ok(), "{good}");
        }
        for bad in [
            "\u{1b}]0;X\u{7}",
            "",
            "-a",
            "a b",
            "a\u{9b}b",
            "esa\u{2800}",
        ] {
            let e = check_host_name(bad, "--hostname").unwrap_err().to_string();
            assert!(e.contains("--hostname") && !e.contains('\u{1b}'), "{e}");
        }
    }
    use crate::{AsyncOsScenario, EndpointScenario};

    fn options(hosts: usize, scenario: &str) -> ServeOptions {
        ServeOptions {
            model: Model::Asyncos,
            hosts,
            scenario: scenario.parse().unwrap(),
            update_duration: None,
            inventory_out: PathBuf::from("sim.yaml"),
            hostname_prefix: "esa".to_string(),
            default_shell: ShellChoice::Mixed,
        }
    }

    #[test]
    fn endpoints_get_the_default_shell_asked_for_and_mixed_holds_both() {
        let shells = |choice: ShellChoice| -> Vec<DefaultShell> {
            let mut o = windows(4, MIXED);
            o.default_shell = choice;
            plan(&o)
                .unwrap()
                .iter()
                .map(|h| match &h.model {
                    SimModel::Windows(p) => p.default_shell,
                    SimModel::AsyncOs(_) | SimModel::Replay(_) => panic!("not an endpoint"),
                })
                .collect()
        };
        use DefaultShell::{Cmd, Powershell};
        assert_eq!(
            shells(ShellChoice::Mixed),
            [Cmd, Powershell, Cmd, Powershell]
        );
        assert_eq!(shells(ShellChoice::Cmd), [Cmd; 4]);
        assert_eq!(shells(ShellChoice::Powershell), [Powershell; 4]);
    }

    fn appliance(host: &PlannedHost) -> &crate::AsyncOsProfile {
        match &host.model {
            SimModel::AsyncOs(p) => p,
            SimModel::Windows(_) | SimModel::Replay(_) => {
                panic!("{} is an endpoint", host.scenario)
            }
        }
    }

    fn windows(hosts: usize, scenario: &str) -> ServeOptions {
        ServeOptions {
            model: Model::Windows,
            hostname_prefix: Model::Windows.prefix().to_string(),
            ..options(hosts, scenario)
        }
    }

    #[test]
    fn windows_mixed_has_every_endpoint_scenario_and_an_up_to_date_one_first() {
        let plan = plan(&windows(60, MIXED)).unwrap();
        let count = |s: EndpointScenario| plan.iter().filter(|h| h.scenario == s.into()).count();
        assert_eq!(count(EndpointScenario::UpToDate), 22);
        assert_eq!(count(EndpointScenario::StaleFixable), 4);
        for &s in EndpointScenario::all() {
            if !matches!(
                s,
                EndpointScenario::UpToDate | EndpointScenario::StaleFixable
            ) {
                assert_eq!(count(s), 2, "{s}");
            }
        }
        assert_eq!(plan[0].scenario, EndpointScenario::UpToDate.into());
        assert!(matches!(plan[0].model, SimModel::Windows(_)));
        assert_eq!(plan[0].model.hostname(), "pc01.sim.example.com");
        let small = super::plan(&windows(19, MIXED)).unwrap();
        let seen: std::collections::BTreeSet<_> = small.iter().map(|h| h.scenario).collect();
        assert_eq!(seen.len(), EndpointScenario::all().len());
        // AsyncOS names are not endpoint scenarios, and the error lists
        // the right ones.
        let err = super::plan(&windows(2, "broken")).unwrap_err().to_string();
        assert!(err.contains("stale-dns") && err.contains("mixed"), "{err}");
    }

    #[test]
    fn update_duration_sets_when_a_forced_tetra_update_lands() {
        let mut o = windows(11, MIXED);
        o.update_duration = Some(Duration::from_millis(700));
        for host in plan(&o).unwrap() {
            let SimModel::Windows(p) = &host.model else {
                panic!("not an endpoint")
            };
            let want = match host.scenario {
                Scenario::Windows(EndpointScenario::UpToDate | EndpointScenario::StaleFixable) => {
                    ForceUpdate::MovesAfter(Duration::from_millis(700))
                }
                _ => ForceUpdate::DoesNotMove,
            };
            assert_eq!(p.force_update, want, "{}", host.scenario);
        }
    }

    #[test]
    fn names_are_padded_to_the_width_of_the_fleet() {
        assert_eq!(host_name("esa", 1, 200), "esa001.sim.example.com");
        assert_eq!(host_name("esa", 12, 12), "esa12.sim.example.com");
        assert_eq!(host_name("mx", 7, 1000), "mx0007.sim.example.com");
        assert_eq!(host_name("esa", 3, 9), "esa3.sim.example.com");
    }

    #[test]
    fn mixed_is_mostly_healthy_and_broken_with_every_fault() {
        let plan = plan(&options(200, MIXED)).unwrap();
        let count = |s: AsyncOsScenario| plan.iter().filter(|h| h.scenario == s.into()).count();
        assert_eq!(count(AsyncOsScenario::Healthy), 70);
        assert_eq!(count(AsyncOsScenario::Broken), 70);
        for &fault in &AsyncOsScenario::all()[2..] {
            assert_eq!(count(fault), 10, "{fault}");
        }
        // Deterministic, and small fleets still see every scenario.
        let small = super::plan(&options(8, MIXED)).unwrap();
        let mut seen: Vec<_> = small.iter().map(|h| h.scenario).collect();
        seen.sort_unstable();
        assert_eq!(seen, Model::Asyncos.scenarios());
    }

    #[test]
    fn update_duration_overrides_completing_updates_only() {
        let mut o = options(20, MIXED);
        o.update_duration = Some(Duration::from_millis(800));
        for host in plan(&o).unwrap() {
            match host.scenario {
                Scenario::AsyncOs(AsyncOsScenario::NeverCompletes) => {
                    assert_eq!(appliance(&host).update, UpdateBehaviour::NeverCompletes)
                }
                _ => assert_eq!(
                    appliance(&host).update,
                    UpdateBehaviour::CompletesAfter(Duration::from_millis(800)),
                    "{}",
                    host.scenario
                ),
            }
            if host.scenario == AsyncOsScenario::DropMidFollow.into() {
                assert_eq!(
                    appliance(&host).drop_mid_follow(),
                    Some(Duration::from_millis(400))
                );
            }
        }
        // Without the option, the scenarios keep their own timings.
        let stale = plan(&options(1, "stale-completion")).unwrap();
        assert_eq!(
            appliance(&stale[0]).update,
            UpdateBehaviour::CompletesAfter(Duration::from_secs(5))
        );
    }

    #[test]
    fn bad_options_are_input_errors() {
        assert!(plan(&options(0, "broken")).is_err());
        // Unknown names never get this far: they are not a ScenarioChoice.
        assert!("exploding".parse::<ScenarioChoice>().is_err());
        let err = plan(&options(3, "up-to-date")).unwrap_err().to_string();
        assert!(
            err.contains("`up-to-date`") && err.contains("trickle, mixed"),
            "{err}"
        );
        let mut o = options(3, "healthy");
        o.hostname_prefix = "esa 1".to_string();
        assert!(plan(&o).is_err());
    }

    #[test]
    fn inventory_keeps_the_fleet_order_and_any_key_path() {
        let o = options(9, MIXED);
        let planned = plan(&o).unwrap();
        let ports: Vec<u16> = (2000..2009).collect();
        let key = Path::new("/tmp/it's: a #lab \"x\"/sim.key");
        let text = inventory_yaml(&o, &planned, &ports, key).unwrap();
        assert!(
            text.starts_with(
                "# Written by `sshfleet sim --model asyncos --hosts 9 --scenario mixed`: 9 simulated\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "# esa-ecupdate ends: healthy ok, broken changed, stale-completion changed,"
            ),
            "{text}"
        );
        let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let all = &yaml["all"];
        assert_eq!(
            all["vars"]["ansible_ssh_private_key_file"].as_str(),
            key.to_str()
        );
        let keys = |v: &serde_yaml::Value| -> Vec<String> {
            v.as_mapping()
                .unwrap()
                .keys()
                .map(|k| k.as_str().unwrap().to_string())
                .collect()
        };
        let groups: Vec<String> = Model::Asyncos
            .scenarios()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(keys(&all["children"]), groups);
        let healthy = &all["children"]["healthy"]["hosts"];
        assert_eq!(
            keys(healthy),
            ["esa1.sim.example.com", "esa9.sim.example.com"]
        );
        assert_eq!(
            healthy["esa9.sim.example.com"]["ansible_port"].as_u64(),
            Some(2008)
        );
        assert_eq!(
            healthy["esa9.sim.example.com"]["ansible_host"].as_str(),
            Some("127.0.0.1")
        );
    }

    #[test]
    fn files_sit_beside_the_inventory() {
        let files = SimFiles::beside(Path::new("/tmp/lab/sim.yaml"));
        assert_eq!(files.key, Path::new("/tmp/lab/sim.key"));
        assert_eq!(files.known_hosts, Path::new("/tmp/lab/sim.known_hosts"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn serves_a_fleet_whose_inventory_loads_and_stops_on_request() {
        let dir = tempfile::tempdir().unwrap();
        let mut o = options(9, MIXED);
        o.inventory_out = dir.path().join("lab.yaml");
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let files = SimFiles::beside(&o.inventory_out);
        let server = tokio::spawn(async move {
            serve_until(&o, async move {
                let _ = stop_rx.await;
            })
            .await
        });
        for _ in 0..200 {
            if files.inventory.exists() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        // The product loads it as an Ansible inventory (its sim_cli tests);
        // here, its shape.
        let text = std::fs::read_to_string(&files.inventory).unwrap();
        let yaml: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
        let vars = &yaml["all"]["vars"];
        assert_eq!(vars["ansible_user"].as_str(), Some(SIM_USER));
        let key = Path::new(vars["ansible_ssh_private_key_file"].as_str().unwrap());
        assert!(key.is_absolute(), "{}", key.display());
        assert_eq!(key.file_name().unwrap(), "lab.key");
        let groups = yaml["all"]["children"].as_mapping().unwrap();
        let hosts_of = |group: &serde_yaml::Value| -> Vec<String> {
            group["hosts"]
                .as_mapping()
                .unwrap()
                .keys()
                .map(|k| k.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(groups.values().map(|g| hosts_of(g).len()).sum::<usize>(), 9);
        assert_eq!(hosts_of(&groups["cluster"]), ["esa5.sim.example.com"]);
        let esa5 = &groups["cluster"]["hosts"]["esa5.sim.example.com"];
        assert_eq!(esa5["ansible_host"].as_str(), Some("127.0.0.1"));
        assert!(esa5["ansible_port"].as_u64().is_some_and(|p| p > 0));
        let known = std::fs::read_to_string(&files.known_hosts).unwrap();
        assert_eq!(known.lines().count(), 9);
        let esa5_port = esa5["ansible_port"].as_u64().unwrap();
        let esa5_line = format!("[127.0.0.1]:{esa5_port} ssh-ed25519 ");
        assert!(
            known.lines().any(|l| l.starts_with(&esa5_line)
                && l.split(' ').count() == 3
                && l.ends_with(|c: char| c != ' ')),
            "{known}"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&files.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        stop_tx.send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(10), server)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }
}
