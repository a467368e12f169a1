//! Ansible inventories, read as ansible-core 2.19 reads them, so that a
//! team's existing inventory works unchanged (README "Inventory"):
//!
//! - sources: YAML (and `.json`) files, INI files, executable inventory
//!   scripts, directories of those (in name order, skipping what Ansible
//!   skips), several `-i` in order;
//! - `group_vars/` and `host_vars/` beside each source, with Ansible's
//!   precedence and `ansible_group_priority`;
//! - YAML as PyYAML reads it (YAML 1.1: `yes` is true, `022` is 18),
//!   INI values as Python literals;
//! - `!vault` values and vault-encrypted files;
//! - connection variables as the ssh connection plugin reads them, with
//!   Jinja rendered by minijinja (`Inventory::connection`);
//! - host patterns with Ansible's order and warnings ([`Inventory::select`]).
//!
//! What is not supported is refused with the file, line and feature.

mod address;
mod connection;
mod environment;
mod facts;
mod files;
mod filters;
mod fnmatch;
mod ini;
mod jinja;
mod json_data;
mod layers;
pub(crate) mod list;
mod lookups;
mod magic;
mod mapping_keys;
mod model;
mod plugin_vars;
mod pyargs;
mod pycase;
mod pychars;
mod pyliteral;
mod pynum;
mod pyops;
mod pyre;
mod pyrepr;
mod ranges;
mod rewrite;
mod script;
mod script_shape;
mod secret_leaves;
mod secret_values;
mod select;
mod sources;
mod template;
mod timestamp;
mod vars;
pub(crate) mod vault;
mod yaml;
mod yaml11;
mod yaml_reader;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub(crate) use connection::{ConnectionVars, Plugin};
use files::VarsFiles;
pub(crate) use layers::HostVars;
use model::Model;
pub(crate) use sources::is_host_list;
use sources::load_source;
#[cfg(test)]
use sources::parse_yaml;
pub(crate) use vars::expand_home;
use vars::scalar_text;
pub(crate) use vault::VaultSecret;

/// A variable value as written in the inventory.
pub(crate) type VarValue = serde_yaml::Value;

/// sshfleet's own way to name the environment variable holding the password.
pub(crate) const PASSWORD_ENV_VAR: &str = "sshfleet_password_env";

/// Where a variable was set: the file and line named in errors.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Origin {
    pub path: PathBuf,
    pub line: usize,
}

/// One host with its effective (merged) variables. Its `Debug` masks the
/// values of secret variables (see [`crate::support::secrets::is_secret_name`])
/// and vaults.
#[derive(Clone, PartialEq)]
pub(crate) struct Host {
    /// The inventory name (what `--limit` and reports use).
    pub name: String,
    /// `all`, then every group the host belongs to, directly or through
    /// `children`, in the order their variables apply.
    pub groups: Vec<String>,
    /// Effective variables, untemplated, in Ansible's precedence: layers
    /// shared with the host's groups, looked up, never copied per host.
    pub vars: HostVars,
}

impl std::fmt::Debug for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let vars: BTreeMap<&str, serde_json::Value> = self
            .vars
            .iter()
            .map(|(k, v)| {
                let shown = if crate::support::secrets::is_secret_name(k) {
                    serde_json::Value::from(crate::support::secrets::MASK)
                } else {
                    vars::to_json(v)
                };
                (k.as_str(), shown)
            })
            .collect();
        f.debug_struct("Host")
            .field("name", &self.name)
            .field("groups", &self.groups)
            .field("vars", &vars)
            .finish()
    }
}

impl Host {
    /// A variable rendered as text (`true`, `15`, `10m`), if set to a scalar.
    pub(crate) fn var_text(&self, name: &str) -> Option<String> {
        self.vars.get(name).and_then(scalar_text)
    }
}

/// One group as the inventory defines it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Group {
    pub name: String,
    /// Hosts listed in the group itself.
    pub hosts: Vec<String>,
    pub children: Vec<String>,
    /// Hosts of the group and its descendants, in Ansible's order.
    pub all_hosts: Vec<String>,
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
    /// `--limit @FILE`: the file of host patterns, which is no inventory.
    #[error("cannot read --limit file {path}: {source}")]
    LimitFile {
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
    /// A host whose `ansible_connection` is not an SSH one (winrm, local,
    /// docker...): `sshfleet inventory` lists it with its connection,
    /// `run` names every such host at once (crate::plan::not_ssh).
    #[error(
        "{}:{line}: host {host}: `ansible_connection` is `{kind}`: sshfleet only reaches hosts over SSH (ssh, paramiko, network_cli, by the names ansible-core 2.19 resolves: `ansible.builtin.paramiko` is none); \
         remove this host from the selection (e.g. --limit '!{host}'), or, if it runs OpenSSH, add -e ansible_connection=ssh",
        path.display()
    )]
    NotSsh {
        path: PathBuf,
        line: usize,
        host: String,
        kind: String,
    },
    #[error("--limit pattern `{pattern}` matches no host in {path}{hint}")]
    NoMatch {
        path: PathBuf,
        pattern: String,
        /// The nearest names, and where to see them all (select.rs).
        hint: String,
    },
    /// Ansible's own error for `web[5]` when `web` has fewer hosts.
    #[error(
        "{path}: No hosts matched the subscripted pattern '{pattern}' ({hosts} host(s) match before the subscript)"
    )]
    Subscript {
        path: PathBuf,
        pattern: String,
        hosts: usize,
    },
}

impl InventoryError {
    /// This error about the vault-decrypted `text` of its file: it names
    /// the file and the line and says what is wrong, quoting none of the
    /// text (docs/SECURITY.md I4): what it quotes is masked, and so is any
    /// word of the message that is a word of the text (a name in
    /// `[g:vars]`). Errors that quote nothing of the text (reading the
    /// file, decrypting it) are kept as they are.
    pub(crate) fn of_secret_text(self, text: &str) -> InventoryError {
        let mask = |message: &str| mask_words(&crate::support::secrets::mask_quoted(message), text);
        match self {
            InventoryError::Invalid {
                path,
                line,
                message,
            } => InventoryError::Invalid {
                path,
                line,
                message: mask(&message),
            },
            InventoryError::InvalidNoLine { path, message } => InventoryError::InvalidNoLine {
                path,
                message: mask(&message),
            },
            other => other,
        }
    }

    pub(crate) fn at(origin: &Origin, message: String) -> InventoryError {
        InventoryError::Invalid {
            path: origin.path.clone(),
            line: origin.line,
            message,
        }
    }
}

/// What separates words, in a message and in the text it is about.
fn is_word_break(c: char) -> bool {
    c.is_whitespace() || "`\"'[](){}:,;=".contains(c)
}

/// `message` with each of its words that is a word of `text` masked.
fn mask_words(message: &str, text: &str) -> String {
    let words: std::collections::HashSet<&str> = text
        .split(is_word_break)
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = String::with_capacity(message.len());
    let mut word = String::new();
    for c in message.chars().chain(std::iter::once(' ')) {
        if is_word_break(c) {
            if words.contains(word.as_str()) {
                out.push_str(crate::support::secrets::MASK);
            } else {
                out.push_str(&word);
            }
            word.clear();
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.pop();
    out
}

/// How to read the sources: the vault password, if any.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoadOptions {
    pub vault: Option<VaultSecret>,
}

/// A loaded inventory.
#[derive(Debug, Clone)]
pub(crate) struct Inventory {
    sources: Vec<PathBuf>,
    /// Every host, in the order of Ansible's `all` pattern.
    hosts: Vec<Host>,
    /// Indexes into `hosts` in the order hosts were first added (the order
    /// Ansible matches host names in).
    added: Vec<usize>,
    /// Every group: `all`, `ungrouped`, then in the order defined.
    groups: Vec<Group>,
    /// Each host's place in `hosts`, by name.
    index: HashMap<String, usize>,
    /// `hostvars` and `groups`, for templates.
    facts: std::sync::Arc<template::Facts>,
}

impl Inventory {
    #[cfg(test)]
    /// One source, no vault password.
    pub(crate) fn load(path: &Path) -> Result<Inventory, InventoryError> {
        Inventory::load_sources(&[path.to_path_buf()], &LoadOptions::default())
    }

    /// Every `-i` source in order, as one inventory.
    pub(crate) fn load_sources(
        sources: &[PathBuf],
        options: &LoadOptions,
    ) -> Result<Inventory, InventoryError> {
        let mut model = Model::new();
        for source in sources {
            load_source(&mut model, source, options)?;
        }
        let mut files = VarsFiles::new(options.vault.clone());
        model.finish(sources.to_vec(), &mut files)
    }

    #[cfg(test)]
    /// Parse YAML inventory `text`; `path` is used only to name the file in
    /// errors.
    pub(crate) fn parse(text: &str, path: &Path) -> Result<Inventory, InventoryError> {
        let mut model = Model::new();
        parse_yaml(&mut model, text, path)?;
        // Text has no directory: no group_vars or host_vars.
        model.finish(vec![path.to_path_buf()], &mut VarsFiles::none())
    }

    /// The first source (for messages).
    /// Where `var` was set for `host` (the file and line errors name).
    pub(crate) fn origin(&self, host: &str, var: &str) -> Option<&Origin> {
        self.host(host)?.vars.origin(var)
    }

    pub(crate) fn path(&self) -> &Path {
        self.sources
            .first()
            .map_or(Path::new("-"), PathBuf::as_path)
    }

    /// Every host, in the order of Ansible's `all` pattern.
    pub(crate) fn hosts(&self) -> &[Host] {
        &self.hosts
    }

    /// Every group: `all`, `ungrouped`, then in the order defined.
    pub(crate) fn groups(&self) -> &[Group] {
        &self.groups
    }

    #[cfg(test)]
    pub(crate) fn group(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// The host with this inventory name.
    pub(crate) fn host(&self, name: &str) -> Option<&Host> {
        self.index.get(name).and_then(|&i| self.hosts.get(i))
    }
}

#[cfg(test)]
mod filter_args_tests;
#[cfg(test)]
mod ini_values_tests;
#[cfg(test)]
mod jinja_tests;
#[cfg(test)]
mod magic_tests;
#[cfg(test)]
mod operators_tests;
#[cfg(test)]
mod pyvalue_tests;
#[cfg(test)]
mod tests;
