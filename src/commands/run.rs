//! `sshfleet run`: build the plan (everything checked, nothing touched),
//! check every output path, ask the password, take the run lock, then run
//! the fleet under the console with Ctrl-C/SIGTERM/SIGHUP as "stop".

use std::path::Path;

use crate::cli::RunArgs;
use crate::console::Console;
use crate::console::events::{JsonLog, LogFormat};
use crate::console::shutdown::Shutdown;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::plan::rollout::Rollout;
use crate::plan::{Plan, RunSettings, Sources, SshOptions};
use crate::ssh::transport::TransportContext;
use crate::support::lock::RunLock;

/// Every path `run` writes, checked before any host is touched (the
/// table in `commands/output_flags.rs` lists them) and after the plan
/// has read what it reads: each path alone, then that no output is
/// another or an input, and only then are the directories created or
/// made private. Returns the lock's path.
pub(crate) fn check_outputs(args: &RunArgs) -> Result<std::path::PathBuf, Error> {
    use crate::support::outputs::{check_file, ensure_dir, refuse_linked_dir};
    let lock_path = args
        .lock
        .clone()
        .unwrap_or_else(crate::support::lock::default_path);
    if let Some(report) = &args.report {
        check_file("--report", report)?;
    }
    if let Some(metrics) = &args.metrics_file {
        check_file("--metrics-file", metrics)?;
    }
    if let Some(html) = &args.html {
        check_file("--html", html)?;
    }
    if let Some(known_hosts) = &args.known_hosts {
        crate::support::outputs::check_known_hosts(known_hosts, args.accept_new_host_keys)?;
    }
    if let Some(dir) = &args.transcripts {
        refuse_linked_dir("--transcripts", dir)?;
    }
    if let Some(dir) = &args.record {
        refuse_linked_dir("--record", dir)?;
    }
    check_file("--lock", &lock_path)?;
    // Each host's known_hosts file new keys are added to, as expanded for
    // it (the plan noted them; `--known-hosts` named by its flag): alone,
    // then with the rest below.
    if let Some(path) = args
        .known_hosts
        .as_deref()
        .filter(|_| args.accept_new_host_keys)
    {
        crate::support::bounds::note_known_hosts("--known-hosts", path, true);
    }
    crate::support::outputs::check_written_known_hosts()?;
    refuse_shared_files(args, &lock_path)?;
    if let Some(dir) = &args.transcripts {
        ensure_dir("--transcripts", dir, 0o700)?;
    }
    if let Some(dir) = &args.record {
        ensure_dir("--record", dir, 0o700)?;
    }
    Ok(lock_path)
}

/// `run`'s outputs against one another and every input
/// (`support::outputs::refuse_shared_files`).
fn refuse_shared_files(args: &RunArgs, lock_path: &Path) -> Result<(), Error> {
    let mut outputs: Vec<(&'static str, &Path)> = vec![("--lock", lock_path)];
    for (what, path) in [
        ("--report", &args.report),
        ("--metrics-file", &args.metrics_file),
        ("--html", &args.html),
    ] {
        outputs.extend(path.as_deref().map(|p| (what, p)));
    }
    let mut dirs: Vec<(&'static str, &Path)> = Vec::new();
    for (what, path) in [
        ("--transcripts", &args.transcripts),
        ("--record", &args.record),
    ] {
        dirs.extend(path.as_deref().map(|p| (what, p)));
    }
    // What the plan read is noted by the bounded reader, and what it will
    // read at connection (keys, known_hosts) by the plan; the command
    // line's inputs are named again for a check made without a plan.
    let mut inputs: Vec<(&str, &Path)> =
        args.inventory.iter().map(|p| ("-i", p.as_path())).collect();
    if crate::playbook::Playbook::names_a_file(&args.playbook) {
        inputs.push(("the playbook", Path::new(&args.playbook)));
    }
    // Under `--accept-new-host-keys`, `--known-hosts` is a file new keys
    // are added to, an output named by its flag (noted by `check_outputs`).
    let known_hosts = match &args.known_hosts {
        Some(_) if args.accept_new_host_keys => &None,
        other => other,
    };
    let ssh_config = args
        .ssh_config
        .clone()
        .filter(|p| !crate::ssh::config::SshConfig::names_no_file(p));
    for (what, path) in [
        ("-F", &ssh_config),
        ("--known-hosts", known_hosts),
        ("--retry-failed", &args.retry_failed),
        ("--vault-password-file", &args.vault.vault_password_file),
    ] {
        inputs.extend(path.as_deref().map(|p| (what, p)));
    }
    crate::support::outputs::refuse_shared_files(&outputs, &dirs, &inputs)?;
    Ok(())
}

pub(super) async fn execute(args: RunArgs) -> Result<ExitCode, Error> {
    let vault = args.vault.secret().await?;
    let sources = Sources {
        playbook: &args.playbook,
        inventory: &args.inventory,
        vault: vault.as_ref(),
        limit: args.limit.as_deref(),
        shard: args.shard,
        extra_vars: &args.extra_vars,
        retry_failed: args.retry_failed.as_deref(),
        ssh: SshOptions {
            ssh_config: args.ssh_config.as_deref(),
            known_hosts: args.known_hosts.as_deref(),
            accept_new_host_keys: args.accept_new_host_keys,
        },
    };
    let settings = RunSettings {
        forks: args.forks,
        check_mode: args.check,
        transport: TransportContext::default(),
        transcripts: args.transcripts.clone(),
        record: args.record.clone(),
        rollout: Rollout {
            serial: args.serial,
            max_fail_percent: args.max_fail_percent,
        },
        connect_retries: args.connect_retries,
    };
    let mut plan = Plan::build(sources, settings, args.report.clone())?;
    plan.metrics_file = args.metrics_file.clone();
    plan.html = args.html.clone();
    if args.ask_pass {
        // Asked once, after the plan is known to be good and before any
        // host is touched; off a terminal it is a bad invocation.
        match crate::cli::ask_pass::ask("SSH password: ").await {
            Ok(password) => plan.settings.transport.ask_pass = Some(password),
            Err(e @ crate::cli::ask_pass::AskPassError::Interrupted) => {
                crate::console::log::error(&e.to_string());
                return Ok(ExitCode::Interrupted);
            }
            Err(crate::cli::ask_pass::AskPassError::Io(e)) => return Err(Error::Io(e)),
            Err(e) => return Err(Error::Usage(e.to_string())),
        }
    }
    let console = Console {
        bars: crate::console::progress::bars_wanted(args.no_progress),
        format: args.log_format,
        labels: None,
    };
    let lock_path = check_outputs(&args)?;
    // Taken last: a bad invocation is reported as such, whoever holds it.
    let _lock = RunLock::acquire(&lock_path).inspect_err(|e| {
        if args.log_format == LogFormat::Json {
            JsonLog::new(&plan.playbook.name).refused(&e.to_string());
        }
    })?;
    if let Some(note) = &plan.retry_note {
        console.lines().print_lines(note);
    }
    let shutdown = Shutdown::on_signals();
    let (code, _) = console.run_and_report(plan, &shutdown).await?;
    Ok(shutdown.exit_code(code))
}
