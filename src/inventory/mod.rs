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

mod select;
mod vars;
mod yaml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::yaml_lines::YamlLines;
use vars::{env_lookup, expand_home, is_env_name, parse_port, scalar_text};
use yaml::Builder;

/// A variable value as written in the inventory.
pub(crate) type VarValue = serde_yaml::Value;

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
pub(crate) const PASSWORD_ENV_VAR: &str = "sshfleet_password_env";

/// One host with its effective (merged) variables.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Host {
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
    pub(crate) fn address(&self) -> String {
        self.first_text(&["ansible_host", "ansible_ssh_host"])
            .unwrap_or_else(|| self.name.clone())
    }

    /// `ansible_port` (or the legacy `ansible_ssh_port`) if set: only then
    /// does it override ssh_config's `Port`, as with Ansible.
    pub(crate) fn explicit_port(&self) -> Option<u16> {
        ["ansible_port", "ansible_ssh_port"]
            .iter()
            .find_map(|k| self.vars.get(*k).and_then(parse_port))
    }

    /// `ansible_user` (or the legacy `ansible_ssh_user`), if set.
    pub(crate) fn user(&self) -> Option<String> {
        self.first_text(&["ansible_user", "ansible_ssh_user"])
    }

    /// `ansible_ssh_private_key_file` (or `ansible_private_key_file`) with a
    /// leading `~` expanded to `$HOME`, if set.
    pub(crate) fn private_key_file(&self) -> Option<PathBuf> {
        let text =
            self.first_text(&["ansible_ssh_private_key_file", "ansible_private_key_file"])?;
        Some(expand_home(&text))
    }

    /// Name of the environment variable holding the SSH password, if any:
    /// `sshfleet_password_env: NAME`, else the Ansible idiom
    /// `ansible_password: "{{ lookup('env', 'NAME') }}"` (or
    /// `ansible_ssh_pass`).
    pub(crate) fn password_env(&self) -> Option<String> {
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
    pub(crate) fn var_text(&self, name: &str) -> Option<String> {
        self.vars.get(name).and_then(scalar_text)
    }

    fn first_text(&self, names: &[&str]) -> Option<String> {
        names.iter().find_map(|n| self.var_text(n))
    }
}

/// Errors loading an inventory or selecting from it. Each names the file,
/// and the line where one is known.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InventoryError {
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
pub(crate) struct Inventory {
    path: PathBuf,
    hosts: Vec<Host>,
    /// Every group name: `all` first, then in file order.
    groups: Vec<String>,
}

impl Inventory {
    pub(crate) fn load(path: &Path) -> Result<Inventory, InventoryError> {
        let text = crate::bounds::read_yaml_input(path).map_err(|source| InventoryError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Inventory::parse(&text, path)
    }

    /// Parse inventory `text`; `path` is used only to name the file in
    /// errors.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Inventory, InventoryError> {
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

    /// Every host, in file order.
    #[cfg(test)]
    pub(crate) fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Every group name, `all` first, then in file order (`ungrouped` last
    /// when it is implicit).
    #[cfg(test)]
    pub(crate) fn groups(&self) -> &[String] {
        &self.groups
    }

    /// The host with this inventory name.
    pub(crate) fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::yaml::expand_range;
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
        assert_eq!(inv.host("esa01").unwrap().explicit_port(), Some(2222));
        assert_eq!(inv.host("esa1.x").unwrap().explicit_port(), Some(2200));
        assert_eq!(inv.host("esa2.x").unwrap().explicit_port(), Some(2200));
        assert_eq!(inv.host("esa09").unwrap().explicit_port(), Some(2300));
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
        assert_eq!(bare.explicit_port(), None);
        assert_eq!(bare.user(), None);
        assert_eq!(bare.private_key_file(), None);
        assert_eq!(bare.password_env(), None);
        let full = inv.host("full").unwrap();
        assert_eq!(full.address(), "192.0.2.1");
        assert_eq!(full.explicit_port(), Some(2222));
        assert_eq!(full.user().as_deref(), Some("admin"));
        assert_eq!(full.private_key_file(), Some(PathBuf::from("/keys/id")));
        assert_eq!(full.var_text("proactive").as_deref(), Some("true"));
        assert_eq!(full.var_text("timeout").as_deref(), Some("15"));
        assert_eq!(full.var_text("ratio").as_deref(), Some("0.5"));
        assert_eq!(full.var_text("list"), None);
        assert_eq!(full.var_text("missing"), None);
        let legacy = inv.host("legacy").unwrap();
        assert_eq!(legacy.address(), "192.0.2.2");
        assert_eq!(legacy.explicit_port(), Some(2022));
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
        assert_eq!(esa01.explicit_port(), Some(22));
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
            (esa04.address().as_str(), esa04.explicit_port()),
            ("192.0.2.14", Some(2222))
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
