//! Hosts and groups as every source adds them (Ansible's `InventoryData`),
//! then the effective variables of each host in Ansible's precedence.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use serde_yaml::Value;

use super::files::{Var, VarsFiles};
use super::layers::{HostVars, Layer};
use super::{Host, Inventory, InventoryError};

pub(super) struct GroupData {
    pub(super) name: String,
    pub(super) vars: BTreeMap<String, Var>,
    pub(super) parents: Vec<usize>,
    pub(super) children: Vec<usize>,
    /// Hosts listed in the group itself, in the order added.
    pub(super) hosts: Vec<usize>,
    /// `ansible_group_priority`, which Ansible takes out of the variables.
    pub(super) priority: i64,
}

pub(super) struct HostData {
    pub(super) name: String,
    pub(super) vars: BTreeMap<String, Var>,
    /// Groups the host is listed in directly.
    pub(super) groups: Vec<usize>,
    /// The source that first named the host (`inventory_file`).
    pub(super) source: Option<PathBuf>,
}

pub(super) const ALL: usize = 0;
pub(super) const UNGROUPED: usize = 1;

/// Every source's hosts and groups, merged as Ansible merges them.
/// Most hosts an inventory may hold, all sources together: ten times the
/// largest estate this tool is meant for, and enough that a run never
/// starts on an inventory that only a typo in a range could have made.
pub(super) const MAX_HOSTS: usize = 1_000_000;

pub(super) struct Model {
    pub(super) groups: Vec<GroupData>,
    group_ids: HashMap<String, usize>,
    pub(super) hosts: Vec<HostData>,
    host_ids: HashMap<String, usize>,
    /// The source being read (Ansible's `current_source`).
    pub(super) current_source: Option<PathBuf>,
    /// Directory entries read so far, links followed (bounded: see
    /// `sources::MAX_DIRECTORY_ENTRIES`).
    pub(super) entries_walked: usize,
}

impl Model {
    pub(super) fn new() -> Model {
        let mut model = Model {
            groups: Vec::new(),
            group_ids: HashMap::new(),
            hosts: Vec::new(),
            host_ids: HashMap::new(),
            current_source: None,
            entries_walked: 0,
        };
        model.group_id("all");
        model.group_id("ungrouped");
        // As `InventoryData.__init__`: `ungrouped` is `all`'s first child
        // before any source adds one (`--list` prints it first).
        model.groups[ALL].children.push(UNGROUPED);
        model.groups[UNGROUPED].parents.push(ALL);
        model
    }

    pub(super) fn group_id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.group_ids.get(name) {
            return id;
        }
        let id = self.groups.len();
        self.groups.push(GroupData {
            name: name.to_string(),
            vars: BTreeMap::new(),
            parents: Vec::new(),
            children: Vec::new(),
            hosts: Vec::new(),
            priority: 1,
        });
        self.group_ids.insert(name.to_string(), id);
        id
    }

    pub(super) fn has_group(&self, name: &str) -> bool {
        self.group_ids.contains_key(name)
    }

    /// Whether `name` is a host already: a `host:port` sets `ansible_port`
    /// only where it creates the host, as Ansible's `Host(name, port)`
    /// does (a later `host:port` of the same host changes nothing).
    pub(super) fn knows_host(&self, name: &str) -> bool {
        self.host_ids.contains_key(name)
    }

    /// Whether `more` new hosts still fit under [`MAX_HOSTS`]: asked before
    /// a range is expanded into the model, so a few bytes of ranges cannot
    /// make an inventory of millions of hosts (docs/SECURITY.md, I3).
    pub(super) fn room_for(&self, more: usize) -> Result<(), String> {
        if self.hosts.len().saturating_add(more) > MAX_HOSTS {
            return Err(format!(
                "the inventory would hold more than {MAX_HOSTS} hosts (it holds {} so far)",
                self.hosts.len()
            ));
        }
        Ok(())
    }

    pub(super) fn host_id(&mut self, name: &str) -> usize {
        if let Some(&id) = self.host_ids.get(name) {
            return id;
        }
        let id = self.hosts.len();
        self.hosts.push(HostData {
            name: name.to_string(),
            vars: BTreeMap::new(),
            groups: Vec::new(),
            source: self.current_source.clone(),
        });
        self.host_ids.insert(name.to_string(), id);
        id
    }

    pub(super) fn add_host(&mut self, host: usize, group: usize) {
        // Asked of the host's few groups, not of the group's hosts: a range
        // of 100 000 hosts in one group stays linear.
        if !self.hosts[host].groups.contains(&group) {
            self.groups[group].hosts.push(host);
            self.hosts[host].groups.push(group);
        }
    }

    /// A group variable, as `Group.set_variable`: `ansible_group_priority`
    /// sets the priority (an integer) instead of a variable.
    pub(super) fn set_group_var(
        &mut self,
        group: usize,
        key: &str,
        var: Var,
    ) -> Result<(), String> {
        if key == "ansible_group_priority" {
            // Python's `int(value)`: a float truncated (5.7 is 5, -1.5
            // is -1), a string as `int("text")` (no `.` or exponent).
            use super::pynum::{PyNum, float_to_int, py_int};
            let priority = match &var.value {
                Value::Number(n) => match n.as_i64() {
                    Some(i) => PyNum::Int(i),
                    None => n.as_f64().map_or(PyNum::Invalid, |f| {
                        float_to_int(f)
                            .unwrap_or_else(|| PyNum::Refused(format!("{f} is beyond 64 bits")))
                    }),
                },
                Value::String(s) => py_int(s, 10),
                Value::Bool(b) => PyNum::Int(i64::from(*b)),
                _ => PyNum::Invalid,
            };
            self.groups[group].priority = match priority {
                PyNum::Int(p) => p,
                PyNum::Refused(why) => {
                    return Err(format!("`ansible_group_priority`: {why}"));
                }
                PyNum::Invalid => {
                    return Err("`ansible_group_priority` must be an integer".to_string());
                }
            };
            return Ok(());
        }
        self.groups[group].vars.insert(key.to_string(), var);
        Ok(())
    }

    pub(super) fn set_host_var(&mut self, host: usize, key: &str, var: Var) {
        self.hosts[host].vars.insert(key.to_string(), var);
    }

    /// Make `child` a child group of `parent`, refusing cycles.
    pub(super) fn link(&mut self, parent: usize, child: usize) -> Result<(), String> {
        if child == ALL {
            return Err(
                "group `all` cannot be a child of another group: every group is already inside `all`"
                    .to_string(),
            );
        }
        if parent == child {
            return Err(format!(
                "group `{}` cannot be a child of itself",
                self.groups[child].name
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
            return Err(format!(
                "group `children` form a cycle: {}",
                names.join(" → ")
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

    /// Ansible's `reconcile_inventory`: groups with no parent are children
    /// of `all`; hosts in no group but `all` are in `ungrouped`, and only
    /// those.
    ///
    /// Ansible adds such a host to `ungrouped` by name (`add_child`), and
    /// a group of that name wins: the group becomes a child of
    /// `ungrouped`, the host stays in `all` only, without `ungrouped`'s
    /// variables and out of `--list`. sshfleet refuses that inventory
    /// rather than model the mix-up (a host a source put in `ungrouped`
    /// itself, as INI's lines before any section, is not affected).
    ///
    /// Ansible counts a group's ancestors among the host's groups: a host
    /// listed only in `ungrouped`, where `ungrouped` is a child of another
    /// group, is taken out of `ungrouped` and left in no group's host list
    /// (`all` does not select it, its name does); refused too.
    fn reconcile(&mut self) -> Result<(), InventoryError> {
        for g in 1..self.groups.len() {
            if self.groups[g].parents.is_empty() {
                self.groups[g].parents.push(ALL);
                self.groups[ALL].children.push(g);
            }
        }
        for h in 0..self.hosts.len() {
            let others = self.hosts[h]
                .groups
                .iter()
                .any(|&g| g != ALL && g != UNGROUPED);
            if others {
                if self.hosts[h].groups.contains(&UNGROUPED) {
                    self.check_ungrouped_removal(h)?;
                }
                self.groups[UNGROUPED].hosts.retain(|&x| x != h);
                self.hosts[h].groups.retain(|&g| g != UNGROUPED);
            } else {
                let host = &self.hosts[h];
                let under = self.groups[UNGROUPED].parents.iter().find(|&&p| p != ALL);
                if let (true, Some(&parent)) = (host.groups.contains(&UNGROUPED), under) {
                    return Err(InventoryError::InvalidNoLine {
                        path: host.source.clone().unwrap_or_default(),
                        message: format!(
                            "host `{0}` is in no group but `ungrouped`, and `ungrouped` is a child of group `{1}`: ansible-core's reconcile then counts `{1}` as one of the host's groups and takes the host out of `ungrouped`, leaving it in no group (the pattern `all` does not select it); sshfleet does not read it: put the host in a group, or do not make `ungrouped` a child",
                            host.name, self.groups[parent].name
                        ),
                    });
                }
                if !host.groups.contains(&UNGROUPED) && self.group_ids.contains_key(&host.name) {
                    return Err(InventoryError::InvalidNoLine {
                        path: host.source.clone().unwrap_or_default(),
                        message: format!(
                            "host `{0}` is in no group but `all`, and a group is named `{0}` too: ansible-core then puts the group, not the host, in `ungrouped` (the host loses `ungrouped`'s variables and is left out of --list); sshfleet does not read it: rename the host or the group, or put the host in a group",
                            host.name
                        ),
                    });
                }
                self.add_host(h, UNGROUPED);
            }
        }
        Ok(())
    }

    /// Every ancestor of `group` (`all` included), not itself.
    fn ancestors(&self, group: usize) -> HashSet<usize> {
        let mut seen = HashSet::new();
        let mut next = self.groups[group].parents.clone();
        while let Some(g) = next.pop() {
            if seen.insert(g) {
                next.extend(&self.groups[g].parents);
            }
        }
        seen
    }

    /// A host in `ungrouped` and in other groups, as reconcile takes it out
    /// of `ungrouped` (`Host.remove_group`): it also drops every ancestor
    /// of `ungrouped` that is no ancestor of a group the host keeps, even
    /// one the host is directly in (round 9: `[a:children] ungrouped` with
    /// h1 in `a` and in `ungrouped` loses `a`'s variables and
    /// `group_names`, though `a` still lists h1). Where that leaves the
    /// host other groups than its own groups and their ancestors, sshfleet
    /// refuses rather than model a host in a group it has no variables of.
    fn check_ungrouped_removal(&self, h: usize) -> Result<(), InventoryError> {
        let host = &self.hosts[h];
        let closure = |groups: &[usize]| -> HashSet<usize> {
            let mut all: HashSet<usize> = groups.iter().copied().collect();
            for &g in groups {
                all.extend(self.ancestors(g));
            }
            all
        };
        let kept: Vec<usize> = host
            .groups
            .iter()
            .copied()
            .filter(|&g| g != UNGROUPED)
            .collect();
        let ours = closure(&kept);
        let mut theirs: Vec<usize> = closure(&host.groups).into_iter().collect();
        theirs.sort_unstable();
        self.remove_as_ansible(&mut theirs, UNGROUPED);
        let theirs: HashSet<usize> = theirs.into_iter().collect();
        let mut dropped: Vec<&str> = ours
            .difference(&theirs)
            .map(|&g| self.groups[g].name.as_str())
            .collect();
        if dropped.is_empty() {
            return Ok(());
        }
        dropped.sort_unstable();
        let groups = dropped
            .iter()
            .map(|g| format!("`{g}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Err(InventoryError::InvalidNoLine {
            path: host.source.clone().unwrap_or_default(),
            message: format!(
                "host `{}` is in `ungrouped` and in other groups, and `ungrouped` is a descendant of {groups}: ansible-core's reconcile takes the host out of `ungrouped` and out of {groups} too (none of their variables, not in group_names), though they still list it; sshfleet does not read it: do not make `ungrouped` a child of a group",
                host.name,
            ),
        })
    }

    /// `Host.remove_group(group)` over `groups` (every group and ancestor
    /// the host is in): `group`, then each of its ancestors but `all` that
    /// is no ancestor of a group left, recursively.
    fn remove_as_ansible(&self, groups: &mut Vec<usize>, group: usize) {
        if !groups.contains(&group) {
            return;
        }
        groups.retain(|&g| g != group);
        let mut ancestors: Vec<usize> = self.ancestors(group).into_iter().collect();
        ancestors.sort_unstable();
        for old in ancestors.into_iter().filter(|&g| g != ALL) {
            let needed = groups.iter().any(|&c| self.ancestors(c).contains(&old));
            if !needed {
                self.remove_as_ansible(groups, old);
            }
        }
    }

    /// Each group's depth below `all`: the longest chain of parents.
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

    /// A group's hosts, its own first, then its descendants' level by
    /// level (Ansible's `Group.get_hosts`).
    pub(super) fn group_hosts(&self, group: usize) -> Vec<usize> {
        let mut order = vec![group];
        let mut seen: HashSet<usize> = HashSet::from([group]);
        let mut level = vec![group];
        while !level.is_empty() {
            let mut next = Vec::new();
            for &g in &level {
                for &c in &self.groups[g].children {
                    if seen.insert(c) {
                        order.push(c);
                        next.push(c);
                    }
                }
            }
            level = next;
        }
        let mut hosts = Vec::new();
        let mut seen_hosts = HashSet::new();
        for g in order {
            for &h in &self.groups[g].hosts {
                if seen_hosts.insert(h) {
                    hosts.push(h);
                }
            }
        }
        hosts
    }

    /// Whether Ansible lists `group`'s hosts in one order. Its
    /// `_walk_relationship` iterates a Python set at each level, so when
    /// two groups of a level bring new children, the order of those
    /// children, and of their hosts in `groups[...]`, follows the
    /// process's hash seed: `ansible` itself gives different orders from
    /// run to run.
    pub(super) fn order_is_fixed(&self, group: usize) -> bool {
        let mut level: Vec<usize> = std::iter::once(group)
            .chain(self.groups[group].children.iter().copied())
            .collect();
        let mut seen: HashSet<usize> = level.iter().copied().collect();
        while !level.is_empty() {
            let brings = |g: &usize| self.groups[*g].children.iter().any(|c| !seen.contains(c));
            if level.iter().filter(|g| brings(g)).count() > 1 {
                return false;
            }
            let next: Vec<usize> = level
                .iter()
                .flat_map(|g| self.groups[*g].children.iter().copied())
                .filter(|c| !seen.contains(c))
                .collect();
            seen.extend(next.iter().copied());
            level = next;
        }
        true
    }

    /// What templates read of the whole inventory (`hostvars`, `groups`,
    /// `group_names`, `inventory_file`).
    fn facts(
        &self,
        hosts: &[Host],
        groups: &[super::Group],
        implicit: Result<Option<Host>, String>,
        secrets_readable: bool,
    ) -> std::sync::Arc<super::template::Facts> {
        let sources_of: HashMap<&str, Option<PathBuf>> = self
            .hosts
            .iter()
            .map(|h| (h.name.as_str(), h.source.clone()))
            .collect();
        std::sync::Arc::new(super::template::Facts {
            hosts: hosts
                .iter()
                .map(|h: &Host| {
                    let mut group_names: Vec<String> =
                        h.groups.iter().filter(|g| *g != "all").cloned().collect();
                    group_names.sort();
                    let facts = super::template::HostFacts {
                        vars: h.vars.clone(),
                        group_names,
                        source: sources_of.get(h.name.as_str()).cloned().flatten(),
                        implicit: false,
                    };
                    (h.name.clone(), facts)
                })
                .chain(implicit.iter().flatten().map(|h| {
                    let facts = super::template::HostFacts {
                        vars: h.vars.clone(),
                        group_names: Vec::new(),
                        source: None,
                        implicit: true,
                    };
                    (h.name.clone(), facts)
                }))
                .collect(),
            groups: groups
                .iter()
                .map(|g: &super::Group| (g.name.clone(), g.all_hosts.clone()))
                .collect(),
            group_order: groups.iter().map(|g| g.name.clone()).collect(),
            unordered: self
                .groups
                .iter()
                .enumerate()
                .filter(|(i, _)| !self.order_is_fixed(*i))
                .map(|(_, g)| g.name.clone())
                .collect(),
            password_envs: std::sync::OnceLock::new(),
            secrets_readable,
            localhost: match implicit {
                Ok(Some(h)) => Ok(h.name),
                Ok(None) => Ok(self
                    .hosts
                    .iter()
                    .find(|h| super::template::LOCALHOST.contains(&h.name.as_str()))
                    .map(|h| h.name.clone())
                    .unwrap_or_default()),
                Err(why) => Err(why),
            },
        })
    }

    /// Ansible's implicit localhost (`_create_implicit_localhost`) where
    /// no source names `localhost`, `127.0.0.1` or `::1`: in no group but
    /// `all`, whose variables it takes (inventory < `group_vars/all`),
    /// then its own `ansible_connection: local`, then `host_vars/localhost`.
    /// `None` where a source names one; the error is kept for the template
    /// that reads it, as Ansible reads these files only then.
    fn implicit_localhost(
        &self,
        sources: &[PathBuf],
        files: &mut VarsFiles,
    ) -> Result<Option<Host>, String> {
        let named = self
            .hosts
            .iter()
            .any(|h| super::template::LOCALHOST.contains(&h.name.as_str()));
        if named {
            return Ok(None);
        }
        let mut vars: BTreeMap<String, Value> = self.groups[ALL]
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        let read = |e: InventoryError| format!("the implicit localhost's variables: {e}");
        for (k, v) in files.group_vars("all", sources).map_err(read)? {
            vars.insert(k, v.value);
        }
        vars.insert("ansible_connection".to_string(), Value::from("local"));
        for (k, v) in files.host_vars("localhost", sources).map_err(read)? {
            vars.insert(k, v.value);
        }
        Ok(Some(Host {
            name: "localhost".to_string(),
            groups: vec!["all".to_string()],
            vars: HostVars::of_values(vars),
        }))
    }

    /// Every host with its effective variables, in the order of Ansible's
    /// `all` pattern: inventory group vars (`all`, then the host's groups by
    /// depth, `ansible_group_priority`, name) < `group_vars/all` <
    /// `group_vars/GROUP` (same order) < the host's inventory vars <
    /// `host_vars/HOST`; each `group_vars`/`host_vars` level source by source.
    pub(super) fn finish(
        mut self,
        sources: Vec<PathBuf>,
        files: &mut VarsFiles,
    ) -> Result<Inventory, InventoryError> {
        self.reconcile()?;
        if self.hosts.is_empty() {
            return Err(InventoryError::InvalidNoLine {
                path: sources.first().cloned().unwrap_or_default(),
                message: "the inventory has no hosts".to_string(),
            });
        }
        let depth = self.depths();
        let mut hosts = Vec::with_capacity(self.hosts.len());
        let mut shared = SharedLayers::default();
        let all_order = self.group_hosts(ALL);
        // Where each host (in the order first added) sits in `hosts`.
        let mut position = vec![0; self.hosts.len()];
        for (i, &h) in all_order.iter().enumerate() {
            position[h] = i;
        }
        for h in all_order {
            let host = &self.hosts[h];
            let mut member: HashSet<usize> = HashSet::new();
            let mut stack: Vec<usize> = host.groups.clone();
            while let Some(g) = stack.pop() {
                if member.insert(g) {
                    stack.extend(self.groups[g].parents.iter().copied());
                }
            }
            member.remove(&ALL);
            let mut order: Vec<usize> = member.into_iter().collect();
            order.sort_by(|&a, &b| {
                let key = |g: usize| (depth[g], self.groups[g].priority, &self.groups[g].name);
                key(a).cmp(&key(b))
            });
            let mut layers = Vec::new();
            layers.extend(shared.inventory(&self, ALL));
            for &g in &order {
                layers.extend(shared.inventory(&self, g));
            }
            layers.extend(shared.files(files, "all", None, &sources)?);
            for (i, source) in sources.iter().enumerate() {
                for &g in &order {
                    let name = &self.groups[g].name;
                    layers.extend(shared.files(
                        files,
                        name,
                        Some(i),
                        std::slice::from_ref(source),
                    )?);
                }
            }
            let mut own = host.vars.clone();
            for (k, v) in files.host_vars(&host.name, &sources)? {
                own.insert(k, v);
            }
            let mut groups = vec!["all".to_string()];
            groups.extend(order.iter().map(|&g| self.groups[g].name.clone()));
            hosts.push(Host {
                name: host.name.clone(),
                groups,
                vars: HostVars::new(layers, own),
            });
        }
        let groups: Vec<super::Group> = self
            .groups
            .iter()
            .enumerate()
            .map(|(g, data)| super::Group {
                name: data.name.clone(),
                hosts: data
                    .hosts
                    .iter()
                    .map(|&h| self.hosts[h].name.clone())
                    .collect(),
                children: data
                    .children
                    .iter()
                    .map(|&c| self.groups[c].name.clone())
                    .collect(),
                all_hosts: self
                    .group_hosts(g)
                    .into_iter()
                    .map(|h| self.hosts[h].name.clone())
                    .collect(),
            })
            .collect();
        let implicit = self.implicit_localhost(&sources, files);
        // The layers were looked at once; each host's own variables here.
        let vault_files = &mut shared.vault_files;
        let mut readable = |h: &Host| {
            h.vars
                .own()
                .any(|(k, v)| may_give_a_secret(k, &v.value, Some(&v.origin), vault_files))
        };
        let secrets_readable = shared.secrets_readable
            || hosts.iter().any(&mut readable)
            || implicit
                .as_ref()
                .map_or(true, |i| i.as_ref().is_some_and(&mut readable));
        let facts = self.facts(&hosts, &groups, implicit, secrets_readable);
        Ok(Inventory {
            index: hosts_index(&hosts),
            sources,
            hosts,
            added: position,
            groups,
            facts,
        })
    }
}

/// The layers hosts share, each built once: a group's inventory
/// variables, and `group_vars/NAME` of one source (or of every source,
/// for `all`). `None`: no variable there.
#[derive(Default)]
struct SharedLayers {
    inventory: HashMap<usize, Option<Arc<Layer>>>,
    files: HashMap<(String, Option<usize>), Option<Arc<Layer>>>,
    /// Whether each file is vault-encrypted (its values are secrets).
    vault_files: HashMap<PathBuf, bool>,
    /// A layer holds a secret, or a template that may read one.
    secrets_readable: bool,
}

/// Whether the variable `name` holds a secret or a template that may
/// read the environment (where a password may be): then templates may
/// read a secret ([`super::template::Facts::secrets_readable`]).
fn may_give_a_secret(
    name: &str,
    value: &Value,
    origin: Option<&super::Origin>,
    vault_files: &mut HashMap<PathBuf, bool>,
) -> bool {
    super::secret_values::holds_secret(name, value)
        || super::secret_values::may_read_environment(value)
        || origin.is_some_and(|o| {
            *vault_files
                .entry(o.path.clone())
                .or_insert_with(|| super::vault::is_vault_file(&o.path))
        })
}

impl SharedLayers {
    fn layer(&mut self, vars: BTreeMap<String, Var>) -> Option<Arc<Layer>> {
        if vars.is_empty() {
            return None;
        }
        let vault_files = &mut self.vault_files;
        let mut notable = |name: &str, var: &Var| {
            super::secret_values::is_notable(name, &var.value)
                || *vault_files
                    .entry(var.origin.path.clone())
                    .or_insert_with(|| super::vault::is_vault_file(&var.origin.path))
        };
        let notable: std::collections::HashSet<String> = vars
            .iter()
            .filter(|(k, v)| notable(k, v))
            .map(|(k, _)| k.clone())
            .collect();
        let vault_files = &mut self.vault_files;
        self.secrets_readable = self.secrets_readable
            || vars.iter().any(|(k, v)| {
                notable.contains(k) && may_give_a_secret(k, &v.value, Some(&v.origin), vault_files)
            });
        Some(Arc::new(Layer::new(vars, |k, _| notable.contains(k))))
    }

    fn inventory(&mut self, model: &Model, group: usize) -> Option<Arc<Layer>> {
        if let Some(layer) = self.inventory.get(&group) {
            return layer.clone();
        }
        let layer = self.layer(model.groups[group].vars.clone());
        self.inventory.insert(group, layer.clone());
        layer
    }

    fn files(
        &mut self,
        files: &mut VarsFiles,
        name: &str,
        source: Option<usize>,
        sources: &[PathBuf],
    ) -> Result<Option<Arc<Layer>>, InventoryError> {
        let key = (name.to_string(), source);
        if let Some(layer) = self.files.get(&key) {
            return Ok(layer.clone());
        }
        let read = match source {
            None => files.group_vars(name, sources)?,
            Some(_) => {
                let mut all = Vec::new();
                for source in sources {
                    all.extend(files.group_vars_in(name, source)?);
                }
                all
            }
        };
        let mut vars = BTreeMap::new();
        for (k, v) in read {
            vars.insert(k, v);
        }
        let layer = self.layer(vars);
        self.files.insert(key, layer.clone());
        Ok(layer)
    }
}

/// Each host's place in `hosts`, by name.
fn hosts_index(hosts: &[Host]) -> HashMap<String, usize> {
    hosts
        .iter()
        .enumerate()
        .map(|(i, h)| (h.name.clone(), i))
        .collect()
}
