//! The line lexer against the installed `ssh -G`: every separator, quote
//! and white-space class ([`SPECIAL`]) at every position of a line
//! (before the keyword, replacing or beside the separator, inside the
//! value, at the end) for representative keywords and for `Host` and
//! `Match` lines, and every other byte from 0x01 to 0x7f at one position
//! each; each configuration is resolved by sshfleet and by `ssh -G`.
//! Where ssh refuses, sshfleet must refuse; where ssh reads it, sshfleet
//! must resolve the same (or refuse by design, a documented refusal).
//! Bytes 0x80 to 0xff alone are not UTF-8: sshfleet refuses such a file,
//! naming it ([`lone_high_bytes_are_refused_naming_the_file`]).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;

/// The byte classes OpenSSH's reader treats specially (or that a Unicode
/// reader would): separators, quotes, escapes, comments, the white space
/// only `process_config_line`'s end strip knows (form feed), and white
/// space OpenSSH does not know (NBSP, VT, U+3000, U+2028, NEL).
const SPECIAL: &[&str] = &[
    " ", "\t", "\r", "\n", "=", "\"", "'", "\\", "#", "\u{c}", "\u{b}", "\u{a0}", "\u{3000}",
    "\u{2028}", "\u{85}", "==", "= =", "\"\"", " = ",
];

/// Lines whose reading shows in what `ssh -G` prints for host `alpha`.
const TEMPLATES: &[&str] = &[
    "User foo",
    "HostName other",
    "Port 2222",
    "IdentityFile /k/x",
    "ProxyCommand nc %h %p",
    "Host alpha\n  User q",
    "Match host alpha\n  User q",
    "Match host alpha user root\n  User q",
];

/// The lines made by putting `insert` at each position of `template`'s
/// first line: its start, each word's end and start, inside the second
/// word, its end, and in place of each separating space.
fn variants(template: &str, insert: &str) -> Vec<String> {
    let (first, more) = template.split_once('\n').unwrap_or((template, ""));
    let more = if more.is_empty() {
        String::new()
    } else {
        format!("\n{more}")
    };
    let mut points = vec![0, first.len()];
    for (i, c) in first.char_indices() {
        if c == ' ' {
            points.push(i);
            points.push(i + 1);
        }
    }
    // Inside the value: after its first character.
    if let Some(space) = first.find(' ') {
        points.push(space + 2);
    }
    points.sort_unstable();
    points.dedup();
    let mut out: Vec<String> = points
        .iter()
        .map(|&p| format!("{}{insert}{}{more}", &first[..p], &first[p..]))
        .collect();
    for (i, c) in first.char_indices() {
        if c == ' ' {
            out.push(format!("{}{insert}{}{more}", &first[..i], &first[i + 1..]));
        }
    }
    out
}

/// Every case: the special classes everywhere in every template, every
/// other byte 0x01..0x7f once, at a position that turns with the byte.
/// Every position of every template for every class is a case when
/// `SSHFLEET_LEXER_ALL` is set (about 1400); by default a quarter of them,
/// turning with the class and the template so that each class meets
/// every template and every kind of position.
fn cases() -> Vec<String> {
    let all = std::env::var_os("SSHFLEET_LEXER_ALL").is_some();
    let mut out = Vec::new();
    for (i, insert) in SPECIAL.iter().enumerate() {
        for (j, template) in TEMPLATES.iter().enumerate() {
            let made = variants(template, insert).into_iter().enumerate();
            out.extend(
                made.filter(|(k, _)| all || (i + j + k) % 4 == 0)
                    .map(|(_, v)| v),
            );
        }
    }
    for byte in 1u8..0x80 {
        let insert = (byte as char).to_string();
        if SPECIAL.contains(&insert.as_str()) {
            continue;
        }
        let template = TEMPLATES[byte as usize % TEMPLATES.len()];
        let all = variants(template, &insert);
        out.push(all[byte as usize % all.len()].clone());
    }
    out
}

#[test]
fn the_case_table_covers_every_ascii_byte() {
    let cases = cases();
    for byte in 1u8..0x80 {
        let c = byte as char;
        assert!(
            cases.iter().any(|case| case.contains(c)),
            "no case has byte {byte:#04x}"
        );
    }
    for special in SPECIAL {
        for template in TEMPLATES {
            let first = template.lines().next().unwrap();
            let word = first.split(' ').nth(1).unwrap();
            assert!(
                cases
                    .iter()
                    .any(|c| c.contains(special) && c.contains(&word[1..])),
                "no case puts {special:?} in {template:?}"
            );
        }
    }
}

/// One case: sshfleet's reading against `ssh -G`'s, `None` when they agree.
fn differs(ssh: &Path, dir: &Path, case: &str) -> Option<String> {
    let config = dir.join("config");
    std::fs::write(&config, format!("{case}\n")).unwrap();
    let ours = SshConfig::load(&config)
        .map_err(|e| e.to_string())
        .and_then(|c| c.lookup("alpha", None).map_err(|e| e.to_string()));
    let theirs = super::generated::ssh_g(ssh, &config, "alpha");
    let problem = match (&ours, &theirs) {
        (Err(_), Err(_)) => return None,
        (Err(e), Ok(_)) if super::generated::documented_refusal(e) => return None,
        (Err(e), Ok(_)) => format!("sshfleet refused, ssh -G did not: {e}"),
        (Ok(_), Err(e)) => format!("ssh -G refused, sshfleet did not: {}", e.trim()),
        (Ok(ours), Ok(theirs)) => {
            let d = super::generated::compare(ours, theirs, "alpha");
            if d.is_empty() {
                return None;
            }
            d.join("; ")
        }
    };
    Some(format!("{case:?}: {problem}"))
}

#[test]
fn every_separator_quote_and_space_class_reads_as_ssh_g_reads_it() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let cases = cases();
    let workers = 4;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (ssh, cases) = (&ssh, &cases);
                scope.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    cases
                        .iter()
                        .skip(w)
                        .step_by(workers)
                        .filter_map(|case| differs(ssh, dir.path(), case))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    eprintln!("lexer cases: {}", cases.len());
    assert!(cases.len() > 300, "too few cases: {}", cases.len());
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// A byte 0x80..0xff that is not part of a UTF-8 character: `ssh` reads
/// it as a byte; sshfleet refuses the file, naming it (exit 5), rather
/// than read it as something else.
#[test]
fn lone_high_bytes_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    for byte in 0x80u8..=0xff {
        let mut text = b"Host alpha".to_vec();
        text.insert(usize::from(byte) % 10, byte);
        text.extend_from_slice(b"\n  User q\n");
        std::fs::write(&config, &text).unwrap();
        let error = SshConfig::load(&config).unwrap_err().to_string();
        assert!(
            error.contains("not UTF-8") && error.contains(&config.display().to_string()),
            "{byte:#x}: {error}"
        );
    }
}
