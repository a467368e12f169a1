//! What escaping is, and only that: which characters never reach an
//! output raw and how each is written. The escaping is
//! `char::escape_debug`'s for controls only (`\u{1b}`, `\n`), so text
//! stays readable and nothing printable changes; other invisible
//! characters are written `\u{200b}`. Nothing here masks secrets: text
//! leaves through `support::sanitize`, which masks, then escapes with
//! these. The one other user is `support::secrets`, which needs the form
//! a secret takes once escaped so that it is masked there too.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Named for the tests (the escaper finds them by category, see
/// [`must_escape`]): the bidirectional controls and the line and paragraph separators: a
/// raw U+202E reverses what a terminal shows after it (a host name that
/// reads as another), U+2028 breaks a line where no line feed is. Unicode's
/// explicit directional embeddings, overrides and isolates (U+202A-U+202E,
/// U+2066-U+2069), its implicit marks (LRM U+200E, RLM U+200F, ALM
/// U+061C), and the separators of categories Zl and Zp (U+2028, U+2029).
#[cfg(test)]
pub(crate) const BIDI_AND_SEPARATORS: [char; 14] = [
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}', '\u{2028}', '\u{2029}',
];

/// Whether `c` must never reach an output raw: C0, DEL and C1, and every
/// character a terminal shows as nothing or as something else (a host
/// `esa01\u{200b}` reads as `esa01`): Unicode's format characters (Cf:
/// the bidirectional controls, zero-width spaces, U+FEFF, the soft
/// hyphen), private-use and unassigned code points (Co, Cn: no font
/// agrees on them), the line and paragraph separators (Zl, Zp), every
/// space but the ASCII one (Zs: U+00A0 reads as a space), and the
/// default-ignorable letters and marks ([`INVISIBLE_LETTERS_AND_MARKS`]),
/// and the symbols whose glyph is an empty cell ([`BLANK_SYMBOLS`]).
/// The categories come from the `unicode-general-category` crate
/// (Unicode 16), not from ranges kept here.
pub(crate) fn must_escape(c: char) -> bool {
    use unicode_general_category::GeneralCategory as G;
    match unicode_general_category::get_general_category(c) {
        G::Control
        | G::Format
        | G::PrivateUse
        | G::Unassigned
        | G::Surrogate
        | G::LineSeparator
        | G::ParagraphSeparator => true,
        G::SpaceSeparator => c != ' ',
        _ => {
            INVISIBLE_LETTERS_AND_MARKS
                .iter()
                .any(|(first, last)| (*first..=*last).contains(&c))
                || BLANK_SYMBOLS.contains(&c)
        }
    }
}

/// The default-ignorable code points (Unicode's DerivedCoreProperties,
/// Default_Ignorable_Code_Point) that are letters or marks, so no general
/// category above escapes them: the combining grapheme joiner U+034F, the
/// Hangul fillers, the Khmer inherent vowels, the Mongolian and the other
/// variation selectors. A terminal shows each as nothing.
/// Symbols (category So, visible by category) whose glyph is an empty
/// cell: a terminal draws `esa01\u{2800}` as `esa01 `, like U+00A0 or
/// U+3164 (round 8). The Braille pattern with no dot, and the musical
/// null notehead.
pub(crate) const BLANK_SYMBOLS: [char; 2] = ['\u{2800}', '\u{1d159}'];

const INVISIBLE_LETTERS_AND_MARKS: [(char, char); 9] = [
    ('\u{034f}', '\u{034f}'),
    ('\u{115f}', '\u{1160}'),
    ('\u{17b4}', '\u{17b5}'),
    ('\u{180b}', '\u{180d}'),
    ('\u{180f}', '\u{180f}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{fe00}', '\u{fe0f}'),
    ('\u{ffa0}', '\u{ffa0}'),
    ('\u{e0100}', '\u{e01ef}'),
];

/// `text` escaped as `sanitize::escape` does, with the secrets the run
/// knows left as they are: the quoted form of a secret that `secrets`
/// must match.
pub(crate) fn unmasked(text: &str) -> String {
    escape_but(text, |_| false).into_owned()
}

/// `text` with every character [`must_escape`] names escaped, but those
/// `keep` keeps.
pub(crate) fn escape_but(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(|c| must_escape(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if keep(c) || !must_escape(c) {
            out.push(c);
        } else if c.is_control() {
            // C0, DEL, C1: `\n`, `\u{1b}`, as Rust writes them.
            out.extend(c.escape_debug());
        } else {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        }
    }
    Cow::Owned(out)
}

/// Serialized JSON's strings with what JSON lets through raw (DEL, C1,
/// the bidirectional controls) written `\uXXXX`, the same JSON value.
pub(crate) fn escape_json_raw(json: &str) -> Cow<'_, str> {
    // Only inside strings, where JSON has escaped every C0 control
    // already (and outside them is JSON's own ASCII).
    let raw = |c: char| c > '\u{1f}' && must_escape(c);
    if !json.chars().any(raw) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if raw(c) {
            // Beyond the BMP as JSON writes it: a surrogate pair.
            for unit in c.encode_utf16(&mut [0; 2]) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The characters of [`must_escape`]'s set a terminal draws as nothing
/// (no cell): not controls, and zero columns wide by `unicode-width`
/// (the width the screen and terminals use). A host can put them between
/// a secret's characters (`Sek\u{200b}r1t`) and a terminal still shows
/// the secret, so `support::secrets` matches across them. Kept as a
/// table the test `draws_as_nothing_is_exactly_the_zero_width_escaped`
/// checks against both crates, so a crate update that adds one fails.
const DRAWS_AS_NOTHING: [(char, char); 39] = [
    ('\u{00ad}', '\u{00ad}'),
    ('\u{034f}', '\u{034f}'),
    ('\u{05c8}', '\u{05c9}'),
    ('\u{0605}', '\u{0605}'),
    ('\u{061c}', '\u{061c}'),
    ('\u{070f}', '\u{070f}'),
    ('\u{0890}', '\u{0891}'),
    ('\u{08e2}', '\u{08e2}'),
    ('\u{0b53}', '\u{0b54}'),
    ('\u{1160}', '\u{1160}'),
    ('\u{17b4}', '\u{17b5}'),
    ('\u{180b}', '\u{180f}'),
    ('\u{1acf}', '\u{1af0}'),
    ('\u{200b}', '\u{200f}'),
    ('\u{202a}', '\u{202e}'),
    ('\u{2060}', '\u{206f}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{fe00}', '\u{fe0f}'),
    ('\u{feff}', '\u{feff}'),
    ('\u{ffa0}', '\u{ffa0}'),
    ('\u{fff0}', '\u{fff8}'),
    ('\u{10ecb}', '\u{10ecf}'),
    ('\u{10ef0}', '\u{10efb}'),
    ('\u{11b60}', '\u{11b60}'),
    ('\u{11b62}', '\u{11b64}'),
    ('\u{11b66}', '\u{11b66}'),
    ('\u{11df0}', '\u{11df0}'),
    ('\u{1bca0}', '\u{1bca3}'),
    ('\u{1d127}', '\u{1d128}'),
    ('\u{1d173}', '\u{1d17a}'),
    ('\u{1d250}', '\u{1d252}'),
    ('\u{1d25b}', '\u{1d25c}'),
    ('\u{1d25f}', '\u{1d25f}'),
    ('\u{1d280}', '\u{1d281}'),
    ('\u{1e6e3}', '\u{1e6e3}'),
    ('\u{1e6e6}', '\u{1e6e6}'),
    ('\u{1e6ee}', '\u{1e6ef}'),
    ('\u{1e6f5}', '\u{1e6f5}'),
    ('\u{e0000}', '\u{e0fff}'),
];

/// Whether a terminal draws `c` as nothing at all (see [`DRAWS_AS_NOTHING`]).
pub(crate) fn draws_as_nothing(c: char) -> bool {
    !c.is_ascii()
        && DRAWS_AS_NOTHING
            .iter()
            .any(|(first, last)| (*first..=*last).contains(&c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is exactly the zero-width characters that must be
    /// escaped, by the crates the screen uses: one missing fails.
    #[test]
    fn draws_as_nothing_is_exactly_the_zero_width_escaped() {
        for c in (0..=0x10ffff_u32).filter_map(char::from_u32) {
            let zero = must_escape(c)
                && !c.is_control()
                && unicode_width::UnicodeWidthChar::width(c) == Some(0);
            assert_eq!(draws_as_nothing(c), zero, "U+{:04X}", u32::from(c));
        }
        // The ones hosts were seen to hide a secret's parts with.
        for c in [
            '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{034f}',
        ] {
            assert!(draws_as_nothing(c), "U+{:04X}", u32::from(c));
        }
        assert!(!draws_as_nothing('a') && !draws_as_nothing('\u{a0}'));
    }
}
