//! Numeric host names against the installed `ssh -G`: the form ssh
//! connects to (what `%h` expands to, in `plan::target`) and `Match
//! final host`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use super::numeric::{parse_ipv4, resolved_host};
use super::*;

/// Valid and invalid numeric forms: every IPv4 part count and base, each
/// limit and one past it, malformed parts, IPv6 compression, embedded
/// IPv4, case, and names that only look numeric.
const FORMS: &[&str] = &[
    "127.1",
    "2130706433",
    "0x7f.1",
    "0X7F.1",
    "0x7F.0x0.0.1",
    "010.1.2.3",
    "01.2.3.4",
    "127.0.0.1",
    "1.2.3",
    "1.2.65535",
    "1.2.65536",
    "1.16777215",
    "1.16777216",
    "4294967295",
    "4294967296",
    "0xffffffff",
    "0x100000000",
    "037777777777",
    "040000000000",
    "256.1",
    "255.1",
    "1.2.3.4.5",
    "1.2.3.256",
    "0x",
    "0x.1",
    "08.1",
    "09",
    "1..2",
    "1.2.3.",
    ".1.2.3",
    "1.2.3.4 ",
    "00000000001.2",
    "0x00000000ff.1",
    "+1.2.3.4",
    "1.2.3.-4",
    "0:0:0:0:0:0:0:1",
    "::0001",
    "::1",
    "::",
    "0::0",
    "::ffff:1.2.3.4",
    "::FFFF:7f00:1",
    "::1.2.3.4",
    "::0.2.0.3",
    "::2:3",
    "::1:0",
    "1:0:0:2:0:0:0:3",
    "1:0:0:2:0:0:3:4",
    "fe80::1",
    "FE80::AB",
    "FE80::ZZ",
    "1:2:3:4:5:6:7::",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    ":1::",
    "1::2::3",
    "::00001",
    "::ffff:01.2.3.4",
    "::ffff:1.2.3",
    "1::1.2.3.4",
    "2001:DB8::",
    "Web1",
    "web1.Example.com",
    "1e2",
    "12a",
    "1.2.3.4%x",
    "foo%bar",
    "fe80::1%lo",
];

fn ssh_g(config: &Path) -> Option<(String, String)> {
    let out = Command::new("ssh")
        .args(["-G", "-F"])
        .arg(config)
        .arg("alias")
        .stdin(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key} ")))
            .unwrap_or("")
            .to_string()
    };
    Some((field("hostname"), field("user")))
}

#[test]
fn numeric_host_names_resolve_as_ssh_g_does() {
    if Command::new("ssh").arg("-V").output().is_err() {
        eprintln!("no ssh installed: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let mut failures = Vec::new();
    for family in [None, Some("inet"), Some("inet6")] {
        for form in FORMS {
            // First ask ssh where it connects, then check that `Match
            // final host` sees exactly that name.
            let written = form.replace('%', "%%");
            let base = match family {
                Some(f) => format!("Host alias\n HostName {written}\n AddressFamily {f}\n"),
                None => format!("Host alias\n HostName {written}\n"),
            };
            let first = base;
            std::fs::write(&path, &first).unwrap();
            let Some((ssh_host, _)) = ssh_g(&path) else {
                continue;
            };
            let text = format!("{first}Match final host \"{ssh_host}\"\n User finaluser\n");
            std::fs::write(&path, &text).unwrap();
            let theirs = ssh_g(&path).unwrap();
            let config = SshConfig::parse(&text, &path).unwrap();
            match config.lookup("alias", None) {
                Ok(ours) => {
                    let ours = (
                        ours.host_name.clone().unwrap_or_default(),
                        ours.user.clone().unwrap_or_default(),
                    );
                    if ours != theirs {
                        failures.push(format!("{family:?} {form}: ours {ours:?}, ssh {theirs:?}"));
                    }
                }
                Err(e) => {
                    // Only a zone id is refused, and only where ssh reads
                    // the name as an address.
                    if !form.contains('%') {
                        failures.push(format!("{family:?} {form}: refused: {e}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_attack_forms_become_the_standard_form() {
    for (form, want) in [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("010.1.2.3", "8.1.2.3"),
        ("01.2.3.4", "1.2.3.4"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("::0001", "::1"),
        ("256.1", "256.1"),
        ("Web1", "web1"),
        ("FE80::AB", "FE80::AB"),
        ("FE80::0:AB", "fe80::ab"),
    ] {
        assert_eq!(resolved_host(form, None).unwrap(), want, "{form}");
    }
    assert!(resolved_host("fe80::1%eth0", None).is_err());
    assert_eq!(parse_ipv4("0x"), None);
}
