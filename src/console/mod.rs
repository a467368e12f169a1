//! What a person, a cron mail or a log shipper sees of a run: live
//! progress or plain lines as hosts finish, the summary table, the report
//! file, and (with `--log-format json`) one JSON object per event.

pub(crate) mod echo;
pub(crate) mod escaped;
pub(crate) mod events;
pub(crate) mod log;
pub(crate) mod metrics;
pub(crate) mod progress;
pub(crate) mod shutdown;
pub(crate) mod stopping;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::console::events::{JsonLog, LogFormat};
use crate::console::progress::{Lines, Progress};
use crate::console::shutdown::Shutdown;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::fleet::{Observer, Observers};
use crate::plan::Plan;
use crate::report::Report;

/// How a run shows itself.
#[derive(Debug, Clone)]
pub(crate) struct Console {
    /// Progress bars (only on a terminal, see [`crate::console::progress::bars_wanted`]).
    pub bars: bool,
    pub format: LogFormat,
    /// An extra column of the final table: its title and each host's cell
    /// (the demo's scenario of each host).
    pub labels: Option<(&'static str, BTreeMap<String, String>)>,
}

impl Console {
    /// Where human lines go: stdout, unless stdout carries JSON.
    pub(crate) fn lines(&self) -> Lines {
        match self.format {
            LogFormat::Text => Lines::Stdout,
            LogFormat::Json => Lines::Stderr,
        }
    }

    /// Run `plan` in view: progress, the table, the report written
    /// atomically, and the exit code the results call for: the code the
    /// process exits with (a run stopped by SIGTERM 143, SIGHUP 129), the
    /// same in the metrics file and the JSON log's `run_finished`.
    pub(crate) async fn run_and_report(
        &self,
        plan: Plan,
        shutdown: &Shutdown,
    ) -> Result<(ExitCode, Report), Error> {
        let cancel = shutdown.token();
        let lines = self.lines();
        let check_mode = plan.settings.check_mode;
        if check_mode {
            lines.print("check mode: diagnostics only, nothing will be changed");
        }
        let report_path = plan.report.clone();
        let metrics_path = plan.metrics_file.clone();
        let html_path = plan.html.clone();
        let hosts = plan.hosts.len();
        let progress = Arc::new(Progress::new(hosts, self.bars, lines));
        let json = (self.format == LogFormat::Json).then(|| {
            Arc::new(JsonLog::new(&crate::support::sanitize::escape(
                &plan.playbook.name,
            )))
        });
        let shown: Arc<dyn Observer> = match &json {
            Some(json) => {
                json.run_started(
                    hosts,
                    check_mode,
                    plan.settings.rollout.batch_sizes(hosts).len(),
                );
                Arc::new(Observers(vec![progress.clone(), json.clone()]))
            }
            None => progress.clone(),
        };
        // The fleet's texts are true; what is shown of them is escaped.
        let observer: Arc<dyn Observer> = Arc::new(escaped::Escaped(shown));
        let seen = {
            let (progress, cancel) = (progress.clone(), cancel.clone());
            tokio::spawn(async move {
                cancel.cancelled().await;
                progress.interrupted();
            })
        };
        let report = escaped::report(crate::fleet::run(plan, observer, cancel).await);
        seen.abort();
        progress.finish();
        // The report is on disk before anything renders it: the record of
        // what was done to the fleet must not depend on the table.
        let written = report_path.as_ref().map(|path| {
            escaped::write(&report, path).map_err(|source| Error::WriteReport {
                path: path.clone(),
                source,
            })
        });
        let labels = self.labels.as_ref().map(|(title, cells)| (*title, cells));
        // `--retry-failed` with nothing to retry has said so: no empty table.
        if !report.hosts.is_empty() {
            lines.print(&format!("\n{}", report.table(labels).trim_end()));
        }
        if let (Some(path), Some(written)) = (&report_path, written) {
            written?;
            lines.print(&format!("report written to {}", path.display()));
        }
        if let Some(path) = &html_path {
            let source = report_path.as_ref().map(|p| p.display().to_string());
            crate::report::html::write(&report, source.as_deref(), path).map_err(|source| {
                Error::WriteHtml {
                    path: path.clone(),
                    source,
                }
            })?;
            lines.print(&format!("HTML report written to {}", path.display()));
        }
        let code = shutdown.exit_code(report.exit_code());
        if let Some(path) = &metrics_path {
            crate::console::metrics::write(path, &report, code).map_err(|source| {
                Error::WriteMetrics {
                    path: path.clone(),
                    source,
                }
            })?;
        }
        if let Some(json) = &json {
            json.run_finished(&report, code, report_path.as_deref());
        }
        Ok((code, report))
    }
}
