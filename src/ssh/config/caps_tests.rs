//! OpenSSH's list caps (`super::caps::CAPS`) against the installed
//! `ssh -G`: each cap's most values are read by both, one more refused by
//! both, sshfleet naming the line; and every other keyword that takes or
//! gathers several values takes 200, so no cap is missing from the table.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::SshConfig;
use super::caps::{CAPS, Counted};
use super::keywords::{self, Class, KEYWORDS};
use super::values::Value;

/// The `i`th distinct value a keyword takes; `None` for a keyword that
/// takes one value on one line and keeps the first.
fn sample(keyword: &str, i: usize) -> Option<String> {
    Some(match keyword {
        "identityfile" => format!("/nonexistent/k{i}"),
        "certificatefile" => format!("/nonexistent/c{i}"),
        "userknownhostsfile" | "globalknownhostsfile" => format!("/nonexistent/kh{i}"),
        "canonicaldomains" => format!("d{i}.example"),
        "canonicalizepermittedcnames" => format!("a{i}.example:b{i}.example"),
        "sendenv" => format!("V{i}"),
        "setenv" => format!("V{i}=x"),
        "logverbose" => format!("f{i}.c:*:1"),
        "localforward" | "remoteforward" => format!("{} h:22", 1024 + i),
        "dynamicforward" => format!("{}", 1024 + i),
        "permitremoteopen" => format!("h{i}:22"),
        _ => return None,
    })
}

/// The keywords that take several values or gather
/// them over lines: those whose value is a list of words, a forward,
/// CNAME rules, and those `sample` names (each checked against ssh here).
fn several(row: &keywords::Keyword) -> bool {
    matches!(row.value, Value::Many | Value::Cnames | Value::Forward(_))
        || sample(row.name, 0).is_some()
}

/// The configuration: `lines` lines of `values` values each, in one
/// `Host localhost` block.
fn config(keyword: &str, lines: usize, values: usize) -> String {
    let mut text = String::from("Host localhost\n");
    for line in 0..lines {
        let args: Vec<String> = (0..values)
            .map(|v| sample(keyword, line * values + v).unwrap())
            .collect();
        text.push_str(&format!("  {keyword} {}\n", args.join(" ")));
    }
    text
}

/// `Ok` or the error of sshfleet and of `ssh -G` for this configuration.
fn both(ssh: &std::path::Path, text: &str) -> (Result<(), String>, Result<(), String>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    std::fs::write(&path, text).unwrap();
    let ours = SshConfig::load(&path)
        .map_err(|e| e.to_string())
        .and_then(|c| {
            c.lookup("localhost", None)
                .map(|_| ())
                .map_err(|e| e.to_string())
        });
    // A name that resolves: with CanonicalizePermittedCNAMEs ssh resolves
    // it even for -G.
    let out = super::table_tests::ssh_g(ssh, &path, "localhost");
    let theirs = match out.status.success() {
        true => Ok(()),
        false => Err(String::from_utf8_lossy(&out.stderr).trim().to_string()),
    };
    (ours, theirs)
}

#[test]
fn every_list_cap_is_ssh_g_s() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    for cap in &CAPS {
        let shape = |n: usize| match cap.counted {
            Counted::Gathered => config(cap.keyword, n, 1),
            Counted::FirstLine => config(cap.keyword, 1, n),
        };
        let (ours, theirs) = both(&ssh, &shape(cap.max));
        assert!(
            theirs.is_ok(),
            "{}: ssh -G refused {}: {theirs:?}",
            cap.keyword,
            cap.max
        );
        assert!(
            ours.is_ok(),
            "{}: sshfleet refused {}: {ours:?}",
            cap.keyword,
            cap.max
        );
        let (ours, theirs) = both(&ssh, &shape(cap.max + 1));
        let theirs = theirs.expect_err(cap.keyword);
        assert!(
            theirs.contains(cap.message),
            "{}: ssh said {theirs}",
            cap.keyword
        );
        let ours = ours.expect_err(cap.keyword);
        let line = match cap.counted {
            Counted::Gathered => cap.max + 2,
            Counted::FirstLine => 2,
        };
        assert!(
            ours.contains(cap.message) && ours.contains(&format!(":{line}:")),
            "{}: sshfleet said {ours}",
            cap.keyword
        );
        // A first-line cap counts the first line in force only: a second
        // line of as many is not read (nor refused) by either.
        if cap.counted == Counted::FirstLine {
            let text = format!(
                "{}{}",
                config(cap.keyword, 1, 1),
                &shape(cap.max + 1)["Host localhost\n".len()..]
            );
            let (ours, theirs) = both(&ssh, &text);
            assert!(
                theirs.is_ok() && ours.is_ok(),
                "{}: {ours:?} {theirs:?}",
                cap.keyword
            );
        }
    }
}

#[test]
fn no_other_list_is_capped() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let mut checked = 0;
    for row in KEYWORDS.iter().filter(|r| several(r)) {
        if matches!(row.class, Class::Alias(_) | Class::Ignored(_))
            || !super::table_tests::installed_ssh_reads(row)
        {
            continue;
        }
        assert!(
            sample(row.name, 0).is_some(),
            "{} takes several values: give it a sample and check its cap",
            row.name
        );
        if CAPS.iter().any(|c| c.keyword == row.name) {
            continue;
        }
        for text in [config(row.name, 1, 200), config(row.name, 200, 1)] {
            let (ours, theirs) = both(&ssh, &text);
            // Several values on one line are not every keyword's: what
            // ssh refuses there sshfleet refuses too.
            assert_eq!(
                ours.is_ok(),
                theirs.is_ok(),
                "{}: {ours:?} / {theirs:?}",
                row.name
            );
            checked += 1;
        }
    }
    assert!(checked >= 14, "{checked}");
}

/// Which keywords ssh gathers over lines (both lines' values in `ssh -G`)
/// is `setting::GATHERED` (with `IdentityFile`, kept apart), for every
/// keyword with a sample; and a gathered refused keyword is refused when
/// a later line in force is (`CertificateFile none` then a file: ssh
/// offers the file's certificate).
#[test]
fn gathered_keywords_are_ssh_g_s() {
    let Some(ssh) = super::table_tests::ssh_binary() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    for row in KEYWORDS.iter().filter(|r| sample(r.name, 0).is_some()) {
        std::fs::write(&path, config(row.name, 2, 1)).unwrap();
        let out = super::table_tests::ssh_g(&ssh, &path, "localhost");
        let printed = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
        let second = sample(row.name, 1).unwrap().to_ascii_lowercase();
        let first_word = second.split(' ').next().unwrap().to_string();
        let gathers = printed
            .lines()
            .any(|l| l.starts_with(&format!("{} ", row.name)) && l.contains(&first_word));
        let ours = row.name == "identityfile" || super::setting::GATHERED.contains(&row.name);
        assert_eq!(gathers, ours, "{}: ssh -G printed\n{printed}", row.name);
    }
    std::fs::write(
        &path,
        "Host localhost\n  CertificateFile none\n  CertificateFile /nonexistent/c1\n",
    )
    .unwrap();
    let refused = SshConfig::load(&path)
        .unwrap()
        .lookup("localhost", None)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(":3:") && refused.contains("certificate"),
        "{refused}"
    );
}

/// The inventory's key is ssh's first identity (Ansible's `-o
/// IdentityFile`): it counts against the 100, and a file naming it again
/// adds nothing, as in ssh.
#[test]
fn the_command_line_identity_counts_against_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config");
    let given = || super::HostConfig {
        command_line_identities: vec!["/nonexistent/k0".to_string()],
        ..super::HostConfig::default()
    };
    // k0 (again: nothing added) then k1..k99: 100 with the command line's.
    std::fs::write(&path, config("identityfile", 100, 1)).unwrap();
    let config_file = SshConfig::load(&path).unwrap();
    let resolved = config_file
        .lookup_with("localhost", given(), &SshConfig::default())
        .unwrap();
    assert_eq!(resolved.identity_files.len(), 99);
    assert!(
        !resolved
            .identity_files
            .contains(&"/nonexistent/k0".to_string())
    );
    std::fs::write(&path, config("identityfile", 101, 1)).unwrap();
    let config_file = SshConfig::load(&path).unwrap();
    let refused = config_file
        .lookup_with("localhost", given(), &SshConfig::default())
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains(":102:") && refused.contains("max 100"),
        "{refused}"
    );
}
