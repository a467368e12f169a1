//! Signals that end sshfleet, as classes (docs/SECURITY.md I6): every
//! signal that ends it puts the terminal's echo back when it came at a
//! password prompt, and a child ended by a signal (`Match exec`, an
//! inventory script) is an error, never a result, with nothing on stdout
//! once a signal is ending sshfleet.

use std::path::Path;
use std::process::{Command, Stdio};

/// The signals `src/console/shutdown.rs`'s `SIGNALS` table says end
/// sshfleet (`Fate::Ends`, and `Fate::Stops`, which end it outside a
/// run): its rows, read from the source, so a row is driven here as soon
/// as it is written.
fn ending_signals() -> Vec<(i32, String)> {
    let text =
        std::fs::read_to_string(crate::structure::root().join("src/console/shutdown.rs")).unwrap();
    let rows: Vec<(i32, String)> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.ends_with("Fate::Ends),") || l.ends_with("Fate::Stops),"))
        .filter_map(|l| {
            let mut parts = l.trim_start_matches('(').split(", ");
            let number = parts.next()?.parse().ok()?;
            Some((number, parts.next()?.trim_matches('"').to_string()))
        })
        .collect();
    for named in [
        "SIGTERM", "SIGHUP", "SIGQUIT", "SIGINT", "SIGALRM", "SIGUSR1", "SIGUSR2",
    ] {
        assert!(
            rows.iter().any(|(_, n)| n == named),
            "{named} is not a row of SIGNALS that ends sshfleet: {rows:?}"
        );
    }
    rows
}

/// Each prompt that turns echo off (`run -k`, `--ask-vault-pass`), given
/// every signal that ends sshfleet on a pseudo-terminal: the prompt was
/// shown with echo off, and once sshfleet ended, with 128 + the signal's
/// number, echo is back. SIGTERM, SIGHUP and SIGQUIT left it off.
#[test]
fn every_signal_that_ends_sshfleet_at_a_password_prompt_puts_echo_back() {
    if Command::new("python3").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI machines have python3");
        eprintln!("skipping: no python3 to give sshfleet a terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(
        d.join("inv.yaml"),
        "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n",
    )
    .unwrap();
    let inv = d.join("inv.yaml").display().to_string();
    let lock = d.join("lock").display().to_string();
    let signals = ending_signals();
    let prompts: [(&str, Vec<&str>); 2] = [
        (
            "Vault password",
            vec!["inventory", "-i", &inv, "-F", "none", "--ask-vault-pass"],
        ),
        (
            "SSH password",
            vec![
                "run",
                "esa-ecupdate",
                "-i",
                &inv,
                "-F",
                "none",
                "-k",
                "--lock",
                &lock,
                "--no-progress",
            ],
        ),
    ];
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/fixtures/pty/signals.py");
    for (prompt, args) in prompts {
        let out = Command::new("python3")
            .arg(&script)
            .arg(env!("CARGO_BIN_EXE_sshfleet"))
            .arg(prompt)
            .args(&args)
            .arg("--")
            .args(signals.iter().map(|(n, _)| n.to_string()))
            .env("HOME", d)
            .env_remove("SSH_AUTH_SOCK")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), signals.len(), "{stdout}");
        for ((number, name), line) in signals.iter().zip(lines) {
            let expected = format!("{number} 1 0 1 {}", 128 + number);
            assert_eq!(
                line, expected,
                "{name} at `{prompt}` (number, prompt seen, echo before, echo after, exit code)"
            );
        }
    }
}

/// A command line and the files (name, text, executable) it needs.
type Setup = (
    &'static [&'static str],
    &'static [(&'static str, &'static str, bool)],
);

/// A kind of child sshfleet starts, and what ends it by a signal.
struct ChildKind {
    name: &'static str,
    /// Where it is started (`structure::SPAWN_SITES`).
    site: &'static str,
    /// The command line and files (name, text, executable) that start it,
    /// the child ending by a signal; `None` when proven elsewhere.
    killed: Option<Setup>,
    /// The same child, that marks `started` and then waits, in a process
    /// of its own too (`setsid`), for sshfleet's SIGTERM.
    waiting: Option<Setup>,
    elsewhere: &'static str,
    /// The same child running `sh probe.sh` (see [`PROBE`]), as sshfleet
    /// starts it and as the program it stands in for starts it.
    start: Start,
}

/// How sshfleet and the reference start one kind of child: files (with
/// `DIR` for the test's directory), sshfleet's arguments, the reference's
/// command line, and the environment variable that, set, makes the
/// reference required rather than skipped when it is not installed.
struct Start {
    files: &'static [(&'static str, &'static str, bool)],
    ours: &'static [&'static str],
    reference: &'static [&'static str],
    required_by: &'static str,
}

const INV: (&str, &str, bool) = (
    "inv.yaml",
    "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n",
    false,
);

/// Every kind of child, by the place that starts it.
const CHILD_KINDS: &[ChildKind] = &[
    ChildKind {
        name: "Match exec",
        site: "src/ssh/config/parse.rs",
        killed: Some((
            &["inventory", "-i", "inv.yaml", "-F", "cfg", "--json"],
            &[
                INV,
                ("cfg", "Match exec \"kill -TERM $$\"\n  Port 2222\n", false),
            ],
        )),
        waiting: Some((
            &["inventory", "-i", "inv.yaml", "-F", "cfg", "--json"],
            &[
                INV,
                (
                    "cfg",
                    "Match exec \"setsid sleep 60 </dev/null >/dev/null 2>&1 & touch started; sleep 60\"\n  Port 2222\n",
                    false,
                ),
            ],
        )),
        elsewhere: "",
        start: Start {
            files: &[
                INV,
                (
                    "cfg",
                    "Match exec \"sh DIR/probe.sh\"\n  Port 2222\n",
                    false,
                ),
            ],
            ours: &["inventory", "-i", "inv.yaml", "-F", "cfg", "--json"],
            reference: &["ssh", "-G", "-F", "cfg", "h1"],
            required_by: "",
        },
    },
    ChildKind {
        name: "inventory script (--list)",
        site: "src/inventory/script.rs",
        killed: Some((
            &["inventory", "-i", "inv.sh", "--json"],
            &[("inv.sh", "#!/bin/sh\nkill -KILL $$\n", true)],
        )),
        waiting: Some((
            &["inventory", "-i", "inv.sh", "--json"],
            &[(
                "inv.sh",
                "#!/bin/sh\nsetsid sleep 60 </dev/null >/dev/null 2>&1 &\ntouch started\nsleep 60\necho '{}'\n",
                true,
            )],
        )),
        elsewhere: "",
        start: Start {
            files: &[(
                "inv.sh",
                "#!/bin/sh\nsh DIR/probe.sh\necho '{\"_meta\": {\"hostvars\": {}}, \"all\": {\"hosts\": [\"h1\"]}}'\n",
                true,
            )],
            ours: &["inventory", "-i", "inv.sh", "--json"],
            reference: &["ansible-inventory", "-i", "inv.sh", "--list"],
            required_by: "SSHFLEET_REQUIRE_ANSIBLE",
        },
    },
    ChildKind {
        name: "inventory script (--host)",
        site: "src/inventory/script.rs",
        killed: Some((
            &["inventory", "-i", "inv.sh", "--json"],
            &[(
                "inv.sh",
                "#!/bin/sh\nif [ \"$1\" = --list ]; then echo '{\"all\": {\"hosts\": [\"h1\"]}}'; else kill -TERM $$; fi\n",
                true,
            )],
        )),
        waiting: None,
        elsewhere: "",
        start: Start {
            files: &[(
                "inv.sh",
                "#!/bin/sh\nif [ \"$1\" = --list ]; then echo '{\"all\": {\"hosts\": [\"h1\"]}}'; else sh DIR/probe.sh; echo '{}'; fi\n",
                true,
            )],
            ours: &["inventory", "-i", "inv.sh", "--json"],
            reference: &["ansible-inventory", "-i", "inv.sh", "--list"],
            required_by: "SSHFLEET_REQUIRE_ANSIBLE",
        },
    },
    ChildKind {
        name: "ProxyCommand",
        site: "src/ssh/transport/proxy.rs",
        killed: None,
        waiting: None,
        elsewhere: "a ProxyCommand is the host's connection: ended by a signal, the host is unreachable, never ok \
                    (safety::sigterm_ends_the_proxy_command_and_its_group_before_sshfleet_exits)",
        start: Start {
            files: &[
                INV,
                ("cfg", "Host *\n  ProxyCommand sh DIR/probe.sh\n", false),
            ],
            ours: &[
                "run",
                "esa-ecupdate",
                "-i",
                "inv.yaml",
                "-F",
                "cfg",
                "--no-progress",
            ],
            reference: &["ssh", "-F", "cfg", "-o", "BatchMode=yes", "h1", "true"],
            required_by: "",
        },
    },
];

fn lay_out(d: &Path, files: &[(&str, &str, bool)]) {
    use std::os::unix::fs::PermissionsExt as _;
    for (name, text, executable) in files {
        std::fs::write(d.join(name), text).unwrap();
        if *executable {
            std::fs::set_permissions(d.join(name), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}

/// Every place that starts a child is a row of [`CHILD_KINDS`].
#[test]
fn every_kind_of_child_is_classed() {
    for (site, _) in crate::structure::SPAWN_SITES {
        assert!(
            CHILD_KINDS.iter().any(|k| k.site == *site),
            "{site} starts a child but no row of CHILD_KINDS says what its death by a signal means"
        );
    }
    for kind in CHILD_KINDS {
        assert!(
            kind.killed.is_some() || !kind.elsewhere.is_empty(),
            "{} is neither driven nor proven elsewhere",
            kind.name
        );
    }
}

/// A child that a signal ends (its own here: `kill $$`) is an error
/// naming the signal, exit 5: never a `Match exec` that did not hold (the
/// `Port` of the block never applied), never an empty inventory.
#[test]
fn a_child_ended_by_a_signal_is_an_error_never_a_result() {
    for kind in CHILD_KINDS {
        let Some((args, files)) = kind.killed else {
            continue;
        };
        let tmp = tempfile::tempdir().unwrap();
        lay_out(tmp.path(), files);
        let out = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .args(args)
            .current_dir(tmp.path())
            .env("HOME", tmp.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(5),
            "{}: {stdout}{stderr}",
            kind.name
        );
        assert!(
            format!("{stdout}{stderr}").contains("was killed by signal"),
            "{}: {stdout}{stderr}",
            kind.name
        );
        assert!(
            !stdout.contains("\"port\""),
            "{}: a result: {stdout}",
            kind.name
        );
    }
}

/// SIGTERM while sshfleet waits for a child (which also left a process
/// in a session of its own): exit 143 and nothing on stdout, where
/// `inventory --json` used to print a complete JSON whose `Match exec`
/// had not held.
#[test]
fn a_signal_while_a_child_runs_leaves_stdout_empty() {
    for kind in CHILD_KINDS {
        let Some((args, files)) = kind.waiting else {
            continue;
        };
        let tmp = tempfile::tempdir().unwrap();
        lay_out(tmp.path(), files);
        let child = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
            .args(args)
            .current_dir(tmp.path())
            .env("HOME", tmp.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = tmp.path().join("started");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !started.exists() {
            assert!(
                std::time::Instant::now() < deadline,
                "{}: never started",
                kind.name
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let sent = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(143), "{}: {stderr}", kind.name);
        assert!(
            stdout.is_empty(),
            "{}: printed after SIGTERM: {stdout}",
            kind.name
        );
    }
}

/// Ctrl-Z then `fg` at each prompt that turns echo off: the shell turned
/// echo back on when the job stopped; sshfleet turns it off again on
/// SIGCONT and asks again, as OpenSSH's readpassphrase does
/// (`console::shutdown`'s SIGNALS, `Fate::JobControl`), so what is typed
/// next is not shown.
#[test]
fn ctrl_z_then_fg_at_a_password_prompt_keeps_echo_off() {
    if Command::new("python3").arg("--version").output().is_err()
        || !Path::new("/bin/bash").exists()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI machines have python3 and bash"
        );
        eprintln!("skipping: no python3 or bash to give sshfleet a terminal");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    std::fs::write(
        d.join("inv.yaml"),
        "all:\n  hosts:\n    h1:\n      ansible_host: 127.0.0.1\n      ansible_port: 1\n",
    )
    .unwrap();
    let inv = d.join("inv.yaml").display().to_string();
    let lock = d.join("lock").display().to_string();
    let prompts: [(&str, Vec<&str>); 3] = [
        (
            "Vault password",
            vec!["inventory", "-i", &inv, "-F", "none", "--ask-vault-pass"],
        ),
        (
            "password (x)",
            vec![
                "inventory",
                "-i",
                &inv,
                "-F",
                "none",
                "--vault-id",
                "x@prompt",
            ],
        ),
        (
            "SSH password",
            vec![
                "run",
                "esa-ecupdate",
                "-i",
                &inv,
                "-F",
                "none",
                "-k",
                "--lock",
                &lock,
                "--no-progress",
            ],
        ),
    ];
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/fixtures/pty/job_control.py");
    for (prompt, args) in prompts {
        let out = Command::new("python3")
            .arg(&script)
            .arg(env!("CARGO_BIN_EXE_sshfleet"))
            .arg(prompt)
            .args(&args)
            .env("HOME", d)
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout.trim(),
            "1 0 0",
            "`{prompt}` after Ctrl-Z and fg (prompt again, echo on, typed text shown): {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every signal a shell may send itself here and live to say so: all of
/// 1 to 64 but SIGKILL and the four that stop a process (the probe would
/// hang). 32 and 33 are glibc's own inside a program, and a shell's like
/// any other signal.
const PROBED_SIGNALS: &str = "1 2 3 4 5 6 7 8 10 11 12 13 14 15 16 17 18 23 24 25 26 27 28 29 30 31 \
     32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64";

/// `probe.sh`: for each signal, a shell sends it to itself and writes
/// `survived-N` when it lives on (the signal ignored, or ignored by
/// default), into the directory given as `DIR`; then the child's own
/// ignored and blocked signals (`status`, as the kernel shows them) and
/// its open descriptors (`fds`: `ls`'s 0, 1 (`fds` itself), 2 and 3 (the
/// directory it lists), and any it was given).
const PROBE: &str = "for n in SIGNALS; do sh -c \"kill -$n \\$\\$; : > DIR/survived-$n\"; done\n\
     grep -E '^Sig(Ign|Blk)' /proc/self/status > DIR/status\n\
     ls /proc/self/fd > DIR/fds\n";

/// Descriptors sshfleet and its reference are started with, open and not
/// close-on-exec, as `sshfleet ... 7<file 251<file` gives them: neither
/// passes them on to its children (`ssh` closes them, Python's
/// `subprocess` too).
const INHERITED_FDS: [i32; 2] = [7, 251];

/// What a probe saw in the child: the signals it survived, its
/// `SigIgn`/`SigBlk` lines, its open descriptors.
#[derive(Debug, PartialEq)]
struct Seen {
    survived: std::collections::BTreeSet<u32>,
    status: String,
    fds: String,
}

/// Start `program` as a shell would from a clean state: every signal at
/// its default (the test runner itself may have been started with 32 and
/// 33 ignored by `posix_spawn`; glibc's `sigaction` refuses them, hence
/// the system call), none blocked, and [`INHERITED_FDS`] open.
fn start_clean(command: &mut Command, inherited: &std::fs::File) {
    use std::os::fd::AsRawFd as _;
    use std::os::unix::process::CommandExt as _;
    let source = inherited.as_raw_fd();
    // SAFETY: in the forked child before `exec`: system calls only
    // (`rt_sigaction` with a zeroed kernel sigaction, `sigprocmask`,
    // `dup2`, which leaves the copy without close-on-exec).
    unsafe {
        command.pre_exec(move || {
            for signal in 1..=64 {
                let action = [0u64; 5];
                libc::syscall(
                    libc::SYS_rt_sigaction,
                    signal,
                    action.as_ptr(),
                    std::ptr::null_mut::<u64>(),
                    8usize,
                );
            }
            let mut none = std::mem::zeroed::<libc::sigset_t>();
            libc::sigemptyset(&mut none);
            libc::sigprocmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
            for fd in INHERITED_FDS {
                if libc::dup2(source, fd) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
}

/// What a child of this start saw: set up in a fresh directory, run
/// (started clean, with [`INHERITED_FDS`]), and read the probe's files.
fn probe(start: &Start, argv: &[&str], program: &str) -> Seen {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    let probe = PROBE.replace("SIGNALS", PROBED_SIGNALS).replace("DIR", dir);
    std::fs::write(tmp.path().join("probe.sh"), probe).unwrap();
    let files: Vec<(String, String, bool)> = start
        .files
        .iter()
        .map(|(n, t, x)| (n.to_string(), t.replace("DIR", dir), *x))
        .collect();
    let borrowed: Vec<(&str, &str, bool)> = files
        .iter()
        .map(|(n, t, x)| (n.as_str(), t.as_str(), *x))
        .collect();
    lay_out(tmp.path(), &borrowed);
    let inherited = std::fs::File::open(tmp.path().join("probe.sh")).unwrap();
    let mut command = Command::new(program);
    command
        .args(own_lock(argv, program, tmp.path()))
        .current_dir(tmp.path())
        .env("HOME", tmp.path())
        .env("SHELL", "/bin/sh")
        .env("ANSIBLE_LOCAL_TEMP", tmp.path())
        .stdin(Stdio::null());
    start_clean(&mut command, &inherited);
    let out = command.output().unwrap();
    let survived: std::collections::BTreeSet<u32> = std::fs::read_dir(tmp.path())
        .unwrap()
        .filter_map(|e| {
            e.unwrap()
                .file_name()
                .to_str()?
                .strip_prefix("survived-")?
                .parse()
                .ok()
        })
        .collect();
    let read = |name: &str| std::fs::read_to_string(tmp.path().join(name)).unwrap_or_default();
    let seen = Seen {
        survived,
        status: read("status"),
        fds: read("fds").split_whitespace().collect::<Vec<_>>().join(" "),
    };
    assert!(
        !seen.survived.is_empty() && !seen.status.is_empty() && !seen.fds.is_empty(),
        "{program} {argv:?} never ran the probe to its end: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    seen
}

/// Every kind of child starts as the program sshfleet stands in for
/// starts it (`support::child::CHILD_STARTS`): the same signals survived
/// (a signal ignored across `exec` stays ignored, and a shell cannot take
/// that back), the same `SigIgn` and `SigBlk`, the same open descriptors
/// when both are started with [`INHERITED_FDS`]. `Match exec` as `ssh -G`
/// (SIGPIPE ignored: `yes | head` and a child killed by its own SIGPIPE
/// decide whether the block holds), a `ProxyCommand` as `ssh`, an
/// inventory script as `ansible-inventory`. Signals 32 and 33 were
/// ignored in the children of the last two (Rust's `posix_spawn`), and
/// descriptors 7 and 251 reached every child. A reference not installed
/// skips its row, unless its `required_by` variable is set (CI).
#[test]
fn every_child_starts_with_the_signals_its_reference_gives_it() {
    let mut compared = 0;
    for kind in CHILD_KINDS {
        let start = &kind.start;
        if !installed(start.reference[0]) {
            assert!(
                start.required_by.is_empty() || std::env::var_os(start.required_by).is_none(),
                "{}: {} is required ({} is set) and not installed",
                kind.name,
                start.reference[0],
                start.required_by
            );
            continue;
        }
        let ours = probe(start, start.ours, env!("CARGO_BIN_EXE_sshfleet"));
        let reference = probe(start, &start.reference[1..], start.reference[0]);
        assert_eq!(
            ours, reference,
            "{}: what its child saw, started by sshfleet (left) and by {}",
            kind.name, start.reference[0]
        );
        for fd in INHERITED_FDS {
            assert!(
                !ours.fds.split(' ').any(|f| f == fd.to_string()),
                "{}: {fd} reached the child: {}",
                kind.name,
                ours.fds
            );
        }
        compared += 1;
    }
    assert!(
        compared >= 2,
        "ssh is installed here: Match exec and ProxyCommand rows ran"
    );
}

/// Whether `program` is installed here (it answers `--version`).
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

/// `argv`, with a lock of its own when it is an `sshfleet run`: the
/// default lock is one per user, and the tests run side by side.
fn own_lock(argv: &[&str], program: &str, dir: &Path) -> Vec<String> {
    let mut args: Vec<String> = argv.iter().map(|a| a.to_string()).collect();
    if program == env!("CARGO_BIN_EXE_sshfleet") && argv.first() == Some(&"run") {
        args.extend([
            "--lock".to_string(),
            dir.join("run.lock").display().to_string(),
        ]);
    }
    args
}

/// Whether, with `shell` as `$SHELL` (`None`: unset), `program argv` ran
/// its child under the wrapper shell, and whether the child ran at all.
fn shell_used(start: &Start, argv: &[&str], program: &str, shell: Option<&str>) -> (bool, bool) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_str().unwrap();
    std::fs::write(tmp.path().join("probe.sh"), format!("touch {dir}/ran\n")).unwrap();
    let wrapper = format!("#!/bin/sh\ntouch {dir}/wrapped\nexec /bin/sh \"$@\"\n");
    let mut files: Vec<(String, String, bool)> = start
        .files
        .iter()
        .map(|(n, t, x)| (n.to_string(), t.replace("DIR", dir), *x))
        .collect();
    files.push(("wrapper.sh".to_string(), wrapper, true));
    let borrowed: Vec<(&str, &str, bool)> = files
        .iter()
        .map(|(n, t, x)| (n.as_str(), t.as_str(), *x))
        .collect();
    lay_out(tmp.path(), &borrowed);
    let mut command = Command::new(program);
    command
        .args(own_lock(argv, program, tmp.path()))
        .current_dir(tmp.path())
        .env("HOME", tmp.path())
        .env("ANSIBLE_LOCAL_TEMP", tmp.path())
        .stdin(Stdio::null());
    match shell {
        Some(shell) => command.env("SHELL", shell.replace("DIR", dir)),
        None => command.env_remove("SHELL"),
    };
    command.output().unwrap();
    let exists = |name: &str| tmp.path().join(name).exists();
    (exists("wrapped"), exists("ran"))
}

/// Every kind of child runs under the shell its reference picks
/// (`support::child::Shell`): `Match exec` under `$SHELL` whenever set
/// (an empty or missing one stops ssh and sshfleet alike), a
/// `ProxyCommand` under `$SHELL` unless unset or empty (then `/bin/sh`),
/// an inventory script under none. sshfleet ran both under `sh` from
/// `PATH` and took an empty `$SHELL` for unset (round 8: a command in
/// bash's syntax meant another thing under dash).
#[test]
fn every_child_runs_under_the_shell_its_reference_picks() {
    let mut compared = 0;
    for kind in CHILD_KINDS {
        let start = &kind.start;
        if !installed(start.reference[0]) {
            continue;
        }
        // `wrapper.sh` alone: a file of the current directory to `Match
        // exec` (execv), a name looked up on PATH to `ProxyCommand`.
        for shell in [
            Some("DIR/wrapper.sh"),
            Some("wrapper.sh"),
            Some(""),
            Some("/nonexistent/shell"),
            None,
        ] {
            let ours = shell_used(start, start.ours, env!("CARGO_BIN_EXE_sshfleet"), shell);
            let reference = shell_used(start, &start.reference[1..], start.reference[0], shell);
            assert_eq!(
                ours, reference,
                "{} with SHELL={shell:?}: (wrapped, ran) under sshfleet (left) and {}",
                kind.name, start.reference[0]
            );
        }
        compared += 1;
    }
    assert!(
        compared >= 2,
        "ssh is installed here: Match exec and ProxyCommand rows ran"
    );
}

/// A `ProxyCommand` runs as ssh runs it, `exec COMMAND` under the shell:
/// in `first; second` only `first` runs (it replaces the shell), so a
/// command ssh cannot reach a host through is no route for sshfleet
/// either (round 9: sshfleet ran both and logged in).
#[test]
fn a_proxy_command_is_execed_as_ssh_execs_it() {
    let kind = CHILD_KINDS
        .iter()
        .find(|k| k.name == "ProxyCommand")
        .unwrap();
    if !installed(kind.start.reference[0]) {
        return;
    }
    let start = Start {
        files: &[
            INV,
            (
                "cfg",
                "Host *\n  ProxyCommand true >/dev/null; sh DIR/probe.sh\n",
                false,
            ),
        ],
        ..kind.start
    };
    let ours = shell_used(
        &start,
        start.ours,
        env!("CARGO_BIN_EXE_sshfleet"),
        Some("/bin/sh"),
    );
    let reference = shell_used(
        &start,
        &start.reference[1..],
        start.reference[0],
        Some("/bin/sh"),
    );
    assert_eq!(ours, reference, "(wrapped, ran): sshfleet, then ssh");
    assert!(!ours.1, "the command after `;` ran");
}
