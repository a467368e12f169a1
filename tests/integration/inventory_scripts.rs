//! Inventory scripts, vars-file names and the implicit localhost as
//! ansible-core 2.19.14 reads them (issue 25, attack b25: findings 1, 2,
//! 10 and 11, and a host list's `inventory_dir`), through the real
//! binary. The whole classes are compared with ansible-core by
//! `tests/inventories/script_shapes.py` (inventory_ansible.rs).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn estate(files: &[(&str, &str)]) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        if text.starts_with("#!") {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    dir
}

fn sshfleet(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sshfleet"))
        .current_dir(dir)
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The JSON printed (`--json` prints every host, also when one has an
/// error, and then exits 5).
fn json(dir: &Path, args: &[&str]) -> Value {
    let out = sshfleet(dir, args);
    assert!(
        matches!(out.status.code(), Some(0 | 5)),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?}: {e}: {}", String::from_utf8_lossy(&out.stderr)))
}

/// A group a script gives as a host's variables (`{"esa01": {...}}`):
/// ansible-core 2.19 does not trust those texts as templates, so
/// `ansible_host: "{{ '10.0.0.9' }}"` is that text (refused as an
/// address), never 10.0.0.9; `--list` writes it as ansible-inventory
/// does. A group's `vars` and `_meta.hostvars` are templated.
#[test]
fn a_short_form_groups_texts_are_never_templated() {
    let dir = estate(&[(
        "inv.sh",
        "#!/bin/sh\n[ \"$1\" = --list ] || { echo '{}'; exit 0; }\n\
         echo '{\"esa01\": {\"ansible_host\": \"{{ \\u002710.0.0.9\\u0027 }}\"}, \
         \"web\": {\"hosts\": [\"w1\"], \"vars\": {\"ansible_user\": \"{{ \\u0027ops\\u0027 }}\"}}, \
         \"_meta\": {\"hostvars\": {\"w1\": {\"ansible_port\": \"{{ 2200 + 2 }}\"}}}}'\n",
    )]);
    let hosts = json(
        dir.path(),
        &["inventory", "-F", "none", "-i", "inv.sh", "--json"],
    );
    let find = |name: &str| {
        hosts
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["host"] == name)
            .unwrap()
            .clone()
    };
    let esa = find("esa01");
    assert!(
        esa["error"]
            .as_str()
            .unwrap()
            .contains("`{{ '10.0.0.9' }}`"),
        "{esa}"
    );
    let w1 = find("w1");
    assert_eq!(w1["user"], "ops");
    assert_eq!(w1["port"], 2202);
    let list = json(
        dir.path(),
        &["inventory", "-F", "none", "-i", "inv.sh", "--list"],
    );
    assert_eq!(
        list["_meta"]["hostvars"]["esa01"]["ansible_host"],
        serde_json::json!({"__ansible_unsafe": "{{ '10.0.0.9' }}"})
    );
}

/// What ansible-core 2.19's script plugin refuses is refused, exit 5,
/// naming the script and the place: `--host` printing `null`,
/// `_meta.hostvars.h1: null`, a `_meta.profile` other than
/// `inventory_legacy`, `_meta` not an object or without `hostvars`.
#[test]
fn script_shapes_ansible_refuses_are_refused() {
    for (list, host, needle) in [
        (
            r#"{"web":{"hosts":["h1"]}}"#,
            "null",
            "`--host h1` is nothing",
        ),
        (
            r#"{"web":{"hosts":["h1"]},"_meta":{"hostvars":{"h1":null}}}"#,
            "{}",
            "`_meta.hostvars.h1` is nothing",
        ),
        (
            r#"{"web":{"hosts":["h1"]},"_meta":{"profile":5,"hostvars":{}}}"#,
            "{}",
            "`_meta.profile` is a number",
        ),
        (
            r#"{"web":{"hosts":["h1"]},"_meta":{"profile":"inventory_other","hostvars":{}}}"#,
            "{}",
            "`_meta.profile` is a string",
        ),
        (
            r#"{"web":{"hosts":["h1"]},"_meta":[]}"#,
            "{}",
            "`_meta` is a list",
        ),
        (
            r#"{"web":{"hosts":["h1"]},"_meta":{}}"#,
            "{}",
            "`_meta.hostvars` is missing",
        ),
    ] {
        let script = format!(
            "#!/bin/sh\nif [ \"$1\" = --list ]; then echo '{list}'; else echo '{host}'; fi\n"
        );
        let dir = estate(&[("inv.sh", &script)]);
        let out = sshfleet(dir.path(), &["inventory", "-F", "none", "-i", "inv.sh"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{list}: {err}");
        assert!(
            err.contains("inv.sh") && err.contains(needle) && err.contains("ansible-core 2.19"),
            "{list}: {err}"
        );
    }
}

/// A host or group named `/PATH` reads no `/PATH.yml` (ansible-core's
/// vars plugin skips such names); `../NAME` reads `NAME.yml` beside
/// `host_vars/`, as Ansible resolves it.
#[test]
fn a_name_starting_with_a_slash_reads_no_vars_file_from_anywhere() {
    let dir = estate(&[
        ("leak/hv.yml", "ansible_user: leaked\n"),
        ("leak/gv.yml", "ansible_port: 2999\n"),
        ("inv/host_vars/.keep", ""),
        ("inv/group_vars/.keep", ""),
        ("inv/hvx.yml", "ansible_user: beside\n"),
    ]);
    let leak = dir.path().join("leak").display().to_string();
    let hosts = format!(
        "all:\n  children:\n    web:\n      hosts:\n        {leak}/hv:\n        ../hvx:\n    \"{leak}/gv\":\n      hosts:\n        g1:\n"
    );
    std::fs::write(dir.path().join("inv/hosts.yml"), hosts).unwrap();
    let list = json(
        dir.path(),
        &["inventory", "-F", "none", "-i", "inv/hosts.yml", "--list"],
    );
    let vars = &list["_meta"]["hostvars"];
    assert!(vars.get(format!("{leak}/hv")).is_none(), "{list}");
    assert!(vars.get("g1").is_none(), "{list}");
    assert_eq!(vars["../hvx"]["ansible_user"], "beside");
}

/// `hostvars['localhost']` reaches Ansible's implicit localhost where no
/// source names one (`all`'s variables, `ansible_connection: local`,
/// `host_vars/localhost`), and `'localhost' in hostvars` is true; a host
/// list's `inventory_dir` is the text `None` (ansible-core 2.19.14 gives
/// `ops`, 2222 and `None`, 2000 for these files).
#[test]
fn implicit_localhost_and_a_host_lists_inventory_dir_as_ansible() {
    let dir = estate(&[
        (
            "inv.yml",
            "all:\n  vars:\n    jump_user: ops\n  hosts:\n    esa01:\n      \
             ansible_user: \"{{ hostvars['localhost'].jump_user | default('admin') }}-{{ hostvars['localhost'].ansible_connection }}-{{ hostvars['::1'].lv }}\"\n      \
             ansible_port: \"{{ 2222 if 'localhost' in hostvars else 22 }}\"\n",
        ),
        ("host_vars/localhost.yml", "lv: fromfile\n"),
        (
            "vars.yml",
            "all:\n  vars:\n    ansible_user: \"u{{ inventory_dir }}x{{ inventory_dir is none }}\"\n    \
             ansible_port: \"{{ 2000 if inventory_dir else 3000 }}\"\n",
        ),
    ]);
    let hosts = json(
        dir.path(),
        &["inventory", "-F", "none", "-i", "inv.yml", "--json"],
    );
    assert_eq!(hosts[0]["user"], "ops-local-fromfile", "{hosts}");
    assert_eq!(hosts[0]["port"], 2222);
    let hosts = json(
        dir.path(),
        &[
            "inventory",
            "-F",
            "none",
            "-i",
            "h9,",
            "-i",
            "vars.yml",
            "--json",
        ],
    );
    assert_eq!(hosts[0]["user"], "uNonexFalse", "{hosts}");
    assert_eq!(hosts[0]["port"], 2000);
}
