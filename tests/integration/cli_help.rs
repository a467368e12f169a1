//! What an operator installs beside the binary: shell completions, manual
//! pages, and `--help` with an example for every subcommand.

use crate::support::sshfleet_cmd;

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

async fn stdout_of(a: &[&str]) -> String {
    let out = sshfleet_cmd(&args(a), &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{a:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

const SUBCOMMANDS: [&str; 8] = [
    "run",
    "demo",
    "sim",
    "inventory",
    "playbook",
    "report",
    "completions",
    "man",
];

#[tokio::test(flavor = "multi_thread")]
async fn bash_completion_is_valid_bash_and_knows_the_subcommands_and_flags() {
    let script = stdout_of(&["completions", "bash"]).await;
    for word in SUBCOMMANDS
        .iter()
        .chain(&["--serial", "--retry-failed", "--log-format"])
    {
        assert!(script.contains(word), "{word} missing");
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sshfleet.bash");
    std::fs::write(&path, &script).unwrap();
    let check = std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // Sourced in a shell, it registers the completion function.
    let sourced = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && complete -p sshfleet",
            path.display()
        ))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&sourced.stdout).contains("sshfleet"),
        "{}",
        String::from_utf8_lossy(&sourced.stderr)
    );

    // After `run`, the built-in playbooks are offered by name.
    let offered = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source '{}' && COMP_WORDS=(sshfleet run '') COMP_CWORD=2 COMP_LINE='sshfleet run ' COMP_POINT=13 && _sshfleet sshfleet '' run && echo \"${{COMPREPLY[@]}}\"",
            path.display()
        ))
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&offered.stdout);
    assert!(
        offered.contains("esa-ecupdate") && offered.contains("secure-endpoint-tetra"),
        "{offered}"
    );

    for shell in ["zsh", "fish", "elvish", "powershell"] {
        let script = stdout_of(&["completions", shell]).await;
        assert!(
            script.contains("sshfleet") && script.contains("retry-failed"),
            "{shell}"
        );
    }
    let out = sshfleet_cmd(&args(&["completions", "tcsh"]), &[]).await;
    assert_eq!(out.status.code(), Some(5));
}

#[tokio::test(flavor = "multi_thread")]
async fn man_prints_a_roff_page_and_writes_one_per_subcommand() {
    let page = stdout_of(&["man"]).await;
    assert!(page.contains(".TH sshfleet 1"), "{page}");
    assert!(
        page.contains(".SH NAME") && page.contains(".SH SYNOPSIS"),
        "{page}"
    );
    for sub in SUBCOMMANDS {
        assert!(
            page.contains(&format!("sshfleet\\-{sub}(1)")),
            "{sub}: {page}"
        );
    }

    // The directory is created: a fresh prefix has no man1 yet.
    let top = tempfile::tempdir().unwrap();
    let dir = top.path().join("share/man/man1");
    stdout_of(&["man", "--out-dir", dir.to_str().unwrap()]).await;
    let run = std::fs::read_to_string(dir.join("sshfleet-run.1")).unwrap();
    assert!(run.contains(".TH sshfleet-run 1"), "{run}");
    assert!(run.contains("\\-\\-max\\-fail\\-percent"), "{run}");
    assert!(run.contains("Examples:"), "{run}");
    // Examples are set verbatim: man never joins or breaks them.
    assert!(
        run.contains("Examples:\n.nf\n  sshfleet run esa\\-ecupdate"),
        "{run}"
    );
    // sshfleet(1) says what an operator looks up: statuses, exit codes,
    // the inventory, the files.
    for topic in [
        "Statuses",
        "unreachable",
        "Exit codes:",
        "130",
        "143",
        "129",
        "Inventory:",
        "INI, JSON",
        "Files:",
        "known_hosts",
    ] {
        assert!(page.contains(topic), "{topic}: {page}");
    }
    assert!(dir.join("sshfleet-playbook-validate.1").exists());
    assert!(dir.join("sshfleet-report-diff.1").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn every_subcommand_help_shows_an_example_of_itself() {
    for sub in SUBCOMMANDS.iter().map(|s| vec![*s]).chain([
        vec!["playbook", "validate"],
        vec!["playbook", "test"],
        vec!["report", "show"],
        vec!["report", "diff"],
    ]) {
        let mut a = sub.clone();
        a.push("--help");
        let help = stdout_of(&a).await;
        let invocation = format!("  sshfleet {}", sub.join(" "));
        assert!(
            help.contains("Example") && help.contains(&invocation),
            "{sub:?}: no example `{invocation}` in:\n{help}"
        );
    }
    // sshfleet --help lists every exit code, the signals' included.
    let help = stdout_of(&["--help"]).await;
    for line in [
        "  143  stopped by SIGTERM",
        "  129  stopped by SIGHUP",
        "  130  interrupted",
    ] {
        assert!(help.contains(line), "{line}: {help}");
    }
    // Exit codes, the lock's included, are in `run --help`.
    let help = stdout_of(&["run", "--help"]).await;
    let words = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("3 another run holds the lock"), "{help}");
}

/// `sshfleet run esa-ecupdate -i inventory/example.yaml` plus `extra`:
/// exit code and stderr.
async fn refused_run(extra: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["run", "esa-ecupdate", "-i", "inventory/example.yaml"];
    all.extend(extra);
    let out = sshfleet_cmd(&args(&all), &[]).await;
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn max_fail_percent_without_serial_is_refused_in_plain_words() {
    let (code, err) = refused_run(&["--max-fail-percent", "20"]).await;
    assert_eq!(code, Some(5), "{err}");
    assert!(err.contains("--serial"), "{err}");

    let (code, err) = refused_run(&["-e", "update_timeout=soon"]).await;
    assert_eq!(code, Some(5), "{err}");
    assert!(
        err.contains("`soon` is not a duration like 15s, 10m, 1h") && !err.contains(" at 0"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sim_without_inventory_out_shows_it_required_in_its_usage() {
    let out = sshfleet_cmd(&args(&["sim"]), &[]).await;
    assert_eq!(out.status.code(), Some(5));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Usage: sshfleet sim --inventory-out <PATH> [OPTIONS]")
            && err.contains("sshfleet sim --stdio [OPTIONS]"),
        "{err}"
    );
}
