//! One test per class of inventory value that once differed from
//! ansible-core 2.19 (issue 25), through the real binary: each expected
//! value is what ansible-core 2.19.14 computes for the same files; each
//! refusal is exit 5 naming the file, the line and the variable.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

/// Writes `files` (path, text) under a new directory.
fn estate(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
    }
    dir
}

fn sshfleet(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sshfleet"));
    cmd.current_dir(dir)
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("ANSIBLE_VAULT_PASSWORD_FILE")
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// `inventory -i SOURCE -F none --json ARGS`: each host's entry.
fn resolve(dir: &Path, source: &str, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["inventory", "-i", source, "-F", "none", "--json"];
    all.extend(args);
    let out = sshfleet(dir, &all, &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{all:?}: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    match serde_json::from_str(&text).unwrap() {
        Value::Array(hosts) => hosts,
        other => panic!("{other}"),
    }
}

fn host<'a>(hosts: &'a [Value], name: &str) -> &'a Value {
    hosts
        .iter()
        .find(|h| h["host"] == name)
        .unwrap_or_else(|| panic!("no host {name} in {hosts:?}"))
}

/// The refusal: exit 5 and the error text.
fn refusal(dir: &Path, args: &[&str]) -> String {
    let out = sshfleet(dir, args, &[]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let text = format!("{}{err}", String::from_utf8_lossy(&out.stdout));
    assert_eq!(out.status.code(), Some(5), "{args:?}: {text}");
    text
}

#[test]
fn ini_values_are_read_with_pythons_quoting_comments_and_literals() {
    let dir = estate(&[(
        "hosts",
        "[esa]\nesa01 ansible_user='ops'   # the night shift\nesa02 ansible_port=2202 # comment\n\
         [esa:vars]\nsite = 'lon'  # London\ncount = 5 # five\nmixed = 5 ; not a comment\nesa_ids = 'a' 'b'\n",
    )]);
    let hosts = resolve(dir.path(), "hosts", &[]);
    assert_eq!(host(&hosts, "esa01")["user"], "ops");
    assert_eq!(host(&hosts, "esa02")["port"], 2202);
    let out = sshfleet(dir.path(), &["inventory", "-i", "hosts", "--list"], &[]);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let vars = &list["_meta"]["hostvars"]["esa01"];
    assert_eq!(vars["site"], "lon");
    assert_eq!(vars["count"], 5);
    assert_eq!(vars["mixed"], "5 ; not a comment");
    assert_eq!(vars["esa_ids"], "ab");
}

#[test]
fn another_hosts_template_is_rendered_lazily_in_its_own_scope() {
    let dir = estate(&[(
        "hosts",
        "[bastions]\nbastion01.example.com addr='{{ inventory_hostname_short }}.mgmt.example.com'\n\
         [esa]\n10.1.2.3\n\
         [esa:vars]\nansible_host=\"{{ hostvars[groups['bastions'][0]].addr }}\"\n",
    )]);
    let hosts = resolve(dir.path(), "hosts", &[]);
    // Ansible: bastion01's `addr`, rendered as bastion01's, not as 10.1.2.3's.
    assert_eq!(
        host(&hosts, "10.1.2.3")["address"],
        "bastion01.mgmt.example.com"
    );
}

#[test]
fn magic_variables_are_ansibles() {
    let dir = estate(&[
        (
            "inv/hosts",
            "[web]\nesa01.example.com\n10.1.2.3\n[db]\nesa01.example.com\n10.1.2.3\n",
        ),
        (
            "inv/group_vars/all.yml",
            "ansible_user: \"{{ group_names | join('-') }}-{{ inventory_hostname_short }}\"\n\
             ansible_private_key_file: \"{{ inventory_dir }}/keys/{{ inventory_file | basename }}\"\n",
        ),
    ]);
    let hosts = resolve(dir.path(), "inv/hosts", &[]);
    let inv = dir.path().join("inv").canonicalize().unwrap();
    // group_names sorted; an IP address is its own short name.
    assert_eq!(host(&hosts, "esa01.example.com")["user"], "db-web-esa01");
    assert_eq!(host(&hosts, "10.1.2.3")["user"], "db-web-10.1.2.3");
    assert_eq!(
        host(&hosts, "10.1.2.3")["key_files"][0],
        inv.join("keys/hosts").display().to_string()
    );
}

#[test]
fn jinja_strings_are_raw_and_regex_replace_reads_python_backreferences() {
    let dir = estate(&[(
        "hosts.yml",
        r#"all:
  hosts:
    esa01.example.com:
      ansible_host: "{{ inventory_hostname | regex_replace('^(?P<name>[a-z]+)(\\d+)', '\\g<name>-\\2') }}"
      ansible_user: "{{ inventory_hostname_short | regex_replace('^esa(\\d+)$', 'ops\\1') }}"
      ansible_port: "{{ 'a\\tb' | length + 2000 }}"
"#,
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    let h = host(&hosts, "esa01.example.com");
    assert_eq!(h["address"], "esa-01.example.com");
    assert_eq!(h["user"], "ops01");
    // `'a\tb'` is four characters in 2.19 (no escape processing).
    assert_eq!(h["port"], 2004);
}

#[test]
fn python_string_methods_teams_use() {
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    ESA01.example.com:\n      \
         ansible_user: \"{{ inventory_hostname.split('.')[0].lower().replace('esa', 'ops-') }}\"\n      \
         ansible_host: \"{{ ' mgmt.example.com '.strip() if inventory_hostname.startswith('ESA') else 'x' }}\"\n",
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    let h = host(&hosts, "ESA01.example.com");
    assert_eq!(h["user"], "ops-01");
    assert_eq!(h["address"], "mgmt.example.com");
}

#[test]
fn a_template_outside_the_supported_tables_is_refused_with_file_line_and_variable() {
    for (template, needle) in [
        ("{{ site | to_json }}", "filter `to_json` is not supported"),
        ("{{ site is match('l') }}", "test `match` is not supported"),
        ("{{ site.title() }}", "method `title` is not supported"),
        (
            "{{ lookup('pipe', 'id') }}",
            "lookup plugin `pipe` is not supported",
        ),
        (
            "{% for x in [1] %}{{ x }}{% endfor %}",
            "statement `for` is not supported",
        ),
        ("{{ playbook_dir }}", "`playbook_dir` is a play variable"),
    ] {
        let dir = estate(&[(
            "hosts.yml",
            &format!(
                "all:\n  vars:\n    site: lon\n  hosts:\n    esa01:\n      ansible_user: \"{template}\"\n"
            ),
        )]);
        let text = refusal(dir.path(), &["inventory", "-i", "hosts.yml", "-F", "none"]);
        assert!(text.contains("hosts.yml:6"), "{template}: {text}");
        assert!(text.contains("`ansible_user`"), "{template}: {text}");
        assert!(text.contains(needle), "{template}: {text}");
    }
}

#[test]
fn lookup_env_with_a_default_as_ansible() {
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    esa01:\n      \
         ansible_user: \"{{ lookup('env', 'SSHFLEET_TEST_SURELY_UNSET', default='fallback') }}\"\n      \
         ansible_host: \"{{ lookup('env', 'SSHFLEET_TEST_HOST') }}\"\n",
    )]);
    let out = sshfleet(
        dir.path(),
        &["inventory", "-i", "hosts.yml", "-F", "none", "--json"],
        &[("SSHFLEET_TEST_HOST", "10.9.8.7")],
    );
    let hosts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(host(&hosts, "esa01")["user"], "fallback");
    assert_eq!(host(&hosts, "esa01")["address"], "10.9.8.7");
}

#[test]
fn ipv6_host_forms_as_ansibles_parse_address() {
    let dir = estate(&[(
        "hosts",
        "[v6]\n[2001:db8::5]:2230\n2001:db8::9\nesa01:2201 ansible_host=2001:db8::8\n",
    )]);
    let hosts = resolve(dir.path(), "hosts", &[]);
    assert_eq!(host(&hosts, "2001:db8::5")["port"], 2230);
    assert_eq!(host(&hosts, "2001:db8::9")["port"], 22);
    assert_eq!(host(&hosts, "esa01")["address"], "2001:db8::8");
    assert_eq!(host(&hosts, "esa01")["port"], 2201);
}

#[test]
fn proxycommand_in_the_ssh_arguments_is_the_route() {
    let dir = estate(&[(
        "hosts",
        "[esa]\nesa01 ansible_host=10.0.0.5\n[esa:vars]\n\
         ansible_ssh_common_args='-o ProxyCommand=\"ssh -W %h:%p -q jump@bastion\"'\n",
    )]);
    let hosts = resolve(dir.path(), "hosts", &[]);
    assert_eq!(
        host(&hosts, "esa01")["proxy_command"],
        "ssh -W 10.0.0.5:22 -q jump@bastion"
    );
    // A word ssh would take for the destination is refused, not dropped.
    let dir = estate(&[(
        "hosts",
        "[esa]\nesa01\n[esa:vars]\nansible_ssh_extra_args='-o ConnectTimeout=5 # note'\n",
    )]);
    let text = refusal(dir.path(), &["inventory", "-i", "hosts", "-F", "none"]);
    assert!(text.contains("ansible_ssh_extra_args"), "{text}");
}

#[test]
fn a_clear_text_password_is_used_with_a_warning() {
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    esa01:\n      ansible_password: s3cret-pw\n",
    )]);
    let out = sshfleet(
        dir.path(),
        &["inventory", "-i", "hosts.yml", "-F", "none", "--json"],
        &[],
    );
    let hosts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(host(&hosts, "esa01")["password"], true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("hosts.yml:4") && err.contains("clear text"),
        "{err}"
    );
    assert!(!err.contains("s3cret-pw"), "{err}");
}

#[test]
fn a_subscript_out_of_range_stops_with_ansibles_error() {
    let dir = estate(&[("hosts", "[web]\nw1\nw2\n")]);
    let text = refusal(
        dir.path(),
        &["inventory", "-i", "hosts", "-F", "none", "-l", "web[5],w1"],
    );
    assert!(
        text.contains("No hosts matched the subscripted pattern 'web[5]'"),
        "{text}"
    );
    let hosts = resolve(dir.path(), "hosts", &["-l", "web[-1]"]);
    assert_eq!(hosts.len(), 1);
    assert_eq!(hosts[0]["host"], "w2");
}

#[test]
fn yaml_merge_keys_and_string_sections_as_ansible() {
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  vars:\n    a: &a {ansible_user: ua, ansible_port: 2001}\n    b: &b {ansible_user: ub}\n  \
         children:\n    web:\n      hosts: esa01\n    db:\n      children: web\n  hosts:\n    esa02:\n      \
         <<: [*a, *b]\n    esa03:\n      <<: *b\n      ansible_user: own\n",
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    assert_eq!(host(&hosts, "esa02")["user"], "ua");
    assert_eq!(host(&hosts, "esa02")["port"], 2001);
    assert_eq!(host(&hosts, "esa03")["user"], "own");
    let esa01 = host(&hosts, "esa01");
    assert_eq!(esa01["groups"], serde_json::json!(["all", "db", "web"]));
}

#[test]
fn scripts_json_vault_values_and_meta_as_ansible() {
    let vault = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inventories/vault/secret.vault"),
    )
    .unwrap();
    let output = serde_json::json!({
        "esa": {"hosts": ["esa01"], "vars": {"ansible_user": {"__ansible_vault": vault}}},
        "_meta": {"hostvars": {"esa01": {
            "ansible_port": "{{ 2202 if ansible_user == 's3cret-pw' else 1 }}",
        }}},
    });
    let script = format!("#!/bin/sh\ncat <<'EOF'\n{output}\nEOF\n");
    let dir = estate(&[("inv.sh", &script), ("vault-pass", "test-vault-password\n")]);
    let path = dir.path().join("inv.sh");
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&path, perms).unwrap();
    // Named without ./: the file, never a program on PATH.
    let hosts = resolve(
        dir.path(),
        "inv.sh",
        &["--vault-password-file", "vault-pass"],
    );
    // The vault-sourced user is masked (docs/SECURITY.md I4); the port
    // derived from it says it decrypted to `s3cret-pw`.
    assert_eq!(host(&hosts, "esa01")["user"], "***");
    assert_eq!(host(&hosts, "esa01")["port"], 2202);
    let bad = serde_json::json!({"esa": {"hosts": ["esa01"]}, "_meta": {"hostvars": ["esa01"]}});
    std::fs::write(&path, format!("#!/bin/sh\necho '{bad}'\n")).unwrap();
    let text = refusal(dir.path(), &["inventory", "-i", "inv.sh", "-F", "none"]);
    assert!(text.contains("_meta.hostvars"), "{text}");
}

#[test]
fn an_inventory_ansible_refuses_to_parse_is_refused() {
    let dir = estate(&[("hosts", "[web]\nw1 ansible_port=22 ; trailing\n")]);
    let text = refusal(dir.path(), &["inventory", "-i", "hosts", "-F", "none"]);
    assert!(
        text.contains("hosts:2") && text.contains("key=value"),
        "{text}"
    );
}

#[test]
fn playbook_variables_from_the_inventory_are_rendered() {
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  vars:\n    minutes: 9\n  hosts:\n    esa01:\n      update_timeout: \"{{ minutes }}x\"\n",
    )]);
    // Rendered before use: the error quotes `9x`, not the template.
    let text = refusal(
        dir.path(),
        &[
            "run",
            "esa-ecupdate",
            "-i",
            "hosts.yml",
            "-F",
            "none",
            "--no-progress",
        ],
    );
    assert!(
        text.contains("update_timeout") && text.contains("`9x`"),
        "{text}"
    );
}

#[test]
fn several_vault_ids_as_ansible_and_a_missing_label_is_named() {
    let fixtures =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/fixtures/inventory");
    // vault-id-prod.yml: `ansible-vault encrypt_string --vault-id prod@...`
    // (format 1.2, label `prod`); ansible-core 2.19.14 reads it as `ops-prod`.
    // A vault-sourced value is a secret, masked wherever it is shown
    // (docs/SECURITY.md I4): the port the file derives from it says
    // what it decrypted to.
    let derived = tempfile::tempdir().unwrap();
    for file in ["vault-id-dev-pass", "vault-id-prod-pass"] {
        std::fs::copy(fixtures.join(file), derived.path().join(file)).unwrap();
    }
    let text = std::fs::read_to_string(fixtures.join("vault-id-prod.yml")).unwrap();
    std::fs::write(
        derived.path().join("vault-id-prod.yml"),
        format!(
            "{text}      ansible_port: \"{{{{ 2200 if ansible_user == 'ops-prod' else 1 }}}}\"\n"
        ),
    )
    .unwrap();
    let both = resolve(
        derived.path(),
        "vault-id-prod.yml",
        &[
            "--vault-id",
            "dev@vault-id-dev-pass",
            "--vault-id",
            "prod@vault-id-prod-pass",
        ],
    );
    assert_eq!(host(&both, "esa01")["user"], "***");
    assert_eq!(host(&both, "esa01")["port"], 2200);
    let text = refusal(
        &fixtures,
        &[
            "inventory",
            "-i",
            "vault-id-prod.yml",
            "-F",
            "none",
            "--vault-id",
            "dev@vault-id-dev-pass",
        ],
    );
    assert!(text.contains("vault id `prod`"), "{text}");
    assert!(text.contains("vault-id-prod.yml:4"), "{text}");
}
