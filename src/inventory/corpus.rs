//! The inventory corpus (`tests/inventories/*/`): each case's sources are
//! resolved by sshfleet and compared with what ansible-core itself did
//! (`expected.json`, written by `tests/inventories/regenerate.py`): hosts,
//! groups, variables, the hosts each pattern selects (in Ansible's order,
//! with its warnings), and each host's effective address, port, user, keys
//! and password. A difference fails the test unless the case lists it as a
//! refusal (sshfleet refusing, with an error, what Ansible accepts).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::{Inventory, LoadOptions, VaultSecret};
use crate::plan::target::Settings;
use crate::ssh::transport::HostKeyPolicy;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inventories")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("case.json").is_file())
        .collect();
    cases.sort();
    cases
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `~/x` for a path under $HOME, as the expectations write it.
fn home_relative(path: &Path) -> String {
    let text = path.display().to_string();
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && text.starts_with(&format!("{home}/")) => {
            format!("~{}", &text[home.len()..])
        }
        _ => text,
    }
}

/// A refusal the case documents: sshfleet errors where Ansible goes on.
fn refused(case: &Value, kind: &str, key: &str, error: &str) -> bool {
    case.get(kind)
        .and_then(|r| r.get(key))
        .and_then(Value::as_str)
        .is_some_and(|needle| error.contains(needle))
}

/// A pattern's `@file` terms made relative to the case directory (where
/// Ansible ran).
fn localize(pattern: &str, dir: &Path) -> String {
    pattern
        .split(',')
        .map(|t| match t.strip_prefix('@') {
            Some(f) => format!("@{}", dir.join(f).display()),
            None => t.to_string(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn check_case(dir: &Path) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let case = read_json(&dir.join("case.json"));
    let expected = read_json(&dir.join("expected.json"));
    let mut diffs = Vec::new();
    for (k, v) in case
        .get("env")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        // Each case names its own variables, so parallel cases never clash.
        unsafe { std::env::set_var(k, v.as_str().unwrap()) };
    }
    let sources: Vec<PathBuf> = case["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        // A host list (`a,b:2222,`) is not a path.
        .map(|s| {
            if s.contains(',') {
                PathBuf::from(s)
            } else {
                dir.join(s)
            }
        })
        .collect();
    let vault = case
        .get("vault_password_file")
        .and_then(Value::as_str)
        .map(|f| VaultSecret::from_file(&dir.join(f)).unwrap());
    let options = LoadOptions {
        vault: vault.clone(),
    };
    let inventory = match Inventory::load_sources(&sources, &options) {
        Ok(inv) => inv,
        Err(e) => {
            if refused(&case, "refused", "load", &e.to_string()) {
                return diffs;
            }
            return vec![format!("{name}: load failed: {e}")];
        }
    };

    // Hosts and groups.
    let inv = &expected["inventory"];
    let hostvars = inv["_meta"]["hostvars"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let mut want_hosts: BTreeSet<String> = hostvars.keys().cloned().collect();
    for (group, data) in inv.as_object().unwrap() {
        if group == "_meta" {
            continue;
        }
        for h in data
            .get("hosts")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            want_hosts.insert(h.as_str().unwrap().to_string());
        }
        let got = inventory.group(group);
        let list = |v: Option<&Value>| -> BTreeSet<String> {
            v.and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|x| x.as_str().unwrap().to_string())
                .collect()
        };
        let (want_h, want_c) = (list(data.get("hosts")), list(data.get("children")));
        match got {
            None => diffs.push(format!("{name}: group {group} missing")),
            Some(g) => {
                let got_h: BTreeSet<String> = g.hosts.iter().cloned().collect();
                let got_c: BTreeSet<String> = g.children.iter().cloned().collect();
                // ansible-inventory never lists `all`'s own hosts.
                if got_h != want_h && group != "all" {
                    diffs.push(format!(
                        "{name}: group {group} hosts {got_h:?}, Ansible {want_h:?}"
                    ));
                }
                if got_c != want_c {
                    diffs.push(format!(
                        "{name}: group {group} children {got_c:?}, Ansible {want_c:?}"
                    ));
                }
            }
        }
    }
    let got_hosts: BTreeSet<String> = inventory.hosts().iter().map(|h| h.name.clone()).collect();
    if got_hosts != want_hosts {
        diffs.push(format!(
            "{name}: hosts {got_hosts:?}, Ansible {want_hosts:?}"
        ));
    }

    // Variables, as `ansible-inventory --list` shows them (vault values and
    // passwords masked on both sides).
    let ours = inventory.to_ansible_json();
    let mask = |vars: &serde_json::Map<String, Value>| -> BTreeMap<String, Value> {
        vars.iter()
            .map(|(k, v)| {
                let secret = crate::support::secrets::is_secret_name(k)
                    || v.get("__ansible_vault").is_some();
                (
                    k.clone(),
                    if secret { json!("<secret>") } else { v.clone() },
                )
            })
            .collect()
    };
    for (host, vars) in &hostvars {
        let want = mask(vars.as_object().unwrap());
        let got = ours["_meta"]["hostvars"]
            .get(host)
            .and_then(Value::as_object)
            .map(mask)
            .unwrap_or_default();
        if got != want {
            diffs.push(format!(
                "{name}: host {host} vars\n  ours    {got:?}\n  Ansible {want:?}"
            ));
        }
    }

    // Patterns.
    for (pattern, want) in expected["patterns"].as_object().unwrap() {
        let local = localize(pattern, dir);
        match (inventory.hosts_matching(&local), want.get("error")) {
            (Err(_), Some(_)) => {}
            (Err(e), None) => {
                if !refused(&case, "refused_patterns", pattern, &e.to_string()) {
                    diffs.push(format!("{name}: pattern {pattern}: error {e}"));
                }
            }
            (Ok(sel), Some(_)) => diffs.push(format!(
                "{name}: pattern {pattern}: selected {:?}, Ansible refused it",
                sel.hosts.iter().map(|h| &h.name).collect::<Vec<_>>()
            )),
            (Ok(sel), None) => {
                let got: Vec<&str> = sel.hosts.iter().map(|h| h.name.as_str()).collect();
                let want_hosts: Vec<&str> = want["hosts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|h| h.as_str().unwrap())
                    .collect();
                if got != want_hosts {
                    diffs.push(format!(
                        "{name}: pattern {pattern}: {got:?}, Ansible {want_hosts:?}"
                    ));
                }
                let warned = !sel.unmatched.is_empty();
                if warned != want["warning"].as_bool().unwrap() {
                    diffs.push(format!(
                        "{name}: pattern {pattern}: warning {warned} ({:?}), Ansible {}",
                        sel.unmatched, want["warning"]
                    ));
                }
            }
        }
    }

    // Limits: `all` order, filtered. sshfleet refuses a limit that leaves
    // nothing, as Ansible does ("no hosts matched").
    for (limit, want) in expected["limits"].as_object().into_iter().flatten() {
        let local = localize(limit, dir);
        let want_hosts: Vec<&str> = want["hosts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|h| h.as_str().unwrap())
            .collect();
        match inventory.select(Some(&local)) {
            Ok(sel) => {
                let got: Vec<&str> = sel.iter().map(|h| h.name.as_str()).collect();
                if got != want_hosts || want.get("error").is_some() {
                    diffs.push(format!("{name}: limit {limit}: {got:?}, Ansible {want}"));
                }
            }
            Err(e) if want_hosts.is_empty() && e.to_string().contains("matches no host") => {}
            Err(e) => diffs.push(format!("{name}: limit {limit}: {e}")),
        }
    }

    // Connection values.
    let settings = Settings::new(
        PathBuf::from("/nonexistent/known_hosts"),
        HostKeyPolicy::Strict,
    );
    for (host_name, want) in expected["connections"].as_object().unwrap() {
        if case
            .get("not_comparable")
            .and_then(|n| n.get(host_name))
            .is_some()
        {
            continue;
        }
        let Some(host) = inventory.host(host_name) else {
            diffs.push(format!("{name}: {host_name}: no such host"));
            continue;
        };
        let resolved = inventory
            .connection(host, vault.as_ref())
            .map_err(|e| e.to_string())
            .and_then(|conn| {
                let target = settings.resolve(host, &conn).map_err(|e| e.to_string())?;
                Ok((conn, target))
            });
        let reachable_by_ssh = want.get("address").is_some();
        match resolved {
            Err(e) => {
                let ansible_refused = want.get("error").is_some()
                    || (!reachable_by_ssh && e.contains("ansible_connection"));
                if !ansible_refused && !refused(&case, "refused", host_name, &e) {
                    diffs.push(format!("{name}: {host_name}: {e}"));
                }
            }
            Ok(_) if !reachable_by_ssh => diffs.push(format!(
                "{name}: {host_name}: resolved, but Ansible: {want}"
            )),
            Ok((conn, target)) => {
                let mut keys: Vec<String> = target
                    .credentials
                    .key_file
                    .iter()
                    .map(|k| home_relative(k))
                    .collect();
                // OpenSSH's default identities are ssh's own, tried alike
                // whether Ansible or sshfleet runs it: not an inventory value.
                keys.extend(
                    target
                        .credentials
                        .config_key_files
                        .iter()
                        .map(|k| home_relative(k))
                        .filter(|k| !crate::plan::target::DEFAULT_IDENTITIES.contains(&k.as_str())),
                );
                let password = conn
                    .password
                    .as_ref()
                    .map(|p| p.expose().to_string())
                    .or_else(|| {
                        target
                            .credentials
                            .password_env
                            .as_ref()
                            .and_then(|v| std::env::var(v).ok())
                    });
                // No user: ssh's is the local one (sshfleet's `admin` when
                // that cannot be known).
                let user = want["user"].as_str().map(String::from).unwrap_or_else(|| {
                    Some(crate::ssh::config::local_user())
                        .filter(|u| !u.is_empty())
                        .unwrap_or_else(|| "admin".to_string())
                });
                // ssh expands the ProxyCommand's tokens itself.
                let want_proxy = want["proxy_command"].as_str().map(|c| {
                    c.replace("%h", want["address"].as_str().unwrap())
                        .replace("%p", &want["port"].to_string())
                        .replace("%r", &user)
                });
                let want_jump = want["proxy_jump"].as_str().map(|j| {
                    let host = j.rsplit('@').next().unwrap();
                    host.split(':').next().unwrap().to_string()
                });
                let got = json!({
                    "address": target.address,
                    "port": target.port,
                    "user": target.credentials.user,
                    "key_files": keys,
                    "password": password,
                    "proxy_command": target.proxy_command,
                    "jump": target.jumps.first().map(|j| j.address.clone()),
                });
                let want_cmp = json!({
                    "address": want["address"],
                    "port": want["port"],
                    "user": user,
                    "key_files": want["key_files"],
                    "password": want["password"],
                    "proxy_command": want_proxy,
                    "jump": want_jump,
                });
                if got != want_cmp {
                    diffs.push(format!(
                        "{name}: {host_name}\n  ours    {got}\n  Ansible {want_cmp}"
                    ));
                }
            }
        }
    }
    diffs
}

#[test]
fn inventory_corpus_resolves_as_ansible_core() {
    let cases = cases();
    assert!(cases.len() >= 11, "corpus missing: {}", corpus().display());
    let diffs: Vec<String> = cases.iter().flat_map(|c| check_case(c)).collect();
    assert!(
        diffs.is_empty(),
        "{} difference(s):\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
