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

/// `ssh -G -F CONFIG HOST`, its stdin empty: how the installed ssh
/// resolves `host` with that file.
pub(super) fn ssh_g(ssh: &Path, config: &Path, host: &str) -> std::process::Output {
    Command::new(ssh)
        .args(["-G", "-F"])
        .arg(config)
        .arg(host)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
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

/// A release as numbers ("9.2" is `[9, 2]`, "3.8.1" is `[3, 8, 1]`).
fn release(text: &str) -> Vec<u32> {
    text.split('.').map(|p| p.parse().unwrap_or(0)).collect()
}

/// What the installed `ssh -V` says (e.g. `OpenSSH_9.2p1 Debian-2+deb12u10`).
fn ssh_version_text(ssh: &Path) -> String {
    let out = Command::new(ssh).arg("-V").output().unwrap();
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The release in an `ssh -V` line: `OpenSSH_9.2p1 ...` is `[9, 2]`.
fn ssh_release(version_text: &str) -> Vec<u32> {
    let version = version_text
        .split("OpenSSH_")
        .nth(1)
        .unwrap_or_default()
        .split(|c: char| !c.is_ascii_digit() && c != '.')
        .next()
        .unwrap_or_default();
    release(version)
}

/// Whether an `ssh` that says `version_text` (`ssh -V`) reads `row`.
pub(super) fn row_known_to(row: &keywords::Keyword, version_text: &str) -> bool {
    if row.since == "Debian" {
        return version_text.contains("Debian");
    }
    release(row.since) <= ssh_release(version_text)
}

/// Whether the installed `ssh` reads `row` (for the differential tests,
/// which can compare only what it reads).
pub(super) fn installed_ssh_reads(row: &keywords::Keyword) -> bool {
    static VERSION: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| ssh_version_text(Path::new("ssh")));
    row_known_to(row, &VERSION)
}

#[test]
fn since_is_a_release_and_the_newest_is_what_the_doc_names() {
    for row in KEYWORDS {
        assert!(
            row.since == "Debian"
                || (row.since.split('.').count() >= 2
                    && row.since.split('.').all(|p| p.parse::<u32>().is_ok())),
            "{}: since {:?}",
            row.name,
            row.since
        );
    }
    assert!(release(newest_release()) <= release(keywords::CHECKED_AGAINST));
    assert!(row_known_to(
        keywords::find("tag").unwrap(),
        "OpenSSH_9.4p1, OpenSSL"
    ));
    assert!(!row_known_to(
        keywords::find("tag").unwrap(),
        "OpenSSH_9.2p1 Debian-2"
    ));
    assert!(row_known_to(
        keywords::find("setuptimeout").unwrap(),
        "OpenSSH_9.2p1 Debian-2"
    ));
    assert!(!row_known_to(
        keywords::find("setuptimeout").unwrap(),
        "OpenSSH_10.0p2, OpenSSL"
    ));
}

/// The `Since` column: the oldest release tagged reads "or earlier".
fn since_text(since: &str) -> String {
    match since {
        "1.2.2" => "1.2.2 or earlier".to_string(),
        "Debian" => "Debian's patches".to_string(),
        release => release.to_string(),
    }
}

/// The newest `since` in the table.
fn newest_release() -> &'static str {
    KEYWORDS
        .iter()
        .map(|r| r.since)
        .filter(|s| *s != "Debian")
        .max_by_key(|s| release(s))
        .unwrap()
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
    let version = ssh_version_text(&ssh);
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
    // A row the installed ssh should read, it reads; a row it refuses
    // ("Bad configuration option") is from a later release; a row of a
    // later release it reads has its `since` wrong.
    let mut unknown = Vec::new();
    let mut too_late = Vec::new();
    for row in KEYWORDS {
        if matches!(row.name, "host" | "match" | "include") {
            continue;
        }
        let reads = !ssh_says(&ssh, row.name, "x").contains("Bad configuration option");
        match (row_known_to(row, &version), reads) {
            (true, false) => unknown.push(row.name),
            (false, true) => too_late.push((row.name, row.since)),
            _ => {}
        }
    }
    assert!(
        unknown.is_empty(),
        "rows the installed ssh ({}) should read but refuses: {unknown:?}",
        version.trim()
    );
    assert!(
        too_late.is_empty(),
        "rows the installed ssh ({}) reads, though their `since` is later: {too_late:?}",
        version.trim()
    );
}

/// What `docs/OPENSSH.md` must say: the design note, then the table.
pub(super) fn render_doc() -> String {
    let mut out = DOC_HEAD
        .replace("{checked}", keywords::CHECKED_AGAINST)
        .replace("{newest}", newest_release());
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
                since_text(row.since),
                note.replace('|', "\\|")
            ));
        }
    }
    out.push_str(&expansions_doc());
    out
}

/// The expansion table of [`super::expansion`], as the doc shows it.
fn expansions_doc() -> String {
    let mut out = String::from(
        "\n## Expansion of values\n\nWhat OpenSSH 9.2 expands in each keyword's value, and so sshfleet: `~` (and `~user`, from the passwd database; an unknown user is refused), `${VAR}` (a variable that is not set is refused) and `%` tokens. Any other keyword's value is taken as written (9.2 opens `RevokedHostKeys` as written; later releases expand it). `Match exec` takes the tokens of `IdentityFile`. What each path token stands for is one table, `ssh::config::expand::PATH_TOKEN_TABLE`, tested against ssh_config(5)'s list and against what `ssh -G` expands for a host (`ssh::config::expansion::tests::every_path_token_is_ssh_config_5s_and_expands_as_ssh_g`); a `UserKnownHostsFile` new keys are added to is checked, as each host expands it, before the first host (docs/SECURITY.md I5).\n\n| Keyword | `~` | `${VAR}` | Tokens |\n|---|---|---|---|\n",
    );
    let yes = |b: bool| if b { "yes" } else { "no" };
    for x in super::expansion::EXPANSIONS {
        let tokens = if x.tokens.is_empty() {
            "none".to_string()
        } else {
            let mut list: Vec<String> = x.tokens.chars().map(|t| format!("%{t}")).collect();
            list.push("%%".to_string());
            list.join(" ")
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            x.keyword,
            yes(x.tilde),
            yes(x.env),
            tokens
        ));
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
