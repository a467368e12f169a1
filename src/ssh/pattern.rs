//! OpenSSH's wildcard patterns (match.c `match_pattern` and
//! `match_pattern_list`), the one matcher every OpenSSH-compatible caller
//! uses. OpenSSH matches bytes, not characters: `?` is one byte (so `??b`
//! matches `äb`, whose `ä` is two bytes), `*` any run of bytes, anything
//! else (brackets and colons included) itself; case folding, where a
//! caller asks for it, lowers ASCII letters only (`tolower` in the C
//! locale), so the Kelvin sign never equals `k` and `Ö` never `ö`. A
//! `!`-negated pattern that matches vetoes the whole list; an empty
//! pattern matches only the empty string; a pattern of 1023 bytes or more
//! makes the list match nothing, as OpenSSH's fixed buffer does.
//!
//! [`CALLERS`] lists every use, with the OpenSSH function it stands for and
//! whether it folds case; `every_caller_is_in_the_table` fails when code
//! matches an OpenSSH pattern any other way.

/// Who matches, as which OpenSSH function: decides case folding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caller {
    /// ssh_config `Host`: `match_pattern` per argument, case-sensitive
    /// (ssh lower-cases the name it is given before).
    HostKeyword,
    /// `Match host`: `match_hostname`.
    MatchHost,
    /// `Match originalhost`: `match_hostname`.
    MatchOriginalHost,
    /// `Match user`: `match_pattern_list(user, arg, 0)`.
    MatchUser,
    /// `Match localuser`: `match_pattern_list(pw_name, arg, 0)`.
    MatchLocalUser,
    /// `Match tagged` (OpenSSH 9.4): `match_pattern_list(tag, arg, 0)`.
    MatchTagged,
    /// `IgnoreUnknown`: `match_pattern_list(lowercased keyword, list, 1)`.
    IgnoreUnknown,
    /// known_hosts host field: `match_hostname`.
    KnownHosts,
    /// Algorithm lists (`-`, `+`, `^` forms): `match_pattern_list(name,
    /// list, 0)` in `match_filter_denylist`/`allowlist`.
    Algorithms,
}

/// Every caller: its OpenSSH function and whether it folds ASCII case
/// (both the patterns and the name matched).
pub(crate) const CALLERS: &[(Caller, &str, bool)] = &[
    (
        Caller::HostKeyword,
        "readconf.c oHost: match_pattern",
        false,
    ),
    (Caller::MatchHost, "match.c match_hostname", true),
    (Caller::MatchOriginalHost, "match.c match_hostname", true),
    (
        Caller::MatchUser,
        "match_pattern_list(ruser, arg, 0)",
        false,
    ),
    (
        Caller::MatchLocalUser,
        "match_pattern_list(pw_name, arg, 0)",
        false,
    ),
    (
        Caller::MatchTagged,
        "9.4 match_pattern_list(tag, arg, 0)",
        false,
    ),
    (
        Caller::IgnoreUnknown,
        "readconf.c parse_token: match_pattern_list(.., 1)",
        true,
    ),
    (
        Caller::KnownHosts,
        "hostfile.c match_maybe_hashed: match_hostname",
        true,
    ),
    (
        Caller::Algorithms,
        "match.c match_filter_*: match_pattern_list(.., 0)",
        false,
    ),
];

impl Caller {
    fn folds(self) -> bool {
        CALLERS
            .iter()
            .find(|(c, _, _)| *c == self)
            .is_some_and(|(_, _, fold)| *fold)
    }
}

/// OpenSSH's `match_pattern`: `s` against one pattern, byte by byte.
/// Iterative (the last `*` is retried one byte further on a mismatch),
/// which accepts exactly what the recursive original accepts.
fn match_pattern(s: &[u8], pattern: &[u8]) -> bool {
    let (mut si, mut pi) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        match pattern.get(pi) {
            Some(b'*') => {
                pi += 1;
                star = Some((pi, si));
            }
            Some(&p) if p == b'?' || p == s[si] => {
                pi += 1;
                si += 1;
            }
            _ => match star {
                Some((after, from)) => {
                    pi = after;
                    si = from + 1;
                    star = Some((after, from + 1));
                }
                None => return false,
            },
        }
    }
    pattern[pi..].iter().all(|&b| b == b'*')
}

/// One pattern of a list, maybe negated, as bytes (ASCII-lowered when the
/// caller folds case).
#[derive(Debug, Clone)]
struct Pattern {
    negated: bool,
    bytes: Vec<u8>,
}

/// A parsed pattern list.
#[derive(Debug, Clone)]
pub(crate) struct PatternList {
    patterns: Vec<Pattern>,
    fold: bool,
    /// A pattern of 1023 bytes or more: OpenSSH's list then matches
    /// nothing from that pattern on.
    too_long_at: Option<usize>,
}

/// OpenSSH's `sub[1024]` buffer: a sub-pattern must be shorter than this.
const SUB_PATTERN_MAX: usize = 1023;

impl PatternList {
    /// Parse `patterns` (each possibly `!`-prefixed) for `caller`.
    pub(crate) fn new<'a>(
        patterns: impl IntoIterator<Item = &'a str>,
        caller: Caller,
    ) -> PatternList {
        let fold = caller.folds();
        let patterns: Vec<Pattern> = patterns
            .into_iter()
            .map(|text| {
                let (negated, glob) = match text.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, text),
                };
                let bytes = if fold {
                    glob.as_bytes().to_ascii_lowercase()
                } else {
                    glob.as_bytes().to_vec()
                };
                Pattern { negated, bytes }
            })
            .collect();
        // `Host` arguments are matched one by one, without the buffer.
        let too_long_at = (caller != Caller::HostKeyword)
            .then(|| {
                patterns
                    .iter()
                    .position(|p| p.bytes.len() >= SUB_PATTERN_MAX)
            })
            .flatten();
        PatternList {
            patterns,
            fold,
            too_long_at,
        }
    }

    /// True when some positive pattern matches and no negated one does.
    pub(crate) fn matches(&self, name: &str) -> bool {
        let lowered;
        let name = if self.fold {
            lowered = name.as_bytes().to_ascii_lowercase();
            &lowered[..]
        } else {
            name.as_bytes()
        };
        let mut matched = false;
        for (index, pattern) in self.patterns.iter().enumerate() {
            if self.too_long_at == Some(index) {
                return false;
            }
            if match_pattern(name, &pattern.bytes) {
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
mod tests;
