//! `sshfleet` runs Cisco TAC troubleshooting procedures across fleets of
//! security appliances over SSH: find the fault, fix it where asked, and only
//! report success that the appliance itself confirmed.
//!
//! Data flows one way (see DESIGN.md): cli → inventory → playbook → runner →
//! transport → shell → playbook executor → report. The simulator in [`sim`]
//! is a real SSH server used by the demo, the tests and the benchmarks.
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

/// `println!` for output a reader may stop reading (`| head`): a closed
/// stdout is not worth a panic. See [`progress::Lines::print`].
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::progress::Lines::Stdout.print(&format!($($arg)*))
    };
}

pub mod algorithms;
pub mod app;
pub mod cli;
pub mod console;
pub mod error;
pub mod events;
pub mod exit;
pub mod inventory;
pub mod known_hosts;
pub mod limits;
pub mod lock;
mod pattern;
pub mod plan;
pub mod playbook;
pub mod progress;
pub mod report;
pub mod retry;
pub mod rollout;
pub mod runner;
pub mod secret;
pub mod shell;
pub mod shutdown;
pub mod sim;
pub mod ssh_config;
pub mod target;
pub mod transcript;
pub mod transport;
pub mod yaml_lines;
