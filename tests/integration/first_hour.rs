//! The first hour with sshfleet, as a newcomer lives it: messages that
//! point to the way out (a `--limit` that matches nothing, hosts an
//! Ansible inventory reaches over WinRM, a pattern missing a quote).

use sshfleet_sim::{EndpointScenario, SimModelConfig};

use crate::support::{Lab, sshfleet_cmd};

async fn sshfleet(args: &[&str]) -> (i32, String, String) {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let out = sshfleet_cmd(&args, &[]).await;
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const INVENTORY: &str = "\
all:
  vars:
    ansible_user: admin
  children:
    broken:
      hosts:
        esa001.example.com:
        esa002.example.com:
    windows:
      vars:
        ansible_connection: winrm
      hosts:
        pc01.example.com:
        pc02.example.com:
";

#[tokio::test(flavor = "multi_thread")]
async fn a_limit_matching_nothing_names_the_nearest_hosts_and_groups() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.yaml");
    std::fs::write(&inv, INVENTORY).unwrap();
    let inv = inv.to_str().unwrap();
    for (limit, nearest) in [
        ("esa1", "esa001.example.com (host)"),
        ("Broken", "broken (group)"),
        ("esa002.example.con", "esa002.example.com (host)"),
    ] {
        let (code, _, err) = sshfleet(&["inventory", "-F", "none", "-i", inv, "-l", limit]).await;
        assert_eq!(code, 5, "{limit}: {err}");
        assert!(err.contains("matches no host"), "{limit}: {err}");
        assert!(
            err.contains(&format!("nearest: {nearest}")),
            "{limit}: {err}"
        );
        assert!(
            err.contains(&format!("`sshfleet inventory -i {inv}` lists every host")),
            "{limit}: {err}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn winrm_hosts_are_listed_named_all_at_once_and_can_be_reached_over_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("inv.yaml");
    std::fs::write(&inv, INVENTORY).unwrap();
    let inv = inv.to_str().unwrap();
    // `sshfleet inventory` lists them with their connection.
    let (code, out, err) = sshfleet(&["inventory", "-F", "none", "-i", inv]).await;
    assert_eq!(code, 0, "{err}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {out}"))
            .to_string()
    };
    assert_eq!(
        line("pc01.example.com"),
        "pc01.example.com\tconnection=winrm\tgroups=all,windows"
    );
    assert!(
        line("esa001.example.com").contains("\tuser=admin\t"),
        "{out}"
    );

    // `run` names every such host at once, and both ways out.
    let lock = dir.path().join("lock");
    let (code, _, err) = sshfleet(&[
        "run",
        "esa-ecupdate",
        "-F",
        "none",
        "-i",
        inv,
        "--lock",
        lock.to_str().unwrap(),
    ])
    .await;
    assert_eq!(code, 5, "{err}");
    assert!(
        err.contains("2 selected hosts use a connection sshfleet does not speak"),
        "{err}"
    );
    assert!(
        err.contains("winrm (ansible_connection in ")
            && err.contains("pc01.example.com, pc02.example.com"),
        "{err}"
    );
    assert!(err.contains("--limit '!windows'"), "{err}");
    assert!(err.contains("-e ansible_connection=ssh"), "{err}");

    // Endpoints marked winrm that run OpenSSH: -e ansible_connection=ssh.
    let scenario: EndpointScenario = "up-to-date".parse().unwrap();
    let lab = Lab::start_models(
        vec![SimModelConfig::new(scenario.profile("pc01.example.com"))],
        None,
    )
    .await;
    let yaml = std::fs::read_to_string(&lab.inventory).unwrap();
    std::fs::write(
        &lab.inventory,
        yaml.replace("  vars:\n", "  vars:\n    ansible_connection: winrm\n"),
    )
    .unwrap();
    let run = lab.run_playbook("secure-endpoint-tetra", &[]).await;
    assert_eq!(run.code(), 5, "{}", run.explain());
    let run = lab
        .run_playbook("secure-endpoint-tetra", &["-e", "ansible_connection=ssh"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(run.status("pc01.example.com"), "ok");
    // Only SSH connections are taken.
    let run = lab
        .run_playbook("secure-endpoint-tetra", &["-e", "ansible_connection=winrm"])
        .await;
    assert_eq!(run.code(), 5, "{}", run.explain());
    assert!(
        run.stderr().contains("only reaches hosts over SSH"),
        "{}",
        run.explain()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn validate_warns_of_a_pattern_with_a_lost_quote() {
    let dir = tempfile::tempdir().unwrap();
    let text = include_str!("../../playbooks/esa-ecupdate.yaml");
    let good = "until: 'enrollment_client update completed'";
    assert!(text.contains(good));
    let path = dir.path().join("typo.yaml");
    // The opening quote lost: still valid YAML, a plain string ending in `'`.
    std::fs::write(
        &path,
        text.replace(good, "until: enrollment_client update completed'"),
    )
    .unwrap();
    let line = text[..text.find(good).unwrap()].matches('\n').count() + 1;
    let (code, out, err) = sshfleet(&["playbook", "validate", path.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(": ok ("), "{out}");
    assert!(
        err.contains(&format!("warning: {}:{line}:", path.display()))
            && err.contains("enrollment_client update completed'")
            && err.contains("quote"),
        "{err}"
    );
    // The shipped playbooks have none.
    for builtin in ["esa-ecupdate", "secure-endpoint-tetra"] {
        let (code, _, err) = sshfleet(&["playbook", "validate", builtin]).await;
        assert_eq!((code, err.as_str()), (0, ""), "{builtin}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rehearse_command_sim_prints_runs_as_printed() {
    let dir = tempfile::tempdir().unwrap();
    let inventory = dir.path().join("sim.yaml");
    let mut sim = crate::sim_cli::SimProcess::start(
        dir.path(),
        &[
            "--hosts",
            "8",
            "--scenario",
            "mixed",
            "--update-duration",
            "1s",
            "--inventory-out",
            inventory.to_str().unwrap(),
        ],
    );
    sim.wait_for(&inventory);
    let banner = sim.output();
    let printed = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("sshfleet run "))
        .unwrap_or_else(|| panic!("no rehearse command in:\n{banner}"));
    // The timeouts a rehearsal needs, one update_timeout, and the state kept.
    assert!(
        printed.contains("-e update_timeout=15s -e command_timeout=10s"),
        "{printed}"
    );
    assert!(
        banner.contains("fixes persist while this process runs"),
        "{banner}"
    );
    assert!(banner.contains("start it again to reset"), "{banner}");

    let report = dir.path().join("r.json");
    let lock = dir.path().join("lock");
    let mut args: Vec<String> = vec!["run".into()];
    args.extend(printed.split_whitespace().map(String::from));
    args.extend(
        [
            "--no-progress",
            "--report",
            report.to_str().unwrap(),
            "--lock",
            lock.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let out = sshfleet_cmd(&args, &[]).await;
    let explain = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Every host ends as its scenario requires: the faults fail, no
    // fixable host runs out of time.
    assert_eq!(out.status.code(), Some(2), "{explain}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let failed: Vec<&str> = report["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == "failed")
        .map(|h| h["name"].as_str().unwrap())
        .collect();
    // Mixed, 8 hosts: the six faults first; three of them fail by design.
    assert_eq!(failed.len(), 3, "{explain}");
    assert_eq!(report["summary"]["unreachable"], 0, "{explain}");
    sim.interrupt();
}

/// The shipped systemd units name only options `sshfleet run` has, and
/// pass `systemd-analyze verify` where it is installed (CI installs it).
#[tokio::test(flavor = "multi_thread")]
async fn shipped_systemd_units_use_real_options_and_verify() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/systemd");
    let mut units: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    units.sort();
    assert!(units.len() >= 6, "{units:?}");
    let (_, help, _) = sshfleet(&["run", "--help"]).await;
    let mut options = 0;
    for unit in &units {
        let text = std::fs::read_to_string(unit).unwrap();
        // Comments may quote other commands; the ExecStart lines run.
        let exec: String = text
            .split("\nExecStart=")
            .skip(1)
            .map(|rest| rest.split("\n\n").next().unwrap().replace("\\\n", " "))
            .map(|cmd| cmd.lines().next().unwrap_or("").to_string())
            .collect::<Vec<_>>()
            .join(" ");
        if !exec.contains("sshfleet run") {
            continue;
        }
        for word in exec.split_whitespace().filter(|w| w.starts_with("--")) {
            options += 1;
            assert!(
                help.contains(&format!("{word} ")) || help.contains(&format!("{word}\n")),
                "{}: `{word}` is not an option of sshfleet run",
                unit.display()
            );
        }
    }
    assert!(options >= 10, "{options}");
    if std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have systemd-analyze"
        );
        eprintln!("skipping systemd-analyze verify: not installed");
        return;
    }
    let out = std::process::Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .args(&units)
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && said.is_empty(), "{said}");
}

/// A recording made with `--check` says so, and replays in check mode:
/// `demo --replay` and `playbook test` without `--check` pass (the fix it
/// never saw is not sent), and a directory mixing both kinds is refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_check_mode_recording_replays_in_check_mode() {
    let lab = Lab::start(vec![
        sshfleet_sim::AsyncOsProfile::healthy("esa01.example.com"),
        crate::support::broken_quick("esa02.example.com"),
    ])
    .await;
    let rec = lab.dir.path().join("rec");
    let run = lab
        .run(&["--check", "--record", rec.to_str().unwrap()])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(run.status("esa02.example.com"), "changed");
    let header = std::fs::read_to_string(rec.join("esa02.example.com.jsonl")).unwrap();
    assert!(
        header
            .lines()
            .next()
            .unwrap()
            .contains("\"check_mode\":true"),
        "{header}"
    );
    let rec = rec.to_str().unwrap();
    let (code, out, err) = sshfleet(&["demo", "--replay", rec]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("were made with --check: replaying with --check"),
        "{out}"
    );
    let (code, out, err) = sshfleet(&["playbook", "test", "esa-ecupdate", "--replay", rec]).await;
    assert_eq!(code, 0, "{out}{err}");

    // One real recording beside them: which mode is ambiguous, refused.
    let real = lab.dir.path().join("real");
    let run = lab
        .run(&[
            "-l",
            "esa01.example.com",
            "--record",
            real.to_str().unwrap(),
        ])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    std::fs::copy(
        real.join("esa01.example.com.jsonl"),
        std::path::Path::new(rec).join("esa03.example.com.jsonl"),
    )
    .unwrap();
    let (code, _, err) = sshfleet(&["playbook", "test", "esa-ecupdate", "--replay", rec]).await;
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("recorded with --check and"), "{err}");
}
