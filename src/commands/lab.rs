//! A run against hosts the simulator serves on loopback (`demo`, `demo
//! --replay`, `playbook test`): the normal run path, reached through the
//! lab's own inventory and known_hosts, never the operator's ssh_config.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::console::Console;
use crate::console::events::LogFormat;
use crate::console::shutdown::Shutdown;
use crate::error::Error;
use crate::exit::ExitCode;
use crate::plan::{Plan, RunSettings, Sources, SshOptions};
use crate::report::Report;

/// What to run on the lab.
pub(super) struct LabRun<'a> {
    pub playbook: &'a str,
    /// The lab's inventory and the known_hosts that holds its host keys.
    pub inventory: &'a Path,
    pub known_hosts: &'a Path,
    pub extra_vars: &'a [String],
    pub check_mode: bool,
    pub report: Option<PathBuf>,
    /// An extra column of the final table (the demo's scenario per host).
    pub labels: Option<(&'static str, BTreeMap<String, String>)>,
}

/// How a lab run ended.
pub(super) enum LabEnd {
    /// Every host ran; the report and the code a production run would exit with.
    Ran(ExitCode, Box<Report>),
    /// Stopped by a signal: the code to exit with.
    Stopped(ExitCode),
}

/// Plan and run `run`; `intro` sees the plan before the first host.
pub(super) async fn run_on_lab(
    run: LabRun<'_>,
    intro: impl FnOnce(&Plan),
) -> Result<LabEnd, Error> {
    let inventory = [run.inventory.to_path_buf()];
    let sources = Sources {
        playbook: run.playbook,
        inventory: &inventory,
        vault: None,
        limit: None,
        shard: None,
        extra_vars: run.extra_vars,
        retry_failed: None,
        ssh: SshOptions {
            ssh_config: Some(Path::new("none")),
            known_hosts: Some(run.known_hosts),
            accept_new_host_keys: false,
        },
    };
    let settings = RunSettings {
        check_mode: run.check_mode,
        ..RunSettings::default()
    };
    let plan = Plan::build(sources, settings, run.report)?;
    intro(&plan);
    let console = Console {
        bars: crate::console::progress::bars_wanted(false),
        format: LogFormat::Text,
        labels: run.labels,
    };
    let shutdown = Shutdown::on_signals();
    let (code, report) = console.run_and_report(plan, &shutdown).await?;
    if code == ExitCode::Interrupted {
        return Ok(LabEnd::Stopped(shutdown.exit_code(code)));
    }
    Ok(LabEnd::Ran(code, Box::new(report)))
}
