//! The expansion column of the ssh flag table against the installed
//! `ssh -G`: a generated value holding `~`, `%h` and `${VAR}` is given to
//! each flag that takes an argument, and what ssh prints for the keyword
//! the flag sets is compared with what the column says. Then `-i` read by
//! sshfleet as ssh reads it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Stdio};

use super::ssh_args::flag_expansions;
use super::*;
use crate::inventory::Inventory;

/// The variable the generated values name, set for the `ssh` run.
const VAR: &str = "SSHFLEET_FLAG_EXPANSION";

/// `ssh -G` with `args`: every value printed for `keyword`, or `None` when
/// ssh refuses the command line.
fn printed(args: &[&str], keyword: &str) -> Option<Vec<String>> {
    let out = Command::new("ssh")
        .args(["-F", "/dev/null"])
        .args(args)
        .args(["-G", "h"])
        .env(VAR, "ev")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let prefix = format!("{} ", keyword.to_ascii_lowercase());
    Some(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix(&prefix).map(str::to_string))
            .collect(),
    )
}

/// A value for flag `c` holding `~`, `%h` and `${VAR}` in a form the
/// flag's grammar takes, and the same as an `-o` option.
fn generated(c: char, keyword: &str, dir: &Path) -> (String, String) {
    let v = match c {
        'L' | 'R' => format!("8080:h%h${{{VAR}}}:22"),
        // `$` is no user or host name character of `parse_jump`.
        'J' => "~u%h@jump".to_string(),
        // ssh refuses `{` in a user name: `$VAR` (never expanded) instead.
        'l' => format!("~u%h${VAR}"),
        'i' => format!("{}/k%h${{{VAR}}}", dir.display()),
        _ => format!("~/v%h${{{VAR}}}"),
    };
    let option = match c {
        'L' | 'R' => format!("{keyword}=8080 h%h${{{VAR}}}:22"),
        _ => format!("{keyword}={v}"),
    };
    (v, option)
}

#[test]
fn flag_arguments_are_expanded_as_ssh_expands_them() {
    if Command::new("ssh").arg("-V").output().is_err() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut compared = Vec::new();
    let mut failures = Vec::new();
    for (c, keyword, expands) in flag_expansions() {
        // Flags with no keyword are refused or inert (`-E`, `-F`, `-O`,
        // `-Q`, `-W`); `-o` is the keyword itself.
        let Some(keyword) = keyword.filter(|_| c != 'o') else {
            continue;
        };
        let (value, option) = generated(c, keyword, dir.path());
        let flag = format!("-{c}");
        // sshfleet reads a flag's option through the keyword table: a
        // flag ssh takes as written must set a keyword that expands
        // nothing.
        let how = crate::ssh::config::expansion::expansion(&keyword.to_ascii_lowercase());
        if expands == Some(false) && (how.tilde || how.env || !how.tokens.is_empty()) {
            failures.push(format!(
                "-{c} is taken as written, but {keyword} expands: {how:?}"
            ));
        }
        if expands == Some(true) {
            compared.push(c);
            let by_flag = printed(&[&flag, &value], keyword);
            if by_flag.is_none() || by_flag != printed(&["-o", &option], keyword) {
                failures.push(format!(
                    "-{c} {value}: ssh -G prints {keyword} {by_flag:?}, not as `-o {option}`"
                ));
            }
            continue;
        }
        let Some(by_flag) = printed(&[&flag, &value], keyword) else {
            // A value the flag's grammar refuses (a port, a cipher list):
            // ssh refuses it as written, so nothing was expanded.
            if expands == Some(false) {
                continue;
            }
            failures.push(format!("ssh refuses `-{c} {value}`"));
            continue;
        };
        let ok = match expands {
            Some(false) => by_flag.contains(&value),
            _ => {
                // `-i`: a file that does not exist is left out; one that
                // does is kept as written (its `~` expanded); the tokens
                // wait until the key is loaded.
                let missing = !by_flag.contains(&value);
                std::fs::write(&value, "").unwrap();
                let kept = printed(&[&flag, &value], keyword).unwrap_or_default();
                let home = printed(&[&flag, "~"], keyword).unwrap_or_default();
                missing
                    && kept.contains(&value)
                    && home.iter().any(|f| {
                        f.trim_end_matches('/') == crate::ssh::config::home().display().to_string()
                    })
            }
        };
        compared.push(c);
        if !ok {
            failures.push(format!(
                "-{c} {value}: ssh -G prints {keyword} {by_flag:?}; the table says {expands:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for c in ['i', 'l', 'b', 'J', 'S', 'L', 'R'] {
        assert!(compared.contains(&c), "-{c} not compared: {compared:?}");
    }
}

/// The identity files sshfleet resolves for `args`.
fn identities(args: &str) -> Vec<String> {
    let yaml = format!(
        "all:\n  hosts:\n    h:\n      ansible_ssh_common_args: '{}'\n",
        args.replace('\'', "''")
    );
    let inventory = Inventory::parse(&yaml, Path::new("inv.yaml")).unwrap();
    let host = &inventory.hosts()[0];
    let conn = inventory.connection(host, None).unwrap();
    let target = Resolver::new("/kh".into(), HostKeyPolicy::Strict)
        .resolve(host, &conn)
        .unwrap();
    target
        .credentials
        .config_key_files
        .iter()
        .map(|f| f.display().to_string())
        // The default identities, used when no file is given.
        .filter(|f| !f.contains("/.ssh/id_"))
        .collect()
}

#[test]
fn dash_i_is_taken_as_ssh_takes_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    // `${VAR}` and `%h` are not expanded before ssh looks for the file:
    // `-i ${DIR}/key` names no file, so it is left out (the attacker's
    // `-i ${B24}/tk`), as is a missing file after `~`.
    let var_dir = dir.path().join("real");
    std::fs::create_dir(&var_dir).unwrap();
    std::fs::write(var_dir.join("tk"), "").unwrap();
    let none = identities("-i ${HOME}/.ssh/sshfleet-no-such-key");
    assert!(none.is_empty(), "{none:?}");
    assert!(identities(&format!("-i {d}/%h/tk")).is_empty());
    assert!(identities("-i ~/sshfleet-no-such-key").is_empty());
    // A file that is there is kept, and its tokens are expanded when the
    // key is used, as ssh does (`%%` is `%`).
    std::fs::write(dir.path().join("k%%h"), "").unwrap();
    assert_eq!(identities(&format!("-i {d}/k%%h")), [format!("{d}/k%h")]);
    std::fs::write(dir.path().join("plain"), "").unwrap();
    assert_eq!(identities(&format!("-i {d}/plain")), [format!("{d}/plain")]);
}
