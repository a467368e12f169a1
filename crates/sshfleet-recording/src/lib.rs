//! The recording of one host's session, as `sshfleet run --record DIR`
//! writes it and `sshfleet sim --replay DIR` serves it: what was sent, the
//! exact text that came back and when, chunk by chunk. The format is JSON
//! lines (`docs/RECORDING.md`): one header line, then one line per
//! exchange start and per event, so a person can read a recording, trim it
//! with a text editor, and an error points at a line.
//!
//! This crate is shared by the product (the writer) and the simulator (the
//! reader), which must never depend on each other. It knows nothing of SSH:
//! what an event means to a device is the simulator's business.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod check;
mod shift;

pub use check::{HOST_NAME_GRAMMAR, is_host_name};
pub use shift::{Shift, split_end};

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The version this crate writes, and the only one it reads.
pub const VERSION: u32 = 1;

/// The file name extension of recordings in a directory.
pub const EXTENSION: &str = "jsonl";

/// Ctrl-C as a recorded key: the only way to end an AsyncOS `tail`.
pub const CTRL_C: &str = "\u{3}";

/// The largest recording read: the recorder keeps at most 16 MiB of a
/// host's output, so four times that is no recording sshfleet wrote.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A recording that cannot be read, with where.
#[derive(Debug, thiserror::Error)]
pub enum RecordingError {
    #[error("cannot read recording {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line that is not what the format says, by file and line number
    /// (from 1).
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{}: no recordings (*.{EXTENSION}) in this directory", path.display())]
    Empty { path: PathBuf },
}

/// How the host was driven: an interactive PTY shell read up to its
/// prompt (AsyncOS), or one SSH exec request per command (OpenSSH for
/// Windows).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Shell,
    Exec,
}

/// The terminal asked for in shell mode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pty {
    pub term: String,
    pub cols: u32,
    pub rows: u32,
}

/// The appliance's clock as the playbook read it: the captured text, the
/// fact it was captured as, and how to parse it. Replay shifts every time
/// by (now − this clock).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Clock {
    pub fact: String,
    pub text: String,
    pub format: String,
}

/// How log lines carry the appliance's time (the playbook's `timestamp:`):
/// `pattern` has a named group `ts`, parsed with `format` (chrono).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timestamps {
    pub pattern: String,
    pub format: String,
}

/// The first line of a recording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// The format version, [`VERSION`].
    pub sshfleet_recording: u32,
    /// The host as the inventory named it.
    pub host: String,
    pub mode: Mode,
    /// Shell mode: the terminal asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pty: Option<Pty>,
    /// Exec mode: the shell commands were written for (`powershell`, `cmd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec_shell: Option<String>,
    /// The playbook that was run.
    pub playbook: String,
    /// When the recording was made (UTC, the recorder's clock).
    pub recorded_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clock: Option<Clock>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamps: Option<Timestamps>,
    /// The playbook's variables as the host ran with them (names that
    /// look secret left out): a replay's inventory gives them back, so the
    /// replay waits as long as the recorded run did.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, serde_json::Value>,
    /// How the host ended in the recorded run: what a replay of the same
    /// playbook must end as (`sshfleet demo --replay`, and `playbook test`
    /// without `--expect`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// The run was a `--check` one: the recording holds diagnostics only,
    /// no fix, so it replays in check mode (a fix it never saw would be
    /// answered as an unknown command).
    #[serde(default, skip_serializing_if = "is_false")]
    pub check_mode: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A host's status (`ok`, `changed`, `failed`, ...) and finding ids.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<String>,
}

/// Something that happened during an exchange.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Text the host wrote (stdout; in shell mode, everything).
    Out(String),
    /// Text the host wrote on stderr (exec mode).
    Err(String),
    /// A key sent while the command ran: Ctrl-C ([`CTRL_C`]) to end a
    /// follow, or the answer to a pager.
    Key(String),
    /// The exec request's exit status.
    ExitStatus(u32),
    /// The host closed the session (after `exit`, or dropping it mid-follow).
    Closed,
}

/// An event and when it happened, in milliseconds after its exchange began.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timed {
    pub ms: u64,
    pub event: Event,
}

/// What starts a group of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// A shell session opened: the banner and first prompt follow.
    Login,
    /// A command line typed at the shell prompt; `follow` when it does not
    /// end by itself (it is ended with Ctrl-C).
    Command { command: String, follow: bool },
    /// One exec request, the command as the playbook wrote it.
    Exec { command: String },
}

/// An exchange: what started it and what followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub start: Start,
    pub events: Vec<Timed>,
}

impl Exchange {
    /// The command sent, if the exchange is a command or an exec.
    pub fn command(&self) -> Option<&str> {
        match &self.start {
            Start::Login => None,
            Start::Command { command, .. } | Start::Exec { command } => Some(command),
        }
    }
}

/// One host's recorded sessions.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    pub header: Header,
    pub exchanges: Vec<Exchange>,
}

/// One line as written: exactly one of the starts, or `ms` and one event.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    login: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    follow: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exec: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    out: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    err: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    exit_status: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    closed: Option<bool>,
}

impl Line {
    fn of_start(start: &Start) -> Line {
        match start {
            Start::Login => Line {
                login: Some(true),
                ..Line::default()
            },
            Start::Command { command, follow } => Line {
                command: Some(command.clone()),
                follow: follow.then_some(true),
                ..Line::default()
            },
            Start::Exec { command } => Line {
                exec: Some(command.clone()),
                ..Line::default()
            },
        }
    }

    fn of_event(timed: &Timed) -> Line {
        let mut line = Line {
            ms: Some(timed.ms),
            ..Line::default()
        };
        match &timed.event {
            Event::Out(text) => line.out = Some(text.clone()),
            Event::Err(text) => line.err = Some(text.clone()),
            Event::Key(key) => line.key = Some(key.clone()),
            Event::ExitStatus(status) => line.exit_status = Some(*status),
            Event::Closed => line.closed = Some(true),
        }
        line
    }

    /// What the line is, or why it is neither a start nor an event.
    fn parse(self) -> Result<Parsed, String> {
        let starts = usize::from(self.login.is_some())
            + usize::from(self.command.is_some())
            + usize::from(self.exec.is_some());
        let events = usize::from(self.out.is_some())
            + usize::from(self.err.is_some())
            + usize::from(self.key.is_some())
            + usize::from(self.exit_status.is_some())
            + usize::from(self.closed.is_some());
        match (starts, events, self.ms) {
            (1, 0, None) => {
                if self.follow.is_some() && self.command.is_none() {
                    return Err("`follow` belongs to a `command` line".to_string());
                }
                Ok(Parsed::Start(if let Some(command) = self.command {
                    Start::Command {
                        command,
                        follow: self.follow.unwrap_or(false),
                    }
                } else if let Some(command) = self.exec {
                    Start::Exec { command }
                } else {
                    Start::Login
                }))
            }
            (0, 1, Some(ms)) if self.follow.is_none() => {
                let event = if let Some(text) = self.out {
                    Event::Out(text)
                } else if let Some(text) = self.err {
                    Event::Err(text)
                } else if let Some(key) = self.key {
                    Event::Key(key)
                } else if let Some(status) = self.exit_status {
                    Event::ExitStatus(status)
                } else {
                    Event::Closed
                };
                Ok(Parsed::Event(Timed { ms, event }))
            }
            (0, 1, None) => Err("an event needs `ms`".to_string()),
            _ => Err(
                "expected one of `login`, `command`, `exec` (an exchange), or `ms` with one of \
                 `out`, `err`, `key`, `exit_status`, `closed` (an event)"
                    .to_string(),
            ),
        }
    }
}

enum Parsed {
    Start(Start),
    Event(Timed),
}

impl Recording {
    /// The recording as JSON lines: the header, then each exchange's start
    /// and its events.
    pub fn to_jsonl(&self) -> String {
        let mut out = String::new();
        // Serialising these types (strings, numbers, options) cannot fail.
        let mut push = |value: Result<String, serde_json::Error>| {
            let _ = writeln!(out, "{}", value.unwrap_or_default());
        };
        push(serde_json::to_string(&self.header));
        for exchange in &self.exchanges {
            push(serde_json::to_string(&Line::of_start(&exchange.start)));
            for event in &exchange.events {
                push(serde_json::to_string(&Line::of_event(event)));
            }
        }
        out
    }

    /// Read a recording written by [`Recording::to_jsonl`] (or trimmed by
    /// hand); `path` names it in errors. Blank lines are skipped.
    pub fn parse(text: &str, path: &Path) -> Result<Recording, RecordingError> {
        let invalid = |line: usize, message: String| RecordingError::Invalid {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut lines = text
            .lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l))
            .filter(|(_, l)| !l.trim().is_empty());
        let Some((number, first)) = lines.next() else {
            return Err(invalid(1, "empty file: no header line".to_string()));
        };
        let version: serde_json::Value =
            serde_json::from_str(first).map_err(|e| invalid(number, format!("not JSON: {e}")))?;
        match version.get("sshfleet_recording").and_then(|v| v.as_u64()) {
            Some(v) if v == u64::from(VERSION) => {}
            Some(v) => {
                return Err(invalid(
                    number,
                    format!("recording format version {v}; this sshfleet reads version {VERSION}"),
                ));
            }
            None => {
                return Err(invalid(
                    number,
                    "the first line must be the header, with `sshfleet_recording`".to_string(),
                ));
            }
        }
        let header: Header =
            serde_json::from_value(version).map_err(|e| invalid(number, format!("header: {e}")))?;
        check::check_header(&header).map_err(|m| invalid(number, m))?;
        let mut exchanges: Vec<Exchange> = Vec::new();
        for (number, text) in lines {
            let line: Line =
                serde_json::from_str(text).map_err(|e| invalid(number, e.to_string()))?;
            match line.parse().map_err(|m| invalid(number, m))? {
                Parsed::Start(start) => exchanges.push(Exchange {
                    start,
                    events: Vec::new(),
                }),
                Parsed::Event(event) => match exchanges.last_mut() {
                    Some(exchange) => exchange.events.push(event),
                    None => {
                        return Err(invalid(
                            number,
                            "an event before any `login`, `command` or `exec` line".to_string(),
                        ));
                    }
                },
            }
        }
        if let Some(timestamps) = &header.timestamps {
            // Checked now, so replay never meets a pattern it cannot use.
            if let Err(e) = regex::Regex::new(&timestamps.pattern) {
                return Err(invalid(number, format!("timestamps.pattern: {e}")));
            }
        }
        Ok(Recording { header, exchanges })
    }

    /// Read one recording file: a regular file of at most
    /// [`MAX_FILE_BYTES`]. Opened without blocking (`O_NONBLOCK`: a FIFO's
    /// open waits for a writer otherwise) and checked once open (`fstat`),
    /// as the product's own reader (`support::bounds`) opens every input;
    /// this crate cannot use that one, the product depends on it.
    pub fn read(path: &Path) -> Result<Recording, RecordingError> {
        let read_error = |source| RecordingError::Read {
            path: path.to_path_buf(),
            source,
        };
        let refused =
            |why: String| read_error(std::io::Error::new(std::io::ErrorKind::InvalidInput, why));
        let mut options = std::fs::OpenOptions::new();
        options.read(true);
        #[cfg(unix)]
        {
            use rustix::fs::OFlags;
            use std::os::unix::fs::OpenOptionsExt as _;
            options.custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32);
        }
        let file = options.open(path).map_err(read_error)?;
        let meta = file.metadata().map_err(read_error)?;
        if !meta.is_file() {
            return Err(refused(
                "not a regular file (a FIFO, a device or a directory)".to_string(),
            ));
        }
        let too_large = || refused(format!("larger than {MAX_FILE_BYTES} bytes"));
        if meta.len() > MAX_FILE_BYTES {
            return Err(too_large());
        }
        let mut text = String::new();
        std::io::Read::read_to_string(
            &mut std::io::Read::take(file, MAX_FILE_BYTES + 1),
            &mut text,
        )
        .map_err(read_error)?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large());
        }
        Recording::parse(&text, path)
    }

    /// Every recording in `dir` (`*.jsonl`), by file name. A `*.jsonl`
    /// entry that is not a regular file (a FIFO, a device, a link to one)
    /// is refused by [`Recording::read`], not skipped: a replay that left
    /// out a recording would claim success for hosts it never replayed.
    pub fn read_dir(dir: &Path) -> Result<Vec<(PathBuf, Recording)>, RecordingError> {
        let read_error = |source| RecordingError::Read {
            path: dir.to_path_buf(),
            source,
        };
        let mut paths = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(read_error)? {
            let path = entry.map_err(read_error)?.path();
            if path.extension().is_some_and(|e| e == EXTENSION) {
                paths.push(path);
            }
        }
        if paths.is_empty() {
            return Err(RecordingError::Empty {
                path: dir.to_path_buf(),
            });
        }
        paths.sort();
        paths
            .into_iter()
            .map(|path| Recording::read(&path).map(|r| (path, r)))
            .collect()
    }

    /// The file name a host's recording is written under: see
    /// [`file_stem`].
    pub fn file_name(host: &str) -> String {
        format!("{}.{EXTENSION}", file_stem(host))
    }
}

/// A host name as a file name's stem, one to one: letters, digits, `.`,
/// `-` and `_` stay, every other byte (`%` itself too) is `%` and two hex
/// digits. Two hosts never share a file: `esa/1` is `esa%2F1`, `esa_1`
/// stays `esa_1` (both were `esa_1` when `_` replaced every other
/// character, and one session overwrote the other). Transcripts use it
/// too; replay reads every `*.jsonl` by its header, not by its name.
pub fn file_stem(host: &str) -> String {
    let mut stem = String::with_capacity(host.len());
    for b in host.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
            stem.push(char::from(b));
        } else {
            stem.push_str(&format!("%{b:02X}"));
        }
    }
    stem
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    pub(crate) fn sample() -> Recording {
        Recording {
            header: Header {
                sshfleet_recording: VERSION,
                host: "esa01.example.com".to_string(),
                mode: Mode::Shell,
                pty: Some(Pty {
                    term: "vt100".to_string(),
                    cols: 511,
                    rows: 10_000,
                }),
                exec_shell: None,
                playbook: "esa-ecupdate".to_string(),
                recorded_at: DateTime::from_timestamp(1_747_740_000, 0).unwrap(),
                clock: Some(Clock {
                    fact: "appliance_clock".to_string(),
                    text: "Tue May 20 11:26:55 2025".to_string(),
                    format: "%a %b %e %H:%M:%S %Y".to_string(),
                }),
                timestamps: Some(Timestamps {
                    pattern:
                        r"^(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4}) "
                            .to_string(),
                    format: "%a %b %e %H:%M:%S %Y".to_string(),
                }),
                vars: [("update_timeout".to_string(), serde_json::json!("30s"))].into(),
                outcome: Some(Outcome {
                    status: "changed".to_string(),
                    findings: vec!["ecs-token-403".to_string()],
                }),
                check_mode: false,
            },
            exchanges: vec![
                Exchange {
                    start: Start::Login,
                    events: vec![Timed {
                        ms: 3,
                        event: Event::Out("Welcome\r\n\r\nesa01> ".to_string()),
                    }],
                },
                Exchange {
                    start: Start::Command {
                        command: "tail ecs".to_string(),
                        follow: true,
                    },
                    events: vec![
                        Timed {
                            ms: 1,
                            event: Event::Out("tail ecs\r\nPress Ctrl-C to stop.\r\n".to_string()),
                        },
                        Timed {
                            ms: 900,
                            event: Event::Key(CTRL_C.to_string()),
                        },
                        Timed {
                            ms: 901,
                            event: Event::Out("\r\nesa01> ".to_string()),
                        },
                    ],
                },
                Exchange {
                    start: Start::Exec {
                        command: "whoami".to_string(),
                    },
                    events: vec![
                        Timed {
                            ms: 2,
                            event: Event::Err("no\r\n".to_string()),
                        },
                        Timed {
                            ms: 2,
                            event: Event::ExitStatus(1),
                        },
                        Timed {
                            ms: 5,
                            event: Event::Closed,
                        },
                    ],
                },
            ],
        }
    }

    #[test]
    fn a_recording_survives_writing_and_reading() {
        let recording = sample();
        let text = recording.to_jsonl();
        assert!(text.starts_with("{\"sshfleet_recording\":1,"), "{text}");
        assert!(text.contains("{\"command\":\"tail ecs\",\"follow\":true}\n"));
        assert!(text.contains("{\"ms\":900,\"key\":\"\\u0003\"}\n"));
        let back = Recording::parse(&text, Path::new("r.jsonl")).unwrap();
        assert_eq!(back, recording);
    }

    #[test]
    fn a_bad_line_is_named_by_file_and_line() {
        let mut text = sample().to_jsonl();
        text.push_str("{\"ms\":3}\n");
        let e = Recording::parse(&text, Path::new("dir/esa01.jsonl")).unwrap_err();
        let lines = text.lines().count();
        assert!(
            e.to_string()
                .starts_with(&format!("dir/esa01.jsonl:{lines}: ")),
            "{e}"
        );
        let e = Recording::parse("{\"sshfleet_recording\":2}\n", Path::new("x.jsonl"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("x.jsonl:1: recording format version 2"), "{e}");
        let e = Recording::parse("{\"login\":true}\n", Path::new("x.jsonl"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("x.jsonl:1: the first line must be the header"),
            "{e}"
        );
        let header = sample().to_jsonl().lines().next().unwrap().to_string();
        let e = Recording::parse(
            &format!("{header}\n\n{{\"ms\":1,\"out\":\"x\"}}\n"),
            Path::new("y"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("y:3: an event before any"), "{e}");
        let e = Recording::parse(
            &format!("{header}\n{{\"command\":\"x\",\"ms\":1}}\n"),
            Path::new("y"),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("y:2: expected one of"), "{e}");
    }

    #[test]
    fn file_names_are_safe() {
        assert_eq!(
            Recording::file_name("esa01.example.com"),
            "esa01.example.com.jsonl"
        );
        assert_eq!(Recording::file_name("../x y"), "..%2Fx%20y.jsonl");
    }

    /// Names that shared a file when every other character became `_`.
    #[test]
    fn no_two_host_names_share_a_file() {
        let names = [
            "esa/1", "esa_1", "esa 1", "esa%2F1", "esa%1", "esa\\1", "é", "_", "%", "%25", "",
        ];
        let stems: std::collections::HashSet<String> = names.iter().map(|n| file_stem(n)).collect();
        assert_eq!(stems.len(), names.len(), "{stems:?}");
        assert_eq!(file_stem("esa/1"), "esa%2F1");
        assert_eq!(file_stem("esa_1"), "esa_1");
    }

    #[test]
    fn a_header_carries_data_never_connection_settings() {
        let hostile = [
            ("host", serde_json::json!("esa01;touch /tmp/x")),
            ("host", serde_json::json!("-oProxyCommand=x")),
            ("playbook", serde_json::json!("../../etc/passwd")),
            ("playbook", serde_json::json!("/tmp/evil.yaml")),
            (
                "vars",
                serde_json::json!({"ansible_ssh_common_args": "-o ProxyCommand=x"}),
            ),
            ("vars", serde_json::json!({"ANSIBLE_HOST": "10.0.0.1"})),
            ("vars", serde_json::json!({"sshfleet_password_env": "HOME"})),
            ("vars", serde_json::json!({"inventory_hostname": "x"})),
            (
                "vars",
                serde_json::json!({"x": "{{ lookup('file', '/etc/shadow') }}"}),
            ),
            ("vars", serde_json::json!({"x": {"nested": 1}})),
            ("vars", serde_json::json!({"x": "a\u{1b}[2J"})),
            ("vars", serde_json::json!({"a b": 1})),
        ];
        let good = sample().to_jsonl();
        let (first, rest) = good.split_once('\n').unwrap();
        for (field, value) in hostile {
            let mut header: serde_json::Value = serde_json::from_str(first).unwrap();
            header[field] = value.clone();
            let text = format!("{header}\n{rest}");
            let e = Recording::parse(&text, Path::new("r.jsonl")).unwrap_err();
            assert!(
                e.to_string().starts_with("r.jsonl:1: header: "),
                "{field} {value}: {e}"
            );
        }
        assert!(Recording::parse(&good, Path::new("r.jsonl")).is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_read() {
        let e = Recording::read(Path::new("/dev/zero")).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    /// A `*.jsonl` in a replay directory that is a FIFO or a link to a
    /// device is refused, naming it, never skipped (nor waited on).
    #[cfg(unix)]
    #[test]
    fn a_directory_with_a_fifo_or_device_recording_is_refused() {
        let dir = std::env::temp_dir().join(format!("sshfleet-rec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("a.jsonl"), sample().to_jsonl()).unwrap();
        assert_eq!(Recording::read_dir(&dir).unwrap().len(), 1);
        let fifo = dir.join("b.jsonl");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        let e = Recording::read_dir(&dir).unwrap_err().to_string();
        assert!(
            e.contains("b.jsonl") && e.contains("not a regular file"),
            "{e}"
        );
        std::fs::remove_file(&fifo).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.join("c.jsonl")).unwrap();
        let e = Recording::read_dir(&dir).unwrap_err().to_string();
        assert!(
            e.contains("c.jsonl") && e.contains("not a regular file"),
            "{e}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
