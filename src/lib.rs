//! `sshfleet` runs Cisco TAC troubleshooting procedures across fleets of
//! security appliances over SSH: find the fault, fix it where asked, and only
//! report success that the appliance itself confirmed.
//!
//! Data flows one way: cli → inventory → playbook → runner → transport →
//! shell → playbook executor → report. The simulated fleet (real SSH
//! servers, the `sshfleet-sim` crate) serves the demo, `sshfleet sim`, the
//! tests and the benchmarks; the default feature `sim` builds it in.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// `println!` for output a reader may stop reading (`| head`): a closed
/// stdout is not worth a panic. See [`progress::Lines::print`].
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::progress::Lines::Stdout.print(&format!($($arg)*))
    };
}

mod algorithms;
mod app;
mod ask_pass;
mod bounds;
mod cli;
mod clixml;
mod codepage;
mod console;
#[cfg(feature = "sim")]
mod demo;
mod error;
mod events;
mod exit;
#[cfg(feature = "sim")]
mod expectations;
mod finding;
mod inventory;
mod known_hosts;
mod limits;
mod lock;
mod man;
mod metrics;
mod outputs;
mod pattern;
mod plan;
mod playbook;
mod progress;
mod prompt_host;
mod recording;
#[cfg(feature = "sim")]
mod rehearse;
mod report;
mod retry;
mod rollout;
mod runner;
mod sanitize;
mod secrets;
mod shard;
mod shell;
mod shutdown;
mod ssh_config;
mod target;
mod transcript;
mod transport;
mod yaml_lines;

/// Run the command line `args` (program name first) and return the
/// process's exit code.
pub fn main(args: Vec<String>) -> i32 {
    // Every host is a socket: a fleet of a thousand needs more than 1024.
    limits::raise_nofile_limit();
    cli::main_with_args(args)
}
