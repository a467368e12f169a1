//! docs/SECURITY.md I5: an output is never another output or an input.
//! Every output flag is driven against every kind of input a run reads
//! (the files named on the command line, the files the inventory and the
//! ssh_config name, the files read inside an inventory directory) and
//! against every other output, and the command must refuse (exit 5,
//! naming the flag and the file) before anything is written, created or
//! made private. Three tables keep the matrix whole: [`FLAGS`] (every
//! flag that takes a value, of every subcommand: a new one fails
//! `every_flag_is_classed_for_i5` until classed), [`READERS`] (every
//! place the product opens a file to read, and the input kinds it stands
//! for: a new reader fails `every_reader_is_an_input_kind_of_the_matrix`)
//! and [`INPUT_KINDS`] (the matrix's rows, with the file each kind is).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::support::sshfleet_cmd;

/// What a flag that takes a value is, for I5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A file written whole.
    File,
    /// A directory written into.
    Dir,
    /// A file or directory read.
    Input,
    /// Not a path (or a source that may be a path: `--vault-id`'s file is
    /// an input kind below).
    NotAPath,
}

use Role::{Dir, File, Input, NotAPath};

/// Every leaf subcommand.
const SUBCOMMANDS: &[&str] = &[
    "run",
    "demo",
    "sim",
    "inventory",
    "playbook test",
    "playbook validate",
    "report show",
    "report diff",
    "report merge",
    "report html",
    "completions",
    "man",
];

/// Every flag that takes a value, per subcommand, and what it is.
const FLAGS: &[(&str, &str, Role)] = &[
    ("run", "--inventory", Input),
    ("run", "--limit", NotAPath),
    ("run", "--shard", NotAPath),
    ("run", "--vault-password-file", Input),
    ("run", "--vault-id", NotAPath),
    ("run", "--extra-vars", NotAPath),
    ("run", "--forks", NotAPath),
    ("run", "--known-hosts", Input),
    ("run", "--ssh-config", Input),
    ("run", "--report", File),
    ("run", "--html", File),
    ("run", "--metrics-file", File),
    ("run", "--transcripts", Dir),
    ("run", "--record", Dir),
    ("run", "--log-format", NotAPath),
    ("run", "--lock", File),
    ("run", "--serial", NotAPath),
    ("run", "--max-fail-percent", NotAPath),
    ("run", "--retry-failed", Input),
    ("run", "--connect-retries", NotAPath),
    ("demo", "--playbook", NotAPath),
    ("demo", "--replay", Input),
    ("demo", "--report", File),
    ("sim", "--model", NotAPath),
    ("sim", "--scenario", NotAPath),
    ("sim", "--hostname", NotAPath),
    ("sim", "--hosts", NotAPath),
    ("sim", "--update-duration", NotAPath),
    ("sim", "--inventory-out", File),
    ("sim", "--hostname-prefix", NotAPath),
    ("sim", "--default-shell", NotAPath),
    ("sim", "--replay", Input),
    ("sim", "--fault", NotAPath),
    ("inventory", "--inventory", Input),
    ("inventory", "--limit", NotAPath),
    ("inventory", "--shard", NotAPath),
    ("inventory", "--pattern", NotAPath),
    ("inventory", "--vault-password-file", Input),
    ("inventory", "--vault-id", NotAPath),
    ("inventory", "--ssh-config", Input),
    ("playbook test", "--replay", Input),
    ("playbook test", "--expect", Input),
    ("playbook test", "--extra-vars", NotAPath),
    ("playbook test", "--fault", NotAPath),
    ("playbook test", "--report", File),
    ("report show", "--status", NotAPath),
    ("report show", "--finding", NotAPath),
    ("report show", "--group-by", NotAPath),
    ("report show", "--host", NotAPath),
    ("report merge", "--out", File),
    ("report html", "--out", File),
    ("man", "--out-dir", Dir),
];

/// Where each output not driven by the matrix below is proven: the rest
/// are `run`'s and `sim --inventory-out` (and its derived files), driven
/// here.
const OUTPUTS_PROVEN_ELSEWHERE: &[(&str, &str, &str)] = &[
    (
        "report merge",
        "--out",
        "support::outputs::tests::an_output_that_is_another_output_or_an_input_is_refused; the reports merged are its only inputs",
    ),
    (
        "report html",
        "--out",
        "support::outputs::tests::an_output_that_is_another_output_or_an_input_is_refused; the report is its only input",
    ),
    ("man", "--out-dir", "reads nothing: there is no input to be"),
];

/// Every place the product opens a file to read (outside the bounded
/// reader itself), or notes a path it reads later: the file, how many
/// such calls it holds, and the input kinds of [`INPUT_KINDS`] (or of
/// another command, [`OTHER_INPUTS`]) they read. A new call changes the
/// count and fails until its kind is in the matrix.
const READERS: &[(&str, usize, &[&str])] = &[
    ("src/commands/mod.rs", 2, &["a recording under --replay"]),
    // `--known-hosts` under `--accept-new-host-keys`: an output, named so.
    ("src/commands/run.rs", 1, &["--known-hosts"]),
    ("src/commands/sim.rs", 1, &["a recording under --replay"]),
    // The previous metrics file: the output itself, read back at the end.
    ("src/console/metrics.rs", 1, &[]),
    (
        "src/inventory/files.rs",
        4,
        &[
            "a file in an inventory directory",
            "a group_vars file",
            "a host_vars file",
            "a new file in an inventory directory",
        ],
    ),
    ("src/inventory/lookups.rs", 1, &["a lookup('file') file"]),
    (
        "src/inventory/sources.rs",
        1,
        &["a new file in an inventory directory"],
    ),
    // The head of an executable inventory file (is it a script?), and
    // the kernel's binfmt_misc table (/proc: no file of the user's).
    (
        "src/inventory/script.rs",
        3,
        &["an inventory file (-i)", "a file in an inventory directory"],
    ),
    ("src/inventory/select.rs", 1, &["a -l @file"]),
    (
        "src/inventory/vault.rs",
        2,
        &[
            "a --vault-id file",
            "--vault-password-file",
            "an inventory file (-i)",
            "a group_vars file",
        ],
    ),
    (
        "src/plan/target.rs",
        4,
        &[
            "ansible_ssh_private_key_file",
            "the key file's public half",
            "an IdentityFile",
            "a UserKnownHostsFile",
            "a GlobalKnownHostsFile",
            "a RevokedHostKeys file",
            "--known-hosts",
        ],
    ),
    ("src/playbook/mod.rs", 1, &["the playbook file"]),
    ("src/report/expectations.rs", 1, &["playbook test --expect"]),
    ("src/report/mod.rs", 1, &["--retry-failed"]),
    // /etc/services (a forwarding's port by name), system files: recorded
    // as inputs by the bounded reader like any other, no case of their own.
    ("src/ssh/config/forward.rs", 1, &[]),
    // The patterns an Include reads next time (a glob, a file not there).
    (
        "src/ssh/config/expand.rs",
        1,
        &[
            "a missing Include file",
            "a file an Include glob would match",
        ],
    ),
    // And /etc/passwd (who may write an Include'd file, as ssh checks).
    ("src/ssh/config/mod.rs", 2, &["-F", "an Include file"]),
    (
        "src/ssh/known_hosts.rs",
        2,
        &["a UserKnownHostsFile", "--known-hosts"],
    ),
    // The user certificate beside an identity (`FILE-cert.pub`), read to
    // tell whether ssh would offer one.
    (
        "src/ssh/transport/auth.rs",
        1,
        &["the key file's public half"],
    ),
    (
        "src/ssh/transport/auth/identity.rs",
        2,
        &["ansible_ssh_private_key_file", "the key file's public half"],
    ),
    // The kernel's list of sshfleet's own children (/proc), read when it
    // ends them: no file of the user's.
    ("src/support/child.rs", 2, &[]),
];

/// Input kinds of other commands, and the test that drives them.
const OTHER_INPUTS: &[(&str, &str)] = &[
    (
        "playbook test --expect",
        "support::outputs::tests::an_output_that_is_another_output_or_an_input_is_refused (named by commands::main)",
    ),
    (
        "a recording under --replay",
        "sim_and_lab_outputs_never_land_on_their_inputs (this file)",
    ),
];

/// What reads a file or notes a path: the bounded reader's functions, the
/// notes of paths read later, and any read that would bypass them.
const READ_CALLS: &[&str] = &[
    "bounds::read_input(",
    "bounds::read_input_bytes(",
    "bounds::read_yaml_input(",
    "bounds::read_input_head(",
    "bounds::check_entry(",
    "bounds::note_input(",
    "bounds::note_input_dir(",
    "bounds::note_input_pattern(",
    "bounds::note_known_hosts(",
    "note_input(&",
    "fs::read(",
    "fs::read_to_string(",
    "File::open(",
];

/// One row of the matrix: a kind of input, the file it is (relative to
/// the fixture), and what the command line adds to read it.
struct Kind {
    name: &'static str,
    victim: &'static str,
    args: &'static [&'static str],
}

/// `{D}` in `args` is the fixture directory.
const INPUT_KINDS: &[Kind] = &[
    Kind {
        name: "an inventory file (-i)",
        victim: "inv2/more.yaml",
        args: &["-i", "{D}/inv2/more.yaml"],
    },
    Kind {
        name: "a file in an inventory directory",
        victim: "inv/hosts.yaml",
        args: &[],
    },
    Kind {
        name: "a group_vars file",
        victim: "inv/group_vars/all.yaml",
        args: &[],
    },
    Kind {
        name: "a host_vars file",
        victim: "inv/host_vars/h1.yaml",
        args: &[],
    },
    Kind {
        name: "a new file in an inventory directory",
        victim: "inv/new.json",
        args: &[],
    },
    Kind {
        name: "the playbook file",
        victim: "pb/esa-ecupdate.yaml",
        args: &[],
    },
    Kind {
        name: "-F",
        victim: "ssh/cfg",
        args: &[],
    },
    Kind {
        name: "an Include file",
        victim: "inc/inc",
        args: &[],
    },
    Kind {
        name: "a missing Include file",
        victim: "incmiss/later.conf",
        args: &[],
    },
    Kind {
        name: "a file an Include glob would match",
        victim: "incglob/new.conf",
        args: &[],
    },
    Kind {
        name: "a group_vars directory not made yet",
        victim: "inv2/group_vars",
        args: &["-i", "{D}/inv2/more.yaml"],
    },
    Kind {
        name: "an IdentityFile",
        victim: "idf/id",
        args: &[],
    },
    Kind {
        name: "a UserKnownHostsFile",
        victim: "ukh/ukh",
        args: &[],
    },
    Kind {
        name: "a GlobalKnownHostsFile",
        victim: "gkh/gkh",
        args: &[],
    },
    Kind {
        name: "a RevokedHostKeys file",
        victim: "rev/revoked",
        args: &[],
    },
    Kind {
        name: "ansible_ssh_private_key_file",
        victim: "keys/k",
        args: &[],
    },
    Kind {
        name: "the key file's public half",
        victim: "keys/k.pub",
        args: &[],
    },
    Kind {
        name: "a lookup('file') file",
        victim: "lookup/user",
        args: &[],
    },
    Kind {
        name: "a -l @file",
        victim: "limit/l",
        args: &[],
    },
    Kind {
        name: "a --vault-id file",
        victim: "vault/id",
        args: &[],
    },
    Kind {
        name: "--vault-password-file",
        victim: "vpf/pwf",
        args: &["--vault-password-file", "{D}/vpf/pwf"],
    },
    Kind {
        name: "--known-hosts",
        victim: "kh/kh",
        args: &["--known-hosts", "{D}/kh/kh"],
    },
    Kind {
        name: "--retry-failed",
        victim: "retry/r.json",
        args: &["--retry-failed", "{D}/retry/r.json"],
    },
];

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The fixture: every input of [`INPUT_KINDS`], each in a folder of its
/// own (a directory output named by its folder holds only it).
fn fixture(d: &Path) {
    let at = |p: &str| d.join(p).display().to_string();
    write(
        &d.join("inv/hosts.yaml"),
        &format!(
            "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n      \
             ansible_ssh_private_key_file: {}\n      \
             ansible_user: \"{{{{ lookup('file', '{}') }}}}\"\n",
            at("keys/k"),
            at("lookup/user")
        ),
    );
    write(&d.join("inv/group_vars/all.yaml"), "x: 1\n");
    write(&d.join("inv/host_vars/h1.yaml"), "y: 2\n");
    write(&d.join("inv2/more.yaml"), "all:\n  vars:\n    z: 3\n");
    let playbook = Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/esa-ecupdate.yaml");
    write(
        &d.join("pb/esa-ecupdate.yaml"),
        &std::fs::read_to_string(playbook).unwrap(),
    );
    write(
        &d.join("ssh/cfg"),
        &format!(
            "Include {} {} {}\n",
            at("inc/inc"),
            at("incmiss/later.conf"),
            at("incglob/*.conf")
        ),
    );
    std::fs::create_dir_all(d.join("incmiss")).unwrap();
    std::fs::create_dir_all(d.join("incglob")).unwrap();
    write(
        &d.join("inc/inc"),
        &format!(
            "Host *\n  IdentityFile {}\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile {}\n  RevokedHostKeys {}\n",
            at("idf/id"),
            at("ukh/ukh"),
            at("gkh/gkh"),
            at("rev/revoked")
        ),
    );
    for (file, text) in [
        ("idf/id", "not a key\n"),
        ("ukh/ukh", ""),
        ("gkh/gkh", ""),
        ("rev/revoked", ""),
        ("keys/k", "not a key\n"),
        ("keys/k.pub", "not a key either\n"),
        ("lookup/user", "admin\n"),
        ("limit/l", "h1\n"),
        ("vault/id", "pw\n"),
        ("vpf/pwf", "pw\n"),
        ("kh/kh", ""),
    ] {
        write(&d.join(file), text);
    }
    std::fs::create_dir_all(d.join("out")).unwrap();
}

/// A run reading every input but `--vault-password-file`, `--known-hosts`
/// and `--retry-failed` (which some kinds add), writing `extra`.
fn run_args(d: &Path, extra: &[String]) -> Vec<String> {
    let at = |p: &str| d.join(p).display().to_string();
    let mut args: Vec<String> = vec![
        "run".into(),
        at("pb/esa-ecupdate.yaml"),
        "-i".into(),
        at("inv"),
        "-F".into(),
        at("ssh/cfg"),
        "-l".into(),
        format!("@{}", at("limit/l")),
        "--no-progress".into(),
        "--connect-retries".into(),
        "0".into(),
    ];
    if !extra.iter().any(|a| a == "--vault-password-file") {
        args.extend(["--vault-id".into(), format!("a@{}", at("vault/id"))]);
    }
    if !extra.iter().any(|a| a == "--lock") {
        args.extend(["--lock".into(), at("out/run.lock")]);
    }
    args.extend(extra.iter().cloned());
    args
}

/// Every file and directory under `d`: its mode and, for a file, its
/// bytes. A refused command changes none of it.
fn snapshot(d: &Path) -> BTreeMap<PathBuf, (u32, Option<Vec<u8>>)> {
    use std::os::unix::fs::PermissionsExt as _;
    let mut seen = BTreeMap::new();
    let mut stack = vec![d.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let bytes = meta.is_file().then(|| std::fs::read(&path).unwrap());
            if meta.is_dir() {
                stack.push(path.clone());
            }
            seen.insert(path, (meta.permissions().mode(), bytes));
        }
    }
    seen
}

/// One command that must be refused: its arguments (`{D}` is the
/// fixture), the flag and the text its message names, and what it tests.
type Case = (Vec<String>, String, String, String);

/// Run every case (a few at once: each is a process that exits at once
/// when refused) and insist on each refusal: exit 5, the flag and the
/// named text in the message, and nothing under `d` changed.
async fn refused(d: &Path, cases: Vec<Case>) {
    let before = snapshot(d);
    let mut cases = cases.into_iter();
    loop {
        let mut running = tokio::task::JoinSet::new();
        for (args, flag, names, case) in cases.by_ref().take(6) {
            let args: Vec<String> = args
                .into_iter()
                .map(|a| a.replace("{D}", &d.display().to_string()))
                .collect();
            running.spawn(async move {
                let out = tokio::time::timeout(
                    std::time::Duration::from_secs(30),
                    sshfleet_cmd(&args, &[]),
                )
                .await;
                (out, flag, names, case)
            });
        }
        if running.is_empty() {
            break;
        }
        while let Some(done) = running.join_next().await {
            let (out, flag, names, case) = done.unwrap();
            let out =
                out.unwrap_or_else(|_| panic!("{case}: not refused (still running after 30 s)"));
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(5), "{case}: {stderr}");
            assert!(
                stderr.contains(&flag)
                    && stderr.contains(&names)
                    && (stderr.contains("which this command reads")
                        || stderr.contains("which this command also writes")),
                "{case}: {stderr}"
            );
        }
    }
    assert!(snapshot(d) == before, "the fixture changed");
}

#[test]
fn every_flag_is_classed_for_i5() {
    let top = std::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .arg("--help")
        .output()
        .unwrap();
    let top = String::from_utf8_lossy(&top.stdout).into_owned();
    let commands = top
        .split("Commands:")
        .nth(1)
        .unwrap()
        .split("Options:")
        .next()
        .unwrap();
    for line in commands.lines().filter(|l| !l.trim().is_empty()) {
        let name = line.split_whitespace().next().unwrap();
        assert!(
            name == "help"
                || SUBCOMMANDS
                    .iter()
                    .any(|s| s.split(' ').next() == Some(name)),
            "subcommand `{name}` is not in SUBCOMMANDS"
        );
    }
    let mut found = Vec::new();
    for command in SUBCOMMANDS {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .args(command.split(' '))
            .arg("--help")
            .output()
            .unwrap();
        assert!(out.status.success(), "{command} --help");
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let flag_at = usize::from(words.first().is_some_and(|w| w.ends_with(',')));
            if let (Some(flag), Some(value)) = (words.get(flag_at), words.get(flag_at + 1))
                && flag.starts_with("--")
                && value.starts_with('<')
            {
                found.push((*command, flag.to_string()));
            }
        }
    }
    for (command, flag) in &found {
        assert!(
            FLAGS.iter().any(|(c, f, _)| c == command && f == flag),
            "`{command} {flag}` takes a value but is not classed in FLAGS"
        );
    }
    for (command, flag, role) in FLAGS {
        assert!(
            found.iter().any(|(c, f)| c == command && f == flag),
            "FLAGS lists `{command} {flag}`, which is no such flag"
        );
        // Every output is driven here or proven elsewhere.
        if matches!(role, File | Dir) {
            assert!(
                matches!(*command, "run" | "sim" | "demo" | "playbook test")
                    || OUTPUTS_PROVEN_ELSEWHERE
                        .iter()
                        .any(|(c, f, _)| c == command && f == flag),
                "output `{command} {flag}` is neither driven here nor proven elsewhere"
            );
        }
    }
}

#[test]
fn every_reader_is_an_input_kind_of_the_matrix() {
    let root = crate::structure::root();
    let mut found: BTreeMap<String, usize> = BTreeMap::new();
    for file in crate::structure::product_sources() {
        let name = file.strip_prefix(&root).unwrap().display().to_string();
        if name == "src/support/bounds.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        let calls: usize = crate::structure::outside_test_items(&text)
            .iter()
            .map(|(_, line)| READ_CALLS.iter().filter(|c| line.contains(*c)).count())
            .sum();
        if calls > 0 {
            found.insert(name, calls);
        }
    }
    let listed: BTreeMap<String, usize> = READERS
        .iter()
        .map(|(f, n, _)| (f.to_string(), *n))
        .collect();
    assert_eq!(
        found, listed,
        "a file's reads changed: list each in READERS with the input kinds it reads"
    );
    for (file, _, kinds) in READERS {
        for kind in *kinds {
            assert!(
                INPUT_KINDS.iter().any(|k| k.name == *kind)
                    || OTHER_INPUTS.iter().any(|(k, _)| k == kind),
                "{file} reads `{kind}`, which is a row of neither INPUT_KINDS nor OTHER_INPUTS"
            );
        }
    }
}

/// Every `run` output flag of [`FLAGS`] over every input of
/// [`INPUT_KINDS`]: a file output at the input itself, a directory output
/// at the folder that holds it. Also the attacks that found the class:
/// `--report` over a key file, a `-l @file`, a `--vault-id` file, an
/// inventory directory's `group_vars` file, an ssh_config's `Include` and
/// `IdentityFile`.
#[tokio::test(flavor = "multi_thread")]
async fn no_run_output_is_an_input_of_the_run() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    // The fixture runs (and yields the report --retry-failed reads) when
    // every output is elsewhere: the refusals below are the matrix's.
    let report = d.join("retry/r.json");
    std::fs::create_dir_all(report.parent().unwrap()).unwrap();
    let out = sshfleet_cmd(
        &run_args(
            d,
            &[
                "--report".into(),
                report.display().to_string(),
                "--transcripts".into(),
                d.join("out/t").display().to_string(),
            ],
        ),
        &[],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(5), "{stderr}");
    assert!(report.is_file(), "{stderr}");
    let outputs: Vec<(&str, Role)> = FLAGS
        .iter()
        .filter(|(c, _, r)| *c == "run" && matches!(r, File | Dir))
        .map(|(_, f, r)| (*f, *r))
        .collect();
    assert_eq!(outputs.len(), 6, "{outputs:?}");
    let mut cases = Vec::new();
    for kind in INPUT_KINDS {
        for (flag, role) in &outputs {
            let victim = d.join(kind.victim);
            let (path, names) = match role {
                File => (victim.clone(), victim.display().to_string()),
                _ if !victim.exists() => (victim.clone(), victim.display().to_string()),
                _ => (
                    victim.parent().unwrap().to_path_buf(),
                    String::from("which this command reads"),
                ),
            };
            let mut extra: Vec<String> = kind.args.iter().map(|a| a.to_string()).collect();
            extra.extend([flag.to_string(), path.display().to_string()]);
            let case = format!("{flag} on {}", kind.name);
            cases.push((run_args(d, &extra), flag.to_string(), names, case));
        }
        if READ_AS_KNOWN_HOSTS.iter().any(|(k, _)| *k == kind.name) {
            continue;
        }
        for (index, way) in WRITTEN_KNOWN_HOSTS.iter().enumerate() {
            let victim = d.join(kind.victim).display().to_string();
            let args = known_hosts_written_at(d, way, kind, &victim, index);
            let case = format!("{} on {}", way.name, kind.name);
            cases.push((args, way.names.to_string(), victim, case));
        }
    }
    refused(d, cases).await;
}

/// A way a `run` adds new host keys to a known_hosts file, which is then
/// one of its outputs (I5): its name and what the refusal calls it.
struct WrittenKnownHosts {
    name: &'static str,
    names: &'static str,
    /// An ssh_config that asks for it (`{KH}` the file), or the flags.
    config: Option<&'static str>,
    flags: &'static [&'static str],
}

/// Every way: `--accept-new-host-keys` with `--known-hosts`, and ssh_config's
/// `StrictHostKeyChecking accept-new` (or `no`, which also adds keys) with
/// `UserKnownHostsFile`.
const WRITTEN_KNOWN_HOSTS: &[WrittenKnownHosts] = &[
    WrittenKnownHosts {
        name: "--known-hosts with --accept-new-host-keys",
        names: "--known-hosts",
        config: None,
        flags: &["--known-hosts", "{KH}", "--accept-new-host-keys"],
    },
    WrittenKnownHosts {
        name: "UserKnownHostsFile with StrictHostKeyChecking accept-new",
        names: "known_hosts file (new keys are added to it)",
        config: Some("Host *\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile {KH}\n"),
        flags: &[],
    },
    WrittenKnownHosts {
        name: "UserKnownHostsFile with StrictHostKeyChecking no",
        names: "known_hosts file (new keys are added to it)",
        config: Some("Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile {KH}\n"),
        flags: &[],
    },
];

/// The input kinds that are known_hosts files read: a known_hosts file new
/// keys are added to may be one of them, as OpenSSH appends to the file
/// it reads (`accepted_known_hosts_that_are_read_as_known_hosts`).
const READ_AS_KNOWN_HOSTS: &[(&str, &str)] = &[
    (
        "a UserKnownHostsFile",
        "the first is the file keys are added to",
    ),
    ("a GlobalKnownHostsFile", "a known_hosts file too"),
    ("--known-hosts", "read and added to, as OpenSSH does"),
];

/// The arguments of a run of the fixture that adds new keys to `kh` the
/// `way` says, reading `kind`'s input too. An ssh_config way gets a file
/// of its own (`khcfg/`, made before any snapshot) that includes the
/// fixture's.
fn known_hosts_written_at(
    d: &Path,
    way: &WrittenKnownHosts,
    kind: &Kind,
    kh: &str,
    index: usize,
) -> Vec<String> {
    let dir = d.display().to_string();
    let mut extra: Vec<String> = kind.args.iter().map(|a| a.replace("{D}", &dir)).collect();
    extra.extend(way.flags.iter().map(|a| a.replace("{KH}", kh)));
    let mut args = run_args(d, &extra);
    if let Some(config) = way.config {
        let file = d.join(format!(
            "khcfg/{}-{index}.cfg",
            kind.victim.replace('/', "_")
        ));
        write(
            &file,
            &format!(
                "{}Include {}\n",
                config.replace("{KH}", kh),
                d.join("ssh/cfg").display()
            ),
        );
        let at = args.iter().position(|a| a == "-F").unwrap() + 1;
        args[at] = file.display().to_string();
    }
    args
}

/// A known_hosts file new keys are added to may be one read as known_hosts
/// ([`READ_AS_KNOWN_HOSTS`]): the run goes on to its hosts (none answers
/// here: exit 4, not 5).
#[tokio::test(flavor = "multi_thread")]
async fn accepted_known_hosts_that_are_read_as_known_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    for kind in INPUT_KINDS
        .iter()
        .filter(|k| READ_AS_KNOWN_HOSTS.iter().any(|(n, _)| *n == k.name))
    {
        for (index, way) in WRITTEN_KNOWN_HOSTS.iter().enumerate() {
            if kind.args.contains(&"--known-hosts") && way.flags.contains(&"--known-hosts") {
                continue;
            }
            let victim = d.join(kind.victim).display().to_string();
            let args = known_hosts_written_at(d, way, kind, &victim, index);
            let out = sshfleet_cmd(&args, &[]).await;
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(
                out.status.code(),
                Some(4),
                "{} on {}: {stderr}",
                way.name,
                kind.name
            );
        }
    }
}

/// Every pair of `run` outputs: a file output at another file output, or
/// inside a directory output (`--lock T/h1.log --transcripts T`: the
/// transcript would be renamed over the held lock, and a second run take
/// "the same" lock), and a directory output inside another.
#[tokio::test(flavor = "multi_thread")]
async fn no_run_output_is_or_is_inside_another() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    let outputs: Vec<(&str, Role)> = FLAGS
        .iter()
        .filter(|(c, _, r)| *c == "run" && matches!(r, File | Dir))
        .map(|(_, f, r)| (*f, *r))
        .collect();
    let mut cases = Vec::new();
    for (a, a_role) in &outputs {
        for (b, b_role) in &outputs {
            if a == b {
                continue;
            }
            // A folder of its own per pair: a directory output exists.
            let b_path = d.join(format!("out/{}{}", &a[2..], b));
            if *b_role == Dir {
                std::fs::create_dir_all(&b_path).unwrap();
            }
            let a_path = match b_role {
                Dir if *a_role == File => b_path.join("h1.log"),
                Dir => b_path.join("sub"),
                _ if *a_role == Dir => continue,
                _ => b_path.clone(),
            };
            let extra = vec![
                a.to_string(),
                a_path.display().to_string(),
                b.to_string(),
                b_path.display().to_string(),
            ];
            let case = format!("{a} {} with {b} {}", a_path.display(), b_path.display());
            let names = b_path.display().to_string();
            cases.push((run_args(d, &extra), a.to_string(), names, case));
        }
    }
    // The known_hosts file new keys are added to is an output too.
    for (b, b_role) in &outputs {
        let b_path = d.join(format!("out/kh{b}"));
        let kh = if *b_role == Dir {
            std::fs::create_dir_all(&b_path).unwrap();
            b_path.join("h1.log")
        } else {
            b_path.clone()
        };
        let extra = vec![
            "--known-hosts".to_string(),
            kh.display().to_string(),
            "--accept-new-host-keys".to_string(),
            b.to_string(),
            b_path.display().to_string(),
        ];
        let case = format!(
            "--known-hosts {} with {b} {}",
            kh.display(),
            b_path.display()
        );
        // Either names the other: the first output found refuses.
        let names = format!("--known-hosts {}", kh.display());
        cases.push((run_args(d, &extra), b.to_string(), names, case));
    }
    refused(d, cases).await;
}

/// `sim --inventory-out` writes the inventory and, beside it, `.key` and
/// `.known_hosts`: none may be another (`--inventory-out a.key` would be
/// its own key) or sit in `--replay DIR`, the recordings it reads; and
/// `demo --replay`, `playbook test --replay` never write their report
/// among the recordings.
#[tokio::test(flavor = "multi_thread")]
async fn sim_and_lab_outputs_never_land_on_their_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(&d.join("rec/esa1.sim.example.com.jsonl"), "{}\n");
    write(&d.join("lab/keep"), "");
    let s = |v: &[&str]| -> Vec<String> { v.iter().map(|a| a.to_string()).collect() };
    let mut cases = Vec::new();
    for (args, flag, names) in [
        (
            s(&["sim", "--hosts", "1", "--inventory-out", "{D}/lab/a.key"]),
            "--inventory-out",
            "a.key",
        ),
        (
            s(&[
                "sim",
                "--hosts",
                "1",
                "--inventory-out",
                "{D}/lab/b.known_hosts",
            ]),
            "--inventory-out",
            "b.known_hosts",
        ),
        (
            s(&[
                "sim",
                "--replay",
                "{D}/rec",
                "--inventory-out",
                "{D}/rec/esa1.sim.example.com.jsonl",
            ]),
            "--inventory-out",
            "--replay",
        ),
        (
            s(&[
                "sim",
                "--replay",
                "{D}/rec",
                "--inventory-out",
                "{D}/rec/lab.yaml",
            ]),
            "--inventory-out",
            "--replay",
        ),
        (
            s(&["demo", "--replay", "{D}/rec", "--report", "{D}/rec/r.json"]),
            "--report",
            "--replay",
        ),
        (
            s(&[
                "playbook",
                "test",
                "esa-ecupdate",
                "--replay",
                "{D}/rec",
                "--report",
                "{D}/rec/esa1.sim.example.com.jsonl",
            ]),
            "--report",
            "--replay",
        ),
    ] {
        let case = args.join(" ");
        cases.push((args, flag.to_string(), names.to_string(), case));
    }
    refused(d, cases).await;
}

/// Every value of `StrictHostKeyChecking` OpenSSH reads
/// (`multistate_strict_hostkey`): the ones that add new keys (sshfleet
/// reads `no` as accept-new) make the first `UserKnownHostsFile` an
/// output, refused on the inventory before any host; the others leave it
/// an input that is only read, and the run goes on (exit 4: no host
/// answers here). [`WRITTEN_KNOWN_HOSTS`] drives the matrix with one
/// spelling of each.
#[tokio::test(flavor = "multi_thread")]
async fn every_strict_host_key_checking_value_that_adds_keys_makes_an_output() {
    const VALUES: &[(&str, bool)] = &[
        ("yes", false),
        ("true", false),
        ("ask", false),
        ("accept-new", true),
        ("no", true),
        ("off", true),
        ("false", true),
    ];
    // The matrix's ssh_config rows are values that add keys.
    for way in WRITTEN_KNOWN_HOSTS {
        if let Some(config) = way.config {
            assert!(
                VALUES
                    .iter()
                    .any(|(v, adds)| *adds
                        && config.contains(&format!("StrictHostKeyChecking {v}\n"))),
                "{}",
                way.name
            );
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let inv = d.join("inv.yaml");
    write(
        &inv,
        "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n",
    );
    for (value, adds) in VALUES {
        let cfg = d.join(format!("{value}.cfg"));
        write(
            &cfg,
            &format!(
                "Host *\n  StrictHostKeyChecking {value}\n  UserKnownHostsFile {}\n",
                inv.display()
            ),
        );
        let args: Vec<String> = [
            "run",
            "esa-ecupdate",
            "-i",
            &inv.display().to_string(),
            "-F",
            &cfg.display().to_string(),
            "--lock",
            &d.join("lock").display().to_string(),
            "--no-progress",
            "--connect-retries",
            "0",
        ]
        .iter()
        .map(|a| a.to_string())
        .collect();
        let before = std::fs::read(&inv).unwrap();
        let out = sshfleet_cmd(&args, &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        if *adds {
            assert_eq!(out.status.code(), Some(5), "{value}: {stderr}");
            assert!(
                stderr.contains("known_hosts file (new keys are added to it)")
                    && stderr.contains("which this command reads"),
                "{value}: {stderr}"
            );
        } else {
            assert_eq!(out.status.code(), Some(4), "{value}: {stderr}");
        }
        assert_eq!(std::fs::read(&inv).unwrap(), before, "{value}");
    }
}

/// A known_hosts file new keys are added to, in an output directory the
/// run has not made yet (`--transcripts T` and `UserKnownHostsFile
/// T/h1.log`): the two would overwrite each other once the run made it,
/// so it is refused before the first host, by every way of writing it.
#[tokio::test(flavor = "multi_thread")]
async fn a_known_hosts_file_in_an_output_directory_not_made_yet_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    fixture(d);
    let kind = Kind {
        name: "no input",
        victim: "none",
        args: &[],
    };
    let mut cases = Vec::new();
    for (index, way) in WRITTEN_KNOWN_HOSTS.iter().enumerate() {
        // `--known-hosts` in a directory that does not exist is refused
        // as unusable before this check.
        if way.flags.contains(&"--known-hosts") {
            continue;
        }
        let dir = d.join(format!("T{index}"));
        let kh = dir.join("h1.log").display().to_string();
        let mut args = known_hosts_written_at(d, way, &kind, &kh, index);
        args.extend(["--transcripts".to_string(), dir.display().to_string()]);
        let case = format!("{} inside --transcripts", way.name);
        cases.push((args, way.names.to_string(), kh, case));
    }
    refused(d, cases).await;
}
