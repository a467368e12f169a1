//! Differential tests against the installed `ssh -G`: every ssh_config
//! pattern caller (`Host`, `Match host`, `Match originalhost`, `Match
//! final host`, `Match user`, `IgnoreUnknown`) on names of 2-, 3- and
//! 4-byte UTF-8 characters and on letters whose case folds only outside
//! ASCII (Kelvin sign, dotless ı, ß, Ö): OpenSSH matches bytes and lowers
//! ASCII letters only.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use super::*;

const NAMES: &[&str] = &[
    "äb.example",
    "€b.example",
    "😀b.example",
    "ab.example",
    "\u{212A}elvin",
    "kelvin",
    "ıx",
    "IX",
    "ß",
    "Öo",
];

const PATTERNS: &[&str] = &[
    "?b.example",
    "??b.example",
    "???b.example",
    "????b.example",
    "?B.EXAMPLE",
    "ÄB.example",
    "KELVIN",
    "\u{212A}ELVIN",
    "k*",
    "ix",
    "ıx",
    "SS",
    "ẞ",
    "öo",
    "??o",
];

/// The criteria lines under test, `P` the pattern.
const CRITERIA: &[&str] = &[
    "Host P",
    "Match host P",
    "Match originalhost P",
    "Match final host P",
    "Match user P",
    "Match host x,!P,*",
];

/// The port `ssh -G` resolves, or its error.
fn ssh_g(ssh: &Path, config: &Path, host: &str, user: &str) -> Result<String, String> {
    let out = Command::new(ssh)
        .arg("-G")
        .arg("-F")
        .arg(config)
        .args(["-o", &format!("User={user}"), "--", host])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("port "))
        .unwrap_or_default()
        .to_string())
}

fn ours(config: &Path, host: &str, user: &str) -> Result<String, String> {
    let command_line = SshConfig::from_options([format!("User={user}").as_str()])?;
    let file = SshConfig::load(config).map_err(|e| e.to_string())?;
    let resolved = file
        .lookup_with(host, HostConfig::default(), &command_line)
        .map_err(|e| e.to_string())?;
    Ok(resolved.port.unwrap_or(22).to_string())
}

#[test]
fn patterns_match_bytes_and_fold_ascii_only_as_ssh_g() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let mut differ = Vec::new();
    for criterion in CRITERIA {
        for pattern in PATTERNS {
            let criterion = criterion.replace('P', pattern);
            std::fs::write(&config, format!("{criterion}\n  Port 2222\n")).unwrap();
            for name in NAMES {
                let user = if criterion.contains("user") {
                    name
                } else {
                    "u"
                };
                let expected = ssh_g(&ssh, &config, name, user).map_err(|_| ());
                let got = ours(&config, name, user).map_err(|_| ());
                if expected != got {
                    differ.push(format!(
                        "{criterion:?} {name:?}: ssh {expected:?}, sshfleet {got:?}"
                    ));
                }
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}

#[test]
fn ignore_unknown_patterns_match_bytes_and_fold_ascii_only_as_ssh_g() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let mut differ = Vec::new();
    for pattern in ["FÖO", "föo", "F?O", "F??O", "f*", "\u{212A}EY", "KEY"] {
        for keyword in ["Föo", "FÖo", "fÖo", "Key", "\u{212A}ey", "key"] {
            std::fs::write(&config, format!("IgnoreUnknown {pattern}\n{keyword} x\n")).unwrap();
            let expected = ssh_g(&ssh, &config, "h", "u").map_err(|_| ());
            let got = ours(&config, "h", "u").map_err(|_| ());
            if expected != got {
                differ.push(format!(
                    "{pattern:?} {keyword:?}: ssh {expected:?}, sshfleet {got:?}"
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}
