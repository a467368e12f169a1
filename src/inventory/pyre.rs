//! Python `re` patterns run with Rust's `regex`: only the constructs both
//! read the same way are accepted ([`check`]); every other one is refused
//! with what Python would do instead. Used by `regex_replace` and by `~`
//! host patterns.

/// A pattern that reads the same in Python's `re` and Rust's `regex`, and
/// what running it still depends on.
#[derive(Debug, Default)]
pub(super) struct Checked {
    /// Uses `\d \w \s \b` (or their negations), whose Unicode classes
    /// differ between the two: exact only on ASCII text without the
    /// separators `\x1c`-`\x1f` (Python's `\s` has them).
    pub unicode_classes: bool,
}

/// The constructs refused, each with why: (what the pattern has, why).
/// The tests hold one pattern for each row.
pub(super) const REFUSED: &[(&str, &str)] = &[
    (
        "[[",
        "a `[` inside a class: Rust reads a nested class or a POSIX class `[[:digit:]]`, Python the character `[`",
    ),
    (
        "&&",
        "`&&` in a class: Rust reads class intersection, Python the characters",
    ),
    (
        "--",
        "`--` in a class: Rust reads class difference, Python a range or the characters",
    ),
    (
        "~~",
        "`~~` in a class: Rust reads symmetric difference, Python the characters",
    ),
    (
        "(?",
        "a `(?` group other than `(?:` and `(?P<name>`: inline flags, look-around and conditionals differ or do not exist in Rust",
    ),
    (
        "\\p",
        "`\\p`, `\\P`, `\\N`, `\\x{..}`, `\\u{..}`: Rust escapes Python does not have",
    ),
    (
        "\\1",
        "back-references and octal escapes (`\\1`, `\\0`): Rust has none",
    ),
    (
        "\\Z",
        "`\\Z`, `\\z`, `\\<`, `\\>`, `\\b` in a class and other letter escapes: read differently or not at all",
    ),
    (
        "{",
        "a `{` that is not a repetition `{m}`, `{m,}`, `{m,n}`: Python reads it as text",
    ),
    (
        "**",
        "a repetition of a repetition (`a**`, possessive `a*+`)",
    ),
    ("\\é", "an escaped non-ASCII character"),
];

fn refused(row: usize, pattern: &str) -> String {
    let (_, why) = REFUSED[row];
    format!("the pattern `{pattern}` is not read the same by Python's re and Rust's regex: {why}")
}

/// Whether `pattern` reads the same in Python's `re` as in Rust's `regex`.
pub(super) fn check(pattern: &str) -> Result<Checked, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut checked = Checked::default();
    let mut i = 0;
    // 0: after an atom; 1: after a repetition; 2: after a lazy one.
    let mut repeat = 0u8;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        let quantifier = match c {
            '\\' => {
                i = escape(&chars, i, false, &mut checked).map_err(|r| refused(r, pattern))?;
                false
            }
            '[' => {
                i = class(&chars, i, &mut checked).map_err(|r| refused(r, pattern))?;
                false
            }
            '(' if chars.get(i) == Some(&'?') => {
                i = group(&chars, i + 1).ok_or_else(|| refused(4, pattern))?;
                false
            }
            '*' | '+' | '?' => true,
            '{' => {
                let close = chars[i..].iter().position(|c| *c == '}');
                let body: String =
                    close.map_or(String::new(), |n| chars[i..i + n].iter().collect());
                if close.is_none() || !is_counted(&body) {
                    return Err(refused(8, pattern));
                }
                i += body.chars().count() + 1;
                true
            }
            _ => false,
        };
        repeat = match (quantifier, repeat) {
            (false, _) => 0,
            (true, 0) => 1,
            (true, 1) if c == '?' => 2,
            (true, _) => return Err(refused(9, pattern)),
        };
    }
    Ok(checked)
}

/// `m`, `m,`, `m,n` (digits).
fn is_counted(body: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    match body.split_once(',') {
        None => digits(body),
        Some((m, n)) => digits(m) && (n.is_empty() || digits(n)),
    }
}

/// After `(?`: the index past `:` or `P<name>`, else `None`.
fn group(chars: &[char], i: usize) -> Option<usize> {
    match chars.get(i) {
        Some(':') => Some(i + 1),
        Some('P') if chars.get(i + 1) == Some(&'<') => {
            let start = i + 2;
            let len = chars[start..].iter().position(|c| *c == '>')?;
            let name = &chars[start..start + len];
            let ident = name
                .first()
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == '_')
                && name.iter().all(|c| c.is_ascii_alphanumeric() || *c == '_');
            ident.then_some(start + len + 1)
        }
        _ => None,
    }
}

/// After `\`: the index past the escape, or the refused row.
fn escape(chars: &[char], i: usize, in_class: bool, checked: &mut Checked) -> Result<usize, usize> {
    let Some(&e) = chars.get(i) else {
        return Err(7);
    };
    let hex = |n: usize| -> Result<usize, usize> {
        let digits = chars.get(i + 1..i + 1 + n).ok_or(7usize)?;
        if digits.iter().all(char::is_ascii_hexdigit) {
            Ok(i + 1 + n)
        } else {
            Err(5)
        }
    };
    match e {
        'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
            checked.unicode_classes = true;
            Ok(i + 1)
        }
        'b' | 'B' if !in_class => {
            checked.unicode_classes = true;
            Ok(i + 1)
        }
        'A' if !in_class => Ok(i + 1),
        'n' | 't' | 'r' | 'f' | 'v' | 'a' => Ok(i + 1),
        'x' => hex(2),
        'u' => hex(4),
        'U' => hex(8),
        'p' | 'P' | 'N' => Err(5),
        '0'..='9' => Err(6),
        '<' | '>' => Err(7),
        c if c.is_ascii_alphabetic() => Err(7),
        c if c.is_ascii() && !c.is_ascii_control() => Ok(i + 1),
        _ => Err(10),
    }
}

/// After `[`: the index past the closing `]`, or the refused row.
fn class(chars: &[char], mut i: usize, checked: &mut Checked) -> Result<usize, usize> {
    if chars.get(i) == Some(&'^') {
        i += 1;
    }
    // A `]` first is itself in both.
    if chars.get(i) == Some(&']') {
        i += 1;
    }
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        match c {
            ']' => return Ok(i + 1),
            '[' => return Err(0),
            '&' if next == Some('&') => return Err(1),
            '-' if next == Some('-') => return Err(2),
            '~' if next == Some('~') => return Err(3),
            '\\' => {
                i = escape(chars, i + 1, true, checked)?;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    // Unterminated: both refuse it (Rust's error names it).
    Ok(i)
}

/// Whether `text` is one on which the Unicode classes of both agree.
pub(super) fn classes_agree_on(text: &str) -> bool {
    text.is_ascii() && !text.chars().any(|c| ('\x1c'..='\x1f').contains(&c))
}

/// Whether the pattern can match the empty string somewhere: Python (3.7+)
/// and Rust then place empty matches next to other matches differently.
pub(super) fn can_match_empty(pattern: &str) -> bool {
    regex_syntax::Parser::new()
        .parse(pattern)
        .map_or(true, |hir| hir.properties().minimum_len() == Some(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One pattern per row of [`REFUSED`] (in order), each also read
    /// differently or refused by Rust's regex (checked by hand against
    /// Python 3.11's `re`).
    const REFUSED_EXAMPLES: &[&str] = &[
        "[[:digit:]]+",
        "[a-z&&[^e]]",
        "[a-z--e]",
        "[a~~b]",
        "a(?i)b",
        "\\p{L}",
        "(a)\\1",
        "a\\Z",
        "a{,2}",
        "a*+",
        "\\é",
    ];

    #[test]
    fn every_refused_row_has_an_example_that_is_refused() {
        assert_eq!(REFUSED_EXAMPLES.len(), REFUSED.len());
        for (pattern, (_, why)) in REFUSED_EXAMPLES.iter().zip(REFUSED) {
            let err = check(pattern).err().unwrap_or_default();
            assert!(err.contains(why), "{pattern}: {err}");
        }
        for pattern in [
            "\\x{41}", "[\\b]", "\\<", "a{x}", "[[]", "(?=a)", "(?P=n)", "\\z", "a**", "\\u{41}",
            "[a&&b]", "(?<n>a)",
        ] {
            assert!(check(pattern).is_err(), "{pattern}");
        }
    }

    #[test]
    fn common_patterns_are_accepted() {
        for pattern in [
            "^(?P<n>[a-z]+)(\\d+)",
            "\\.example\\.com$",
            "esa0[1-3]",
            "a{2}b{1,}c{1,3}?",
            "[]a-]x",
            "[^\\]]",
            "a*?b+?c??",
            "\\x41\\u0042\\-\\.\\/",
            "(?:a|b)|c",
        ] {
            assert!(check(pattern).is_ok(), "{pattern}: {:?}", check(pattern));
            assert!(regex::Regex::new(pattern).is_ok(), "{pattern}");
        }
        assert!(check("\\d").is_ok_and(|c| c.unicode_classes));
        assert!(check("a.b").is_ok_and(|c| !c.unicode_classes));
        assert!(can_match_empty("e*"));
        assert!(can_match_empty("(\\.example\\.com)?$"));
        assert!(!can_match_empty("e+"));
    }
}
