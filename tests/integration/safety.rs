//! Unattended safety (issue 13): nothing false, nothing lost, nothing
//! leaked. Each test drives the real binary against the simulator (or a
//! hostile server, see `hostile`) and pins one item of the issue.

use std::time::Duration;

use sshfleet_sim::{AsyncOsProfile, Fault};

use crate::support::{Lab, eventually, group_of, never_completes, running_in_group};

/// Start `sshfleet run` on `lab` in the background with `extra` arguments.
fn spawn_run(lab: &Lab, extra: &[&str]) -> tokio::process::Child {
    let mut args = lab.run_args(&["--no-progress"]);
    args.extend(extra.iter().map(|a| a.to_string()));
    tokio::process::Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

/// Wait (up to a minute: the machine may be busy) until `check` holds,
/// failing early with the run's output if it ended first.
async fn until_running(
    child: &mut tokio::process::Child,
    what: &str,
    mut check: impl FnMut() -> bool,
) {
    for _ in 0..600 {
        if check() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("sshfleet ended ({status}) before: {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = child.start_kill();
    let mut said = String::new();
    for pipe in [
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn tokio::io::AsyncRead + Unpin + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let mut pipe = pipe;
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut pipe, &mut said).await;
    }
    panic!("never happened: {what}; sshfleet said:\n{said}");
}

fn send(child: &tokio::process::Child, signal: &str) {
    let pid = child.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    assert!(kill.success());
}

async fn finish(child: tokio::process::Child) -> std::process::Output {
    tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .expect("sshfleet did not stop after the signal")
        .unwrap()
}

/// Item 4: SIGTERM and SIGHUP stop a run as Ctrl-C does.
async fn stopped_by(signal: &str, code: i32) {
    let lab = Lab::start(vec![
        never_completes("esa01.example.com"),
        never_completes("esa02.example.com"),
    ])
    .await;
    let metrics = lab.dir.path().join("fleet.prom");
    let mut child = spawn_run(
        &lab,
        &[
            "-f",
            "1",
            "--log-format",
            "json",
            "--metrics-file",
            metrics.to_str().unwrap(),
        ],
    );
    // With one fork, either host may start first; the other waits.
    let hosts = lab.fleet.hosts();
    until_running(&mut child, "a host follows the update", || {
        hosts.iter().any(|h| h.stats().follows_active == 1)
    })
    .await;
    let (first, second) = if hosts[0].stats().follows_active == 1 {
        (&hosts[0], &hosts[1])
    } else {
        (&hosts[1], &hosts[0])
    };
    send(&child, signal);
    let out = finish(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert!(stderr.contains(signal), "{stderr}");
    // The metrics file and the JSON log record the code the process exits with.
    let prom = std::fs::read_to_string(&metrics).unwrap();
    assert!(
        prom.lines()
            .any(|l| l.starts_with("sshfleet_run_exit_code{") && l.ends_with(&format!(" {code}"))),
        "{prom}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let finished: serde_json::Value = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|e| e["event"] == "run_finished")
        .unwrap_or_else(|| panic!("no run_finished: {stdout}"));
    assert_eq!(finished["exit_code"], code, "{finished}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true, "{report}");
    let outcome = |name: &str| {
        report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {report}"))
            .clone()
    };
    let ran = outcome(&first.name);
    assert_eq!(ran["status"], "failed", "{report}");
    assert!(
        ran["error"].as_str().unwrap().contains("interrupted"),
        "{report}"
    );
    assert_eq!(outcome(&second.name)["status"], "skipped", "{report}");
    // The remote tail got its Ctrl-C and the session was closed.
    eventually("session closed", || first.stats().sessions_open == 0).await;
    assert_eq!(first.stats().follows_active, 0);
    assert_eq!(first.stats().interrupts, 1);
    assert_eq!(second.stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_every_tail_writes_the_report_and_exits_143() {
    stopped_by("TERM", 143).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_stops_every_tail_writes_the_report_and_exits_129() {
    stopped_by("HUP", 129).await;
}

/// I6: the first SIGTERM of a run ends the `ProxyCommand` a host's session
/// goes through, with everything it started in its group, before sshfleet
/// exits; the run is reported interrupted.
#[tokio::test(flavor = "multi_thread")]
async fn sigterm_ends_the_proxy_command_and_its_group_before_sshfleet_exits() {
    let lab = Lab::start(vec![never_completes("esa01.example.com")]).await;
    let pid_file = lab.dir.path().join("proxy.pid");
    // A route that also leaves a process behind which no EOF ends: only
    // ending the group ends it.
    let config = proxy_config(
        &lab,
        &format!("sleep 600 &\necho $$ > {}\n", pid_file.display()),
    );
    let mut child = spawn_run(&lab, &["-F", config.to_str().unwrap()]);
    let host = lab.host("esa01.example.com");
    until_running(&mut child, "the host follows the update", || {
        host.stats().follows_active == 1
    })
    .await;
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let group = group_of(&pid.to_string());
    // Its own group, which sshfleet started (never the test's: it is
    // killed below).
    assert_ne!(group, group_of("self"));
    assert!(!running_in_group(group).is_empty());
    send(&child, "TERM");
    let out = finish(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Killed processes leave the process table once reaped.
    let mut left = running_in_group(group);
    for _ in 0..100 {
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        left = running_in_group(group);
    }
    if !left.is_empty() {
        // Not left behind by this test.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    }
    assert!(left.is_empty(), "still running: {left:?}\n{stderr}");
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("SIGTERM received"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true, "{report}");
    assert_eq!(report["hosts"][0]["status"], "failed", "{report}");
    assert_eq!(host.stats().sessions_opened, 1, "the route was not used");
}

/// A process that leaves its group (`setsid`) from a ProxyCommand, and one
/// that a ProxyCommand double-forks away, are out of reach of the group
/// kill: they are re-parented to sshfleet (its child subreaper) and ended
/// when the run ends, whether it ends normally or by a signal.
async fn escaped(signal: Option<&str>) {
    let lab = Lab::start(vec![never_completes("esa01.example.com")]).await;
    let pids = lab.dir.path().join("escaped.pids");
    let config = proxy_config(
        &lab,
        &format!(
            "setsid sleep 600 &\necho $! >> {p}\n( setsid sleep 601 & echo $! >> {p} ) &\n",
            p = pids.display()
        ),
    );
    let timeout = ["-e", "update_timeout=3s"];
    let mut args = vec!["-F", config.to_str().unwrap()];
    if signal.is_none() {
        args.extend(timeout);
    }
    let mut child = spawn_run(&lab, &args);
    let host = lab.host("esa01.example.com");
    until_running(&mut child, "the host follows the update", || {
        host.stats().follows_active == 1
            && std::fs::read_to_string(&pids).is_ok_and(|p| p.lines().count() == 2)
    })
    .await;
    let escaped: Vec<String> = std::fs::read_to_string(&pids)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    for pid in &escaped {
        // Each is a group (and a session) of its own: no group kill reaches it.
        assert_eq!(group_of(pid).to_string(), *pid);
    }
    if let Some(signal) = signal {
        send(&child, signal);
    }
    let out = finish(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut left: Vec<u32> = Vec::new();
    for _ in 0..100 {
        left = escaped
            .iter()
            .map(|p| p.parse().unwrap())
            .filter(|g| !running_in_group(*g).is_empty())
            .collect();
        if left.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for group in &left {
        // Not left behind by this test.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{group}")])
            .status();
    }
    assert!(left.is_empty(), "still running: {left:?}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn processes_that_left_their_group_end_with_the_run() {
    escaped(None).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn processes_that_left_their_group_end_with_a_run_stopped_by_sigterm() {
    escaped(Some("TERM")).await;
}

/// An ssh_config whose ProxyCommand is a script that first runs `before`,
/// then carries the session over `/dev/tcp`.
fn proxy_config(lab: &Lab, before: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt as _;
    let proxy = lab.dir.path().join("proxy.sh");
    std::fs::write(
        &proxy,
        format!("#!/bin/bash\n{before}exec 3<>/dev/tcp/$1/$2\ncat <&3 & cat >&3\n"),
    )
    .unwrap();
    std::fs::set_permissions(&proxy, std::fs::Permissions::from_mode(0o755)).unwrap();
    let config = lab.dir.path().join("ssh_config");
    std::fs::write(
        &config,
        format!("Host *\n  ProxyCommand {} %h %p\n", proxy.display()),
    )
    .unwrap();
    config
}

/// Item 5: Ctrl-C ends the wait for a prompt at once, at login and under
/// a command, not after the timeouts (here ten minutes).
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_stops_hosts_waiting_for_a_prompt_at_once() {
    let lab = Lab::start(vec![
        AsyncOsProfile::broken("esa01.example.com").with_fault(Fault::StopAnswering(0)),
        AsyncOsProfile::broken("esa02.example.com").with_fault(Fault::StopAnswering(1)),
    ])
    .await;
    let mut child = spawn_run(
        &lab,
        &["-e", "login_timeout=10m", "-e", "command_timeout=10m"],
    );
    let silent = lab.host("esa01.example.com");
    let mute = lab.host("esa02.example.com");
    until_running(&mut child, "both hosts are waited on", || {
        silent.stats().sessions_open == 1 && mute.stats().commands == ["version"]
    })
    .await;
    send(&child, "INT");
    let out = finish(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Ctrl-C (SIGINT) received"), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true);
    for host in report["hosts"].as_array().unwrap() {
        assert_eq!(host["status"], "failed", "{host}");
        assert!(
            host["error"]
                .as_str()
                .unwrap()
                .contains("interrupted while"),
            "{host}"
        );
    }
    for host in [silent, mute] {
        eventually("session closed", || host.stats().sessions_open == 0).await;
    }
}

/// Item 8: a duration beyond a day (or beyond the clock) or of zero is a
/// bad invocation, refused before any host is touched; it used to panic
/// after `ecupdate force` was sent.
#[tokio::test(flavor = "multi_thread")]
async fn durations_beyond_a_day_or_zero_are_refused_before_any_host() {
    let lab = Lab::start(vec![AsyncOsProfile::broken("esa01.example.com")]).await;
    for (var, says) in [
        ("update_timeout=18446744073709551615s", "more than a day"),
        ("update_timeout=25h", "more than a day"),
        ("command_timeout=0s", "zero"),
    ] {
        let run = lab.run(&["-e", var]).await;
        assert_eq!(run.code(), 5, "{var}: {}", run.explain());
        assert!(run.stderr().contains(says), "{var}: {}", run.explain());
        assert!(!run.stderr().contains("panicked"), "{}", run.explain());
    }
    let appliance = lab.host("esa01.example.com").stats();
    assert_eq!(appliance.sessions_opened, 0);
    assert_eq!(appliance.forced_updates, 0);
}

/// `args` with the value after `flag` replaced by `value`.
fn with_value(mut args: Vec<String>, flag: &str, value: &str) -> Vec<String> {
    match args.iter().position(|a| a == flag) {
        Some(at) => args[at + 1] = value.to_string(),
        None => args.extend([flag.to_string(), value.to_string()]),
    }
    args
}

/// Item 6: every output path is checked before any host is touched; a
/// report that cannot be written used to be found out after the fleet was
/// changed (exit 1).
#[tokio::test(flavor = "multi_thread")]
async fn unusable_output_paths_exit_5_before_any_host_is_touched() {
    let lab = Lab::start(vec![AsyncOsProfile::broken("esa01.example.com")]).await;
    let dir = lab.dir.path();
    let file = dir.join("a-file");
    std::fs::write(&file, "").unwrap();
    let missing = dir.join("missing");
    let fifo = dir.join("known_hosts.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let linked = dir.join("linked-transcripts");
    std::os::unix::fs::symlink(dir, &linked).unwrap();
    let cases = [
        ("--known-hosts", fifo, "not a regular file"),
        ("--known-hosts", "/dev/zero".into(), "not a regular file"),
        ("--known-hosts", file.join("known_hosts"), "--known-hosts"),
        ("--transcripts", linked.clone(), "symbolic link"),
        ("--record", linked, "symbolic link"),
        ("--report", missing.join("report.json"), "--report"),
        ("--report", file.join("report.json"), "not a directory"),
        ("--report", dir.to_path_buf(), "is a directory"),
        ("--html", missing.join("page.html"), "--html"),
        ("--html", dir.to_path_buf(), "is a directory"),
        ("--transcripts", missing.join("deeper"), "--transcripts"),
        ("--transcripts", file.clone(), "--transcripts"),
        ("--lock", missing.join("run.lock"), "--lock"),
        (
            "--metrics-file",
            missing.join("sshfleet.prom"),
            "--metrics-file",
        ),
    ];
    for (flag, path, says) in cases {
        let path = path.display().to_string();
        let args = with_value(lab.run_args(&["--no-progress"]), flag, &path);
        let out = crate::support::sshfleet_cmd(&args, &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{flag} {path}: {stderr}");
        assert!(
            stderr.contains(&path) && stderr.contains(says) && stderr.contains("nothing was run"),
            "{flag} {path}: {stderr}"
        );
    }
    let appliance = lab.host("esa01.example.com").stats();
    assert_eq!(appliance.sessions_opened, 0, "a host was touched");
    assert_eq!(appliance.forced_updates, 0);
    // The demo's report too, before its fleet is even started.
    let report = missing.join("demo.json").display().to_string();
    let out =
        crate::support::sshfleet_cmd(&["demo".into(), "--report".into(), report.clone()], &[])
            .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains(&report), "{stderr}");
}

/// Item 6 (and issue 14): `man --out-dir` creates its directory and its
/// missing parents under a writable directory, and refuses (exit 5) a
/// path it cannot create (under a regular file).
#[tokio::test(flavor = "multi_thread")]
async fn man_out_dir_is_created_with_its_parents_or_refused_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let fresh = tmp.path().join("share/man/man1");
    let args = |dir: &std::path::Path| {
        vec![
            "man".to_string(),
            "--out-dir".to_string(),
            dir.display().to_string(),
        ]
    };
    let out = crate::support::sshfleet_cmd(&args(&fresh), &[]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(fresh.join("sshfleet-run.1").is_file());
    let file = tmp.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    let orphan = file.join("man1");
    let out = crate::support::sshfleet_cmd(&args(&orphan), &[]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(stderr.contains("man --out-dir"), "{stderr}");
    assert!(!orphan.exists());
}

/// A playbook that runs what it is given, and a command built from a
/// capture that spans lines.
const ECHO_PLAYBOOK: &str = r#"
name: show
vars:
  what: {type: string, default: version, pattern: '(?s).*'}
  command_timeout: {type: duration, default: 20s}
shell:
  prompt: '^(?:\((?:Machine|Cluster) [^)]+\)|[A-Za-z0-9][A-Za-z0-9._-]*)> ?$'
  command_timeout: command_timeout
steps:
  - name: Show what was asked
    run: "{{ what }}"
    capture:
      everything: '(?s)Version:(?P<everything>.*)'
  - name: Look it up
    run: "grep {{ everything }} ecs"
"#;

/// Item 2: a command rendered into more than one line is never sent; in
/// check mode, nothing but the written command reaches the appliance.
#[tokio::test(flavor = "multi_thread")]
async fn a_command_rendered_into_two_lines_is_never_sent() {
    let lab = Lab::start(vec![
        AsyncOsProfile::broken("esa01.example.com"),
        AsyncOsProfile::broken("esa02.example.com"),
    ])
    .await;
    let playbook = lab.dir.path().join("show.yaml");
    std::fs::write(&playbook, ECHO_PLAYBOOK).unwrap();
    let playbook = playbook.display().to_string();

    // From a variable, in check mode.
    let run = lab
        .run_playbook(
            &playbook,
            &[
                "--check",
                "-l",
                "esa01.example.com",
                "-e",
                "what=version\necupdate force",
            ],
        )
        .await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    assert_eq!(run.status("esa01.example.com"), "failed");
    let error = run.error("esa01.example.com");
    assert!(
        error.contains("control character") && error.contains("not sent"),
        "{error}"
    );
    let first = lab.host("esa01.example.com").stats();
    assert_eq!(first.forced_updates, 0, "{first:?}");
    assert!(first.commands.is_empty(), "{first:?}");

    // From a capture that spans lines.
    let run = lab
        .run_playbook(&playbook, &["-l", "esa02.example.com"])
        .await;
    assert_eq!(
        run.status("esa02.example.com"),
        "failed",
        "{}",
        run.explain()
    );
    assert!(
        run.error("esa02.example.com").contains("control character"),
        "{}",
        run.explain()
    );
    assert_eq!(lab.host("esa02.example.com").stats().commands, ["version"]);

    // Written into the playbook itself: refused before any host.
    let literal = lab.dir.path().join("literal.yaml");
    std::fs::write(
        &literal,
        ECHO_PLAYBOOK.replace(r#"run: "{{ what }}""#, r#"run: "version\necupdate force""#),
    )
    .unwrap();
    let run = lab.run_playbook(&literal.display().to_string(), &[]).await;
    assert_eq!(run.code(), 5, "{}", run.explain());
    assert!(
        run.stderr().contains("control character"),
        "{}",
        run.explain()
    );
}

/// Item 1: after the appliance's clock was stepped back, an earlier
/// update's lines stamped in its future never confirm this one; they are
/// named in the report, and the real completion is awaited.
#[tokio::test(flavor = "multi_thread")]
async fn future_stamped_backlog_never_confirms_an_update() {
    let stepped =
        |p: AsyncOsProfile| p.with_fault(Fault::ClockSteppedBack(Duration::from_secs(3600)));
    let lab = Lab::start(vec![
        stepped(never_completes("esa01.example.com")),
        stepped(crate::support::broken_quick("esa02.example.com")),
    ])
    .await;
    let run = lab.run(&["-e", "update_timeout=3s"]).await;
    assert_eq!(
        run.status("esa01.example.com"),
        "failed",
        "{}",
        run.explain()
    );
    let error = run.error("esa01.example.com");
    assert!(
        error.contains("not seen within 3s") && error.contains("stamped in the appliance's future"),
        "{error}"
    );
    // The update that did complete is confirmed by its own line, and the
    // ignored backlog is said in the report.
    assert_eq!(
        run.status("esa02.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    for name in ["esa01.example.com", "esa02.example.com"] {
        let warnings = run.host(name)["warnings"].to_string();
        assert!(
            warnings.contains("stamped later than the appliance's clock")
                && warnings.contains("Received remote command"),
            "{name}: {warnings}"
        );
        // A warning, not a finding: conditions on findings never see it.
        let findings = run.host(name)["findings"].to_string();
        assert!(!findings.contains("stamped"), "{findings}");
    }
}

/// A loaded appliance answers `ecupdate force` late while the update runs:
/// by the time `tail updater_logs` starts, the `Received remote command`
/// line has scrolled out of the backlog. Every line the log shows was
/// written after the clock was read, so this run's completion confirms the
/// update; an older completion in the backlog still never does.
#[tokio::test(flavor = "multi_thread")]
async fn an_update_whose_start_scrolled_out_of_the_backlog_is_still_confirmed() {
    let slow = |p: AsyncOsProfile| p.with_fault(Fault::SlowCli(Duration::from_millis(2500)));
    let mut quick = crate::support::broken_quick("esa01.example.com");
    quick.update = sshfleet_sim::UpdateBehaviour::CompletesAfter(Duration::from_millis(500));
    let mut stale = never_completes("esa02.example.com");
    stale.stale_completion = true;
    let lab = Lab::start(vec![slow(quick), slow(stale)]).await;
    let dir = lab.dir.path().join("transcripts");
    let run = lab
        .run(&[
            "-e",
            "update_timeout=3s",
            "--transcripts",
            dir.to_str().unwrap(),
        ])
        .await;
    let text = std::fs::read_to_string(dir.join("esa01.example.com.log")).unwrap();
    let follow = text
        .split(">> tail updater_logs")
        .nth(1)
        .and_then(|t| t.split(">> ^C").next())
        .unwrap_or_default();
    // The premise: the start of the update is no longer on show.
    assert!(
        follow.contains("update completed") && !follow.contains("Received remote command"),
        "{follow}"
    );
    assert_eq!(
        run.status("esa01.example.com"),
        "changed",
        "{}",
        run.explain()
    );
    assert_eq!(
        run.status("esa02.example.com"),
        "failed",
        "{}",
        run.explain()
    );
}

/// Item 11: transcripts are private (0600 files in a 0700 directory
/// sshfleet creates) and never written through a symlink or a hard link
/// planted where one is expected.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn transcripts_are_private_and_never_written_through_planted_links() {
    use std::os::unix::fs::PermissionsExt as _;
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com"),
        AsyncOsProfile::healthy("esa02.example.com"),
    ])
    .await;
    let dir = lab.dir.path().join("transcripts");
    let dir_arg = dir.display().to_string();
    let run = lab.run(&["--transcripts", &dir_arg]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    let first = dir.join("esa01.example.com.log");
    let second = dir.join("esa02.example.com.log");
    assert_eq!(mode(&first), 0o600);
    assert_eq!(mode(&second), 0o600);

    // Someone with write access plants links to files they want clobbered.
    let victim = lab.dir.path().join("victim");
    let linked = lab.dir.path().join("linked");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::write(&linked, "precious too\n").unwrap();
    std::fs::remove_file(&first).unwrap();
    std::os::unix::fs::symlink(&victim, &first).unwrap();
    std::fs::remove_file(&second).unwrap();
    std::fs::hard_link(&linked, &second).unwrap();
    let run = lab.run(&["--transcripts", &dir_arg]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::read_to_string(&linked).unwrap(), "precious too\n");
    for log in [&first, &second] {
        let meta = std::fs::symlink_metadata(log).unwrap();
        assert!(meta.file_type().is_file(), "{}", log.display());
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
        assert!(
            std::fs::read_to_string(log)
                .unwrap()
                .contains("outcome: ok")
        );
    }
}

/// An inventory of one host at 127.0.0.1:`port`, for `lab`'s key.
fn inventory_at(lab: &Lab, name: &str, port: u16) -> std::path::PathBuf {
    let path = lab.dir.path().join(format!("hostile-{port}.yaml"));
    std::fs::write(
        &path,
        format!(
            "all:\n  vars:\n    ansible_user: admin\n    ansible_ssh_private_key_file: {}\n  hosts:\n    {name}:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n",
            lab.key_file.display()
        ),
    )
    .unwrap();
    path
}

/// Item 9: a banner and KEXINIT algorithm names full of controls (ESC, BEL,
/// CSI, C1 split across two writes) never reach the terminal, the report or
/// the JSON log raw.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_banner_and_kexinit_names_are_escaped_everywhere() {
    use crate::hostile::{Hostile, banner, kexinit, raw_controls};
    let lab = Lab::start(vec![]).await;
    let csi = "\u{9b}".as_bytes();
    let mut pre = b"\x1b]0;owned\x07\x1b[2J".to_vec();
    pre.push(csi[0]);
    let server = Hostile::start(vec![
        pre,
        // The second byte of U+009B in a packet of its own.
        [&csi[1..], b"31mWelcome\r\n".as_slice()].concat(),
        banner(b"SSH-2.0-Evil_\x1b[31m\xc2\x9b2J"),
        kexinit(b"curve\x1b[2J\x07,x\x1b]0;owned\x07"),
    ])
    .await;
    let inventory = inventory_at(&lab, "evil01.example.com", server.port);
    let args = with_value(
        lab.run_args(&[
            "--no-progress",
            "--log-format",
            "json",
            "--connect-retries",
            "0",
        ]),
        "-i",
        &inventory.display().to_string(),
    );
    run_escaped(&args, 4).await;
    let report = std::fs::read_to_string(&lab.report).unwrap();
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    let host = &report["hosts"][0];
    assert_eq!(host["status"], "unreachable", "{host}");
    let text = serde_json::to_string(&host).unwrap();
    let decoded: String = serde_json::from_str::<serde_json::Value>(&text)
        .unwrap()
        .to_string();
    assert!(
        !decoded.contains('\u{1b}') && !decoded.contains('\u{9b}'),
        "{host}"
    );
    assert!(
        raw_controls(host["error"].as_str().unwrap()).is_empty(),
        "{host}"
    );
}

/// Run `args` (with `--log-format json`), expect exit `code`, and find no
/// raw control character on the terminal or in any JSON event.
async fn run_escaped(args: &[String], code: i32) {
    use crate::hostile::raw_controls;
    let out = crate::support::sshfleet_cmd(args, &[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stdout}\n{stderr}");
    assert!(raw_controls(&stdout).is_empty(), "{stdout:?}");
    assert!(raw_controls(&stderr).is_empty(), "{stderr:?}");
    for line in stdout.lines() {
        let event: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            strings_of(&event)
                .iter()
                .all(|s| raw_controls(s).is_empty()),
            "{event}"
        );
    }
}

/// Every string in a JSON value, decoded.
fn strings_of(v: &serde_json::Value) -> Vec<String> {
    match v {
        serde_json::Value::String(s) => vec![s.clone()],
        serde_json::Value::Array(a) => a.iter().flat_map(strings_of).collect(),
        serde_json::Value::Object(o) => o
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.clone()).chain(strings_of(v)))
            .collect(),
        _ => Vec::new(),
    }
}

const HOSTILE_OUTPUT_PLAYBOOK: &str = r#"
name: hostile-output
vars:
  command_timeout: {type: duration, default: 20s}
shell:
  prompt: '^[^>]*> ?$'
  command_timeout: command_timeout
facts: [motd, version_line]
steps:
  - name: Read the version
    run: version
    capture:
      motd: {json: /motd}
      version_line: '(?m)^\s*Version:\s*(?P<version_line>.*)$'
    findings:
      - id: hostile
        severity: warning
        pattern: 'Version:'
        message: "the appliance says {{ motd }}"
"#;

/// Item 9: controls in an appliance's output (a JSON string's `\u001b`,
/// a C1 CSI arriving one byte per packet) and in an inventory's host name
/// reach the report, the JSON log and the terminal escaped; the
/// transcript keeps them, escaped visibly.
#[tokio::test(flavor = "multi_thread")]
async fn hostile_output_and_host_names_are_escaped_everywhere() {
    use crate::hostile::raw_controls;
    let mut appliance = AsyncOsProfile::healthy("esa01.example.com")
        .with_fault(Fault::Trickle(Duration::from_micros(200)));
    appliance.version =
        r#"15.0.1-012 {"motd":"\u001b]0;owned\u0007\u009b2J"} "#.to_string() + "\u{9b}31m";
    let lab = Lab::start(vec![appliance]).await;
    let port = lab.host("esa01.example.com").addr.port();
    let name = "\"esa\\e\\a\\x9b01\"";
    let inventory = inventory_at(&lab, name, port);
    let playbook = lab.dir.path().join("hostile.yaml");
    std::fs::write(&playbook, HOSTILE_OUTPUT_PLAYBOOK).unwrap();
    let transcripts = lab.dir.path().join("transcripts");
    let mut args = with_value(
        lab.run_args(&["--no-progress", "--log-format", "json"]),
        "-i",
        &inventory.display().to_string(),
    );
    args[1] = playbook.display().to_string();
    args.extend([
        "--transcripts".to_string(),
        transcripts.display().to_string(),
    ]);
    run_escaped(&args, 2).await;
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lab.report).unwrap()).unwrap();
    let strings = strings_of(&report);
    assert!(
        strings.iter().all(|s| raw_controls(s).is_empty()),
        "{report}"
    );
    let host = &report["hosts"][0];
    assert_eq!(host["name"], "esa\\u{1b}\\u{7}\\u{9b}01", "{host}");
    assert_eq!(
        host["facts"]["motd"], "\\u{1b}]0;owned\\u{7}\\u{9b}2J",
        "{host}"
    );
    assert!(
        host["error"]
            .as_str()
            .unwrap()
            .contains("the appliance says \\u{1b}]0;owned"),
        "{host}"
    );
    // The transcript has the session, controls escaped visibly.
    let log = std::fs::read_dir(&transcripts)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .next()
        .unwrap();
    assert!(raw_controls(&log).is_empty(), "{log:?}");
    assert!(log.contains("\\u{9b}31m"), "{log}");
}

/// Item 7: `--retry-failed` also runs the hosts a stopped rollout skipped
/// (they never ran), and says how many of each it retries.
#[tokio::test(flavor = "multi_thread")]
async fn retry_failed_includes_hosts_a_stopped_rollout_never_ran() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa02.example.com"),
        AsyncOsProfile::healthy("esa03.example.com"),
    ])
    .await;
    let port = |name: &str| lab.host(name).addr.port();
    lab.write_inventory_of(&[
        ("esa01.example.com", crate::support::dead_port()),
        ("esa02.example.com", port("esa02.example.com")),
        ("esa03.example.com", port("esa03.example.com")),
    ]);
    let first = lab
        .run(&[
            "--serial",
            "1",
            "--max-fail-percent",
            "0",
            "--connect-retries",
            "0",
        ])
        .await;
    assert_eq!(
        first.status("esa01.example.com"),
        "unreachable",
        "{}",
        first.explain()
    );
    assert_eq!(first.status("esa02.example.com"), "skipped");
    assert_eq!(first.status("esa03.example.com"), "skipped");
    let earlier = lab.dir.path().join("stopped.json");
    std::fs::copy(&lab.report, &earlier).unwrap();

    let retry = lab
        .run(&[
            "--retry-failed",
            earlier.to_str().unwrap(),
            "--connect-retries",
            "0",
        ])
        .await;
    assert_eq!(
        retry.status("esa02.example.com"),
        "ok",
        "{}",
        retry.explain()
    );
    assert_eq!(retry.status("esa03.example.com"), "ok");
    assert_eq!(retry.status("esa01.example.com"), "unreachable");
    assert!(
        retry
            .stdout()
            .contains(": 1 failed or unreachable, 2 not run (skipped)"),
        "{}",
        retry.explain()
    );
}

/// Item 3: the inventory's esa01 reaches an appliance whose prompt says
/// esa07 (mis-wired DNS or NAT): a warning in the host's result, or with
/// `prompt_host: error` a failure before any step.
#[tokio::test(flavor = "multi_thread")]
async fn a_prompt_naming_another_appliance_is_warned_or_refused() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa07.example.com"),
        AsyncOsProfile::healthy("esa02.example.com"),
    ])
    .await;
    let port = |name: &str| lab.host(name).addr.port();
    lab.write_inventory_of(&[
        ("esa01.example.com", port("esa07.example.com")),
        ("esa02.example.com", port("esa02.example.com")),
    ]);
    let run = lab.run(&["-e", "proactive=false"]).await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    assert_eq!(run.status("esa01.example.com"), "ok");
    let warnings = run.host("esa01.example.com")["warnings"].to_string();
    assert!(
        warnings.contains("names esa07.example.com, not esa01.example.com"),
        "{warnings}"
    );
    // A warning, never a finding: `findings > 0` must not send an update.
    assert_eq!(
        run.host("esa01.example.com")["findings"],
        serde_json::json!([])
    );
    assert_eq!(lab.host("esa07.example.com").stats().forced_updates, 0);
    assert!(run.host("esa02.example.com").get("warnings").is_none());
    assert!(
        run.stdout().contains("warning: the CLI prompt names esa07"),
        "{}",
        run.explain()
    );

    // The playbook can make it an error: nothing is run on that box.
    let strict = lab.dir.path().join("strict.yaml");
    let shipped = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("playbooks/esa-ecupdate.yaml"),
    )
    .unwrap();
    std::fs::write(
        &strict,
        shipped.replace(
            "  exit_command: exit\n",
            "  exit_command: exit\n  prompt_host: error\n",
        ),
    )
    .unwrap();
    let before = lab.host("esa07.example.com").stats().commands.len();
    let run = lab.run_playbook(&strict.display().to_string(), &[]).await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    assert_eq!(run.status("esa01.example.com"), "failed");
    let error = run.error("esa01.example.com");
    assert!(
        error.contains("names esa07.example.com") && error.contains("nothing was run"),
        "{error}"
    );
    assert_eq!(run.status("esa02.example.com"), "ok");
    let wrong_box = lab.host("esa07.example.com").stats();
    assert_eq!(wrong_box.forced_updates, 0, "{wrong_box:?}");
    assert_eq!(wrong_box.commands.len(), before, "{wrong_box:?}");
}

/// Item 13: megabytes without a newline cost linear time: the flooding
/// host fails with a clear message within its command timeout, and the
/// others are not held back.
#[tokio::test(flavor = "multi_thread")]
async fn output_without_newlines_fails_the_host_and_spares_the_others() {
    let lab = Lab::start(vec![
        AsyncOsProfile::healthy("esa01.example.com")
            .with_fault(Fault::FloodWithoutNewline(1 << 30)),
        AsyncOsProfile::healthy("esa02.example.com"),
        AsyncOsProfile::healthy("esa03.example.com"),
    ])
    .await;
    let run = lab.run(&[]).await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    assert_eq!(run.status("esa01.example.com"), "failed");
    let error = run.error("esa01.example.com");
    assert!(
        error.contains("`version` printed more than 4 MiB before its prompt"),
        "{error}"
    );
    assert_eq!(run.status("esa02.example.com"), "ok", "{}", run.explain());
    assert_eq!(run.status("esa03.example.com"), "ok");
}

/// A flag, its value, the environment, and what the refusal says.
type Refused<'a> = (&'a str, String, &'a [(&'a str, &'a str)], &'a str);

/// Item 14: inventories and reports are bounded inputs: a FIFO or
/// `/dev/zero` is refused (not read without end, not waited on), a file
/// past the size cap is refused, and so is flow nesting past the depth
/// cap; each exits 5 naming the file.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn unbounded_or_oversized_inputs_are_refused_naming_the_file() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let dir = lab.dir.path();
    let fifo = dir.join("inventory.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let deep = dir.join("deep.yaml");
    std::fs::write(
        &deep,
        format!(
            "all:\n  vars: {{x: {}{}}}\n",
            "[".repeat(5000),
            "]".repeat(5000)
        ),
    )
    .unwrap();
    let inventory = lab.inventory.display().to_string();
    let cases: [Refused<'_>; 5] = [
        ("-i", fifo.display().to_string(), &[], "not a regular file"),
        ("-i", "/dev/zero".to_string(), &[], "not a regular file"),
        (
            "--retry-failed",
            "/dev/zero".to_string(),
            &[],
            "not a regular file",
        ),
        (
            "-i",
            inventory.clone(),
            &[("SSHFLEET_MAX_INPUT_BYTES", "64")],
            "larger than 64 bytes (set SSHFLEET_MAX_INPUT_BYTES",
        ),
        (
            "-i",
            deep.display().to_string(),
            &[],
            "nested deeper than 64",
        ),
    ];
    for (flag, path, env, says) in cases {
        let args = with_value(lab.run_args(&["--no-progress"]), flag, &path);
        let out = tokio::time::timeout(
            Duration::from_secs(60),
            crate::support::sshfleet_cmd(&args, env),
        )
        .await
        .unwrap_or_else(|_| panic!("{flag} {path}: sshfleet did not return"));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{flag} {path}: {stderr}");
        assert!(
            stderr.contains(&path) && stderr.contains(says),
            "{flag} {path}: {stderr}"
        );
    }
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

/// Item 12: with `--accept-new-host-keys`, a host known_hosts already
/// knows by a key of another type is not new: refused, and no second key
/// is recorded.
#[tokio::test(flavor = "multi_thread")]
async fn a_host_known_under_another_key_type_is_not_new() {
    use russh::keys::{Algorithm, EcdsaCurve, PrivateKey};
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let port = lab.host("esa01.example.com").addr.port();
    let other = PrivateKey::random(
        &mut rand::rng(),
        Algorithm::Ecdsa {
            curve: EcdsaCurve::NistP256,
        },
    )
    .unwrap();
    let known = format!(
        "{}\n",
        crate::support::known_hosts_line("127.0.0.1", port, other.public_key())
    );
    std::fs::write(&lab.known_hosts, &known).unwrap();
    for extra in [&["--accept-new-host-keys"][..], &[][..]] {
        let run = lab.run(extra).await;
        assert_eq!(run.code(), 4, "{extra:?}: {}", run.explain());
        assert_eq!(run.status("esa01.example.com"), "unreachable");
        let error = run.error("esa01.example.com");
        assert!(
            error.contains("knows it by its ecdsa-sha2-nistp256 key")
                && error.contains(&format!("{}:1", lab.known_hosts.display()))
                && error.contains("not recording a second key"),
            "{error}"
        );
        assert_eq!(std::fs::read_to_string(&lab.known_hosts).unwrap(), known);
    }
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

/// Items 9 and 13 before any host key: a server that floods 8 MiB of
/// controls without a newline instead of identifying itself is
/// unreachable with an escaped, bounded message; the other hosts are
/// unaffected.
#[tokio::test(flavor = "multi_thread")]
async fn a_flood_instead_of_an_ssh_banner_is_unreachable_and_spares_the_others() {
    use crate::hostile::{Hostile, flood, raw_controls};
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa02.example.com")]).await;
    let server = Hostile::start(flood(8 * 1024 * 1024)).await;
    lab.write_inventory_of(&[
        ("esa01.example.com", server.port),
        (
            "esa02.example.com",
            lab.host("esa02.example.com").addr.port(),
        ),
    ]);
    let run = lab.run(&["--connect-retries", "0"]).await;
    assert_eq!(run.status("esa02.example.com"), "ok", "{}", run.explain());
    assert_eq!(
        run.status("esa01.example.com"),
        "unreachable",
        "{}",
        run.explain()
    );
    let error = run.error("esa01.example.com");
    assert!(error.len() < 4096, "{} bytes of error", error.len());
    assert!(raw_controls(&run.stdout()).is_empty(), "{:?}", run.stdout());
    assert!(raw_controls(&run.stderr()).is_empty(), "{:?}", run.stderr());
}

/// Item 5, on a terminal: the live bars would redraw over a line printed
/// beside them, so the interrupt is said above them.
#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_the_interrupt_is_said_above_the_bars() {
    if !std::path::Path::new("/usr/bin/script").exists() {
        return;
    }
    let lab = Lab::start(vec![never_completes("esa01.example.com")]).await;
    let args = lab.run_args(&[]);
    // `timeout` sends the SIGINT a person's Ctrl-C would, whenever it
    // comes: before or while the host follows its update.
    let command = ["timeout", "--preserve-status", "-s", "INT", "4"]
        .iter()
        .map(|a| a.to_string())
        .chain(std::iter::once(env!("CARGO_BIN_EXE_sshfleet").to_string()))
        .chain(args)
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("/usr/bin/script")
            .args(["-qec", &command, "/dev/null"])
            .env_remove("CI")
            .env_remove("NO_COLOR")
            .env("TERM", "xterm")
            .output(),
    )
    .await
    .expect("sshfleet did not stop after SIGINT")
    .unwrap();
    let screen = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{screen}");
    assert!(screen.contains("interrupt seen"), "{screen}");
}

/// Item 9, warnings: what a warning quotes from an operator (a `--limit`
/// term here) reaches stderr escaped. tracing-subscriber (0.3.20 and
/// later) escapes what its messages quote; this pins it.
#[tokio::test(flavor = "multi_thread")]
async fn warnings_quote_operator_text_escaped() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa01.example.com")]).await;
    let run = lab
        .run(&["-l", "esa01.example.com,nope\u{9b}2J\u{1b}]0;x\u{7}"])
        .await;
    assert_eq!(run.code(), 0, "{}", run.explain());
    let stderr = run.stderr();
    assert!(stderr.contains("nope\\u{9b}2J"), "{stderr:?}");
    assert!(
        crate::hostile::raw_controls(&stderr).is_empty(),
        "{stderr:?}"
    );
}

/// I3 and the signal promise: a key file that is a FIFO or `/dev/zero`, or
/// whose `KEY.pub` is a FIFO, is refused for its host with a message naming
/// the file and who named it, without blocking (a FIFO's open waited for a
/// writer, and the blocked worker kept SIGTERM from being acted on); a
/// SIGTERM while another host runs still ends the run with 143.
#[tokio::test(flavor = "multi_thread")]
async fn key_files_that_are_fifos_or_devices_are_refused_and_sigterm_still_ends_the_run() {
    use tokio::io::AsyncBufReadExt as _;
    let lab = Lab::start(vec![
        crate::support::broken_quick("esa01.example.com"),
        crate::support::broken_quick("esa02.example.com"),
        crate::support::broken_quick("esa03.example.com"),
        never_completes("esa04.example.com"),
    ])
    .await;
    let dir = lab.dir.path();
    let fifo = dir.join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    // A valid key whose neighbouring public half is a FIFO.
    let with_fifo_pub = dir.join("k2");
    std::fs::copy(&lab.key_file, &with_fifo_pub).unwrap();
    std::fs::create_dir(dir.join("host_vars")).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(dir.join("k2.pub"))
            .status()
            .unwrap()
            .success()
    );
    for (host, key) in [
        ("esa01.example.com", fifo.clone()),
        ("esa02.example.com", "/dev/zero".into()),
        ("esa03.example.com", with_fifo_pub.clone()),
    ] {
        std::fs::write(
            dir.join("host_vars").join(format!("{host}.yml")),
            format!("ansible_ssh_private_key_file: {}\n", key.display()),
        )
        .unwrap();
    }
    let mut child = spawn_run(&lab, &["--log-format", "json", "-f", "4"]);
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut finished = Vec::new();
    let mut seen = String::new();
    while finished.len() < 3 {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .unwrap_or_else(|_| panic!("no host refused its key file; sshfleet said:\n{seen}"))
            .unwrap()
            .unwrap_or_else(|| panic!("sshfleet ended early:\n{seen}"));
        seen.push_str(&line);
        seen.push('\n');
        let event: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
        if event["event"] == "host_finished" {
            finished.push(event);
        }
    }
    let hosts = lab.fleet.hosts();
    until_running(&mut child, "esa04 follows the update", || {
        hosts.iter().any(|h| h.stats().follows_active == 1)
    })
    .await;
    send(&child, "TERM");
    let out = finish(child).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    for (host, file, named_by) in [
        (
            "esa01.example.com",
            fifo.display().to_string(),
            "ansible_ssh_private_key_file",
        ),
        (
            "esa02.example.com",
            "/dev/zero".to_string(),
            "ansible_ssh_private_key_file",
        ),
        (
            "esa03.example.com",
            format!("{}.pub", with_fifo_pub.display()),
            "beside",
        ),
    ] {
        let event = finished
            .iter()
            .find(|e| e["host"] == host)
            .unwrap_or_else(|| panic!("{host}: {seen}"));
        let text = event.to_string();
        assert_eq!(event["status"], "unreachable", "{text}");
        for needle in [file.as_str(), "not a regular file", named_by] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
    }
}
