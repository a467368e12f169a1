//! ssh_config's host-key, refused and command keywords over real
//! connections: for each, the installed OpenSSH client is pointed at the
//! same simulated host with the same configuration, and where it refuses,
//! sshfleet refuses too.

use std::path::{Path, PathBuf};
use std::process::Command;

use sshfleet_sim::{AsyncOsProfile, SimModelConfig};

use crate::support::{Lab, Run, USER, known_hosts_line, sshfleet_cmd};

const HOST: &str = "esa21.example.com";

async fn lab() -> Lab {
    Lab::start_models(
        vec![SimModelConfig::new(AsyncOsProfile::healthy(HOST))],
        None,
    )
    .await
}

fn port(lab: &Lab) -> u16 {
    lab.host(HOST).addr.port()
}

/// A known_hosts file that trusts the host's key, and an ssh_config with
/// `body` for the host (which reads that file).
fn files(lab: &Lab, body: &str) -> (PathBuf, PathBuf) {
    let dir = lab.dir.path();
    let known = dir.join("kh");
    std::fs::write(
        &known,
        known_hosts_line("127.0.0.1", port(lab), &lab.host(HOST).host_key) + "\n",
    )
    .unwrap();
    let config = dir.join("ssh_config");
    std::fs::write(
        &config,
        format!(
            "Host 127.0.0.1\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n{body}",
            known.display()
        ),
    )
    .unwrap();
    (known, config)
}

/// `sshfleet run` with this ssh_config (and no --known-hosts).
async fn sshfleet_run(lab: &Lab, config: &Path) -> Run {
    let _ = std::fs::remove_file(&lab.report);
    let args: Vec<String> = [
        "run",
        "esa-ecupdate",
        "-i",
        &lab.inventory.display().to_string(),
        "-F",
        &config.display().to_string(),
        "--report",
        &lab.report.display().to_string(),
        "--lock",
        &lab.dir.path().join("run.lock").display().to_string(),
        "--no-progress",
    ]
    .map(str::to_string)
    .to_vec();
    let output = sshfleet_cmd(&args, &[]).await;
    let report = std::fs::read_to_string(&lab.report)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    Run { output, report }
}

/// The installed `ssh` against the same host with the same
/// configuration: `Ok` when it got past the host key (to
/// authentication or further), `Err(stderr)` when it refused before.
fn openssh(lab: &Lab, config: &Path) -> Option<Result<(), String>> {
    let out = Command::new("ssh")
        .args(["-F"])
        .arg(config)
        .args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i"])
        .arg(&lab.key_file)
        .args([
            "-p",
            &port(lab).to_string(),
            "-l",
            USER,
            "127.0.0.1",
            "exit",
        ])
        .stdin(std::process::Stdio::null())
        .output();
    let Ok(out) = out else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have openssh-client"
        );
        return None;
    };
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let refused_key = [
        "revoked",
        "no matching host key type",
        "Host key verification failed",
        "HOST IDENTIFICATION HAS CHANGED",
    ]
    .iter()
    .any(|m| stderr.contains(m));
    Some(if refused_key { Err(stderr) } else { Ok(()) })
}

fn expect_unreachable(run: &Run, needle: &str) {
    assert_eq!(run.status(HOST), "unreachable", "{}", run.explain());
    assert!(run.error(HOST).contains(needle), "{}", run.explain());
}

#[tokio::test(flavor = "multi_thread")]
async fn revoked_host_keys_file_refuses_as_openssh_does() {
    let lab = lab().await;
    let revoked = lab.dir.path().join("revoked_keys");
    // Another key first, a comment, then the host's own key.
    std::fs::write(
        &revoked,
        format!(
            "# revoked\n{}\n{}\n",
            crate::support::new_key().public_key().to_openssh().unwrap(),
            lab.host(HOST).host_key.to_openssh().unwrap()
        ),
    )
    .unwrap();
    let (_, config) = files(&lab, &format!("  RevokedHostKeys {}\n", revoked.display()));
    if let Some(ssh) = openssh(&lab, &config) {
        assert!(ssh.is_err(), "OpenSSH accepted a revoked key");
    }
    let run = sshfleet_run(&lab, &config).await;
    expect_unreachable(&run, "revoked_keys:3");
    assert_eq!(lab.host(HOST).stats().sessions_opened, 0);

    // A file that does not list it: both connect.
    std::fs::write(&revoked, "").unwrap();
    if let Some(ssh) = openssh(&lab, &config) {
        assert!(ssh.is_ok(), "{ssh:?}");
    }
    assert_eq!(run_status(&lab, &config).await, "ok");

    // A line OpenSSH cannot read as a key (the host's key written as a
    // known_hosts line, with options, or junk beside another key) fails
    // its check: ssh refuses the host, and so does sshfleet.
    let key = lab.host(HOST).host_key.to_openssh().unwrap();
    let other = crate::support::new_key().public_key().to_openssh().unwrap();
    let opened = lab.host(HOST).stats().sessions_opened;
    for text in [
        format!("@revoked * {key}\n"),
        format!("[127.0.0.1]:1 {key}\n"),
        format!("restrict {key}\n"),
        format!("{other}\nnot a key\n"),
        format!("not a key\n{other}\n"),
    ] {
        std::fs::write(&revoked, &text).unwrap();
        if let Some(ssh) = openssh(&lab, &config) {
            assert!(ssh.is_err(), "OpenSSH connected with {text}");
        }
        let run = sshfleet_run(&lab, &config).await;
        expect_unreachable(&run, "not a public key line");
    }
    assert_eq!(lab.host(HOST).stats().sessions_opened, opened);

    // A missing file refuses the connection, as in OpenSSH.
    std::fs::remove_file(&revoked).unwrap();
    if let Some(ssh) = openssh(&lab, &config) {
        assert!(ssh.is_err(), "OpenSSH connected");
    }
    let run = sshfleet_run(&lab, &config).await;
    expect_unreachable(&run, "RevokedHostKeys");
}

async fn run_status(lab: &Lab, config: &Path) -> String {
    let run = sshfleet_run(lab, config).await;
    run.status(HOST)
}

/// A binary KRL listing the key: OpenSSH refuses the key; sshfleet cannot
/// read a KRL and refuses the connection, saying so.
#[tokio::test(flavor = "multi_thread")]
async fn revoked_host_keys_krl_is_refused() {
    let lab = lab().await;
    let dir = lab.dir.path();
    let public = dir.join("host.pub");
    std::fs::write(&public, lab.host(HOST).host_key.to_openssh().unwrap()).unwrap();
    let krl = dir.join("revoked.krl");
    let made = Command::new("ssh-keygen")
        .args(["-q", "-k", "-f"])
        .arg(&krl)
        .arg(&public)
        .status();
    if !made.is_ok_and(|s| s.success()) {
        assert!(std::env::var_os("CI").is_none(), "CI must have ssh-keygen");
        return;
    }
    let (_, config) = files(&lab, &format!("  RevokedHostKeys {}\n", krl.display()));
    if let Some(ssh) = openssh(&lab, &config) {
        assert!(ssh.is_err(), "OpenSSH accepted a key its KRL revokes");
    }
    let run = sshfleet_run(&lab, &config).await;
    expect_unreachable(&run, "KRL");
    assert_eq!(lab.host(HOST).stats().sessions_opened, 0);
}

/// A `-` list with a wildcard that removes the only key type the host
/// has: OpenSSH finds no host key algorithm in common, and so does
/// sshfleet (the wildcard used to be skipped as an unknown name).
#[tokio::test(flavor = "multi_thread")]
async fn host_key_algorithms_wildcard_removal_refuses_as_openssh_does() {
    let lab = lab().await;
    let (_, config) = files(&lab, "  HostKeyAlgorithms -ssh-ed*\n");
    if let Some(ssh) = openssh(&lab, &config) {
        assert!(ssh.is_err(), "OpenSSH connected");
    }
    let run = sshfleet_run(&lab, &config).await;
    expect_unreachable(&run, "no common host key algorithm");
    // `^` and a plain list that keep it connect.
    let (_, config) = files(&lab, "  HostKeyAlgorithms ^ssh-ed25519\n");
    assert_eq!(run_status(&lab, &config).await, "ok");
}

/// `HashKnownHosts yes` under accept-new: the key is recorded with its
/// name hashed, and OpenSSH then finds it there.
#[tokio::test(flavor = "multi_thread")]
async fn hash_known_hosts_records_hashed_names_openssh_reads() {
    let lab = lab().await;
    let (known, config) = files(
        &lab,
        "  HashKnownHosts yes\n  StrictHostKeyChecking accept-new\n",
    );
    std::fs::write(&known, "").unwrap();
    assert_eq!(run_status(&lab, &config).await, "ok");
    let text = std::fs::read_to_string(&known).unwrap();
    assert!(text.starts_with("|1|"), "{text}");
    assert!(!text.contains("127.0.0.1"), "{text}");
    // OpenSSH (strict) trusts what sshfleet recorded.
    std::fs::write(
        &config,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("accept-new", "yes"),
    )
    .unwrap();
    if let Some(ssh) = openssh(&lab, &config) {
        assert!(ssh.is_ok(), "{ssh:?}");
    }
    // And sshfleet reads it back.
    assert_eq!(run_status(&lab, &config).await, "ok");
    assert_eq!(std::fs::read_to_string(&known).unwrap(), text);
}

/// Keywords sshfleet refuses unless set to the value it honours: the run
/// stops before any host is contacted, exit 5, naming file, line and
/// keyword; the accepted value connects.
#[tokio::test(flavor = "multi_thread")]
async fn refused_keywords_stop_the_run_before_any_host() {
    let lab = lab().await;
    for (line, accepted) in [
        ("CheckHostIP yes", "CheckHostIP no"),
        ("UpdateHostKeys yes", "UpdateHostKeys no"),
        (
            "NoHostAuthenticationForLocalhost yes",
            "NoHostAuthenticationForLocalhost no",
        ),
        ("KnownHostsCommand /bin/echo %h", "KnownHostsCommand none"),
        ("VerifyHostKeyDNS yes", "VerifyHostKeyDNS no"),
        (
            "CertificateFile /nonexistent/cert.pub",
            "CertificateFile none",
        ),
        ("BindAddress 127.0.0.1", "AddressFamily inet"),
        ("ProxyUseFdpass yes", "ProxyUseFdpass no"),
    ] {
        let (_, config) = files(&lab, &format!("  {line}\n"));
        let sessions = lab.host(HOST).stats().sessions_opened;
        let run = sshfleet_run(&lab, &config).await;
        let keyword = line.split(' ').next().unwrap().to_ascii_lowercase();
        assert_eq!(run.code(), 5, "{line}: {}", run.explain());
        assert!(
            run.stderr().contains("ssh_config:4:") && run.stderr().contains(&keyword),
            "{line}: {}",
            run.explain()
        );
        assert_eq!(lab.host(HOST).stats().sessions_opened, sessions, "{line}");
        let (_, config) = files(&lab, &format!("  {accepted}\n"));
        let ok = run_status(&lab, &config).await;
        assert_eq!(ok, "ok", "{accepted}");
    }
}

/// A host or user name with shell metacharacters never reaches a
/// command: `sshfleet inventory` refuses it (exit 5) without running
/// `Match exec` or a `ProxyCommand`, as the installed ssh refuses such
/// names.
#[tokio::test(flavor = "multi_thread")]
async fn names_with_shell_metacharacters_never_reach_a_command() {
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("pwned");
    let touch = format!("touch${{IFS}}{}", marker.display());
    // (ssh_config, inventory host line, what `ssh -G` is given)
    let cases = [
        (
            "Match exec \"test %h = x\"\n  Port 2\n".to_string(),
            format!("web1:\n      ansible_host: 'a;{touch}'"),
            vec![format!("a;{touch}")],
        ),
        (
            "Host *\n  ProxyCommand nc %h %p\n".to_string(),
            format!("'a$({touch})': {{}}"),
            vec![format!("a$({touch})")],
        ),
        (
            "Host *\n  ProxyCommand nc %n %p\n".to_string(),
            format!("web1:\n      ansible_host: 'a`{touch}`'"),
            vec![format!("a`{touch}`")],
        ),
        (
            "Host *\n  ProxyCommand ssh -W %h:%p %r@jump\n".to_string(),
            format!("web1:\n      ansible_user: 'a;{touch}'"),
            vec!["-l".to_string(), format!("a;{touch}"), "web1".to_string()],
        ),
    ];
    for (config, host, ssh_args) in cases {
        let config_path = dir.path().join("config");
        std::fs::write(&config_path, &config).unwrap();
        let inventory = dir.path().join("inv.yaml");
        std::fs::write(&inventory, format!("all:\n  hosts:\n    {host}\n")).unwrap();
        let args: Vec<String> = [
            "inventory",
            "-i",
            &inventory.display().to_string(),
            "-F",
            &config_path.display().to_string(),
        ]
        .map(str::to_string)
        .to_vec();
        let out = sshfleet_cmd(&args, &[]).await;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{config}{host}: {stderr}");
        assert!(stderr.contains("shell metacharacters"), "{stderr}");
        assert!(!marker.exists(), "{config}: a command ran");
        // The installed ssh refuses the name too.
        if let Ok(ssh) = Command::new("ssh")
            .args(["-G", "-F"])
            .arg(&config_path)
            .args(&ssh_args)
            .stdin(std::process::Stdio::null())
            .output()
        {
            assert!(!ssh.status.success(), "ssh -G accepted {ssh_args:?}");
        }
        assert!(!marker.exists());
    }
}

/// `sshfleet run esa-ecupdate --check` of `inventory` with `config` (and
/// `extra` arguments, `env`), its files named `STEM.json` and `STEM.lock`
/// in `dir`: the report it wrote.
async fn check_run(
    dir: &Path,
    stem: &str,
    inventory: &Path,
    config: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> serde_json::Value {
    let report = dir.join(format!("{stem}.json"));
    let mut args: Vec<String> = [
        "run",
        "esa-ecupdate",
        "--check",
        "-i",
        &inventory.display().to_string(),
        "-F",
        &config.display().to_string(),
        "--report",
        &report.display().to_string(),
        "--lock",
        &dir.join(format!("{stem}.lock")).display().to_string(),
        "--no-progress",
    ]
    .map(str::to_string)
    .to_vec();
    args.extend(extra.iter().map(|a| a.to_string()));
    let out = sshfleet_cmd(&args, env).await;
    serde_json::from_str(
        &std::fs::read_to_string(&report)
            .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr))),
    )
    .unwrap()
}

/// How `ssh` and sshfleet read a key written as text, as a class: every
/// way a `RevokedHostKeys` line (listing another key) or a known_hosts
/// line (listing the host's own key) may be written (separators, blank
/// lines that are not blank to C (`\r`, a form feed), a NUL, a missing
/// newline, type names in short form and any case, signature-only and
/// mismatched names). A RevokedHostKeys line ssh cannot read refuses the
/// host; a known_hosts line it cannot read leaves the key unknown, which
/// `StrictHostKeyChecking yes` refuses. Each case is its own host alias
/// of one ssh_config; sshfleet runs them all at once, and each must be
/// refused exactly where the installed `ssh` refuses it.
#[tokio::test(flavor = "multi_thread")]
async fn key_lines_are_read_as_ssh_reads_them() {
    let lab = lab().await;
    let other = crate::support::new_key().public_key().to_openssh().unwrap();
    let (ot, ob) = other.split_once(' ').unwrap();
    let own = lab.host(HOST).host_key.to_openssh().unwrap();
    let (ht, hb) = own.split_once(' ').unwrap();
    let name = format!("[127.0.0.1]:{}", port(&lab));
    let revoked: Vec<Vec<u8>> = [
        format!("{ot} {ob}\n"),
        format!("{ot}\t{ob}\n"),
        format!("{ot}  {ob} c\n"),
        format!("{ot} {ob}\tc\n"),
        format!(" \t{ot} {ob}\n"),
        format!("{ot} {ob}\r\n"),
        format!("{ot} {ob}\r\n\r\n"),
        format!("{ot} {ob}\n\x0c\n"),
        format!("{ot} {ob}\n\x0b\n"),
        format!("{ot} {ob}\n  \r\n"),
        format!("{ot} {ob}\n\0\n"),
        format!("\0junk\n{ot} {ob}\n"),
        format!("{ot} {ob}"),
        format!("ED25519 {ob}\n"),
        format!("ed25519 {ob}\n"),
        format!("SSH-ED25519 {ob}\n"),
        format!("ED25519-CERT {ob}\n"),
        format!("ssh-rsa {ob}\n"),
        format!("{ot}\x0c{ob}\n"),
        format!("{ot} {}\x0b{}\n", &ob[..12], &ob[12..]),
        format!("#c\n\n{ot} {ob} \u{a0}x\n"),
        format!("{ot} {ob}=\n"),
        format!("{ot}\n"),
    ]
    .into_iter()
    .map(String::into_bytes)
    .chain(
        [format!("{ot} {ob} cX\n").into_bytes()]
            .into_iter()
            .map(|mut b| {
                // A comment byte that is not UTF-8.
                let at = b.len() - 2;
                b[at] = 0xff;
                b
            }),
    )
    .collect();
    let known: Vec<String> = [
        format!("{name} {ht} {hb}\n"),
        format!("{name}\t{ht}\t{hb}\n"),
        format!("{name} ED25519 {hb}\n"),
        format!("{name} ed25519 {hb} c\n"),
        format!("{name} SSH-ED25519 {hb}\n"),
        format!("{name} ED25519-CERT {hb}\n"),
        format!("{name} rsa-sha2-256 {hb}\n"),
        format!("{name} {ht} {hb}\r\n"),
        format!("\t{name} {ht} {hb}\n"),
        format!("{name} {ht}\x0b{hb}\n"),
        format!("{name} {ht} {}\x0c{}\n", &hb[..12], &hb[12..]),
        format!("{name} #{ht} {hb}\n"),
        // hostfile.c reads a C string: a NUL ends the line, the key before
        // it stands (round 7: the whole line was dropped, so a changed or
        // revoked key went unseen).
        format!("{name} {ht} {hb}\0junk\n"),
        format!("{name} {ht} {hb}\0AAAA\n"),
    ]
    .to_vec();
    let dir = lab.dir.path();
    let mut config = String::new();
    let mut hosts = Vec::new();
    let mut cases = Vec::new();
    let good_known = format!("{name} {own}\n");
    for (i, text) in revoked.iter().enumerate() {
        let alias = format!("r{i}");
        std::fs::write(dir.join(format!("{alias}.revoked")), text).unwrap();
        std::fs::write(dir.join(format!("{alias}.kh")), &good_known).unwrap();
        cases.push((alias, String::from_utf8_lossy(text).into_owned(), true));
    }
    for (i, text) in known.iter().enumerate() {
        let alias = format!("k{i}");
        std::fs::write(dir.join(format!("{alias}.kh")), text).unwrap();
        cases.push((alias, text.clone(), false));
    }
    for (alias, _, revocation) in &cases {
        config.push_str(&format!(
            "Host {alias}\n  HostName 127.0.0.1\n  Port {}\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n",
            port(&lab),
            dir.join(format!("{alias}.kh")).display()
        ));
        if *revocation {
            config.push_str(&format!(
                "  RevokedHostKeys {}\n",
                dir.join(format!("{alias}.revoked")).display()
            ));
        }
        hosts.push(format!(
            "    {alias}: {{ansible_user: {USER}, ansible_ssh_private_key_file: '{}'}}\n",
            lab.key_file.display()
        ));
    }
    let config_path = dir.join("lines_config");
    std::fs::write(&config_path, &config).unwrap();
    let inventory = dir.join("lines.yaml");
    std::fs::write(&inventory, format!("all:\n  hosts:\n{}", hosts.concat())).unwrap();
    let report = check_run(
        dir,
        "lines",
        &inventory,
        &config_path,
        &["--forks", "8"],
        &[],
    )
    .await;
    let mut wrong = Vec::new();
    let mut refused_by_ssh = 0;
    for (alias, text, _) in &cases {
        let ssh = Command::new("ssh")
            .arg("-F")
            .arg(&config_path)
            .args(["-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i"])
            .arg(&lab.key_file)
            .args(["-l", USER, alias, "exit"])
            .stdin(std::process::Stdio::null())
            .output();
        let Ok(ssh) = ssh else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must have openssh-client"
            );
            return;
        };
        let said = String::from_utf8_lossy(&ssh.stderr);
        let ssh_refused = said.contains("Host key verification failed");
        refused_by_ssh += usize::from(ssh_refused);
        let host = report["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["name"] == alias.as_str())
            .unwrap_or_else(|| panic!("{alias} not in the report: {report}"));
        let ours_refused = host["status"] == "unreachable";
        if ssh_refused != ours_refused {
            wrong.push(format!(
                "{alias} {text:?}: ssh {}, sshfleet {} ({})",
                if ssh_refused { "refused" } else { "connected" },
                host["status"],
                host["error"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // Both outcomes occur: the cases tell readable from unreadable lines.
    assert!(
        refused_by_ssh > 3 && refused_by_ssh < cases.len() - 3,
        "{refused_by_ssh}"
    );
}

/// A host name the installed ssh refuses on its command line ("hostname
/// contains invalid characters"), routed by ssh_config to a live host:
/// ssh never connects, nor does sshfleet (unreachable, naming the name),
/// while a clean name with the same configuration connects.
#[tokio::test(flavor = "multi_thread")]
async fn a_host_name_ssh_refuses_is_never_connected_to() {
    let lab = lab().await;
    let dir = lab.dir.path();
    let (known, _) = files(&lab, "");
    let config = dir.join("names_config");
    std::fs::write(
        &config,
        format!(
            "Host *\n  HostName 127.0.0.1\n  Port {}\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n",
            port(&lab),
            known.display()
        ),
    )
    .unwrap();
    let inventory = dir.join("names.yaml");
    let key = lab.key_file.display();
    std::fs::write(
        &inventory,
        format!(
            "all:\n  vars: {{ansible_user: {USER}, ansible_ssh_private_key_file: '{key}'}}\n  hosts:\n    'a;b':\n    'c,d':\n    clean:\n"
        ),
    )
    .unwrap();
    for (name, refused) in [("a;b", true), ("c,d", true), ("clean", false)] {
        let ssh = Command::new("ssh")
            .arg("-F")
            .arg(&config)
            .args(["-o", "BatchMode=yes", "-i"])
            .arg(&lab.key_file)
            .args(["-l", USER, name, "exit"])
            .stdin(std::process::Stdio::null())
            .output();
        if let Ok(ssh) = ssh {
            let said = String::from_utf8_lossy(&ssh.stderr);
            assert_eq!(
                said.contains("hostname contains invalid characters"),
                refused,
                "{name}: {said}"
            );
        }
    }
    let report = check_run(dir, "names", &inventory, &config, &[], &[]).await;
    let hosts = report["hosts"].as_array().unwrap();
    let status = |name: &str| {
        hosts
            .iter()
            .find(|h| h["name"] == name)
            .unwrap_or_else(|| panic!("{name}: {report}"))
            .clone()
    };
    for name in ["a;b", "c,d"] {
        let host = status(name);
        assert_eq!(host["status"], "unreachable", "{host}");
        assert!(
            host["error"]
                .as_str()
                .unwrap()
                .contains("hostname contains invalid characters"),
            "{host}"
        );
    }
    assert_eq!(status("clean")["status"], "ok", "{report}");
    assert_eq!(
        lab.host(HOST).stats().sessions_opened,
        1,
        "only `clean` connected"
    );
}

/// `FILE.pub` beside a key file holding another key: ssh offers that key
/// and cannot sign for it, so the identity never logs in; sshfleet skips
/// it, saying why, where it used to sign with `FILE`'s own key and log in.
/// With the right `FILE.pub` both log in.
#[tokio::test(flavor = "multi_thread")]
async fn a_pub_file_holding_another_key_is_no_identity_as_in_ssh() {
    use std::os::unix::fs::PermissionsExt as _;
    let lab = lab().await;
    let dir = lab.dir.path();
    let (known, _) = files(&lab, "");
    let key = dir.join("k");
    std::fs::copy(&lab.key_file, &key).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let right = std::process::Command::new("ssh-keygen")
        .args(["-y", "-f"])
        .arg(&key)
        .output();
    let Ok(right) = right else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have openssh-client"
        );
        return;
    };
    let config = dir.join("pub_config");
    std::fs::write(
        &config,
        format!(
            "Host *\n  HostName 127.0.0.1\n  Port {}\n  UserKnownHostsFile {}\n  GlobalKnownHostsFile /dev/null\n  IdentitiesOnly yes\n",
            port(&lab),
            known.display()
        ),
    )
    .unwrap();
    let inventory = dir.join("pub.yaml");
    std::fs::write(
        &inventory,
        format!(
            "all:\n  hosts:\n    h1: {{ansible_user: {USER}, ansible_ssh_private_key_file: '{}'}}\n",
            key.display()
        ),
    )
    .unwrap();
    let other = crate::support::new_key().public_key().to_openssh().unwrap();
    for (pub_text, logs_in) in [
        (other, false),
        (String::from_utf8(right.stdout).unwrap(), true),
    ] {
        std::fs::write(dir.join("k.pub"), &pub_text).unwrap();
        // A `-cert.pub` beside it that is no certificate: ssh skips it, and
        // so does sshfleet (a real one stops the login:
        // openssh_auth::a_user_certificate_ssh_would_offer_stops_the_login_saying_so).
        std::fs::write(dir.join("k-cert.pub"), "not a certificate\n").unwrap();
        let ssh = Command::new("ssh")
            .arg("-F")
            .arg(&config)
            .args(["-o", "BatchMode=yes", "-o"])
            .arg(format!("IdentityFile=\"{}\"", key.display()))
            .args(["-l", USER, "h1", "exit"])
            .env_remove("SSH_AUTH_SOCK")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&ssh.stderr);
        assert_eq!(!said.contains("Permission denied"), logs_in, "ssh: {said}");
        let report = check_run(
            dir,
            "pub",
            &inventory,
            &config,
            &["--connect-retries", "0"],
            &[("SSH_AUTH_SOCK", "")],
        )
        .await;
        let host = &report["hosts"][0];
        if logs_in {
            assert_eq!(host["status"], "ok", "{host}");
        } else {
            assert_eq!(host["status"], "unreachable", "{host}");
            assert!(
                host["error"]
                    .as_str()
                    .unwrap()
                    .contains("holds another key"),
                "{host}"
            );
        }
    }
}
