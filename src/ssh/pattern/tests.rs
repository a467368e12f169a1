#![allow(clippy::unwrap_used, clippy::panic)]
use super::*;

fn list(patterns: &[&str]) -> PatternList {
    PatternList::new(patterns.iter().copied(), Caller::KnownHosts)
}

#[test]
fn wildcards_and_negation_follow_openssh() {
    let l = list(&["esa*.example.com", "!esa07.example.com"]);
    assert!(l.matches("esa01.example.com"));
    assert!(l.matches("ESA02.example.com"));
    assert!(!l.matches("esa07.example.com"));
    assert!(!l.matches("mail.example.com"));
    // Brackets and colons are literal, as in known_hosts `[host]:port`.
    let l = list(&["[10.0.0.?]:2222"]);
    assert!(l.matches("[10.0.0.5]:2222"));
    assert!(!l.matches("[10.0.0.55]:2222"));
    let one = |p: &str, t: &str| list(&[p]).matches(t);
    assert!(one("*", ""));
    assert!(one("a*b*c", "aXXbYYc"));
    assert!(one("a*b*c", "abc"));
    assert!(!one("a*b*c", "abcd"));
    assert!(one("*c", "abcabc"));
    assert!(one("??", "ab"));
    assert!(!one("??", "abc"));
    assert!(one("[a*]:22?2", "[abc]:2222"));
    assert!(one("*?", "a"));
    assert!(!one("*?", ""));
    assert!(one("a**?*b", "axb"));
    // A list of only negations matches nothing.
    assert!(!list(&["!a"]).matches("b"));
    // An empty pattern (`a,,b`) matches only the empty name.
    assert!(list(&["a", "", "b"]).matches("b"));
    assert!(!list(&["", "!"]).matches("x"));
}

/// OpenSSH matches bytes: `?` is one byte of a multi-byte character, and
/// only ASCII letters fold.
#[test]
fn patterns_match_bytes_and_fold_ascii_only() {
    let one = |p: &str, t: &str| list(&[p]).matches(t);
    // ä (2 bytes), € (3 bytes), 😀 (4 bytes).
    assert!(one("??b.example", "äb.example"));
    assert!(!one("?b.example", "äb.example"));
    assert!(one("???x", "€x"));
    assert!(!one("?x", "€x"));
    assert!(one("????x", "😀x"));
    assert!(!one("?x", "😀x"));
    // Kelvin sign (U+212A) is not `k`; dotless ı is not `i`; ß is not `ss`.
    assert!(!one("k", "\u{212A}"));
    assert!(!one("\u{212A}", "k"));
    assert!(!one("i", "ı"));
    assert!(!one("I", "ı"));
    assert!(!one("ss", "ß"));
    assert!(!one("Ö", "ö"));
    assert!(one("Ö", "Ö"));
    assert!(one("HÖST", "hÖst"));
    // IgnoreUnknown: `FÖO` does not cover `Föo`.
    let ignore = PatternList::new(["FÖO"], Caller::IgnoreUnknown);
    assert!(!ignore.matches("Föo"));
    assert!(ignore.matches("fÖo"));
}

#[test]
fn case_sensitivity_is_the_callers() {
    let exact = PatternList::new(["Esa*"], Caller::MatchUser);
    assert!(exact.matches("Esa1"));
    assert!(!exact.matches("esa1"));
    let host = PatternList::new(["Esa*"], Caller::HostKeyword);
    assert!(!host.matches("esa1"));
}

#[test]
fn an_over_long_pattern_ends_the_list_as_in_openssh() {
    let long = "a".repeat(SUB_PATTERN_MAX);
    let l = PatternList::new(["b", long.as_str(), "c"], Caller::MatchHost);
    assert!(!l.matches("b"), "the list matches nothing");
    let short = "a".repeat(SUB_PATTERN_MAX - 1);
    assert!(PatternList::new([short.as_str()], Caller::MatchHost).matches(&short));
}

/// Every OpenSSH pattern match in the crate goes through this module, by
/// a caller listed in [`CALLERS`]: a new `PatternList::new` or
/// `match_pattern` use must name its `Caller`, and nothing in `src/ssh`
/// may match with another glob library (which matches characters).
#[test]
fn every_caller_is_in_the_table() {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push((
                    path.display().to_string(),
                    std::fs::read_to_string(&path).unwrap(),
                ));
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    walk(&root, &mut files);
    let mut used = Vec::new();
    for (path, text) in &files {
        if path.ends_with("ssh/pattern.rs") || path.ends_with("pattern/tests.rs") {
            continue;
        }
        if path.contains("/ssh/") {
            assert!(
                !text.contains("wildmatch") && !text.contains("WildMatch"),
                "{path} matches an OpenSSH pattern with a character-based glob"
            );
        }
        for (at, _) in text
            .match_indices("PatternList::new(")
            .chain(text.match_indices("pattern::match_pattern("))
        {
            let call = &text[at..(at + 200).min(text.len())];
            let named = CALLERS
                .iter()
                .find(|(c, _, _)| call.contains(&format!("Caller::{c:?}")));
            let Some((caller, _, _)) = named else {
                panic!("{path}: a pattern match names no Caller listed in CALLERS: {call}");
            };
            used.push(*caller);
        }
    }
    for (caller, _, _) in CALLERS {
        assert!(used.contains(caller), "{caller:?} is listed but never used");
    }
}
