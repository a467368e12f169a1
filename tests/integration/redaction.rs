//! A password the appliance echoes back, one byte per packet, is redacted
//! everywhere a user could read it: transcript, report, JSON log, terminal.

use std::time::Duration;

use sshfleet_sim::{AsyncOsProfile, Fault};

use crate::ask_pass::password_only_lab;
use crate::support::sshfleet_cmd;

const PASSWORD: &str = "S3cr3t-Pa55word";

/// A run of a playbook that types the login password at the CLI prompt,
/// on an appliance that echoes each byte in a packet of its own: what it
/// printed and wrote (report, transcript).
struct Typed {
    out: std::process::Output,
    report: String,
    transcript: String,
}

async fn type_the_password(env: &[(&str, &str)]) -> Typed {
    // Every byte the appliance writes is its own packet.
    let lab = password_only_lab(
        AsyncOsProfile::healthy("esa01.example.com")
            .with_fault(Fault::Trickle(Duration::from_millis(1))),
        PASSWORD,
        "      sshfleet_password_env: ESA_PASSWORD\n",
    )
    .await;
    // A playbook that types the password at the CLI, as an operator
    // answering the wrong question would: the appliance echoes it and
    // complains about it, quoting it again.
    let playbook = lab.dir.path().join("type-password.yaml");
    std::fs::write(
        &playbook,
        format!(
            "name: type-password\ndescription: Types the login password at the CLI prompt.\n\
             vars:\n  command_timeout: {{type: duration, default: 30s, description: per command}}\n  \
             login_timeout: {{type: duration, default: 30s, description: to the prompt}}\n\
             shell:\n  prompt: '^[A-Za-z0-9][A-Za-z0-9._-]*> ?$'\n  command_timeout: command_timeout\n  \
             login_timeout: login_timeout\n  exit_command: exit\n\
             steps:\n  - name: Type the password\n    run: {PASSWORD}\n    expect: 'never printed'\n"
        ),
    )
    .unwrap();
    let transcripts = lab.dir.path().join("transcripts");
    let mut args = lab.run_args(&[
        "--transcripts",
        transcripts.to_str().unwrap(),
        "--log-format",
        "json",
        "--no-progress",
    ]);
    args[1] = playbook.display().to_string();
    let mut env = env.to_vec();
    env.push(("ESA_PASSWORD", PASSWORD));
    let out = sshfleet_cmd(&args, &env).await;
    let report = std::fs::read_to_string(&lab.report).unwrap_or_default();
    let transcript =
        std::fs::read_to_string(transcripts.join("esa01.example.com.log")).unwrap_or_default();
    Typed {
        out,
        report,
        transcript,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_password_echoed_back_in_pieces_is_redacted_everywhere() {
    let Typed {
        out,
        report,
        transcript,
    } = type_the_password(&[]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    // The appliance did echo it, and said it did not know that command.
    assert!(
        transcript.contains(">> ***")
            && transcript.contains("Unknown command or missing feature key: ***"),
        "{transcript}"
    );
    assert!(report.contains("***"), "{report}");
    for (what, text) in [
        ("transcript", &transcript),
        ("report", &report),
        ("JSON log", &stdout),
        ("terminal", &stderr),
    ] {
        assert!(!text.contains(PASSWORD), "password in the {what}: {text}");
    }
}

/// `RUST_LOG=sshfleet=debug` tells the host's story, each line naming its
/// host and step, and never the password it typed or the appliance echoed.
#[tokio::test(flavor = "multi_thread")]
async fn debug_events_tell_the_host_story_without_its_password() {
    let Typed { out, .. } = type_the_password(&[("RUST_LOG", "sshfleet=debug")]).await;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(!stderr.contains(PASSWORD), "{stderr}");
    let host = "sshfleet: debug: host{name=esa01.example.com}: ";
    let step = "step{name=Type the password}: ";
    for (i, line) in [
        format!("{host}connecting to 127.0.0.1:"),
        format!("{host}connected"),
        format!("{host}logged in; prompt \"esa01.example.com>\""),
        format!("{host}{step}started"),
        format!("{host}{step}sent `***`"),
        format!("{host}status failed ("),
        format!("{host}outcome: failed: step `Type the password`: "),
    ]
    .iter()
    .enumerate()
    {
        let at = stderr.find(line.as_str());
        assert!(at.is_some(), "line {i} {line:?} missing: {stderr}");
    }
    // A step's events are told within its host's.
    for line in stderr.lines().filter(|l| l.contains("step{")) {
        assert!(line.starts_with(host), "{line}");
    }
}
