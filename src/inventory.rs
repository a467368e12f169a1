//! Ansible's YAML inventory format, so that a team's existing inventory
//! works unchanged: `all` / `hosts` / `children` / `vars`, `ansible_host`,
//! `ansible_port`, `ansible_user`, `ansible_ssh_private_key_file`. Passwords
//! are never read from the file, only the name of an environment variable.
//!
//! What follows Ansible, and where sshfleet differs:
//! - Every top-level key is a group; groups with no parent become children
//!   of `all`, and hosts in no group but `all` also belong to `ungrouped`.
//! - A group or host may be written in several places; the definitions merge
//!   (for variables, the later one in the file wins).
//! - Variables merge as Ansible's default (`hash_behaviour = replace`) does:
//!   groups ordered by depth below `all`, then by name, each overriding the
//!   ones before; host variables last. `ansible_group_priority` is **not**
//!   honoured (it is accepted and kept as an ordinary variable).
//! - Variables that name the same setting (`ansible_user` and the legacy
//!   `ansible_ssh_user`; `sshfleet_password_env` and an `ansible_password`
//!   env lookup; ...) replace each other, so the most specific level wins
//!   whichever spelling it uses.
//! - Host ranges `esa[01:12]`, `esa[01:12:2]`, `node[a:c]` expand as in
//!   Ansible; a host key `name:2222` sets `ansible_port`.
//! - YAML merge keys (`<<: *defaults`) are applied.
//! - Unknown keys in a group are an error (Ansible warns and skips them).
//! - Jinja templates are not rendered, except that the one idiom
//!   `"{{ lookup('env', 'NAME') }}"` is understood for passwords.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};

use serde_yaml::{Mapping, Value};

use crate::yaml_lines::YamlLines;

/// A variable value as written in the inventory.
pub type VarValue = serde_yaml::Value;

/// Variables that would carry a password. sshfleet refuses them unless they
/// only name an environment variable, so a secret never sits in a file that
/// gets copied, committed and attached to TAC cases.
const PASSWORD_VARS: [&str; 4] = [
    "ansible_password",
    "ansible_ssh_pass",
    "ansible_become_password",
    "ansible_become_pass",
];

/// sshfleet's own way to name the environment variable holding the password.
pub const PASSWORD_ENV_VAR: &str = "sshfleet_password_env";

/// One host with its effective (merged) variables.
#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    /// The inventory name (what `--limit` and reports use).
    pub name: String,
    /// Every group the host belongs to, directly or through `children`,
    /// outermost first (`all` first).
    pub groups: Vec<String>,
    /// Effective variables: `all` < parent group < child group < host.
    pub vars: BTreeMap<String, VarValue>,
}

impl Host {
    /// `ansible_host` (or the legacy `ansible_ssh_host`), else the inventory
    /// name.
    pub fn address(&self) -> String {
        self.first_text(&["ansible_host", "ansible_ssh_host"])
            .unwrap_or_else(|| self.name.clone())
    }

    /// `ansible_port` (or the legacy `ansible_ssh_port`), else 22.
    pub fn port(&self) -> u16 {
        self.explicit_port().unwrap_or(22)
    }

    /// `ansible_port` (or the legacy `ansible_ssh_port`) if set: only then
    /// does it override ssh_config's `Port`, as with Ansible.
    pub fn explicit_port(&self) -> Option<u16> {
        ["ansible_port", "ansible_ssh_port"]
            .iter()
            .find_map(|k| self.vars.get(*k).and_then(parse_port))
    }

    /// `ansible_user` (or the legacy `ansible_ssh_user`), if set.
    pub fn user(&self) -> Option<String> {
        self.first_text(&["ansible_user", "ansible_ssh_user"])
    }

    /// `ansible_ssh_private_key_file` (or `ansible_private_key_file`) with a
    /// leading `~` expanded to `$HOME`, if set.
    pub fn private_key_file(&self) -> Option<PathBuf> {
        let text =
            self.first_text(&["ansible_ssh_private_key_file", "ansible_private_key_file"])?;
        Some(expand_home(&text))
    }

    /// Name of the environment variable holding the SSH password, if any:
    /// `sshfleet_password_env: NAME`, else the Ansible idiom
    /// `ansible_password: "{{ lookup('env', 'NAME') }}"` (or
    /// `ansible_ssh_pass`).
    pub fn password_env(&self) -> Option<String> {
        if let Some(name) = self.var_text(PASSWORD_ENV_VAR) {
            return is_env_name(&name).then_some(name);
        }
        ["ansible_password", "ansible_ssh_pass"]
            .iter()
            .find_map(|k| {
                self.vars
                    .get(*k)
                    .and_then(Value::as_str)
                    .and_then(env_lookup)
            })
    }

    /// A variable rendered as text (`true`, `15`, `10m`), if set to a scalar.
    pub fn var_text(&self, name: &str) -> Option<String> {
        self.vars.get(name).and_then(scalar_text)
    }

    fn first_text(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| self.var_text(n))
    }
}

/// Errors loading an inventory or selecting from it. Each names the file,
/// and the line where one is known.
#[derive(Debug, thiserror::Error)]
pub enum InventoryError {
    #[error("cannot read inventory {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("{path}: {message}")]
    InvalidNoLine { path: PathBuf, message: String },
    #[error("--limit pattern `{pattern}` matches no host in {path}")]
    NoMatch { path: PathBuf, pattern: String },
}

/// A loaded inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    path: PathBuf,
    hosts: Vec<Host>,
    /// Every group name: `all` first, then in file order.
    groups: Vec<String>,
}

impl Inventory {
    pub fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let text = std::fs::read_to_string(path).map_err(|source| InventoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Inventory::parse(&text, path)
    }

    /// Parse inventory `text`; `path` is used only to name the file in
    /// errors.
    pub fn parse(text: &str, path: &Path) -> Result<Inventory, InventoryError> {
        let root: Value = serde_yaml::from_str(text).map_err(|e| match e.location() {
            Some(loc) => InventoryError::Invalid {
                path: path.to_path_buf(),
                line: loc.line(),
                message: e.to_string(),
            },
            None => InventoryError::InvalidNoLine {
                path: path.to_path_buf(),
                message: e.to_string(),
            },
        })?;
        let mut builder = Builder::new(path, YamlLines::parse(text));
        builder.top(&root)?;
        builder.finish()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every host, in file order.
    pub fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Every group name, `all` first, then in file order (`ungrouped` last
    /// when it is implicit).
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// The host with this inventory name.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

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
    pub fn select(&self, limit: Option<&str>) -> Result<Vec<&Host>, InventoryError> {
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

/// A group as written, merged over every place it appears.
struct GroupData {
    name: String,
    vars: BTreeMap<String, Value>,
    parents: Vec<usize>,
    children: Vec<usize>,
}

/// A host as written, merged over every place it appears.
struct HostData {
    name: String,
    vars: BTreeMap<String, Value>,
    /// Groups the host is listed in directly.
    groups: Vec<usize>,
}

/// Most hosts one range pattern may expand to: a typo such as
/// `esa[1:100000000]` should be an error, not an out-of-memory.
const MAX_RANGE_HOSTS: usize = 100_000;

const ALL: usize = 0;

struct Builder<'a> {
    path: &'a Path,
    lines: YamlLines,
    groups: Vec<GroupData>,
    group_ids: HashMap<String, usize>,
    hosts: Vec<HostData>,
    host_ids: HashMap<String, usize>,
}

impl<'a> Builder<'a> {
    fn new(path: &'a Path, lines: YamlLines) -> Builder<'a> {
        let mut builder = Builder {
            path,
            lines,
            groups: Vec::new(),
            group_ids: HashMap::new(),
            hosts: Vec::new(),
            host_ids: HashMap::new(),
        };
        builder.group_id("all");
        builder
    }

    fn invalid(&self, ypath: &[String], message: String) -> InventoryError {
        let refs: Vec<&str> = ypath.iter().map(String::as_str).collect();
        InventoryError::Invalid {
            path: self.path.to_path_buf(),
            line: self.lines.nearest_line_of(&refs).unwrap_or(1),
            message,
        }
    }

    fn group_id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.group_ids.get(name) {
            return id;
        }
        let id = self.groups.len();
        self.groups.push(GroupData {
            name: name.to_string(),
            vars: BTreeMap::new(),
            parents: Vec::new(),
            children: Vec::new(),
        });
        self.group_ids.insert(name.to_string(), id);
        id
    }

    fn host_id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.host_ids.get(name) {
            return id;
        }
        let id = self.hosts.len();
        self.hosts.push(HostData {
            name: name.to_string(),
            vars: BTreeMap::new(),
            groups: Vec::new(),
        });
        self.host_ids.insert(name.to_string(), id);
        id
    }

    fn top(&mut self, root: &Value) -> Result<(), InventoryError> {
        match root {
            Value::Null => Ok(()),
            Value::Mapping(map) => {
                for (key, value) in self.entries(map, &[])? {
                    let name = self.key_name(key, &[], "group")?;
                    self.group(&name, value, std::slice::from_ref(&name), None)?;
                }
                Ok(())
            }
            other => Err(self.invalid(
                &[],
                format!(
                    "an inventory must be a mapping of group names (usually `all:`), found {}",
                    kind(other)
                ),
            )),
        }
    }

    fn group(
        &mut self,
        name: &str,
        value: &Value,
        ypath: &[String],
        parent: Option<usize>,
    ) -> Result<(), InventoryError> {
        let id = self.group_id(name);
        if let Some(parent) = parent {
            self.link(parent, id, ypath)?;
        }
        let map = match value {
            Value::Null => return Ok(()),
            Value::Mapping(map) => map,
            other => {
                return Err(self.invalid(
                    ypath,
                    format!(
                        "group `{name}` must be a mapping with `hosts`, `children` or `vars`, found {}",
                        kind(other)
                    ),
                ));
            }
        };
        for (key, value) in self.entries(map, ypath)? {
            let key = self.key_name(key, ypath, "key")?;
            let here = extend(ypath, &key);
            match key.as_str() {
                "hosts" => self.group_hosts(id, value, &here)?,
                "vars" => {
                    let vars = self.vars(value, &here, &format!("group `{name}`"))?;
                    merge_vars(&mut self.groups[id].vars, vars);
                }
                "children" => match value {
                    Value::Null => {}
                    Value::Mapping(children) => {
                        for (child, child_value) in self.entries(children, &here)? {
                            let child = self.key_name(child, &here, "group")?;
                            let child_path = extend(&here, &child);
                            self.group(&child, child_value, &child_path, Some(id))?;
                        }
                    }
                    other => {
                        return Err(self.invalid(
                            &here,
                            format!(
                                "`children` of group `{name}` must be a mapping of group names, found {}",
                                kind(other)
                            ),
                        ));
                    }
                },
                _ => {
                    return Err(self.invalid(
                        &here,
                        format!(
                            "unknown key `{key}` in group `{name}`: a group may only have `hosts`, `children` and `vars`"
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Make `child` a child group of `parent`, refusing cycles.
    fn link(
        &mut self,
        parent: usize,
        child: usize,
        ypath: &[String],
    ) -> Result<(), InventoryError> {
        if child == ALL {
            return Err(self.invalid(
                ypath,
                "group `all` cannot be a child of another group: every group is already inside `all`"
                    .to_string(),
            ));
        }
        if self.groups[parent].children.contains(&child) {
            return Ok(());
        }
        if let Some(chain) = self.ancestry(parent, child) {
            let names: Vec<&str> = chain
                .iter()
                .rev()
                .chain(std::iter::once(&child))
                .map(|&g| self.groups[g].name.as_str())
                .collect();
            return Err(self.invalid(
                ypath,
                format!("group `children` form a cycle: {}", names.join(" → ")),
            ));
        }
        self.groups[parent].children.push(child);
        self.groups[child].parents.push(parent);
        Ok(())
    }

    /// The chain of parents from `from` up to `target` (both included), if
    /// `target` is `from` or one of its ancestors.
    fn ancestry(&self, from: usize, target: usize) -> Option<Vec<usize>> {
        let mut came_from: HashMap<usize, usize> = HashMap::new();
        let mut queue = VecDeque::from([from]);
        let mut seen = HashSet::from([from]);
        while let Some(g) = queue.pop_front() {
            if g == target {
                let mut chain = vec![g];
                let mut cur = g;
                while let Some(&next) = came_from.get(&cur) {
                    chain.push(next);
                    cur = next;
                }
                chain.reverse();
                return Some(chain);
            }
            for &p in &self.groups[g].parents {
                if seen.insert(p) {
                    came_from.insert(p, g);
                    queue.push_back(p);
                }
            }
        }
        None
    }

    fn group_hosts(
        &mut self,
        group: usize,
        value: &Value,
        ypath: &[String],
    ) -> Result<(), InventoryError> {
        let map = match value {
            Value::Null => return Ok(()),
            Value::Mapping(map) => map,
            other => {
                let name = &self.groups[group].name;
                return Err(self.invalid(
                    ypath,
                    format!(
                        "`hosts` of group `{name}` must be a mapping of host names (each followed by `:`), found {}",
                        kind(other)
                    ),
                ));
            }
        };
        for (key, host_value) in self.entries(map, ypath)? {
            let pattern = self.key_name(key, ypath, "host")?;
            let here = extend(ypath, &pattern);
            let (names_pattern, port) = split_port(&pattern);
            let names = expand_range(names_pattern)
                .map_err(|m| self.invalid(&here, format!("host `{pattern}`: {m}")))?;
            let vars = match host_value {
                Value::Null => Vec::new(),
                Value::Mapping(_) => self.vars(host_value, &here, &format!("host `{pattern}`"))?,
                other => {
                    return Err(self.invalid(
                        &here,
                        format!(
                            "host `{pattern}` must be empty or a mapping of variables, found {}",
                            kind(other)
                        ),
                    ));
                }
            };
            if port.is_some_and(|p| !(1..=65535).contains(&p)) {
                return Err(self.invalid(&here, format!("host `{pattern}`: port must be 1–65535")));
            }
            for name in names {
                let id = self.host_id(&name);
                let host = &mut self.hosts[id];
                if !host.groups.contains(&group) {
                    host.groups.push(group);
                }
                if let Some(port) = port {
                    merge_vars(
                        &mut host.vars,
                        [("ansible_port".to_string(), Value::from(port))],
                    );
                }
                merge_vars(&mut host.vars, vars.iter().cloned());
            }
        }
        Ok(())
    }

    /// A `vars` mapping (of a group or a host), checked.
    fn vars(
        &self,
        value: &Value,
        ypath: &[String],
        owner: &str,
    ) -> Result<Vec<(String, Value)>, InventoryError> {
        let map = match value {
            Value::Null => return Ok(Vec::new()),
            Value::Mapping(map) => map,
            other => {
                return Err(self.invalid(
                    ypath,
                    format!(
                        "variables of {owner} must be a mapping, found {}",
                        kind(other)
                    ),
                ));
            }
        };
        let mut vars = Vec::new();
        for (key, value) in self.entries(map, ypath)? {
            let key = self.key_name(key, ypath, "variable")?;
            let here = extend(ypath, &key);
            self.check_var(&key, value, &here, owner)?;
            vars.push((key, value.clone()));
        }
        Ok(vars)
    }

    fn check_var(
        &self,
        key: &str,
        value: &Value,
        ypath: &[String],
        owner: &str,
    ) -> Result<(), InventoryError> {
        if key == "ansible_port" || key == "ansible_ssh_port" {
            if parse_port(value).is_none() {
                let shown = scalar_text(value).unwrap_or_else(|| kind(value).to_string());
                return Err(self.invalid(
                    ypath,
                    format!("`{key}` of {owner} must be a port number 1–65535, found `{shown}`"),
                ));
            }
        } else if PASSWORD_VARS.contains(&key) {
            let is_lookup = value.as_str().and_then(env_lookup).is_some();
            if !value.is_null() && !is_lookup {
                // The value itself must never appear here: it may be the secret.
                return Err(self.invalid(
                    ypath,
                    format!(
                        "{owner} sets `{key}` inline; sshfleet never reads passwords from the inventory. \
                         Use `{PASSWORD_ENV_VAR}: VAR_NAME` or `{key}: \"{{{{ lookup('env', 'VAR_NAME') }}}}\"` \
                         and export the password in that environment variable"
                    ),
                ));
            }
        } else if key == PASSWORD_ENV_VAR {
            let ok = value.as_str().is_some_and(is_env_name);
            if !ok {
                // Not echoed either: a password pasted here by mistake is still a password.
                return Err(self.invalid(
                    ypath,
                    format!(
                        "`{PASSWORD_ENV_VAR}` of {owner} must be the name of an environment variable \
                         (letters, digits and `_`, not starting with a digit)"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The entries of a mapping in file order, with YAML merge keys (`<<`)
    /// applied: explicit keys win, then earlier merged mappings.
    fn entries<'v>(
        &self,
        map: &'v Mapping,
        ypath: &[String],
    ) -> Result<Vec<(&'v Value, &'v Value)>, InventoryError> {
        let merge_key = Value::from("<<");
        if !map.contains_key(&merge_key) {
            return Ok(map.iter().collect());
        }
        let explicit: HashSet<&Value> = map.keys().filter(|k| **k != merge_key).collect();
        let mut seen: HashSet<&Value> = HashSet::new();
        let mut out = Vec::new();
        for (key, value) in map {
            if *key != merge_key {
                out.push((key, value));
                continue;
            }
            let sources: Vec<&Mapping> = match value {
                Value::Mapping(m) => vec![m],
                Value::Sequence(items) => items.iter().filter_map(Value::as_mapping).collect(),
                _ => Vec::new(),
            };
            let expected = match value {
                Value::Sequence(items) => items.len(),
                _ => 1,
            };
            if sources.len() != expected {
                return Err(self.invalid(
                    &extend(ypath, "<<"),
                    "a merge key `<<` must refer to a mapping or a list of mappings".to_string(),
                ));
            }
            for source in sources {
                for (k, v) in self.entries(source, ypath)? {
                    if !explicit.contains(k) && seen.insert(k) {
                        out.push((k, v));
                    }
                }
            }
        }
        Ok(out)
    }

    fn key_name(
        &self,
        key: &Value,
        ypath: &[String],
        what: &str,
    ) -> Result<String, InventoryError> {
        match key {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(self.invalid(
                ypath,
                format!("a {what} name must be a plain name, found {}", kind(other)),
            )),
        }
    }

    fn finish(mut self) -> Result<Inventory, InventoryError> {
        if self.hosts.is_empty() {
            return Err(InventoryError::InvalidNoLine {
                path: self.path.to_path_buf(),
                message: "the inventory has no hosts".to_string(),
            });
        }
        // As Ansible: hosts in no group but `all` are also in `ungrouped`,
        // and groups with no parent are children of `all`.
        let lonely: Vec<usize> = (0..self.hosts.len())
            .filter(|&h| self.hosts[h].groups.iter().all(|&g| g == ALL))
            .collect();
        if !lonely.is_empty() || self.group_ids.contains_key("ungrouped") {
            let ungrouped = self.group_id("ungrouped");
            for h in lonely {
                self.hosts[h].groups.push(ungrouped);
            }
        }
        for g in 1..self.groups.len() {
            if self.groups[g].parents.is_empty() {
                self.groups[g].parents.push(ALL);
                self.groups[ALL].children.push(g);
            }
        }
        let depth = self.depths();

        let mut hosts = Vec::with_capacity(self.hosts.len());
        for host in &self.hosts {
            let mut member: HashSet<usize> = HashSet::from([ALL]);
            let mut stack: Vec<usize> = host.groups.clone();
            while let Some(g) = stack.pop() {
                if member.insert(g) {
                    stack.extend(self.groups[g].parents.iter().copied());
                }
            }
            let mut order: Vec<usize> = member.into_iter().collect();
            order.sort_by(|&a, &b| {
                (depth[a], &self.groups[a].name).cmp(&(depth[b], &self.groups[b].name))
            });
            let mut vars = BTreeMap::new();
            for &g in &order {
                merge_vars(&mut vars, self.groups[g].vars.clone());
            }
            merge_vars(&mut vars, host.vars.clone());
            hosts.push(Host {
                name: host.name.clone(),
                groups: order.iter().map(|&g| self.groups[g].name.clone()).collect(),
                vars,
            });
        }
        Ok(Inventory {
            path: self.path.to_path_buf(),
            hosts,
            groups: self.groups.into_iter().map(|g| g.name).collect(),
        })
    }

    /// Each group's depth below `all`: the longest chain of parents, as
    /// Ansible computes it. The graph is acyclic (see [`Builder::link`]).
    fn depths(&self) -> Vec<usize> {
        let n = self.groups.len();
        let mut pending: Vec<usize> = self.groups.iter().map(|g| g.parents.len()).collect();
        let mut depth = vec![0usize; n];
        let mut ready: Vec<usize> = (0..n).filter(|&g| pending[g] == 0).collect();
        while let Some(g) = ready.pop() {
            for &c in &self.groups[g].children {
                depth[c] = depth[c].max(depth[g] + 1);
                pending[c] -= 1;
                if pending[c] == 0 {
                    ready.push(c);
                }
            }
        }
        depth
    }
}

/// Variables that name the same setting. A level (group or host) that sets
/// any of them replaces what a less specific level set under any other, so
/// that `ansible_ssh_user` on a host beats `ansible_user` on `all`, and an
/// `ansible_password` env lookup on a group beats `sshfleet_password_env`
/// on `all`.
const ALIASES: [&[&str]; 5] = [
    &["ansible_host", "ansible_ssh_host"],
    &["ansible_port", "ansible_ssh_port"],
    &["ansible_user", "ansible_ssh_user"],
    &["ansible_ssh_private_key_file", "ansible_private_key_file"],
    &[PASSWORD_ENV_VAR, "ansible_password", "ansible_ssh_pass"],
];

/// Lay one level of variables over `acc`: later wins, and aliases (see
/// [`ALIASES`]) replace each other.
fn merge_vars(acc: &mut BTreeMap<String, Value>, level: impl IntoIterator<Item = (String, Value)>) {
    let level: Vec<(String, Value)> = level.into_iter().collect();
    for names in ALIASES {
        if level.iter().any(|(k, _)| names.contains(&k.as_str())) {
            for name in names {
                acc.remove(*name);
            }
        }
    }
    acc.extend(level);
}

fn extend(ypath: &[String], segment: &str) -> Vec<String> {
    let mut path = ypath.to_vec();
    path.push(segment.to_string());
    path
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a mapping",
        Value::Tagged(_) => "a tagged value",
    }
}

/// A scalar as text; `None` for null, lists, mappings and tagged values
/// other than Ansible's `!unsafe` (a `!vault` blob is not usable text).
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s.clone()),
        Value::Tagged(t) if t.tag == "unsafe" => scalar_text(&t.value),
        _ => None,
    }
}

fn parse_port(value: &Value) -> Option<u16> {
    let port: u64 = match value {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    u16::try_from(port).ok().filter(|&p| p != 0)
}

fn is_env_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The variable name in `{{ lookup('env', 'NAME') }}` (either quote style,
/// any spacing, `env` or `ansible.builtin.env`).
fn env_lookup(text: &str) -> Option<String> {
    let inner = text.trim().strip_prefix("{{")?.strip_suffix("}}")?.trim();
    let args = inner
        .strip_prefix("lookup")?
        .trim_start()
        .strip_prefix('(')?
        .strip_suffix(')')?;
    let (plugin, name) = args.split_once(',')?;
    let plugin = unquote(plugin.trim())?;
    let name = unquote(name.trim())?;
    let ok = (plugin == "env" || plugin == "ansible.builtin.env") && is_env_name(name);
    ok.then(|| name.to_string())
}

fn unquote(s: &str) -> Option<&str> {
    ['\'', '"']
        .iter()
        .find_map(|&q| s.strip_prefix(q)?.strip_suffix(q))
        .filter(|inner| !inner.contains(['\'', '"']))
}

fn expand_home(path: &str) -> PathBuf {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty());
    match (path, home) {
        ("~", Some(home)) => PathBuf::from(home),
        (p, Some(home)) if p.starts_with("~/") => PathBuf::from(home).join(&p[2..]),
        (p, _) => PathBuf::from(p),
    }
}

/// A host key `name:2222` carries a port, as Ansible's `parse_address`
/// allows. Colons inside `[...]` belong to ranges; a name with several
/// colons outside brackets is an IPv6 address, not `name:port`.
fn split_port(pattern: &str) -> (&str, Option<u32>) {
    let mut depth = 0usize;
    let mut colons = Vec::new();
    for (i, c) in pattern.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            ':' if depth == 0 => colons.push(i),
            _ => {}
        }
    }
    if let [i] = colons[..] {
        let (name, port) = (&pattern[..i], &pattern[i + 1..]);
        if !name.is_empty() && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) {
            return (name, Some(port.parse().unwrap_or(u32::MAX)));
        }
    }
    (pattern, None)
}

/// Expand Ansible host ranges: `esa[01:12]` (zero-padded when the start
/// is), `esa[1:9:2]`, `node[a:c]`; several ranges in one name multiply.
fn expand_range(pattern: &str) -> Result<Vec<String>, String> {
    let Some(open) = pattern.find('[') else {
        return Ok(vec![pattern.to_string()]);
    };
    let Some(close) = pattern[open..].find(']').map(|c| c + open) else {
        return Err("`[` without a closing `]`".to_string());
    };
    let (head, range, tail) = (
        &pattern[..open],
        &pattern[open + 1..close],
        &pattern[close + 1..],
    );
    let bounds: Vec<&str> = range.split(':').collect();
    let (beg, end, step) = match bounds[..] {
        [beg, end] => (beg, end, 1),
        [beg, end, step] => {
            let step: usize = step
                .parse()
                .ok()
                .filter(|&s| s > 0)
                .ok_or("range step must be a positive number")?;
            (beg, end, step)
        }
        _ => return Err("a host range is written [begin:end] or [begin:end:step]".to_string()),
    };
    let beg = if beg.is_empty() { "0" } else { beg };
    if end.is_empty() {
        return Err("a host range must give its end".to_string());
    }
    const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let items: Vec<String> = match (LETTERS.find(beg), LETTERS.find(end)) {
        (Some(b), Some(e)) if beg.len() == 1 && end.len() == 1 => {
            if b > e {
                return Err("a host range must have begin <= end".to_string());
            }
            LETTERS[b..=e]
                .chars()
                .step_by(step)
                .map(String::from)
                .collect()
        }
        _ => {
            let (Ok(b), Ok(e)) = (beg.parse::<u64>(), end.parse::<u64>()) else {
                return Err("a host range must be numbers or single letters".to_string());
            };
            if b > e {
                return Err("a host range must have begin <= end".to_string());
            }
            let count = (e - b) / step as u64 + 1;
            if count > MAX_RANGE_HOSTS as u64 {
                return Err(format!(
                    "a host range may expand to at most {MAX_RANGE_HOSTS} hosts"
                ));
            }
            let width = if beg.starts_with('0') && beg.len() > 1 {
                if beg.len() != end.len() {
                    return Err(
                        "a zero-padded host range must have begin and end of equal length"
                            .to_string(),
                    );
                }
                beg.len()
            } else {
                0
            };
            (b..=e)
                .step_by(step)
                .map(|n| format!("{n:0width$}"))
                .collect()
        }
    };
    let mut names = Vec::new();
    for item in items {
        for name in expand_range(&format!("{head}{item}{tail}"))? {
            names.push(name);
            if names.len() > MAX_RANGE_HOSTS {
                return Err(format!(
                    "a host range may expand to at most {MAX_RANGE_HOSTS} hosts"
                ));
            }
        }
    }
    Ok(names)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Inventory, InventoryError> {
        Inventory::parse(text, Path::new("inv.yaml"))
    }

    fn load(text: &str) -> Inventory {
        parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    /// The line and message of an `Invalid` error.
    fn invalid(text: &str) -> (usize, String) {
        match parse(text) {
            Err(InventoryError::Invalid {
                path,
                line,
                message,
            }) => {
                assert_eq!(path, Path::new("inv.yaml"));
                (line, message)
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    fn names(hosts: &[&Host]) -> Vec<String> {
        hosts.iter().map(|h| h.name.clone()).collect()
    }

    fn text(inv: &Inventory, host: &str, var: &str) -> Option<String> {
        inv.host(host).unwrap().var_text(var)
    }

    const FLEET: &str = "\
all:
  vars:
    level: all
  hosts:
    jump01:
  children:
    emea:
      vars:
        level: emea
      hosts:
        esa01.emea.example.com:
        esa02.emea.example.com:
      children:
        emea_dmz:
          hosts:
            esa03.emea.example.com:
    amer:
      hosts:
        esa01.amer.example.com:
        esa02.emea.example.com:
          role: also-amer
    empty:
";

    #[test]
    fn hosts_in_file_order_once_with_all_their_groups() {
        let inv = load(FLEET);
        let names: Vec<&str> = inv.hosts().iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "jump01",
                "esa01.emea.example.com",
                "esa02.emea.example.com",
                "esa03.emea.example.com",
                "esa01.amer.example.com"
            ]
        );
        assert_eq!(
            inv.host("esa02.emea.example.com").unwrap().groups,
            ["all", "amer", "emea"]
        );
        assert_eq!(
            inv.host("esa03.emea.example.com").unwrap().groups,
            ["all", "emea", "emea_dmz"]
        );
        assert_eq!(inv.host("jump01").unwrap().groups, ["all", "ungrouped"]);
        assert_eq!(
            text(&inv, "esa02.emea.example.com", "role").as_deref(),
            Some("also-amer")
        );
        assert_eq!(inv.path(), Path::new("inv.yaml"));
        assert_eq!(inv.groups()[0], "all");
        assert!(inv.groups().iter().any(|g| g == "empty"));
    }

    #[test]
    fn child_group_beats_parent_and_host_beats_groups() {
        let inv = load(
            "\
all:
  vars: {a: all, b: all, c: all, d: all}
  children:
    parent:
      vars: {b: parent, c: parent, d: parent}
      children:
        child:
          vars: {c: child, d: child}
          hosts:
            h1: {d: host}
",
        );
        let h = inv.host("h1").unwrap();
        assert_eq!(h.var_text("a").as_deref(), Some("all"));
        assert_eq!(h.var_text("b").as_deref(), Some("parent"));
        assert_eq!(h.var_text("c").as_deref(), Some("child"));
        assert_eq!(h.var_text("d").as_deref(), Some("host"));
        assert_eq!(h.groups, ["all", "parent", "child"]);
    }

    #[test]
    fn child_defined_before_its_parent_still_loses_to_nothing_above_it() {
        // `child` appears first in the file, but depth, not file order, decides.
        let inv = load(
            "\
child:
  vars: {x: child}
  hosts: {h1: }
parent:
  vars: {x: parent}
  children:
    child:
",
        );
        assert_eq!(text(&inv, "h1", "x").as_deref(), Some("child"));
        assert_eq!(inv.host("h1").unwrap().groups, ["all", "parent", "child"]);
    }

    #[test]
    fn same_depth_groups_apply_in_name_order() {
        // `zeta` comes first in the file but sorts last, so it wins.
        let inv = load(
            "\
zeta:
  vars: {x: zeta}
  hosts: {h1: }
alpha:
  vars: {x: alpha, y: alpha}
  hosts: {h1: }
",
        );
        assert_eq!(text(&inv, "h1", "x").as_deref(), Some("zeta"));
        assert_eq!(text(&inv, "h1", "y").as_deref(), Some("alpha"));
        assert_eq!(inv.host("h1").unwrap().groups, ["all", "alpha", "zeta"]);
    }

    #[test]
    fn deeper_path_gives_the_depth() {
        // `deep` is a child of `all` directly and of `mid`; its depth is 2,
        // so it beats `mid` (depth 1) even though `a_top` sorts first.
        let inv = load(
            "\
all:
  children:
    deep:
      vars: {x: deep}
      hosts: {h1: }
    mid:
      vars: {x: mid}
      children:
        deep:
",
        );
        assert_eq!(text(&inv, "h1", "x").as_deref(), Some("deep"));
    }

    #[test]
    fn host_and_group_written_twice_merge_later_wins() {
        let inv = load(
            "\
g1:
  vars: {gv: first, keep: true}
  hosts:
    h1: {x: first, only_first: 1}
g2:
  hosts:
    h1: {x: second}
g1_again:
  children:
    g1:
      vars: {gv: second}
",
        );
        let h = inv.host("h1").unwrap();
        assert_eq!(h.var_text("x").as_deref(), Some("second"));
        assert_eq!(h.var_text("only_first").as_deref(), Some("1"));
        assert_eq!(h.var_text("gv").as_deref(), Some("second"));
        assert_eq!(h.var_text("keep").as_deref(), Some("true"));
        assert_eq!(h.groups, ["all", "g1_again", "g2", "g1"]);
    }

    #[test]
    fn aliases_replace_each_other_by_level() {
        let inv = load(
            "\
all:
  vars:
    ansible_user: everyone
    sshfleet_password_env: ALL_PW
  children:
    g:
      vars:
        ansible_password: \"{{ lookup('env', 'G_PW') }}\"
      hosts:
        h1:
          ansible_ssh_user: legacy
        h2:
",
        );
        let h1 = inv.host("h1").unwrap();
        assert_eq!(h1.user().as_deref(), Some("legacy"));
        assert_eq!(h1.password_env().as_deref(), Some("G_PW"));
        assert_eq!(inv.host("h2").unwrap().user().as_deref(), Some("everyone"));
    }

    #[test]
    fn ranges_expand_as_ansible() {
        assert_eq!(
            expand_range("esa[01:03].x").unwrap(),
            ["esa01.x", "esa02.x", "esa03.x"]
        );
        assert_eq!(
            expand_range("esa[8:10]").unwrap(),
            ["esa8", "esa9", "esa10"]
        );
        assert_eq!(expand_range("n[a:c]").unwrap(), ["na", "nb", "nc"]);
        assert_eq!(expand_range("n[1:7:3]").unwrap(), ["n1", "n4", "n7"]);
        assert_eq!(expand_range("n[:2]").unwrap(), ["n0", "n1", "n2"]);
        assert_eq!(
            expand_range("r[1:2]-[a:b]").unwrap(),
            ["r1-a", "r1-b", "r2-a", "r2-b"]
        );
        assert_eq!(
            expand_range("plain.example.com").unwrap(),
            ["plain.example.com"]
        );
        assert!(expand_range("esa[01:100]").is_err());
        assert!(expand_range("esa[3:1]").is_err());
        assert!(expand_range("esa[1:]").is_err());
        assert!(expand_range("esa[1-3]").is_err());
        assert!(expand_range("esa[1:3").is_err());
        assert!(expand_range("esa[1:3:0]").is_err());
        assert!(expand_range("esa[0:99999999]").is_err());
    }

    #[test]
    fn ranges_in_an_inventory_carry_their_vars() {
        let inv = load("esa:\n  hosts:\n    esa[01:12].example.com:\n      ansible_user: admin\n");
        assert_eq!(inv.hosts().len(), 12);
        assert_eq!(inv.hosts()[0].name, "esa01.example.com");
        assert_eq!(inv.hosts()[11].name, "esa12.example.com");
        assert!(
            inv.hosts()
                .iter()
                .all(|h| h.user().as_deref() == Some("admin"))
        );
        let (line, message) = invalid("esa:\n  hosts:\n    ok:\n    esa[3:1]:\n");
        assert_eq!(line, 4);
        assert!(message.contains("esa[3:1]"), "{message}");
    }

    #[test]
    fn host_key_may_carry_a_port() {
        let inv = load(
            "g:\n  hosts:\n    esa01:2222:\n    esa[1:2].x:2200:\n    esa09:2201: {ansible_port: 2300}\n",
        );
        assert_eq!(inv.host("esa01").unwrap().port(), 2222);
        assert_eq!(inv.host("esa1.x").unwrap().port(), 2200);
        assert_eq!(inv.host("esa2.x").unwrap().port(), 2200);
        assert_eq!(inv.host("esa09").unwrap().port(), 2300);
        let (line, _) = invalid("g:\n  hosts:\n    esa01:99999:\n");
        assert_eq!(line, 3);
    }

    #[test]
    fn accessors() {
        let inv = load(
            "\
all:
  hosts:
    bare:
    full:
      ansible_host: 192.0.2.1
      ansible_port: 2222
      ansible_user: admin
      ansible_ssh_private_key_file: /keys/id
      proactive: true
      timeout: 15
      ratio: 0.5
      list: [a]
    legacy:
      ansible_ssh_host: 192.0.2.2
      ansible_ssh_port: '2022'
      ansible_ssh_user: root
      ansible_private_key_file: keys/id
",
        );
        let bare = inv.host("bare").unwrap();
        assert_eq!(bare.address(), "bare");
        assert_eq!(bare.port(), 22);
        assert_eq!(bare.user(), None);
        assert_eq!(bare.private_key_file(), None);
        assert_eq!(bare.password_env(), None);
        let full = inv.host("full").unwrap();
        assert_eq!(full.address(), "192.0.2.1");
        assert_eq!(full.port(), 2222);
        assert_eq!(full.user().as_deref(), Some("admin"));
        assert_eq!(full.private_key_file(), Some(PathBuf::from("/keys/id")));
        assert_eq!(full.var_text("proactive").as_deref(), Some("true"));
        assert_eq!(full.var_text("timeout").as_deref(), Some("15"));
        assert_eq!(full.var_text("ratio").as_deref(), Some("0.5"));
        assert_eq!(full.var_text("list"), None);
        assert_eq!(full.var_text("missing"), None);
        let legacy = inv.host("legacy").unwrap();
        assert_eq!(legacy.address(), "192.0.2.2");
        assert_eq!(legacy.port(), 2022);
        assert_eq!(legacy.user().as_deref(), Some("root"));
        assert_eq!(legacy.private_key_file(), Some(PathBuf::from("keys/id")));
    }

    #[test]
    fn key_file_tilde_expands_to_home() {
        let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) else {
            return;
        };
        let inv = load(
            "all:\n  hosts:\n    h:\n      ansible_ssh_private_key_file: ~/.ssh/id\n    k:\n      ansible_ssh_private_key_file: ~other/id\n",
        );
        assert_eq!(
            inv.host("h").unwrap().private_key_file(),
            Some(PathBuf::from(home).join(".ssh/id"))
        );
        assert_eq!(
            inv.host("k").unwrap().private_key_file(),
            Some(PathBuf::from("~other/id"))
        );
    }

    #[test]
    fn password_from_env_idioms() {
        let inv = load(
            "\
all:
  hosts:
    a: {sshfleet_password_env: ESA_PW}
    b: {ansible_password: \"{{ lookup('env', 'B_PW') }}\"}
    c: {ansible_ssh_pass: '{{lookup(\"env\",\"C_PW\")}}'}
    d: {ansible_password: \"{{  lookup ( 'ansible.builtin.env' ,  'D_PW' )  }}\"}
    e: {ansible_become_password: \"{{ lookup('env', 'E_BECOME') }}\"}
    f: {ansible_password: null}
",
        );
        let env = |h: &str| inv.host(h).unwrap().password_env();
        assert_eq!(env("a").as_deref(), Some("ESA_PW"));
        assert_eq!(env("b").as_deref(), Some("B_PW"));
        assert_eq!(env("c").as_deref(), Some("C_PW"));
        assert_eq!(env("d").as_deref(), Some("D_PW"));
        assert_eq!(env("e"), None);
        assert_eq!(env("f"), None);
    }

    #[test]
    fn inline_password_is_refused_without_echoing_it() {
        let secret = "Hunter2-s3cret";
        for key in PASSWORD_VARS {
            let text = format!(
                "all:\n  children:\n    emea:\n      hosts:\n        esa01:\n          ansible_user: admin\n          {key}: {secret}\n"
            );
            let err = parse(&text).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains(secret), "secret leaked: {shown}");
            let (line, message) = invalid(&text);
            assert_eq!(line, 7, "{key}");
            assert!(message.contains("host `esa01`"), "{message}");
            assert!(message.contains(key), "{message}");
            assert!(message.contains("sshfleet_password_env"), "{message}");
            assert!(message.contains("lookup('env'"), "{message}");
        }
        // On a group, in a lookup of the wrong plugin, or vault-encrypted.
        let cases = [
            (
                "emea:\n  vars:\n    ansible_password: Hunter2-s3cret\n  hosts: {h: }\n",
                3,
                "group `emea`",
            ),
            (
                "g:\n  hosts:\n    h:\n      ansible_password: \"{{ lookup('file', 'Hunter2-s3cret') }}\"\n",
                4,
                "host `h`",
            ),
            (
                "g:\n  hosts:\n    h:\n      ansible_ssh_pass: !vault |\n        Hunter2-s3cret\n",
                4,
                "host `h`",
            ),
            (
                "g:\n  hosts:\n    h:\n      ansible_password: 12345\n",
                4,
                "host `h`",
            ),
        ];
        for (text, want_line, owner) in cases {
            let err = parse(text).unwrap_err();
            let shown = format!("{err} {err:?}");
            assert!(
                !shown.contains("Hunter2") && !shown.contains("12345"),
                "leaked: {shown}"
            );
            let (line, message) = invalid(text);
            assert_eq!(line, want_line, "{text}");
            assert!(message.contains(owner), "{message}");
        }
    }

    #[test]
    fn password_env_must_be_a_variable_name_and_is_not_echoed() {
        let (line, message) =
            invalid("g:\n  hosts:\n    h:\n      sshfleet_password_env: 'p@ss word'\n");
        assert_eq!(line, 4);
        assert!(!message.contains("p@ss"), "{message}");
        assert!(parse("g:\n  hosts:\n    h:\n      sshfleet_password_env: [A]\n").is_err());
    }

    #[test]
    fn syntax_error_names_its_line() {
        let (line, _) = invalid("all:\n  hosts:\n    a:\n   b: [\n");
        assert!(line >= 4, "line {line}");
        let (line, _) = invalid("all:\n  hosts:\n    a: 1\n  - b\n");
        assert_eq!(line, 4);
    }

    #[test]
    fn structure_errors_name_their_line() {
        let (line, m) = invalid("- all\n");
        assert_eq!(line, 1);
        assert!(m.contains("mapping"), "{m}");
        let (line, m) = invalid("all:\n  children:\n    emea: [a, b]\n");
        assert_eq!((line, m.contains("group `emea`")), (3, true), "{m}");
        let (line, m) = invalid("all:\n  hosts:\n    - esa01\n");
        assert_eq!(
            (line, m.contains("`hosts` of group `all`")),
            (2, true),
            "{m}"
        );
        let (line, m) = invalid("all:\n  hosts:\n    esa01: yes\n");
        assert_eq!((line, m.contains("host `esa01`")), (3, true), "{m}");
        let (line, m) = invalid("all:\n  vars: [a]\n  hosts: {h: }\n");
        assert_eq!((line, m.contains("group `all`")), (2, true), "{m}");
        let (line, m) = invalid("all:\n  children: [emea]\n");
        assert_eq!((line, m.contains("children")), (2, true), "{m}");
        let (line, m) = invalid("all:\n  hosts:\n    h:\n  host:\n    x:\n");
        assert_eq!((line, m.contains("unknown key `host`")), (4, true), "{m}");
    }

    #[test]
    fn port_must_be_in_range() {
        for (value, ok) in [
            ("22", true),
            ("65535", true),
            ("'2222'", true),
            ("0", false),
            ("65536", false),
            ("-1", false),
            ("abc", false),
            ("22.5", false),
        ] {
            let text = format!("all:\n  hosts:\n    h:\n      ansible_port: {value}\n");
            match parse(&text) {
                Ok(_) => assert!(ok, "{value} accepted"),
                Err(InventoryError::Invalid { line, message, .. }) => {
                    assert!(!ok, "{value} refused: {message}");
                    assert_eq!(line, 4);
                    assert!(message.contains("host `h`"), "{message}");
                }
                Err(e) => panic!("{e}"),
            }
        }
        let (line, m) = invalid("all:\n  vars:\n    ansible_ssh_port: 70000\n  hosts: {h: }\n");
        assert_eq!((line, m.contains("group `all`")), (3, true), "{m}");
    }

    #[test]
    fn children_cycles_are_refused() {
        let (line, m) = invalid("a:\n  children:\n    b:\n      children:\n        a:\n");
        assert_eq!(line, 5);
        assert!(m.contains("cycle: a → b → a"), "{m}");
        let (line, m) = invalid("a:\n  hosts: {h: }\n  children:\n    a:\n");
        assert_eq!(line, 4);
        assert!(m.contains("cycle"), "{m}");
        let (line, m) =
            invalid("x:\n  children:\n    b:\na:\n  children:\n    x:\nb:\n  children:\n    a:\n");
        assert_eq!(line, 9);
        assert!(m.contains("cycle"), "{m}");
        let (line, m) = invalid("g:\n  children:\n    all:\n");
        assert_eq!(line, 3);
        assert!(m.contains("`all`"), "{m}");
    }

    #[test]
    fn empty_inventory_is_refused() {
        for text in [
            "",
            "# nothing\n",
            "all:\n",
            "all:\n  children:\n    emea:\n      vars: {a: 1}\n",
        ] {
            match parse(text) {
                Err(InventoryError::InvalidNoLine { message, .. }) => {
                    assert!(message.contains("no hosts"))
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn merge_keys_apply() {
        let inv = load(
            "\
all:
  children:
    emea:
      vars: &defaults
        ansible_user: admin
        timeout: 10m
      hosts:
        h1:
          <<: *defaults
          timeout: 1h
",
        );
        assert_eq!(text(&inv, "h1", "timeout").as_deref(), Some("1h"));
        assert_eq!(text(&inv, "h1", "ansible_user").as_deref(), Some("admin"));
        let (line, _) = invalid("all:\n  hosts:\n    h1:\n      <<: 3\n");
        assert_eq!(line, 4);
    }

    #[test]
    fn read_error_names_the_file() {
        let err = Inventory::load(Path::new("/nonexistent/inv.yaml")).unwrap_err();
        assert!(matches!(err, InventoryError::Read { .. }));
        assert!(err.to_string().contains("/nonexistent/inv.yaml"));
    }

    fn select(inv: &Inventory, limit: Option<&str>) -> Vec<String> {
        names(
            &inv.select(limit)
                .unwrap_or_else(|e| panic!("{limit:?}: {e}")),
        )
    }

    fn no_match(inv: &Inventory, limit: &str) -> String {
        match inv.select(Some(limit)) {
            Err(InventoryError::NoMatch { pattern, .. }) => pattern,
            other => panic!("{limit}: {other:?}"),
        }
    }

    #[test]
    fn select_everything() {
        let inv = load(FLEET);
        let all = select(&inv, None);
        assert_eq!(all.len(), 5);
        assert_eq!(select(&inv, Some("all")), all);
        assert_eq!(select(&inv, Some("*")), all);
        assert_eq!(select(&inv, Some(" all ")), all);
    }

    #[test]
    fn select_hosts_groups_and_globs() {
        let inv = load(FLEET);
        assert_eq!(select(&inv, Some("jump01")), ["jump01"]);
        assert_eq!(select(&inv, Some("ungrouped")), ["jump01"]);
        // A group includes its children's hosts.
        assert_eq!(
            select(&inv, Some("emea")),
            [
                "esa01.emea.example.com",
                "esa02.emea.example.com",
                "esa03.emea.example.com"
            ]
        );
        assert_eq!(
            select(&inv, Some("amer")),
            ["esa02.emea.example.com", "esa01.amer.example.com"]
        );
        assert_eq!(
            select(&inv, Some("esa01*")),
            ["esa01.emea.example.com", "esa01.amer.example.com"]
        );
        assert_eq!(
            select(&inv, Some("*.amer.example.com")),
            ["esa01.amer.example.com"]
        );
        // A glob matches group names too.
        assert_eq!(select(&inv, Some("emea_*")), ["esa03.emea.example.com"]);
        assert_eq!(
            select(&inv, Some("esa0[13].emea.example.com")),
            ["esa01.emea.example.com", "esa03.emea.example.com"]
        );
        assert_eq!(
            select(&inv, Some("~esa0[12]\\.amer")),
            ["esa01.amer.example.com"]
        );
    }

    #[test]
    fn select_lists_in_file_order_once() {
        let inv = load(FLEET);
        assert_eq!(
            select(
                &inv,
                Some("esa01.amer.example.com, emea_dmz,jump01,emea_dmz,")
            ),
            ["jump01", "esa03.emea.example.com", "esa01.amer.example.com"]
        );
        assert_eq!(
            select(&inv, Some("amer:emea_dmz")),
            [
                "esa02.emea.example.com",
                "esa03.emea.example.com",
                "esa01.amer.example.com"
            ]
        );
    }

    #[test]
    fn select_exclusions_and_intersections() {
        let inv = load(FLEET);
        assert_eq!(
            select(&inv, Some("!emea")),
            ["jump01", "esa01.amer.example.com"]
        );
        assert_eq!(
            select(&inv, Some("emea,!emea_dmz")),
            ["esa01.emea.example.com", "esa02.emea.example.com"]
        );
        // Exclusions apply after every plain term, wherever they are written.
        assert_eq!(
            select(&inv, Some("!emea_dmz,emea")),
            ["esa01.emea.example.com", "esa02.emea.example.com"]
        );
        assert_eq!(select(&inv, Some("emea,&amer")), ["esa02.emea.example.com"]);
        assert_eq!(
            select(&inv, Some("&amer")),
            ["esa02.emea.example.com", "esa01.amer.example.com"]
        );
        assert_eq!(select(&inv, Some("emea:&amer")), ["esa02.emea.example.com"]);
        assert_eq!(
            select(&inv, Some("esa*,!*.amer.example.com,!esa02*")),
            ["esa01.emea.example.com", "esa03.emea.example.com"]
        );
    }

    #[test]
    fn select_errors() {
        let inv = load(FLEET);
        assert_eq!(no_match(&inv, "esa99"), "esa99");
        assert_eq!(no_match(&inv, "emea,esa99"), "esa99");
        assert_eq!(no_match(&inv, "!esa99"), "esa99");
        assert_eq!(no_match(&inv, "emea,&nope*"), "nope*");
        assert_eq!(no_match(&inv, ""), "");
        assert_eq!(no_match(&inv, " , "), ",");
        // Each term matches, but nothing is left.
        assert_eq!(no_match(&inv, "empty"), "empty");
        assert_eq!(no_match(&inv, "emea,&amer,!esa02*"), "emea,&amer,!esa02*");
        assert_eq!(no_match(&inv, "!all"), "!all");
        assert!(matches!(
            inv.select(Some("~esa[")),
            Err(InventoryError::InvalidNoLine { .. })
        ));
        let err = inv.select(Some("esa99")).unwrap_err().to_string();
        assert!(err.contains("esa99") && err.contains("inv.yaml"), "{err}");
    }

    #[test]
    fn example_inventory_loads() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("inventory/example.yaml");
        let inv = Inventory::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let all = select(&inv, None);
        assert_eq!(
            all,
            [
                "esa01.emea.example.com",
                "esa02.emea.example.com",
                "esa03.emea.example.com",
                "esa04.emea.example.com",
                "esa01.amer.example.com",
                "esa02.amer.example.com"
            ]
        );
        let esa01 = inv.host("esa01.emea.example.com").unwrap();
        assert_eq!(esa01.user().as_deref(), Some("tac-emea"));
        assert_eq!(esa01.port(), 22);
        assert_eq!(esa01.address(), "esa01.emea.example.com");
        assert_eq!(esa01.password_env().as_deref(), Some("SSHFLEET_PASSWORD"));
        assert!(
            esa01
                .private_key_file()
                .unwrap()
                .ends_with(".ssh/sshfleet_ed25519")
        );
        let esa04 = inv.host("esa04.emea.example.com").unwrap();
        assert_eq!(
            (esa04.address().as_str(), esa04.port()),
            ("192.0.2.14", 2222)
        );
        let amer = inv.host("esa02.amer.example.com").unwrap();
        assert_eq!(amer.user().as_deref(), Some("tac-amer"));
        assert_eq!(amer.password_env().as_deref(), Some("AMER_ESA_PASSWORD"));
        assert!(
            amer.private_key_file()
                .unwrap()
                .ends_with(".ssh/esa02_amer")
        );
        assert_eq!(select(&inv, Some("amer")).len(), 2);
        assert_eq!(select(&inv, Some("esa0*,!esa03.emea.example.com")).len(), 5);
    }
}
