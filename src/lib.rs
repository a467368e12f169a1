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
/// stdout is not worth a panic. See `console::progress::Lines::print`.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::console::progress::Lines::Stdout.print(&format!($($arg)*))
    };
}

mod cli;
mod commands;
mod console;
mod error;
mod exit;
mod fleet;
mod inventory;
mod plan;
mod playbook;
#[cfg(test)]
mod properties;
mod report;
mod session;
mod ssh;
mod support;

/// Run the command line `args` (program name first) and return the
/// process's exit code. Arguments are taken as the system gives them, so
/// a file name that is not UTF-8 is a file name, never a panic.
pub fn main(args: Vec<std::ffi::OsString>) -> i32 {
    // Every host is a socket: a fleet of a thousand needs more than 1024.
    support::limits::raise_nofile_limit();
    match cli::parse(args) {
        Ok(cli) => commands::main(cli),
        Err(code) => code,
    }
}
