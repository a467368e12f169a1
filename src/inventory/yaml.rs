//! Ansible's YAML inventory format: groups, hosts, children and vars,
//! merged over every place they appear, with their lines kept for errors.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::Path;

use serde_yaml::{Mapping, Value};

use super::vars::{env_lookup, is_env_name, kind, merge_vars, parse_port, scalar_text};
use super::{Host, Inventory, InventoryError, PASSWORD_ENV_VAR, PASSWORD_VARS};
use crate::yaml_lines::YamlLines;

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

pub(super) struct Builder<'a> {
    path: &'a Path,
    lines: YamlLines,
    groups: Vec<GroupData>,
    group_ids: HashMap<String, usize>,
    hosts: Vec<HostData>,
    host_ids: HashMap<String, usize>,
}

impl<'a> Builder<'a> {
    pub(super) fn new(path: &'a Path, lines: YamlLines) -> Builder<'a> {
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

    pub(super) fn top(&mut self, root: &Value) -> Result<(), InventoryError> {
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

    pub(super) fn finish(mut self) -> Result<Inventory, InventoryError> {
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

pub(super) fn extend(ypath: &[String], segment: &str) -> Vec<String> {
    let mut path = ypath.to_vec();
    path.push(segment.to_string());
    path
}

/// A host key `name:2222` carries a port, as Ansible's `parse_address`
/// allows. Colons inside `[...]` belong to ranges; a name with several
/// colons outside brackets is an IPv6 address, not `name:port`.
pub(super) fn split_port(pattern: &str) -> (&str, Option<u32>) {
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
pub(super) fn expand_range(pattern: &str) -> Result<Vec<String>, String> {
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
