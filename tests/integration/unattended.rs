//! Running unattended (cron, systemd timers): the run lock, plain output
//! off a terminal, and the JSON event log.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;
use sshfleet_sim::AsyncOsProfile;

use crate::support::{
    Lab, broken_quick, eventually, never_completes, sshfleet_cmd, sshfleet_on_terminal,
};

/// `args` without its `--lock PATH` pair (to use the default lock).
fn without_lock(mut args: Vec<String>) -> Vec<String> {
    let at = args.iter().position(|a| a == "--lock").unwrap();
    args.drain(at..at + 2);
    args
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_while_the_first_holds_the_lock_exits_3_and_touches_no_host() {
    let lab = Lab::start(vec![
        never_completes("esa01.example.com"),
        AsyncOsProfile::healthy("esa02.example.com"),
    ])
    .await;
    let lock = lab.dir.path().join("run.lock");
    let first = tokio::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(lab.run_args(&["--no-progress", "-e", "update_timeout=10m"]))
        .env_remove("SSH_AUTH_SOCK")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let first_pid = first.id().unwrap();
    let slow = lab.host("esa01.example.com");
    eventually("the first run follows the update", || {
        slow.stats().follows_active == 1
    })
    .await;
    let opened = |name: &str| lab.host(name).stats().sessions_opened;
    let before = (opened("esa01.example.com"), opened("esa02.example.com"));

    let second = lab.run(&[]).await;
    assert_eq!(second.code(), 3, "{}", second.explain());
    let stderr = second.stderr();
    assert!(
        stderr.contains(&lock.display().to_string())
            && stderr.contains(&format!("pid {first_pid}"))
            && stderr.contains("touched no host"),
        "{stderr}"
    );
    assert!(second.report.is_none(), "the second run wrote a report");
    assert_eq!(
        (opened("esa01.example.com"), opened("esa02.example.com")),
        before,
        "the second run connected to a host"
    );
    assert_eq!(slow.stats().forced_updates, 1);

    // A holder that dies without any cleanup (SIGKILL) leaves no stale
    // lock: the kernel released it.
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &first_pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(30), first.wait_with_output())
        .await
        .unwrap()
        .unwrap()
        .status;
    assert_eq!(status.code(), None, "killed by a signal");
    let third = lab.run(&["-l", "esa02.example.com"]).await;
    assert_eq!(third.code(), 0, "{}", third.explain());
    assert_eq!(third.status("esa02.example.com"), "ok");
}

#[tokio::test(flavor = "multi_thread")]
async fn without_lock_the_run_locks_a_file_in_the_runtime_directory() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let runtime = lab.dir.path().join("runtime");
    std::fs::create_dir(&runtime).unwrap();
    let default_lock = runtime.join("sshfleet.lock");
    // Another program holds the default lock.
    let held = std::fs::File::create(&default_lock).unwrap();
    held.lock().unwrap();
    let args = without_lock(lab.run_args(&["--no-progress"]));
    let env = [("XDG_RUNTIME_DIR", runtime.to_str().unwrap())];
    let out = sshfleet_cmd(&args, &env).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains(&default_lock.display().to_string()),
        "{stderr}"
    );
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);

    drop(held);
    let out = sshfleet_cmd(&args, &env).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The pid of the run that held it last, for the next one's message.
    let pid: u32 = std::fs::read_to_string(&default_lock)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pid > 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn output_off_a_terminal_has_no_colour_even_without_no_color() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    // An unknown host key accepted: a warning, which is coloured on a terminal.
    std::fs::remove_file(&lab.known_hosts).unwrap();
    let args = lab.run_args(&["--accept-new-host-keys"]);
    let out = sshfleet_cmd(&args, &[("NO_COLOR", "")]).await;
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stderr.contains("permanently added"), "{stderr}");
    assert!(
        !stdout.contains('\x1b') && !stderr.contains('\x1b'),
        "escape codes off a terminal: {stdout:?} {stderr:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_warnings_are_coloured_unless_no_color_is_set() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    for (no_color, coloured) in [("", true), ("1", false)] {
        std::fs::remove_file(&lab.known_hosts).unwrap();
        let args = lab.run_args(&["--accept-new-host-keys", "--no-progress"]);
        let Some(out) = sshfleet_on_terminal(&args, &[("NO_COLOR", no_color)]).await else {
            return;
        };
        let screen = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{screen}");
        assert!(screen.contains("permanently added"), "{screen}");
        assert_eq!(
            screen.contains("\x1b["),
            coloured,
            "NO_COLOR={no_color:?}: {screen:?}"
        );
    }
}

fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<Value>(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line:?}\n{stdout}"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn json_log_lines_are_all_of_stdout_and_tell_each_hosts_story() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        broken_quick("esa02.example.com"),
    ])
    .await;
    lab.add_down_hosts(&["esa03-down.example.com"]);
    let run = lab
        .run(&[
            "--log-format",
            "json",
            "--connect-retries",
            "0",
            "--serial",
            "2",
        ])
        .await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    let events = events(&run.stdout());
    for e in &events {
        assert!(
            e["ts"].as_str().unwrap().ends_with('Z')
                && e["playbook"] == "esa-ecupdate"
                && e["event"].is_string(),
            "{e}"
        );
        chrono::DateTime::parse_from_rfc3339(e["ts"].as_str().unwrap()).unwrap();
    }
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"run_started"), "{kinds:?}");
    assert_eq!(events[0]["hosts"], 3);
    assert_eq!(events[0]["batches"], 2);
    assert_eq!(kinds.last(), Some(&"run_finished"), "{kinds:?}");
    let last = events.last().unwrap();
    assert_eq!(last["exit_code"], 4);
    assert_eq!(last["summary"]["changed"], 1);
    assert_eq!(last["report"], lab.report.display().to_string());
    assert_eq!(
        kinds.iter().filter(|k| **k == "batch_started").count(),
        2,
        "{kinds:?}"
    );

    // Each host: started, steps, then exactly one result matching the report.
    let report = run.report.as_ref().unwrap();
    let mut seen: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for e in &events {
        if let Some(host) = e["host"].as_str() {
            seen.entry(host.to_string())
                .or_default()
                .push(e["event"].as_str().unwrap());
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    for (host, story) in &seen {
        assert_eq!(story.first(), Some(&"host_started"), "{host}: {story:?}");
        assert_eq!(story.last(), Some(&"host_finished"), "{host}: {story:?}");
        assert_eq!(story.iter().filter(|k| **k == "host_finished").count(), 1);
        let finished = events
            .iter()
            .find(|e| e["event"] == "host_finished" && e["host"] == host.as_str())
            .unwrap();
        let in_report = report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == host.as_str())
            .unwrap();
        for field in [
            "status",
            "findings",
            "actions",
            "error",
            "facts",
            "confirmations",
        ] {
            assert_eq!(finished[field], in_report[field], "{host}: {field}");
        }
        assert!(finished["duration_ms"].is_u64());
    }
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "step" && e["step"] == "Force the Enrollment Client update"),
        "{kinds:?}"
    );
    // A step that waits says how long it may (update_timeout, 10m by default).
    assert!(
        events.iter().any(|e| e["event"] == "step"
            && e["step"] == "Follow updater_logs until this update completes"
            && e["timeout_s"] == 600),
        "{kinds:?}"
    );
    // The human table went to stderr.
    assert!(run.stderr().contains("HOST"), "{}", run.explain());
}
