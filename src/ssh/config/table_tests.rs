//! The keyword table against the installed OpenSSH, and
//! `docs/OPENSSH.md` against the table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::keywords::{self, Class, KEYWORDS};

/// The installed `ssh`, or `None` (then CI must fail: it installs it).
pub(super) fn ssh_binary() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("ssh"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have openssh-client (ssh -G) for the OpenSSH tests"
        );
        eprintln!("skipped: no `ssh` on this machine (apt-get install openssh-client)");
    }
    found
}

/// What `ssh -F /dev/null -G -o KEYWORD=VALUE h` says on stderr.
fn ssh_says(ssh: &Path, keyword: &str, value: &str) -> String {
    let out = Command::new(ssh)
        .args(["-F", "/dev/null", "-G", "-o"])
        .arg(format!("{keyword}={value}"))
        .arg("h")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The installed OpenSSH's version as `(major, minor)`.
fn ssh_version(ssh: &Path) -> (u32, u32) {
    let out = Command::new(ssh).arg("-V").output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    let version = text
        .split("OpenSSH_")
        .nth(1)
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .unwrap_or_default()
        .to_string();
    let mut parts = version.split('.').map(|p| p.parse().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

fn since(row: &keywords::Keyword) -> (u32, u32) {
    row.since.map_or((0, 0), |v| {
        let mut parts = v.split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    })
}

#[test]
fn table_is_sorted_unique_and_aliases_point_at_rows() {
    for pair in KEYWORDS.windows(2) {
        assert!(
            pair[0].name < pair[1].name,
            "{} / {}",
            pair[0].name,
            pair[1].name
        );
    }
    for row in KEYWORDS {
        assert_eq!(row.name, row.name.to_ascii_lowercase());
        if let Class::Alias(of) = row.class {
            let target =
                keywords::find(of).unwrap_or_else(|| panic!("{}: alias of {of}", row.name));
            assert!(!matches!(target.class, Class::Alias(_)), "{}", row.name);
        }
        if let Class::Refused { accepts, .. } = row.class {
            for value in accepts {
                assert!(
                    keywords::check_value(row.value, &[value.to_string()]).is_ok(),
                    "{}: accepted value {value} does not read",
                    row.name
                );
            }
        }
    }
}

/// Every keyword the installed `ssh` prints (`ssh -G`) or knows (each
/// lower-case word in its binary that it does not call a "Bad
/// configuration option") is in the table; every row the installed
/// release should know, it knows. A keyword a newer OpenSSH adds fails
/// here until it is classified.
#[test]
fn table_has_every_keyword_the_installed_ssh_knows() {
    let Some(ssh) = ssh_binary() else { return };
    let version = ssh_version(&ssh);
    let out = Command::new(&ssh)
        .args(["-F", "/dev/null", "-G", "h"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let mut candidates: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split(' ').next())
        .map(str::to_ascii_lowercase)
        .collect();
    let printed = candidates.clone();
    let binary = std::fs::read(&ssh).unwrap();
    for word in binary.split(|b| !(b.is_ascii_lowercase() || b.is_ascii_digit())) {
        if (4..=40).contains(&word.len()) && word[0].is_ascii_lowercase() {
            candidates.insert(String::from_utf8_lossy(word).into_owned());
        }
    }
    let mut missing = Vec::new();
    for word in &candidates {
        if keywords::find(word).is_some() {
            continue;
        }
        if printed.contains(word) || !ssh_says(&ssh, word, "x").contains("Bad configuration option")
        {
            missing.push(word.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "keywords the installed ssh knows that the table does not classify: {missing:?}"
    );
    let mut unknown = Vec::new();
    for row in KEYWORDS {
        if since(row) > version || matches!(row.name, "host" | "match" | "include") {
            continue;
        }
        if ssh_says(&ssh, row.name, "x").contains("Bad configuration option") {
            unknown.push(row.name);
        }
    }
    assert!(
        unknown.is_empty(),
        "rows the installed ssh ({version:?}) does not know: {unknown:?}"
    );
}

/// What `docs/OPENSSH.md` must say: the design note, then the table.
pub(super) fn render_doc() -> String {
    let mut out = String::from(DOC_HEAD);
    type Section = (&'static str, &'static str, fn(&Class) -> bool);
    let sections: [Section; 5] = [
        ("Honoured", "Read with OpenSSH's semantics.", |c| {
            matches!(c, Class::Honoured(_))
        }),
        (
            "Refused unless set to an accepted value",
            "Any other value stops the run before any host is contacted (exit 5), naming the file, the line, the keyword and why. The value applies per host, first value obtained winning, as in OpenSSH: a refused value in a block that does not apply to a host, or after an accepted value, does not refuse that host.",
            |c| matches!(c, Class::Refused { .. }),
        ),
        (
            "Inert",
            "The value is checked as OpenSSH checks it (a value OpenSSH refuses is refused, exit 5), then not used: none of these can change the host reached, the user, the credentials offered, the host key decision or the algorithms.",
            |c| matches!(c, Class::Inert(_)),
        ),
        (
            "Ignored by OpenSSH too",
            "Deprecated or unsupported keywords OpenSSH reads and ignores; so does sshfleet.",
            |c| matches!(c, Class::Ignored(_)),
        ),
        (
            "Aliases",
            "Read exactly as the keyword named (first value obtained wins across both names).",
            |c| matches!(c, Class::Alias(_)),
        ),
    ];
    for (title, intro, wanted) in sections {
        out.push_str(&format!(
            "\n## {title}\n\n{intro}\n\n| Keyword | Since | Notes |\n|---|---|---|\n"
        ));
        for row in KEYWORDS.iter().filter(|r| wanted(&r.class)) {
            let note = match row.class {
                Class::Honoured(text) | Class::Inert(text) | Class::Ignored(text) => {
                    text.to_string()
                }
                Class::Refused { accepts, why } => {
                    let accepted = if accepts.is_empty() {
                        "no value".to_string()
                    } else {
                        accepts
                            .iter()
                            .map(|a| format!("`{a}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    format!("accepted: {accepted}. Otherwise: {why}")
                }
                Class::Alias(of) => format!("alias of `{of}`"),
            };
            out.push_str(&format!(
                "| `{}` | {} | {} |\n",
                row.name,
                row.since.unwrap_or("9.2 or earlier"),
                note.replace('|', "\\|")
            ));
        }
    }
    out
}

const DOC_HEAD: &str = include_str!("openssh_doc_head.md");

/// `docs/OPENSSH.md` is generated from the table:
/// `SSHFLEET_BLESS=1 cargo test -p sshfleet --lib ssh::config::table_tests`
/// rewrites it.
#[test]
fn docs_openssh_md_is_the_table() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/OPENSSH.md");
    let want = render_doc();
    if std::env::var_os("SSHFLEET_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/OPENSSH.md is stale: run `SSHFLEET_BLESS=1 cargo test -p sshfleet --lib ssh::config::table_tests` and commit it"
    );
}
