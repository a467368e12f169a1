//! The command line (clap derive) and what each subcommand does. Errors a
//! user can cause before any host is touched exit 5; per-host results decide
//! the exit code otherwise (see [`crate::exit`]).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{CommandFactory as _, Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::events::{JsonLog, LogFormat};
use crate::exit::{ExitCode, InputError};
use crate::inventory::Inventory;
use crate::lock::RunLock;
use crate::playbook::Playbook;
use crate::playbook::vars::{HostVars, parse_extra_vars};
use crate::progress::Lines;
use crate::report::Report;
use crate::rollout::{Rollout, Serial};
use crate::runner::{self, Observer, Observers, RunOptions};
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

// Examples are kept verbatim (one command a line) in `--help` and in the
// man pages.
// One value per process: a large variant costs nothing. (With `sim`, the
// sim subcommand's arguments are as large as `run`'s and clippy is quiet.)
#[cfg_attr(not(feature = "sim"), allow(clippy::large_enum_variant))]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a playbook on the hosts of an inventory
    ///
    /// Examples:
    ///   sshfleet run esa-ecupdate -i inventory/lab.yaml -l esa01.example.com --report out.json
    ///   sshfleet run esa-ecupdate -i prod.yaml --check
    ///   sshfleet run esa-ecupdate -i prod.yaml --serial 10% --max-fail-percent 20
    ///   sshfleet run secure-endpoint-tetra -i endpoints.yaml --serial 25%
    ///   sshfleet run esa-ecupdate -i prod.yaml --retry-failed last.json --report retry.json
    ///   sshfleet run esa-ecupdate -i prod.yaml --no-progress --log-format json --lock /run/sshfleet/prod.lock
    ///
    /// Exit codes: 0 every host ok or changed, 2 some host failed, 3 another run
    /// holds the lock (nothing was run), 4 none failed but some unreachable,
    /// 5 bad invocation, inventory or playbook (nothing was run), 1 internal
    /// error, 130 interrupted.
    #[command(verbatim_doc_comment)]
    Run(RunArgs),
    #[cfg(feature = "sim")]
    /// Run a shipped playbook on a simulated fleet (real SSH on loopback)
    ///
    /// Exits 0 when every simulated host ended with the status its scenario
    /// requires.
    ///
    /// Examples:
    ///   sshfleet demo
    ///   sshfleet demo --playbook secure-endpoint-tetra --report demo.json
    #[command(verbatim_doc_comment)]
    Demo(DemoArgs),
    #[cfg(feature = "sim")]
    /// Serve a simulated appliance
    ///
    /// Examples:
    ///   sshfleet sim --hosts 200 --scenario mixed --inventory-out sim.yaml
    ///   sshfleet sim --model windows --hosts 20 --inventory-out endpoints.yaml
    ///   sshfleet sim --stdio --scenario broken --hostname esa01.example.com   (login shell of a real sshd)
    #[command(verbatim_doc_comment)]
    Sim(SimArgs),
    /// List the hosts an inventory and --limit select
    ///
    /// Example:
    ///   sshfleet inventory -i inventory/example.yaml -l 'emea,!esa02*'
    #[command(verbatim_doc_comment)]
    Inventory(InventoryArgs),
    /// Work with playbooks
    ///
    /// Example:
    ///   sshfleet playbook validate playbooks/esa-ecupdate.yaml
    #[command(subcommand, verbatim_doc_comment)]
    Playbook(PlaybookCommand),
    /// Print a shell completion script
    ///
    /// Examples:
    ///   sshfleet completions bash > ~/.local/share/bash-completion/completions/sshfleet
    ///   sshfleet completions zsh > ~/.zfunc/_sshfleet
    ///   sshfleet completions fish > ~/.config/fish/completions/sshfleet.fish
    #[command(verbatim_doc_comment)]
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff), or write one page per subcommand
    ///
    /// Examples:
    ///   sshfleet man | man -l -
    ///   sshfleet man --out-dir /usr/local/share/man/man1
    #[command(verbatim_doc_comment)]
    Man {
        /// Write sshfleet.1, sshfleet-run.1, ... into this directory.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Playbook file, or the name of a built-in playbook (esa-ecupdate, secure-endpoint-tetra).
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
    /// `json`: one JSON object per host event on stdout, for log shippers
    /// (the human lines and table then go to stderr).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Refuse to start (exit 3) while another run holds this lock file
    /// [default: $XDG_RUNTIME_DIR/sshfleet.lock, else sshfleet-UID.lock in the temp dir].
    #[arg(long, value_name = "PATH")]
    pub lock: Option<PathBuf>,
    /// Run the hosts in batches of N hosts, or N% of them (rounded up), one batch after the other.
    #[arg(long, value_name = "N|N%")]
    pub serial: Option<Serial>,
    /// Stop before the next batch when more than P% of a batch failed or was unreachable;
    /// the hosts not run are reported skipped.
    #[arg(long, value_name = "P", value_parser = crate::rollout::parse_max_fail_percent)]
    pub max_fail_percent: Option<u8>,
    /// Run only the hosts that were failed or unreachable in this earlier JSON report
    /// (and in the inventory and --limit).
    #[arg(long, value_name = "REPORT.json")]
    pub retry_failed: Option<PathBuf>,
    /// Connection attempts after the first when a host refuses, resets, times out or
    /// drops the handshake (waits about 1 s, 2 s, 4 s...); host key and login errors are never retried.
    #[arg(long, value_name = "N", default_value_t = crate::retry::DEFAULT_CONNECT_RETRIES)]
    pub connect_retries: u32,
}

#[cfg(feature = "sim")]
#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Which shipped playbook to show, on a fleet of the machines it is for.
    #[arg(long, value_enum, default_value_t = crate::demo::DemoPlaybook::EsaEcupdate)]
    pub playbook: crate::demo::DemoPlaybook,
    /// Also write the JSON report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[cfg(feature = "sim")]
#[derive(Debug, clap::Args)]
pub struct SimArgs {
    /// Speak the appliance CLI on stdin/stdout (for use as a login shell).
    #[arg(long)]
    pub stdio: bool,
    /// Which machines to simulate (a fleet only; --stdio serves AsyncOS).
    #[arg(long, value_enum, default_value_t, conflicts_with = "stdio")]
    pub model: sshfleet_sim::Model,
    /// Scenario: one of the model's, or `mixed` for a fleet of every one of them.
    /// [default: broken; mixed for --model windows]
    #[arg(long, value_enum)]
    pub scenario: Option<sshfleet_sim::ScenarioChoice>,
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
    /// Hosts are named PREFIX001.sim.example.com, ... (zero-padded to the width of --hosts)
    /// [default: esa, or pc for --model windows].
    #[arg(long, conflicts_with = "stdio")]
    pub hostname_prefix: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct InventoryArgs {
    /// Ansible YAML inventory.
    #[arg(short, long)]
    pub inventory: PathBuf,
    /// Hosts, groups, globs and !exclusions, comma-separated.
    #[arg(short, long)]
    pub limit: Option<String>,
    /// OpenSSH client configuration, for the effective address, port and user
    /// [default: ~/.ssh/config if it exists]; `none` for none.
    #[arg(short = 'F', long = "ssh-config", value_name = "PATH")]
    pub ssh_config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PlaybookCommand {
    /// Check a playbook without running it
    ///
    /// Examples:
    ///   sshfleet playbook validate playbooks/esa-ecupdate.yaml
    ///   sshfleet playbook validate esa-ecupdate
    #[command(verbatim_doc_comment)]
    Validate {
        /// Playbook file, or the name of a built-in playbook.
        playbook: String,
    },
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
    // stderr; RUST_LOG=sshfleet=debug shows more. Colour only for a person
    // at a terminal: cron mails and journald would show raw escapes.
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(crate::progress::colour_wanted())
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
            eprintln!("sshfleet: {e:#}");
            crate::exit::code_of_error(&e).code()
        }
    }
}

/// `sshfleet sim`: a fleet until Ctrl-C, or one appliance on stdio.
#[cfg(feature = "sim")]
async fn sim(args: SimArgs) -> anyhow::Result<ExitCode> {
    use sshfleet_sim::{Scenario, ScenarioChoice};
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
        })
        .await
        .map_err(sim_error)?;
        return Ok(ExitCode::Success);
    }
    // One appliance: an AsyncOS scenario, never `mixed`.
    let scenario = args.scenario.unwrap_or(ScenarioChoice::One(
        sshfleet_sim::AsyncOsScenario::Broken.into(),
    ));
    let ScenarioChoice::One(Scenario::AsyncOs(scenario)) = scenario else {
        return Err(InputError::Invalid(format!("unknown scenario `{scenario}`")).into());
    };
    sshfleet_sim::serve_stdio(scenario.profile(&args.hostname)).await?;
    Ok(ExitCode::Success)
}

/// A simulator error as the product's: bad options exit 5, like any other
/// bad invocation.
#[cfg(feature = "sim")]
fn sim_error(e: sshfleet_sim::SimError) -> anyhow::Error {
    if e.is_invalid_input() {
        InputError::Invalid(e.to_string()).into()
    } else {
        e.into()
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Run(args) => run(args).await,
        #[cfg(feature = "sim")]
        Command::Demo(args) => crate::demo::run(args.playbook, args.report).await,
        #[cfg(feature = "sim")]
        Command::Sim(args) => sim(args).await,
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
                say!(
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
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "sshfleet",
                &mut std::io::stdout(),
            );
            Ok(ExitCode::Success)
        }
        Command::Man { out_dir } => {
            match out_dir {
                Some(dir) => clap_mangen::generate_to(Cli::command(), &dir).map_err(|e| {
                    anyhow::anyhow!("cannot write manual pages into {}: {e}", dir.display())
                })?,
                // `sshfleet man | head` is not an error.
                None => {
                    match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                            return Err(e.into());
                        }
                        _ => {}
                    }
                }
            }
            Ok(ExitCode::Success)
        }
        Command::Playbook(PlaybookCommand::Validate { playbook }) => {
            let playbook = Playbook::resolve(&playbook).map_err(InputError::from)?;
            say!(
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
    let mut hosts: Vec<_> = inventory
        .select(args.limit.as_deref())
        .map_err(InputError::from)?
        .into_iter()
        .cloned()
        .collect();
    let mut retrying = None;
    if let Some(report) = &args.retry_failed {
        let (kept, note) = select_retry(report, &playbook.name, &inventory, hosts)?;
        hosts = kept;
        retrying = Some(note);
    }
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
        rollout: Rollout {
            serial: args.serial,
            max_fail_percent: args.max_fail_percent,
        },
        connect_retries: args.connect_retries,
        forks: args.forks,
        check_mode: args.check,
        transport,
        transcripts: args.transcripts.clone(),
        extra_vars,
    };
    // Taken last: a bad invocation is reported as such, whoever holds it.
    let lock_path = args.lock.clone().unwrap_or_else(crate::lock::default_path);
    let _lock = match RunLock::acquire(&lock_path) {
        Ok(lock) => lock,
        Err(e) => {
            if args.log_format == LogFormat::Json {
                JsonLog::new(&playbook.name).refused(&e.to_string());
            }
            return Err(e.into());
        }
    };
    if let Some(note) = retrying {
        lines_for(args.log_format).print(&note);
    }
    let bars = crate::progress::bars_wanted(args.no_progress);
    let (code, _) = run_fleet_and_report(
        Arc::new(playbook),
        hosts,
        options,
        args.report.as_deref(),
        bars,
        args.log_format,
    )
    .await?;
    Ok(code)
}

fn lines_for(format: LogFormat) -> Lines {
    match format {
        LogFormat::Text => Lines::Stdout,
        LogFormat::Json => Lines::Stderr,
    }
}

/// Keep the selected hosts that the earlier report says failed or were
/// unreachable, with a line saying so. A host of the report that the
/// inventory no longer has is named in a warning and not run: it was removed
/// or renamed on purpose, and the rest still deserve their retry.
fn select_retry(
    report: &std::path::Path,
    playbook: &str,
    inventory: &Inventory,
    selected: Vec<crate::inventory::Host>,
) -> Result<(Vec<crate::inventory::Host>, String), InputError> {
    let wanted = crate::retry::hosts_to_retry(report, playbook)?;
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|name| !inventory.hosts().iter().any(|h| &h.name == *name))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        tracing::warn!(
            "{}: not in the inventory, so not retried: {}",
            report.display(),
            missing.join(", ")
        );
    }
    let hosts: Vec<_> = selected
        .into_iter()
        .filter(|h| wanted.contains(&h.name))
        .collect();
    let note = if hosts.is_empty() {
        format!(
            "nothing to retry: no selected host was failed or unreachable in {}",
            report.display()
        )
    } else {
        format!(
            "retrying {} host{} failed or unreachable in {}",
            hosts.len(),
            if hosts.len() == 1 { "" } else { "s" },
            report.display()
        )
    };
    Ok((hosts, note))
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
    log_format: LogFormat,
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
    let lines = lines_for(log_format);
    if check_mode {
        lines.print("check mode: diagnostics only, nothing will be changed");
    }
    let progress = Arc::new(crate::progress::Progress::new(hosts.len(), bars, lines));
    let json = (log_format == LogFormat::Json).then(|| Arc::new(JsonLog::new(&playbook.name)));
    let observer: Arc<dyn Observer> = match &json {
        Some(json) => {
            json.run_started(
                hosts.len(),
                check_mode,
                options.rollout.batch_sizes(hosts.len()).len(),
            );
            Arc::new(Observers(vec![progress.clone(), json.clone()]))
        }
        None => progress.clone(),
    };
    let outcomes = runner::run_fleet(
        playbook.clone(),
        hosts,
        Arc::new(options),
        cancel.clone(),
        observer,
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
    lines.print(&format!("\n{}", report.table().trim_end()));
    if let Some(path) = report_path {
        report
            .write_atomic(path)
            .map_err(|e| anyhow::anyhow!("cannot write report {}: {e}", path.display()))?;
        lines.print(&format!("report written to {}", path.display()));
    }
    let code = report.exit_code();
    if let Some(json) = &json {
        json.run_finished(&report, code, report_path);
    }
    Ok((code, report))
}
