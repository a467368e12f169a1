//! One sanitiser at the boundary: every string that came from a remote
//! host (banners, algorithm names, output, captures, error texts) or from
//! an operator's files (host names, playbook texts) is escaped before it
//! reaches a terminal, the summary table, the report or the JSON log. A
//! C0 or C1 control character (ESC, CSI U+009B, ...) written raw would let
//! a hostile appliance rewrite an operator's screen or a log viewer's.
//!
//! The escaping is `char::escape_debug`'s for controls only (`\u{1b}`,
//! `\n`), so text stays readable and nothing printable changes. Controls
//! split across two packets are joined by the shell's terminal parser
//! before any string exists, so checking whole strings here is enough.
//! The transcript keeps the session's bytes, escaped the same way.

use std::borrow::Cow;

/// Whether `c` must never reach an output raw: C0, DEL and C1.
fn is_control(c: char) -> bool {
    c.is_control()
}

/// `text` with every control character escaped (newlines too: one field,
/// one line).
pub(crate) fn escape(text: &str) -> Cow<'_, str> {
    escape_but(text, |_| false)
}

/// `text` with every control character but newlines escaped: messages of
/// several lines (an error pointing at a file's line).
pub(crate) fn escape_keeping_lines(text: &str) -> Cow<'_, str> {
    escape_but(text, |c| c == '\n')
}

/// `text` for a terminal at the console boundary: every control character
/// escaped but line feeds and tabs (the layout of sshfleet's own lines).
/// Escaping twice changes nothing: escaped text has no control left.
pub(crate) fn escape_for_terminal(text: &str) -> Cow<'_, str> {
    escape_but(text, |c| c == '\n' || c == '\t')
}

/// Serialized JSON for a terminal or a log: JSON escapes C0 controls
/// itself but lets DEL and C1 (`U+009B`, a CSI) through raw; they become
/// `\u009b`, the same JSON value.
pub(crate) fn escape_json_text(json: &str) -> Cow<'_, str> {
    // Only inside strings, where JSON has escaped every C0 control already.
    let raw = |c: char| ('\u{7f}'..='\u{9f}').contains(&c);
    if !json.chars().any(raw) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if raw(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn escape_but(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| is_control(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_control(c) && !keep(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
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
        assert!(!safe.chars().any(|c| is_control(c) && c != '\n'), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["h"], "a\u{9b}2J\u{1b}\u{7f}");
        assert_eq!(escape_for_terminal("a\tb\nc\u{1b}"), "a\tb\nc\\u{1b}");
        assert_eq!(escape_for_terminal(&escape("x\u{9b}")), escape("x\u{9b}"));
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
            assert!(!escape(&c.to_string()).chars().any(is_control), "{c:?}");
        }
    }
}
