//! Bad invocations, inventories and playbooks: exit 5 before any host is
//! touched, with a message naming the file and the line.

use sshfleet_sim::AsyncOsProfile;

use crate::support::{Lab, sshfleet_cmd};

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_playbook_exits_5_with_file_and_line() {
    let lab = Lab::start(vec![AsyncOsProfile::broken("esa01.example.com")]).await;
    let shipped = include_str!("../../playbooks/esa-ecupdate.yaml");
    let cases = [
        // A regex that does not compile.
        (
            shipped.replace(
                "pattern: 'Critical: ECS: Failed to regenerate token\\. Status Code: 403'",
                "pattern: 'Critical: ECS: (unclosed'",
            ),
            "steps[1].findings[0].pattern",
            "invalid regex",
        ),
        // A condition naming a variable nobody defines.
        (
            shipped.replace(
                "when: findings > 0 or (proactive",
                "when: findings > 0 or (proactve",
            ),
            "steps[2].when",
            "unknown variable `proactve`",
        ),
        // A field the format does not have.
        (
            shipped.replace("    changes: true\n", "    changes: true\n    retries: 3\n"),
            "unknown field `retries`",
            "",
        ),
    ];
    for (text, field, message) in cases {
        let path = lab.dir.path().join("bad.yaml");
        std::fs::write(&path, &text).unwrap();
        let expected_line = text
            .lines()
            .position(|l| {
                l.contains("(unclosed") || l.contains("proactve") || l.contains("retries")
            })
            .unwrap()
            + 1;
        let out = sshfleet_cmd(
            &args(&[
                "run",
                path.to_str().unwrap(),
                "-i",
                lab.inventory.to_str().unwrap(),
            ]),
            &[],
        )
        .await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{stderr}");
        assert!(
            stderr.contains(&format!("bad.yaml:{expected_line}")),
            "want line {expected_line}: {stderr}"
        );
        assert!(
            stderr.contains(field) && stderr.contains(message),
            "{stderr}"
        );
        let validate = sshfleet_cmd(
            &args(&["playbook", "validate", path.to_str().unwrap()]),
            &[],
        )
        .await;
        assert_eq!(validate.status.code(), Some(5));
    }
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn shipped_playbook_validates() {
    let out = sshfleet_cmd(&args(&["playbook", "validate", "esa-ecupdate"]), &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_inventory_exits_5_with_file_and_line() {
    let lab = Lab::start(vec![AsyncOsProfile::broken("esa01.example.com")]).await;
    let cases = [
        ("all:\n  hosts:\n    esa01:\n      ansible_port: 99999\n", 4),
        // A literal password is allowed now; one that cannot be rendered
        // is refused without being shown.
        (
            "all:\n  hosts:\n    esa01:\n      ansible_password: \"hunter2{{ nope }}\"\n",
            4,
        ),
        (
            "all:\n  hosts:\n    esa01:\n      ansible_connection: winrm\n",
            4,
        ),
        ("all:\n  hosts:\n    esa01:\n   bad indent: [\n", 4),
    ];
    for (yaml, line) in cases {
        std::fs::write(&lab.inventory, yaml).unwrap();
        let run = lab.run(&[]).await;
        let stderr = run.stderr();
        assert_eq!(run.code(), 5, "{}", run.explain());
        assert!(
            stderr.contains(&format!("inventory.yaml:{line}")),
            "want line {line}: {stderr}"
        );
        assert!(
            !stderr.contains("hunter2"),
            "secret in an error message: {stderr}"
        );
        assert!(run.report.is_none(), "nothing ran, so no report");
    }
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_extra_vars_and_limits_exit_5() {
    let lab = Lab::start(vec![AsyncOsProfile::broken("esa01.example.com")]).await;
    for (extra, needle) in [
        (&["-e", "proactiv=true"][..], "no variable of this name"),
        (&["-e", "update_timeout=ten minutes"][..], "not a duration"),
        (&["-e", "proactive=maybe"][..], "not a boolean"),
        (&["-l", "esa99*"][..], "matches no host"),
        (&["--forks", "lots"][..], "invalid value"),
        (&["--forks", "0"][..], "at least 1"),
        // Beyond what the runner's semaphore can hold: refused, no panic.
        (&["--forks", "2305843009213693952"][..], "at most 100000"),
        (&["--forks", "100001"][..], "at most 100000"),
    ] {
        let run = lab.run(extra).await;
        assert_eq!(run.code(), 5, "{extra:?}: {}", run.explain());
        assert!(run.stderr().contains(needle), "{extra:?}: {}", run.stderr());
    }
    let out = sshfleet_cmd(
        &args(&[
            "run",
            "no-such-playbook",
            "-i",
            lab.inventory.to_str().unwrap(),
        ]),
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(5));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("esa-ecupdate"),
        "lists the built-ins"
    );
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn inventory_lists_the_selection_with_merged_connection_settings() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/inventory/example.yaml");
    let out = sshfleet_cmd(
        &args(&["inventory", "-i", example, "-l", "emea,!esa02*"]),
        &[],
    )
    .await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with("esa01.emea.example.com\tesa01.emea.example.com:22\tuser=tac-emea"),
        "{stdout}"
    );
    // The host's own address and port win over the groups'.
    assert!(
        lines[2].starts_with("esa04.emea.example.com\t192.0.2.14:2222\tuser=tac-emea"),
        "{stdout}"
    );
    assert!(lines[2].contains("groups=all,emea"), "{stdout}");

    let out = sshfleet_cmd(&args(&["inventory", "-i", example, "-l", "apac"]), &[]).await;
    assert_eq!(out.status.code(), Some(5));
    assert!(String::from_utf8_lossy(&out.stderr).contains("apac"));
}

/// Run the binary with its stdout closed before it writes anything, as
/// `sshfleet ... | head -0` would: exit status and stderr.
fn with_stdout_closed(args: &[String]) -> (Option<i32>, String) {
    use std::process::{Command, Stdio};
    let runtime_dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(args)
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .env_remove("SSH_AUTH_SOCK")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_that_goes_away_neither_panics_nor_stops_a_run() {
    let example = concat!(env!("CARGO_MANIFEST_DIR"), "/inventory/example.yaml");
    let (code, stderr) = with_stdout_closed(&args(&["inventory", "-i", example]));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    // The remediation goes on to the end, and the report says so.
    let lab = Lab::start(vec![crate::support::broken_quick("esa01.example.com")]).await;
    let run_args = lab.run_args(&["--no-progress"]);
    let (code, stderr) = tokio::task::spawn_blocking(move || with_stdout_closed(&run_args))
        .await
        .unwrap();
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    assert_eq!(report["hosts"][0]["status"], "changed", "{report:#}");
    assert_eq!(lab.host("esa01.example.com").stats().forced_updates, 1);
}

/// I3 in directory walks: ansible-core 2.19's `_get_dir_vars_files` skips
/// a `group_vars/all/` entry that is not a regular file (a FIFO, a link to
/// `/dev/zero`) without a word; sshfleet sets the same variables but says
/// which files it skipped. A `group_vars/all.yaml` that is a FIFO (which
/// ansible-core would wait on forever) is refused, exit 5, naming it.
#[tokio::test(flavor = "multi_thread")]
async fn vars_directory_entries_that_are_not_regular_files_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inv.yml");
    std::fs::write(&inventory, "all:\n  hosts:\n    h1:\n").unwrap();
    let all = dir.path().join("group_vars/all");
    std::fs::create_dir_all(&all).unwrap();
    std::fs::write(all.join("a.yml"), "a: 1\n").unwrap();
    let mkfifo = |path: &std::path::Path| {
        let made = std::process::Command::new("mkfifo").arg(path).status();
        assert!(made.unwrap().success());
    };
    mkfifo(&all.join("x.yml"));
    std::os::unix::fs::symlink("/dev/zero", all.join("z.yml")).unwrap();
    let list = args(&["inventory", "-i", inventory.to_str().unwrap(), "--list"]);
    let out = sshfleet_cmd(&list, &[]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed["_meta"]["hostvars"]["h1"]["a"], 1, "{listed}");
    for skipped in ["group_vars/all/x.yml", "group_vars/all/z.yml"] {
        assert!(
            stderr.contains(&format!("{skipped}: skipped"))
                && stderr.contains("not a regular file"),
            "{skipped}: {stderr}"
        );
    }
    std::fs::remove_dir_all(&all).unwrap();
    mkfifo(&dir.path().join("group_vars/all.yaml"));
    let out = sshfleet_cmd(&list, &[]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("group_vars/all.yaml") && stderr.contains("not a regular file"),
        "{stderr}"
    );
    // An inventory directory reads every entry as a source: one that is a
    // FIFO is refused, naming it (ansible-core's plugins would wait on it).
    let sources = dir.path().join("sources");
    std::fs::create_dir(&sources).unwrap();
    std::fs::write(sources.join("a.yml"), "all:\n  hosts:\n    h1:\n").unwrap();
    mkfifo(&sources.join("b.yml"));
    let list = args(&["inventory", "-i", sources.to_str().unwrap()]);
    let out = sshfleet_cmd(&list, &[]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("sources/b.yml") && stderr.contains("not a regular file"),
        "{stderr}"
    );
}

/// An `SSHFLEET_*` variable set to a value sshfleet cannot use is refused
/// (exit 5, naming it), not replaced by the default without a word.
#[tokio::test(flavor = "multi_thread")]
async fn an_unusable_sshfleet_environment_variable_exits_5_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("inv.yml");
    std::fs::write(&inventory, "all:\n  hosts:\n    h1:\n").unwrap();
    let list = args(&["inventory", "-i", inventory.to_str().unwrap()]);
    for bad in ["-1", "abc", "1e9", "18446744073709551616", "0"] {
        let out = sshfleet_cmd(&list, &[("SSHFLEET_MAX_INPUT_BYTES", bad)]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{bad}: {stderr}");
        assert!(
            stderr.contains("SSHFLEET_MAX_INPUT_BYTES"),
            "{bad}: {stderr}"
        );
    }
    // A usable bound is used: this inventory is larger than 8 bytes.
    let out = sshfleet_cmd(&list, &[("SSHFLEET_MAX_INPUT_BYTES", "8")]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("larger than 8 bytes"), "{stderr}");
}
