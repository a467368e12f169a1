//! Tests of `algorithms`: defaults, OpenSSH's list syntax, opt-ins.
use super::*;

fn change(kind: AlgorithmKind, text: &str) -> Algorithms {
    let mut a = Algorithms::default();
    a.set_if_unset(kind, AlgorithmChange::parse_strict(kind, text).unwrap());
    a
}

#[test]
fn defaults_are_openssh_client_defaults_that_russh_implements() {
    let a = Algorithms::default();
    assert_eq!(
        a.names(AlgorithmKind::Kex),
        [
            "mlkem768x25519-sha256",
            "curve25519-sha256",
            "curve25519-sha256@libssh.org",
            "ecdh-sha2-nistp256",
            "ecdh-sha2-nistp384",
            "ecdh-sha2-nistp521",
            "diffie-hellman-group-exchange-sha256",
            "diffie-hellman-group16-sha512",
            "diffie-hellman-group18-sha512",
            "diffie-hellman-group14-sha256",
        ]
    );
    assert_eq!(
        a.names(AlgorithmKind::Cipher),
        [
            "chacha20-poly1305@openssh.com",
            "aes128-ctr",
            "aes192-ctr",
            "aes256-ctr",
            "aes128-gcm@openssh.com",
            "aes256-gcm@openssh.com",
        ]
    );
    assert_eq!(
        a.names(AlgorithmKind::Mac),
        [
            "hmac-sha2-256-etm@openssh.com",
            "hmac-sha2-512-etm@openssh.com",
            "hmac-sha1-etm@openssh.com",
            "hmac-sha2-256",
            "hmac-sha2-512",
            "hmac-sha1",
        ]
    );
    assert_eq!(
        a.names(AlgorithmKind::HostKey),
        [
            "ssh-ed25519",
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521",
            "rsa-sha2-512",
            "rsa-sha2-256",
        ]
    );
    // Every name is one russh takes: none is silently lost.
    let p = a.preferred();
    assert_eq!(p.mac.len(), 6);
    assert_eq!(p.cipher.len(), 6);
    assert_eq!(p.key.len(), 6);
    assert!(p.kex.contains(&kex::ECDH_SHA2_NISTP521));
}

#[test]
fn what_openssh_dropped_stays_opt_in() {
    let a = Algorithms::default();
    for kind in AlgorithmKind::ALL {
        for name in a.names(kind) {
            let dropped = (kind == AlgorithmKind::Kex && name.ends_with("-sha1"))
                || name.ends_with("-cbc")
                || name == "ssh-rsa"
                || name.contains("md5");
            assert!(!dropped, "{kind}: {name}");
        }
    }
    assert!(!a.preferred().key.contains(&Algorithm::Rsa { hash: None }));
    assert!(!a.allows_ssh_rsa_signatures());
}

#[test]
fn asyncos_sshd_defaults_need_no_opt_in() {
    // Cisco's documented AsyncOS sshd lists: one of each kind in common.
    let a = Algorithms::default();
    for (kind, theirs) in [
        (
            AlgorithmKind::Kex,
            &[
                "diffie-hellman-group-exchange-sha256",
                "diffie-hellman-group-exchange-sha1",
                "diffie-hellman-group14-sha1",
                "diffie-hellman-group1-sha1",
                "ecdh-sha2-nistp256",
                "ecdh-sha2-nistp384",
                "ecdh-sha2-nistp521",
            ][..],
        ),
        (
            AlgorithmKind::Mac,
            &[
                "hmac-md5",
                "hmac-sha1",
                "umac-64@openssh.com",
                "hmac-ripemd160",
                "hmac-sha1-96",
                "hmac-md5-96",
            ][..],
        ),
        (
            AlgorithmKind::Cipher,
            &[
                "aes128-ctr",
                "aes192-ctr",
                "aes256-ctr",
                "aes128-cbc",
                "3des-cbc",
            ][..],
        ),
        (
            AlgorithmKind::HostKey,
            &["rsa-sha2-512", "rsa-sha2-256"][..],
        ),
    ] {
        let ours = a.names(kind);
        assert!(
            ours.iter().any(|n| theirs.contains(&n.as_str())),
            "{kind}: {ours:?}"
        );
    }
}

#[test]
fn plus_appends_caret_prepends_plain_replaces_as_openssh() {
    let defaults = Algorithms::default();
    for (kind, legacy) in [
        (AlgorithmKind::Kex, "diffie-hellman-group14-sha1"),
        (AlgorithmKind::HostKey, "ssh-rsa"),
        (AlgorithmKind::Cipher, "aes128-cbc"),
    ] {
        let before = defaults.names(kind);
        let names = change(kind, &format!("+{legacy}")).names(kind);
        assert_eq!(names[..before.len()], before[..], "{kind} +");
        assert_eq!(names.last().map(String::as_str), Some(legacy), "{kind} +");
        let names = change(kind, &format!("^{legacy}")).names(kind);
        assert_eq!(names[0], legacy, "{kind} ^");
        assert_eq!(names[1..], before[..], "{kind} ^");
        assert_eq!(change(kind, legacy).names(kind), [legacy], "{kind} plain");
    }
    let p = change(AlgorithmKind::Kex, "+diffie-hellman-group14-sha1").preferred();
    assert_eq!(p.kex.first(), Some(&kex::MLKEM768X25519_SHA256));
    assert!(p.kex.contains(&kex::DH_G14_SHA1));
    // The extension markers russh needs are still offered.
    assert!(p.kex.contains(&kex::EXTENSION_SUPPORT_AS_CLIENT));
    let p = change(AlgorithmKind::HostKey, "+ssh-rsa").preferred();
    assert_eq!(p.key.first(), Some(&Algorithm::Ed25519));
    assert_eq!(p.key.last(), Some(&Algorithm::Rsa { hash: None }));
}

#[test]
fn wildcards_where_openssh_takes_them() {
    // `-` lists take patterns for every kind.
    let names = change(AlgorithmKind::HostKey, "-ecdsa*,ssh-ed25519").names(AlgorithmKind::HostKey);
    assert_eq!(names, ["rsa-sha2-512", "rsa-sha2-256"]);
    let names = change(AlgorithmKind::Mac, "-*sha1*").names(AlgorithmKind::Mac);
    assert!(!names.iter().any(|n| n.contains("sha1")), "{names:?}");
    // Key type lists take them in `+`, `^` and plain lists, matched
    // in OpenSSH's order.
    let names = change(AlgorithmKind::HostKey, "ecdsa-sha2-*").names(AlgorithmKind::HostKey);
    assert_eq!(
        names,
        [
            "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384",
            "ecdsa-sha2-nistp521"
        ]
    );
    // Other kinds refuse them, as OpenSSH does.
    for (kind, text) in [
        (AlgorithmKind::Kex, "+ecdh*"),
        (AlgorithmKind::Cipher, "aes*"),
        (AlgorithmKind::Kex, "!curve25519-sha256"),
        (AlgorithmKind::HostKey, "ssh-rsa,ssh-foo"),
        (AlgorithmKind::HostKey, "nomatch*"),
    ] {
        assert!(AlgorithmChange::parse(kind, text).is_err(), "{kind} {text}");
    }
    // `-` with a name OpenSSH does not know is accepted (nothing removed).
    assert_eq!(
        change(AlgorithmKind::Kex, "-foo").names(AlgorithmKind::Kex),
        Algorithms::default().names(AlgorithmKind::Kex)
    );
}

#[test]
fn removal_narrows_and_unknown_names_are_reported() {
    let names = change(AlgorithmKind::Kex, "-curve25519-sha256").names(AlgorithmKind::Kex);
    assert!(!names.iter().any(|n| n == "curve25519-sha256"));
    let err = AlgorithmChange::parse_strict(AlgorithmKind::Kex, "+diffie-hellman-group14-sh1")
        .unwrap_err();
    assert!(
        err.contains("`diffie-hellman-group14-sh1`") && err.contains("diffie-hellman-group14-sha1"),
        "{err}"
    );
    let (c, unknown) = AlgorithmChange::parse(
        AlgorithmKind::Kex,
        "+sntrup761x25519-sha512,diffie-hellman-group1-sha1",
    )
    .unwrap();
    assert_eq!(unknown, ["sntrup761x25519-sha512"]);
    let mut a = Algorithms::default();
    a.set_if_unset(AlgorithmKind::Kex, c);
    assert_eq!(
        a.names(AlgorithmKind::Kex).last().map(String::as_str),
        Some("diffie-hellman-group1-sha1")
    );
    assert!(AlgorithmChange::parse(AlgorithmKind::Kex, "+a,,b").is_err());
}

#[test]
fn rsa_sha1_signatures_only_by_opt_in() {
    let modern = Algorithms::default();
    let rsa = |hash| Algorithm::Rsa { hash };
    assert_eq!(
        key_signature(&rsa(None), Some(Some(HashAlg::Sha512)), &modern),
        Ok(Some(HashAlg::Sha512))
    );
    for server in [None, Some(None)] {
        let err = key_signature(&rsa(None), server, &modern).unwrap_err();
        assert!(
            err.contains("sshfleet_pubkey_accepted_algorithms: +ssh-rsa"),
            "{err}"
        );
        let legacy = change(AlgorithmKind::PubkeyAccepted, "+ssh-rsa");
        assert_eq!(key_signature(&rsa(None), server, &legacy), Ok(None));
    }
}

/// OpenSSH offers a key only with a signature algorithm in
/// PubkeyAcceptedAlgorithms (`key_type_allowed_by_config`), an RSA key
/// with the first accepted RSA signature.
#[test]
fn keys_are_offered_only_with_accepted_signature_algorithms() {
    let server = Some(Some(HashAlg::Sha512));
    let ed25519 = Algorithm::Ed25519;
    let rsa = Algorithm::Rsa { hash: None };
    let with = |value| change(AlgorithmKind::PubkeyAccepted, value);
    let err = key_signature(&ed25519, None, &with("-ssh-ed25519")).unwrap_err();
    assert!(
        err.contains("ssh-ed25519 is not in PubkeyAcceptedAlgorithms"),
        "{err}"
    );
    assert_eq!(
        key_signature(&ed25519, None, &with("-rsa-sha2-*")),
        Ok(None)
    );
    let err = key_signature(&rsa, server, &with("-rsa-sha2-*")).unwrap_err();
    assert!(err.contains("PubkeyAcceptedAlgorithms"), "{err}");
    assert_eq!(key_signature(&rsa, server, &with("ssh-rsa")), Ok(None));
    assert_eq!(
        key_signature(&rsa, server, &with("-rsa-sha2-512")),
        Ok(Some(HashAlg::Sha256))
    );
    assert_eq!(
        key_signature(&rsa, server, &with("rsa-sha2-256,rsa-sha2-512")),
        Ok(Some(HashAlg::Sha256))
    );
    // `ssh-rsa` first, a SHA-2 one after: ssh signs with ssh-rsa wherever
    // the server names it, which russh does not tell: refused, saying so.
    for value in [
        "^ssh-rsa",
        "ssh-rsa,rsa-sha2-512",
        "ssh-rsa,rsa-sha2-256,ssh-ed25519",
    ] {
        let err = key_signature(&rsa, server, &with(value)).unwrap_err();
        assert!(err.contains("puts ssh-rsa before"), "{value}: {err}");
        // A server that names no SHA-2 signature: ssh-rsa, as ssh.
        assert_eq!(
            key_signature(&rsa, Some(None), &with(value)),
            Ok(None),
            "{value}"
        );
    }
}

#[test]
fn hint_names_the_opt_in() {
    let hint = no_common_algorithm_hint(
        russh::AlgorithmKind::Kex,
        &["diffie-hellman-group14-sha1".to_string(), "foo".to_string()],
        &Algorithms::default(),
    );
    assert!(
        hint.contains("`sshfleet_kex_algorithms: +diffie-hellman-group14-sha1`")
            && hint.contains("`KexAlgorithms +diffie-hellman-group14-sha1`"),
        "{hint}"
    );
    let hint = no_common_algorithm_hint(
        russh::AlgorithmKind::Cipher,
        &["blowfish-cbc".to_string()],
        &Algorithms::default(),
    );
    assert!(hint.contains("none of the server's"), "{hint}");
}
