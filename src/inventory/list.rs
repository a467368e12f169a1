//! `sshfleet inventory --list`: the JSON shape of `ansible-inventory
//! --list` (groups with `hosts` and `children`, `_meta.hostvars`), with
//! every password variable and `!vault` value masked, so that an operator
//! can diff the two.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Map, Value as Json, json};

use super::Inventory;
use super::vars::to_listed_json;
use crate::support::secrets::{MASK, is_secret_name};

/// The `_meta.profile` ansible-core 2.19's `ansible-inventory --list`
/// writes by default: a consumer that reads the listing back (its script
/// plugin among them) checks it, and only this profile's values are the
/// plain JSON sshfleet prints.
pub(super) const LIST_PROFILE: &str = "inventory_legacy";

/// Every variable `ansible-inventory --list` leaves out of a host's
/// variables (ansible-core's `INTERNAL_STATIC_VARS`), whoever set it: a
/// group or host variable of one of these names is used, never listed.
/// `listing_omits_ansibles_internal_vars` compares it with ansible-core.
pub(super) const LISTING_OMITS: [&str; 33] = [
    "ansible_async_path",
    "ansible_collection_name",
    "ansible_config_file",
    "ansible_dependent_role_names",
    "ansible_diff_mode",
    "ansible_facts",
    "ansible_forks",
    "ansible_inventory_sources",
    "ansible_limit",
    "ansible_play_batch",
    "ansible_play_hosts",
    "ansible_play_hosts_all",
    "ansible_play_role_names",
    "ansible_playbook_python",
    "ansible_role_name",
    "ansible_role_names",
    "ansible_run_tags",
    "ansible_skip_tags",
    "ansible_verbosity",
    "ansible_version",
    "group_names",
    "groups",
    "hostvars",
    "inventory_dir",
    "inventory_file",
    "inventory_hostname",
    "inventory_hostname_short",
    "play_hosts",
    "playbook_dir",
    "role_name",
    "role_names",
    "role_path",
    "role_uuid",
];

impl Inventory {
    /// `ansible-inventory --list`, secrets masked. A float that is not
    /// finite (YAML `.inf`, `.nan`) is refused: ansible-inventory prints
    /// `Infinity`/`NaN`, which JSON has no form for.
    pub(crate) fn to_ansible_json(&self) -> Result<Json, super::InventoryError> {
        let mut out = Map::new();
        let mut hostvars = Map::new();
        let mut encrypted: HashMap<PathBuf, bool> = HashMap::new();
        // ansible-inventory lists the hosts of the pattern `all` (its
        // `get_hosts()`), in every group and in `_meta`: a host named
        // `all` is then the only one, and a group left with none of them
        // (and no children) is not printed.
        let available: std::collections::HashSet<&str> =
            self.select(None)?.iter().map(|h| h.name.as_str()).collect();
        for host in self
            .hosts
            .iter()
            .filter(|h| available.contains(h.name.as_str()))
        {
            let origins = &host.vars;
            let vars: Map<String, Json> = host
                .vars
                .iter()
                .filter(|(k, _)| !LISTING_OMITS.contains(&k.as_str()))
                .map(|(k, v)| {
                    let masked = is_secret_name(k);
                    // A value read from a vault-encrypted file is a vault
                    // value, masked as an inline `!vault` one is.
                    let from_vault = origins.origin(k).is_some_and(|o| {
                        *encrypted
                            .entry(o.path.clone())
                            .or_insert_with(|| super::vault::is_vault_file(&o.path))
                    });
                    let value = if masked && !v.is_null() {
                        json!(MASK)
                    } else if from_vault {
                        json!({ "__ansible_vault": MASK })
                    } else if let Some(f) = super::vars::not_finite(v) {
                        let origin = origins.origin(k).cloned().unwrap_or_default();
                        return Err(super::InventoryError::at(
                            &origin,
                            format!(
                                "host {}: `{k}` holds the float `{f}`, which ansible-inventory --list prints as `{}` (not JSON); sshfleet does not print it",
                                host.name,
                                if f.is_nan() { "NaN" } else if f > 0.0 { "Infinity" } else { "-Infinity" }
                            ),
                        ));
                    } else {
                        to_listed_json(v)
                    };
                    Ok((k.clone(), value))
                })
                .collect::<Result<_, super::InventoryError>>()?;
            if !vars.is_empty() {
                hostvars.insert(host.name.clone(), Json::Object(vars));
            }
        }
        out.insert(
            "_meta".to_string(),
            json!({ "hostvars": hostvars, "profile": LIST_PROFILE }),
        );
        for group in &self.groups {
            let mut entry = Map::new();
            if !group.children.is_empty() {
                entry.insert("children".to_string(), json!(group.children));
            }
            let hosts: Vec<&String> = group
                .hosts
                .iter()
                .filter(|h| available.contains(h.as_str()))
                .collect();
            if !hosts.is_empty() && group.name != "all" {
                entry.insert("hosts".to_string(), json!(hosts));
            }
            if !entry.is_empty() || group.name == "all" {
                out.insert(group.name.clone(), Json::Object(entry));
            }
        }
        Ok(Json::Object(out))
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
            host.vars.insert_unsourced(
                "ansible_connection",
                super::VarValue::String(kind.to_string()),
            );
        }
        // What templates read too.
        for facts in std::sync::Arc::make_mut(&mut self.facts).hosts.values_mut() {
            facts.vars.insert_unsourced(
                "ansible_connection",
                super::VarValue::String(kind.to_string()),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Inventory, LoadOptions, VaultSecret};
    use serde_json::json;
    use std::path::Path;

    /// Values read from a vault-encrypted inventory file (`dmz.yml`) or
    /// vars file (`group_vars/esa/vault.yml`) are listed masked, as inline
    /// `!vault` values are; the rest in clear.
    #[test]
    fn values_from_encrypted_files_are_masked() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/inventories/vault");
        let options = LoadOptions {
            vault: Some(VaultSecret::new("test-vault-password".to_string())),
        };
        let sources = [dir.join("hosts.yml"), dir.join("dmz.yml")];
        let Ok(inv) = Inventory::load_sources(&sources, &options) else {
            unreachable!("the vault corpus loads")
        };
        let Ok(list) = inv.to_ansible_json() else {
            unreachable!("the vault corpus lists")
        };
        let vars = &list["_meta"]["hostvars"];
        let masked = json!({ "__ansible_vault": "***" });
        assert_eq!(vars["relay01.example.com"]["ansible_host"], masked);
        assert_eq!(vars["esa01.example.com"]["vault_sw_user"], masked);
        assert_eq!(vars["esa01.example.com"]["ansible_user"], json!("admin"));
        let text = list.to_string();
        assert!(
            !text.contains("192.0.2.60") && !text.contains("netops"),
            "{text}"
        );
    }
}
