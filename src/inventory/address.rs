//! Ansible's `parse_address`: a host pattern with an optional port
//! (`esa01:2222`, `[2001:db8::5]:2230`, `esa[01:09]:22`), with Ansible's
//! own regular expressions for IPv4, IPv6 and host names (ranges
//! allowed). A pattern that is none of those is kept whole, port and all,
//! as Ansible keeps it.

use std::sync::LazyLock;

use regex::Regex;

const NUMERIC_RANGE: &str = r"\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]";
const HEX_RANGE: &str = r"\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]";
const ALNUM_RANGE: &str = r"\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]";

static BRACKETED_HOSTPORT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^\[(.+)\]:([0-9]+)$").ok());
static HOSTPORT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)$").ok());
static IPV4: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let c = format!(r"(?:[01]?[0-9]{{1,2}}|2[0-4][0-9]|25[0-5]|{NUMERIC_RANGE})");
    Regex::new(&format!(r"(?i)^(?:{c}\.){{3}}{c}$")).ok()
});
static IPV6: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let c = format!(r"(?:[0-9a-f]{{1,4}}|{HEX_RANGE})");
    let alternatives = [
        format!(r"(?:{c}:){{7}}{c}"),
        format!(r"(?:{c}:){{1,6}}:"),
        format!(r"(?:{c}:)(?::{c}){{1,6}}"),
        format!(r"(?:{c}:){{2}}(?::{c}){{1,5}}"),
        format!(r"(?:{c}:){{3}}(?::{c}){{1,4}}"),
        format!(r"(?:{c}:){{4}}(?::{c}){{1,3}}"),
        format!(r"(?:{c}:){{5}}(?::{c}){{1,2}}"),
        format!(r"(?:{c}:){{6}}(?::{c})"),
        format!(r":(?::{c}){{1,6}}"),
        format!(r"{c}?::"),
        format!(r"(?:0:){{6}}(?:{c}\.){{3}}{c}"),
        format!(r"::(?:ffff:)?(?:{c}\.){{3}}{c}"),
        format!(r"(?:0:){{5}}ffff:(?:{c}\.){{3}}{c}"),
    ];
    Regex::new(&format!(r"(?i)^({})$", alternatives.join("|"))).ok()
});
static HOSTNAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    let label = format!(r"(?:\w|{ALNUM_RANGE})(?:[\w_-]|{ALNUM_RANGE})*");
    Regex::new(&format!(r"(?i)^{label}(?:\.{label})*$")).ok()
});

fn matches(re: &LazyLock<Option<Regex>>, text: &str) -> bool {
    re.as_ref().is_some_and(|r| r.is_match(text))
}

/// A host identifier Ansible recognises: IPv4, IPv6 or a host name (whose
/// labels may not end with `-` or `_`), each possibly with ranges.
fn is_host(text: &str) -> bool {
    matches(&IPV4, text)
        || matches(&IPV6, text)
        || (matches(&HOSTNAME, text) && text.split('.').all(|l| !l.ends_with(['-', '_'])))
}

/// `(pattern, port)` as Ansible's inventory plugins read a host key: the
/// port split off when what is left is a host identifier; otherwise the
/// whole text and no port. `allow_ranges` false (host lists): a `[` makes
/// it not a host identifier.
///
/// A port of 0 (`h:0`, `h:00`) is no port: Ansible's `Host(name, port)`
/// sets `ansible_port` only `if port`.
pub(super) fn parse_address(text: &str, allow_ranges: bool) -> (String, Option<u32>) {
    let (host, port) = checked(text, allow_ranges).unwrap_or_else(|| (text.to_string(), None));
    (host, port.filter(|&p| p != 0))
}

/// [`parse_address`], `None` where Ansible's raises.
pub(super) fn checked(text: &str, allow_ranges: bool) -> Option<(String, Option<u32>)> {
    let mut address = text.to_string();
    let mut port = None;
    for re in [&BRACKETED_HOSTPORT, &HOSTPORT] {
        if let Some(caps) = re.as_ref().and_then(|r| r.captures(&address)) {
            let host = caps.get(1).map_or("", |m| m.as_str()).to_string();
            port = Some(
                caps.get(2)
                    .map_or("", |m| m.as_str())
                    .parse()
                    .unwrap_or(u32::MAX),
            );
            address = host;
        }
    }
    if !is_host(&address) || (!allow_ranges && address.contains('[')) {
        return None;
    }
    Some((address, port))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Each checked against ansible-core 2.19's `parse_address` as
    /// `_expand_hostpattern` applies it.
    #[test]
    fn host_patterns_as_ansible_reads_them() {
        for (text, host, port) in [
            ("esa01", "esa01", None),
            ("esa01:2222", "esa01", Some(2222)),
            ("[2001:db8::5]:2230", "2001:db8::5", Some(2230)),
            ("2001:db8::5", "2001:db8::5", None),
            ("10.0.0.1:22", "10.0.0.1", Some(22)),
            ("esa[01:03]:22", "esa[01:03]", Some(22)),
            ("[esa01]:22", "esa01", Some(22)),
            ("-bad:22", "-bad:22", None),
            ("bad-:22", "bad-:22", None),
            ("a b:22", "a b:22", None),
            ("[2001:db8::7]", "[2001:db8::7]", None),
            ("h_1.example.com", "h_1.example.com", None),
            // Port 0 is none: `Host(name, port)` sets it only `if port`.
            ("h:0", "h", None),
            ("h:000", "h", None),
            ("[2001:db8::5]:0", "2001:db8::5", None),
        ] {
            assert_eq!(
                parse_address(text, true),
                (host.to_string(), port),
                "{text}"
            );
        }
        assert_eq!(
            parse_address("esa[1:2]:22", false),
            ("esa[1:2]:22".to_string(), None)
        );
    }
}
