//! A host's effective variables as layers shared with other hosts: each
//! group's inventory variables and each `group_vars` file are one layer,
//! built once and shared by every host of the group, and a host owns only
//! its own variables (inventory, `host_vars`). A variable is looked up
//! from the strongest layer down, in Ansible's precedence. A copy of every
//! inherited variable per host made 25 KB (2000 group variables, 4000
//! hosts) cost 39 s and 3.6 GB (docs/SECURITY.md I3): the cost is now the
//! layers, once, plus what each host reads.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_yaml::Value;

use super::Origin;
use super::files::Var;

/// One layer: variables with where each was set, and the names of those
/// that secret discovery must look at (`notable`), found once per layer.
pub(super) struct Layer {
    vars: BTreeMap<String, Var>,
    notable: Vec<String>,
}

impl Layer {
    /// A layer of `vars`; `notable` says which ones secret discovery reads
    /// ([`super::secret_values`]): the others are plain values.
    pub(super) fn new(vars: BTreeMap<String, Var>, notable: impl Fn(&str, &Var) -> bool) -> Layer {
        let notable = vars
            .iter()
            .filter(|(k, v)| notable(k, v))
            .map(|(k, _)| k.clone())
            .collect();
        Layer { vars, notable }
    }
}

/// A host's variables: shared group layers (weakest first), then its own.
#[derive(Clone, Default)]
pub(crate) struct HostVars {
    groups: Vec<Arc<Layer>>,
    own: BTreeMap<String, Var>,
}

/// Every variable ansible-core's `InventoryData.add_host` sets on a host
/// it creates, as a host variable: every group variable of the same name
/// (inline, `[g:vars]`, `group_vars/`) loses to it, and only the host's
/// own inventory variables and `host_vars/` replace it. `true`: set on
/// every host (from the first source that names it, which templates
/// read); `false`: set only by a `host:port`, which the sources already
/// store with the host's own variables.
/// `add_host_vars_are_ansibles` compares it with ansible-core.
pub(super) const ADD_HOST_VARS: &[(&str, bool)] = &[
    ("ansible_port", false),
    ("inventory_dir", true),
    ("inventory_file", true),
];

/// Group variables a host never inherits: ansible-core's `add_host` sets
/// them on the host itself ([`ADD_HOST_VARS`]).
fn hidden(name: &str) -> bool {
    ADD_HOST_VARS.iter().any(|(n, every)| *every && *n == name)
}

impl HostVars {
    pub(super) fn new(groups: Vec<Arc<Layer>>, own: BTreeMap<String, Var>) -> HostVars {
        HostVars { groups, own }
    }

    /// Variables set nowhere in particular (a test's, the implicit
    /// localhost's merged ones).
    pub(super) fn of_values(values: BTreeMap<String, Value>) -> HostVars {
        HostVars {
            groups: Vec::new(),
            own: values
                .into_iter()
                .map(|(k, value)| {
                    let var = Var {
                        value,
                        origin: Origin::default(),
                    };
                    (k, var)
                })
                .collect(),
        }
    }

    fn var(&self, name: &str) -> Option<&Var> {
        if let Some(var) = self.own.get(name) {
            return Some(var);
        }
        if hidden(name) {
            return None;
        }
        self.groups.iter().rev().find_map(|l| l.vars.get(name))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Value> {
        self.var(name).map(|v| &v.value)
    }

    pub(crate) fn contains_key(&self, name: &str) -> bool {
        self.var(name).is_some()
    }

    /// Where `name` was set (the file and line errors name).
    pub(crate) fn origin(&self, name: &str) -> Option<&Origin> {
        self.var(name).map(|v| &v.origin)
    }

    /// Set `name` on this host alone, keeping where it was set (a value
    /// rendered from the one written there).
    pub(crate) fn insert(&mut self, name: String, value: Value) {
        let origin = self.origin(&name).cloned().unwrap_or_default();
        self.own.insert(name, Var { value, origin });
    }

    /// Set `name` on this host alone, set by no file (`-e`).
    pub(super) fn insert_unsourced(&mut self, name: &str, value: Value) {
        let origin = Origin::default();
        self.own.insert(name.to_string(), Var { value, origin });
    }

    /// Every variable, by name: costs every layer, for what shows them all.
    fn merged(&self) -> BTreeMap<&String, &Var> {
        let mut out = BTreeMap::new();
        for layer in &self.groups {
            out.extend(layer.vars.iter().filter(|(k, _)| !hidden(k)));
        }
        out.extend(self.own.iter());
        out
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.merged().into_iter().map(|(k, v)| (k, &v.value))
    }

    pub(crate) fn keys(&self) -> impl Iterator<Item = &String> {
        self.merged().into_keys()
    }

    /// The host's own variables (inventory, `host_vars`, set later).
    pub(super) fn own(&self) -> impl Iterator<Item = (&String, &Var)> {
        self.own.iter()
    }

    /// The names secret discovery reads: the host's own, and the notable
    /// ones of each layer (a plain value never hides a notable one: the
    /// caller reads the value that wins).
    pub(super) fn notable(&self) -> BTreeSet<&str> {
        let mut out: BTreeSet<&str> = self.own.keys().map(String::as_str).collect();
        for layer in &self.groups {
            out.extend(
                layer
                    .notable
                    .iter()
                    .map(String::as_str)
                    .filter(|k| !hidden(k)),
            );
        }
        out
    }
}

impl std::ops::Index<&str> for HostVars {
    type Output = Value;
    fn index(&self, name: &str) -> &Value {
        static NULL: Value = Value::Null;
        self.get(name).unwrap_or(&NULL)
    }
}

impl PartialEq for HostVars {
    fn eq(&self, other: &HostVars) -> bool {
        self.iter().eq(other.iter())
    }
}

impl std::fmt::Debug for HostVars {
    // Values may be secrets: Host's Debug shows them masked.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.keys()).finish()
    }
}

impl<const N: usize> From<[(String, Value); N]> for HostVars {
    fn from(values: [(String, Value); N]) -> HostVars {
        values.into_iter().collect()
    }
}

impl FromIterator<(String, Value)> for HostVars {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(values: I) -> HostVars {
        HostVars::of_values(values.into_iter().collect())
    }
}

impl From<&BTreeMap<String, Value>> for HostVars {
    fn from(values: &BTreeMap<String, Value>) -> HostVars {
        HostVars::of_values(values.clone())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::Inventory;
    use std::path::Path;

    fn inventory(vars: usize, hosts: usize, value: impl Fn(usize) -> String) -> Inventory {
        let mut text = String::from("all:\n  vars:\n");
        for i in 0..vars {
            text.push_str(&format!("    k{i}: \"{}\"\n", value(i)));
        }
        text.push_str(&format!(
            "  hosts:\n    h[0000:{:04}]:\n    h0001: {{k7: own}}\n",
            hosts - 1
        ));
        Inventory::parse(&text, Path::new("p.yaml")).unwrap()
    }

    /// 2000 group variables and 4000 hosts (25 KB) cost 39 s and 3.6 GB:
    /// each host held a copy of every variable it inherits. The layer is
    /// now one, shared by every host (counted, not timed), and each host
    /// still reads every value, its own winning.
    #[test]
    fn group_variables_are_shared_by_their_hosts_not_copied() {
        let inv = inventory(500, 2000, |_| "x".to_string());
        let first = &inv.hosts()[0].vars;
        assert_eq!(first.groups.len(), 1, "one layer: all's variables");
        assert!(
            std::sync::Arc::strong_count(&first.groups[0]) >= 2000,
            "shared by every host"
        );
        assert!(inv.hosts().iter().all(|h| h.vars.own.len() <= 1));
        let h1 = inv.host("h0001").unwrap();
        assert_eq!(h1.vars.get("k7").unwrap(), "own");
        assert_eq!(h1.vars.get("k8").unwrap(), "x");
        assert_eq!(inv.host("h1999").unwrap().vars.get("k7").unwrap(), "x");
        assert_eq!(h1.vars.iter().count(), 500);
    }

    /// 5000 chained group templates on 95 hosts took 96 s: each host
    /// rendered every template to learn whether it read a secret. With no
    /// secret a template could read, none is rendered; with one, the
    /// renderings are counted first and refused beyond the bound, naming
    /// the file and the bound, before any is made.
    #[test]
    fn secret_discovery_renders_only_what_may_read_a_secret_and_is_bounded() {
        let chain = |i: usize| format!("{{{{ k{} }}}}", i + 1);
        let plain = inventory(1000, 60, chain);
        let hosts: Vec<_> = plain.hosts().iter().collect();
        assert_eq!(
            hosts.iter().map(|h| plain.secret_renders(h)).sum::<usize>(),
            0
        );
        assert!(plain.remember_secrets(hosts, None).is_ok());

        let secret = inventory(1000, 60, |i| {
            if i == 0 {
                "{{ lookup('env', 'HOME') }}".to_string()
            } else {
                chain(i)
            }
        });
        let error = secret
            .remember_secrets(secret.hosts(), None)
            .unwrap_err()
            .to_string();
        assert!(error.starts_with("p.yaml: "), "{error}");
        assert!(error.contains("59999 templates"), "{error}");
        assert!(
            error.contains(&super::super::secret_values::MAX_SECRET_RENDERS.to_string()),
            "{error}"
        );
        // Under the count, still bounded in time: past the deadline the
        // next host to render is refused, naming the bound (round 9).
        let few = inventory(10, 3, |i| {
            if i == 0 {
                "{{ lookup('env', 'HOME') }}".to_string()
            } else {
                chain(i)
            }
        });
        let hosts: Vec<_> = few.hosts().iter().collect();
        let now = std::time::Instant::now();
        let late = now
            .checked_sub(std::time::Duration::from_secs(1))
            .unwrap_or(now);
        let error = few
            .remember_secrets_by(&hosts, None, late)
            .unwrap_err()
            .to_string();
        assert!(error.contains("took more than 30 s (0 done)"), "{error}");
        let ample = std::time::Instant::now() + std::time::Duration::from_secs(3600);
        assert!(few.remember_secrets_by(&hosts, None, ample).is_ok());
    }
}
