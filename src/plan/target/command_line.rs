//! Generated differential test: what Ansible puts on ssh's command line
//! (`-o Port=` from `ansible_port`, `-o User=` from `ansible_user`, then
//! `ansible_ssh_common_args` / `ansible_ssh_extra_args` with `-l`, `-p`,
//! `-i` and `-o`) is in force before ssh_config is read: it wins, and
//! `Match user`, `Match host`, `Match exec %p %r %h` see it. Each case is
//! resolved by sshfleet and by the installed `ssh -G` given the same
//! command line, and compared.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use crate::inventory::Inventory;

/// Every way Ansible puts a value on ssh's command line that sshfleet
/// reads: (inventory variable line, the ssh words Ansible passes for it).
/// The test below fails when one of them is not in force before the file.
const COMMAND_LINE: &[(&str, &[&str])] = &[
    ("ansible_user: viaargs", &["-o", "User=viaargs"]),
    ("ansible_port: 2022", &["-o", "Port=2022"]),
    ("ansible_ssh_common_args: -l viaargs", &["-l", "viaargs"]),
    ("ansible_ssh_common_args: -lviaargs", &["-lviaargs"]),
    ("ansible_ssh_common_args: -p 2022", &["-p", "2022"]),
    (
        "ansible_ssh_common_args: -o User=viaargs",
        &["-o", "User=viaargs"],
    ),
    ("ansible_ssh_extra_args: -oPort=2022", &["-oPort=2022"]),
    (
        "ansible_ssh_common_args: -o HostName=real.example.org",
        &["-o", "HostName=real.example.org"],
    ),
    (
        "ansible_ssh_common_args: -o HostName=%h.example.org",
        &["-o", "HostName=%h.example.org"],
    ),
    (
        "ansible_ssh_extra_args: -o HostKeyAlias=alias1",
        &["-o", "HostKeyAlias=alias1"],
    ),
    (
        "ansible_ssh_common_args: -i /dev/null",
        &["-i", "/dev/null"],
    ),
    (
        "ansible_ssh_common_args: -o IdentitiesOnly=yes",
        &["-o", "IdentitiesOnly=yes"],
    ),
    (
        "ansible_ssh_common_args: -o UserKnownHostsFile=/kh/cli",
        &["-o", "UserKnownHostsFile=/kh/cli"],
    ),
];

/// Blocks that test what the command line set.
const CONFIGS: &[&str] = &[
    "Match user viaargs\n  Port 5555\n  IdentityFile /keys/viaargs\n",
    "Match host real.example.org\n  Port 6001\n  User mhuser\n",
    "Match host h1.example.org\n  User fromhost\n",
    "Match exec \"test %p = 2022\"\n  IdentityFile /keys/port2022\n  User p2022\n",
    "Match exec \"test %r = viaargs\"\n  HostName matched.example.org\n",
    "Match exec \"test %h = real.example.org\"\n  Port 7000\n",
    "Match exec \"test %k = alias1\"\n  Port 7100\n",
    "Match !user viaargs\n  UserKnownHostsFile /kh/file\n",
    "Host h1\n  Port 2200\n  User fileuser\n  HostName fromfile\n  IdentityFile /keys/file\n",
    "Match final\n  Port 8000\n",
];

fn ssh_g(config: &Path, args: &[&str], host: &str) -> Vec<(String, String)> {
    let out = Command::new("ssh")
        .arg("-G")
        .arg("-F")
        .arg(config)
        .args(args)
        .arg(host)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ssh -G {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut fields = Vec::new();
    for key in [
        "hostname",
        "port",
        "user",
        "identityfile",
        "userknownhostsfile",
    ] {
        let values: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
            .collect();
        fields.push((key.to_string(), values.join(" ")));
    }
    fields
}

fn ours(target: &Target) -> Vec<(String, String)> {
    let mut keys: Vec<String> = target
        .credentials
        .key_file
        .iter()
        .chain(&target.credentials.config_key_files)
        .map(|p| p.display().to_string())
        .collect();
    keys.dedup();
    vec![
        ("hostname".to_string(), target.address.clone()),
        ("port".to_string(), target.port.to_string()),
        ("user".to_string(), target.credentials.user.clone()),
        ("identityfile".to_string(), keys.join(" ")),
        (
            "userknownhostsfile".to_string(),
            target.known_hosts.display().to_string(),
        ),
    ]
}

/// `ssh -G` prints `~` unexpanded and the default files when none is set.
fn normalised(mut fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let home = ssh_config::home().display().to_string();
    for (key, value) in &mut fields {
        *value = value.replace("~/", &format!("{home}/"));
        if key == "userknownhostsfile" {
            *value = value.split(' ').next().unwrap_or_default().to_string();
        }
        if key == "identityfile" {
            // The default identities ssh -G lists where none is set.
            let own: Vec<&str> = value
                .split(' ')
                .filter(|v| !v.contains("/.ssh/id_"))
                .collect();
            *value = own.join(" ");
        }
    }
    fields
}

#[test]
fn command_line_options_are_in_force_before_ssh_config() {
    if Command::new("ssh").arg("-V").output().is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("config");
    let mut failures = Vec::new();
    let mut cases = 0;
    // Every option alone against every block, then pairs of options in
    // both orders (the first on the command line wins).
    let mut option_sets: Vec<Vec<usize>> = (0..COMMAND_LINE.len()).map(|i| vec![i]).collect();
    for a in 0..COMMAND_LINE.len() {
        for b in 0..COMMAND_LINE.len() {
            if a != b && (a + b) % 5 == 0 {
                option_sets.push(vec![a, b]);
            }
        }
    }
    for (n, config) in CONFIGS.iter().enumerate() {
        // Each block, then two together (the first obtained wins).
        let text = format!("{config}{}", CONFIGS[(n + 3) % CONFIGS.len()]);
        std::fs::write(&config_path, &text).unwrap();
        let file = SshConfig::load(&config_path).unwrap();
        for set in &option_sets {
            // Ansible's order: its own -o Port/-o User, then the args.
            let mut ordered = set.clone();
            ordered.sort_by_key(|i| !COMMAND_LINE[*i].0.starts_with("ansible_user") as u8);
            ordered.sort_by_key(|i| !COMMAND_LINE[*i].0.starts_with("ansible_port") as u8);
            let mut vars: Vec<String> = Vec::new();
            let mut common: Vec<&str> = Vec::new();
            let mut extra: Vec<&str> = Vec::new();
            let mut args: Vec<&str> = Vec::new();
            for i in &ordered {
                let (var, words) = COMMAND_LINE[*i];
                args.extend(words.iter());
                if let Some(v) = var.strip_prefix("ansible_ssh_common_args: ") {
                    common.push(v);
                } else if let Some(v) = var.strip_prefix("ansible_ssh_extra_args: ") {
                    extra.push(v);
                } else {
                    vars.push(var.to_string());
                }
            }
            // common_args come before extra_args on Ansible's line.
            if !extra.is_empty() && !common.is_empty() {
                let extra_first = ordered
                    .iter()
                    .position(|i| COMMAND_LINE[*i].0.starts_with("ansible_ssh_extra_args"))
                    < ordered
                        .iter()
                        .position(|i| COMMAND_LINE[*i].0.starts_with("ansible_ssh_common_args"));
                if extra_first {
                    continue;
                }
            }
            if !common.is_empty() {
                vars.push(format!("ansible_ssh_common_args: \"{}\"", common.join(" ")));
            }
            if !extra.is_empty() {
                vars.push(format!("ansible_ssh_extra_args: \"{}\"", extra.join(" ")));
            }
            let inventory = format!(
                "all:\n  hosts:\n    h1:\n{}",
                vars.iter()
                    .map(|v| format!("      {v}\n"))
                    .collect::<String>()
            );
            cases += 1;
            let inv = Inventory::parse(&inventory, Path::new("inv.yaml")).unwrap();
            let host = &inv.hosts()[0];
            let conn = inv.connection(host, None).unwrap();
            let target = Resolver::new(PathBuf::from("/unused"), HostKeyPolicy::Strict)
                .with_ssh_config(file.clone(), false, false)
                .resolve(host, &conn);
            let theirs = normalised(ssh_g(&config_path, &args, "h1"));
            let ours = match target {
                Ok(t) => normalised(ours(&t)),
                Err(e) => {
                    failures.push(format!("{args:?}\n{text}sshfleet refused: {e}"));
                    continue;
                }
            };
            let theirs: Vec<_> = theirs
                .into_iter()
                .map(|(k, v)| {
                    // sshfleet's default known_hosts here is /unused.
                    if k == "userknownhostsfile" && v.ends_with("/.ssh/known_hosts") {
                        (k, "/unused".to_string())
                    } else {
                        (k, v)
                    }
                })
                .collect();
            if ours != theirs {
                failures.push(format!(
                    "ssh -G {}\n--- config ---\n{text}sshfleet: {ours:?}\nssh -G:   {theirs:?}",
                    args.join(" ")
                ));
            }
        }
    }
    eprintln!("command-line cases: {cases}");
    assert!(cases > 100, "too few cases: {cases}");
    assert!(
        failures.is_empty(),
        "{} of {cases} differ:\n\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
