//! One appliance's state (logs, alerts, counters), shared by all its
//! sessions, and what each CLI command does to it.

use super::command::*;
use super::output::*;
use super::*;

use std::sync::Mutex;
use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta, Utc};
use tokio::sync::watch;
use tokio::time::Instant;

use crate::log::{Cursor, LOG_TIME_FORMAT, Log};
use crate::{StatsCell, lock};

#[derive(Debug)]
pub(super) struct EcsFailure {
    /// When the Critical line was logged: the alert's timestamp.
    since: NaiveDateTime,
    /// When a completed update re-registers the device.
    cleared_at: Option<Instant>,
}

#[derive(Debug)]
pub(super) struct State {
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

pub(super) fn log_of<'a>(state: &'a State, name: &str) -> Option<&'a Log> {
    match name {
        "ecs" => Some(&state.ecs),
        "updater_logs" => Some(&state.updater_logs),
        _ => None,
    }
}
