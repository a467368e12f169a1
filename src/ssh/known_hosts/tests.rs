//! Tests of `known_hosts`: matching, hashing, revocation, appending.
use super::*;
use std::process::Command;

const ED_A: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIN88r1m2PhsDzF87nBRtow5iwjq6P+/7lhGKnOdEeRn/";
const ED_B: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVJYrLcAEhfqIciz357S+cKXAuyZJwMHtjUf0I/ayup";
const EC_A: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHD4xD+e7lAHwNYmeXhU3TDrUtB009mBSEiiP1D57P2+UdYJE01RXZIDDv5OOme76u/zsPVVLbS8fWEt5a8c7WM=";
const SSH_KEYGEN: &str = "/usr/bin/ssh-keygen";

fn key(s: &str) -> PublicKey {
    PublicKey::from_str(s).unwrap()
}

fn kh(text: &str) -> KnownHosts {
    KnownHosts::parse(text, Path::new("/test/known_hosts"))
}

fn have_ssh_keygen() -> bool {
    if Path::new(SSH_KEYGEN).exists() {
        true
    } else {
        eprintln!("skipping: {SSH_KEYGEN} not found");
        false
    }
}

#[test]
fn plain_match() {
    let k = kh(&format!("fw1.example.net {ED_A}\n"));
    assert!(k.warnings().is_empty());
    assert_eq!(
        k.check("fw1.example.net", 22, &key(ED_A)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("FW1.Example.NET", 22, &key(ED_A)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("fw2.example.net", 22, &key(ED_A)),
        HostKeyStatus::Unknown
    );
    // A comment on the presented key does not matter.
    assert_eq!(
        k.check("fw1.example.net", 22, &key(&format!("{ED_A} me@laptop"))),
        HostKeyStatus::Trusted
    );
}

#[test]
fn upper_case_pattern_matches() {
    let k = kh(&format!("FW1.Example.Net {ED_A}\n"));
    assert_eq!(
        k.check("fw1.example.net", 22, &key(ED_A)),
        HostKeyStatus::Trusted
    );
}

#[test]
fn comma_separated_patterns() {
    let k = kh(&format!("fw1,10.0.0.1,fw1.example.net {ED_A}\n"));
    for host in ["fw1", "10.0.0.1", "fw1.example.net"] {
        assert_eq!(
            k.check(host, 22, &key(ED_A)),
            HostKeyStatus::Trusted,
            "{host}"
        );
    }
    assert_eq!(k.check("10.0.0.2", 22, &key(ED_A)), HostKeyStatus::Unknown);
}

#[test]
fn non_standard_port_uses_brackets() {
    let k = kh(&format!("[fw1]:2222 {ED_A}\nfw2 {ED_B}\n"));
    assert_eq!(k.check("fw1", 2222, &key(ED_A)), HostKeyStatus::Trusted);
    // `[fw1]:2222` does not cover port 22, nor another port.
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
    assert_eq!(k.check("fw1", 2223, &key(ED_A)), HostKeyStatus::Unknown);
    // A bare `fw2` covers port 22 only.
    assert_eq!(k.check("fw2", 22, &key(ED_B)), HostKeyStatus::Trusted);
    assert_eq!(k.check("fw2", 2222, &key(ED_B)), HostKeyStatus::Unknown);
}

#[test]
fn explicit_port_22_brackets_do_not_match() {
    // OpenSSH looks up plain `host` for port 22, so `[host]:22` never matches.
    let k = kh(&format!("[fw1]:22 {ED_A}\n"));
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
}

#[test]
fn wildcards() {
    let k = kh(&format!(
        "*.dc1.example.net {ED_A}\nfw? {ED_B}\n[*.lab]:2222 {EC_A}\n"
    ));
    assert_eq!(
        k.check("fw9.dc1.example.net", 22, &key(ED_A)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("dc1.example.net", 22, &key(ED_A)),
        HostKeyStatus::Unknown
    );
    assert_eq!(k.check("fw7", 22, &key(ED_B)), HostKeyStatus::Trusted);
    assert_eq!(k.check("fw10", 22, &key(ED_B)), HostKeyStatus::Unknown);
    assert_eq!(k.check("fw", 22, &key(ED_B)), HostKeyStatus::Unknown);
    assert_eq!(k.check("a.lab", 2222, &key(EC_A)), HostKeyStatus::Trusted);
    assert_eq!(k.check("a.lab", 22, &key(EC_A)), HostKeyStatus::Unknown);
    assert_eq!(k.check("a.lab", 2200, &key(EC_A)), HostKeyStatus::Unknown);
}

#[test]
fn negation_excludes_line() {
    let k = kh(&format!("*.example.net,!bad.example.net {ED_A}\n"));
    assert_eq!(
        k.check("good.example.net", 22, &key(ED_A)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("bad.example.net", 22, &key(ED_A)),
        HostKeyStatus::Unknown
    );
    // Order does not matter: a negated match wins.
    let k = kh(&format!("!bad.example.net,*.example.net {ED_A}\n"));
    assert_eq!(
        k.check("bad.example.net", 22, &key(ED_A)),
        HostKeyStatus::Unknown
    );
    // A negated pattern alone matches nothing.
    let k = kh(&format!("!bad.example.net {ED_A}\n"));
    assert_eq!(
        k.check("good.example.net", 22, &key(ED_A)),
        HostKeyStatus::Unknown
    );
    // A line excluded by negation cannot report Changed either.
    let k = kh(&format!("*,!fw1 {ED_B}\n"));
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
    assert_eq!(
        k.check("fw2", 22, &key(ED_A)),
        HostKeyStatus::Changed { line: 1 }
    );
}

#[test]
fn changed_key_reports_first_line() {
    let k = kh(&format!(
        "# header\nother {ED_A}\nfw1 {ED_B}\nfw1,fw2 {ED_B}\n"
    ));
    assert_eq!(
        k.check("fw1", 22, &key(ED_A)),
        HostKeyStatus::Changed { line: 3 }
    );
}

#[test]
fn any_matching_entry_with_the_key_is_trusted() {
    // Several keys of one type for a host (e.g. during rotation): the
    // presented key only needs to be one of them.
    let k = kh(&format!("fw1 {ED_B}\nfw1 {ED_A}\n"));
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
    assert_eq!(k.check("fw1", 22, &key(ED_B)), HostKeyStatus::Trusted);
}

#[test]
fn different_algorithm_is_unknown() {
    let k = kh(&format!("fw1 {EC_A}\n"));
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
    let k = kh(&format!("fw1 {EC_A}\nfw1 {ED_B}\n"));
    assert_eq!(
        k.check("fw1", 22, &key(ED_A)),
        HostKeyStatus::Changed { line: 2 }
    );
    assert_eq!(k.check("fw1", 22, &key(EC_A)), HostKeyStatus::Trusted);
}

#[test]
fn revoked() {
    let k = kh(&format!("fw1 {ED_A}\n@revoked fw1 {ED_A}\n"));
    assert_eq!(
        k.check("fw1", 22, &key(ED_A)),
        HostKeyStatus::Revoked { line: 2 }
    );
    // Revoked for another host only: OpenSSH never reads that line for
    // fw1, and trusts the key.
    let k = kh(&format!("@revoked other {ED_A}\nfw1 {ED_A}\n"));
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
    assert_eq!(k.revoked("fw1", 22, &key(ED_A)), None);
    assert_eq!(k.revoked("other", 22, &key(ED_A)), Some(1));
    // Negated for this host, or with the port missing: not for it either.
    let k = kh(&format!(
        "@revoked !fw1,* {ED_A}\n@revoked fw1 {ED_A}\n@revoked [fw1]:2222,!other {ED_A}\n"
    ));
    assert_eq!(
        k.check("fw1", 22, &key(ED_A)),
        HostKeyStatus::Revoked { line: 2 }
    );
    // `!fw1` does not negate `[fw1]:2222`: `*` matches it.
    assert_eq!(
        k.check("fw1", 2222, &key(ED_A)),
        HostKeyStatus::Revoked { line: 1 }
    );
    let k = kh(&format!("@revoked [fw1]:2222,!other {ED_A}\n"));
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
    assert_eq!(
        k.check("fw1", 2222, &key(ED_A)),
        HostKeyStatus::Revoked { line: 1 }
    );
    assert_eq!(k.check("other", 2222, &key(ED_A)), HostKeyStatus::Unknown);
    // A wildcard, a hashed name of this host, any case.
    let hashed = hashed_name("[fw1]:2200");
    let k = kh(&format!(
        "@revoked * {ED_A}\n@revoked {hashed} {ED_B}\n@revoked FW2 {EC_A}\n"
    ));
    assert_eq!(
        k.check("fw1", 22, &key(ED_A)),
        HostKeyStatus::Revoked { line: 1 }
    );
    assert_eq!(
        k.check("fw1", 2200, &key(ED_B)),
        HostKeyStatus::Revoked { line: 2 }
    );
    assert_eq!(k.check("fw1", 22, &key(ED_B)), HostKeyStatus::Unknown);
    assert_eq!(
        k.check("fw2", 22, &key(EC_A)),
        HostKeyStatus::Revoked { line: 3 }
    );
    // Revoking one key does not touch another, and a revoked line does
    // not count as the host's key.
    let k = kh(&format!("@revoked fw1 {ED_B}\n"));
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
    let k = kh(&format!("@revoked fw1 {ED_B}\nfw1 {ED_A}\n"));
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
}

#[test]
fn cert_authority_lines_ignored_for_plain_keys() {
    let k = kh(&format!("@cert-authority *.example.net {ED_A}\n"));
    assert_eq!(
        k.check("fw1.example.net", 22, &key(ED_A)),
        HostKeyStatus::Unknown
    );
    assert_eq!(
        k.check("fw1.example.net", 22, &key(ED_B)),
        HostKeyStatus::Unknown
    );
    assert!(k.warnings().is_empty());
}

#[test]
fn comments_blank_lines_and_tabs() {
    let text = format!(
        "# a comment\n\n   \n\t# indented comment\nfw1\t{}\n  fw2 \t {}   trailing comment here\r\n@revoked\tfw3\t{}\n",
        ED_A.replacen(' ', "\t", 1),
        ED_B.replacen(' ', "  ", 1),
        EC_A.replacen(' ', "\t", 1),
    );
    let k = kh(&text);
    assert!(k.warnings().is_empty(), "{:?}", k.warnings());
    assert_eq!(k.len(), 3);
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
    assert_eq!(k.check("fw2", 22, &key(ED_B)), HostKeyStatus::Trusted);
    assert_eq!(
        k.check("fw3", 22, &key(EC_A)),
        HostKeyStatus::Revoked { line: 7 }
    );
    assert_eq!(
        k.check("fw1", 22, &key(ED_B)),
        HostKeyStatus::Changed { line: 5 }
    );
}

#[test]
fn malformed_lines_skipped_with_warnings() {
    let text = format!(
        "fw1 {ED_B}\nthis is not a key\nfw2\n@bogus fw1 {ED_A}\nfw3 ssh-ed25519 !!!notbase64\n\nfw1 {ED_A}\n|1|bad|salt {ED_A}\nfw4 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEVJYrLc\n"
    );
    let k = kh(&text);
    assert_eq!(
        k.warnings(),
        [
            "/test/known_hosts:2: the key cannot be read: invalid format (`is` is no key type OpenSSH knows); that line is ignored, as ssh ignores it",
            "/test/known_hosts:3: the line ends before its key type; that line is ignored, as ssh ignores it",
            "/test/known_hosts:4: invalid marker: not @cert-authority or @revoked",
            "/test/known_hosts:5: the key cannot be read: invalid format (the key is not base64); that line is ignored, as ssh ignores it",
            "/test/known_hosts:8: hashed host name has a salt that is not base64; that line is ignored, as ssh ignores it",
            "/test/known_hosts:9: cannot parse",
        ]
    );
    assert_eq!(k.len(), 2);
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
    assert_eq!(k.check("fw1", 22, &key(EC_A)), HostKeyStatus::Unknown);
    let k = kh(&format!("junk\nfw1 {ED_B}\n"));
    assert_eq!(
        k.check("fw1", 22, &key(ED_A)),
        HostKeyStatus::Changed { line: 2 }
    );
}

/// `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, as `ssh-keygen -H` writes.
fn hash_name(salt: &[u8], name: &str) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(salt).unwrap();
    mac.update(name.as_bytes());
    let hash = mac.finalize().into_bytes();
    format!("|1|{}|{}", STANDARD.encode(salt), STANDARD.encode(hash))
}

#[test]
fn hashed_entries_computed() {
    let salt = [7u8; 20];
    let text = format!(
        "{} {ED_A}\n{} {ED_B}\n",
        hash_name(&salt, "fw1.example.net"),
        hash_name(&salt, "[fw2.example.net]:2222"),
    );
    let k = kh(&text);
    assert!(k.warnings().is_empty());
    assert_eq!(
        k.check("fw1.example.net", 22, &key(ED_A)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("FW1.example.net", 22, &key(ED_A)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("fw1.example.net", 22, &key(ED_B)),
        HostKeyStatus::Changed { line: 1 }
    );
    assert_eq!(
        k.check("fw1.example.net", 2222, &key(ED_A)),
        HostKeyStatus::Unknown
    );
    assert_eq!(
        k.check("fw2.example.net", 2222, &key(ED_B)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("fw2.example.net", 22, &key(ED_B)),
        HostKeyStatus::Unknown
    );
}

#[test]
fn hashed_entries_from_ssh_keygen() {
    if !have_ssh_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("known_hosts");
    fs::write(
        &file,
        format!("fw1.example.net {ED_A}\n[fw2.example.net]:2222 {ED_B}\n10.1.2.3 {EC_A}\n"),
    )
    .unwrap();
    let out = Command::new(SSH_KEYGEN)
        .arg("-H")
        .arg("-f")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hashed = fs::read_to_string(&file).unwrap();
    assert!(!hashed.contains("example.net"), "not hashed: {hashed}");
    assert_eq!(hashed.lines().filter(|l| l.starts_with("|1|")).count(), 3);

    // Our own HMAC reproduces ssh-keygen's hash for its salt.
    let first = hashed.lines().next().unwrap();
    let hosts = first.split_whitespace().next().unwrap();
    let salt_b64 = hosts.split('|').nth(2).unwrap();
    let salt = STANDARD.decode(salt_b64).unwrap();
    assert_eq!(hash_name(&salt, "fw1.example.net"), hosts);

    let k = KnownHosts::load(&file).unwrap();
    assert!(k.warnings().is_empty(), "{:?}", k.warnings());
    assert_eq!(
        k.check("fw1.example.net", 22, &key(ED_A)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("fw2.example.net", 2222, &key(ED_B)),
        HostKeyStatus::Trusted
    );
    assert_eq!(
        k.check("fw2.example.net", 22, &key(ED_B)),
        HostKeyStatus::Unknown
    );
    assert_eq!(k.check("10.1.2.3", 22, &key(EC_A)), HostKeyStatus::Trusted);
    assert_eq!(k.check("10.1.2.3", 22, &key(ED_A)), HostKeyStatus::Unknown);
    assert_eq!(
        k.check("fw1.example.net", 22, &key(ED_B)),
        HostKeyStatus::Changed { line: 1 }
    );
    assert_eq!(
        k.check("fw3.example.net", 22, &key(ED_A)),
        HostKeyStatus::Unknown
    );
}

#[test]
fn load_missing_file_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope");
    let k = KnownHosts::load(&path).unwrap();
    assert_eq!(k.len(), 0);
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Unknown);
}

#[test]
fn load_unreadable_is_read_error() {
    // A directory cannot be read as a file, even as root.
    let dir = tempfile::tempdir().unwrap();
    match KnownHosts::load(dir.path()) {
        Err(KnownHostsError::Read { path, .. }) => assert_eq!(path, dir.path()),
        other => panic!("expected Read error, got {other:?}"),
    }
}

#[test]
fn load_reports_path_in_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    fs::write(&path, b"fw1 \xff\xfe garbage\n").unwrap();
    let k = KnownHosts::load(&path).unwrap();
    assert_eq!(
        k.warnings(),
        [format!(
            "{}:1: the key cannot be read: invalid format (`\u{fffd}\u{fffd}` is no key type OpenSSH knows); that line is ignored, as ssh ignores it",
            path.display()
        )]
    );
}

#[test]
fn entry_line_format() {
    let k = key(&format!("{ED_A} some comment"));
    assert_eq!(entry_line("fw1", 22, &k), format!("fw1 {ED_A}"));
    assert_eq!(entry_line("fw1", 2222, &k), format!("[fw1]:2222 {ED_A}"));
    assert_eq!(
        entry_line("10.0.0.1", 830, &key(EC_A)),
        format!("[10.0.0.1]:830 {EC_A}")
    );
}

#[test]
fn append_to_missing_file_then_trusted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    append(&path, "fw1", 2222, &key(ED_A), false).unwrap();
    append(&path, "fw2", 22, &key(ED_B), false).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text, format!("[fw1]:2222 {ED_A}\nfw2 {ED_B}\n"));
    let k = KnownHosts::load(&path).unwrap();
    assert_eq!(k.check("fw1", 2222, &key(ED_A)), HostKeyStatus::Trusted);
    assert_eq!(k.check("fw2", 22, &key(ED_B)), HostKeyStatus::Trusted);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn append_adds_missing_newline() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    fs::write(&path, format!("fw1 {ED_A}")).unwrap();
    append(&path, "fw2", 22, &key(ED_B), false).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text, format!("fw1 {ED_A}\nfw2 {ED_B}\n"));
    let k = KnownHosts::load(&path).unwrap();
    assert_eq!(k.check("fw1", 22, &key(ED_A)), HostKeyStatus::Trusted);
    assert_eq!(k.check("fw2", 22, &key(ED_B)), HostKeyStatus::Trusted);
}

#[test]
fn append_to_empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("known_hosts");
    fs::write(&path, "").unwrap();
    append(&path, "fw1", 22, &key(ED_A), false).unwrap();
    assert_eq!(fs::read_to_string(&path).unwrap(), format!("fw1 {ED_A}\n"));
}

#[test]
fn fingerprint_matches_ssh_keygen() {
    if !have_ssh_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for kind in ["ed25519", "ecdsa", "rsa"] {
        let path = dir.path().join(format!("id_{kind}"));
        let out = Command::new(SSH_KEYGEN)
            .args(["-q", "-t", kind, "-N", "", "-C", "test", "-f"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let pub_path = path.with_extension("pub");
        let out = Command::new(SSH_KEYGEN)
            .arg("-lf")
            .arg(&pub_path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // e.g. "256 SHA256:abc... test (ED25519)"
        let listed = String::from_utf8(out.stdout).unwrap();
        let expected = listed.split_whitespace().nth(1).unwrap();
        let k = key(&fs::read_to_string(&pub_path).unwrap());
        assert_eq!(fingerprint(&k), expected, "{kind}");
        assert!(fingerprint(&k).starts_with("SHA256:"));
        assert!(!fingerprint(&k).ends_with('='));
    }
}

/// OpenSSH 9.2's marker grammar (hostfile.c `check_markers`), each
/// variant as `ssh` reads it (checked with the real client in
/// tests/integration/known_hosts_parity.rs): a marker ends at the line's
/// first space (at its first tab only when it has no space), must be
/// exactly `@cert-authority` or `@revoked`, and comes once. A line with an
/// invalid marker is ignored: its CA is not trusted, its key not revoked.
const MARKER_VARIANTS: [(&str, bool); 12] = [
    ("@cert-authority * TYPE KEY", true),
    ("@cert-authority\t* TYPE KEY", false),
    ("@cert-authority\t*\tTYPE\tKEY", true),
    ("@cert-authority\t*\tTYPE\tKEY a comment", false),
    ("@cert-authority \t * TYPE KEY", true),
    ("  \t@cert-authority * TYPE KEY", true),
    ("@Cert-Authority * TYPE KEY", false),
    ("@CERT-AUTHORITY * TYPE KEY", false),
    ("@foo * TYPE KEY", false),
    ("@cert-authority @cert-authority * TYPE KEY", false),
    ("@ * TYPE KEY", false),
    ("@cert-authority* TYPE KEY", false),
];

#[test]
fn markers_are_read_as_openssh_reads_them() {
    let (ty, blob) = ED_A.split_once(' ').unwrap();
    for (variant, valid) in MARKER_VARIANTS {
        let line = variant.replace("TYPE", ty).replace("KEY", blob);
        let k = kh(&format!("{line}\n"));
        assert_eq!(
            !k.authorities("fw1", 22).is_empty(),
            valid,
            "{variant:?}: {:?}",
            k.warnings()
        );
        // The same grammar for @revoked, beside a line that trusts the key.
        let revoked = line.replace("@cert-authority", "@revoked");
        let k = kh(&format!("{revoked}\nfw1 {ED_A}\n"));
        let status = k.check("fw1", 22, &key(ED_A));
        let expect_revoked = valid && revoked.contains("@revoked");
        assert_eq!(
            matches!(status, HostKeyStatus::Revoked { .. }),
            expect_revoked,
            "{revoked:?}: {status:?}"
        );
        assert_eq!(
            k.warnings().is_empty(),
            valid || !variant.contains('@'),
            "{revoked:?}"
        );
    }
}

/// Under accept-new a key is appended through a known_hosts path that is a
/// symbolic link, as OpenSSH does (docs/SECURITY.md I5 states why).
#[cfg(unix)]
#[test]
fn append_goes_through_a_symbolic_link_as_openssh() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("shared_known_hosts");
    fs::write(&real, format!("fw2 {ED_B}\n")).unwrap();
    let link = dir.path().join("known_hosts");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    append(&link, "fw1", 22, &key(ED_A), false).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        fs::read_to_string(&real).unwrap(),
        format!("fw2 {ED_B}\nfw1 {ED_A}\n")
    );
}

/// A host certificate of each type ssh-keygen makes (Ed25519, ECDSA on
/// each curve, RSA), signed by an Ed25519 CA: (`type base64` of the
/// certificate, `type base64` of its key, `type base64` of the CA).
fn certificates(dir: &Path) -> Vec<(String, String, String)> {
    let run = |args: &[&str]| {
        let ok = Command::new(SSH_KEYGEN)
            .args(args)
            .status()
            .unwrap()
            .success();
        assert!(ok, "ssh-keygen {args:?}");
    };
    let first_two = |path: PathBuf| {
        let text = fs::read_to_string(path).unwrap();
        text.split_whitespace()
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ca = dir.join("ca");
    run(&["-q", "-t", "ed25519", "-N", "", "-f", ca.to_str().unwrap()]);
    let mut out = Vec::new();
    for (kind, bits) in [
        ("ed25519", "256"),
        ("ecdsa", "256"),
        ("ecdsa", "384"),
        ("ecdsa", "521"),
        ("rsa", "2048"),
    ] {
        let key = dir.join(format!("{kind}{bits}"));
        let k = key.to_str().unwrap();
        run(&["-q", "-t", kind, "-b", bits, "-N", "", "-f", k]);
        let public = format!("{k}.pub");
        run(&[
            "-q",
            "-s",
            ca.to_str().unwrap(),
            "-I",
            "t",
            "-h",
            "-n",
            "fw1",
            &public,
        ]);
        out.push((
            first_two(dir.join(format!("{kind}{bits}-cert.pub"))),
            first_two(PathBuf::from(&public)),
            first_two(dir.join("ca.pub")),
        ));
    }
    out
}

/// A certificate on a known_hosts line is read as OpenSSH reads it, for
/// every type: `@revoked` revokes the key it certifies (presented plain
/// or as a certificate, whose CA is checked too by the caller);
/// `@cert-authority` trusts the key it certifies as a CA; unmarked, it
/// trusts nothing, is another key listed for the host (ssh says the key
/// changed) and no type the host is known by.
#[test]
fn certificate_lines_mean_their_key_per_marker() {
    if !have_ssh_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (cert, plain, _ca) in certificates(dir.path()) {
        let kind = cert.split(' ').next().unwrap().to_string();
        let k = kh(&format!("@revoked * {cert}\nfw1 {plain}\n"));
        assert!(k.warnings().is_empty(), "{kind}: {:?}", k.warnings());
        assert_eq!(
            k.check("fw1", 22, &key(&plain)),
            HostKeyStatus::Revoked { line: 1 },
            "{kind}"
        );
        let k = kh(&format!("@cert-authority fw1 {cert}\n"));
        assert_eq!(k.authorities("fw1", 22), vec![(1, key(&plain))], "{kind}");
        let k = kh(&format!("fw1 {cert}\n"));
        assert_eq!(k.check("fw1", 22, &key(&plain)), HostKeyStatus::Unknown);
        assert_eq!(k.known_other_type("fw1", 22, &key(&plain)), Some((kind, 1)));
        assert!(k.known_keys("fw1", 22).is_empty());
    }
}

/// A certificate whose CA signature does not verify, or whose blob is not
/// the type its field names, is a line OpenSSH cannot read: skipped, with
/// a warning, as every unreadable line.
#[test]
fn unreadable_certificate_lines_are_skipped() {
    if !have_ssh_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let certs = certificates(dir.path());
    let (cert, plain, _) = &certs[0];
    let (kind, blob) = cert.split_once(' ').unwrap();
    let mut bytes = STANDARD.decode(blob).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let tampered = format!("{kind} {}", STANDARD.encode(&bytes));
    let other_type = format!("ecdsa-sha2-nistp256-cert-v01@openssh.com {blob}");
    for line in [tampered, other_type] {
        let k = kh(&format!("@revoked * {line}\nfw1 {plain}\n"));
        assert_eq!(k.warnings().len(), 1, "{line}");
        assert_eq!(k.check("fw1", 22, &key(plain)), HostKeyStatus::Trusted);
    }
}

/// `RevokedHostKeys` reads a certificate line as the key it certifies,
/// as `sshkey_in_file` does: that key is revoked, another is not (ssh
/// connects), where the line used to fail the check.
#[test]
fn revoked_host_keys_file_reads_certificates_as_their_key() {
    if !have_ssh_keygen() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let certs = certificates(dir.path());
    let file = dir.path().join("revoked");
    for (cert, plain, _) in &certs {
        fs::write(&file, format!("{cert} a comment\n")).unwrap();
        assert_eq!(
            revoked_by_file(&file, &[&key(plain)]),
            Ok(Some(1)),
            "{cert}"
        );
        assert_eq!(revoked_by_file(&file, &[&key(ED_A)]), Ok(None), "{cert}");
    }
}

/// As OpenSSH 9.2: a known_hosts file in a directory that does not exist
/// is not written and no directory is made ("Failed to add the host to the
/// list of known hosts"); the caller warns and goes on.
#[test]
fn appending_creates_no_directory() {
    let dir = tempfile::tempdir().unwrap();
    for path in [
        dir.path().join("nd/known_hosts"),
        dir.path().join("group_vars/all"),
        dir.path().join("a/b/kh"),
    ] {
        assert!(append(&path, "fw1", 22, &key(ED_A), false).is_err());
        assert!(!path.parent().unwrap().exists(), "{}", path.display());
    }
}
