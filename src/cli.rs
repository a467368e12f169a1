//! The command line (clap derive) and what each subcommand does. Errors a
//! user can cause before any host is touched exit 5; per-host results decide
//! the exit code otherwise (see [`crate::exit`]).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::exit::{ExitCode, InputError};
use crate::inventory::Inventory;
use crate::playbook::Playbook;
use crate::playbook::vars::{HostVars, parse_extra_vars};
use crate::report::Report;
use crate::runner::{self, RunOptions};
use crate::ssh_config::SshConfig;
use crate::transport::{self, HostKeyPolicy, TransportOptions};

#[derive(Debug, Parser)]
#[command(
    name = "sshfleet",
    version,
    about = "Find and fix known faults on fleets of security appliances over SSH"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a playbook on the hosts of an inventory.
    ///
    /// Example: sshfleet run esa-ecupdate -i inventory/lab.yaml -l esa01.example.com --report out.json
    Run(RunArgs),
    /// Run the ESA playbook on a simulated fleet (real SSH on loopback).
    Demo(DemoArgs),
    /// Serve a simulated appliance.
    ///
    /// Example (login shell of a real sshd): sshfleet sim --stdio --scenario broken --hostname esa01.example.com
    Sim(SimArgs),
    /// List the hosts an inventory and --limit select.
    ///
    /// Example: sshfleet inventory -i inventory/example.yaml -l emea
    Inventory(InventoryArgs),
    /// Work with playbooks.
    #[command(subcommand)]
    Playbook(PlaybookCommand),
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Playbook file, or the name of a built-in playbook (esa-ecupdate).
    pub playbook: String,
    /// Ansible YAML inventory.
    #[arg(short, long)]
    pub inventory: PathBuf,
    /// Hosts, groups, globs and !exclusions, comma-separated.
    #[arg(short, long)]
    pub limit: Option<String>,
    /// Run every diagnostic, change nothing, report what would be done.
    #[arg(long)]
    pub check: bool,
    /// Set a playbook variable (KEY=VALUE), overriding inventory and defaults.
    #[arg(short = 'e', long = "extra-vars", value_name = "KEY=VALUE")]
    pub extra_vars: Vec<String>,
    /// How many hosts to work on at once.
    #[arg(short, long, default_value_t = 20)]
    pub forks: usize,
    /// known_hosts file [default: ~/.ssh/known_hosts].
    #[arg(long)]
    pub known_hosts: Option<PathBuf>,
    /// Record unknown host keys in known_hosts (changed keys are still refused).
    #[arg(long)]
    pub accept_new_host_keys: bool,
    /// OpenSSH client configuration [default: ~/.ssh/config if it exists]; `none` for none.
    #[arg(short = 'F', long = "ssh-config", value_name = "PATH")]
    pub ssh_config: Option<PathBuf>,
    /// Write the JSON report here (atomically).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Write each host's session transcript into this directory.
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    /// Print plain lines instead of live progress.
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Also write the JSON report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Speak the appliance CLI on stdin/stdout (for use as a login shell).
    #[arg(long)]
    pub stdio: bool,
    /// Appliance scenario (healthy, broken, stale-completion, never-completes, cluster, ...);
    /// for a fleet also `mixed`: per 20 hosts 7 healthy, 7 broken and one of each fault.
    #[arg(long, default_value = "broken")]
    pub scenario: String,
    /// Host name shown in the prompt (with --stdio).
    #[arg(long, default_value = "esa01.example.com")]
    pub hostname: String,
    /// How many appliances to serve on 127.0.0.1.
    #[arg(long, default_value_t = 10, conflicts_with = "stdio")]
    pub hosts: usize,
    /// How long `ecupdate force` takes on scenarios whose update completes (e.g. 1s, 2m).
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration, conflicts_with = "stdio")]
    pub update_duration: Option<std::time::Duration>,
    /// Serve a fleet on 127.0.0.1 until Ctrl-C, writing its inventory here and
    /// STEM.key and STEM.known_hosts beside it
    /// (e.g. sshfleet sim --hosts 200 --scenario mixed --inventory-out sim.yaml).
    #[arg(
        long,
        value_name = "PATH",
        required_unless_present = "stdio",
        conflicts_with = "stdio"
    )]
    pub inventory_out: Option<PathBuf>,
    /// Hosts are named PREFIX001.sim.example.com, ... (zero-padded to the width of --hosts).
    #[arg(long, default_value = "esa", conflicts_with = "stdio")]
    pub hostname_prefix: String,
}

#[derive(Debug, clap::Args)]
pub struct InventoryArgs {
    #[arg(short, long)]
    pub inventory: PathBuf,
    #[arg(short, long)]
    pub limit: Option<String>,
    /// OpenSSH client configuration, for the effective address, port and user
    /// [default: ~/.ssh/config if it exists]; `none` for none.
    #[arg(short = 'F', long = "ssh-config", value_name = "PATH")]
    pub ssh_config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// Check a playbook without running it.
    ///
    /// Example: sshfleet playbook validate playbooks/esa-ecupdate.yaml
    Validate { playbook: String },
}

/// Parse arguments and run; returns the process exit code.
pub fn main_with_args(args: Vec<String>) -> i32 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => ExitCode::BadInput.code(),
            };
        }
    };
    // Warnings an operator must see (a host key recorded under
    // --accept-new-host-keys, a transcript that could not be written) go to
    // stderr; RUST_LOG=sshfleet=debug shows more.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("sshfleet=warn")),
        )
        .try_init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("sshfleet: cannot start the async runtime: {e}");
            return ExitCode::Internal.code();
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code.code(),
        Err(e) => {
            let code = if e.downcast_ref::<InputError>().is_some() {
                ExitCode::BadInput
            } else {
                ExitCode::Internal
            };
            eprintln!("sshfleet: {e:#}");
            code.code()
        }
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run(args).await,
        Command::Demo(args) => crate::sim::demo::run(args.report).await,
        Command::Sim(args) => {
            if let Some(inventory_out) = args.inventory_out {
                crate::sim::serve::serve(crate::sim::serve::ServeOptions {
                    hosts: args.hosts,
                    scenario: args.scenario,
                    update_duration: args.update_duration,
                    inventory_out,
                    hostname_prefix: args.hostname_prefix,
                })
                .await?;
                return Ok(ExitCode::Success);
            }
            let Some(profile) = crate::sim::scenario_profile(&args.scenario, &args.hostname) else {
                return Err(
                    InputError::Invalid(format!("unknown scenario `{}`", args.scenario)).into(),
                );
            };
            crate::sim::serve_stdio(profile).await?;
            Ok(ExitCode::Success)
        }
        Command::Inventory(args) => {
            let inventory = Inventory::load(&args.inventory).map_err(InputError::from)?;
            let hosts = inventory
                .select(args.limit.as_deref())
                .map_err(InputError::from)?;
            let options = transport_options(
                &args.inventory,
                &hosts,
                args.ssh_config.as_deref(),
                None,
                false,
            )?;
            for host in hosts {
                let target = transport::Target::for_host(host, &options).map_err(|e| {
                    InputError::Invalid(format!("{}: {e}", args.inventory.display()))
                })?;
                let via = target
                    .jumps
                    .iter()
                    .map(|j| format!("\tvia={}@{}", j.credentials.user, j.host_port()))
                    .collect::<String>();
                println!(
                    "{}\t{}:{}\tuser={}\tgroups={}{via}",
                    host.name,
                    target.address,
                    target.port,
                    target.credentials.user,
                    host.groups.join(",")
                );
            }
            Ok(ExitCode::Success)
        }
        Command::Playbook(PlaybookCommand::Validate { playbook }) => {
            let playbook = Playbook::resolve(&playbook).map_err(InputError::from)?;
            println!(
                "{}: ok ({} steps)",
                playbook.source.display(),
                playbook.steps.len()
            );
            Ok(ExitCode::Success)
        }
    }
}

async fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let playbook = Playbook::resolve(&args.playbook).map_err(InputError::from)?;
    let extra_vars = parse_extra_vars(&playbook, &args.extra_vars).map_err(InputError::from)?;
    let inventory = Inventory::load(&args.inventory).map_err(InputError::from)?;
    let hosts: Vec<_> = inventory
        .select(args.limit.as_deref())
        .map_err(InputError::from)?
        .into_iter()
        .cloned()
        .collect();
    // A bad value for one host is a bad inventory: refuse before touching any.
    for host in &hosts {
        HostVars::resolve(&playbook, host, &extra_vars)
            .map_err(|e| InputError::Invalid(format!("{}: {e}", args.inventory.display())))?;
    }
    if args.forks == 0 {
        return Err(InputError::Invalid("--forks must be at least 1".to_string()).into());
    }
    let host_refs: Vec<_> = hosts.iter().collect();
    let transport = transport_options(
        &args.inventory,
        &host_refs,
        args.ssh_config.as_deref(),
        args.known_hosts.clone(),
        args.accept_new_host_keys,
    )?;
    let options = RunOptions {
        forks: args.forks,
        check_mode: args.check,
        transport,
        transcripts: args.transcripts.clone(),
        extra_vars,
    };
    let bars = crate::progress::bars_wanted(args.no_progress);
    let (code, _) = run_fleet_and_report(
        Arc::new(playbook),
        hosts,
        options,
        args.report.as_deref(),
        bars,
    )
    .await?;
    Ok(code)
}

/// Connection settings for a run: the command line's known_hosts and host
/// key policy, and ssh_config (`-F PATH`, else `~/.ssh/config`). Every
/// host's connection settings are checked here, so a bad file or var stops
/// the run before any host is touched.
fn transport_options(
    inventory: &std::path::Path,
    hosts: &[&crate::inventory::Host],
    ssh_config: Option<&std::path::Path>,
    known_hosts: Option<PathBuf>,
    accept_new_host_keys: bool,
) -> anyhow::Result<TransportOptions> {
    let config = match ssh_config {
        Some(path) => SshConfig::load_option(path),
        None => SshConfig::load_default(),
    }
    .map_err(|e| InputError::Invalid(e.to_string()))?;
    let policy = if accept_new_host_keys {
        HostKeyPolicy::AcceptNew
    } else {
        HostKeyPolicy::Strict
    };
    let fixed_known_hosts = known_hosts.is_some();
    let options = TransportOptions::new(
        known_hosts.unwrap_or_else(transport::default_known_hosts),
        policy,
    )
    .with_ssh_config(config, fixed_known_hosts, accept_new_host_keys);
    for host in hosts {
        transport::Target::for_host(host, &options)
            .map_err(|e| InputError::Invalid(format!("{}: {e}", inventory.display())))?;
    }
    Ok(options)
}

/// Run, print the table, write the report, choose the exit code. Ctrl-C
/// stops every host cleanly (each sends Ctrl-C to its `tail`) and the
/// report is still written.
pub async fn run_fleet_and_report(
    playbook: Arc<Playbook>,
    hosts: Vec<crate::inventory::Host>,
    options: RunOptions,
    report_path: Option<&std::path::Path>,
    bars: bool,
) -> anyhow::Result<(ExitCode, Report)> {
    let started = chrono::Utc::now();
    let cancel = CancellationToken::new();
    let watcher = {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!(
                    "sshfleet: interrupted; stopping every host cleanly (Ctrl-C again to abort)"
                );
                cancel.cancel();
                if tokio::signal::ctrl_c().await.is_ok() {
                    std::process::exit(ExitCode::Interrupted.code());
                }
            }
        })
    };
    let check_mode = options.check_mode;
    if check_mode {
        println!("check mode: diagnostics only, nothing will be changed");
    }
    let progress = Arc::new(crate::progress::Progress::new(hosts.len(), bars));
    let outcomes = runner::run_fleet(
        playbook.clone(),
        hosts,
        Arc::new(options),
        cancel.clone(),
        progress.clone(),
    )
    .await;
    progress.finish();
    watcher.abort();
    let report = Report::new(
        &playbook.name,
        check_mode,
        started,
        cancel.is_cancelled(),
        outcomes,
    );
    println!();
    print!("{}", report.table());
    if let Some(path) = report_path {
        report
            .write_atomic(path)
            .map_err(|e| anyhow::anyhow!("cannot write report {}: {e}", path.display()))?;
        println!("report written to {}", path.display());
    }
    Ok((report.exit_code(), report))
}
