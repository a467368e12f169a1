//! Which SSH algorithms sshfleet offers. By default, what OpenSSH's client
//! offers by default (modern first), so that every host `ssh` reaches with
//! an empty config is reached without a setting. Old appliances that speak
//! only what OpenSSH dropped (SHA-1 key exchange, `ssh-rsa` host keys, CBC)
//! are reached only when the operator opts in, per host, through
//! an inventory variable or ssh_config, and what they allow is **appended**
//! after the defaults, never put in their place. So an opt-in can only add
//! a fallback for the hosts that need it; every host that can do better
//! still negotiates a modern algorithm.
//!
//! The value syntax is ssh_config's (`+a,b` appends, `-a,b` removes); a
//! plain list or a `^` list is read as `+`, for the reason above.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use russh::keys::Algorithm;
use russh::keys::ssh_key::HashAlg;
use russh::{Preferred, cipher, kex, mac};

/// An algorithm list an operator can extend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum AlgorithmKind {
    Kex,
    HostKey,
    PubkeyAccepted,
    Cipher,
    Mac,
}

impl AlgorithmKind {
    pub(crate) const ALL: [AlgorithmKind; 5] = [
        AlgorithmKind::Kex,
        AlgorithmKind::HostKey,
        AlgorithmKind::PubkeyAccepted,
        AlgorithmKind::Cipher,
        AlgorithmKind::Mac,
    ];

    /// The ssh_config keyword that sets this list.
    pub(crate) fn keyword(self) -> &'static str {
        match self {
            AlgorithmKind::Kex => "KexAlgorithms",
            AlgorithmKind::HostKey => "HostKeyAlgorithms",
            AlgorithmKind::PubkeyAccepted => "PubkeyAcceptedAlgorithms",
            AlgorithmKind::Cipher => "Ciphers",
            AlgorithmKind::Mac => "MACs",
        }
    }

    /// The inventory variable that sets this list for a host or group.
    pub(crate) fn inventory_var(self) -> &'static str {
        match self {
            AlgorithmKind::Kex => "sshfleet_kex_algorithms",
            AlgorithmKind::HostKey => "sshfleet_host_key_algorithms",
            AlgorithmKind::PubkeyAccepted => "sshfleet_pubkey_accepted_algorithms",
            AlgorithmKind::Cipher => "sshfleet_ciphers",
            AlgorithmKind::Mac => "sshfleet_macs",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            AlgorithmKind::Kex => "key exchange algorithm",
            AlgorithmKind::HostKey => "host key algorithm",
            AlgorithmKind::PubkeyAccepted => "public key signature algorithm",
            AlgorithmKind::Cipher => "cipher",
            AlgorithmKind::Mac => "MAC",
        }
    }

    /// Every name of this kind that sshfleet can use, modern or legacy.
    pub(crate) fn supported(self) -> Vec<&'static str> {
        match self {
            AlgorithmKind::Kex => kex::ALL_KEX_ALGORITHMS
                .iter()
                .map(|n| n.as_ref())
                .filter(|n| *n != "none")
                .collect(),
            AlgorithmKind::HostKey | AlgorithmKind::PubkeyAccepted => HOST_KEY_NAMES.to_vec(),
            AlgorithmKind::Cipher => cipher::ALL_CIPHERS
                .iter()
                .map(|n| n.as_ref())
                .filter(|n| !matches!(*n, "none" | "clear"))
                .collect(),
            AlgorithmKind::Mac => mac::ALL_MAC_ALGORITHMS
                .iter()
                .map(|n| n.as_ref())
                .filter(|n| *n != "none")
                .collect(),
        }
    }

    fn of(kind: russh::AlgorithmKind) -> Option<AlgorithmKind> {
        match kind {
            russh::AlgorithmKind::Kex => Some(AlgorithmKind::Kex),
            russh::AlgorithmKind::Key => Some(AlgorithmKind::HostKey),
            russh::AlgorithmKind::Cipher => Some(AlgorithmKind::Cipher),
            russh::AlgorithmKind::Mac => Some(AlgorithmKind::Mac),
            russh::AlgorithmKind::Compression => None,
        }
    }
}

impl fmt::Display for AlgorithmKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// Host key and signature names russh verifies. `ssh-rsa` is RSA with
/// SHA-1: legacy, off by default as in OpenSSH 8.8 and later.
const HOST_KEY_NAMES: [&str; 7] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
];

const SSH_RSA: &str = "ssh-rsa";

/// One operator's change to a list: what to add after the defaults and what
/// to take out of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AlgorithmChange {
    pub append: Vec<String>,
    pub remove: Vec<String>,
}

impl AlgorithmChange {
    /// Parse an ssh_config-style value. Names sshfleet cannot use are
    /// returned apart, for the caller to refuse (inventory) or skip
    /// (ssh_config, which may name algorithms only OpenSSH has).
    pub(crate) fn parse(
        kind: AlgorithmKind,
        text: &str,
    ) -> Result<(AlgorithmChange, Vec<String>), String> {
        let text = text.trim();
        let (remove, list) = match text.as_bytes().first() {
            Some(b'+' | b'^') => (false, &text[1..]),
            Some(b'-') => (true, &text[1..]),
            _ => (false, text),
        };
        let supported = kind.supported();
        let mut change = AlgorithmChange::default();
        let mut unknown = Vec::new();
        for name in list.split(',').map(str::trim) {
            if name.is_empty() {
                return Err(format!("{kind}: empty algorithm name in `{text}`"));
            }
            if !supported.contains(&name) {
                unknown.push(name.to_string());
                continue;
            }
            let names = if remove {
                &mut change.remove
            } else {
                &mut change.append
            };
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        }
        Ok((change, unknown))
    }

    /// Parse a value that must name only algorithms sshfleet supports.
    pub(crate) fn parse_strict(kind: AlgorithmKind, text: &str) -> Result<AlgorithmChange, String> {
        let (change, unknown) = AlgorithmChange::parse(kind, text)?;
        if unknown.is_empty() {
            Ok(change)
        } else {
            Err(format!(
                "unknown {} {}; sshfleet supports: {}",
                kind.describe(),
                unknown
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                kind.supported().join(", ")
            ))
        }
    }
}

/// The algorithm changes in force for one host (at most one per kind: the
/// first obtained, as OpenSSH keeps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Algorithms {
    changes: Vec<(AlgorithmKind, AlgorithmChange)>,
}

impl Algorithms {
    /// Set `kind` unless it is already set.
    pub(crate) fn set_if_unset(&mut self, kind: AlgorithmKind, change: AlgorithmChange) {
        if self.get(kind).is_none() {
            self.changes.push((kind, change));
        }
    }

    pub(crate) fn get(&self, kind: AlgorithmKind) -> Option<&AlgorithmChange> {
        self.changes
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, c)| c)
    }

    /// The final list of one kind: modern defaults (less removals), then
    /// the opted-in additions in the order given.
    pub(crate) fn names(&self, kind: AlgorithmKind) -> Vec<String> {
        let mut names = default_names(kind);
        if let Some(change) = self.get(kind) {
            names.retain(|n| !change.remove.contains(n));
            for name in &change.append {
                if !names.contains(name) {
                    names.push(name.clone());
                }
            }
        }
        names
    }

    /// Whether RSA keys may sign with SHA-1 (`ssh-rsa`) when a server
    /// offers nothing better.
    pub(crate) fn allows_ssh_rsa_signatures(&self) -> bool {
        self.names(AlgorithmKind::PubkeyAccepted)
            .iter()
            .any(|n| n == SSH_RSA)
    }

    /// The russh preference lists for these settings.
    pub(crate) fn preferred(&self) -> Preferred {
        let base = Preferred::default();
        let kex_names = self.names(AlgorithmKind::Kex);
        // russh's extension markers (ext-info-c, strict kex) stay in the list.
        let mut kex: Vec<kex::Name> = kex_names
            .iter()
            .filter_map(|n| kex::Name::try_from(n.as_str()).ok())
            .collect();
        kex.extend(
            base.kex
                .iter()
                .filter(|n| !AlgorithmKind::Kex.supported().contains(&n.as_ref()))
                .copied(),
        );
        Preferred {
            kex: Cow::Owned(kex),
            key: Cow::Owned(
                self.names(AlgorithmKind::HostKey)
                    .iter()
                    .filter_map(|n| host_key_algorithm(n))
                    .collect(),
            ),
            cipher: Cow::Owned(
                self.names(AlgorithmKind::Cipher)
                    .iter()
                    .filter_map(|n| cipher::Name::try_from(n.as_str()).ok())
                    .collect(),
            ),
            mac: Cow::Owned(
                self.names(AlgorithmKind::Mac)
                    .iter()
                    .filter_map(|n| mac::Name::try_from(n.as_str()).ok())
                    .collect(),
            ),
            ..base
        }
    }
}

fn host_key_algorithm(name: &str) -> Option<Algorithm> {
    Algorithm::from_str(name).ok()
}

/// What OpenSSH's client offers with an empty config (OpenSSH 9.x and 10,
/// `ssh -G`), in its order, restricted to what russh implements. The rule
/// for an operator: if `ssh` with no configuration reaches a host, sshfleet
/// reaches it with no setting either. AsyncOS's sshd, for one, offers no
/// hmac-sha2 and no curve25519, but `hmac-sha1` and `ecdh-sha2-nistp*`
/// are in OpenSSH's defaults, so it needs no opt-in. What OpenSSH no longer
/// offers (SHA-1 key exchange, `ssh-rsa` signatures, CBC, 3DES) stays opt-in.
const OPENSSH_KEX: [&str; 10] = [
    // OpenSSH 10's first choice; the sntrup761 hybrid it also offers is
    // not in russh.
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
];

/// OpenSSH's default ciphers, all of which russh has.
const OPENSSH_CIPHERS: [&str; 6] = [
    "chacha20-poly1305@openssh.com",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
];

/// OpenSSH's default MACs; russh has no `umac-*`, which OpenSSH lists
/// first, so those are left out.
const OPENSSH_MACS: [&str; 10] = [
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-sha1",
];

/// OpenSSH's default host key (and signature) algorithms, less
/// certificates and security keys: RSA signs with SHA-2 only.
const OPENSSH_HOST_KEYS: [&str; 6] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

/// sshfleet's defaults: OpenSSH's, as far as russh implements them.
fn default_names(kind: AlgorithmKind) -> Vec<String> {
    let openssh: &[&str] = match kind {
        AlgorithmKind::Kex => &OPENSSH_KEX,
        AlgorithmKind::HostKey | AlgorithmKind::PubkeyAccepted => &OPENSSH_HOST_KEYS,
        AlgorithmKind::Cipher => &OPENSSH_CIPHERS,
        AlgorithmKind::Mac => &OPENSSH_MACS,
    };
    let supported = kind.supported();
    openssh
        .iter()
        .filter(|n| supported.contains(n))
        .map(|n| n.to_string())
        .collect()
}

/// The RSA signature hash to authenticate with, given what the server
/// said it verifies (`None`: it did not say). `None` inside `Ok` is SHA-1,
/// only when allowed; `Err` says why the key cannot be used.
pub(crate) fn rsa_signature_hash(
    server: Option<Option<HashAlg>>,
    algorithms: &Algorithms,
) -> Result<Option<HashAlg>, String> {
    match server {
        Some(Some(hash)) => Ok(Some(hash)),
        // Like OpenSSH: a server that names no SHA-2 RSA signature (or names
        // nothing at all, as old ones do) gets SHA-1 only by opt-in.
        _ if algorithms.allows_ssh_rsa_signatures() => Ok(None),
        _ => Err(format!(
            "the server accepts only ssh-rsa (SHA-1) RSA signatures; if this appliance cannot be upgraded, \
             set `{}: +ssh-rsa` in the inventory or `{} +ssh-rsa` in ssh_config",
            AlgorithmKind::PubkeyAccepted.inventory_var(),
            AlgorithmKind::PubkeyAccepted.keyword()
        )),
    }
}

/// What to tell an operator when negotiation found nothing in common:
/// what the server offers, and the exact opt-in for the legacy algorithms
/// among them that sshfleet could use.
pub(crate) fn no_common_algorithm_hint(
    kind: russh::AlgorithmKind,
    theirs: &[String],
    algorithms: &Algorithms,
) -> String {
    let Some(kind) = AlgorithmKind::of(kind) else {
        return format!(
            "no common compression method (server offers {})",
            theirs.join(",")
        );
    };
    let ours = algorithms.names(kind);
    let supported = kind.supported();
    let usable: Vec<&str> = theirs
        .iter()
        .map(String::as_str)
        .filter(|n| supported.contains(n) && !ours.iter().any(|o| o == n))
        .collect();
    let mut message = format!(
        "no common {}: the server offers {}; sshfleet offers {}",
        kind.describe(),
        theirs.join(","),
        ours.join(",")
    );
    if usable.is_empty() {
        message.push_str(" (none of the server's are supported by sshfleet)");
    } else {
        let list = usable.join(",");
        message.push_str(&format!(
            ". If this appliance cannot be upgraded, allow its legacy algorithm for it: \
             `{}: +{list}` in the inventory, or `{} +{list}` in ssh_config",
            kind.inventory_var(),
            kind.keyword()
        ));
    }
    message
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
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
    fn legacy_algorithms_are_appended_behind_the_defaults() {
        let defaults = Algorithms::default();
        for (kind, legacy) in [
            (AlgorithmKind::Kex, "diffie-hellman-group14-sha1"),
            (AlgorithmKind::HostKey, "ssh-rsa"),
            (AlgorithmKind::Cipher, "aes128-cbc"),
        ] {
            // `+x`, `^x` and a plain `x` all append: modern stays in front.
            for text in [
                format!("+{legacy}"),
                format!("^{legacy}"),
                legacy.to_string(),
            ] {
                let names = change(kind, &text).names(kind);
                let before = defaults.names(kind);
                assert_eq!(names[..before.len()], before[..], "{kind} {text}");
                assert_eq!(
                    names.last().map(String::as_str),
                    Some(legacy),
                    "{kind} {text}"
                );
            }
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
    fn removal_narrows_and_unknown_names_are_reported() {
        let names = change(AlgorithmKind::Kex, "-curve25519-sha256").names(AlgorithmKind::Kex);
        assert!(!names.iter().any(|n| n == "curve25519-sha256"));
        let err = AlgorithmChange::parse_strict(AlgorithmKind::Kex, "+diffie-hellman-group14-sh1")
            .unwrap_err();
        assert!(
            err.contains("`diffie-hellman-group14-sh1`")
                && err.contains("diffie-hellman-group14-sha1"),
            "{err}"
        );
        let (c, unknown) = AlgorithmChange::parse(
            AlgorithmKind::Kex,
            "+sntrup761x25519-sha512,diffie-hellman-group1-sha1",
        )
        .unwrap();
        assert_eq!(unknown, ["sntrup761x25519-sha512"]);
        assert_eq!(c.append, ["diffie-hellman-group1-sha1"]);
        assert!(AlgorithmChange::parse(AlgorithmKind::Kex, "+a,,b").is_err());
    }

    #[test]
    fn rsa_sha1_signatures_only_by_opt_in() {
        let modern = Algorithms::default();
        assert_eq!(
            rsa_signature_hash(Some(Some(HashAlg::Sha512)), &modern),
            Ok(Some(HashAlg::Sha512))
        );
        for server in [None, Some(None)] {
            let err = rsa_signature_hash(server, &modern).unwrap_err();
            assert!(
                err.contains("sshfleet_pubkey_accepted_algorithms: +ssh-rsa"),
                "{err}"
            );
            let legacy = change(AlgorithmKind::PubkeyAccepted, "+ssh-rsa");
            assert_eq!(rsa_signature_hash(server, &legacy), Ok(None));
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
}
