//! The terminal screen: what an appliance's output looks like once a
//! terminal has drawn it (CRLF, colour codes, echo and line editing
//! resolved), built chunk by chunk so an escape sequence or a UTF-8
//! character split between two packets is still handled; a secret it
//! echoes back is redacted before the screen ever holds it.

/// Plain text as a terminal would show it, built incrementally.
#[derive(Debug, Default)]
pub(super) struct Screen {
    pub(super) text: String,
    pub(super) dropped: usize,
    /// Where the last, unterminated line starts in `text`: everything
    /// before it is complete lines, found without searching again.
    pub(super) line_start: usize,
    /// A carriage return came and no text since: what is printed next
    /// overwrites the line (a pager wiping its prompt with `\r` + spaces +
    /// `\r`, a progress counter redrawn in place).
    returned: bool,
    /// The last chunk ended inside a UTF-8 character: its first bytes,
    /// parsed with the next chunk. The parser is only ever given whole
    /// characters, so the screen is the same however the text was cut
    /// (the one the redactor computes for a secret alone included).
    partial: Vec<u8>,
}

impl vte::Perform for Screen {
    fn print(&mut self, c: char) {
        if std::mem::take(&mut self.returned) {
            self.text.truncate(self.line_start);
        }
        self.text.push(c);
    }

    fn execute(&mut self, byte: u8) {
        match byte {
            b'\n' => {
                // A row of nothing but spaces is what a pager's wipe leaves
                // where a blank line follows: an empty line.
                if std::mem::take(&mut self.returned) {
                    let start = self.line_start;
                    if self.text[start..].bytes().all(|b| b == b' ') {
                        self.text.truncate(start);
                    }
                }
                self.text.push('\n');
                self.line_start = self.text.len();
            }
            b'\t' => self.print('\t'),
            // CRLF becomes LF; a bare CR returns to the start of the line.
            b'\r' => self.returned = true,
            // Line editing echo ("\x08 \x08") must not leave ghosts behind.
            0x08 if !self.text.ends_with('\n') => {
                self.text.pop();
            }
            _ => {}
        }
    }
}

impl Screen {
    /// Past `max` bytes, drop the oldest half: an appliance that prints
    /// without end must not exhaust memory, and the prompt is at the end.
    pub(super) fn bound(&mut self, max: usize) {
        if self.text.len() <= max {
            return;
        }
        let mut cut = self.text.len() - max / 2;
        while !self.text.is_char_boundary(cut) {
            cut += 1;
        }
        self.text.drain(..cut);
        self.dropped += cut;
        self.line_start = self.line_start.saturating_sub(cut);
    }

    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.line_start = 0;
    }

    /// Remove and return the text before `end`, which is at most
    /// `line_start` (complete lines only).
    pub(super) fn take_to(&mut self, end: usize) -> String {
        let taken = self.text[..end].to_string();
        self.text.replace_range(..end, "");
        self.line_start -= end;
        taken
    }

    /// The first complete line, without its newline.
    pub(super) fn next_line(&mut self) -> Option<String> {
        let pos = self.text[..self.line_start].find('\n')?;
        let mut line = self.take_to(pos + 1);
        line.pop();
        Some(line)
    }

    /// The last, unterminated line.
    pub(super) fn last_line(&self) -> &str {
        &self.text[self.line_start..]
    }
}

/// Parse `data` onto `screen`. The screen is what the engine matches
/// (prompts, `expect`, captures): it keeps the host's text unredacted, and
/// secrets are masked only where text leaves the session (results,
/// transcript, recording; see [`crate::support::secrets`]).
///
/// An 8-bit CSI sent as UTF-8 (`U+009B`) is what a UTF-8 terminal takes
/// it for, `ESC [`: the parser alone would drop the control and print its
/// parameters (`Hun\u{9b}1mter2` shown `Hun1mter2`), a text no terminal
/// shows, and one that hides a password echoed with a CSI in it from
/// redaction (which reads `U+009B` as a CSI too). Other C1 controls stay
/// dropped: a DCS or OSC would hide the rest of the output.
pub(super) fn absorb(parser: &mut vte::Parser, screen: &mut Screen, data: &[u8]) {
    let mut bytes = std::mem::take(&mut screen.partial);
    bytes.extend_from_slice(data);
    let whole = bytes.len() - unfinished_utf8(&bytes);
    screen.partial = bytes.split_off(whole);
    let mut parsed = Vec::with_capacity(bytes.len());
    let mut rest = bytes.as_slice();
    while let Some((&b, tail)) = rest.split_first() {
        if b == 0xc2 && tail.first() == Some(&0x9b) {
            parsed.extend(b"\x1b[");
            rest = &tail[1..];
        } else {
            parsed.push(b);
            rest = tail;
        }
    }
    parser.advance(screen, &parsed);
}

/// How many bytes at the end of `bytes` begin a UTF-8 character that is
/// not complete yet.
fn unfinished_utf8(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        if b & 0xc0 == 0x80 {
            continue;
        }
        let needs = match b {
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            0xf0..=0xf7 => 4,
            _ => return 0,
        };
        return if needs > back { back } else { 0 };
    }
    0
}

/// What a terminal shows of `secret` printed alone, line by line: the
/// forms of a password with controls in it that reach the screen (and the
/// results quoting it): `PtyPw\e[31m123` shows `PtyPw123`, `Cr\rPw789`
/// shows `Pw789`.
pub(super) fn shown_forms(secret: &str) -> Vec<String> {
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    absorb(&mut parser, &mut screen, secret.as_bytes());
    screen
        .text
        .split('\n')
        .filter(|line| *line != secret)
        .map(str::to_string)
        .collect()
}

/// What a terminal shows of `chunks`, received one after another: the
/// text the engine reads and results quote (for the property tests).
#[cfg(test)]
pub(crate) fn shown(chunks: &[&[u8]]) -> String {
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    for chunk in chunks {
        absorb(&mut parser, &mut screen, chunk);
    }
    screen.text
}

/// The last lines of `text`, quoted, for an error message.
pub(super) fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.is_empty() {
        return "(nothing)".to_string();
    }
    format!("{:?}", lines[lines.len().saturating_sub(4)..].join(" | "))
}

#[cfg(test)]
pub(super) mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    pub(in crate::session) fn screen_of(chunks: &[&[u8]]) -> String {
        shown(chunks)
    }

    #[test]
    fn crlf_and_colour_are_normalised_across_chunks() {
        let text = screen_of(&[b"Info: \x1b[3", b"2mok\x1b[0m\r", b"\nnext\r\n"]);
        assert_eq!(text, "Info: ok\nnext\n");
    }

    #[test]
    fn byte_by_byte_utf8_survives() {
        let bytes = "Dépannage\r\n".as_bytes();
        let chunks: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(screen_of(&chunks), "Dépannage\n");
    }

    #[test]
    fn endless_output_stays_bounded_and_keeps_the_end() {
        let mut parser = vte::Parser::new();
        let mut screen = Screen::default();
        let line = "é".repeat(50) + "\r\n";
        for _ in 0..10_000 {
            parser.advance(&mut screen, line.as_bytes());
            screen.bound(64 * 1024);
        }
        parser.advance(&mut screen, b"esa01.example.com> ");
        screen.bound(64 * 1024);
        assert!(screen.text.len() <= 64 * 1024);
        assert!(screen.dropped > 900_000);
        assert!(screen.text.ends_with("\nesa01.example.com> "));
    }

    #[test]
    fn a_bare_carriage_return_overwrites_the_line() {
        assert_eq!(screen_of(&[b"50%\r100%\r\ndone\r\n"]), "100%\ndone\n");
        // The AsyncOS pager wipes its prompt with CR, spaces, CR.
        let wipe = format!("\r{}\r", " ".repeat(24));
        let text = screen_of(&[
            b"line 23\r\n-Press Any Key",
            b" For More-",
            wipe.as_bytes(),
            b"line 24\r\n",
        ]);
        assert_eq!(text, "line 23\nline 24\n");
        let text = screen_of(&[
            b"-Press Any Key For More-",
            wipe.as_bytes(),
            b"\r\nnext\r\n",
        ]);
        assert_eq!(text, "\nnext\n");
    }

    #[test]
    fn the_screen_keeps_what_the_host_sent_and_redaction_is_on_the_way_out() {
        use crate::support::secrets::Secrets;
        // A password that is also the appliance's name: the engine must
        // still see the prompt `esa01> `, never `***> `.
        let mut secrets = Secrets::default();
        secrets.add("esa01");
        let text = screen_of(&[&b"Password: es"[..], b"a01\r\nes", b"a01> "]);
        assert_eq!(text, "Password: esa01\nesa01> ");
        assert_eq!(secrets.redact(&text), "Password: ***\n***> ");
    }

    #[test]
    fn a_c1_control_is_its_7_bit_form_even_split_between_chunks() {
        assert_eq!(screen_of(&["Hun\u{9b}1mter2".as_bytes()]), "Hunter2");
        assert_eq!(
            screen_of(&[b"Hun\xc2", b"\x9b1mter2 \xc2", b"\xa0"]),
            "Hunter2 \u{a0}"
        );
        assert_eq!(shown_forms("PtyPw\u{1b}[31m123"), ["PtyPw123"]);
        assert_eq!(shown_forms("Cr\rPw789"), ["Pw789"]);
        assert!(shown_forms("Hunter2").is_empty());
    }

    #[test]
    fn backspace_echo_erases() {
        assert_eq!(screen_of(&[b"versoi\x08 \x08\x08 \x08ion"]), "version");
    }
}
