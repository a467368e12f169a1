//! sshfleet's reading of ssh_config against OpenSSH's own (`ssh -G`), on
//! the committed corpus `tests/openssh_config/corpus.txt`. Any difference
//! fails, unless the case is a documented refusal.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use crate::inventory::Inventory;

struct Case {
    name: String,
    config: String,
    hosts: Vec<String>,
    refused: Option<String>,
}

fn corpus() -> Vec<Case> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/openssh_config/corpus.txt");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            current = Some(Case {
                name: name.to_string(),
                config: String::new(),
                hosts: Vec::new(),
                refused: None,
            });
        } else if let Some(rest) = line.strip_prefix(">>> ") {
            let mut case = current.take().unwrap();
            match rest.strip_prefix("refused: ") {
                Some(why) => case.refused = Some(why.to_string()),
                None => case.hosts = rest.split_whitespace().map(str::to_string).collect(),
            }
            cases.push(case);
        } else if let Some(case) = &mut current {
            case.config.push_str(line);
            case.config.push('\n');
        }
    }
    cases
}

/// `ssh -G` for `host`: keyword to values, in output order.
fn ssh_g(config: &Path, host: &str) -> BTreeMap<String, Vec<String>> {
    let out = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(config)
        .arg(host)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ssh -G {host}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut fields: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some((key, value)) = line.split_once(' ') {
            fields
                .entry(key.to_string())
                .or_default()
                .push(value.to_string());
        }
    }
    fields
}

fn one<'a>(fields: &'a BTreeMap<String, Vec<String>>, key: &str) -> Option<&'a str> {
    fields.get(key).and_then(|v| v.first()).map(String::as_str)
}

fn ssh_available() -> bool {
    Command::new("ssh").arg("-V").output().is_ok()
}

/// What sshfleet resolves, in `ssh -G`'s terms.
fn ours(target: &Target, config: &SshConfig, host: &str) -> Vec<(String, String)> {
    let mut out = vec![
        ("hostname".to_string(), target.address.clone()),
        ("port".to_string(), target.port.to_string()),
        ("user".to_string(), target.credentials.user.clone()),
        (
            "identitiesonly".to_string(),
            if target.credentials.identities_only {
                "yes"
            } else {
                "no"
            }
            .to_string(),
        ),
        (
            "stricthostkeychecking".to_string(),
            match target.host_key_policy {
                HostKeyPolicy::Strict => "ask|true",
                HostKeyPolicy::AcceptNew => "accept-new",
            }
            .to_string(),
        ),
        (
            "hostkeyalias".to_string(),
            target.host_key_alias.clone().unwrap_or_default(),
        ),
    ];
    let files = |paths: Vec<&PathBuf>| -> String {
        paths
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    out.push((
        "identityfile".to_string(),
        files(target.credentials.config_key_files.iter().collect()),
    ));
    let known: Vec<&PathBuf> = std::iter::once(&target.known_hosts)
        .chain(&target.known_hosts_also)
        .collect();
    out.push(("knownhostsfiles".to_string(), files(known)));
    // `ssh -G` shows the host's own ProxyJump as written; the jump
    // hosts' own jumps are checked by `jump_hosts_follow_their_own_proxy_jump`.
    let jumps = match config.lookup(host, None).unwrap().proxy_jump {
        // `ProxyJump none`: ssh -G prints no proxyjump at all.
        Some(hops) if hops.is_empty() => String::new(),
        Some(hops) => hops
            .iter()
            .map(|hop| {
                let user = hop
                    .user
                    .as_ref()
                    .map(|u| format!("{u}@"))
                    .unwrap_or_default();
                match hop.port {
                    Some(port) => format!("{user}{}:{port}", hop.host),
                    None => format!("{user}{}", hop.host),
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        None => String::new(),
    };
    out.push(("proxyjump".to_string(), jumps));
    let command = config
        .lookup(host, None)
        .unwrap()
        .proxy_command
        .filter(|_| target.proxy_command.is_some())
        .unwrap_or_default();
    out.push(("proxycommand".to_string(), command));
    out
}

/// What `ssh -G` says, in the same terms (paths expanded as ssh would
/// expand them when it uses them).
fn theirs(
    target: &Target,
    ssh: &BTreeMap<String, Vec<String>>,
    host: &str,
) -> Vec<(String, String)> {
    let tokens = ssh_config::Tokens {
        host: &target.address,
        original_host: host,
        port: target.port,
        user: &target.credentials.user,
        host_key_alias: target.host_key_alias.as_deref(),
    };
    let expand = |keyword: &str, values: &[String]| -> Vec<String> {
        values
            .iter()
            .flat_map(|v| v.split(' '))
            .map(|v| {
                ssh_config::expand_path(keyword, v, &tokens)
                    .unwrap()
                    .display()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    let get = |key: &str| ssh.get(key).cloned().unwrap_or_default();
    let strict = match one(ssh, "stricthostkeychecking").unwrap_or("ask") {
        "ask" | "true" => "ask|true",
        "accept-new" => "accept-new",
        // sshfleet reads `no` as accept-new (README).
        "false" => "accept-new",
        other => other,
    };
    let mut known = expand("userknownhostsfile", &get("userknownhostsfile"));
    known.extend(expand("globalknownhostsfile", &get("globalknownhostsfile")));
    vec![
        (
            "hostname".to_string(),
            one(ssh, "hostname").unwrap_or("").to_string(),
        ),
        (
            "port".to_string(),
            one(ssh, "port").unwrap_or("").to_string(),
        ),
        (
            "user".to_string(),
            one(ssh, "user").unwrap_or("").to_string(),
        ),
        (
            "identitiesonly".to_string(),
            one(ssh, "identitiesonly").unwrap_or("no").to_string(),
        ),
        ("stricthostkeychecking".to_string(), strict.to_string()),
        (
            "hostkeyalias".to_string(),
            one(ssh, "hostkeyalias").unwrap_or("").to_string(),
        ),
        (
            "identityfile".to_string(),
            expand("identityfile", &get("identityfile")).join(" "),
        ),
        ("knownhostsfiles".to_string(), known.join(" ")),
        (
            "proxyjump".to_string(),
            one(ssh, "proxyjump").unwrap_or("").to_string(),
        ),
        (
            "proxycommand".to_string(),
            one(ssh, "proxycommand").unwrap_or("").to_string(),
        ),
    ]
}

#[test]
fn ssh_config_resolves_as_openssh_does() {
    if !ssh_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have openssh-client (ssh -G) for the differential tests"
        );
        eprintln!("skipped: no `ssh` on this machine (apt-get install openssh-client)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let inventory_path = dir.path().join("inv.yaml");
    let mut differences = Vec::new();
    for case in corpus() {
        let config_path = dir.path().join(format!("{}.conf", case.name));
        std::fs::write(&config_path, &case.config).unwrap();
        let settings = Resolver::load(Some(&config_path), None, false);
        if let Some(why) = &case.refused {
            let error = match settings {
                Err(e) => e.to_string(),
                Ok(settings) => {
                    let inventory =
                        Inventory::parse("all:\n  hosts:\n    a: {}\n", &inventory_path).unwrap();
                    let host = &inventory.hosts()[0];
                    let conn = inventory.connection(host, None).unwrap();
                    match settings.resolve(host, &conn) {
                        Err(e) => e.to_string(),
                        Ok(_) => format!("{}: not refused", case.name),
                    }
                }
            };
            if !error.contains(why.as_str()) {
                differences.push(format!(
                    "{}: expected a refusal with `{why}`, got: {error}",
                    case.name
                ));
            }
            continue;
        }
        let settings = settings.unwrap_or_else(|e| panic!("{}: {e}", case.name));
        for host in &case.hosts {
            let yaml = format!("all:\n  hosts:\n    '{host}': {{}}\n");
            let inventory = Inventory::parse(&yaml, &inventory_path).unwrap();
            let first = &inventory.hosts()[0];
            let conn = inventory.connection(first, None).unwrap();
            let target = match settings.resolve(first, &conn) {
                Ok(t) => t,
                Err(e) => {
                    differences.push(format!("{} {host}: sshfleet refused: {e}", case.name));
                    continue;
                }
            };
            let ssh = ssh_g(&config_path, host);
            for ((field, mine), (_, want)) in ours(&target, &settings.ssh_config, host)
                .into_iter()
                .zip(theirs(&target, &ssh, host))
            {
                if mine != want {
                    differences.push(format!(
                        "{} {host}: {field}: sshfleet `{mine}`, ssh -G `{want}`",
                        case.name
                    ));
                }
            }
        }
    }
    assert!(differences.is_empty(), "\n{}", differences.join("\n"));
}

#[test]
fn jump_hosts_follow_their_own_proxy_jump() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "Host esa*\n  ProxyJump bastion\nHost bastion\n  ProxyJump ops@outer:2200\nHost loop\n  ProxyJump loop\n",
    )
    .unwrap();
    let settings = Resolver::load(Some(&config), None, false).unwrap();
    let inventory = Inventory::parse(
        "all:\n  hosts:\n    esa01: {}\n    loop: {}\n",
        &dir.path().join("inv.yaml"),
    )
    .unwrap();
    let resolve = |host: &crate::inventory::Host| {
        let conn = inventory.connection(host, None).unwrap();
        settings.resolve(host, &conn)
    };
    let target = resolve(&inventory.hosts()[0]).unwrap();
    let hops: Vec<String> = target
        .jumps
        .iter()
        .map(|j| format!("{}@{}", j.credentials.user, j.host_port()))
        .collect();
    assert_eq!(hops.len(), 2, "{hops:?}");
    assert_eq!(hops[0], "ops@[outer]:2200");
    assert!(hops[1].ends_with("@bastion"), "{hops:?}");
    let err = resolve(&inventory.hosts()[1]).unwrap_err().to_string();
    assert!(err.contains("jumphost loop via loop"), "{err}");
}
