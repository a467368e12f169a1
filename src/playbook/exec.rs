//! Runs a playbook's steps on one appliance, through whatever [`Remote`]
//! the runner opened, and records what was seen: captures, findings,
//! actions. It never infers success: a change is confirmed only by a line
//! the appliance printed for this run.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::report::StepResult;
use crate::report::finding::{Confirmation, FoundFault};
use chrono::NaiveDateTime;
use tokio_util::sync::CancellationToken;
use tracing::Instrument as _;

use super::capture::capture_value;
use super::clock::Reading;
use super::remote::{FollowEnd, Remote, RemoteError, Verdict};
pub(crate) use super::step_error::StepError;
use super::vars::HostVars;
use super::when::{Condition, Scope, Value};
use super::{
    CaptureSource, Command, Finding, FindingTrigger, Follow, Playbook, Repeat, Run, Step, StepKind,
};

/// What running the steps produced.
#[derive(Debug, Clone, Default)]
pub(crate) struct Execution {
    /// Typed as the playbook captured them: a number stays a number.
    pub facts: BTreeMap<String, serde_json::Value>,
    pub findings: Vec<FoundFault>,
    /// What the appliance said that confirmed a change or a wait.
    pub confirmations: Vec<Confirmation>,
    /// Changes made (or, in check mode, that would be made).
    pub actions: Vec<String>,
    /// A changing step ran and nothing after it failed.
    pub changed: bool,
    /// Check mode: a changing step would have run.
    pub would_change: bool,
    /// The first failure, in an operator's words.
    pub error: Option<String>,
    /// Worth an operator's attention, but neither a finding (conditions
    /// such as `findings > 0` must not count it) nor a failure.
    pub warnings: Vec<String>,
    pub cancelled: bool,
    /// The steps run, with when they started and how long they took.
    pub steps: Vec<TimedStep>,
}

/// A step as it ran on this host, on the process's clock; the runner puts
/// it on the run's time axis.
#[derive(Debug, Clone)]
pub(crate) struct TimedStep {
    pub name: String,
    pub started: std::time::Instant,
    pub took: Duration,
    pub result: StepResult,
}

/// What one host has learned and done so far. It is carried across the
/// segments of a playbook that `fleet:` steps split, so a host resumes
/// after a fleet-wide value is known exactly where it stopped.
#[derive(Debug, Clone, Default)]
pub(crate) struct HostState {
    vars: BTreeMap<String, Value>,
    times: BTreeMap<String, NaiveDateTime>,
    /// When each time capture was taken, to tell a clock stepped back.
    read_at: BTreeMap<String, std::time::Instant>,
    run: Execution,
}

impl HostState {
    pub(crate) fn new(vars: &HostVars) -> HostState {
        HostState {
            vars: vars.values.clone(),
            ..HostState::default()
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.vars.get(name)
    }

    /// Give this host a value computed across the fleet.
    pub(crate) fn set(&mut self, name: &str, value: Value) {
        self.vars.insert(name.to_string(), value);
    }

    /// The host is done: a failure or an interruption ends it early.
    pub(crate) fn ended(&self) -> bool {
        self.run.error.is_some() || self.run.cancelled
    }

    /// A warning in the host's result (the prompt naming another
    /// appliance).
    pub(crate) fn warn(&mut self, warning: String) {
        self.run.warnings.push(warning);
    }

    pub(crate) fn fail(&mut self, error: String) {
        self.run.error.get_or_insert(error);
    }

    /// A step the runner timed itself (the connection and login).
    pub(crate) fn timed(&mut self, step: TimedStep) {
        self.run.steps.push(step);
    }

    /// The steps timed so far, taken (a host that ends before its state
    /// is finished still shows what it ran).
    pub(crate) fn take_steps(&mut self) -> Vec<TimedStep> {
        std::mem::take(&mut self.run.steps)
    }

    /// The final record: facts, and no "changed" unless every step after
    /// the change confirmed it.
    pub(crate) fn finish(self, playbook: &Playbook) -> Execution {
        let mut run = self.run;
        for fact in &playbook.facts {
            if let Some(v) = self.vars.get(fact) {
                run.facts.insert(fact.clone(), v.to_json());
            }
        }
        if run.error.is_some() {
            run.changed = false;
        }
        run
    }
}

/// Variables visible to conditions: the host's variables and captures,
/// and what the run has found and done so far.
struct Scoped<'a> {
    vars: &'a BTreeMap<String, Value>,
    run: &'a Execution,
    check_mode: bool,
}

impl Scope for Scoped<'_> {
    fn lookup(&self, name: &str) -> Option<Value> {
        let run = self.run;
        match name {
            "findings" => Some(Value::Number(run.findings.len() as f64)),
            "changed" => Some(Value::Bool(run.changed)),
            "check_mode" => Some(Value::Bool(self.check_mode)),
            _ => {
                if let Some(id) = name.strip_prefix("finding.") {
                    return Some(Value::Bool(run.findings.iter().any(|f| f.id == id)));
                }
                self.vars.get(name).cloned()
            }
        }
    }
}

/// Called with each step's name as it starts, and the deadline it waits on
/// (a `follow:` or a repeated command's `timeout`), for progress display.
pub(crate) type StepObserver<'a> = &'a (dyn Fn(&str, Option<Duration>) + Send + Sync);

/// One host's pass through a run of steps: everything but where the
/// commands go and what the host has learned so far.
pub(crate) struct Job<'a> {
    pub playbook: &'a Playbook,
    pub steps: &'a [Step],
    pub vars: &'a HostVars,
    pub check_mode: bool,
    pub cancel: &'a CancellationToken,
    pub observe: StepObserver<'a>,
}

/// Execute the job's steps in order, stopping at the first failure.
/// `fleet:` steps are the runner's business and are passed over here.
pub(crate) async fn execute(remote: &mut impl Remote, job: &Job<'_>, state: &mut HostState) {
    let &Job {
        playbook,
        steps,
        vars,
        check_mode,
        cancel,
        observe,
    } = job;
    for step in steps {
        if matches!(step.kind, StepKind::Fleet(_)) {
            continue;
        }
        if cancel.is_cancelled() {
            state.run.cancelled = true;
            state.fail(format!("interrupted before step `{}`", step.name));
            break;
        }
        let wanted = match &step.when {
            None => Ok(true),
            Some(cond) => cond.eval(&Scoped {
                vars: &state.vars,
                run: &state.run,
                check_mode,
            }),
        };
        let wanted = match wanted {
            Ok(w) => w,
            Err(e) => {
                state.fail(format!("step `{}`: condition: {e}", step.name));
                break;
            }
        };
        if !wanted {
            continue;
        }
        if let Some(action) = step.change()
            && check_mode
        {
            state.run.would_change = true;
            state.run.actions.push(format!("would run: {action}"));
            continue;
        }
        let deadline = match &step.kind {
            StepKind::Follow(follow) => vars.duration(&follow.timeout).ok(),
            StepKind::Run(Run {
                repeat: Some(repeat),
                ..
            }) => vars.duration(&repeat.timeout).ok(),
            _ => None,
        };
        observe(&step.name, deadline);
        remote.step_started(&step.name);
        let HostState {
            vars: vars_map,
            times,
            read_at,
            run,
        } = state;
        let mut host = StepState {
            vars: vars_map,
            times,
            read_at,
            run,
            check_mode,
        };
        // Each step's events (commands sent, a follow's match) in a span
        // of its own, within the host's.
        let span = tracing::debug_span!(
            "step",
            name = %step.name
        );
        span.in_scope(|| tracing::debug!("started"));
        let started = std::time::Instant::now();
        let ran = run_step(remote, playbook, vars, step, &mut host, cancel)
            .instrument(span.clone())
            .await;
        let result = match &ran {
            Ok(()) => StepResult::Ok,
            Err(e) if e.is_interruption() => StepResult::Interrupted,
            Err(_) => StepResult::Failed,
        };
        state.run.steps.push(TimedStep {
            name: step.name.clone(),
            started,
            took: started.elapsed(),
            result,
        });
        if let Err(error) = ran {
            // Its words (redacted) are in the host's outcome event.
            span.in_scope(|| tracing::debug!("failed"));
            if error.is_interruption() {
                state.run.cancelled = true;
            }
            let hint = step
                .on_failure
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            state.fail(format!("step `{}`: {error}{hint}", step.name));
            break;
        }
        if let Some(action) = step.change() {
            state.run.changed = true;
            state.run.actions.push(action.to_string());
        }
    }
}

fn render(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Text(t) => t.clone(),
    }
}

/// The parts of a host's state a step reads and writes.
struct StepState<'a> {
    vars: &'a mut BTreeMap<String, Value>,
    times: &'a mut BTreeMap<String, NaiveDateTime>,
    read_at: &'a mut BTreeMap<String, std::time::Instant>,
    run: &'a mut Execution,
    check_mode: bool,
}

impl StepState<'_> {
    fn scope(&self) -> Scoped<'_> {
        Scoped {
            vars: self.vars,
            run: self.run,
            check_mode: self.check_mode,
        }
    }

    /// `{{ name }}` filled from the host's variables. A value (a capture,
    /// a variable) that brings a control character is refused: a newline
    /// would send a second command the playbook never wrote, in check mode
    /// too.
    fn fill(&self, text: &str) -> Result<String, StepError> {
        let command = super::render_command(text, |name| self.vars.get(name).map(render))
            .map_err(|name| StepError::Unfilled { name })?;
        match command.chars().find(|c| c.is_control()) {
            Some(found) => Err(StepError::ControlCharacter {
                template: text.to_string(),
                command,
                found,
            }),
            None => Ok(command),
        }
    }
}

async fn run_step(
    remote: &mut impl Remote,
    playbook: &Playbook,
    vars: &HostVars,
    step: &Step,
    host: &mut StepState<'_>,
    cancel: &CancellationToken,
) -> Result<(), StepError> {
    let output = match &step.kind {
        StepKind::Run(run) => match &run.repeat {
            None => run_command(remote, playbook, vars, run, host).await?,
            Some(repeat) => {
                let (output, held) =
                    repeat_command(remote, playbook, vars, run, repeat, host, cancel).await?;
                if held {
                    // The values that held (a version before and after) are the proof.
                    let line = values_of(&repeat.until, &host.scope());
                    host.run.confirmations.push(Confirmation {
                        step: step.name.clone(),
                        line,
                        at: None,
                    });
                } else {
                    // `on_timeout: unconfirmed`: the change did not take.
                    host.run.changed = false;
                }
                output
            }
        },
        StepKind::Fleet(_) => return Ok(()),
        StepKind::Check => String::new(),
        StepKind::Follow(follow) => {
            let command = host.fill(&follow.command.text)?;
            let line = run_follow(remote, playbook, vars, follow, &command, host, cancel).await?;
            if let Some(line) = &line {
                host.run.confirmations.push(Confirmation {
                    step: step.name.clone(),
                    line: line.trim_end().to_string(),
                    at: playbook
                        .timestamp
                        .as_ref()
                        .and_then(|t| t.of_line(line))
                        .map(|t| t.format("%Y-%m-%dT%H:%M:%S").to_string()),
                });
            }
            let output = line.unwrap_or_default();
            take_output(playbook, &follow.command, &output, host)?;
            output
        }
    };
    for finding in &step.findings {
        let found = match &finding.trigger {
            FindingTrigger::Pattern(regex) => find(playbook, finding, regex, &output, host.times),
            FindingTrigger::Condition(cond) => {
                let scope = host.scope();
                let holds = cond.eval(&scope).map_err(|error| StepError::Finding {
                    id: finding.id.clone(),
                    error,
                })?;
                holds.then(|| FoundFault {
                    id: finding.id.clone(),
                    severity: finding.severity,
                    evidence: values_of(cond, &scope),
                    message: None,
                })
            }
        };
        if let Some(mut found) = found {
            // A message is an explanation: an optional capture that did not
            // match must not turn a found fault into a failed step.
            found.message = finding.message.as_deref().map(|m| {
                super::render_command(m, |name| {
                    Some(host.vars.get(name).map_or("(unknown)".to_string(), render))
                })
                .unwrap_or_else(|_| m.to_string())
            });
            host.run.findings.push(found);
        }
    }
    for (name, cond) in &step.sets {
        let value = cond.eval(&host.scope()).map_err(|error| StepError::Set {
            name: name.clone(),
            error,
        })?;
        host.vars.insert(name.clone(), Value::Bool(value));
    }
    Ok(())
}

/// Run the step's command once and take its captures. Returns the output.
async fn run_command(
    remote: &mut impl Remote,
    playbook: &Playbook,
    vars: &HostVars,
    run: &Run,
    host: &mut StepState<'_>,
) -> Result<String, StepError> {
    let command = host.fill(&run.command.text)?;
    let timeout = vars.duration(&playbook.command_timeout)?;
    let output = remote.run(&command, timeout).await?;
    match (&run.exit_status, output.exit_status) {
        (Some(var), Some(code)) => {
            host.vars
                .insert(var.clone(), Value::Number(f64::from(code)));
        }
        (Some(_), None) => return Err(StepError::NoExitStatus { command }),
        (None, Some(code)) if code != 0 => {
            return Err(StepError::ExitStatus {
                command,
                code,
                output: excerpt(&output.text),
            });
        }
        _ => {}
    }
    take_output(playbook, &run.command, &output.text, host)?;
    Ok(output.text)
}

/// Run the command every `repeat.every` until `repeat.until` holds over its
/// fresh captures. A change that lands later than the command that asked
/// for it (a definitions download) is confirmed only by seeing it. Returns
/// the last output and whether the condition held: under `on_timeout:
/// unconfirmed`, a timeout is `false` rather than a failure.
async fn repeat_command(
    remote: &mut impl Remote,
    playbook: &Playbook,
    vars: &HostVars,
    run: &Run,
    repeat: &Repeat,
    host: &mut StepState<'_>,
    cancel: &CancellationToken,
) -> Result<(String, bool), StepError> {
    let timeout = vars.duration(&repeat.timeout)?;
    let every = vars.duration(&repeat.every)?;
    let started = tokio::time::Instant::now();
    let mut attempts = 0usize;
    loop {
        let output = run_command(remote, playbook, vars, run, host).await?;
        attempts += 1;
        let scope = host.scope();
        let done = repeat.until.eval(&scope).map_err(StepError::RepeatUntil)?;
        if done {
            return Ok((output, true));
        }
        if started.elapsed().saturating_add(every) > timeout {
            if repeat.on_timeout == super::model::OnTimeout::Unconfirmed {
                return Ok((output, false));
            }
            return Err(StepError::StillFalse {
                condition: repeat.until.source().to_string(),
                waited: timeout,
                attempts,
                values: values_of(&repeat.until, &scope),
            });
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = cancel.cancelled() => {
                return Err(StepError::InterruptedWaiting {
                    condition: repeat.until.source().to_string(),
                });
            }
        }
    }
}

/// Check `expect:` and take the captures from a command's output.
fn take_output(
    playbook: &Playbook,
    command: &Command,
    output: &str,
    host: &mut StepState<'_>,
) -> Result<(), StepError> {
    if let Some(expect) = &command.expect
        && !expect.is_match(output)
    {
        return Err(StepError::Unexpected {
            action: command.action.clone(),
            expect: expect.as_str().to_string(),
            output: excerpt(output),
        });
    }
    for capture in &command.captures {
        let value = capture_value(playbook, capture, output)?;
        match value {
            Some((value, time)) => {
                if let Some(t) = time {
                    host.times.insert(capture.name.clone(), t);
                    host.read_at
                        .insert(capture.name.clone(), std::time::Instant::now());
                }
                host.vars.insert(capture.name.clone(), value);
            }
            None if capture.required => {
                return Err(StepError::NotCaptured {
                    capture: capture.name.clone(),
                    action: command.action.clone(),
                    looked_for: match &capture.source {
                        CaptureSource::Regex(r) => format!("/{}/", r.as_str()),
                        CaptureSource::Json(p) => format!("JSON {p}"),
                    },
                    output: excerpt(output),
                });
            }
            None => {}
        }
    }
    Ok(())
}

/// `tetra_version = 90600, newest_tetra = 90606`: the values a condition
/// looked at, as evidence of what it decided.
fn values_of(cond: &Condition, scope: &Scoped<'_>) -> String {
    let mut names = cond.names();
    names.dedup();
    // `finding.x` is already in the report as a finding of its own.
    names
        .iter()
        .filter(|name| !name.starts_with("finding."))
        .map(|name| match scope.lookup(name) {
            Some(v) => format!("{name} = {}", render(&v)),
            None => format!("{name} undefined"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn find(
    playbook: &Playbook,
    finding: &Finding,
    regex: &regex::Regex,
    output: &str,
    times: &BTreeMap<String, NaiveDateTime>,
) -> Option<FoundFault> {
    let cutoff = finding.newer_than.as_ref().and_then(|v| times.get(v));
    let line = output
        .lines()
        .rev()
        .filter(|l| regex.is_match(l))
        .find(|l| {
            match (
                cutoff,
                playbook.timestamp.as_ref().and_then(|t| t.of_line(l)),
            ) {
                // Cleared by a later success: history, not a current fault.
                (Some(cutoff), Some(at)) => at > *cutoff,
                _ => true,
            }
        })?;
    Some(FoundFault {
        id: finding.id.clone(),
        severity: finding.severity,
        evidence: line.trim().chars().take(400).collect(),
        message: finding.message.clone(),
    })
}

/// Follow until the success line of *this* run appears. Returns the
/// confirming line.
async fn run_follow(
    remote: &mut impl Remote,
    playbook: &Playbook,
    vars: &HostVars,
    follow: &Follow,
    command: &str,
    host: &mut StepState<'_>,
    cancel: &CancellationToken,
) -> Result<Option<String>, StepError> {
    let timeout = vars.duration(&follow.timeout)?;
    let since = match &follow.since {
        None => None,
        Some(var) => Some(Reading {
            at: *host
                .times
                .get(var)
                .ok_or_else(|| StepError::NoSince { var: var.clone() })?,
            read: host.read_at.get(var).copied(),
        }),
    };
    let stamp = playbook.timestamp.as_ref();
    let mut armed = follow.after.is_none();
    let mut first_stamped = true;
    let mut stale_success = 0usize;
    let mut future = (0usize, None::<String>);
    let judge = |line: &str| {
        if let Some(since) = since {
            // Backlog from before this run, including an earlier update's
            // success line, must never confirm anything; nor may backlog
            // stamped in the appliance's future (its clock stepped back).
            let stamped = stamp.and_then(|s| s.of_line(line));
            let first = stamped.is_some() && std::mem::take(&mut first_stamped);
            match stamped {
                Some(at) if since.in_future(at) => {
                    future.0 += 1;
                    future.1.get_or_insert_with(|| line.to_string());
                    return Verdict::Continue;
                }
                Some(at) if at >= since.at => {
                    // The oldest line the log shows was already written
                    // after the clock was read: the `after:` line came
                    // before it and scrolled out of the backlog (a busy
                    // appliance, a fast update), and nothing shown can be
                    // an earlier run's.
                    if first {
                        armed = true;
                    }
                }
                _ => {
                    if follow.until.is_match(line) {
                        stale_success += 1;
                    }
                    return Verdict::Continue;
                }
            }
        }
        if follow.fail_on.as_ref().is_some_and(|f| f.is_match(line)) {
            return Verdict::Failure;
        }
        if !armed {
            if follow.after.as_ref().is_some_and(|a| a.is_match(line)) {
                armed = true;
            }
            return Verdict::Continue;
        }
        if follow.until.is_match(line) {
            Verdict::Success
        } else {
            Verdict::Continue
        }
    };
    let end = remote.follow(command, timeout, cancel, judge).await;
    let (future_ignored, first_future) = future;
    if let Some(evidence) = first_future {
        host.run.warnings.push(format!(
            "{future_ignored} line(s) of `{command}` were stamped later than the appliance's clock \
             (read as {}) plus the time since, e.g. {:?}; ignored as evidence (its clock was stepped back?)",
            since.map(|s| s.at.to_string()).unwrap_or_default(),
            evidence.trim().chars().take(200).collect::<String>()
        ));
    }
    let end = end.map_err(|e| match e {
        RemoteError::CannotFollow => StepError::Remote(e),
        e => StepError::NotConfirmed(e),
    })?;
    match end {
        FollowEnd::Success(line) => Ok(Some(line)),
        FollowEnd::Failure(line) => Err(StepError::ReportedFailure {
            command: command.to_string(),
            line,
        }),
        FollowEnd::DeadlineReached => Err(StepError::NotSeen {
            until: follow.until.as_str().to_string(),
            waited: timeout,
            command: command.to_string(),
            older_success_ignored: stale_success > 0,
            future_ignored,
        }),
        FollowEnd::Cancelled => Err(StepError::InterruptedFollowing {
            command: command.to_string(),
        }),
    }
}

fn excerpt(output: &str) -> String {
    let trimmed = output.trim();
    if trimmed.len() <= 300 {
        return trimmed.to_string();
    }
    let mut cut = 300;
    while !trimmed.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &trimmed[..cut])
}

#[cfg(test)]
mod tests;
