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
//! The value syntax is ssh_config's, read as OpenSSH reads it: `+a,b`
//! appends, `-a,b` removes, `^a,b` puts in front, a plain list replaces;
//! wildcards where OpenSSH takes them. An opt-in written as `+` (as the
//! messages suggest) keeps the modern defaults in front.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use russh::keys::Algorithm;
use russh::keys::ssh_key::HashAlg;
use russh::{Preferred, cipher, kex, mac};

use crate::ssh::pattern::{Caller, PatternList};

pub(crate) mod host_key_order;

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

    /// Whether OpenSSH takes wildcards in `+`, `^` and plain lists of
    /// this kind (key type lists do; `-` lists always do).
    fn takes_wildcards(self) -> bool {
        matches!(self, AlgorithmKind::HostKey | AlgorithmKind::PubkeyAccepted)
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
pub(crate) const HOST_KEY_NAMES: [&str; 7] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "rsa-sha2-512",
    "rsa-sha2-256",
    "ssh-rsa",
];

const SSH_RSA: &str = "ssh-rsa";

/// One operator's value for a list, as written: `+a,b` appends to the
/// defaults, `-a,b` removes from them, `^a,b` puts in front of them, and a
/// plain list replaces them, as OpenSSH's `kex_assemble_names` reads it.
/// Host key and signature lists take wildcards (`ecdsa*`); `-` lists
/// always do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AlgorithmChange {
    pub text: String,
}

impl AlgorithmChange {
    /// Parse an ssh_config value, refusing what OpenSSH refuses (a name
    /// it does not know, an empty name, a negation). Names OpenSSH knows
    /// but sshfleet does not implement are returned apart: they are left
    /// out of what sshfleet offers, as they can never be negotiated.
    pub(crate) fn parse(
        kind: AlgorithmKind,
        text: &str,
    ) -> Result<(AlgorithmChange, Vec<String>), String> {
        let text = text.trim();
        let (prefix, list) = match text.as_bytes().first() {
            Some(b'+' | b'^' | b'-') => (text.as_bytes()[0], &text[1..]),
            _ => (b' ', text),
        };
        let known = openssh_all(kind);
        let supported = kind.supported();
        let mut unknown = Vec::new();
        // OpenSSH skips empty names (`aes128-ctr,`, `a,,b`); a list with
        // no name at all is refused (`+` is "Bad SSH2 cipher spec"; a
        // bare `,` would leave nothing to offer).
        let names: Vec<&str> = list.split(',').filter(|n| !n.is_empty()).collect();
        match (prefix, names.is_empty(), list.is_empty()) {
            (_, false, _) | (b'-', true, _) => {}
            // `+,`, `^,`: nothing added (OpenSSH accepts it).
            (b'+' | b'^', true, false) => {}
            (b'+' | b'^', true, true) => {
                return Err(format!(
                    "{kind}: no algorithm name after `{}` (OpenSSH refuses it too)",
                    prefix as char
                ));
            }
            _ => {
                return Err(format!(
                    "{kind}: `{text}` names no algorithm: an empty list is not supported by sshfleet (ssh would offer none)"
                ));
            }
        }
        let text = match prefix {
            b' ' => names.join(","),
            p => format!("{}{}", p as char, names.join(",")),
        };
        for name in names {
            if prefix == b'-' {
                continue;
            }
            if name.starts_with('!') {
                return Err(format!(
                    "{kind}: negation `{name}` is not allowed here (OpenSSH refuses it too)"
                ));
            }
            let wildcard = name.contains(['*', '?']);
            if wildcard && !kind.takes_wildcards() {
                return Err(format!(
                    "{kind}: `{name}`: wildcards are only allowed in `-` lists here (OpenSSH refuses it too)"
                ));
            }
            let pattern = PatternList::new([name], Caller::Algorithms);
            if !known.iter().any(|k| pattern.matches(k)) {
                return Err(format!(
                    "unknown {} `{name}` (OpenSSH refuses it too); sshfleet supports: {}",
                    kind.describe(),
                    supported.join(", ")
                ));
            }
            if !wildcard && !supported.contains(&name) {
                unknown.push(name.to_string());
            }
        }
        Ok((
            AlgorithmChange {
                text: text.to_string(),
            },
            unknown,
        ))
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

    /// The list this value makes of `defaults`, patterns matched against
    /// `all`, as OpenSSH's `kex_assemble_names` makes it.
    pub(crate) fn assemble(&self, defaults: &[String], all: &[String]) -> Vec<String> {
        let text = self.text.as_str();
        let split = |list: &str| -> Vec<String> { list.split(',').map(str::to_string).collect() };
        let list: Vec<String> = match text.as_bytes().first() {
            Some(b'-') => {
                let patterns = PatternList::new(text[1..].split(','), Caller::Algorithms);
                return defaults
                    .iter()
                    .filter(|d| !patterns.matches(d))
                    .cloned()
                    .collect();
            }
            Some(b'+') => defaults.iter().cloned().chain(split(&text[1..])).collect(),
            Some(b'^') => split(&text[1..])
                .into_iter()
                .chain(defaults.iter().cloned())
                .collect(),
            _ => split(text),
        };
        let mut out: Vec<String> = Vec::new();
        for pattern in &list {
            let glob = PatternList::new([pattern.as_str()], Caller::Algorithms);
            for name in all {
                if glob.matches(name) && !out.contains(name) {
                    out.push(name.clone());
                }
            }
        }
        out
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

    /// The final list of one kind: OpenSSH's reading of the value over
    /// the defaults, less what sshfleet does not implement.
    pub(crate) fn names(&self, kind: AlgorithmKind) -> Vec<String> {
        let defaults = default_names(kind);
        let Some(change) = self.get(kind) else {
            return defaults;
        };
        let supported = kind.supported();
        let all: Vec<String> = openssh_all(kind).iter().map(|n| n.to_string()).collect();
        let mut names = change.assemble(&defaults, &all);
        names.retain(|n| supported.contains(&n.as_str()));
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

/// Every name OpenSSH knows for a kind (`ssh -Q kex|cipher|mac|key-sig`
/// of OpenSSH 9.2, then the names later releases added that sshfleet
/// implements), in OpenSSH's order: what wildcards are matched against and
/// what a value may name.
fn openssh_all(kind: AlgorithmKind) -> Vec<&'static str> {
    let names: &[&str] = match kind {
        AlgorithmKind::Kex => &OPENSSH_ALL_KEX,
        AlgorithmKind::Cipher => &OPENSSH_ALL_CIPHERS,
        AlgorithmKind::Mac => &OPENSSH_ALL_MACS,
        AlgorithmKind::HostKey | AlgorithmKind::PubkeyAccepted => &OPENSSH_ALL_KEYS,
    };
    let mut all = names.to_vec();
    for name in kind.supported() {
        if !all.contains(&name) {
            all.push(name);
        }
    }
    all
}

const OPENSSH_ALL_KEX: [&str; 15] = [
    "diffie-hellman-group1-sha1",
    "diffie-hellman-group14-sha1",
    "diffie-hellman-group14-sha256",
    "diffie-hellman-group16-sha512",
    "diffie-hellman-group18-sha512",
    "diffie-hellman-group-exchange-sha1",
    "diffie-hellman-group-exchange-sha256",
    "ecdh-sha2-nistp256",
    "ecdh-sha2-nistp384",
    "ecdh-sha2-nistp521",
    "curve25519-sha256",
    "curve25519-sha256@libssh.org",
    "sntrup761x25519-sha512",
    "sntrup761x25519-sha512@openssh.com",
    "mlkem768x25519-sha256",
];

const OPENSSH_ALL_CIPHERS: [&str; 10] = [
    "3des-cbc",
    "aes128-cbc",
    "aes192-cbc",
    "aes256-cbc",
    "aes128-ctr",
    "aes192-ctr",
    "aes256-ctr",
    "aes128-gcm@openssh.com",
    "aes256-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
];

const OPENSSH_ALL_MACS: [&str; 16] = [
    "hmac-sha1",
    "hmac-sha1-96",
    "hmac-sha2-256",
    "hmac-sha2-512",
    "hmac-md5",
    "hmac-md5-96",
    "umac-64@openssh.com",
    "umac-128@openssh.com",
    "hmac-sha1-etm@openssh.com",
    "hmac-sha1-96-etm@openssh.com",
    "hmac-sha2-256-etm@openssh.com",
    "hmac-sha2-512-etm@openssh.com",
    "hmac-md5-etm@openssh.com",
    "hmac-md5-96-etm@openssh.com",
    "umac-64-etm@openssh.com",
    "umac-128-etm@openssh.com",
];

pub(crate) const OPENSSH_ALL_KEYS: [&str; 21] = [
    "ssh-ed25519",
    "ssh-ed25519-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "webauthn-sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-dss",
    "ssh-dss-cert-v01@openssh.com",
    "ssh-rsa",
    "ssh-rsa-cert-v01@openssh.com",
    "rsa-sha2-256",
    "rsa-sha2-256-cert-v01@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-512-cert-v01@openssh.com",
];

/// OpenSSH's default `CASignatureAlgorithms`.
const OPENSSH_CA_SIGNATURES: [&str; 8] = [
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

/// The signature algorithms a CA may have signed a host certificate with
/// (`CASignatureAlgorithms`, OpenSSH's default when unset).
pub(crate) fn ca_signature_names(change: Option<&AlgorithmChange>) -> Vec<String> {
    let defaults: Vec<String> = OPENSSH_CA_SIGNATURES
        .iter()
        .map(|n| n.to_string())
        .collect();
    match change {
        None => defaults,
        Some(change) => {
            // Signature algorithms: certificate types sign nothing.
            let all: Vec<String> = OPENSSH_ALL_KEYS
                .iter()
                .filter(|n| !n.contains("-cert-"))
                .map(|n| n.to_string())
                .collect();
            change.assemble(&defaults, &all)
        }
    }
}

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

/// The signature algorithm a client key is offered with, as OpenSSH's
/// `key_type_allowed_by_config` and `key_sig_algorithm` choose it: a key
/// whose algorithm (for RSA: none of `rsa-sha2-512`, `rsa-sha2-256`,
/// `ssh-rsa`) is not in `PubkeyAcceptedAlgorithms` is not offered; an RSA
/// key signs with the first RSA signature of that list (its order) that
/// the server said it verifies, SHA-1 (`None` inside `Ok`) when the server
/// said nothing and `ssh-rsa` is accepted. `server` is the best RSA hash
/// the server named (`None`: it did not say; unused for other keys);
/// russh tells only the best, so an accepted SHA-2 hash other than it is
/// taken as verified too (servers that name one name both). `Err` says
/// why the key is skipped.
pub(crate) fn key_signature(
    key: &Algorithm,
    server: Option<Option<HashAlg>>,
    algorithms: &Algorithms,
) -> Result<Option<HashAlg>, String> {
    let accepted = algorithms.names(AlgorithmKind::PubkeyAccepted);
    let not_accepted = |name: &str| {
        format!(
            "{name} is not in {} ({})",
            AlgorithmKind::PubkeyAccepted.keyword(),
            AlgorithmKind::PubkeyAccepted.inventory_var()
        )
    };
    if !key.clone().is_rsa() {
        let name = key.as_str();
        return if accepted.iter().any(|n| n == name) {
            Ok(None)
        } else {
            Err(not_accepted(name))
        };
    }
    let rsa: Vec<Option<HashAlg>> = accepted
        .iter()
        .filter_map(|n| match n.as_str() {
            "rsa-sha2-512" => Some(Some(HashAlg::Sha512)),
            "rsa-sha2-256" => Some(Some(HashAlg::Sha256)),
            SSH_RSA => Some(None),
            _ => None,
        })
        .collect();
    if rsa.is_empty() {
        return Err(not_accepted("none of rsa-sha2-512, rsa-sha2-256, ssh-rsa"));
    }
    match server {
        // ssh signs with the first RSA signature of the list that the
        // server names: `ssh-rsa` before any SHA-2 one is that signature
        // whenever the server names it too, which russh does not tell
        // (it names the best hash only). Exact or refused: refused.
        Some(Some(_)) if rsa.first() == Some(&None) && rsa.iter().any(Option::is_some) => {
            Err(format!(
                "{} puts ssh-rsa before rsa-sha2-512/rsa-sha2-256: ssh would sign with ssh-rsa (SHA-1) wherever the server also names it, which sshfleet cannot tell; put the SHA-2 names first, or leave ssh-rsa alone",
                AlgorithmKind::PubkeyAccepted.keyword()
            ))
        }
        // The first SHA-2 hash in our order; `ssh-rsa` alone is offered as
        // is (the server decides, as it does for ssh).
        Some(Some(_)) => Ok(rsa.iter().find(|h| h.is_some()).copied().unwrap_or(None)),
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
mod tests;
