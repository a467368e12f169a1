//! `run --record DIR`: each host's session kept as a replayable recording
//! (the `sshfleet-recording` format, `docs/RECORDING.md`): every command
//! sent, the text that came back chunk by chunk with its timing, keys
//! (Ctrl-C, pager answers), exec exit statuses and stderr.
//!
//! The shell and exec sessions report what they send and receive here, at
//! the same points where they feed the transcript, and what is kept has
//! been through the same redaction: a secret (a login password the
//! appliance echoes, even split across packets) is `***` before it is
//! stored, so no recording holds one.

use std::time::Instant;

use sshfleet_recording::{Event, Exchange, Start, Timed};

use crate::support::secrets::Secrets;

/// Past this many bytes of received text a recording keeps no more output
/// (a `tail` left running for an hour must not grow without bound); the
/// host's result says how much was dropped.
const MAX_BYTES: usize = 16 * 1024 * 1024;

/// Which stream held text belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Stream {
    #[default]
    Out,
    Err,
}

/// One host's exchanges as they happen.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorder {
    exchanges: Vec<Exchange>,
    /// When the current exchange began.
    began: Option<Instant>,
    /// The stream of the text held: a line not ended yet
    /// (`super::redraw`, stored once a terminal's view of it is known),
    /// and received text that may begin a secret the next chunk completes
    /// (as the transcript holds it back).
    stream: Stream,
    line: super::redraw::LineGuard,
    held: String,
    bytes: usize,
    /// Bytes received past [`MAX_BYTES`], not kept.
    dropped: usize,
}

/// What a recorder kept.
#[derive(Debug)]
pub(crate) struct Recorded {
    pub exchanges: Vec<Exchange>,
    /// Bytes of output not kept (past the size bound).
    pub dropped: usize,
}

impl Recorder {
    /// A shell session opens: the banner and the first prompt follow.
    pub(crate) fn login(&mut self, secrets: &Secrets) {
        self.begin(Start::Login, secrets);
    }

    /// A command line is typed at the prompt.
    pub(crate) fn command(&mut self, command: &str, secrets: &Secrets) {
        let command = secrets.redact(command).into_owned();
        self.begin(
            Start::Command {
                command,
                follow: false,
            },
            secrets,
        );
    }

    /// The command just typed is followed (ended with Ctrl-C).
    pub(crate) fn following(&mut self) {
        if let Some(Exchange {
            start: Start::Command { follow, .. },
            ..
        }) = self.exchanges.last_mut()
        {
            *follow = true;
        }
    }

    /// An exec request for `command` (as the playbook wrote it).
    pub(crate) fn exec(&mut self, command: &str, secrets: &Secrets) {
        let command = secrets.redact(command).into_owned();
        self.begin(Start::Exec { command }, secrets);
    }

    /// Text received on the session (stdout).
    pub(crate) fn out(&mut self, text: &str, secrets: &Secrets) {
        self.received(Stream::Out, text, secrets);
    }

    /// Text received on stderr (exec).
    pub(crate) fn err(&mut self, text: &str, secrets: &Secrets) {
        self.received(Stream::Err, text, secrets);
    }

    /// A key sent while a command runs: Ctrl-C, a pager's answer.
    pub(crate) fn key(&mut self, key: &str, secrets: &Secrets) {
        let key = secrets.redact(key).into_owned();
        self.push(Event::Key(key), secrets);
    }

    pub(crate) fn exit_status(&mut self, status: u32, secrets: &Secrets) {
        self.push(Event::ExitStatus(status), secrets);
    }

    /// The host closed the session.
    pub(crate) fn closed(&mut self, secrets: &Secrets) {
        self.push(Event::Closed, secrets);
    }

    /// Everything recorded, what was held back included.
    pub(crate) fn finish(mut self, secrets: &Secrets) -> Recorded {
        self.flush(secrets);
        Recorded {
            exchanges: self.exchanges,
            dropped: self.dropped,
        }
    }

    fn begin(&mut self, start: Start, secrets: &Secrets) {
        self.flush(secrets);
        self.exchanges.push(Exchange {
            start,
            events: Vec::new(),
        });
        self.began = Some(Instant::now());
    }

    fn received(&mut self, stream: Stream, text: &str, secrets: &Secrets) {
        if stream != self.stream {
            self.flush(secrets);
            self.stream = stream;
        }
        let ready = secrets.redact_streamed(&mut self.held, text);
        let lines = self.line.push(&ready, secrets);
        self.store(stream, lines);
    }

    /// Text held back is all there was: the other side spoke.
    fn flush(&mut self, secrets: &Secrets) {
        let held = std::mem::take(&mut self.held);
        let mut kept = self.line.push(&secrets.redact(&held), secrets);
        kept.push_str(&self.line.flush(secrets));
        self.store(self.stream, kept);
    }

    fn store(&mut self, stream: Stream, text: String) {
        if text.is_empty() {
            return;
        }
        if self.bytes + text.len() > MAX_BYTES {
            self.dropped += text.len();
            return;
        }
        self.bytes += text.len();
        self.push_now(match stream {
            Stream::Out => Event::Out(text),
            Stream::Err => Event::Err(text),
        });
    }

    fn push(&mut self, event: Event, secrets: &Secrets) {
        self.flush(secrets);
        self.push_now(event);
    }

    fn push_now(&mut self, event: Event) {
        let ms = self.began.map_or(0, |b| {
            u64::try_from(b.elapsed().as_millis()).unwrap_or(u64::MAX)
        });
        // Events before any exchange (none in practice) have nowhere to go.
        if let Some(exchange) = self.exchanges.last_mut() {
            exchange.events.push(Timed { ms, event });
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    #[test]
    fn a_password_echoed_in_pieces_is_never_recorded() {
        let mut secrets = Secrets::default();
        secrets.add("hunter2");
        let mut r = Recorder::default();
        r.login(&secrets);
        r.out("esa01> ", &secrets);
        r.command("hunter2", &secrets);
        for chunk in ["h", "unt", "er", "2\r\nUnknown command: hunter2\r\nesa01> "] {
            r.out(chunk, &secrets);
        }
        r.command("tail ecs", &secrets);
        r.following();
        r.out("Password: hun", &secrets);
        r.key(sshfleet_recording::CTRL_C, &secrets);
        let exchanges = r.finish(&secrets).exchanges;
        let text = format!("{exchanges:?}");
        assert!(!text.contains("hunter2") && !text.contains("er2"), "{text}");
        assert_eq!(exchanges.len(), 3);
        assert_eq!(exchanges[1].command(), Some("***"));
        assert!(matches!(
            &exchanges[2].start,
            Start::Command { follow: true, .. }
        ));
        // What was held back comes before the key.
        let events = &exchanges[2].events;
        let before: String = events
            .iter()
            .filter_map(|t| match &t.event {
                Event::Out(text) => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(before, "Password: hun");
        assert_eq!(
            events.last().map(|t| &t.event),
            Some(&Event::Key("\u{3}".to_string()))
        );
    }
}
