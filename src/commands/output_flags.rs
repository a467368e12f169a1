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
    use std::path::{Path, PathBuf};

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

    /// What a planted symbolic link at an output's path must come to.
    #[derive(Debug, Clone, Copy, PartialEq)]
    enum AtALink {
        /// The link is replaced by the new file; its target is untouched.
        Replaced,
        /// The command refuses it (a directory to write into, the lock).
        Refused,
        /// A link inside the directory (`DIR/sshfleet.1`) is replaced.
        ReplacedInside(&'static str),
        /// Not driven here: the command serves until stopped (`sim`) or
        /// runs a whole lab (`demo`, `playbook test`); its report goes
        /// through the same writer as `run --report`'s.
        NotDriven,
    }

    /// Every output of [`OUTPUT_PATHS`] and what a link, a FIFO and a
    /// directory at its path must come to: a FIFO is always refused; a
    /// directory is refused where a file goes (`is_dir`: a directory is
    /// what it takes).
    const LINK_CASES: &[(&str, &str, AtALink, bool)] = &[
        ("run", "report", AtALink::Replaced, false),
        ("run", "metrics_file", AtALink::Replaced, false),
        ("run", "transcripts", AtALink::Refused, true),
        ("run", "record", AtALink::Refused, true),
        ("run", "lock", AtALink::Refused, false),
        ("run", "html", AtALink::Replaced, false),
        ("demo", "report", AtALink::NotDriven, false),
        ("playbook test", "report", AtALink::NotDriven, false),
        ("report merge", "out", AtALink::Replaced, false),
        ("report html", "out", AtALink::Replaced, false),
        (
            "man",
            "out_dir",
            AtALink::ReplacedInside("sshfleet.1"),
            true,
        ),
        ("sim", "inventory_out", AtALink::NotDriven, false),
    ];

    /// The command line that writes `path` as `--flag` of `command`.
    fn writing(command: &str, id: &str, path: &Path, dir: &Path) -> Vec<std::ffi::OsString> {
        let flag = format!("--{}", id.replace('_', "-"));
        let at = |name: &str| dir.join(name).display().to_string();
        let mut args: Vec<String> = match command {
            "run" => {
                let mut args = vec!["run", "esa-ecupdate", "-i"]
                    .into_iter()
                    .map(String::from)
                    .collect::<Vec<_>>();
                args.push(at("inv.yaml"));
                args.extend(
                    [
                        "--check",
                        "--no-progress",
                        "--connect-retries",
                        "0",
                        "--known-hosts",
                        "/dev/null",
                    ]
                    .map(String::from),
                );
                if id != "lock" {
                    args.extend(["--lock".to_string(), at("run.lock")]);
                }
                args
            }
            "report merge" | "report html" => vec![
                "report".to_string(),
                command["report ".len()..].to_string(),
                at("r.json"),
            ],
            "playbook test" => vec![
                "playbook".into(),
                "test".into(),
                "esa-ecupdate".into(),
                "--replay".into(),
                at("none"),
            ],
            other => vec![other.to_string()],
        };
        args.insert(0, "sshfleet".into());
        args.extend([flag, path.display().to_string()]);
        args.into_iter().map(Into::into).collect()
    }

    fn fixtures(dir: &Path) {
        std::fs::write(
            dir.join("inv.yaml"),
            "all:\n  hosts:\n    h1: {ansible_host: 127.0.0.1, ansible_port: 1}\n",
        )
        .unwrap();
        let report = crate::report::Report::new(
            "esa-ecupdate",
            true,
            chrono::Utc::now(),
            false,
            vec![crate::report::HostOutcome::new(
                "h1",
                crate::report::Status::Ok,
            )],
        );
        report.write_atomic(&dir.join("r.json")).unwrap();
        std::fs::write(dir.join("victim"), "KEEP\n").unwrap();
        std::fs::create_dir(dir.join("victim-dir")).unwrap();
    }

    #[test]
    fn every_output_refuses_fifos_and_directories_and_never_writes_through_a_link() {
        let listed: Vec<(&str, &str)> = LINK_CASES.iter().map(|(c, a, _, _)| (*c, *a)).collect();
        let outputs: Vec<(&str, &str)> = OUTPUT_PATHS.iter().map(|(c, a, _)| (*c, *a)).collect();
        assert_eq!(
            listed, outputs,
            "LINK_CASES must list every output of OUTPUT_PATHS"
        );
        for (command, id, at_a_link, is_dir) in LINK_CASES {
            let case = |what: &str| format!("{command} --{id} at {what}");
            // A FIFO: refused, exit 5, before anything blocks on it.
            let tmp = tempfile::tempdir().unwrap();
            fixtures(tmp.path());
            let fifo = tmp.path().join("fifo");
            assert!(
                std::process::Command::new("mkfifo")
                    .arg(&fifo)
                    .status()
                    .unwrap()
                    .success()
            );
            let code = crate::main(writing(command, id, &fifo, tmp.path()));
            assert_eq!(code, 5, "{}", case("a FIFO"));
            // A directory: refused where a file goes.
            if !is_dir {
                let code = crate::main(writing(
                    command,
                    id,
                    &tmp.path().join("victim-dir"),
                    tmp.path(),
                ));
                assert_eq!(code, 5, "{}", case("a directory"));
            }
            // A link planted by someone else.
            let victim = tmp.path().join("victim");
            let link = tmp.path().join("link");
            match at_a_link {
                AtALink::NotDriven => continue,
                AtALink::ReplacedInside(name) => {
                    let out = tmp.path().join("out");
                    std::fs::create_dir(&out).unwrap();
                    std::os::unix::fs::symlink(&victim, out.join(name)).unwrap();
                    let code = crate::main(writing(command, id, &out, tmp.path()));
                    assert_eq!(code, 0, "{}", case("a directory with a link inside"));
                    let meta = std::fs::symlink_metadata(out.join(name)).unwrap();
                    assert!(
                        meta.is_file(),
                        "{}: the link is still there",
                        case("a link inside")
                    );
                }
                AtALink::Replaced => {
                    std::os::unix::fs::symlink(&victim, &link).unwrap();
                    crate::main(writing(command, id, &link, tmp.path()));
                    let meta = std::fs::symlink_metadata(&link).unwrap();
                    assert!(meta.is_file(), "{}: not replaced", case("a link"));
                }
                AtALink::Refused => {
                    let target = if *is_dir {
                        tmp.path().join("victim-dir")
                    } else {
                        victim.clone()
                    };
                    std::os::unix::fs::symlink(&target, &link).unwrap();
                    for spelling in ["link", "link/", "link/."] {
                        if !is_dir && spelling != "link" {
                            continue;
                        }
                        let code = crate::main(writing(
                            command,
                            id,
                            &tmp.path().join(spelling),
                            tmp.path(),
                        ));
                        assert_ne!(code, 0, "{}", case(spelling));
                    }
                    assert!(
                        std::fs::read_dir(tmp.path().join("victim-dir"))
                            .unwrap()
                            .next()
                            .is_none()
                    );
                }
            }
            assert_eq!(
                std::fs::read_to_string(&victim).unwrap(),
                "KEEP\n",
                "{}",
                case("a link")
            );
        }
    }
}
