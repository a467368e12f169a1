//! Every parser of files from outside: no panic, an answer (a value or an
//! error naming the file) for any text.

use std::path::{Path, PathBuf};

use proptest::prelude::*;

use super::{config, mutated};
use crate::inventory::{Inventory, LoadOptions, VaultSecret};

const INVENTORIES_YAML: &[&str] = &[
    include_str!("../../tests/inventories/edge/hosts.yml"),
    include_str!("../../tests/inventories/jinja/hosts.yml"),
    include_str!("../../tests/inventories/vault/hosts.yml"),
    "all:\n  vars:\n    ansible_user: admin\n  hosts:\n    esa01:\n      ansible_host: 10.0.0.1\n      ansible_port: 2222\n      ansible_password: \"{{ lookup('env', 'NOPE') | default('x') }}\"\n  children:\n    esa:\n      hosts:\n        esa02: {ansible_host: \"{{ inventory_hostname_short }}\"}\n",
    "{\"all\": {\"hosts\": {\"esa01\": {\"ansible_host\": \"10.0.0.1\"}}, \"children\": {\"g\": {\"hosts\": {\"esa02\": null}}}}}\n",
];

const INVENTORIES_INI: &[&str] = &[
    include_str!("../../tests/inventories/ini_estate/hosts.ini"),
    "esa01 ansible_host=10.0.0.1 ansible_port=22\n[esa]\nesa0[2:4].example.com ansible_user=admin\n[esa:vars]\nx='{\"a\": [1, 2]}'\n[all:children]\nesa\n",
];

const VAULTED: &[&str] = &[concat!(
    "all:\n  hosts:\n    esa02.example.com:\n      ansible_user: admin\n",
    "      ansible_ssh_pass: !vault |\n",
    "          $ANSIBLE_VAULT;1.1;AES256\n",
    "          37393738633935613563383064626435313364616430653665373561366563363461383331383233\n",
    "          6639613166396336613634383465633738363462626531610a653138643163343566396236336566\n",
    "          35353839376163326462326537376533333530333263353537343131366661383564316438323738\n",
    "          3032383338346133370a646535663136386564613663376463613266316633616436386334343865\n",
    "          3662\n",
)];

const SSH_CONFIGS: &[&str] = &[
    "Host esa*\n  HostName %h.example.com\n  User admin\n  Port 2222\n  IdentityFile ~/.ssh/id_%r\n  ProxyJump bastion:22,admin@b2\nHost *\n  StrictHostKeyChecking yes\n  UserKnownHostsFile ~/.ssh/known_hosts /tmp/k\n",
    "Match host esa01 user admin\n  HostKeyAlias esa\n  ProxyCommand nc %h %p\nMatch all\n  IdentitiesOnly yes\n  Ciphers +aes128-cbc\n",
];

const KNOWN_HOSTS: &[&str] = &[concat!(
    "esa01.example.com,10.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
    "[esa02]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl comment\n",
    "|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
    "@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
    "@revoked * ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
)];

const RECORDINGS: &[&str] = &[concat!(
    r#"{"sshfleet_recording":1,"host":"esa01.example.com","mode":"shell","pty":{"term":"vt100","cols":511,"rows":10000},"playbook":"esa-ecupdate","recorded_at":"2026-12-06T05:39:05.726Z","clock":{"fact":"appliance_clock","text":"Sun Dec  6 05:39:04 2026","format":"%a %b %e %H:%M:%S %Y"},"timestamps":{"pattern":"^(?P<ts>[A-Z][a-z]{2} [A-Z][a-z]{2} +\\d{1,2} \\d{2}:\\d{2}:\\d{2} \\d{4}) ","format":"%a %b %e %H:%M:%S %Y"},"vars":{"command_timeout":"60s","proactive":false},"outcome":{"status":"changed","findings":["ecs-token-403"]}}"#,
    "\n",
    r#"{"login":true}"#,
    "\n",
    r#"{"ms":51,"out":"esa01.example.com> "}"#,
    "\n",
    r#"{"command":"tail ecs","follow":true}"#,
    "\n",
    r#"{"ms":52,"out":"tail ecs\r\nline\r\n"}"#,
    "\n",
    r#"{"ms":956,"key":"\u0003"}"#,
    "\n",
    r#"{"ms":960,"closed":true}"#,
    "\n",
)];

fn builtin_playbooks() -> Vec<&'static str> {
    crate::playbook::BUILTIN.iter().map(|(_, t)| *t).collect()
}

/// `text` as a file named `name` in a fresh directory.
fn file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Load an inventory and resolve every host's connection (which renders
/// its Jinja and opens its vault values), listing it as `--list` does.
fn inventory(name: &str, text: &str, vault: Option<VaultSecret>) {
    let (_dir, path) = file(name, text);
    let options = LoadOptions {
        vault: vault.clone(),
    };
    if let Ok(inventory) = Inventory::load_sources(&[path], &options) {
        let _ = inventory.to_ansible_json();
        for host in inventory.hosts() {
            let _ = inventory.connection(host, vault.as_ref());
        }
        let _ = inventory.select(Some("esa*:!esa02,&g,~e.*"));
    }
}

/// ssh_config text the test may resolve: no `Match exec` (it would run
/// the generated text) and no `Include` (it would read the machine's files).
fn harmless(text: &str) -> String {
    text.lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            !l.contains("exec") && !l.contains("include")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn inventories_never_panic() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&mutated(INVENTORIES_YAML), |text| {
            inventory("hosts.yml", &text, None);
            Ok(())
        })
        .unwrap();
    runner
        .run(&mutated(INVENTORIES_INI), |text| {
            inventory("hosts.ini", &text, None);
            Ok(())
        })
        .unwrap();
    runner
        .run(&mutated(VAULTED), |text| {
            let secret = VaultSecret::new("test-vault-password".to_string());
            inventory("hosts.yml", &text, Some(secret));
            Ok(())
        })
        .unwrap();
}

#[test]
fn ssh_config_and_known_hosts_never_panic() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&mutated(SSH_CONFIGS), |text| {
            let text = harmless(&text);
            if let Ok(config) = crate::ssh::config::SshConfig::parse(&text, Path::new("config")) {
                for host in ["esa01", "esa02.example.com", "10.0.0.1", "%h"] {
                    let _ = config.lookup(host, Some("admin"));
                }
            }
            Ok(())
        })
        .unwrap();
    runner
        .run(&mutated(KNOWN_HOSTS), |text| {
            let known = crate::ssh::known_hosts::KnownHosts::parse(&text, Path::new("known_hosts"));
            let _ = known.authorities("esa01.example.com", 22);
            let _ = known.known_keys("esa02", 2222);
            Ok(())
        })
        .unwrap();
}

#[test]
fn recordings_reports_and_playbooks_never_panic() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&mutated(RECORDINGS), |text| {
            if let Ok(recording) = sshfleet_recording::Recording::parse(&text, Path::new("r.jsonl"))
            {
                // What parses writes back and reads again as itself.
                let again = sshfleet_recording::Recording::parse(
                    &recording.to_jsonl(),
                    Path::new("r.jsonl"),
                );
                prop_assert!(again.is_ok(), "{again:?}");
                // Replay moves its times to now, in the recording's formats.
                let now = chrono::Utc::now().naive_utc();
                if let Some(shift) = sshfleet_recording::Shift::to_now(&recording.header, now) {
                    for exchange in &recording.exchanges {
                        let _ = shift.regroup(exchange.events.clone());
                    }
                }
            }
            Ok(())
        })
        .unwrap();
    let sample = report_sample();
    runner
        .run(&mutated(&[&sample]), |text| {
            let (_dir, path) = file("report.json", &text);
            if let Ok(report) = crate::report::Report::load(&path) {
                let _ = report.table_with_reasons();
                let _ = crate::report::diff(&report, &path, &report, &path);
                let _ = crate::report::Report::merge(&[(path.clone(), report)]);
            }
            Ok(())
        })
        .unwrap();
    runner
        .run(&mutated(&builtin_playbooks()), |text| {
            let _ = crate::playbook::Playbook::parse(&text, Path::new("p.yaml"));
            Ok(())
        })
        .unwrap();
}

/// A report as `run --report` writes it: every status, facts, findings,
/// confirmations, warnings.
fn report_sample() -> String {
    use crate::report::{HostOutcome, Report, Status};
    let mut hosts = Vec::new();
    for (i, status) in [
        Status::Ok,
        Status::Changed,
        Status::Failed,
        Status::Unreachable,
        Status::Skipped,
    ]
    .into_iter()
    .enumerate()
    {
        let mut host = HostOutcome::new(&format!("esa0{i}.example.com"), status);
        host.facts
            .insert("asyncos_version".to_string(), "15.0.1-012".into());
        host.actions.push("ecupdate force".to_string());
        host.error = Some("timed out\nsecond line".to_string());
        host.warnings.push("prompt names esa09".to_string());
        hosts.push(host);
    }
    let report = Report::new("esa-ecupdate", false, chrono::Utc::now(), false, hosts);
    serde_json::to_string_pretty(&report).unwrap()
}
