//! OpenSSH's wildcard pattern lists, shared by known_hosts host fields and
//! ssh_config `Host`/`Match` criteria: `*` matches any run of characters,
//! `?` exactly one, everything else (brackets and colons included) itself;
//! a `!`-negated pattern that matches vetoes the whole list (OpenSSH
//! `match_pattern_list`).

use wildmatch::WildMatch;

/// One pattern of a list, maybe negated.
#[derive(Debug, Clone)]
struct Pattern {
    negated: bool,
    glob: WildMatch,
}

/// A parsed pattern list.
#[derive(Debug, Clone)]
pub(crate) struct PatternList {
    patterns: Vec<Pattern>,
}

impl PatternList {
    /// Parse `patterns` (each possibly `!`-prefixed). OpenSSH lower-cases
    /// host names before matching; `case_insensitive` says whether this list
    /// must also match regardless of case.
    pub(crate) fn new<'a>(
        patterns: impl IntoIterator<Item = &'a str>,
        case_insensitive: bool,
    ) -> Result<PatternList, String> {
        let patterns = patterns
            .into_iter()
            .map(|text| {
                let (negated, glob) = match text.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, text),
                };
                if glob.is_empty() {
                    return Err(format!("empty pattern `{text}`"));
                }
                let glob = if case_insensitive {
                    WildMatch::new_case_insensitive(glob)
                } else {
                    WildMatch::new(glob)
                };
                Ok(Pattern { negated, glob })
            })
            .collect::<Result<_, _>>()?;
        Ok(PatternList { patterns })
    }

    /// True when some positive pattern matches and no negated one does.
    pub(crate) fn matches(&self, name: &str) -> bool {
        let mut matched = false;
        for pattern in &self.patterns {
            if pattern.glob.matches(name) {
                if pattern.negated {
                    return false;
                }
                matched = true;
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn list(patterns: &[&str]) -> PatternList {
        PatternList::new(patterns.iter().copied(), true).unwrap()
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
        // A list of only negations matches nothing.
        assert!(!list(&["!a"]).matches("b"));
    }

    #[test]
    fn case_sensitivity_is_the_callers_choice() {
        let exact = PatternList::new(["Esa*"], false).unwrap();
        assert!(exact.matches("Esa1"));
        assert!(!exact.matches("esa1"));
        assert!(PatternList::new(["!"], true).is_err());
    }
}
