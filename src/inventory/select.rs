//! `--limit`: Ansible's host patterns over an inventory.

use std::collections::HashSet;

use super::{Host, Inventory, InventoryError};

impl Inventory {
    /// Hosts selected by an Ansible `--limit` pattern, in file order, each
    /// once.
    ///
    /// Terms are separated by `,` (or by `:` when there is no comma). A term
    /// is a host name, a group name (its hosts, including through
    /// `children`), a glob (`esa0*`, `*.emea.example.com`) matched against
    /// host and group names, or `~regex`. `!term` excludes and `&term`
    /// intersects, applied after all plain terms as Ansible does; with none
    /// of those, selection starts from all hosts. `None`, `all` and `*` select
    /// everything. Not supported: `@file` and `group[0:2]` subscripts.
    ///
    /// A term that matches no host and no group is an error, and so is a
    /// selection that ends up empty: a typo in `--limit` must not silently
    /// run against nothing (or, with `!`, against everything).
    pub(crate) fn select(&self, limit: Option<&str>) -> Result<Vec<&Host>, InventoryError> {
        let Some(limit) = limit.map(str::trim) else {
            return Ok(self.hosts.iter().collect());
        };
        let terms = split_limit(limit, |name| self.host(name).is_some());
        if terms.is_empty() {
            return Err(self.no_match(limit));
        }
        let mut regular = Vec::new();
        let mut intersect = Vec::new();
        let mut exclude = Vec::new();
        for term in terms {
            if let Some(t) = term.strip_prefix('!') {
                exclude.push(t.trim());
            } else if let Some(t) = term.strip_prefix('&') {
                intersect.push(t.trim());
            } else {
                regular.push(term);
            }
        }
        if regular.is_empty() {
            regular.push("all");
        }
        let mut chosen = vec![false; self.hosts.len()];
        for term in regular {
            for (c, m) in chosen.iter_mut().zip(self.matching(term)?) {
                *c |= m;
            }
        }
        for term in intersect {
            for (c, m) in chosen.iter_mut().zip(self.matching(term)?) {
                *c &= m;
            }
        }
        for term in exclude {
            for (c, m) in chosen.iter_mut().zip(self.matching(term)?) {
                *c &= !m;
            }
        }
        let selected: Vec<&Host> = self
            .hosts
            .iter()
            .zip(chosen)
            .filter_map(|(h, c)| c.then_some(h))
            .collect();
        if selected.is_empty() {
            return Err(self.no_match(limit));
        }
        Ok(selected)
    }

    /// Which hosts one `--limit` term (without its `!`/`&`) matches.
    fn matching(&self, term: &str) -> Result<Vec<bool>, InventoryError> {
        if term == "all" || term == "*" {
            return Ok(vec![true; self.hosts.len()]);
        }
        let matcher = NameMatcher::new(term).map_err(|message| InventoryError::InvalidNoLine {
            path: self.path.clone(),
            message: format!("--limit pattern `{term}`: {message}"),
        })?;
        let groups: HashSet<&str> = self
            .groups
            .iter()
            .filter(|g| matcher.is_match(g))
            .map(String::as_str)
            .collect();
        let hosts: Vec<bool> = self
            .hosts
            .iter()
            .map(|h| {
                matcher.is_match(&h.name) || h.groups.iter().any(|g| groups.contains(g.as_str()))
            })
            .collect();
        let hosts_named = self.hosts.iter().any(|h| matcher.is_match(&h.name));
        if groups.is_empty() && !hosts_named {
            return Err(self.no_match(term));
        }
        Ok(hosts)
    }

    fn no_match(&self, pattern: &str) -> InventoryError {
        InventoryError::NoMatch {
            path: self.path.clone(),
            pattern: pattern.to_string(),
        }
    }
}

/// How one `--limit` term matches a host or group name.
enum NameMatcher {
    Exact(String),
    Glob(globset::GlobMatcher),
    Regex(regex::Regex),
}

impl NameMatcher {
    fn new(term: &str) -> Result<NameMatcher, String> {
        if term.is_empty() {
            return Err("empty term".to_string());
        }
        if let Some(re) = term.strip_prefix('~') {
            // Ansible uses Python's `re.match`: anchored at the start only.
            return regex::Regex::new(&format!("^(?:{re})"))
                .map(NameMatcher::Regex)
                .map_err(|e| format!("invalid regular expression: {e}"));
        }
        if term.contains(['*', '?', '[']) {
            return globset::GlobBuilder::new(term)
                .literal_separator(false)
                .backslash_escape(true)
                .build()
                .map(|g| NameMatcher::Glob(g.compile_matcher()))
                .map_err(|e| format!("invalid glob: {e}"));
        }
        Ok(NameMatcher::Exact(term.to_string()))
    }

    fn is_match(&self, name: &str) -> bool {
        match self {
            NameMatcher::Exact(t) => t == name,
            NameMatcher::Glob(g) => g.is_match(name),
            NameMatcher::Regex(r) => r.is_match(name),
        }
    }
}

/// Split a `--limit` value into terms: on commas, or, when there is none, on
/// colons outside `[...]` (Ansible's older separator) unless the whole value
/// is an IPv6 address or a host name.
fn split_limit(limit: &str, is_host: impl Fn(&str) -> bool) -> Vec<&str> {
    let terms: Vec<&str> = if limit.contains(',') {
        limit.split(',').collect()
    } else if limit.contains(':') && !is_host(limit) && limit.parse::<std::net::Ipv6Addr>().is_err()
    {
        let mut terms = Vec::new();
        let mut depth = 0usize;
        let mut start = 0;
        for (i, c) in limit.char_indices() {
            match c {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                ':' if depth == 0 => {
                    terms.push(&limit[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        terms.push(&limit[start..]);
        terms
    } else {
        vec![limit]
    };
    terms
        .into_iter()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect()
}
