//! The host key algorithms offered to one host, in OpenSSH 9.2's order
//! (sshconnect2.c `ssh_kex2` and `order_hostkeyalgs`). The server takes the
//! first one it has, and that choice decides which key is checked against
//! known_hosts: a host known by its Ed25519 key that is asked for ECDSA
//! first presents its (unknown) ECDSA key, and `ssh` refuses it. Offering
//! the known type first where `ssh` does not would accept what `ssh`
//! refuses.
//!
//! OpenSSH moves the key types known_hosts knows the host by (and every
//! certificate type, when an `@cert-authority` line covers the host) to the
//! front only when `HostKeyAlgorithms` is unset or starts with `+` or `-`;
//! a plain list or a `^` list is offered as written.

use russh::keys::Algorithm;

use super::{AlgorithmChange, HOST_KEY_NAMES, OPENSSH_ALL_KEYS};

/// OpenSSH 9.2's default `HostKeyAlgorithms` (`ssh -G`), certificates and
/// security keys included: the order they are offered in decides the key.
pub(crate) const OPENSSH_DEFAULT_HOST_KEYS: [&str; 16] = [
    "ssh-ed25519-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com",
    "sk-ssh-ed25519-cert-v01@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
    "rsa-sha2-512-cert-v01@openssh.com",
    "rsa-sha2-256-cert-v01@openssh.com",
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "rsa-sha2-512",
    "rsa-sha2-256",
];

const CERT_SUFFIX: &str = "-cert-v01@openssh.com";

/// What known_hosts says of one host, as `order_hostkeyalgs` reads it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct KnownForHost {
    /// The algorithm names of the plain keys listed for the host.
    pub key_names: Vec<String>,
    /// An `@cert-authority` line covers the host.
    pub authority: bool,
}

impl KnownForHost {
    fn knows_type_of(&self, name: &str) -> bool {
        let wanted = key_type(name);
        self.key_names.iter().any(|k| key_type(k) == wanted)
    }
}

/// The plain algorithm a certificate algorithm certifies (the name itself
/// for a plain one).
fn plain_name(name: &str) -> String {
    match name.strip_suffix(CERT_SUFFIX) {
        Some(base) if base.starts_with("sk-") => format!("{base}@openssh.com"),
        Some(base) => base.to_string(),
        None => name.to_string(),
    }
}

fn is_certificate(name: &str) -> bool {
    name.ends_with(CERT_SUFFIX)
}

/// The key type an algorithm name uses, as OpenSSH compares them
/// (`sshkey_type_plain` and, for ECDSA, the curve): every RSA signature
/// algorithm is one RSA key.
fn key_type(name: &str) -> String {
    let plain = plain_name(name);
    match plain.as_str() {
        "rsa-sha2-256" | "rsa-sha2-512" | "ssh-rsa" => "rsa".to_string(),
        "webauthn-sk-ecdsa-sha2-nistp256@openssh.com" => {
            "sk-ecdsa-sha2-nistp256@openssh.com".to_string()
        }
        _ => plain,
    }
}

/// The names OpenSSH 9.2 offers this host, in its order: the value over
/// OpenSSH's defaults (`kex_assemble_names`), then, when the value is
/// unset or a `+`/`-` change, `order_hostkeyalgs`: the whole list as is
/// when its first entry's key type is known, else the entries whose key
/// type is known (and every certificate type, with an `@cert-authority`
/// line) first, each part in its order.
pub(crate) fn openssh_order(change: Option<&AlgorithmChange>, known: &KnownForHost) -> Vec<String> {
    let defaults: Vec<String> = OPENSSH_DEFAULT_HOST_KEYS
        .iter()
        .map(|n| n.to_string())
        .collect();
    let all: Vec<String> = OPENSSH_ALL_KEYS.iter().map(|n| n.to_string()).collect();
    let list = match change {
        None => defaults,
        Some(change) => change.assemble(&defaults, &all),
    };
    let reordered = change.is_none_or(|c| c.text.starts_with(['+', '-']));
    if !reordered {
        return list;
    }
    match list.first() {
        None => list,
        Some(best) if known.knows_type_of(best) => list,
        Some(_) => {
            let (first, last): (Vec<String>, Vec<String>) = list
                .into_iter()
                .partition(|n| (is_certificate(n) && known.authority) || known.knows_type_of(n));
            first.into_iter().chain(last).collect()
        }
    }
}

/// The offer as russh can make it: certificate types, then plain ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostKeyOffer {
    /// Certificate types, by the plain algorithm each certifies.
    pub certificates: Vec<Algorithm>,
    pub keys: Vec<Algorithm>,
}

/// Whether a server that offers one of these plain algorithms offers the
/// other: the same name, or the two SHA-2 RSA signatures (RFC 8332, added
/// together in OpenSSH 7.2). `ssh-rsa` is not: old servers offer it alone.
fn offered_together(a: &str, b: &str) -> bool {
    let sha2 = |n: &str| matches!(n, "rsa-sha2-256" | "rsa-sha2-512");
    a == b || (sha2(a) && sha2(b))
}

/// `order` (OpenSSH's) as russh offers it: russh sends every certificate
/// type ahead of every plain one, so a certificate type that OpenSSH
/// offers after a plain one is left out when that cannot change which key
/// is checked, and refused otherwise:
/// - left out when the same plain algorithm comes before it (a server
///   that has the certificate has its key, and is asked for that first);
/// - left out when no later plain type is one known_hosts knows the host
///   by, other than its own, unless a plain algorithm offered with it
///   comes before the certificate (whatever the server picks instead is
///   then an unknown key, or the same key, for sshfleet and `ssh` alike,
///   or a key the server had to be asked for earlier anyway);
/// - otherwise an error: sshfleet could check a known key where `ssh`
///   checks an unknown one.
///
/// Names sshfleet does not implement (security keys, DSA) are left out:
/// it can never negotiate them.
pub(crate) fn russh_offer(order: &[String], known: &KnownForHost) -> Result<HostKeyOffer, String> {
    let usable: Vec<&String> = order
        .iter()
        .filter(|n| HOST_KEY_NAMES.contains(&plain_name(n).as_str()))
        .collect();
    let mut offer = HostKeyOffer {
        certificates: Vec::new(),
        keys: Vec::new(),
    };
    let mut plains: Vec<String> = Vec::new();
    for (index, name) in usable.iter().enumerate() {
        let plain = plain_name(name);
        let Ok(algorithm) = plain.parse::<Algorithm>() else {
            continue;
        };
        if !is_certificate(name) {
            offer.keys.push(algorithm);
            plains.push(plain);
            continue;
        }
        if plains.is_empty() {
            offer.certificates.push(algorithm);
            continue;
        }
        if plains.contains(&plain) {
            continue;
        }
        let own = key_type(name);
        let later_known = usable[index + 1..]
            .iter()
            .filter(|n| !is_certificate(n) && key_type(n) != own)
            .filter(|n| !plains.iter().any(|p| offered_together(p, n)))
            .find(|n| known.knows_type_of(n));
        if let Some(later) = later_known {
            return Err(format!(
                "HostKeyAlgorithms offers {name} after {} and before {later}, whose key type \
                 known_hosts knows this host by; sshfleet offers every certificate type ahead \
                 of the plain ones and cannot keep this order, which could check another key \
                 than ssh does. Put the certificate types first (or leave {name} out)",
                plains.join(",")
            ));
        }
    }
    Ok(offer)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::AlgorithmKind;
    use super::*;

    /// Each form of the value (unset, `+`, `-`, `^`, plain, wildcards): with
    /// nothing known, OpenSSH's order is what `ssh -G` prints.
    const VALUES: [&str; 9] = [
        "",
        "+ssh-rsa",
        "-ecdsa*",
        "^ssh-rsa,ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp256,ssh-ed25519",
        "ssh-ed25519,ssh-ed25519-cert-v01@openssh.com",
        "ecdsa*",
        "+ssh-rsa-cert-v01@openssh.com",
        "^ssh-ed25519*",
    ];

    fn change(value: &str) -> Option<AlgorithmChange> {
        (!value.is_empty()).then(|| {
            AlgorithmChange::parse(AlgorithmKind::HostKey, value)
                .unwrap()
                .0
        })
    }

    #[test]
    fn every_form_of_the_value_is_in_the_table() {
        for prefix in ['+', '-', '^'] {
            assert!(VALUES.iter().any(|v| v.starts_with(prefix)), "{prefix}");
        }
        assert!(VALUES.contains(&""));
        assert!(
            VALUES
                .iter()
                .any(|v| v.contains('*') && !v.starts_with(['+', '-', '^']))
        );
        assert!(
            VALUES
                .iter()
                .any(|v| !v.is_empty() && !v.starts_with(['+', '-', '^']))
        );
    }

    #[test]
    fn the_list_is_what_ssh_prints() {
        for value in VALUES {
            let mut args = vec!["-F", "/dev/null", "-G"];
            let option = format!("HostKeyAlgorithms={value}");
            if !value.is_empty() {
                args.extend(["-o", option.as_str()]);
            }
            args.push("h");
            let Ok(out) = std::process::Command::new("ssh").args(&args).output() else {
                assert!(std::env::var_os("CI").is_none(), "CI must have ssh");
                return;
            };
            let printed = String::from_utf8_lossy(&out.stdout);
            let theirs = printed
                .lines()
                .find_map(|l| l.strip_prefix("hostkeyalgorithms "))
                .unwrap();
            let ours = openssh_order(change(value).as_ref(), &KnownForHost::default());
            assert_eq!(ours.join(","), theirs, "{value}");
        }
    }

    fn known(names: &[&str], authority: bool) -> KnownForHost {
        KnownForHost {
            key_names: names.iter().map(|n| n.to_string()).collect(),
            authority,
        }
    }

    fn names(algorithms: &[Algorithm]) -> String {
        algorithms
            .iter()
            .map(|a| a.as_str().to_string())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// What known_hosts knows reorders unset, `+` and `-` values only, as
    /// sshconnect2.c's `order_hostkeyalgs` (checked against `ssh -vvv`).
    #[test]
    fn known_types_come_first_only_for_unset_plus_and_minus() {
        let rsa = known(&["ssh-rsa"], false);
        let order = openssh_order(None, &rsa);
        assert_eq!(
            order[..4],
            [
                "rsa-sha2-512-cert-v01@openssh.com",
                "rsa-sha2-256-cert-v01@openssh.com",
                "rsa-sha2-512",
                "rsa-sha2-256"
            ]
        );
        let plus = openssh_order(change("+ssh-rsa").as_ref(), &rsa);
        assert_eq!(plus[2..5], ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]);
        for value in ["^ssh-ed25519", "ecdsa-sha2-nistp256,ssh-ed25519"] {
            let c = change(value);
            assert_eq!(
                openssh_order(c.as_ref(), &rsa),
                openssh_order(c.as_ref(), &KnownForHost::default()),
                "{value}"
            );
        }
        // The first entry's type known: the list as is.
        let ed = known(&["ssh-ed25519"], false);
        assert_eq!(
            openssh_order(None, &ed),
            OPENSSH_DEFAULT_HOST_KEYS.map(str::to_string)
        );
        // A CA: every certificate type first.
        let ca = openssh_order(None, &known(&[], true));
        assert!(ca[..8].iter().all(|n| n.ends_with(CERT_SUFFIX)), "{ca:?}");
    }

    #[test]
    fn the_offer_keeps_the_order_or_says_why_not() {
        // r1: a plain list asks for ECDSA first, though Ed25519 is known.
        let ed = known(&["ssh-ed25519"], false);
        let c = change("ecdsa-sha2-nistp256,ssh-ed25519");
        let offer = russh_offer(&openssh_order(c.as_ref(), &ed), &ed).unwrap();
        assert_eq!(names(&offer.keys), "ecdsa-sha2-nistp256,ssh-ed25519");
        assert!(offer.certificates.is_empty());
        // r2: the certificate after its own plain type is never reached.
        let ca = known(&[], true);
        let c = change("ssh-ed25519,ssh-ed25519-cert-v01@openssh.com");
        let offer = russh_offer(&openssh_order(c.as_ref(), &ca), &ca).unwrap();
        assert_eq!(names(&offer.keys), "ssh-ed25519");
        assert!(offer.certificates.is_empty());
        // Known by RSA, defaults: RSA certificates, then RSA, then the rest.
        let rsa = known(&["ssh-rsa"], false);
        let offer = russh_offer(&openssh_order(None, &rsa), &rsa).unwrap();
        assert_eq!(offer.certificates.len(), 2);
        assert_eq!(
            names(&offer.keys),
            "rsa-sha2-512,rsa-sha2-256,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521"
        );
        // A certificate between an unknown plain type and a known one:
        // russh cannot keep it, and leaving it out could check the known key.
        let c = change("ecdsa-sha2-nistp256,ssh-rsa-cert-v01@openssh.com,ssh-ed25519");
        let err = russh_offer(&openssh_order(c.as_ref(), &ed), &ed).unwrap_err();
        assert!(err.contains("cannot keep this order"), "{err}");
    }
}
