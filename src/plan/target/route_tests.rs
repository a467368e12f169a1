//! Routes as OpenSSH 9.2 takes them from Ansible's command line and
//! ssh_config (each expectation read from `ssh -G` with the argv Ansible
//! builds; `tests/inventories/routes.py` generates the whole class), and
//! its jump loop check.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use super::*;
use crate::inventory::Inventory;

fn target(vars: &str, config: &str) -> Result<Target, TargetError> {
    let inventory = Inventory::parse(
        &format!("all:\n  hosts:\n    esa01:\n{vars}"),
        Path::new("inv.yaml"),
    )
    .unwrap();
    let config = SshConfig::parse(config, Path::new("cfg")).unwrap();
    let host = &inventory.hosts()[0];
    let conn = inventory.connection(host, None).unwrap();
    Resolver::new(PathBuf::from("/kh"), HostKeyPolicy::Strict)
        .with_ssh_config(config, false, false)
        .resolve(host, &conn)
}

/// (proxy command, jump hosts' addresses)
fn route(vars: &str, config: &str) -> (Option<String>, Vec<String>) {
    let t = target(vars, config).unwrap_or_else(|e| panic!("{vars}: {e}"));
    (
        t.proxy_command,
        t.jumps.iter().map(|j| j.address.clone()).collect(),
    )
}

#[test]
fn proxy_jump_none_on_the_command_line_lets_a_later_proxy_command_through() {
    let command = Some("nc esa01 22".to_string());
    for vars in [
        "      ansible_ssh_common_args: -o ProxyJump=none\n      ansible_ssh_extra_args: -o ProxyCommand='nc %h %p'\n",
        "      ansible_ssh_common_args: -o ProxyJump=none -o ProxyCommand='nc %h %p'\n",
        "      ansible_ssh_common_args: -J none -o ProxyCommand='nc %h %p'\n",
        "      ansible_ssh_extra_args: -o ProxyJump=none -o ProxyCommand='nc %h %p'\n",
        "      ansible_ssh_common_args: -o proxyjump=NONE -o ProxyCommand='nc %h %p'\n",
    ] {
        assert_eq!(route(vars, ""), (command.clone(), vec![]), "{vars}");
        // ssh_config's jump is kept out, its ProxyCommand too (the
        // command line's came first).
        assert_eq!(
            route(vars, "Host esa01\n  ProxyJump j9\n  ProxyCommand cfg %h\n"),
            (command.clone(), vec![]),
            "{vars}"
        );
    }
    // Kept out of ssh_config's jump, `ProxyJump none` still lets its
    // ProxyCommand through, even written after that jump.
    assert_eq!(
        route(
            "      ansible_ssh_common_args: -o ProxyJump=none\n",
            "Host esa*\n  ProxyJump j9\nHost *\n  ProxyCommand cfg %h %p\n"
        ),
        (Some("cfg esa01 22".to_string()), vec![])
    );
}

#[test]
fn proxy_command_none_on_the_command_line_keeps_ssh_config_routes_out() {
    let none = "      ansible_ssh_common_args: -o ProxyCommand=none\n";
    for config in [
        "Host esa*\n  ProxyJump j9\n",
        "Host esa*\n  ProxyCommand nc-cfg %h %p\n",
        // Not "chains more than 8 deep": the jump is never followed.
        "Host *\n  ProxyJump j9\n",
    ] {
        assert_eq!(route(none, config), (None, vec![]), "{config}");
    }
    // Without it, `Host * / ProxyJump j9` makes j9's own ssh jump through
    // j9: OpenSSH's "jumphost loop via j9".
    let err = target("      {}\n", "Host *\n  ProxyJump j9\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("jumphost loop via j9"), "{err}");
}

#[test]
fn a_jump_host_that_is_the_destination_is_refused_as_ssh_refuses_it() {
    let with = |vars: &str| target(vars, "Host alias\n  HostName 10.0.0.9\n");
    for vars in [
        // The same name, port and user.
        "      ansible_host: 10.0.0.1\n      ansible_user: ops\n      ansible_ssh_common_args: -o ProxyJump=ops@10.0.0.1\n",
        "      ansible_host: 10.0.0.1\n      ansible_port: 2200\n      ansible_ssh_common_args: -J 10.0.0.1:2200\n",
        // The jump's user defaults to the destination's.
        "      ansible_host: 10.0.0.1\n      ansible_user: ops\n      ansible_ssh_common_args: -J 10.0.0.1:22\n",
        // Compared with the HostName ssh connects to.
        "      ansible_host: alias\n      ansible_ssh_common_args: -J 10.0.0.9\n",
    ] {
        let err = with(vars).unwrap_err().to_string();
        assert!(err.contains("jumphost loop via"), "{vars}: {err}");
    }
    for vars in [
        // Another user, another port, the name in capitals (ssh compares
        // it as written), the alias instead of its HostName.
        "      ansible_host: 10.0.0.1\n      ansible_user: ops\n      ansible_ssh_common_args: -J root@10.0.0.1\n",
        "      ansible_host: 10.0.0.1\n      ansible_ssh_common_args: -J 10.0.0.1:2200\n",
        "      ansible_host: bastion\n      ansible_ssh_common_args: -J BASTION\n",
        "      ansible_host: alias\n      ansible_ssh_common_args: -J alias\n",
        // A chain that comes back to a host further on: no ssh of it
        // jumps through its own destination.
        "      ansible_host: b\n      ansible_ssh_common_args: -J a,b,a\n",
    ] {
        assert!(with(vars).is_ok(), "{vars}");
    }
    // Each hop's ssh checks its own jump: `-J a,a` makes the second `a`
    // jump through itself.
    let err = with("      ansible_ssh_common_args: -J a,a\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("jumphost loop via a"), "{err}");
}
