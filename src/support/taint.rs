//! Taint: every value the run knows to be a secret or computed from one
//! (docs/SECURITY.md I4), whatever its length. The run's by-value mask
//! (`secrets::mask_known`) starts at four characters, or it would mask
//! port numbers and words in every text; but a three-character password,
//! or `{{ pw[0:3] }}` rendered into `ansible_port`, is still a secret
//! where an error quotes the value it could not read. So every text
//! sshfleet shows passes [`withhold_quoted`] at the console boundary
//! (`sanitize`'s escapers, the one way out): a quoted value that holds a
//! tainted value, standing as a word, is replaced by [`WITHHELD`],
//! whichever error quoted it.

use std::borrow::Cow;
use std::collections::BTreeSet;

/// What is shown instead of a quoted value derived from a secret: where
/// the value was and what is wrong with it stay in the message.
pub(crate) const WITHHELD: &str = "(value withheld: it is derived from a secret)";

#[cfg(not(test))]
static TAINTED: std::sync::RwLock<BTreeSet<String>> = std::sync::RwLock::new(BTreeSet::new());

/// The run's tainted values: process-wide in the product, per thread in
/// unit tests, which run side by side in one process.
fn with_tainted<T>(f: impl FnOnce(&mut BTreeSet<String>) -> T) -> T {
    #[cfg(not(test))]
    {
        let mut set = TAINTED
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut set)
    }
    #[cfg(test)]
    {
        thread_local! {
            static TAINTED: std::cell::RefCell<BTreeSet<String>> =
                const { std::cell::RefCell::new(BTreeSet::new()) };
        }
        TAINTED.with(|set| f(&mut set.borrow_mut()))
    }
}

/// `value` is a secret or was computed from one: never quoted from now
/// on, as it is, trimmed (as a typed value is read) or lower-cased (as
/// ssh shows a host name).
pub(crate) fn taint(value: &str) {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return;
    }
    with_tainted(|set| {
        for form in [value, trimmed, &trimmed.to_ascii_lowercase()] {
            if !set.contains(form) {
                set.insert(form.to_string());
            }
        }
    });
}

/// Whether `text` is, whole, a tainted value: a field shown on its own
/// (`user`, a key file), masked where it stands.
pub(crate) fn is_tainted(text: &str) -> bool {
    !text.is_empty() && with_tainted(|set| set.contains(text))
}

/// Whether `text` holds a tainted value standing as a word: the whole of
/// it, or a part not inside a longer run of letters and digits (`abc` in
/// `Port="abc"`, not `a` in `ansible_port`).
pub(crate) fn holds_tainted(text: &str) -> bool {
    if text.is_empty() {
        return false;
    }
    with_tainted(|set| set.iter().any(|t| stands_in(text, t)))
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `value` occurs in `text` with no word character joined to it
/// on a side where `value` itself ends in one.
fn stands_in(text: &str, value: &str) -> bool {
    let (Some(first), Some(last)) = (value.chars().next(), value.chars().last()) else {
        return false;
    };
    text.match_indices(value).any(|(at, _)| {
        let joined_before = is_word(first) && text[..at].chars().next_back().is_some_and(is_word);
        let joined_after =
            is_word(last) && text[at + value.len()..].chars().next().is_some_and(is_word);
        !joined_before && !joined_after
    })
}

/// `text` with every quoted value (between backticks or double quotes)
/// that holds a tainted value replaced by [`WITHHELD`], quotes and all.
pub(crate) fn withhold_quoted(text: &str) -> Cow<'_, str> {
    withhold_between(text, &['`', '"'])
}

/// As [`withhold_quoted`], between backticks only: for the content of a
/// JSON string, where a double quote is escaped and a replacement must
/// keep every escape whole.
pub(crate) fn withhold_backticked(text: &str) -> Cow<'_, str> {
    withhold_between(text, &['`'])
}

fn withhold_between<'a>(text: &'a str, quotes: &[char]) -> Cow<'a, str> {
    if !text.contains(quotes) || with_tainted(|set| set.is_empty()) {
        return Cow::Borrowed(text);
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut at = 0;
    while let Some(open) = text[at..].find(quotes).map(|o| at + o) {
        let quote = text[open..].chars().next().unwrap_or('`');
        let Some(len) = text[open + 1..].find(quote) else {
            break;
        };
        let close = open + 1 + len;
        if holds_tainted(&text[open + 1..close]) {
            let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
            out.push_str(&text[copied..open]);
            out.push_str(WITHHELD);
            copied = close + 1;
        }
        at = close + 1;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_value_holding_a_short_tainted_value_is_withheld() {
        taint("abc");
        taint("a b");
        let cases = [
            (
                "`ansible_port` cannot be read as a port number: `abc`",
                format!("`ansible_port` cannot be read as a port number: {WITHHELD}"),
            ),
            (
                "`-p` sets `Port=\"abc\"`, and \"a b\"",
                format!("`-p` sets {WITHHELD}, and {WITHHELD}"),
            ),
            // Inside a longer word it is another word: kept.
            ("`abcd` and `xabc`", "`abcd` and `xabc`".to_string()),
            (
                "abc unquoted, `open abc",
                "abc unquoted, `open abc".to_string(),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(withhold_quoted(text), want, "{text}");
        }
        assert_eq!(
            withhold_backticked(r#"user `abc` \"abc\""#),
            format!(r#"user {WITHHELD} \"abc\""#)
        );
    }

    #[test]
    fn nothing_tainted_nothing_withheld() {
        assert!(matches!(withhold_quoted("`x` \"y\""), Cow::Borrowed(_)));
        taint("  ");
        assert!(!holds_tainted(" "));
    }
}
