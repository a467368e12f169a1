//! Interop with a real OpenSSH sshd on loopback, as appliances run: sshd
//! starts `sshfleet sim --stdio` as the login shell, with a real PTY, and the
//! ESA playbook runs against it. CI installs openssh-server so this runs
//! there; on a machine without sshd it says so and passes only outside CI.
//! Also: an sshd with AsyncOS's documented algorithm lists, reached with
//! no setting, and a PAM keyboard-interactive login (as root only: it
//! creates a user).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use russh::keys::PrivateKey;
use russh::keys::ssh_key::LineEnding;

use crate::support::{new_key, sshfleet_cmd, write_key};

const SSHD: &str = "/usr/sbin/sshd";

pub(crate) struct Sshd {
    _child: tokio::process::Child,
    pub(crate) port: u16,
}

/// How a test's sshd differs from the default one (ed25519 host key, the
/// client's key only).
#[derive(Default)]
pub(crate) struct SshdSetup {
    /// `None`: a fresh ed25519 key.
    pub(crate) host_key: Option<PrivateKey>,
    /// sshd_config lines placed first: sshd keeps the first value of a
    /// keyword, so these override the defaults below.
    pub(crate) config: String,
    /// Log in as this (user, password), the password named in the
    /// inventory by `sshfleet_password_env`, instead of the current user
    /// with a key.
    pub(crate) password_login: Option<(String, String)>,
    /// The client's known_hosts, `PORT` standing for sshd's port; `None`:
    /// the host key itself.
    pub(crate) known_hosts: Option<String>,
}

/// Whether this machine has an sshd to test against; outside CI a missing
/// one skips the test, with `why` said.
fn sshd_available(why: &str) -> bool {
    if Path::new(SSHD).exists() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{SSHD} is missing in CI: .ci/run must install openssh-server"
    );
    eprintln!("skipping {why}: {SSHD} not installed");
    false
}

pub(crate) async fn start_sshd_with(
    dir: &Path,
    client_pub: &str,
    scenario: &str,
    setup: SshdSetup,
) -> Option<(Sshd, russh::keys::PublicKey)> {
    if !sshd_available("interop test") {
        return None;
    }
    // OpenSSH refuses to start without its privilege separation directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let host_key = setup.host_key.unwrap_or_else(new_key);
    let host_key_path = dir.join("ssh_host_key");
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
        "{extra}Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile {d}/sshd.pid\n\
         AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nUsePAM no\n\
         PasswordAuthentication no\nKbdInteractiveAuthentication no\nPermitRootLogin yes\n\
         ForceCommand {bin} sim --stdio --scenario {scenario} --hostname esa01.example.com\n\
         LogLevel ERROR\n",
        extra = setup.config,
        hk = host_key_path.display(),
        d = dir.display(),
    );
    let config_path = dir.join("sshd_config");
    std::fs::write(&config_path, config).unwrap();
    let child = tokio::process::Command::new(SSHD)
        .args(["-D", "-e", "-f"])
        .arg(&config_path)
        .stdin(Stdio::null())
        // Its children log refused handshakes and PAM failures the tests
        // cause on purpose (`kex_exchange_identification: Connection
        // closed`): not news on a passing run.
        .stderr(Stdio::null())
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

pub(crate) fn current_user() -> String {
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
    run_against_sshd_with(scenario, extra, SshdSetup::default()).await
}

async fn run_against_sshd_with(
    scenario: &str,
    extra: &[&str],
    setup: SshdSetup,
) -> Option<(i32, serde_json::Value, String)> {
    let dir = tempfile::tempdir().unwrap();
    let client = new_key();
    let key_file = dir.path().join("id_ed25519");
    write_key(&client, &key_file);
    let client_pub = client.public_key().to_openssh().unwrap();
    let password_login = setup.password_login.clone();
    let known_hosts = setup.known_hosts.clone();
    let (sshd, host_pub) = start_sshd_with(dir.path(), &client_pub, scenario, setup).await?;
    let known = dir.path().join("known_hosts");
    let known_text = match known_hosts {
        Some(template) => template.replace("PORT", &sshd.port.to_string()),
        None => format!(
            "{}\n",
            crate::support::known_hosts_line("127.0.0.1", sshd.port, &host_pub)
        ),
    };
    std::fs::write(&known, known_text).unwrap();
    const PASSWORD_VAR: &str = "SSHFLEET_INTEROP_PASSWORD";
    let (user, login, env) = match &password_login {
        Some((user, password)) => (
            user.clone(),
            format!("sshfleet_password_env: {PASSWORD_VAR}"),
            vec![(PASSWORD_VAR, password.as_str())],
        ),
        None => (
            current_user(),
            format!("ansible_ssh_private_key_file: {}", key_file.display()),
            Vec::new(),
        ),
    };
    let inventory = dir.path().join("inventory.yaml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  hosts:\n    esa01.example.com:\n      ansible_host: 127.0.0.1\n      ansible_port: {}\n      ansible_user: {user}\n      {login}\n",
            sshd.port,
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
    let out = sshfleet_cmd(&args, &env).await;
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

/// Of `names`, those this machine's OpenSSH knows (`ssh -Q kind`), so that
/// sshd accepts the list; without `ssh`, the names OpenSSH 7.6 and later
/// dropped are left out.
fn known_to_openssh(query: &str, names: &[&str]) -> String {
    let known = std::process::Command::new("ssh")
        .args(["-Q", query])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned());
    if known.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "`ssh` is missing in CI: .ci/run must install openssh-client"
        );
    }
    names
        .iter()
        .filter(|n| match &known {
            Some(known) => known.lines().any(|l| l.trim() == **n),
            None => !matches!(**n, "hmac-ripemd160" | "blowfish-cbc"),
        })
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

#[tokio::test(flavor = "multi_thread")]
async fn asyncos_sshd_defaults_are_reached_with_no_algorithm_setting() {
    // Cisco's documented AsyncOS sshd lists (no curve25519, no hmac-sha2),
    // less what this sshd build no longer knows. `ssh admin@esa` with an
    // empty config connects to this; so must sshfleet, with no
    // `sshfleet_*` algorithm variable in the inventory.
    let kex = known_to_openssh(
        "kex",
        &[
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group-exchange-sha1",
            "diffie-hellman-group14-sha1",
            "diffie-hellman-group1-sha1",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
        ],
    );
    let macs = known_to_openssh(
        "mac",
        &[
            "hmac-md5",
            "hmac-sha1",
            "umac-64@openssh.com",
            "hmac-ripemd160",
            "hmac-sha1-96",
            "hmac-md5-96",
        ],
    );
    let ciphers = known_to_openssh(
        "cipher",
        &[
            "aes128-ctr",
            "aes192-ctr",
            "aes256-ctr",
            "aes128-cbc",
            "aes192-cbc",
            "aes256-cbc",
            "3des-cbc",
            "blowfish-cbc",
        ],
    );
    assert!(!macs.contains("sha2") && !kex.contains("25519"));
    // A fixed RSA key: generating one in a debug build is slow.
    let host_key = PrivateKey::from_openssh(include_str!("fixtures/legacy_rsa_host_key")).unwrap();
    let setup = SshdSetup {
        host_key: Some(host_key),
        config: format!("KexAlgorithms {kex}\nCiphers {ciphers}\nMACs {macs}\n"),
        ..SshdSetup::default()
    };
    let Some((code, report, text)) = run_against_sshd_with("broken", &[], setup).await else {
        return;
    };
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["hosts"][0]["status"], "changed", "{text}");
}

/// A local user with a password, for PAM to check; deleted when dropped.
struct TestUser {
    name: String,
}

impl TestUser {
    /// `None` (and why, said) where users cannot be created: not root, or
    /// no useradd/chpasswd or PAM configuration for sshd.
    fn create(password: &str) -> Option<TestUser> {
        let missing = [
            "/usr/sbin/useradd",
            "/usr/sbin/chpasswd",
            "/usr/sbin/userdel",
            "/etc/pam.d/sshd",
        ]
        .into_iter()
        .find(|p| !Path::new(p).exists());
        if let Some(missing) = missing {
            eprintln!("skipping keyboard-interactive interop test: {missing} not found");
            return None;
        }
        if !rustix::process::geteuid().is_root() {
            eprintln!("skipping keyboard-interactive interop test: creating a user needs root");
            return None;
        }
        // One user per test: tests of this binary run in parallel.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("sf-kbd-{}-{n}", std::process::id());
        let added = std::process::Command::new("/usr/sbin/useradd")
            .args(["-M", "-s", "/bin/sh", &name])
            .status()
            .unwrap();
        assert!(added.success(), "useradd {name} failed");
        let user = TestUser { name };
        let mut chpasswd = std::process::Command::new("/usr/sbin/chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        {
            use std::io::Write as _;
            let mut stdin = chpasswd.stdin.take().unwrap();
            writeln!(stdin, "{}:{password}", user.name).unwrap();
        }
        assert!(chpasswd.wait().unwrap().success(), "chpasswd failed");
        Some(user)
    }
}

impl Drop for TestUser {
    fn drop(&mut self) {
        let _ = std::process::Command::new("/usr/sbin/userdel")
            .arg(&self.name)
            .status();
    }
}

/// As many appliances and PAM-based sshds: no `password` method, only
/// keyboard-interactive, where PAM asks `Password: `.
const KEYBOARD_INTERACTIVE_ONLY: &str = "AuthenticationMethods keyboard-interactive\n\
     KbdInteractiveAuthentication yes\nUsePAM yes\nPasswordAuthentication no\n";

#[tokio::test(flavor = "multi_thread")]
async fn pam_keyboard_interactive_login_with_the_password_from_the_environment() {
    if !sshd_available("keyboard-interactive interop test") {
        return;
    }
    let password = format!("Kbd-{}-s3cret", std::process::id());
    let Some(user) = TestUser::create(&password) else {
        return;
    };
    let setup = SshdSetup {
        config: KEYBOARD_INTERACTIVE_ONLY.to_string(),
        password_login: Some((user.name.clone(), password.clone())),
        ..SshdSetup::default()
    };
    let Some((code, report, text)) = run_against_sshd_with("broken", &[], setup).await else {
        return;
    };
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["hosts"][0]["status"], "changed", "{text}");
    assert!(!text.contains(&password) && !report.to_string().contains(&password));

    // A wrong password is an authentication failure: unreachable.
    let setup = SshdSetup {
        config: KEYBOARD_INTERACTIVE_ONLY.to_string(),
        password_login: Some((user.name.clone(), "not-the-password".to_string())),
        ..SshdSetup::default()
    };
    let Some((code, report, text)) = run_against_sshd_with("broken", &[], setup).await else {
        return;
    };
    assert_eq!(code, 4, "{text}");
    assert_eq!(report["hosts"][0]["status"], "unreachable", "{text}");
    let error = report["hosts"][0]["error"].as_str().unwrap();
    assert!(
        error.contains(&format!("authentication failed for user `{}`", user.name))
            && error.contains("keyboard-interactive"),
        "{error}"
    );
}

/// `BatchMode yes` and `NumberOfPasswordPrompts 0` keep ssh from sending
/// a password (it cannot prompt for one), and so sshfleet's inventory
/// password stays unsent; a `PreferredAuthentications` without password
/// methods too. The error names the setting, its file and line.
#[tokio::test(flavor = "multi_thread")]
async fn settings_that_keep_ssh_from_sending_a_password_keep_sshfleet_from_it() {
    if !sshd_available("password-refusal interop test") {
        return;
    }
    let password = format!("Batch-{}-s3cret", std::process::id());
    let Some(user) = TestUser::create(&password) else {
        return;
    };
    for setting in [
        "BatchMode yes",
        "NumberOfPasswordPrompts 0",
        "PreferredAuthentications publickey",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("ssh_config");
        std::fs::write(&config, format!("Host *\n  {setting}\n")).unwrap();
        let setup = SshdSetup {
            config: KEYBOARD_INTERACTIVE_ONLY.to_string(),
            password_login: Some((user.name.clone(), password.clone())),
            ..SshdSetup::default()
        };
        let extra = ["-F", config.to_str().unwrap()];
        let Some((code, report, text)) = run_against_sshd_with("broken", &extra, setup).await
        else {
            return;
        };
        assert_eq!(code, 4, "{setting}: {text}");
        let error = report["hosts"][0]["error"].as_str().unwrap();
        let cited = format!("not sent: ssh_config {setting} ({}:2)", config.display());
        assert!(error.contains(&cited), "{setting}: {error}");
    }
}

/// A host key certified for `principal` by a fresh CA (with `ssh-keygen`,
/// as an operator would): the setup of an sshd presenting it, and the CA's
/// `@cert-authority` line for the client. `None` without ssh-keygen.
fn certified_sshd(dir: &Path, principal: &str) -> Option<(SshdSetup, String)> {
    let keygen = Path::new("/usr/bin/ssh-keygen");
    if !keygen.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "ssh-keygen is missing in CI: .ci/run must install openssh-client"
        );
        eprintln!("skipping host certificate test: ssh-keygen not installed");
        return None;
    }
    let ca = new_key();
    let ca_path = dir.join("ca");
    write_key(&ca, &ca_path);
    let host_key = new_key();
    let host_pub = dir.join("host.pub");
    std::fs::write(&host_pub, host_key.public_key().to_openssh().unwrap()).unwrap();
    let status = std::process::Command::new(keygen)
        .args(["-q", "-s"])
        .arg(&ca_path)
        .args([
            "-I",
            "sshfleet-test",
            "-h",
            "-n",
            principal,
            "-V",
            "-5m:+1h",
        ])
        .arg(&host_pub)
        .status()
        .unwrap();
    assert!(status.success(), "ssh-keygen could not sign the host key");
    let setup = SshdSetup {
        host_key: Some(host_key),
        config: format!("HostCertificate {}\n", dir.join("host-cert.pub").display()),
        known_hosts: Some(format!(
            "@cert-authority [127.0.0.1]:PORT {}\n",
            ca.public_key().to_openssh().unwrap()
        )),
        ..SshdSetup::default()
    };
    Some((setup, principal.to_string()))
}

#[tokio::test(flavor = "multi_thread")]
async fn host_certificate_signed_by_a_trusted_authority_is_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let Some((setup, _)) = certified_sshd(dir.path(), "127.0.0.1") else {
        return;
    };
    let Some((code, report, text)) = run_against_sshd_with("healthy", &[], setup).await else {
        return;
    };
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["hosts"][0]["status"], "ok", "{text}");
}

/// `CASignatureAlgorithms` that leaves out the algorithm the CA signed
/// with (here ssh-ed25519): `ssh` does not accept the certificate, checks
/// the plain host key instead, which is unknown, and refuses the host;
/// sshfleet refuses it too. With the CA's algorithm allowed, both accept.
#[tokio::test(flavor = "multi_thread")]
async fn ca_signature_algorithms_without_the_cas_refuses_the_host_as_ssh_does() {
    for (allowed, accepted) in [("rsa-sha2-512,rsa-sha2-256", false), ("ssh-ed25519", true)] {
        let dir = tempfile::tempdir().unwrap();
        let Some((setup, _)) = certified_sshd(dir.path(), "127.0.0.1") else {
            return;
        };
        let config = dir.path().join("ssh_config");
        std::fs::write(
            &config,
            format!("Host *\n  CASignatureAlgorithms {allowed}\n"),
        )
        .unwrap();
        let extra = ["-F", config.to_str().unwrap()];
        let Some((code, report, text)) = run_against_sshd_with("healthy", &extra, setup).await
        else {
            return;
        };
        if accepted {
            assert_eq!(code, 0, "{allowed}: {text}");
            assert_eq!(report["hosts"][0]["status"], "ok", "{allowed}: {text}");
        } else {
            assert_eq!(code, 4, "{allowed}: {text}");
            assert_eq!(
                report["hosts"][0]["status"], "unreachable",
                "{allowed}: {text}"
            );
            assert!(!text.contains("permanently added"), "{allowed}: {text}");
        }
    }
}

/// A host certificate for another name, its CA trusted in known_hosts: as
/// OpenSSH 9.2 (`ssh` says "Certificate invalid: name is not a listed
/// principal"), the certificate is then checked as its plain key, which is
/// unknown: strict checking refuses the host, accept-new records the plain
/// key and logs in.
#[tokio::test(flavor = "multi_thread")]
async fn host_certificate_for_another_name_is_its_plain_key_as_openssh_checks_it() {
    let dir = tempfile::tempdir().unwrap();
    let Some((setup, _)) = certified_sshd(dir.path(), "other.example.com") else {
        return;
    };
    let Some((code, report, text)) = run_against_sshd_with("healthy", &[], setup).await else {
        return;
    };
    assert_eq!(code, 4, "{text}");
    let error = report["hosts"][0]["error"].as_str().unwrap();
    assert!(error.contains("127.0.0.1"), "{error}");
    assert!(!text.contains("permanently added"), "{text}");

    let dir = tempfile::tempdir().unwrap();
    let Some((setup, _)) = certified_sshd(dir.path(), "other.example.com") else {
        return;
    };
    let Some((code, report, text)) =
        run_against_sshd_with("healthy", &["--accept-new-host-keys"], setup).await
    else {
        return;
    };
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["hosts"][0]["status"], "ok", "{text}");
    assert!(text.contains("permanently added"), "{text}");
}

/// `PubkeyAcceptedAlgorithms -ssh-ed25519`: `ssh` does not offer its
/// ed25519 key (Permission denied); nor does sshfleet, saying why.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_whose_algorithm_is_not_accepted_is_not_offered_as_by_ssh() {
    let dir = tempfile::tempdir().unwrap();
    let client = new_key();
    let key_file = dir.path().join("id_ed25519");
    write_key(&client, &key_file);
    let client_pub = client.public_key().to_openssh().unwrap();
    let Some((sshd, _)) =
        start_sshd_with(dir.path(), &client_pub, "healthy", SshdSetup::default()).await
    else {
        return;
    };
    let ssh = |accepted: &str| {
        let out = std::process::Command::new("ssh")
            .args(["-F", "/dev/null", "-i"])
            .arg(&key_file)
            .args([
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "IdentityAgent=none",
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                &format!("PubkeyAcceptedAlgorithms={accepted}"),
                "-p",
                &sshd.port.to_string(),
                &format!("{}@127.0.0.1", current_user()),
                "exit",
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(!ssh("+ssh-rsa").contains("Permission denied"));
    assert!(ssh("-ssh-ed25519").contains("Permission denied"));
    drop(sshd);

    let config = dir.path().join("ssh_config");
    std::fs::write(&config, "Host *\n  PubkeyAcceptedAlgorithms -ssh-ed25519\n").unwrap();
    let extra = ["-F", config.to_str().unwrap()];
    let Some((code, report, text)) =
        run_against_sshd_with("healthy", &extra, SshdSetup::default()).await
    else {
        return;
    };
    assert_eq!(code, 4, "{text}");
    let error = report["hosts"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("ssh-ed25519 is not in PubkeyAcceptedAlgorithms"),
        "{error}"
    );
}

/// A host known only by its RSA key, whose sshd also has an Ed25519 key:
/// as OpenSSH, sshfleet asks for the known type first instead of calling
/// the host unknown (or, with accept-new, recording a second key).
#[tokio::test(flavor = "multi_thread")]
async fn a_host_known_by_one_key_type_is_met_with_that_type() {
    let keygen = Path::new("/usr/bin/ssh-keygen");
    if !keygen.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "ssh-keygen is missing in CI"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let rsa_path = dir.path().join("rsa_host_key");
    let status = std::process::Command::new(keygen)
        .args(["-q", "-t", "rsa", "-b", "2048", "-N", "", "-f"])
        .arg(&rsa_path)
        .status()
        .unwrap();
    assert!(status.success());
    let rsa_pub = std::fs::read_to_string(dir.path().join("rsa_host_key.pub")).unwrap();
    let rsa_pub = rsa_pub
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let setup = SshdSetup {
        config: format!("HostKey {}\n", rsa_path.display()),
        known_hosts: Some(format!("[127.0.0.1]:PORT {rsa_pub}\n")),
        ..SshdSetup::default()
    };
    let Some((code, report, text)) =
        run_against_sshd_with("healthy", &["--accept-new-host-keys"], setup).await
    else {
        return;
    };
    assert_eq!(code, 0, "{text}");
    assert_eq!(report["hosts"][0]["status"], "ok", "{text}");
    assert!(!text.contains("permanently added"), "{text}");
}
