//! The AsyncOS CLI model (Secure Email Gateway), with the ecs / updater_logs
//! behaviour of the Enrollment Client TAC article: its symptom lines, alert,
//! fix and confirmation are in `docs/DEVICES.md`, section "The ESA
//! procedure"; the CLI's prompts, `grep`, `tail` and `version` output in
//! section "How the devices really behave".
//!
//! `Appliance` is one appliance's state (logs, alerts, counters), shared by
//! all its sessions; `Command` is one parsed CLI line. The interactive
//! session around them (echo, prompt, `tail`, faults) is in `shell.rs`.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::log::{Cursor, LOG_TIME_FORMAT, Log};
use crate::{Expected, StatsCell, lock};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptStyle {
    /// `esa01.example.com> `
    Standalone,
    /// `(Machine esa01.example.com)> `
    Machine,
    /// `(Cluster NAME)> `
    Cluster(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateBehaviour {
    /// `enrollment_client update completed` is logged this long after `ecupdate force`.
    CompletesAfter(Duration),
    /// The update starts but never completes.
    NeverCompletes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Drop the TCP connection this long after a `tail` starts; on a
    /// Windows endpoint, this long after `sfc.exe -forceupdate` is
    /// accepted (while the client waits for the new version).
    DropMidFollow(Duration),
    /// After this many commands, read input but never answer again.
    StopAnswering(usize),
    /// Write output one byte at a time with this delay between bytes.
    Trickle(Duration),
    /// The appliance's clock was stepped back by this much (NTP, a DST
    /// change; `docs/DEVICES.md`: log lines carry the appliance's local
    /// time) after an earlier manual update was logged: that update's
    /// lines, its `enrollment_client update completed` included, end the
    /// `updater_logs` backlog stamped in the appliance's future.
    ClockSteppedBack(Duration),
    /// Before its answer to `version`, the appliance writes this many
    /// bytes without a newline (a runaway process writing to the
    /// terminal).
    FloodWithoutNewline(usize),
    /// Page every this many rows whatever terminal height the client asked
    /// for, as a CLI does when the terminal's size never reached it.
    PagesAt(u32),
    /// A loaded appliance: each command's answer, and the prompt after it,
    /// comes this long after the command was given, while what the command
    /// started goes on (`ecupdate force`'s update runs meanwhile, so a
    /// `tail` that follows can find its first lines already scrolled out of
    /// the backlog).
    SlowCli(Duration),
}

impl Fault {
    /// The `DropMidFollow` delay among `faults`, for any appliance model.
    pub(crate) fn drop_mid_follow(faults: &[Fault]) -> Option<Duration> {
        faults.iter().find_map(|f| match f {
            Fault::DropMidFollow(d) => Some(*d),
            _ => None,
        })
    }

    /// The `SlowCli` delay among `faults`.
    pub(crate) fn slow_cli(faults: &[Fault]) -> Option<Duration> {
        faults.iter().find_map(|f| match f {
            Fault::SlowCli(d) => Some(*d),
            _ => None,
        })
    }

    /// The `StopAnswering` count among `faults`, for any appliance model.
    pub(crate) fn stop_answering_after(faults: &[Fault]) -> Option<usize> {
        faults.iter().find_map(|f| match f {
            Fault::StopAnswering(n) => Some(*n),
            _ => None,
        })
    }

    /// The `ClockSteppedBack` step among `faults`.
    pub(crate) fn clock_stepped_back(faults: &[Fault]) -> Option<Duration> {
        faults.iter().find_map(|f| match f {
            Fault::ClockSteppedBack(d) => Some(*d),
            _ => None,
        })
    }

    /// The `FloodWithoutNewline` size among `faults`.
    pub(crate) fn flood(faults: &[Fault]) -> Option<usize> {
        faults.iter().find_map(|f| match f {
            Fault::FloodWithoutNewline(n) => Some(*n),
            _ => None,
        })
    }

    /// The `PagesAt` height among `faults`.
    pub(crate) fn pages_at(faults: &[Fault]) -> Option<u32> {
        faults.iter().find_map(|f| match f {
            Fault::PagesAt(rows) => Some(*rows),
            _ => None,
        })
    }

    /// The `Trickle` delay among `faults`, for any appliance model.
    pub(crate) fn trickle(faults: &[Fault]) -> Option<Duration> {
        faults.iter().find_map(|f| match f {
            Fault::Trickle(d) => Some(*d),
            _ => None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct AsyncOsProfile {
    pub hostname: String,
    pub version: String,
    pub prompt: PromptStyle,
    pub ecs_failing: bool,
    pub update: UpdateBehaviour,
    pub stale_completion: bool,
    pub clock_offset: chrono::Duration,
    pub faults: Vec<Fault>,
}

/// The AsyncOS scenarios (`sshfleet sim --scenario`, the tests): the
/// names are clap's, in kebab case (`stale-completion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum AsyncOsScenario {
    /// ECS registered; only an old, recovered warning in `ecs`.
    Healthy,
    /// The article's Warning/Critical lines and alert.
    Broken,
    /// Broken, with an earlier `enrollment_client update completed` as the
    /// last lines of `updater_logs`, and a slow update (5 s).
    StaleCompletion,
    /// Broken; the update starts and never completes.
    NeverCompletes,
    /// Broken, prompt `(Cluster esa-cluster)> `.
    Cluster,
    /// Broken; the TCP connection drops 1 s into a `tail`.
    DropMidFollow,
    /// Broken; silent after the first command.
    StopAnswering,
    /// Broken; output written one byte per millisecond.
    Trickle,
}

/// How long `ecupdate` takes on the `healthy` and `broken` scenarios.
pub const DEFAULT_UPDATE_DURATION: Duration = Duration::from_secs(3);

impl AsyncOsScenario {
    /// Every scenario, in the order of the type.
    pub fn all() -> &'static [AsyncOsScenario] {
        <Self as clap::ValueEnum>::value_variants()
    }

    /// The appliance of this scenario.
    pub fn profile(self, hostname: &str) -> AsyncOsProfile {
        let broken = AsyncOsProfile::broken(hostname);
        match self {
            AsyncOsScenario::Healthy => AsyncOsProfile::healthy(hostname),
            AsyncOsScenario::Broken => broken,
            AsyncOsScenario::StaleCompletion => AsyncOsProfile {
                stale_completion: true,
                update: UpdateBehaviour::CompletesAfter(Duration::from_secs(5)),
                ..broken
            },
            AsyncOsScenario::NeverCompletes => AsyncOsProfile {
                update: UpdateBehaviour::NeverCompletes,
                ..broken
            },
            AsyncOsScenario::Cluster => AsyncOsProfile {
                prompt: PromptStyle::Cluster("esa-cluster".to_string()),
                ..broken
            },
            AsyncOsScenario::DropMidFollow => {
                broken.with_fault(Fault::DropMidFollow(Duration::from_secs(1)))
            }
            AsyncOsScenario::StopAnswering => broken.with_fault(Fault::StopAnswering(1)),
            AsyncOsScenario::Trickle => broken.with_fault(Fault::Trickle(Duration::from_millis(1))),
        }
    }

    /// How `esa-ecupdate` must end on this scenario (default variables,
    /// an `update_timeout` longer than the update).
    pub fn expected(self) -> Expected {
        match self {
            AsyncOsScenario::Healthy => Expected::Ok,
            AsyncOsScenario::Broken
            | AsyncOsScenario::StaleCompletion
            | AsyncOsScenario::Cluster
            | AsyncOsScenario::Trickle => Expected::Changed,
            // No completion line; the connection cut during `tail`; silence
            // after the first command: none of them may ever count as fixed.
            AsyncOsScenario::NeverCompletes
            | AsyncOsScenario::DropMidFollow
            | AsyncOsScenario::StopAnswering => Expected::Failed,
        }
    }
}

scenario_names!(AsyncOsScenario);

impl AsyncOsProfile {
    /// An AsyncOS 15.0 appliance whose Enrollment Client is fine.
    pub fn healthy(hostname: &str) -> Self {
        Self {
            hostname: hostname.to_string(),
            version: "15.0.1-012".to_string(),
            prompt: PromptStyle::Standalone,
            ecs_failing: false,
            update: UpdateBehaviour::CompletesAfter(DEFAULT_UPDATE_DURATION),
            stale_completion: false,
            clock_offset: chrono::Duration::zero(),
            faults: Vec::new(),
        }
    }

    /// An appliance showing the article's symptoms, fixed by `ecupdate force`.
    pub fn broken(hostname: &str) -> Self {
        Self {
            ecs_failing: true,
            ..Self::healthy(hostname)
        }
    }

    pub fn with_fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// The CLI prompt, trailing space included.
    pub fn prompt_text(&self) -> String {
        match &self.prompt {
            PromptStyle::Standalone => format!("{}> ", self.hostname),
            PromptStyle::Machine => format!("(Machine {})> ", self.hostname),
            PromptStyle::Cluster(name) => format!("(Cluster {name})> "),
        }
    }

    /// `15.0.1-012` → (`15.0.1`, `012`).
    fn release_and_build(&self) -> (&str, &str) {
        self.version
            .split_once('-')
            .unwrap_or((self.version.as_str(), "000"))
    }

    pub(crate) fn drop_mid_follow(&self) -> Option<Duration> {
        Fault::drop_mid_follow(&self.faults)
    }

    pub(crate) fn stop_answering_after(&self) -> Option<usize> {
        Fault::stop_answering_after(&self.faults)
    }

    pub(crate) fn trickle(&self) -> Option<Duration> {
        Fault::trickle(&self.faults)
    }

    pub(crate) fn pages_at(&self) -> Option<u32> {
        Fault::pages_at(&self.faults)
    }
}

/// The licensed features of a fully licensed appliance, as `status` lists
/// them (one `Feature - NAME:` line each), with their days left (or
/// `Perpetual`).
const FEATURES: [(&str, &str); 16] = [
    ("Bounce Verification", "Perpetual"),
    ("Incoming Mail Handling", "Perpetual"),
    ("Cisco Secure Email Encryption", "1826 days"),
    ("Sophos Anti-Malware", "1826 days"),
    ("McAfee", "1826 days"),
    ("Outbreak Filters", "1826 days"),
    ("Cisco Anti-Spam", "1826 days"),
    ("Intelligent Multi-Scan", "1826 days"),
    ("Graymail Safe-unsubscription", "1826 days"),
    ("Data Loss Prevention", "1826 days"),
    ("File Reputation", "1826 days"),
    ("File Analysis", "1826 days"),
    ("Cloud Administration", "1826 days"),
    ("Email Security Appliance Platform", "Perpetual"),
    ("Image Analyzer", "1826 days"),
    ("External Threat Feeds", "1826 days"),
];

/// The rows of `status` after its features: counters (reset, uptime,
/// lifetime) and gauges.
const COUNTERS_AND_GAUGES: &str = "
Counters:                      Reset                 Uptime              Lifetime
  Receiving
    Messages Received          1,284                  1,284                 93,517
    Recipients Received        1,517                  1,517                110,203
  Rejection
    Rejected Recipients          412                    412                 30,114
    Dropped Messages               9                      9                    655
  Queue
    Soft Bounced Events           21                     21                  1,529
  Completion
    Completed Recipients       1,101                  1,101                 79,845
  Current IDs
    Message ID (MID)                                                        93,517
    Injection Conn. ID (ICID)                                              214,774
    Delivery Conn. ID (DCID)                                                61,032

Gauges:                        Current
  System
    RAM Utilization               17%
    CPU Utilization                2%
    Overall CPU load average    0.04
    Disk I/O Utilization           0%
    Logging Disk Utilization       3%
  Connections
    Current Inbound Conn.          2
    Current Outbound Conn.         1
  Queue
    Active Recipients              0
    Messages In Work Queue         0
    Kilobytes Used                 0
    Kilobytes Free        71,303,168
  Quarantine
    Messages In Quarantine
      Policy, Virus and Outbreak   3
    Kilobytes In Quarantine
      Policy, Virus and Outbreak  27";

pub(crate) const MODEL: &str = "C300V";
pub(crate) const ALERT_TEXT: &str = "Connection to URL Retrospective registration service failed. Certificate verification failed. Contact Cisco TAC for assistance.";
pub(crate) const ECS_WARNING: &str = "Warning: ECS: Cloud query failed. 'Empty polling URI.' 7-xyxxyzxyxxyz (or b'xyxxyzxyxxyzxyxxyzxyxx==' in base64 format) having URLs. Contact Cisco TAC for assistance.";
pub(crate) const ECS_CRITICAL: &str =
    "Critical: ECS: Failed to regenerate token. Status Code: 403. Invalid Certificate.";
pub(crate) const ECS_REGISTERED: &str = "Info: ECS: Device registration successful.";
pub(crate) const UPDATE_COMPLETED: &str = "Info: enrollment_client update completed";
/// How many lines `tail` shows before it starts following.
pub(crate) const TAIL_BACKLOG: usize = 10;

/// The manual Enrollment Client update of the article, as (fraction of the
/// update's duration, message).
fn manual_update_sequence(update_id: u32) -> Vec<(f64, String)> {
    const FILE: &str = "enrollment_client/3.0/enrollment_client/default/109101";
    let steps: [(f64, &str); 20] = [
        (
            0.00,
            "Info: Received remote command to signal a manual update",
        ),
        (0.30, ""),
        (0.30, "Info: Server manifest specified an update for case"),
        (
            0.32,
            "Info: Server manifest specified an update for enrollment_client",
        ),
        (
            0.32,
            "Info: enrollment_client was signalled to start a new update",
        ),
        (
            0.33,
            "Info: enrollment_client processing files from the server manifest",
        ),
        (0.35, "Info: enrollment_client started downloading files"),
        (0.36, "Info: enrollment_client waiting on download lock"),
        (0.37, "Info: enrollment_client acquired download lock"),
        (0.40, ""),
        (0.55, "Info: enrollment_client released download lock"),
        (0.56, ""),
        (0.60, "Info: enrollment_client started applying files"),
        (
            0.62,
            "Info: enrollment_client applying file \"enrollment_client\"",
        ),
        (0.65, "Info: enrollment_client installing new libexec"),
        (0.70, "Info: enrollment_client restarting"),
        (0.95, "Info: enrollment_client verifying applied files"),
        (0.97, "Info: enrollment_client updating the client manifest"),
        (1.00, UPDATE_COMPLETED),
        (1.00, "Info: enrollment_client waiting for new updates"),
    ];
    steps
        .iter()
        .enumerate()
        .map(|(i, (f, msg))| {
            let msg = match i {
                1 => format!("Info: Acquired server manifest, starting update {update_id}"),
                9 => format!(
                    "Info: enrollment_client beginning download of remote file \"http://updates.ironport.com/{FILE}\""
                ),
                11 => format!("Info: enrollment_client successfully downloaded file \"{FILE}\""),
                _ => (*msg).to_string(),
            };
            (*f, msg)
        })
        .collect()
}

/// How many lines of the sequence a `NeverCompletes` update gets through:
/// up to `beginning download of remote file`.
const NEVER_COMPLETES_LINES: usize = 10;
/// Nominal duration over which a `NeverCompletes` update writes those lines.
const NEVER_COMPLETES_SPAN: Duration = Duration::from_secs(1);

/// A routine scheduled update of another component, for the backlog.
fn scheduled_update_sequence(update_id: u32, component: &str) -> Vec<String> {
    vec![
        format!("Info: Acquired server manifest, starting update {update_id}"),
        format!("Info: Server manifest specified an update for {component}"),
        format!("Info: {component} was signalled to start a new update"),
        format!("Info: {component} processing files from the server manifest"),
        format!("Info: {component} started downloading files"),
        format!(
            "Info: {component} successfully downloaded file \"{component}/1.0/{component}/default/{update_id}\""
        ),
        format!("Info: {component} started applying files"),
        format!("Info: {component} verifying applied files"),
        format!("Info: {component} updating the client manifest"),
        format!("Info: {component} update completed"),
        format!("Info: {component} waiting for new updates"),
    ]
}

/// Adds `delta` to a timestamp, saturating instead of overflowing.
fn shift(t: NaiveDateTime, delta: TimeDelta) -> NaiveDateTime {
    t.checked_add_signed(delta).unwrap_or(t)
}

fn to_delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

#[derive(Debug)]
struct EcsFailure {
    /// When the Critical line was logged: the alert's timestamp.
    since: NaiveDateTime,
    /// When a completed update re-registers the device.
    cleared_at: Option<Instant>,
}

#[derive(Debug)]
struct State {
    ecs: Log,
    updater_logs: Log,
    failure: Option<EcsFailure>,
    next_update_id: u32,
}

/// One simulated appliance: logs, alerts and counters shared by all its
/// sessions, living as long as the fleet (or the stdio process).
pub(crate) struct Appliance {
    profile: AsyncOsProfile,
    booted: NaiveDateTime,
    state: Mutex<State>,
    stats: StatsCell,
    /// Bumped whenever lines are scheduled, so followers re-read.
    changed: watch::Sender<u64>,
}

impl Appliance {
    pub(crate) fn new(profile: AsyncOsProfile) -> Self {
        let now = Instant::now();
        let clock = Utc::now().naive_utc();
        let t0 = shift(clock, profile.clock_offset);
        let ago = |d: i64, h: i64, m: i64, s: i64| {
            shift(
                t0,
                -(TimeDelta::days(d)
                    + TimeDelta::hours(h)
                    + TimeDelta::minutes(m)
                    + TimeDelta::seconds(s)),
            )
        };

        let mut ecs = Log::new();
        let ecs_lines = [
            (
                ago(9, 3, 12, 7),
                "Info: ECS: Starting Enrollment Client Service",
            ),
            (ago(9, 3, 12, 2), ECS_REGISTERED),
            (ago(9, 3, 11, 40), "Info: ECS: Cloud query successful."),
            // An old failure that recovered by itself: the client must
            // compare timestamps, not just find a Warning.
            (ago(6, 7, 44, 51), ECS_WARNING),
            (ago(6, 7, 2, 13), "Info: ECS: Cloud query successful."),
            (ago(6, 7, 2, 9), ECS_REGISTERED),
            (ago(2, 5, 31, 45), ECS_REGISTERED),
        ];
        for (stamp, msg) in ecs_lines {
            ecs.push(now, stamp, msg);
        }
        let failure = if profile.ecs_failing {
            let warning = ago(0, 4, 13, 51);
            let critical = ago(0, 4, 13, 25);
            ecs.push(now, warning, ECS_WARNING);
            ecs.push(now, critical, ECS_CRITICAL);
            Some(EcsFailure {
                since: critical,
                cleared_at: None,
            })
        } else {
            None
        };

        let mut updater_logs = Log::new();
        let mut backlog = |start: NaiveDateTime, lines: &[String]| {
            for (i, line) in lines.iter().enumerate() {
                let secs = i64::try_from(i).unwrap_or(0) * 2;
                updater_logs.push(now, shift(start, TimeDelta::seconds(secs)), line);
            }
        };
        backlog(ago(1, 2, 20, 3), &scheduled_update_sequence(9027, "amp"));
        backlog(ago(0, 5, 1, 33), &scheduled_update_sequence(9028, "case"));
        if profile.stale_completion {
            // An earlier manual update whose completion is still in the
            // backlog: it must not count as confirmation of a new one.
            let start = ago(0, 2, 3, 41);
            for (f, msg) in manual_update_sequence(9029) {
                updater_logs.push(
                    now,
                    shift(start, TimeDelta::milliseconds((f * 36_000.0) as i64)),
                    &msg,
                );
            }
        }

        if let Some(step) = Fault::clock_stepped_back(&profile.faults) {
            // Logged before the step, a quarter of it ago by the old clock:
            // three quarters of the step ahead of the clock now.
            // A manual update that found nothing to apply: short enough
            // that `tail` shows its request and its completion.
            let start = shift(t0, to_delta(step - step / 4));
            let sequence = manual_update_sequence(9029);
            let shown = sequence
                .iter()
                .take(2)
                .chain(sequence.iter().rev().take(2).rev());
            for (i, (_, msg)) in shown.enumerate() {
                let secs = i64::try_from(i).unwrap_or(0) * 2;
                updater_logs.push(now, shift(start, TimeDelta::seconds(secs)), msg);
            }
        }

        let (changed, _) = watch::channel(0);
        Self {
            booted: ago(22, 2, 17, 20),
            state: Mutex::new(State {
                ecs,
                updater_logs,
                failure,
                next_update_id: 9030,
            }),
            stats: StatsCell::default(),
            changed,
            profile,
        }
    }

    pub(crate) fn profile(&self) -> &AsyncOsProfile {
        &self.profile
    }

    /// The appliance's clock: local time, no zone.
    pub(crate) fn clock(&self) -> NaiveDateTime {
        shift(Utc::now().naive_utc(), self.profile.clock_offset)
    }

    /// What this host saw, for tests and benchmarks.
    pub(crate) fn stats(&self) -> &StatsCell {
        &self.stats
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub(crate) fn prompt(&self) -> String {
        self.profile.prompt_text()
    }

    pub(crate) fn banner(&self) -> Vec<String> {
        let (release, build) = self.profile.release_and_build();
        vec![
            "Copyright (c) 2001-2025, Cisco Systems, Inc. and/or its affiliates. All rights reserved.".to_string(),
            String::new(),
            format!("AsyncOS {release} for Cisco {MODEL} build {build}"),
            String::new(),
            format!("Welcome to the Cisco {MODEL} Email Security Virtual Appliance"),
        ]
    }

    fn ecs_failing(&self, state: &State, now: Instant) -> Option<NaiveDateTime> {
        state
            .failure
            .as_ref()
            .filter(|f| f.cleared_at.is_none_or(|t| t > now))
            .map(|f| f.since)
    }

    /// A cursor for `tail LOG` and whether the log exists.
    pub(crate) fn tail_cursor(&self, log: &str) -> Option<Cursor> {
        let state = lock(&self.state);
        log_of(&state, log).map(|l| l.cursor_last(TAIL_BACKLOG, Instant::now()))
    }

    pub(crate) fn read_log(
        &self,
        log: &str,
        cursor: &mut Cursor,
    ) -> (Vec<String>, Option<Instant>) {
        let state = lock(&self.state);
        match log_of(&state, log) {
            Some(l) => l.read_from(cursor, Instant::now()),
            None => (Vec::new(), None),
        }
    }

    /// Output of a command that answers at once (all but `tail` and `exit`).
    pub(crate) fn answer(&self, command: &Command) -> Vec<String> {
        match command {
            Command::Version => self.version_lines(),
            Command::Status => self.status_lines(),
            Command::Grep {
                pattern,
                insensitive,
                log,
            } => self.grep(pattern, *insensitive, log),
            Command::EcUpdate { force } => {
                self.start_update(*force);
                vec![if *force {
                    "Requesting forced update of Enrollment Client.".to_string()
                } else {
                    "Requesting update of Enrollment Client.".to_string()
                }]
            }
            Command::DisplayAlerts => self.alerts(),
            Command::Usage(text) => vec![text.clone()],
            Command::Unknown(cmd) => {
                vec![format!("Unknown command or missing feature key: {cmd}")]
            }
            Command::Tail { .. } | Command::Exit | Command::Empty => Vec::new(),
        }
    }

    fn version_lines(&self) -> Vec<String> {
        vec![
            "Current Version".to_string(),
            "===============".to_string(),
            format!("Product: Cisco {MODEL} Email Security Virtual Appliance"),
            format!("Model: {MODEL}"),
            format!("Version: {}", self.profile.version),
            "Build Date: 2024-11-20".to_string(),
            "Install Date: 2025-01-14 09:41:22".to_string(),
            "Serial #: 4229B1D2E07A51C3E5B9-9F1C2D3E4A5B".to_string(),
            "BIOS: 6.00".to_string(),
            "CPU: 2 expected, 2 allocated".to_string(),
            "Memory: 8192 MB expected, 8192 MB allocated".to_string(),
            "Hard disk: 200 GB, or more expected; 200 GB allocated".to_string(),
            "RAID: NA".to_string(),
            "RAID Status: Unknown".to_string(),
            "RAID Type: NA".to_string(),
            "BMC: NA".to_string(),
        ]
    }

    fn status_lines(&self) -> Vec<String> {
        let now = self.clock();
        let up = now.signed_duration_since(self.booted);
        let uptime = format!(
            "{}d {}h {}m {}s",
            up.num_days(),
            up.num_hours() % 24,
            up.num_minutes() % 60,
            up.num_seconds() % 60
        );
        let mut lines = vec![
            format!(
                "Status as of:                  {} GMT",
                now.format(LOG_TIME_FORMAT)
            ),
            format!(
                "Up since:                      {} GMT ({uptime})",
                self.booted.format(LOG_TIME_FORMAT)
            ),
            "Last counter reset:            Never".to_string(),
            "System status:                 Online".to_string(),
            "Oldest Message:                4 weeks 2 days 11 hours 3 mins 40 secs".to_string(),
        ];
        // A fully licensed appliance: with the counters and gauges, longer
        // than 50 rows (docs/DEVICES.md, "The pager").
        lines.extend(
            FEATURES
                .iter()
                .map(|(name, left)| format!("Feature - {name}: {left}")),
        );
        lines.extend(COUNTERS_AND_GAUGES.lines().map(str::to_string));
        lines
    }

    fn grep(&self, pattern: &str, insensitive: bool, log: &str) -> Vec<String> {
        let regex = match regex::RegexBuilder::new(pattern)
            .case_insensitive(insensitive)
            .size_limit(1 << 20)
            .build()
        {
            Ok(r) => r,
            Err(_) => return vec![format!("Invalid regular expression: {pattern}")],
        };
        let state = lock(&self.state);
        match log_of(&state, log) {
            Some(l) => l
                .visible(Instant::now())
                .filter(|line| regex.is_match(line))
                .map(str::to_string)
                .collect(),
            None => vec![format!("Unknown log name: {log}")],
        }
    }

    fn alerts(&self) -> Vec<String> {
        let state = lock(&self.state);
        match self.ecs_failing(&state, Instant::now()) {
            Some(since) => vec![
                "Date and Time Stamp        Description".to_string(),
                "-------------------------  --------------------------------".to_string(),
                format!("{} +0000 {ALERT_TEXT}", since.format("%d %b %Y %H:%M:%S")),
            ],
            None => vec!["There are no alerts.".to_string()],
        }
    }

    /// Schedules the article's update sequence in `updater_logs`, and on
    /// completion the re-registration in `ecs`.
    fn start_update(&self, force: bool) {
        if force {
            self.stats().update(|s| s.forced_updates += 1);
        }
        let now = Instant::now();
        let clock = self.clock();
        let mut state = lock(&self.state);
        let id = state.next_update_id;
        state.next_update_id = id.saturating_add(1);
        let sequence = manual_update_sequence(id);
        let (span, lines, completes) = match self.profile.update {
            UpdateBehaviour::CompletesAfter(d) => (d, sequence.len(), true),
            UpdateBehaviour::NeverCompletes => (NEVER_COMPLETES_SPAN, NEVER_COMPLETES_LINES, false),
        };
        // The request is acknowledged at once; the rest follows the article's
        // spread over the update's duration.
        let lead = (span / 20).min(Duration::from_millis(50));
        let schedule = |log: &mut Log, after: Duration, msg: &str| {
            // An absurd duration is an update that never gets there.
            if let Some(due) = now.checked_add(after) {
                log.push(due, shift(clock, to_delta(after)), msg);
            }
        };
        for (i, (f, msg)) in sequence.iter().take(lines).enumerate() {
            let after = if i == 0 {
                lead
            } else {
                // Not `mul_f64`, which panics when rounding past the maximum.
                Duration::try_from_secs_f64(span.as_secs_f64() * f).unwrap_or(Duration::MAX)
            };
            schedule(&mut state.updater_logs, after, msg);
        }
        if completes {
            let registered = span.saturating_add((span / 10).max(Duration::from_millis(50)));
            schedule(&mut state.ecs, registered, ECS_REGISTERED);
            if let (Some(failure), Some(at)) = (state.failure.as_mut(), now.checked_add(registered))
            {
                failure.cleared_at = Some(failure.cleared_at.map_or(at, |t| t.min(at)));
            }
        }
        drop(state);
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }
}

impl std::fmt::Debug for Appliance {
    // Not the logs: thousands of lines in every `SimHost` debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Appliance")
            .field("hostname", &self.profile.hostname)
            .finish_non_exhaustive()
    }
}

fn log_of<'a>(state: &'a State, name: &str) -> Option<&'a Log> {
    match name {
        "ecs" => Some(&state.ecs),
        "updater_logs" => Some(&state.updater_logs),
        _ => None,
    }
}

/// One CLI line, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Command {
    Empty,
    Version,
    Status,
    Grep {
        pattern: String,
        insensitive: bool,
        log: String,
    },
    Tail {
        log: String,
    },
    EcUpdate {
        force: bool,
    },
    DisplayAlerts,
    Exit,
    /// A known command used wrongly: print this line.
    Usage(String),
    Unknown(String),
}

impl Command {
    pub(crate) fn parse(line: &str) -> Command {
        let words = split_words(line);
        let Some((first, args)) = words.split_first() else {
            return Command::Empty;
        };
        match first.to_ascii_lowercase().as_str() {
            "version" => Command::Version,
            "status" => Command::Status,
            "displayalerts" => Command::DisplayAlerts,
            "exit" | "quit" => Command::Exit,
            "grep" => parse_grep(args),
            "tail" => match args.iter().find(|a| !a.starts_with('-')) {
                Some(log) => Command::Tail { log: log.clone() },
                None => Command::Usage("Usage: tail log_name".to_string()),
            },
            "ecupdate" => match args {
                [] => Command::EcUpdate { force: false },
                [f] if f.eq_ignore_ascii_case("force") => Command::EcUpdate { force: true },
                _ => Command::Usage("Usage: ecupdate [force]".to_string()),
            },
            _ => Command::Unknown(line.trim().to_string()),
        }
    }
}

const GREP_USAGE: &str = "Usage: grep [-i] [-e] \"regex\" log_name";

fn parse_grep(args: &[String]) -> Command {
    let mut insensitive = false;
    let mut pattern = None;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "-i" => insensitive = true,
            "-e" => match it.next() {
                Some(p) => pattern = Some(p.clone()),
                None => return Command::Usage(GREP_USAGE.to_string()),
            },
            _ => rest.push(arg.clone()),
        }
    }
    let mut rest = rest.into_iter();
    let pattern = match pattern {
        Some(p) => p,
        None => match rest.next() {
            Some(p) => p,
            None => return Command::Usage(GREP_USAGE.to_string()),
        },
    };
    match (rest.next(), rest.next()) {
        (Some(log), None) => Command::Grep {
            pattern,
            insensitive,
            log,
        },
        _ => Command::Usage(GREP_USAGE.to_string()),
    }
}

/// Splits a CLI line into words; double or single quotes group a word and
/// are removed (`grep "Warning|Critical" ecs`).
fn split_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => word.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn grep(pattern: &str, log: &str) -> Command {
        Command::Grep {
            pattern: pattern.to_string(),
            insensitive: false,
            log: log.to_string(),
        }
    }

    #[test]
    fn parses_the_articles_commands() {
        assert_eq!(
            Command::parse("grep \"Warning|Critical\" ecs"),
            grep("Warning|Critical", "ecs")
        );
        assert_eq!(
            Command::parse("grep Warning|Critical ecs"),
            grep("Warning|Critical", "ecs")
        );
        assert_eq!(
            Command::parse("ecupdate force"),
            Command::EcUpdate { force: true }
        );
        assert_eq!(
            Command::parse("ecupdate"),
            Command::EcUpdate { force: false }
        );
        assert_eq!(
            Command::parse("  tail updater_logs "),
            Command::Tail {
                log: "updater_logs".to_string()
            }
        );
        assert_eq!(Command::parse("   "), Command::Empty);
        assert_eq!(Command::parse("QUIT"), Command::Exit);
    }

    #[test]
    fn parses_grep_options_and_rejects_bad_usage() {
        assert_eq!(
            Command::parse("grep -i 'device registration' ecs"),
            Command::Grep {
                pattern: "device registration".to_string(),
                insensitive: true,
                log: "ecs".to_string()
            }
        );
        assert_eq!(Command::parse("grep -e x ecs"), grep("x", "ecs"));
        assert!(matches!(Command::parse("grep"), Command::Usage(_)));
        assert!(matches!(Command::parse("grep x"), Command::Usage(_)));
        assert!(matches!(
            Command::parse("grep x ecs extra"),
            Command::Usage(_)
        ));
        assert!(matches!(Command::parse("grep -e"), Command::Usage(_)));
        assert!(matches!(Command::parse("ecupdate now"), Command::Usage(_)));
        assert!(matches!(Command::parse("tail"), Command::Usage(_)));
        assert_eq!(
            Command::parse("rm -rf /"),
            Command::Unknown("rm -rf /".to_string())
        );
    }

    #[test]
    fn unterminated_quotes_take_the_rest() {
        assert_eq!(split_words("grep \"a b"), ["grep", "a b"]);
        assert_eq!(split_words("\"\" x"), ["", "x"]);
    }

    #[test]
    fn prompts() {
        let mut p = AsyncOsProfile::healthy("esa01.example.com");
        assert_eq!(p.prompt_text(), "esa01.example.com> ");
        p.prompt = PromptStyle::Machine;
        assert_eq!(p.prompt_text(), "(Machine esa01.example.com)> ");
        p.prompt = PromptStyle::Cluster("hq".to_string());
        assert_eq!(p.prompt_text(), "(Cluster hq)> ");
    }

    #[test]
    fn scenarios_are_named_as_on_the_command_line() {
        let names: Vec<String> = AsyncOsScenario::all()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            names,
            [
                "healthy",
                "broken",
                "stale-completion",
                "never-completes",
                "cluster",
                "drop-mid-follow",
                "stop-answering",
                "trickle"
            ]
        );
        for scenario in AsyncOsScenario::all() {
            let parsed: AsyncOsScenario = scenario.to_string().parse().unwrap();
            assert_eq!(parsed, *scenario);
            assert_eq!(scenario.profile("esa01").hostname, "esa01");
        }
        assert!("nope".parse::<AsyncOsScenario>().is_err());
    }

    #[tokio::test]
    async fn broken_ecs_log_and_alert() {
        let app = Appliance::new(AsyncOsProfile::broken("esa01"));
        let lines = app.answer(&grep("Warning|Critical", "ecs"));
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[1].ends_with(ECS_WARNING));
        assert!(lines[2].ends_with(ECS_CRITICAL));
        let alerts = app.answer(&Command::DisplayAlerts).join("\n");
        assert!(alerts.contains(ALERT_TEXT), "{alerts}");
    }

    #[tokio::test]
    async fn healthy_box_has_an_old_recovered_warning() {
        let app = Appliance::new(AsyncOsProfile::healthy("esa01"));
        let lines = app.answer(&grep("Warning|Critical", "ecs"));
        assert_eq!(lines.len(), 1);
        let all = app.answer(&grep(".", "ecs"));
        assert!(all.last().unwrap().ends_with(ECS_REGISTERED));
        assert_eq!(
            app.answer(&Command::DisplayAlerts),
            ["There are no alerts."]
        );
    }

    #[tokio::test]
    async fn log_timestamps_follow_the_appliance_clock() {
        let mut profile = AsyncOsProfile::broken("esa01");
        profile.clock_offset = TimeDelta::hours(-30);
        let app = Appliance::new(profile);
        let lines = app.answer(&grep("Critical", "ecs"));
        let stamp = NaiveDateTime::parse_from_str(&lines[0][..24], LOG_TIME_FORMAT).unwrap();
        let behind = app.clock() - stamp;
        assert!(
            behind > TimeDelta::hours(4) && behind < TimeDelta::hours(5),
            "{behind}"
        );
        let status = app.answer(&Command::Status).join("\n");
        let expected = format!(
            "Status as of:                  {}",
            app.clock().format("%a %b %e %H")
        );
        assert!(status.contains(&expected), "{status}");
    }

    #[tokio::test]
    async fn stale_completion_is_the_end_of_the_backlog() {
        let mut profile = AsyncOsProfile::broken("esa01");
        profile.stale_completion = true;
        let app = Appliance::new(profile);
        let mut cursor = app.tail_cursor("updater_logs").unwrap();
        let (lines, next) = app.read_log("updater_logs", &mut cursor);
        assert_eq!(lines.len(), TAIL_BACKLOG);
        assert!(lines[TAIL_BACKLOG - 2].ends_with(UPDATE_COMPLETED));
        assert!(next.is_none());

        let fresh = Appliance::new(AsyncOsProfile::broken("esa01"));
        let all = fresh.answer(&grep("enrollment_client", "updater_logs"));
        assert!(all.is_empty(), "{all:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn forced_update_completes_then_reregisters() {
        let mut profile = AsyncOsProfile::broken("esa01");
        profile.update = UpdateBehaviour::CompletesAfter(Duration::from_secs(10));
        let app = Appliance::new(profile);
        let mut cursor = app.tail_cursor("updater_logs").unwrap();
        let _ = app.read_log("updater_logs", &mut cursor);

        let out = app.answer(&Command::EcUpdate { force: true });
        assert_eq!(out, ["Requesting forced update of Enrollment Client."]);
        assert_eq!(app.stats().snapshot().forced_updates, 1);

        tokio::time::advance(Duration::from_millis(100)).await;
        let (lines, _) = app.read_log("updater_logs", &mut cursor);
        assert_eq!(lines.len(), 1);
        assert!(lines[0].ends_with("Info: Received remote command to signal a manual update"));

        tokio::time::advance(Duration::from_secs(9)).await;
        let (lines, _) = app.read_log("updater_logs", &mut cursor);
        assert!(lines.iter().any(|l| l.contains("starting update 9030")));
        assert!(!lines.iter().any(|l| l.ends_with(UPDATE_COMPLETED)));
        assert!(app.answer(&Command::DisplayAlerts).len() > 1);

        tokio::time::advance(Duration::from_secs(1)).await;
        let (lines, _) = app.read_log("updater_logs", &mut cursor);
        assert!(lines[lines.len() - 2].ends_with(UPDATE_COMPLETED));
        assert!(lines[lines.len() - 1].ends_with("waiting for new updates"));

        tokio::time::advance(Duration::from_secs(1)).await;
        let ecs = app.answer(&grep(".", "ecs"));
        assert!(ecs.last().unwrap().ends_with(ECS_REGISTERED));
        assert_eq!(
            app.answer(&Command::DisplayAlerts),
            ["There are no alerts."]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn never_completing_update_stops_in_the_download() {
        let mut profile = AsyncOsProfile::broken("esa01");
        profile.update = UpdateBehaviour::NeverCompletes;
        let app = Appliance::new(profile);
        app.answer(&Command::EcUpdate { force: true });
        tokio::time::advance(Duration::from_secs(3600)).await;
        let lines = app.answer(&grep("enrollment_client|manual", "updater_logs"));
        assert!(lines[0].ends_with("signal a manual update"));
        assert!(lines.last().unwrap().contains("beginning download"));
        assert!(!lines.iter().any(|l| l.ends_with(UPDATE_COMPLETED)));
        assert!(app.answer(&Command::DisplayAlerts).len() > 1);
    }

    #[tokio::test]
    async fn absurd_durations_and_clock_offsets_do_not_panic() {
        let mut profile = AsyncOsProfile::broken("esa01");
        profile.update = UpdateBehaviour::CompletesAfter(Duration::MAX);
        profile.clock_offset = TimeDelta::MAX;
        let app = Appliance::new(profile);
        app.answer(&Command::EcUpdate { force: true });
        app.answer(&Command::Status);
        assert!(app.answer(&Command::DisplayAlerts).len() > 1);
    }

    #[tokio::test]
    async fn status_of_a_fully_licensed_appliance_is_longer_than_50_rows() {
        let app = Appliance::new(AsyncOsProfile::healthy("esa01"));
        let status = app.answer(&Command::Status);
        assert!(status.len() > 50, "{}", status.len());
        assert!(status[0].starts_with("Status as of:"));
        let features = status
            .iter()
            .filter(|l| l.starts_with("Feature - "))
            .count();
        assert_eq!(features, FEATURES.len());
        assert!(status.iter().any(|l| l.starts_with("Counters:")));
        assert!(status.iter().any(|l| l.starts_with("Gauges:")));
        assert!(
            status
                .last()
                .unwrap()
                .contains("Policy, Virus and Outbreak")
        );
    }

    #[tokio::test]
    async fn grep_errors() {
        let app = Appliance::new(AsyncOsProfile::healthy("esa01"));
        assert_eq!(app.answer(&grep("x", "foo")), ["Unknown log name: foo"]);
        assert_eq!(
            app.answer(&grep("(", "ecs")),
            ["Invalid regular expression: ("]
        );
    }
}
