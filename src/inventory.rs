//! Ansible's YAML inventory format, so that a team's existing inventory
//! works unchanged: `all` / `hosts` / `children` / `vars`, `ansible_host`,
//! `ansible_port`, `ansible_user`, `ansible_ssh_private_key_file`. Passwords
//! are never read from the file, only the name of an environment variable.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A variable value as written in the inventory.
pub type VarValue = serde_yaml::Value;

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
    /// `ansible_host`, else the inventory name.
    pub fn address(&self) -> String {
        unimplemented!()
    }
    /// `ansible_port`, else 22.
    pub fn port(&self) -> u16 {
        unimplemented!()
    }
    /// `ansible_user`, if set.
    pub fn user(&self) -> Option<String> {
        unimplemented!()
    }
    /// `ansible_ssh_private_key_file` with `~` expanded, if set.
    pub fn private_key_file(&self) -> Option<PathBuf> {
        unimplemented!()
    }
    /// Name of the environment variable holding the SSH password, if any.
    pub fn password_env(&self) -> Option<String> {
        unimplemented!()
    }
    /// A variable rendered as text (`true`, `15`, `10m`), if set.
    pub fn var_text(&self, _name: &str) -> Option<String> {
        unimplemented!()
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
    _private: (),
}

impl Inventory {
    pub fn load(_path: &Path) -> Result<Inventory, InventoryError> {
        unimplemented!()
    }

    pub fn parse(_text: &str, _path: &Path) -> Result<Inventory, InventoryError> {
        unimplemented!()
    }

    pub fn path(&self) -> &Path {
        unimplemented!()
    }

    /// Every host, in file order.
    pub fn hosts(&self) -> &[Host] {
        unimplemented!()
    }

    /// Hosts selected by an Ansible `--limit` pattern, in file order.
    pub fn select(&self, _limit: Option<&str>) -> Result<Vec<&Host>, InventoryError> {
        unimplemented!()
    }
}
