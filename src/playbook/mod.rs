//! Playbooks: load a YAML procedure, check all of it before touching any
//! appliance (a typo must not surface on the 300th host), and hand the
//! executor a form where every regex is compiled and every name resolved.

mod capture;
mod clock;
pub(crate) mod exec;
pub(crate) mod model;
pub(crate) mod remote;
mod step_error;
mod validate;
pub(crate) mod vars;
pub(crate) mod when;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;

use model::PlaybookFile;
pub(crate) use model::{CaptureKind, ExecShell, Pick, PromptHost, Severity, VarSpec, VarType};
use when::Condition;
pub(crate) use when::Value;

use crate::support::yaml_lines::YamlLines;

/// Playbooks shipped inside the binary, usable by name.
pub(crate) const BUILTIN: &[(&str, &str)] = &[
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
pub(crate) enum PlaybookError {
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
pub(crate) enum DurationRef {
    Literal(Duration),
    Var(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Timestamp {
    pub regex: Regex,
    pub format: String,
}

impl Timestamp {
    /// The appliance-local time at the start of `line`, if it carries one.
    pub(crate) fn of_line(&self, line: &str) -> Option<chrono::NaiveDateTime> {
        let caps = self.regex.captures(line)?;
        parse_time(caps.name("ts")?.as_str(), &self.format)
    }
}

/// Parse an appliance time, tolerating the doubled space of day numbers
/// below 10 (`May  5`) that ctime-style stamps use.
pub(crate) fn parse_time(text: &str, format: &str) -> Option<chrono::NaiveDateTime> {
    let squeezed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    chrono::NaiveDateTime::parse_from_str(&squeezed, format).ok()
}

/// Where a capture takes its value from.
#[derive(Debug, Clone)]
pub(crate) enum CaptureSource {
    Regex(Regex),
    /// A JSON pointer into the first JSON value of the output.
    Json(String),
}

#[derive(Debug, Clone)]
pub(crate) struct Capture {
    pub name: String,
    pub source: CaptureSource,
    pub required: bool,
    pub kind: CaptureKind,
    pub pick: Pick,
}

/// How commands reach the appliance.
#[derive(Debug, Clone)]
pub(crate) enum Session {
    /// An interactive PTY shell read up to its prompt (AsyncOS CLI).
    Shell {
        /// Shared, never cloned per host: a cloned `Regex` gets a cache
        /// pool of its own, which a fleet of sessions would pay for per
        /// host (kilobytes each) instead of per worker thread.
        prompt: Arc<Regex>,
        login_timeout: DurationRef,
        exit_command: Option<String>,
        prompt_host: PromptHost,
        pager: Option<Arc<Pager>>,
        /// Rows of the PTY asked for.
        pty_rows: u32,
    },
    /// One SSH exec request per command (OpenSSH for Windows), its
    /// commands written for this shell.
    Exec { shell: ExecShell },
}

/// Rows of the PTY asked for unless the playbook says otherwise: so many
/// that an appliance which pages to the terminal's height never pages
/// (AsyncOS `status` on a fully licensed box is longer than 50 lines).
/// A terminal's size is 16-bit on most systems.
pub(crate) const DEFAULT_PTY_ROWS: u32 = 10_000;

/// A CLI's pager prompt and the key that answers it.
#[derive(Debug, Clone)]
pub(crate) struct Pager {
    /// Matched against the last, unterminated line of output.
    pub pattern: Regex,
    pub answer: String,
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
pub(crate) fn render_command(
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
pub(crate) enum FindingTrigger {
    /// A line of the step's output.
    Pattern(Regex),
    /// A condition over the host's variables, after the step's captures.
    Condition(Condition),
}

#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub id: String,
    pub severity: Severity,
    pub trigger: FindingTrigger,
    /// May hold `{{ name }}` placeholders, filled when the finding is raised.
    pub message: Option<String>,
    pub newer_than: Option<String>,
}

/// Run a step's command again until a condition holds.
#[derive(Debug, Clone)]
pub(crate) struct Repeat {
    pub until: Condition,
    pub every: DurationRef,
    pub timeout: DurationRef,
    pub on_timeout: model::OnTimeout,
}

/// What `run:` and `follow:` steps share: a command, what its output must
/// show, and the values taken from it.
#[derive(Debug, Clone)]
pub(crate) struct Command {
    /// May hold `{{ name }}` placeholders.
    pub text: String,
    /// How the report names what was done (the command by default).
    pub action: String,
    /// Skipped under `--check`; its success makes the host `changed`.
    pub changes: bool,
    pub expect: Option<Regex>,
    pub captures: Vec<Capture>,
}

/// Run a command to its end and read its output.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub command: Command,
    /// Exec sessions: the variable that gets the exit status (a non-zero
    /// status is then not a failure).
    pub exit_status: Option<String>,
    pub repeat: Option<Repeat>,
}

/// Start a command that never ends by itself and watch its lines until
/// `until` or `fail_on` matches. `expect:` and captures apply to the
/// confirming line.
#[derive(Debug, Clone)]
pub(crate) struct Follow {
    pub command: Command,
    pub until: Regex,
    pub fail_on: Option<Regex>,
    /// A time capture: only lines stamped at or after it count.
    pub since: Option<String>,
    /// `until` only counts once a fresh line matching this was seen.
    pub after: Option<Regex>,
    pub timeout: DurationRef,
}

/// `target` gets the highest `source` value across the fleet, unless the
/// run gives `overridden_by` (then the fleet value is not needed, and a run
/// over part of the inventory may go on).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FleetMax {
    pub target: String,
    pub source: String,
    pub overridden_by: Option<String>,
}

/// The one kind of value a fleet value compares: numbers where any host has
/// one, else versions. A value of another kind never enters it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum FleetKind {
    Number,
    Version,
}

impl FleetMax {
    /// The kind of `value`, if it is one a fleet value compares.
    pub(crate) fn kind_of(value: &Value) -> Option<FleetKind> {
        match value {
            Value::Number(n) if n.is_finite() => Some(FleetKind::Number),
            Value::Text(t) if when::is_version(t) => Some(FleetKind::Version),
            _ => None,
        }
    }

    /// The kind the fleet compares: numbers where any value is one.
    pub(crate) fn fleet_kind<'a>(values: impl IntoIterator<Item = &'a Value>) -> Option<FleetKind> {
        values.into_iter().filter_map(Self::kind_of).min()
    }

    /// The highest of `values` of the fleet's one kind ([`Self::fleet_kind`]);
    /// values of another kind are left out, and of equal values the first
    /// stays.
    pub(crate) fn highest<'a>(
        values: impl IntoIterator<Item = &'a Value> + Clone,
    ) -> Option<Value> {
        let kind = Self::fleet_kind(values.clone())?;
        values
            .into_iter()
            .filter(|v| Self::kind_of(v) == Some(kind))
            .fold(None, |best: Option<&Value>, v| match best {
                Some(b) if !higher(v, b) => Some(b),
                _ => Some(v),
            })
            .cloned()
    }
}

/// Whether `a` is strictly above `b`.
fn higher(a: &Value, b: &Value) -> bool {
    let order = match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.partial_cmp(y),
        (Value::Text(x), Value::Text(y)) => when::compare_versions(x, y),
        _ => None,
    };
    order == Some(std::cmp::Ordering::Greater)
}

/// What a step does; each kind holds only the fields it takes, so the
/// executor cannot meet, say, a `follow:` step that repeats.
#[derive(Debug, Clone)]
pub(crate) enum StepKind {
    Run(Run),
    Follow(Follow),
    /// A barrier: every host gets here before any goes on. Such a step has
    /// no condition, findings or `set:`.
    Fleet(Vec<FleetMax>),
    /// No command: only `set:` and condition findings.
    Check,
}

/// A validated step. `when`, findings and `set:` are shared by every kind
/// that runs on a host; a `fleet:` step has none of them.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    pub name: String,
    pub when: Option<Condition>,
    pub kind: StepKind,
    /// Evaluated after the command's output is taken.
    pub findings: Vec<Finding>,
    /// Evaluated in order after the findings.
    pub sets: Vec<(String, Condition)>,
    /// What a failed step means to an operator.
    pub on_failure: Option<String>,
}

impl Step {
    /// How the report names the change this step makes, if it makes one.
    pub(crate) fn change(&self) -> Option<&str> {
        let command = match &self.kind {
            StepKind::Run(run) => &run.command,
            StepKind::Follow(follow) => &follow.command,
            StepKind::Fleet(_) | StepKind::Check => return None,
        };
        command.changes.then_some(command.action.as_str())
    }
}

/// Steps a host runs in one connection, and the fleet-wide values to
/// compute once every host has run them.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    pub steps: std::ops::Range<usize>,
    pub then: Vec<FleetMax>,
}

/// A validated playbook.
#[derive(Debug, Clone)]
pub(crate) struct Playbook {
    pub name: String,
    pub source: PathBuf,
    pub vars: BTreeMap<String, VarSpec>,
    pub session: Session,
    pub command_timeout: DurationRef,
    pub timestamp: Option<Timestamp>,
    pub facts: Vec<String>,
    pub steps: Vec<Step>,
}

/// The built-in playbook `name` names (`.yaml`/`.yml` allowed).
fn builtin(name: &str) -> Option<&'static (&'static str, &'static str)> {
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
    BUILTIN.iter().find(|(builtin, _)| *builtin == stem)
}

impl Playbook {
    /// Whether `name_or_path` is read from a file (it exists, or names no
    /// built-in playbook): only then is it an input an output must not
    /// touch; a built-in's name is no path.
    pub(crate) fn names_a_file(name_or_path: &str) -> bool {
        Path::new(name_or_path).exists() || builtin(name_or_path).is_none()
    }

    /// Load a playbook by path, or by the name of a built-in one.
    pub(crate) fn resolve(name_or_path: &str) -> Result<Playbook, PlaybookError> {
        let path = Path::new(name_or_path);
        if path.exists() {
            let text = crate::support::bounds::read_yaml_input(path).map_err(|source| {
                PlaybookError::Read {
                    path: path.to_path_buf(),
                    source,
                }
            })?;
            return Playbook::parse(&text, path);
        }
        match builtin(name_or_path) {
            Some((name, text)) => {
                Playbook::parse(text, &PathBuf::from(format!("<built-in>/{name}.yaml")))
            }
            None => Err(PlaybookError::NotFound {
                name: name_or_path.to_string(),
                builtins: BUILTIN.iter().map(|(n, _)| (*n).to_string()).collect(),
            }),
        }
    }

    pub(crate) fn parse(text: &str, path: &Path) -> Result<Playbook, PlaybookError> {
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
        let validator = validate::Validator {
            path,
            lines: YamlLines::parse(text),
            warnings: Default::default(),
        };
        let playbook = validator.validate(file)?;
        // Valid, but likely not what was meant: said on every command that
        // reads the playbook (`playbook validate`, `run`, `playbook test`).
        for warning in validator.warnings.take() {
            tracing::warn!("{warning}");
        }
        Ok(playbook)
    }

    /// The playbook cut at its `fleet:` steps; one segment when it has none.
    pub(crate) fn segments(&self) -> Vec<Segment> {
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

    /// The time capture that the playbook's follow steps judge freshness
    /// by (`since:`): the appliance's clock as this playbook reads it.
    pub(crate) fn clock_fact(&self) -> Option<&str> {
        self.steps.iter().find_map(|step| match &step.kind {
            StepKind::Follow(follow) => follow.since.as_deref(),
            _ => None,
        })
    }

    /// Whether the playbook has a step that changes appliances.
    #[cfg(test)]
    pub(crate) fn changes_anything(&self) -> bool {
        self.steps.iter().any(|s| s.change().is_some())
    }
}

#[cfg(test)]
mod tests;
