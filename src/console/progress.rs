//! What an operator sees while a fleet runs. On a terminal: one overall bar
//! (done/total, counts by status, elapsed) and one line per host in flight
//! with its current step. Elsewhere (cron, CI, a pipe, `--no-progress`):
//! plain lines only. In both forms each host's result is printed as a line
//! when it finishes, so nothing an operator needs lives only in a bar.
//! Those lines go to stdout, or to stderr when stdout carries the JSON log.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::fleet::Observer;
use crate::report::{HostOutcome, Status};

/// Whether live bars should be drawn: only for a person at a terminal.
pub(crate) fn bars_wanted(no_progress: bool) -> bool {
    use std::io::IsTerminal;
    !no_progress && std::env::var_os("CI").is_none() && std::io::stderr().is_terminal()
}

/// Whether stderr may carry colour: a terminal, and `NO_COLOR` unset.
pub(crate) fn colour_wanted() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Where the human lines (and the summary table) go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lines {
    Stdout,
    /// stdout is reserved for `--log-format json`.
    Stderr,
}

impl Lines {
    /// Print one line. A reader that went away (`sshfleet run ... | head`)
    /// must not stop a remediation half-way, as `println!`'s panic would:
    /// the report file still records everything.
    /// This is the console boundary: whatever the line quotes (a host's
    /// text, a report read back, a file name) reaches the terminal with
    /// its control characters escaped.
    pub(crate) fn print(self, text: &str) {
        self.write(&crate::support::sanitize::escape_for_terminal(text));
    }

    /// Print a record that must stay one line (a difference, a host's
    /// line of `report diff`): its line feeds and tabs are escaped too,
    /// so a value cannot forge a line of its own.
    pub(crate) fn print_line(self, text: &str) {
        self.write(&crate::support::sanitize::escape(text));
    }

    /// Print text of several lines that came whole from a file (a table
    /// of a report read back, a host's detail): line feeds kept, every
    /// other control (tabs too) escaped.
    pub(crate) fn print_lines(self, text: &str) {
        self.write(&crate::support::sanitize::escape_keeping_lines(text));
    }

    /// Print `fields` separated by tabs, each escaped whole (its own tabs
    /// and line feeds too): one record per line for `cut` and `awk`.
    pub(crate) fn print_fields<S: AsRef<str>>(self, fields: &[S]) {
        let fields: Vec<_> = fields
            .iter()
            .map(|f| crate::support::sanitize::escape(f.as_ref()))
            .collect();
        self.write(&fields.join("\t"));
    }

    /// Print serialized JSON: DEL, C1 and the bidirectional controls as
    /// JSON escapes (`\u009b`), the same JSON value.
    pub(crate) fn print_json(self, json: &str) {
        self.write(&crate::support::sanitize::escape_json_text(json));
    }

    /// Write a line already escaped. Nothing on stdout once a signal is
    /// ending sshfleet: a result computed while its commands were being
    /// killed may be wrong, and a complete-looking one would be believed.
    fn write(self, text: &str) {
        use std::io::Write as _;
        if self == Lines::Stdout && crate::console::stopping::stopping().is_some() {
            return;
        }
        let _ = match self {
            Lines::Stdout => writeln!(std::io::stdout().lock(), "{text}"),
            Lines::Stderr => writeln!(std::io::stderr().lock(), "{text}"),
        };
    }
}

/// Counts by status, shared by both forms.
#[derive(Default)]
struct Counts {
    ok: AtomicUsize,
    changed: AtomicUsize,
    failed: AtomicUsize,
    unreachable: AtomicUsize,
    skipped: AtomicUsize,
}

impl Counts {
    fn add(&self, status: Status) {
        let counter = match status {
            Status::Ok => &self.ok,
            Status::Changed => &self.changed,
            Status::Failed => &self.failed,
            Status::Unreachable => &self.unreachable,
            Status::Skipped => &self.skipped,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn summary(&self) -> String {
        let get = |c: &AtomicUsize| c.load(Ordering::Relaxed);
        let mut s = format!(
            "ok {}  changed {}  failed {}  unreachable {}",
            get(&self.ok),
            get(&self.changed),
            get(&self.failed),
            get(&self.unreachable)
        );
        if get(&self.skipped) > 0 {
            s.push_str(&format!("  not run {}", get(&self.skipped)));
        }
        s
    }
}

/// Progress display for one run.
pub(crate) struct Progress {
    bars: Option<Bars>,
    counts: Counts,
    lines: Lines,
}

struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    hosts: Mutex<HashMap<String, ProgressBar>>,
    host_style: ProgressStyle,
}

impl Progress {
    /// `bars`: draw live bars on stderr (see [`bars_wanted`]).
    pub(crate) fn new(total: usize, bars: bool, lines: Lines) -> Progress {
        let bars = bars.then(|| {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            let overall_style =
                ProgressStyle::with_template("[{elapsed_precise}] {bar:30} {pos}/{len}  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar());
            let overall = multi.add(ProgressBar::new(total as u64).with_style(overall_style));
            overall.enable_steady_tick(Duration::from_millis(500));
            // A host's bar shows how long it has been on its step and, for
            // a step that waits, the deadline (kept as the bar's length):
            // `Follow updater_logs (2m of 10m)`.
            let host_style =
                ProgressStyle::with_template("  {spinner} {prefix:.bold} {msg} ({waited})")
                    .map(|style| {
                        style.with_key(
                            "waited",
                            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{}", short_duration(state.elapsed()));
                                if let Some(deadline) = state.len().filter(|&d| d > 0) {
                                    let _ = write!(
                                        w,
                                        " of {}",
                                        short_duration(Duration::from_secs(deadline))
                                    );
                                }
                            },
                        )
                    })
                    .unwrap_or_else(|_| ProgressStyle::default_spinner());
            Bars {
                multi,
                overall,
                hosts: Mutex::new(HashMap::new()),
                host_style,
            }
        });
        let progress = Progress {
            bars,
            counts: Counts::default(),
            lines,
        };
        progress.refresh();
        progress
    }

    /// A line above the bars, or a plain line.
    fn say(&self, text: &str) {
        match &self.bars {
            Some(bars) => {
                let _ = bars
                    .multi
                    .println(crate::support::sanitize::escape_for_terminal(text));
            }
            None => self.lines.print(text),
        }
    }

    fn refresh(&self) {
        if let Some(bars) = &self.bars {
            bars.overall.set_message(self.counts.summary());
        }
    }

    /// The run was interrupted: said above the bars, which would redraw
    /// over a line printed beside them (plain output already has the
    /// signal's own line on stderr).
    pub(crate) fn interrupted(&self) {
        if self.bars.is_some() {
            self.say("interrupt seen: every host sends Ctrl-C to what it runs, closes its session and reports");
        }
    }

    /// Remove the bars before the summary table is printed.
    pub(crate) fn finish(&self) {
        if let Some(bars) = &self.bars {
            bars.overall.finish_and_clear();
            let _ = bars.multi.clear();
        }
    }
}

impl Observer for Progress {
    fn step(&self, host: &str, step: &str, deadline: Option<Duration>) {
        let Some(bars) = &self.bars else {
            return;
        };
        let Ok(mut hosts) = bars.hosts.lock() else {
            return;
        };
        let bar = hosts.entry(host.to_string()).or_insert_with(|| {
            let bar = bars
                .multi
                .add(ProgressBar::new_spinner().with_style(bars.host_style.clone()));
            bar.set_prefix(host.to_string());
            bar.enable_steady_tick(Duration::from_millis(150));
            bar
        });
        bar.set_message(step.to_string());
        bar.set_length(deadline.map_or(0, |d| d.as_secs()));
        bar.reset_elapsed();
    }

    fn finished(&self, outcome: &HostOutcome) {
        self.counts.add(outcome.status);
        match &self.bars {
            Some(bars) => {
                if let Some(bar) = bars
                    .hosts
                    .lock()
                    .ok()
                    .and_then(|mut h| h.remove(&outcome.name))
                {
                    bar.finish_and_clear();
                    bars.multi.remove(&bar);
                }
                let line = outcome.line();
                let _ = bars
                    .multi
                    .println(crate::support::sanitize::escape_for_terminal(&line));
                bars.overall.inc(1);
            }
            None => self.lines.print(&outcome.line()),
        }
        self.refresh();
    }

    fn batch(&self, number: usize, of: usize, hosts: &[String]) {
        // Hosts are in inventory order, not sorted: name them, never a
        // range that would imply the ones between.
        const NAMED: usize = 3;
        let mut which = hosts
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if hosts.len() > NAMED {
            which.push_str(&format!(" and {} more", hosts.len() - NAMED));
        }
        self.say(&format!(
            "batch {number} of {of}: {} host{} ({which})",
            hosts.len(),
            if hosts.len() == 1 { "" } else { "s" }
        ));
    }

    fn stopped(&self, reason: &str, not_run: usize) {
        self.say(&format!(
            "stopping the rollout: {reason}; {not_run} host{} not run",
            if not_run == 1 { "" } else { "s" }
        ));
    }
}

/// `42s`, `2m`, `2m05s`, `1h03m`: whole units, cut, never rounded up.
fn short_duration(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, (s % 3600) / 60, s % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, 0) => format!("{m}m"),
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_durations_are_cut_not_rounded() {
        assert_eq!(short_duration(Duration::from_millis(59_900)), "59s");
        assert_eq!(short_duration(Duration::from_secs(120)), "2m");
        assert_eq!(short_duration(Duration::from_secs(600)), "10m");
        assert_eq!(short_duration(Duration::from_secs(125)), "2m05s");
        assert_eq!(short_duration(Duration::from_secs(3 * 3600 + 61)), "3h01m");
    }

    #[test]
    fn counts_summarise_every_status() {
        let counts = Counts::default();
        for s in [
            Status::Ok,
            Status::Ok,
            Status::Changed,
            Status::Failed,
            Status::Unreachable,
        ] {
            counts.add(s);
        }
        assert_eq!(counts.summary(), "ok 2  changed 1  failed 1  unreachable 1");
        counts.add(Status::Skipped);
        assert!(counts.summary().ends_with("not run 1"));
    }
}
