//! A run decided before any host is touched: the playbook, each selected
//! host with where and how to reach it and its typed variables, and the
//! run's settings. Everything an operator can get wrong (inventory,
//! playbook, `-e`, ssh_config, a host's connection variables) is found
//! here, so a typo stops the run with exit 5 instead of failing the 300th
//! host.

mod error;
pub(crate) mod not_ssh;
pub(crate) mod partial;
pub(crate) mod password_env;
pub(crate) mod retry;
pub(crate) mod rollout;
pub(crate) mod shard;
pub(crate) mod target;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) use self::error::PlanError;
use self::target::TargetError;
use crate::inventory::{Host, Inventory, LoadOptions, VaultSecret};
use crate::plan::rollout::Rollout;
use crate::playbook::Playbook;
use crate::playbook::vars::{HostVars, parse_extra_vars};
use crate::report::RunInputs;
use crate::ssh::known_hosts::KnownHosts;
use crate::ssh::transport::{Target, TransportContext};

/// Most hosts worked on at once (`--forks`).
pub(crate) const MAX_FORKS: usize = 100_000;

/// One selected host: its inventory name, where it is, and the playbook
/// variables it runs with.
#[derive(Debug, Clone)]
pub(crate) struct PlannedHost {
    pub name: String,
    pub target: Target,
    pub vars: HostVars,
    /// The host's secret inventory values (secret-named and vault-sourced),
    /// redacted from its transcript and recording.
    pub secrets: Vec<crate::support::secrets::Secret>,
}

/// How the hosts are run.
#[derive(Debug, Clone)]
pub(crate) struct RunSettings {
    /// How many hosts at once (at least 1).
    pub forks: usize,
    pub check_mode: bool,
    pub transport: TransportContext,
    pub transcripts: Option<PathBuf>,
    /// `--record`: where each host's replayable recording goes.
    pub record: Option<PathBuf>,
    /// Batches and the failure threshold between them.
    pub rollout: Rollout,
    /// SshOptions attempts after the first on transient errors.
    pub connect_retries: u32,
}

/// `sshfleet run`'s defaults: 20 forks, no check mode, no transcripts or
/// recordings, one batch, the default connection retries.
impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            forks: 20,
            check_mode: false,
            transport: TransportContext::default(),
            transcripts: None,
            record: None,
            rollout: Rollout::default(),
            connect_retries: retry::DEFAULT_CONNECT_RETRIES,
        }
    }
}

/// A run, ready to go.
#[derive(Debug)]
pub(crate) struct Plan {
    pub playbook: Arc<Playbook>,
    pub hosts: Vec<PlannedHost>,
    pub settings: RunSettings,
    /// Where the JSON report goes.
    pub report: Option<PathBuf>,
    /// What `--retry-failed` picked, said once the run holds its lock.
    pub retry_note: Option<String>,
    /// Where `--metrics-file` writes the run's summary for Prometheus.
    pub metrics_file: Option<PathBuf>,
    /// Where `--html` writes the report as a page to share.
    pub html: Option<PathBuf>,
    /// The inventory and `-e` values, for the report.
    pub record: RunInputs,
}

/// What the operator named: where a plan comes from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sources<'a> {
    /// A playbook file, or the name of a built-in one.
    pub playbook: &'a str,
    /// Every `-i`, in order (at least one).
    pub inventory: &'a [PathBuf],
    /// Opens `!vault` values and encrypted files.
    pub vault: Option<&'a VaultSecret>,
    pub limit: Option<&'a str>,
    /// `--shard K/N`: this runner's share of the selection.
    pub shard: Option<crate::plan::shard::Shard>,
    /// `-e KEY=VALUE` arguments.
    pub extra_vars: &'a [String],
    /// Only the hosts this earlier report says failed or were unreachable.
    pub retry_failed: Option<&'a Path>,
    pub ssh: SshOptions<'a>,
}

/// The command line's SSH files and host key policy (`-F`, `--known-hosts`,
/// `--accept-new-host-keys`), which apply to every host.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SshOptions<'a> {
    /// `-F PATH` (`none` for none); `None` reads `~/.ssh/config` if it exists.
    pub ssh_config: Option<&'a Path>,
    /// `--known-hosts`, which then beats ssh_config.
    pub known_hosts: Option<&'a Path>,
    pub accept_new_host_keys: bool,
}

/// A host's playbook variables that do not fit their types, naming the
/// file and line that set the variable, not the first inventory source.
fn host_vars_error(
    inventory: &Inventory,
    host: &str,
    e: crate::playbook::vars::VarsError,
) -> PlanError {
    let origin = e
        .inventory_var
        .as_deref()
        .and_then(|var| inventory.origin(host, var));
    PlanError::HostVars {
        at: match origin {
            Some(o) if o.line > 0 => format!("{}:{}", o.path.display(), o.line),
            Some(o) => o.path.display().to_string(),
            None => inventory.path().display().to_string(),
        },
        message: e.message,
    }
}

impl Plan {
    /// Read and check every source, in the order an operator would fix
    /// them (playbook, `-e`, inventory, selection, variables, connection
    /// settings), and resolve every host once.
    pub(crate) fn build(
        sources: Sources<'_>,
        settings: RunSettings,
        report: Option<PathBuf>,
    ) -> Result<Plan, PlanError> {
        let playbook = Playbook::resolve(sources.playbook)?;
        let (connection, playbook_vars) = not_ssh::split_override(sources.extra_vars);
        // `-e api_token=...`: a secret before any error can quote it.
        for (name, value) in sources.extra_vars.iter().filter_map(|a| a.split_once('=')) {
            if crate::support::secrets::is_secret_name(name) {
                crate::support::secrets::remember(value);
            }
        }
        let options = LoadOptions {
            vault: sources.vault.cloned(),
        };
        let mut inventory = Inventory::load_sources(sources.inventory, &options)?;
        if let Some(kind) = connection {
            inventory
                .override_connection(&kind)
                .map_err(|e| PlanError::Usage(e.to_string()))?;
        }
        let mut selected: Vec<&Host> = inventory.select(sources.limit)?;
        if let Some(shard) = sources.shard {
            selected.retain(|h| shard.holds(&h.name));
        }
        let mut retry_note = None;
        if let Some(report) = sources.retry_failed {
            let (kept, note) = select_retry(report, &playbook.name, &inventory, selected)?;
            selected = kept;
            retry_note = Some(note);
        }
        // Before any error can quote one (docs/SECURITY.md I4).
        inventory.remember_secrets(selected.iter().copied(), sources.vault)?;
        // Read after the inventory's secrets are known: a `-e` value it
        // refuses is quoted, and may equal a short one (`Zq9`).
        let extra_vars = parse_extra_vars(&playbook, &playbook_vars)?;
        let vars = selected
            .iter()
            .map(|host| {
                // The playbook's variables as Ansible would render them
                // (those -e gives are not read from the inventory).
                let names = playbook
                    .vars
                    .keys()
                    .filter(|n| !extra_vars.contains_key(*n))
                    .map(String::as_str);
                let host = inventory.with_rendered_vars(host, names, sources.vault)?;
                HostVars::resolve(&playbook, &host, &extra_vars)
                    .map_err(|e| host_vars_error(&inventory, &host.name, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let partial = partial::selection_options(
            sources.limit.is_some(),
            sources.shard.is_some(),
            sources.retry_failed.is_some(),
        );
        partial::check(&playbook, &partial, &vars)?;
        if settings.record.is_some() {
            // Before the first host: a recording `playbook test` refuses
            // is found after the run, when it is too late to redo.
            if let Some(host) = selected
                .iter()
                .find(|h| !sshfleet_recording::is_host_name(&h.name))
            {
                return Err(PlanError::NotRecordable {
                    inventory: inventory.path().to_path_buf(),
                    host: host.name.clone(),
                });
            }
        }
        if settings.forks == 0 {
            return Err(PlanError::Usage("--forks must be at least 1".to_string()));
        }
        // Each fork is a permit of the runner's semaphore, which holds at
        // most tokio's MAX_PERMITS; no fleet needs more than this at once.
        if settings.forks > MAX_FORKS {
            return Err(PlanError::Usage(format!(
                "--forks must be at most {MAX_FORKS}"
            )));
        }
        not_ssh::check(&inventory, &selected, sources.vault)?;
        let targets = resolve_targets(&inventory, sources.ssh, &selected, sources.vault)?;
        password_env::check(&inventory, &selected, &targets)?;
        warn_missing_known_hosts(&targets);
        let hosts = selected
            .iter()
            .zip(targets)
            .zip(vars)
            .map(|((host, target), vars)| PlannedHost {
                name: host.name.clone(),
                secrets: inventory.secret_values(host, sources.vault),
                target,
                vars,
            })
            .collect();
        Ok(Plan {
            playbook: Arc::new(playbook),
            hosts,
            settings,
            report,
            retry_note,
            metrics_file: None,
            html: None,
            record: RunInputs {
                inventories: sources.inventory.to_vec(),
                limit: sources.limit.map(str::to_string),
                extra_vars: sources
                    .extra_vars
                    .iter()
                    .map(|a| used_extra_var(a))
                    .collect(),
            },
        })
    }
}

/// A `-e` argument as the run used it: `KEY=VALUE` with both trimmed, as
/// the value was checked and used (connection overrides included).
fn used_extra_var(arg: &str) -> String {
    match arg.split_once('=') {
        Some((name, value)) => format!("{}={}", name.trim(), value.trim()),
        None => arg.to_string(),
    }
}

/// Every selected host's [`Target`] (hosts of `inventory`; `vault` opens
/// its `!vault` values). Malformed known_hosts lines are told once per file
/// here, not once per host.
pub(crate) fn resolve_targets(
    inventory: &Inventory,
    ssh: SshOptions<'_>,
    hosts: &[&Host],
    vault: Option<&VaultSecret>,
) -> Result<Vec<Target>, PlanError> {
    let settings = target::Resolver::load(
        ssh.ssh_config,
        ssh.known_hosts.map(Path::to_path_buf),
        ssh.accept_new_host_keys,
    )?;
    let mut targets = Vec::with_capacity(hosts.len());
    for host in hosts {
        let conn = inventory.connection(host, vault)?;
        let target = settings
            .resolve(host, &conn)
            .map_err(|source: TargetError| PlanError::Target {
                inventory: inventory.path().to_path_buf(),
                source,
            })?;
        target::note_inputs(&host.name, &target);
        targets.push(target);
    }
    warn_malformed_known_hosts(&targets);
    Ok(targets)
}

/// A known_hosts file that a run checks strictly and that does not exist,
/// said once before the run rather than in every host's error.
fn warn_missing_known_hosts(targets: &[Target]) {
    let strict: BTreeSet<&Path> = targets
        .iter()
        .flat_map(|t| std::iter::once(t).chain(&t.jumps))
        .filter(|t| t.host_key_policy == crate::ssh::transport::HostKeyPolicy::Strict)
        .map(|t| t.known_hosts.as_path())
        .collect();
    for file in strict {
        if !file.exists() {
            tracing::warn!(
                "{} does not exist; pass --known-hosts or run once with --accept-new-host-keys",
                file.display()
            );
        }
    }
}

/// Each known_hosts file the run will read, once: OpenSSH skips a line it
/// cannot parse, and so does sshfleet, but an operator should hear of it
/// (a mangled line may be the very key that makes a host "unknown").
fn warn_malformed_known_hosts(targets: &[Target]) {
    let files: BTreeSet<&Path> = targets
        .iter()
        .flat_map(|t| std::iter::once(t).chain(&t.jumps))
        .flat_map(|t| std::iter::once(&t.known_hosts).chain(&t.known_hosts_also))
        .map(PathBuf::as_path)
        .collect();
    for file in files {
        // An unreadable file is each connecting host's error, with its name.
        if let Ok(known) = KnownHosts::load(file) {
            for warning in known.warnings() {
                tracing::warn!("{warning}; that line is skipped");
            }
        }
    }
}

/// Keep the selected hosts that the earlier report says failed or were
/// unreachable, with a line saying so. A host of the report that the
/// inventory no longer has is named in a warning and not run: it was removed
/// or renamed on purpose, and the rest still deserve their retry.
fn select_retry<'i>(
    report: &Path,
    playbook: &str,
    inventory: &Inventory,
    selected: Vec<&'i Host>,
) -> Result<(Vec<&'i Host>, String), PlanError> {
    let wanted = crate::plan::retry::hosts_to_retry(report, playbook)?;
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|name| inventory.host(name).is_none())
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        tracing::warn!(
            "{}: not in the inventory, so not retried: {}",
            report.display(),
            missing.join(", ")
        );
    }
    let hosts: Vec<&Host> = selected
        .into_iter()
        .filter(|h| wanted.contains(&h.name))
        .collect();
    let note = if hosts.is_empty() {
        format!(
            "nothing to retry: no selected host was failed, unreachable or not run in {}",
            report.display()
        )
    } else {
        let not_run = hosts
            .iter()
            .filter(|h| wanted.not_run.contains(&h.name))
            .count();
        format!(
            "retrying {} host{} of {}: {} failed or unreachable, {not_run} not run (skipped)",
            hosts.len(),
            if hosts.len() == 1 { "" } else { "s" },
            report.display(),
            hosts.len() - not_run,
        )
    };
    Ok((hosts, note))
}
