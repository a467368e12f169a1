//! Every control a terminal acts on, and what the screen does with it.
//!
//! The screen ([`super::screen::Screen`]) is what the engine reads and
//! what results quote, and the view stored text is checked in for secrets
//! (`super::redraw`): a control it skipped while a terminal applies it
//! would show a password there that no mask finds (`1Sekr1tQQ\e[2DPw42`
//! is `1Sekr1tPw42` on a terminal). So each C0 control, each escape and
//! each control sequence (by its final byte) has a row here saying how it
//! is met, as xterm (the `vt100` terminal sshfleet asks for) acts on it,
//! and a test fails when a byte has no row.

use std::ops::RangeInclusive;

/// What the screen does with a control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    /// Moves the cursor or edits cells within the current row: applied.
    Applied,
    /// Changes no character a terminal shows (colours, modes, reports,
    /// the bell), or a terminal ignores it.
    NoText,
    /// Reaches another row or the whole screen (cursor up, erase display,
    /// scrolling, saved cursors, tab stops moved): the screen keeps lines,
    /// not a grid, so it cannot place it. Ignored and counted
    /// (`Screen::unmodelled`): a stored line holding one is kept as the
    /// screen shows it, never raw.
    Unmodelled,
}

use Effect::{Applied, NoText, Unmodelled};

/// One row: the bytes, their name, what the screen does.
pub(super) type Row = (RangeInclusive<u8>, &'static str, Effect);

/// C0 controls and DEL (`execute`).
pub(super) const C0: &[Row] = &[
    (0x00..=0x07, "NUL SOH STX ETX EOT ENQ ACK BEL", NoText),
    (0x08..=0x08, "BS: cursor left one, nothing erased", Applied),
    (
        0x09..=0x09,
        "HT: to the next tab stop (every 8 columns)",
        Applied,
    ),
    (0x0a..=0x0a, "LF: a new line (the PTY adds CR)", Applied),
    (0x0b..=0x0c, "VT FF: down a row, same column", Unmodelled),
    (0x0d..=0x0d, "CR: to the start of the row", Applied),
    (0x0e..=0x0f, "SO SI: character sets", NoText),
    (0x10..=0x17, "DLE DC1-DC4 NAK SYN ETB", NoText),
    (0x18..=0x1a, "CAN SUB: cancel a sequence", NoText),
    (0x1b..=0x1b, "ESC: starts an escape (the parser's)", NoText),
    (0x1c..=0x1f, "FS GS RS US", NoText),
    (0x7f..=0x7f, "DEL: ignored by terminals", NoText),
];

/// Control sequences (`CSI ... final`), by final byte, without
/// intermediates.
pub(super) const CSI: &[Row] = &[
    (b'@'..=b'@', "ICH insert blanks", Applied),
    (b'A'..=b'B', "CUU CUD cursor up, down", Unmodelled),
    (b'C'..=b'C', "CUF cursor forward", Applied),
    (b'D'..=b'D', "CUB cursor back", Applied),
    (b'E'..=b'F', "CNL CPL next, previous line", Unmodelled),
    (b'G'..=b'G', "CHA column absolute", Applied),
    (b'H'..=b'H', "CUP cursor position", Unmodelled),
    (b'I'..=b'I', "CHT forward tabs", Applied),
    (
        b'J'..=b'J',
        "ED erase display: 0 as EL 0 (nothing is below), else unmodelled",
        Applied,
    ),
    (b'K'..=b'K', "EL erase in line", Applied),
    (b'L'..=b'M', "IL DL insert, delete lines", Unmodelled),
    (b'N'..=b'O', "(none in xterm)", NoText),
    (b'P'..=b'P', "DCH delete characters", Applied),
    (b'Q'..=b'R', "(none in xterm)", NoText),
    (b'S'..=b'T', "SU SD scroll", Unmodelled),
    (b'U'..=b'W', "(none in xterm)", NoText),
    (b'X'..=b'X', "ECH erase characters", Applied),
    (b'Y'..=b'Y', "(none in xterm)", NoText),
    (b'Z'..=b'Z', "CBT backward tabs", Applied),
    (b'['..=b']', "(none in xterm)", NoText),
    (b'^'..=b'^', "SD scroll down", Unmodelled),
    (b'_'..=b'_', "(none in xterm)", NoText),
    (b'`'..=b'`', "HPA column absolute", Applied),
    (b'a'..=b'a', "HPR column relative", Applied),
    (b'b'..=b'b', "REP repeat the last character", Applied),
    (b'c'..=b'c', "DA device attributes", NoText),
    (b'd'..=b'e', "VPA VPR row absolute, relative", Unmodelled),
    (b'f'..=b'f', "HVP cursor position", Unmodelled),
    (b'g'..=b'g', "TBC clear tab stops", Unmodelled),
    (b'h'..=b'h', "SM set mode: by mode (MODES)", Unmodelled),
    (b'i'..=b'i', "MC media copy", NoText),
    (b'j'..=b'k', "HPB VPB (not in xterm: ignored)", NoText),
    (b'l'..=b'l', "RM reset mode: by mode (MODES)", Unmodelled),
    (b'm'..=b'm', "SGR colours and attributes", NoText),
    (b'n'..=b'n', "DSR status report", NoText),
    (b'o'..=b'o', "(none in xterm)", NoText),
    (b'p'..=b'q', "DECSTR DECSCUSR and other settings", NoText),
    (
        b'r'..=b'r',
        "DECSTBM scroll region (the cursor goes home)",
        Unmodelled,
    ),
    (b's'..=b's', "SCOSC save cursor", Unmodelled),
    (b't'..=b't', "window operations", NoText),
    (b'u'..=b'u', "SCORC restore cursor", Unmodelled),
    (b'v'..=b'w', "(none in xterm)", NoText),
    (b'x'..=b'y', "DECREQTPARM DECTST", NoText),
    (b'z'..=b'~', "(none in xterm)", NoText),
];

/// Escapes (`ESC final`) without intermediates, by final byte.
pub(super) const ESC: &[Row] = &[
    (b'0'..=b'5', "(none in xterm)", NoText),
    (
        b'6'..=b'6',
        "DECBI back index (scrolls at the margin)",
        Unmodelled,
    ),
    (b'7'..=b'8', "DECSC DECRC save, restore cursor", Unmodelled),
    (
        b'9'..=b'9',
        "DECFI forward index (scrolls at the margin)",
        Unmodelled,
    ),
    (b':'..=b'<', "(none in xterm)", NoText),
    (b'='..=b'>', "DECKPAM DECKPNM keypad", NoText),
    (b'?'..=b'C', "(none in xterm)", NoText),
    (b'D'..=b'E', "IND NEL index, next line", Unmodelled),
    (b'F'..=b'F', "cursor to lower left", Unmodelled),
    (b'G'..=b'G', "(none in xterm)", NoText),
    (b'H'..=b'H', "HTS set a tab stop", Unmodelled),
    (b'I'..=b'L', "(none in xterm)", NoText),
    (b'M'..=b'M', "RI reverse index", Unmodelled),
    (b'N'..=b'O', "SS2 SS3 single shifts", NoText),
    (b'P'..=b'P', "DCS (the parser's)", NoText),
    (b'Q'..=b'U', "(none in xterm)", NoText),
    (b'V'..=b'W', "SPA EPA protected area", NoText),
    (b'X'..=b'X', "SOS (the parser's)", NoText),
    (b'Y'..=b'Y', "(none in xterm)", NoText),
    (b'Z'..=b'Z', "DECID identify", NoText),
    (b'['..=b'_', "CSI ST OSC PM APC (the parser's)", NoText),
    (b'`'..=b'b', "(none in xterm)", NoText),
    (
        b'c'..=b'c',
        "RIS full reset (clears the screen)",
        Unmodelled,
    ),
    (b'd'..=b'k', "(none in xterm)", NoText),
    (b'l'..=b'm', "memory lock, unlock", NoText),
    (b'n'..=b'o', "LS2 LS3 character sets", NoText),
    (b'p'..=b'{', "(none in xterm)", NoText),
    (b'|'..=b'~', "LS3R LS2R LS1R character sets", NoText),
];

/// One mode (`CSI Ps h`, `CSI ? Ps h`): DEC private or not, its numbers,
/// its name, what setting or resetting it does to drawn text.
pub(super) type ModeRow = (bool, RangeInclusive<u16>, &'static str, Effect);

/// The modes known to change no character a terminal draws (keys, mouse,
/// the cursor's look, colours, reports). Every other mode, set or reset,
/// is unmodelled: insert mode (IRM, `CSI 4 h`) makes each printed
/// character push the rest right (`\e[4h2XY\rPw4\rr1t\rSek` shows
/// `Sekr1tPw42XY`), LNM, autowrap, origin mode, the alternate screen and
/// VT52 mode change where or how text lands; an unknown one may too. A
/// mode stays in force across lines, so the stored-text guard
/// (`super::redraw`) keeps every later line with a control as drawn.
pub(super) const MODES: &[ModeRow] = &[
    (false, 2..=2, "KAM keyboard locked", NoText),
    (false, 12..=12, "SRM local echo of keys", NoText),
    (true, 1..=1, "DECCKM cursor keys", NoText),
    (
        true,
        4..=5,
        "DECSCLM DECSCNM smooth scroll, reverse video",
        NoText,
    ),
    (true, 8..=10, "DECARM X10 mouse, toolbar", NoText),
    (true, 12..=14, "cursor blinking", NoText),
    (true, 18..=19, "DECPFF DECPEX printing", NoText),
    (true, 25..=25, "DECTCEM cursor shown", NoText),
    (true, 30..=30, "scrollbar", NoText),
    (
        true,
        40..=40,
        "allow 80 to 132 columns (alone changes nothing)",
        NoText,
    ),
    (true, 44..=44, "margin bell", NoText),
    (true, 46..=46, "logging", NoText),
    (true, 66..=67, "DECNKM DECBKM keypad, backspace key", NoText),
    (
        true,
        1000..=1007,
        "mouse tracking, focus events, alternate scroll",
        NoText,
    ),
    (true, 1010..=1011, "scroll to bottom on output, key", NoText),
    (true, 1015..=1016, "mouse encodings", NoText),
    (true, 1034..=1037, "meta and keypad keys", NoText),
    (true, 1039..=1040, "alt key, keep selection", NoText),
    (true, 1042..=1043, "bell urgency, pop on bell", NoText),
    (true, 2004..=2004, "bracketed paste", NoText),
    (true, 2026..=2026, "synchronized output", NoText),
];

/// What setting or resetting the modes `params` does (`private`: after
/// `CSI ?`): unmodelled if any one is not a row of [`MODES`].
pub(super) fn modes(private: bool, params: impl IntoIterator<Item = u16>) -> Effect {
    let known = |mode: u16| {
        MODES.iter().any(|(p, numbers, _, effect)| {
            *p == private && numbers.contains(&mode) && *effect == NoText
        })
    };
    if params.into_iter().all(known) {
        NoText
    } else {
        Unmodelled
    }
}

/// The row of `byte` in `table`.
fn lookup(table: &[Row], byte: u8) -> Option<Effect> {
    table
        .iter()
        .find(|(bytes, _, _)| bytes.contains(&byte))
        .map(|(_, _, effect)| *effect)
}

/// A C0 control or DEL.
pub(super) fn c0(byte: u8) -> Effect {
    lookup(C0, byte).unwrap_or(NoText)
}

/// A control sequence. With an intermediate (`CSI SP @`, `CSI $ x`, `CSI
/// ' }`: shifts, rectangles, columns) only the settings `p` and `q` are
/// known to leave text alone; with a private marker (`CSI ? 25 h`) a row
/// that changes no text still changes none, erasing (`?K`, `?J`,
/// selective) is erasing, and anything else is unmodelled.
pub(super) fn csi(intermediates: &[u8], action: char) -> Effect {
    let Ok(byte) = u8::try_from(action) else {
        return Unmodelled;
    };
    let effect = lookup(CSI, byte).unwrap_or(Unmodelled);
    if intermediates.iter().any(|b| (0x20..=0x2f).contains(b)) {
        return if matches!(byte, b'p' | b'q') {
            NoText
        } else {
            Unmodelled
        };
    }
    if !intermediates.is_empty() {
        return match (effect, byte) {
            (NoText, _) | (Applied, b'J' | b'K') => effect,
            _ => Unmodelled,
        };
    }
    effect
}

/// An escape. With an intermediate: `#` (double-width lines, the
/// alignment test) is unmodelled, the rest choose character sets.
pub(super) fn esc(intermediates: &[u8], byte: u8) -> Effect {
    if intermediates.contains(&b'#') {
        return Unmodelled;
    }
    if !intermediates.is_empty() {
        return NoText;
    }
    lookup(ESC, byte).unwrap_or(Unmodelled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each byte a terminal may meet as a control has exactly one row.
    #[test]
    fn every_control_has_exactly_one_row() {
        let domains: [(&str, &[Row], Vec<u8>); 3] = [
            ("C0", C0, (0x00..=0x1f).chain([0x7f]).collect()),
            ("CSI", CSI, (0x40..=0x7e).collect()),
            ("ESC", ESC, (0x30..=0x7e).collect()),
        ];
        for (name, table, bytes) in domains {
            for byte in &bytes {
                let rows = table.iter().filter(|(r, _, _)| r.contains(byte)).count();
                assert_eq!(rows, 1, "{name} {byte:#04x} ({:?})", char::from(*byte));
            }
            for (range, what, _) in table {
                assert!(
                    range.clone().all(|b| bytes.contains(&b)),
                    "{name} row {what:?} outside its domain"
                );
            }
        }
    }

    /// Each mode has at most one row, and a mode without one (insert
    /// mode, LNM, autowrap, the alternate screen, an unknown one) is
    /// unmodelled whether set alone or among known ones.
    #[test]
    fn a_mode_without_a_row_is_unmodelled() {
        for private in [false, true] {
            let known = if private { 25 } else { 2 };
            for mode in 0..=u16::MAX {
                let rows = MODES
                    .iter()
                    .filter(|(p, numbers, _, _)| *p == private && numbers.contains(&mode))
                    .count();
                assert!(rows <= 1, "mode {mode} (private {private}) has {rows} rows");
                let want = if rows == 1 { NoText } else { Unmodelled };
                assert_eq!(modes(private, [mode]), want, "{mode} {private}");
                assert_eq!(modes(private, [known, mode]), want, "{mode} {private}");
            }
        }
        for (private, mode) in [
            (false, 4),
            (false, 20),
            (true, 7),
            (true, 6),
            (true, 1049),
            (true, 2),
        ] {
            assert_eq!(modes(private, [mode]), Unmodelled, "{mode} {private}");
        }
        assert_eq!(modes(false, [4, 20]), Unmodelled);
        assert_eq!(modes(true, [25, 2004]), NoText);
    }
}
