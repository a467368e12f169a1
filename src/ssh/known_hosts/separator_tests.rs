//! Field separators and hashed-name shapes of known_hosts lines, each
//! decided by sshfleet as by OpenSSH 9.2's hostfile.c, checked against the
//! installed `ssh-keygen -l -F` (the same hostfile.c reading, key parsed).
use super::*;
use std::process::Command;

const ED_A: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN88r1m2PhsDzF87nBRtow5iwjq6P+/7lhGKnOdEeRn/";
const SSH_KEYGEN: &str = "/usr/bin/ssh-keygen";

/// Every character Rust calls white space (and C `isspace`), but `\n`
/// which ends the line: whether OpenSSH cuts fields there. Only space and
/// tab do; `field_separator_table_is_complete` fails when one is missing.
const FIELD_SEPARATORS: &[(char, bool)] = &[
    (' ', true),
    ('\t', true),
    ('\u{0b}', false),
    ('\u{0c}', false),
    ('\r', false),
    ('\u{85}', false),
    ('\u{a0}', false),
    ('\u{1680}', false),
    ('\u{2000}', false),
    ('\u{2001}', false),
    ('\u{2002}', false),
    ('\u{2003}', false),
    ('\u{2004}', false),
    ('\u{2005}', false),
    ('\u{2006}', false),
    ('\u{2007}', false),
    ('\u{2008}', false),
    ('\u{2009}', false),
    ('\u{200a}', false),
    ('\u{2028}', false),
    ('\u{2029}', false),
    ('\u{202f}', false),
    ('\u{205f}', false),
    ('\u{3000}', false),
];

/// Where a separator candidate `S` stands in a line (`KEY` the type and
/// blob, `TYPE`/`BLOB` apart).
const PLACES: &[&str] = &[
    "Sfw1 KEY",
    "fw1STYPE BLOB",
    "fw1 TYPESBLOB",
    "fw1 KEYS",
    "fw1 KEYScomment",
    "fw1 TYPE BLOBSx",
    "S@revoked fw1 KEY",
    "@revokedSfw1 KEY",
    "@revoked fw1STYPE BLOB",
];

#[test]
fn field_separator_table_is_complete() {
    for c in (0..=0x10ffff).filter_map(char::from_u32) {
        if (c.is_whitespace() || c.is_ascii_whitespace() || c == '\u{0b}') && c != '\n' {
            assert!(
                FIELD_SEPARATORS.iter().any(|(s, _)| *s == c),
                "{c:?} is missing from FIELD_SEPARATORS"
            );
        }
    }
    for (c, separates) in FIELD_SEPARATORS {
        assert_eq!(SEPARATORS.contains(c), *separates, "{c:?}");
    }
}

/// What `ssh-keygen -l -F fw1` finds: `Some(revoked)` for a line it
/// reads as matching fw1 with a key.
fn keygen_finds(dir: &Path, text: &str, name: &str) -> Option<bool> {
    let file = dir.join("known_hosts");
    fs::write(&file, text).unwrap();
    let out = Command::new(SSH_KEYGEN)
        .args(["-l", "-F", name, "-f"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let found = stdout.lines().find(|l| l.starts_with("# Host "))?;
    Some(found.ends_with("REVOKED"))
}

/// What sshfleet reads: `Some(revoked)` when the line trusts or revokes
/// ED_A for `name`.
fn sshfleet_finds(text: &str, name: &str) -> Option<bool> {
    let k = KnownHosts::parse(text, Path::new("/test/known_hosts"));
    let key = PublicKey::from_str(ED_A).unwrap();
    if k.revoked(name, 22, &key).is_some() {
        return Some(true);
    }
    (k.check(name, 22, &key) == HostKeyStatus::Trusted).then_some(false)
}

fn have_keygen() -> bool {
    let found = Path::new(SSH_KEYGEN).exists();
    if !found {
        assert!(std::env::var_os("CI").is_none(), "CI must have ssh-keygen");
        eprintln!("skipping: {SSH_KEYGEN} not found");
    }
    found
}

#[test]
fn field_separators_are_cut_as_openssh_cuts_them() {
    if !have_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (ty, blob) = ED_A.split_once(' ').unwrap();
    for (sep, _) in FIELD_SEPARATORS {
        for place in PLACES {
            let line = place
                .replace("KEY", ED_A)
                .replace("TYPE", ty)
                .replace("BLOB", blob)
                .replace('S', &sep.to_string());
            let text = format!("{line}\n");
            assert_eq!(
                sshfleet_finds(&text, "fw1"),
                keygen_finds(dir.path(), &text, "fw1"),
                "{place} with {sep:?}"
            );
        }
    }
}

/// `|1|SALT|HASH` with salts of every length around OpenSSH's 20 bytes
/// (`extract_salt` takes exactly 20) and encodings ssh never writes.
#[test]
fn hashed_names_with_every_salt_shape_decide_as_openssh() {
    if !have_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let name = "fw1";
    let hash = |salt: &[u8]| {
        let mut mac = Hmac::<Sha1>::new_from_slice(salt).unwrap();
        mac.update(name.as_bytes());
        STANDARD.encode(mac.finalize().into_bytes())
    };
    let mut fields = Vec::new();
    for len in [0usize, 1, 16, 19, 20, 21, 32, 64] {
        let salt = vec![b's'; len];
        fields.push(format!("|1|{}|{}", STANDARD.encode(&salt), hash(&salt)));
    }
    let salt = [7u8; 20];
    let (s, h) = (STANDARD.encode(salt), hash(&salt));
    fields.push(format!("|1|{}|{h}", s.trim_end_matches('=')));
    fields.push(format!("|1|{s}|{}", h.trim_end_matches('=')));
    fields.push(format!("|1|{s}|{h}x"));
    fields.push(format!("|1|{s}|{h}|"));
    fields.push(format!("|1|{s}"));
    fields.push(format!("|2|{s}|{h}"));
    fields.push(format!("|1|{s}|{h},fw1"));
    for field in fields {
        for marker in ["", "@revoked "] {
            let text = format!("{marker}{field} {ED_A}\n");
            assert_eq!(
                sshfleet_finds(&text, name),
                keygen_finds(dir.path(), &text, name),
                "{text:?}"
            );
        }
    }
}
