//! The command line: clap derive structs, and for each subcommand the
//! parse into typed values (a `Plan` for `run`) and what it prints.
//! Errors a user can cause before any host is touched exit 5; per-host
//! results decide the exit code otherwise (see [`crate::error`]).

pub(crate) mod ask_pass;
pub(crate) mod man;

use std::path::PathBuf;

use clap::{CommandFactory as _, Parser, Subcommand};

use crate::console::events::LogFormat;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::inventory::VaultSecret;
use crate::plan::rollout::Serial;

#[derive(Debug, Parser)]
#[command(
    name = "sshfleet",
    version,
    about = "Find and fix known faults on fleets of security appliances over SSH",
    after_long_help = after_long_help()
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The statuses, first in `--help` after the subcommands.
const STATUSES: &str = "\
Statuses (one per host, in the table, the report and the metrics):
  ok           nothing to do: no fault found
  changed      a fault fixed, and the fix confirmed by the host's own output
               (--check: would be changed)
  failed       a fault found and not fixed, or a step failed
  unreachable  no session: connection, host key or login refused
  skipped      not run: the rollout stopped (--max-fail-percent) or the run
               was interrupted";

/// The rest of `--help`, after the exit codes.
const AFTER_EXIT_CODES: &str = "\
Inventory: an Ansible inventory (-i): YAML, INI, JSON, a directory of them
or an executable script, as ansible-inventory reads them; its groups and host
variables (ansible_host, ansible_port, ansible_user, ansible_ssh_private_key_file,
ansible_ssh_common_args, sshfleet_password_env, and the playbook's own
variables); --limit takes hosts, groups, globs and !exclusions.

Files:
  ~/.ssh/known_hosts     host keys checked (--known-hosts, --accept-new-host-keys)
  ~/.ssh/config          OpenSSH client configuration read unless -F none
  $XDG_RUNTIME_DIR/sshfleet.lock
                         the run lock (--lock)
  REPORT.json            --report: the JSON report (schema: docs/report.schema.json),
                         read by sshfleet report show|diff and --retry-failed
  NAME.prom              --metrics-file: Prometheus text for node_exporter
  DIR/HOST.log           --transcripts: each host's session
  DIR/HOST.jsonl         --record: each host's session, replayable (sim --replay)

See sshfleet-run(1) and the README for more.";

/// What `sshfleet --help` and sshfleet(1) say beyond the subcommands:
/// statuses, exit codes (from [`ExitCode::ALL`]), inventory, files.
/// Indented lines are set verbatim in the man page.
fn after_long_help() -> String {
    format!(
        "{STATUSES}\n\n{}\n{AFTER_EXIT_CODES}",
        ExitCode::help_section()
    )
}

// Examples are kept verbatim (one command a line) in `--help` and in the
// man pages.
// One value per process: a large variant (`run`'s arguments) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a playbook on the hosts of an inventory
    ///
    /// Examples:
    ///   sshfleet run esa-ecupdate -i inventory/example.yaml -l esa01.example.com --report out.json
    ///   sshfleet run esa-ecupdate -i prod.yaml --check
    ///   sshfleet run esa-ecupdate -i prod.yaml --serial 10% --max-fail-percent 20
    ///   sshfleet run secure-endpoint-tetra -i endpoints.yaml --serial 25%
    ///   sshfleet run esa-ecupdate -i prod.yaml --retry-failed last.json --report retry.json
    ///   sshfleet run esa-ecupdate -i prod.yaml --no-progress --log-format json --lock /run/sshfleet/prod.lock
    ///   sshfleet run esa-ecupdate -i prod.yaml --ask-pass
    ///   sshfleet run esa-ecupdate -i prod.yaml --report today.json --metrics-file /var/lib/node_exporter/textfile/sshfleet.prom
    ///
    /// inventory/example.yaml ships as a model; prod.yaml, endpoints.yaml and the
    /// reports are yours to write.
    ///
    /// Exit codes: 0 every host ok or changed, 2 some host failed, 3 another run
    /// holds the lock (nothing was run), 4 none failed but some unreachable,
    /// 5 bad invocation, inventory or playbook (nothing was run), 1 internal
    /// error, 130 interrupted (Ctrl-C), 143 stopped by SIGTERM, 129 by SIGHUP
    /// (the report is still written).
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
    ///   sshfleet demo --replay recordings/
    #[command(verbatim_doc_comment)]
    Demo(DemoArgs),
    #[cfg(feature = "sim")]
    /// Serve a simulated fleet (appliances or Windows endpoints) on loopback, or one appliance on stdio
    ///
    /// Examples:
    ///   sshfleet sim --hosts 200 --scenario mixed --inventory-out sim.yaml
    ///   sshfleet sim --model windows --hosts 20 --inventory-out endpoints.yaml
    ///   sshfleet sim --stdio --scenario broken --hostname esa01.example.com   (login shell of a real sshd)
    ///   sshfleet sim --replay recordings/ --inventory-out replay.yaml
    ///   sshfleet sim --replay recordings/ --fault trickle --inventory-out replay.yaml
    #[command(
        verbatim_doc_comment,
        override_usage = "sshfleet sim --inventory-out <PATH> [OPTIONS]\n       sshfleet sim --stdio [OPTIONS]"
    )]
    Sim(SimArgs),
    /// List the hosts an inventory and --limit select
    ///
    /// Example:
    ///   sshfleet inventory -i inventory/example.yaml -l 'emea,!esa02*'
    #[command(verbatim_doc_comment)]
    Inventory(InventoryArgs),
    /// Work with playbooks
    ///
    /// Examples:
    ///   sshfleet playbook validate playbooks/esa-ecupdate.yaml
    ///   sshfleet playbook test esa-ecupdate --replay recordings/ --expect expect.yaml
    #[command(subcommand, verbatim_doc_comment)]
    Playbook(PlaybookCommand),
    /// Read the JSON report of an earlier run
    ///
    /// Examples:
    ///   sshfleet report show last.json
    ///   sshfleet report diff yesterday.json today.json
    ///   sshfleet report html last.json --out last.html
    #[command(subcommand, verbatim_doc_comment)]
    Report(ReportCommand),
    /// Print a shell completion script
    ///
    /// Examples:
    ///   mkdir -p ~/.local/share/bash-completion/completions
    ///   sshfleet completions bash > ~/.local/share/bash-completion/completions/sshfleet
    ///   mkdir -p ~/.zfunc && sshfleet completions zsh > ~/.zfunc/_sshfleet
    ///   mkdir -p ~/.config/fish/completions
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
        /// Write sshfleet.1, sshfleet-run.1, ... into this directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// Playbook file, or the name of a built-in playbook (esa-ecupdate, secure-endpoint-tetra).
    #[arg(value_parser = PlaybookArg, hide_possible_values = true)]
    pub playbook: String,
    /// Ansible inventory: YAML, INI, JSON, a script or a directory; repeat for several.
    #[arg(short, long, required = true)]
    pub inventory: Vec<PathBuf>,
    #[arg(
        short,
        long,
        help = "Hosts, groups, globs, subscripts (web[0]), !exclusions, &intersections, @file."
    )]
    pub limit: Option<String>,
    /// Only this runner's share of the selected hosts: K of N shares, by a
    /// hash of each host's name (stable as hosts come and go), for fleets
    /// split across runners; `sshfleet report merge` joins their reports.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::plan::shard::Shard>,
    #[command(flatten)]
    pub vault: VaultArgs,
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
    /// Write the JSON report here (atomically); read it again with `sshfleet report show`.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Also write the report as one HTML page to share (self-contained: opens
    /// offline, printable); `sshfleet report html` makes one from a JSON report.
    #[arg(long, value_name = "FILE.html")]
    pub html: Option<PathBuf>,
    /// Write the run's summary here in the Prometheus text format (atomically), for
    /// node_exporter's textfile collector (name it *.prom).
    #[arg(long, value_name = "PATH")]
    pub metrics_file: Option<PathBuf>,
    /// Write each host's session transcript into this directory, as HOST.log
    /// (a byte of the name other than a letter, digit, `.`, `-` or `_` is
    /// written `%XX`, so no two hosts share a file).
    #[arg(long)]
    pub transcripts: Option<PathBuf>,
    /// Write each host's session into this directory as a replayable recording
    /// (HOST.jsonl, secrets redacted) for `sshfleet sim --replay` and
    /// `sshfleet playbook test` (docs/RECORDING.md). A host whose name a
    /// recording cannot carry (not a DNS-like name) is refused before any host.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
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
    /// With --serial: stop before the next batch when more than P% of a batch failed or
    /// was unreachable; the hosts not run are reported skipped.
    #[arg(long, value_name = "P", value_parser = crate::plan::rollout::parse_max_fail_percent, requires = "serial")]
    pub max_fail_percent: Option<u8>,
    /// Run only the hosts that were failed or unreachable in this earlier JSON report,
    /// or that it never ran (skipped)
    /// (and in the inventory and --limit).
    #[arg(long, value_name = "REPORT.json")]
    pub retry_failed: Option<PathBuf>,
    /// Connection attempts after the first when a host refuses, resets, times out or
    /// drops the handshake (waits about 1 s, 2 s, 4 s...); host key and login errors are never retried.
    /// At most 100: with the waits capped, about half an hour per host.
    #[arg(long, value_name = "N", default_value_t = crate::plan::retry::DEFAULT_CONNECT_RETRIES,
          value_parser = clap::value_parser!(u32).range(0..=100))]
    pub connect_retries: u32,
    /// Ask for the login password once, on the terminal (not echoed); used for every host
    /// whose inventory names no password variable and that no key lets in. Never sent to
    /// jump hosts. Refused off a terminal: name an environment variable with
    /// sshfleet_password_env instead.
    #[arg(short = 'k', long)]
    pub ask_pass: bool,
}

#[cfg(feature = "sim")]
#[derive(Debug, clap::Args)]
pub(crate) struct DemoArgs {
    /// Which shipped playbook to show, on a fleet of the machines it is for.
    #[arg(long, value_enum, default_value_t = DemoPlaybook::EsaEcupdate)]
    pub playbook: DemoPlaybook,
    /// Replay these recordings (`sshfleet run --record DIR`) instead: the playbook
    /// they were made with, checked against how each host ended when recorded.
    #[arg(long, value_name = "DIR", conflicts_with = "playbook")]
    pub replay: Option<PathBuf>,
    /// Also write the JSON report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[cfg(feature = "sim")]
#[derive(Debug, clap::Args)]
pub(crate) struct SimArgs {
    /// Speak the appliance CLI on stdin/stdout (for use as a login shell).
    #[arg(long)]
    pub stdio: bool,
    /// Which machines to simulate (a fleet only; --stdio serves AsyncOS).
    #[arg(long, value_parser = sim_value::<sshfleet_sim::Model>(), default_value_t, conflicts_with = "stdio")]
    pub model: sshfleet_sim::Model,
    /// Scenario: one of the model's, or `mixed` for a fleet of every one of them.
    /// [default: broken; mixed for --model windows]
    #[arg(long, value_parser = sim_value::<sshfleet_sim::ScenarioChoice>())]
    pub scenario: Option<sshfleet_sim::ScenarioChoice>,
    /// Host name shown in the prompt (with --stdio).
    #[arg(long, default_value = "esa01.example.com")]
    pub hostname: String,
    /// How many appliances to serve on 127.0.0.1 (1 to 10000).
    #[arg(long, default_value_t = 10, value_parser = parse_sim_hosts, conflicts_with = "stdio")]
    pub hosts: usize,
    /// How long `ecupdate force` takes on scenarios whose update completes (e.g. 1s, 2m; at most a day).
    #[arg(long, value_name = "DURATION", value_parser = crate::support::bounds::parse_duration, conflicts_with = "stdio")]
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
    /// The shell Windows endpoints hand exec requests to: cmd (as Windows
    /// ships), powershell (DefaultShell set), or mixed (both, alternating).
    #[arg(long, value_parser = sim_value::<sshfleet_sim::serve::ShellChoice>(), default_value_t, conflicts_with = "stdio")]
    pub default_shell: sshfleet_sim::serve::ShellChoice,
    /// Serve the recordings in this directory (`sshfleet run --record DIR`), each as
    /// the host it recorded, instead of simulated models (docs/RECORDING.md).
    #[arg(
        long,
        value_name = "DIR",
        conflicts_with_all = ["stdio", "model", "scenario", "hosts", "update_duration", "hostname_prefix"]
    )]
    pub replay: Option<PathBuf>,
    /// With --replay: add this fault to every replayed host (repeat for several).
    #[arg(long, value_parser = sim_value::<sshfleet_sim::serve::ReplayFault>(), requires = "replay")]
    pub fault: Vec<sshfleet_sim::serve::ReplayFault>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct InventoryArgs {
    /// Ansible inventory: YAML, INI, JSON, a script or a directory; repeat for several.
    #[arg(short, long, required = true)]
    pub inventory: Vec<PathBuf>,
    #[arg(
        short,
        long,
        help = "Hosts, groups, globs, subscripts (web[0]), !exclusions, &intersections, @file."
    )]
    pub limit: Option<String>,
    /// Only this runner's share of the selected hosts: K of N shares, by a
    /// hash of each host's name (stable as hosts come and go), for fleets
    /// split across runners; `sshfleet report merge` joins their reports.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<crate::plan::shard::Shard>,
    /// Print the inventory as `ansible-inventory --list` does (JSON, passwords masked).
    #[arg(long, conflicts_with_all = ["limit", "shard", "pattern", "json"])]
    pub list: bool,
    /// Hosts matching this Ansible host pattern, in the pattern's order (what
    /// `ansible PATTERN --list-hosts` lists), instead of `all` (or --limit).
    #[arg(long, value_name = "PATTERN", conflicts_with = "limit")]
    pub pattern: Option<String>,
    /// Print each selected host's effective connection values (address, port,
    /// user, key files, whether a password is set, proxy, jumps) as JSON, or
    /// the error refusing it; exit 5 if any host is refused.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub vault: VaultArgs,
    /// OpenSSH client configuration, for the effective address, port and user
    /// [default: ~/.ssh/config if it exists]; `none` for none.
    #[arg(short = 'F', long = "ssh-config", value_name = "PATH")]
    pub ssh_config: Option<PathBuf>,
}

/// Where the Ansible Vault password comes from.
#[derive(Debug, clap::Args)]
pub(crate) struct VaultArgs {
    /// File whose first line is the vault password [default: $ANSIBLE_VAULT_PASSWORD_FILE].
    #[arg(long, value_name = "PATH")]
    pub vault_password_file: Option<PathBuf>,
    /// Ask for the vault password on the terminal.
    #[arg(long, conflicts_with = "vault_password_file")]
    pub ask_vault_pass: bool,
    /// A vault id and where its password is, as ansible-core: `LABEL@FILE`,
    /// `LABEL@prompt`, or `FILE` (label `default`); repeat for several.
    #[arg(long, value_name = "LABEL@SOURCE")]
    pub vault_id: Vec<String>,
}

impl VaultArgs {
    /// The vault password, if one is given: `--ask-vault-pass` (on the
    /// terminal, as `--ask-pass`), else `--vault-password-file`, else
    /// `ANSIBLE_VAULT_PASSWORD_FILE`.
    pub(crate) async fn secret(&self) -> Result<Option<VaultSecret>, Error> {
        let mut ids = Vec::new();
        for id in &self.vault_id {
            let (label, source) = id.split_once('@').unwrap_or(("default", id.as_str()));
            let password = if source == "prompt" {
                ask(&format!("Vault password ({label}): ")).await?
            } else {
                let secret = VaultSecret::from_file(std::path::Path::new(source))
                    .map_err(|e| Error::VaultPassword(format!("--vault-id {id}: {e}")))?;
                let Some((_, password)) = secret.labels().next() else {
                    continue;
                };
                password.to_string()
            };
            ids.push((label.to_string(), password));
        }
        let ids = (!ids.is_empty()).then(|| VaultSecret::with_labels(ids));
        let other = self.password().await?;
        Ok(match (ids, other) {
            (Some(ids), Some(other)) => Some(ids.and(other)),
            (ids, other) => ids.or(other),
        })
    }

    /// `--ask-vault-pass`, else `--vault-password-file`, else
    /// `ANSIBLE_VAULT_PASSWORD_FILE` (vault id `default`).
    async fn password(&self) -> Result<Option<VaultSecret>, Error> {
        if self.ask_vault_pass {
            return ask("Vault password: ")
                .await
                .map(|p| Some(VaultSecret::new(p)));
        }
        match self
            .vault_password_file
            .clone()
            .or_else(crate::inventory::vault::password_file_from_env)
        {
            Some(path) => VaultSecret::from_file(&path)
                .map(Some)
                .map_err(Error::VaultPassword),
            None => Ok(None),
        }
    }
}

/// A vault password typed on the terminal.
async fn ask(prompt: &str) -> Result<String, Error> {
    use crate::cli::ask_pass::AskPassError;
    match crate::cli::ask_pass::ask_line(prompt).await {
        Ok(password) => Ok(password),
        Err(AskPassError::NotATerminal) => Err(Error::VaultPassword(
            "--ask-vault-pass needs a terminal to ask on (as does --vault-id LABEL@prompt), and \
             stdin is not one; unattended runs use --vault-password-file, --vault-id LABEL@FILE \
             or ANSIBLE_VAULT_PASSWORD_FILE"
                .to_string(),
        )),
        Err(AskPassError::Empty) => Err(Error::VaultPassword(format!(
            "{}: no password was typed",
            prompt.trim_end_matches([' ', ':'])
        ))),
        Err(AskPassError::Interrupted) => Err(Error::Interrupted("vault password")),
        Err(AskPassError::Io(e)) => Err(Error::Io(e)),
    }
}

/// `report show --group-by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ShowGroupBy {
    Finding,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// Print the table of a report again, with the reason of each failed,
    /// unreachable or skipped host (and what confirmed each change), and how
    /// many hosts each finding holds
    ///
    /// Examples:
    ///   sshfleet report show last.json
    ///   sshfleet report show last.json --status failed --group-by finding
    ///   sshfleet report show last.json --finding tetra-proxy-auth
    ///   sshfleet report show last.json --host pc042.example.com
    #[command(verbatim_doc_comment)]
    Show {
        /// A JSON report written by `sshfleet run --report`.
        #[arg(value_name = "REPORT.json")]
        report: PathBuf,
        /// Only hosts of this status (repeat, or comma-separate, for several).
        #[arg(long, value_enum, value_delimiter = ',')]
        status: Vec<crate::report::Status>,
        /// Only hosts with this finding id (repeat, or comma-separate, for several).
        #[arg(long, value_name = "ID", value_delimiter = ',')]
        finding: Vec<String>,
        /// One table per finding, most hosts first.
        #[arg(long, value_enum)]
        group_by: Option<ShowGroupBy>,
        /// Everything the report holds of this host, nothing cut.
        #[arg(long, value_name = "NAME", conflicts_with_all = ["status", "finding", "group_by"])]
        host: Option<String>,
    },
    /// Say which hosts changed status or findings between two runs of one
    /// playbook (nothing is printed when none did)
    ///
    /// Example (a daily cron job mails what changed):
    ///   sshfleet report diff /var/lib/sshfleet/yesterday.json /var/lib/sshfleet/today.json
    #[command(verbatim_doc_comment)]
    Diff {
        /// The earlier report.
        #[arg(value_name = "OLD.json")]
        old: PathBuf,
        /// The later report.
        #[arg(value_name = "NEW.json")]
        new: PathBuf,
    },
    /// Join the reports of one run split with `--shard K/N` into one report
    /// (every host once); prints its table and exits as the whole run would
    ///
    /// Example:
    ///   sshfleet report merge shard-1.json shard-2.json shard-3.json --out fleet.json
    #[command(verbatim_doc_comment)]
    Merge {
        /// The shards' reports.
        #[arg(value_name = "REPORT.json", required = true)]
        reports: Vec<PathBuf>,
        /// Write the merged report here (atomically).
        #[arg(long, value_name = "PATH")]
        out: PathBuf,
    },
    /// Write a report as one HTML page to share: the run's facts and counts,
    /// findings by cause with the playbook's action, every host (sortable,
    /// filterable) with its reason and steps, and a timeline of the steps
    ///
    /// The page is self-contained (inline style and script, no network
    /// request, readable offline and printable); a link may end in
    /// #status=failed, #finding=ID or #sort=time-desc to open on that view.
    ///
    /// Example:
    ///   sshfleet report html last.json --out last.html
    #[command(verbatim_doc_comment)]
    Html {
        /// A JSON report written by `sshfleet run --report`.
        #[arg(value_name = "REPORT.json")]
        report: PathBuf,
        /// Write the page here (atomically).
        #[arg(long, value_name = "FILE.html")]
        out: PathBuf,
    },
}

/// The most appliances one simulator serves: each takes a port of
/// 127.0.0.1 and its own state, so a number past the ports there are grew
/// memory without end (round 8); ten thousand is three times the largest
/// fleet benchmark.
#[cfg(feature = "sim")]
pub(crate) const MAX_SIM_HOSTS: usize = 10_000;

/// `--hosts`: a whole number from 1 to [`MAX_SIM_HOSTS`].
#[cfg(feature = "sim")]
fn parse_sim_hosts(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if (1..=MAX_SIM_HOSTS).contains(&n) => Ok(n),
        _ => Err(format!(
            "`{text}` is not a number of appliances from 1 to {MAX_SIM_HOSTS}"
        )),
    }
}

/// A simulator option (`--model`, `--scenario`, `--default-shell`,
/// `--fault`): the simulator's own table of names and descriptions, offered
/// as clap possible values, so `--help`, completions and the accepted
/// spellings all come from the one table the simulator parses with.
#[cfg(feature = "sim")]
fn sim_value<T>() -> impl clap::builder::TypedValueParser<Value = T>
where
    T: sshfleet_sim::Named + std::str::FromStr<Err = sshfleet_sim::SimError>,
{
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser as _};
    PossibleValuesParser::new(
        T::ALL
            .iter()
            .map(|v| PossibleValue::new(v.name()).help(v.about().into_owned())),
    )
    .try_map(|name| name.parse::<T>())
}

/// A playbook argument: any file, or a built-in name; completions offer
/// the built-in names.
#[derive(Debug, Clone, Copy)]
struct PlaybookArg;

impl clap::builder::TypedValueParser for PlaybookArg {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        clap::builder::StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            crate::playbook::BUILTIN
                .iter()
                .map(|(name, _)| clap::builder::PossibleValue::new(*name)),
        ))
    }
}

#[derive(Debug, Subcommand)]
pub(crate) enum PlaybookCommand {
    /// Check a playbook without running it
    ///
    /// Examples:
    ///   sshfleet playbook validate playbooks/esa-ecupdate.yaml
    ///   sshfleet playbook validate esa-ecupdate
    #[command(verbatim_doc_comment)]
    Validate {
        /// Playbook file, or the name of a built-in playbook.
        #[arg(value_parser = PlaybookArg, hide_possible_values = true)]
        playbook: String,
    },
    #[cfg(feature = "sim")]
    /// Run a playbook against recorded hosts and compare each host's status and findings
    ///
    /// The recordings (`sshfleet run --record DIR`) are served on loopback over real
    /// SSH, as `sshfleet sim --replay` serves them. --expect is YAML, one entry per
    /// host (`esa01.example.com: {status: changed, findings: [ecs-token-403]}`), or
    /// the JSON report of an earlier run; without it, each host must end as it did
    /// when recorded.
    ///
    /// Exit codes: 0 every host matched, 2 some host differs (each difference is
    /// printed, naming the host), 5 bad playbook, recording or expectations, 1
    /// internal error.
    ///
    /// Examples:
    ///   sshfleet playbook test esa-ecupdate --replay recordings/ --expect expect.yaml
    ///   sshfleet playbook test my-playbook.yaml --replay recordings/ --expect last-report.json -e update_timeout=30s
    #[command(verbatim_doc_comment)]
    Test(PlaybookTestArgs),
}

#[cfg(feature = "sim")]
#[derive(Debug, clap::Args)]
pub(crate) struct PlaybookTestArgs {
    /// Playbook file, or the name of a built-in playbook.
    #[arg(value_parser = PlaybookArg, hide_possible_values = true)]
    pub playbook: String,
    /// The directory of recordings to run against (`sshfleet run --record DIR`).
    #[arg(long, value_name = "DIR")]
    pub replay: PathBuf,
    /// What each host must end as: YAML (host: {status, findings}) or a JSON report
    /// [default: as each host ended when recorded].
    #[arg(long, value_name = "FILE")]
    pub expect: Option<PathBuf>,
    /// Set a playbook variable (KEY=VALUE).
    #[arg(short = 'e', long = "extra-vars", value_name = "KEY=VALUE")]
    pub extra_vars: Vec<String>,
    /// Run in check mode (diagnostics only).
    #[arg(long)]
    pub check: bool,
    /// Add this fault to every replayed host (repeat for several).
    #[arg(long, value_parser = sim_value::<sshfleet_sim::serve::ReplayFault>())]
    pub fault: Vec<sshfleet_sim::serve::ReplayFault>,
    /// Also write the JSON report here.
    #[arg(long)]
    pub report: Option<PathBuf>,
}

/// The shipped playbooks the demo can show.
#[cfg(feature = "sim")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DemoPlaybook {
    /// ESA Enrollment Client certificate failure, on AsyncOS appliances.
    EsaEcupdate,
    /// Stale TETRA definitions, on Windows endpoints.
    SecureEndpointTetra,
}

/// Parse the arguments (program name first). `Err` holds the exit code
/// once clap has printed help, the version or the usage error. A usage
/// error quotes the argument: it is printed with its control characters
/// escaped (line breaks kept), never raw.
pub(crate) fn parse(args: Vec<std::ffi::OsString>) -> Result<Cli, i32> {
    Cli::try_parse_from(args).map_err(|e| match e.kind() {
        clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
            let _ = e.print();
            0
        }
        _ => {
            crate::console::log::usage_error(&rendered_with_values(&e));
            ExitCode::BadInput.code()
        }
    })
}

/// clap's message with each value it quotes as it was given: rendering
/// drops the escape sequences in a value (`--forks $'5\e[2J'` would read
/// "invalid value '5'"), so each is put back, for the console to escape
/// (`\u{1b}`), and the message names the value that was refused.
fn rendered_with_values(e: &clap::Error) -> String {
    let mut text = e.render().to_string();
    for (_, value) in e.context() {
        let raws: Vec<&str> = match value {
            clap::error::ContextValue::String(raw) => vec![raw.as_str()],
            clap::error::ContextValue::Strings(raws) => raws.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        for raw in raws {
            let shown = anstream::adapter::strip_str(raw).to_string();
            if shown != raw {
                text = text.replacen(&format!("'{shown}'"), &format!("'{raw}'"), 1);
            }
        }
    }
    text
}

/// The clap command, for completions and manual pages.
pub(crate) fn command() -> clap::Command {
    Cli::command()
}

#[cfg(test)]
mod value_bounds_tests;
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use clap::Parser as _;

    use super::Cli;

    /// `inventory --list` prints the whole inventory: every option that
    /// selects part of it is refused beside it, never silently ignored.
    #[test]
    fn inventory_list_refuses_every_selection() {
        for selection in [
            &["-l", "emea"][..],
            &["--shard", "1/2"],
            &["--pattern", "emea"],
        ] {
            let mut args = vec!["sshfleet", "inventory", "-i", "inv.yaml", "--list"];
            args.extend_from_slice(selection);
            let err = Cli::try_parse_from(&args).unwrap_err();
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::ArgumentConflict,
                "{selection:?}: {err}"
            );
        }
        Cli::try_parse_from(["sshfleet", "inventory", "-i", "inv.yaml", "--list"]).unwrap();
    }
}
