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
    .unwrap_err()
    .to_string();
    assert!(err.contains("keys first"), "{err}");
}

#[test]
fn host_key_keywords_reach_the_checks() {
    let t = target(
        ONE,
        "HashKnownHosts yes\nRevokedHostKeys ~/.ssh/revoked_%h\nCASignatureAlgorithms -rsa*\n",
    )
    .unwrap();
    assert!(t.checks.hash_known_hosts);
    assert_eq!(
        t.checks.revoked_host_keys,
        Some(ssh_config::home().join(".ssh/revoked_esa01"))
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
    let err = target(
        "all:\n  hosts:\n    esa01:\n      ansible_user: \"a$(id)\"\n",
        "ProxyCommand ssh -W %h:%p %r@jump\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("shell metacharacters"), "{err}");
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
