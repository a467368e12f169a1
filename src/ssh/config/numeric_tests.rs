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

/// splitmix64, as `generated`: a seed names a case forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

/// One IPv4 part of `value` in a random base and case, sometimes padded
/// with zeros, sometimes malformed (an octal 8, a hex `g`, a sign, empty).
fn ipv4_part(rng: &mut Rng, value: u64) -> String {
    let pad = "0".repeat(rng.below(3) as usize * usize::from(rng.chance(20)));
    let text = match rng.below(4) {
        0 => format!("0{pad}{value:o}"),
        1 => format!("0x{pad}{value:x}"),
        2 => format!("0X{pad}{value:X}"),
        _ => value.to_string(),
    };
    if !rng.chance(8) {
        return text;
    }
    match rng.below(5) {
        0 => format!("{text}8"),
        1 => format!("{text}g"),
        2 => format!("+{text}"),
        3 => String::new(),
        _ => format!("0x{text}"),
    }
}

/// A dotted IPv4 form with 1 to 4 parts (sometimes 5), each part's value
/// at, near or past its limit (the last part fills the remaining bytes).
fn ipv4_form(rng: &mut Rng) -> String {
    let parts = 1 + rng.below(5) as usize;
    let parts = if parts == 5 && rng.chance(60) {
        4
    } else {
        parts
    };
    let last_max: u64 = match parts {
        1 => 0xffff_ffff,
        2 => 0xff_ffff,
        3 => 0xffff,
        _ => 0xff,
    };
    let value = |rng: &mut Rng, max: u64| match rng.below(6) {
        0 => 0,
        1 => max,
        2 => max + 1,
        3 => 1 + rng.below(9),
        4 => u64::from(u32::MAX) + rng.below(3),
        _ => rng.below(max + 1),
    };
    let mut out: Vec<String> = Vec::new();
    for _ in 1..parts {
        let v = value(rng, 0xff);
        out.push(ipv4_part(rng, v));
    }
    let v = value(rng, last_max);
    out.push(ipv4_part(rng, v));
    let mut text = out.join(".");
    if rng.chance(4) {
        text.push('.');
    }
    text
}

/// An IPv6 form: eight groups (often zero, so runs form), each written
/// with 1 to 4 digits (sometimes 5: invalid) in either case; one run of
/// zero groups (any length, even one) compressed to `::`; sometimes an
/// IPv4 tail (v4-mapped, v4-compatible or anywhere), sometimes a zone id.
fn ipv6_form(rng: &mut Rng) -> String {
    let mut groups: Vec<u16> = (0..8)
        .map(|_| match rng.below(4) {
            0 | 1 => 0,
            2 => rng.below(16) as u16,
            _ => rng.next() as u16,
        })
        .collect();
    let v4_tail = rng.chance(25);
    if v4_tail {
        match rng.below(3) {
            0 => groups[..6].copy_from_slice(&[0, 0, 0, 0, 0, 0xffff]),
            1 => groups[..6].copy_from_slice(&[0; 6]),
            _ => {}
        }
    }
    let upper = rng.chance(30);
    let mut words: Vec<String> = groups
        .iter()
        .map(|g| {
            let width = 1 + rng.below(4) as usize + usize::from(rng.chance(3));
            let text = format!("{g:0width$x}");
            if upper { text.to_uppercase() } else { text }
        })
        .collect();
    if v4_tail {
        let (a, b) = (groups[6], groups[7]);
        words.truncate(6);
        words.push(format!("{}.{}.{}.{}", a >> 8, a & 0xff, b >> 8, b & 0xff));
    }
    // Compress one run of zero groups (`None`: write all of them).
    let zeros: Vec<usize> = (0..words.len())
        .filter(|&i| groups[i] == 0 && !(v4_tail && i >= 6))
        .collect();
    let mut text = words.join(":");
    if !zeros.is_empty() && rng.chance(75) {
        let start = zeros[rng.below(zeros.len() as u64) as usize];
        let mut end = start + 1;
        while end < words.len() && zeros.contains(&end) && rng.chance(80) {
            end += 1;
        }
        text = format!("{}::{}", words[..start].join(":"), words[end..].join(":"));
    }
    if rng.chance(10) {
        text.push_str(rng.pick(&["%eth0", "%lo", "%1", "%nosuch"]));
    }
    text
}

/// A few hundred generated numeric forms, dotted IPv4 (1 to 4 parts,
/// octal, hex, overflow, malformed) and IPv6 (every compression, an IPv4
/// tail, v4-mapped, zone ids), under each `AddressFamily`, resolved by
/// sshfleet and by the installed `ssh -G`: the host name must be the
/// same, and only an IPv6 address with a zone id may be refused (and must
/// be).
#[test]
fn generated_numeric_forms_resolve_as_ssh_g_does() {
    if Command::new("ssh").arg("-V").output().is_err() {
        eprintln!("no ssh installed: skipped");
        return;
    }
    let seed: u64 = std::env::var("SSHFLEET_GEN_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let mut rng = Rng(seed);
    let mut text = String::new();
    let mut forms = Vec::new();
    for i in 0..400 {
        let form = if rng.chance(55) {
            ipv4_form(&mut rng)
        } else {
            ipv6_form(&mut rng)
        };
        let family = rng.pick(&["", "inet", "inet6"]);
        text.push_str(&format!(
            "Host a{i}\n HostName {}\n",
            form.replace('%', "%%")
        ));
        if !family.is_empty() {
            text.push_str(&format!(" AddressFamily {family}\n"));
        }
        forms.push((form, family));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, &text).unwrap();
    let config = SshConfig::parse(&text, &path).unwrap();
    let mut failures = Vec::new();
    for (i, (form, family)) in forms.iter().enumerate() {
        let alias = format!("a{i}");
        let out = Command::new("ssh")
            .args(["-G", "-F"])
            .arg(&path)
            .arg(&alias)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        let theirs = String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("hostname ").map(str::to_string))
            .unwrap_or_default();
        let zone = form
            .split_once('%')
            .is_some_and(|(a, _)| a.parse::<std::net::Ipv6Addr>().is_ok() && *family != "inet");
        match config.lookup(&alias, None) {
            Ok(ours) if zone => failures.push(format!(
                "{form} ({family}): a zone id, resolved to {:?} (ssh: {theirs})",
                ours.host_name
            )),
            Ok(ours) if ours.host_name.as_deref() != Some(theirs.as_str()) => failures.push(
                format!("{form} ({family}): ours {:?}, ssh {theirs}", ours.host_name),
            ),
            Ok(_) => {}
            Err(e) if !zone => failures.push(format!("{form} ({family}): refused: {e}")),
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
