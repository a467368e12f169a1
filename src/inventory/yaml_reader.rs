//! The text Ansible's YAML loader reads, before any structure: ansible-core
//! 2.19 parses with libyaml (YAML 1.1), whose reader and scanner differ
//! from the YAML 1.2 reader sshfleet builds values with. This pass makes
//! the two agree or refuses: a leading BOM is dropped; NEL (U+0085) is a
//! line break, as `\n`; LS and PS (U+2028, U+2029) are line breaks whose
//! character libyaml keeps in text, which sshfleet's reader cannot do, so
//! they are refused; a character libyaml refuses anywhere (even in a
//! comment) is refused; whatever libyaml's own scanner and parser refuse
//! (a tab that violates indentation) is refused with libyaml's words; an
//! anchor defined twice is refused as PyYAML's composer refuses it.

use std::borrow::Cow;
use std::collections::HashSet;

use serde::Deserialize;

use super::pychars::{YAML_BREAKS, yaml_unacceptable};

/// Why a document could not be read, with its 1-based line.
#[derive(Debug)]
pub(super) struct YamlError {
    pub(super) line: usize,
    pub(super) message: String,
}

impl YamlError {
    /// The error about a value that is or may be secret (under a
    /// secret-named key, or in a vault-decrypted file): it quotes none of
    /// its text (docs/SECURITY.md I4), only where and what is wrong.
    pub(super) fn secret(self) -> YamlError {
        YamlError {
            line: self.line,
            message: crate::support::secrets::mask_quoted(&self.message),
        }
    }
}

/// `text` as sshfleet's YAML reader must see it to read what Ansible reads.
pub(super) fn prepare(text: &str) -> Result<Cow<'_, str>, YamlError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut line = 1;
    let mut after_cr = false;
    for c in text.chars() {
        if YAML_BREAKS.contains(&c) && !(after_cr && c == '\n') {
            line += 1;
        }
        after_cr = c == '\r';
        if yaml_unacceptable(c) {
            return Err(YamlError {
                line,
                message: format!(
                    "unacceptable character U+{:04X}: Ansible's YAML reader refuses control \
                     characters anywhere in a file, even in a comment",
                    c as u32
                ),
            });
        }
        if matches!(c, '\u{2028}' | '\u{2029}') {
            return Err(YamlError {
                line: line - 1,
                message: format!(
                    "U+{:04X} (a Unicode line or paragraph separator) ends a line for \
                     Ansible's YAML reader, which keeps the character in text where sshfleet \
                     cannot: write a newline",
                    c as u32
                ),
            });
        }
    }
    let text = if text.contains('\u{85}') {
        Cow::Owned(text.replace('\u{85}', "\n"))
    } else {
        Cow::Borrowed(text)
    };
    check_with_libyaml(&text)?;
    check_anchors(&text)?;
    Ok(text)
}

/// libyaml's scanner and parser over the whole stream (serde_yaml reads
/// with libyaml itself).
fn check_with_libyaml(text: &str) -> Result<(), YamlError> {
    for document in serde_yaml::Deserializer::from_str(text) {
        if let Err(e) = serde::de::IgnoredAny::deserialize(document) {
            // serde_yaml's own bounds, not libyaml's: nesting and aliases
            // are bounded by `check_yaml_structure` before this runs.
            let text = e.to_string();
            if text.contains("recursion limit exceeded") || text.contains("repetition limit") {
                continue;
            }
            return Err(YamlError {
                line: e.location().map_or(1, |l| l.line()),
                message: format!("Ansible's YAML reader (libyaml) cannot read this: {e}"),
            });
        }
    }
    Ok(())
}

/// PyYAML's composer: "found duplicate anchor" (an alias would otherwise
/// name the later node without Ansible ever reading the file).
fn check_anchors(text: &str) -> Result<(), YamlError> {
    use yaml_rust2::scanner::{Scanner, Token, TokenType};
    let mut seen = HashSet::new();
    for Token(mark, token) in Scanner::new(text.chars()) {
        if let TokenType::Anchor(name) = token
            && !seen.insert(name.clone())
        {
            return Err(YamlError {
                line: mark.line(),
                message: format!(
                    "found duplicate anchor `&{name}`, which Ansible's YAML reader refuses"
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::super::yaml11::parse;
    use serde_yaml::Value;

    /// ansible-core 2.19.14's AnsibleLoader on each text.
    #[test]
    fn read_as_libyaml_reads() {
        for (text, key, want) in [
            ("\u{feff}a: 1\n", "a", Value::from(1)),
            ("a: bob # c\u{85}b: 2\n", "b", Value::from(2)),
            ("a: 'bo\u{85} b'\n", "a", Value::from("bo b")),
            ("a: |\n  x\u{85}  y\n", "a", Value::from("x\ny\n")),
            ("a: 1\rb: 2\n", "b", Value::from(2)),
            ("a: 'x\u{feff}y'\n", "a", Value::from("x\u{feff}y")),
            ("a: 1 #\u{d7ff}\u{85}\n", "a", Value::from(1)),
        ] {
            assert_eq!(parse(text).unwrap()[key], want, "{text:?}");
        }
    }

    /// ansible-core 2.19.14 fails on each ("unacceptable character",
    /// "found a tab character that violates indentation", "found
    /// character that cannot start any token", "found duplicate anchor",
    /// a BOM inside the stream); U+2028 it reads, keeping the character.
    #[test]
    fn refused_with_the_line() {
        for (text, line, needle) in [
            ("a: 1\nb: 1 #\u{7f}\n", 2, "U+007F"),
            ("a: 1 #\u{7}\n", 1, "U+0007"),
            ("a: 1\u{85}b: 1 #\u{1b}\n", 2, "U+001B"),
            ("a: 1 #\u{9f}\n", 1, "U+009F"),
            ("a: 1 #\u{fffe}\n", 1, "U+FFFE"),
            ("a: b\u{c}c\n", 1, "U+000C"),
            ("a:\n  b: 1\n\t\n  c: 2\n", 3, "tab"),
            ("a: 'x'\n\t\nb: 2\n", 2, "cannot start any token"),
            ("v: &a 1\nw: &a 2\nx: *a\n", 2, "duplicate anchor `&a`"),
            ("a: x\u{2028}b: 1\n", 1, "U+2028"),
            ("a: 1\n{b: a\u{2029}}\n", 2, "U+2029"),
            ("a: 1\n\u{feff}b: 2\n", 2, "libyaml"),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.message.contains(needle), "{text:?}: {}", e.message);
            assert_eq!(e.line, line, "{text:?}: {}", e.message);
        }
    }
}
