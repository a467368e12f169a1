//! One sanitiser at the boundary: every string that came from a remote
//! host (banners, algorithm names, output, captures, error texts) or from
//! an operator's files (host names, playbook texts) is escaped before it
//! reaches a terminal, the summary table, the report or the JSON log. A
//! C0 or C1 control character (ESC, CSI U+009B, ...) written raw would let
//! a hostile appliance rewrite an operator's screen or a log viewer's.
//!
//! Called at one boundary, `console/`: everything else keeps text as it
//! came, so it is escaped exactly once, where it is shown (a structure
//! test names the only other callers: the HTML page, and the escaped form
//! of a secret that redaction masks).
//!
//! How each character is written is `support::escape`'s. Controls
//! split across two packets are joined by the shell's terminal parser
//! before any string exists, so checking whole strings here is enough.
//! The transcript keeps the session's bytes, escaped the same way.

use std::borrow::Cow;

#[cfg(test)]
use super::escape::{BIDI_AND_SEPARATORS, must_escape};
use super::escape::{escape_but, escape_json_raw};

/// `text` with every control character escaped (newlines too: one field,
/// one line).
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    masked(text, |t| escape_but(t, |_| false))
}

/// `escaper` applied to `text` once every secret the run knows is masked
/// in it (docs/SECURITY.md I4): every text sshfleet shows or stores is
/// escaped here, so here is where it leaves without them. Masked before
/// escaping: the secret is matched as it is, controls in it and all.
/// Then every quoted value derived from a secret, of any length, is
/// withheld (`support::taint`): the errors that quote a value are many,
/// the way out is one.
fn masked<'a>(text: &'a str, escaper: impl Fn(&str) -> Cow<'_, str>) -> Cow<'a, str> {
    let shown = match crate::support::secrets::mask_known(text) {
        Cow::Borrowed(text) => crate::support::taint::withhold_quoted(text),
        Cow::Owned(text) => Cow::Owned(crate::support::taint::withhold_quoted(&text).into_owned()),
    };
    match shown {
        Cow::Borrowed(text) => escaper(text),
        Cow::Owned(text) => Cow::Owned(escaper(&text).into_owned()),
    }
}

/// `text` with every control character but newlines escaped: messages of
/// several lines (an error pointing at a file's line).
pub(crate) fn escape_keeping_lines(text: &str) -> Cow<'_, str> {
    masked(text, |t| escape_but(t, |c| c == '\n'))
}

/// `text` for a terminal at the console boundary: every control character
/// escaped but line feeds and tabs (the layout of sshfleet's own lines).
/// Escaping twice changes nothing: escaped text has no control left.
pub(crate) fn escape_for_terminal(text: &str) -> Cow<'_, str> {
    masked(text, |t| escape_but(t, |c| c == '\n' || c == '\t'))
}

/// Serialized JSON for a terminal or a log: JSON escapes C0 controls
/// itself but lets DEL, C1 (`U+009B`, a CSI) and the bidirectional controls
/// through raw; they become `\u009b`, `\u202e`, the same JSON value.
pub(crate) fn escape_json_text(json: &str) -> Cow<'_, str> {
    match mask_json_strings(json) {
        Cow::Borrowed(json) => escape_json_raw(json),
        Cow::Owned(json) => Cow::Owned(escape_json_raw(&json).into_owned()),
    }
}

/// Serialized JSON with every secret the run knows masked inside its
/// strings (as JSON escapes them), never in its syntax: a password
/// `null` or `2222` does not turn a value into invalid JSON. A string that
/// is a value derived from a secret, of any length, is masked whole, and
/// one that quotes such a value between backticks (an error) withholds it.
fn mask_json_strings(json: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut start = None;
    let mut escaped = false;
    for (i, c) in json.char_indices() {
        match (start, c) {
            (None, '"') => start = Some(i + 1),
            (Some(_), _) if escaped => escaped = false,
            (Some(_), '\\') => escaped = true,
            (Some(from), '"') => {
                start = None;
                if let Cow::Owned(masked) = json_string_shown(&json[from..i]) {
                    let out = out.get_or_insert_with(String::new);
                    out.push_str(&json[copied..from]);
                    out.push_str(&masked);
                    copied = i;
                }
            }
            _ => {}
        }
    }
    match out {
        None => Cow::Borrowed(json),
        Some(mut out) => {
            out.push_str(&json[copied..]);
            Cow::Owned(out)
        }
    }
}

/// The content of one JSON string as it may be shown (see
/// [`mask_json_strings`]).
fn json_string_shown(content: &str) -> Cow<'_, str> {
    use crate::support::{secrets, taint};
    if taint::is_tainted(content) {
        return Cow::Owned(secrets::MASK.to_string());
    }
    match secrets::mask_known(content) {
        Cow::Borrowed(content) => taint::withhold_backticked(content),
        Cow::Owned(content) => Cow::Owned(taint::withhold_backticked(&content).into_owned()),
    }
}

/// Bytes from a host as text for the transcript, chunk after chunk: a
/// character split across two packets is decoded whole (never as two
/// replacement characters), and a byte that is not UTF-8 is kept as
/// `\xNN`, so the transcript has every byte the host sent.
#[derive(Debug, Default)]
pub(crate) struct Utf8Chunks {
    pending: Vec<u8>,
}

impl Utf8Chunks {
    pub(crate) fn decode(&mut self, data: &[u8]) -> String {
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(data);
        let mut out = String::with_capacity(bytes.len());
        let mut rest = bytes.as_slice();
        loop {
            match std::str::from_utf8(rest) {
                Ok(text) => {
                    out.push_str(text);
                    break;
                }
                Err(e) => {
                    let (good, bad) = rest.split_at(e.valid_up_to());
                    out.push_str(std::str::from_utf8(good).unwrap_or_default());
                    match e.error_len() {
                        // Cut short by the packet: the rest comes next time.
                        None => {
                            self.pending = bad.to_vec();
                            break;
                        }
                        Some(n) => {
                            for b in &bad[..n] {
                                out.push_str(&format!("\\x{b:02x}"));
                            }
                            rest = &bad[n..];
                        }
                    }
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn characters_split_across_chunks_are_decoded_whole() {
        let mut d = Utf8Chunks::default();
        let csi = "\u{9b}".as_bytes();
        assert_eq!(d.decode(&[b'a', csi[0]]), "a");
        assert_eq!(d.decode(&[csi[1], b'2', b'J']), "\u{9b}2J");
        assert_eq!(d.decode(b"x\xffy"), "x\\xffy");
    }

    #[test]
    fn json_and_terminal_text_carry_no_raw_control() {
        let json = serde_json::to_string_pretty(&serde_json::json!({"h": "a\u{9b}2J\u{1b}\u{7f}"}))
            .unwrap();
        let safe = escape_json_text(&json);
        assert!(!safe.chars().any(|c| must_escape(c) && c != '\n'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["h"], "a\u{9b}2J\u{1b}\u{7f}");
        assert_eq!(escape_for_terminal("a\tb\nc\u{1b}"), "a\tb\nc\\u{1b}");
        assert_eq!(escape_for_terminal(&escape("x\u{9b}")), escape("x\u{9b}"));
    }

    #[test]
    fn bidi_controls_and_separators_are_escaped_in_text_and_json() {
        // The class by its Unicode ranges: the table must hold each.
        let class = ('\u{202a}'..='\u{202e}')
            .chain('\u{2066}'..='\u{2069}')
            .chain(['\u{200e}', '\u{200f}', '\u{061c}', '\u{2028}', '\u{2029}']);
        for c in class {
            assert!(BIDI_AND_SEPARATORS.contains(&c), "{c:?} missing");
            let text = format!("esa{c}01");
            for safe in [
                escape(&text),
                escape_keeping_lines(&text),
                escape_for_terminal(&text),
            ] {
                assert_eq!(safe, format!("esa\\u{{{:x}}}01", u32::from(c)));
            }
            let json = serde_json::to_string(&serde_json::json!({ "h": text })).unwrap();
            let safe = escape_json_text(&json);
            assert!(!safe.contains(c), "{safe}");
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
            assert_eq!(back["h"], text);
        }
        // Visible neighbours stay as they are.
        for c in ['\u{2010}', '\u{061b}', 'é', '✓', ' '] {
            assert_eq!(escape(&c.to_string()), c.to_string());
        }
    }

    /// Unicode 16's Default_Ignorable_Code_Point (DerivedCoreProperties.txt),
    /// copied as the reference the escaper is checked against: what a
    /// terminal draws as nothing.
    const DEFAULT_IGNORABLE: [(u32, u32); 17] = [
        (0xad, 0xad),
        (0x34f, 0x34f),
        (0x61c, 0x61c),
        (0x115f, 0x1160),
        (0x17b4, 0x17b5),
        (0x180b, 0x180f),
        (0x200b, 0x200f),
        (0x202a, 0x202e),
        (0x2060, 0x206f),
        (0x3164, 0x3164),
        (0xfe00, 0xfe0f),
        (0xfeff, 0xfeff),
        (0xffa0, 0xffa0),
        (0xfff0, 0xfff8),
        (0x1bca0, 0x1bca3),
        (0x1d173, 0x1d17a),
        (0xe0000, 0xe0fff),
    ];

    /// The class, over every code point: escaped are exactly those of
    /// categories Cc, Cf, Co, Cn, Zl, Zp, Zs but the ASCII space, and the
    /// default-ignorable ones; everything else is printed as it is. Each
    /// escaped one leaves only printable ASCII, in text and in JSON (which
    /// reads back as the same value).
    #[test]
    fn every_invisible_code_point_and_only_those_is_escaped() {
        use unicode_general_category::{GeneralCategory as G, get_general_category};
        let mut wrong = Vec::new();
        let (mut invisible, mut visible) = (String::new(), String::new());
        for c in (0..=0x10ffffu32).filter_map(char::from_u32) {
            let category = get_general_category(c);
            let expected = matches!(
                category,
                G::Control
                    | G::Format
                    | G::PrivateUse
                    | G::Unassigned
                    | G::LineSeparator
                    | G::ParagraphSeparator
            ) || (category == G::SpaceSeparator && c != ' ')
                || DEFAULT_IGNORABLE
                    .iter()
                    .any(|(a, b)| (*a..=*b).contains(&u32::from(c)))
                || [0x2800, 0x1d159].contains(&u32::from(c));
            if must_escape(c) != expected {
                wrong.push(format!("U+{:04X} ({category:?})", u32::from(c)));
            }
            if expected {
                &mut invisible
            } else {
                &mut visible
            }
            .push(c);
        }
        assert!(
            wrong.is_empty(),
            "{} wrong: {:?}",
            wrong.len(),
            &wrong[..wrong.len().min(20)]
        );
        // All of them at once: each escaped to printable ASCII, in text and
        // in JSON (read back as the same text); the others kept as they are.
        let escaped = escape_but(&invisible, |_| false);
        assert!(escaped.chars().all(|e| e.is_ascii_graphic()));
        let json = serde_json::to_string(&invisible).unwrap();
        let json = escape_json_raw(&json);
        assert!(json.chars().all(|e| e.is_ascii_graphic()));
        assert_eq!(serde_json::from_str::<String>(&json).unwrap(), invisible);
        assert!(matches!(escape_but(&visible, |_| false), Cow::Borrowed(_)));
        // One beyond the BMP reads back from JSON as itself.
        let json = escape_json_text("[\"\u{e0001}\u{f0000}\"]").into_owned();
        assert_eq!(json, "[\"\\udb40\\udc01\\udb80\\udc00\"]");
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ["\u{e0001}\u{f0000}"]);
    }

    /// Every way text leaves through this module withholds a quoted value
    /// derived from a secret, however short (docs/SECURITY.md I4). A new
    /// `pub(crate) fn` here fails this test until it has a row: one that
    /// shows text with a check, or a reason it shows none.
    #[test]
    fn every_way_out_withholds_values_derived_from_secrets() {
        type WayOut = fn(&str) -> String;
        let shown: [(&str, WayOut); 4] = [
            ("escape", |t| escape(t).into_owned()),
            ("escape_keeping_lines", |t| {
                escape_keeping_lines(t).into_owned()
            }),
            ("escape_for_terminal", |t| {
                escape_for_terminal(t).into_owned()
            }),
            ("escape_json_text", |t| {
                let json = serde_json::to_string(&serde_json::json!([t, "zq7"])).unwrap();
                escape_json_text(&json).into_owned()
            }),
        ];
        let not_shown = [
            // `Utf8Chunks::decode`: bytes to text, shown later by a row above.
            "decode",
        ];
        let source = include_str!("sanitize.rs");
        let code = source
            .split("#[cfg(test)]\nmod tests")
            .next()
            .unwrap_or_default();
        let declared = regex::Regex::new(r"pub\(crate\) fn ([a-z_0-9]+)").unwrap();
        for name in declared.captures_iter(code).map(|c| c[1].to_string()) {
            assert!(
                shown.iter().any(|(n, _)| *n == name) || not_shown.contains(&name.as_str()),
                "sanitize::{name} has no row: does the text it shows withhold tainted values?"
            );
        }
        crate::support::taint::taint("zq7");
        for (name, way_out) in shown {
            let out = way_out("`ansible_port` cannot be read as a port number: `zq7`");
            assert!(!out.contains("zq7"), "{name}: {out}");
            assert!(out.contains("`ansible_port`"), "{name}: {out}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            failure_persistence: None,
            ..proptest::prelude::ProptestConfig::default()
        })]
        #[test]
        fn no_bidi_control_or_separator_survives_escaping(
            parts in proptest::collection::vec((".{0,8}", 0usize..14), 0..8)
        ) {
            let text: String = parts
                .iter()
                .map(|(s, i)| format!("{s}{}", BIDI_AND_SEPARATORS[*i]))
                .collect();
            let safe = escape_for_terminal(&text);
            proptest::prop_assert!(!safe.chars().any(|c| BIDI_AND_SEPARATORS.contains(&c)));
            let json = serde_json::to_string(&serde_json::json!([text])).unwrap();
            let safe = escape_json_text(&json);
            proptest::prop_assert!(!safe.chars().any(|c| BIDI_AND_SEPARATORS.contains(&c)));
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
            proptest::prop_assert_eq!(&back[0], &serde_json::json!(text));
        }
    }

    #[test]
    fn c0_and_c1_controls_are_escaped_and_the_rest_kept() {
        assert_eq!(escape("plain ÿ é ✓"), "plain ÿ é ✓");
        assert!(matches!(escape("plain"), Cow::Borrowed(_)));
        assert_eq!(escape("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(escape("csi\u{9b}2J"), "csi\\u{9b}2J");
        assert_eq!(escape("nel\u{85}del\u{7f}"), "nel\\u{85}del\\u{7f}");
        assert_eq!(escape("two\nlines\r"), "two\\nlines\\r");
        assert_eq!(escape_keeping_lines("two\nlines\u{7}"), "two\nlines\\u{7}");
        for c in (0u32..0x20).chain(0x7f..0xa0) {
            let c = char::from_u32(c).unwrap_or_default();
            assert!(!escape(&c.to_string()).chars().any(must_escape), "{c:?}");
        }
    }
}
