//! Every command-line argument that names a path, per subcommand: what
//! sshfleet writes there and when the path is checked, or that it is only
//! read. A path argument added to any subcommand fails
//! `every_path_argument_is_in_the_table` until it is listed here, and
//! every `run` output is shown checked before the first host by
//! `every_run_output_is_checked_before_any_host`.

/// When an output path is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Checked {
    /// Before the first host is contacted (a run, a demo, a replay test):
    /// a path found unusable after appliances changed is a change nobody
    /// can account for.
    BeforeFirstHost,
    /// Before anything is written (no host is involved).
    BeforeWriting,
}

/// `(subcommand, argument id, when checked)` for every path written.
pub(crate) const OUTPUT_PATHS: &[(&str, &str, Checked)] = &[
    ("run", "report", Checked::BeforeFirstHost),
    ("run", "metrics_file", Checked::BeforeFirstHost),
    ("run", "transcripts", Checked::BeforeFirstHost),
    ("run", "record", Checked::BeforeFirstHost),
    ("run", "lock", Checked::BeforeFirstHost),
    ("run", "html", Checked::BeforeFirstHost),
    ("demo", "report", Checked::BeforeFirstHost),
    ("playbook test", "report", Checked::BeforeFirstHost),
    ("report merge", "out", Checked::BeforeWriting),
    ("report html", "out", Checked::BeforeWriting),
    ("man", "out_dir", Checked::BeforeWriting),
    ("sim", "inventory_out", Checked::BeforeWriting),
];

/// `(subcommand, argument id)` for every path only read.
pub(crate) const INPUT_PATHS: &[(&str, &str)] = &[
    ("run", "inventory"),
    ("run", "known_hosts"),
    ("run", "ssh_config"),
    ("run", "retry_failed"),
    ("run", "vault_password_file"),
    ("demo", "replay"),
    ("sim", "replay"),
    ("inventory", "inventory"),
    ("inventory", "ssh_config"),
    ("inventory", "vault_password_file"),
    ("playbook test", "replay"),
    ("playbook test", "expect"),
    ("report show", "report"),
    ("report diff", "old"),
    ("report diff", "new"),
    ("report merge", "reports"),
    ("report html", "report"),
];

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use std::path::PathBuf;

    use clap::{CommandFactory as _, Parser as _};

    use super::*;
    use crate::cli::{Cli, Command};

    /// Every `(subcommand path, argument id)` whose value is a path.
    fn path_arguments(command: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        for arg in command.get_arguments() {
            if arg.get_value_parser().type_id() == std::any::TypeId::of::<PathBuf>() {
                out.push((path.to_string(), arg.get_id().to_string()));
            }
        }
        for sub in command.get_subcommands() {
            let name = if path.is_empty() {
                sub.get_name().to_string()
            } else {
                format!("{path} {}", sub.get_name())
            };
            path_arguments(sub, &name, out);
        }
    }

    #[test]
    fn every_path_argument_is_in_the_table() {
        let mut found = Vec::new();
        path_arguments(&Cli::command(), "", &mut found);
        let listed: Vec<(String, String)> = OUTPUT_PATHS
            .iter()
            .map(|(c, a, _)| (c.to_string(), a.to_string()))
            .chain(
                INPUT_PATHS
                    .iter()
                    .map(|(c, a)| (c.to_string(), a.to_string())),
            )
            .collect();
        for arg in &found {
            assert!(
                listed.contains(arg),
                "`{} --{}` takes a path but is in neither OUTPUT_PATHS nor INPUT_PATHS",
                arg.0,
                arg.1
            );
        }
        for arg in &listed {
            #[cfg(feature = "sim")]
            assert!(
                found.contains(arg),
                "{arg:?} is listed but no such argument"
            );
        }
    }

    #[test]
    fn every_run_output_is_checked_before_any_host() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, "").unwrap();
        // A FIFO would block the write at the end of the run.
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        for unusable in [file.join("below-a-file"), fifo] {
            for (command, id, checked) in OUTPUT_PATHS {
                if *command != "run" {
                    continue;
                }
                assert_eq!(*checked, Checked::BeforeFirstHost);
                let flag = format!("--{}", id.replace('_', "-"));
                let cli = Cli::try_parse_from([
                    "sshfleet",
                    "run",
                    "esa-ecupdate",
                    "-i",
                    "inventory.yaml",
                    &flag,
                    unusable.to_str().unwrap(),
                ])
                .unwrap();
                let Command::Run(args) = cli.command else {
                    panic!("not a run");
                };
                let e = crate::commands::run::check_outputs(&args).unwrap_err();
                assert!(
                    e.to_string().contains(&flag) && e.to_string().contains("nothing was run"),
                    "{flag} {}: {e}",
                    unusable.display()
                );
            }
        }
    }
}
