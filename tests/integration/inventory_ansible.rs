//! Inventories resolved by the real binary as ansible-core 2.19 resolves
//! them: the committed corpus (`tests/inventories/CASE/`, expectations
//! written by ansible-core), generated inventories compared with
//! ansible-core itself (`tests/inventories/differential.py`, skipped with a
//! message where ansible-core is not installed; CI installs it), and one
//! test per class of difference the project has met (issue 25).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inventories")
}

/// `sshfleet ARGS` in `dir`, with `env`, no ssh-agent, no ssh_config.
fn sshfleet(dir: &Path, args: &[&str], env: &[(String, String)]) -> Output {
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

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `~/x` for a path under $HOME, as the expectations write it.
fn home_relative(text: &str) -> String {
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && text.starts_with(&format!("{home}/")) => {
            format!("~{}", &text[home.len()..])
        }
        _ => text.to_string(),
    }
}

/// A refusal the case documents: sshfleet errors where Ansible goes on.
fn refused(case: &Value, kind: &str, key: &str, error: &str) -> bool {
    case.get(kind)
        .and_then(|r| r.get(key))
        .and_then(Value::as_str)
        .is_some_and(|needle| error.contains(needle))
}

fn local_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(|| {
            Command::new("id")
                .arg("-un")
                .output()
                .ok()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        })
        .unwrap_or_else(|| "admin".to_string())
}

/// One corpus case: every source as `-i`, its vault password file and
/// environment, run in the case's directory.
struct Case {
    name: String,
    dir: PathBuf,
    case: Value,
    args: Vec<String>,
    env: Vec<(String, String)>,
}

impl Case {
    fn load(dir: &Path) -> Case {
        let case = read_json(&dir.join("case.json"));
        let mut args = vec!["inventory".to_string(), "-F".into(), "none".into()];
        for s in case["sources"].as_array().unwrap() {
            args.push("-i".into());
            args.push(s.as_str().unwrap().to_string());
        }
        if let Some(f) = case.get("vault_password_file").and_then(Value::as_str) {
            args.push("--vault-password-file".into());
            args.push(f.to_string());
        }
        let env = case
            .get("env")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        Case {
            name: dir.file_name().unwrap().to_string_lossy().into_owned(),
            dir: dir.to_path_buf(),
            case,
            args,
            env,
        }
    }

    fn run(&self, extra: &[&str]) -> Output {
        let mut args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        args.extend(extra);
        sshfleet(&self.dir, &args, &self.env)
    }

    /// `--json` with `extra`: the hosts (in order) and their entries, or
    /// the error when no JSON was printed.
    fn hosts(&self, extra: &[&str]) -> Result<(Vec<Value>, String), String> {
        let mut all = vec!["--json"];
        all.extend(extra);
        let out = self.run(&all);
        match serde_json::from_str::<Value>(&stdout(&out)) {
            Ok(Value::Array(hosts)) => Ok((hosts, stderr(&out))),
            _ => Err(stderr(&out)),
        }
    }
}

fn check_listing(c: &Case, expected: &Value, diffs: &mut Vec<String>) -> bool {
    let name = &c.name;
    let out = c.run(&["--list"]);
    if !out.status.success() {
        let e = stderr(&out);
        if !refused(&c.case, "refused", "load", &e) {
            diffs.push(format!("{name}: load failed: {e}"));
        }
        return false;
    }
    let ours: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let inv = &expected["inventory"];
    let list = |v: Option<&Value>| -> Vec<String> {
        v.and_then(Value::as_array)
            .into_iter()
            .flatten()
            .map(|x| x.as_str().unwrap().to_string())
            .collect()
    };
    if ours["_meta"]["profile"] != inv["_meta"]["profile"] {
        diffs.push(format!(
            "{name}: _meta.profile: ours {}, Ansible {}",
            ours["_meta"]["profile"], inv["_meta"]["profile"]
        ));
    }
    for (group, data) in inv.as_object().unwrap() {
        if group == "_meta" {
            continue;
        }
        let (want_h, want_c) = (list(data.get("hosts")), list(data.get("children")));
        let (got_h, got_c) = (
            list(ours.get(group).and_then(|g| g.get("hosts"))),
            list(ours.get(group).and_then(|g| g.get("children"))),
        );
        if (got_h, got_c) != (want_h.clone(), want_c.clone()) {
            diffs.push(format!(
                "{name}: group {group}: ours {:?}, Ansible hosts {want_h:?} children {want_c:?}",
                ours.get(group)
            ));
        }
    }
    let mask = |vars: Option<&Value>| -> BTreeMap<String, Value> {
        vars.and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(k, v)| {
                // sshfleet masks what its name says is secret (README).
                let name = k.to_ascii_lowercase();
                let secret = ["pass", "secret", "token", "credential"]
                    .iter()
                    .any(|w| name.contains(w))
                    || name.ends_with("key")
                    || v.get("__ansible_vault").is_some();
                (
                    k.clone(),
                    if secret { json!("<secret>") } else { v.clone() },
                )
            })
            .collect()
    };
    let want_vars = inv["_meta"]["hostvars"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let got_vars = ours["_meta"]["hostvars"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let hosts: BTreeSet<&String> = want_vars.keys().chain(got_vars.keys()).collect();
    for host in hosts {
        let (got, mut want) = (mask(got_vars.get(host)), mask(want_vars.get(host)));
        // A value from a vault-encrypted file is a vault value: sshfleet
        // masks it, Ansible lists it in clear (README).
        for (k, v) in got_vars
            .get(host)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if let (true, Some(w)) = (v == &json!({"__ansible_vault": "***"}), want.get_mut(k)) {
                *w = json!("<secret>");
            }
        }
        if got != want {
            diffs.push(format!(
                "{name}: host {host} vars\n  ours    {got:?}\n  Ansible {want:?}"
            ));
        }
    }
    true
}

fn check_selections(c: &Case, expected: &Value, diffs: &mut Vec<String>) {
    let name = &c.name;
    for (kind, flag) in [("patterns", "--pattern"), ("limits", "-l")] {
        for (pattern, want) in expected[kind].as_object().into_iter().flatten() {
            let want_hosts: Vec<&str> = want["hosts"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|h| h.as_str().unwrap())
                .collect();
            match (c.hosts(&[flag, pattern]), want.get("error")) {
                (Err(_), Some(_)) => {}
                (Err(e), None) if kind == "limits" && want_hosts.is_empty() => {
                    if !e.contains("matches no host") {
                        diffs.push(format!("{name}: {kind} {pattern}: {e}"));
                    }
                }
                (Err(e), None) => {
                    if !refused(&c.case, "refused_patterns", pattern, &e) {
                        diffs.push(format!("{name}: {kind} {pattern}: error {e}"));
                    }
                }
                (Ok((hosts, _)), Some(_)) => diffs.push(format!(
                    "{name}: {kind} {pattern}: selected {} host(s), Ansible refused it",
                    hosts.len()
                )),
                (Ok((hosts, err)), None) => {
                    let got: Vec<&str> =
                        hosts.iter().map(|h| h["host"].as_str().unwrap()).collect();
                    if got != want_hosts {
                        diffs.push(format!(
                            "{name}: {kind} {pattern}: {got:?}, Ansible {want_hosts:?}"
                        ));
                    }
                    let warned = err.contains("matches no host or group");
                    if kind == "patterns" && warned != want["warning"].as_bool().unwrap() {
                        diffs.push(format!(
                            "{name}: {kind} {pattern}: warning {warned}, Ansible {}",
                            want["warning"]
                        ));
                    }
                }
            }
        }
    }
}

fn check_connections(c: &Case, expected: &Value, diffs: &mut Vec<String>) {
    let name = &c.name;
    let ours: BTreeMap<String, Value> = match c.hosts(&[]) {
        Ok((hosts, _)) => hosts
            .into_iter()
            .map(|h| (h["host"].as_str().unwrap().to_string(), h))
            .collect(),
        Err(e) => {
            diffs.push(format!("{name}: --json: {e}"));
            return;
        }
    };
    for (host, want) in expected["connections"].as_object().unwrap() {
        if c.case
            .get("not_comparable")
            .and_then(|n| n.get(host))
            .is_some()
        {
            continue;
        }
        let Some(got) = ours.get(host) else {
            diffs.push(format!("{name}: {host}: no such host"));
            continue;
        };
        let reachable_by_ssh = want.get("address").is_some();
        if let Some(e) = got.get("error").and_then(Value::as_str) {
            let ansible_refused = want.get("error").is_some()
                || (!reachable_by_ssh && e.contains("ansible_connection"));
            if !ansible_refused && !refused(&c.case, "refused", host, e) {
                diffs.push(format!("{name}: {host}: {e}"));
            }
            continue;
        }
        if !reachable_by_ssh {
            diffs.push(format!("{name}: {host}: resolved, but Ansible: {want}"));
            continue;
        }
        let user = want["user"].as_str().map_or_else(local_user, String::from);
        let want_proxy = want["proxy_command"].as_str().map(|cmd| {
            cmd.replace("%h", want["address"].as_str().unwrap())
                .replace("%p", &want["port"].to_string())
                .replace("%r", &user)
        });
        let want_jump = want["proxy_jump"].as_str().map(|j| {
            let host = j.rsplit('@').next().unwrap();
            host.split(':').next().unwrap().to_string()
        });
        let keys: Vec<String> = got["key_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| home_relative(k.as_str().unwrap()))
            .collect();
        let got_cmp = json!({
            "address": got["address"], "port": got["port"], "user": got["user"],
            "key_files": keys, "password": got["password"],
            "proxy_command": got["proxy_command"],
            "jump": got["jumps"].get(0).map(|j| j["address"].clone()),
        });
        let mut want_cmp = json!({
            "address": want["address"], "port": want["port"], "user": user,
            "key_files": want["key_files"], "password": !want["password"].is_null(),
            "proxy_command": want_proxy, "jump": want_jump,
        });
        masked_as_ours(c, &got_cmp, &mut want_cmp);
        if got_cmp != want_cmp {
            diffs.push(format!(
                "{name}: {host}\n  ours    {got_cmp}\n  Ansible {want_cmp}"
            ));
        }
    }
}

/// A value an inventory took from a vault is a secret, masked wherever
/// sshfleet shows it (docs/SECURITY.md I4): where ours shows `***` and the
/// case holds a vault, Ansible's value is compared masked too.
fn masked_as_ours(c: &Case, got: &Value, want: &mut Value) {
    let has_vault = walk(&c.dir)
        .iter()
        .any(|path| std::fs::read_to_string(path).is_ok_and(|t| t.contains("$ANSIBLE_VAULT")));
    if !has_vault {
        return;
    }
    for (field, value) in want.as_object_mut().unwrap() {
        if got[field.as_str()] == "***" && value.is_string() {
            *value = json!("***");
        }
    }
}

/// Every file under `dir`.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The committed corpus: hosts, groups, variables, patterns and limits (in
/// Ansible's order, with its warnings), and each host's address, port,
/// user, keys, whether a password is set, and route, as ansible-core
/// recorded them.
#[test]
fn inventory_corpus_resolves_as_ansible_core() {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 11, "corpus missing: {}", corpus().display());
    let mut diffs = Vec::new();
    for dir in &cases {
        let case = Case::load(dir);
        let expected = read_json(&dir.join("expected.json"));
        if check_listing(&case, &expected, &mut diffs) {
            check_selections(&case, &expected, &mut diffs);
            check_connections(&case, &expected, &mut diffs);
        }
    }
    assert!(
        diffs.is_empty(),
        "{} difference(s):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// Generated inventories (seeded), each resolved by ansible-core in one
/// Python process and by this binary, every field compared. Skipped, with
/// a message, where ansible-core 2.19 is not installed, unless
/// SSHFLEET_REQUIRE_ANSIBLE is set (CI sets it). SSHFLEET_DIFFERENTIAL_CASES
/// sets the number of cases (default 2000).
#[test]
fn generated_inventories_resolve_as_ansible_core() {
    let cases = std::env::var("SSHFLEET_DIFFERENTIAL_CASES").unwrap_or_else(|_| "2000".into());
    python_differential(
        "differential.py",
        &["--seed", "25", "--cases", &cases],
        "generated_inventories_resolve_as_ansible_core",
    );
}

/// Routes (issue a25 13, 14, 9): every combination of `-o ProxyJump`,
/// `-o ProxyCommand` and `-J` (a value or `none`, in either order, in
/// `ansible_ssh_common_args` and `ansible_ssh_extra_args`) with
/// ssh_config's `ProxyJump` and `ProxyCommand` lines, and jump hosts that
/// are or nearly are the host itself, and users, key files and `-l`,
/// `-i`, `-p` arguments that ssh unquotes, expands, takes verbatim or
/// refuses (issue 25: 2, 3, 4): the argv ansible-core 2.19's ssh
/// plugin builds, read by the installed `ssh -G`, against `sshfleet
/// inventory --json` (`tests/inventories/routes.py`). Skipped as the test
/// above is where ansible-core or ssh is missing.
#[test]
fn generated_routes_resolve_as_ansible_argv_under_ssh_g() {
    python_differential(
        "routes.py",
        &[],
        "generated_routes_resolve_as_ansible_argv_under_ssh_g",
    );
}

/// Inventory scripts of every shape (issue 25, findings b25 1 and 2: each
/// place ansible-core's script plugin checks, given each kind of JSON
/// value, and `--host` outputs) and hosts and groups of every name shape
/// its vars plugin tells apart (finding 3: `/ABS`, `..`, `$VAR`, `.`),
/// read by ansible-core 2.19 and this binary (`tests/inventories/
/// script_shapes.py`): the same refused, the same hosts, groups and
/// variables, untrusted texts alike. Skipped as above without ansible-core.
#[test]
fn generated_script_shapes_and_vars_names_as_ansible_core() {
    python_differential(
        "script_shapes.py",
        &[],
        "generated_script_shapes_and_vars_names_as_ansible_core",
    );
}

/// Mapping keys of every type (issue 25): generated inventories, vars
/// files, merges, JSON, INI literals and script outputs whose keys YAML 1.1
/// makes ints, bools, nulls, floats, dates or text, read by ansible-core
/// 2.19 and this binary (`tests/inventories/mapping_keys.py`): where
/// sshfleet reads one, no key is other than text to Ansible and the
/// variables and a template looking keys up by every type agree; where it
/// refuses, Ansible holds such a key (or refuses too) and the error names
/// the file, the line and the key. Skipped as above without ansible-core.
#[test]
fn generated_mapping_keys_as_ansible_core() {
    python_differential(
        "mapping_keys.py",
        &["--seed", "25"],
        "generated_mapping_keys_as_ansible_core",
    );
}

/// `upper`, `lower` and `capitalize` are Python's (issue 25, finding 5):
/// the case table sshfleet reads (`src/inventory/pycase.txt`) is what
/// python3 computes for every code point (`tests/inventories/pycase.py
/// --check`). Skipped where python3 is missing, unless
/// SSHFLEET_REQUIRE_ANSIBLE is set.
#[test]
fn case_mappings_are_python3s() {
    let required = std::env::var_os("SSHFLEET_REQUIRE_ANSIBLE").is_some();
    let out = match Command::new("python3")
        .arg(corpus().join("pycase.py"))
        .arg("--check")
        .output()
    {
        Ok(out) => out,
        Err(e) if !required => {
            eprintln!("SKIPPED case_mappings_are_python3s: no python3 ({e})");
            return;
        }
        Err(e) => panic!("python3: {e}"),
    };
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

/// `python3 SCRIPT --sshfleet BIN ARGS...`, a differential script of the
/// corpus that compares this binary with ansible-core and exits 0 when
/// every case agrees: its last line is shown; skipped where python3 or
/// ansible-core is missing (exit 77), unless SSHFLEET_REQUIRE_ANSIBLE is
/// set. The agent and a vault password file of the caller's are kept out.
fn python_differential(script: &str, args: &[&str], test: &str) {
    let required = std::env::var_os("SSHFLEET_REQUIRE_ANSIBLE").is_some();
    let out = Command::new("python3")
        .arg(corpus().join(script))
        .args(["--sshfleet", env!("CARGO_BIN_EXE_sshfleet")])
        .args(args)
        .env_remove("SSH_AUTH_SOCK")
        .env_remove("ANSIBLE_VAULT_PASSWORD_FILE")
        .output();
    let out = match out {
        Ok(out) => out,
        Err(e) if !required => {
            eprintln!("SKIPPED {test}: no python3 ({e})");
            return;
        }
        Err(e) => panic!("python3: {e}"),
    };
    let text = format!("{}{}", stdout(&out), stderr(&out));
    if out.status.code() == Some(77) && !required {
        eprintln!("SKIPPED {test}: {}", text.trim());
        return;
    }
    eprintln!("{}", text.lines().last().unwrap_or_default());
    assert!(out.status.success(), "{text}");
}

/// `python3 SCRIPT --check` in the corpus: exit 0, or skipped where python3
/// or PyYAML is missing (exit 77), unless SSHFLEET_REQUIRE_ANSIBLE is set.
fn python_table_check(script: &str, test: &str) {
    let required = std::env::var_os("SSHFLEET_REQUIRE_ANSIBLE").is_some();
    let out = match Command::new("python3")
        .arg(corpus().join(script))
        .arg("--check")
        .output()
    {
        Ok(out) => out,
        Err(e) if !required => {
            eprintln!("SKIPPED {test}: no python3 ({e})");
            return;
        }
        Err(e) => panic!("python3: {e}"),
    };
    if out.status.code() == Some(77) && !required {
        eprintln!("SKIPPED {test}: {}", stdout(&out).trim());
        return;
    }
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

/// Plain YAML scalars are PyYAML's (issue 25, finding 1: `0_` is the int
/// 0): the table the unit test reads (`src/inventory/yaml11_scalars.txt`,
/// 4000 generated scalars) is what PyYAML's loader makes of each.
#[test]
fn yaml11_scalars_are_pyyamls() {
    python_table_check("yaml11_scalars.py", "yaml11_scalars_are_pyyamls");
}

/// `!unsafe` scalars are ansible-core's (round 8, d25/3: `!unsafe "022"`
/// is the int 18, `!unsafe yes` True, `!unsafe ""` None): the table the unit
/// test reads (`src/inventory/unsafe_scalars.txt`, each scalar plain and
/// quoted) is what ansible-core 2.19's loader makes of each.
#[test]
fn unsafe_scalars_are_ansibles() {
    python_table_check("unsafe_scalars.py", "unsafe_scalars_are_ansibles");
}

/// `ansible_connection` spellings are ansible-core's (round 8, d25:
/// `ssh.py` and `ansible.builtin.ssh.ssh` are the ssh plugin): the table the
/// unit test `every_connection_name_resolves_as_ansibles_loader` reads
/// (`src/inventory/connection_names.txt`) is what ansible-core 2.19's
/// connection loader resolves each to.
#[test]
fn connection_names_are_ansible_loaders() {
    python_table_check(
        "connection_names.py",
        "connection_names_are_ansible_loaders",
    );
}

/// INI lines and blanks are Python's, YAML line breaks and refused
/// characters libyaml's (issue 25, findings 5, 6, 8): the tables sshfleet
/// reads are what python3 and PyYAML compute (`src/inventory/pychars.txt`).
#[test]
fn character_tables_are_python3s_and_pyyamls() {
    python_table_check("pychars.py", "character_tables_are_python3s_and_pyyamls");
}

/// What Ansible refuses in these files sshfleet refuses at the line
/// (ansible-core 2.19.14: "unacceptable character", "found a tab
/// character that violates indentation", "found duplicate anchor",
/// `int('', 2)`), and a vault body with trailing blanks
/// ("unhexlify error: Odd-length string").
#[test]
fn reader_refusals_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let vault = std::fs::read_to_string(corpus().join("vault/secret.vault")).unwrap();
    let padded: String = vault.lines().map(|l| format!("        {l}  \n")).collect();
    std::fs::copy(corpus().join("vault/vault-pass"), dir.path().join("pass")).unwrap();
    for (name, text, needle) in [
        (
            "del.yml",
            "all:\n  hosts:\n    h1:\n      x: 1 # \u{7f}\n",
            "inv.yml:4: unacceptable character U+007F",
        ),
        (
            "tab.yml",
            "all:\n  hosts:\n    h1:\n      x: bob\n\t\n      y: 2\n",
            "inv.yml:5: ",
        ),
        (
            "anchor.yml",
            "all:\n  vars:\n    v: &a 1\n    w: &a 2\n  hosts: {h1: }\n",
            "inv.yml:4: found duplicate anchor",
        ),
        (
            "bin.yml",
            "all:\n  hosts:\n    h1:\n      x: 0b_\n",
            "inv.yml:4: `0b_` is an integer",
        ),
        (
            "ls.yml",
            "all:\n  hosts:\n    h1: {x: a\u{2028}}\n",
            "inv.yml:3: U+2028",
        ),
        (
            "vault.yml",
            &format!("all:\n  hosts:\n    h1:\n      ansible_user: !vault |\n{padded}"),
            "not hex",
        ),
    ] {
        std::fs::write(dir.path().join("inv.yml"), text).unwrap();
        let out = sshfleet(
            dir.path(),
            &[
                "inventory",
                "-F",
                "none",
                "-i",
                "inv.yml",
                "--vault-password-file",
                "pass",
            ],
            &[],
        );
        assert_eq!(out.status.code(), Some(5), "{name}: {}", stdout(&out));
        assert!(stderr(&out).contains(needle), "{name}: {}", stderr(&out));
    }
}

/// `lookup('env')` and `lookup('file')` as ansible-core 2.19 computes
/// them (issue 25, findings 3, 4, 8, 9; issue 23): each row of
/// `tests/inventories/lookups.txt` (written by `lookups.py` with Ansible's
/// Templar, in the fixture built here the same way) rendered by the binary
/// as a host's `ansible_user` (`"u{{ (expression) | string |
/// regex_replace(...) }}"`, as lookups.py wraps it): Ansible's value, or
/// an error where Ansible fails, blocks (a FIFO), or reads what sshfleet
/// refuses by design (a file under /proc, /sys, /dev, a relative path).
#[test]
fn lookups_are_ansibles() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (name, text) in [
        ("plain", "fileval \n\n"),
        ("x", "lexical\n"),
        ("real/x", "physical\n"),
        ("lead", "  \tlead\n"),
        ("ws", "ws\u{1c}\u{1f}\u{a0}\n"),
        ("${LT_UNSET}x", "literal\n"),
        ("vault", "$ANSIBLE_VAULT;1.1;AES256\n6161\n"),
        ("dir/keep", "k\n"),
    ] {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::create_dir_all(root.join("real/sub")).unwrap();
    for (name, target) in [
        ("link", "real/sub"),
        ("tolink", "plain"),
        ("toproc", "/proc/self/environ"),
        ("tonull", "/dev/null"),
    ] {
        std::os::unix::fs::symlink(target, root.join(name)).unwrap();
    }
    let fifo = Command::new("mkfifo").arg(root.join("fifo")).status();
    assert!(fifo.unwrap().success(), "mkfifo");
    let table = std::fs::read_to_string(corpus().join("lookups.txt")).unwrap();
    let rows: Vec<(&str, &str)> = table
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split_once('\t').unwrap())
        .collect();
    let hosts: serde_json::Map<String, Value> = rows
        .iter()
        .enumerate()
        .map(|(i, (expr, _))| {
            (
                format!("h{i}"),
                json!({ "ansible_user": format!(
                    "u{{{{ ({expr}) | string | regex_replace('[^A-Za-z0-9.,_]', '_') }}}}"
                ) }),
            )
        })
        .collect();
    std::fs::write(
        root.join("inv.yml"),
        serde_json::to_string(&json!({ "all": { "hosts": hosts } })).unwrap(),
    )
    .unwrap();
    let text = root.display().to_string();
    let env: Vec<(String, String)> = [
        ("LT", text.as_str()),
        ("LT_REL", text.trim_start_matches('/')),
        ("HOME", text.as_str()),
        ("LT_SET", "val"),
        ("LT_EMPTY", ""),
        ("LT_SP", "a b"),
        ("LT_DOLLAR", "$LT_SET"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sshfleet"));
    cmd.current_dir(root)
        .args(["inventory", "-i", "inv.yml", "--json"])
        .env_remove("LT_UNSET")
        .env_remove("SSH_AUTH_SOCK")
        .stdin(std::process::Stdio::null());
    for (k, v) in &env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let listed: Vec<Value> = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(&out), stderr(&out)));
    let by_host: BTreeMap<&str, &Value> = listed
        .iter()
        .map(|h| (h["host"].as_str().unwrap(), h))
        .collect();
    let mut wrong = Vec::new();
    for (i, (expr, want)) in rows.iter().enumerate() {
        let host = by_host[format!("h{i}").as_str()];
        let ok = match want.split_once(' ') {
            Some(("V", value)) => host["user"].as_str() == Some(value),
            _ => host.get("error").is_some(),
        };
        if !ok {
            wrong.push(format!("{expr}: Ansible {want}, sshfleet {host}"));
        }
    }
    assert!(rows.len() > 60, "the table is short");
    assert!(
        wrong.is_empty(),
        "{} differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    // The refusals by design say why, naming the file.
    for (expr, needle) in [
        (
            "lookup('file', '/proc/self/environ')",
            "/proc/self/environ: sshfleet does not read files under /proc, /sys, /dev",
        ),
        (
            "lookup('file', '/$LT_REL/toproc')",
            "toproc: sshfleet does not read files under",
        ),
        (
            "lookup('file', '/$LT_REL/fifo')",
            "fifo: not a regular file",
        ),
    ] {
        let i = rows.iter().position(|(e, _)| *e == expr).unwrap();
        let error = by_host[format!("h{i}").as_str()]["error"].as_str().unwrap();
        assert!(error.contains(needle), "{expr}: {error}");
    }
}

/// The lookup table is what ansible-core 2.19 computes
/// (`tests/inventories/lookups.py --check`), and so are the filter and
/// method table (`filter_args.py --check`, read by the unit test
/// `every_filter_and_method_takes_the_argument_types_ansible_takes`) and
/// the operator table (`operators.py --check`, read by
/// `every_operator_computes_what_ansible_computes`).
/// Skipped where ansible-core is missing, unless SSHFLEET_REQUIRE_ANSIBLE
/// is set.
#[test]
fn lookup_and_filter_argument_tables_are_ansibles() {
    python_table_check(
        "lookups.py",
        "lookup_and_filter_argument_tables_are_ansibles",
    );
    python_table_check(
        "filter_args.py",
        "lookup_and_filter_argument_tables_are_ansibles",
    );
    python_table_check(
        "operators.py",
        "lookup_and_filter_argument_tables_are_ansibles",
    );
}

/// `NaN`, `Infinity` and `-Infinity` in every JSON text sshfleet reads as
/// Ansible does (round 8, d25/4: an inventory `.json` or one without
/// extension, a directory source's file, host_vars and group_vars files of
/// each extension holding JSON, a script's `--list` and `--host` output):
/// ansible-core 2.19 holds a float that is not finite, sshfleet refuses
/// with exit 5, the file, the line and the variable
/// (`tests/inventories/json_non_finite.py`). Skipped as above without
/// ansible-core.
#[test]
fn non_finite_json_numbers_are_refused_at_every_json_entry_point() {
    python_differential(
        "json_non_finite.py",
        &[],
        "non_finite_json_numbers_are_refused_at_every_json_entry_point",
    );
}

/// Executable inventory files (round 8, d25/6): an INI, YAML or JSON
/// inventory of mode 755 is read as a file after the script plugin fails,
/// as ansible-core 2.19 tries its plugins in order (never run through
/// /bin/sh), given with `-i` and inside a directory; a script that fails
/// and is no inventory file either is refused naming the script
/// (`tests/inventories/executable_files.py`, against `ansible-inventory
/// --list`). Skipped as above without ansible-core.
#[test]
fn executable_inventory_files_are_read_as_ansible_core_reads_them() {
    python_differential(
        "executable_files.py",
        &[],
        "executable_inventory_files_are_read_as_ansible_core_reads_them",
    );
}

/// INI values and host ranges are ansible-core 2.19's: the tables the unit
/// tests `ini_values_list_as_ansible_cores` (bytes as untrusted text,
/// sets, `{{ 1 }}x` as text) and `ranges_expand_as_ansible_cores`
/// (`x[-1:2]`, `h[3:1]`, `y[ 1:2]`) read are what ansible-core computes
/// (`ini_values.py --check`, `host_ranges.py --check`).
#[test]
fn ini_value_and_host_range_tables_are_ansibles() {
    let test = "ini_value_and_host_range_tables_are_ansibles";
    python_table_check("ini_values.py", test);
    python_table_check("host_ranges.py", test);
}
