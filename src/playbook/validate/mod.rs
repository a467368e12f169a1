//! Turns a [`PlaybookFile`] as written into a [`Playbook`], pointing every
//! error at its line. A step's kind is decided first (`fleet:`, `run:`,
//! `follow:`, or neither: a check); each kind then checks the fields it
//! takes and refuses the others.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use regex::Regex;

use super::model::{CaptureSpec, FleetSpec, PagerSpec, PlaybookFile, PromptHost, StepSpec};
use super::when::Condition;
use super::{
    Capture, CaptureKind, CaptureSource, Command, DEFAULT_PTY_ROWS, DurationRef, Finding,
    FindingTrigger, FleetMax, Follow, Pager, Pick, Playbook, PlaybookError, Repeat, Run, Session,
    Step, StepKind, Timestamp, VarSpec, VarType, template_names,
};
use crate::support::yaml_lines::YamlLines;

mod outputs;

pub(super) struct Validator<'a> {
    pub(super) path: &'a Path,
    pub(super) lines: YamlLines,
    /// `file:line: field: ...` of what is valid but likely a mistake.
    pub(super) warnings: std::cell::RefCell<Vec<String>>,
}

/// What a step may refer to: the playbook, and the names and time captures
/// that steps before it defined.
struct Context<'a> {
    file: &'a PlaybookFile,
    known: &'a BTreeSet<String>,
    times: &'a BTreeSet<String>,
    has_timestamp: bool,
}

/// A step's fields, each paired with the key it is written under (for the
/// error's path and line) and whether the step sets it.
type Fields<const N: usize> = [(&'static str, bool); N];

impl StepSpec {
    /// The fields that shape how a follow step watches its command.
    fn follow_fields(&self) -> Fields<4> {
        [
            ("until", self.until.is_some()),
            ("fail_on", self.fail_on.is_some()),
            ("since", self.since.is_some()),
            ("after", self.after.is_some()),
        ]
    }

    fn repeat_fields(&self) -> Fields<3> {
        [
            ("repeat_until", self.repeat_until.is_some()),
            ("every", self.every.is_some()),
            ("on_timeout", self.on_timeout.is_some()),
        ]
    }

    /// The fields that need a command's output.
    fn output_fields(&self) -> Fields<4> {
        [
            ("capture", !self.capture.is_empty()),
            ("expect", self.expect.is_some()),
            ("changes", self.changes),
            ("exit_status", self.exit_status.is_some()),
        ]
    }

    /// A `fleet:` step is a barrier and nothing else.
    fn only_fleet(&self) -> bool {
        self.run.is_none()
            && self.follow.is_none()
            && self.when.is_none()
            && !self.changes
            && self.expect.is_none()
            && self.capture.is_empty()
            && self.findings.is_empty()
            && self.exit_status.is_none()
            && self.set.is_empty()
            && self.repeat_until.is_none()
            && self.every.is_none()
            && self.on_timeout.is_none()
    }
}

impl Validator<'_> {
    fn err(&self, path: &[&str], message: impl Into<String>) -> PlaybookError {
        PlaybookError::Invalid {
            path: self.path.to_path_buf(),
            line: self.lines.line_of(path),
            field: field_name(path),
            message: message.into(),
        }
    }

    /// An error at the first of `fields` the step sets.
    fn refuse(
        &self,
        i: &str,
        fields: &[(&'static str, bool)],
        message: &str,
    ) -> Result<(), PlaybookError> {
        match fields.iter().find(|(_, set)| *set) {
            Some((field, _)) => Err(self.err(&["steps", i, field], message)),
            None => Ok(()),
        }
    }

    fn regex(&self, path: &[&str], source: &str) -> Result<Regex, PlaybookError> {
        let regex =
            Regex::new(source).map_err(|e| self.err(path, format!("invalid regex: {e}")))?;
        if let Some(quote) = unbalanced_quote(source) {
            self.warnings.borrow_mut().push(format!(
                "{}{}: {}: pattern `{source}` has a {quote} at one end and no other: a quote lost \
                 when the YAML was written? (it is matched literally)",
                self.path.display(),
                self.lines
                    .line_of(path)
                    .map(|l| format!(":{l}"))
                    .unwrap_or_default(),
                field_name(path),
            ));
        }
        Ok(regex)
    }

    fn duration(
        &self,
        path: &[&str],
        source: &str,
        vars: &BTreeMap<String, VarSpec>,
    ) -> Result<DurationRef, PlaybookError> {
        if humantime::parse_duration(source).is_ok() {
            return crate::support::bounds::parse_duration(source)
                .map(DurationRef::Literal)
                .map_err(|m| self.err(path, m));
        }
        match vars.get(source) {
            Some(spec) if spec.kind == VarType::Duration => Ok(DurationRef::Var(source.to_string())),
            Some(_) => Err(self.err(path, format!("variable `{source}` is not a duration"))),
            None => Err(self.err(
                path,
                format!("`{source}` is neither a duration (15s, 10m, 1h) nor a declared duration variable"),
            )),
        }
    }

    fn pager(&self, spec: &PagerSpec) -> Result<Pager, PlaybookError> {
        if spec.answer.is_empty() {
            return Err(self.err(
                &["shell", "pager", "answer"],
                "the pager needs a key to answer it with (e.g. ' ')",
            ));
        }
        Ok(Pager {
            pattern: self.regex(&["shell", "pager", "pattern"], &spec.pattern)?,
            answer: spec.answer.clone(),
        })
    }

    fn pty_rows(&self, rows: Option<u32>) -> Result<u32, PlaybookError> {
        match rows {
            None => Ok(DEFAULT_PTY_ROWS),
            Some(rows) if (2..=u32::from(u16::MAX)).contains(&rows) => Ok(rows),
            Some(_) => Err(self.err(
                &["shell", "pty_rows"],
                "a terminal has from 2 to 65535 rows",
            )),
        }
    }

    pub(super) fn validate(&self, file: PlaybookFile) -> Result<Playbook, PlaybookError> {
        for (name, spec) in &file.vars {
            if let Some(pattern) = &spec.pattern {
                if spec.kind != VarType::String {
                    return Err(self.err(
                        &["vars", name, "pattern"],
                        "`pattern:` goes with `type: string`",
                    ));
                }
                self.regex(&["vars", name, "pattern"], pattern)?;
            }
            if let Some(default) = &spec.default {
                spec.typed_value(default)
                    .map_err(|m| self.err(&["vars", name, "default"], m))?;
            }
        }
        let (session, command_timeout) = match (&file.shell, &file.exec) {
            (Some(shell), None) => {
                let prompt = self.regex(&["shell", "prompt"], &shell.prompt)?;
                if shell.prompt_host == PromptHost::Error
                    && !prompt.capture_names().any(|n| n == Some("host"))
                {
                    return Err(self.err(
                        &["shell", "prompt_host"],
                        "`prompt_host: error` needs a `(?P<host>...)` group in `prompt`".to_string(),
                    ));
                }
                let session = Session::Shell {
                    prompt: Arc::new(prompt),
                    login_timeout: self.duration(&["shell", "login_timeout"], &shell.login_timeout, &file.vars)?,
                    exit_command: shell.exit_command.clone(),
                    prompt_host: shell.prompt_host,
                    pager: shell.pager.as_ref().map(|p| self.pager(p).map(Arc::new)).transpose()?,
                    pty_rows: self.pty_rows(shell.pty_rows)?,
                };
                let timeout = self.duration(&["shell", "command_timeout"], &shell.command_timeout, &file.vars)?;
                (session, timeout)
            }
            (None, Some(exec)) => (
                Session::Exec { shell: exec.shell },
                self.duration(&["exec", "command_timeout"], &exec.command_timeout, &file.vars)?,
            ),
            _ => return Err(self.err(&[], "a playbook needs exactly one of `shell:` (interactive CLI) or `exec:` (one command per SSH exec request)")),
        };
        let timestamp = match &file.timestamp {
            None => None,
            Some(t) => {
                let regex = self.regex(&["timestamp", "pattern"], &t.pattern)?;
                if !regex.capture_names().any(|n| n == Some("ts")) {
                    return Err(self.err(&["timestamp", "pattern"], "needs a group named `ts`"));
                }
                Some(Timestamp {
                    regex,
                    format: t.format.clone(),
                })
            }
        };

        let finding_ids: BTreeSet<String> = file
            .steps
            .iter()
            .flat_map(|s| s.findings.iter().map(|f| f.id.clone()))
            .collect();
        let mut known: BTreeSet<String> = file.vars.keys().cloned().collect();
        known.extend(["findings", "changed", "check_mode"].map(String::from));
        known.extend(finding_ids.iter().map(|id| format!("finding.{id}")));
        let mut times: BTreeSet<String> = BTreeSet::new();

        if file.steps.is_empty() {
            return Err(self.err(&["steps"], "a playbook needs at least one step"));
        }
        let mut steps = Vec::new();
        for (i, spec) in file.steps.iter().enumerate() {
            let context = Context {
                file: &file,
                known: &known,
                times: &times,
                has_timestamp: timestamp.is_some(),
            };
            let step = self.step(&i.to_string(), spec, &context)?;
            known.extend(step.sets.iter().map(|(name, _)| name.clone()));
            let output = match &step.kind {
                StepKind::Fleet(values) => {
                    known.extend(values.iter().map(|v| v.target.clone()));
                    None
                }
                StepKind::Run(run) => {
                    known.extend(run.exit_status.iter().cloned());
                    Some(&run.command)
                }
                StepKind::Follow(follow) => Some(&follow.command),
                StepKind::Check => None,
            };
            for capture in output.iter().flat_map(|o| &o.captures) {
                known.insert(capture.name.clone());
                if capture.kind == CaptureKind::Time {
                    times.insert(capture.name.clone());
                }
            }
            steps.push(step);
        }
        for (i, fact) in file.facts.iter().enumerate() {
            if !known.contains(fact) {
                return Err(self.err(
                    &["facts", &i.to_string()],
                    format!("`{fact}` is not a variable or capture"),
                ));
            }
        }
        Ok(Playbook {
            name: file.name,
            source: self.path.to_path_buf(),
            vars: file.vars,
            session,
            command_timeout,
            timestamp,
            facts: file.facts,
            steps,
        })
    }

    fn step(&self, i: &str, spec: &StepSpec, cx: &Context<'_>) -> Result<Step, PlaybookError> {
        let when = spec
            .when
            .as_ref()
            .map(|source| self.condition(&["steps", i, "when"], source, cx.known))
            .transpose()?;
        if let Some(fleet) = &spec.fleet {
            return self.fleet(i, spec, fleet, cx);
        }
        let (kind, after_output) = match (&spec.run, &spec.follow) {
            (Some(_), Some(_)) => {
                return Err(self.err(
                    &["steps", i],
                    "a step takes one of `run:` or `follow:`, not both",
                ));
            }
            (Some(command), None) => self.run(i, spec, command, cx)?,
            (None, Some(command)) => self.follow(i, spec, command, cx)?,
            (None, None) if !spec.set.is_empty() || !spec.findings.is_empty() => {
                self.check(i, spec, cx)?
            }
            (None, None) => {
                return Err(self.err(
                    &["steps", i],
                    "a step needs `run:`, `follow:`, `fleet:`, or `set:`/findings to evaluate",
                ));
            }
        };
        let has_output = !matches!(kind, StepKind::Check);
        // A finding may be judged against a time this same step captured:
        // one command then reads both the failures and the success that
        // clears them (one round trip, not two).
        let own_times: BTreeSet<String> = match &kind {
            StepKind::Run(run) => Some(&run.command),
            StepKind::Follow(follow) => Some(&follow.command),
            StepKind::Fleet(_) | StepKind::Check => None,
        }
        .into_iter()
        .flat_map(|c| &c.captures)
        .filter(|c| c.kind == CaptureKind::Time)
        .map(|c| c.name.clone())
        .collect();
        Ok(Step {
            name: spec.name.clone(),
            when,
            findings: self.findings(i, spec, has_output, &after_output, &own_times, cx)?,
            sets: self.sets(i, spec, &after_output, cx)?,
            on_failure: spec.on_failure.clone(),
            kind,
        })
    }

    fn fleet(
        &self,
        i: &str,
        spec: &StepSpec,
        fleet: &BTreeMap<String, FleetSpec>,
        cx: &Context<'_>,
    ) -> Result<Step, PlaybookError> {
        if !spec.only_fleet() {
            return Err(self.err(
                &["steps", i, "fleet"],
                "a `fleet:` step takes only a name and its values",
            ));
        }
        let mut values = Vec::new();
        for (target, agg) in fleet {
            if !cx.known.contains(&agg.max_of) {
                return Err(self.err(
                    &["steps", i, "fleet", target.as_str(), "max_of"],
                    format!(
                        "`{}` is not a variable or a capture of an earlier step",
                        agg.max_of
                    ),
                ));
            }
            if cx.known.contains(target) {
                return Err(self.err(
                    &["steps", i, "fleet", target.as_str()],
                    format!("`{target}` is already a variable"),
                ));
            }
            if let Some(var) = &agg.overridden_by
                && !cx.file.vars.contains_key(var)
            {
                return Err(self.err(
                    &["steps", i, "fleet", target.as_str(), "overridden_by"],
                    format!("`{var}` is not a variable of this playbook (`vars:`)"),
                ));
            }
            values.push(FleetMax {
                target: target.clone(),
                source: agg.max_of.clone(),
                overridden_by: agg.overridden_by.clone(),
            });
        }
        Ok(Step {
            name: spec.name.clone(),
            when: None,
            kind: StepKind::Fleet(values),
            findings: Vec::new(),
            sets: Vec::new(),
            on_failure: None,
        })
    }

    /// A `run:` step, and the names conditions after its command may use.
    fn run(
        &self,
        i: &str,
        spec: &StepSpec,
        command: &str,
        cx: &Context<'_>,
    ) -> Result<(StepKind, BTreeSet<String>), PlaybookError> {
        let at = |field: &'static str| -> [&str; 3] { ["steps", i, field] };
        self.refuse(
            i,
            &spec.follow_fields(),
            "only a `follow:` step takes this field",
        )?;
        if spec.repeat_until.is_none() {
            self.refuse(
                i,
                &[("timeout", spec.timeout.is_some())],
                "only a `follow:` step, or a `run:` step with `repeat_until:`, takes a timeout",
            )?;
            self.refuse(
                i,
                &[("on_timeout", spec.on_timeout.is_some())],
                "`on_timeout:` goes with `repeat_until:`",
            )?;
        }
        let captures = self.captures(i, spec, cx)?;
        let after_output = after_output(cx.known, &captures, spec.exit_status.as_ref());
        let repeat = match (&spec.repeat_until, &spec.every, &spec.timeout) {
            (None, None, _) => None,
            (Some(until), Some(every), Some(timeout)) => Some(Repeat {
                until: self.condition(&at("repeat_until"), until, &after_output)?,
                every: self.duration(&at("every"), every, &cx.file.vars)?,
                timeout: self.duration(&at("timeout"), timeout, &cx.file.vars)?,
                on_timeout: spec.on_timeout.unwrap_or_default(),
            }),
            (Some(_), _, _) => {
                return Err(self.err(
                    &at("repeat_until"),
                    "`repeat_until:` needs `every:` (how often) and `timeout:` (how long in all)",
                ));
            }
            (None, Some(_), _) => {
                return Err(self.err(&at("every"), "`every:` goes with `repeat_until:`"));
            }
        };
        self.template(&at("run"), command, cx.known)?;
        self.rendered_strings(&at("run"), command, cx.file)?;
        if let Some(var) = &spec.exit_status
            && cx.file.exec.is_none()
        {
            return Err(self.err(
                &at("exit_status"),
                format!("`{var}`: exit statuses exist only in `exec:` sessions"),
            ));
        }
        let run = Run {
            command: self.command(i, spec, command, captures)?,
            exit_status: spec.exit_status.clone(),
            repeat,
        };
        Ok((StepKind::Run(run), after_output))
    }

    /// A `follow:` step, and the names conditions after it may use.
    fn follow(
        &self,
        i: &str,
        spec: &StepSpec,
        command: &str,
        cx: &Context<'_>,
    ) -> Result<(StepKind, BTreeSet<String>), PlaybookError> {
        let at = |field: &'static str| -> [&str; 3] { ["steps", i, field] };
        let until = match &spec.until {
            Some(p) => self.regex(&at("until"), p)?,
            None => return Err(self.err(&at("follow"), "a follow step needs `until:`")),
        };
        if let Some(since) = &spec.since {
            self.time_var(&at("since"), since, cx)?;
        }
        let timeout = match &spec.timeout {
            Some(t) => self.duration(&at("timeout"), t, &cx.file.vars)?,
            None => return Err(self.err(&at("follow"), "a follow step needs `timeout:`")),
        };
        self.refuse(
            i,
            &spec.repeat_fields(),
            "a `follow:` step watches its command; only a `run:` step repeats",
        )?;
        let fail_on = spec
            .fail_on
            .as_ref()
            .map(|p| self.regex(&at("fail_on"), p))
            .transpose()?;
        let after = spec
            .after
            .as_ref()
            .map(|p| self.regex(&at("after"), p))
            .transpose()?;
        let captures = self.captures(i, spec, cx)?;
        self.template(&at("follow"), command, cx.known)?;
        self.rendered_strings(&at("follow"), command, cx.file)?;
        if cx.file.exec.is_some() {
            return Err(self.err(
                &at("follow"),
                "`follow:` needs an interactive `shell:` session",
            ));
        }
        if let Some(var) = &spec.exit_status {
            return Err(self.err(
                &at("exit_status"),
                format!("`{var}`: exit statuses exist only in `exec:` sessions"),
            ));
        }
        let after_output = after_output(cx.known, &captures, None);
        let follow = Follow {
            command: self.command(i, spec, command, captures)?,
            until,
            fail_on,
            since: spec.since.clone(),
            after,
            timeout,
        };
        Ok((StepKind::Follow(follow), after_output))
    }

    /// A step without a command: only `set:` and condition findings.
    fn check(
        &self,
        i: &str,
        spec: &StepSpec,
        cx: &Context<'_>,
    ) -> Result<(StepKind, BTreeSet<String>), PlaybookError> {
        self.refuse(
            i,
            &spec.follow_fields(),
            "only a `follow:` step takes this field",
        )?;
        self.refuse(
            i,
            &[("timeout", spec.timeout.is_some())],
            "only a `follow:` step, or a `run:` step with `repeat_until:`, takes a timeout",
        )?;
        let no_output = "a step without `run:` or `follow:` has no output; it takes only `set:` and condition findings";
        self.refuse(i, &spec.output_fields(), no_output)?;
        self.refuse(i, &spec.repeat_fields(), no_output)?;
        Ok((StepKind::Check, cx.known.clone()))
    }

    fn command(
        &self,
        i: &str,
        spec: &StepSpec,
        text: &str,
        captures: Vec<Capture>,
    ) -> Result<Command, PlaybookError> {
        // A newline in a command is a second command to the appliance.
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(self.err(
                &["steps", i],
                format!(
                    "the command {text:?} contains the control character {c:?}; one step sends one line"
                ),
            ));
        }
        Ok(Command {
            text: text.to_string(),
            action: spec.action.clone().unwrap_or_else(|| text.to_string()),
            changes: spec.changes,
            expect: spec
                .expect
                .as_ref()
                .map(|p| self.regex(&["steps", i, "expect"], p))
                .transpose()?,
            captures,
        })
    }

    /// `name` must be a time captured by an earlier step.
    fn time_var(&self, path: &[&str], name: &str, cx: &Context<'_>) -> Result<(), PlaybookError> {
        if !cx.has_timestamp {
            return Err(self.err(path, "needs a `timestamp:` section in the playbook"));
        }
        if cx.times.contains(name) {
            Ok(())
        } else {
            Err(self.err(
                path,
                format!("`{name}` is not a time captured (as: time) by an earlier step"),
            ))
        }
    }

    fn sets(
        &self,
        i: &str,
        spec: &StepSpec,
        after_output: &BTreeSet<String>,
        cx: &Context<'_>,
    ) -> Result<Vec<(String, Condition)>, PlaybookError> {
        let mut sets = Vec::new();
        for (name, source) in &spec.set {
            let path = ["steps", i, "set", name.as_str()];
            if cx.file.vars.contains_key(name) {
                return Err(self.err(
                    &path,
                    format!("`{name}` is a playbook variable; `set:` may not overwrite it"),
                ));
            }
            sets.push((name.clone(), self.condition(&path, source, after_output)?));
        }
        Ok(sets)
    }

    /// A condition whose every name is known at this point of the playbook.
    fn condition(
        &self,
        path: &[&str],
        source: &str,
        known: &BTreeSet<String>,
    ) -> Result<Condition, PlaybookError> {
        let cond = Condition::parse(source).map_err(|e| self.err(path, e.to_string()))?;
        if let Some(name) = cond.names().into_iter().find(|n| !known.contains(n)) {
            return Err(self.err(
                path,
                format!("unknown variable `{name}` (not declared in vars, not captured or set by an earlier step)"),
            ));
        }
        Ok(cond)
    }

    /// A `string` variable rendered into a command must declare the
    /// `pattern:` its values match: its values come from inventories and
    /// `-e`, and free text there could carry the remote shell's syntax
    /// (`; del`, `$(...)`) into what the appliance runs.
    fn rendered_strings(
        &self,
        path: &[&str],
        command: &str,
        file: &PlaybookFile,
    ) -> Result<(), PlaybookError> {
        for name in template_names(command) {
            if let Some(spec) = file.vars.get(&name)
                && spec.kind == VarType::String
                && spec.pattern.is_none()
            {
                return Err(self.err(
                    path,
                    format!(
                        "`{{{{ {name} }}}}` is a string variable rendered into a command: declare the `pattern:` its values must match (vars.{name}.pattern), so no inventory or -e value can add shell syntax"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `{{ name }}` placeholders must name known variables.
    fn template(
        &self,
        path: &[&str],
        text: &str,
        known: &BTreeSet<String>,
    ) -> Result<(), PlaybookError> {
        match template_names(text).into_iter().find(|n| !known.contains(n)) {
            Some(name) => Err(self.err(
                path,
                format!("`{{{{ {name} }}}}` names no variable declared in vars or captured or set by an earlier step"),
            )),
            None => Ok(()),
        }
    }
}

/// What conditions evaluated after a command may name.
fn after_output(
    known: &BTreeSet<String>,
    captures: &[Capture],
    exit_status: Option<&String>,
) -> BTreeSet<String> {
    let mut names = known.clone();
    names.extend(captures.iter().map(|c| c.name.clone()));
    names.extend(exit_status.cloned());
    names
}

/// `["steps","3","findings","0","pattern"]` → `steps[3].findings[0].pattern`.
/// The quote a pattern starts or ends with and holds only once
/// (`enrollment_client update completed'`: the opening one was lost, and
/// YAML took the rest as a plain string). A quote inside (`can't`) is text.
pub(super) fn unbalanced_quote(pattern: &str) -> Option<char> {
    ['\'', '"'].into_iter().find(|&q| {
        (pattern.starts_with(q) || pattern.ends_with(q)) && pattern.matches(q).count() == 1
    })
}

fn field_name(path: &[&str]) -> String {
    let mut out = String::new();
    for seg in path {
        if seg.parse::<usize>().is_ok() {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}
