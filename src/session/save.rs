//! A host's session kept on disk once the host is done: its transcript
//! (`--transcripts DIR`) and its replayable recording (`--record DIR`),
//! each 0600, written atomically and never through a symlink. The
//! directories were checked (or created 0700) before the run. A file that
//! cannot be written is said in the host's result, never silently lost.

use std::collections::BTreeMap;
use std::path::Path;

use super::transcript::Transcript;
use crate::playbook::vars::HostVars;
use crate::playbook::{Playbook, Session};
use crate::support::outputs::write_private;

/// How the host ended, as its transcript's last line and its recording's
/// header say.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ending<'a> {
    /// `ok`, `changed`, `failed`, ...
    pub status: &'a str,
    pub error: Option<&'a str>,
    /// The ids of its findings.
    pub findings: &'a [String],
}

/// What could not be kept: words for the host's result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Saved {
    /// For the host's warnings (a recording cut at its size bound).
    pub warnings: Vec<String>,
    /// For the host's error (a file that could not be written).
    pub errors: Vec<String>,
}

/// `--transcripts DIR`: the session as text, in `DIR/<host>.log`, its last
/// line the host's outcome.
pub(crate) fn transcript(
    dir: &Path,
    host: &str,
    transcript: &mut Transcript,
    end: Ending<'_>,
) -> Result<(), String> {
    transcript.note(&match end.error {
        Some(reason) => format!("outcome: {}: {reason}", end.status),
        None => format!("outcome: {}", end.status),
    });
    let path = dir.join(format!("{}.log", sshfleet_recording::file_stem(host)));
    write_private(&path, transcript.render().as_bytes()).map_err(|e| {
        let note = format!("cannot write transcript {}: {e}", path.display());
        tracing::warn!("{note}");
        note
    })
}

/// What a recording says of the run besides the session's exchanges.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run<'a> {
    pub playbook: &'a Playbook,
    pub host: &'a str,
    /// The host's variables (secret ones left out).
    pub vars: &'a HostVars,
    /// The appliance clock the playbook read (fact, text): replay shifts
    /// times by it.
    pub clock: Option<(&'a str, &'a str)>,
    /// A `--check` run: the recording holds no fix, and replays in check
    /// mode.
    pub check_mode: bool,
}

/// `--record DIR`: the host's recording, if its transcript kept one.
pub(crate) fn recording(
    dir: &Path,
    transcript: &mut Transcript,
    run: Run<'_>,
    end: Ending<'_>,
) -> Saved {
    let mut saved = Saved::default();
    let Some(recorded) = transcript.take_recording() else {
        return saved;
    };
    if recorded.dropped > 0 {
        saved.warnings.push(format!(
            "recording truncated: {} bytes of output past its size bound not kept",
            recorded.dropped
        ));
    }
    let secrets = transcript.secrets();
    let clock = run
        .clock
        .map(|(fact, text)| (fact.to_string(), secrets.redact(text).into_owned()));
    let mut recording = recording_of(run.playbook, run.host, clock, recorded.exchanges);
    recording.header.vars = run
        .vars
        .values
        .iter()
        .filter(|(name, _)| !crate::support::secrets::is_secret_name(name))
        .map(|(name, value)| {
            let value = match value {
                crate::playbook::Value::Text(t) => {
                    serde_json::Value::String(secrets.redact(t).into_owned())
                }
                other => other.to_json(),
            };
            (name.clone(), value)
        })
        .collect();
    recording.header.check_mode = run.check_mode;
    recording.header.outcome = Some(sshfleet_recording::Outcome {
        status: end.status.to_string(),
        findings: end.findings.to_vec(),
    });
    let path = dir.join(sshfleet_recording::Recording::file_name(run.host));
    if let Err(e) = write_private(&path, recording.to_jsonl().as_bytes()) {
        let note = format!("cannot write recording {}: {e}", path.display());
        tracing::warn!("{note}");
        saved.errors.push(note);
    }
    saved
}

/// A host's recording: how its session was driven, the clock the playbook
/// read and how its log lines are stamped (so replay can shift times
/// without the playbook), and the exchanges.
fn recording_of(
    playbook: &Playbook,
    host: &str,
    clock: Option<(String, String)>,
    exchanges: Vec<sshfleet_recording::Exchange>,
) -> sshfleet_recording::Recording {
    use sshfleet_recording::{Clock, Header, Mode, Pty, Recording, Timestamps, VERSION};
    let (mode, pty, exec_shell) = match &playbook.session {
        Session::Shell { pty_rows, .. } => (
            Mode::Shell,
            Some(Pty {
                term: super::shell::PTY_TERM.to_string(),
                cols: super::shell::PTY_COLS,
                rows: *pty_rows,
            }),
            None,
        ),
        Session::Exec { shell } => (
            Mode::Exec,
            None,
            Some(
                match shell {
                    crate::playbook::ExecShell::Powershell => "powershell",
                    crate::playbook::ExecShell::Cmd => "cmd",
                }
                .to_string(),
            ),
        ),
    };
    let stamps = playbook.timestamp.as_ref();
    Recording {
        header: Header {
            sshfleet_recording: VERSION,
            host: host.to_string(),
            mode,
            pty,
            exec_shell,
            playbook: playbook.name.clone(),
            recorded_at: chrono::Utc::now(),
            clock: clock.zip(stamps).map(|((fact, text), stamps)| Clock {
                fact,
                text,
                format: stamps.format.clone(),
            }),
            timestamps: stamps.map(|t| Timestamps {
                pattern: t.regex.as_str().to_string(),
                format: t.format.clone(),
            }),
            vars: BTreeMap::new(),
            outcome: None,
            check_mode: false,
        },
        exchanges,
    }
}
