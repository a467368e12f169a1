//! ssh_config's authentication and address keywords over real connections
//! to a real sshd on loopback (started as `interop.rs` starts it), with a
//! real `ssh-agent`: for each configuration the installed `ssh` is run with
//! the same file, and sshfleet must log in exactly where `ssh` does.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::interop::{Sshd, SshdSetup, current_user, start_sshd_with};
use crate::support::{known_hosts_line, new_key, sshfleet_cmd, write_key};

/// An sshd that authorizes one fresh key, held by a real `ssh-agent` and
/// written to disk only as its `.pub` (and, for the cases that need one, a
/// private key file sshd does not authorize).
struct AuthLab {
    dir: tempfile::TempDir,
    sshd: Sshd,
    agent: std::process::Child,
    socket: PathBuf,
    /// The authorized key's public half only: its private half is in the
    /// agent, nowhere on disk.
    public_only: PathBuf,
    /// The authorized key encrypted with a passphrase sshfleet is not
    /// given, and no `.pub` beside it.
    encrypted: PathBuf,
}

impl Drop for AuthLab {
    fn drop(&mut self) {
        let _ = self.agent.kill();
        let _ = self.agent.wait();
    }
}

/// Whether `ssh`, `ssh-agent` and `ssh-add` are here; outside CI their
/// absence skips the test, saying so.
fn clients_available() -> bool {
    let all = ["/usr/bin/ssh", "/usr/bin/ssh-agent", "/usr/bin/ssh-add"]
        .iter()
        .all(|p| Path::new(p).exists());
    if !all {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have openssh-client (ssh, ssh-agent, ssh-add)"
        );
        eprintln!("skipping: ssh, ssh-agent or ssh-add not installed");
    }
    all
}

impl AuthLab {
    async fn start() -> Option<AuthLab> {
        AuthLab::start_with(&[], "").await
    }

    /// As [`AuthLab::start`], the key added to the agent with `add`
    /// before its file name (`ssh-add` options; `HOSTKEYS` is a file
    /// naming the sshd's key for `127.0.0.1`, as `-H` reads it), and
    /// `sshd_config` lines that win over the lab's.
    async fn start_with(add: &[&str], sshd_config: &str) -> Option<AuthLab> {
        if !clients_available() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let client = new_key();
        let client_pub = client.public_key().to_openssh().unwrap();
        let (sshd, host_pub) = start_sshd_with(
            dir.path(),
            &client_pub,
            "healthy",
            SshdSetup {
                config: sshd_config.to_string(),
                ..SshdSetup::default()
            },
        )
        .await?;
        std::fs::write(
            dir.path().join("known_hosts"),
            format!(
                "{}\n{}\n",
                known_hosts_line("127.0.0.1", sshd.port, &host_pub),
                known_hosts_line("localhost", sshd.port, &host_pub)
            ),
        )
        .unwrap();
        let hostkeys = dir.path().join("hostkeys");
        std::fs::write(
            &hostkeys,
            format!("{}\n", known_hosts_line("127.0.0.1", 22, &host_pub)),
        )
        .unwrap();
        let add: Vec<String> = add
            .iter()
            .map(|a| a.replace("HOSTKEYS", &hostkeys.display().to_string()))
            .collect();
        // The private half goes to the agent, then off the disk.
        let private = dir.path().join("agent_key");
        write_key(&client, &private);
        let socket = dir.path().join("agent.sock");
        let agent = Command::new("ssh-agent")
            .args(["-D", "-a"])
            .arg(&socket)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let encrypted = dir.path().join("encrypted_key");
        std::fs::copy(&private, &encrypted).unwrap();
        let status = Command::new("ssh-keygen")
            .args(["-q", "-p", "-P", "", "-N", "not-given-pw", "-f"])
            .arg(&encrypted)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "ssh-keygen -p failed");
        let mut lab = AuthLab {
            public_only: dir.path().join("only_public.pub"),
            encrypted,
            dir,
            sshd,
            agent,
            socket,
        };
        // The socket file appears when ssh-agent binds it, a moment before
        // it listens: ssh-add is tried until the agent answers (a bound,
        // not a timing: a minute where it takes milliseconds).
        let mut added = false;
        for _ in 0..600 {
            if lab.socket.exists()
                && Command::new("ssh-add")
                    .args(&add)
                    .arg(&private)
                    .env("SSH_AUTH_SOCK", &lab.socket)
                    .stderr(Stdio::null())
                    .status()
                    .unwrap()
                    .success()
            {
                added = true;
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        assert!(added, "ssh-add failed");
        std::fs::remove_file(&private).unwrap();
        std::fs::write(&lab.public_only, format!("{client_pub}\n")).unwrap();
        // A key file of a key sshd does not authorize, for the cases where
        // an identity file must exist.
        write_key(&new_key(), &lab.dir.path().join("other_key"));
        if let Some(status) = lab.agent.try_wait().unwrap() {
            panic!("ssh-agent exited: {status}");
        }
        Some(lab)
    }

    /// An ssh_config naming the sshd `target` (at `address`), trusting
    /// its key, with `body` added to the block.
    fn config(&self, address: &str, body: &str) -> PathBuf {
        let path = self.dir.path().join("ssh_config");
        std::fs::write(
            &path,
            format!(
                "Host target\n  HostName {address}\n  Port {}\n  User {}\n  UserKnownHostsFile {}\n  \
                 GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n  \
                 IdentityFile {}\n{body}",
                self.sshd.port,
                current_user(),
                self.dir.path().join("known_hosts").display(),
                self.dir.path().join("other_key").display(),
            )
            .replace("AGENT", &self.socket.display().to_string())
            .replace("PUBLIC_ONLY", &self.public_only.display().to_string())
            .replace("ENCRYPTED", &self.encrypted.display().to_string()),
        )
        .unwrap();
        path
    }

    /// `ssh` with this configuration: whether it logged in (sshd then runs
    /// its forced command; `ssh` exits 255 only for its own failures),
    /// and what it said.
    fn ssh(&self, config: &Path, key: Option<&Path>, agent_in_env: bool) -> (bool, String) {
        let mut ssh = Command::new("ssh");
        ssh.arg("-F").arg(config);
        if let Some(key) = key {
            ssh.arg("-o")
                .arg(format!("IdentityFile=\"{}\"", key.display()));
        }
        ssh.args(["-o", "BatchMode=yes", "target", "exit"])
            .env_remove("SSH_AUTH_SOCK")
            .stdin(Stdio::null());
        if agent_in_env {
            ssh.env("SSH_AUTH_SOCK", &self.socket);
        }
        let out = ssh.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        (out.status.code() != Some(255), stderr)
    }

    /// `sshfleet run` on `target` with this configuration: its exit code
    /// and the host's error in the report (empty when none).
    async fn sshfleet(
        &self,
        config: &Path,
        key: Option<&Path>,
        agent_in_env: bool,
    ) -> (i32, String) {
        let socket = self.socket.display().to_string();
        let env: Vec<(&str, &str)> = if agent_in_env {
            vec![("SSH_AUTH_SOCK", socket.as_str())]
        } else {
            Vec::new()
        };
        sshfleet_on_target(self.dir.path(), config, key, &env).await
    }

    /// Both clients, one configuration: they must agree on `logs_in`;
    /// sshfleet exits 0 where it logs in, else 4 (unreachable) with an
    /// error containing `needle`.
    async fn expect(
        &self,
        address: &str,
        body: &str,
        agent_in_env: bool,
        logs_in: bool,
        needle: &str,
    ) {
        self.expect_with_key(address, body, None, agent_in_env, logs_in, needle)
            .await;
    }

    /// As [`AuthLab::expect`], with `key` as the inventory's
    /// `ansible_ssh_private_key_file` for sshfleet and, as Ansible's ssh
    /// connection passes it, `-o IdentityFile="KEY"` for ssh.
    async fn expect_with_key(
        &self,
        address: &str,
        body: &str,
        key: Option<&Path>,
        agent_in_env: bool,
        logs_in: bool,
        needle: &str,
    ) {
        let config = self.config(address, body);
        let (ssh_ok, ssh_said) = self.ssh(&config, key, agent_in_env);
        assert_eq!(ssh_ok, logs_in, "ssh with {body:?}: {ssh_said}");
        let (code, error) = self.sshfleet(&config, key, agent_in_env).await;
        if logs_in {
            assert_eq!(code, 0, "sshfleet with {body:?}: {error}");
        } else {
            assert_eq!(code, 4, "sshfleet with {body:?}: {error}");
            assert!(error.contains(needle), "sshfleet with {body:?}: {error}");
        }
    }
}

const AUTH_FAILED: &str = "authentication failed for user";

/// `sshfleet run` on the host `target` of `config` (an inventory in `dir`
/// naming it, `key` as its `ansible_ssh_private_key_file`), with `env`:
/// its exit code and the host's error in the report (else its stderr).
async fn sshfleet_on_target(
    dir: &Path,
    config: &Path,
    key: Option<&Path>,
    env: &[(&str, &str)],
) -> (i32, String) {
    let inventory = dir.join("inventory.yaml");
    let vars = key.map_or_else(
        || "{}".to_string(),
        |k| format!("{{ansible_ssh_private_key_file: '{}'}}", k.display()),
    );
    std::fs::write(&inventory, format!("all:\n  hosts:\n    target: {vars}\n")).unwrap();
    let report = dir.join("report.json");
    let _ = std::fs::remove_file(&report);
    let args: Vec<String> = [
        "run",
        "esa-ecupdate",
        "-i",
        inventory.to_str().unwrap(),
        "-F",
        config.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--lock",
        dir.join("lock").to_str().unwrap(),
        "--no-progress",
    ]
    .map(str::to_string)
    .to_vec();
    let out = sshfleet_cmd(&args, env).await;
    let code = out.status.code().unwrap_or(-1);
    let error = std::fs::read_to_string(&report)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|r| r["hosts"][0]["error"].as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned());
    (code, error)
}

/// Keys are offered in ssh's order (`sshconnect2.c` `pubkey_prepare`):
/// the agent's keys before the identity files that the agent does not
/// hold. With `MaxAuthTries 1` the first key offered is the only one: the
/// lab's `IdentityFile` (a key sshd refuses) offered first ends the login
/// where ssh, offering the agent's key first, logs in (round 8: sshfleet
/// offered its files first, so a different key, with a different
/// `authorized_keys` entry, could log in).
#[tokio::test(flavor = "multi_thread")]
async fn keys_are_offered_in_ssh_order_the_agents_first() {
    let Some(lab) = AuthLab::start_with(&[], "MaxAuthTries 1\n").await else {
        return;
    };
    lab.expect("127.0.0.1", "  IdentityAgent AGENT\n", false, true, "")
        .await;
    // IdentitiesOnly: the identity whose key the agent holds (a `.pub`)
    // comes before the other identity file, though listed after it.
    lab.expect(
        "127.0.0.1",
        "  IdentitiesOnly yes\n  IdentityFile PUBLIC_ONLY\n  IdentityAgent AGENT\n",
        false,
        true,
        "",
    )
    .await;
    // The inventory's key (Ansible's `-o IdentityFile`) is an identity
    // file like any other: after the agent's.
    let other = lab.dir.path().join("other_key");
    lab.expect_with_key(
        "127.0.0.1",
        "  IdentityAgent AGENT\n",
        Some(&other),
        false,
        true,
        "",
    )
    .await;
    // Without the agent the refused file is the one try.
    lab.expect(
        "127.0.0.1",
        "  IdentityAgent none\n",
        false,
        false,
        AUTH_FAILED,
    )
    .await;
}

/// A user certificate ssh would offer (`FILE-cert.pub` beside an
/// identity file, after its key) stops sshfleet there, saying so: it
/// offers no certificates, and a later key would log in where ssh's
/// certificate might (round 9). A `-cert.pub` that is no certificate is
/// skipped by both.
#[tokio::test(flavor = "multi_thread")]
async fn a_user_certificate_ssh_would_offer_stops_the_login_saying_so() {
    let Some(lab) = AuthLab::start().await else {
        return;
    };
    let dir = lab.dir.path();
    let ca = dir.join("ca");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&ca)
        .status()
        .unwrap();
    assert!(made.success());
    let other = dir.join("other_key");
    let public = dir.join("other_key.pub");
    let out = Command::new("ssh-keygen")
        .args(["-y", "-f"])
        .arg(&other)
        .output()
        .unwrap();
    std::fs::write(&public, &out.stdout).unwrap();
    std::fs::write(dir.join("other_key-cert.pub"), "not a certificate\n").unwrap();
    lab.expect(
        "127.0.0.1",
        "  IdentityAgent none\n",
        false,
        false,
        AUTH_FAILED,
    )
    .await;
    let signed = Command::new("ssh-keygen")
        .args(["-q", "-s"])
        .arg(&ca)
        .args(["-I", "id", "-n", "nobody"])
        .arg(&public)
        .status()
        .unwrap();
    assert!(signed.success());
    lab.expect(
        "127.0.0.1",
        "  IdentityAgent none\n",
        false,
        false,
        "sshfleet offers no user certificates",
    )
    .await;
}

/// A key added to the agent with a destination constraint (`ssh-add -h`
/// for this very sshd): `ssh` binds the agent to the session and logs in;
/// sshfleet cannot bind it, and its failure says that the agent refused
/// to sign and why, never a bare "authentication failed" (round 6, 24/11).
#[tokio::test(flavor = "multi_thread")]
async fn a_destination_constrained_agent_key_is_named_as_refused_by_the_agent() {
    let Some(lab) = AuthLab::start_with(&["-H", "HOSTKEYS", "-h", "127.0.0.1"], "").await else {
        return;
    };
    let config = lab.config("127.0.0.1", "  IdentityAgent AGENT\n");
    let (ssh_ok, ssh_said) = lab.ssh(&config, None, false);
    assert!(ssh_ok, "ssh with the constrained key: {ssh_said}");
    let (code, error) = lab.sshfleet(&config, None, false).await;
    assert_eq!(code, 4, "{error}");
    // Stopped there: the identity file after it (which ssh never reaches,
    // its agent having signed) is not tried (round 9: a later key logged
    // in where ssh's first did).
    assert!(error.contains("authentication stopped for user"), "{error}");
    assert!(
        error.contains("the agent refused to sign") && error.contains("ssh-add -h"),
        "{error}"
    );
    assert!(!error.contains("other_key"), "{error}");
    // Unconstrained, the same agent key logs in: the refusal is the
    // constraint's.
    let lab = AuthLab::start().await.unwrap();
    let config = lab.config("127.0.0.1", "  IdentityAgent AGENT\n");
    let (code, error) = lab.sshfleet(&config, None, false).await;
    assert_eq!(code, 0, "{error}");
}

/// `IdentityAgent`: the socket named logs in through the agent, whatever
/// `SSH_AUTH_SOCK` says; `none`, or no agent at all, does not.
#[tokio::test(flavor = "multi_thread")]
async fn identity_agent_logs_in_through_the_agent_as_ssh_does() {
    let Some(lab) = AuthLab::start().await else {
        return;
    };
    lab.expect("127.0.0.1", "  IdentityAgent AGENT\n", false, true, "")
        .await;
    lab.expect("127.0.0.1", "", true, true, "").await;
    lab.expect(
        "127.0.0.1",
        "  IdentityAgent none\n",
        true,
        false,
        AUTH_FAILED,
    )
    .await;
    lab.expect("127.0.0.1", "", false, false, AUTH_FAILED).await;
    lab.expect(
        "127.0.0.1",
        "  IdentityAgent SSH_AUTH_SOCK\n",
        true,
        true,
        "",
    )
    .await;
}

/// `IdentitiesOnly yes` with an identity that is only a `.pub` whose
/// private half is in the agent: the agent signs with it, as in `ssh`;
/// without that `.pub`, the agent's key is left out.
#[tokio::test(flavor = "multi_thread")]
async fn identities_only_with_a_public_key_file_uses_the_agents_private_half() {
    let Some(lab) = AuthLab::start().await else {
        return;
    };
    lab.expect(
        "127.0.0.1",
        "  IdentitiesOnly yes\n  IdentityFile PUBLIC_ONLY\n  IdentityAgent AGENT\n",
        false,
        true,
        "",
    )
    .await;
    lab.expect(
        "127.0.0.1",
        "  IdentitiesOnly yes\n  IdentityAgent AGENT\n",
        false,
        false,
        AUTH_FAILED,
    )
    .await;
}

/// `IdentitiesOnly yes` with an encrypted key file (no `.pub` beside it)
/// whose private half is in the agent: ssh reads the public half the file
/// keeps in the clear and the agent signs with it ("explicit agent");
/// without the agent neither client can use the key.
#[tokio::test(flavor = "multi_thread")]
async fn identities_only_with_an_encrypted_key_uses_the_agents_private_half() {
    let Some(lab) = AuthLab::start().await else {
        return;
    };
    lab.expect(
        "127.0.0.1",
        "  IdentitiesOnly yes\n  IdentityFile ENCRYPTED\n  IdentityAgent AGENT\n",
        false,
        true,
        "",
    )
    .await;
    lab.expect(
        "127.0.0.1",
        "  IdentitiesOnly yes\n  IdentityFile ENCRYPTED\n  IdentityAgent none\n",
        false,
        false,
        AUTH_FAILED,
    )
    .await;
}

/// The same encrypted key named by the inventory's
/// `ansible_ssh_private_key_file` (Ansible passes it to ssh as
/// `-o IdentityFile="KEY"`): the agent's private half is used, as ssh
/// uses it; with no agent, both fail and sshfleet says the key is
/// encrypted.
#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_inventory_key_uses_the_agents_private_half() {
    let Some(lab) = AuthLab::start().await else {
        return;
    };
    for only in ["yes", "no"] {
        lab.expect_with_key(
            "127.0.0.1",
            &format!("  IdentitiesOnly {only}\n  IdentityAgent AGENT\n"),
            Some(&lab.encrypted),
            false,
            true,
            "",
        )
        .await;
    }
    lab.expect_with_key(
        "127.0.0.1",
        "  IdentityAgent none\n",
        Some(&lab.encrypted),
        false,
        false,
        "encrypted",
    )
    .await;
}

/// `PubkeyAuthentication no`: neither the agent's key nor a key file is
/// offered, so a host that takes only that key refuses both clients.
#[tokio::test(flavor = "multi_thread")]
async fn pubkey_authentication_no_offers_no_key() {
    let Some(lab) = AuthLab::start().await else {
        return;
    };
    lab.expect(
        "127.0.0.1",
        "  PubkeyAuthentication no\n  IdentityAgent AGENT\n  IdentityFile PUBLIC_ONLY\n",
        false,
        false,
        "ssh_config rules out keys (PubkeyAuthentication no",
    )
    .await;
}

/// Whether this machine has `::1` on its loopback (Linux's list of IPv6
/// addresses).
fn has_ipv6_loopback() -> bool {
    std::fs::read_to_string("/proc/net/if_inet6")
        .is_ok_and(|t| t.lines().any(|l| l.starts_with(&"0".repeat(31))))
}

/// `AddressFamily` with an sshd listening on 127.0.0.1 only, reached as
/// `localhost`: `inet` reaches it, `inet6` does not (no IPv6 address of
/// localhost has an sshd), for `ssh` and sshfleet alike.
#[tokio::test(flavor = "multi_thread")]
async fn address_family_chooses_the_addresses_tried_as_ssh_does() {
    let Some(lab) = AuthLab::start().await else {
        return;
    };
    lab.expect(
        "localhost",
        "  AddressFamily inet\n  IdentityAgent AGENT\n",
        false,
        true,
        "",
    )
    .await;
    if !has_ipv6_loopback() {
        eprintln!("skipping AddressFamily inet6: this machine has no ::1");
        return;
    }
    lab.expect(
        "localhost",
        "  AddressFamily inet6\n  IdentityAgent AGENT\n",
        false,
        false,
        "AddressFamily inet6",
    )
    .await;
}

/// Keys ssh offers but cannot sign with count against a server's
/// `MaxAuthTries` as ssh's offers do: with `MaxAuthTries 2`, an encrypted
/// key (its public half known) and a key sshd refuses use up both tries,
/// so neither ssh nor sshfleet reaches the authorized key after them, and
/// sshfleet says the server closed the connection (round 9: it skipped
/// the encrypted key unoffered and logged in with the third).
#[tokio::test(flavor = "multi_thread")]
async fn unsigned_offers_count_against_max_auth_tries_as_ssh_s() {
    if !clients_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let authorized = new_key();
    let authorized_pub = authorized.public_key().to_openssh().unwrap();
    let setup = SshdSetup {
        config: "MaxAuthTries 2\n".to_string(),
        ..SshdSetup::default()
    };
    let Some((sshd, host_pub)) =
        start_sshd_with(dir.path(), &authorized_pub, "healthy", setup).await
    else {
        return;
    };
    let path = |name: &str| dir.path().join(name);
    write_key(&authorized, &path("authorized"));
    write_key(&new_key(), &path("refused"));
    write_key(&new_key(), &path("encrypted"));
    let status = Command::new("ssh-keygen")
        .args(["-q", "-p", "-P", "", "-N", "not-given-pw", "-f"])
        .arg(path("encrypted"))
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(
        path("known_hosts"),
        format!("{}\n", known_hosts_line("127.0.0.1", sshd.port, &host_pub)),
    )
    .unwrap();
    let config = path("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host target\n  HostName 127.0.0.1\n  Port {}\n  User {}\n  UserKnownHostsFile {}\n  \
             GlobalKnownHostsFile /dev/null\n  IdentityAgent none\n  IdentityFile {}\n  \
             IdentityFile {}\n  IdentityFile {}\n",
            sshd.port,
            current_user(),
            path("known_hosts").display(),
            path("encrypted").display(),
            path("refused").display(),
            path("authorized").display(),
        ),
    )
    .unwrap();
    let ssh = Command::new("ssh")
        .arg("-F")
        .arg(&config)
        .args(["-o", "BatchMode=yes", "target", "exit"])
        .env_remove("SSH_AUTH_SOCK")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(ssh.status.code(), Some(255), "ssh logged in");
    let (code, text) =
        sshfleet_on_target(dir.path(), &config, None, &[("SSH_AUTH_SOCK", "")]).await;
    assert_eq!(code, 4, "{text}");
    assert!(
        text.contains("the server closed the connection while authenticating")
            && text.contains("encrypted (offered, not signed"),
        "{text}"
    );
}
