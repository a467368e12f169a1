//! `sshfleet inventory --list`: the JSON shape of `ansible-inventory
//! --list` (groups with `hosts` and `children`, `_meta.hostvars`), with
//! every password variable and `!vault` value masked, so that an operator
//! can diff the two.

use serde_json::{Map, Value as Json, json};

use super::Inventory;
use super::vars::to_json;
use crate::support::secrets::{MASK, is_secret_name};

impl Inventory {
    /// `ansible-inventory --list`, secrets masked.
    pub(crate) fn to_ansible_json(&self) -> Json {
        let mut out = Map::new();
        let mut hostvars = Map::new();
        for host in &self.hosts {
            let vars: Map<String, Json> = host
                .vars
                .iter()
                .map(|(k, v)| {
                    let masked = is_secret_name(k);
                    let value = if masked && !v.is_null() {
                        json!(MASK)
                    } else {
                        to_json(v)
                    };
                    (k.clone(), value)
                })
                .collect();
            if !vars.is_empty() {
                hostvars.insert(host.name.clone(), Json::Object(vars));
            }
        }
        out.insert("_meta".to_string(), json!({ "hostvars": hostvars }));
        for group in &self.groups {
            let mut entry = Map::new();
            if !group.children.is_empty() {
                entry.insert("children".to_string(), json!(group.children));
            }
            if !group.hosts.is_empty() && group.name != "all" {
                entry.insert("hosts".to_string(), json!(group.hosts));
            }
            if !entry.is_empty() || group.name == "all" {
                out.insert(group.name.clone(), Json::Object(entry));
            }
        }
        Json::Object(out)
    }
}

/// `-e ansible_connection=VALUE`: one connection for every host, as
/// Ansible's extra variables beat the inventory's; only SSH ones are taken.
#[derive(Debug, thiserror::Error)]
#[error(
    "-e ansible_connection={0}: sshfleet only reaches hosts over SSH (ssh, smart, paramiko, network_cli)"
)]
pub(crate) struct NotAnSshConnection(pub String);

impl Inventory {
    /// Every host connects with `kind` (`-e ansible_connection=ssh`: the
    /// Windows endpoints an inventory marks `winrm` run OpenSSH too).
    pub(crate) fn override_connection(&mut self, kind: &str) -> Result<(), NotAnSshConnection> {
        if super::connection::Plugin::of(kind).is_none() {
            return Err(NotAnSshConnection(kind.to_string()));
        }
        for host in &mut self.hosts {
            host.vars.insert(
                "ansible_connection".to_string(),
                super::VarValue::String(kind.to_string()),
            );
            if let Some(origins) = self.origins.get_mut(&host.name) {
                origins.remove("ansible_connection");
            }
        }
        // What templates read too.
        for facts in std::sync::Arc::make_mut(&mut self.facts).hosts.values_mut() {
            facts.vars.insert(
                "ansible_connection".to_string(),
                super::VarValue::String(kind.to_string()),
            );
        }
        Ok(())
    }
}
