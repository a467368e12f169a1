//! The host name ssh connects to, after its first configuration pass, when
//! that name is a numeric address. OpenSSH 9.2 (`ssh.c`: `is_addr`,
//! `resolve_canonicalize`, `resolve_addr`) rewrites such a name to its
//! standard form even with `CanonicalizeHostname no`: it asks
//! `getaddrinfo(AI_NUMERICHOST)` and prints the answer with
//! `getnameinfo(NI_NUMERICHOST)`. So `127.1`, `2130706433`, `0x7f.1` all
//! become `127.0.0.1`, `010.1.2.3` becomes `8.1.2.3`, and
//! `0:0:0:0:0:0:0:1` becomes `::1`; that form is what `%h`, known_hosts
//! and `Match final host` see. Reading the literal instead would pick a
//! different key, user or host key silently.
//!
//! glibc's parsers are reproduced here rather than called: IPv4 as
//! `__inet_aton_exact` reads it (1 to 4 parts, each like `strtoul` base 0),
//! IPv6 as `inet_pton6`, printed as `inet_ntop6` prints. A zone id
//! (`fe80::1%eth0`) depends on the local interfaces and is refused.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The name ssh uses after its first pass, for `name` (the `HostName`, or
/// the name given). `family` is the `AddressFamily` obtained (`None`:
/// unset). `Err`: a form sshfleet cannot read as ssh would.
pub(crate) fn resolved_host(name: &str, family: Option<&str>) -> Result<String, String> {
    let (v4, v6) = match family {
        Some("inet") => (true, false),
        Some("inet6") => (false, true),
        _ => (true, true),
    };
    if let Some((address, _zone)) = name.split_once('%') {
        if v6 && parse_ipv6(address).is_some() {
            return Err(format!(
                "HostName {name}: an IPv6 zone id is resolved by ssh against this machine's interfaces; sshfleet does not support it"
            ));
        }
        return Ok(name.to_string());
    }
    // getaddrinfo tries IPv4 first: a name that reads as IPv4 is never
    // read as IPv6; with `AddressFamily inet6` it fails outright (and is
    // then lower-cased as a name).
    if let Some(address) = parse_ipv4(name).filter(|_| v4) {
        return Ok(address.to_string());
    }
    let ipv6 = parse_ipv6(name).filter(|_| parse_ipv4(name).is_none());
    // With `AddressFamily inet`, glibc answers an IPv4-mapped IPv6
    // address with its IPv4 address.
    if let Some(mapped) = ipv6.filter(|_| !v6).and_then(|a| a.to_ipv4_mapped()) {
        return Ok(mapped.to_string());
    }
    if let Some(address) = ipv6.filter(|_| v6) {
        // ssh replaces the name only when `strcasecmp` finds them
        // different: `FE80::AB` stays as written.
        let standard = format_ipv6(address);
        return Ok(if standard.eq_ignore_ascii_case(name) {
            name.to_string()
        } else {
            standard
        });
    }
    // `is_addr_fast`: a name that can only be an address is not
    // lower-cased even when it does not parse.
    if name.contains(':') || name.chars().all(|c| c.is_ascii_digit() || c == '.') {
        Ok(name.to_string())
    } else {
        Ok(super::lower_ascii(name))
    }
}

/// glibc's `__inet_aton_exact`: parts separated by `.`, each starting with
/// a digit and read as `strtoul(…, 0)` reads (`0x` hex, leading `0` octal,
/// else decimal); the last part fills the remaining bytes (1 part: 32
/// bits, 2: 8.24, 3: 8.8.16, 4: 8.8.8.8); nothing may follow.
pub(crate) fn parse_ipv4(text: &str) -> Option<Ipv4Addr> {
    const MAX_LAST: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return None;
    }
    let mut word: u32 = 0;
    let (last, leading) = parts.split_last()?;
    for (index, part) in leading.iter().enumerate() {
        let value = parse_part(part).filter(|v| *v <= 0xff)?;
        word |= (value as u32) << (24 - 8 * index);
    }
    let value = parse_part(last).filter(|v| *v <= MAX_LAST[leading.len()])?;
    Some(Ipv4Addr::from(word | value as u32))
}

/// One part, as `strtoul(part, &end, 0)` with `*end` at its end: a
/// leading digit, `0x`/`0X` then at least one hex digit, `0` then octal
/// digits, or decimal. `None` when it does not fit in 32 bits.
fn parse_part(part: &str) -> Option<u64> {
    if !part.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    // Many leading zeros still fit: trim them before the range check.
    let significant = digits.trim_start_matches('0');
    if significant.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(significant, radix)
        .ok()
        .filter(|v| *v <= 0xffff_ffff)
}

/// glibc's `inet_pton6`: groups of 1 to 4 hex digits, one `::` standing
/// for at least one zero group, an IPv4 dotted quad (strict decimal) in
/// the last 32 bits.
pub(crate) fn parse_ipv6(text: &str) -> Option<Ipv6Addr> {
    // std's parser agrees with inet_pton6 on these forms; what it would
    // accept beyond them is excluded first.
    if text.is_empty() || text.starts_with(':') && !text.starts_with("::") {
        return None;
    }
    if text.ends_with(':') && !text.ends_with("::") {
        return None;
    }
    text.parse::<Ipv6Addr>().ok()
}

/// glibc's `inet_ntop6`: lower-case hex, the longest (first of equal) run
/// of two or more zero groups written `::`, and the last 32 bits as a
/// dotted quad when the address is IPv4-compatible (`::a.b.c.d`, six
/// zero groups) or IPv4-mapped (`::ffff:a.b.c.d`).
pub(crate) fn format_ipv6(address: Ipv6Addr) -> String {
    let words = address.segments();
    let mut best: Option<(usize, usize)> = None;
    let mut current: Option<(usize, usize)> = None;
    for (i, word) in words.iter().enumerate() {
        if *word == 0 {
            let run = current.map_or((i, 1), |(base, len)| (base, len + 1));
            current = Some(run);
            if best.is_none_or(|(_, len)| run.1 > len) {
                best = Some(run);
            }
        } else {
            current = None;
        }
    }
    let best = best.filter(|(_, len)| *len >= 2);
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if let Some((base, len)) = best
            && i == base
        {
            out.push(':');
            i += len;
            if i == 8 {
                out.push(':');
            }
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6
            && let Some((0, len)) = best
            && (len == 6 || (len == 5 && words[5] == 0xffff))
        {
            let [.., a, b, c, d] = address.octets();
            out.push_str(&Ipv4Addr::new(a, b, c, d).to_string());
            break;
        }
        out.push_str(&format!("{:x}", words[i]));
        i += 1;
    }
    out
}
