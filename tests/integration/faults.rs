//! Appliances that misbehave: each gives a clear message and a correct
//! status, and none is ever reported as fixed.

use std::time::Duration;

use sshfleet_sim::{AsyncOsProfile, Fault, UpdateBehaviour};

use crate::support::Lab;

#[tokio::test(flavor = "multi_thread")]
async fn connection_dropped_mid_follow_fails_and_is_never_changed() {
    let mut p = AsyncOsProfile::broken("esa01.example.com");
    p.update = UpdateBehaviour::CompletesAfter(Duration::from_secs(5));
    p.faults
        .push(Fault::DropMidFollow(Duration::from_millis(300)));
    let lab = Lab::start(vec![p]).await;
    let run = lab.run(&[]).await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    assert_eq!(run.status("esa01.example.com"), "failed");
    let error = run.error("esa01.example.com");
    assert!(
        error.contains("closed the session") && error.contains("tail updater_logs"),
        "{error}"
    );
    assert!(error.contains("not confirmed"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn appliance_that_stops_answering_times_out_with_its_last_output() {
    let mut p = AsyncOsProfile::healthy("esa02.example.com");
    // Answers `version`, then goes silent (not even the echo of the grep).
    p.faults.push(Fault::StopAnswering(1));
    let lab = Lab::start(vec![p]).await;
    let run = lab.run(&["-e", "command_timeout=3s"]).await;
    assert_eq!(run.code(), 2, "{}", run.explain());
    assert_eq!(run.status("esa02.example.com"), "failed");
    let error = run.error("esa02.example.com");
    assert!(
        error.contains("no prompt within 3s")
            && error.contains("`grep \"Warning|Critical|Device registration successful\" ecs`"),
        "{error}"
    );
    // The last output is that of the grep, which said nothing; never
    // `version`'s, which came before.
    assert!(
        error.contains("last output: (nothing)") && !error.contains("Version:"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn one_silent_appliance_does_not_hold_back_the_others() {
    let mut silent = AsyncOsProfile::healthy("esa03.example.com");
    silent.faults.push(Fault::StopAnswering(0));
    let lab = Lab::start(vec![silent, AsyncOsProfile::healthy("esa04.example.com")]).await;
    let run = lab.run(&["-e", "command_timeout=8s"]).await;
    assert_eq!(
        run.status("esa03.example.com"),
        "failed",
        "{}",
        run.explain()
    );
    assert_eq!(run.status("esa04.example.com"), "ok", "{}", run.explain());
    let fast = run.host("esa04.example.com")["duration_ms"]
        .as_u64()
        .unwrap();
    // The silent host takes its full 8 s command timeout; the healthy one
    // needs well under a second, so finishing before 8 s means it never waited.
    assert!(
        fast < 8000,
        "a healthy host took {fast} ms: it waited for the silent one"
    );
    let error = run.error("esa03.example.com");
    assert!(
        error.contains("no prompt within 8s while running `version`"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_port_is_unreachable() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa05.example.com")]).await;
    // A port nobody listens on: bind, learn it, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let yaml = format!(
        "all:\n  hosts:\n    esa-gone.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      ansible_user: admin\n      ansible_ssh_private_key_file: {}\n",
        lab.key_file.display()
    );
    std::fs::write(&lab.inventory, yaml).unwrap();
    // One attempt: retried for seconds, the freed port could be taken by
    // another test's simulated host meanwhile.
    let run = lab.run(&["--connect-retries", "0"]).await;
    assert_eq!(run.code(), 4, "{}", run.explain());
    assert_eq!(run.status("esa-gone.example.com"), "unreachable");
    let error = run.error("esa-gone.example.com");
    assert!(
        error.contains(&format!("127.0.0.1:{port}")) && error.to_lowercase().contains("refused"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn prompt_never_recognised_fails_with_the_banner_kept_in_the_transcript() {
    let lab = Lab::start(vec![AsyncOsProfile::healthy("esa06.example.com")]).await;
    // An operator's playbook whose prompt pattern does not fit this appliance.
    let shipped = include_str!("../../playbooks/esa-ecupdate.yaml");
    let playbook = lab.dir.path().join("wrong-prompt.yaml");
    std::fs::write(
        &playbook,
        shipped
            .lines()
            .map(|line| match line.strip_prefix("  prompt: ") {
                Some(_) => "  prompt: '^(?:NOPE|NEVER)> ?$'",
                None => line,
            })
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let dir = lab.dir.path().join("t");
    let mut args = lab.run_args(&[
        "-e",
        "login_timeout=1s",
        "--transcripts",
        dir.to_str().unwrap(),
    ]);
    args[1] = playbook.display().to_string();
    let out = crate::support::sshfleet_cmd(&args, &[]).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let report = std::fs::read_to_string(&lab.report).unwrap();
    assert!(
        report.contains("no prompt within 1s while waiting for the login prompt"),
        "{report}"
    );
    let transcript = std::fs::read_to_string(dir.join("esa06.example.com.log")).unwrap();
    assert!(
        transcript.contains("Welcome to the Cisco C300V"),
        "{transcript}"
    );
    assert!(transcript.contains("outcome: failed"), "{transcript}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_appliance_that_stopped_answering_is_not_asked_to_exit() {
    let mut p = AsyncOsProfile::healthy("esa02.example.com");
    p.faults.push(Fault::StopAnswering(1));
    let lab = Lab::start(vec![p]).await;
    let dir = lab.dir.path().join("transcripts");
    let run = lab
        .run(&[
            "-e",
            "command_timeout=2s",
            "--transcripts",
            dir.to_str().unwrap(),
        ])
        .await;
    assert_eq!(
        run.status("esa02.example.com"),
        "failed",
        "{}",
        run.explain()
    );
    let text = std::fs::read_to_string(dir.join("esa02.example.com.log")).unwrap();
    // Waiting for it to answer `exit` would only hold its fork longer.
    assert!(
        text.contains("## the appliance stopped answering; closing without `exit`"),
        "{text}"
    );
    assert!(!text.contains(">> exit"), "{text}");
}
