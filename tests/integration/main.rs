//! Integration tests: the real `sshfleet` binary against simulated
//! appliances served over real SSH on loopback (and, in `interop`, against a
//! real OpenSSH sshd). One test binary keeps link time down.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    unreachable_pub
)]

mod ask_pass;
mod build_reuse;
mod cli_help;
mod closed_pipe;
mod esa;
mod exec_mode;
mod faults;
mod first_hour;
mod fleet;
mod fleet_summary;
mod fleet_values;
mod hostile;
mod html_report;
mod input;
mod interop;
mod inventory_ansible;
mod inventory_classes;
mod inventory_formats;
mod inventory_scripts;
mod keyboard_interactive;
mod known_hosts_parity;
mod known_hosts_tokens;
mod messages;
mod openssh;
mod openssh_auth;
mod openssh_host_keys;
mod openssh_lines;
mod output_collisions;
mod pager;
mod redaction;
mod replay;
mod report;
mod retry;
mod rollout;
mod safety;
mod secret_derived;
mod secret_errors;
mod secret_fields;
mod secret_sinks;
mod shard;
mod signals;
mod sim_cli;
mod sim_server;
mod sim_windows;
mod structure;
mod support;
mod tetra;
mod tetra_partial;
mod tetra_personas;
mod threat_model;
mod transport;
mod unattended;
