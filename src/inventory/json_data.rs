//! The three words Python's JSON reader takes as numbers: `NaN`,
//! `Infinity` and `-Infinity` (`json.loads` accepts them by default, as
//! floats). ansible-core reads every JSON text with it, an inventory, a
//! vars file (tried as JSON first, whatever its extension) and a script's
//! output; serde_json refuses them, so sshfleet would read such a file as
//! YAML (where `NaN` is the text "NaN"). sshfleet carries no float that is
//! not finite, so a JSON text holding one is refused at its line, naming
//! the variable.

/// Where Python's JSON reader accepts each word: as a value, after `[`,
/// `,`, `:`, blanks or at the start. `-NaN` and `+Infinity` are not JSON to
/// Python either.
const WORDS: [&str; 3] = ["-Infinity", "Infinity", "NaN"];

/// The first non-finite word of a JSON text: its line, the key it is the
/// value of (or is inside the value of), and the word.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct NonFinite {
    pub(super) line: usize,
    pub(super) key: Option<String>,
    pub(super) word: &'static str,
}

impl NonFinite {
    /// Why the text is refused; `whose` names the text ("this file",
    /// "inventory script output").
    pub(super) fn message(&self) -> String {
        let key = self
            .key
            .as_ref()
            .map_or_else(String::new, |k| format!(" (the value of `{k}`)"));
        format!(
            "`{}`{key} is a float that is not finite to Python's JSON reader, which Ansible \
             reads this JSON with; sshfleet carries no such float, so it is refused (write a \
             number or a quoted text)",
            self.word
        )
    }
}

/// `text` with each non-finite word outside strings written `null` (a
/// value nothing can extend, so the text is JSON exactly when Python reads
/// it as JSON), and the first such word.
pub(super) fn without_non_finite(text: &str) -> (String, Option<NonFinite>) {
    let mut out = String::with_capacity(text.len());
    let mut first = None;
    let (mut line, mut in_string, mut escaped) = (1usize, false, false);
    let mut string = String::new();
    let mut last_string: Option<String> = None;
    let mut key: Option<String> = None;
    let mut outer: Vec<Option<String>> = Vec::new();
    let mut prev = None::<char>;
    let mut i = 0;
    while let Some(c) = text[i..].chars().next() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => {
                    in_string = false;
                    last_string = Some(std::mem::take(&mut string));
                }
                _ => {}
            }
            if in_string {
                string.push(c);
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ':' {
            key = last_string.take();
        } else if matches!(c, '{' | '[') {
            outer.push(key.clone());
        } else if matches!(c, '}' | ']') {
            key = outer.pop().flatten();
        }
        if !in_string && !c.is_whitespace() && !matches!(c, '"' | ':') {
            last_string = None;
            let at_value =
                prev.is_none_or(|p| matches!(p, '[' | ',' | ':' | ' ' | '\t' | '\n' | '\r'));
            if let Some(word) = WORDS
                .iter()
                .find(|w| at_value && text[i..].starts_with(**w))
            {
                first.get_or_insert(NonFinite {
                    line,
                    key: key.clone(),
                    word,
                });
                out.push_str("null");
                i += word.len();
                prev = Some('l');
                continue;
            }
        }
        if c == '\n' {
            line += 1;
        }
        out.push(c);
        prev = Some(c);
        i += c.len_utf8();
    }
    (out, first)
}

/// Whether `text` is a JSON object to Python only because of a
/// non-finite word (what Ansible's yaml plugin reads as a mapping).
pub(super) fn is_json_object_with_non_finite(text: &str) -> bool {
    let (json, found) = without_non_finite(text);
    found.is_some()
        && matches!(
            serde_json::from_str::<serde_json::Value>(&json),
            Ok(serde_json::Value::Object(_))
        )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Each text, whether Python's `json.loads` reads it (checked with
    /// python3 3.11), and the non-finite word sshfleet finds.
    #[test]
    fn the_words_are_found_where_python_reads_them() {
        for (text, python_reads, found) in [
            ("{\"a\": NaN}", true, Some((1, Some("a"), "NaN"))),
            (
                "{\"a\":\n [1, Infinity]}",
                true,
                Some((2, Some("a"), "Infinity")),
            ),
            (
                "{\"a\": {\"b\": 1}, \"c\":-Infinity}",
                true,
                Some((1, Some("c"), "-Infinity")),
            ),
            ("[NaN]", true, Some((1, None, "NaN"))),
            (
                "{\"a\": [{\"b\": 1}, NaN]}",
                true,
                Some((1, Some("a"), "NaN")),
            ),
            ("{\"a\": \"NaN\"}", true, None),
            ("{\"a\": \"x\\\" NaN\"}", true, None),
            ("{\"a\": -NaN}", false, None),
            ("{\"a\": +Infinity}", false, None),
            ("{\"a\": NaNe5}", false, None),
            ("{\"a\": NaN.5}", false, None),
            ("{\"a\": 1NaN}", false, None),
            ("{\"a\": nan}", false, None),
        ] {
            let (json, got) = without_non_finite(text);
            let parses = serde_json::from_str::<serde_json::Value>(&json).is_ok();
            assert_eq!(parses, python_reads, "{text}: {json}");
            if python_reads {
                let got = got.map(|n| (n.line, n.key, n.word));
                let want = found
                    .map(|(l, k, w): (usize, Option<&str>, &str)| (l, k.map(str::to_string), w));
                assert_eq!(got, want, "{text}");
            }
        }
    }
}
