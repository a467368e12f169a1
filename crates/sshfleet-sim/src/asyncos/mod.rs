//! The AsyncOS CLI model (Secure Email Gateway), with the ecs / updater_logs
//! behaviour of the Enrollment Client TAC article: its symptom lines, alert,
//! fix and confirmation are in `docs/DEVICES.md`, section "The ESA
//! procedure"; the CLI's prompts, `grep`, `tail` and `version` output in
//! section "How the devices really behave".
//!
//! `Appliance` is one appliance's state (logs, alerts, counters), shared by
//! all its sessions; `Command` is one parsed CLI line. The interactive
//! session around them (echo, prompt, `tail`, faults) is in `shell.rs`.

mod appliance;
mod command;
mod output;

pub(crate) use appliance::Appliance;
pub(crate) use command::Command;

use std::time::Duration;

use crate::Expected;

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

/// The AsyncOS scenarios (`sshfleet sim --scenario`, the tests), named
/// and described in the table below.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AsyncOsScenario {
    Healthy,
    Broken,
    StaleCompletion,
    NeverCompletes,
    Cluster,
    DropMidFollow,
    StopAnswering,
    Trickle,
}

named_values!(AsyncOsScenario, "scenario" {
    Healthy => "healthy", "ECS registered; only an old, recovered warning in `ecs`";
    Broken => "broken", "The article's Warning/Critical lines and alert";
    StaleCompletion => "stale-completion",
        "Broken, with an earlier `enrollment_client update completed` as the last lines of \
         `updater_logs`, and a slow update (5 s)";
    NeverCompletes => "never-completes", "Broken; the update starts and never completes";
    Cluster => "cluster", "Broken, prompt `(Cluster esa-cluster)> `";
    DropMidFollow => "drop-mid-follow", "Broken; the TCP connection drops 1 s into a `tail`";
    StopAnswering => "stop-answering", "Broken; silent after the first command";
    Trickle => "trickle", "Broken; output written one byte per millisecond";
});

/// How long `ecupdate` takes on the `healthy` and `broken` scenarios.
pub const DEFAULT_UPDATE_DURATION: Duration = Duration::from_secs(3);

impl AsyncOsScenario {
    /// Every scenario, in the order of the type.
    pub fn all() -> &'static [AsyncOsScenario] {
        <Self as crate::Named>::ALL
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::appliance::*;
    use super::command::*;
    use super::output::*;
    use super::*;
    use crate::log::LOG_TIME_FORMAT;
    use chrono::{NaiveDateTime, TimeDelta};

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
