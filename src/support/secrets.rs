//! Secrets (login passwords) kept out of everything sshfleet records or
//! reports: transcripts, recordings, command output, error messages.
//!
//! An appliance may echo a password back split across packets (`hun`, then
//! `ter2`): received text that ends with the beginning of a secret is held
//! back until the next chunk says whether the secret is completed.

use std::borrow::Cow;
use std::fmt;

/// The text shown instead of a secret.
const REDACTED: &str = "***";

/// Secrets (login passwords) to keep out of everything sshfleet records or
/// reports: transcripts, command output, error messages.
#[derive(Clone, Default)]
pub(crate) struct Secrets {
    list: Vec<String>,
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets({} redacted)", self.list.len())
    }
}

impl Secrets {
    /// Redact `secret` from now on. Empty secrets are ignored.
    pub(crate) fn add(&mut self, secret: &str) {
        if !secret.is_empty() && !self.list.iter().any(|s| s == secret) {
            self.list.push(secret.to_string());
            // Longest first: a secret that contains another is replaced whole.
            self.list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// `text` with every whole secret replaced by `***`.
    pub(crate) fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = Cow::Borrowed(text);
        for secret in &self.list {
            if text.contains(secret.as_str()) {
                text = Cow::Owned(text.replace(secret.as_str(), REDACTED));
            }
        }
        text
    }

    /// Redact `text` in place where it may have changed since it was
    /// `before` bytes long (it grew by a chunk): a secret completed by the
    /// chunk starts at most a secret's length earlier.
    pub(crate) fn redact_grown(&self, text: &mut String, before: usize) {
        let Some(longest) = self.list.first().map(String::len) else {
            return;
        };
        let mut from = before.min(text.len()).saturating_sub(longest);
        while !text.is_char_boundary(from) {
            from -= 1;
        }
        if let Cow::Owned(tail) = self.redact(&text[from..]) {
            text.truncate(from);
            text.push_str(&tail);
        }
    }

    /// Bytes at the end of `text` that begin a secret without completing
    /// it: what the next chunk may complete.
    pub(crate) fn unfinished_suffix(&self, text: &str) -> usize {
        let mut longest = 0;
        for secret in &self.list {
            for (cut, _) in secret.char_indices().skip(1) {
                if cut > longest && text.ends_with(&secret[..cut]) {
                    longest = cut;
                }
            }
        }
        longest
    }

    /// The next chunk of a received stream, redacted: what can be kept now,
    /// with the end that may begin a secret held back in `held` (joined to
    /// the next chunk, or kept as it is once the other side speaks).
    pub(crate) fn redact_streamed(&self, held: &mut String, chunk: &str) -> String {
        let mut joined = std::mem::take(held);
        joined.push_str(chunk);
        let mut joined = self.redact(&joined).into_owned();
        let unfinished = self.unfinished_suffix(&joined);
        *held = joined.split_off(joined.len() - unfinished);
        joined
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn grown_text_is_redacted_where_a_chunk_completed_a_secret() {
        let mut secrets = Secrets::default();
        secrets.add("hunter2");
        let mut text = "Password: hunt".to_string();
        let before = text.len();
        text.push_str("er2 é\n");
        secrets.redact_grown(&mut text, before);
        assert_eq!(text, "Password: *** é\n");
        assert_eq!(secrets.unfinished_suffix("esa01> hun"), 3);
        assert_eq!(secrets.unfinished_suffix("hunter2"), 0);
        assert!(!format!("{secrets:?}").contains("hunter2"));
    }
}
