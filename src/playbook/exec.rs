//! Runs a playbook's steps on one appliance's shell and records what was
//! seen: captures, findings, actions. It never infers success: a change is
//! confirmed only by a line the appliance printed for this run.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use super::vars::HostVars;
use super::when::{Scope, Value};
use super::{CaptureKind, Finding, Follow, Playbook, Severity, Step, StepKind};
use crate::shell::{FollowEnd, Shell, Verdict};

/// A fault found on an appliance, with the line that shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoundFault {
    pub id: String,
    pub severity: Severity,
    pub evidence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// What running the steps produced.
#[derive(Debug, Clone, Default)]
pub struct Execution {
    pub facts: BTreeMap<String, String>,
    pub findings: Vec<FoundFault>,
    /// Changes made (or, in check mode, that would be made).
    pub actions: Vec<String>,
    /// A changing step ran and nothing after it failed.
    pub changed: bool,
    /// Check mode: a changing step would have run.
    pub would_change: bool,
    /// The first failure, in an operator's words.
    pub error: Option<String>,
    pub cancelled: bool,
}

/// Variables visible to `when:` and to later steps.
struct State<'a> {
    vars: BTreeMap<String, Value>,
    times: BTreeMap<String, NaiveDateTime>,
    findings: &'a [FoundFault],
    changed: bool,
    check_mode: bool,
}

impl Scope for State<'_> {
    fn lookup(&self, name: &str) -> Option<Value> {
        match name {
            "findings" => Some(Value::Number(self.findings.len() as f64)),
            "changed" => Some(Value::Bool(self.changed)),
            "check_mode" => Some(Value::Bool(self.check_mode)),
            _ => {
                if let Some(id) = name.strip_prefix("finding.") {
                    return Some(Value::Bool(self.findings.iter().any(|f| f.id == id)));
                }
                self.vars.get(name).cloned()
            }
        }
    }
}

/// Called with each step's name as it starts, for progress display.
pub type StepObserver<'a> = &'a (dyn Fn(&str) + Send + Sync);

/// Execute every step in order, stopping at the first failure.
pub async fn execute(
    shell: &mut Shell,
    playbook: &Playbook,
    vars: &HostVars,
    check_mode: bool,
    cancel: &CancellationToken,
    observe: StepObserver<'_>,
) -> Execution {
    let mut run = Execution::default();
    let mut vars_map = vars.values.clone();
    let mut times = BTreeMap::new();
    for step in &playbook.steps {
        if cancel.is_cancelled() {
            run.cancelled = true;
            run.error = Some(format!("interrupted before step `{}`", step.name));
            break;
        }
        let state = State {
            vars: std::mem::take(&mut vars_map),
            times: std::mem::take(&mut times),
            findings: &run.findings,
            changed: run.changed,
            check_mode,
        };
        let wanted = match &step.when {
            None => Ok(true),
            Some(cond) => cond.eval(&state),
        };
        vars_map = state.vars;
        times = state.times;
        let wanted = match wanted {
            Ok(w) => w,
            Err(e) => {
                run.error = Some(format!("step `{}`: condition: {e}", step.name));
                break;
            }
        };
        if !wanted {
            continue;
        }
        if step.changes && check_mode {
            run.would_change = true;
            run.actions.push(format!("would run: {}", step.action));
            continue;
        }
        observe(&step.name);
        let result = run_step(
            shell,
            playbook,
            vars,
            step,
            &mut vars_map,
            &mut times,
            &mut run,
            cancel,
        )
        .await;
        if let Err(message) = result {
            let hint = step
                .on_failure
                .as_deref()
                .map(|h| format!(" ({h})"))
                .unwrap_or_default();
            run.error = Some(format!("step `{}`: {message}{hint}", step.name));
            if step.changes {
                // The change was attempted; whether it took is unknown.
                run.changed = false;
            }
            break;
        }
        if step.changes {
            run.changed = true;
            run.actions.push(step.action.clone());
        }
        if run.cancelled {
            break;
        }
    }
    for fact in &playbook.facts {
        if let Some(v) = vars_map.get(fact) {
            run.facts.insert(fact.clone(), render(v));
        }
    }
    // A change is only a success once every later step confirmed it.
    if run.error.is_some() {
        run.changed = false;
    }
    run
}

fn render(v: &Value) -> String {
    match v {
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::Text(t) => t.clone(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn run_step(
    shell: &mut Shell,
    playbook: &Playbook,
    vars: &HostVars,
    step: &Step,
    vars_map: &mut BTreeMap<String, Value>,
    times: &mut BTreeMap<String, NaiveDateTime>,
    run: &mut Execution,
    cancel: &CancellationToken,
) -> Result<(), String> {
    let output = match &step.kind {
        StepKind::Run(command) => {
            let timeout = vars.duration(&playbook.command_timeout)?;
            shell
                .run(command, timeout)
                .await
                .map_err(|e| e.to_string())?
        }
        StepKind::Follow(follow) => {
            let line = run_follow(shell, playbook, vars, follow, times, run, cancel).await?;
            line.unwrap_or_default()
        }
    };
    if let Some(expect) = &step.expect
        && !expect.is_match(&output)
    {
        return Err(format!(
            "`{}` did not answer as expected (/{}/); it said: {:?}",
            step.action,
            expect.as_str(),
            excerpt(&output)
        ));
    }
    for capture in &step.captures {
        let value = capture_value(playbook, capture, &output)?;
        match value {
            Some((text, time)) => {
                if let Some(t) = time {
                    times.insert(capture.name.clone(), t);
                }
                vars_map.insert(capture.name.clone(), Value::Text(text));
            }
            None if capture.required => {
                return Err(format!(
                    "no `{}` in the output of `{}` (/{}/); output: {:?}",
                    capture.name,
                    step.action,
                    capture.regex.as_str(),
                    excerpt(&output)
                ));
            }
            None => {}
        }
    }
    for finding in &step.findings {
        if let Some(found) = find(playbook, finding, &output, times) {
            run.findings.push(found);
        }
    }
    Ok(())
}

/// The text and, for time captures, the parsed time of the last match.
fn capture_value(
    playbook: &Playbook,
    capture: &super::Capture,
    output: &str,
) -> Result<Option<(String, Option<NaiveDateTime>)>, String> {
    let Some(caps) = capture.regex.captures_iter(output).last() else {
        return Ok(None);
    };
    let group = caps
        .name(&capture.name)
        .or_else(|| caps.name("value"))
        .or_else(|| caps.get(1));
    match capture.kind {
        CaptureKind::Text => Ok(group
            .or_else(|| caps.get(0))
            .map(|m| (m.as_str().trim().to_string(), None))),
        CaptureKind::Time => {
            let Some(stamp) = &playbook.timestamp else {
                return Err("time capture without timestamp section".to_string());
            };
            let text = match group {
                Some(m) => m.as_str().trim().to_string(),
                None => {
                    // The stamp of the last line that matches.
                    let line = output.lines().rfind(|l| capture.regex.is_match(l));
                    match line
                        .and_then(|l| stamp.regex.captures(l))
                        .and_then(|c| c.name("ts"))
                    {
                        Some(ts) => ts.as_str().to_string(),
                        None => return Ok(None),
                    }
                }
            };
            match super::parse_time(&text, &stamp.format) {
                Some(t) => Ok(Some((text, Some(t)))),
                None => Err(format!(
                    "`{}` captured {text:?}, which is not a time in the format {}",
                    capture.name, stamp.format
                )),
            }
        }
    }
}

fn find(
    playbook: &Playbook,
    finding: &Finding,
    output: &str,
    times: &BTreeMap<String, NaiveDateTime>,
) -> Option<FoundFault> {
    let cutoff = finding.newer_than.as_ref().and_then(|v| times.get(v));
    let line = output
        .lines()
        .rev()
        .filter(|l| finding.regex.is_match(l))
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
    shell: &mut Shell,
    playbook: &Playbook,
    vars: &HostVars,
    follow: &Follow,
    times: &BTreeMap<String, NaiveDateTime>,
    run: &mut Execution,
    cancel: &CancellationToken,
) -> Result<Option<String>, String> {
    let timeout = vars.duration(&follow.timeout)?;
    let since = match &follow.since {
        None => None,
        Some(var) => Some(*times.get(var).ok_or_else(|| {
            format!("`{var}` was not captured, so fresh lines cannot be told from old ones")
        })?),
    };
    let stamp = playbook.timestamp.as_ref();
    let mut armed = follow.after.is_none();
    let mut stale_success = 0usize;
    let judge = |line: &str| {
        if let Some(since) = since {
            // Backlog from before this run, including an earlier update's
            // success line, must never confirm anything.
            match stamp.and_then(|s| s.of_line(line)) {
                Some(at) if at >= since => {}
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
    let end = shell
        .follow(&follow.command, timeout, cancel, judge)
        .await
        .map_err(|e| format!("{e}; not confirmed"))?;
    match end {
        FollowEnd::Success(line) => Ok(Some(line)),
        FollowEnd::Failure(line) => {
            Err(format!("`{}` reported a failure: {line:?}", follow.command))
        }
        FollowEnd::DeadlineReached => {
            let note = if stale_success > 0 {
                " (an older success line from before this run was ignored)"
            } else {
                ""
            };
            Err(format!(
                "/{}/ not seen within {} in `{}`{note}; Ctrl-C sent",
                follow.until.as_str(),
                humantime::format_duration(timeout),
                follow.command
            ))
        }
        FollowEnd::Cancelled => {
            run.cancelled = true;
            Err(format!(
                "interrupted while following `{}`; Ctrl-C sent",
                follow.command
            ))
        }
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
