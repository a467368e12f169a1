//! One module per subcommand, each composing the layers below (`plan`,
//! `console`, `fleet`, `report`): `cli` parses, these act. Only `cli`,
//! `commands` and `console` touch the terminal, signals or paths named on
//! the command line.

#[cfg(feature = "sim")]
pub(crate) mod demo;
mod inventory;
#[cfg(feature = "sim")]
mod lab;
mod man;
#[cfg(test)]
mod output_flags;
#[cfg(feature = "sim")]
pub(crate) mod playbook_test;
mod report;
pub(crate) mod run;
#[cfg(feature = "sim")]
mod sim;

use crate::cli::{Cli, Command, PlaybookCommand};
use crate::error::Error;
use crate::exit::ExitCode;
use crate::playbook::Playbook;

/// Run the parsed command line; returns the process exit code. Errors are
/// printed here, once, with their causes.
pub(crate) fn main(cli: Cli) -> i32 {
    crate::console::log::init();
    #[cfg(not(test))]
    crate::support::child::adopt_orphans();
    let result = tokio::runtime::Runtime::new()
        .map_err(Error::Runtime)
        .and_then(|runtime| {
            let result = runtime.block_on(async {
                crate::console::shutdown::end_children_on_signals();
                dispatch(cli).await
            });
            // Whatever a stopped run left running (an inventory script it
            // stopped waiting for) ends with it, before the runtime waits
            // for its threads. The registry is the process's: unit tests
            // that call `main` in-process (commands::output_flags) run
            // beside other tests whose commands this would end, and mark
            // every later command as ending; the binary's tests
            // (tests/integration/safety.rs) cover it.
            #[cfg(not(test))]
            crate::support::child::kill_live(None);
            result
        });
    // A signal ending sshfleet decides how it ends, not what the command
    // made of its children being killed meanwhile.
    if let Some(code) = crate::console::stopping::stopping() {
        return code;
    }
    match result {
        Ok(code) => code.code(),
        Err(e) => {
            crate::console::log::error(&crate::error::describe(&e));
            e.exit_code().code()
        }
    }
}

async fn dispatch(cli: Cli) -> Result<ExitCode, Error> {
    crate::support::env::check()?;
    match cli.command {
        Command::Run(args) => run::execute(args).await,
        #[cfg(feature = "sim")]
        Command::Demo(args) => {
            if let Some(report) = &args.report {
                crate::support::outputs::check_file("--report", report)?;
                if let Some(dir) = &args.replay {
                    crate::support::bounds::note_input_dir("--replay", dir);
                }
                crate::support::outputs::refuse_shared_files(&[("--report", report)], &[], &[])?;
            }
            if let Some(replay) = args.replay {
                return playbook_test::execute(playbook_test::Test {
                    playbook: None,
                    replay,
                    expect: None,
                    extra_vars: Vec::new(),
                    check_mode: false,
                    faults: Vec::new(),
                    report: args.report,
                })
                .await;
            }
            demo::execute(args.playbook, args.report).await
        }
        #[cfg(feature = "sim")]
        Command::Sim(args) => sim::execute(args).await,
        Command::Inventory(args) => inventory::execute(args).await,
        Command::Completions { shell } => man::completions(shell),
        Command::Report(command) => report::execute(command),
        Command::Man { out_dir } => man::execute(out_dir),
        #[cfg(feature = "sim")]
        Command::Playbook(PlaybookCommand::Test(args)) => {
            if let Some(report) = &args.report {
                crate::support::outputs::check_file("--report", report)?;
                let mut inputs = Vec::new();
                if crate::playbook::Playbook::names_a_file(&args.playbook) {
                    inputs.push(("the playbook", std::path::Path::new(&args.playbook)));
                }
                inputs.extend(args.expect.as_deref().map(|p| ("--expect", p)));
                crate::support::bounds::note_input_dir("--replay", &args.replay);
                crate::support::outputs::refuse_shared_files(
                    &[("--report", report)],
                    &[],
                    &inputs,
                )?;
            }
            playbook_test::execute(playbook_test::Test {
                playbook: Some(args.playbook),
                replay: args.replay,
                expect: args.expect,
                extra_vars: args.extra_vars,
                check_mode: args.check,
                faults: args.fault.iter().map(|f| f.fault()).collect(),
                report: args.report,
            })
            .await
        }
        Command::Playbook(PlaybookCommand::Validate { playbook }) => {
            let playbook = Playbook::resolve(&playbook)?;
            say!(
                "{}: ok ({} steps)",
                playbook.source.display(),
                playbook.steps.len()
            );
            Ok(ExitCode::Success)
        }
    }
}
