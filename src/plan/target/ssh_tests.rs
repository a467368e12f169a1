//! Targets from ssh_config's routing, authentication and host key
//! keywords, and from the ssh flags that stand for them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use super::*;
use crate::inventory::Inventory;

fn target(inventory: &str, config: &str) -> Result<Target, TargetError> {
    let inventory = Inventory::parse(inventory, Path::new("inv.yaml")).unwrap();
    let config = SshConfig::parse(config, Path::new("cfg")).unwrap();
    let host = &inventory.hosts()[0];
    let conn = inventory.connection(host, None).unwrap();
    Resolver::new(PathBuf::from("/kh"), HostKeyPolicy::Strict)
        .with_ssh_config(config, false, false)
        .resolve(host, &conn)
}

const ONE: &str = "all:\n  hosts:\n    esa01: {}\n";

#[test]
fn authentication_keywords_reach_the_credentials() {
    let t = target(
        ONE,
        "Host esa01\n  PubkeyAuthentication no\n  KbdInteractiveAuthentication no\n  IdentityAgent none\n",
    )
    .unwrap();
    let m = &t.credentials.methods;
    assert!(!m.publickey && m.password && !m.keyboard_interactive);
    assert_eq!(m.agent, AgentSource::None);
    let t = target(
        ONE,
        "PreferredAuthentications publickey,keyboard-interactive\nIdentityAgent ~/agent.sock\n",
    )
    .unwrap();
    let m = &t.credentials.methods;
    assert!(m.publickey && !m.password && m.keyboard_interactive);
    assert_eq!(
        m.agent,
        AgentSource::Socket(ssh_config::home().join("agent.sock"))
    );
    let err = SshConfig::parse(
        "PreferredAuthentications password,publickey\n",
        Path::new("cfg"),
    )
    .unwrap()
    .lookup("h", None)
    .unwrap_err()
    .to_string();
    assert!(err.contains("keys first"), "{err}");
}

#[test]
fn host_key_keywords_reach_the_checks() {
    let t = target(
        ONE,
        "HashKnownHosts yes\nRevokedHostKeys /revoked/%h\nCASignatureAlgorithms -rsa*\n",
    )
    .unwrap();
    assert!(t.checks.hash_known_hosts);
    assert_eq!(
        t.checks.revoked_host_keys,
        // OpenSSH 9.2 opens it as written: no tokens, no `~`.
        Some(PathBuf::from("/revoked/%h"))
    );
    assert!(
        !t.checks
            .ca_signature_algorithms
            .iter()
            .any(|a| a.starts_with("rsa"))
    );
    assert!(
        t.checks
            .ca_signature_algorithms
            .contains(&"ssh-ed25519".to_string())
    );
}

#[test]
fn address_family_from_ssh_config_and_flags() {
    let t = target(ONE, "AddressFamily inet6\n").unwrap();
    assert_eq!(t.address_family, AddressFamily::Inet6);
    let t = target(
        "all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: -4C -c aes128-cbc\n",
        "AddressFamily inet6\n",
    )
    .unwrap();
    assert_eq!(t.address_family, AddressFamily::Inet);
    assert_eq!(t.algorithms.names(AlgorithmKind::Cipher), ["aes128-cbc"]);
    let err = target(
        "all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: -b 10.0.0.1\n",
        "",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("BindAddress"), "{err}");
}

#[test]
fn proxy_command_tokens_and_metacharacters() {
    let t = target(
        "all:\n  hosts:\n    esa01:\n      ansible_host: mgmt\n",
        "Host mgmt\n  HostName 10.0.0.1\n  HostKeyAlias Fleet\n  ProxyCommand nc %h %p %n %k %r %%\n",
    )
    .unwrap();
    let user = t.credentials.user.clone();
    assert_eq!(
        t.proxy_command.as_deref(),
        Some(format!("nc 10.0.0.1 22 mgmt fleet {user} %").as_str())
    );
    // ssh_config's user is not checked until it would enter a command.
    let err = target(ONE, "User a$(id)\nProxyCommand ssh -W %h:%p %r@jump\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("shell metacharacters"), "{err}");
    // One on ssh's command line (Ansible's `-o User=`) is refused at once.
    let err = target(
        "all:\n  hosts:\n    esa01:\n      ansible_user: \"a$(id)\"\n",
        "",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("remote username contains invalid characters")
            && err.contains("ansible_user (inv.yaml:4)"),
        "{err}"
    );
}

#[test]
fn only_the_first_jump_host_follows_its_own_route() {
    let config = "Host esa01\n  ProxyJump a,b\nHost a\n  ProxyCommand nc outer %p\nHost b\n  ProxyJump never\n";
    let t = target(ONE, config).unwrap();
    let hops: Vec<(String, Option<String>)> = t
        .jumps
        .iter()
        .map(|j| (j.address.clone(), j.proxy_command.clone()))
        .collect();
    assert_eq!(
        hops,
        [
            ("a".to_string(), Some("nc outer 22".to_string())),
            ("b".to_string(), None)
        ]
    );
    // A jump host's own ProxyJump is followed first.
    let t = target(ONE, "Host esa01\n  ProxyJump a\nHost a\n  ProxyJump x\n").unwrap();
    let hops: Vec<&str> = t.jumps.iter().map(|j| j.address.as_str()).collect();
    assert_eq!(hops, ["x", "a"]);
}

#[test]
fn a_user_or_jump_host_with_a_leading_dash_never_reaches_a_proxy_command() {
    let config = "ProxyCommand ssh -W %h:%p %r@127.0.0.1\n";
    for inventory in [
        "all:\n  hosts:\n    esa01:\n      ansible_user: '-oProxyCommand=touch\\ /tmp/x x'\n",
        "all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: \"-J '-oProxyCommand=x@127.0.0.1'\"\n",
        "all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: \"-J 'u@-oProxyCommand=x'\"\n",
    ] {
        let err = target(inventory, config).unwrap_err().to_string();
        assert!(err.contains("leading `-`"), "{inventory}: {err}");
    }
}

/// `ssh -J a -J b` and `ssh -o ProxyJump=x -J y` stop with "Only a single
/// -J option is permitted"; `-o ProxyCommand=c -J y` with "Cannot specify
/// -J with ProxyCommand": refused, never the first jump.
#[test]
fn a_second_jump_in_the_ssh_arguments_is_refused_as_ssh_refuses_it() {
    for args in [
        "-J a -J b",
        "-o ProxyJump=x -J y",
        "-oProxyCommand='nc %h %p' -Jy",
    ] {
        let inventory =
            format!("all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: \"{args}\"\n");
        let err = target(&inventory, "").unwrap_err().to_string();
        assert!(
            err.contains("single -J") || err.contains("cannot specify -J with ProxyCommand"),
            "{args}: {err}"
        );
    }
    // A `-o ProxyJump` after `-J` is ignored by ssh (the first wins).
    let inventory =
        "all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: -J a -o ProxyJump=b\n";
    let t = target(inventory, "").unwrap();
    assert_eq!(t.jumps.len(), 1);
    assert_eq!(t.jumps[0].address, "a");
}

/// Each keyword expands what OpenSSH 9.2 expands, no more: `~user`
/// through the passwd database, `${VAR}` where ssh_config(5) lists it,
/// `RevokedHostKeys` as written, `GlobalKnownHostsFile` `~` only.
#[test]
fn paths_expand_as_openssh_9_2_expands_each_keyword() {
    // SAFETY: set once, read below; no other test reads this variable.
    unsafe { std::env::set_var("SSHFLEET_F1_AGENT_DIR", "/agents") };
    let root = nix::unistd::User::from_name("root").unwrap().unwrap().dir;
    let t = target(
        ONE,
        "Host esa01\n  IdentityAgent ${SSHFLEET_F1_AGENT_DIR}/agent.sock\n  IdentityFile ~root/key_%h\n  UserKnownHostsFile ~root/kh\n  GlobalKnownHostsFile ~/g_%h ${HOME}/g2\n  RevokedHostKeys ~/revoked\n",
    )
    .unwrap();
    assert_eq!(
        t.credentials.methods.agent,
        AgentSource::Socket(PathBuf::from("/agents/agent.sock"))
    );
    assert_eq!(t.credentials.config_key_files, [root.join("key_esa01")]);
    assert_eq!(t.known_hosts, root.join("kh"));
    assert_eq!(
        t.known_hosts_also,
        [ssh_config::home().join("g_%h"), PathBuf::from("${HOME}/g2")]
    );
    assert_eq!(t.checks.revoked_host_keys, Some(PathBuf::from("~/revoked")));
    let t = target(ONE, "IdentityAgent ${SSHFLEET_F1_AGENT_DIR}\n").unwrap();
    assert_eq!(
        t.credentials.methods.agent,
        AgentSource::Socket(PathBuf::from("/agents"))
    );
    let err = target(ONE, "UserKnownHostsFile ~sshfleet_no_such_user/kh\n").unwrap_err();
    assert!(
        err.to_string().contains("no user `sshfleet_no_such_user`"),
        "{err}"
    );
    // Read-time checks, in every block, as ssh's.
    for line in [
        "ForwardAgent ${SSHFLEET_F1_UNSET}",
        "IdentityAgent ${SSHFLEET_F1_UNSET}/a",
        "LocalForward /l /x${SSHFLEET_F1_UNSET}",
    ] {
        let err = SshConfig::parse(&format!("Host other\n  {line}\n"), Path::new("cfg"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("SSHFLEET_F1_UNSET"), "{line}: {err}");
    }
}

#[test]
fn include_with_a_user_home() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "Include ~sshfleet_no_such_user/x.conf\n").unwrap();
    let err = SshConfig::load(&config).unwrap_err().to_string();
    assert!(err.contains("config:1") && err.contains("no user"), "{err}");
}

/// The proxy command the installed ssh runs for `host` (`ssh -v`, the
/// jump host named under `.invalid`, so it fails at once).
fn ssh_jump_command(config: &Path, host: &str) -> Option<String> {
    let out = std::process::Command::new("ssh")
        .args(["-v", "-o", "BatchMode=yes", "-o", "ConnectTimeout=2", "-F"])
        .arg(config)
        .args([host, "true"])
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .find_map(|l| l.split_once("Executing proxy command: exec ")?.1.into())
        .map(str::to_string)
}

/// `%h %k %n %p %r %%` in ProxyJump expand as ssh expands them (it turns
/// the list into `ssh -l USER -p PORT -J LATER FIRST` and expands that
/// command): compared with the command the installed ssh runs.
#[test]
fn proxy_jump_tokens_expand_as_ssh_expands_them() {
    if std::process::Command::new("ssh")
        .arg("-V")
        .output()
        .is_err()
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    for jump in [
        "%r@jump-%h.invalid",
        "ops@b-%n.invalid:2200",
        "%r@a-%p.invalid,x-%k.invalid",
        "j%%x.invalid",
    ] {
        let text = format!(
            "Host t1\n  User alice\n  Port 2201\n  HostName T1.example\n  HostKeyAlias al\n  ProxyJump {jump}\n"
        );
        std::fs::write(&path, &text).unwrap();
        let theirs = ssh_jump_command(&path, "t1").unwrap();
        let inventory = "all:\n  hosts:\n    t1: {}\n";
        let ours = target(inventory, &text);
        if jump.contains("%%") {
            // `j%x.invalid`: the jump's own ssh would expand `%x` again.
            let err = ours.unwrap_err().to_string();
            assert!(err.contains("a `%` left"), "{err}");
            continue;
        }
        let ours = ours.unwrap();
        // ssh's command reaches the last hop, through the earlier ones.
        let (last, earlier) = ours.jumps.split_last().unwrap();
        let word_after = |flag: &str| {
            theirs
                .split(&format!("{flag} "))
                .nth(1)
                .and_then(|rest| rest.split(' ').next())
                .map(str::to_string)
        };
        assert!(
            theirs.ends_with(&format!(" {}", last.address)),
            "{jump}: ssh runs `{theirs}`, sshfleet jumps to {}",
            last.address
        );
        if let Some(user) = word_after("-l") {
            assert_eq!(user, last.credentials.user, "{jump}: `{theirs}`");
        }
        if let Some(port) = word_after("-p") {
            assert_eq!(port, last.port.to_string(), "{jump}: `{theirs}`");
        }
        let mine: Vec<String> = earlier
            .iter()
            .map(|t| {
                let port = if t.port == 22 {
                    String::new()
                } else {
                    format!(":{}", t.port)
                };
                format!("{}@{}{port}", t.credentials.user, t.address)
            })
            .collect();
        match word_after("-J") {
            Some(extra) => assert_eq!(extra, mine.join(","), "{jump}: `{theirs}`"),
            None => assert!(mine.is_empty(), "{jump}: `{theirs}`"),
        }
    }
}

/// `UserKnownHostsFile none` (any case, as written) leaves nowhere to
/// record a key; `/dev/null`, a file, and a value that only expands to
/// `none` do not (OpenSSH writes a file called `none` then).
#[test]
fn user_known_hosts_file_none_is_nowhere_to_record() {
    for (value, nowhere) in [
        ("none", true),
        ("NONE", true),
        ("/dev/null", false),
        ("/k/known_hosts", false),
        // The host is called `none`: `%h` expands to it.
        ("%h", false),
    ] {
        let t = target(
            "all:\n  hosts:\n    none: {}\n",
            &format!("UserKnownHostsFile {value}\nGlobalKnownHostsFile none\n"),
        )
        .unwrap();
        assert_eq!(t.checks.nowhere_to_record, nowhere, "{value}");
        assert!(
            t.known_hosts_also.is_empty(),
            "{value}: {:?}",
            t.known_hosts_also
        );
    }
    let t = target(ONE, "GlobalKnownHostsFile /g\n").unwrap();
    assert!(!t.checks.nowhere_to_record);
    assert_eq!(t.known_hosts_also.last().unwrap(), Path::new("/g"));
}

/// ansible_user and the key file reach ssh as `-o 'User="…"'` and
/// `-o 'IdentityFile="…"'` (ansible-core 2.19's ssh plugin): ssh's option
/// parser unquotes them, the key's tokens and `${VAR}` are expanded, and
/// ssh refuses what it refuses; paramiko takes them as written.
#[test]
fn ansible_user_and_key_are_read_as_ssh_reads_its_options() {
    let host =
        |vars: &str| format!("all:\n  hosts:\n    esa01:\n      ansible_host: 10.0.0.1\n{vars}");
    for (value, user) in [
        ("'adm\"i\"n'", "admin"),
        ("'CORP\\\\svc'", "CORP\\svc"),
        ("'a b'", "a b"),
        ("'a%hb'", "a%hb"),
    ] {
        let t = target(&host(&format!("      ansible_user: {value}\n")), "").unwrap();
        assert_eq!(t.credentials.user, user, "{value}");
    }
    for (value, why) in [
        ("\"a'b\"", "remote username contains invalid characters"),
        ("'a\\'", "unterminated quote"),
        ("'x;y'", "remote username contains invalid characters"),
    ] {
        let err = target(&host(&format!("      ansible_user: {value}\n")), "")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(why) && err.contains("ansible_user (inv.yaml:5)"),
            "{value}: {err}"
        );
    }
    // `~` is Python's expanduser ($HOME), `${HOME}` ssh's.
    let home = std::env::var("HOME").unwrap();
    let t = target(
        &host("      ansible_port: 2200\n      ansible_user: ops\n      ansible_ssh_private_key_file: '~/k/%h-%p-%r-${HOME}/x\"y\"z'\n"),
        "",
    )
    .unwrap();
    assert_eq!(
        t.credentials.key_file,
        Some(PathBuf::from(format!(
            "{home}/k/10.0.0.1-2200-ops-{home}/xyz"
        )))
    );
    // paramiko reads neither quotes nor tokens.
    let t = target(
        &host("      ansible_connection: paramiko\n      ansible_user: 'adm\"i\"n'\n      ansible_ssh_private_key_file: '/k/%h'\n"),
        "",
    )
    .unwrap();
    assert_eq!(t.credentials.user, "adm\"i\"n");
    assert_eq!(t.credentials.key_file, Some(PathBuf::from("/k/%h")));
}

/// `-l`, `-i` and `-p` take their argument verbatim (getopt), and a `-p`
/// after a port is set is not read at all (ssh.c).
#[test]
fn flag_arguments_are_taken_verbatim() {
    let args =
        |a: &str| format!("all:\n  hosts:\n    esa01:\n      ansible_ssh_common_args: '{a}'\n");
    // shlex keeps both backslashes inside single quotes, and so does ssh.
    let t = target(&args("-l ''CORP\\\\svc''"), "").unwrap();
    assert_eq!(t.credentials.user, "CORP\\\\svc");
    let err = target(&args("-l ''a\"b\"c''"), "").unwrap_err().to_string();
    assert!(
        err.contains("remote username contains invalid characters"),
        "{err}"
    );
    let err = target(&args("-p ''\"2200\"''"), "")
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a port number"), "{err}");
    let t = target(&args("-p 2201 -p ''\"2200\"''"), "").unwrap();
    assert_eq!(t.port, 2201);
    // Ansible drops the empty word: `-o -p 2200`, which ssh refuses.
    assert!(target(&args("-o \"\" -p 2200"), "").is_err());
    let t = target(&args("\" -p\" 2202"), "").unwrap();
    assert_eq!(t.port, 2202);
}

/// `${VAR}` and `%` tokens expand in one pass, as OpenSSH 9.2's
/// `percent_dollar_expand`: a variable's value is never scanned for
/// tokens or variables again, and a token's value is not scanned for
/// variables. Each case's `UserKnownHostsFile` compared with what the
/// installed `ssh -G` prints for it.
#[test]
fn variables_and_tokens_expand_in_one_pass_as_ssh_expands_them() {
    if std::process::Command::new("ssh")
        .arg("-V")
        .output()
        .is_err()
    {
        return;
    }
    let values = [
        "%h",
        "%%",
        "a%",
        "${SSHFLEET_F2_B}",
        "%k/${SSHFLEET_F2_B}",
        "~",
        "x",
    ];
    let templates = [
        "/u/${SSHFLEET_F2_A}",
        "/u/${SSHFLEET_F2_A}%h",
        "/u/%%${SSHFLEET_F2_A}",
        "~/${SSHFLEET_F2_A}/%k",
        "/u/${SSHFLEET_F2_B}${SSHFLEET_F2_A}",
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut compared = 0;
    for value in values {
        // SAFETY: these variables are read by this test only.
        unsafe {
            std::env::set_var("SSHFLEET_F2_A", value);
            std::env::set_var("SSHFLEET_F2_B", "%n");
        }
        for template in templates {
            let config =
                format!("Host esa01\n  HostKeyAlias al\n  UserKnownHostsFile {template}\n");
            let file = dir.path().join("cfg");
            std::fs::write(&file, &config).unwrap();
            let out = std::process::Command::new("ssh")
                .args(["-G", "-F"])
                .arg(&file)
                .arg("esa01")
                .output()
                .unwrap();
            let printed = String::from_utf8_lossy(&out.stdout);
            let theirs = printed
                .lines()
                .find_map(|l| l.strip_prefix("userknownhostsfile "))
                .unwrap_or_else(|| panic!("{value} {template}: {printed}"));
            let ours = target(ONE, &config).unwrap().known_hosts;
            assert_eq!(
                ours.to_string_lossy(),
                theirs,
                "SSHFLEET_F2_A={value:?}: {template}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, values.len() * templates.len());
}

/// `IdentityFile none` (any case) is skipped, as ssh skips it when it
/// loads identities (ssh -v lists no identity file, and with a key file
/// named `none` in the working directory ssh offers nothing, where
/// sshfleet offered it), yet it keeps the default key files out; the same
/// for an `ansible_ssh_private_key_file` named so, which Ansible hands to
/// ssh as `-o IdentityFile="none"`. Through paramiko it is a file name.
#[test]
fn an_identity_named_none_is_no_key_and_keeps_the_defaults_out() {
    for config in ["IdentityFile none\n", "IdentityFile NoNe\n"] {
        let t = target(ONE, config).unwrap();
        assert!(t.credentials.config_key_files.is_empty(), "{config}: {t:?}");
        assert!(t.credentials.key_file.is_none(), "{config}");
    }
    let t = target(ONE, "IdentityFile NONE\nIdentityFile /k/a\n").unwrap();
    assert_eq!(t.credentials.config_key_files, [PathBuf::from("/k/a")]);
    let inventory = "all:\n  hosts:\n    esa01:\n      ansible_ssh_private_key_file: None\n";
    let t = target(inventory, "").unwrap();
    assert!(t.credentials.key_file.is_none(), "{t:?}");
    assert!(t.credentials.config_key_files.is_empty(), "{t:?}");
    let inventory = "all:\n  hosts:\n    esa01:\n      ansible_connection: paramiko\n      ansible_ssh_private_key_file: none\n";
    let t = target(inventory, "").unwrap();
    assert_eq!(t.credentials.key_file, Some(PathBuf::from("none")));
}

/// The host name Ansible's ssh is given (`ansible_host`, else the
/// inventory name) that the installed ssh refuses on its command line
/// ("hostname contains invalid characters", `name_tests` compares the
/// rule with ssh) marks the host: listed as Ansible lists it, never
/// connected to; a good `ansible_host` makes any inventory name fine.
#[test]
fn a_host_name_ssh_refuses_on_its_command_line_is_never_connected_to() {
    for name in ["'a;b'", "'g\\h'", "'-x'", "'a,b'", "'a$b'"] {
        let inventory = format!("all:\n  hosts:\n    {name}: {{}}\n");
        let t = target(&inventory, "").unwrap();
        assert!(t.name_refused.is_some(), "{name}");
        let inventory = format!("all:\n  hosts:\n    {name}: {{ansible_host: 10.0.0.1}}\n");
        assert_eq!(target(&inventory, "").unwrap().name_refused, None, "{name}");
    }
    let inventory = "all:\n  hosts:\n    h1: {ansible_host: 'a;b', ansible_connection: paramiko}\n";
    assert_eq!(
        target(inventory, "").unwrap().name_refused,
        None,
        "paramiko runs no ssh"
    );
}

/// `IdentityAgent $NAME` (ssh.c's legacy form): a variable not set is no
/// agent, as ssh then clears `SSH_AUTH_SOCK` and goes on (round 9: it was
/// refused); a name that is not a variable's is refused, as ssh refuses it.
#[test]
fn identity_agent_of_an_unset_variable_is_no_agent() {
    let t = target(ONE, "IdentityAgent $SSHFLEET_R9_UNSET_AGENT\n").unwrap();
    assert_eq!(
        t.credentials.methods.agent,
        crate::ssh::transport::AgentSource::None
    );
    let refused = target(ONE, "IdentityAgent $A-B\n").unwrap_err().to_string();
    assert!(
        refused.contains("Invalid IdentityAgent environment variable name"),
        "{refused}"
    );
}
