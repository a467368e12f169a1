//! Runs a playbook on many hosts at once: one task per host, at most
//! `forks` at a time, each bounded by its own timeouts, so a silent
//! appliance delays only itself. Every selected host yields exactly one
//! outcome, whatever happened to it.
//!
//! A playbook with `fleet:` steps runs in segments: every host runs the
//! steps before the barrier (one connection each), the fleet-wide values
//! are computed, and the hosts still in play reconnect for the next
//! segment. Hosts do not hold a session, or a fork, while they wait.
//!
//! With `--serial` the hosts run in batches, one after the other, each
//! batch going through every segment before the next starts; a `fleet:`
//! value is the highest among the hosts of this batch and of the batches
//! before it. A batch over `--max-fail-percent` stops the rollout: the
//! hosts of later batches are reported `skipped`, not run.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::backoff::connect_backoff;
use super::outcome::outcome_of;
use crate::plan::{PlannedHost, RunSettings};
use crate::playbook::exec::{self, Execution, HostState};
use crate::playbook::{ExecShell, FleetMax, Playbook, PromptHost, Segment, Session, Value};
use crate::report::{HostOutcome, Status};
use crate::session::shell::{ExecSession, Shell};
use crate::session::transcript::Transcript;
use crate::ssh::transport::{self, ConnectError};
use crate::support::secrets::Secrets;
use backon::Retryable as _;

/// Told about hosts as they progress (terminal output, progress bars).
pub(crate) trait Observer: Send + Sync {
    /// The host got its fork and is about to connect for the first time.
    fn started(&self, _host: &str) {}
    /// The host starts `step`; `deadline` is how long it may wait there.
    fn step(&self, _host: &str, _step: &str, _deadline: Option<Duration>) {}
    fn finished(&self, _outcome: &HostOutcome) {}
    /// Batch `number` of `of` (1-based) starts with these hosts.
    fn batch(&self, _number: usize, _of: usize, _hosts: &[String]) {}
    /// The rollout stops; `not_run` hosts of later batches will not start.
    fn stopped(&self, _reason: &str, _not_run: usize) {}
}

/// Tells several observers (the terminal and the JSON log) the same things.
pub(crate) struct Observers(pub Vec<Arc<dyn Observer>>);

impl Observer for Observers {
    fn started(&self, host: &str) {
        self.0.iter().for_each(|o| o.started(host));
    }
    fn step(&self, host: &str, step: &str, deadline: Option<Duration>) {
        self.0.iter().for_each(|o| o.step(host, step, deadline));
    }
    fn finished(&self, outcome: &HostOutcome) {
        self.0.iter().for_each(|o| o.finished(outcome));
    }
    fn batch(&self, number: usize, of: usize, hosts: &[String]) {
        self.0.iter().for_each(|o| o.batch(number, of, hosts));
    }
    fn stopped(&self, reason: &str, not_run: usize) {
        self.0.iter().for_each(|o| o.stopped(reason, not_run));
    }
}

/// One host's progress through the segments.
struct Slot {
    host: PlannedHost,
    state: HostState,
    transcript: Transcript,
    /// Time spent on this host itself, not waiting at barriers.
    busy: Duration,
    outcome: Option<HostOutcome>,
    /// The appliance clock the playbook read (fact, text), for `--record`.
    clock: Option<(String, String)>,
}

/// Run `playbook` on every host, batch after batch. Outcomes come back in
/// the hosts' order.
pub(crate) async fn run_fleet(
    playbook: Arc<Playbook>,
    hosts: Vec<PlannedHost>,
    options: Arc<RunSettings>,
    cancel: CancellationToken,
    observer: Arc<dyn Observer>,
) -> Vec<HostOutcome> {
    let sizes = options.rollout.batch_sizes(hosts.len());
    let mut outcomes = Vec::with_capacity(hosts.len());
    let mut hosts = hosts.into_iter();
    let mut fleet_values = BTreeMap::new();
    let mut stop: Option<String> = None;
    for (index, &size) in sizes.iter().enumerate() {
        let batch: Vec<PlannedHost> = hosts.by_ref().take(size).collect();
        if let Some(reason) = &stop {
            for host in batch {
                let outcome = failed(&host.name, Status::Skipped, format!("not run: {reason}"));
                observer.finished(&outcome);
                outcomes.push(outcome);
            }
            continue;
        }
        if sizes.len() > 1 && !cancel.is_cancelled() {
            let names: Vec<String> = batch.iter().map(|h| h.name.clone()).collect();
            observer.batch(index + 1, sizes.len(), &names);
        }
        let done = run_batch(
            &playbook,
            batch,
            &options,
            &cancel,
            &observer,
            &mut fleet_values,
        )
        .await;
        let bad = done
            .iter()
            .filter(|o| matches!(o.status, Status::Failed | Status::Unreachable))
            .count();
        let not_run: usize = sizes[index + 1..].iter().sum();
        if not_run > 0 && !cancel.is_cancelled() {
            stop = options.rollout.stop_after(index + 1, bad, done.len());
            if let Some(reason) = &stop {
                observer.stopped(reason, not_run);
            }
        }
        outcomes.extend(done);
    }
    outcomes
}

/// What every host task of a batch shares.
struct Batch {
    playbook: Arc<Playbook>,
    segments: Arc<[Segment]>,
    options: Arc<RunSettings>,
    cancel: CancellationToken,
    observer: Arc<dyn Observer>,
    /// At most `forks` hosts hold a session at once.
    permits: Arc<Semaphore>,
}

/// A host of a batch: still to run a segment, or done with its outcome
/// (its session state and transcript dropped).
enum Seat {
    Live(Box<Slot>),
    Done(HostOutcome),
}

impl Seat {
    fn into_outcome(self) -> HostOutcome {
        match self {
            Seat::Done(outcome) => outcome,
            // Every host ends its last segment with an outcome; only a bug
            // gets here, and the host still gets its line.
            Seat::Live(slot) => failed(
                &slot.host.name,
                Status::Failed,
                "internal error: no outcome".into(),
            ),
        }
    }
}

/// Run one batch through every segment of the playbook. `fleet_values`
/// carries the fleet-wide values of earlier batches.
async fn run_batch(
    playbook: &Arc<Playbook>,
    hosts: Vec<PlannedHost>,
    options: &Arc<RunSettings>,
    cancel: &CancellationToken,
    observer: &Arc<dyn Observer>,
    fleet_values: &mut BTreeMap<String, Value>,
) -> Vec<HostOutcome> {
    let batch = Arc::new(Batch {
        playbook: playbook.clone(),
        segments: playbook.segments().into(),
        options: options.clone(),
        cancel: cancel.clone(),
        observer: observer.clone(),
        permits: Arc::new(Semaphore::new(options.forks.max(1))),
    });
    let mut seats: Vec<Seat> = hosts
        .into_iter()
        .map(|host| {
            let mut transcript = if options.transcripts.is_some() {
                Transcript::new()
            } else {
                Transcript::discarding()
            };
            if options.record.is_some() {
                transcript.start_recording();
            }
            Seat::Live(Box::new(Slot {
                state: HostState::new(&host.vars),
                host,
                transcript,
                busy: Duration::ZERO,
                outcome: None,
                clock: None,
            }))
        })
        .collect();
    for index in 0..batch.segments.len() {
        // Hosts start in inventory order, as Ansible starts them: each
        // takes its fork here, before its task exists, so the runtime's
        // task scheduling cannot reorder who goes first (an appliance late
        // in the inventory must not wait behind one listed after it).
        let mut tasks = Vec::with_capacity(seats.len());
        for seat in seats {
            tasks.push(match seat {
                Seat::Live(slot) => {
                    let permit = tokio::select! {
                        permit = batch.permits.clone().acquire_owned() => permit.ok(),
                        () = cancel.cancelled() => None,
                    };
                    let name = slot.host.name.clone();
                    Err((
                        name,
                        tokio::spawn(run_host_segment(batch.clone(), slot, index, permit)),
                    ))
                }
                done => Ok(done),
            });
        }
        seats = Vec::with_capacity(tasks.len());
        for task in tasks {
            seats.push(match task {
                Ok(done) => done,
                Err((name, handle)) => handle.await.unwrap_or_else(|e| {
                    // Only a bug gets here; the host still gets its line.
                    let outcome = failed(&name, Status::Failed, format!("internal error: {e}"));
                    observer.finished(&outcome);
                    Seat::Done(outcome)
                }),
            });
        }
        share_fleet_values(&batch.segments[index].then, &mut seats, fleet_values);
    }
    seats.into_iter().map(Seat::into_outcome).collect()
}

/// One host's turn at segment `index`, holding its fork (`None`: the run
/// was stopped before a fork came free): connect, run the segment's steps,
/// and when the host is done (last segment, failure, interruption) time
/// it, write its transcript and tell the observer.
async fn run_host_segment(
    batch: Arc<Batch>,
    mut slot: Box<Slot>,
    index: usize,
    permit: Option<OwnedSemaphorePermit>,
) -> Seat {
    let Batch {
        playbook,
        segments,
        options,
        cancel,
        observer,
        permits: _,
    } = &*batch;
    match permit {
        Some(_permit) if !cancel.is_cancelled() => {
            if index == 0 {
                observer.started(&slot.host.name);
            }
            run_segment(
                playbook,
                &mut slot,
                &segments[index],
                options,
                cancel,
                observer.as_ref(),
            )
            .await;
        }
        _ => slot.outcome = Some(interrupted(&slot, index)),
    }
    if slot.outcome.is_none() && index + 1 == segments.len() {
        let run = finish_state(playbook, &mut slot);
        slot.outcome = Some(outcome_of(&slot.host.name, run, options.check_mode));
    }
    match slot.outcome.take() {
        None => Seat::Live(slot),
        Some(mut outcome) => {
            redact(&mut outcome, slot.transcript.secrets());
            outcome.duration_ms = u64::try_from(slot.busy.as_millis()).unwrap_or(u64::MAX);
            write_transcript(options, &slot.host.name, &mut slot.transcript, &mut outcome);
            write_recording(playbook, options, &mut slot, &mut outcome);
            observer.finished(&outcome);
            Seat::Done(outcome)
        }
    }
}

/// Give every host still in play the fleet-wide values: the highest value
/// among the hosts that reached the barrier with it, and among earlier
/// batches' (`carried`, updated here).
fn share_fleet_values(
    values: &[FleetMax],
    seats: &mut [Seat],
    carried: &mut BTreeMap<String, Value>,
) {
    for FleetMax { target, source } in values {
        let live = seats.iter().filter_map(|seat| match seat {
            Seat::Live(slot) => slot.state.get(source),
            Seat::Done(_) => None,
        });
        let best = FleetMax::highest(carried.get(target).into_iter().chain(live));
        if let Some(best) = best {
            carried.insert(target.clone(), best.clone());
            for seat in seats.iter_mut() {
                if let Seat::Live(slot) = seat {
                    slot.state.set(target, best.clone());
                }
            }
        }
    }
}

fn failed(name: &str, status: Status, error: String) -> HostOutcome {
    let mut o = HostOutcome::new(name, status);
    o.error = Some(error);
    o
}

fn interrupted(slot: &Slot, segment: usize) -> HostOutcome {
    if segment == 0 {
        failed(
            &slot.host.name,
            Status::Skipped,
            "not run: the run was interrupted before this host started".to_string(),
        )
    } else {
        failed(
            &slot.host.name,
            Status::Failed,
            "interrupted while waiting for the rest of the fleet".to_string(),
        )
    }
}

fn write_transcript(
    options: &RunSettings,
    name: &str,
    transcript: &mut Transcript,
    outcome: &mut HostOutcome,
) {
    let Some(dir) = &options.transcripts else {
        return;
    };
    transcript.note(&match &outcome.error {
        Some(reason) => format!("outcome: {}: {reason}", outcome.status.as_str()),
        None => format!("outcome: {}", outcome.status.as_str()),
    });
    let path = dir.join(format!("{}.log", sanitize(name)));
    // The directory was checked (or created 0700) before the run.
    if let Err(e) = crate::support::outputs::write_private(&path, transcript.render().as_bytes()) {
        let note = format!("cannot write transcript {}: {e}", path.display());
        tracing::warn!("{}", crate::support::sanitize::escape(&note));
        outcome.error = Some(match outcome.error.take() {
            Some(err) => format!("{err}; {note}"),
            None => note,
        });
    }
}

/// The host's record of the playbook, its state consumed. The clock the
/// playbook read is kept first, for the recording: replay shifts times by it.
fn finish_state(playbook: &Playbook, slot: &mut Slot) -> Execution {
    if let Some(fact) = playbook.clock_fact()
        && let Some(crate::playbook::Value::Text(text)) = slot.state.get(fact)
    {
        slot.clock = Some((fact.to_string(), text.clone()));
    }
    std::mem::take(&mut slot.state).finish(playbook)
}

/// `--record`: the host's recording, written as its transcript is (0600,
/// atomically, never through a symlink); a failure is said in its result.
fn write_recording(
    playbook: &Playbook,
    options: &RunSettings,
    slot: &mut Slot,
    outcome: &mut HostOutcome,
) {
    let Some(dir) = &options.record else {
        return;
    };
    let Some(recorded) = slot.transcript.take_recording() else {
        return;
    };
    if recorded.dropped > 0 {
        outcome.warnings.push(format!(
            "recording truncated: {} bytes of output past its size bound not kept",
            recorded.dropped
        ));
    }
    let exchanges = recorded.exchanges;
    let secrets = slot.transcript.secrets();
    let clock = slot
        .clock
        .take()
        .map(|(fact, text)| (fact, secrets.redact(&text).into_owned()));
    let mut recording = recording_of(playbook, &slot.host.name, clock, exchanges);
    recording.header.vars = slot
        .host
        .vars
        .values
        .iter()
        .filter(|(name, _)| !crate::report::is_secret_name(name))
        .map(|(name, value)| {
            let value = match value {
                crate::playbook::Value::Bool(b) => serde_json::Value::Bool(*b),
                // Whole numbers as integers: a TETRA version is 90606, not 90606.0.
                #[allow(clippy::cast_possible_truncation)]
                crate::playbook::Value::Number(n) if n.fract() == 0.0 && n.abs() < 9e15 => {
                    serde_json::Value::from(*n as i64)
                }
                crate::playbook::Value::Number(n) => serde_json::Number::from_f64(*n)
                    .map_or(serde_json::Value::Null, serde_json::Value::Number),
                crate::playbook::Value::Text(t) => {
                    serde_json::Value::String(secrets.redact(t).into_owned())
                }
            };
            (name.clone(), value)
        })
        .collect();
    recording.header.outcome = Some(sshfleet_recording::Outcome {
        status: outcome.status.as_str().to_string(),
        findings: outcome.findings.iter().map(|f| f.id.clone()).collect(),
    });
    let path = dir.join(sshfleet_recording::Recording::file_name(&slot.host.name));
    if let Err(e) = crate::support::outputs::write_private(&path, recording.to_jsonl().as_bytes()) {
        let note = format!("cannot write recording {}: {e}", path.display());
        tracing::warn!("{}", crate::support::sanitize::escape(&note));
        outcome.error = Some(match outcome.error.take() {
            Some(err) => format!("{err}; {note}"),
            None => note,
        });
    }
}

/// A host's recording: how its session was driven, the clock the playbook
/// read and how its log lines are stamped (so replay can shift times
/// without the playbook), and the exchanges.
fn recording_of(
    playbook: &Playbook,
    host: &str,
    clock: Option<(String, String)>,
    exchanges: Vec<sshfleet_recording::Exchange>,
) -> sshfleet_recording::Recording {
    use sshfleet_recording::{Clock, Header, Mode, Pty, Recording, Timestamps, VERSION};
    let (mode, pty, exec_shell) = match &playbook.session {
        Session::Shell { pty_rows, .. } => (
            Mode::Shell,
            Some(Pty {
                term: crate::session::shell::PTY_TERM.to_string(),
                cols: crate::session::shell::PTY_COLS,
                rows: *pty_rows,
            }),
            None,
        ),
        Session::Exec { shell } => (
            Mode::Exec,
            None,
            Some(
                match shell {
                    ExecShell::Powershell => "powershell",
                    ExecShell::Cmd => "cmd",
                }
                .to_string(),
            ),
        ),
    };
    let stamps = playbook.timestamp.as_ref();
    Recording {
        header: Header {
            sshfleet_recording: VERSION,
            host: host.to_string(),
            mode,
            pty,
            exec_shell,
            playbook: playbook.name.clone(),
            recorded_at: chrono::Utc::now(),
            clock: clock.zip(stamps).map(|((fact, text), stamps)| Clock {
                fact,
                text,
                format: stamps.format.clone(),
            }),
            timestamps: stamps.map(|t| Timestamps {
                pattern: t.regex.as_str().to_string(),
                format: t.format.clone(),
            }),
            vars: std::collections::BTreeMap::new(),
            outcome: None,
        },
        exchanges,
    }
}

/// Connect, run one segment's steps, close. Sets `slot.outcome` when the
/// host is done early (unreachable, failed, interrupted).
async fn run_segment(
    playbook: &Playbook,
    slot: &mut Slot,
    segment: &Segment,
    options: &RunSettings,
    cancel: &CancellationToken,
    observer: &dyn Observer,
) {
    let started = Instant::now();
    let result = connect_and_run(playbook, slot, segment, options, cancel, observer).await;
    slot.busy += started.elapsed();
    if let Err(outcome) = result {
        slot.outcome = Some(outcome);
    } else if slot.state.ended() {
        let run = finish_state(playbook, slot);
        slot.outcome = Some(outcome_of(&slot.host.name, run, options.check_mode));
    }
}

async fn connect_and_run(
    playbook: &Playbook,
    slot: &mut Slot,
    segment: &Segment,
    options: &RunSettings,
    cancel: &CancellationToken,
    observer: &dyn Observer,
) -> Result<(), HostOutcome> {
    let host = &slot.host;
    let name = host.name.as_str();
    // Inventory vars, then ssh_config (checked before the run started).
    let target = &host.target;
    observer.step(name, "connecting", None);
    slot.transcript
        .note(&format!("connecting to {}", target.describe()));
    let attempts = options.connect_retries.saturating_add(1);
    let mut attempt = 1;
    let connection = {
        let transcript = &mut slot.transcript;
        let attempt = &mut attempt;
        // Boxed: the handshake's state (kilobytes) is freed once connected
        // instead of staying reserved in every host's task for its whole
        // run, which a fleet of thousands of live sessions pays for.
        let connect = Box::pin(
            (|| transport::connect_target(target, &options.transport))
                .retry(connect_backoff(options.connect_retries))
                .sleep(tokio::time::sleep)
                .when(ConnectError::is_transient)
                .notify(|e: &ConnectError, wait: Duration| {
                    *attempt += 1;
                    let retrying = format!(
                        "retrying in {:.1}s (attempt {attempt} of {attempts})",
                        wait.as_secs_f64()
                    );
                    transcript.note(&format!("{e}; {retrying}"));
                    observer.step(name, &retrying, None);
                }),
        );
        tokio::select! {
            c = connect => c,
            () = cancel.cancelled() => return Err(failed(name, Status::Failed, "interrupted while connecting".to_string())),
        }
    };
    let connection = connection.map_err(|e| {
        let mut message = e.to_string();
        if attempt > 1 {
            message.push_str(&format!(" (after {attempt} connection attempts)"));
        }
        slot.transcript.note(&message);
        failed(name, Status::Unreachable, message)
    })?;
    for secret in &connection.secrets {
        slot.transcript.add_secret(secret);
    }
    // An interactive session needs its shell open (and its prompt seen)
    // first; an exec session runs each command on the connection itself.
    let opened = match &playbook.session {
        Session::Exec { shell } => Opened::Exec(*shell),
        Session::Shell {
            prompt,
            login_timeout,
            exit_command,
            prompt_host,
            pager,
            pty_rows,
        } => {
            let opened = match slot.host.vars.duration(login_timeout) {
                Err(e) => Err(failed(name, Status::Failed, e.to_string())),
                Ok(login_timeout) => match connection.open_session().await {
                    Err(e) => Err(failed(
                        name,
                        Status::Failed,
                        format!("cannot open a session channel: {e}"),
                    )),
                    Ok(channel) => {
                        let transcript = std::mem::take(&mut slot.transcript);
                        // Boxed, as the handshake is: login happens once,
                        // its state need not stay reserved for the run.
                        Box::pin(Shell::open(
                            channel,
                            prompt.clone(),
                            pager.clone(),
                            *pty_rows,
                            login_timeout,
                            transcript,
                            cancel.clone(),
                        ))
                        .await
                        .map_err(|(e, kept)| {
                            slot.transcript = kept;
                            slot.transcript.note(&e.to_string());
                            failed(name, Status::Failed, format!("no CLI prompt: {e}"))
                        })
                    }
                },
            };
            let opened = match opened {
                Ok(shell) => {
                    let seen = Seen {
                        name,
                        address: &target.address,
                        state: &mut slot.state,
                        transcript: &mut slot.transcript,
                    };
                    Box::pin(check_prompt_host(seen, prompt, *prompt_host, shell)).await
                }
                Err(outcome) => Err(outcome),
            };
            match opened {
                Ok(shell) => Opened::Cli(Box::new(shell), exit_command.as_deref()),
                Err(outcome) => {
                    connection.disconnect().await;
                    return Err(outcome);
                }
            }
        }
    };
    let job = exec::Job {
        playbook,
        steps: &playbook.steps[segment.steps.clone()],
        vars: &slot.host.vars,
        check_mode: options.check_mode,
        cancel,
        observe: &|step: &str, deadline| observer.step(name, step, deadline),
    };
    match opened {
        Opened::Cli(mut shell, exit_command) => {
            exec::execute(shell.as_mut(), &job, &mut slot.state).await;
            shell.close(exit_command).await;
            slot.transcript = shell.into_transcript();
        }
        Opened::Exec(shell) => {
            let mut session = ExecSession {
                connection: &connection,
                transcript: &mut slot.transcript,
                shell,
            };
            exec::execute(&mut session, &job, &mut slot.state).await;
        }
    }
    connection.disconnect().await;
    Ok(())
}

/// The host as the inventory names it, and where its warnings and
/// transcript go.
struct Seen<'a> {
    name: &'a str,
    address: &'a str,
    state: &'a mut HostState,
    transcript: &'a mut Transcript,
}

/// The prompt names the appliance: another name than the inventory's
/// (and its `ansible_host`) is a warning in the host's result, or fails
/// the host before any step when the playbook says `prompt_host: error`.
async fn check_prompt_host(
    seen: Seen<'_>,
    prompt: &regex::Regex,
    mode: PromptHost,
    shell: Shell,
) -> Result<Shell, HostOutcome> {
    let Seen {
        name,
        address,
        state,
        transcript,
    } = seen;
    let expected = [name, address];
    let Some(shown) =
        crate::session::prompt_host::other_host(prompt, shell.prompt_line(), &expected)
    else {
        return Ok(shell);
    };
    let message = format!(
        "the CLI prompt names {shown}, not {name} (ansible_host {address}): mis-wired DNS or NAT would make this run change another appliance"
    );
    match mode {
        PromptHost::Warn => {
            state.warn(format!(
                "{message} (prompt {:?})",
                shell.prompt_line().trim()
            ));
            Ok(shell)
        }
        PromptHost::Error => {
            let mut shell = shell;
            // Nothing was run; leave the appliance as found.
            shell.close(None).await;
            *transcript = shell.into_transcript();
            transcript.note(&message);
            Err(failed(
                name,
                Status::Failed,
                format!("{message}; nothing was run (prompt_host: error)"),
            ))
        }
    }
}

/// Where a segment's commands go once connected: an interactive shell
/// whose prompt was seen (and the command that ends it), or exec requests
/// written for a shell.
enum Opened<'a> {
    Cli(Box<Shell>, Option<&'a str>),
    Exec(ExecShell),
}

/// A password the appliance echoed back (in output quoted as evidence, a
/// fact, an error's "last output") stays out of the report, the JSON log
/// and the terminal, as it stays out of the transcript.
fn redact(outcome: &mut HostOutcome, secrets: &Secrets) {
    let redact = |text: &mut String| {
        if let std::borrow::Cow::Owned(clean) = secrets.redact(text) {
            *text = clean;
        }
    };
    for fact in outcome.facts.values_mut() {
        if let serde_json::Value::String(text) = fact {
            redact(text);
        }
    }
    for confirmation in &mut outcome.confirmations {
        redact(&mut confirmation.line);
    }
    outcome.actions.iter_mut().for_each(redact);
    outcome.error.iter_mut().for_each(redact);
    for finding in &mut outcome.findings {
        redact(&mut finding.evidence);
        finding.message.iter_mut().for_each(redact);
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
