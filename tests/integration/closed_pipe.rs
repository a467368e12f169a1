//! Every subcommand that writes to stdout, its reader gone (`| head -c 1`
//! after the first byte): it ends as it would have, never with a panic
//! (docs/SECURITY.md, I7). `sshfleet completions bash | head -c 1` was
//! an exit 101, clap_complete panicking on the broken pipe.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// `sshfleet ARGS` in `dir` with its stdout a pipe whose reader is already
/// closed: the first write fails with `EPIPE`, whatever the output's size.
fn with_closed_stdout(dir: &Path, args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .current_dir(dir)
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

/// Every command path `sshfleet help` lists (`report show` for a group),
/// read from the binary's own help.
fn command_paths() -> Vec<String> {
    let help = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .args(args)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let commands = text.split("Commands:\n").nth(1).unwrap_or("").to_string();
        commands
            .lines()
            .take_while(|l| !l.is_empty())
            .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
            .filter_map(|l| l.split_whitespace().next().map(String::from))
            .filter(|c| c != "help")
            .collect::<Vec<_>>()
    };
    let mut paths = Vec::new();
    for top in help(&["--help"]) {
        let subs = help(&[top.as_str(), "--help"]);
        if subs.is_empty() {
            paths.push(top);
        } else {
            paths.extend(subs.iter().map(|s| format!("{top} {s}")));
        }
    }
    paths
}

/// The command path, then the arguments of one call that writes to stdout
/// (several calls for one path where it has several forms of output), or
/// no arguments and why it is not run here.
const TABLE: &[(&str, &[&[&str]], &str)] = &[
    (
        "run",
        &[&[
            "run",
            "esa-ecupdate",
            "-i",
            "inv.yaml",
            "-F",
            "none",
            "--known-hosts",
            "/dev/null",
            "--report",
            "r.json",
        ]],
        "",
    ),
    (
        "demo",
        &[],
        "a simulated fleet takes half a minute; its lines go through the same console as run's",
    ),
    (
        "sim",
        &[],
        "serves until stopped; it prints only its lab's address, through the same console",
    ),
    (
        "inventory",
        &[
            &["inventory", "-i", "inv.yaml", "-F", "none"],
            &["inventory", "-i", "inv.yaml", "-F", "none", "--list"],
            &["inventory", "-i", "inv.yaml", "-F", "none", "--json"],
        ],
        "",
    ),
    (
        "playbook validate",
        &[&["playbook", "validate", "esa-ecupdate"]],
        "",
    ),
    (
        "playbook test",
        &[&["playbook", "test", "esa-ecupdate", "--replay", "empty"]],
        "",
    ),
    ("report show", &[&["report", "show", "r.json"]], ""),
    (
        "report diff",
        &[&["report", "diff", "r.json", "r.json"]],
        "",
    ),
    (
        "report merge",
        &[&["report", "merge", "--out", "m.json", "r.json"]],
        "",
    ),
    (
        "report html",
        &[&["report", "html", "--out", "r.html", "r.json"]],
        "",
    ),
    (
        "completions",
        &[
            &["completions", "bash"],
            &["completions", "zsh"],
            &["completions", "fish"],
            &["completions", "elvish"],
            &["completions", "powershell"],
        ],
        "",
    ),
    (
        "man",
        &[&["man"], &["--help"], &["--version"], &["help", "run"]],
        "",
    ),
];

#[test]
fn every_subcommand_writing_to_a_closed_pipe_ends_without_a_panic() {
    let listed: Vec<&str> = TABLE.iter().map(|(path, _, _)| *path).collect();
    for path in command_paths() {
        assert!(
            listed.contains(&path.as_str()),
            "`sshfleet {path}` is not in the closed-pipe table"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("inv.yaml"),
        "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n      ansible_user: admin\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("empty")).unwrap();
    for (path, calls, why) in TABLE {
        assert!(
            !calls.is_empty() || !why.is_empty(),
            "{path}: no call and no reason"
        );
        for args in *calls {
            let out = with_closed_stdout(dir.path(), args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
            assert!(out.status.code().is_some(), "{args:?}: killed: {err}");
            assert!(!err.contains("panicked"), "{args:?}: {err}");
        }
    }
    // The run wrote its report although no one read its table.
    assert!(dir.path().join("r.json").exists());
}
