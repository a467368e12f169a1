//! `--log-format json`: one JSON object per line on stdout for each host
//! event, so a log shipper (journald, Fluent Bit, Vector) indexes a run
//! without parsing the human table. Every line carries `ts` (UTC, RFC 3339),
//! `event` and `playbook`; host events carry `host`. While JSON is on,
//! stdout carries nothing else: the human lines and table go to stderr.
//!
//! Events, in order: `run_started`; per batch (with `--serial`)
//! `batch_started`; per host `host_started`, `step`... (with `timeout_s`
//! for a step that waits), `host_finished` (status, duration_ms, facts,
//! findings, actions, confirmations when there are any, error, warnings
//! when there are any);
//! `rollout_stopped` when a batch crossed `--max-fail-percent`;
//! `run_finished` (summary, exit_code, report path).

use std::io::Write as _;
use std::path::Path;

use serde_json::{Map, Value, json};

use crate::exit::ExitCode;
use crate::fleet::Observer;
use crate::report::{HostOutcome, Report};

/// How a run reports itself on stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// Lines and a table for people.
    #[default]
    Text,
    /// One JSON object per event, for log shippers.
    Json,
}

/// Writes the JSON events of one run to stdout.
pub(crate) struct JsonLog {
    playbook: String,
}

impl JsonLog {
    pub(crate) fn new(playbook: &str) -> JsonLog {
        JsonLog {
            playbook: playbook.to_string(),
        }
    }

    /// One line, written whole under stdout's lock so concurrent hosts
    /// never interleave.
    fn emit(&self, event: &str, fields: Value) {
        let mut line = Map::new();
        line.insert(
            "ts".into(),
            chrono::Utc::now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                .into(),
        );
        line.insert("event".into(), event.into());
        line.insert("playbook".into(), self.playbook.clone().into());
        if let Value::Object(fields) = fields {
            line.extend(fields);
        }
        let Ok(text) = serde_json::to_string(&line) else {
            return;
        };
        let text = crate::support::sanitize::escape_json_text(&text);
        if crate::console::stopping::stopping().is_some() {
            // A signal is ending sshfleet: nothing more on stdout.
            return;
        }
        let mut out = std::io::stdout().lock();
        // A closed pipe must not stop the run; the report is still written.
        let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    }

    pub(crate) fn run_started(&self, hosts: usize, check_mode: bool, batches: usize) {
        self.emit(
            "run_started",
            json!({"hosts": hosts, "check_mode": check_mode, "batches": batches}),
        );
    }

    /// The run did not start (another run holds the lock).
    pub(crate) fn refused(&self, reason: &str) {
        self.emit("run_refused", json!({ "reason": reason }));
    }

    pub(crate) fn run_finished(&self, report: &Report, code: ExitCode, path: Option<&Path>) {
        self.emit(
            "run_finished",
            json!({
                "summary": report.summary,
                "interrupted": report.interrupted,
                "exit_code": code.code(),
                "report": path.map(|p| p.display().to_string()),
            }),
        );
    }
}

impl Observer for JsonLog {
    fn started(&self, host: &str) {
        self.emit("host_started", json!({ "host": host }));
    }

    fn step(&self, host: &str, step: &str, deadline: Option<std::time::Duration>) {
        let mut fields = json!({ "host": host, "step": step });
        if let (Some(deadline), Value::Object(map)) = (deadline, &mut fields) {
            map.insert("timeout_s".into(), deadline.as_secs().into());
        }
        self.emit("step", fields);
    }

    fn finished(&self, outcome: &HostOutcome) {
        let mut fields = match serde_json::to_value(outcome) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        fields.remove("name");
        fields.insert("host".into(), outcome.name.clone().into());
        self.emit("host_finished", Value::Object(fields));
    }

    fn batch(&self, number: usize, of: usize, hosts: &[String]) {
        self.emit(
            "batch_started",
            json!({"batch": number, "batches": of, "hosts": hosts}),
        );
    }

    fn stopped(&self, reason: &str, not_run: usize) {
        self.emit(
            "rollout_stopped",
            json!({"reason": reason, "not_run": not_run}),
        );
    }
}
