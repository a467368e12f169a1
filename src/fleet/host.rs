//! One host's way through the playbook: a session per segment (opened by
//! the connector, closed after the segment's steps), what the host has
//! learned carried between segments, and once it is done its one outcome,
//! its transcript and its recording.
//!
//! The host's transcript has one owner, its [`HostSession`]: a session
//! borrows it while open.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::connect::{Connector, HostRemote as _, NotOpened, Opened, Opening};
use super::observer::Observer;
use super::outcome::{self, Stopped};
use crate::plan::{PlannedHost, RunSettings};
use crate::playbook::exec::{self, Execution, HostState, TimedStep};
use crate::playbook::{Playbook, Segment, Value};
use crate::report::{HostOutcome, StepResult, StepRun};
use crate::session::save;
use crate::session::transcript::Transcript;
use crate::support::secrets::Secrets;

/// One host's progress through the segments.
pub(crate) struct HostSession {
    host: PlannedHost,
    pub state: HostState,
    transcript: Transcript,
    /// Time spent on this host itself, not waiting at barriers.
    busy: Duration,
    /// Set once the host is done (its last segment, a failure, an
    /// interruption).
    pub outcome: Option<HostOutcome>,
    /// The appliance clock the playbook read (fact, text), for `--record`.
    clock: Option<(String, String)>,
    /// The steps run so far, kept when the host's state is finished.
    timed: Vec<TimedStep>,
    /// When the run started: its steps' time axis.
    origin: Instant,
}

/// What a segment runs with.
pub(crate) struct Turn<'a, C> {
    pub connector: &'a C,
    pub playbook: &'a Playbook,
    pub segment: &'a Segment,
    pub settings: &'a RunSettings,
    pub cancel: &'a CancellationToken,
    pub observer: &'a dyn Observer,
}

impl HostSession {
    pub(crate) fn new(host: PlannedHost, settings: &RunSettings, origin: Instant) -> HostSession {
        let mut transcript = if settings.transcripts.is_some() {
            Transcript::new()
        } else {
            Transcript::discarding()
        };
        if settings.record.is_some() {
            transcript.start_recording();
        }
        for secret in known_secrets(&host, settings) {
            transcript.add_secret(secret);
        }
        transcript.redact_run_secrets();
        HostSession {
            state: HostState::new(&host.vars),
            host,
            transcript,
            busy: Duration::ZERO,
            outcome: None,
            clock: None,
            timed: Vec::new(),
            origin,
        }
    }

    /// The host's inventory name.
    pub(crate) fn name(&self) -> &str {
        &self.host.name
    }

    /// Open a session, run one segment's steps, close. Sets the outcome
    /// when the host is done early (unreachable, failed, interrupted).
    pub(crate) async fn run_segment<C: Connector>(&mut self, turn: Turn<'_, C>) {
        let started = Instant::now();
        let result = self.open_and_run(&turn).await;
        self.busy += started.elapsed();
        if let Err(outcome) = result {
            // No session: the connection or the login is where it ended.
            self.state.timed(TimedStep {
                name: CONNECT_STEP.to_string(),
                started,
                took: started.elapsed(),
                result: if turn.cancel.is_cancelled() {
                    StepResult::Interrupted
                } else {
                    StepResult::Failed
                },
            });
            self.outcome = Some(outcome);
        } else if self.state.ended() {
            self.finish_steps(turn.playbook, turn.settings.check_mode);
        }
    }

    async fn open_and_run<C: Connector>(&mut self, turn: &Turn<'_, C>) -> Result<(), HostOutcome> {
        let connecting = Instant::now();
        let name = self.host.name.as_str();
        let observer = turn.observer;
        observer.step(name, "connecting", None);
        let progress = |text: &str| observer.step(name, text, None);
        let opening = Opening {
            host: &self.host,
            playbook: turn.playbook,
            settings: turn.settings,
            cancel: turn.cancel,
            progress: &progress,
        };
        let Opened {
            mut session,
            warnings,
        } = match turn.connector.open(opening, &mut self.transcript).await {
            Ok(opened) => opened,
            Err(why) => return Err(not_opened(name, why)),
        };
        for warning in warnings {
            self.state.warn(warning);
        }
        self.state.timed(TimedStep {
            name: CONNECT_STEP.to_string(),
            started: connecting,
            took: connecting.elapsed(),
            result: StepResult::Ok,
        });
        let job = exec::Job {
            playbook: turn.playbook,
            steps: &turn.playbook.steps[turn.segment.steps.clone()],
            vars: &self.host.vars,
            check_mode: turn.settings.check_mode,
            cancel: turn.cancel,
            observe: &|step: &str, deadline| observer.step(name, step, deadline),
        };
        exec::execute(&mut session, &job, &mut self.state).await;
        session.close().await;
        Ok(())
    }

    /// The host's steps are done (all of them, or up to a failure): its
    /// outcome, by the status rules. The clock the playbook read is kept
    /// first, for the recording: replay shifts times by it.
    pub(crate) fn finish_steps(&mut self, playbook: &Playbook, check_mode: bool) {
        if let Some(fact) = playbook.clock_fact()
            && let Some(Value::Text(text)) = self.state.get(fact)
        {
            self.clock = Some((fact.to_string(), text.clone()));
        }
        self.timed.append(&mut self.state.take_steps());
        let run: Execution = std::mem::take(&mut self.state).finish(playbook);
        self.outcome = Some(outcome::outcome_of(&self.host.name, run, check_mode));
    }

    /// The host stopped before its steps were done.
    pub(crate) fn stop(&mut self, stopped: Stopped, error: String) {
        self.outcome = Some(outcome::stopped_outcome(&self.host.name, stopped, error));
    }

    /// The host is done: its outcome, redacted and timed, after its
    /// transcript and recording are written (a file that cannot be written
    /// is said in the outcome). `None` while the host still has segments to
    /// run.
    pub(crate) fn done(
        &mut self,
        playbook: &Playbook,
        settings: &RunSettings,
    ) -> Option<HostOutcome> {
        let mut outcome = self.outcome.take()?;
        redact(&mut outcome, self.transcript.secrets());
        outcome.duration_ms = millis(self.busy);
        self.timed.append(&mut self.state.take_steps());
        outcome.steps = self.timed.iter().map(|t| on_axis(self.origin, t)).collect();
        let findings: Vec<String> = outcome.findings.iter().map(|f| f.id.clone()).collect();
        let mut errors = Vec::new();
        if let Some(dir) = &settings.transcripts {
            let end = save::Ending {
                status: outcome.status.as_str(),
                error: outcome.error.as_deref(),
                findings: &findings,
            };
            if let Err(note) = save::transcript(dir, &self.host.name, &mut self.transcript, end) {
                errors.push(note);
            }
        }
        append_errors(&mut outcome, errors);
        if let Some(dir) = &settings.record {
            let run = save::Run {
                playbook,
                host: &self.host.name,
                vars: &self.host.vars,
                clock: self.clock.as_ref().map(|(f, t)| (f.as_str(), t.as_str())),
                check_mode: settings.check_mode,
            };
            let end = save::Ending {
                status: outcome.status.as_str(),
                error: outcome.error.as_deref(),
                findings: &findings,
            };
            let saved = save::recording(dir, &mut self.transcript, run, end);
            outcome.warnings.extend(saved.warnings);
            append_errors(&mut outcome, saved.errors);
        }
        tracing::debug!(
            "outcome: {}{}",
            outcome.status.as_str(),
            outcome
                .error
                .as_deref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
        Some(outcome)
    }
}

/// The name of the connection and login in a host's timed steps.
const CONNECT_STEP: &str = "connect";

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// A timed step on the run's time axis, which starts at `origin`.
fn on_axis(origin: Instant, step: &TimedStep) -> StepRun {
    StepRun {
        name: step.name.clone(),
        start_ms: millis(step.started.saturating_duration_since(origin)),
        duration_ms: millis(step.took),
        result: step.result,
    }
}

/// A host whose session could not be opened.
fn not_opened(name: &str, why: NotOpened) -> HostOutcome {
    match why {
        NotOpened::Unreachable(message) => {
            outcome::stopped_outcome(name, Stopped::Unreachable, message)
        }
        NotOpened::Interrupted => outcome::stopped_outcome(
            name,
            Stopped::InterruptedConnecting,
            "interrupted while connecting".to_string(),
        ),
        NotOpened::Refused(message) => outcome::stopped_outcome(name, Stopped::NoSession, message),
    }
}

/// Files that could not be written are said after the host's own error.
fn append_errors(outcome: &mut HostOutcome, errors: Vec<String>) {
    for note in errors {
        outcome.error = Some(match outcome.error.take() {
            Some(err) => format!("{err}; {note}"),
            None => note,
        });
    }
}

/// Every text of a host's result that came from its session (facts,
/// findings, confirmations, actions, warnings, errors) with the host's
/// secrets masked, on its way out; its name and status are the operator's.
/// The pattern names every field, so a field added to `HostOutcome`
/// does not compile until it is decided here.
fn redact(outcome: &mut HostOutcome, secrets: &Secrets) {
    if secrets.is_empty() {
        return;
    }
    let HostOutcome {
        name: _,
        status: _,
        duration_ms: _,
        facts,
        findings,
        actions,
        confirmations,
        error,
        warnings,
        // Step names and times are the playbook's and the clock's.
        steps: _,
    } = outcome;
    for fact in facts.values_mut() {
        secrets.redact_json(fact);
    }
    for finding in findings {
        secrets.redact_in_place(&mut finding.evidence);
        finding
            .message
            .iter_mut()
            .for_each(|m| _ = secrets.redact_in_place(m));
    }
    for confirmation in confirmations {
        secrets.redact_in_place(&mut confirmation.line);
        confirmation
            .at
            .iter_mut()
            .for_each(|t| _ = secrets.redact_in_place(t));
    }
    for text in actions
        .iter_mut()
        .chain(error.iter_mut())
        .chain(warnings.iter_mut())
    {
        secrets.redact_in_place(text);
    }
}

/// The secrets a host's session is known to hold before it connects: the
/// inventory's login password, `--ask-pass`'s, the host's secret
/// inventory values (secret-named or vault-sourced, `PlannedHost::secrets`)
/// and the values of playbook and `-e` variables whose names say they are
/// secret (see [`crate::support::secrets::is_secret_name`]); the password read from
/// an environment variable is added once it is read.
fn known_secrets<'a>(host: &'a PlannedHost, settings: &'a RunSettings) -> Vec<&'a str> {
    let credentials = &host.target.credentials;
    let passwords = [
        credentials.password.as_ref(),
        settings.transport.ask_pass.as_ref(),
    ];
    let vars = host
        .vars
        .values
        .iter()
        .filter(|(name, _)| crate::support::secrets::is_secret_name(name))
        .filter_map(|(_, value)| match value {
            Value::Text(text) => Some(text.as_str()),
            _ => None,
        });
    passwords
        .into_iter()
        .flatten()
        .chain(&host.secrets)
        .map(crate::support::secrets::Secret::expose)
        .chain(vars)
        .collect()
}
