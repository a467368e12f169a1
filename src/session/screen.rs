//! The terminal screen: what an appliance's output looks like once a
//! terminal has drawn it (CRLF, colour codes, echo and line editing
//! resolved), built chunk by chunk so an escape sequence or a UTF-8
//! character split between two packets is still handled; a secret it
//! echoes back is redacted before the screen ever holds it.

/// The width of the pseudo-terminal the shell session asks for: a wide
/// one keeps long log lines from being wrapped by the appliance.
pub(crate) const PTY_COLS: u32 = 511;
/// Columns of a row: the PTY sshfleet asks for (a longer line wraps, and
/// a carriage return goes to the start of the row it is on).
const COLS: usize = PTY_COLS as usize;
/// Tab stops: every 8 columns (nothing here sets others: `ESC H` and
/// `CSI g` are unmodelled).
const TAB: usize = 8;

/// Plain text as a terminal would show it, built incrementally. Complete
/// lines are fixed; the last one is a row of cells the cursor moves over
/// as a terminal's does (carriage return, backspace, tab, cursor left and
/// right, column, erase, insert and delete: `super::controls`).
#[derive(Debug, Default)]
pub(super) struct Screen {
    pub(super) text: String,
    pub(super) dropped: usize,
    /// Where the last, unterminated line starts in `text`: everything
    /// before it is complete lines, found without searching again.
    pub(super) line_start: usize,
    /// The cursor: its byte offset in the last line, its column (one
    /// per character), and how many blank columns past the line's end it
    /// stands (a cursor moved right past the text).
    at: usize,
    col: usize,
    beyond: usize,
    /// Characters in the last line.
    chars: usize,
    /// The last character printed landed in a row's last column: as on a
    /// terminal, the cursor stays on that row until the next character.
    wrap_pending: bool,
    /// The last line holds a character that is not one column wide (or a
    /// tab kept as one): its columns are approximate once the cursor
    /// moves, which is counted as unmodelled.
    odd_width: bool,
    /// The last character printed (`CSI b` repeats it).
    last: Option<char>,
    /// Controls met that the screen cannot place (another row, the whole
    /// screen): ignored here, counted so stored text is not kept raw.
    pub(super) unmodelled: usize,
    /// A mode the screen does not model (insert mode, autowrap, ...) was
    /// set or reset: it stays in force on the lines after this one.
    pub(super) mode_unmodelled: bool,
    /// Insert mode (IRM, `CSI 4 h`): a printed character pushes the rest
    /// of the row right instead of replacing the one at the cursor.
    insert: bool,
    /// The last chunk ended inside a UTF-8 character: its first bytes,
    /// parsed with the next chunk. The parser is only ever given whole
    /// characters, so the screen is the same however the text was cut
    /// (the one the redactor computes for a secret alone included).
    partial: Vec<u8>,
}

impl vte::Perform for Screen {
    fn print(&mut self, c: char) {
        if self.insert && self.beyond == 0 && self.at < self.line_len() {
            self.apply_csi('@', 1);
        }
        self.put(c);
    }

    fn execute(&mut self, byte: u8) {
        match (super::controls::c0(byte), byte) {
            (Effect::Applied, b'\n') => self.new_line(),
            (Effect::Applied, b'\r') => self.go_to(self.row_start()),
            (Effect::Applied, 0x08) => self.left(1),
            // At the end of the line a tab stays a tab: the text reads
            // the same whatever column it starts at (a password with a
            // tab in it is one form), and its columns are flagged as
            // approximate should the cursor move back over them.
            (Effect::Applied, b'\t') if self.beyond == 0 && self.at == self.line_len() => {
                self.put('\t');
            }
            (Effect::Applied, b'\t') => self.tabs(1),
            (Effect::Unmodelled, _) => self.unmodelled += 1,
            _ => {}
        }
    }

    fn csi_dispatch(&mut self, params: &vte::Params, intermediates: &[u8], ignore: bool, c: char) {
        let mut effect = super::controls::csi(intermediates, c);
        if matches!(c, 'h' | 'l') && matches!(intermediates, [] | [b'?']) {
            let numbers = params.iter().map(|p| p.first().copied().unwrap_or(0));
            effect = super::controls::modes(!intermediates.is_empty(), numbers);
            self.mode_unmodelled |= effect == Effect::Unmodelled || ignore;
            // Insert mode is followed here too, so what results quote is
            // what a terminal shows (a line checked alone cannot know it:
            // that is the guard's sticky mode).
            if intermediates.is_empty() && params.iter().any(|p| p.first() == Some(&4)) {
                self.insert = c == 'h';
            }
        }
        if ignore && effect != Effect::NoText {
            self.unmodelled += 1;
            return;
        }
        match effect {
            Effect::NoText => {}
            Effect::Unmodelled => self.unmodelled += 1,
            Effect::Applied => {
                let p = params
                    .iter()
                    .next()
                    .and_then(|p| p.first().copied())
                    .map_or(0, usize::from);
                self.apply_csi(c, p);
            }
        }
    }

    fn esc_dispatch(&mut self, intermediates: &[u8], ignore: bool, byte: u8) {
        let effect = super::controls::esc(intermediates, byte);
        if effect == Effect::Unmodelled || (ignore && effect != Effect::NoText) {
            self.unmodelled += 1;
        }
    }
}

use super::controls::Effect;

impl Screen {
    /// A control sequence the screen applies, with its first parameter.
    fn apply_csi(&mut self, c: char, p: usize) {
        let n = p.clamp(1, COLS);
        match c {
            'C' | 'a' => self.right(n),
            'D' => self.left(n),
            'G' | '`' => self.go_to(self.row_start() + n - 1),
            'I' => self.tabs(n),
            'Z' => self.back_tabs(n),
            'b' => {
                if let Some(last) = self.last {
                    for _ in 0..n {
                        self.put(last);
                    }
                }
            }
            'K' => self.erase_in_row(p),
            'J' if p == 0 => self.erase_in_row(0),
            'J' => self.unmodelled += 1,
            'X' => self.edit_row(|cells, c| {
                for cell in cells.iter_mut().skip(c).take(n) {
                    *cell = ' ';
                }
            }),
            'P' => self.edit_row(|cells, c| {
                let end = (c + n).min(cells.len());
                if c < end {
                    cells.drain(c..end);
                }
            }),
            '@' => self.edit_row(|cells, c| {
                if c < cells.len() {
                    cells.splice(c..c, std::iter::repeat_n(' ', n));
                    cells.truncate(COLS);
                }
            }),
            _ => self.unmodelled += 1,
        }
    }

    /// Print `c` at the cursor: over the character there, or at the end
    /// (after the blanks the cursor moved past).
    fn put(&mut self, c: char) {
        if c == '\t' || !c.is_ascii() && unicode_width::UnicodeWidthChar::width(c) != Some(1) {
            self.odd_width = true;
        }
        if self.beyond > 0 {
            self.text
                .extend(std::iter::repeat_n(' ', std::mem::take(&mut self.beyond)));
            let len = self.text.len() - self.line_start;
            self.chars += len - self.at;
            self.col = self.chars;
            self.at = len;
        }
        let at = self.line_start + self.at;
        match self.text[at..].chars().next() {
            Some(old) => {
                let mut buf = [0; 4];
                self.text
                    .replace_range(at..at + old.len_utf8(), c.encode_utf8(&mut buf));
            }
            None => {
                self.text.push(c);
                self.chars += 1;
            }
        }
        self.at += c.len_utf8();
        self.col += 1;
        self.last = Some(c);
        self.wrap_pending = self.col.is_multiple_of(COLS);
    }

    fn line_len(&self) -> usize {
        self.text.len() - self.line_start
    }

    /// The cursor's column in the line, as a terminal counts it (a row
    /// just filled keeps the cursor on its last column).
    fn here(&self) -> usize {
        let col = self.col + self.beyond;
        if self.wrap_pending { col - 1 } else { col }
    }

    fn row_start(&self) -> usize {
        let here = self.here();
        here - here % COLS
    }

    fn left(&mut self, n: usize) {
        let row = self.row_start();
        self.go_to(self.here().saturating_sub(n).max(row));
    }

    fn right(&mut self, n: usize) {
        let last = self.row_start() + COLS - 1;
        self.go_to((self.here() + n).min(last));
    }

    fn tabs(&mut self, n: usize) {
        let row = self.row_start();
        let mut col = self.here() - row;
        for _ in 0..n {
            col = (col / TAB + 1) * TAB;
        }
        self.go_to(row + col.min(COLS - 1));
    }

    fn back_tabs(&mut self, n: usize) {
        let row = self.row_start();
        let mut col = self.here() - row;
        for _ in 0..n {
            col = col.saturating_sub(1) / TAB * TAB;
        }
        self.go_to(row + col);
    }

    /// Move the cursor to column `target` of the line (a walk of at most a
    /// row: targets stay on the cursor's row).
    fn go_to(&mut self, target: usize) {
        if self.odd_width && target != self.here() {
            self.unmodelled += 1;
        }
        self.wrap_pending = false;
        if target >= self.chars {
            self.at = self.text.len() - self.line_start;
            self.col = self.chars;
            self.beyond = target - self.chars;
            return;
        }
        self.beyond = 0;
        if self.col > self.chars {
            self.col = self.chars;
        }
        let line = &self.text[self.line_start..];
        while self.col > target {
            let back = line[..self.at]
                .chars()
                .next_back()
                .map_or(1, char::len_utf8);
            self.at -= back;
            self.col -= 1;
        }
        while self.col < target {
            let next = line[self.at..].chars().next().map_or(1, char::len_utf8);
            self.at += next;
            self.col += 1;
        }
    }

    /// `CSI K` (and `CSI J` 0): 0 from the cursor to the row's end, 1 from
    /// its start to the cursor, 2 the whole row.
    fn erase_in_row(&mut self, p: usize) {
        self.edit_row(|cells, c| {
            let span = match p {
                0 => c..cells.len(),
                1 => 0..(c + 1).min(cells.len()),
                _ => 0..cells.len(),
            };
            for cell in cells.get_mut(span).into_iter().flatten() {
                *cell = ' ';
            }
        });
    }

    /// Edit the cursor's row as cells (`edit` gets them and the cursor's
    /// place in them); the cursor stays in its column.
    fn edit_row(&mut self, edit: impl FnOnce(&mut Vec<char>, usize)) {
        if self.odd_width {
            self.unmodelled += 1;
        }
        let here = self.here();
        let row = self.row_start();
        self.go_to(row);
        let start = self.line_start + self.at;
        let mut cells: Vec<char> = self.text[start..].chars().take(COLS).collect();
        let old_len = cells.len();
        let old_bytes: usize = cells.iter().map(|c| c.len_utf8()).sum();
        let full_row = old_len == COLS && start + old_bytes < self.text.len();
        edit(&mut cells, here - row);
        if full_row && cells.len() < COLS {
            cells.resize(COLS, ' ');
        }
        let new: String = cells.iter().collect();
        self.text.replace_range(start..start + old_bytes, &new);
        self.chars = self.chars - old_len + cells.len();
        self.go_to(here);
    }

    /// A line feed: the line is complete. Blanks past the cursor at its
    /// end are nothing a terminal shows (a pager's prompt wiped with
    /// spaces, an echo erased with `\b \b`): not kept.
    fn new_line(&mut self) {
        let keep = self.shown_end();
        self.text.truncate(self.line_start + keep);
        self.text.push('\n');
        self.line_start = self.text.len();
        self.at = 0;
        self.col = 0;
        self.beyond = 0;
        self.chars = 0;
        self.wrap_pending = false;
        self.odd_width = false;
    }

    /// Where what the last line shows ends: trailing blanks past the
    /// cursor are not shown.
    fn shown_end(&self) -> usize {
        let line = &self.text[self.line_start..];
        line.trim_end_matches(' ')
            .len()
            .max(self.at.min(line.len()))
    }

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
        if cut > self.line_start {
            // The last line lost its start: its columns are no longer
            // the terminal's.
            self.at = self.at.saturating_sub(cut - self.line_start);
            self.line_start = 0;
            self.recount();
            self.unmodelled += 1;
        } else {
            self.line_start -= cut;
        }
    }

    /// Count the last line's characters and the cursor's column again,
    /// after its text was cut.
    fn recount(&mut self) {
        let line = &self.text[self.line_start..];
        self.at = self.at.min(line.len());
        while !line.is_char_boundary(self.at) {
            self.at -= 1;
        }
        self.chars = line.chars().count();
        self.col = line[..self.at].chars().count();
        self.wrap_pending = false;
    }

    pub(super) fn clear(&mut self) {
        self.text.clear();
        self.line_start = 0;
        self.at = 0;
        self.col = 0;
        self.beyond = 0;
        self.chars = 0;
        self.wrap_pending = false;
        self.odd_width = false;
    }

    /// Cut the last line at byte `at` of the text (a pager's prompt taken
    /// out of it).
    pub(super) fn truncate(&mut self, at: usize) {
        self.text.truncate(at.max(self.line_start));
        self.recount();
        self.beyond = 0;
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

    /// The last, unterminated line, as a terminal shows it.
    pub(super) fn last_line(&self) -> &str {
        &self.text[self.line_start..self.line_start + self.shown_end()]
    }

    /// Everything, as a terminal shows it.
    pub(super) fn into_text(mut self) -> String {
        let end = self.line_start + self.shown_end();
        self.text.truncate(end);
        self.text
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
/// shows `Pw789`, `Pw\x08\x08` shows `Pw` (and the next character
/// overwrites the `w`: `P` is a form too, if long enough).
pub(super) fn shown_forms(secret: &str) -> Vec<String> {
    let mut parser = vte::Parser::new();
    let mut screen = Screen::default();
    absorb(&mut parser, &mut screen, secret.as_bytes());
    // What follows it may overwrite from the cursor on: the text before
    // the cursor is shown whatever comes next.
    let before_cursor = screen.text[screen.line_start..screen.line_start + screen.at].to_string();
    let mut forms: Vec<String> = screen
        .into_text()
        .split('\n')
        .filter(|line| *line != secret)
        .map(str::to_string)
        .collect();
    if forms.last() != Some(&before_cursor) && before_cursor != secret {
        forms.push(before_cursor);
    }
    // Where it is printed changes what its controls do (a tab goes to the
    // next stop from where it starts, a carriage return back over what
    // came before): each run between its controls is a form too.
    if secret.contains(char::is_control) {
        forms.extend(
            secret
                .split(char::is_control)
                .filter(|run| !run.is_empty())
                .map(str::to_string),
        );
    }
    forms
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
    screen.into_text()
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
        assert!(shown_forms("PtyPw\u{1b}[31m123").contains(&"PtyPw123".to_string()));
        assert!(shown_forms("Cr\rPw789").contains(&"Pw789".to_string()));
        assert!(shown_forms("Hunter2").is_empty());
    }

    /// What a terminal (xterm) shows for each control the screen applies:
    /// one case per applied row of `super::controls`, and a row without a
    /// case fails.
    #[test]
    fn every_applied_control_moves_and_edits_as_a_terminal_does() {
        use crate::session::controls::{C0, CSI, Effect};
        let c0: &[(u8, &[u8], &str)] = &[
            (0x08, b"abcd\x08\x08XY", "abXY"),
            (0x09, b"abcdefghij\r\tX\t\x08Y", "abcdefghXj     Y"),
            (0x0a, b"ab\r\ncd", "ab\ncd"),
            (0x0d, b"abcdef\rXY", "XYcdef"),
        ];
        let csi: &[(u8, &[u8], &str)] = &[
            (b'@', b"abcd\x1b[3D\x1b[2@XY", "aXYbcd"),
            (b'C', b"ab\x1b[3Cc\x1b[9D\x1b[Cd", "ad   c"),
            (b'D', b"1Sekr1tQQ\x1b[2DPw42", "1Sekr1tPw42"),
            (b'G', b"abcdef\x1b[3GXY", "abXYef"),
            (b'I', b"a\x1b[2Ib", "a               b"),
            (b'J', b"abcdef\x1b[4D\x1b[J", "ab"),
            (b'K', b"abcdef\x1b[2D\x1b[Kx\x1b[3D\x1b[1Ky", "  ydx"),
            (b'P', b"abcdef\x1b[4D\x1b[2Px", "abxf"),
            (b'X', b"abcdef\x1b[5D\x1b[2XZ", "aZ def"),
            (b'Z', b"abcdefghijk\x1b[ZX", "abcdefghXjk"),
            (b'`', b"abcdef\x1b[2`X", "aXcdef"),
            (b'a', b"ab\x1b[2ac", "ab  c"),
            (b'b', b"ab\x1b[3b", "abbbb"),
        ];
        for (table, cases) in [(C0, c0), (CSI, csi)] {
            for (bytes, what, effect) in table {
                for byte in bytes.clone().filter(|_| *effect == Effect::Applied) {
                    let case = cases.iter().find(|(b, _, _)| *b == byte);
                    let (_, input, want) = case.unwrap_or_else(|| panic!("no case for {what}"));
                    assert_eq!(screen_of(&[input]), *want, "{what}: {input:?}");
                }
            }
        }
        // A tab printed at the end of the line stays a tab.
        assert_eq!(screen_of(&[b"Name\tValue\r\n"]), "Name\tValue\n");
        // Erasing the whole screen or moving to another row is flagged.
        let mut parser = vte::Parser::new();
        let mut screen = Screen::default();
        absorb(&mut parser, &mut screen, b"1Sekr1tPwXX\r\n\x1b[A\x1b[9C42");
        assert_eq!(screen.unmodelled, 1);
    }

    #[test]
    fn a_row_is_the_pty_width_and_wraps() {
        let width = COLS;
        let mut line = "x".repeat(width);
        line.push_str("abcd\rZ\x1b[2D\x08Y");
        // CR returns to the second row's start; moves stop at it.
        let want = format!("{}Ybcd", "x".repeat(width));
        assert_eq!(screen_of(&[line.as_bytes()]), want);
        // A full row keeps the cursor on its last column until the next
        // character: backspace reaches the row's second-last column.
        let full = format!("{}\x08Q", "y".repeat(width));
        let want = format!("{}Qy", "y".repeat(width - 2));
        assert_eq!(screen_of(&[full.as_bytes()]), want);
    }

    /// In insert mode (IRM) each printed character pushes the rest right,
    /// across lines, until it is reset: as a terminal shows it.
    #[test]
    fn insert_mode_pushes_the_row_right_as_a_terminal_does() {
        let cases: [(&[u8], &str); 4] = [
            (b"\x1b[4h2XY\rPw4\rr1t\rSek\x1b[4l", "Sekr1tPw42XY"),
            (
                b"V: \x1b[4;20h2XY\x1b[4GPw4\x1b[4GSekr1t",
                "V: Sekr1tPw42XY",
            ),
            (b"\x1b[4h\r\n2XY\rPw4\rr1t\rSek", "\nSekr1tPw42XY"),
            (b"\x1b[4h\x1b[4l2XY\rPw4", "Pw4"),
        ];
        for (input, want) in cases {
            assert_eq!(screen_of(&[input]), want, "{input:?}");
        }
    }

    #[test]
    fn backspace_echo_erases() {
        assert_eq!(screen_of(&[b"versoi\x08 \x08\x08 \x08ion"]), "version");
    }
}
