//! A host's session as it happened (what was sent, what came back, when),
//! for a TAC case. Secrets are replaced by `***` as they are recorded, so no
//! secret ever reaches memory that may be written to disk.
//!
//! An appliance may echo a password back split across packets (`hun`, then
//! `ter2`): received text that ends with the beginning of a secret is held
//! back until the next chunk says whether the secret is completed.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use crate::support::sanitize::escape_for_terminal;
use crate::support::secrets::Secrets;

/// Past this many bytes a transcript keeps its head and says what it dropped:
/// a `tail` that runs for an hour must not grow without bound.
const MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Sent,
    Received,
    Note,
    /// A playbook step begins.
    Heading,
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
    /// Without `--transcripts` nothing is kept: a fleet of thousands must
    /// not hold every session's text in memory for nobody to read.
    discard: bool,
    entries: Vec<Entry>,
    secrets: Secrets,
    /// Received text that may be the start of a secret split across
    /// packets, not recorded yet.
    held: String,
    /// The received line not ended yet: stored once a terminal's view of
    /// it is known (`super::redraw`).
    line: super::redraw::LineGuard,
    bytes: usize,
    dropped: usize,
    /// `--record`: the session kept for replay, redacted as this is.
    recorder: Option<crate::session::recording::Recorder>,
}

impl Transcript {
    pub(crate) fn new() -> Transcript {
        Transcript::default()
    }

    /// A transcript that records nothing (no `--transcripts`); it still
    /// knows the session's secrets, for redacting output and errors.
    pub(crate) fn discarding() -> Transcript {
        Transcript {
            discard: true,
            ..Transcript::default()
        }
    }

    /// Also keep the session as a replayable recording (`--record`).
    pub(crate) fn start_recording(&mut self) {
        self.recorder = Some(crate::session::recording::Recorder::default());
    }

    /// Tell the recording, if one is kept, what happened; it redacts with
    /// this transcript's secrets.
    pub(crate) fn recording(
        &mut self,
        f: impl FnOnce(&mut crate::session::recording::Recorder, &Secrets),
    ) {
        if let Some(recorder) = &mut self.recorder {
            f(recorder, &self.secrets);
        }
    }

    /// The recording's exchanges so far, if one is kept; it stops.
    pub(crate) fn take_recording(&mut self) -> Option<crate::session::recording::Recorded> {
        self.recorder
            .take()
            .map(|recorder| recorder.finish(&self.secrets))
    }

    /// Never record `secret` verbatim from now on. Empty secrets are ignored.
    /// Also as a terminal shows it (a password with controls in it, the
    /// screen the engine reads and results quote), and known to the run.
    pub(crate) fn add_secret(&mut self, secret: &str) {
        self.secrets.add(secret);
        crate::support::secrets::remember(secret);
        for form in crate::session::screen::shown_forms(secret) {
            self.secrets.add_form(&form);
            crate::support::secrets::remember_form(&form);
        }
    }

    /// Redact every secret the run knows too (docs/SECURITY.md I4), not
    /// only this host's.
    pub(crate) fn redact_run_secrets(&mut self) {
        self.secrets = std::mem::take(&mut self.secrets).with_run();
    }

    /// The secrets this transcript redacts, for whoever else shows the
    /// same session's text (command output, error messages).
    pub(crate) fn secrets(&self) -> &Secrets {
        &self.secrets
    }

    pub(crate) fn record(&mut self, direction: Direction, text: &str) {
        if self.discard {
            return;
        }
        if direction == Direction::Received {
            let ready = self.secrets.redact_streamed(&mut self.held, text);
            let lines = self.line.push(&ready, &self.secrets);
            self.store(direction, lines);
        } else {
            // The other side spoke: what was held back is all there was.
            let held = std::mem::take(&mut self.held);
            let held = self.secrets.redact(&held);
            let mut held = self.line.push(&held, &self.secrets);
            held.push_str(&self.line.flush(&self.secrets));
            self.store(Direction::Received, held);
            let text = self.secrets.redact(text).into_owned();
            self.store(direction, text);
        }
    }

    fn store(&mut self, direction: Direction, text: String) {
        if text.is_empty() {
            return;
        }
        if self.bytes + text.len() > MAX_BYTES {
            self.dropped += text.len();
            return;
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

    /// A playbook step begins: its name heads what follows.
    pub(crate) fn heading(&mut self, step: &str) {
        self.record(Direction::Heading, step);
    }

    /// The transcript as text: one block per entry, stamped with UTC time.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        // Text still held back ends the session's last received entry.
        let mut entries = Cow::Borrowed(&self.entries[..]);
        let mut line = self.line.clone();
        let mut held = line.push(&self.secrets.redact(&self.held), &self.secrets);
        held.push_str(&line.flush(&self.secrets));
        if !held.is_empty() {
            let entries = entries.to_mut();
            match entries.last_mut() {
                Some(last) if last.direction == Direction::Received => {
                    last.text.push_str(&held);
                }
                _ => entries.push(Entry {
                    at: Utc::now(),
                    direction: Direction::Received,
                    text: held,
                }),
            }
        }
        for entry in entries.iter() {
            let stamp = entry.at.format("%Y-%m-%dT%H:%M:%S%.3fZ");
            let tag = match entry.direction {
                Direction::Sent => ">>",
                Direction::Received => "<<",
                Direction::Note => "##",
                Direction::Heading => {
                    let _ = writeln!(out, "\n== {} ({stamp})", entry.text.trim());
                    continue;
                }
            };
            for line in entry.text.split_inclusive('\n') {
                // As typed and as shown: quotes and backslashes stay as
                // they are; only control characters (a stray `\r`, an
                // escape sequence) are spelled out.
                // A line ends at `\n` or `\r\n` (a PTY's), alike.
                let line = match line.strip_suffix('\n') {
                    Some(line) => line.strip_suffix('\r').unwrap_or(line),
                    None => line,
                };
                // The terminal's escaper: a transcript is read with `cat` and
                // `less`, so it shows what the console would (bidi controls
                // and separators too, docs/SECURITY.md I2).
                let _ = writeln!(out, "{stamp} {tag} {}", escape_for_terminal(line));
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
    fn a_discarding_transcript_keeps_nothing_but_still_redacts() {
        let mut t = Transcript::discarding();
        t.add_secret("hunter2");
        t.record(Direction::Sent, "version\n");
        t.record(Direction::Received, "Version: 15.0\n");
        assert_eq!(t.render(), "");
        assert_eq!(t.secrets().redact("pw hunter2"), "pw ***");
    }

    #[test]
    fn commands_read_as_typed_under_their_step() {
        let mut t = Transcript::new();
        t.heading("Find the last successful registration");
        t.record(
            Direction::Sent,
            "grep \"Device registration successful\" ecs\n",
        );
        t.record(Direction::Received, "C:\\Program Files\r\n\u{1b}[0m");
        let text = t.render();
        assert!(
            text.contains("\n== Find the last successful registration ("),
            "{text}"
        );
        assert!(
            text.contains(">> grep \"Device registration successful\" ecs\n"),
            "{text}"
        );
        assert!(text.contains("<< C:\\Program Files\n"), "{text}");
        assert!(text.contains("<< \\u{1b}[0m"), "{text}");
    }

    /// A transcript is read with `cat`: what would reorder or break the
    /// terminal's lines is spelled out as the console spells it.
    #[test]
    fn bidi_controls_separators_and_c1_are_escaped_as_on_the_terminal() {
        let mut t = Transcript::new();
        let hostile = "ok\u{1b}]0;PWN\u{7}\u{202e}\u{9b}\u{7f}\u{85}\u{2066}\u{2028}end\n";
        t.record(Direction::Received, hostile);
        let text = t.render();
        let want = "<< ok\\u{1b}]0;PWN\\u{7}\\u{202e}\\u{9b}\\u{7f}\\u{85}\\u{2066}\\u{2028}end";
        assert!(text.lines().any(|l| l.ends_with(want)), "{text}");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{text:?}"
        );
    }

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
    fn a_secret_split_across_chunks_is_redacted() {
        let mut t = Transcript::new();
        t.add_secret("hunter2");
        t.record(Direction::Sent, "enable\n");
        // Echoed back in pieces, the last one with what follows.
        for chunk in ["Password: h", "unt", "er", "2\r\nesa01> "] {
            t.record(Direction::Received, chunk);
        }
        let text = t.render();
        assert!(!text.contains("hunt") && !text.contains("er2"), "{text}");
        assert!(text.contains("Password: ***"), "{text}");
        assert!(text.contains("esa01> "), "{text}");
    }

    #[test]
    fn held_back_text_that_is_no_secret_is_kept() {
        let mut t = Transcript::new();
        t.add_secret("hunter2");
        // Ends like the secret begins: held, then recorded once the other
        // side speaks, or at the end.
        t.record(Direction::Received, "Choose: h");
        t.record(Direction::Sent, "help\n");
        t.record(Direction::Received, "esa01> hun");
        let text = t.render();
        assert!(text.contains("<< Choose: h\n"), "{text}");
        assert!(text.contains(">> help"), "{text}");
        assert!(text.contains("<< esa01> hun"), "{text}");
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
