//! `sshfleet demo`: a simulated fleet of mixed health on loopback, and a
//! shipped playbook run against it exactly as against production (real
//! SSH, strict host keys, the normal output and report): `esa-ecupdate` on
//! AsyncOS appliances, or `secure-endpoint-tetra` on Windows endpoints.
//!
//! The demo checks itself: it exits 0 only when every appliance ended with
//! the status its scenario must produce, so it doubles as a smoke test.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use russh::keys::{Algorithm, PrivateKey};

use sshfleet_sim::serve::ShellChoice;
use sshfleet_sim::{
    AsyncOsProfile, AsyncOsScenario, EndpointScenario, Expected, Fault, Login, Model, PromptStyle,
    SimModel, SimModelConfig, UpdateBehaviour,
};

/// An appliance whose sshd takes only keyboard-interactive logins (a PAM
/// setup): the demo reaches it with a password from its inventory.
const KEYBOARD_INTERACTIVE_HOST: &str = "esa15.example.com";
/// An appliance whose sshd offers exactly AsyncOS's documented algorithm
/// lists and an RSA host key: reached with no algorithm setting.
const ASYNCOS_SSHD_HOST: &str = "esa16.example.com";

use super::lab::{LabEnd, LabRun};
use crate::cli::DemoPlaybook;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::report::{Report, Status};

/// The demo's short update timeout, so the appliance whose update never
/// completes fails within seconds instead of the default ten minutes.
const DEMO_UPDATE_TIMEOUT: &str = "6s";

/// A demo: the hosts, the status each must end with, and how to run.
struct Demo {
    /// The machines, and so the shipped playbook.
    model: Model,
    /// Each host, the status it must end with, and its scenario's name.
    hosts: Vec<(SimModel, Status, String)>,
    /// A host in the inventory with nothing listening on its port.
    down: &'static str,
    extra_vars: Vec<(&'static str, &'static str)>,
}

/// The demo each playbook is shown with.
fn demo_of(which: DemoPlaybook) -> Demo {
    match which {
        DemoPlaybook::EsaEcupdate => Demo {
            model: Model::Asyncos,
            hosts: appliances()
                .into_iter()
                .map(|(p, s, n)| (SimModel::from(p), s, n))
                .collect(),
            down: "esa12.example.com",
            extra_vars: vec![("update_timeout", DEMO_UPDATE_TIMEOUT)],
        },
        DemoPlaybook::SecureEndpointTetra => Demo {
            model: Model::Windows,
            hosts: endpoints(),
            down: "pc99.example.com",
            // No latest_tetra: stale means behind the newest version
            // seen across this fleet.
            // Twice the ESA demo's timeout: the forced update lands
            // after 3 s, and a loaded machine must not make it late.
            extra_vars: vec![("update_timeout", "12s"), ("update_poll_interval", "1s")],
        },
    }
}

/// One endpoint of each scenario, and two more up to date; half run exec
/// requests in cmd.exe, as Windows ships, half in PowerShell.
fn endpoints() -> Vec<(SimModel, Status, String)> {
    let up_to_date = [EndpointScenario::UpToDate; 2];
    EndpointScenario::all()
        .iter()
        .chain(&up_to_date)
        .enumerate()
        .map(|(i, scenario)| {
            let name = format!("pc{:02}.example.com", i + 1);
            let shell = ShellChoice::Mixed.of_host(i);
            (
                SimModel::from(scenario.profile(&name).with_default_shell(shell)),
                status(scenario.expected()),
                scenario.to_string(),
            )
        })
        .collect()
}

/// The report's status for what the simulator says a scenario must end
/// with.
fn status(expected: Expected) -> Status {
    match expected {
        Expected::Ok => Status::Ok,
        Expected::Changed => Status::Changed,
        Expected::Failed => Status::Failed,
        Expected::Unreachable => Status::Unreachable,
    }
}

/// Appliances of most scenarios (not `stop-answering`: it would hold the
/// demo for `command_timeout`), with timings that keep the demo short, and
/// the versions and prompts fleets have. Every one is fully licensed, so
/// its `status` is longer than a terminal; two page it all the same.
fn appliances() -> Vec<(AsyncOsProfile, Status, String)> {
    use AsyncOsScenario as S;
    use UpdateBehaviour::CompletesAfter;
    let secs = Duration::from_secs;
    let ms = Duration::from_millis;
    let host = |number: usize, scenario: AsyncOsScenario, adapt: &dyn Fn(&mut AsyncOsProfile)| {
        let mut profile = scenario.profile(&format!("esa{number:02}.example.com"));
        adapt(&mut profile);
        (profile, status(scenario.expected()), scenario.to_string())
    };
    vec![
        host(1, S::Healthy, &|_| {}),
        host(2, S::Broken, &|p| p.update = CompletesAfter(ms(1500))),
        // An earlier update's `update completed` sits in the backlog.
        host(3, S::StaleCompletion, &|p| {
            p.update = CompletesAfter(secs(3))
        }),
        host(4, S::Healthy, &|p| p.version = "14.2.0-620".to_string()),
        host(5, S::Cluster, &|p| {
            p.prompt = PromptStyle::Cluster("emea-mail".to_string());
            p.update = CompletesAfter(ms(2000));
        }),
        host(6, S::Healthy, &|p| p.prompt = PromptStyle::Machine),
        host(7, S::NeverCompletes, &|_| {}),
        host(8, S::Trickle, &|p| {
            p.update = CompletesAfter(ms(1000));
            p.faults = vec![Fault::Trickle(Duration::ZERO)];
        }),
        host(9, S::Healthy, &|_| {}),
        host(10, S::DropMidFollow, &|p| {
            p.update = CompletesAfter(secs(4))
        }),
        host(11, S::Healthy, &|p| p.version = "15.5.0-100".to_string()),
        // Pages every 24 rows whatever the terminal: its 60-row `status`
        // and its `tail` backlogs stop at `-Press Any Key For More-`.
        host(13, S::Broken, &|p| {
            p.update = CompletesAfter(ms(1500));
            p.faults = vec![Fault::PagesAt(24)];
        }),
        host(14, S::Healthy, &|p| p.faults = vec![Fault::PagesAt(24)]),
        // Logged into through keyboard-interactive (see KEYBOARD_INTERACTIVE_HOST).
        host(15, S::Healthy, &|_| {}),
        // AsyncOS's sshd algorithms (see ASYNCOS_SSHD_HOST).
        host(16, S::Broken, &|p| p.update = CompletesAfter(ms(1500))),
    ]
}

/// Run the demo of `which`; exit 0 only when every host ended as its
/// scenario requires.
pub(crate) async fn execute(
    which: DemoPlaybook,
    report: Option<PathBuf>,
) -> Result<ExitCode, Error> {
    run_demo(which, report)
        .await
        .map_err(|e| match e.downcast::<Error>() {
            Ok(e) => e,
            Err(e) => Error::Demo(e),
        })
}

async fn run_demo(which: DemoPlaybook, report: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let demo = demo_of(which);
    let dir = tempfile::tempdir().context("creating the demo's temporary directory")?;
    let password: String = {
        use rand::RngExt as _;
        let mut rng = rand::rng();
        (0..20)
            .map(|_| char::from(b'a' + rng.random_range(0..26u8)))
            .collect()
    };
    // One more host that is down: nothing listens on its port.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut expected: Vec<(String, Status)> = demo
        .hosts
        .iter()
        .map(|(m, s, _)| (m.hostname().to_string(), *s))
        .collect();
    let mut scenarios: std::collections::BTreeMap<String, String> = demo
        .hosts
        .iter()
        .map(|(m, _, scenario)| (m.hostname().to_string(), scenario.clone()))
        .collect();
    scenarios.insert(demo.down.to_string(), "down".to_string());
    expected.push((demo.down.to_string(), Status::Unreachable));
    // Each host's name, and what an operator knows of it from elsewhere
    // (the proxy an endpoint's policy names).
    let names: Vec<(&str, HostExtra)> = demo
        .hosts
        .iter()
        .map(|(m, _, _)| (m.hostname(), m.inventory_vars()))
        .collect();
    let files = sshfleet_sim::serve::SimFiles {
        inventory: dir.path().join("inventory.yaml"),
        key: dir.path().join("id_ed25519"),
        known_hosts: dir.path().join("known_hosts"),
    };
    let sim = sshfleet_sim::serve::start_lab(
        files,
        host_configs(&demo)?,
        Some(password.clone()),
        |ports, key| {
            let hosts = names
                .iter()
                .zip(ports.iter().copied())
                .map(|((name, extra), port)| (*name, port, extra.clone()))
                .chain([(demo.down, dead_port, HostExtra::new())]);
            demo_inventory(hosts, key, &password)
                .map_err(|e| sshfleet_sim::SimError::Invalid(e.to_string()))
        },
    )
    .await
    .context("starting the simulated fleet")?;
    let (inventory_path, known_hosts_path) = (&sim.files.inventory, &sim.files.known_hosts);

    let vars: Vec<String> = demo
        .extra_vars
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let playbook = demo.model.playbook();
    let end = super::lab::run_on_lab(
        LabRun {
            playbook,
            inventory: inventory_path,
            known_hosts: known_hosts_path,
            extra_vars: &vars,
            check_mode: false,
            report,
            labels: Some(("SCENARIO", scenarios)),
        },
        |plan| {
            say!(
                "sshfleet demo: {} simulated {} on 127.0.0.1 (real SSH, strict host keys), playbook {}, {}\n",
                plan.hosts.len(),
                demo.model.noun(),
                playbook,
                vars.join(" ")
            );
        },
    )
    .await;
    sim.shutdown().await;
    let (code, outcome) = match end? {
        LabEnd::Ran(code, report) => (code, *report),
        LabEnd::Stopped(code) => return Ok(code),
    };

    Ok(verdict(code, &outcome, &expected))
}

/// Each simulated host's server: the demo's keyboard-interactive-only
/// host and the one with AsyncOS's sshd algorithms and an RSA host key.
fn host_configs(demo: &Demo) -> anyhow::Result<Vec<SimModelConfig>> {
    let mut configs = Vec::new();
    for (model, _, _) in &demo.hosts {
        let mut config = SimModelConfig::new(model.clone());
        match model.hostname() {
            KEYBOARD_INTERACTIVE_HOST => config.login = Login::KeyboardInteractiveOnly,
            ASYNCOS_SSHD_HOST => {
                config.algorithms = Some(sshfleet_sim::asyncos_sshd_algorithms());
                config.host_key = Some(
                    PrivateKey::random(&mut rand::rng(), Algorithm::Rsa { hash: None })
                        .context("generating an RSA host key")?,
                );
            }
            _ => {}
        }
        configs.push(config);
    }
    Ok(configs)
}

/// Exit 0 only when every host ended with the status its scenario
/// requires; say what a production run would have exited with.
fn verdict(code: ExitCode, outcome: &Report, expected: &[(String, Status)]) -> ExitCode {
    let mut wrong = Vec::new();
    for (name, want) in expected {
        let got = outcome
            .hosts
            .iter()
            .find(|h| &h.name == name)
            .map(|h| h.status);
        if got != Some(*want) {
            wrong.push(format!(
                "{name}: expected {}, got {}",
                want.as_str(),
                got.map_or("nothing", Status::as_str)
            ));
        }
    }
    say!(
        "\nA production run with these results would exit {} ({}).",
        code.code(),
        match code {
            ExitCode::HostFailed => "some host failed",
            ExitCode::Unreachable => "some host unreachable",
            _ => "all ok or changed",
        }
    );
    if wrong.is_empty() {
        say!("demo: every host ended as its scenario requires.");
        ExitCode::Success
    } else {
        crate::console::progress::Lines::Stderr.print(&format!(
            "demo: unexpected results:\n  {}",
            wrong.join("\n  ")
        ));
        ExitCode::Internal
    }
}

/// The demo's inventory: every host (name, port on 127.0.0.1) in group
/// `emea`, reached as `admin` with the lab's `key`; the host that takes no
/// key gets `password`, literally (a throwaway inventory; production keeps
/// it in a vault).
/// A host's playbook variables beside its connection ones.
type HostExtra = std::collections::BTreeMap<String, serde_json::Value>;

fn demo_inventory<'a>(
    hosts: impl Iterator<Item = (&'a str, u16, HostExtra)>,
    key: &Path,
    password: &str,
) -> Result<String, serde_yaml::Error> {
    let mut mapping = serde_yaml::Mapping::new();
    for (name, port, vars) in hosts {
        let vars = HostVars {
            ansible_host: "127.0.0.1",
            ansible_port: port,
            ansible_password: (name == KEYBOARD_INTERACTIVE_HOST).then(|| password.to_string()),
            vars,
        };
        mapping.insert(name.into(), serde_yaml::to_value(vars)?);
    }
    let mut emea = serde_yaml::Mapping::new();
    emea.insert("hosts".into(), mapping.into());
    let inventory = DemoInventory {
        all: DemoGroup {
            vars: GroupVars {
                ansible_user: sshfleet_sim::serve::SIM_USER,
                ansible_ssh_private_key_file: key.display().to_string(),
            },
            children: [("emea", emea)].into(),
        },
    };
    Ok(format!(
        "# Written by `sshfleet demo`.\n{}",
        serde_yaml::to_string(&inventory)?
    ))
}

/// The demo's inventory, in Ansible's YAML format.
#[derive(serde::Serialize)]
struct DemoInventory {
    all: DemoGroup,
}

#[derive(serde::Serialize)]
struct DemoGroup {
    vars: GroupVars,
    children: std::collections::BTreeMap<&'static str, serde_yaml::Mapping>,
}

#[derive(serde::Serialize)]
struct GroupVars {
    ansible_user: &'static str,
    ansible_ssh_private_key_file: String,
}

#[derive(serde::Serialize)]
struct HostVars {
    ansible_host: &'static str,
    ansible_port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    ansible_password: Option<String>,
    #[serde(flatten)]
    vars: HostExtra,
}
