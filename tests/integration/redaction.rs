//! A password the appliance echoes back, one byte per packet, is redacted
//! everywhere a user could read it: transcript, report, JSON log, terminal.

use std::time::Duration;

use sshfleet_sim::{AsyncOsProfile, Fault};

use crate::ask_pass::password_only_lab;
use crate::support::sshfleet_cmd;

const PASSWORD: &str = "S3cr3t-Pa55word";

#[tokio::test(flavor = "multi_thread")]
async fn a_password_echoed_back_in_pieces_is_redacted_everywhere() {
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
    let out = sshfleet_cmd(&args, &[("ESA_PASSWORD", PASSWORD)]).await;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{stdout}{stderr}");
    let report = std::fs::read_to_string(&lab.report).unwrap();
    let transcript = std::fs::read_to_string(transcripts.join("esa01.example.com.log")).unwrap();
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
