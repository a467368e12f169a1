//! The playbook file as written (YAML). Everything an appliance procedure
//! needs to say (commands, prompts, patterns, conditions) lives in these
//! files, not in the engine.

use std::collections::BTreeMap;

use serde::Deserialize;

pub(crate) use crate::report::finding::Severity;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlaybookFile {
    pub name: String,
    /// For the reader of the file; nothing reads it.
    #[allow(dead_code)]
    #[serde(default)]
    pub description: String,
    /// Variables a user may set with `-e` or in the inventory.
    #[serde(default)]
    pub vars: BTreeMap<String, VarSpec>,
    /// An interactive CLI with a prompt (AsyncOS). Exactly one of `shell`
    /// and `exec`.
    #[serde(default)]
    pub shell: Option<ShellSpec>,
    /// One SSH exec request per command, no prompt (OpenSSH for Windows
    /// running PowerShell).
    #[serde(default)]
    pub exec: Option<ExecSpec>,
    /// How log lines carry their time, for `as: time` captures, `since:` and
    /// `newer_than:`.
    #[serde(default)]
    pub timestamp: Option<TimestampSpec>,
    /// Variables reported as facts of each host.
    #[serde(default)]
    pub facts: Vec<String>,
    pub steps: Vec<StepSpec>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum VarType {
    Bool,
    Duration,
    String,
    Version,
    Number,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VarSpec {
    #[serde(rename = "type")]
    pub kind: VarType,
    #[serde(default)]
    pub default: Option<serde_yaml::Value>,
    /// For a `string`: a regex every value must match whole (from the
    /// inventory, `-e` or the default). Required for a string rendered into
    /// a command: free text could carry the remote shell's syntax.
    #[serde(default)]
    pub pattern: Option<String>,
    /// For the reader of the file; nothing reads it.
    #[allow(dead_code)]
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ShellSpec {
    /// Matched against the last, unterminated line of output.
    pub prompt: String,
    /// Per-command timeout: a literal duration or a duration variable.
    #[serde(default = "default_command_timeout")]
    pub command_timeout: String,
    #[serde(default = "default_login_timeout")]
    pub login_timeout: String,
    /// Sent before closing the channel.
    #[serde(default)]
    pub exit_command: Option<String>,
    /// What to do when the prompt's `host` group names another machine
    /// than the inventory name and its `ansible_host`.
    #[serde(default)]
    pub prompt_host: PromptHost,
    /// The CLI's pager (`-Press Any Key For More-`): answered whenever it
    /// shows, and taken out of the output that steps judge.
    #[serde(default)]
    pub pager: Option<PagerSpec>,
    /// Rows of the terminal asked for. By default so many that nothing
    /// pages; a small value (24) makes the pager show, for tests.
    #[serde(default)]
    pub pty_rows: Option<u32>,
}

/// A prompt naming another appliance (mis-wired DNS or NAT: the run would
/// change the wrong box): a warning in the host's result, or its failure.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PromptHost {
    #[default]
    Warn,
    Error,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PagerSpec {
    /// Matched against the last, unterminated line of output.
    pub pattern: String,
    /// Sent as is (no newline) when the pattern shows.
    pub answer: String,
}

fn default_command_timeout() -> String {
    "60s".to_string()
}

fn default_login_timeout() -> String {
    "30s".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExecSpec {
    /// Per-command timeout: a literal duration or a duration variable.
    #[serde(default = "default_command_timeout")]
    pub command_timeout: String,
    /// The shell the commands are written for.
    #[serde(default)]
    pub shell: ExecShell,
}

/// Which shell an exec playbook's commands are written in. OpenSSH for
/// Windows hands an exec request to its default shell, cmd.exe unless an
/// administrator chose another (docs/DEVICES.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ExecShell {
    /// Sent as `powershell.exe ... -EncodedCommand`, which runs the same
    /// under either default shell.
    #[default]
    Powershell,
    /// Sent as written, for commands that mean the same to cmd.exe and
    /// PowerShell (`ipconfig /all`).
    Cmd,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TimestampSpec {
    /// Regex with a group named `ts` that finds the time at the start of a line.
    pub pattern: String,
    /// chrono format of that group, e.g. `%a %b %e %H:%M:%S %Y`.
    pub format: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StepSpec {
    pub name: String,
    #[serde(default)]
    pub when: Option<String>,
    /// Run a command and read its output up to the prompt.
    #[serde(default)]
    pub run: Option<String>,
    /// Start a command that never ends by itself and watch its lines.
    #[serde(default)]
    pub follow: Option<String>,
    /// The step changes the appliance: skipped under `--check`, and its
    /// success makes the host `changed`.
    #[serde(default)]
    pub changes: bool,
    /// How the report names what was done (default: the command).
    #[serde(default)]
    pub action: Option<String>,
    /// The output must match this, or the step fails.
    #[serde(default)]
    pub expect: Option<String>,
    #[serde(default)]
    pub capture: BTreeMap<String, CaptureSpec>,
    #[serde(default)]
    pub findings: Vec<FindingSpec>,
    // Follow options.
    #[serde(default)]
    pub until: Option<String>,
    #[serde(default)]
    pub fail_on: Option<String>,
    /// Only lines stamped at or after this time variable count.
    #[serde(default)]
    pub since: Option<String>,
    /// `until` only counts once a fresh line matching this was seen.
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub timeout: Option<String>,
    /// What a failed step means to an operator.
    #[serde(default)]
    pub on_failure: Option<String>,
    /// Wait for every host to reach this step, then give each the
    /// fleet-wide values named here (e.g. the newest version seen).
    #[serde(default)]
    pub fleet: Option<BTreeMap<String, FleetSpec>>,
    /// Exec sessions: store the command's exit status in this variable
    /// (a non-zero status is then not a step failure).
    #[serde(default)]
    pub exit_status: Option<String>,
    /// Boolean variables computed from conditions once the step's captures
    /// and findings are in (`stale: tetra_version < newest_tetra`). A step
    /// may consist of `set:` and condition findings alone, with no command.
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// Run the command again, every `every`, until this condition holds
    /// (over the step's fresh captures), or fail after `timeout`: confirms a
    /// change that lands some time after the command that asked for it.
    #[serde(default)]
    pub repeat_until: Option<String>,
    #[serde(default)]
    pub every: Option<String>,
    /// What a `repeat_until:` still false at `timeout:` means (default
    /// `fail`).
    #[serde(default)]
    pub on_timeout: Option<OnTimeout>,
}

/// What a repeated command whose condition never held means.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OnTimeout {
    /// The step fails, and the host with it.
    #[default]
    Fail,
    /// The change before this step did not take: the host is no longer
    /// `changed` (the action stays listed, it was run), the step's
    /// findings and `set:` are evaluated over its last captures, and the
    /// steps after it run, e.g. to diagnose why.
    Unconfirmed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum CaptureSpec {
    Pattern(String),
    Full(CaptureFull),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CaptureFull {
    /// A regex; the value is its group named like the capture, or `value`,
    /// or its first group.
    #[serde(default)]
    pub pattern: Option<String>,
    /// Or a JSON pointer (`/engines/tetra/version`) into the first JSON
    /// value in the output.
    #[serde(default)]
    pub json: Option<String>,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default, rename = "as")]
    pub kind: CaptureKind,
    /// Which match to keep when the pattern matches several times.
    #[serde(default)]
    pub pick: Pick,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Pick {
    /// The last match: logs are chronological, so the newest.
    #[default]
    Last,
    First,
    /// The highest version (`10.1.2` over `9.0.0`, which sorts after it as text).
    MaxVersion,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CaptureKind {
    #[default]
    Text,
    /// A time: the pattern's group parsed with the playbook's timestamp
    /// format, or, for a pattern without group, the stamp of the last
    /// matching line.
    Time,
    /// A finite number: anything else (a JSON string such as "10", `true`,
    /// a list, NaN) fails the host's step naming the value, so that it never
    /// reaches a comparison or a fleet value.
    Number,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FindingSpec {
    pub id: String,
    pub severity: Severity,
    /// Raised by a line of the step's output matching this regex...
    #[serde(default)]
    pub pattern: Option<String>,
    /// ...or by this condition holding once the step's captures are in
    /// (exactly one of the two).
    #[serde(default)]
    pub when: Option<String>,
    /// May name variables as `{{ name }}`.
    #[serde(default)]
    pub message: Option<String>,
    /// A time variable: lines stamped before it are history, not findings
    /// (a failure that a later success already cleared).
    #[serde(default)]
    pub newer_than: Option<String>,
}

/// A value computed across every host that reached a `fleet:` step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FleetSpec {
    /// The highest value (versions and numbers compare as such) of this
    /// variable among the hosts that have it.
    pub max_of: String,
    /// A playbook variable that, given, stands in for this fleet value (the
    /// playbook's conditions then use it instead): a run over part of the
    /// inventory (--limit, --shard, --retry-failed) needs it, since a
    /// highest value over part of the fleet is not the fleet's.
    #[serde(default)]
    pub overridden_by: Option<String>,
}
