//! What a host sends, on its way to a terminal, a transcript or a
//! recording: escaped completely, decoded the same however it is cut into
//! packets, and with no secret left however the secret is cut or dressed
//! in terminal escapes.

use proptest::prelude::*;

use super::{ATOMS, config, mutated};
use crate::session::transcript::{Direction, Transcript};
use crate::support::sanitize::{Utf8Chunks, escape, escape_for_terminal, escape_json_text};
use crate::support::secrets::Secrets;

/// Any text, weighted towards what terminals and parsers care about.
fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        prop::collection::vec(prop::sample::select(ATOMS), 0..24).prop_map(|a| a.concat()),
    ]
}

/// `text` cut at `cuts` (byte offsets, any order): the packets it came in.
fn packets(text: &[u8], cuts: &[prop::sample::Index]) -> Vec<Vec<u8>> {
    cut_at(text, cuts.iter().map(|c| c.index(text.len() + 1)).collect())
}

/// `text` cut at `cuts` moved to character boundaries: the chunks the
/// session's decoder hands on (it never splits a character).
fn chunks(text: &str, cuts: &[prop::sample::Index]) -> Vec<String> {
    let at = cuts
        .iter()
        .map(|c| {
            let mut at = c.index(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        })
        .collect();
    cut_at(text.as_bytes(), at)
        .into_iter()
        .map(|b| String::from_utf8(b).unwrap())
        .collect()
}

fn cut_at(text: &[u8], mut at: Vec<usize>) -> Vec<Vec<u8>> {
    at.push(0);
    at.push(text.len());
    at.sort_unstable();
    at.dedup();
    at.windows(2).map(|w| text[w[0]..w[1]].to_vec()).collect()
}

/// Terminal controls an appliance may put between a secret's characters.
const DRESSING: &[&str] = &[
    "",
    "",
    "",
    "\u{1b}[0m",
    "\u{1b}[1;31m",
    "\u{1b}]0;title\u{7}",
    "\u{9b}2K",
    "\r",
    "\u{0}",
    "\u{1b}(B",
];

#[test]
fn escaped_text_has_no_control_and_stays_bounded() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&hostile_text(), |text| {
            let escaped = escape(&text);
            prop_assert!(!escaped.chars().any(char::is_control), "{escaped:?}");
            prop_assert!(escaped.len() <= text.len() * 10 + 1);
            let terminal = escape_for_terminal(&text);
            prop_assert!(
                !terminal
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t'),
                "{terminal:?}"
            );
            // Escaping is done once: escaped text is left as it is.
            prop_assert_eq!(escape_for_terminal(&escaped), escaped.clone());
            let json = serde_json::to_string(&serde_json::json!({ "t": text })).unwrap();
            let safe = escape_json_text(&json);
            prop_assert!(!safe.chars().any(char::is_control), "{safe:?}");
            let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
            prop_assert_eq!(back["t"].as_str(), Some(text.as_str()));
            Ok(())
        })
        .unwrap();
}

#[test]
fn bytes_decode_the_same_however_they_are_cut() {
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let input = (
        prop_oneof![
            any::<Vec<u8>>(),
            hostile_text().prop_map(String::into_bytes)
        ],
        prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    );
    runner
        .run(&input, |(bytes, cuts)| {
            let whole = Utf8Chunks::default().decode(&bytes);
            let mut decoder = Utf8Chunks::default();
            let cut: String = packets(&bytes, &cuts)
                .iter()
                .map(|p| decoder.decode(p))
                .collect();
            // A character cut short at the very end waits for more.
            prop_assert!(whole.starts_with(&cut) || cut == whole, "{whole:?} {cut:?}");
            prop_assert!(whole.len() <= bytes.len() * 4 + 4);
            Ok(())
        })
        .unwrap();
}

#[test]
fn clixml_from_a_host_never_panics() {
    const CLIXML: &[&str] = &[
        "#< CLIXML\r\n<Objs Version=\"1.1.0.1\" xmlns=\"http://schemas.microsoft.com/powershell/2004/04\"><S S=\"Error\">Access denied_x000D__x000A_</S><S S=\"Error\">again_x001B_[2J</S></Objs>",
        "plain\r\n#< CLIXML\r\n<Objs><Obj S=\"progress\"><TN RefId=\"0\"><T>x</T></TN></Obj></Objs>tail",
    ];
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&mutated(CLIXML), |text| {
            let out = crate::session::clixml::to_text(&text);
            prop_assert!(out.len() <= text.len() * 8 + 16);
            Ok(())
        })
        .unwrap();
}

#[test]
fn redaction_is_complete_however_the_text_is_cut() {
    let input = (
        // Long enough not to be a word of the transcript's own lines.
        "[A-Za-z][A-Za-z0-9!#%&+.:@^_-]{5,15}",
        prop::collection::vec(prop::sample::select(DRESSING), 16),
        hostile_text(),
        hostile_text(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    );
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&input, |(secret, dressing, before, after, cuts)| {
            // The secret as an appliance may echo it: controls between
            // its characters, text around it.
            let mut echoed = String::new();
            for (i, c) in secret.chars().enumerate() {
                if i > 0 {
                    echoed.push_str(dressing[i % dressing.len()]);
                }
                echoed.push(c);
            }
            let text = format!("{before}{echoed}{after}");
            let mut secrets = Secrets::default();
            secrets.add(&secret);

            // The redactor, chunk by chunk.
            let mut held = String::new();
            let mut kept = String::new();
            for chunk in chunks(&text, &cuts) {
                kept.push_str(&secrets.redact_streamed(&mut held, &chunk));
            }
            kept.push_str(&held);
            prop_assert!(!kept.contains(secret.as_str()), "{kept:?}");
            prop_assert_eq!(
                secrets.redact(&kept),
                std::borrow::Cow::Borrowed(kept.as_str())
            );

            // The transcript, as it stores and renders a session.
            let mut transcript = Transcript::new();
            transcript.add_secret(&secret);
            for chunk in chunks(&text, &cuts) {
                transcript.record(Direction::Received, &chunk);
            }
            transcript.record(Direction::Sent, "exit");
            let rendered = transcript.render();
            prop_assert!(!rendered.contains(secret.as_str()), "{rendered:?}");
            prop_assert!(
                !rendered.contains(&crate::support::escape::unmasked(&secret)),
                "{rendered:?}"
            );
            Ok(())
        })
        .unwrap();
}

/// One character of a password, from every class a terminal treats
/// apart: letters and digits, punctuation, space, non-ASCII letters, and
/// the controls (tab, line feed, carriage return, backspace, escape, DEL,
/// C1 controls, an 8-bit CSI).
fn password_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => prop::sample::select(
            "abcxyzABCXYZ0123456789".chars().collect::<Vec<_>>()
        ),
        2 => prop::sample::select(r##"!"#$%&'()*+,-./:;=?@[\]^_`{|}~ "##.chars().collect::<Vec<_>>()),
        1 => prop::sample::select(vec!['é', 'ü', 'Ω', 'ж', '中', '\u{301}']),
        2 => prop::sample::select(vec![
            '\t', '\n', '\r', '\u{8}', '\u{1b}', '\u{7f}', '\u{85}', '\u{90}', '\u{9b}', '\u{9c}',
        ]),
    ]
}

#[test]
fn a_password_of_any_characters_echoed_leaves_no_fragment_in_any_stored_text() {
    let input = (
        prop::collection::vec(password_char(), 6..20),
        prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    );
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(&input, |(password, cuts)| {
            let password: String = password.into_iter().collect();
            // The appliance echoes it on a line of its own, in packets.
            let text = format!("<<{password}>>\r\nesa01> ");
            let mut transcript = Transcript::new();
            transcript.add_secret(&password);
            let packets = packets(text.as_bytes(), &cuts);
            let mut decoder = Utf8Chunks::default();
            for packet in &packets {
                transcript.record(Direction::Received, &decoder.decode(packet));
            }
            transcript.record(Direction::Sent, "exit");
            let secrets = transcript.secrets();
            // What the engine read, as results quote it (a finding's
            // evidence), then as the report and the terminal hold it.
            let packets: Vec<&[u8]> = packets.iter().map(Vec::as_slice).collect();
            let screen = crate::session::screen::shown(&packets);
            let evidence = secrets.redact(&screen).into_owned();
            let stored = [
                ("transcript", transcript.render()),
                ("evidence", evidence.clone()),
                ("report", escape(&evidence).into_owned()),
                ("terminal", escape_for_terminal(&evidence).into_owned()),
            ];
            // No text holds the password, as sent or as quoted, nor a run
            // of four characters or more between its controls.
            let mut revealing = vec![
                password.clone(),
                password.escape_debug().to_string(),
                crate::support::escape::unmasked(&password),
            ];
            revealing.extend(
                password
                    .split(char::is_control)
                    .filter(|run| run.chars().count() >= crate::support::secrets::MIN_SHOWN)
                    .map(str::to_string),
            );
            for (what, text) in &stored {
                for form in &revealing {
                    prop_assert!(
                        !text.contains(form.as_str()),
                        "{form:?} in {what}: {text:?}"
                    );
                }
            }
            Ok(())
        })
        .unwrap();
}

/// How a host goes back over a decoy it printed inside a secret, as a
/// terminal applies it: the secret is whole on the screen, never in the
/// bytes.
#[derive(Debug, Clone, Copy)]
enum Redraw {
    Backspaces,
    CursorLeft,
    CursorLeftThenEraseInLine,
    ReturnAndReprint,
    ColumnAbsolute,
}

const REDRAWS: [Redraw; 5] = [
    Redraw::Backspaces,
    Redraw::CursorLeft,
    Redraw::CursorLeftThenEraseInLine,
    Redraw::ReturnAndReprint,
    Redraw::ColumnAbsolute,
];

/// `secret` printed after `prefix` in pieces cut at `cuts`, each followed
/// by a decoy of one to three letters the next redraw goes back over; or,
/// `later_first`, its second part printed first at its column and the
/// first part after a carriage return.
fn redrawn(
    prefix: &str,
    secret: &str,
    cuts: &[prop::sample::Index],
    redraws: &[(prop::sample::Index, usize)],
    later_first: bool,
) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let mut at: Vec<usize> = cuts.iter().map(|c| 1 + c.index(chars.len() - 1)).collect();
    at.sort_unstable();
    at.dedup();
    if later_first {
        let (first, rest) = chars.split_at(at[0]);
        let first: String = first.iter().collect();
        let rest: String = rest.iter().collect();
        return format!("{prefix}\u{1b}[{}C{rest}\r{prefix}{first}", first.len());
    }
    let mut out = prefix.to_string();
    let mut start = 0;
    for (i, end) in at.iter().copied().chain([chars.len()]).enumerate() {
        out.extend(&chars[start..end]);
        start = end;
        if end == chars.len() {
            break;
        }
        let (kind, len) = &redraws[i % redraws.len()];
        let decoy = "QXZ".get(..*len).unwrap_or("Q");
        out.push_str(decoy);
        let d = decoy.len();
        match REDRAWS[kind.index(REDRAWS.len())] {
            Redraw::Backspaces => out.push_str(&"\u{8}".repeat(d)),
            Redraw::CursorLeft => out.push_str(&format!("\u{1b}[{d}D")),
            Redraw::CursorLeftThenEraseInLine => out.push_str(&format!("\u{1b}[{d}D\u{1b}[K")),
            Redraw::ReturnAndReprint => {
                out.push('\r');
                out.push_str(prefix);
                out.extend(&chars[..end]);
            }
            Redraw::ColumnAbsolute => {
                out.push_str(&format!("\u{1b}[{}G", prefix.len() + end + 1));
            }
        }
    }
    out
}

/// Other ways a terminal shows a secret the bytes do not spell: the
/// secret with characters drawn as nothing between its pieces, or its
/// pieces printed last first in insert mode (set on the line itself or
/// on the line before), each at the column after the prefix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hidden {
    Redrawn,
    Invisible,
    InsertMode,
    InsertModeBefore,
}

const HIDDEN: [Hidden; 4] = [
    Hidden::Redrawn,
    Hidden::Invisible,
    Hidden::InsertMode,
    Hidden::InsertModeBefore,
];

/// Characters a terminal draws as nothing that hosts were seen to use.
const INVISIBLE: [char; 6] = [
    '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{feff}', '\u{34f}',
];

/// `secret` after `prefix`, hidden as `how` (not [`Hidden::Redrawn`]),
/// cut at `cuts`.
fn hidden(prefix: &str, secret: &str, cuts: &[prop::sample::Index], how: Hidden) -> String {
    let chars: Vec<char> = secret.chars().collect();
    let mut at: Vec<usize> = cuts.iter().map(|c| 1 + c.index(chars.len() - 1)).collect();
    at.sort_unstable();
    at.dedup();
    let bounds: Vec<usize> = [0].into_iter().chain(at).chain([chars.len()]).collect();
    let pieces: Vec<String> = bounds
        .windows(2)
        .map(|w| chars[w[0]..w[1]].iter().collect())
        .collect();
    match how {
        Hidden::Redrawn => unreachable!("see redrawn"),
        Hidden::Invisible => {
            let mut out = prefix.to_string();
            for (i, piece) in pieces.iter().enumerate() {
                if i > 0 {
                    out.push(INVISIBLE[(i + chars.len()) % INVISIBLE.len()]);
                }
                out.push_str(piece);
            }
            out
        }
        Hidden::InsertMode | Hidden::InsertModeBefore => {
            let column = prefix.chars().count() + 1;
            let mut out = if how == Hidden::InsertMode {
                format!("{prefix}\u{1b}[4h")
            } else {
                format!("{prefix}\u{1b}[4h\r\n{prefix}")
            };
            let (last, earlier) = pieces.split_last().unwrap();
            out.push_str(last);
            for piece in earlier.iter().rev() {
                out.push_str(&format!("\u{1b}[{column}G{piece}"));
            }
            out.push_str("\u{1b}[4l");
            out
        }
    }
}

/// `text` as a terminal draws it, for the runs a reader sees: without
/// the characters drawn as nothing, raw or escaped (`\u{200b}`).
fn as_drawn(text: &str) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| !crate::support::escape::draws_as_nothing(*c))
        .collect();
    for c in INVISIBLE {
        out = out.replace(&format!("\\u{{{:x}}}", u32::from(c)), "");
    }
    out
}

#[test]
fn a_secret_redrawn_on_the_screen_leaves_no_run_of_it_in_any_stored_text() {
    let input = (
        "[a-z][a-z0-9]{7,13}",
        prop::collection::vec(any::<prop::sample::Index>(), 1..4),
        prop::collection::vec((any::<prop::sample::Index>(), 1..4usize), 1..4),
        prop::bool::weighted(0.2),
        prop::collection::vec(any::<prop::sample::Index>(), 0..8),
        any::<prop::sample::Index>(),
    );
    let mut runner = proptest::test_runner::TestRunner::new(config());
    runner
        .run(
            &input,
            |(secret, cuts, redraws, later_first, packets, how)| {
                let how = HIDDEN[how.index(HIDDEN.len())];
                let line = match how {
                    Hidden::Redrawn => redrawn("V: ", &secret, &cuts, &redraws, later_first),
                    _ => hidden("V: ", &secret, &cuts, how),
                };
                let text = format!("OK\r\n{line}\r\nESA01> ");
                // What a terminal shows: the secret, whole (a decoy longer
                // than what follows it may trail).
                let want = format!("V: {secret}");
                let shown = crate::session::screen::shown(&[text.as_bytes()]);
                prop_assert!(as_drawn(&shown).contains(&want), "{shown:?}");
                // A line drawn in insert mode is stored as a fresh row draws
                // it, pieces of it masked: not `V: ***` whole.
                let in_insert_mode = matches!(how, Hidden::InsertMode | Hidden::InsertModeBefore);
                let mut transcript = Transcript::new();
                transcript.add_secret(&secret);
                transcript.start_recording();
                transcript.recording(|r, s| r.login(s));
                let chunks = chunks(&text, &packets);
                for chunk in &chunks {
                    transcript.record(Direction::Received, chunk);
                    transcript.recording(|r, s| r.out(chunk, s));
                }
                transcript.recording(|r, s| r.command("QUIT", s));
                transcript.record(Direction::Sent, "QUIT\n");
                let recorded: String = transcript
                    .take_recording()
                    .unwrap()
                    .exchanges
                    .iter()
                    .flat_map(|e| &e.events)
                    .filter_map(|t| match &t.event {
                        sshfleet_recording::Event::Out(text) => Some(text.as_str()),
                        _ => None,
                    })
                    .collect();
                // The transcript's received text (its stamps are not the host's).
                let rendered = transcript.render();
                let received: String = rendered
                    .lines()
                    .filter_map(|l| l.split_once(" << ").map(|(_, text)| text))
                    .collect::<Vec<_>>()
                    .join("\n");
                let recording_shown = crate::session::screen::shown(&[recorded.as_bytes()]);
                // Still replayable: the prompt and the line, masked, are there.
                prop_assert!(
                    recording_shown.ends_with("\nESA01> "),
                    "{recording_shown:?}"
                );
                prop_assert!(
                    in_insert_mode || recording_shown.contains("V: ***"),
                    "{recording_shown:?}"
                );
                let chunks: Vec<&[u8]> = chunks.iter().map(|c| c.as_bytes()).collect();
                let evidence = transcript
                    .secrets()
                    .redact(&crate::session::screen::shown(&chunks))
                    .into_owned();
                let stored = [
                    ("transcript", received),
                    ("recording", recorded.clone()),
                    ("recording as shown", recording_shown),
                    ("evidence", evidence.clone()),
                    ("report", escape(&evidence).into_owned()),
                    ("terminal", escape_for_terminal(&evidence).into_owned()),
                ];
                let chars: Vec<char> = secret.chars().collect();
                for (what, text) in &stored {
                    // Insert mode never reaches stored text: replayed, it
                    // would draw the pieces into the secret again.
                    prop_assert!(
                        !text.contains("\u{1b}[4h"),
                        "insert mode in {what}: {text:?} (sent {line:?})"
                    );
                    let text = as_drawn(text);
                    for run in chars.windows(crate::support::secrets::MIN_SHOWN) {
                        let run: String = run.iter().collect();
                        prop_assert!(
                            !text.contains(&run),
                            "{run:?} in {what}: {text:?} (sent {line:?})"
                        );
                    }
                }
                Ok(())
            },
        )
        .unwrap();
}
