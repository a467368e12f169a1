//! Received text on its way into a transcript or a recording, checked as
//! a terminal shows it, line by line.
//!
//! Masking the bytes a host sent is not enough: a host that prints the
//! password with a decoy overwritten (`1Sekr1tPwXX\b\b42`,
//! `1Sekr1tQQ\e[2DPw42`, `XXXXXXXPw42\r1Sekr1t`) spells no secret, yet a
//! terminal shows one, and so does whoever reads the stored bytes back.
//! So each received line is held until it ends, drawn on a screen of its
//! own (`super::screen`), and where the screen shows a secret (or a
//! control it cannot place, such as cursor up, so the view cannot be
//! trusted) the whole line is stored as the screen shows it, secrets
//! masked, instead of its bytes: `Version: ***`. Every other line is
//! stored as it came (its colours kept for replay), redacted as bytes by
//! the caller.

use std::borrow::Cow;

use super::screen::{Screen, absorb};
use crate::support::secrets::{Secrets, between_characters};

/// The longest line held whole: past it, the line is stored in pieces,
/// each as the screen shows it (a flood without line breaks must not be
/// held, nor rendered again per packet).
const LINE_CAP: usize = 64 * 1024;

/// The received line not ended yet.
#[derive(Debug, Clone, Default)]
pub(crate) struct LineGuard {
    raw: String,
    /// The line passed [`LINE_CAP`]: its remaining pieces are stored as
    /// the screen shows them.
    cut: bool,
    /// An earlier line set or reset a mode the screen does not model
    /// (insert mode: `\e[4h` on one line, `2XY\rPw4\rr1t\rSek` on the
    /// next shows the secret): it may still be on, so every later line
    /// with a control is stored as drawn, masked.
    mode_unmodelled: bool,
}

impl LineGuard {
    /// What of `chunk` (with what was held) can be stored now: the lines
    /// it completes, each checked. The rest is held.
    pub(crate) fn push(&mut self, chunk: &str, secrets: &Secrets) -> String {
        let mut out = String::new();
        let mut rest = chunk;
        while let Some(nl) = rest.find('\n') {
            self.raw.push_str(&rest[..=nl]);
            out.push_str(&self.release(secrets));
            self.cut = false;
            rest = &rest[nl + 1..];
        }
        self.raw.push_str(rest);
        if self.raw.len() > LINE_CAP {
            out.push_str(&self.release(secrets));
            self.cut = true;
        }
        out
    }

    /// The line held, checked: the other side spoke, or the session ends.
    pub(crate) fn flush(&mut self, secrets: &Secrets) -> String {
        let out = self.release(secrets);
        self.cut = false;
        out
    }

    fn release(&mut self, secrets: &Secrets) -> String {
        let raw = std::mem::take(&mut self.raw);
        self.checked(&raw, secrets).into_owned()
    }

    fn checked<'a>(&mut self, line: &'a str, secrets: &Secrets) -> Cow<'a, str> {
        if self.cut {
            let (body, ending) = sshfleet_recording::split_end(line);
            let (shown, drawn) = render(body);
            self.mode_unmodelled |= drawn.mode_unmodelled;
            return Cow::Owned(format!("{}{ending}", secrets.redact_runs(&shown)));
        }
        let (stored, mode_unmodelled) = guarded_after(line, secrets, self.mode_unmodelled);
        self.mode_unmodelled |= mode_unmodelled;
        stored
    }
}

/// [`guarded_after`] for a line with no unmodelled mode before it.
#[cfg(test)]
pub(crate) fn guarded<'a>(line: &'a str, secrets: &Secrets) -> Cow<'a, str> {
    guarded_after(line, secrets, false).0
}

/// `line` (its bytes already masked) as it may be stored: as it came,
/// unless a terminal shows a secret on it, or a run of four characters of
/// one (a redraw may leave a piece of the secret beside the mask of the
/// rest: `1Sekr1tQQ\r***` shows `***tQQ`), or a control the screen cannot
/// place is in it, or an unmodelled mode may be on after earlier lines
/// (`mode_on`): then as the screen shows it, masked. Also whether this
/// line sets or resets an unmodelled mode.
fn guarded_after<'a>(line: &'a str, secrets: &Secrets, mode_on: bool) -> (Cow<'a, str>, bool) {
    let (body, ending) = sshfleet_recording::split_end(line);
    if !body.chars().any(between_characters) {
        return (Cow::Borrowed(line), false);
    }
    if secrets.is_empty() {
        // Nothing to mask yet, but a mode set now stays on when there is.
        let may_set_a_mode = body.contains(['h', 'l']);
        let mode = may_set_a_mode && render(body).1.mode_unmodelled;
        return (Cow::Borrowed(line), mode);
    }
    let (shown, drawn) = render(body);
    let bytes_hold_a_run = matches!(secrets.redact_runs(body), Cow::Owned(_));
    let trusted = drawn.unmodelled == 0 && !mode_on && !bytes_hold_a_run;
    let stored = match secrets.redact_runs(&shown) {
        Cow::Borrowed(_) if trusted => Cow::Borrowed(line),
        masked => Cow::Owned(format!("{masked}{ending}")),
    };
    (stored, drawn.mode_unmodelled)
}

/// What the screen could not model of a line.
struct Drawn {
    /// Controls it could not place.
    unmodelled: usize,
    /// Whether a mode it does not model was set or reset.
    mode_unmodelled: bool,
}

/// What a terminal shows of `text` on a fresh row, and what the screen
/// could not model.
fn render(text: &str) -> (String, Drawn) {
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    absorb(&mut parser, &mut screen, text.as_bytes());
    let drawn = Drawn {
        unmodelled: screen.unmodelled,
        mode_unmodelled: screen.mode_unmodelled,
    };
    (screen.into_text(), drawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets() -> Secrets {
        let mut secrets = Secrets::default();
        secrets.add("1Sekr1tPw42");
        secrets
    }

    #[test]
    fn a_line_redrawn_into_a_secret_is_stored_as_shown_masked() {
        let secrets = secrets();
        for line in [
            "Version: 1Sekr1tPwXX\u{8}\u{8}42\r\n",
            "C: 1Sekr1tQQ\u{1b}[2DPw42\r\n",
            "C: XXXXXXXPw42\r\u{1b}[3C1Sekr1t\r\n",
            "C: 1Sekr1tPw4\u{1b}[K2\r\n",
        ] {
            // As the caller stores it: its bytes masked first.
            let stored = guarded(&secrets.redact(line), &secrets).into_owned();
            assert!(!stored.contains("Sekr1t"), "{line:?} -> {stored:?}");
            assert!(stored.ends_with(": ***\r\n"), "{line:?} -> {stored:?}");
        }
        // Lines a terminal shows no secret on are kept as they came.
        assert_eq!(
            guarded("\u{1b}[32mok\u{1b}[0m\r\n", &secrets),
            "\u{1b}[32mok\u{1b}[0m\r\n"
        );
        // Runs of four characters of it are masked where it is redrawn.
        assert_eq!(
            guarded("B: 1Sek\u{1b}[1Cxr1tPw42\r\n", &secrets),
            "B: *** x***\r\n"
        );
    }

    /// Characters a terminal draws as nothing between a secret's
    /// characters, with or without a control on the line: stored masked.
    #[test]
    fn a_line_with_invisible_characters_in_a_secret_is_stored_masked() {
        let secrets = secrets();
        for line in [
            "V: 1Sek\u{200b}r1t\u{2060}Pw4\u{feff}2\r\n",
            "V: 1Sekr1tPwXX\u{8}\u{8}4\u{200d}2\r\n",
            "V: 1Sek\u{34f}r1tQQ\u{1b}[2DPw42\r\n",
        ] {
            let stored = guarded(line, &secrets).into_owned();
            assert!(!stored.contains("r1t"), "{line:?} -> {stored:?}");
            assert!(stored.starts_with("V: ***"), "{line:?} -> {stored:?}");
        }
    }

    /// Insert mode (and any mode the screen does not model) on one line
    /// or an earlier one: the lines are stored as drawn, never raw.
    #[test]
    fn a_line_drawn_in_insert_mode_is_never_stored_raw() {
        let mut secrets = Secrets::default();
        secrets.add("Sekr1tPw42XY");
        for text in [
            "V: \u{1b}[4h2XY\rPw4\rr1t\rSek\u{1b}[4l\r\nok\r\n",
            "V: \u{1b}[4;20h2XY\rPw4\rr1t\rSek\u{1b}[4l\r\nok\r\n",
            "V: \u{1b}[?4h\u{1b}[4h2XY\rPw4\rr1t\rSek\r\nok\r\n",
            "V: \u{1b}[4h\r\n2XY\rPw4\rr1t\rSek\r\nok\r\n",
            "\u{1b}[4h\r\nok\r\n\u{1b}[32m2XY\rPw4\rr1t\rSek\r\n",
        ] {
            let mut guard = LineGuard::default();
            let stored = guard.push(text, &secrets);
            assert!(!stored.contains("\u{1b}[4h"), "{text:?} -> {stored:?}");
            assert!(!stored.contains("2XY\rPw4"), "{text:?} -> {stored:?}");
            assert!(stored.contains("ok\r\n"), "{text:?} -> {stored:?}");
        }
        // Modes that change no drawn text keep the line as it came.
        let mut guard = LineGuard::default();
        let text = "\u{1b}[?2004h\u{1b}[?25lesa01> \r\n\u{1b}[32mok\u{1b}[0m\r\n";
        assert_eq!(guard.push(text, &secrets), text);
    }

    #[test]
    fn lines_are_held_until_they_end_however_the_text_is_cut() {
        let secrets = secrets();
        let mut guard = LineGuard::default();
        let mut stored = String::new();
        for chunk in [
            "ok\r\nVersion: 1Sekr1t",
            "PwXX\u{8}",
            "\u{8}42\r",
            "\nesa01> ",
        ] {
            stored.push_str(&guard.push(chunk, &secrets));
        }
        assert_eq!(stored, "ok\r\nVersion: ***\r\n");
        stored.push_str(&guard.flush(&secrets));
        assert_eq!(stored, "ok\r\nVersion: ***\r\nesa01> ");
    }

    #[test]
    fn a_line_with_cursor_up_is_stored_as_the_screen_shows_it() {
        let secrets = secrets();
        let line = "1Sekr1tPwXX\r\n";
        assert_eq!(guarded(line, &secrets), line);
        let stored = guarded("\u{1b}[A\u{1b}[9C42\r\n", &secrets);
        assert_eq!(stored, format!("{}42\r\n", " ".repeat(9)));
    }
}
