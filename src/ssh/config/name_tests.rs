//! The host and user names sshfleet lets into a command (`%h %n %k %r` of
//! `ProxyCommand`, `Match exec`; a `ProxyJump` hop) against the installed
//! OpenSSH's own checks (`valid_hostname`, `valid_ruser`), on names
//! generated over every printable ASCII character in every position.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use super::JumpHost;
use super::expand::{safe_host_name, safe_user_name};
use super::table_tests::ssh_binary;

/// Whether the installed `ssh` takes `args` (`-G`: nothing is run).
fn ssh_takes(ssh: &Path, args: &[&str]) -> bool {
    Command::new(ssh)
        .args(["-F", "/dev/null", "-G"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
        .status
        .success()
}

/// Names with each printable ASCII character first, inside and last, the
/// ASCII controls inside, and the names the adversarial tests used.
fn names() -> Vec<String> {
    let mut names: Vec<String> = (0x20u8..0x7f)
        .map(char::from)
        .flat_map(|c| [format!("{c}b"), format!("a{c}b"), format!("a{c}")])
        .collect();
    names.extend(
        (0x01u8..0x20)
            .chain([0x7f])
            .map(|b| format!("a{}b", char::from(b))),
    );
    for name in [
        "-oProxyCommand=touch\\ /tmp/x x",
        "-oProxyCommand=x",
        "a -b",
        "a\t-b",
        "a\n-b",
        "-",
        "ops.admin",
        "DOMAIN\\ops",
        "root",
    ] {
        names.push(name.to_string());
    }
    names
}

#[test]
fn names_reaching_a_command_follow_openssh_valid_ruser_and_valid_hostname() {
    let Some(ssh) = ssh_binary() else { return };
    let mut differ = Vec::new();
    for name in names() {
        // A user: `ssh -l NAME h` ("remote username contains invalid
        // characters").
        let openssh = ssh_takes(&ssh, &["-l", &name, "h"]);
        if openssh != safe_user_name(&name) {
            differ.push(format!("user {name:?}: OpenSSH takes it: {openssh}"));
        }
        // A host: `ssh NAME` ("hostname contains invalid characters"); a
        // leading `-` would be an option there, so as a `-J` hop.
        // `@` splits a user off and `:` a port in either form.
        if name.contains(['@', ':']) {
            continue;
        }
        let openssh = if name.starts_with('-') {
            ssh_takes(&ssh, &["-J", &format!("u@{name}"), "h"])
        } else {
            ssh_takes(&ssh, &[&name])
        };
        if openssh != safe_host_name(&name) {
            differ.push(format!("host {name:?}: OpenSSH takes it: {openssh}"));
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}

#[test]
fn jump_hosts_with_a_leading_dash_or_metacharacters_are_refused() {
    for spec in [
        "-oProxyCommand=touch\\ /tmp/x@h",
        "-oX@h",
        "u@-oX",
        "a;b@h",
        "u@a$b",
        "a\\@h",
    ] {
        let err = JumpHost::parse_list(spec).unwrap_err();
        assert!(
            err.contains("ssh refuses it on its command line"),
            "{spec}: {err}"
        );
    }
    for spec in ["ops@bastion", "ops.admin@b-1:2222", "DOMAIN\\ops@b"] {
        assert!(JumpHost::parse_list(spec).is_ok(), "{spec}");
    }
}
