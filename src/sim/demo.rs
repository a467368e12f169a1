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
use russh::keys::ssh_key::LineEnding;
use russh::keys::{Algorithm, PrivateKey};

use super::serve::Model;
use super::{
    AsyncOsProfile, Fault, PromptStyle, SimAuth, SimFleet, SimModel, SimModelConfig,
    UpdateBehaviour, endpoint_scenario,
};
use crate::console::Console;
use crate::error::Error;
use crate::events::LogFormat;
use crate::exit::ExitCode;
use crate::plan::{Connection, Plan, RunSettings, Sources};
use crate::report::Status;
use crate::rollout::Rollout;
use crate::shutdown::Shutdown;
use crate::transport::TransportOptions;

/// The demo's short update timeout, so the appliance whose update never
/// completes fails within seconds instead of the default ten minutes.
const DEMO_UPDATE_TIMEOUT: &str = "6s";

/// The shipped playbooks the demo can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DemoPlaybook {
    /// ESA Enrollment Client certificate failure, on AsyncOS appliances.
    EsaEcupdate,
    /// Stale TETRA definitions, on Windows endpoints.
    SecureEndpointTetra,
}

/// A demo: the hosts, the status each must end with, and how to run.
struct Demo {
    /// The machines, and so the shipped playbook.
    model: Model,
    hosts: Vec<(SimModel, Status)>,
    /// A host in the inventory with nothing listening on its port.
    down: &'static str,
    extra_vars: Vec<(&'static str, &'static str)>,
}

impl DemoPlaybook {
    fn demo(self) -> Demo {
        match self {
            DemoPlaybook::EsaEcupdate => Demo {
                model: Model::Asyncos,
                hosts: appliances()
                    .into_iter()
                    .map(|(p, s)| (SimModel::from(p), s))
                    .collect(),
                down: "esa12.example.com",
                extra_vars: vec![("update_timeout", DEMO_UPDATE_TIMEOUT)],
            },
            DemoPlaybook::SecureEndpointTetra => Demo {
                model: Model::Windows,
                hosts: endpoints(),
                down: "pc14.example.com",
                // No latest_tetra: stale means behind the newest version
                // seen across this fleet.
                // Twice the ESA demo's timeout: the forced update lands
                // after 3 s, and a loaded machine must not make it late.
                extra_vars: vec![("update_timeout", "12s"), ("update_poll_interval", "1s")],
            },
        }
    }
}

/// One endpoint of each scenario, and two more up to date.
fn endpoints() -> Vec<(SimModel, Status)> {
    super::ENDPOINT_SCENARIOS
        .iter()
        .chain(&["up-to-date", "up-to-date"])
        .enumerate()
        .filter_map(|(i, scenario)| {
            let name = format!("pc{:02}.example.com", i + 1);
            let profile = endpoint_scenario(scenario, &name)?;
            let status = super::serve::expected_endpoint_status(scenario)?;
            Some((SimModel::from(profile), status))
        })
        .collect()
}

fn appliances() -> Vec<(AsyncOsProfile, Status)> {
    let secs = Duration::from_secs;
    let ms = Duration::from_millis;
    let with = |mut p: AsyncOsProfile, f: &dyn Fn(&mut AsyncOsProfile)| {
        f(&mut p);
        p
    };
    vec![
        (AsyncOsProfile::healthy("esa01.example.com"), Status::Ok),
        (
            with(AsyncOsProfile::broken("esa02.example.com"), &|p| {
                p.update = UpdateBehaviour::CompletesAfter(ms(1500));
            }),
            Status::Changed,
        ),
        (
            // An earlier update's `update completed` sits in the backlog.
            with(AsyncOsProfile::broken("esa03.example.com"), &|p| {
                p.stale_completion = true;
                p.update = UpdateBehaviour::CompletesAfter(secs(3));
            }),
            Status::Changed,
        ),
        (
            with(AsyncOsProfile::healthy("esa04.example.com"), &|p| {
                p.version = "14.2.0-620".to_string()
            }),
            Status::Ok,
        ),
        (
            with(AsyncOsProfile::broken("esa05.example.com"), &|p| {
                p.prompt = PromptStyle::Cluster("emea-mail".to_string());
                p.update = UpdateBehaviour::CompletesAfter(ms(2000));
            }),
            Status::Changed,
        ),
        (
            with(AsyncOsProfile::healthy("esa06.example.com"), &|p| {
                p.prompt = PromptStyle::Machine
            }),
            Status::Ok,
        ),
        (
            with(AsyncOsProfile::broken("esa07.example.com"), &|p| {
                p.update = UpdateBehaviour::NeverCompletes
            }),
            Status::Failed,
        ),
        (
            with(AsyncOsProfile::broken("esa08.example.com"), &|p| {
                p.update = UpdateBehaviour::CompletesAfter(ms(1000));
                p.faults.push(Fault::Trickle(Duration::ZERO));
            }),
            Status::Changed,
        ),
        (AsyncOsProfile::healthy("esa09.example.com"), Status::Ok),
        (
            with(AsyncOsProfile::broken("esa10.example.com"), &|p| {
                p.update = UpdateBehaviour::CompletesAfter(secs(4));
                p.faults.push(Fault::DropMidFollow(secs(1)));
            }),
            Status::Failed,
        ),
        (
            with(AsyncOsProfile::healthy("esa11.example.com"), &|p| {
                p.version = "15.5.0-100".to_string()
            }),
            Status::Ok,
        ),
    ]
}

/// Run the demo of `which`; exit 0 only when every host ended as its
/// scenario requires.
pub async fn run(which: DemoPlaybook, report: Option<PathBuf>) -> Result<ExitCode, Error> {
    run_demo(which, report)
        .await
        .map_err(|e| match e.downcast::<Error>() {
            Ok(e) => e,
            Err(e) => Error::Sim(e),
        })
}

async fn run_demo(which: DemoPlaybook, report: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let demo = which.demo();
    let dir = tempfile::tempdir().context("creating the demo's temporary directory")?;
    let client_key = PrivateKey::random(&mut rand::rng(), Algorithm::Ed25519)
        .context("generating a client key")?;
    let key_file = dir.path().join("id_ed25519");
    client_key
        .write_openssh_file(&key_file, LineEnding::LF)
        .context("writing the demo client key")?;

    let configs = demo
        .hosts
        .iter()
        .map(|(model, _)| SimModelConfig::new(model.clone()))
        .collect();
    let auth = SimAuth {
        username: "admin".to_string(),
        password: None,
        authorized_keys: vec![client_key.public_key().clone()],
    };
    let sim = SimFleet::start_models(configs, auth)
        .await
        .context("starting the simulated fleet")?;

    // One more host that is down: nothing listens on its port.
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let mut expected: Vec<(String, Status)> = demo
        .hosts
        .iter()
        .map(|(m, s)| (m.hostname().to_string(), *s))
        .collect();
    expected.push((demo.down.to_string(), Status::Unreachable));

    let mut known_hosts = String::new();
    let mut inventory = format!(
        "# Written by `sshfleet demo`.\nall:\n  vars:\n    ansible_user: admin\n    ansible_ssh_private_key_file: {}\n  children:\n    emea:\n      hosts:\n",
        key_file.display()
    );
    for host in sim.hosts() {
        let port = host.addr.port();
        known_hosts.push_str(&crate::known_hosts::entry_line(
            "127.0.0.1",
            port,
            &host.host_key,
        ));
        known_hosts.push('\n');
        inventory.push_str(&format!(
            "        {}:\n          ansible_host: 127.0.0.1\n          ansible_port: {port}\n",
            host.name
        ));
    }
    inventory.push_str(&format!(
        "        {}:\n          ansible_host: 127.0.0.1\n          ansible_port: {dead_port}\n",
        demo.down
    ));
    let known_hosts_path = dir.path().join("known_hosts");
    let inventory_path = dir.path().join("inventory.yaml");
    std::fs::write(&known_hosts_path, known_hosts)?;
    std::fs::write(&inventory_path, inventory)?;

    let vars: Vec<String> = demo
        .extra_vars
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let sources = Sources {
        playbook: demo.model.playbook(),
        inventory: std::slice::from_ref(&inventory_path),
        vault: None,
        limit: None,
        extra_vars: &vars,
        retry_failed: None,
        // The lab's own files only: the operator's ssh_config is not read.
        connection: Connection {
            ssh_config: Some(Path::new("none")),
            known_hosts: Some(&known_hosts_path),
            accept_new_host_keys: false,
        },
    };
    let settings = RunSettings {
        forks: 20,
        check_mode: false,
        transport: TransportOptions::default(),
        transcripts: None,
        rollout: Rollout::default(),
        connect_retries: crate::retry::DEFAULT_CONNECT_RETRIES,
    };
    let plan = Plan::build(sources, settings, report)?;
    say!(
        "sshfleet demo: {} simulated {} on 127.0.0.1 (real SSH, strict host keys), playbook {}, {}\n",
        plan.hosts.len(),
        demo.model.noun(),
        demo.model.playbook(),
        vars.join(" ")
    );
    let console = Console {
        bars: crate::progress::bars_wanted(false),
        format: LogFormat::Text,
    };
    let shutdown = Shutdown::on_ctrl_c();
    let (code, outcome) = console.run(plan, shutdown.token()).await?;
    sim.shutdown().await;
    if code == ExitCode::Interrupted {
        return Ok(code);
    }

    let mut wrong = Vec::new();
    for (name, want) in &expected {
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
        Ok(ExitCode::Success)
    } else {
        eprintln!("demo: unexpected results:\n  {}", wrong.join("\n  "));
        Ok(ExitCode::Internal)
    }
}
