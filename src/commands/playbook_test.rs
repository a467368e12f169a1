//! `sshfleet playbook test PLAYBOOK --replay DIR --expect FILE`: a playbook
//! run against recorded hosts (`run --record`, served by the simulator's
//! replay over real SSH on loopback, as `sim --replay` serves them), each
//! host's status and findings compared with what is expected. This is how
//! a team keeps its own playbooks honest in CI: record once from the real
//! appliances, then every change to the playbook is tested against them.
//!
//! The expectations are YAML, one entry per host:
//!
//! ```yaml
//! esa01.example.com: {status: changed, findings: [ecs-token-403]}
//! esa02.example.com: {status: ok}
//! ```
//!
//! or an earlier JSON report (`--report` of the recorded run): its hosts'
//! statuses and finding ids are the expectations. Without `--expect`, each
//! host must end as the recording says it did (`sshfleet demo --replay`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::lab::{LabEnd, LabRun};
use crate::console::progress::Lines;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::playbook::Playbook;
use crate::report::expectations::{Expected, differences, load_expectations};
use crate::support::secrets::MASK;

/// What `playbook test` was asked.
#[derive(Debug)]
pub(crate) struct Test {
    /// `None`: the playbook the recordings were made with.
    pub playbook: Option<String>,
    pub replay: PathBuf,
    /// `None`: each host must end as it did when recorded.
    pub expect: Option<PathBuf>,
    pub extra_vars: Vec<String>,
    pub check_mode: bool,
    pub faults: Vec<sshfleet_sim::Fault>,
    pub report: Option<PathBuf>,
}

/// What the recordings of a directory say: the playbooks they were made
/// with, and how each host ended.
struct Recorded {
    playbooks: BTreeSet<String>,
    outcomes: BTreeMap<String, Expected>,
    /// A recording without its outcome (its header trimmed).
    without_outcome: Option<PathBuf>,
    /// A recording made with `--check`, and one made without.
    checked: Option<PathBuf>,
    unchecked: Option<PathBuf>,
    /// Each recording's playbook variables, by file.
    vars: Vec<(PathBuf, BTreeMap<String, serde_json::Value>)>,
}

fn recorded(dir: &Path) -> Result<Recorded, Error> {
    let mut recorded = Recorded {
        playbooks: BTreeSet::new(),
        outcomes: BTreeMap::new(),
        without_outcome: None,
        checked: None,
        unchecked: None,
        vars: Vec::new(),
    };
    for (path, recording) in sshfleet_recording::Recording::read_dir(dir)? {
        let mut header = recording.header;
        recorded
            .vars
            .push((path.clone(), std::mem::take(&mut header.vars)));
        recorded.playbooks.insert(header.playbook.clone());
        if header.check_mode {
            recorded.checked.get_or_insert(path.clone());
        } else {
            recorded.unchecked.get_or_insert(path.clone());
        }
        let Some(outcome) = header.outcome else {
            recorded.without_outcome.get_or_insert(path);
            continue;
        };
        let status = serde_json::from_value(serde_json::Value::String(outcome.status.clone()))
            .map_err(|_| {
                Error::Usage(format!(
                    "{}: recorded outcome `{}` is not a status",
                    path.display(),
                    outcome.status
                ))
            })?;
        let findings = outcome.findings.into_iter().collect();
        recorded
            .outcomes
            .insert(header.host, Expected { status, findings });
    }
    Ok(recorded)
}

impl Recorded {
    /// The one playbook the recordings were made with.
    fn playbook(&self, dir: &Path) -> Result<String, Error> {
        let mut playbooks = self.playbooks.iter();
        match (playbooks.next(), playbooks.next()) {
            (Some(playbook), None) => Ok(playbook.clone()),
            (Some(a), Some(b)) => Err(Error::Usage(format!(
                "{} holds recordings of several playbooks ({a}, {b}, ...): name the playbook",
                dir.display()
            ))),
            (None, _) => Err(Error::Usage(format!("{}: no recordings", dir.display()))),
        }
    }

    /// Whether to replay in check mode: as the recordings were made. A
    /// recording made with `--check` holds no fix, so replaying it without
    /// would fail at the fix; recordings of both kinds together cannot be
    /// replayed in one run.
    fn check_mode(&self, asked: bool) -> Result<bool, Error> {
        match (&self.checked, &self.unchecked) {
            (Some(checked), Some(unchecked)) => Err(Error::Usage(format!(
                "{} was recorded with --check and {} without: replay them from separate directories",
                checked.display(),
                unchecked.display()
            ))),
            (Some(checked), None) => {
                if !asked {
                    say!(
                        "{} (and the other recordings) were made with --check: replaying with --check",
                        checked.display()
                    );
                }
                Ok(true)
            }
            _ => Ok(asked),
        }
    }

    /// The recordings' variables as the replay's inventory will give them
    /// to the playbook, checked here so that an error names the recording
    /// (not the replay's temporary inventory): a secret masked when it was
    /// recorded cannot be replayed unless `-e` gives it, and a value the
    /// playbook would refuse is told with its file.
    fn check_vars(&self, playbook: &Playbook, extra_vars: &[String]) -> Result<(), Error> {
        let given: BTreeSet<&str> = extra_vars
            .iter()
            .filter_map(|arg| arg.split_once('='))
            .map(|(name, _)| name.trim())
            .collect();
        for (path, vars) in &self.vars {
            for (name, value) in vars {
                if given.contains(name.as_str()) {
                    continue;
                }
                let text = match value {
                    serde_json::Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                if text.contains(MASK) {
                    return Err(Error::Usage(format!(
                        "{}:1: the recording holds the playbook variable `{name}` masked as `{MASK}`: \
                         its value held a secret (from the vault or a password) when recorded, and a \
                         recording never keeps one; give the replay its value with -e {name}=VALUE",
                        path.display()
                    )));
                }
                if let Some(spec) = playbook.vars.get(name)
                    && let Err(why) = spec.typed_text(&text)
                {
                    return Err(Error::Usage(format!(
                        "{}:1: header: variable `{name}`: {why}",
                        path.display()
                    )));
                }
            }
        }
        Ok(())
    }

    /// How each host ended when recorded.
    fn expectations(self) -> Result<BTreeMap<String, Expected>, Error> {
        match self.without_outcome {
            Some(path) => Err(Error::Usage(format!(
                "{}: no recorded outcome in its header; give --expect",
                path.display()
            ))),
            None => Ok(self.outcomes),
        }
    }
}

/// Run the test: 0 when every host matched, 2 when one did not (each
/// difference printed), 5 for a bad playbook, recording or expectations.
pub(crate) async fn execute(test: Test) -> Result<ExitCode, Error> {
    let recorded = recorded(&test.replay)?;
    let check_mode = recorded.check_mode(test.check_mode)?;
    let playbook = match &test.playbook {
        Some(playbook) => playbook.clone(),
        None => recorded.playbook(&test.replay)?,
    };
    recorded.check_vars(&Playbook::resolve(&playbook)?, &test.extra_vars)?;
    // What the hosts are held to, as a difference names it and as a
    // match is said.
    let (expected, against, matched) = match &test.expect {
        Some(path) => (
            load_expectations(path)?,
            path.display().to_string(),
            format!("{} expects", path.display()),
        ),
        None => (
            recorded.expectations()?,
            format!("the recordings in {}", test.replay.display()),
            format!("recorded in {}", test.replay.display()),
        ),
    };
    let dir = tempfile::tempdir()?;
    let lab = sshfleet_sim::serve::start_replay(&sshfleet_sim::serve::ReplayOptions {
        dir: test.replay.clone(),
        inventory_out: dir.path().join("replay.yaml"),
        faults: test.faults.clone(),
    })
    .await?;
    let end = super::lab::run_on_lab(
        LabRun {
            playbook: &playbook,
            inventory: &lab.files.inventory,
            known_hosts: &lab.files.known_hosts,
            extra_vars: &test.extra_vars,
            check_mode,
            report: test.report.clone(),
            labels: None,
        },
        |_| {},
    )
    .await;
    lab.fleet.shutdown().await;
    let report = match end? {
        LabEnd::Ran(_, report) => *report,
        LabEnd::Stopped(code) => return Ok(code),
    };
    let wrong = differences(&expected, &report);
    if wrong.is_empty() {
        say!("\nall {} hosts ended as {matched}", expected.len());
        return Ok(ExitCode::Success);
    }
    say!("\n{} difference(s) from {against}:", wrong.len());
    for line in &wrong {
        Lines::Stdout.print_line(&format!("  {line}"));
    }
    Ok(ExitCode::HostFailed)
}
