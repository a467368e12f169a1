//! The character classes Ansible's readers use, as tables: where Python's
//! `str.splitlines()` ends a line and what `str.strip()` (and the regex
//! `\s`) removes, which the INI plugin relies on; which characters end a
//! line for Ansible's YAML loader (libyaml, YAML 1.1: NEL, LS and PS too)
//! and which it refuses anywhere in a file. Rust's `lines()` and `trim()`
//! draw other lines: a vertical tab inside an INI line is two hosts to
//! Ansible. `tests/inventories/pychars.py` writes `pychars.txt` from
//! python3 and PyYAML; the test below fails when a table here differs.

/// `str.splitlines()`'s boundaries (`\r\n` is one).
const SPLITLINES: &[char] = &[
    '\n', '\u{b}', '\u{c}', '\r', '\u{1c}', '\u{1d}', '\u{1e}', '\u{85}', '\u{2028}', '\u{2029}',
];

/// `str.isspace()`: Unicode White_Space plus the separators `\x1c`–`\x1f`.
pub(super) fn py_isspace(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1c}'..=' '
            | '\u{85}'
            | '\u{a0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200a}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202f}'
            | '\u{205f}'
            | '\u{3000}'
    )
}

/// `s.strip()`.
pub(super) fn py_strip(s: &str) -> &str {
    s.trim_matches(py_isspace)
}

/// `text.splitlines()`: no final empty line, `\r\n` one boundary.
pub(super) fn py_splitlines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find(SPLITLINES) {
            Some(i) => {
                lines.push(&rest[..i]);
                let skip = if rest[i..].starts_with("\r\n") {
                    2
                } else {
                    rest[i..].chars().next().map_or(1, char::len_utf8)
                };
                rest = &rest[i + skip..];
            }
            None => {
                lines.push(rest);
                rest = "";
            }
        }
    }
    lines
}

/// Line breaks to Ansible's YAML loader (`\r\n` one).
pub(super) const YAML_BREAKS: &[char] = &['\n', '\r', '\u{85}', '\u{2028}', '\u{2029}'];

/// Characters libyaml's reader refuses wherever they stand, even in a
/// comment: "unacceptable character ... control characters are not
/// allowed". Ansible cannot read such a file.
pub(super) fn yaml_unacceptable(c: char) -> bool {
    matches!(
        c,
        '\0'..='\u{8}'
            | '\u{b}'
            | '\u{c}'
            | '\u{e}'..='\u{1f}'
            | '\u{7f}'..='\u{84}'
            | '\u{86}'..='\u{9f}'
            | '\u{fffe}'
            | '\u{ffff}'
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// The code points `pychars.py` probes: the BMP but surrogates, and
    /// every 251st astral one.
    fn points() -> impl Iterator<Item = char> {
        (0..0x1_0000u32)
            .chain((0x1_0000..0x11_0000).step_by(251))
            .chain([0x10_ffff])
            .filter_map(char::from_u32)
    }

    fn ranges(class: impl Fn(char) -> bool) -> String {
        let mut out: Vec<(u32, u32)> = Vec::new();
        for c in points().filter(|&c| class(c)) {
            match out.last_mut() {
                Some((_, end)) if *end + 1 == c as u32 => *end = c as u32,
                _ => out.push((c as u32, c as u32)),
            }
        }
        out.iter()
            .map(|(a, b)| format!("{a:X}-{b:X}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn the_tables_are_pythons_and_pyyamls() {
        let data = include_str!("pychars.txt");
        let row = |name: &str| {
            data.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} ")))
                .unwrap()
                .to_string()
        };
        assert_eq!(ranges(|c| SPLITLINES.contains(&c)), row("splitlines"));
        assert_eq!(ranges(py_isspace), row("isspace"));
        assert_eq!(ranges(|c| YAML_BREAKS.contains(&c)), row("yaml_break"));
        assert_eq!(ranges(yaml_unacceptable), row("yaml_unacceptable"));
    }

    /// python3: `"a\x0bb\r\nc\rd\u2028e\n".splitlines()` and `strip()`.
    #[test]
    fn lines_and_strip_as_python() {
        assert_eq!(
            py_splitlines("a\u{b}b\r\nc\rd\u{2028}e\n\nf"),
            ["a", "b", "c", "d", "e", "", "f"]
        );
        assert_eq!(py_splitlines("a\n"), ["a"]);
        assert!(py_splitlines("").is_empty());
        assert_eq!(py_strip("\u{1f} bob\u{85}\u{3000}"), "bob");
        assert_eq!(py_strip("\u{feff}x"), "\u{feff}x");
    }
}
