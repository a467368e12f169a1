//! A recording is data: what its header may carry.

use crate::Header;

/// The most playbook variables a header may carry.
const MAX_VARS: usize = 256;

/// The longest text a header field or variable may hold.
const MAX_FIELD: usize = 4096;

/// A recording is data: its header carries only what a replay needs, and
/// nothing that would become a connection setting or be executed when the
/// replay's inventory is read. The host is a host name ([`is_host_name`]:
/// no pattern, no shell metacharacter), the playbook a name (no path); each variable is a playbook variable (not an
/// `ansible_*` or `sshfleet_*` connection variable, nor one of Ansible's
/// reserved names) holding a plain scalar (no Jinja template, no control
/// character).
pub(crate) fn check_header(header: &Header) -> Result<(), String> {
    if !is_host_name(&header.host) {
        return Err(format!(
            "header: host {:?} is not a host name ({HOST_NAME_GRAMMAR}); an inventory pattern such as a range `[1:3]` is not one host",
            header.host
        ));
    }
    let is_playbook = |text: &str| {
        !text.is_empty()
            && text.len() <= 128
            && !text.starts_with(['.', '-', '~'])
            && !text
                .chars()
                .any(|c| matches!(c, '/' | '\\') || c.is_control())
    };
    if !is_playbook(&header.playbook) {
        return Err(format!(
            "header: playbook {:?} is not a playbook name (no path)",
            header.playbook
        ));
    }
    if header.vars.len() > MAX_VARS {
        return Err(format!("header: more than {MAX_VARS} variables"));
    }
    for (name, value) in &header.vars {
        check_var(name, value).map_err(|why| format!("header: variable {name:?} {why}"))?;
    }
    Ok(())
}

/// What [`is_host_name`] accepts, for messages.
pub const HOST_NAME_GRAMMAR: &str = "dot-separated labels of letters, digits, `-` and `_`, each at most 63 long and not starting with `-`, at most 253 in all";

/// The one host-name grammar of a recording (its `host`, the name a
/// replay serves it under): DNS-like labels, so that the name means one
/// host wherever it is written. No inventory pattern character (`[`, `]`,
/// `:` make a range, `*`, `!`, `&`, `,` a selection), no `@`, no space or
/// shell metacharacter. An IPv6 address is not one (its `:` reads as a
/// range or a port in an inventory).
pub fn is_host_name(text: &str) -> bool {
    text.len() <= 253
        && text.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        })
}

/// Names a replay's inventory must never receive from a recording.
const RESERVED_PREFIXES: [&str; 2] = ["ansible_", "sshfleet_"];
const RESERVED_NAMES: [&str; 8] = [
    "hostvars",
    "groups",
    "group_names",
    "inventory_hostname",
    "inventory_hostname_short",
    "inventory_dir",
    "inventory_file",
    "omit",
];

fn check_var(name: &str, value: &serde_json::Value) -> Result<(), String> {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        && name.len() <= 128;
    if !identifier {
        return Err("is not a variable name".to_string());
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED_PREFIXES.iter().any(|p| lower.starts_with(p))
        || RESERVED_NAMES.contains(&lower.as_str())
    {
        return Err(
            "is a connection or reserved variable; a recording carries playbook variables only"
                .to_string(),
        );
    }
    match value {
        serde_json::Value::Bool(_) | serde_json::Value::Number(_) => Ok(()),
        serde_json::Value::String(text) => {
            if text.len() > MAX_FIELD {
                Err(format!("is longer than {MAX_FIELD} bytes"))
            } else if ["{{", "{%", "{#"].iter().any(|t| text.contains(t)) {
                Err("holds a template; a recording carries plain values only".to_string())
            } else if text.chars().any(char::is_control) {
                Err("holds a control character".to_string())
            } else {
                Ok(())
            }
        }
        _ => Err("is not a text, a number or a boolean".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixed-seed xorshift: the same generated names on every run.
    struct Names(u64);

    impl Names {
        fn next(&mut self, below: usize) -> usize {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 % below as u64) as usize
        }

        /// A name of the grammar: 1 to 4 labels of 1 to 20 characters.
        fn host(&mut self) -> String {
            const FIRST: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_";
            const REST: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789-_";
            let labels = 1 + self.next(4);
            (0..labels)
                .map(|_| {
                    let len = 1 + self.next(20);
                    let mut label = String::new();
                    label.push(FIRST[self.next(FIRST.len())] as char);
                    for _ in 1..len {
                        label.push(REST[self.next(REST.len())] as char);
                    }
                    label
                })
                .collect::<Vec<_>>()
                .join(".")
        }
    }

    #[test]
    fn generated_host_names_are_accepted_and_any_other_character_refused() {
        let mut names = Names(0x0005_eedf_1ee7);
        let others: Vec<char> = (0u8..=127)
            .map(char::from)
            .chain(['é', 'ı', '\u{202e}', '：'])
            .filter(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
            .collect();
        for _ in 0..2000 {
            let host = names.host();
            assert!(is_host_name(&host), "{host}");
            // Any other character, anywhere, makes it something else.
            let at = names.next(host.len() + 1);
            let c = others[names.next(others.len())];
            let mut bad = host.clone();
            bad.insert(at, c);
            assert!(!is_host_name(&bad), "{bad:?}");
        }
    }

    #[test]
    fn patterns_and_malformed_names_are_not_host_names() {
        for bad in [
            "e[a:z]x[a:z]y[a:z]",
            "esa[1:3]",
            "e[0:99999999999]",
            "esa01:2222",
            "fe80::1",
            "[::1]",
            "admin@esa01",
            "esa*",
            "!esa01",
            "a,b",
            "",
            ".esa01",
            "esa01.",
            "esa..01",
            "-oProxyCommand=x",
            "esa.-x",
            &"a".repeat(64),
            &["a"; 128].join("."),
        ] {
            assert!(!is_host_name(bad), "{bad:?}");
        }
        for good in [
            "esa01",
            "esa01.example.com",
            "10.0.0.1",
            "pc_01",
            &"a".repeat(63),
        ] {
            assert!(is_host_name(good), "{good:?}");
        }
    }
}
