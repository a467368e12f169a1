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

/// `order` (OpenSSH's) as russh offers it. russh sends every certificate
/// type ahead of every plain one, so a certificate type that OpenSSH offers
/// after a plain one is left out: what remains is OpenSSH's list in its
/// order, less those types (and the names sshfleet does not implement:
/// security keys, DSA). russh then takes the same key as `ssh` unless the
/// server offers one of the names left out ahead of the one russh takes;
/// the connection checks that against the server's list
/// (`transport::kexinit`) and refuses then, naming why.
pub(crate) fn russh_offer(order: &[String]) -> HostKeyOffer {
    let mut offer = HostKeyOffer {
        certificates: Vec::new(),
        keys: Vec::new(),
    };
    for name in order {
        let plain = plain_name(name);
        if !HOST_KEY_NAMES.contains(&plain.as_str()) {
            continue;
        }
        let Ok(algorithm) = plain.parse::<Algorithm>() else {
            continue;
        };
        if !is_certificate(name) {
            offer.keys.push(algorithm);
        } else if offer.keys.is_empty() {
            offer.certificates.push(algorithm);
        }
    }
    offer
}

impl HostKeyOffer {
    /// The names russh sends, in its order.
    pub(crate) fn names(&self) -> Vec<String> {
        self.certificates
            .iter()
            .map(Algorithm::to_certificate_type)
            .chain(self.keys.iter().map(|a| a.as_str().to_string()))
            .collect()
    }
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

    /// russh's offer is OpenSSH's list less the certificate types after
    /// the first plain one, in OpenSSH's order: then russh and `ssh`
    /// choose alike unless the server offers one of those first (checked
    /// at the handshake).
    #[test]
    fn the_offer_is_the_order_less_late_certificates() {
        let ed = known(&["ssh-ed25519"], false);
        let c = change("ecdsa-sha2-nistp256,ssh-ed25519");
        let offer = russh_offer(&openssh_order(c.as_ref(), &ed));
        assert_eq!(offer.names().join(","), "ecdsa-sha2-nistp256,ssh-ed25519");
        let ca = known(&[], true);
        let c = change("ssh-ed25519,ssh-ed25519-cert-v01@openssh.com");
        let offer = russh_offer(&openssh_order(c.as_ref(), &ca));
        assert_eq!(offer.names().join(","), "ssh-ed25519");
        let c = change("rsa-sha2-512,ssh-ed25519-cert-v01@openssh.com,ssh-ed25519");
        let offer = russh_offer(&openssh_order(c.as_ref(), &ca));
        assert_eq!(offer.names().join(","), "rsa-sha2-512,ssh-ed25519");
        let rsa = known(&["ssh-rsa"], false);
        let offer = russh_offer(&openssh_order(None, &rsa));
        assert_eq!(
            offer.names().join(","),
            "rsa-sha2-512-cert-v01@openssh.com,rsa-sha2-256-cert-v01@openssh.com,rsa-sha2-512,\
             rsa-sha2-256,ssh-ed25519,ecdsa-sha2-nistp256,ecdsa-sha2-nistp384,ecdsa-sha2-nistp521"
        );
        // Always a subsequence of OpenSSH's list.
        for value in VALUES {
            let order = openssh_order(change(value).as_ref(), &rsa);
            let mut rest = order.iter();
            for name in russh_offer(&order).names() {
                assert!(rest.any(|n| *n == name), "{value}: {name}");
            }
        }
    }

    /// What `ssh -G` prints for `HostKeyAlgorithms=value` (`Err` when it
    /// refuses the value, `None` when there is no ssh to ask).
    fn ssh_prints(value: &str) -> Option<Result<String, String>> {
        let out = std::process::Command::new("ssh")
            .args(["-F", "/dev/null", "-G", "-o"])
            .arg(format!("HostKeyAlgorithms={value}"))
            .arg("h")
            .stdin(std::process::Stdio::null())
            .output()
            .ok()?;
        let printed = String::from_utf8_lossy(&out.stdout);
        Some(
            printed
                .lines()
                .find_map(|l| l.strip_prefix("hostkeyalgorithms "))
                .map(str::to_string)
                .ok_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned()),
        )
    }

    /// Generated differential: every prefix (none, `+`, `-`, `^`) over one
    /// and two of names and wildcards that mix certificate and plain types
    /// in either order. OpenSSH's list is what `ssh -G` prints, and the
    /// list sshfleet offers is exactly that list less the names sshfleet
    /// does not implement and the certificate types after its first plain
    /// type (those the handshake check covers): no type is lost anywhere
    /// else.
    #[test]
    fn every_list_form_offers_what_ssh_offers() {
        const TOKENS: [&str; 7] = [
            "ssh-ed25519",
            "ssh-ed25519-cert-v01@openssh.com",
            "rsa-sha2-512",
            "ssh-ed25519*",
            "*ed25519*",
            "ecdsa*",
            "*-cert-v01@openssh.com",
        ];
        let mut forms = Vec::new();
        for prefix in ["", "+", "-", "^"] {
            for a in TOKENS {
                forms.push(format!("{prefix}{a}"));
                for b in TOKENS.iter().filter(|b| **b != a) {
                    forms.push(format!("{prefix}{a},{b}"));
                }
            }
        }
        let answers: Vec<_> = std::thread::scope(|scope| {
            let chunks: Vec<_> = forms
                .chunks(forms.len().div_ceil(4))
                .map(|chunk| {
                    scope.spawn(move || chunk.iter().map(|f| ssh_prints(f)).collect::<Vec<_>>())
                })
                .collect();
            chunks.into_iter().flat_map(|t| t.join().unwrap()).collect()
        });
        let mut wrong = Vec::new();
        for (form, answer) in forms.iter().zip(answers) {
            let Some(answer) = answer else {
                assert!(std::env::var_os("CI").is_none(), "CI must have ssh");
                return;
            };
            let parsed = AlgorithmChange::parse(AlgorithmKind::HostKey, form);
            let theirs = match (answer, parsed) {
                (Ok(theirs), Ok(_)) => theirs,
                (Err(_), Err(_)) => continue,
                (theirs, ours) => {
                    wrong.push(format!("{form}: ssh {theirs:?}, sshfleet {ours:?}"));
                    continue;
                }
            };
            let order = openssh_order(change(form).as_ref(), &KnownForHost::default());
            if order.join(",") != theirs {
                wrong.push(format!(
                    "{form}: ssh offers {theirs}, OpenSSH order {order:?}"
                ));
            }
            let mut expected = Vec::new();
            let mut plain_seen = false;
            for name in theirs.split(',') {
                if !HOST_KEY_NAMES.contains(&plain_name(name).as_str()) {
                    continue;
                }
                if !is_certificate(name) {
                    plain_seen = true;
                    expected.push(name.to_string());
                } else if !plain_seen {
                    expected.push(name.to_string());
                }
            }
            let offered = russh_offer(&order).names();
            if offered != expected {
                wrong.push(format!("{form}: ssh {theirs}, sshfleet offers {offered:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
