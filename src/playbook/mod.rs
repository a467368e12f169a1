//! Playbooks: load a YAML procedure, check all of it before touching any
//! appliance (a typo must not surface on the 300th host), and hand the
//! executor a form where every regex is compiled and every name resolved.

pub mod exec;
pub mod model;
pub mod vars;
pub mod when;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use regex::Regex;

pub use model::{CaptureKind, Pick, Severity, VarSpec, VarType};
use model::{CaptureSpec, PlaybookFile, StepSpec};
use when::Condition;

use crate::yaml_lines::YamlLines;

/// Playbooks shipped inside the binary, usable by name.
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "esa-ecupdate",
        include_str!("../../playbooks/esa-ecupdate.yaml"),
    ),
    (
        "secure-endpoint-tetra",
        include_str!("../../playbooks/secure-endpoint-tetra.yaml"),
    ),
];

/// Everything that can be wrong with a playbook. Each names the file and,
/// where there is one, the line and the field.
#[derive(Debug, thiserror::Error)]
pub enum PlaybookError {
    #[error("cannot read playbook {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no playbook file `{name}` and no built-in playbook of that name (built-ins: {})", builtins.join(", "))]
    NotFound { name: String, builtins: Vec<String> },
    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{}{}: {field}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        field: String,
        message: String,
    },
    #[error("-e {name}: {message}")]
    ExtraVar { name: String, message: String },
}

/// A duration written literally (`10m`) or taken from a variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationRef {
    Literal(Duration),
    Var(String),
}

#[derive(Debug, Clone)]
pub struct Timestamp {
    pub regex: Regex,
    pub format: String,
}

impl Timestamp {
    /// The appliance-local time at the start of `line`, if it carries one.
    pub fn of_line(&self, line: &str) -> Option<chrono::NaiveDateTime> {
        let caps = self.regex.captures(line)?;
        parse_time(caps.name("ts")?.as_str(), &self.format)
    }
}

/// Parse an appliance time, tolerating the doubled space of day numbers
/// below 10 (`May  5`) that ctime-style stamps use.
pub fn parse_time(text: &str, format: &str) -> Option<chrono::NaiveDateTime> {
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    chrono::NaiveDateTime::parse_from_str(&squeezed, format).ok()
}

/// Where a capture takes its value from.
#[derive(Debug, Clone)]
pub enum CaptureSource {
    Regex(Regex),
    /// A JSON pointer into the first JSON value of the output.
    Json(String),
}

#[derive(Debug, Clone)]
pub struct Capture {
    pub name: String,
    pub source: CaptureSource,
    pub required: bool,
    pub kind: CaptureKind,
    pub pick: Pick,
}

/// How commands reach the appliance.
#[derive(Debug, Clone)]
pub enum Session {
    /// An interactive PTY shell read up to its prompt (AsyncOS CLI).
    Shell {
        prompt: Regex,
        login_timeout: DurationRef,
        exit_command: Option<String>,
    },
    /// One SSH exec request per command (OpenSSH for Windows, PowerShell).
    Exec,
}

/// `{{ name }}` in a command: replaced by the variable's value when the
/// step runs (a discovered folder, a server name from `-e`).
fn template_names(command: &str) -> Vec<String> {
    TEMPLATE
        .captures_iter(command)
        .map(|c| c[1].to_string())
        .collect()
}

static TEMPLATE: std::sync::LazyLock<Regex> = std::sync::LazyLock::new(|| {
    #[allow(clippy::unwrap_used)] // a literal, checked by the tests
    Regex::new(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.-]*)\s*\}\}").unwrap()
});

/// Fill `{{ name }}` placeholders; `Err(name)` for the first undefined one.
pub fn render_command(
    command: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut missing = None;
    let out = TEMPLATE.replace_all(command, |c: &regex::Captures<'_>| match lookup(&c[1]) {
        Some(v) => v,
        None => {
            missing.get_or_insert_with(|| c[1].to_string());
            String::new()
        }
    });
    match missing {
        Some(name) => Err(name),
        None => Ok(out.into_owned()),
    }
}

/// What raises a finding.
#[derive(Debug, Clone)]
pub enum FindingTrigger {
    /// A line of the step's output.
    Pattern(Regex),
    /// A condition over the host's variables, after the step's captures.
    Condition(Condition),
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub trigger: FindingTrigger,
    /// May hold `{{ name }}` placeholders, filled when the finding is raised.
    pub message: Option<String>,
    pub newer_than: Option<String>,
}

/// Run a step's command again until a condition holds.
#[derive(Debug, Clone)]
pub struct Repeat {
    pub until: Condition,
    pub every: DurationRef,
    pub timeout: DurationRef,
}

#[derive(Debug, Clone)]
pub struct Follow {
    pub command: String,
    pub until: Regex,
    pub fail_on: Option<Regex>,
    pub since: Option<String>,
    pub after: Option<Regex>,
    pub timeout: DurationRef,
}

/// `target` gets the highest `source` value across the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FleetMax {
    pub target: String,
    pub source: String,
}

#[derive(Debug, Clone)]
pub enum StepKind {
    Run(String),
    Follow(Follow),
    /// A barrier: every host gets here before any goes on.
    Fleet(Vec<FleetMax>),
    /// No command: only `set:` and condition findings.
    Check,
}

/// Steps a host runs in one connection, and the fleet-wide values to
/// compute once every host has run them.
#[derive(Debug, Clone)]
pub struct Segment {
    pub steps: std::ops::Range<usize>,
    pub then: Vec<FleetMax>,
}

#[derive(Debug, Clone)]
pub struct Step {
    pub name: String,
    pub when: Option<Condition>,
    pub kind: StepKind,
    pub changes: bool,
    pub action: String,
    pub expect: Option<Regex>,
    pub captures: Vec<Capture>,
    pub findings: Vec<Finding>,
    pub on_failure: Option<String>,
    pub exit_status: Option<String>,
    /// Evaluated in order after the captures and findings.
    pub sets: Vec<(String, Condition)>,
    pub repeat: Option<Repeat>,
}

/// A validated playbook.
#[derive(Debug, Clone)]
pub struct Playbook {
    pub name: String,
    pub source: PathBuf,
    pub vars: BTreeMap<String, VarSpec>,
    pub session: Session,
    pub command_timeout: DurationRef,
    pub timestamp: Option<Timestamp>,
    pub facts: Vec<String>,
    pub steps: Vec<Step>,
}

impl Playbook {
    /// Load a playbook by path, or by the name of a built-in one.
    pub fn resolve(name_or_path: &str) -> Result<Playbook, PlaybookError> {
        let path = Path::new(name_or_path);
        if path.exists() {
            let text = std::fs::read_to_string(path).map_err(|source| PlaybookError::Read {
                path: path.to_path_buf(),
                source,
            })?;
            return Playbook::parse(&text, path);
        }
        let stem = name_or_path
            .trim_end_matches(".yaml")
            .trim_end_matches(".yml");
        match BUILTIN.iter().find(|(name, _)| *name == stem) {
            Some((name, text)) => {
                Playbook::parse(text, &PathBuf::from(format!("<built-in>/{name}.yaml")))
            }
            None => Err(PlaybookError::NotFound {
                name: name_or_path.to_string(),
                builtins: BUILTIN.iter().map(|(n, _)| (*n).to_string()).collect(),
            }),
        }
    }

    pub fn parse(text: &str, path: &Path) -> Result<Playbook, PlaybookError> {
        let file: PlaybookFile = serde_yaml::from_str(text).map_err(|e| {
            let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
            PlaybookError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                // The location is already in front: `file:line:col: ...`.
                message: e
                    .to_string()
                    .replacen(&format!(" at line {line} column {column}"), "", 1),
            }
        })?;
        Validator {
            path,
            lines: YamlLines::parse(text),
        }
        .validate(file)
    }

    /// The playbook cut at its `fleet:` steps; one segment when it has none.
    pub fn segments(&self) -> Vec<Segment> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, step) in self.steps.iter().enumerate() {
            if let StepKind::Fleet(aggregates) = &step.kind {
                out.push(Segment {
                    steps: start..i,
                    then: aggregates.clone(),
                });
                start = i + 1;
            }
        }
        out.push(Segment {
            steps: start..self.steps.len(),
            then: Vec::new(),
        });
        out
    }

    /// Whether the playbook has a step that changes appliances.
    pub fn changes_anything(&self) -> bool {
        self.steps.iter().any(|s| s.changes)
    }
}

/// Turns a [`PlaybookFile`] into a [`Playbook`], pointing every error at
/// its line.
struct Validator<'a> {
    path: &'a Path,
    lines: YamlLines,
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

    fn regex(&self, path: &[&str], source: &str) -> Result<Regex, PlaybookError> {
        Regex::new(source).map_err(|e| self.err(path, format!("invalid regex: {e}")))
    }

    fn duration(
        &self,
        path: &[&str],
        source: &str,
        vars: &BTreeMap<String, VarSpec>,
    ) -> Result<DurationRef, PlaybookError> {
        if let Ok(d) = humantime::parse_duration(source) {
            return Ok(DurationRef::Literal(d));
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

    fn validate(&self, file: PlaybookFile) -> Result<Playbook, PlaybookError> {
        for (name, spec) in &file.vars {
            if let Some(default) = &spec.default {
                vars::typed_value(spec.kind, default)
                    .map_err(|m| self.err(&["vars", name, "default"], m))?;
            }
        }
        let (session, command_timeout) = match (&file.shell, &file.exec) {
            (Some(shell), None) => {
                let session = Session::Shell {
                    prompt: self.regex(&["shell", "prompt"], &shell.prompt)?,
                    login_timeout: self.duration(&["shell", "login_timeout"], &shell.login_timeout, &file.vars)?,
                    exit_command: shell.exit_command.clone(),
                };
                let timeout = self.duration(&["shell", "command_timeout"], &shell.command_timeout, &file.vars)?;
                (session, timeout)
            }
            (None, Some(exec)) => (
                Session::Exec,
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
            let index = i.to_string();
            let step = self.step(&index, spec, &file, &known, &times, timestamp.is_some())?;
            known.extend(step.exit_status.iter().cloned());
            known.extend(step.sets.iter().map(|(name, _)| name.clone()));
            if let StepKind::Fleet(values) = &step.kind {
                known.extend(values.iter().map(|v| v.target.clone()));
            }
            for capture in &step.captures {
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

    fn step(
        &self,
        i: &str,
        spec: &StepSpec,
        file: &PlaybookFile,
        known: &BTreeSet<String>,
        times: &BTreeSet<String>,
        has_timestamp: bool,
    ) -> Result<Step, PlaybookError> {
        let at = |field: &'static str| -> [&str; 3] { ["steps", i, field] };
        let when = spec
            .when
            .as_ref()
            .map(|source| self.condition(&at("when"), source, known))
            .transpose()?;
        let time_var = |field: &'static str, name: &str| -> Result<(), PlaybookError> {
            if !has_timestamp {
                return Err(self.err(&at(field), "needs a `timestamp:` section in the playbook"));
            }
            if times.contains(name) {
                Ok(())
            } else {
                Err(self.err(
                    &at(field),
                    format!("`{name}` is not a time captured (as: time) by an earlier step"),
                ))
            }
        };
        if let Some(fleet) = &spec.fleet {
            let alone = spec.run.is_none()
                && spec.follow.is_none()
                && spec.when.is_none()
                && !spec.changes
                && spec.expect.is_none()
                && spec.capture.is_empty()
                && spec.findings.is_empty()
                && spec.exit_status.is_none()
                && spec.set.is_empty()
                && spec.repeat_until.is_none()
                && spec.every.is_none();
            if !alone {
                return Err(self.err(
                    &at("fleet"),
                    "a `fleet:` step takes only a name and its values",
                ));
            }
            let mut values = Vec::new();
            for (target, agg) in fleet {
                if !known.contains(&agg.max_of) {
                    return Err(self.err(
                        &["steps", i, "fleet", target.as_str(), "max_of"],
                        format!(
                            "`{}` is not a variable or a capture of an earlier step",
                            agg.max_of
                        ),
                    ));
                }
                if known.contains(target) {
                    return Err(self.err(
                        &["steps", i, "fleet", target.as_str()],
                        format!("`{target}` is already a variable"),
                    ));
                }
                values.push(FleetMax {
                    target: target.clone(),
                    source: agg.max_of.clone(),
                });
            }
            return Ok(Step {
                name: spec.name.clone(),
                when: None,
                kind: StepKind::Fleet(values),
                changes: false,
                action: spec.name.clone(),
                expect: None,
                captures: Vec::new(),
                findings: Vec::new(),
                on_failure: None,
                exit_status: None,
                sets: Vec::new(),
                repeat: None,
            });
        }
        let kind = match (&spec.run, &spec.follow) {
            (Some(cmd), None) => {
                self.only_follow_fields(i, spec, spec.repeat_until.is_some())?;
                StepKind::Run(cmd.clone())
            }
            (None, Some(cmd)) => {
                let until = match &spec.until {
                    Some(p) => self.regex(&at("until"), p)?,
                    None => return Err(self.err(&at("follow"), "a follow step needs `until:`")),
                };
                if let Some(since) = &spec.since {
                    time_var("since", since)?;
                }
                let timeout = match &spec.timeout {
                    Some(t) => self.duration(&at("timeout"), t, &file.vars)?,
                    None => return Err(self.err(&at("follow"), "a follow step needs `timeout:`")),
                };
                for field in ["repeat_until", "every"] {
                    if field_set(spec, field) {
                        return Err(self.err(
                            &["steps", i, field],
                            "a `follow:` step watches its command; only a `run:` step repeats",
                        ));
                    }
                }
                StepKind::Follow(Follow {
                    command: cmd.clone(),
                    until,
                    fail_on: spec
                        .fail_on
                        .as_ref()
                        .map(|p| self.regex(&at("fail_on"), p))
                        .transpose()?,
                    since: spec.since.clone(),
                    after: spec
                        .after
                        .as_ref()
                        .map(|p| self.regex(&at("after"), p))
                        .transpose()?,
                    timeout,
                })
            }
            (None, None) if !spec.set.is_empty() || !spec.findings.is_empty() => {
                self.only_follow_fields(i, spec, false)?;
                for field in [
                    "capture",
                    "expect",
                    "changes",
                    "exit_status",
                    "repeat_until",
                    "every",
                ] {
                    if field_set(spec, field) {
                        return Err(self.err(
                            &["steps", i, field],
                            "a step without `run:` or `follow:` has no output; it takes only `set:` and condition findings",
                        ));
                    }
                }
                StepKind::Check
            }
            (Some(_), Some(_)) => {
                return Err(self.err(
                    &["steps", i],
                    "a step takes one of `run:` or `follow:`, not both",
                ));
            }
            (None, None) => {
                return Err(self.err(
                    &["steps", i],
                    "a step needs `run:`, `follow:`, `fleet:`, or `set:`/findings to evaluate",
                ));
            }
        };
        let mut captures = Vec::new();
        for (name, capture) in &spec.capture {
            let path = ["steps", i, "capture", name.as_str()];
            let (pattern, json, required, kind, pick) = match capture {
                CaptureSpec::Pattern(p) => (Some(p), None, true, CaptureKind::Text, Pick::Last),
                CaptureSpec::Full(f) => (
                    f.pattern.as_ref(),
                    f.json.as_ref(),
                    f.required,
                    f.kind,
                    f.pick,
                ),
            };
            if file.vars.contains_key(name) {
                return Err(self.err(
                    &path,
                    format!("`{name}` is a playbook variable; a capture may not overwrite it"),
                ));
            }
            if kind == CaptureKind::Time && !has_timestamp {
                return Err(self.err(
                    &path,
                    "a time capture needs a `timestamp:` section in the playbook",
                ));
            }
            let source = match (pattern, json) {
                (Some(p), None) => CaptureSource::Regex(self.regex(&path, p)?),
                (None, Some(pointer)) if pointer.is_empty() || pointer.starts_with('/') => {
                    if kind == CaptureKind::Time || pick != Pick::Last {
                        return Err(
                            self.err(&path, "a json capture takes neither `as: time` nor `pick:`")
                        );
                    }
                    CaptureSource::Json(pointer.clone())
                }
                (None, Some(pointer)) => {
                    return Err(self.err(
                        &path,
                        format!("`{pointer}` is not a JSON pointer (like /engines/tetra/version)"),
                    ));
                }
                _ => {
                    return Err(self.err(
                        &path,
                        "a capture needs exactly one of `pattern:` or `json:`",
                    ));
                }
            };
            captures.push(Capture {
                name: name.clone(),
                source,
                required,
                kind,
                pick,
            });
        }
        // What conditions evaluated after the command may name.
        let mut after_output = known.clone();
        after_output.extend(captures.iter().map(|c| c.name.clone()));
        after_output.extend(spec.exit_status.iter().cloned());
        let mut findings = Vec::new();
        for (j, f) in spec.findings.iter().enumerate() {
            let j = j.to_string();
            if let Some(var) = &f.newer_than
                && (!has_timestamp || !times.contains(var))
            {
                {
                    return Err(self.err(
                        &["steps", i, "findings", &j, "newer_than"],
                        format!("`{var}` is not a time captured (as: time) by an earlier step"),
                    ));
                }
            }
            let at_finding = |field: &'static str| ["steps", i, "findings", j.as_str(), field];
            let trigger = match (&f.pattern, &f.when) {
                (Some(_), Some(_)) | (None, None) => {
                    return Err(self.err(
                        &["steps", i, "findings", &j],
                        "a finding needs exactly one of `pattern:` (a line of output) or `when:` (a condition)",
                    ));
                }
                (Some(_), None) if matches!(kind, StepKind::Check) => {
                    return Err(self.err(
                        &at_finding("pattern"),
                        "this step runs no command, so there is no output to match; use `when:`",
                    ));
                }
                (Some(p), None) => FindingTrigger::Pattern(self.regex(&at_finding("pattern"), p)?),
                (None, Some(w)) => {
                    if f.newer_than.is_some() {
                        return Err(self.err(
                            &at_finding("newer_than"),
                            "only a `pattern:` finding reads stamped lines",
                        ));
                    }
                    FindingTrigger::Condition(self.condition(
                        &at_finding("when"),
                        w,
                        &after_output,
                    )?)
                }
            };
            if let Some(message) = &f.message {
                self.template(&at_finding("message"), message, &after_output)?;
            }
            findings.push(Finding {
                id: f.id.clone(),
                severity: f.severity,
                trigger,
                message: f.message.clone(),
                newer_than: f.newer_than.clone(),
            });
        }
        let mut sets = Vec::new();
        for (name, source) in &spec.set {
            let path = ["steps", i, "set", name.as_str()];
            if file.vars.contains_key(name) {
                return Err(self.err(
                    &path,
                    format!("`{name}` is a playbook variable; `set:` may not overwrite it"),
                ));
            }
            sets.push((name.clone(), self.condition(&path, source, &after_output)?));
        }
        let repeat = match (&spec.repeat_until, &spec.every, &spec.timeout) {
            (None, None, _) => None,
            (Some(until), Some(every), Some(timeout)) => Some(Repeat {
                until: self.condition(&at("repeat_until"), until, &after_output)?,
                every: self.duration(&at("every"), every, &file.vars)?,
                timeout: self.duration(&at("timeout"), timeout, &file.vars)?,
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
        let command = match &kind {
            StepKind::Run(c) => c.clone(),
            StepKind::Follow(f) => f.command.clone(),
            StepKind::Fleet(_) | StepKind::Check => String::new(),
        };
        let field = if spec.run.is_some() { "run" } else { "follow" };
        self.template(&at(field), &command, known)?;
        let exec = file.exec.is_some();
        if exec && spec.follow.is_some() {
            return Err(self.err(
                &at("follow"),
                "`follow:` needs an interactive `shell:` session",
            ));
        }
        if let Some(var) = &spec.exit_status
            && !exec
        {
            return Err(self.err(
                &at("exit_status"),
                format!("`{var}`: exit statuses exist only in `exec:` sessions"),
            ));
        }
        Ok(Step {
            name: spec.name.clone(),
            when,
            changes: spec.changes,
            action: spec.action.clone().unwrap_or(command),
            expect: spec
                .expect
                .as_ref()
                .map(|p| self.regex(&at("expect"), p))
                .transpose()?,
            captures,
            findings,
            kind,
            on_failure: spec.on_failure.clone(),
            exit_status: spec.exit_status.clone(),
            sets,
            repeat,
        })
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

    /// `until`, `fail_on`, `since`, `after` belong to follow steps, and
    /// `timeout` to follow steps and repeating run steps.
    fn only_follow_fields(
        &self,
        i: &str,
        spec: &StepSpec,
        timeout_allowed: bool,
    ) -> Result<(), PlaybookError> {
        for field in ["until", "fail_on", "since", "after", "timeout"] {
            if field_set(spec, field) && !(field == "timeout" && timeout_allowed) {
                let message = if field == "timeout" {
                    "only a `follow:` step, or a `run:` step with `repeat_until:`, takes a timeout"
                } else {
                    "only a `follow:` step takes this field"
                };
                return Err(self.err(&["steps", i, field], message));
            }
        }
        Ok(())
    }
}

/// Whether the step sets this (optional) field.
fn field_set(spec: &StepSpec, field: &str) -> bool {
    match field {
        "until" => spec.until.is_some(),
        "fail_on" => spec.fail_on.is_some(),
        "since" => spec.since.is_some(),
        "after" => spec.after.is_some(),
        "timeout" => spec.timeout.is_some(),
        "capture" => !spec.capture.is_empty(),
        "expect" => spec.expect.is_some(),
        "changes" => spec.changes,
        "exit_status" => spec.exit_status.is_some(),
        "repeat_until" => spec.repeat_until.is_some(),
        "every" => spec.every.is_some(),
        _ => false,
    }
}

/// `["steps","3","findings","0","pattern"]` → `steps[3].findings[0].pattern`.
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    const SHIPPED: &str = include_str!("../../playbooks/esa-ecupdate.yaml");

    fn parse(text: &str) -> Result<Playbook, PlaybookError> {
        Playbook::parse(text, Path::new("pb.yaml"))
    }

    fn invalid(text: &str) -> (Option<usize>, String, String) {
        match parse(text) {
            Err(PlaybookError::Invalid {
                line,
                field,
                message,
                ..
            }) => (line, field, message),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn shipped_playbooks_are_valid() {
        for (name, text) in BUILTIN {
            let pb = parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(pb.changes_anything());
        }
        let pb = parse(SHIPPED).unwrap();
        assert_eq!(pb.name, "esa-ecupdate");
        assert_eq!(pb.vars["update_timeout"].kind, VarType::Duration);
        // Slow appliances need a longer wait for the prompt: settable with -e.
        let Session::Shell { login_timeout, .. } = &pb.session else {
            panic!("esa-ecupdate drives the interactive CLI");
        };
        assert_eq!(
            *login_timeout,
            DurationRef::Var("login_timeout".to_string())
        );
    }

    #[test]
    fn prompt_matches_every_asyncos_form() {
        let Session::Shell { prompt: regex, .. } = parse(SHIPPED).unwrap().session else {
            panic!("esa-ecupdate drives the interactive CLI");
        };
        for prompt in [
            "esa01.example.com> ",
            "(Machine esa01.example.com)> ",
            "(Cluster name)> ",
            "(Machine mail-gw-07.emea.corp.very-long-subdomain.example.co.uk)> ",
            "esa01> ",
        ] {
            assert!(regex.is_match(prompt), "{prompt:?}");
        }
        for not_prompt in [
            "Tue May 20 11:26:55 2025 Info: x> y",
            "Version: 15.0.1-012",
            "esa01.example.com> version",
        ] {
            assert!(!regex.is_match(not_prompt), "{not_prompt:?}");
        }
    }

    #[test]
    fn timestamps_parse_with_padded_days() {
        let pb = parse(SHIPPED).unwrap();
        let ts = pb.timestamp.unwrap();
        let t = ts
            .of_line("Tue May 20 11:26:55 2025 Info: enrollment_client update completed")
            .unwrap();
        assert_eq!(t.to_string(), "2025-05-20 11:26:55");
        let t = ts.of_line("Mon May  5 01:02:03 2025 Info: x").unwrap();
        assert_eq!(t.to_string(), "2025-05-05 01:02:03");
        assert!(ts.of_line("Info: no stamp").is_none());
    }

    #[test]
    fn bad_regex_names_line_and_field() {
        let text = SHIPPED.replace(
            "until: 'enrollment_client update completed'",
            "until: 'enrollment_client (update'",
        );
        let line = text.lines().position(|l| l.contains("(update'")).unwrap() + 1;
        let (l, field, message) = invalid(&text);
        assert_eq!(l, Some(line));
        assert_eq!(field, "steps[5].until");
        assert!(message.contains("invalid regex"), "{message}");
    }

    #[test]
    fn unknown_variable_in_condition_is_rejected() {
        let text = SHIPPED.replace(
            "when: changed\n    follow: tail updater_logs",
            "when: chnaged\n    follow: tail updater_logs",
        );
        let (_, field, message) = invalid(&text);
        assert_eq!(field, "steps[5].when");
        assert!(message.contains("`chnaged`"), "{message}");
    }

    #[test]
    fn capture_used_before_it_is_captured_is_rejected() {
        let text = SHIPPED.replace(
            "when: findings > 0 or (proactive and asyncos_version >= 15.0)",
            "when: later_value == 1",
        );
        let (_, _, message) = invalid(&text);
        assert!(message.contains("later_value"), "{message}");
    }

    #[test]
    fn since_must_name_a_time_capture() {
        let text = SHIPPED.replace(
            "since: appliance_clock\n    after:",
            "since: asyncos_version\n    after:",
        );
        let (_, field, message) = invalid(&text);
        assert_eq!(field, "steps[5].since");
        assert!(message.contains("not a time"), "{message}");
    }

    #[test]
    fn timeout_must_be_a_duration_or_duration_variable() {
        let text = SHIPPED.replace("timeout: update_timeout", "timeout: proactive");
        let (_, _, message) = invalid(&text);
        assert!(message.contains("not a duration"), "{message}");
        let text = SHIPPED.replace("timeout: update_timeout", "timeout: 90s");
        assert!(parse(&text).is_ok());
    }

    #[test]
    fn unknown_field_is_a_syntax_error_with_location() {
        let text = SHIPPED.replace("    changes: true\n", "    changes: true\n    retry: 3\n");
        match parse(&text) {
            Err(PlaybookError::Syntax { line, message, .. }) => {
                assert!(message.contains("unknown field `retry`"), "{message}");
                assert!(line > 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn fleet_steps_cut_the_playbook_into_segments() {
        let pb = parse(SHIPPED).unwrap();
        let segments = pb.segments();
        assert_eq!(segments.len(), 1);
        assert_eq!(segments[0].steps, 0..pb.steps.len());
        let text = SHIPPED.replace(
            "  - name: Force the Enrollment Client update\n",
            "  - name: Newest\n    fleet:\n      newest: {max_of: asyncos_version}\n  - name: Force the Enrollment Client update\n",
        );
        let pb = parse(&text).unwrap();
        let segments = pb.segments();
        assert_eq!(segments.len(), 2);
        assert_eq!(segments[0].steps, 0..4);
        assert_eq!(
            segments[0].then,
            vec![FleetMax {
                target: "newest".into(),
                source: "asyncos_version".into()
            }]
        );
        assert_eq!(segments[1].steps, 5..pb.steps.len());
        // The value is a known name after the barrier, and only a known name can feed it.
        assert!(parse(&text.replace("when: findings > 0 or", "when: newest == 1 or")).is_ok());
        let (_, field, message) =
            invalid(&text.replace("max_of: asyncos_version", "max_of: tetra"));
        assert_eq!(field, "steps[4].fleet.newest.max_of");
        assert!(message.contains("`tetra`"), "{message}");
        let (_, _, message) =
            invalid(&text.replace("    fleet:\n", "    when: changed\n    fleet:\n"));
        assert!(message.contains("only a name"), "{message}");
    }

    #[test]
    fn step_needs_run_or_follow() {
        let text = SHIPPED.replace("    run: version\n", "");
        let (_, field, message) = invalid(&text);
        assert_eq!(field, "steps[0]");
        assert!(message.contains("needs `run:`, `follow:`"), "{message}");
        let both = SHIPPED.replace(
            "    run: version\n",
            "    run: version\n    follow: tail x\n",
        );
        let (_, field, message) = invalid(&both);
        assert_eq!(field, "steps[0]");
        assert!(message.contains("not both"), "{message}");
    }

    const CHECKS: &str = r#"
name: t
vars:
  latest: {type: number}
  poll: {type: duration, default: 5s}
exec: {}
steps:
  - name: read
    run: posture
    exit_status: rc
    capture:
      version: {json: /v}
  - name: decide
    set:
      stale: defined(latest) and version < latest
  - name: report
    findings:
      - id: behind
        severity: warning
        when: stale
        message: "version {{ version }} is behind {{ latest }}"
  - name: confirm
    when: stale
    run: posture
    capture:
      now: {json: /v}
    repeat_until: now > version
    every: poll
    timeout: 1m
    findings:
      - id: failed-read
        severity: critical
        pattern: 'error'
"#;

    #[test]
    fn set_condition_findings_and_repeat_are_accepted() {
        let pb = parse(CHECKS).unwrap();
        assert!(matches!(pb.steps[1].kind, StepKind::Check));
        assert_eq!(pb.steps[1].sets[0].0, "stale");
        assert!(matches!(
            pb.steps[2].findings[0].trigger,
            FindingTrigger::Condition(_)
        ));
        let repeat = pb.steps[3].repeat.as_ref().unwrap();
        assert_eq!(repeat.every, DurationRef::Var("poll".into()));
        assert_eq!(
            repeat.timeout,
            DurationRef::Literal(Duration::from_secs(60))
        );
    }

    #[test]
    fn set_condition_findings_and_repeat_are_validated() {
        let cases = [
            // A finding says how it is raised, once.
            (
                "        when: stale\n",
                "        when: stale\n        pattern: x\n",
                "steps[2].findings[0]",
                "exactly one of `pattern:`",
            ),
            (
                "        when: stale\n",
                "",
                "steps[2].findings[0]",
                "exactly one of `pattern:`",
            ),
            // No output to match without a command.
            (
                "        when: stale\n",
                "        pattern: stale\n",
                "steps[2].findings[0].pattern",
                "no output",
            ),
            (
                "      stale: defined(latest)",
                "      latest: defined(latest)",
                "steps[1].set.latest",
                "playbook variable",
            ),
            (
                "      stale: defined(latest) and version < latest",
                "      stale: version < newest",
                "steps[1].set.stale",
                "unknown variable `newest`",
            ),
            (
                "{{ latest }}\"",
                "{{ lastest }}\"",
                "steps[2].findings[0].message",
                "lastest",
            ),
            (
                "    every: poll\n",
                "",
                "steps[3].repeat_until",
                "needs `every:`",
            ),
            (
                "    repeat_until: now > version\n    every: poll\n    timeout: 1m\n",
                "    every: poll\n",
                "steps[3].every",
                "goes with `repeat_until:`",
            ),
            (
                "    repeat_until: now > version\n",
                "",
                "steps[3].timeout",
                "repeat_until",
            ),
            (
                "    repeat_until: now > version\n    every: poll\n",
                "",
                "steps[3].timeout",
                "with `repeat_until:`",
            ),
            (
                "    repeat_until: now > version",
                "    repeat_until: now > then",
                "steps[3].repeat_until",
                "unknown variable `then`",
            ),
            (
                "    every: poll",
                "    every: latest",
                "steps[3].every",
                "not a duration",
            ),
            (
                "    run: posture\n    exit_status: rc\n",
                "    exit_status: rc\n",
                "steps[0]",
                "needs `run:`",
            ),
            (
                "  - name: decide\n",
                "  - name: decide\n    capture: {x: y}\n",
                "steps[1].capture",
                "no output",
            ),
        ];
        for (from, to, field, needle) in cases {
            assert!(CHECKS.contains(from), "{from}");
            let (line, got_field, message) = invalid(&CHECKS.replacen(from, to, 1));
            assert_eq!(got_field, field, "{from:?} -> {to:?}: {message}");
            assert!(message.contains(needle), "{field}: {message}");
            assert!(line.is_some(), "{field}");
        }
    }

    #[test]
    fn builtin_resolves_by_name_and_unknown_name_lists_builtins() {
        assert_eq!(
            Playbook::resolve("esa-ecupdate").unwrap().name,
            "esa-ecupdate"
        );
        match Playbook::resolve("nope") {
            Err(e @ PlaybookError::NotFound { .. }) => {
                assert!(e.to_string().contains("esa-ecupdate"))
            }
            other => panic!("{other:?}"),
        }
    }
}
