//! C's number parsing as OpenSSH calls it (`strtol`, OpenBSD's
//! `strtonum`): the value grammar and the forwarding parser both read
//! numbers through it.

/// C's `isspace` in the C locale, which `strtol` skips.
pub(super) const C_SPACE: [char; 6] = [' ', '\t', '\n', '\x0b', '\x0c', '\r'];

/// C's `strtol(text, &end, radix)` (radix 0: `0x` hex, `0` octal, else
/// decimal): the value (`None` on overflow), what follows the number, and
/// whether any digit was read (`end != text`).
pub(crate) fn strtol(text: &str, radix: u32) -> (Option<i64>, &str, bool) {
    let rest = text.trim_start_matches(C_SPACE);
    let (negative, rest) = match rest.as_bytes().first() {
        Some(b'-') => (true, &rest[1..]),
        Some(b'+') => (false, &rest[1..]),
        _ => (false, rest),
    };
    let hex = rest.len() > 2
        && (rest.starts_with("0x") || rest.starts_with("0X"))
        && rest.as_bytes()[2].is_ascii_hexdigit();
    let (radix, rest) = match radix {
        0 if hex => (16, &rest[2..]),
        0 if rest.starts_with('0') => (8, rest),
        0 => (10, rest),
        16 if hex => (16, &rest[2..]),
        r => (r, rest),
    };
    let end = rest
        .find(|c: char| !c.is_digit(radix))
        .unwrap_or(rest.len());
    if end == 0 {
        return (None, text, false);
    }
    let value = i64::from_str_radix(&rest[..end], radix)
        .ok()
        .map(|v| if negative { -v } else { v });
    (value, &rest[end..], true)
}

/// OpenBSD's `strtonum(text, min, max)`: a decimal `strtoll` of the whole
/// text (leading white space and a sign allowed), within the range.
pub(crate) fn strtonum(text: &str, min: i64, max: i64) -> Option<i64> {
    match strtol(text, 10) {
        (Some(n), "", true) if (min..=max).contains(&n) => Some(n),
        _ => None,
    }
}
