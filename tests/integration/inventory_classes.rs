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

/// Names ansible-core 2.19 gives every template at play time (issue 25,
/// src/inventory/magic.rs): where the value depends on the play or the
/// run, the template is refused, also under `default`, `is defined`,
/// `vars[...]` or `hostvars[...]`, rather than take the default where
/// Ansible has a value; `vars['name']` is the host's variable, and a
/// magic variable wins over a host variable of its name, as in Ansible.
#[test]
fn play_variables_are_refused_even_under_default_and_vars_is_the_hosts() {
    for (template, name) in [
        ("{{ vars['mgmt_ip'] | default(inventory_hostname) }}", None),
        (
            "{{ 'admin' if ansible_forks | default(0) > 1 else 'ops' }}",
            Some("ansible_forks"),
        ),
        (
            "{{ vars['ansible_check_mode'] | default(false) }}",
            Some("ansible_check_mode"),
        ),
        (
            "{{ 'x' if ansible_play_hosts is defined else 'y' }}",
            Some("ansible_play_hosts"),
        ),
        (
            "{{ 'x' if role_names is undefined else 'y' }}",
            Some("role_names"),
        ),
        (
            "{{ hostvars['esa01'].ansible_version | default('v') }}",
            Some("ansible_version"),
        ),
        (
            "{{ hostvars[inventory_hostname]['omit'] | default('o') }}",
            Some("omit"),
        ),
        ("{{ environment | default('prod') }}", Some("environment")),
        ("{{ indirect | default('i') }}", Some("ansible_verbosity")),
        ("{{ 'mgmt_ip' in vars }}", Some("vars")),
        // A gathered fact (any `ansible_*` name that is not a setting).
        (
            "{{ ansible_default_ipv4.address | default(inventory_hostname) }}",
            Some("ansible_default_ipv4"),
        ),
        (
            "{{ facter_ipaddress | default('f') }}",
            Some("facter_ipaddress"),
        ),
        // A setting the inventory does not set is undefined, as in Ansible.
        ("{{ ansible_ssh_host | default(mgmt_ip) }}", None),
    ] {
        let dir = estate(&[(
            "hosts.yml",
            &format!(
                "all:\n  hosts:\n    esa01:\n      mgmt_ip: 10.9.9.9\n      inventory_hostname: bogus\n      \
                 indirect: \"{{{{ ansible_verbosity }}}}\"\n      ansible_host: \"{template}\"\n"
            ),
        )]);
        let Some(name) = name else {
            let hosts = resolve(dir.path(), "hosts.yml", &[]);
            assert_eq!(host(&hosts, "esa01")["address"], "10.9.9.9", "{template}");
            continue;
        };
        let text = refusal(dir.path(), &["inventory", "-i", "hosts.yml", "-F", "none"]);
        assert!(text.contains("hosts.yml:7"), "{template}: {text}");
        assert!(text.contains("`ansible_host`"), "{template}: {text}");
        assert!(text.contains(&format!("`{name}`")), "{template}: {text}");
        let why = if name == "vars" {
            "sshfleet reads `vars` only as"
        } else {
            "depends on the play/run, sshfleet does not compute it"
        };
        assert!(text.contains(why), "{template}: {text}");
    }
    // A magic variable wins over a host variable of the same name.
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    esa01:\n      inventory_hostname: bogus\n      ansible_user: \"{{ vars.inventory_hostname }}\"\n",
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    assert_eq!(host(&hosts, "esa01")["user"], "esa01");
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
        ("{{ 022 }}", "the number `022` is not one number to Jinja2"),
        ("{{ 5. }}", "the number `5.` is not one number to Jinja2"),
        ("{{ ['ops', 'x'] | join(none) }}", "a `none` argument"),
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
        "all:\n  vars:\n    a: &a {ansible_user: ua, ansible_port: 2001}\n    b: &b {ansible_user: ua, x_b: 1}\n  \
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
    // The vault-sourced user is masked (docs/SECURITY.md I4), and so is
    // the port chosen by a condition on it: it would tell the secret.
    assert_eq!(host(&hosts, "esa01")["user"], "***");
    assert_eq!(host(&hosts, "esa01")["port"], "***");
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
    // An unquoted timestamp is a datetime to Ansible: its text is
    // Python's str() of it, not the text as written.
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    esa01:\n      update_timeout: 2001-12-14 21:59:43.10 -5\n",
    )]);
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
        text.contains("`2001-12-14 21:59:43.100000-05:00`"),
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
    // (docs/SECURITY.md I4), and so is the port derived from it.
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
    // Chosen by a condition on the secret: masked (docs/SECURITY.md I4).
    assert_eq!(host(&both, "esa01")["port"], "***");
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

/// A few bytes of ranges must not become hours of work or millions of
/// hosts (docs/SECURITY.md, I3): two full ranges in one group are read
/// (as Ansible reads them), and ranges beyond the inventory's bound of a
/// million hosts are refused at the line that crosses it.
#[test]
fn ranges_are_read_in_linear_time_and_the_hosts_are_bounded() {
    let dir = estate(&[(
        "two.ini",
        "[g]\nh00-[00000:99999]\nh01-[00000:99999]\nh00-00007\n",
    )]);
    let hosts = resolve(dir.path(), "two.ini", &["--pattern", "h01-99999"]);
    assert_eq!(hosts.len(), 1, "{hosts:?}");
    let twice = resolve(dir.path(), "two.ini", &["--pattern", "h00-00007"]);
    assert_eq!(twice.len(), 1, "a host named twice is one host: {twice:?}");

    let mut many = String::from("[g]\n");
    for i in 0..11 {
        many.push_str(&format!("h{i}-[000000:099999]\n"));
    }
    let dir = estate(&[("many.ini", &many)]);
    let message = refusal(dir.path(), &["inventory", "-i", "many.ini", "-F", "none"]);
    assert!(message.contains("many.ini:12"), "{message}");
    assert!(message.contains("more than 1000000 hosts"), "{message}");
}

/// YAML that ansible-core 2.19 reads one way and PyYAML another, or not at
/// all, is refused naming the file and line: a second document (Ansible:
/// "expected a single document"), and a key that two mappings of one `<<`
/// list give different values (Ansible warns of a duplicate key and keeps
/// the first or the last, depending on the key). Agreeing merges are read.
#[test]
fn yaml_that_ansible_does_not_read_as_one_mapping_is_refused() {
    let dir = estate(&[
        (
            "two-docs.yml",
            "all:\n  hosts:\n    esa01:\n---\nall:\n  hosts:\n    esa02:\n",
        ),
        (
            "merged.yml",
            "all:\n  vars:\n    x_site: &site {ansible_user: siteadmin}\n    \
             x_base: &base {ansible_user: ops, ansible_port: 2222}\n  hosts:\n    \
             esa01: {<<: [*site, *base]}\n",
        ),
        (
            "agreeing.yml",
            "all:\n  vars:\n    x_site: &site {ansible_user: ops}\n    \
             x_base: &base {ansible_user: ops, ansible_port: 2222}\n  hosts:\n    \
             esa01: {<<: [*site, *base]}\n    esa02: {<<: [*site, *base], ansible_user: me}\n",
        ),
        ("gv/hosts.yml", "all:\n  hosts:\n    esa01:\n"),
        (
            "gv/group_vars/all.yml",
            "ansible_user: ops\n---\nansible_port: 2200\n",
        ),
        ("ranges.ini", "esa01 ansible_port=-(-2222)\n"),
    ]);
    let message = refusal(
        dir.path(),
        &["inventory", "-i", "two-docs.yml", "-F", "none"],
    );
    assert!(message.contains("two-docs.yml:4"), "{message}");
    assert!(message.contains("single document"), "{message}");
    let message = refusal(dir.path(), &["inventory", "-i", "merged.yml", "-F", "none"]);
    assert!(message.contains("merged.yml:6"), "{message}");
    assert!(message.contains("`ansible_user`"), "{message}");
    let hosts = resolve(dir.path(), "agreeing.yml", &[]);
    assert_eq!(host(&hosts, "esa01")["user"], "ops");
    assert_eq!(host(&hosts, "esa01")["port"], 2222);
    assert_eq!(host(&hosts, "esa02")["user"], "me");
    let message = refusal(dir.path(), &["inventory", "-i", "gv", "-F", "none"]);
    assert!(message.contains("all.yml:2"), "{message}");
    // Ansible's literal_eval keeps `-(-2222)` as text: not a port.
    let message = refusal(dir.path(), &["inventory", "-i", "ranges.ini", "-F", "none"]);
    assert!(message.contains("-(-2222)"), "{message}");
}

/// Each connection type reads its own plugin's names: paramiko its
/// `ansible_paramiko_*` ones (later wins), network_cli those of the plugin
/// its `ansible_network_cli_ssh_type` names, computed only for paramiko
/// (`auto` depends on what the controller has installed), `local` refused.
#[test]
fn each_connection_type_reads_its_plugins_names_or_is_refused() {
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  vars:\n    ansible_network_os: cisco.ios.ios\n    ansible_host: 192.0.2.1\n    ansible_paramiko_host: 192.0.2.2\n    ansible_paramiko_user: pu\n  hosts:\n    para:\n      ansible_connection: ansible.builtin.paramiko_ssh\n    cli:\n      ansible_connection: ansible.netcommon.network_cli\n      ansible_network_cli_ssh_type: paramiko\n    auto:\n      ansible_connection: network_cli\n    plain:\n      ansible_connection: smart\n    here:\n      ansible_connection: local\n",
    )]);
    // Hosts refused: exit 5, every host still listed.
    let out = sshfleet(
        dir.path(),
        &["inventory", "-i", "hosts.yml", "-F", "none", "--json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(5));
    let hosts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for name in ["para", "cli"] {
        let h = host(&hosts, name);
        assert_eq!(
            (h["address"].as_str(), h["user"].as_str()),
            (Some("192.0.2.2"), Some("pu")),
            "{h}"
        );
    }
    assert_eq!(host(&hosts, "plain")["address"], "192.0.2.1");
    let auto = host(&hosts, "auto")["error"].as_str().unwrap().to_string();
    assert!(
        auto.contains("hosts.yml:14") && auto.contains("ansible_network_cli_ssh_type: paramiko"),
        "{auto}"
    );
    let here = host(&hosts, "here")["error"].as_str().unwrap().to_string();
    assert!(here.contains("`local`"), "{here}");
}

/// Values become text as Python's `str()` (`True`, `None`, `1e+20`, dicts
/// in their order), undefined chains (`.x` of undefined is undefined, so
/// `default` applies), and a template that is one expression keeps its
/// type: each as ansible-core 2.19.14 computes it for these files.
#[test]
fn values_become_text_as_python_and_undefined_chains_as_ansible() {
    let dir = estate(&[(
        "hosts.yml",
        r#"all:
  vars:
    flag: yes
    order: {b: 1, a: 2.5}
  hosts:
    esa01:
      ansible_user: "{{ 'u' ~ flag ~ none ~ 1e20 ~ (order | string | replace(\"'\", '') | replace('{', '') | replace('}', '')) }}"
      ansible_host: "{{ hostvars['missing'].ansible_host | default(nope.x.y | default('10.0.0.9')) }}"
      ansible_port: "{{ 2200 + (order.c is defined) | int }}"
    esa02:
      ansible_user: "{{ [flag, 1.5e-7] | join(',') }}{{ order['c'] | default('-d') }}"
      ansible_port: "{{ 22 }}"
"#,
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    let one = host(&hosts, "esa01");
    // (quotes and braces taken out: ssh refuses a user with them)
    assert_eq!(one["user"], "uTrueNone1e+20b: 1, a: 2.5");
    assert_eq!(one["address"], "10.0.0.9");
    assert_eq!(one["port"], 2200);
    let two = host(&hosts, "esa02");
    assert_eq!(two["user"], "True,1.5e-07-d");
    assert_eq!(two["port"], 22);
}

/// A float that is not finite (YAML `.inf`, `.nan`) is kept by Ansible as
/// a float; sshfleet refuses it wherever it is a value (a connection or a
/// playbook variable), and a literal beyond a float, which Ansible fails
/// on: exit 5 naming file, line and variable. Among text it prints as
/// Python does (`inf`).
#[test]
fn floats_that_are_not_finite_are_refused_as_values_and_print_as_python() {
    for (vars, var, line, needle) in [
        (
            "      big: .inf\n      ansible_port: \"{{ big }}\"\n",
            "ansible_port",
            7,
            "float `inf`",
        ),
        (
            "      ansible_host: \"{{ 1e400 }}\"\n",
            "ansible_host",
            6,
            "`1e400` is beyond a float",
        ),
        (
            "      update_timeout: .nan\n",
            "update_timeout",
            6,
            "float `nan`",
        ),
    ] {
        let dir = estate(&[(
            "hosts.yml",
            &format!("all:\n  vars:\n    site: lon\n  hosts:\n    esa01:\n{vars}"),
        )]);
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
            text.contains(&format!("hosts.yml:{line}")),
            "{vars}: {text}"
        );
        assert!(text.contains(&format!("`{var}`")), "{vars}: {text}");
        assert!(text.contains(needle), "{vars}: {text}");
    }
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    esa01:\n      big: .inf\n      ansible_user: \"u{{ big }}{{ -big }}\"\n",
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    assert_eq!(host(&hosts, "esa01")["user"], "uinf-inf");
}

/// Numbers in YAML and JSON become a connection value's text as Python's
/// `str()` (ansible-core 2.19.14: `1e-05`, `2.5e-05`, `100000.0`, `1e-07`,
/// `22.0`); `._5` is text; a NUL fails the host; a core tag PyYAML
/// constructs from text its plain form does not read, and a plain `=`
/// (the whole file fails in Ansible), are refused with file and line.
#[test]
fn numbers_become_text_as_python_and_pyyaml_only_forms_are_refused() {
    let dir = estate(&[
        (
            "hosts.yml",
            "all:\n  hosts:\n    f01: {ansible_user: 0.00001}\n    f13: {ansible_user: 2.5e-5}\n    y20: {ansible_user: ._5}\n    y43: {ansible_user: !!float '22'}\n    m17: {ansible_user: \"a\\0\"}\n",
        ),
        (
            "f.json",
            r#"{"all": {"hosts": {"j1": {"ansible_user": 0.00001}, "j2": {"ansible_user": 1e-7}, "j3": {"ansible_user": 1E5}}}}"#,
        ),
        (
            "tag.yml",
            "all:\n  hosts:\n    y75:\n      ansible_user: !!int '0o26'\n",
        ),
        ("eq.yml", "all:\n  hosts:\n    q:\n      ansible_user: =\n"),
    ]);
    let hosts = resolve(dir.path(), "f.json", &[]);
    for (name, user) in [("j1", "1e-05"), ("j2", "1e-07"), ("j3", "100000.0")] {
        assert_eq!(host(&hosts, name)["user"], user, "{name}");
    }
    let out = sshfleet(
        dir.path(),
        &["inventory", "-i", "hosts.yml", "-F", "none", "--json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(5));
    let hosts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    for (name, user) in [
        ("f01", "1e-05"),
        ("f13", "2.5e-05"),
        ("y20", "._5"),
        ("y43", "22.0"),
    ] {
        assert_eq!(host(&hosts, name)["user"], user, "{name}");
    }
    let nul = host(&hosts, "m17")["error"].as_str().unwrap().to_string();
    assert!(
        nul.contains("hosts.yml:7: host m17: `ansible_user` holds a NUL"),
        "{nul}"
    );
    let tag = refusal(dir.path(), &["inventory", "-i", "tag.yml", "--json"]);
    assert!(tag.contains("tag.yml:4: `!!int \"0o26\"`"), "{tag}");
    let eq = refusal(dir.path(), &["inventory", "-i", "eq.yml", "--json"]);
    assert!(eq.contains("eq.yml:4: a plain `=`"), "{eq}");
}

/// Compared with ansible-core 2.19.14: `and`/`or` of literals give back
/// the operand (`'' and 'x'` is `''`), and a key file's `~user` is that
/// user's passwd home (`os.path.expanduser`; an unknown user as written).
#[test]
fn and_or_operands_and_key_file_tilde_user_as_ansible() {
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    esa01:\n      ansible_user: \"{{ 'u' ~ ('' and 'x') }}\"\n      ansible_private_key_file: \"~root/.ssh/fleet_key\"\n    esa02:\n      ansible_user: \"{{ 'u' ~ (none and 'x') }}\"\n      ansible_port: \"{{ 2200 + (0 and 5) }}\"\n      ansible_ssh_private_key_file: \"~no_such_user_zz/k\"\n",
    )]);
    let out = sshfleet(
        dir.path(),
        &["inventory", "-i", "hosts.yml", "-F", "none", "--json"],
        &[],
    );
    assert_eq!(out.status.code(), Some(5));
    let hosts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let (one, two) = (host(&hosts, "esa01"), host(&hosts, "esa02"));
    assert_eq!(one["user"], "u");
    assert_eq!(one["key_files"][0], "/root/.ssh/fleet_key");
    // Ansible's expanduser keeps `~no_such_user_zz/k`; ssh, given it as
    // `-o IdentityFile="..."`, stops at it (tilde_expand_filename: no
    // such user): refused, as ssh refuses it.
    let error = two["error"].as_str().unwrap_or_default();
    assert!(error.contains("no user `no_such_user_zz`"), "{two}");
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    esa02:\n      ansible_user: \"{{ 'u' ~ (none and 'x') }}\"\n      ansible_port: \"{{ 2200 + (0 and 5) }}\"\n",
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    let two = host(&hosts, "esa02");
    assert_eq!(two["user"], "uNone");
    assert_eq!(two["port"], 2200);
}

/// Where Ansible's own `groups[...]` order follows its hash seed (two
/// subgroups of one level bring new subgroups), reading that group is
/// refused; a group whose order is fixed is read as Ansible lists it.
#[test]
fn groups_whose_order_ansible_does_not_fix_are_refused() {
    let inventory = "all:\n  children:\n    prod:\n      children:\n        web:\n          hosts:\n            w1:\n    staging:\n      children:\n        web2:\n          hosts:\n            w2:\n  hosts:\n    esa01:\n      ansible_host: \"{{ GROUP }}\"\n";
    let dir = estate(&[("hosts.yml", &inventory.replace("GROUP", "groups['all'][0]"))]);
    let text = refusal(dir.path(), &["inventory", "-i", "hosts.yml", "-F", "none"]);
    assert!(text.contains("`groups['all']`"), "{text}");
    assert!(text.contains("varies from run to run"), "{text}");
    let dir = estate(&[(
        "hosts.yml",
        &inventory.replace(
            "GROUP",
            "groups['prod'][0] ~ '.' ~ (groups['all'] is defined)",
        ),
    )]);
    let text = refusal(dir.path(), &["inventory", "-i", "hosts.yml", "-F", "none"]);
    assert!(text.contains("`groups['all']`"), "{text}");
    let dir = estate(&[(
        "hosts.yml",
        &inventory.replace("GROUP", "groups['prod'][0]"),
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    assert_eq!(host(&hosts, "esa01")["address"], "w1");
}

/// Mapping keys that are not text (issue 25): Python keeps `1` and `'1'`
/// apart and `1`, `1.0` and `true` as one key, which sshfleet does not
/// reproduce, so each such key is refused at its line, naming it, in an
/// inventory, a vars file, a merged mapping and an INI literal; a quoted
/// key is the text Ansible reads (`{{ users['1'] }}` is `strkey`).
#[test]
fn mapping_keys_that_are_not_text_are_refused_at_their_line() {
    for (file, text, line, key) in [
        (
            "inv.yml",
            "all:\n  hosts:\n    h1:\n      users:\n        \"1\": strkey\n        1: intkey\n",
            6,
            "`1`",
        ),
        (
            "inv.yml",
            "all:\n  hosts:\n    h1:\n      bk: {true: tv, null: nv, 1.5: fv}\n",
            4,
            "`true`",
        ),
        (
            "inv.yml",
            "all:\n  vars:\n    ports: {\"2\": 2202, 1.0: 2201}\n  hosts:\n    h1:\n",
            3,
            "`1.0`",
        ),
        ("group_vars/all.yml", "m:\n  a: 1\n  ~: n\n", 3, "`~`"),
        ("group_vars/all.yml", "yes: 1\n", 1, "`yes`"),
        (
            "host_vars/h1.yml",
            "d: &d {0x1: a}\nm:\n  <<: *d\n",
            1,
            "`0x1`",
        ),
        ("host_vars/h1.yml", "m: {!!int '7': a}\n", 1, "`7`"),
    ] {
        let mut files = vec![(file, text)];
        if file != "inv.yml" {
            files.push(("inv.yml", "all:\n  hosts:\n    h1:\n"));
        }
        let dir = estate(&files);
        let err = refusal(dir.path(), &["inventory", "-i", "inv.yml", "--list"]);
        assert!(err.contains(&format!("{file}:{line}")), "{text}: {err}");
        assert!(err.contains(&format!("mapping key {key}")), "{text}: {err}");
        assert!(err.contains("quote the key"), "{text}: {err}");
    }
    let dir = estate(&[("inv.ini", "h1 m=\"{1: 'a'}\"\n")]);
    let err = refusal(dir.path(), &["inventory", "-i", "inv.ini", "--list"]);
    assert!(err.contains("inv.ini:1"), "{err}");
    assert!(err.contains("a key that is not text"), "{err}");
    let dir = estate(&[(
        "inv.yml",
        "all:\n  hosts:\n    h1:\n      users: {'1': strkey, 'yes': y}\n      ansible_user: \"{{ users['1'] }}{{ users['yes'] }}{{ users | length }}\"\n",
    )]);
    let hosts = resolve(dir.path(), "inv.yml", &[]);
    assert_eq!(host(&hosts, "h1")["user"], "strkeyy2");
}

/// `inventory_dir`/`inventory_file` are host variables `add_host` sets:
/// a group variable of the name (`[g:vars]`, `group_vars/`) never
/// replaces them; a host-line variable and `host_vars/` do (ansible-core
/// 2.19: h1 `DIR/k`, h2 `/line/k`, h3 `/hostvars/k`).
#[test]
fn inventory_dir_is_a_host_variable_group_variables_do_not_replace() {
    let dir = estate(&[
        (
            "hosts.ini",
            "[g]\nh1\nh2 inventory_dir=/line\nh3\n[g:vars]\ninventory_dir=/gvars\nansible_private_key_file={{ inventory_dir }}/k\n",
        ),
        ("group_vars/g.yml", "inventory_dir: /groupvars\n"),
        ("group_vars/all.yml", "inventory_dir: /gall\n"),
        ("host_vars/h3.yml", "inventory_dir: /hostvars\n"),
    ]);
    let hosts = resolve(dir.path(), "hosts.ini", &[]);
    let real = dir.path().canonicalize().unwrap();
    let key = |h: &str| {
        host(&hosts, h)["key_files"][0]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(
        [real.join("k"), dir.path().join("k")]
            .iter()
            .any(|p| p.to_string_lossy() == key("h1")),
        "{}",
        key("h1")
    );
    assert_eq!(key("h2"), "/line/k");
    assert_eq!(key("h3"), "/hostvars/k");
}

/// A host listed only in `ungrouped`, where `ungrouped` is made a child of
/// a group, ends in no group in ansible-core (reconcile counts the
/// ancestor as its group and takes it out of `ungrouped`): refused,
/// naming the host, the group and the file. A host put in `ungrouped` by
/// reconcile itself keeps it and its new parent, as in Ansible.
#[test]
fn a_host_reconcile_leaves_in_no_group_is_refused() {
    for text in [
        "[ungrouped]\nh2\n[g]\nh1\n[g:children]\nungrouped\n",
        "h2\n[g]\nh1\n[g:children]\nungrouped\n",
    ] {
        let dir = estate(&[("hosts.ini", text)]);
        let err = refusal(dir.path(), &["inventory", "-i", "hosts.ini"]);
        assert!(
            err.contains("hosts.ini") && err.contains("`h2`") && err.contains("group `g`"),
            "{err}"
        );
    }
    // Ansible: h2 is added to `ungrouped` by reconcile and so is in g.
    let dir = estate(&[(
        "hosts.yml",
        "all:\n  hosts:\n    h2:\n  children:\n    g:\n      hosts:\n        h1:\n      children:\n        ungrouped:\n",
    )]);
    let hosts = resolve(dir.path(), "hosts.yml", &[]);
    assert_eq!(
        host(&hosts, "h2")["groups"],
        serde_json::json!(["all", "g", "ungrouped"])
    );
}

/// Names Ansible's `IGNORED` regex skips also when they end in a newline
/// (Python's `$`): `x.txt\n`, `x.bak\n`, `x~\n` and a `group_vars\n`
/// directory are not read as inventory sources.
#[test]
fn directory_names_ending_in_a_newline_are_skipped_as_ansible() {
    let dir = estate(&[
        ("inv/hosts.ini", "[esa]\nesa01\n"),
        ("inv/decommissioned.txt\n", "old-esa99\n"),
        ("inv/x.bak\n", "old-bak\n"),
        ("inv/x~\n", "old-tilde\n"),
        ("inv/group_vars\n/hosts", "old-gv\n"),
    ]);
    let hosts = resolve(dir.path(), "inv", &[]);
    let names: Vec<&str> = hosts.iter().map(|h| h["host"].as_str().unwrap()).collect();
    assert_eq!(names, ["esa01"]);
}

/// `-i hosts.ini` (no directory part) finds the `group_vars`/`host_vars`
/// of `$VAR`, `./` and `../` names as `-i ./hosts.ini` does and as
/// Ansible does for both.
#[test]
fn a_source_without_a_directory_part_finds_vars_of_every_name_shape() {
    let dir = estate(&[
        ("hosts.ini", "[$SITE]\nesa01\n[emea]\n./esa02\n"),
        ("group_vars/emea.yml", "ansible_port: 2201\n"),
        ("host_vars/esa02.yml", "ansible_user: admin\n"),
    ]);
    for source in ["hosts.ini", "./hosts.ini"] {
        let out = sshfleet(
            dir.path(),
            &["inventory", "-i", source, "-F", "none", "--json"],
            &[("SITE", "emea")],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let hosts: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(host(&hosts, "esa01")["port"], 2201, "{source}");
        assert_eq!(host(&hosts, "./esa02")["user"], "admin", "{source}");
    }
}

/// With no limit the selection is the pattern `all`: a host named `all`
/// is then the only host, as `ansible all` and `-l all` select.
#[test]
fn no_limit_is_the_pattern_all_which_a_host_named_all_answers() {
    let dir = estate(&[("hosts.ini", "all\n[g]\nh1\n")]);
    for extra in [&[][..], &["-l", "all"][..]] {
        let hosts = resolve(dir.path(), "hosts.ini", extra);
        let names: Vec<&str> = hosts.iter().map(|h| h["host"].as_str().unwrap()).collect();
        assert_eq!(names, ["all"], "{extra:?}");
    }
    // A limit narrows the pattern `all`: h1 is not in it (Ansible: no
    // hosts matched).
    let err = refusal(dir.path(), &["inventory", "-i", "hosts.ini", "-l", "h1"]);
    assert!(err.contains("h1"), "{err}");
}

/// A host name used as ssh's destination (no `ansible_host`) that holds
/// `user@` or is an `ssh://` URL is refused, as the same in
/// `ansible_host` is: ssh would take the user and port from it.
#[test]
fn a_host_name_ssh_would_read_a_user_or_port_from_is_refused() {
    let dir = estate(&[
        (
            "hosts.ini",
            "[g]\nadmin@esa01.example.com\nesa03 ansible_host=10.0.0.3\n",
        ),
        (
            "hosts.yml",
            "all:\n  hosts:\n    ssh://esa02.example.com:2244:\n",
        ),
    ]);
    for (source, name) in [
        ("hosts.ini", "admin@esa01.example.com"),
        ("hosts.yml", "ssh://esa02.example.com:2244"),
    ] {
        let err = refusal(dir.path(), &["inventory", "-i", source, "-F", "none"]);
        assert!(err.contains(source) && err.contains(name), "{err}");
    }
    let err = refusal(dir.path(), &["inventory", "-i", "bob@h1,", "-F", "none"]);
    assert!(err.contains("bob@h1"), "{err}");
}

/// Attack round 7: integer literals beyond 64 bits (minijinja read them
/// as floats: `99999999999999999999` printed `1e+20`, `% 1000` of one
/// changed a port) and a conditional without `else` (Ansible prints it as
/// empty text that `default` does not replace) are refused naming the
/// variable; `groups` is in Ansible's order (`all`, `ungrouped`, then as
/// made), as `groups | string` shows.
#[test]
fn big_literals_and_else_less_conditionals_are_refused_and_groups_keep_ansibles_order() {
    for (value, says) in [
        ("{{ 18446744073709551617 % 1000 }}", "beyond 64 bits"),
        ("{{ 99999999999999999999 }}", "beyond 64 bits"),
        (
            "{{ ('%d' % 18446744073709551615)[-4:] | int }}",
            "beyond 64 bits",
        ),
        ("{{ 9223372036854775808 }}", "beyond 64 bits"),
        ("{{ (2200 if false) | default(22) }}", "without `else`"),
        ("u{{ 'a' if false }}", "without `else`"),
        ("u{{ [[1,2]].0.1 }}", "two subscripts to Jinja2"),
    ] {
        let dir = estate(&[(
            "inv.yml",
            &format!("all:\n  hosts:\n    h1:\n      ansible_user: \"{value}\"\n"),
        )]);
        let out = sshfleet(
            dir.path(),
            &["inventory", "-i", "inv.yml", "-F", "none"],
            &[],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{value}: {err}");
        assert!(
            err.contains("ansible_user") && err.contains(says),
            "{value}: {err}"
        );
    }
    let dir = estate(&[(
        "inv.ini",
        "[zeta]\nh1\n[alpha]\nh1\n[mid]\nh1\n\n[all:vars]\nansible_user=\"{{ (groups | string).split(\\\"'\\\")[1::2] | join(\\\".\\\") }}\"\n",
    )]);
    let hosts = resolve(dir.path(), "inv.ini", &[]);
    // What ansible-core 2.19 renders for it.
    assert_eq!(
        hosts[0]["user"], "all.h1.ungrouped.zeta.h1.alpha.h1.mid.h1",
        "{hosts:?}"
    );
}

/// `inventory --list` lists, as ansible-inventory does, the hosts of the
/// pattern `all` only: with a host named `all`, the other hosts and a
/// group left with none are not printed (round 7: `ungrouped` and its
/// host were). The expected JSON is what ansible-core 2.19 prints,
/// `_meta.profile` included (round 8).
#[test]
fn list_prints_the_hosts_of_the_pattern_all_as_ansible_inventory() {
    let dir = estate(&[("inv.ini", "x\n[db]\nall\n")]);
    let out = sshfleet(
        dir.path(),
        &["inventory", "-i", "inv.ini", "-F", "none", "--list"],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        listed,
        serde_json::json!({
            "_meta": {"hostvars": {}, "profile": "inventory_legacy"},
            "all": {"children": ["ungrouped", "db"]},
            "db": {"hosts": ["all"]}
        })
    );
}

/// A host in `ungrouped` and in other groups, with `ungrouped` a child of
/// a group: ansible-core's reconcile takes the host out of `ungrouped` and
/// out of every ancestor of it that no group the host keeps descends from,
/// even one the host is directly in (its variables and `group_names` then
/// lack it). Where that differs from the host's own groups and their
/// ancestors sshfleet refuses, naming the groups; where it does not (the
/// host's other group descends from that ancestor, or is unrelated) it
/// reads the inventory (round 9). Checked against ansible-core 2.19 by
/// hand: `ansible -m debug` shows no `a` variables for the refused shapes.
#[test]
fn a_host_reconcile_takes_out_of_ancestors_of_ungrouped_is_refused() {
    for (name, text, refused) in [
        (
            "direct",
            "[a]\nh1\n[a:children]\nungrouped\n[ungrouped]\nh1\n[a:vars]\nx=1\n",
            Some("`a`"),
        ),
        (
            "first line",
            "h1\n[a]\nh1\n[a:children]\nungrouped\n",
            Some("`a`"),
        ),
        (
            "chain",
            "[p]\nh1\n[a:children]\np\n[p:children]\nungrouped\n[ungrouped]\nh1\n",
            Some("`a`, `p`"),
        ),
        (
            "below",
            "[c]\nh1\n[a:children]\nc\nungrouped\n[ungrouped]\nh1\n",
            None,
        ),
        (
            "unrelated",
            "[b]\nh1\n[a:children]\nungrouped\n[ungrouped]\nh1\n",
            None,
        ),
    ] {
        let dir = estate(&[("inv.ini", text)]);
        let out = sshfleet(
            dir.path(),
            &["inventory", "-i", "inv.ini", "-F", "none"],
            &[],
        );
        let said = String::from_utf8_lossy(&out.stderr);
        match refused {
            Some(groups) => {
                assert_eq!(out.status.code(), Some(5), "{name}: {said}");
                assert!(
                    said.contains("is in `ungrouped` and in other groups")
                        && said.contains(&format!("descendant of {groups}:")),
                    "{name}: {said}"
                );
            }
            None => assert!(out.status.success(), "{name}: {said}"),
        }
    }
}
