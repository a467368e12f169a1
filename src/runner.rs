//! Runs a playbook on many hosts at once: one task per host, at most
//! `forks` at a time, each bounded by its own timeouts, so a silent
//! appliance delays only itself. Every selected host yields exactly one
//! outcome, whatever happened to it.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::inventory::Host;
use crate::playbook::exec::{self, Execution, Remote};
use crate::playbook::vars::HostVars;
use crate::playbook::{Playbook, Session};
use crate::report::{HostOutcome, Status};
use crate::shell::Shell;
use crate::transcript::Transcript;
use crate::transport::{self, Credentials, TransportOptions};

/// Settings of one run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub forks: usize,
    pub check_mode: bool,
    pub transport: TransportOptions,
    pub transcripts: Option<PathBuf>,
    pub extra_vars: BTreeMap<String, String>,
}

/// Told about hosts as they progress (terminal output, progress bars).
pub trait Observer: Send + Sync {
    fn step(&self, _host: &str, _step: &str) {}
    fn finished(&self, _outcome: &HostOutcome) {}
}

/// An observer that says nothing.
pub struct Silent;
impl Observer for Silent {}

/// Run `playbook` on every host. Outcomes come back in the hosts' order.
pub async fn run_fleet(
    playbook: Arc<Playbook>,
    hosts: Vec<Host>,
    options: Arc<RunOptions>,
    cancel: CancellationToken,
    observer: Arc<dyn Observer>,
) -> Vec<HostOutcome> {
    let permits = Arc::new(Semaphore::new(options.forks.max(1)));
    let mut tasks = Vec::with_capacity(hosts.len());
    for host in hosts {
        let (playbook, options, cancel, observer, permits) = (
            playbook.clone(),
            options.clone(),
            cancel.clone(),
            observer.clone(),
            permits.clone(),
        );
        let name = host.name.clone();
        let task = tokio::spawn(async move {
            let outcome = tokio::select! {
                permit = permits.acquire_owned() => {
                    let _permit = permit;
                    if cancel.is_cancelled() {
                        not_run(&host.name)
                    } else {
                        run_host(&playbook, &host, &options, &cancel, observer.as_ref()).await
                    }
                }
                () = cancel.cancelled() => not_run(&host.name),
            };
            observer.finished(&outcome);
            outcome
        });
        tasks.push((name, task));
    }
    let mut outcomes = Vec::with_capacity(tasks.len());
    for (name, task) in tasks {
        outcomes.push(task.await.unwrap_or_else(|e| {
            let mut o = HostOutcome::new(&name, Status::Failed);
            o.error = Some(format!("internal error: {e}"));
            o
        }));
    }
    outcomes
}

fn not_run(name: &str) -> HostOutcome {
    let mut o = HostOutcome::new(name, Status::Skipped);
    o.error = Some("not run: the run was interrupted before this host started".to_string());
    o
}

/// Connect to one host, run the playbook, close the session.
pub async fn run_host(
    playbook: &Playbook,
    host: &Host,
    options: &RunOptions,
    cancel: &CancellationToken,
    observer: &dyn Observer,
) -> HostOutcome {
    let started = Instant::now();
    let mut transcript = Transcript::new();
    let mut outcome =
        run_host_inner(playbook, host, options, cancel, observer, &mut transcript).await;
    outcome.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    if let Some(dir) = &options.transcripts {
        transcript.note(&format!("outcome: {}", outcome.status.as_str()));
        let path = dir.join(format!("{}.log", sanitize(&host.name)));
        if let Err(e) =
            std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, transcript.render()))
        {
            tracing::warn!("cannot write transcript {}: {e}", path.display());
            let note = format!("cannot write transcript {}: {e}", path.display());
            outcome.error = Some(match outcome.error.take() {
                Some(err) => format!("{err}; {note}"),
                None => note,
            });
        }
    }
    outcome
}

async fn run_host_inner(
    playbook: &Playbook,
    host: &Host,
    options: &RunOptions,
    cancel: &CancellationToken,
    observer: &dyn Observer,
    transcript: &mut Transcript,
) -> HostOutcome {
    let failed = |status: Status, error: String| {
        let mut o = HostOutcome::new(&host.name, status);
        o.error = Some(error);
        o
    };
    let vars = match HostVars::resolve(playbook, host, &options.extra_vars) {
        Ok(v) => v,
        Err(e) => return failed(Status::Failed, e),
    };
    let credentials = Credentials {
        user: host
            .user()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "admin".to_string()),
        key_file: host.private_key_file(),
        password_env: host.password_env(),
    };
    let address = host.address();
    let port = host.port();
    observer.step(&host.name, "connecting");
    transcript.note(&format!(
        "connecting to {address}:{port} as {}",
        credentials.user
    ));
    let connection = tokio::select! {
        c = transport::connect(&address, port, &credentials, &options.transport) => c,
        () = cancel.cancelled() => return failed(Status::Failed, "interrupted while connecting".to_string()),
    };
    let connection = match connection {
        Ok(c) => c,
        Err(e) => {
            transcript.note(&e.to_string());
            return failed(Status::Unreachable, e.to_string());
        }
    };
    for secret in &connection.secrets {
        transcript.add_secret(secret);
    }
    let name = host.name.clone();
    let observe = move |step: &str| observer.step(&name, step);
    let execution = match &playbook.session {
        Session::Exec => {
            let mut remote = Remote::Exec {
                connection: &connection,
                transcript,
            };
            exec::execute(
                &mut remote,
                playbook,
                &vars,
                options.check_mode,
                cancel,
                &observe,
            )
            .await
        }
        Session::Shell {
            prompt,
            login_timeout,
            exit_command,
        } => {
            let login_timeout = match vars.duration(login_timeout) {
                Ok(d) => d,
                Err(e) => {
                    connection.disconnect().await;
                    return failed(Status::Failed, e);
                }
            };
            let channel = match connection.open_session().await {
                Ok(c) => c,
                Err(e) => {
                    connection.disconnect().await;
                    return failed(
                        Status::Failed,
                        format!("cannot open a session channel: {e}"),
                    );
                }
            };
            let mut shell = match Shell::open(
                channel,
                prompt.clone(),
                login_timeout,
                std::mem::take(transcript),
            )
            .await
            {
                Ok(s) => s,
                Err((e, kept)) => {
                    *transcript = kept;
                    transcript.note(&e.to_string());
                    connection.disconnect().await;
                    return failed(Status::Failed, format!("no CLI prompt: {e}"));
                }
            };
            let execution = exec::execute(
                &mut Remote::Shell(&mut shell),
                playbook,
                &vars,
                options.check_mode,
                cancel,
                &observe,
            )
            .await;
            shell.close(exit_command.as_deref()).await;
            *transcript = shell.into_transcript();
            execution
        }
    };
    connection.disconnect().await;
    outcome_of(&host.name, execution, options.check_mode)
}

/// The status rules: success needs confirmation; a fault found and not
/// fixed is a failure, not "ok".
fn outcome_of(name: &str, run: Execution, check_mode: bool) -> HostOutcome {
    let unresolved: Vec<&str> = run
        .findings
        .iter()
        .filter(|f| f.severity > crate::playbook::Severity::Info)
        .map(|f| f.id.as_str())
        .collect();
    let (status, error) = if let Some(error) = run.error {
        (Status::Failed, Some(error))
    } else if run.changed || (check_mode && run.would_change) {
        (Status::Changed, None)
    } else if !unresolved.is_empty() {
        (
            Status::Failed,
            Some(format!(
                "found {} but no remediation step applied",
                unresolved.join(", ")
            )),
        )
    } else {
        (Status::Ok, None)
    };
    HostOutcome {
        name: name.to_string(),
        status,
        duration_ms: 0,
        facts: run.facts,
        findings: run.findings,
        actions: run.actions,
        error,
    }
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
