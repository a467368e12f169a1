//! Differential tests against the installed `ssh -G`: `IgnoreUnknown` in
//! every source order (the command line before the file, Host and Match
//! blocks that apply or not, an `Include`, after the unknown line), and
//! every keyword written with nothing or only a comment after it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use super::keywords::{Class, KEYWORDS};
use super::*;

/// `ssh -G` with `options` as `-o`: `Ok(port)`, or `Err(stderr)`.
fn ssh_g(ssh: &Path, config: &Path, options: &[&str]) -> Result<String, String> {
    let mut command = Command::new(ssh);
    command.arg("-G");
    for option in options {
        command.arg("-o").arg(option);
    }
    let out = command
        .arg("-F")
        .arg(config)
        .arg("h")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Ok(text
        .lines()
        .find_map(|l| l.strip_prefix("port "))
        .unwrap_or_default()
        .to_string())
}

/// sshfleet's reading of the same: `Ok(port)` or `Err(message)`.
fn ours(config: &Path, options: &[&str]) -> Result<String, String> {
    let command_line = SshConfig::from_options(options.iter().copied())?;
    let file = SshConfig::load(config).map_err(|e| e.to_string())?;
    let host = file
        .lookup_with("h", HostConfig::default(), &command_line)
        .map_err(|e| e.to_string())?;
    Ok(host.port.unwrap_or(22).to_string())
}

#[test]
fn ignore_unknown_is_in_force_as_openssh_reads_it_in_every_source_order() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let included = dir.path().join("included");
    // Where the IgnoreUnknown is: (command-line option, file text before
    // the unknown line, file text after it, included file text).
    let ignores: &[(&str, &str, &str, &str)] = &[
        ("IgnoreUnknown=Foo", "", "", ""),
        ("IgnoreUnknown=Bar", "", "", ""),
        ("", "IgnoreUnknown Foo\n", "", ""),
        ("", "IgnoreUnknown F*,!Fo\n", "", ""),
        ("", "Host h\n  IgnoreUnknown Foo\nHost *\n", "", ""),
        ("", "Host other\n  IgnoreUnknown Foo\nHost *\n", "", ""),
        ("", "Match all\n  IgnoreUnknown Foo\nHost *\n", "", ""),
        (
            "",
            "Host h\n  IgnoreUnknown Bar\nHost *\n  IgnoreUnknown Foo\n",
            "",
            "",
        ),
        ("", "Include INCLUDED\n", "", "IgnoreUnknown Foo\n"),
        (
            "",
            "Host other\n  Include INCLUDED\nHost *\n",
            "",
            "IgnoreUnknown Foo\n",
        ),
        ("", "", "IgnoreUnknown Foo\n", ""),
        ("IgnoreUnknown=Bar", "IgnoreUnknown Foo\n", "", ""),
        ("", "", "", ""),
    ];
    // The unknown line: where, and how written.
    let unknowns: &[&str] = &[
        "Foo bar\n",
        "Foo # a comment\n",
        "Foo\n",
        "Foo=\n",
        "Host h\n  Foo bar\nHost *\n",
        "Host other\n  Foo bar\nHost *\n",
        "Match user nobody-here\n  Foo bar\nHost *\n",
        "Include INCLUDED\n",
    ];
    let mut failures = Vec::new();
    let mut cases = 0;
    for (option, before, after, include) in ignores {
        for unknown in unknowns {
            let included_text = if unknown.starts_with("Include") {
                format!("{include}Foo bar\n")
            } else {
                include.to_string()
            };
            if unknown.starts_with("Include") && before.contains("Include") {
                continue;
            }
            let text = format!("{before}{unknown}{after}Port 2201\n")
                .replace("INCLUDED", &included.display().to_string());
            std::fs::write(&config, &text).unwrap();
            std::fs::write(&included, &included_text).unwrap();
            let options: Vec<&str> = [*option].into_iter().filter(|o| !o.is_empty()).collect();
            let theirs = ssh_g(&ssh, &config, &options);
            let mine = ours(&config, &options);
            cases += 1;
            if theirs.is_ok() != mine.is_ok() || (theirs.is_ok() && theirs != mine) {
                failures.push(format!(
                    "ssh -G {options:?} -F\n{text}--- included ---\n{included_text}sshfleet: {mine:?}\nssh -G: {theirs:?}"
                ));
            }
        }
    }
    assert!(cases > 90, "{cases}");
    assert!(
        failures.is_empty(),
        "{} of {cases} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

/// `Keyword # comment` and a bare `Keyword` for every keyword of the
/// table, `Host` and `Include`: sshfleet accepts exactly what `ssh -G`
/// accepts (keywords the installed `ssh` does not know are skipped).
#[test]
fn zero_argument_lines_are_read_as_openssh_reads_them() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let mut failures = Vec::new();
    let mut compared = 0;
    let names = KEYWORDS.iter().map(|k| k.name).chain(["host", "include"]);
    for name in names {
        for line in [format!("{name} # c"), name.to_string(), format!("{name} =")] {
            let text = format!("{line}\nPort 2201\n");
            std::fs::write(&config, &text).unwrap();
            let theirs = ssh_g(&ssh, &config, &[]);
            if theirs
                .as_ref()
                .is_err_and(|e| e.contains("Bad configuration option"))
            {
                continue;
            }
            compared += 1;
            let mine = ours(&config, &[]);
            // A comment-only `KnownHostsCommand` (and the other commands)
            // is the command `# c` in both, which sshfleet refuses as it
            // refuses any such command (its documented refusal).
            let documented = match super::keywords::find(name).map(|k| k.class) {
                Some(Class::Refused { why, .. }) => mine.as_ref().is_err_and(|e| e.contains(why)),
                _ => false,
            };
            if documented {
                continue;
            }
            if theirs.is_ok() != mine.is_ok() || (theirs.is_ok() && theirs != mine) {
                failures.push(format!("{text}sshfleet: {mine:?}\nssh -G: {theirs:?}"));
            }
        }
    }
    assert!(compared > 200, "{compared}");
    assert!(
        failures.is_empty(),
        "{} differ:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn a_command_line_ignore_unknown_is_in_force_for_the_file() {
    let c = SshConfig::parse("Foo bar\nUser cfg\n", Path::new("/cfg")).unwrap();
    let options = SshConfig::from_options(["IgnoreUnknown=Foo"]).unwrap();
    let host = c
        .lookup_with("alpha", HostConfig::default(), &options)
        .unwrap();
    assert_eq!(host.user.as_deref(), Some("cfg"));
    let err = c.lookup("alpha", None).unwrap_err().to_string();
    assert!(
        err.contains("/cfg:1: foo: Bad configuration option"),
        "{err}"
    );
}

#[test]
fn an_ignored_keyword_with_only_a_comment_is_read() {
    let c = SshConfig::parse(
        "IgnoreUnknown UseKeychain\nUseKeychain # macOS only\nPort 2201\n",
        Path::new("/cfg"),
    )
    .unwrap();
    assert_eq!(c.lookup("h1", None).unwrap().port, Some(2201));
    // With nothing after it, OpenSSH refuses the line before it looks the
    // keyword up.
    let err = SshConfig::parse(
        "IgnoreUnknown UseKeychain\nUseKeychain\n",
        Path::new("/cfg"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("/cfg:2: no argument after keyword \"usekeychain\""),
        "{err}"
    );
}
