//! Interop with a real OpenSSH sshd on loopback, as appliances run: sshd
//! starts `sshfleet sim --stdio` as the login shell, with a real PTY, and the
//! ESA playbook runs against it. CI installs openssh-server so this runs
//! there; on a machine without sshd it says so and passes only outside CI.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use russh::keys::ssh_key::LineEnding;

use crate::support::{new_key, sshfleet_cmd, write_key};

const SSHD: &str = "/usr/sbin/sshd";

struct Sshd {
    _child: tokio::process::Child,
    port: u16,
}

async fn start_sshd(
    dir: &Path,
    client_pub: &str,
    scenario: &str,
) -> Option<(Sshd, russh::keys::PublicKey)> {
    if !Path::new(SSHD).exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{SSHD} is missing in CI: .ci/run must install openssh-server"
        );
        eprintln!("skipping interop test: {SSHD} not installed");
        return None;
    }
    // OpenSSH refuses to start without its privilege separation directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let host_key = new_key();
    let host_key_path = dir.join("ssh_host_ed25519_key");
    host_key
        .write_openssh_file(&host_key_path, LineEnding::LF)
        .unwrap();
    write_key(&host_key, &host_key_path);
    std::fs::write(dir.join("authorized_keys"), format!("{client_pub}\n")).unwrap();
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let bin = env!("CARGO_BIN_EXE_sshfleet");
    let config = format!(
        "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {d}/sshd.pid\n\
         AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin yes\n\
         ForceCommand {bin} sim --stdio --scenario {scenario} --hostname esa01.example.com\n\
         LogLevel ERROR\n",
        hk = host_key_path.display(),
        d = dir.display(),
    );
    let config_path = dir.join("sshd_config");
    std::fs::write(&config_path, config).unwrap();
    let child = tokio::process::Command::new(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(&config_path)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((
                Sshd {
                    _child: child,
                    port,
                },
                host_key.public_key().clone(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("sshd did not start listening on port {port}");
}

fn current_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| {
            let out = std::process::Command::new("id")
                .arg("-un")
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        })
}

async fn run_against_sshd(
    scenario: &str,
    extra: &[&str],
) -> Option<(i32, serde_json::Value, String)> {
    let dir = tempfile::tempdir().unwrap();
    let client = new_key();
    let key_file = dir.path().join("id_ed25519");
    write_key(&client, &key_file);
    let client_pub = client.public_key().to_openssh().unwrap();
    let (sshd, host_pub) = start_sshd(dir.path(), &client_pub, scenario).await?;
    let known = dir.path().join("known_hosts");
    std::fs::write(
        &known,
        format!(
            "{}\n",
            crate::support::known_hosts_line("127.0.0.1", sshd.port, &host_pub)
        ),
    )
    .unwrap();
    let inventory = dir.path().join("inventory.yaml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  hosts:\n    esa01.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n      ansible_user: {}\n      ansible_ssh_private_key_file: {}\n",
            sshd.port,
            current_user(),
            key_file.display()
        ),
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let mut args: Vec<String> = [
        "run",
        "esa-ecupdate",
        "-i",
        inventory.to_str().unwrap(),
        "--known-hosts",
        known.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = sshfleet_cmd(&args, &[]).await;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&report).unwrap_or_else(|_| panic!("no report: {text}")),
    )
    .unwrap();
    Some((out.status.code().unwrap_or(-1), report, text))
}

#[tokio::test(flavor = "multi_thread")]
async fn esa_playbook_fixes_an_appliance_behind_real_openssh() {
    let Some((code, report, text)) = run_against_sshd("broken", &[]).await else {
        return;
    };
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["hosts"][0]["status"], "changed", "{text}");
    assert_eq!(
        report["hosts"][0]["actions"],
        serde_json::json!(["ecupdate force"])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn stale_completion_behind_real_openssh_waits_for_this_update() {
    // The backlog ends with an earlier `update completed`; confirming before
    // this run's (slow) update completes would be a lie.
    let sshfleet_sim::UpdateBehaviour::CompletesAfter(update) =
        sshfleet_sim::AsyncOsScenario::StaleCompletion
            .profile("x")
            .update
    else {
        panic!("stale-completion must complete");
    };
    let Some((code, report, text)) = run_against_sshd("stale-completion", &[]).await else {
        return;
    };
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["hosts"][0]["status"], "changed", "{text}");
    let ms = report["hosts"][0]["duration_ms"].as_u64().unwrap();
    assert!(
        u128::from(ms) >= update.as_millis(),
        "confirmed after {ms} ms, before this run's update ({update:?}) completed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn update_that_never_completes_behind_real_openssh_fails() {
    let Some((code, report, text)) =
        run_against_sshd("never-completes", &["-e", "update_timeout=2s"]).await
    else {
        return;
    };
    assert_eq!(code, 2, "{text}");
    assert_eq!(report["hosts"][0]["status"], "failed", "{text}");
    assert!(
        report["hosts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("Ctrl-C sent"),
        "{text}"
    );
}
