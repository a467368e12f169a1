//! Host patterns as Ansible evaluates them (`ansible PATTERN`, `--limit`).

use std::collections::HashSet;
use std::path::Path;

use super::{Host, Inventory, InventoryError};

/// Hosts a pattern selects, and the terms that matched nothing (Ansible
/// warns about those and goes on).
#[derive(Debug)]
pub(crate) struct Selection<'i> {
    pub hosts: Vec<&'i Host>,
    pub unmatched: Vec<String>,
}

impl Inventory {
    /// Hosts selected by an Ansible pattern, in Ansible's order for that
    /// pattern, each once.
    ///
    /// Terms are separated by `,` (or by `:` when the whole is not one
    /// host, address or range). A term that is exactly a host name selects
    /// that host even if a group has the name or it starts with `!`/`&`;
    /// otherwise a term is a group
    /// or host name, a glob (`esa0*`) or `~regex`, optionally subscripted
    /// (`web[0]`, `web[-1]`, `web[0:1]`, `web[1:]`). `!term` excludes and
    /// `&term` intersects, after all plain terms; with only those, selection
    /// starts from all hosts.
    pub(crate) fn hosts_matching(&self, pattern: &str) -> Result<Selection<'_>, InventoryError> {
        let terms: Vec<String> = split_pattern(pattern)
            .into_iter()
            .map(String::from)
            .collect();
        match self.evaluate(&terms) {
            // `ansible PATTERN` reports no hosts for the whole pattern
            // (a --limit stops with the error instead).
            Err(InventoryError::Subscript { .. }) => Ok(Selection {
                hosts: Vec::new(),
                unmatched: Vec::new(),
            }),
            other => other,
        }
    }

    fn evaluate(&self, terms: &[String]) -> Result<Selection<'_>, InventoryError> {
        // `&` or `!` with nothing after it: ansible-core fails on it
        // (IndexError in `_split_subscript`, "this is probably a bug").
        if let Some(term) = terms.iter().find(|t| matches!(t.as_str(), "&" | "!")) {
            return Err(InventoryError::InvalidNoLine {
                path: self.path().to_path_buf(),
                message: format!(
                    "host pattern term `{term}` names nothing after `{term}`; ansible-core stops on it with an internal error (string index out of range)"
                ),
            });
        }
        let mut regular: Vec<&str> = Vec::new();
        let mut intersect = Vec::new();
        let mut exclude = Vec::new();
        for term in terms {
            match term.chars().next() {
                Some('!') => exclude.push(term.as_str()),
                Some('&') => intersect.push(term.as_str()),
                _ => regular.push(term.as_str()),
            }
        }
        if regular.is_empty() {
            regular.push("all");
        }
        let mut hosts: Vec<usize> = Vec::new();
        let mut unmatched = Vec::new();
        for term in regular.into_iter().chain(intersect).chain(exclude) {
            // A term that is a host's whole name is that host, added even
            // when it starts with `!` or `&` (a host named `!neg`): Ansible's
            // `_evaluate_patterns` looks the term up among the hosts before
            // reading any operator.
            let plain_host = self.hosts.iter().position(|h| h.name == term);
            let matched: Vec<usize> = match plain_host {
                Some(i) => vec![i],
                None => {
                    // Only the first `!`/`&` is an operator (`!!web` excludes
                    // hosts named `!web`), as in Ansible.
                    let bare = term.strip_prefix(['!', '&']).unwrap_or(term);
                    let (found, any) = self.match_one(bare)?;
                    if !any {
                        unmatched.push(term.to_string());
                    }
                    found
                }
            };
            match term.chars().next().filter(|_| plain_host.is_none()) {
                Some('!') => {
                    let set: HashSet<usize> = matched.into_iter().collect();
                    hosts.retain(|h| !set.contains(h));
                }
                Some('&') => {
                    let set: HashSet<usize> = matched.into_iter().collect();
                    hosts.retain(|h| set.contains(h));
                }
                _ => {
                    let mut seen: HashSet<usize> = hosts.iter().copied().collect();
                    for h in matched {
                        if seen.insert(h) {
                            hosts.push(h);
                        }
                    }
                }
            }
        }
        Ok(Selection {
            hosts: hosts.into_iter().map(|i| &self.hosts[i]).collect(),
            unmatched,
        })
    }

    /// `--limit`: hosts in inventory order that the pattern selects, where
    /// a term `@file` reads one pattern a line from the file; no limit
    /// is the pattern `all`. Terms that match nothing are warned about;
    /// a selection that ends up empty is an error, so that a typo never
    /// runs against nothing.
    pub(crate) fn select(&self, limit: Option<&str>) -> Result<Vec<&Host>, InventoryError> {
        // No limit is the pattern `all`, which a host named `all` answers
        // alone (as `ansible all` and a play's `hosts: all` do).
        // A limit narrows that pattern's hosts, never adds to them.
        let all = self.evaluate(&["all".to_string()])?;
        let in_all: HashSet<&str> = all.hosts.iter().map(|h| h.name.as_str()).collect();
        let Some(limit) = limit else {
            return Ok(self
                .hosts
                .iter()
                .filter(|h| in_all.contains(h.name.as_str()))
                .collect());
        };
        // As ansible-core's `InventoryManager.subset`: the terms, each
        // `@file` replaced by its lines (stripped, blank ones kept: they
        // select nothing themselves). No term at all (`''`, `,`, `' '`,
        // `:`) sets no subset: every host, as in Ansible.
        let mut terms = Vec::new();
        for term in split_pattern(limit) {
            match term.strip_prefix('@') {
                Some(file) => {
                    let text =
                        crate::support::bounds::read_input(Path::new(file)).map_err(|source| {
                            InventoryError::LimitFile {
                                path: file.into(),
                                source,
                            }
                        })?;
                    terms.extend(python_lines(&text).map(|l| l.trim_matches(py_space).to_string()));
                }
                None => terms.push(term.to_string()),
            }
        }
        let terms: Vec<String> = terms.into_iter().filter(|t| !t.is_empty()).collect();
        let selection = self.evaluate(&terms)?;
        for term in &selection.unmatched {
            let near = self.nearest(term.trim_start_matches(['!', '&']));
            let near = if near.is_empty() {
                String::new()
            } else {
                format!(" (nearest: {})", near.join(", "))
            };
            tracing::warn!("--limit term `{term}` matches no host or group{near}; ignored");
        }
        let chosen: HashSet<&str> = selection.hosts.iter().map(|h| h.name.as_str()).collect();
        let selected: Vec<&Host> = self
            .hosts
            .iter()
            .filter(|h| chosen.contains(h.name.as_str()) && in_all.contains(h.name.as_str()))
            .collect();
        if selected.is_empty() {
            return Err(InventoryError::NoMatch {
                path: self.path().to_path_buf(),
                pattern: limit.to_string(),
                hint: self.nearest_hint(&selection.unmatched),
            });
        }
        Ok(selected)
    }

    /// One term without its `!`/`&`: host indexes, and whether any group or
    /// host matched at all.
    fn match_one(&self, term: &str) -> Result<(Vec<usize>, bool), InventoryError> {
        let (expr, subscript) = split_subscript(term);
        let matcher = NameMatcher::new(expr).map_err(|message| InventoryError::InvalidNoLine {
            path: self.path().to_path_buf(),
            message: format!("host pattern `{term}`: {message}"),
        })?;
        if let NameMatcher::Regex(_, true) = matcher {
            let names = self.groups.iter().map(|g| &g.name);
            if let Some(name) = names
                .chain(self.hosts.iter().map(|h| &h.name))
                .find(|n| !super::pyre::classes_agree_on(n))
            {
                return Err(InventoryError::InvalidNoLine {
                    path: self.path().to_path_buf(),
                    message: format!(
                        "host pattern `{term}`: \\d, \\w, \\s or \\b on the name `{name}` (non-ASCII), which Python's re classes read differently"
                    ),
                });
            }
        }
        let index = |name: &str| self.hosts.iter().position(|h| h.name == name);
        let mut results: Vec<usize> = Vec::new();
        let groups: Vec<&super::Group> = self
            .groups
            .iter()
            .filter(|g| matcher.is_match(&g.name))
            .collect();
        for g in &groups {
            results.extend(g.all_hosts.iter().filter_map(|n| index(n)));
        }
        if groups.is_empty() || expr.starts_with('~') || expr.contains(['.', '?', '*', '[']) {
            // Host names match in the order hosts were added, as Ansible's.
            results.extend(
                self.added
                    .iter()
                    .copied()
                    .filter(|&i| matcher.is_match(&self.hosts[i].name)),
            );
        }
        let any = !results.is_empty() || !groups.is_empty();
        let mut seen = HashSet::new();
        results.retain(|h| seen.insert(*h));
        let results = match subscript {
            None => results,
            Some(_) if results.is_empty() => results,
            Some((start, end)) => {
                let len = results.len() as i64;
                let pick = |i: i64| -> Option<usize> {
                    let i = if i < 0 { len + i } else { i };
                    (0..len).contains(&i).then_some(i as usize)
                };
                match end {
                    Some(end) if end != 0 => {
                        let end = if end == -1 { len - 1 } else { end };
                        let from = start.clamp(0, len) as usize;
                        let to = end.saturating_add(1).clamp(0, len) as usize;
                        results
                            .get(from..to.max(from))
                            .map(<[usize]>::to_vec)
                            .unwrap_or_default()
                    }
                    // Out of range: Ansible's IndexError, which stops it.
                    _ => match pick(start) {
                        Some(i) => vec![results[i]],
                        None => {
                            return Err(InventoryError::Subscript {
                                path: self.path().to_path_buf(),
                                pattern: term.to_string(),
                                hosts: results.len(),
                            });
                        }
                    },
                }
            }
        };
        Ok((results, any))
    }
}

/// `web[0]`, `web[-1]`, `web[0:2]`, `web[1:]` → (`web`, (start, end)), as
/// ansible-core's `PATTERN_WITH_SUBSCRIPT` reads them: `-?[0-9]+` alone,
/// or `[0-9]+` then `:` or `-` then `[0-9]*` (ASCII digits, no `+`).
/// Python's integers have no size: a bound past `i64` is saturated, which
/// selects exactly what Python's clamping slice or its `IndexError` does,
/// as no inventory holds `i64::MAX` hosts.
fn split_subscript(term: &str) -> (&str, Option<(i64, Option<i64>)>) {
    if term.starts_with('~') || !term.ends_with(']') {
        return (term, None);
    }
    let Some(open) = term.rfind('[') else {
        return (term, None);
    };
    let (expr, inner) = (&term[..open], &term[open + 1..term.len() - 1]);
    if expr.is_empty() {
        return (term, None);
    }
    if let Some(i) = python_int(inner) {
        return (expr, Some((i, None)));
    }
    let Some((a, end)) = inner.split_once([':', '-']) else {
        return (term, None);
    };
    let Some(start) = python_int(a).filter(|_| !a.starts_with('-')) else {
        return (term, None);
    };
    if end.is_empty() {
        return (expr, Some((start, Some(-1))));
    }
    match python_int(end) {
        Some(e) if !end.starts_with('-') => (expr, Some((start, Some(e)))),
        _ => (term, None),
    }
}

/// `-?[0-9]+` as a number, saturated at `i64`'s ends; `None` for any
/// other text.
fn python_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut value: i64 = 0;
    for b in digits.bytes() {
        let d = i64::from(b - b'0');
        value = value
            .saturating_mul(10)
            .saturating_add(if negative { -d } else { d });
    }
    Some(value)
}

/// How one term matches a host or group name: Python's `fnmatch` (case
/// sensitive) or `re.match` for `~regex`.
enum NameMatcher {
    Exact(String),
    Glob(super::fnmatch::Fnmatch),
    /// The regex, and whether it uses Unicode classes (see `pyre`).
    Regex(regex::Regex, bool),
}

impl NameMatcher {
    fn new(term: &str) -> Result<NameMatcher, String> {
        if term.is_empty() {
            return Err("empty term".to_string());
        }
        if let Some(re) = term.strip_prefix('~') {
            let checked = super::pyre::check(re)?;
            return regex::Regex::new(&format!("^(?:{re})"))
                .map(|r| NameMatcher::Regex(r, checked.unicode_classes))
                .map_err(|e| format!("invalid regular expression: {e}"));
        }
        if term.contains(['*', '?', '[']) {
            return super::fnmatch::Fnmatch::new(term).map(NameMatcher::Glob);
        }
        Ok(NameMatcher::Exact(term.to_string()))
    }

    fn is_match(&self, name: &str) -> bool {
        match self {
            NameMatcher::Exact(t) => t == name,
            NameMatcher::Glob(g) => g.is_match(name),
            NameMatcher::Regex(r, _) => r.is_match(name),
        }
    }
}

/// Split a pattern into terms exactly as Ansible's `split_host_pattern`:
/// on commas; without one, the whole is one term if Ansible's
/// `parse_address` reads it (a host, an address, `name:port`, a range),
/// else the terms are the runs of characters other than whitespace, `:`,
/// `[` and `]`, each run able to hold whole `[...]` groups (so `!db web1`
/// is `!db` and `web1`, and an unclosed `[` separates, as in Ansible).
fn split_pattern(pattern: &str) -> Vec<&str> {
    let terms: Vec<&str> = if pattern.contains(',') {
        pattern.split(',').collect()
    } else if is_name_port(pattern) {
        vec![pattern]
    } else {
        findall_terms(pattern)
    };
    terms
        .into_iter()
        .map(|t| t.trim_matches(py_space))
        .filter(|t| !t.is_empty())
        .collect()
}

/// A file's lines as Python reads them in text mode and splits them on
/// `\n`: universal newlines (`\r\n` and a lone `\r` end a line too), and
/// an empty last line after a final newline.
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    text.split("\r\n").flat_map(|part| part.split(['\r', '\n']))
}

/// Python's `str.isspace` (what `strip()` removes and `\s` matches).
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// `re.findall(r'(?:[^\s:\[\]]|\[[^\]]*\])+', pattern)`.
fn findall_terms(pattern: &str) -> Vec<&str> {
    let bytes: Vec<(usize, char)> = pattern.char_indices().collect();
    let mut terms = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while let Some(&(_, c)) = bytes.get(i) {
            if !py_space(c) && !matches!(c, ':' | '[' | ']') {
                i += 1;
            } else if c == '[' {
                match bytes[i + 1..].iter().position(|&(_, c)| c == ']') {
                    Some(close) => i += close + 2,
                    None => break,
                }
            } else {
                break;
            }
        }
        if i > start {
            let end = bytes.get(i).map_or(pattern.len(), |&(b, _)| b);
            terms.push(&pattern[bytes[start].0..end]);
        } else {
            i += 1;
        }
    }
    terms
}

/// `name:22`, `2001:db8::5` (Ansible's `parse_address` accepts it as one
/// pattern).
fn is_name_port(pattern: &str) -> bool {
    super::address::checked(pattern, true).is_some()
}

/// How many nearest names a refused `--limit` suggests.
const NEAREST: usize = 3;

impl Inventory {
    /// `; nearest: esa001.example.com (host), broken (group); \`sshfleet
    /// inventory -i FILE\` lists every host and its groups`.
    fn nearest_hint(&self, unmatched: &[String]) -> String {
        let mut near: Vec<String> = Vec::new();
        for term in unmatched {
            for name in self.nearest(term.trim_start_matches(['!', '&'])) {
                if !near.contains(&name) {
                    near.push(name);
                }
            }
        }
        let near = if near.is_empty() {
            String::new()
        } else {
            format!("; nearest: {}", near.join(", "))
        };
        format!(
            "{near}; `sshfleet inventory -i {}` lists every host and its groups",
            self.path().display()
        )
    }

    /// The host and group names nearest to a term that matched nothing
    /// (`esa1` for `esa001.example.com`, `Broken` for `broken`), each with
    /// what it is; none for a glob or regex term.
    pub(crate) fn nearest(&self, term: &str) -> Vec<String> {
        if term.is_empty() || term.contains(['*', '?', '[', '~']) {
            return Vec::new();
        }
        let hosts = self.hosts.iter().map(|h| (h.name.as_str(), "host"));
        let groups = self.groups.iter().map(|g| (g.name.as_str(), "group"));
        let mut scored: Vec<(usize, String)> = hosts
            .chain(groups)
            .filter_map(|(name, kind)| {
                closeness(term, name).map(|d| (d, format!("{name} ({kind})")))
            })
            .collect();
        scored.sort();
        scored.into_iter().take(NEAREST).map(|(_, n)| n).collect()
    }
}

/// How far `name` is from what `term` likely meant: 0 when they differ
/// only in case or zero-padding (`ESA1` and `esa001`), or when `term` is
/// the name's first label so compared (`esa001` for
/// `esa001.example.com`); else the edit distance when small; `None` when
/// not near.
fn closeness(term: &str, name: &str) -> Option<usize> {
    let (t, n) = (loose(term), loose(name));
    let first_label = name.split('.').next().unwrap_or(name);
    if t == n || t == loose(first_label) {
        return Some(0);
    }
    let d = edit_distance(&t, &n).min(edit_distance(&t, &loose(first_label)));
    (d <= (t.chars().count() / 4).max(1)).then_some(d)
}

/// Lower case, leading zeros of each run of digits dropped.
fn loose(text: &str) -> String {
    let mut out = String::new();
    let mut prev_digit = false;
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next_is_digit = chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if *c == '0' && !prev_digit && next_is_digit {
            continue;
        }
        prev_digit = c.is_ascii_digit();
        out.extend(c.to_lowercase());
    }
    out
}

/// Levenshtein distance, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(here + 1);
            prev = here;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_differ_in_case_padding_or_a_typo() {
        for (term, name, want) in [
            ("esa1", "esa001.example.com", Some(0)),
            ("esa001", "esa001.example.com", Some(0)),
            ("ESA001.example.com", "esa001.example.com", Some(0)),
            ("Broken", "broken", Some(0)),
            ("esa10", "esa010", Some(0)),
            ("esa10", "esa001", Some(1)),
            ("brokn", "broken", Some(1)),
            ("emea", "apac", None),
            ("pc0100", "pc100", Some(0)),
        ] {
            assert_eq!(closeness(term, name), want, "{term} / {name}");
        }
        assert_eq!(loose("Esa007-B00"), "esa7-b0");
    }

    /// Each row checked against ansible-core 2.19 (`split_host_pattern`).
    #[test]
    fn patterns_split_as_ansible_splits_them() {
        for (pattern, want) in [
            ("!db web1", &["!db", "web1"][..]),
            ("web1 db1", &["web1", "db1"]),
            ("all !db", &["all", "!db"]),
            ("web1:db1", &["web1", "db1"]),
            ("web1\t:  db1", &["web1", "db1"]),
            ("web[0:1] !db", &["web[0:1]", "!db"]),
            ("web[1", &["web", "1"]),
            ("web1:22", &["web1:22"]),
            ("2001:db8::5", &["2001:db8::5"]),
            ("esa[01:09]", &["esa[01:09]"]),
            ("a b,c", &["a b", "c"]),
            ("", &[]),
            (" , ", &[]),
        ] {
            assert_eq!(split_pattern(pattern), want, "{pattern:?}");
        }
    }

    #[test]
    #[allow(clippy::panic)]
    fn space_separated_limit_selects_as_ansible() {
        let text = "all:\n  hosts:\n    web1:\n    db1:\n  children:\n    db:\n      hosts:\n        db1:\n";
        let inv = Inventory::parse(text, Path::new("inv.yaml")).unwrap_or_else(|e| panic!("{e}"));
        let names = |limit: &str| -> Vec<String> {
            inv.select(Some(limit))
                .unwrap_or_else(|e| panic!("{limit}: {e}"))
                .iter()
                .map(|h| h.name.clone())
                .collect()
        };
        assert_eq!(names("!db web1"), ["web1"]);
        assert_eq!(names("web1 db1"), ["web1", "db1"]);
        assert_eq!(names("all !db"), ["web1"]);
    }

    #[test]
    fn regex_terms_python_reads_differently_are_refused() {
        let text = "all:\n  hosts:\n    web1:\n    wéb2:\n";
        let Ok(inv) = Inventory::parse(text, Path::new("inv.yaml")) else {
            unreachable!("the inventory parses")
        };
        for pattern in ["~web[[:digit:]]", "~w(?i)EB", "~\\w+\\d"] {
            assert!(inv.select(Some(pattern)).is_err(), "{pattern}");
        }
        assert!(inv.select(Some("~web[0-9]")).is_ok());
    }
}
