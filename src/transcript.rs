//! A host's session as it happened (what was sent, what came back, when),
//! for a TAC case. Secrets are replaced by `***` as they are recorded, so no
//! secret ever reaches memory that may be written to disk.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

/// Past this many bytes a transcript keeps its head and says what it dropped:
/// a `tail` that runs for an hour must not grow without bound.
const MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Sent,
    Received,
    Note,
}

#[derive(Debug, Clone)]
struct Entry {
    at: DateTime<Utc>,
    direction: Direction,
    text: String,
}

/// Recorded session of one host.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transcript {
    entries: Vec<Entry>,
    secrets: Vec<String>,
    bytes: usize,
    dropped: usize,
}

impl Transcript {
    pub(crate) fn new() -> Transcript {
        Transcript::default()
    }

    /// Never record `secret` verbatim from now on. Empty secrets are ignored.
    pub(crate) fn add_secret(&mut self, secret: &str) {
        if !secret.is_empty() {
            self.secrets.push(secret.to_string());
        }
    }

    pub(crate) fn record(&mut self, direction: Direction, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.bytes + text.len() > MAX_BYTES {
            self.dropped += text.len();
            return;
        }
        let mut text = text.to_string();
        for secret in &self.secrets {
            text = text.replace(secret.as_str(), "***");
        }
        self.bytes += text.len();
        // Consecutive chunks in one direction read better as one entry.
        if let Some(last) = self.entries.last_mut()
            && last.direction == direction
            && direction == Direction::Received
            && (Utc::now() - last.at).num_milliseconds() < 200
        {
            last.text.push_str(&text);
            return;
        }
        self.entries.push(Entry {
            at: Utc::now(),
            direction,
            text,
        });
    }

    pub(crate) fn note(&mut self, text: &str) {
        self.record(Direction::Note, text);
    }

    /// The transcript as text: one block per entry, stamped with UTC time.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        for entry in &self.entries {
            let tag = match entry.direction {
                Direction::Sent => ">>",
                Direction::Received => "<<",
                Direction::Note => "##",
            };
            let stamp = entry.at.format("%Y-%m-%dT%H:%M:%S%.3fZ");
            for line in entry.text.split_inclusive('\n') {
                let _ = write!(out, "{stamp} {tag} {}", line.escape_debug());
                out.push('\n');
            }
        }
        if self.dropped > 0 {
            let _ = writeln!(
                out,
                "## transcript truncated: {} bytes not kept",
                self.dropped
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_before_storage() {
        let mut t = Transcript::new();
        t.add_secret("hunter2");
        t.record(Direction::Sent, "password hunter2\n");
        t.record(Direction::Received, "echo hunter2 back\n");
        let text = t.render();
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains(">> password ***"), "{text}");
        assert!(text.contains("<< echo *** back"), "{text}");
    }

    #[test]
    fn growth_is_bounded() {
        let mut t = Transcript::new();
        let chunk = "x".repeat(1024 * 1024);
        for _ in 0..20 {
            t.record(Direction::Sent, &chunk);
        }
        let text = t.render();
        assert!(text.len() < 2 * MAX_BYTES);
        assert!(text.contains("transcript truncated"));
    }
}
