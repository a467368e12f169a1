//! Every refusal of a keyword's value is decided on the value in force
//! for the host: each row of [`VALUE_REFUSALS`] and every `Refused` row of
//! the keyword table, in force, in a block that does not apply, and after
//! the value that won; the last two compared with the installed `ssh -G`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use super::keywords::{Class, KEYWORDS};
use super::setting::VALUE_REFUSALS;
use super::*;

/// A value each `Refused` keyword of the table refuses (and OpenSSH reads).
const REFUSED_EXAMPLES: &[(&str, &str)] = &[
    ("bindaddress", "127.0.0.1"),
    ("bindinterface", "lo"),
    ("canonicalizehostname", "yes"),
    ("certificatefile", "/certs/user-cert.pub"),
    ("checkhostip", "yes"),
    ("forkafterauthentication", "yes"),
    ("knownhostscommand", "/bin/true"),
    ("nohostauthenticationforlocalhost", "yes"),
    ("pkcs11provider", "/lib/p11.so"),
    ("proxyusefdpass", "yes"),
    ("refuseconnection", "maintenance"),
    ("remotecommand", "uptime"),
    ("requiredrsasize", "2048"),
    ("securitykeyprovider", "/lib/sk.so"),
    ("sessiontype", "none"),
    ("updatehostkeys", "yes"),
    ("verifyhostkeydns", "yes"),
    ("versionaddendum", "extra"),
];

/// (keyword, a refused value, an accepted value if there is one, every
/// value in force): the whole class, from both tables.
fn rows() -> Vec<(&'static str, &'static str, Option<&'static str>, bool)> {
    let mut rows: Vec<_> = VALUE_REFUSALS
        .iter()
        .map(|r| (r.keyword, r.refused, Some(r.accepted), r.accumulates))
        .collect();
    for k in KEYWORDS {
        if let Class::Refused { accepts, .. } = k.class {
            let example = REFUSED_EXAMPLES
                .iter()
                .find(|(name, _)| *name == k.name)
                .unwrap_or_else(|| panic!("{}: add a refused value to REFUSED_EXAMPLES", k.name));
            let gathered = super::setting::GATHERED.contains(&k.name);
            rows.push((k.name, example.1, accepts.first().copied(), gathered));
        }
    }
    rows
}

fn ours(text: &str) -> Result<HostConfig, String> {
    SshConfig::parse(text, Path::new("/cfg"))
        .map_err(|e| e.to_string())?
        .lookup("h", None)
        .map_err(|e| e.to_string())
}

/// Whether the installed `ssh -G` reads `text` for host `h`; `None` when it
/// does not know a keyword in it.
fn ssh_accepts(dir: &Path, text: &str) -> Option<bool> {
    let ssh = super::table_tests::ssh_binary()?;
    let path = dir.join("config");
    std::fs::write(&path, text).unwrap();
    let out = super::table_tests::ssh_g(&ssh, &path, "h");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("Bad configuration option") || stderr.contains("Unsupported option") {
        return None;
    }
    Some(out.status.success())
}

#[test]
fn every_value_refusal_fires_only_for_the_value_in_force() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    for (keyword, refused, accepted, accumulates) in rows() {
        // In force: refused, naming the line and keyword.
        let text = format!("Host h\n  {keyword} {refused}\n");
        match ours(&text) {
            Err(e) if e.contains("/cfg:2:") && e.to_ascii_lowercase().contains(keyword) => {}
            other => failures.push(format!("in force:\n{text}=> {other:?}")),
        }
        // In a block that does not apply: read as ssh reads it.
        let text = format!("Host other\n  {keyword} {refused}\nHost *\n  Port 2201\n");
        if let Err(e) = ours(&text) {
            failures.push(format!("other block:\n{text}=> {e}"));
        }
        if ssh_accepts(dir.path(), &text) == Some(false) {
            failures.push(format!("other block, ssh -G refuses:\n{text}"));
        }
        // After the value that won (every value of an accumulating keyword
        // is in force: still refused).
        let Some(accepted) = accepted else {
            continue;
        };
        let text = format!("{keyword} {accepted}\n{keyword} {refused}\n");
        match (ours(&text), accumulates) {
            (Ok(_), false) | (Err(_), true) => {}
            (other, _) => failures.push(format!("shadowed:\n{text}=> {other:?}")),
        }
        if ssh_accepts(dir.path(), &text) == Some(false) {
            failures.push(format!("shadowed, ssh -G refuses:\n{text}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn password_first_is_refused_only_where_it_is_in_force() {
    // The attacker's two files: another host's block, a shadowed value.
    assert!(
        ours("Host alpha\n  PreferredAuthentications keyboard-interactive,publickey\n").is_ok()
    );
    let h = ours("PreferredAuthentications publickey,password\nPreferredAuthentications password,publickey\n")
        .unwrap();
    assert_eq!(
        h.other("preferredauthentications").unwrap().first(),
        "publickey,password"
    );
    let e = ours("Host h\n  PreferredAuthentications password,publickey\n").unwrap_err();
    assert!(
        e.contains("/cfg:2: preferredauthentications password,publickey: `password,publickey` puts a password method before publickey"),
        "{e}"
    );
}
