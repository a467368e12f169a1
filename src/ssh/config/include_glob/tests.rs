#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use super::*;
use crate::ssh::config::{HostConfig, SshConfig};
use std::process::Command;

fn one(pattern: &str, name: &str) -> bool {
    matches(name.as_bytes(), &compile(pattern.as_bytes()).unwrap())
}

#[test]
fn segments_match_bytes_with_escapes_and_sets() {
    assert!(one("??.conf", "ä.conf"));
    assert!(!one("?.conf", "ä.conf"));
    assert!(one("\\site.conf", "site.conf"));
    assert!(one("\\*.conf", "*.conf"));
    assert!(!one("\\*.conf", "a.conf"));
    assert!(one("[ab].conf", "a.conf"));
    assert!(!one("[!ab].conf", "a.conf"));
    assert!(one("[a-c]x", "bx"));
    assert!(one("[]]", "]"));
    assert!(one("[a-]", "-"));
    assert!(one("[ab", "[ab"));
    assert!(one("a*b*c", "aXbYc"));
    assert!(!one("a*b*c", "aXbY"));
    assert!(compile(b"[[:alpha:]]").is_err());
}

/// Files each naming a host of their own (`f0`, `f1`, ...): which of them
/// an `Include` pattern reads, by the port `ssh -G fN` resolves.
const FILES: &[&str] = &[
    "site.conf",
    ".disabled.conf",
    "ä.conf",
    "€.conf",
    "[ab].conf",
    "a.conf",
    "b*.conf",
];

const PATTERNS: &[&str] = &[
    "*.conf",
    "\\site.conf",
    "?.conf",
    "??.conf",
    "???.conf",
    ".*",
    "[.]*",
    "\\.dis*",
    "?disabled.conf",
    "[ab].conf",
    "\\[ab].conf",
    "[!s]*.conf",
    "*",
    "b\\*.conf",
    "s*",
    "*dangling*",
];

fn ssh_g(ssh: &Path, config: &Path, host: &str) -> Result<String, ()> {
    let out = Command::new(ssh)
        .arg("-G")
        .arg("-F")
        .arg(config)
        .arg(host)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(());
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("port "))
        .unwrap_or_default()
        .to_string())
}

fn ours(config: &Path, host: &str) -> Result<String, ()> {
    let file = SshConfig::load(config).map_err(|_| ())?;
    let resolved = file
        .lookup_with(host, HostConfig::default(), &SshConfig::default())
        .map_err(|_| ())?;
    Ok(resolved.port.unwrap_or(22).to_string())
}

use std::path::Path;

#[test]
fn include_globs_read_the_files_ssh_g_reads() {
    let Some(ssh) = crate::ssh::config::table_tests::ssh_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("config.d");
    std::fs::create_dir(&d).unwrap();
    for (i, name) in FILES.iter().enumerate() {
        std::fs::write(d.join(name), format!("Host f{i}\n  Port {}\n", 1000 + i)).unwrap();
    }
    std::os::unix::fs::symlink("/nonexistent/removed.conf", d.join("dangling.conf")).unwrap();
    let config = dir.path().join("config");
    let mut differ = Vec::new();
    for pattern in PATTERNS {
        std::fs::write(&config, format!("Include {}/{pattern}\n", d.display())).unwrap();
        for (i, file) in FILES.iter().enumerate() {
            let host = format!("f{i}");
            let expected = ssh_g(&ssh, &config, &host);
            let got = ours(&config, &host);
            if expected != got {
                differ.push(format!(
                    "{pattern:?} {file:?}: ssh {expected:?}, sshfleet {got:?}"
                ));
            }
        }
    }
    assert!(differ.is_empty(), "{differ:#?}");
}
