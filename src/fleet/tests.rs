//! The runner through its connector seam: a scripted fleet, no SSH.
//! Batches, barriers, `--max-fail-percent`, cancellation, and every line
//! of the outcome table as a host would reach it.

#![allow(clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::connect::{Connector, HostRemote, NotOpened, Opened, Opening};
use super::observer::Observer;
use super::outcome::{Did, RULES, Stopped};
use crate::plan::rollout::{Rollout, Serial};
use crate::plan::{Plan, PlannedHost, RunSettings};
use crate::playbook::Playbook;
use crate::playbook::remote::{FollowEnd, Output, Remote, RemoteError, Verdict};
use crate::playbook::vars::HostVars;
use crate::report::{HostOutcome, Report, Status};
use crate::session::transcript::Transcript;

/// Reads a version (a `broken` answer is a critical finding no step
/// fixes), finds the fleet's newest at a barrier, and updates a host that
/// is behind: a change confirmed by `updated`.
const PLAYBOOK: &str = r#"
name: fleet-test
exec: {}
facts: [version, newest]
steps:
  - name: Read the version
    run: version
    capture:
      version: {pattern: 'v(\d+)'}
    findings:
      - id: broken
        severity: critical
        pattern: broken
        message: The box is broken.
      - id: note
        severity: info
        pattern: 'v\d+'
  - name: Newest in the fleet
    fleet:
      newest: {max_of: version}
  - name: Update
    when: version < newest
    run: update
    changes: true
    action: update
    expect: updated
"#;

/// What a host does when asked.
#[derive(Debug, Clone, Default)]
struct Script {
    /// The connection fails: unreachable.
    unreachable: bool,
    /// Connected, but no session (no prompt).
    no_session: bool,
    /// Connecting waits for the run to be stopped.
    hang_connecting: bool,
    /// Commands and their output; a command not here closes the session.
    answers: HashMap<&'static str, &'static str>,
    /// This command waits for the run to be stopped.
    hang_on: Option<&'static str>,
}

fn answers(pairs: &[(&'static str, &'static str)]) -> Script {
    Script {
        answers: pairs.iter().copied().collect(),
        ..Script::default()
    }
}

/// What every host did, in order; the run stops when `stop_at` happens.
struct Shared {
    log: Mutex<Vec<String>>,
    stop_at: Option<String>,
    cancel: CancellationToken,
}

impl Shared {
    fn note(&self, line: String) {
        if self.stop_at.as_ref() == Some(&line) {
            self.cancel.cancel();
        }
        self.log.lock().unwrap().push(line);
    }
}

/// A scripted fleet.
struct Fake {
    hosts: HashMap<String, Script>,
    shared: Arc<Shared>,
}

struct FakeRemote {
    host: String,
    script: Script,
    shared: Arc<Shared>,
    cancel: CancellationToken,
}

impl Remote for FakeRemote {
    async fn run(&mut self, command: &str, _: Duration) -> Result<Output, RemoteError> {
        self.shared.note(format!("{} {command}", self.host));
        if self.script.hang_on == Some(command) {
            self.cancel.cancelled().await;
            return Err(RemoteError::Interrupted {
                what: format!("running `{command}`"),
            });
        }
        match self.script.answers.get(command) {
            Some(text) => Ok(Output {
                text: (*text).to_string(),
                exit_status: Some(0),
            }),
            None => Err(RemoteError::Closed {
                what: format!("running `{command}`"),
                last_output: "(nothing)".to_string(),
            }),
        }
    }

    async fn follow(
        &mut self,
        _: &str,
        _: Duration,
        _: &CancellationToken,
        _: impl FnMut(&str) -> Verdict + Send,
    ) -> Result<FollowEnd, RemoteError> {
        Err(RemoteError::CannotFollow)
    }
}

impl HostRemote for FakeRemote {
    async fn close(self) {
        self.shared.note(format!("{} closed", self.host));
    }
}

impl Connector for Fake {
    type Session<'t> = FakeRemote;

    async fn open<'t>(
        &'t self,
        opening: Opening<'t>,
        _transcript: &'t mut Transcript,
    ) -> Result<Opened<FakeRemote>, NotOpened> {
        let host = opening.host.name.clone();
        let script = self.hosts.get(&host).cloned().unwrap_or_default();
        self.shared.note(format!("{host} connect"));
        if script.hang_connecting {
            opening.cancel.cancelled().await;
            return Err(NotOpened::Interrupted);
        }
        if script.unreachable {
            return Err(NotOpened::Unreachable("connection refused".to_string()));
        }
        if script.no_session {
            return Err(NotOpened::Refused("no CLI prompt".to_string()));
        }
        Ok(Opened {
            session: FakeRemote {
                host,
                script,
                shared: self.shared.clone(),
                cancel: opening.cancel.clone(),
            },
            warnings: Vec::new(),
        })
    }
}

/// What the observer was told, in order.
#[derive(Default)]
struct Seen(Mutex<Vec<String>>);

impl Observer for Seen {
    fn finished(&self, o: &HostOutcome) {
        self.0
            .lock()
            .unwrap()
            .push(format!("finished {} {}", o.name, o.status.as_str()));
    }
    fn batch(&self, number: usize, of: usize, hosts: &[String]) {
        self.0
            .lock()
            .unwrap()
            .push(format!("batch {number}/{of} {}", hosts.join(",")));
    }
    fn stopped(&self, reason: &str, not_run: usize) {
        self.0
            .lock()
            .unwrap()
            .push(format!("stopped {reason}; {not_run} not run"));
    }
}

fn plan(playbook: &str, names: &[&str], settings: RunSettings) -> Plan {
    let playbook = Playbook::parse(playbook, std::path::Path::new("t.yaml")).unwrap();
    let hosts = names
        .iter()
        .map(|name| {
            let host = crate::inventory::Host {
                name: (*name).to_string(),
                groups: Vec::new(),
                vars: Default::default(),
            };
            PlannedHost {
                name: (*name).to_string(),
                target: target(name),
                vars: HostVars::resolve(&playbook, &host, &BTreeMap::new()).unwrap(),
                secrets: Vec::new(),
            }
        })
        .collect();
    Plan {
        playbook: Arc::new(playbook),
        hosts,
        settings,
        report: None,
        retry_note: None,
        metrics_file: None,
        html: None,
        record: crate::report::RunInputs::default(),
    }
}

fn target(name: &str) -> crate::ssh::transport::Target {
    crate::ssh::transport::Target {
        from_secret: crate::support::secrets::FromSecret::default(),
        address: name.to_string(),
        port: 22,
        credentials: crate::ssh::transport::Credentials::default(),
        known_hosts: "/nonexistent/known_hosts".into(),
        known_hosts_also: Vec::new(),
        host_key_alias: None,
        name_refused: None,
        host_key_policy: crate::ssh::transport::HostKeyPolicy::Strict,
        algorithms: crate::ssh::algorithms::Algorithms::default(),
        jumps: Vec::new(),
        proxy_command: None,
        proxy_shell: crate::ssh::transport::ProxyShell::User,
        address_family: crate::ssh::transport::AddressFamily::Any,
        checks: crate::ssh::transport::HostKeyChecks::default(),
    }
}

/// What a run of `names` (each with its script) gave, what the hosts
/// did, and what the observer was told; the run stops when `stop_at`
/// happens, or before it starts with `Some("")`.
struct Ended {
    report: Report,
    log: Vec<String>,
    told: Vec<String>,
}

async fn run(hosts: &[(&str, Script)], settings: RunSettings, stop_at: Option<&str>) -> Ended {
    let cancel = CancellationToken::new();
    if stop_at == Some("") {
        cancel.cancel();
    }
    let shared = Arc::new(Shared {
        log: Mutex::default(),
        stop_at: stop_at.map(str::to_string),
        cancel: cancel.clone(),
    });
    let fake = Arc::new(Fake {
        hosts: hosts
            .iter()
            .map(|(name, script)| ((*name).to_string(), script.clone()))
            .collect(),
        shared: shared.clone(),
    });
    let names: Vec<&str> = hosts.iter().map(|(name, _)| *name).collect();
    let seen = Arc::new(Seen::default());
    let report =
        super::run_with(fake, plan(PLAYBOOK, &names, settings), seen.clone(), cancel).await;
    let told = seen.0.lock().unwrap().clone();
    let log = shared.log.lock().unwrap().clone();
    Ended { report, log, told }
}

fn statuses(report: &Report) -> Vec<(&str, Status)> {
    report
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), h.status))
        .collect()
}

fn current(version: &'static str) -> Script {
    answers(&[("version", version)])
}

fn behind(version: &'static str) -> Script {
    answers(&[("version", version), ("update", "updated")])
}

fn serial(count: usize, max_fail_percent: Option<u8>) -> RunSettings {
    RunSettings {
        rollout: Rollout {
            serial: Some(Serial::Count(count)),
            max_fail_percent,
        },
        ..RunSettings::default()
    }
}

#[tokio::test]
async fn a_barrier_waits_for_every_host_and_shares_the_newest_value() {
    let hosts = [
        ("a", behind("v3")),
        ("b", current("v5")),
        ("c", behind("v4")),
    ];
    let Ended { report, log, .. } = run(&hosts, RunSettings::default(), None).await;
    assert_eq!(
        statuses(&report),
        [
            ("a", Status::Changed),
            ("b", Status::Ok),
            ("c", Status::Changed)
        ]
    );
    // Every host read its version before any host went past the barrier,
    // and each reconnected for the second segment.
    let first_update = log.iter().position(|l| l.ends_with(" update")).unwrap();
    let versions_before = log[..first_update]
        .iter()
        .filter(|l| l.ends_with(" version"));
    assert_eq!(versions_before.count(), 3, "{log:?}");
    assert_eq!(
        log.iter().filter(|l| l.ends_with(" connect")).count(),
        6,
        "{log:?}"
    );
    assert_eq!(
        log.iter().filter(|l| l.ends_with(" closed")).count(),
        6,
        "{log:?}"
    );
    let a = &report.hosts[0];
    assert_eq!(a.facts["newest"], "5");
    assert_eq!(a.facts["version"], "3");
    assert_eq!(a.actions, ["update"]);
}

#[tokio::test]
async fn batches_run_one_after_the_other_and_carry_the_fleet_value() {
    let hosts = [
        ("a", current("v5")),
        ("b", behind("v3")),
        ("c", behind("v4")),
    ];
    let Ended { report, log, told } = run(&hosts, serial(2, None), None).await;
    assert_eq!(told[0], "batch 1/2 a,b");
    let second = told.iter().position(|t| t == "batch 2/2 c").unwrap();
    // The first batch is done before the second starts.
    assert!(
        told[..second].contains(&"finished a ok".to_string()),
        "{told:?}"
    );
    assert!(
        told[..second].contains(&"finished b changed".to_string()),
        "{told:?}"
    );
    let c_first = log.iter().position(|l| l.starts_with("c ")).unwrap();
    assert!(
        log[c_first..].iter().all(|l| l.starts_with("c ")),
        "{log:?}"
    );
    // c's batch alone saw v4, but the fleet's newest (batch 1) is v5.
    assert_eq!(report.hosts[2].facts["newest"], "5");
    assert_eq!(report.hosts[2].status, Status::Changed);
}

#[tokio::test]
async fn max_fail_percent_stops_the_rollout_and_skips_later_batches() {
    let unreachable = Script {
        unreachable: true,
        ..Script::default()
    };
    let hosts = [
        ("a", unreachable),
        ("b", current("v5")),
        ("c", current("v5")),
    ];
    let Ended { report, log, told } = run(&hosts, serial(1, Some(0)), None).await;
    assert_eq!(
        statuses(&report),
        [
            ("a", Status::Unreachable),
            ("b", Status::Skipped),
            ("c", Status::Skipped)
        ]
    );
    assert_eq!(
        report.hosts[1].error.as_deref(),
        Some("not run: batch 1 failed 100% > 0%")
    );
    assert!(
        told.contains(&"stopped batch 1 failed 100% > 0%; 2 not run".to_string()),
        "{told:?}"
    );
    // Neither b nor c was touched.
    assert_eq!(log, ["a connect"]);
}

#[tokio::test]
async fn a_batch_within_the_threshold_goes_on() {
    let unreachable = Script {
        unreachable: true,
        ..Script::default()
    };
    let hosts = [
        ("a", unreachable),
        ("b", current("v5")),
        ("c", current("v5")),
        ("d", current("v5")),
    ];
    let Ended { report, told, .. } = run(&hosts, serial(2, Some(50)), None).await;
    assert_eq!(
        statuses(&report),
        [
            ("a", Status::Unreachable),
            ("b", Status::Ok),
            ("c", Status::Ok),
            ("d", Status::Ok)
        ]
    );
    assert!(told.iter().all(|t| !t.starts_with("stopped")), "{told:?}");
}

#[tokio::test]
async fn stopping_mid_batch_gives_every_host_exactly_one_outcome() {
    // The run stops while a sends its update (which hangs), with two
    // forks busy, hosts of the batch waiting, and d in the next batch.
    let mut a = behind("v3");
    a.hang_on = Some("update");
    let hosts = [
        ("a", a),
        ("b", current("v5")),
        ("c", current("v5")),
        ("d", current("v5")),
    ];
    let settings = RunSettings {
        forks: 2,
        ..serial(3, None)
    };
    let Ended { report, log, told } = run(&hosts, settings, Some("a update")).await;
    let names: Vec<&str> = report.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    assert!(report.interrupted);
    let a = &report.hosts[0];
    assert_eq!(a.status, Status::Failed);
    assert!(a.error.as_deref().unwrap().contains("interrupted"), "{a:?}");
    assert_eq!(report.hosts[3].status, Status::Skipped);
    assert!(!log.iter().any(|l| l.starts_with("d ")), "{log:?}");
    for host in names {
        let finished = told
            .iter()
            .filter(|t| t.starts_with(&format!("finished {host} ")));
        assert_eq!(finished.count(), 1, "{host}: {told:?}");
    }
    // Every session opened was closed.
    let opened = log.iter().filter(|l| l.ends_with(" connect")).count();
    assert_eq!(
        log.iter().filter(|l| l.ends_with(" closed")).count(),
        opened,
        "{log:?}"
    );
    // No batch is announced once the run is stopped.
    assert!(!told.iter().any(|t| t.starts_with("batch 2/")), "{told:?}");
}

/// Make host `x` (with a peer at `v5`) do `did`, through the fleet: its
/// status and error; `None` for combinations no host can reach (check
/// mode runs no changing step, and a failure after a change clears it)
/// and for a host task dying (a bug).
async fn reach(did: Did) -> Option<(Status, Option<String>)> {
    let peer = ("peer", current("v5"));
    let (x, settings, stop_at) = match did {
        Did::Stopped(Stopped::RolloutHalted) => {
            // The first batch (the peer, unreachable) fails: x never starts.
            let peer = Script {
                unreachable: true,
                ..Script::default()
            };
            let ran = run(
                &[("peer", peer), ("x", current("v5"))],
                serial(1, Some(0)),
                None,
            )
            .await;
            let x = &ran.report.hosts[1];
            return Some((x.status, x.error.clone()));
        }
        Did::Stopped(Stopped::InterruptedBeforeStart) => {
            (current("v5"), RunSettings::default(), Some(""))
        }
        Did::Stopped(Stopped::Unreachable) => (
            Script {
                unreachable: true,
                ..Script::default()
            },
            RunSettings::default(),
            None,
        ),
        Did::Stopped(Stopped::InterruptedConnecting) => (
            Script {
                hang_connecting: true,
                ..Script::default()
            },
            RunSettings::default(),
            Some("x connect"),
        ),
        Did::Stopped(Stopped::NoSession) => (
            Script {
                no_session: true,
                ..Script::default()
            },
            RunSettings::default(),
            None,
        ),
        Did::Stopped(Stopped::InterruptedAtBarrier) => {
            // x is done with the first segment; the peer, still reading
            // its version, is where the run stops.
            let mut peer = current("v5");
            peer.hang_on = Some("version");
            let ran = run(
                &[("x", current("v5")), ("peer", peer)],
                RunSettings::default(),
                Some("peer version"),
            )
            .await;
            let x = &ran.report.hosts[0];
            return Some((x.status, x.error.clone()));
        }
        Did::Stopped(Stopped::Internal) => return None,
        Did::Ran(ran) => {
            if ran.changed && (ran.failed || ran.would_change) || ran.failed && ran.would_change {
                return None;
            }
            // Behind the peer: the update runs (or would, in check mode).
            let behind_fleet = ran.changed || ran.would_change || ran.failed;
            let version = match (behind_fleet, ran.unresolved) {
                (true, false) => "v3",
                (true, true) => "v3 broken",
                (false, false) => "v5",
                (false, true) => "v5 broken",
            };
            let mut x = current(version);
            if ran.changed {
                x.answers.insert("update", "updated");
            }
            if ran.failed {
                x.answers.insert("update", "update refused");
            }
            let settings = RunSettings {
                check_mode: ran.would_change,
                ..RunSettings::default()
            };
            (x, settings, None)
        }
    };
    let ran = run(&[("x", x), peer], settings, stop_at).await;
    let x = &ran.report.hosts[0];
    Some((x.status, x.error.clone()))
}

#[tokio::test]
async fn every_reachable_line_of_the_outcome_table_is_what_a_host_gets() {
    let mut reached = 0;
    for rule in &RULES {
        let Some((status, error)) = reach(rule.did).await else {
            continue;
        };
        reached += 1;
        assert_eq!(status, rule.status, "{rule:?}: {error:?}");
        if matches!(status, Status::Ok | Status::Changed) {
            assert_eq!(error, None, "{rule:?}");
        } else {
            assert!(error.is_some(), "{rule:?}");
        }
    }
    // Six ways to stop (a task dying is a bug), and of the 16 combinations
    // of steps the 8 a host can reach.
    assert_eq!(reached, 6 + 8);
}

/// The fleet keeps texts as they came (docs/SECURITY.md I2): a host's
/// name and the line it answered reach the report and the observer raw;
/// only the console, which shows them, escapes them.
#[tokio::test]
async fn a_hosts_name_and_output_stay_true_in_the_report_and_to_the_observer() {
    let name = "esa\u{1b}[2J\u{9b}\u{202e}01";
    let hosts = [(name, current("v5 \u{1b}[31mok\u{202e}"))];
    let Ended { report, told, .. } = run(&hosts, RunSettings::default(), None).await;
    let host = &report.hosts[0];
    assert_eq!(host.name, name);
    let note = host.findings.iter().find(|f| f.id == "note").unwrap();
    assert!(note.evidence.contains("\u{1b}[31mok\u{202e}"), "{note:?}");
    assert!(told.contains(&format!("finished {name} ok")), "{told:?}");
}
