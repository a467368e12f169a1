//! Generated value checks: for every keyword whose value OpenSSH parses
//! (numbers, times, masks, sizes, DSCP values, algorithm lists, agent
//! options), values are generated from its grammar (valid, edge and
//! invalid: leading white space, signs, octal, hex, suffixes, huge
//! numbers, trailing commas) and each one-line configuration is read by
//! sshfleet and by the installed `ssh -G`. Acceptance must agree, unless
//! sshfleet refuses by design (a documented refusal, exit 5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

use super::keywords::{self, Class};
use super::values::Value;
use super::*;

/// Values every number-like keyword gets.
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "5",
    "15",
    "16",
    "022",
    "01024",
    "1024",
    " 5",
    "+5",
    "-1",
    "-0",
    "0x10",
    "0x",
    "010",
    "0999",
    "7abc",
    "2147483647",
    "2147483648",
    "99999999999999999999",
    "5m",
    "1h30m",
    "5 m",
    "5x",
    "1K",
    "1.5G",
    "1T",
    "1KB",
    "1K!",
    "none",
    "default",
    "yes",
    "af11",
    "AF11",
    "ef 0x20",
    "5m 5",
    "",
];

/// Extra values for keywords with a grammar of their own.
fn specific(name: &str) -> &'static [&'static str] {
    match name {
        "addkeystoagent" => &[
            "yes 5m",
            "confirm 5m",
            "ask confirm",
            "confirm",
            "no 5m",
            "5m confirm",
            "CONFIRM 1h",
        ],
        "rekeylimit" => &["1G 1h", "default none", "16 default", "0 0", "1G 1h 1"],
        "ciphers"
        | "macs"
        | "kexalgorithms"
        | "hostkeyalgorithms"
        | "pubkeyacceptedalgorithms"
        | "casignaturealgorithms" => &[",", "+", "-", "^", "+,", "^,", "-,", ",,"],
        "port" => &["22", " 22", "65535", "65536", "+22", "0x16"],
        "localforward" | "remoteforward" | "dynamicforward" => &[
            "h:0",
            "0",
            "1080",
            "h:1080",
            "*:1080",
            "[::1]:1080",
            "[::1]1080",
            "[a:1",
            "0 h:2",
            "1 h:0",
            "1 h:2",
            "1 h:ssh",
            "ssh h:22",
            "1 [::1]:22",
            "1 h:2:3",
            "a:b:c",
            "/a /b",
            "/a h:22",
            "1 /b",
            "h:1 /b",
            "1 h",
            "\\:1",
            "1 h\\:2",
            "65536 h:1",
            "1 h:65536",
            "-1 h:1",
            "+1 h:1",
            "1 h:2 3",
            "${HOME}/s h:1",
            "${UNSET_G24C_VAR} h:1",
            "1:h:2",
            "b:1:h:2",
            "b:1:h:2:3",
        ],
        "sendenv" => &["A", "A=B", "-A", "A*", "A B=C", "=", "LC_*"],
        "canonicaldomains" => &[
            "a.example",
            "a..b",
            "a.",
            "_a",
            "a_b",
            "none",
            "NONE",
            "a none",
            "none a",
            "-a",
            "a-",
            "1.2",
            "a/b",
            "a b",
        ],
        "tunneldevice" => &[
            "any",
            "ANY:1",
            "1:-0",
            "2147483645",
            "2147483646",
            "1:2147483646",
        ],
        _ => &[],
    }
}

/// A value that suits this keyword's list (an algorithm of its kind).
fn list_values(name: &str) -> &'static [&'static str] {
    let first = match name {
        "ciphers" => "aes128-ctr",
        "macs" => "hmac-sha2-256",
        "kexalgorithms" => "curve25519-sha256",
        "hostkeyalgorithms" | "pubkeyacceptedalgorithms" | "casignaturealgorithms" => "ssh-ed25519",
        _ => return &[],
    };
    // Leaked once per keyword: a handful of short strings for the test.
    let made: Vec<&'static str> = [
        format!("{first},"),
        format!(",{first}"),
        format!("{first},,{first}"),
        format!("+{first},"),
        format!("-{first},"),
        format!("^{first},"),
    ]
    .into_iter()
    .map(|s| &*Box::leak(s.into_boxed_str()))
    .collect();
    Box::leak(made.into_boxed_slice())
}

/// The keywords whose value is more than a word from a list.
fn parsed(row: &keywords::Keyword) -> bool {
    matches!(
        row.value,
        Value::Int
            | Value::Time
            | Value::Check(_)
            | Value::IpQos
            | Value::FlagOrTime
            | Value::Forward(_)
    ) || !list_values(row.name).is_empty()
        || row.name == "port"
}

fn ssh_accepts(ssh: &std::path::Path, config: &std::path::Path) -> Result<(), String> {
    let out = Command::new(ssh)
        .args(["-G", "-F"])
        .arg(config)
        .arg("h")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

#[test]
fn generated_values_are_accepted_as_ssh_g_accepts_them() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let mut failures = Vec::new();
    let mut cases = 0;
    let rows = keywords::KEYWORDS
        .iter()
        .filter(|r| parsed(r) && super::table_tests::installed_ssh_reads(r))
        .filter(|r| !matches!(r.class, Class::Alias(_) | Class::Ignored(_)));
    for row in rows {
        let values = NUMBERS
            .iter()
            .chain(specific(row.name))
            .chain(list_values(row.name));
        for value in values {
            // Quoted, so that a leading space or an empty value is the
            // argument, as a user would write it.
            let text = format!("Host h\n  {} \"{value}\"\n", row.name);
            std::fs::write(&config, &text).unwrap();
            cases += 1;
            let ours = SshConfig::load(&config)
                .map_err(|e| e.to_string())
                .and_then(|c| c.lookup("h", None).map_err(|e| e.to_string()));
            // Several words: unquoted, as two arguments.
            let ours = if value.contains(' ') && !value.starts_with(' ') {
                let text = format!("Host h\n  {} {value}\n", row.name);
                std::fs::write(&config, &text).unwrap();
                SshConfig::load(&config)
                    .map_err(|e| e.to_string())
                    .and_then(|c| c.lookup("h", None).map_err(|e| e.to_string()))
            } else {
                ours
            };
            let theirs = ssh_accepts(&ssh, &config);
            let problem = match (&ours, &theirs) {
                (Ok(_), Err(e)) => Some(format!("ssh -G refused, sshfleet accepted: {e}")),
                (Err(e), Ok(_)) if !super::generated::documented_refusal(e) => {
                    Some(format!("sshfleet refused, ssh -G accepted: {e}"))
                }
                _ => None,
            };
            if let Some(problem) = problem {
                failures.push(format!(
                    "{}: {problem}",
                    std::fs::read_to_string(&config).unwrap().trim()
                ));
            }
        }
    }
    eprintln!("generated values: {cases}");
    assert!(cases > 500, "too few cases: {cases}");
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every word OpenSSH 9.2 reads as a value somewhere (readconf.c's
/// multistate tables, `ControlPersist`'s and `none`'s `strcmp` words,
/// digest-openssl.c's hash names, log.c's levels and facilities,
/// `EscapeChar`'s forms), and near misses of them. Each is tried for every
/// keyword, as written and upper-cased: the class "which
/// spellings does this keyword take" is this table times the keyword table.
const WORDS: &[&str] = &[
    "true",
    "false",
    "yes",
    "no",
    "ask",
    "off",
    "accept-new",
    "confirm",
    "inet",
    "inet6",
    "any",
    "auto",
    "autoask",
    "ethernet",
    "point-to-point",
    "force",
    "none",
    "subsystem",
    "default",
    "always",
    "unbound",
    "host-bound",
    "md5",
    "sha1",
    "sha256",
    "sha384",
    "sha512",
    "quiet",
    "fatal",
    "error",
    "info",
    "verbose",
    "debug",
    "debug1",
    "debug2",
    "debug3",
    "daemon",
    "user",
    "auth",
    "authpriv",
    "local0",
    "local7",
    "0",
    "5m",
    "1H",
    // Near misses.
    "yess",
    "ye",
    "y",
    "1",
    "on",
    "accept",
    "acceptnew",
    "inet4",
    "sha",
    "sha-256",
    "sha2",
    "silent",
    "debug4",
    "local8",
    "nonee",
    "point",
    "hostbound",
    // EscapeChar's forms and near misses.
    "~",
    "^a",
    "^?",
    "^@",
    "^~",
    "^",
    "ab",
    "\u{e9}",
    "^\u{e9}",
    "\u{7f}",
];

/// The spellings of `word` tried: as written and upper-cased.
fn spellings(word: &str) -> Vec<String> {
    let mut out = vec![word.to_string(), word.to_ascii_uppercase()];
    out.dedup();
    out
}

/// The lines `ssh -G` refuses in `config` (numbers, from its
/// `line N` messages), or `None` when it stopped at a fatal error before
/// reading every line (then each line is asked for alone).
fn refused_lines(ssh: &std::path::Path, config: &std::path::Path) -> Option<Vec<usize>> {
    let out = Command::new(ssh)
        .args(["-G", "-F"])
        .arg(config)
        .arg("h")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.success() {
        return Some(Vec::new());
    }
    if !stderr.contains("bad configuration options") {
        return None;
    }
    let mut lines: Vec<usize> = stderr
        .lines()
        .filter_map(|l| {
            let after = l.split("line ").nth(1)?;
            after
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect();
    lines.dedup();
    Some(lines)
}

/// Whether sshfleet reads `line` (in a block that applies to no host, as
/// OpenSSH checks a value in every block).
fn sshfleet_reads(line: &str) -> Result<(), String> {
    SshConfig::parse(
        &format!("Host zz-none\n{line}\n"),
        std::path::Path::new("c"),
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}

#[test]
fn every_keyword_takes_the_spellings_ssh_g_takes() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let (mut cases, mut failures) = (0, Vec::new());
    let rows = keywords::KEYWORDS.iter().filter(|r| {
        super::table_tests::installed_ssh_reads(r)
            && !matches!(r.class, Class::Ignored(_))
            && !matches!(r.value, Value::Structure)
            && r.name != "ignoreunknown"
    });
    for row in rows {
        let values: Vec<String> = WORDS.iter().flat_map(|w| spellings(w)).collect();
        // Line 1 is the block; value i is on line i + 2.
        let text: String = std::iter::once("Host zz-none".to_string())
            .chain(values.iter().map(|v| format!("{} {v}", row.name)))
            .map(|l| l + "\n")
            .collect();
        std::fs::write(&config, &text).unwrap();
        let refused = refused_lines(&ssh, &config);
        for (i, value) in values.iter().enumerate() {
            cases += 1;
            let line = format!("{} {value}", row.name);
            let theirs = match &refused {
                Some(lines) => !lines.contains(&(i + 2)),
                None => {
                    std::fs::write(&config, format!("Host zz-none\n{line}\n")).unwrap();
                    refused_lines(&ssh, &config).is_some_and(|l| l.is_empty())
                }
            };
            let ours = sshfleet_reads(&line);
            let by_design = theirs
                && ours
                    .as_ref()
                    .is_err_and(|e| super::generated::documented_refusal(e));
            if ours.is_ok() != theirs && !by_design {
                failures.push(format!(
                    "`{line}`: ssh -G accepts: {theirs}; sshfleet: {ours:?}"
                ));
            }
        }
    }
    eprintln!("keyword spellings: {cases}");
    assert!(cases > 10000, "too few cases: {cases}");
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Each word a choice keyword takes (its case is checked above), and
/// times and numbers in their forms (units, octal-looking, signs, white
/// space), resolved by sshfleet and by `ssh -G`: the value each prints must be the same
/// (`yes` and `true` are one value; `off` is `false`), unless sshfleet
/// refuses the value by design (a documented refusal).
#[test]
fn every_choice_time_and_number_resolves_as_ssh_g_resolves_it() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let mut cases = Vec::new();
    for row in keywords::KEYWORDS
        .iter()
        .filter(|r| super::table_tests::installed_ssh_reads(r))
    {
        let values: &[&str] = match row.value {
            Value::Choice(choices) => choices,
            Value::Time => &["0", "10", "1h30m", "5M", "1w2d", "none", "010", " 7"],
            Value::Int => &["0", "3", "010", "+5", " 2", "2147483647"],
            _ => continue,
        };
        cases.extend(values.iter().map(|v| format!("{} \"{v}\"", row.name)));
    }
    let workers = 4;
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                let (ssh, cases) = (&ssh, &cases);
                scope.spawn(move || {
                    let dir = tempfile::tempdir().unwrap();
                    let config = dir.path().join("config");
                    let mut failures = Vec::new();
                    for line in cases.iter().skip(w).step_by(workers) {
                        std::fs::write(&config, format!("{line}\n")).unwrap();
                        if let Some(problem) = resolves_differently(ssh, &config) {
                            failures.push(format!("`{line}`: {problem}"));
                        }
                    }
                    failures
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    eprintln!("values resolved: {}", cases.len());
    assert!(cases.len() > 100, "too few cases: {}", cases.len());
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `config` resolved for `h` by sshfleet and by `ssh -G`: `None` when
/// they agree (or sshfleet refuses by design).
fn resolves_differently(ssh: &std::path::Path, config: &std::path::Path) -> Option<String> {
    let theirs = super::generated::ssh_g(ssh, config, "h");
    let ours = SshConfig::load(config)
        .map_err(|e| e.to_string())
        .and_then(|c| c.lookup("h", None).map_err(|e| e.to_string()));
    match (&ours, &theirs) {
        (Err(e), Ok(_)) if super::generated::documented_refusal(e) => None,
        (Ok(ours), Ok(theirs)) => {
            let d = super::generated::compare(ours, theirs, "h");
            (!d.is_empty()).then(|| d.join("; "))
        }
        (Err(_), Err(_)) => None,
        (ours, theirs) => Some(format!(
            "sshfleet {:?}, ssh -G {:?}",
            ours.as_ref().err(),
            theirs.as_ref().err()
        )),
    }
}
