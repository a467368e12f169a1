//! `sshfleet run --ask-pass` (`-k`): the password asked once on the
//! terminal, not echoed, used for hosts that name no password variable;
//! refused off a terminal before any host is touched.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use sshfleet_sim::AsyncOsProfile;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Lab, sshfleet_cmd};

const PASSWORD: &str = "Typed-0n-the-tty";

/// A lab of one appliance (`profile`) that takes only `password`, and an
/// inventory that names no key: only `extra_vars` (YAML lines under the
/// host) say how to log in.
pub async fn password_only_lab(profile: AsyncOsProfile, password: &str, extra_vars: &str) -> Lab {
    let lab = Lab::start_with(vec![profile], Some(password)).await;
    let port = lab.host("esa01.example.com").addr.port();
    std::fs::write(
        &lab.inventory,
        format!(
            "all:\n  hosts:\n    esa01.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {port}\n      ansible_user: admin\n{extra_vars}"
        ),
    )
    .unwrap();
    lab
}

async fn ask_pass_lab() -> Lab {
    password_only_lab(AsyncOsProfile::healthy("esa01.example.com"), PASSWORD, "").await
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_pass_off_a_terminal_is_refused_before_any_host_is_touched() {
    let lab = ask_pass_lab().await;
    let out = sshfleet_cmd(&lab.run_args(&["-k", "-F", "none"]), &[]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert!(
        stderr.contains("--ask-pass needs a terminal") && stderr.contains("sshfleet_password_env"),
        "{stderr}"
    );
    assert!(!lab.report.exists());
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

/// `sshfleet run --ask-pass` on a pseudo-terminal (`script`); once it
/// asks, `typed` is typed. Its exit code and everything the terminal
/// showed; `None` where there is no `script`, which CI machines have.
async fn ask_on_terminal(lab: &Lab, typed: &str) -> Option<(Option<i32>, String)> {
    if !Path::new("/usr/bin/script").exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI machines have /usr/bin/script (bsdutils)"
        );
        eprintln!("skipping: no /usr/bin/script to give sshfleet a terminal");
        return None;
    }
    let command = std::iter::once(env!("CARGO_BIN_EXE_sshfleet").to_string())
        .chain(lab.run_args(&["--ask-pass", "-F", "none", "--no-progress"]))
        .map(|a| format!("'{a}'"))
        .collect::<Vec<_>>()
        .join(" ");
    let runtime_dir = tempfile::tempdir().unwrap();
    let mut child = tokio::process::Command::new("/usr/bin/script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("CI")
        .env_remove("SSH_AUTH_SOCK")
        .env("XDG_RUNTIME_DIR", runtime_dir.path())
        .env("TERM", "xterm")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    // Type only once asked, as a person would: typed earlier, the
    // terminal would still be echoing.
    let asked = tokio::time::timeout(Duration::from_secs(60), async {
        let mut buf = [0u8; 256];
        while !String::from_utf8_lossy(&seen).contains("SSH password:") {
            let n = stdout.read(&mut buf).await.unwrap();
            assert!(n > 0, "no prompt: {}", String::from_utf8_lossy(&seen));
            seen.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    assert!(
        asked.is_ok(),
        "no prompt: {}",
        String::from_utf8_lossy(&seen)
    );
    stdin.write_all(typed.as_bytes()).await.unwrap();
    stdin.flush().await.unwrap();
    tokio::time::timeout(Duration::from_secs(120), stdout.read_to_end(&mut seen))
        .await
        .unwrap()
        .unwrap();
    let status = child.wait().await.unwrap();
    drop(stdin);
    Some((status.code(), String::from_utf8_lossy(&seen).into_owned()))
}

#[tokio::test(flavor = "multi_thread")]
async fn ask_pass_reads_the_password_on_the_terminal_without_echo() {
    let lab = ask_pass_lab().await;
    let Some((code, shown)) = ask_on_terminal(&lab, &format!("{PASSWORD}\n")).await else {
        return;
    };
    assert_eq!(code, Some(0), "{shown}");
    assert!(!shown.contains(PASSWORD), "the password was shown: {shown}");
    let report = std::fs::read_to_string(&lab.report).unwrap();
    assert!(report.contains("\"status\": \"ok\""), "{report}");
    assert!(!report.contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_at_the_password_prompt_stops_before_any_host_is_touched() {
    let lab = ask_pass_lab().await;
    let Some((code, shown)) = ask_on_terminal(&lab, "\x03").await else {
        return;
    };
    assert_eq!(code, Some(130), "{shown}");
    assert!(
        shown.contains("interrupted at the password prompt"),
        "{shown}"
    );
    assert!(!lab.report.exists());
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_password_is_refused() {
    let lab = ask_pass_lab().await;
    let Some((code, shown)) = ask_on_terminal(&lab, "\n").await else {
        return;
    };
    assert_eq!(code, Some(5), "{shown}");
    assert!(
        shown.contains("--ask-pass: no password was typed"),
        "{shown}"
    );
    assert_eq!(lab.host("esa01.example.com").stats().sessions_opened, 0);
}
