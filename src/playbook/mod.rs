//! Playbooks: load a YAML procedure, check all of it before touching any
//! appliance (a typo must not surface on the 300th host), and hand the
//! executor a form where every regex is compiled and every name resolved.

mod clock;
pub(crate) mod exec;
pub(crate) mod model;
pub(crate) mod remote;
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

/// `target` gets the highest `source` value across the fleet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FleetMax {
    pub target: String,
    pub source: String,
}

impl FleetMax {
    /// The highest of `values`: versions and numbers compare as such; a
    /// value that does not compare with the best so far does not replace
    /// it, and of equal values the first stays.
    pub(crate) fn highest<'a>(values: impl IntoIterator<Item = &'a Value>) -> Option<Value> {
        values
            .into_iter()
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

impl Playbook {
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
    fn the_pager_and_the_terminal_height_are_checked() {
        let Session::Shell {
            pager, pty_rows, ..
        } = parse(SHIPPED).unwrap().session
        else {
            panic!("esa-ecupdate drives the interactive CLI");
        };
        let pager = pager.unwrap();
        assert!(pager.pattern.is_match("-Press Any Key For More-"));
        assert_eq!(pager.answer, " ");
        assert_eq!(pty_rows, DEFAULT_PTY_ROWS);
        let with_rows = |rows: &str| {
            SHIPPED.replace(
                "  exit_command: exit\n",
                &format!("  exit_command: exit\n  pty_rows: {rows}\n"),
            )
        };
        let Session::Shell { pty_rows, .. } = parse(&with_rows("24")).unwrap().session else {
            panic!()
        };
        assert_eq!(pty_rows, 24);
        let (_, field, message) = invalid(&with_rows("1"));
        assert_eq!(field, "shell.pty_rows");
        assert!(message.contains("2 to 65535"), "{message}");
        let (_, field, _) = invalid(&SHIPPED.replace("answer: ' '", "answer: ''"));
        assert_eq!(field, "shell.pager.answer");
        let (_, field, message) =
            invalid(&SHIPPED.replace("pattern: '-Press Any Key For More-'", "pattern: '(More'"));
        assert_eq!(field, "shell.pager.pattern");
        assert!(message.contains("invalid regex"), "{message}");
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
        assert_eq!(field, "steps[4].until");
        assert!(message.contains("invalid regex"), "{message}");
    }

    #[test]
    fn unknown_variable_in_condition_is_rejected() {
        let text = SHIPPED.replace(
            "when: changed\n    follow: tail updater_logs",
            "when: chnaged\n    follow: tail updater_logs",
        );
        let (_, field, message) = invalid(&text);
        assert_eq!(field, "steps[4].when");
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
        assert_eq!(field, "steps[4].since");
        assert!(message.contains("not a time"), "{message}");
    }

    #[test]
    fn newer_than_may_name_a_time_this_step_captures_but_not_a_later_one() {
        // The shipped playbook reads failures and the clearing success in
        // one grep: the finding is judged against that same step's capture.
        let pb = parse(SHIPPED).unwrap();
        let grep = &pb.steps[1];
        assert_eq!(
            grep.findings[0].newer_than.as_deref(),
            Some("last_registration")
        );
        // A time captured by a later step is not known yet.
        let text = SHIPPED.replace(
            "newer_than: last_registration\n      - id: ecs-empty",
            "newer_than: appliance_clock\n      - id: ecs-empty",
        );
        let (_, field, message) = invalid(&text);
        assert_eq!(field, "steps[1].findings[0].newer_than");
        assert!(message.contains("not a time captured"), "{message}");
        // Nor is a text capture of the same step.
        let text = SHIPPED.replace(
            "        as: time\n        required: false",
            "        required: false",
        );
        let (_, field, _) = invalid(&text);
        assert_eq!(field, "steps[1].findings[0].newer_than");
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
    fn fleet_max_compares_versions_and_numbers_as_such() {
        let text = |t: &str| Value::Text(t.to_string());
        let best = FleetMax::highest(&[text("9.0.0"), text("10.1.2"), text("10.1.1")]);
        assert_eq!(best, Some(text("10.1.2")));
        let numbers = [Value::Number(90600.0), Value::Number(90606.0)];
        assert_eq!(FleetMax::highest(&numbers), Some(Value::Number(90606.0)));
        // What does not compare does not win over the first value.
        assert_eq!(
            FleetMax::highest(&[Value::Number(1.0), text("x")]),
            Some(Value::Number(1.0))
        );
        assert_eq!(FleetMax::highest(&[]), None);
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
        assert_eq!(segments[0].steps, 0..3);
        assert_eq!(
            segments[0].then,
            vec![FleetMax {
                target: "newest".into(),
                source: "asyncos_version".into()
            }]
        );
        assert_eq!(segments[1].steps, 4..pb.steps.len());
        // The value is a known name after the barrier, and only a known name can feed it.
        assert!(
            parse(&text.replace(
                "when: findings > 0 or (proactive and asyncos_version >= 15.0)\n    run: ecupdate",
                "when: newest == 1 or findings > 0\n    run: ecupdate"
            ))
            .is_ok()
        );
        let (_, field, message) =
            invalid(&text.replace("max_of: asyncos_version", "max_of: tetra"));
        assert_eq!(field, "steps[3].fleet.newest.max_of");
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
        let StepKind::Run(run) = &pb.steps[3].kind else {
            panic!("`confirm` runs a command")
        };
        let repeat = run.repeat.as_ref().unwrap();
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
    fn exec_playbooks_say_which_shell_their_commands_are_for() {
        let tetra = BUILTIN[1].1;
        assert!(matches!(
            parse(tetra).unwrap().session,
            Session::Exec {
                shell: ExecShell::Powershell
            }
        ));
        let cmd = tetra.replace("  shell: powershell\n", "  shell: cmd\n");
        assert!(matches!(
            parse(&cmd).unwrap().session,
            Session::Exec {
                shell: ExecShell::Cmd
            }
        ));
        // Unsaid, PowerShell: it runs under either default shell.
        let unsaid = tetra.replace("  shell: powershell\n", "");
        assert!(matches!(
            parse(&unsaid).unwrap().session,
            Session::Exec {
                shell: ExecShell::Powershell
            }
        ));
        match parse(&tetra.replace("  shell: powershell\n", "  shell: bash\n")) {
            Err(PlaybookError::Syntax { message, .. }) => {
                assert!(message.contains("unknown variant `bash`"), "{message}")
            }
            other => panic!("{other:?}"),
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
